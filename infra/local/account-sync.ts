/**
 * Email accounts in the local stack, wired as infra/constructs/mail-accounts.ts deploys them: the
 * sync queue (with its DLQ) consumed by `functions/imap-sync/handler.ts`, the bus rule that puts
 * account changes on it, the recurring schedules (the scheduler stand-in's `rate(...)` support)
 * delivered to it, and the account-checks function behind its routes. Credentials are encrypted
 * with an AES-256-GCM key kept in the data directory (a throwaway one in memory mode). Nothing in
 * `functions/` or `shared/` imports from here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ACCOUNT_CHANGE_DETAIL_TYPES, ACCOUNT_CHECK_ROUTE_KEYS, ACCOUNTS_ENV } from '../../shared/accounts/env.js';
import { matchesRouteKey } from '../../shared/api/router.js';
import { EVENT_SOURCE } from '../../shared/events/contracts.js';
import type { LocalEventBus } from './event-bus.js';
import type { ApiHandler } from './http-gateway.js';
import type { Logger } from './logger.js';
import { startSqsPoller, type SqsHandler } from './sqs-poller.js';

/** As deployed (infra/constructs/mail-accounts.ts). */
const SYNC_TIMEOUT_MS = 60_000;
const SYNC_MAX_RECEIVES = 5;

export interface AccountSyncOptions {
  sqs: SQSClient;
  bus: Pick<LocalEventBus, 'addRule'>;
  region: string;
  account: string;
  /** Where the credentials key lives; null keeps a throwaway key for this run. */
  dataDir: string | null;
  inboundQueueUrl: string;
  visibilityTimeoutSeconds: number;
  setEnv(name: string, value: string): void;
  logger: Logger;
  /** Replace the handlers (tests of the glue). */
  handlers?: { sync?: SqsHandler; checks?: ApiHandler };
}

export interface LocalAccountSync {
  queueUrl: string;
  queueArn: string;
  /** Delivers a fired schedule's input to the sync queue. */
  deliver(input: string): Promise<void>;
  /** API Gateway's routing: the account check routes to their function, the rest to `api`. */
  dispatch(api: ApiHandler): ApiHandler;
  busy(): number;
  stop(): Promise<void>;
}

export async function startAccountSync(options: AccountSyncOptions): Promise<LocalAccountSync> {
  const { sqs } = options;
  const arnOf = async (queueUrl: string): Promise<string> => {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    if (Attributes?.QueueArn === undefined) throw new Error(`queue ${queueUrl} has no QueueArn`);
    return Attributes.QueueArn;
  };
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'mailroom-local-account-sync-dlq' }));
  const queue = await sqs.send(new CreateQueueCommand({
    QueueName: 'mailroom-local-account-sync',
    Attributes: {
      VisibilityTimeout: String(options.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlq.QueueUrl!), maxReceiveCount: SYNC_MAX_RECEIVES }),
    },
  }));
  const queueUrl = queue.QueueUrl!;
  const queueArn = await arnOf(queueUrl);

  const keyDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'mailroom-accounts-'));
  options.setEnv(ACCOUNTS_ENV.keyFile, join(keyDir, 'account-credentials.key'));
  options.setEnv(ACCOUNTS_ENV.inboundQueueUrl, options.inboundQueueUrl);
  options.setEnv(ACCOUNTS_ENV.syncQueueArn, queueArn);
  options.setEnv(ACCOUNTS_ENV.syncQueueUrl, queueUrl);
  options.setEnv(ACCOUNTS_ENV.scheduleGroup, 'mailroom-local-accounts');
  options.setEnv(ACCOUNTS_ENV.schedulerRoleArn, `arn:aws:iam::${options.account}:role/mailroom-local-accounts-scheduler`);

  // Imported once the environment is set, as a Lambda container would start.
  const sync = options.handlers?.sync ?? ((await import('../../functions/imap-sync/handler.js')).handler as unknown as SqsHandler);
  const checks = options.handlers?.checks ?? ((await import('../../functions/imap-sync/checks-handler.js')).handler as unknown as ApiHandler);

  const removeRule = options.bus.addRule({ source: [EVENT_SOURCE], 'detail-type': [...ACCOUNT_CHANGE_DETAIL_TYPES] }, async (event) => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }));
  });
  const poller = startSqsPoller({
    sqs, queueUrl, queueArn, region: options.region, handler: sync, functionName: 'mailroom-imap-sync',
    timeoutMs: SYNC_TIMEOUT_MS, batchSize: 1, visibilityTimeoutSeconds: options.visibilityTimeoutSeconds, concurrency: 1, logger: options.logger,
  });

  return {
    queueUrl,
    queueArn,
    deliver: async (input) => {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: input }));
    },
    dispatch: (api) => (event, context) => {
      const { method } = event.requestContext.http;
      return ACCOUNT_CHECK_ROUTE_KEYS.some((key) => matchesRouteKey(key, method, event.rawPath)) ? checks(event, context) : api(event, context);
    },
    busy: () => poller.busy(),
    stop: async () => {
      removeRule();
      await poller.stop();
      if (options.dataDir === null) rmSync(keyDir, { recursive: true, force: true });
    },
  };
}
