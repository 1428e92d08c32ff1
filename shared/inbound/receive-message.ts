/**
 * Receive one stored raw message: parse it, route it to mailboxes, thread it into a conversation
 * in each, store it once, publish `Message Received`.
 *
 * Primary course:
 * 1. Stream the raw object from S3 (the only S3 read) through the parser; attachments are written
 *    as they are decoded, under keys derived from the raw object key.
 * 2. One BatchGetItem: the message's own key (redelivery and duplicate detection), the referenced
 *    messages, routing items for the recipients and their domains, conversations named by reply tokens.
 * 3. Decide routing and, per mailbox, the conversation and the reason (threading.ts).
 * 4. One BatchWriteItem for a new conversation; a conditional UpdateItem per existing one.
 * 5. A delivery or read report about mail Mailroom sent updates that message (InboundDeps.reports);
 *    then publish the event with a deterministic id.
 *
 * Raw mail is never modified or deleted here. Bad mail is stored with its flags; only infrastructure
 * failures throw, leaving the SQS message to be retried and, at last, dead-lettered.
 */
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { parseMail } from '../mail/parse.js';
import { normalizeSubject, isReplyOrForwardSubject } from '../mail/subject.js';
import { makeSnippet } from '../mail/snippet.js';
import type { DeliveryReport, MailFlag, ParsedMail, ReadReport } from '../mail/types.js';
import { messageKeyFor, newConversationId } from '../model/keys.js';
import type { ConversationRecord, MessagePlacement, MessageRecord, ThreadingReason } from '../model/types.js';
import type { BlobStore, Clock, EventPublisher } from '../ports/index.js';
import { buildEvent } from '../events/contracts.js';
import type { MailStore } from './mail-store.js';
import { decideRouting, routingLookups } from './routing.js';
import { conversationIdsFromTokens } from './reply-token.js';
import { referenceLookups, threadFromHeaders, threadFromSubject, type ReferencedMessage, type TokenConversation } from './threading.js';

export interface InboundDeps {
  store: MailStore;
  blobs: BlobStore;
  events: EventPublisher;
  clock: Clock;
  /** How far back a subject-only match may reach. */
  subjectWindowHours: number;
  /**
   * Where delivery and read reports about mail Mailroom sent are applied (the outbox's delivery
   * tracking). Optional: without it reports are stored like any mail and nothing else happens.
   */
  reports?: ReportTracker;
}

/** Port: a stored DSN (RFC 3464) or MDN (RFC 8098) matched to the outbound message it is about. */
export interface ReportTracker {
  deliveryReport(report: DeliveryReport, reportMessageKey: string, receivedAt: string): Promise<unknown>;
  readReport(report: ReadReport, receivedAt: string): Promise<unknown>;
}

export interface InboundInput {
  rawKey: string;
  envelopeRecipients: string[];
  receivedAt: string | null;
  /** Verdicts SES attaches (spam, virus): FAIL becomes a flag, the mail is still kept. */
  verdicts?: { spam?: string | null; virus?: string | null };
}

export type InboundOutcome =
  | { kind: 'stored'; messageKey: string; placements: (MessagePlacement & { newConversation: boolean })[] }
  | { kind: 'redelivered'; messageKey: string }
  | { kind: 'duplicate'; messageKey: string; addedMailboxes: string[] };

export async function receiveMessage(input: InboundInput, deps: InboundDeps): Promise<InboundOutcome> {
  const now = deps.clock.now();
  const receivedAt = input.receivedAt ?? now.toISOString();

  // 1. Parse while streaming; the hash identifies mail that has no usable Message-ID.
  const { body: rawStream } = await deps.blobs.getStream(input.rawKey);
  const hash = createHash('sha256');
  const tee = new PassThrough();
  rawStream.on('data', (chunk: Buffer) => hash.update(chunk));
  rawStream.on('error', (error) => tee.destroy(error));
  rawStream.pipe(tee);
  const attachmentPrefix = `attachments/${input.rawKey.replace(/^.*\//, '')}`;
  const parsed = await parseMail(tee as Readable, {
    sink: async (meta, content) => {
      const storageKey = `${attachmentPrefix}/${meta.index}`;
      await deps.blobs.put(storageKey, content, meta.contentType || 'application/octet-stream');
      return { storageKey };
    },
  });
  const rawHash = hash.digest('hex');
  const flags = new Set<MailFlag>(parsed.flags);
  if (input.verdicts?.spam === 'FAIL') flags.add('spam');
  if (input.verdicts?.virus === 'FAIL') flags.add('virus');

  const messageId = parsed.messageId ?? `${rawHash.slice(0, 32)}@mailroom.invalid`;
  let messageKey = messageKeyFor(messageId);

  // 2. One read for every decision.
  const recipients = {
    envelopeRecipients: input.envelopeRecipients.map((r) => r.trim().toLowerCase()),
    to: parsed.to.map((a) => a.address),
    cc: parsed.cc.map((a) => a.address),
  };
  const lookups = routingLookups(recipients);
  const refs = referenceLookups(parsed.inReplyTo, parsed.references);
  const tokenIds = conversationIdsFromTokens([...parsed.inReplyTo, ...parsed.references, ...recipients.envelopeRecipients, ...recipients.to, ...recipients.cc]);
  const found = await deps.store.lookup({
    messageKeys: [messageKey, ...refs.map((r) => messageKeyFor(r.messageId))],
    addresses: lookups.addresses,
    domains: lookups.domains,
    conversationIds: tokenIds,
  });
  const routing = decideRouting(recipients, found.routes, found.domains);

  const existing = found.messages.get(messageKey);
  if (existing) {
    if (existing.rawKey === input.rawKey) {
      await repairPlacements(existing, deps);
      await trackReports(existing, deps);
      await publishReceived(existing, existing.placements.map((p) => ({ ...p, newConversation: p.threading.kind === 'new' })), deps, now);
      return { kind: 'redelivered', messageKey };
    }
    if (sameMessage(existing, parsed)) {
      // The same mail through another path (split SMTP transaction, a second connector):
      // stored once, placed in any mailbox it was not in yet.
      const missing = routing.mailboxIds.filter((m) => !existing.placements.some((p) => p.mailboxId === m));
      if (missing.length === 0) return { kind: 'duplicate', messageKey, addedMailboxes: [] };
      const placements = await placeInMailboxes(existing, parsed, missing, routing.labels, found, deps, now);
      await deps.store.addPlacements(messageKey, placements.map(({ newConversation: _n, ...p }) => p));
      return { kind: 'duplicate', messageKey, addedMailboxes: missing };
    }
    // A different message reusing a Message-ID: keep both, keyed apart.
    flags.add('duplicate-message-id');
    messageKey = messageKeyFor(`${messageId}#${rawHash}`);
  }

  // 3. Routing; unroutable mail is still stored and listed for administrators.
  if (routing.mailboxIds.length === 0) flags.add('unroutable');
  const message: MessageRecord = {
    messageKey, messageId, orgId: routing.orgId, direction: 'inbound',
    rawKey: input.rawKey, rawSize: parsed.size, receivedAt, date: parsed.date,
    subject: parsed.subject, from: parsed.from, replyTo: parsed.replyTo, to: parsed.to, cc: parsed.cc,
    envelopeRecipients: recipients.envelopeRecipients, inReplyTo: parsed.inReplyTo, references: parsed.references,
    snippet: makeSnippet(parsed.text), attachments: parsed.attachments, forwarded: parsed.forwarded,
    flags: [...flags], autoReplyReason: parsed.classification.autoReplyReason,
    deliveryReport: parsed.classification.deliveryReport, readReport: parsed.classification.readReport,
    placements: [], bodyKey: null,
  };

  const threaded = await threadPerMailbox(message, parsed, routing.mailboxIds, refs, found, deps, now);
  message.placements = threaded.map((t) => ({ mailboxId: t.mailboxId, conversationId: t.conversationId, threading: t.threading }));

  // 4. Write: new conversations with the message in one batch, then existing ones updated.
  const newConversations = threaded.filter((t) => t.newConversation).map((t) => newConversation(message, t.mailboxId, t.conversationId, routing.labels[t.mailboxId] ?? [], receivedAt));
  await deps.store.saveNew(message, { text: parsed.text, html: parsed.html }, newConversations);
  for (const t of threaded.filter((p) => !p.newConversation)) {
    const result = await deps.store.appendToConversation(appendFor(message, t.conversationId, routing.labels[t.mailboxId] ?? [], receivedAt));
    if (result === 'missing') throw new Error(`Conversation ${t.conversationId} vanished while threading ${messageKey}`);
  }

  // 5. Reports about mail Mailroom sent update it (only DSNs and MDNs cost more), then publish.
  await trackReports(message, deps);
  await publishReceived(message, threaded, deps, now);
  return { kind: 'stored', messageKey, placements: threaded };
}

type Placed = MessagePlacement & { newConversation: boolean };

/** A DSN or MDN about an outbound message: applied through the port (idempotent, so a redelivery may apply it again). */
async function trackReports(message: MessageRecord, deps: InboundDeps): Promise<void> {
  if (!deps.reports) return;
  if (message.deliveryReport?.originalMessageId) await deps.reports.deliveryReport(message.deliveryReport, message.messageKey, message.receivedAt);
  if (message.readReport?.originalMessageId) await deps.reports.readReport(message.readReport, message.receivedAt);
}

async function threadPerMailbox(
  message: MessageRecord, parsed: ParsedMail, mailboxIds: string[], refs: ReturnType<typeof referenceLookups>,
  found: Awaited<ReturnType<MailStore['lookup']>>, deps: InboundDeps, now: Date,
): Promise<Placed[]> {
  const referenced: ReferencedMessage[] = refs.flatMap((r) => {
    const record = found.messages.get(messageKeyFor(r.messageId));
    return record ? [{ messageId: r.messageId, via: r.via, placements: record.placements }] : [];
  });
  const tokens: TokenConversation[] = [...found.conversations.values()].map((c) => ({ conversationId: c.conversationId, mailboxId: c.mailboxId, token: `mr-${c.conversationId}` }));
  const subjectKey = normalizeSubject(parsed.subject);
  const since = new Date(now.getTime() - deps.subjectWindowHours * 3600_000).toISOString();
  const out: Placed[] = [];
  for (const mailboxId of mailboxIds) {
    let choice = threadFromHeaders(mailboxId, referenced, tokens);
    if (!choice && isReplyOrForwardSubject(parsed.subject)) {
      const candidates = await deps.store.subjectCandidates(mailboxId, subjectKey, since);
      choice = threadFromSubject(subjectKey, parsed.from?.address ?? null, candidates, since);
    }
    if (choice) {
      out.push({ mailboxId, conversationId: choice.conversationId, threading: choice.reason, newConversation: false });
    } else {
      out.push({ mailboxId, conversationId: newConversationId(message.messageKey, mailboxId), threading: { kind: 'new' }, newConversation: true });
    }
  }
  return out;
}

/** Places an already stored message in more mailboxes (duplicate delivery through another path). */
async function placeInMailboxes(
  message: MessageRecord, parsed: ParsedMail, mailboxIds: string[], labels: Record<string, string[]>,
  found: Awaited<ReturnType<MailStore['lookup']>>, deps: InboundDeps, now: Date,
): Promise<Placed[]> {
  const placed = await threadPerMailbox(message, parsed, mailboxIds, referenceLookups(parsed.inReplyTo, parsed.references), found, deps, now);
  const created = placed.filter((p) => p.newConversation).map((p) => newConversation(message, p.mailboxId, p.conversationId, labels[p.mailboxId] ?? [], message.receivedAt));
  if (created.length > 0) await deps.store.saveConversations(created);
  for (const p of placed.filter((x) => !x.newConversation)) {
    await deps.store.appendToConversation(appendFor(message, p.conversationId, labels[p.mailboxId] ?? [], message.receivedAt));
  }
  return placed;
}

/**
 * A redelivery after a crash may find the message stored but a conversation not yet written or
 * not yet updated: finish the job. Rare path, so it may cost extra reads.
 */
async function repairPlacements(message: MessageRecord, deps: InboundDeps): Promise<void> {
  const conversations = new Map((await deps.store.getConversations(message.placements.map((p) => p.conversationId))).map((c) => [c.conversationId, c]));
  const ref = `${message.receivedAt}#${message.messageKey}`;
  const missing: ConversationRecord[] = [];
  for (const p of message.placements) {
    const conversation = conversations.get(p.conversationId);
    if (!conversation && p.threading.kind === 'new') missing.push(newConversation(message, p.mailboxId, p.conversationId, [], message.receivedAt));
    else if (conversation && !conversation.messageRefs.includes(ref)) {
      await deps.store.appendToConversation(appendFor(message, p.conversationId, [], message.receivedAt));
    }
  }
  if (missing.length > 0) await deps.store.saveConversations(missing);
}

function sameMessage(existing: MessageRecord, parsed: ParsedMail): boolean {
  return existing.subject === parsed.subject && (existing.from?.address ?? null) === (parsed.from?.address ?? null) && existing.date === parsed.date;
}

function participantsOf(message: MessageRecord): string[] {
  const all = [message.from, ...message.replyTo, ...message.to, ...message.cc].filter((a) => a !== null).map((a) => a.address);
  return [...new Set(all)];
}

function newConversation(message: MessageRecord, mailboxId: string, conversationId: string, labels: string[], at: string): ConversationRecord {
  return {
    conversationId, mailboxId, orgId: message.orgId ?? '', subject: message.subject,
    subjectKey: normalizeSubject(message.subject), snippet: message.snippet, from: message.from,
    participants: participantsOf(message), status: 'unassigned', assignee: null, isNew: true,
    labels, flags: conversationFlags(message.flags), messageCount: 1,
    hasAttachments: message.attachments.some((a) => a.disposition === 'attachment'),
    createdAt: at, lastActivityAt: at, lastMessageKey: message.messageKey,
    messageRefs: [`${message.receivedAt}#${message.messageKey}`], version: 1,
  };
}

function appendFor(message: MessageRecord, conversationId: string, labels: string[], at: string) {
  return {
    conversationId, messageRef: `${message.receivedAt}#${message.messageKey}`, at, snippet: message.snippet,
    from: message.from, participants: participantsOf(message), labels, flags: conversationFlags(message.flags),
    hasAttachments: message.attachments.some((a) => a.disposition === 'attachment'),
  };
}

/** Flags worth showing on a conversation row (the rest stay on the message). */
function conversationFlags(flags: MailFlag[]): MailFlag[] {
  const shown: MailFlag[] = ['auto-reply', 'delivery-report', 'read-receipt', 'hostile-html', 'bulk', 'spam', 'virus', 'parse-error', 'not-mime', 'empty', 'truncated'];
  return flags.filter((f) => shown.includes(f));
}

function threadingLabel(reason: ThreadingReason): string {
  return reason.kind;
}

async function publishReceived(message: MessageRecord, placements: Placed[], deps: InboundDeps, now: Date): Promise<void> {
  const report = message.deliveryReport;
  const event = buildEvent('messageReceived', `message-received:${message.messageKey}:${placements.map((p) => p.mailboxId).sort().join(',')}`, {
    messageKey: message.messageKey, messageId: message.messageId, orgId: message.orgId, receivedAt: message.receivedAt,
    subject: message.subject, from: message.from, to: message.to, cc: message.cc,
    placements: placements.map((p) => ({ mailboxId: p.mailboxId, conversationId: p.conversationId, newConversation: p.newConversation, threading: threadingLabel(p.threading) })),
    flags: message.flags, attachmentCount: message.attachments.length,
    deliveryReport: report ? { originalMessageId: report.originalMessageId, recipients: report.recipients.map((r) => ({ recipient: r.recipient, action: r.action, status: r.status, diagnostic: r.diagnostic })) } : null,
    readReport: message.readReport ? { originalMessageId: message.readReport.originalMessageId, finalRecipient: message.readReport.finalRecipient, disposition: message.readReport.disposition } : null,
  }, now);
  await deps.events.publish([event]);
}
