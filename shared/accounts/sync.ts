/**
 * One scheduled sync of an IMAP account: new mail goes to the mail bucket and, through an S3
 * `ObjectCreated`-shaped notification on the inbound queue, into the normal inbound pipeline,
 * exactly as mail received by SES does (and identically in AWS and in the local stack).
 */
import { CheckpointConflictError, ImapSyncError, syncImapAccount, type CheckpointStore, type RawMailSink } from '../connectors/imap-sync.js';
import type { SyncBudget, SyncResult } from '../connectors/types.js';
import { buildEvent } from '../events/contracts.js';
import type { BlobStore, Clock, EventPublisher } from '../ports/index.js';
import type { CredentialCipher } from './cipher.js';
import { imapEndpoint } from './model.js';
import type { AccountRepository } from './repository.js';

/** Fits the sync function's 60 s timeout with room to record the outcome; the next tick continues. */
export const DEFAULT_SYNC_BUDGET: SyncBudget = { maxMessages: 200, maxMillis: 40_000 };

export interface AccountSyncDeps {
  accounts: AccountRepository;
  cipher: CredentialCipher;
  checkpoints: CheckpointStore;
  sink: RawMailSink;
  events: EventPublisher;
  clock: Clock;
  budget: SyncBudget;
  /** Asks for another run soon when the budget stopped this one before the folder was caught up. */
  again?: (accountId: string) => Promise<void>;
  /** The IMAP engine (tests replace it). */
  sync?: typeof syncImapAccount;
}

export type AccountSyncOutcome =
  | { kind: 'synced'; fetched: number; complete: boolean }
  | { kind: 'skipped'; reason: string }
  /** Another run of the same account holds the checkpoint: this one stops without recording anything. */
  | { kind: 'overlap' }
  | { kind: 'failed'; error: string };

/**
 * Primary course:
 * 1. Load the account (consistent read); skip it unless it is an active IMAP account with sync on.
 * 2. Decrypt its credentials.
 * 3. Run the IMAP sync within the budget, from the account's sync start day.
 * 4. Record the time and the outcome on the account; a failure also publishes Account Sync Failed.
 */
export async function runAccountSync(accountId: string, deps: AccountSyncDeps): Promise<AccountSyncOutcome> {
  // 1.
  const stored = await deps.accounts.get(accountId, true);
  if (!stored) return { kind: 'skipped', reason: 'no such account' };
  const { account } = stored;
  if (account.kind !== 'imap_smtp') return { kind: 'skipped', reason: 'not an IMAP account' };
  if (account.status !== 'active') return { kind: 'skipped', reason: 'deactivated' };
  if (!account.syncEnabled) return { kind: 'skipped', reason: 'sync is off' };
  if (stored.credentials === null) return fail(account, 'The account has no stored password; edit it to enter one.', deps);

  let result: SyncResult;
  try {
    // 2.
    const secrets = await deps.cipher.decrypt(stored.credentials, accountId);
    // 3.
    result = await (deps.sync ?? syncImapAccount)({
      accountId, mailboxId: account.mailboxId, endpoint: imapEndpoint(account, secrets),
      since: new Date(`${account.syncSince}T00:00:00Z`), budget: deps.budget,
    }, { checkpoints: deps.checkpoints, sink: deps.sink });
  } catch (error) {
    if (error instanceof CheckpointConflictError) return { kind: 'overlap' };
    return fail(account, describe(error), deps);
  }
  // 4.
  await deps.accounts.recordSync(accountId, { at: deps.clock.now().toISOString(), error: null, fetched: result.fetched });
  if (!result.complete) await deps.again?.(accountId);
  return { kind: 'synced', fetched: result.fetched, complete: result.complete };
}

/** Plain words for the account page; never the password (the engines' messages do not carry it). */
function describe(error: unknown): string {
  if (error instanceof ImapSyncError) return [error.message, error.hint].filter(Boolean).join(' ');
  return error instanceof Error ? error.message : String(error);
}

async function fail(account: { accountId: string; orgId: string; address: string; mailboxId: string }, error: string, deps: AccountSyncDeps): Promise<AccountSyncOutcome> {
  const at = deps.clock.now();
  await deps.accounts.recordSync(account.accountId, { at: at.toISOString(), error, fetched: 0 });
  await deps.events.publish([buildEvent('accountSyncFailed', `account:${account.accountId}:sync-failed:${at.toISOString()}`, {
    accountId: account.accountId, orgId: account.orgId, address: account.address, mailboxId: account.mailboxId, at: at.toISOString(), error,
  }, at)]);
  return { kind: 'failed', error };
}

/**
 * The sink the sync writes to: the raw message under its key in the mail bucket, then an S3
 * `ObjectCreated` notification for it on the inbound queue. Writing twice (a retried run) is
 * harmless: the inbound pipeline recognises the message.
 */
export class InboundQueueSink implements RawMailSink {
  constructor(private readonly deps: { blobs: Pick<BlobStore, 'put'>; bucket: string; region: string; notify: (body: string) => Promise<void>; clock: Clock }) {}

  async put(input: { accountId: string; mailboxId: string; key: string; raw: Buffer }): Promise<void> {
    await this.deps.blobs.put(input.key, input.raw, 'message/rfc822');
    await this.deps.notify(JSON.stringify(s3ObjectCreated(this.deps.bucket, input.key, input.raw.length, this.deps.region, this.deps.clock.now())));
  }
}

/**
 * The notification S3 would send for the object (keys URL-encoded as S3 encodes them).
 * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export function s3ObjectCreated(bucket: string, key: string, size: number, region: string, at: Date) {
  return {
    Records: [{
      eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: region, eventTime: at.toISOString(), eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0', bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
        object: { key: key.split('/').map((part) => encodeURIComponent(part).replace(/%20/g, '+')).join('/'), size },
      },
    }],
  };
}
