/**
 * Compose and queue an outgoing message: a new message (opening a conversation) or a reply,
 * reply-all or forward in an existing one.
 *
 * Primary course:
 * 1. Authorise: a new message needs the admin or dispatcher role in the mailbox; a reply or a
 *    forward also allows the agent the conversation is assigned to (the people who own it).
 * 2. Load the mailbox (sending address, name, outbox settings) and, for replies, the conversation
 *    and the message answered (the given one, else the latest received one).
 * 3. Decide recipients, subject and threading headers. Recipients on the organisation's
 *    suppression list (one BatchGetItem) become warnings: the message is still sent, the author
 *    is told why it may bounce.
 * 4. Fill merge fields (`{{contact.fullname}}`...; shared/compose/merge-fields.ts) in the subject
 *    and body: one the context cannot fill refuses the message (400 naming each field) rather
 *    than sending braces or a blank. Append the signature (the one asked for, none, or the
 *    author's default in the mailbox), its own merge fields filled. Sanitise the HTML, derive the
 *    plain text, point `<img>` sources naming an inline upload at its `cid:`.
 * 5. Read the author's uploads (attachments and inline images, `uploads/<orgId>/<author>/`),
 *    within the size caps; a forward carries the original attachments.
 * 6. Build the raw MIME (mime.ts) and store it under `outbound/<messageKey>.eml`.
 * 7. Write the message item with its send state `queued` (stored once, like received mail), with a
 *    snapshot of the case and business records it belongs to ({@link outboxLinks}), then place it
 *    in its conversation (a new one for a new message).
 * 8. Trigger the send after the undo window, or at the scheduled time: SQS DelaySeconds up to 15
 *    minutes, a one-time schedule beyond.
 * 9. Publish `Message Queued`.
 *
 * With an idempotency key the Message-ID is derived from (author, mailbox, key), so a client
 * retrying the same request gets the same message back instead of a second one.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Table } from '../adapters/dynamodb-table.js';
import { conversationFromItem, encodeBody, type MailStore } from '../inbound/mail-store.js';
import { htmlToText } from '../mail/html-text.js';
import { REMOTE_SRC_ATTRIBUTE, sanitizeMailHtml } from '../mail/sanitize.js';
import { makeSnippet } from '../mail/snippet.js';
import { normalizeSubject } from '../mail/subject.js';
import type { MailAddress, StoredAttachment } from '../mail/types.js';
import { keys, messageKeyFor, shortHash } from '../model/keys.js';
import type { ConversationRecord, MailboxRole, MessageRecord, OutboxLink } from '../model/types.js';
import type { UserWithRoles } from '../org/directory.js';
import type { BlobStore, Clock, EventPublisher } from '../ports/index.js';
import { OUTBOUND_PREFIX } from './env.js';
import { messageQueuedEvent } from './events.js';
import { bracket, buildMime, outgoingMessageId, replyReferences, replyTokenAddress, type Importance, type MimeAttachment } from './mime.js';
import type { OutboxRecord, OutboxStore } from './outbox-store.js';
import { MAX_DELAY_SECONDS, type OutboxQueue } from './queue.js';
import { scheduleName, type RetryScheduler } from './retry-scheduler.js';
import { loadMailboxWithSettings } from './settings.js';
import { suppressedAmong, suppressionWarnings } from './delivery-suppression.js';
import { loadMergeConversation, mergeValuesFor, type MergeContextSource } from '../compose/merge-context.js';
import { repositoryMergeSource } from '../compose/merge-context-repositories.js';
import { CaseRepository, type CaseRecord, type RecordLink } from '../cases/case-repository.js';
import { findMergeTokens, renderMergeFields, tokenOf, type MergeValues } from '../compose/merge-fields.js';
import { SignatureRuleError, SignatureStore, type Signature } from '../compose/signatures.js';
import {
  contentIdFor, filenameOfUpload, isOwnUpload, MAX_MESSAGE_ATTACHMENT_BYTES, MAX_UPLOAD_BYTES, rewriteUploadSources, UPLOADS_PREFIX, type UploadRef,
} from '../compose/uploads.js';

export { OUTBOUND_PREFIX } from './env.js';

export type ComposeKind = 'new' | 'reply' | 'reply-all' | 'forward';

export interface ComposeDeps {
  table: Table;
  outbox: OutboxStore;
  mail: MailStore;
  /** `getStream`, when there, gives an upload's stored content type. */
  blobs: Pick<BlobStore, 'get' | 'put'> & Partial<Pick<BlobStore, 'getStream'>>;
  queue: OutboxQueue;
  scheduler: RetryScheduler;
  events: EventPublisher;
  clock: Clock;
  /** Random part of Message-IDs; tests pass a fixed one. */
  random?: () => string;
  defaults: { undoSeconds: number; maxAttempts: number; connector: string };
  /** Contacts, organisations and cases for merge fields; default: their repositories in the table. */
  mergeSource?: MergeContextSource;
  /** A case's document (filename, type, where its bytes are); default: the cases repository in the table. */
  caseDocument?: (orgId: string, caseId: string, documentId: string) => Promise<CaseDocumentRef | null>;
}

export interface ComposeRequest {
  caller: UserWithRoles;
  target: { kind: 'new'; mailboxId: string } | { kind: Exclude<ComposeKind, 'new'>; conversationId: string; messageKey?: string };
  to?: MailAddress[];
  cc?: MailAddress[];
  bcc?: MailAddress[];
  subject?: string;
  html?: string;
  text?: string;
  importance: Importance;
  requestReadReceipt: boolean;
  sendAt?: Date;
  /** Overrides the mailbox's undo window for this message (0 to 900 seconds). */
  undoSeconds?: number;
  idempotencyKey?: string;
  /** A signature of the mailbox, `null` for none; absent: the author's default in the mailbox, if any. */
  signatureId?: string | null;
  /** The author's uploads to attach, or to show inline (`cid:`). */
  attachments?: UploadRef[];
  /** Documents of cases of the organisation to attach (their bytes are already in the mail bucket). */
  caseDocuments?: { caseId: string; documentId: string }[];
  /** Ask to be told of delivery: stored on the message, answered by the provider's delivery events. */
  requestDeliveryReceipt?: boolean;
  /** Display name of the From address (a template's sender name); default: the mailbox's name. */
  senderName?: string;
}

/** Why a compose request was refused; the API maps each code to a problem response. */
export class ComposeRefusedError extends Error {
  constructor(
    readonly code: 'not-found' | 'forbidden' | 'invalid', message: string, readonly field?: string,
    /** Every offending field, when there are several (missing merge fields). */
    readonly errors?: { field: string; message: string }[],
  ) {
    super(message);
    this.name = 'ComposeRefusedError';
  }
}

export interface ComposeResult {
  created: boolean;
  record: OutboxRecord;
  /** Recipients on the organisation's suppression list (permanent bounce, complaint): sent anyway, said here. */
  warnings: { field: string; message: string }[];
  /** When the sender will first pick it up. */
  sendAt: Date;
}

/** Roles that may send from a mailbox without owning the conversation. */
const SENDING_ROLES: readonly MailboxRole[] = ['admin', 'dispatcher'];

function roleIn(caller: UserWithRoles, mailboxId: string): MailboxRole | null {
  return Object.hasOwn(caller.roles, mailboxId) ? caller.roles[mailboxId] ?? null : null;
}

const PREFIX = /^\s*(re|fwd?|tr|aw|wg)\s*:/i;

function replySubject(kind: Exclude<ComposeKind, 'new'>, parent: string): string {
  if (PREFIX.test(parent)) return parent;
  return `${kind === 'forward' ? 'Fwd' : 'Re'}: ${parent}`;
}

function dedupe(list: MailAddress[], exclude: Set<string>): MailAddress[] {
  const seen = new Set(exclude);
  return list.filter((a) => {
    const key = a.address.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The sanitiser disables remote images for reading received mail; in mail the author writes
 * (a signature logo by URL), they are intended, so their `src` is restored.
 */
export function outgoingHtml(html: string): string {
  return sanitizeMailHtml(html).html.replaceAll(` ${REMOTE_SRC_ATTRIBUTE}="`, ' src="');
}

export async function composeMessage(request: ComposeRequest, deps: ComposeDeps): Promise<ComposeResult> {
  const now = deps.clock.now();
  const { caller, target } = request;

  // 1-2. Authorise and load what the message depends on.
  let conversation: ConversationRecord | null = null;
  let conversationLinks: ConversationLinkAttributes = { caseId: null, recordLinks: [] };
  let parent: MessageRecord | null = null;
  let mailboxId: string;
  if (target.kind === 'new') {
    mailboxId = target.mailboxId;
    const role = roleIn(caller, mailboxId);
    if (!role) throw new ComposeRefusedError('not-found', 'This mailbox does not exist or you cannot see it.');
    if (!SENDING_ROLES.includes(role)) throw new ComposeRefusedError('forbidden', 'Only admins and dispatchers of the mailbox may start a conversation; agents reply in conversations assigned to them.');
  } else {
    // One read gives the conversation and its links (case, business records) for the snapshot.
    const item = await deps.table.get(keys.conversation(target.conversationId));
    conversation = item ? conversationFromItem(item) : null;
    if (item) conversationLinks = linkAttributesOf(item);
    const role = conversation ? roleIn(caller, conversation.mailboxId) : null;
    if (!conversation || !role || (role === 'agent' && conversation.assignee !== caller.email)) {
      throw new ComposeRefusedError('not-found', 'This conversation does not exist or you cannot see it.');
    }
    mailboxId = conversation.mailboxId;
    parent = await pickParent(conversation, target.messageKey, deps.mail);
  }
  const loaded = await loadMailboxWithSettings(deps.table, mailboxId);
  const sender = loaded?.mailbox.addresses[0];
  if (!loaded || !sender) throw new ComposeRefusedError('not-found', 'This mailbox has no sending address.');
  const { mailbox, settings } = loaded;
  const own = new Set(mailbox.addresses.map((a) => a.toLowerCase()));

  // 3. Recipients, subject, threading.
  let to = request.to ?? [];
  let cc = request.cc ?? [];
  if (parent && target.kind !== 'new' && target.kind !== 'forward' && request.to === undefined) {
    const answered = parent.direction === 'inbound' ? (parent.replyTo.length > 0 ? parent.replyTo : parent.from ? [parent.from] : []) : parent.to;
    to = answered;
    if (target.kind === 'reply-all' && request.cc === undefined) cc = [...parent.to, ...parent.cc];
  }
  to = dedupe(to, own);
  cc = dedupe(cc, new Set([...own, ...to.map((a) => a.address)]));
  const bcc = dedupe(request.bcc ?? [], new Set([...to, ...cc].map((a) => a.address)));
  if (to.length + cc.length + bcc.length === 0) throw new ComposeRefusedError('invalid', 'Give at least one recipient.', 'body.to');
  const warnings = suppressionWarnings({ to, cc, bcc }, await suppressedAmong(deps.table, mailbox.orgId, [...to, ...cc, ...bcc].map((a) => a.address)));
  const signature = await resolveSignature(deps.table, mailboxId, caller.email, request.signatureId);
  const filled = await fillMergeFields({
    subject: request.subject ?? '', html: request.html, text: request.text, signature,
  }, async () => {
    const mergeConversation = conversation ? await loadMergeConversation(deps.table, conversation.conversationId) : null;
    return mergeValuesFor({ user: caller, mailbox, conversation: mergeConversation, recipient: to[0] ?? null }, deps.mergeSource ?? repositoryMergeSource(deps.table));
  });
  // The default reply subject is the customer's words: it is never read for merge fields.
  const subject = request.subject !== undefined ? filled.subject : parent && target.kind !== 'new' ? replySubject(target.kind, parent.subject) : '';
  const cases = caseReader(deps.table, mailbox.orgId);
  const uploads = [
    ...await loadUploads(request.attachments ?? [], caller, mailbox.orgId, deps.blobs),
    ...await loadCaseDocuments(request.caseDocuments ?? [], mailbox.orgId, deps, cases),
  ];
  const links = await outboxLinks(conversationLinks, request.caseDocuments ?? [], cases);
  if (uploads.reduce((sum, u) => sum + u.content.length, 0) > MAX_MESSAGE_ATTACHMENT_BYTES) {
    throw new ComposeRefusedError('invalid', `Attachments of one message are at most ${MAX_MESSAGE_ATTACHMENT_BYTES} bytes together.`, 'body.attachments');
  }
  const bodyHtml = filled.html !== undefined && filled.html.trim() !== '' ? filled.html : null;
  const withSignature = bodyHtml !== null && filled.signatureHtml !== null ? `${bodyHtml}<br><div>${filled.signatureHtml}</div>` : bodyHtml;
  const html = withSignature !== null ? rewriteUploadSources(outgoingHtml(withSignature), uploads.filter((u) => u.disposition === 'inline').map((u) => ({ uploadKey: u.storageKey, contentId: u.contentId! }))) : null;
  const signatureText = filled.signatureHtml !== null ? htmlToText(outgoingHtml(filled.signatureHtml)).trim() : '';
  const ownText = filled.text ?? (bodyHtml !== null ? htmlToText(outgoingHtml(bodyHtml)) : '');
  if (html === null && ownText.trim() === '') throw new ComposeRefusedError('invalid', 'Give an html or a text body.', 'body.text');
  // RFC 3676 4.3 signature separator ("-- "), which mail clients recognise and fold.
  const text = signatureText !== '' ? `${ownText.replace(/\s+$/, '')}\n\n-- \n${signatureText}\n` : ownText;
  const sendAt = request.sendAt ?? null;
  if (sendAt && sendAt.getTime() < now.getTime() - 60_000) throw new ComposeRefusedError('invalid', 'sendAt is in the past.', 'body.sendAt');

  // With an idempotency key, every id is a function of (author, mailbox, kind, key): a retry finds the first message.
  const idempotent = request.idempotencyKey !== undefined ? `${caller.email}|${mailboxId}|${target.kind}|${request.idempotencyKey}` : null;
  const conversationId = conversation?.conversationId
    ?? (idempotent !== null ? `c${shortHash(`conversation|${idempotent}`, 20).replace(/[-_]/g, 'x')}` : newOutboundConversationId());
  const domain = sender.slice(sender.lastIndexOf('@') + 1);
  const random = idempotent !== null ? shortHash(`message|${idempotent}`, 16).replace(/[-_]/g, 'x') : (deps.random ?? defaultRandom)();
  const messageIdBracketed = outgoingMessageId(conversationId, random, domain);
  const messageId = messageIdBracketed.slice(1, -1);
  const messageKey = messageKeyFor(messageId);
  if (idempotent !== null) {
    const existing = await deps.outbox.get(messageKey);
    if (existing) return { ...(await replay(existing, deps, now)), warnings };
  }

  // 5-6. Attachments, raw MIME, stored once.
  const forwarded = target.kind === 'forward' && parent ? await loadAttachments(parent.attachments, deps.blobs) : [];
  const attachments: MimeAttachment[] = [...forwarded, ...uploads];
  const inReplyTo = parent ? bracket(parent.messageId) : null;
  const references = parent ? replyReferences(parent.references, parent.messageId) : [];
  const from: MailAddress = { address: sender, name: request.senderName?.trim() || mailbox.name };
  const raw = await buildMime({
    from, replyTo: replyTokenAddress(sender, conversationId), to, cc, bcc, subject, html, text,
    messageId: messageIdBracketed, inReplyTo, references, importance: request.importance,
    dispositionNotificationTo: request.requestReadReceipt ? sender : null, date: sendAt && sendAt > now ? sendAt : now,
    attachments,
  });
  const rawKey = `${OUTBOUND_PREFIX}${messageKey}.eml`;
  await deps.blobs.put(rawKey, raw, 'message/rfc822');
  // Uploads are the author's scratch space (and may expire); the message keeps its own copy where
  // received mail keeps its attachments (`attachments/<raw file name>/<index>`), which the API serves.
  const forwardedRefs = target.kind === 'forward' && parent ? parent.attachments.map((a) => ({ storageKey: a.storageKey, sha256: a.sha256 })) : [];
  const storedRefs = [...forwardedRefs, ...await Promise.all(uploads.map(async (u, i) => {
    if (!u.storageKey.startsWith(UPLOADS_PREFIX)) return { storageKey: u.storageKey, sha256: u.sha256 };
    const storageKey = `attachments/${messageKey}.eml/${forwardedRefs.length + i}`;
    await deps.blobs.put(storageKey, u.content, u.contentType);
    return { storageKey, sha256: u.sha256 };
  }))];

  // 7. The message, then its conversation.
  const at = now.toISOString();
  const undoSeconds = clampDelay(request.undoSeconds ?? settings.undoSeconds ?? deps.defaults.undoSeconds);
  const firstPickup = new Date(Math.max(now.getTime() + undoSeconds * 1000, sendAt?.getTime() ?? 0));
  const delaySeconds = Math.ceil((firstPickup.getTime() - now.getTime()) / 1000);
  const useSchedule = delaySeconds > MAX_DELAY_SECONDS;
  const snippet = makeSnippet(text);
  const message: MessageRecord = {
    messageKey, messageId, orgId: mailbox.orgId, direction: 'outbound', rawKey, rawSize: raw.length, receivedAt: at,
    date: at, subject, from, replyTo: [{ address: replyTokenAddress(sender, conversationId), name: '' }], to, cc,
    envelopeRecipients: [...to, ...cc, ...bcc].map((a) => a.address), inReplyTo: inReplyTo ? [inReplyTo.slice(1, -1)] : [],
    references: references.map((r) => r.slice(1, -1)), snippet,
    attachments: attachments.map((a, index) => ({
      index, filename: a.filename, contentType: a.contentType, size: a.content.length, contentId: a.contentId ?? null,
      disposition: a.disposition, storageKey: storedRefs[index]?.storageKey ?? '', sha256: storedRefs[index]?.sha256 ?? '',
    })),
    forwarded: [], flags: [], autoReplyReason: null, deliveryReport: null, readReport: null,
    placements: [{ mailboxId, conversationId, threading: parent ? { kind: 'in-reply-to', messageId: parent.messageId } : { kind: 'new' } }],
    bodyKey: null, sendStatus: 'queued',
    ...(request.requestDeliveryReceipt ? { deliveryReceiptRequested: true } : {}),
    ...(links.length > 0 ? { links } : {}),
  };
  const created = await deps.outbox.createMessage(message, encodeBody({ text, html }), {
    mailboxId, conversationId, maxAttempts: deps.defaults.maxAttempts, composedBy: caller.email, createdAt: at,
    sendAt: sendAt ? sendAt.toISOString() : null, nextAttemptAt: firstPickup.toISOString(), connector: deps.defaults.connector,
    importance: request.importance, readReceiptRequested: request.requestReadReceipt,
    envelope: { from: sender, to: message.envelopeRecipients }, bcc,
    scheduleName: useSchedule ? scheduleName(messageKey, 'send') : null,
  });
  if (!created.created) return { created: false, record: created.record, sendAt: firstPickup, warnings };
  const participants = [...to, ...cc].map((a) => a.address);
  const ref = `${at}#${messageKey}`;
  if (conversation) {
    await deps.outbox.appendToConversation(conversation.conversationId, ref, at, snippet, participants, caller.email);
  } else {
    await deps.outbox.createConversation({
      conversationId, mailboxId, orgId: mailbox.orgId, subject, subjectKey: normalizeSubject(subject), snippet,
      from: to[0] ?? null, participants, status: 'assigned', assignee: caller.email, isNew: false, labels: [], flags: [],
      messageCount: 1, hasAttachments: attachments.some((a) => a.disposition === 'attachment'),
      createdAt: at, lastActivityAt: at, lastMessageKey: messageKey, messageRefs: [ref], version: 1,
    }, [caller.email]);
  }

  // 8. The trigger: after the undo window, or at the scheduled time.
  const trigger = { messageKey, attempt: 0 };
  if (useSchedule) await deps.scheduler.schedule(scheduleName(messageKey, 'send'), firstPickup, trigger);
  else await deps.queue.enqueue(trigger, delaySeconds);

  // 9. Tell the world.
  await deps.events.publish([messageQueuedEvent(created.record, target.kind, firstPickup, now)]);
  return { created: true, record: created.record, sendAt: firstPickup, warnings };
}

/**
 * The same request again: answer with the stored message. A first attempt that stopped between
 * storing the message and queueing it left a `queued` message without a trigger; queueing it again
 * repairs that, and costs nothing otherwise (a second trigger for attempt 0 cannot claim twice).
 */
async function replay(existing: OutboxRecord, deps: ComposeDeps, now: Date): Promise<Omit<ComposeResult, 'warnings'>> {
  const sendAt = new Date(existing.nextAttemptAt ?? existing.createdAt);
  if (existing.status === 'queued' && existing.attempt === 0) {
    const delaySeconds = Math.max(0, Math.ceil((sendAt.getTime() - now.getTime()) / 1000));
    const trigger = { messageKey: existing.messageKey, attempt: 0 };
    if (existing.scheduleName && delaySeconds > MAX_DELAY_SECONDS) await deps.scheduler.schedule(existing.scheduleName, sendAt, trigger);
    else await deps.queue.enqueue(trigger, delaySeconds);
  }
  return { created: false, record: existing, sendAt };
}

function clampDelay(seconds: number): number {
  return Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.round(seconds)));
}

function defaultRandom(): string {
  return randomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
}

/** Conversation ids match the reply-token pattern: `c` and 20 letters or digits. */
export function newOutboundConversationId(): string {
  return `c${randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 20)}`;
}

/** The message answered: the one named (it must be in the conversation), else the latest received one. */
async function pickParent(conversation: ConversationRecord, messageKey: string | undefined, mail: MailStore): Promise<MessageRecord> {
  if (messageKey !== undefined) {
    const named = await mail.getMessage(messageKey);
    if (!named || !named.placements.some((p) => p.conversationId === conversation.conversationId)) {
      throw new ComposeRefusedError('invalid', 'This message is not in the conversation.', 'body.messageKey');
    }
    return named;
  }
  const recent = [...conversation.messageRefs].sort().slice(-10).map((ref) => ref.slice(ref.indexOf('#') + 1));
  const metas = await mail.getMessagesMeta(recent);
  const parent = [...metas].reverse().find((m) => m.direction === 'inbound') ?? metas[metas.length - 1];
  if (!parent) throw new ComposeRefusedError('not-found', 'This conversation has no message to answer.');
  return parent;
}

async function loadAttachments(stored: StoredAttachment[], blobs: Pick<BlobStore, 'get'>): Promise<MimeAttachment[]> {
  return Promise.all(stored.map(async (a) => ({
    filename: a.filename, contentType: a.contentType, content: await blobs.get(a.storageKey),
    contentId: a.contentId, disposition: a.disposition,
  })));
}

async function resolveSignature(table: Table, mailboxId: string, author: string, requested: string | null | undefined): Promise<Signature | null> {
  try {
    return await new SignatureStore(table).resolve(mailboxId, author, requested);
  } catch (error) {
    if (error instanceof SignatureRuleError) throw new ComposeRefusedError('invalid', error.message, 'body.signatureId');
    throw error;
  }
}

interface Fillable {
  subject: string;
  html: string | undefined;
  text: string | undefined;
  signature: Signature | null;
}

/**
 * Fills merge fields; the values are looked up only when a token is there, so a message without
 * any costs no read. A field the author wrote that cannot be filled (missing for this
 * conversation, or unknown) refuses the message, naming each; the signature's own fields are the
 * mailbox's and never block a send: an empty one renders as nothing.
 */
async function fillMergeFields(input: Fillable, values: () => Promise<MergeValues>): Promise<{ subject: string; html: string | undefined; text: string | undefined; signatureHtml: string | null }> {
  const parts = { subject: input.subject, html: input.html, text: input.text } as const;
  const hasTokens = [input.subject, input.html, input.text, input.signature?.html].some((v) => v !== undefined && findMergeTokens(v).length > 0);
  if (!hasTokens) return { ...parts, signatureHtml: input.signature?.html ?? null };
  const known = await values();
  const errors: { field: string; message: string }[] = [];
  const out: Record<keyof typeof parts, string | undefined> = { ...parts };
  for (const part of ['subject', 'html', 'text'] as const) {
    const value = parts[part];
    if (value === undefined) continue;
    const rendered = renderMergeFields(value, known, { html: part === 'html' });
    for (const field of rendered.missing) errors.push({ field: `body.${part}`, message: `${tokenOf(field)} has no value for this message: fill it in or remove it` });
    for (const field of rendered.unknown) errors.push({ field: `body.${part}`, message: `${tokenOf(field)} is not a merge field` });
    out[part] = rendered.output;
  }
  if (errors.length > 0) {
    const fields = [...new Set(errors.map((e) => /\{\{[^}]+\}\}/.exec(e.message)?.[0]))].join(', ');
    throw new ComposeRefusedError('invalid', `Merge fields without a value: ${fields}. Fill them in or remove them before sending.`, errors[0]!.field, errors);
  }
  const signatureHtml = input.signature ? renderMergeFields(input.signature.html, known, { html: true }).output : null;
  return { subject: out.subject ?? '', html: out.html, text: out.text, signatureHtml };
}

type LoadedUpload = MimeAttachment & { storageKey: string; sha256: string };

/**
 * The author's uploads, read from S3. Another member's key, or anything outside the author's
 * upload prefix, is refused as not found (`body.attachments[i]`); so are files over the caps.
 */
async function loadUploads(refs: UploadRef[], caller: UserWithRoles, orgId: string, blobs: ComposeDeps['blobs']): Promise<LoadedUpload[]> {
  let total = 0;
  const out: LoadedUpload[] = [];
  for (const [i, ref] of refs.entries()) {
    const field = `body.attachments[${i}]`;
    if (!isOwnUpload(ref.uploadKey, orgId, caller.email)) throw new ComposeRefusedError('invalid', 'This upload does not exist or is not yours.', field);
    let content: Buffer;
    let contentType: string | null = null;
    try {
      if (blobs.getStream) {
        const stream = await blobs.getStream(ref.uploadKey);
        contentType = stream.contentType;
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of stream.body) {
          size += (chunk as Buffer).length;
          if (size > MAX_UPLOAD_BYTES) break;
          chunks.push(chunk as Buffer);
        }
        content = Buffer.concat(chunks);
        if (size > MAX_UPLOAD_BYTES) content = Buffer.alloc(MAX_UPLOAD_BYTES + 1);
      } else {
        content = await blobs.get(ref.uploadKey);
      }
    } catch (error) {
      if (error instanceof Error && /NoSuchKey|NotFound/i.test(error.name)) throw new ComposeRefusedError('invalid', 'This upload does not exist or is not yours.', field);
      throw error;
    }
    if (content.length > MAX_UPLOAD_BYTES) throw new ComposeRefusedError('invalid', `An attachment is at most ${MAX_UPLOAD_BYTES} bytes.`, field);
    total += content.length;
    if (total > MAX_MESSAGE_ATTACHMENT_BYTES) throw new ComposeRefusedError('invalid', `Attachments of one message are at most ${MAX_MESSAGE_ATTACHMENT_BYTES} bytes together.`, field);
    const inline = ref.inline === true;
    out.push({
      filename: filenameOfUpload(ref.uploadKey), contentType: contentType ?? 'application/octet-stream', content,
      contentId: inline ? (ref.contentId ?? contentIdFor(ref.uploadKey)) : null, disposition: inline ? 'inline' : 'attachment',
      storageKey: ref.uploadKey, sha256: createHash('sha256').update(content).digest('hex'),
    });
  }
  return out;
}

/** What compose needs of a case document. */
export interface CaseDocumentRef {
  filename: string;
  contentType: string;
  storageKey: string;
}

/**
 * Documents of the organisation's cases (any member of the organisation may open a case, see
 * shared/cases/case-service.ts): a document of another organisation's case reads as missing
 * (`body.caseDocuments[i]`). They count towards the same size cap as uploads.
 */
async function loadCaseDocuments(refs: { caseId: string; documentId: string }[], orgId: string, deps: ComposeDeps, cases: CaseReader): Promise<LoadedUpload[]> {
  if (refs.length === 0) return [];
  const lookup = deps.caseDocument ?? (async (_org: string, caseId: string, documentId: string) => {
    if (!(await cases.get(caseId))) return null;
    return new CaseRepository(deps.table).getDocument(caseId, documentId);
  });
  const out: LoadedUpload[] = [];
  let total = 0;
  for (const [i, ref] of refs.entries()) {
    const field = `body.caseDocuments[${i}]`;
    const document = await lookup(orgId, ref.caseId, ref.documentId);
    if (!document || document.storageKey === '') throw new ComposeRefusedError('invalid', 'This case document does not exist or you cannot see it.', field);
    const content = await deps.blobs.get(document.storageKey);
    total += content.length;
    if (content.length > MAX_UPLOAD_BYTES || total > MAX_MESSAGE_ATTACHMENT_BYTES) {
      throw new ComposeRefusedError('invalid', `Attachments of one message are at most ${MAX_MESSAGE_ATTACHMENT_BYTES} bytes together (${MAX_UPLOAD_BYTES} each).`, field);
    }
    out.push({
      filename: document.filename, contentType: document.contentType, content, contentId: null, disposition: 'attachment',
      storageKey: document.storageKey, sha256: createHash('sha256').update(content).digest('hex'),
    });
  }
  return out;
}

/** The link attributes of a conversation item (written by shared/cases/conversation-links.ts). */
export interface ConversationLinkAttributes {
  caseId: string | null;
  recordLinks: RecordLink[];
}

function linkAttributesOf(item: Record<string, unknown>): ConversationLinkAttributes {
  const recordLinks = Array.isArray(item.recordLinks)
    ? (item.recordLinks as { type?: unknown; id?: unknown }[]).filter((l) => typeof l?.type === 'string' && typeof l.id === 'string').map((l) => ({ type: String(l.type), id: String(l.id) }))
    : [];
  return { caseId: typeof item.caseId === 'string' ? item.caseId : null, recordLinks };
}

/** The organisation's cases, each read at most once per compose (documents and links share the read). */
interface CaseReader {
  get(caseId: string): Promise<CaseRecord | null>;
}

function caseReader(table: Table, orgId: string): CaseReader {
  const read = new Map<string, Promise<CaseRecord | null>>();
  const repository = new CaseRepository(table);
  return {
    get(caseId) {
      let found = read.get(caseId);
      if (!found) { found = repository.get(orgId, caseId); read.set(caseId, found); }
      return found;
    },
  };
}

/**
 * What the outbox shows in its "linked to" column, decided once when the message is composed:
 * the conversation's case, then the cases whose documents the message carries (how a message
 * started from a case says so: the compose API has no other case field), each once with its
 * reference, then the conversation's business records (ticket, project, offer, booking...).
 *
 * It is a snapshot, stored on the message: the views read the message items they list anyway, so
 * showing it costs no read of cases or conversations. A conversation linked (or unlinked) after
 * the message was queued leaves the message as it was composed, the way its recipients and
 * subject stay; the conversation itself shows its current links. A case that no longer exists in
 * the organisation is left out.
 */
export async function outboxLinks(conversation: ConversationLinkAttributes, caseDocuments: { caseId: string }[], cases: CaseReader): Promise<OutboxLink[]> {
  const caseIds = [...new Set([...(conversation.caseId !== null ? [conversation.caseId] : []), ...caseDocuments.map((d) => d.caseId)])];
  const found = await Promise.all(caseIds.map((id) => cases.get(id)));
  const out: OutboxLink[] = found.flatMap((c) => (c ? [{ kind: 'case' as const, id: c.caseId, reference: c.reference }] : []));
  const seen = new Set<string>();
  for (const link of conversation.recordLinks) {
    const key = `${link.type}\u0000${link.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ kind: 'record', type: link.type, id: link.id });
  }
  return out;
}
