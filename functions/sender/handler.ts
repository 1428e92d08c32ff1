/**
 * Sender function: consumes the outbox queue. Each record is a send trigger
 * (`{ messageKey, attempt }`, from the API after the undo window or from a one-time schedule) and
 * runs `processSendTrigger`, which calls the provider at most once per attempt however often the
 * trigger is delivered. Failures are reported per record (ReportBatchItemFailures): only an
 * infrastructure error (DynamoDB, S3, Scheduler unreachable) or an attempt still in progress
 * elsewhere hands the record back to SQS; provider failures are handled by the retry policy.
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { senderDepsFromEnv } from '../../shared/outbox/sender-deps.js';
import { processSendTrigger, type SenderDeps, type SendOutcome } from '../../shared/outbox/send.js';
import { sendTriggerSchema } from '../../shared/outbox/trigger.js';

/** A record whose body is not a trigger: retrying cannot fix it, so it is logged and dropped. */
function parseTrigger(record: SQSRecord) {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    return null;
  }
  const parsed = sendTriggerSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

export async function handleSend(event: SQSEvent, deps: SenderDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const trigger = parseTrigger(record);
    if (!trigger) {
      console.error(JSON.stringify({ level: 'error', msg: 'not a send trigger; dropped', messageId: record.messageId, body: record.body.slice(0, 200) }));
      continue;
    }
    let outcome: SendOutcome;
    try {
      outcome = await processSendTrigger(trigger, deps);
    } catch (error) {
      console.error(JSON.stringify({ level: 'error', msg: 'send trigger failed; SQS will deliver it again', ...trigger, error: error instanceof Error ? error.stack : String(error) }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    console.log(JSON.stringify({ level: 'info', msg: 'send trigger processed', ...trigger, outcome }));
    if (outcome.kind === 'in_progress') batchItemFailures.push({ itemIdentifier: record.messageId });
  }
  return { batchItemFailures };
}

/**
 * The Lambda handler for given dependencies, built on first use (after the environment is set),
 * so the local stack and tests can wrap the production wiring (e.g. a connector that fails once).
 */
export function createSenderHandler(depsFactory: () => SenderDeps = senderDepsFromEnv) {
  let deps: SenderDeps | undefined;
  return middy<SQSEvent, SQSBatchResponse>().handler((event) => handleSend(event, (deps ??= depsFactory())));
}

export const handler = createSenderHandler();
