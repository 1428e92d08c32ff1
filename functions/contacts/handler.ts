/**
 * Contacts function: consumes the contacts queue (`Message Received` and `Message Sent` events,
 * put there by a bus rule). A received message updates the address book from its participants and
 * joins its cases; a sent one joins the case of its conversation. Failures are reported per record (ReportBatchItemFailures), retried by
 * SQS, then dead-lettered.
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { contactsDepsFromEnv } from '../../shared/contacts/deps.js';
import { parseMessageReceived, processMessageReceived, type ParticipantsDeps } from '../../shared/contacts/participants-consumer.js';

export async function handleContacts(event: SQSEvent, deps: ParticipantsDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const parsed = parseMessageReceived(record.body);
    if (!parsed) {
      console.error(JSON.stringify({ level: 'error', msg: 'not a Message Received or Message Sent event; dropped', messageId: record.messageId, body: record.body.slice(0, 200) }));
      continue;
    }
    const messageKey = parsed.detail.data.messageKey;
    const kind = parsed['detail-type'];
    try {
      const outcome = await processMessageReceived(parsed, deps);
      console.log(JSON.stringify({ level: 'info', msg: 'message processed for contacts and cases', kind, messageKey, ...outcome }));
    } catch (error) {
      console.error(JSON.stringify({ level: 'error', msg: 'contacts and cases failed; SQS will deliver the record again', kind, messageKey, error: error instanceof Error ? error.stack : String(error) }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

/** The Lambda handler for given dependencies, built on first use (after the environment is set). */
export function createContactsHandler(depsFactory: () => ParticipantsDeps = contactsDepsFromEnv) {
  let deps: ParticipantsDeps | undefined;
  return middy<SQSEvent, SQSBatchResponse>().handler((event) => handleContacts(event, (deps ??= depsFactory())));
}

export const handler = createContactsHandler();
