/**
 * Inbound function: consumes the inbound SQS queue (SES "Received" notifications through SNS, or
 * S3 ObjectCreated notifications) and runs `receiveMessage` for each stored raw message.
 * Failures are reported per record (ReportBatchItemFailures) so one bad record never blocks or
 * replays the others; a record that keeps failing reaches the dead-letter queue (alarmed) and is
 * recorded as quarantined so administrators can list it.
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ENV, numberEnv, requireEnv } from '../../shared/config/env.js';
import { receiveMessage, type InboundDeps, type InboundInput } from '../../shared/inbound/receive-message.js';
import { inboundDepsFromEnv } from '../../shared/inbound/deps.js';
import { getDocumentClient } from '../../shared/adapters/aws.js';
import { Table } from '../../shared/adapters/dynamodb-table.js';
import { imapEnvelopeRecipients } from '../../shared/accounts/inbound-routing.js';
import type { DomainEvent } from '../../shared/ports/index.js';
import { s3ObjectCreatedSchema, sesReceivedNotificationSchema, snsEnvelopeSchema } from './schema.js';

export class UnrecognisedEventError extends Error {
  constructor(detail: string) {
    super(`Unrecognised inbound event: ${detail}`);
    this.name = 'UnrecognisedEventError';
  }
}

/** Turns one SQS record body into the raw objects it announces. */
export function inputsFromRecord(body: string, bucket: string): InboundInput[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new UnrecognisedEventError('body is not JSON');
  }
  const envelope = snsEnvelopeSchema.safeParse(json);
  if (envelope.success) return inputsFromRecord(envelope.data.Message, bucket);
  const ses = sesReceivedNotificationSchema.safeParse(json);
  if (ses.success) {
    const { receipt, mail } = ses.data;
    if (receipt.action.bucketName !== bucket) throw new UnrecognisedEventError(`bucket ${receipt.action.bucketName} is not the mail bucket`);
    return [{
      rawKey: receipt.action.objectKey, envelopeRecipients: receipt.recipients, receivedAt: mail.timestamp,
      verdicts: { spam: receipt.spamVerdict?.status ?? null, virus: receipt.virusVerdict?.status ?? null },
    }];
  }
  const s3 = s3ObjectCreatedSchema.safeParse(json);
  if (s3.success) {
    return s3.data.Records.filter((r) => r.s3.bucket.name === bucket).map((r) => ({
      // S3 event keys are URL-encoded with '+' for spaces.
      rawKey: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')), envelopeRecipients: [], receivedAt: null,
    }));
  }
  // S3 sends a test event when notifications are configured; it announces nothing.
  if (typeof json === 'object' && json !== null && (json as { Event?: string }).Event === 's3:TestEvent') return [];
  throw new UnrecognisedEventError(ses.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 3).join('; '));
}

export interface InboundHandlerDeps extends InboundDeps {
  bucket: string;
  maxReceives: number;
  /** Envelope recipients of mail an IMAP account synced in, which has none (shared/accounts/inbound-routing.ts). */
  imapRecipients?: (rawKey: string) => Promise<string[] | null>;
}

export async function processRecord(record: SQSRecord, deps: InboundHandlerDeps): Promise<void> {
  const attempts = Number(record.attributes.ApproximateReceiveCount ?? '1');
  const inputs = inputsFromRecord(record.body, deps.bucket);
  for (const input of inputs) {
    try {
      const recipients = input.envelopeRecipients.length === 0 ? await deps.imapRecipients?.(input.rawKey) : null;
      if (recipients) input.envelopeRecipients = recipients;
      await receiveMessage(input, deps);
      if (attempts > 1) await deps.store.clearFailure(input.rawKey);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      console.error(JSON.stringify({ level: 'error', msg: 'inbound processing failed', rawKey: input.rawKey, attempts, error: message }));
      await deps.store.recordFailure(input.rawKey, message, attempts, attempts >= deps.maxReceives, deps.clock.now().toISOString())
        .catch((recordError: unknown) => console.error(JSON.stringify({ level: 'error', msg: 'could not record failure', error: String(recordError) })));
      throw error;
    }
  }
}

/**
 * Processes a batch. Events are collected and put once per batch (PutEvents takes 10 at a time)
 * rather than once per message; if that fails, every record that produced events is reported
 * failed and retried, which republishes the same event ids.
 */
export async function handleInbound(event: SQSEvent, deps: InboundHandlerDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  const buffered: { recordId: string; events: DomainEvent[] }[] = [];
  // One at a time: a 40 MB message needs most of the function's memory.
  for (const record of event.Records) {
    const events: DomainEvent[] = [];
    try {
      await processRecord(record, { ...deps, events: { publish: async (e) => { events.push(...e); } } });
      if (events.length > 0) buffered.push({ recordId: record.messageId, events });
    } catch (error) {
      if (error instanceof UnrecognisedEventError) {
        console.error(JSON.stringify({ level: 'error', msg: error.message, messageId: record.messageId }));
      }
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  if (buffered.length > 0) {
    try {
      await deps.events.publish(buffered.flatMap((b) => b.events));
    } catch (error) {
      console.error(JSON.stringify({ level: 'error', msg: 'publishing events failed; records will be retried', error: String(error) }));
      batchItemFailures.push(...buffered.map((b) => ({ itemIdentifier: b.recordId })));
    }
  }
  return { batchItemFailures };
}

let deps: InboundHandlerDeps | undefined;

function depsFromEnv(): InboundHandlerDeps {
  deps ??= {
    ...inboundDepsFromEnv(), bucket: requireEnv(ENV.mailBucket), maxReceives: numberEnv(ENV.inboundMaxReceives, 3),
    imapRecipients: imapEnvelopeRecipients(new Table(getDocumentClient(), requireEnv(ENV.tableName))),
  };
  return deps;
}

export const handler = middy<SQSEvent, SQSBatchResponse>().handler((event) => handleInbound(event, depsFromEnv()));
