/**
 * Environment variable names shared by the CDK constructs (which set them), the Lambda handlers
 * (which read them) and the embedded local stack (which sets them for in-process handlers).
 */
export const ENV = {
  tableName: 'MAILROOM_TABLE',
  mailBucket: 'MAILROOM_MAIL_BUCKET',
  eventBusName: 'MAILROOM_EVENT_BUS',
  /** Prefix under which SES (or the local SMTP listener, or a connector) writes raw mail. */
  inboundPrefix: 'MAILROOM_INBOUND_PREFIX',
  /** Hours within which a subject-only match may thread a message (default 72). */
  subjectWindowHours: 'MAILROOM_SUBJECT_WINDOW_HOURS',
  /** SQS maxReceiveCount of the inbound queue: the attempt at which a failure is quarantined. */
  inboundMaxReceives: 'MAILROOM_INBOUND_MAX_RECEIVES',
  /** `local` only in the embedded local stack; enables the development sign-in. */
  stage: 'MAILROOM_STAGE',
  /** Secret that signs development tokens (local stack only). */
  devTokenSecret: 'MAILROOM_DEV_TOKEN_SECRET',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Reads a required environment variable; a missing one is a deployment bug, so it throws at once. */
export function requireEnv(name: EnvName): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}

export function optionalEnv(name: EnvName, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function numberEnv(name: EnvName, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`Environment variable ${name} must be a number, got "${raw}"`);
  return value;
}
