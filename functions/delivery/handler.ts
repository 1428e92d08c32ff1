/**
 * Delivery function: SES delivery events (delivery, bounce, complaint, delivery delay, reject) from
 * the configuration set's event destination, through an EventBridge rule, one event per
 * invocation. Each updates the recipients of the outbound message it names (`trackSesEvent`),
 * idempotently, so EventBridge's and Lambda's retries are safe. An event that is not an SES event
 * Mailroom tracks is logged and dropped (retrying cannot fix it); an infrastructure error or an
 * event that overtook the sender's `sent` write throws, so it is retried and, at last, lands in
 * the dead-letter queue.
 */
import middy from '@middy/core';
import { deliveryDepsFromEnv } from '../../shared/outbox/delivery-deps.js';
import { sesEventBridgeSchema } from '../../shared/outbox/delivery-ses-event.js';
import { trackSesEvent, type DeliveryDeps, type DeliveryOutcome } from '../../shared/outbox/delivery-tracker.js';

export async function handleDeliveryEvent(event: unknown, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const parsed = sesEventBridgeSchema.safeParse(event);
  if (!parsed.success) {
    console.error(JSON.stringify({ level: 'error', msg: 'not a tracked SES event; dropped', issues: parsed.error.issues.slice(0, 5) }));
    return { kind: 'ignored', reason: 'not a tracked SES event' };
  }
  const outcome = await trackSesEvent(parsed.data.detail, deps);
  console.log(JSON.stringify({ level: 'info', msg: 'delivery event processed', id: parsed.data.id, eventType: parsed.data.detail.eventType, providerMessageId: parsed.data.detail.mail.messageId, outcome }));
  return outcome;
}

/** The Lambda handler for given dependencies, built on first use (after the environment is set). */
export function createDeliveryHandler(depsFactory: () => DeliveryDeps = deliveryDepsFromEnv) {
  let deps: DeliveryDeps | undefined;
  return middy<unknown, DeliveryOutcome>().handler((event) => handleDeliveryEvent(event, (deps ??= depsFactory())));
}

export const handler = createDeliveryHandler();
