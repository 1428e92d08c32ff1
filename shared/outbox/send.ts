/**
 * The sender: one outbox trigger (`{ messageKey, attempt }`) in, at most one provider call out.
 *
 * Primary course:
 * 1. Read the message's send state (consistent read).
 * 2. If the trigger is stale (the message moved on: cancelled, sent, or another attempt was
 *    started), do nothing; republish the final event if the message is final (events are
 *    at-least-once, with stable ids).
 * 3. If the mailbox's connector is disabled: `-> connector_disabled` (conditional), publish. The
 *    settings may come from the container's cache ({@link SenderDeps.mailboxes}).
 * 4. Claim: `queued|retry_pending -> sending` conditioned on the status and on `sendAttempt`
 *    still being the trigger's attempt; it also bumps the attempt. Whoever loses (a cancel won,
 *    a duplicate delivery got there first) stops here. Only the claimer calls the provider.
 * 5. Read the raw .eml and call the connector.
 * 6. Sent: the pointer from the provider's id to the message (delivery events carry only the
 *    provider's id), then `sending -> sent` with that id, then the event. Transient failure with attempts left: plan the
 *    retry (one-time schedule named after the attempt, so planning twice plans once), then
 *    `sending -> retry_pending`. Otherwise `sending -> failed` with the last error, on the
 *    mailbox's failed-sends list (failed.ts), its conversation flagged `delivery-failed`. The retry
 *    policy is the deployment's with the mailbox's overrides (settings.ts).
 *
 * A message found `sending` by a later delivery of the same trigger means an invocation is still
 * working on it, or stopped mid-attempt. Within the lease the trigger is handed back to SQS
 * (retried later); after it, the attempt is recorded as `failed` with an "outcome unknown" error
 * rather than sent again, because the provider may have accepted it and SES has no idempotency key.
 *
 * Requests for a message sent on its first attempt: the consistent read, the claim, the raw
 * message, the pointer, the `sent` update and the event, plus the provider call; the mailbox's
 * settings and the connector choice come from the container's caches while they are fresh. A
 * duplicate trigger arriving after the send costs the read and the event again.
 */
import type { BlobStore, Clock, EventPublisher } from '../ports/index.js';
import type { Table } from '../adapters/dynamodb-table.js';
import type { TtlCache } from '../adapters/ttl-cache.js';
import { recordProviderPointer } from './delivery-tracker.js';
import { PermanentSendError, TransientSendError, type MailConnector } from './connector.js';
import { messageSendFailedEvent, messageSentEvent } from './events.js';
import { failedListEntry, type OutboxRecord, type OutboxStore } from './outbox-store.js';
import { decideAfterFailure, type RandomSource, type RetryPolicy } from './retry-policy.js';
import { scheduleName, type RetryScheduler } from './retry-scheduler.js';
import { effectiveRetryPolicy, loadMailboxWithSettings, type MailboxWithSettings, type OutboxSettings } from './settings.js';
import { flagConversationFailed } from './failed.js';
import type { SendTrigger } from './trigger.js';

export interface SenderDeps {
  table: Table;
  outbox: OutboxStore;
  blobs: Pick<BlobStore, 'get'>;
  connector: MailConnector;
  scheduler: RetryScheduler;
  events: EventPublisher;
  clock: Clock;
  policy: RetryPolicy;
  random: RandomSource;
  /** How long an attempt may stay `sending` before it is presumed interrupted (above the function timeout). */
  leaseMs: number;
  /**
   * Mailboxes with their outbox settings by id, kept across invocations of a container
   * (sender-deps.ts); without it, every trigger reads them. A cached "connector disabled" is read
   * again before a message is held, so only disabling a connector waits for the time to live.
   */
  mailboxes?: TtlCache<MailboxWithSettings | null>;
}

export type SendOutcome =
  | { kind: 'sent'; providerMessageId: string }
  | { kind: 'retry_pending'; nextAttemptAt: string }
  | { kind: 'failed'; reason: 'permanent' | 'exhausted' | 'interrupted' }
  | { kind: 'connector_disabled' }
  /** Nothing to do: missing, cancelled, final, or a trigger for an attempt that is not the next one. */
  | { kind: 'skipped'; reason: string }
  /** Someone else won the claim (a cancel, or another delivery of the same trigger). */
  | { kind: 'lost'; status: string }
  /** Another invocation is on this attempt: hand the trigger back to the queue for later. */
  | { kind: 'in_progress' };

const MAX_ERROR_LENGTH = 1000;

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_LENGTH);
}

export async function processSendTrigger(trigger: SendTrigger, deps: SenderDeps): Promise<SendOutcome> {
  // 1.
  const record = await deps.outbox.get(trigger.messageKey);
  if (!record) return { kind: 'skipped', reason: 'no such outbound message' };

  // 2.
  if (record.status === 'sending' && record.attempt === trigger.attempt + 1) return interrupted(record, deps);
  if (!(record.status === 'queued' || record.status === 'retry_pending') || record.attempt !== trigger.attempt) {
    await republishFinal(record, deps);
    return { kind: 'skipped', reason: `status ${record.status}, attempt ${record.attempt}, trigger for attempt ${trigger.attempt}` };
  }

  // 3.
  const loaded = await mailboxSettings(record.mailboxId, deps);
  if (loaded && !loaded.settings.connectorEnabled) {
    const held = await deps.outbox.transition(record.messageKey, {
      to: 'connector_disabled', attempt: trigger.attempt,
      set: {
        lastError: `The ${record.connector} connector of this mailbox is disabled`, nextAttemptAt: null, scheduleName: null,
        ...failedListEntry(record.mailboxId, record.messageKey, deps.clock.now().toISOString()),
      },
    });
    if (!held.ok) return { kind: 'lost', status: held.current?.status ?? 'missing' };
    await deps.events.publish([messageSendFailedEvent(held.record, 'connector_disabled', deps.clock.now())]);
    return { kind: 'connector_disabled' };
  }

  // 4.
  const startedAt = deps.clock.now();
  const attempt = trigger.attempt + 1;
  const claim = await deps.outbox.transition(record.messageKey, {
    to: 'sending', from: ['queued', 'retry_pending'], attempt: trigger.attempt,
    set: { sendAttempt: attempt, lastAttemptAt: startedAt.toISOString(), nextAttemptAt: null, scheduleName: null },
  });
  if (!claim.ok) return { kind: 'lost', status: claim.current?.status ?? 'missing' };

  // 5.
  let providerMessageId: string;
  let connector = record.connector;
  try {
    const raw = await deps.blobs.get(record.rawKey);
    const result = await deps.connector.send(raw, record.envelope);
    providerMessageId = result.providerMessageId;
    // The connector that took it (SMTP for a mailbox fed by an external account), for the outbox views.
    connector = result.connector ?? connector;
  } catch (error) {
    // A failure before the provider call (reading the raw message) sent nothing: retrying is safe.
    const failure = error instanceof TransientSendError || error instanceof PermanentSendError
      ? error : new TransientSendError(errorText(error), error instanceof Error ? error.name : 'Error');
    return afterFailure(record, attempt, failure, deps, loaded?.settings ?? null);
  }

  // 6. Sent. If a write throws, SQS redelivers the trigger and the lease rule above applies.
  const now = deps.clock.now();
  // Delivery events name the message by the provider's id only (delivery-tracker.ts). Written
  // before `sent`, so a message found `sent` always has its pointer (see republishFinal).
  await recordProviderPointer(deps.table, connector, providerMessageId, record.messageKey, now.toISOString());
  const sent = await deps.outbox.transition(record.messageKey, {
    to: 'sent', from: ['sending'], attempt,
    set: { providerMessageId, sentAt: now.toISOString(), lastError: null, connector },
  });
  if (!sent.ok) throw new Error(`Message ${record.messageKey} was sent (${providerMessageId}) but its state had moved to ${sent.current?.status ?? 'missing'}`);
  await deps.events.publish([messageSentEvent(sent.record, now)]);
  return { kind: 'sent', providerMessageId };
}

/** 6. A failed attempt: plan a retry, or give up. */
async function afterFailure(record: OutboxRecord, attempt: number, failure: TransientSendError | PermanentSendError, deps: SenderDeps, settings: OutboxSettings | null): Promise<SendOutcome> {
  const now = deps.clock.now();
  // The mailbox's policy (admin settings) over the deployment's; the attempt budget is the
  // mailbox's when an admin set one, else the message's own (set at compose time, raised by a manual retry).
  const policy = settings ? effectiveRetryPolicy(deps.policy, settings) : deps.policy;
  const maxAttempts = settings?.retry.maxAttempts ?? record.maxAttempts;
  const decision = decideAfterFailure(attempt, failure instanceof TransientSendError, { ...policy, maxAttempts }, now, deps.random);
  if (decision.kind === 'retry') {
    // Planned before the state says so: a crash in between leaves a schedule whose trigger finds
    // the message `sending` (lease rule), never a `retry_pending` message that nothing will wake.
    const name = scheduleName(record.messageKey, `a${attempt}`);
    await deps.scheduler.schedule(name, decision.nextAttemptAt, { messageKey: record.messageKey, attempt });
    const pending = await deps.outbox.transition(record.messageKey, {
      to: 'retry_pending', from: ['sending'], attempt,
      set: { nextAttemptAt: decision.nextAttemptAt.toISOString(), lastError: errorText(failure), scheduleName: name },
      setIfAbsent: { firstFailureAt: now.toISOString() },
    });
    if (!pending.ok) return { kind: 'lost', status: pending.current?.status ?? 'missing' };
    return { kind: 'retry_pending', nextAttemptAt: decision.nextAttemptAt.toISOString() };
  }
  const failed = await deps.outbox.transition(record.messageKey, {
    to: 'failed', from: ['sending'], attempt,
    set: { lastError: errorText(failure), nextAttemptAt: null, ...failedListEntry(record.mailboxId, record.messageKey, now.toISOString()) },
    setIfAbsent: { firstFailureAt: now.toISOString() },
  });
  if (!failed.ok) return { kind: 'lost', status: failed.current?.status ?? 'missing' };
  await flagConversationFailed(deps.table, failed.record);
  await deps.events.publish([messageSendFailedEvent(failed.record, decision.reason, now)]);
  return { kind: 'failed', reason: decision.reason };
}

/** The attempt this trigger would start is already running, or was interrupted. */
async function interrupted(record: OutboxRecord, deps: SenderDeps): Promise<SendOutcome> {
  const now = deps.clock.now();
  const started = record.lastAttemptAt ? Date.parse(record.lastAttemptAt) : 0;
  if (now.getTime() - started < deps.leaseMs) return { kind: 'in_progress' };
  const failed = await deps.outbox.transition(record.messageKey, {
    to: 'failed', from: ['sending'], attempt: record.attempt,
    set: {
      lastError: `Attempt ${record.attempt} stopped before its outcome was recorded; the provider may have accepted it. Check with the recipient before retrying.`,
      nextAttemptAt: null, ...failedListEntry(record.mailboxId, record.messageKey, now.toISOString()),
    },
    setIfAbsent: { firstFailureAt: now.toISOString() },
  });
  if (!failed.ok) return { kind: 'lost', status: failed.current?.status ?? 'missing' };
  await flagConversationFailed(deps.table, failed.record);
  await deps.events.publish([messageSendFailedEvent(failed.record, 'interrupted', now)]);
  return { kind: 'failed', reason: 'interrupted' };
}

/**
 * A redelivered trigger for a message already `sent`: the invocation that sent it may have stopped
 * between the `sent` update and the event, so the event is published again (same id; consumers
 * deduplicate). Nothing on the message tells whether the event went out, and recording it would
 * cost every message a write to spare the rare duplicate one PutEvents, so events stay
 * at-least-once. The provider pointer is not written again: step 6 writes it before `sent`, so
 * `sent` implies it exists. (A message sent before that order was adopted and interrupted right
 * after `sent` lacks its pointer; its delivery events are then ignored, as before such a
 * redelivery.)
 */
async function republishFinal(record: OutboxRecord, deps: SenderDeps): Promise<void> {
  if (record.status !== 'sent') return;
  await deps.events.publish([messageSentEvent(record, deps.clock.now())]);
}

/**
 * The mailbox's settings, from the container's cache when it has them. A cached "connector
 * disabled" is confirmed by a fresh read before the message is held: holding is the outcome that
 * needs a person to retry, so an admin enabling the connector again must apply at once, while
 * disabling it may take the cache's time to live (the claim still sends at most once).
 */
async function mailboxSettings(mailboxId: string, deps: SenderDeps): Promise<MailboxWithSettings | null> {
  const cache = deps.mailboxes;
  const read = () => loadMailboxWithSettings(deps.table, mailboxId);
  if (!cache) return read();
  let fresh = false;
  const loaded = await cache.get(mailboxId, () => { fresh = true; return read(); });
  if (fresh || !loaded || loaded.settings.connectorEnabled) return loaded;
  cache.delete(mailboxId);
  return cache.get(mailboxId, read);
}
