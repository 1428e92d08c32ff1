/**
 * Delivery tracking use cases: apply a delivery update (SES event or DSN) to the recipients of an
 * outbound message, and link a read receipt (MDN) to it.
 *
 * Primary course (SES event):
 * 1. GetItem the pointer `PROVIDER#ses#<providerMessageId>` the sender wrote with `sent`.
 * 2. Read the message item (consistent) and merge the update into its `delivery` map (delivery.ts):
 *    an older or repeated fact changes nothing, and nothing is written.
 * 3. Write the map conditioned on `deliveryVersion` (optimistic: two events for one message at
 *    once both land, one after the other re-reading).
 * 4. A recipient bounced, complained or rejected: flag the conversation `delivery-failed`, and,
 *    when this update is the one that reported it, put the message on its mailbox's failed-sends
 *    list (failed.ts) for its author and the mailbox's dispatchers.
 * 5. A permanent bounce or a complaint puts the address on the organisation's suppression list
 *    (delivery-suppression.ts), which compose warns about.
 * 6. Publish one event per status the update set (`Message Delivered`, `Message Bounced`,
 *    `Message Complained`, `Message Delayed`), ids derived from the observation, so a retry
 *    after a crash republishes under the same id.
 * 7. The author asked for a delivery receipt and every recipient now has a final state, at least
 *    one delivered: one in-app notification for the author and `Outbox Delivery Receipt`
 *    ({@link deliveryReceipt}).
 *
 * A DSN received as mail takes the same path from step 2, keyed by `messageKeyFor(originalMessageId)`.
 */
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import { buildEvent, type EventName } from '../events/contracts.js';
import type { DeliveryReport, ReadReport } from '../mail/types.js';
import { keys, messageKeyFor, shortHash } from '../model/keys.js';
import type { RecipientDeliveryStatus } from '../model/types.js';
import type { Clock, DomainEvent, EventPublisher } from '../ports/index.js';
import { DELIVERY_FAILED_FLAG, FAILED_DELIVERY_STATUSES, isFinalDelivery, mergeDelivery, updateFromDsn, type DeliveryMap, type DeliveryUpdate } from './delivery.js';
import type { SesEvent } from './delivery-ses-event.js';
import { updateFromSesEvent } from './delivery-ses-event.js';
import { recordSuppressions } from './delivery-suppression.js';
import { OutboxStore, outboxFromItem, SYSTEM_AUTHOR, type OutboxRecord } from './outbox-store.js';
import { NotificationStore } from '../workflow/notifications.js';
import { isOutboxStatus } from './status.js';

export interface DeliveryDeps {
  table: Table;
  events: EventPublisher;
  clock: Clock;
}

export type DeliveryOutcome =
  | { kind: 'applied'; messageKey: string; changed: string[]; published: string[] }
  /** Nothing to do: not an outbound message Mailroom knows, or no recipient in the report. */
  | { kind: 'ignored'; reason: string };

/**
 * Thrown when a delivery event names a message whose pointer is not there yet (the event overtook
 * the sender's `sent` write): the invocation fails and EventBridge's retries deliver it again.
 */
export class DeliveryTargetPendingError extends Error {
  constructor(providerMessageId: string) {
    super(`No outbound message for provider id ${providerMessageId} yet`);
    this.name = 'DeliveryTargetPendingError';
  }
}

/** An event this much younger than its send may overtake the pointer; older ones are not Mailroom's. */
const POINTER_GRACE_MS = 15 * 60_000;
const MAX_WRITE_ATTEMPTS = 5;

/**
 * Written by the sender when it records `sent`: delivery events carry only the provider's id.
 * Unconditional and idempotent (same key, same content), so the sender may write it again.
 */
export async function recordProviderPointer(table: Table, connector: string, providerMessageId: string, messageKey: string, sentAt: string): Promise<void> {
  await table.put({ ...keys.providerMessage(connector, providerMessageId), type: 'provider-message', messageKey, connector, providerMessageId, at: sentAt });
}

/** An SES event (already validated) -> the recipients of the message it is about. */
export async function trackSesEvent(event: SesEvent, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const { providerMessageId, update } = updateFromSesEvent(event);
  // 1.
  const pointer = await deps.table.get(keys.providerMessage('ses', providerMessageId));
  if (!pointer) {
    const sentAt = Date.parse(event.mail.timestamp);
    if (!Number.isNaN(sentAt) && deps.clock.now().getTime() - sentAt < POINTER_GRACE_MS) throw new DeliveryTargetPendingError(providerMessageId);
    return { kind: 'ignored', reason: `no outbound message for provider id ${providerMessageId}` };
  }
  return applyDeliveryUpdate(String(pointer.messageKey), update, deps);
}

/** Steps 2 to 5 for one message. */
export async function applyDeliveryUpdate(messageKey: string, update: DeliveryUpdate, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  let item: Item | undefined;
  let merged: ReturnType<typeof mergeDelivery> | undefined;
  for (let attempt = 0; ; attempt += 1) {
    // 2.
    item = await deps.table.get(keys.message(messageKey), true);
    if (!item || item.direction !== 'outbound' || !isOutboxStatus(item.sendStatus)) return { kind: 'ignored', reason: `no outbound message ${messageKey}` };
    merged = mergeDelivery((item.delivery ?? {}) as DeliveryMap, update);
    if (merged.changed.length === 0) break;
    // 3.
    const version = Number(item.deliveryVersion ?? 0);
    try {
      item = await deps.table.update({
        Key: keys.message(messageKey),
        UpdateExpression: 'SET delivery = :next, deliveryVersion = :version',
        ConditionExpression: version === 0 ? 'attribute_not_exists(deliveryVersion)' : 'deliveryVersion = :current',
        ExpressionAttributeValues: { ':next': merged.next, ':version': version + 1, ...(version === 0 ? {} : { ':current': version }) },
      });
      break;
    } catch (error) {
      if (!(error instanceof ConditionFailedError) || attempt + 1 >= MAX_WRITE_ATTEMPTS) throw error;
    }
  }
  const record = outboxFromItem(item);
  const applied = merged.applied.map((address) => ({ address, ...merged.next[address]! }));

  // 4.
  if (applied.some((r) => FAILED_DELIVERY_STATUSES.includes(r.status))) {
    try {
      await deps.table.update({
        Key: keys.conversation(record.conversationId),
        UpdateExpression: 'ADD flags :flag',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':flag': new Set([DELIVERY_FAILED_FLAG]) },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
    // Only the update that changed a recipient to failed lists it: a redelivered event does not
    // bring back a message someone acknowledged.
    if (applied.some((r) => FAILED_DELIVERY_STATUSES.includes(r.status) && merged.changed.includes(r.address))) {
      await new OutboxStore(deps.table).listAsFailed(messageKey, record.mailboxId, deps.clock.now().toISOString());
    }
  }

  // 5. Permanent bounces and complaints go on the organisation's suppression list.
  const permanent = new Set(update.recipients.filter((r) => r.permanent).map((r) => r.address.trim().toLowerCase()));
  await recordSuppressions(deps.table, record.orgId, applied.filter((r) => permanent.has(r.address) && (r.status === 'bounced' || r.status === 'complained')).map((r) => ({
    address: r.address, reason: r.status === 'complained' ? 'complained' : 'bounced', diagnostic: r.diagnostic, at: r.at, messageKey,
  })));

  // 6.
  const now = deps.clock.now();
  const published: DomainEvent[] = [];
  for (const [name, statuses] of EVENT_BY_STATUS) {
    const recipients = applied.filter((r) => statuses.includes(r.status)).map((r) => ({ address: r.address, status: r.status as Exclude<RecipientDeliveryStatus, 'pending'>, diagnostic: r.diagnostic, at: r.at }));
    if (recipients.length === 0) continue;
    const fact = EVENTS_FACT[name];
    published.push(buildEvent(name, `${fact}:${messageKey}:${shortHash(`${update.source}|${update.observationId}`, 16)}`, {
      messageKey: record.messageKey, messageId: record.messageId, orgId: record.orgId, mailboxId: record.mailboxId, conversationId: record.conversationId,
      subject: record.subject, to: [...record.to, ...record.cc].map((a) => a.address), status: record.status, attempt: record.attempt,
      source: update.source, recipients,
    }, now));
  }

  // 7. Only an update whose facts are the stored ones may complete the receipt (an older one changed nothing).
  if (item.deliveryReceiptRequested === true && merged.applied.length > 0) {
    const receipt = await deliveryReceipt(record, item, merged.next, deps);
    if (receipt) published.push(receipt);
  }
  if (published.length > 0) await deps.events.publish(published);
  return { kind: 'applied', messageKey, changed: merged.changed, published: published.map((e) => e.detailType) };
}

/** What the author is told, stored once on the message (`deliveryReceiptNotice`): the first complete state wins. */
interface ReceiptNotice {
  delivered: string[];
  notDelivered: string[];
  /** When the last recipient reached its final state (the latest observation time). */
  completedAt: string;
}

/**
 * The delivery receipt of one message, once every recipient (To, Cc and Bcc) has a final state
 * and at least one was delivered; null before that, or when nobody was reached (the failed-sends
 * list already tells the author).
 *
 * One notification per message rather than one per recipient: a receipt answers "did my message
 * arrive?", as a DSN receipt does; a message to ten people would otherwise fill the list with ten
 * near-identical lines, and each recipient's own state is on the message for whoever wants it.
 * Recipients the provider never reports on (a delay that never ends) hold the receipt back.
 *
 * Idempotent under duplicate, concurrent and late events: the notice is claimed on the message
 * item with a conditional write (a complaint arriving after the receipt does not rewrite it), the
 * notification's id derives from the message key and the notice's time, so writing it again
 * stores nothing new, and the event's id is fixed per message.
 */
async function deliveryReceipt(record: OutboxRecord, item: Item, delivery: DeliveryMap, deps: DeliveryDeps): Promise<DomainEvent | null> {
  if (record.composedBy === SYSTEM_AUTHOR || record.composedBy === '') return null;
  const recipients = [...new Set(record.envelope.to.map((a) => a.trim().toLowerCase()).filter((a) => a !== ''))];
  const states = recipients.map((address) => ({ address, state: delivery[address] }));
  if (states.length === 0 || states.some((s) => !s.state || !isFinalDelivery(s.state.status))) return null;
  const delivered = states.filter((s) => s.state!.status === 'delivered').map((s) => s.address);
  if (delivered.length === 0) return null;
  const notice = await claimReceiptNotice(deps.table, record.messageKey, item, {
    delivered, notDelivered: states.filter((s) => s.state!.status !== 'delivered').map((s) => s.address),
    completedAt: states.map((s) => s.state!.at).reduce((a, b) => (a > b ? a : b)),
  });
  await new NotificationStore(deps.table).add(record.composedBy, `delivery-receipt:${record.messageKey}`, {
    kind: 'delivered', conversationId: record.conversationId, mailboxId: record.mailboxId, subject: record.subject,
    by: '', message: notice.delivered.join(', '), noteId: null, at: notice.completedAt,
  });
  const published = new Set([...record.to, ...record.cc].map((a) => a.address.trim().toLowerCase()));
  return buildEvent('outboxDeliveryReceipt', `outbox-delivery-receipt:${record.messageKey}`, {
    messageKey: record.messageKey, messageId: record.messageId, orgId: record.orgId, mailboxId: record.mailboxId, conversationId: record.conversationId,
    subject: record.subject, to: [...record.to, ...record.cc].map((a) => a.address), status: record.status, attempt: record.attempt,
    composedBy: record.composedBy, completedAt: notice.completedAt,
    // Bcc recipients are never published; the author's notification names them.
    delivered: notice.delivered.filter((a) => published.has(a)), notDelivered: notice.notDelivered.filter((a) => published.has(a)),
  }, deps.clock.now());
}

function noticeOf(value: unknown): ReceiptNotice | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Partial<ReceiptNotice>;
  return Array.isArray(v.delivered) && Array.isArray(v.notDelivered) && typeof v.completedAt === 'string'
    ? { delivered: v.delivered.map(String), notDelivered: v.notDelivered.map(String), completedAt: v.completedAt }
    : null;
}

/** The stored notice, or this one written if there is none yet (conditional: of two racing events, one notice wins). */
async function claimReceiptNotice(table: Table, messageKey: string, item: Item, proposed: ReceiptNotice): Promise<ReceiptNotice> {
  const stored = noticeOf(item.deliveryReceiptNotice);
  if (stored) return stored;
  try {
    await table.update({
      Key: keys.message(messageKey),
      UpdateExpression: 'SET deliveryReceiptNotice = :notice',
      ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(deliveryReceiptNotice)',
      ExpressionAttributeValues: { ':notice': proposed },
    });
    return proposed;
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    const current = error.item ?? await table.get(keys.message(messageKey), true);
    return noticeOf(current?.deliveryReceiptNotice) ?? proposed;
  }
}

type DeliveryEventName = Extract<EventName, 'messageDelivered' | 'messageBounced' | 'messageComplained' | 'messageDelayed'>;

const EVENT_BY_STATUS: [DeliveryEventName, RecipientDeliveryStatus[]][] = [
  ['messageDelivered', ['delivered']],
  ['messageBounced', ['bounced', 'rejected']],
  ['messageComplained', ['complained']],
  ['messageDelayed', ['delayed']],
];

const EVENTS_FACT: Record<DeliveryEventName, string> = {
  messageDelivered: 'message-delivered', messageBounced: 'message-bounced', messageComplained: 'message-complained', messageDelayed: 'message-delayed',
};

/**
 * Links a read receipt to the outbound message it answers: the first one wins (`readAt`,
 * `readReceipt`); later ones and receipts for messages Mailroom did not send change nothing.
 */
export async function recordReadReceipt(messageKey: string, at: string, disposition: string, table: Table): Promise<boolean> {
  try {
    await table.update({
      Key: keys.message(messageKey),
      UpdateExpression: 'SET readAt = :at, readReceipt = :receipt',
      ConditionExpression: 'attribute_exists(PK) AND direction = :outbound AND attribute_not_exists(readReceipt)',
      ExpressionAttributeValues: { ':at': at, ':receipt': { at, disposition }, ':outbound': 'outbound' },
    });
    return true;
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
}

/**
 * The inbound side's port (InboundDeps.reports): a stored DSN or MDN is matched to the outbound
 * message by its original Message-ID. Only reports cost reads and writes; ordinary mail none.
 */
export class DeliveryReportTracker {
  constructor(private readonly deps: DeliveryDeps) {}

  async deliveryReport(report: DeliveryReport, reportMessageKey: string, receivedAt: string): Promise<DeliveryOutcome> {
    if (!report.originalMessageId) return { kind: 'ignored', reason: 'the report names no original Message-ID' };
    const update = updateFromDsn(report, reportMessageKey, receivedAt);
    if (!update) return { kind: 'ignored', reason: 'no recipient with a usable action' };
    return applyDeliveryUpdate(messageKeyFor(report.originalMessageId), update, this.deps);
  }

  async readReport(report: ReadReport, receivedAt: string): Promise<boolean> {
    if (!report.originalMessageId) return false;
    return recordReadReceipt(messageKeyFor(report.originalMessageId), receivedAt, report.disposition, this.deps.table);
  }
}
