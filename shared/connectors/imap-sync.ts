/**
 * Pulls new mail from an external IMAP mailbox into Mailroom's inbound path, one bounded run at a
 * time (a scheduled Lambda invocation).
 *
 * Primary course:
 * 1. Connect, log in and open the folder (read-only unless `markSeen`, so nothing on the server
 *    changes by accident).
 * 2. Read the checkpoint (UIDVALIDITY + last UID). Without one, start from the first message on or
 *    after `since` (`UID SEARCH SINCE`), or from the first message when `since` is null.
 * 3. In UID order, list the next UIDs of a bounded window (`UID SEARCH UID a:b`), stream their
 *    sources (`UID FETCH ... BODY.PEEK[]`) one by one to the sink, then advance the checkpoint with
 *    a conditional write.
 * 4. Stop when the folder is caught up or the budget (message count or time) is spent, and say
 *    which (`complete`).
 *
 * Crash safety: the sink key is derived from (account, UIDVALIDITY, UID), so a message handed to
 * the sink before a crash and again by the next run lands on the same object; the checkpoint only
 * ever moves past UIDs already handed over, so nothing is skipped.
 */
import type { ImapFlow } from 'imapflow';
import { keys } from '../model/keys.js';
import { ConditionFailedError, type Table } from '../adapters/dynamodb-table.js';
import { closeImapClient, createImapClient } from './imap-client.js';
import { describeImapError, type ConnectorFailureCode } from './errors.js';
import type { ImapCheckpoint, ServerEndpoint, SyncBudget, SyncResult } from './types.js';

/** Where a sync run keeps its position between runs. */
export interface CheckpointStore {
  get(accountId: string): Promise<ImapCheckpoint | null>;
  /**
   * Stores `next` only if the stored checkpoint still equals `previous` (null: none stored yet).
   * Throws `CheckpointConflictError` when another run moved it first, so two overlapping runs
   * never both believe they own the same UIDs.
   */
  put(accountId: string, next: ImapCheckpoint, previous: ImapCheckpoint | null): Promise<void>;
}

/** Where fetched raw messages go: the inbound bucket in production, under `imapRawKey`. */
export interface RawMailSink {
  put(input: { accountId: string; mailboxId: string; key: string; raw: Buffer }): Promise<void>;
}

/** The checkpoint changed under this run: another run of the same account is in progress. */
export class CheckpointConflictError extends Error {
  constructor(readonly accountId: string, readonly current: ImapCheckpoint | null, options?: { cause?: unknown }) {
    super(`The sync checkpoint of account ${accountId} was moved by another run`, options);
    this.name = 'CheckpointConflictError';
  }
}

/** The IMAP server refused or failed the run; `message` is in plain words, `hint` says what to try. */
export class ImapSyncError extends Error {
  constructor(
    message: string,
    readonly code: ConnectorFailureCode,
    readonly serverMessage: string | null,
    readonly hint: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImapSyncError';
  }
}

/**
 * Raw object key of one fetched message. UIDVALIDITY is part of it because a UID is only unique
 * within one validity period (RFC 9051 2.3.1.1): after a change, UID 7 is another message.
 */
export function imapRawKey(accountId: string, uidValidity: string, uid: number): string {
  return `inbound/imap/${accountId}/${uidValidity}/${uid}.eml`;
}

/** Messages fetched per `UID FETCH`: one round trip for the listing and one for the sources per batch. */
export const IMAP_FETCH_BATCH = 100;
/**
 * Messages handed to the sink between two checkpoint writes: after a crash, at most this many are
 * handed over again (same keys), for one DynamoDB write per this many messages.
 */
export const CHECKPOINT_EVERY = 20;
/** Widest UID window one `UID SEARCH` covers, so a search answer stays small whatever the mailbox size. */
const MAX_UID_WINDOW = 50_000;

export interface SyncImapInput {
  accountId: string;
  mailboxId: string;
  endpoint: ServerEndpoint;
  /** Folder to read; INBOX by default. */
  folder?: string;
  /** First run only: start with mail received on or after this day (IMAP SEARCH SINCE has day granularity). */
  since: Date | null;
  budget: SyncBudget;
  /** Set \Seen on fetched messages; the folder is opened read-only otherwise. */
  markSeen?: boolean;
}

export interface SyncImapPorts {
  checkpoints: CheckpointStore;
  sink: RawMailSink;
  now?: () => number;
}

/**
 * Runs one bounded sync of an account's folder.
 *
 * UIDVALIDITY change: the server renumbered the folder (recreated, restored from backup), so the
 * old last UID means nothing. The run starts the folder over under the new validity, from `since`
 * or from the first message, and reports `uidValidityChanged`. Messages Mailroom already has
 * come in again under new keys; the inbound path drops them by Message-ID (`messageKeyFor`), so
 * conversations do not get them twice.
 *
 * @throws ImapSyncError when the server cannot be reached, refuses the login or the folder.
 * @throws CheckpointConflictError when another run of the same account moved the checkpoint.
 */
export async function syncImapAccount(input: SyncImapInput, ports: SyncImapPorts): Promise<SyncResult> {
  const now = ports.now ?? Date.now;
  const started = now();
  const folder = input.folder ?? 'INBOX';
  const markSeen = input.markSeen === true;
  const client = createImapClient(input.endpoint, { timeoutMs: Math.min(30_000, Math.max(5_000, input.budget.maxMillis)) });

  try {
    await client.connect();
    const mailbox = await client.mailboxOpen(folder, { readOnly: !markSeen });
    const uidValidity = mailbox.uidValidity.toString();
    const lastExistingUid = await lastUidOf(client, mailbox);

    const stored = await fromPort(ports.checkpoints.get(input.accountId));
    const uidValidityChanged = stored !== null && stored.uidValidity !== uidValidity;
    let previous = stored;
    let position: ImapCheckpoint;
    if (stored !== null && !uidValidityChanged) {
      position = stored;
    } else {
      const floor = await startingFloor(client, input.since, lastExistingUid);
      position = { uidValidity, lastUid: floor, syncedAt: new Date(now()).toISOString() };
      await fromPort(ports.checkpoints.put(input.accountId, position, previous));
      previous = position;
    }

    let fetched = 0;
    let window = IMAP_FETCH_BATCH;
    const outOfBudget = () => fetched >= input.budget.maxMessages || now() - started >= input.budget.maxMillis;
    // Messages the time left allows at this run's pace so far: a batch cut short by the clock still
    // streams to its end (IMAP cannot cancel a FETCH), so batches shrink as the deadline nears.
    const fetchStarted = now();
    const affordable = () => {
      if (fetched === 0) return IMAP_FETCH_BATCH;
      const perMessage = Math.max(0.01, (now() - fetchStarted) / fetched);
      return Math.max(1, Math.floor((input.budget.maxMillis - (now() - started)) / perMessage));
    };

    while (position.lastUid < lastExistingUid && !outOfBudget()) {
      const from = position.lastUid + 1;
      const to = Math.min(lastExistingUid, from + window - 1);
      const found = await client.search({ uid: `${from}:${to}` }, { uid: true });
      // A failed search must not read as an empty window: that would skip its messages for good.
      if (!Array.isArray(found)) throw new ImapSyncError('The server could not list the messages of the folder', 'serverError', null, null);
      const uids = found.filter((uid) => uid >= from && uid <= to).sort((a, b) => a - b);
      if (uids.length === 0) {
        // A gap of expunged UIDs: skip it, and widen the next window so a sparse folder costs few searches.
        position = await advance(input.accountId, { uidValidity, lastUid: to, syncedAt: new Date(now()).toISOString() }, previous, ports);
        previous = position;
        window = Math.min(MAX_UID_WINDOW, window * 4);
        continue;
      }
      window = uids.length >= IMAP_FETCH_BATCH ? IMAP_FETCH_BATCH : Math.min(MAX_UID_WINDOW, window * 2);
      const take = uids.slice(0, Math.min(IMAP_FETCH_BATCH, input.budget.maxMessages - fetched, affordable()));
      const batchFirst = take[0]!;
      const batchLast = take[take.length - 1]!;
      // When the window held no more than the batch, the whole window is accounted for.
      const coveredTo = take.length === uids.length ? to : batchLast;

      const advanceTo = async (uid: number) => {
        position = await advance(input.accountId, { uidValidity, lastUid: uid, syncedAt: new Date(now()).toISOString() }, previous, ports);
        previous = position;
      };
      const batchStart = position.lastUid;
      let handedUpTo = position.lastUid;
      for await (const message of client.fetch(`${batchFirst}:${batchLast}`, { uid: true, source: true }, { uid: true })) {
        if (message.uid < batchFirst || message.uid > batchLast || message.uid <= handedUpTo) continue;
        if (!message.source) throw new ImapSyncError('The server returned a message without its content', 'serverError', null, null);
        try {
          await fromPort(ports.sink.put({
            accountId: input.accountId, mailboxId: input.mailboxId,
            key: imapRawKey(input.accountId, uidValidity, message.uid), raw: message.source,
          }));
        } catch (error) {
          // Keep what was handed over, so the next run starts right at the message that failed.
          if (handedUpTo > position.lastUid) await advanceTo(handedUpTo).catch(() => undefined);
          throw error;
        }
        handedUpTo = message.uid;
        fetched += 1;
        if (now() - started >= input.budget.maxMillis) break;
        if (handedUpTo !== batchLast && (fetched % CHECKPOINT_EVERY) === 0) await advanceTo(handedUpTo);
      }
      const reachedEnd = handedUpTo === batchLast ? coveredTo : handedUpTo;
      if (markSeen && handedUpTo > batchStart) {
        await client.messageFlagsAdd(`${batchFirst}:${handedUpTo}`, ['\\Seen'], { uid: true });
      }
      // Listed but not returned (expunged in between, or a server fault): leave it to the next run.
      if (reachedEnd <= position.lastUid) {
        if (reachedEnd === batchStart) break;
        continue;
      }
      await advanceTo(reachedEnd);
    }

    return { fetched, checkpoint: position, complete: position.lastUid >= lastExistingUid, uidValidityChanged };
  } catch (error) {
    if (error instanceof CheckpointConflictError || error instanceof ImapSyncError || portFailures.has(error as object)) throw error;
    const described = describeImapError(error, input.endpoint, folder);
    throw new ImapSyncError(described.message, described.code, described.serverMessage, described.hint, { cause: error });
  } finally {
    await closeImapClient(client);
  }
}

/** The last UID to treat as already seen on a first run (or after a UIDVALIDITY change). */
async function startingFloor(client: ImapFlow, since: Date | null, lastExistingUid: number): Promise<number> {
  if (since === null || lastExistingUid === 0) return 0;
  if (client.capabilities.has('ESEARCH')) {
    // RFC 4731: the server answers with the lowest matching UID alone, whatever the mailbox size.
    const found = await client.search({ since }, { uid: true, returnOptions: ['MIN'] });
    if (found && !Array.isArray(found)) return found.min === undefined ? lastExistingUid : found.min - 1;
  }
  // Without ESEARCH the answer lists every UID since `since`: a first run reads those anyway.
  const found = await client.search({ since }, { uid: true });
  if (!Array.isArray(found)) throw new ImapSyncError('The server could not search the folder by date', 'serverError', null, null);
  if (found.length === 0) return lastExistingUid;
  return found.reduce((min, uid) => (uid < min ? uid : min), Number.MAX_SAFE_INTEGER) - 1;
}

async function advance(accountId: string, next: ImapCheckpoint, previous: ImapCheckpoint | null, ports: SyncImapPorts): Promise<ImapCheckpoint> {
  await fromPort(ports.checkpoints.put(accountId, next, previous));
  return next;
}

/** Failures of the sink or the checkpoint store, passed on as they are rather than blamed on the IMAP server. */
const portFailures = new WeakSet<object>();

async function fromPort<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error !== null && typeof error === 'object') portFailures.add(error);
    throw error;
  }
}

/** UIDNEXT comes with SELECT on every common server; without it, the UID of the last message. */
async function lastUidOf(client: ImapFlow, mailbox: { uidNext: number; exists: number }): Promise<number> {
  if (Number.isSafeInteger(mailbox.uidNext) && mailbox.uidNext > 0) return mailbox.uidNext - 1;
  if (mailbox.exists === 0) return 0;
  const last = await client.fetchOne('*', { uid: true });
  return last ? last.uid : 0;
}

/**
 * Checkpoints in the single table, one item per account beside the account item
 * (`keys.accountSync`). Each write is conditional on the checkpoint the run started from, so a
 * second run that overlaps (a slow invocation and the next schedule) fails instead of rewinding.
 */
export class DynamoCheckpointStore implements CheckpointStore {
  constructor(private readonly table: Table) {}

  async get(accountId: string): Promise<ImapCheckpoint | null> {
    const item = await this.table.get(keys.accountSync(accountId), true);
    return item ? toCheckpoint(item) : null;
  }

  async put(accountId: string, next: ImapCheckpoint, previous: ImapCheckpoint | null): Promise<void> {
    const item = { ...keys.accountSync(accountId), type: 'accountSync', accountId, uidValidity: next.uidValidity, lastUid: next.lastUid, syncedAt: next.syncedAt };
    try {
      if (previous === null) {
        await this.table.put(item, { ConditionExpression: 'attribute_not_exists(PK)' });
      } else {
        await this.table.put(item, {
          ConditionExpression: 'uidValidity = :v AND lastUid = :u AND syncedAt = :s',
          ExpressionAttributeValues: { ':v': previous.uidValidity, ':u': previous.lastUid, ':s': previous.syncedAt },
        });
      }
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        // DynamoDB returns the item with the failure (ALL_OLD); emulators may not, so read it then.
        const current = error.item ? toCheckpoint(error.item) : await this.get(accountId);
        throw new CheckpointConflictError(accountId, current, { cause: error });
      }
      throw error;
    }
  }
}

function toCheckpoint(item: Record<string, unknown>): ImapCheckpoint {
  return { uidValidity: String(item.uidValidity), lastUid: Number(item.lastUid), syncedAt: String(item.syncedAt) };
}
