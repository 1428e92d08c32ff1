/** Production wiring of the inbound use case from the environment (built once per Lambda container). */
import { ENV, numberEnv, requireEnv } from '../config/env.js';
import { getDocumentClient, getEventBridgeClient, getS3Client } from '../adapters/aws.js';
import { DynamoMeter, Table } from '../adapters/dynamodb-table.js';
import { S3BlobStore } from '../adapters/s3-blob-store.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { systemClock } from '../ports/index.js';
import { DeliveryReportTracker } from '../outbox/delivery-tracker.js';
import { MailStore } from './mail-store.js';
import type { InboundDeps } from './receive-message.js';

export function inboundDepsFromEnv(meter?: DynamoMeter): InboundDeps & { blobs: S3BlobStore } {
  const blobs = new S3BlobStore(getS3Client(), requireEnv(ENV.mailBucket));
  const table = new Table(getDocumentClient(), requireEnv(ENV.tableName), meter);
  const events = new EventBridgePublisher(getEventBridgeClient(), requireEnv(ENV.eventBusName));
  return {
    store: new MailStore(table, blobs),
    blobs,
    events,
    clock: systemClock,
    subjectWindowHours: numberEnv(ENV.subjectWindowHours, 72),
    reports: new DeliveryReportTracker({ table, events, clock: systemClock }),
  };
}
