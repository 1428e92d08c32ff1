/**
 * Local stand-in for SES event publishing. aws-ses-v2-local accepts mail but publishes no delivery
 * events, so tests and developers inject them here: an SES event record is put on the local bus
 * in the EventBridge envelope SES uses (`source: aws.ses`, the detail-type of its event type, the
 * configuration-set tag), and a rule with the deployed pattern hands it to the delivery handler,
 * exactly as the default bus does on AWS. Nothing here is bundled into a function.
 * See https://docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { SES_DETAIL_TYPE_OF, sesDeliveryEventPattern, type SesEvent } from '../../shared/outbox/delivery-ses-event.js';
import type { LocalEventBus } from './event-bus.js';
import { lambdaContext } from './lambda-context.js';
import type { Logger } from './logger.js';

/** The configuration set the local stack pretends to send with. */
export const LOCAL_CONFIGURATION_SET = 'mailroom-local';

export type DeliveryHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Lambda retries a failed asynchronous invocation twice; so does the stand-in, without the minutes in between. */
const ATTEMPTS = 3;

/** Routes the configuration set's events on the local bus to the delivery handler; returns the rule's remover. */
export function addDeliveryRule(bus: Pick<LocalEventBus, 'addRule'>, handler: DeliveryHandler, options: { region: string; timeoutMs: number; logger: Logger }): () => void {
  return bus.addRule(sesDeliveryEventPattern(LOCAL_CONFIGURATION_SET), async (event) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await handler(event, lambdaContext('mailroom-delivery', options.region, options.timeoutMs));
        return;
      } catch (error) {
        if (attempt >= ATTEMPTS) throw error;
        options.logger.warn(`delivery: attempt ${attempt} failed for ${event.id}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
}

/** An SES event record without the parts SES fills in itself (tags), for tests and fixtures. */
export type SesEventInput = SesEvent & { mail: SesEvent['mail'] & { tags?: Record<string, string[]> } };

/** Puts an SES event record on the local bus as SES would (PutEvents through the real SDK). */
export async function putSesEvent(eventBusUrl: string, region: string, record: SesEventInput): Promise<void> {
  const client = new EventBridgeClient({ endpoint: eventBusUrl, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const detail = { ...record, mail: { ...record.mail, tags: { ...record.mail.tags, 'ses:configuration-set': [LOCAL_CONFIGURATION_SET] } } };
    const result = await client.send(new PutEventsCommand({
      Entries: [{ Source: 'aws.ses', DetailType: SES_DETAIL_TYPE_OF[record.eventType], Detail: JSON.stringify(detail), EventBusName: 'default' }],
    }));
    if (result.FailedEntryCount) throw new Error(`local bus refused the SES event: ${JSON.stringify(result.Entries)}`);
  } finally {
    client.destroy();
  }
}
