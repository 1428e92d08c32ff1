/**
 * Environment variables of the outbox, set by the CDK construct (infra/constructs/outbox.ts) and
 * the local stack, read by the compose function (compose, cancel, retry) and the sender.
 */
export const OUTBOX_ENV = {
  /** URL of the outbox queue: the compose function enqueues new messages there. */
  queueUrl: 'MAILROOM_OUTBOX_QUEUE_URL',
  /** ARN of the outbox queue: the target of one-time schedules (retries, scheduled sends). */
  queueArn: 'MAILROOM_OUTBOX_QUEUE_ARN',
  /** EventBridge Scheduler group holding the outbox's one-time schedules. */
  scheduleGroup: 'MAILROOM_OUTBOX_SCHEDULE_GROUP',
  /** Role EventBridge Scheduler assumes to send to the outbox queue. */
  schedulerRoleArn: 'MAILROOM_OUTBOX_SCHEDULER_ROLE_ARN',
  /** SES configuration set named on every send (delivery, bounce and complaint events). */
  sesConfigurationSet: 'MAILROOM_SES_CONFIGURATION_SET',
  /** Default undo-send window in seconds (SQS DelaySeconds, 0 to 900; default 10). */
  undoSeconds: 'MAILROOM_OUTBOX_UNDO_SECONDS',
  /** Attempts per message, the first included (default 5). */
  maxAttempts: 'MAILROOM_OUTBOX_MAX_ATTEMPTS',
  /** First retry delay cap in milliseconds (default 30000); doubles per attempt. */
  retryBaseMs: 'MAILROOM_OUTBOX_RETRY_BASE_MS',
  /** Largest retry delay in milliseconds (default 1800000). */
  retryMaxMs: 'MAILROOM_OUTBOX_RETRY_MAX_MS',
} as const;

/** Key prefix of raw outgoing mail in the mail bucket (beside `inbound/`): stored once, sent as is. */
export const OUTBOUND_PREFIX = 'outbound/';

/**
 * SQS's maximum message delay, the longest undo window: here rather than in queue.ts so the API's
 * request schemas can name it without importing the SQS client.
 * See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html
 */
export const MAX_DELAY_SECONDS = 900;

export type OutboxEnvName = (typeof OUTBOX_ENV)[keyof typeof OUTBOX_ENV];

/** A missing variable is a deployment bug: fail at once with its name. */
export function requireOutboxEnv(name: OutboxEnvName): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Missing required environment variable ${name}`);
  return value;
}

export function outboxNumberEnv(name: OutboxEnvName, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`Environment variable ${name} must be a number, got "${raw}"`);
  return value;
}

/** Base URL of the web app, for links in notification emails (optional; no link when unset). */
export const NOTIFY_APP_URL_ENV = 'MAILROOM_APP_URL';
