/**
 * Production wiring of the outbox's compose/cancel side from the environment, used by the compose
 * function (functions/compose/, built once per Lambda container; the API function never imports
 * it); the sender's is in sender-deps.ts, so the compose bundle does not carry the SES client.
 * SQS, SES and Scheduler clients are built here with the same endpoint overrides as the other
 * clients (shared/adapters/aws.ts), so the embedded local stack reaches its emulators and
 * stand-ins through the real SDK.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ENV, requireEnv } from '../config/env.js';
import { endpointFor, getDocumentClient, getEventBridgeClient, getS3Client } from '../adapters/aws.js';
import { Table } from '../adapters/dynamodb-table.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { S3BlobStore } from '../adapters/s3-blob-store.js';
import { MailStore } from '../inbound/mail-store.js';
import { systemClock } from '../ports/index.js';
import type { ComposeDeps } from './compose.js';
import { OUTBOX_ENV, outboxNumberEnv, requireOutboxEnv } from './env.js';
import { OutboxStore } from './outbox-store.js';
import { SqsOutboxQueue } from './queue.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import { EventBridgeRetryScheduler } from './retry-scheduler.js';

/** Client config with the local stack's endpoint override for the service, if any. */
export const withEndpoint = (service: 'sqs' | 'ses' | 'scheduler') => {
  const endpoint = endpointFor(service);
  return endpoint === undefined ? {} : { endpoint };
};

/** The deployment's retry policy: defaults unless the stage overrides them (admin-configurable per deployment). */
export function retryPolicyFromEnv(): RetryPolicy {
  return {
    ...DEFAULT_RETRY_POLICY,
    maxAttempts: outboxNumberEnv(OUTBOX_ENV.maxAttempts, DEFAULT_RETRY_POLICY.maxAttempts),
    baseDelayMs: outboxNumberEnv(OUTBOX_ENV.retryBaseMs, DEFAULT_RETRY_POLICY.baseDelayMs),
    maxDelayMs: outboxNumberEnv(OUTBOX_ENV.retryMaxMs, DEFAULT_RETRY_POLICY.maxDelayMs),
  };
}

/** One-time schedules in the outbox's group, targeting the outbox queue through the scheduler role. */
export function schedulerFromEnv(): EventBridgeRetryScheduler {
  return new EventBridgeRetryScheduler(new SchedulerClient(withEndpoint('scheduler')), {
    group: requireOutboxEnv(OUTBOX_ENV.scheduleGroup),
    queueArn: requireOutboxEnv(OUTBOX_ENV.queueArn),
    roleArn: requireOutboxEnv(OUTBOX_ENV.schedulerRoleArn),
  });
}

/** What compose, cancel and the sender share: the table, the mail bucket, the scheduler, the bus. */
export function outboxCommonFromEnv() {
  const table = new Table(getDocumentClient(), requireEnv(ENV.tableName));
  const blobs = new S3BlobStore(getS3Client(), requireEnv(ENV.mailBucket));
  return {
    table, blobs, outbox: new OutboxStore(table), scheduler: schedulerFromEnv(),
    events: new EventBridgePublisher(getEventBridgeClient(), requireEnv(ENV.eventBusName)), clock: systemClock,
  };
}

/** Compose and cancel: the outbox queue for triggers, the deployment's undo window and attempt count. */
export function composeDepsFromEnv(): ComposeDeps {
  const base = outboxCommonFromEnv();
  return {
    ...base,
    mail: new MailStore(base.table, base.blobs),
    queue: new SqsOutboxQueue(new SQSClient(withEndpoint('sqs')), requireOutboxEnv(OUTBOX_ENV.queueUrl)),
    defaults: {
      undoSeconds: outboxNumberEnv(OUTBOX_ENV.undoSeconds, 10),
      maxAttempts: retryPolicyFromEnv().maxAttempts,
      connector: 'ses',
    },
  };
}
