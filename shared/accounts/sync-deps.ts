/**
 * Production wiring of the mail-accounts function from the environment (built once per Lambda
 * container): the sync (S3, inbound queue, checkpoints, cipher) and the schedules.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ENV, requireEnv } from '../config/env.js';
import { endpointFor, getDocumentClient, getEventBridgeClient, getS3Client } from '../adapters/aws.js';
import { Table } from '../adapters/dynamodb-table.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { S3BlobStore } from '../adapters/s3-blob-store.js';
import { DynamoCheckpointStore } from '../connectors/imap-sync.js';
import { systemClock } from '../ports/index.js';
import { cipherFromEnv } from './cipher-env.js';
import { ACCOUNTS_ENV, requireAccountsEnv } from './env.js';
import { AccountRepository } from './repository.js';
import { EventBridgeSyncSchedules, syncTick, type SyncSchedules } from './schedules.js';
import { DEFAULT_SYNC_BUDGET, InboundQueueSink, type AccountSyncDeps } from './sync.js';

const withEndpoint = (service: 'sqs' | 'scheduler') => {
  const endpoint = endpointFor(service);
  return endpoint === undefined ? {} : { endpoint };
};

export interface MailAccountsDeps {
  sync: AccountSyncDeps;
  schedules: SyncSchedules;
  accounts: AccountRepository;
}

export function mailAccountsDepsFromEnv(): MailAccountsDeps {
  const table = new Table(getDocumentClient(), requireEnv(ENV.tableName));
  const bucket = requireEnv(ENV.mailBucket);
  const sqs = new SQSClient(withEndpoint('sqs'));
  const inboundQueueUrl = requireAccountsEnv(ACCOUNTS_ENV.inboundQueueUrl);
  const syncQueueArn = requireAccountsEnv(ACCOUNTS_ENV.syncQueueArn);
  const accounts = new AccountRepository(table);
  const syncQueueUrl = requireAccountsEnv(ACCOUNTS_ENV.syncQueueUrl);
  return {
    accounts,
    schedules: new EventBridgeSyncSchedules(new SchedulerClient(withEndpoint('scheduler')), {
      group: requireAccountsEnv(ACCOUNTS_ENV.scheduleGroup), queueArn: syncQueueArn, roleArn: requireAccountsEnv(ACCOUNTS_ENV.schedulerRoleArn),
    }),
    sync: {
      accounts, cipher: cipherFromEnv(), checkpoints: new DynamoCheckpointStore(table),
      sink: new InboundQueueSink({
        blobs: new S3BlobStore(getS3Client(), bucket), bucket, region: process.env.AWS_REGION ?? 'us-east-1', clock: systemClock,
        notify: async (body) => { await sqs.send(new SendMessageCommand({ QueueUrl: inboundQueueUrl, MessageBody: body })); },
      }),
      events: new EventBridgePublisher(getEventBridgeClient(), requireEnv(ENV.eventBusName)),
      clock: systemClock,
      budget: DEFAULT_SYNC_BUDGET,
      // Caught up in the next run, 10 s later, rather than at the next interval.
      again: async (accountId) => {
        await sqs.send(new SendMessageCommand({ QueueUrl: syncQueueUrl, MessageBody: syncTick(accountId), DelaySeconds: 10 }));
      },
    },
  };
}
