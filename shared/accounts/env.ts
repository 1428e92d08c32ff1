/**
 * Environment variable names of the email-accounts capability, shared by its CDK construct (which
 * sets them), its handlers and the API (which read them) and the local stack.
 */
export const ACCOUNTS_ENV = {
  /** Maximum active accounts per organisation (default {@link DEFAULT_ACCOUNT_QUOTA}). */
  quota: 'MAILROOM_ACCOUNT_QUOTA',
  /** KMS key (id or ARN) that encrypts account credentials, in AWS. */
  kmsKeyId: 'MAILROOM_ACCOUNTS_KMS_KEY_ID',
  /** AES-256-GCM key file that encrypts account credentials, in the local stack (created on first use). */
  keyFile: 'MAILROOM_ACCOUNTS_KEY_FILE',
  /** Queue the IMAP sync writes S3 `ObjectCreated` notifications to: the inbound queue. */
  inboundQueueUrl: 'MAILROOM_ACCOUNTS_INBOUND_QUEUE_URL',
  /** Queue the recurring sync schedules put `{ accountId }` on (the sync function's queue). */
  syncQueueArn: 'MAILROOM_ACCOUNTS_SYNC_QUEUE_ARN',
  /** The same queue by URL: a run stopped by its budget asks for the next one there. */
  syncQueueUrl: 'MAILROOM_ACCOUNTS_SYNC_QUEUE_URL',
  /** EventBridge Scheduler group of the per-account recurring schedules. */
  scheduleGroup: 'MAILROOM_ACCOUNTS_SCHEDULE_GROUP',
  /** Role EventBridge Scheduler assumes to put a sync tick on the sync queue. */
  schedulerRoleArn: 'MAILROOM_ACCOUNTS_SCHEDULER_ROLE_ARN',
} as const;

export const DEFAULT_ACCOUNT_QUOTA = 20;

export function accountsEnv(name: (typeof ACCOUNTS_ENV)[keyof typeof ACCOUNTS_ENV]): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function requireAccountsEnv(name: (typeof ACCOUNTS_ENV)[keyof typeof ACCOUNTS_ENV]): string {
  const value = accountsEnv(name);
  if (value === undefined) throw new Error(`Missing required environment variable ${name}`);
  return value;
}

/** The organisation's account quota from the deployment's configuration. */
export function accountQuotaFromEnv(): number {
  const raw = accountsEnv(ACCOUNTS_ENV.quota);
  if (raw === undefined) return DEFAULT_ACCOUNT_QUOTA;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`Environment variable ${ACCOUNTS_ENV.quota} must be a whole number, got "${raw}"`);
  return value;
}

/**
 * Account events after which the sync function reconciles the account's schedule (a bus rule puts
 * them on the sync queue). Account Sync Failed is not one: a failing account keeps its schedule.
 */
export const ACCOUNT_CHANGE_DETAIL_TYPES = [
  'Account Created', 'Account Updated', 'Account Deactivated', 'Account Activated', 'Account Deleted',
] as const;

/**
 * Routes of the account-checks function (shared/accounts/check-routes.ts): API Gateway sends these
 * there and everything else under /api to the API function.
 */
export const ACCOUNT_CHECK_ROUTES = {
  testSettings: { method: 'POST', path: '/api/accounts/test' },
  testAccount: { method: 'POST', path: '/api/accounts/{accountId}/test' },
  deliverability: { method: 'GET', path: '/api/accounts/{accountId}/deliverability' },
} as const;

/** `METHOD /path` keys of {@link ACCOUNT_CHECK_ROUTES}, for API Gateway and the local stack's dispatch. */
export const ACCOUNT_CHECK_ROUTE_KEYS: readonly string[] = Object.values(ACCOUNT_CHECK_ROUTES).map((r) => `${r.method} ${r.path}`);
