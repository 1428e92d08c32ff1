/**
 * Production wiring of the notify function (system-generated mail) from the environment, built
 * once per Lambda container: the table, the mail bucket (raw .eml), the outbox queue and the bus.
 * No SES client: system mail is sent by the sender like any other outgoing message.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { ENV, requireEnv } from '../config/env.js';
import { getDocumentClient, getEventBridgeClient, getS3Client } from '../adapters/aws.js';
import { Table } from '../adapters/dynamodb-table.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { S3BlobStore } from '../adapters/s3-blob-store.js';
import { Directory } from '../org/directory.js';
import { systemClock } from '../ports/index.js';
import { withEndpoint, retryPolicyFromEnv } from './deps.js';
import { NOTIFY_APP_URL_ENV, OUTBOX_ENV, requireOutboxEnv } from './env.js';
import { OutboxStore } from './outbox-store.js';
import { SqsOutboxQueue } from './queue.js';
import type { SystemMailDeps } from './system-mail.js';

export function systemMailDepsFromEnv(): SystemMailDeps {
  const table = new Table(getDocumentClient(), requireEnv(ENV.tableName));
  return {
    table,
    outbox: new OutboxStore(table),
    directory: new Directory(table),
    blobs: new S3BlobStore(getS3Client(), requireEnv(ENV.mailBucket)),
    queue: new SqsOutboxQueue(new SQSClient(withEndpoint('sqs')), requireOutboxEnv(OUTBOX_ENV.queueUrl)),
    events: new EventBridgePublisher(getEventBridgeClient(), requireEnv(ENV.eventBusName)),
    clock: systemClock,
    defaults: { maxAttempts: retryPolicyFromEnv().maxAttempts, connector: 'ses' },
    appUrl: process.env[NOTIFY_APP_URL_ENV] || null,
  };
}
