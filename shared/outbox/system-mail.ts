/**
 * System-generated mail: what Mailroom sends by itself, through the same outbox as people's mail
 * (stored once, queued, claimed and sent at most once per attempt by the sender, retried on the
 * mailbox's policy, listed in the `system` outbox view), marked so nobody mistakes it for a
 * person's: `systemGenerated` on the message, `composedBy: system`, and an `Auto-Submitted`
 * header (RFC 3834), which also stops well-behaved auto-responders from answering it.
 *
 * Two kinds, each triggered by an event (functions/notify/):
 * - **Auto-acknowledgement** (`Message Received`): when a customer's message opens a conversation
 *   in a mailbox whose auto-acknowledgement is on. Never to an auto-reply, a bounce or a read
 *   receipt, list or bulk mail, spam, a no-reply or daemon address, or one of the mailbox's own
 *   addresses (RFC 3834 section 2: loops). At most one per sender address and mailbox per window:
 *   a conditional PutItem on `AUTOACK#<mailboxId>#<address>` succeeds only when the last one is
 *   older than the window, or was for this very message (a redelivered event). The acknowledgement
 *   is a reply in the conversation (threading headers, reply token), so the team sees what the
 *   customer got; it does not move the conversation's activity time or snippet.
 * - **Notification email** to a member: a note mentioned them (`Mention Created`), or someone else
 *   assigned them a conversation (`Conversation Assigned`, not when they took it themselves),
 *   unless they turned that kind off (preferences.ts). Sent from the conversation's mailbox,
 *   without the reply token: a reply to it does not land in the customer's conversation.
 *
 * Idempotent: the Message-ID (so the message key) derives from the triggering facts, the message
 * is created once (conditional put), and a redelivered event that finds it `queued` at attempt 0
 * queues another trigger, which cannot send twice (the sender's claim is conditional).
 * `Auto-Submitted: auto-replied` marks acknowledgements (answers to a message) and
 * `auto-generated` notifications, as RFC 3834 section 5 distinguishes them.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { ConditionFailedError, type Table } from '../adapters/dynamodb-table.js';
import { encodeBody } from '../inbound/mail-store.js';
import { makeSnippet } from '../mail/snippet.js';
import type { MailAddress } from '../mail/types.js';
import { keys, messageKeyFor, shortHash } from '../model/keys.js';
import type { Mailbox, MessageRecord } from '../model/types.js';
import type { Directory } from '../org/directory.js';
import type { BlobStore, Clock, EventPublisher } from '../ports/index.js';
import type { EventData } from '../events/contracts.js';
import { OUTBOUND_PREFIX } from './env.js';
import { systemMailQueuedEvent } from './events.js';
import { outgoingMessageId, replyTokenAddress, bracket } from './mime.js';
import { SYSTEM_AUTHOR, type OutboxRecord, type OutboxStore, type SystemMailKind } from './outbox-store.js';
import { loadEmailNotifications } from './preferences.js';
import type { OutboxQueue } from './queue.js';
import { loadMailboxWithSettings, type OutboxSettings } from './settings.js';

export interface SystemMailDeps {
  table: Table;
  outbox: OutboxStore;
  directory: Pick<Directory, 'getUser'>;
  blobs: Pick<BlobStore, 'put'>;
  queue: OutboxQueue;
  events: EventPublisher;
  clock: Clock;
  /** Attempts of system mail (the mailbox's policy may override it at send time), and the connector recorded. */
  defaults: { maxAttempts: number; connector: string };
  /** Base URL of the web app, for links in notifications; none when unset. */
  appUrl?: string | null;
}

export type SystemMailOutcome =
  | { kind: 'queued'; messageKey: string; systemKind: SystemMailKind; created: boolean }
  | { kind: 'skipped'; reason: string };

/** Message flags that rule out an acknowledgement. */
const NO_ACK_FLAGS = new Set(['auto-reply', 'bulk', 'delivery-report', 'read-receipt', 'spam', 'virus', 'unroutable']);

/** Local parts of addresses nobody reads: answering them is at best useless, at worst a loop. */
const NO_REPLY_LOCAL = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|mailer[-_.]?daemon|postmaster|bounces?|bounce[-_+.].*|.*[-_.]noreply|notifications?|daemon)$/i;

export function isNoReplyAddress(address: string): boolean {
  const local = address.slice(0, address.lastIndexOf('@')).split('+')[0] ?? '';
  return NO_REPLY_LOCAL.test(local);
}

/** Why a received message gets no acknowledgement, or null when it may get one. */
export function autoAckRefusal(data: EventData<'messageReceived'>, mailbox: Mailbox, settings: OutboxSettings): string | null {
  if (!settings.autoAck.enabled) return 'auto-acknowledgement is off for this mailbox';
  const flag = data.flags.find((f) => NO_ACK_FLAGS.has(f));
  if (flag) return `the message is flagged ${flag}`;
  const from = data.from?.address.trim().toLowerCase();
  if (!from || !from.includes('@')) return 'the message has no sender address';
  if (isNoReplyAddress(from)) return `${from} is a no-reply address`;
  if (mailbox.addresses.some((a) => a.toLowerCase() === from)) return 'the sender is the mailbox itself';
  return null;
}

/**
 * Takes the sender's slot for the window: succeeds when there is no acknowledgement in the window,
 * or when the one there is for this message (the same event again).
 */
async function takeAckSlot(table: Table, mailboxId: string, address: string, messageKey: string, now: Date, windowHours: number): Promise<boolean> {
  const windowStart = new Date(now.getTime() - windowHours * 3_600_000).toISOString();
  try {
    await table.put({
      ...keys.autoAck(mailboxId, address), type: 'auto-ack', mailboxId, address, lastAt: now.toISOString(), messageKey,
      expiresAt: Math.ceil(now.getTime() / 1000) + windowHours * 3600 + 86_400,
    }, {
      ConditionExpression: 'attribute_not_exists(PK) OR lastAt < :windowStart OR messageKey = :messageKey',
      ExpressionAttributeValues: { ':windowStart': windowStart, ':messageKey': messageKey },
    });
    return true;
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

/** Raw MIME of system mail: plain text, Auto-Submitted, no read receipt, no importance. */
export async function buildSystemMime(input: {
  from: MailAddress; replyTo: string | null; to: MailAddress[]; subject: string; text: string; messageId: string;
  inReplyTo: string | null; references: string[]; date: Date; autoSubmitted: 'auto-replied' | 'auto-generated';
}): Promise<Buffer> {
  const composer = new MailComposer({
    from: input.from.name ? { name: input.from.name, address: input.from.address } : input.from.address,
    ...(input.replyTo ? { replyTo: input.replyTo } : {}),
    to: input.to.map((a) => (a.name ? { name: a.name, address: a.address } : a.address)),
    subject: input.subject,
    text: input.text,
    messageId: input.messageId,
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
    ...(input.references.length > 0 ? { references: input.references } : {}),
    date: input.date,
    // RFC 3834 section 5; Microsoft's header keeps Exchange from answering with its own auto-replies.
    headers: { 'Auto-Submitted': input.autoSubmitted, 'X-Auto-Response-Suppress': 'All' },
  });
  return composer.compile().build();
}

interface SystemMessage {
  kind: SystemMailKind;
  mailbox: Mailbox;
  conversationId: string;
  /** Placed in the conversation (acknowledgements) or not (notifications). */
  placeInConversation: boolean;
  messageId: string;
  to: MailAddress;
  subject: string;
  text: string;
  inReplyTo: string | null;
  references: string[];
  cause: string;
}

/** Stores, queues and announces one system message, once. */
async function queueSystemMessage(m: SystemMessage, deps: SystemMailDeps): Promise<SystemMailOutcome> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const sender = m.mailbox.addresses[0]!;
  const messageKey = messageKeyFor(m.messageId);
  const existing = await deps.outbox.get(messageKey);
  if (existing) return requeue(existing, m.kind, deps);

  const replyTo = m.placeInConversation ? replyTokenAddress(sender, m.conversationId) : null;
  const from: MailAddress = { address: sender, name: m.kind === 'auto-ack' ? m.mailbox.name : `Mailroom · ${m.mailbox.name}` };
  const raw = await buildSystemMime({
    from, replyTo, to: [m.to], subject: m.subject, text: m.text, messageId: bracket(m.messageId),
    inReplyTo: m.inReplyTo ? bracket(m.inReplyTo) : null, references: m.references.map(bracket), date: now,
    autoSubmitted: m.kind === 'auto-ack' ? 'auto-replied' : 'auto-generated',
  });
  const rawKey = `${OUTBOUND_PREFIX}${messageKey}.eml`;
  await deps.blobs.put(rawKey, raw, 'message/rfc822');
  const snippet = makeSnippet(m.text);
  const message: MessageRecord = {
    messageKey, messageId: m.messageId, orgId: m.mailbox.orgId, direction: 'outbound', rawKey, rawSize: raw.length, receivedAt: at,
    date: at, subject: m.subject, from, replyTo: replyTo ? [{ address: replyTo, name: '' }] : [], to: [m.to], cc: [],
    envelopeRecipients: [m.to.address], inReplyTo: m.inReplyTo ? [m.inReplyTo] : [], references: m.references, snippet,
    attachments: [], forwarded: [], flags: [], autoReplyReason: null, deliveryReport: null, readReport: null,
    placements: m.placeInConversation
      ? [{ mailboxId: m.mailbox.mailboxId, conversationId: m.conversationId, threading: m.inReplyTo ? { kind: 'in-reply-to', messageId: m.inReplyTo } : { kind: 'new' } }]
      : [],
    bodyKey: null, sendStatus: 'queued',
  };
  const created = await deps.outbox.createMessage(message, encodeBody({ text: m.text, html: null }), {
    mailboxId: m.mailbox.mailboxId, conversationId: m.conversationId, maxAttempts: deps.defaults.maxAttempts, composedBy: SYSTEM_AUTHOR,
    createdAt: at, sendAt: null, nextAttemptAt: at, connector: deps.defaults.connector, importance: 'normal', readReceiptRequested: false,
    envelope: { from: sender, to: [m.to.address] }, bcc: [], scheduleName: null, systemKind: m.kind,
  });
  if (!created.created) return requeue(created.record, m.kind, deps);
  if (m.placeInConversation) await appendQuietly(deps.table, m.conversationId, `${at}#${messageKey}`);
  await deps.queue.enqueue({ messageKey, attempt: 0 }, 0);
  await deps.events.publish([systemMailQueuedEvent(created.record, m.kind, m.cause, now)]);
  return { kind: 'queued', messageKey, systemKind: m.kind, created: true };
}

/**
 * The same fact again: a first run that stopped before queueing left the message `queued` without
 * a trigger; queueing again repairs it and cannot send twice. Its event is republished (same id).
 */
async function requeue(existing: OutboxRecord, kind: SystemMailKind, deps: SystemMailDeps): Promise<SystemMailOutcome> {
  if (existing.status === 'queued' && existing.attempt === 0) {
    if (existing.conversationId && kind === 'auto-ack') await appendQuietly(deps.table, existing.conversationId, `${existing.createdAt}#${existing.messageKey}`);
    await deps.queue.enqueue({ messageKey: existing.messageKey, attempt: 0 }, 0);
  }
  return { kind: 'queued', messageKey: existing.messageKey, systemKind: kind, created: false };
}

/**
 * Adds the acknowledgement to its conversation's messages without touching its activity time,
 * snippet, status or unread state: an automatic answer is not news.
 */
async function appendQuietly(table: Table, conversationId: string, ref: string): Promise<void> {
  try {
    await table.update({
      Key: keys.conversation(conversationId),
      UpdateExpression: 'ADD messageRefs :refs, messageCount :one',
      ConditionExpression: 'attribute_exists(PK) AND NOT contains(messageRefs, :ref)',
      ExpressionAttributeValues: { ':refs': new Set([ref]), ':ref': ref, ':one': 1 },
    });
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
  }
}

/** `Message Received`: an acknowledgement for each new conversation the message opened in a mailbox that wants one. */
export async function autoAcknowledge(data: EventData<'messageReceived'>, eventId: string, deps: SystemMailDeps): Promise<SystemMailOutcome[]> {
  const outcomes: SystemMailOutcome[] = [];
  for (const placement of data.placements) {
    if (!placement.newConversation) {
      outcomes.push({ kind: 'skipped', reason: `not a new conversation in ${placement.mailboxId}` });
      continue;
    }
    const loaded = await loadMailboxWithSettings(deps.table, placement.mailboxId);
    if (!loaded || loaded.mailbox.addresses.length === 0) {
      outcomes.push({ kind: 'skipped', reason: `mailbox ${placement.mailboxId} has no sending address` });
      continue;
    }
    const refusal = autoAckRefusal(data, loaded.mailbox, loaded.settings);
    if (refusal) {
      outcomes.push({ kind: 'skipped', reason: refusal });
      continue;
    }
    const address = data.from!.address.trim().toLowerCase();
    const sender = loaded.mailbox.addresses[0]!;
    const messageId = outgoingMessageId(placement.conversationId, shortHash(`auto-ack|${placement.mailboxId}|${data.messageKey}`, 16).replace(/[-_]/g, 'x'), sender.slice(sender.lastIndexOf('@') + 1)).slice(1, -1);
    if (!(await takeAckSlot(deps.table, placement.mailboxId, address, messageKeyFor(messageId), deps.clock.now(), loaded.settings.autoAck.windowHours))) {
      outcomes.push({ kind: 'skipped', reason: `${address} was acknowledged by ${placement.mailboxId} less than ${loaded.settings.autoAck.windowHours} h ago` });
      continue;
    }
    const values = { subject: data.subject.trim() || '(no subject)', mailbox: loaded.mailbox.name };
    outcomes.push(await queueSystemMessage({
      kind: 'auto-ack', mailbox: loaded.mailbox, conversationId: placement.conversationId, placeInConversation: true, messageId,
      to: { address, name: data.from!.name }, subject: fill(loaded.settings.autoAck.subject, values).slice(0, 998), text: fill(loaded.settings.autoAck.text, values),
      inReplyTo: data.messageId, references: [data.messageId], cause: eventId,
    }, deps));
  }
  return outcomes;
}

function link(deps: SystemMailDeps, conversationId: string): string {
  return deps.appUrl ? `\n\n${deps.appUrl.replace(/\/$/, '')}/#/conversations/${conversationId}` : '';
}

async function notifyMember(
  kind: 'mention' | 'assignment', recipient: string, fact: string,
  about: { mailboxId: string; conversationId: string; subject: string }, text: (mailbox: Mailbox) => string, cause: string, deps: SystemMailDeps,
): Promise<SystemMailOutcome> {
  const user = await deps.directory.getUser(recipient);
  if (!user) return { kind: 'skipped', reason: `${recipient} is not a member` };
  if (!Object.hasOwn(user.roles, about.mailboxId)) return { kind: 'skipped', reason: `${recipient} is not a member of ${about.mailboxId}` };
  const preference = await loadEmailNotifications(deps.table, user.email);
  if (!(kind === 'mention' ? preference.mentions : preference.assignments)) return { kind: 'skipped', reason: `${recipient} turned ${kind} emails off` };
  const loaded = await loadMailboxWithSettings(deps.table, about.mailboxId);
  const sender = loaded?.mailbox.addresses[0];
  if (!loaded || !sender) return { kind: 'skipped', reason: `mailbox ${about.mailboxId} has no sending address` };
  const messageId = `notify.${shortHash(`${kind}|${fact}|${user.email}`, 20).replace(/[-_]/g, 'x')}@${sender.slice(sender.lastIndexOf('@') + 1)}`;
  const subject = about.subject.trim() || '(no subject)';
  return queueSystemMessage({
    kind, mailbox: loaded.mailbox, conversationId: about.conversationId, placeInConversation: false, messageId,
    to: { address: user.email, name: user.name },
    subject: kind === 'mention' ? `[Mailroom] Mention: ${subject}` : `[Mailroom] Assigned to you: ${subject}`,
    text: text(loaded.mailbox) + link(deps, about.conversationId), inReplyTo: null, references: [], cause,
  }, deps);
}

/** `Mention Created`: an email to the member mentioned (not when they mention themselves). */
export async function notifyMention(data: EventData<'mentionCreated'>, eventId: string, deps: SystemMailDeps): Promise<SystemMailOutcome> {
  if (data.mentioned.toLowerCase() === data.author.toLowerCase()) return { kind: 'skipped', reason: 'mentioned themselves' };
  return notifyMember('mention', data.mentioned, `${data.conversationId}|${data.noteId}`, data,
    (mailbox) => `${data.author} mentioned you in a note on "${data.subject}" (${mailbox.name}).`, eventId, deps);
}

/** `Conversation Assigned`: an email to the new assignee when someone else assigned them. */
export async function notifyAssignment(data: EventData<'conversationAssigned'>, eventId: string, deps: SystemMailDeps): Promise<SystemMailOutcome> {
  if (data.assignee.toLowerCase() === data.actor.toLowerCase()) return { kind: 'skipped', reason: 'assigned by the assignee' };
  return notifyMember('assignment', data.assignee, `${data.conversationId}|${data.version}`, data,
    (mailbox) => `${data.actor} assigned you the conversation "${data.subject}" (${mailbox.name}).${data.message ? `\n\n${data.message}` : ''}`, eventId, deps);
}
