/**
 * Drafts: a message being written, saved as often as the author likes, never sent by accident.
 *
 * - One item per draft in the author's partition (`PK=DRAFTS#<email>, SK=DRAFT#<draftId>`):
 *   "my drafts" is one Query, and nobody else can read or change them.
 * - A save is conditional on the version the author loaded: a second tab saving stale content
 *   gets a conflict with the current draft instead of overwriting it.
 * - A draft of a reply or a forward keeps its conversation, the message answered and its kind.
 * - Sending is explicit ({@link sendDraft}): one conditional transition `draft -> sending`, then
 *   compose with an idempotency key derived from the draft, then `sent`. A double click, a retry
 *   after a timeout or two tabs sending at once all end in the same single message; a draft the
 *   compose step refuses (a merge field without value) goes back to `draft`.
 *   Two sends racing past the claim both build the MIME; the message item is created once, so
 *   at most the stored `.eml` is rewritten with the same content (another boundary and Date).
 * - Discarding is a conditional transition too (`draft -> discarded`, expired by TTL), so a
 *   discard racing a send cannot lose the message half-way.
 */
import { randomBytes } from 'node:crypto';
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import type { MailAddress } from '../mail/types.js';
import { keys } from '../model/keys.js';
import type { UserWithRoles } from '../org/directory.js';
import type { UploadRef } from './uploads.js';

export type DraftKind = 'new' | 'reply' | 'reply-all' | 'forward';
export type DraftStatus = 'draft' | 'sending' | 'sent' | 'discarded';

/** What the author writes; everything a compose request takes except scheduling. */
export interface DraftContent {
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  /** Absent: the default (the reply subject for a reply). */
  subject?: string;
  html?: string;
  text?: string;
  importance: 'high' | 'normal' | 'low';
  requestReadReceipt: boolean;
  requestDeliveryReceipt: boolean;
  /** A signature id, null for none; absent: the author's default. */
  signatureId?: string | null;
  attachments: UploadRef[];
  /** Documents of the organisation's cases to attach. */
  caseDocuments: { caseId: string; documentId: string }[];
  /** From display name (a template's sender name); null: the mailbox's. */
  senderName: string | null;
  /** The template the draft started from, if any (for the record; the content is the draft's). */
  templateId: string | null;
}

export interface Draft extends DraftContent {
  draftId: string;
  owner: string;
  orgId: string;
  mailboxId: string;
  kind: DraftKind;
  conversationId: string | null;
  /** The message answered (reply, forward); null: the latest received one. */
  messageKey: string | null;
  status: DraftStatus;
  /** The outgoing message once sent. */
  sentMessageKey: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Days a sent or discarded draft stays (so a repeated send request still finds its message). */
const KEEP_DAYS = 7;

export function newDraftId(): string {
  return `d${randomBytes(10).toString('hex')}`;
}

function draftFromItem(item: Item): Draft {
  const opt = (name: string): string | undefined => (typeof item[name] === 'string' ? item[name] as string : undefined);
  return {
    draftId: String(item.draftId), owner: String(item.owner), orgId: String(item.orgId), mailboxId: String(item.mailboxId),
    kind: (item.kind ?? 'new') as DraftKind, conversationId: opt('conversationId') ?? null, messageKey: opt('messageKey') ?? null,
    to: (item.to ?? []) as MailAddress[], cc: (item.cc ?? []) as MailAddress[], bcc: (item.bcc ?? []) as MailAddress[],
    ...(opt('subject') !== undefined ? { subject: opt('subject')! } : {}),
    ...(opt('html') !== undefined ? { html: opt('html')! } : {}),
    ...(opt('text') !== undefined ? { text: opt('text')! } : {}),
    importance: (item.importance ?? 'normal') as Draft['importance'],
    requestReadReceipt: item.requestReadReceipt === true, requestDeliveryReceipt: item.requestDeliveryReceipt === true,
    ...(item.signatureId === null ? { signatureId: null } : typeof item.signatureId === 'string' ? { signatureId: item.signatureId } : {}),
    attachments: (item.attachments ?? []) as UploadRef[], templateId: opt('templateId') ?? null,
    caseDocuments: (item.caseDocuments ?? []) as Draft['caseDocuments'], senderName: opt('senderName') ?? null,
    status: (item.draftStatus ?? 'draft') as DraftStatus, sentMessageKey: opt('sentMessageKey') ?? null,
    version: Number(item.version ?? 1), createdAt: String(item.createdAt ?? ''), updatedAt: String(item.updatedAt ?? ''),
  };
}

function itemOf(draft: Draft): Item {
  const { status, ...rest } = draft;
  return { ...keys.draft(draft.owner, draft.draftId), type: 'draft', ...rest, draftStatus: status };
}

export type DraftChange =
  | { ok: true; draft: Draft }
  | { ok: false; current: Draft | null };

export class DraftStore {
  constructor(private readonly table: Table) {}

  async get(owner: string, draftId: string): Promise<Draft | null> {
    const item = await this.table.get(keys.draft(owner, draftId), true);
    return item ? draftFromItem(item) : null;
  }

  async create(draft: Draft): Promise<Draft> {
    await this.table.put(itemOf(draft), { ConditionExpression: 'attribute_not_exists(PK)' });
    return draft;
  }

  /** The author's drafts still being written, newest first (one Query). */
  async listMine(owner: string, mailboxId?: string): Promise<Draft[]> {
    const out: Draft[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.query({
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        FilterExpression: mailboxId ? 'draftStatus = :draft AND mailboxId = :mbx' : 'draftStatus = :draft',
        ExpressionAttributeValues: { ':pk': keys.draft(owner, '').PK, ':sk': 'DRAFT#', ':draft': 'draft', ...(mailboxId ? { ':mbx': mailboxId } : {}) },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      out.push(...page.items.map(draftFromItem));
      start = page.lastKey;
    } while (start);
    return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** Replaces the content if the draft is still a draft at `expectedVersion`. */
  async save(owner: string, draftId: string, content: DraftContent, expectedVersion: number, at: string): Promise<DraftChange> {
    const current = await this.get(owner, draftId);
    if (!current || current.status === 'discarded') return { ok: false, current: null };
    const { subject: _s, html: _h, text: _t, signatureId: _g, ...kept } = current;
    const next: Draft = { ...kept, ...content, version: expectedVersion + 1, updatedAt: at };
    try {
      await this.table.put(itemOf(next), {
        ConditionExpression: 'version = :v AND draftStatus = :draft', ExpressionAttributeValues: { ':v': expectedVersion, ':draft': 'draft' },
      });
      return { ok: true, draft: next };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      return { ok: false, current: error.item ? draftFromItem(error.item) : await this.get(owner, draftId) };
    }
  }

  /** One conditional transition of `draftStatus`; on a lost race the current draft comes back. */
  async transition(owner: string, draftId: string, from: DraftStatus, to: DraftStatus, at: string, options: { expectedVersion?: number; set?: Record<string, unknown> } = {}): Promise<DraftChange> {
    const values: Record<string, unknown> = { ':from': from, ':to': to, ':at': at };
    const sets = ['draftStatus = :to', 'updatedAt = :at'];
    let condition = 'draftStatus = :from';
    if (options.expectedVersion !== undefined) { condition += ' AND version = :v'; values[':v'] = options.expectedVersion; }
    Object.entries(options.set ?? {}).forEach(([name, value], i) => { sets.push(`${name} = :s${i}`); values[`:s${i}`] = value; });
    try {
      const item = await this.table.update({
        Key: keys.draft(owner, draftId), UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: `attribute_exists(PK) AND ${condition}`, ExpressionAttributeValues: values,
      });
      return { ok: true, draft: draftFromItem(item) };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      return { ok: false, current: error.item ? draftFromItem(error.item) : await this.get(owner, draftId) };
    }
  }

  async discard(owner: string, draftId: string, at: Date): Promise<DraftChange> {
    return this.transition(owner, draftId, 'draft', 'discarded', at.toISOString(), { set: { expiresAt: expiry(at) } });
  }
}

function expiry(at: Date): number {
  return Math.floor(at.getTime() / 1000) + KEEP_DAYS * 86_400;
}

/** Who may keep a draft where: the same rule as sending (a new message needs admin or dispatcher; a reply, the conversation's owners). */
export type DraftAccess = 'ok' | 'not-found' | 'forbidden';

export function draftAccess(caller: UserWithRoles, mailboxId: string, conversation: { assignee: string | null } | null): DraftAccess {
  const role = Object.hasOwn(caller.roles, mailboxId) ? caller.roles[mailboxId] : undefined;
  if (!role) return 'not-found';
  if (conversation === null) return role === 'agent' ? 'forbidden' : 'ok';
  return role === 'agent' && conversation.assignee !== caller.email ? 'not-found' : 'ok';
}

/** What sending a draft needs: its store and a compose step (the outbox's `composeMessage`). */
export interface SendDraftDeps<R> {
  drafts: DraftStore;
  compose(draft: Draft, idempotencyKey: string): Promise<R & { record: { messageKey: string } }>;
  /** The message a sent draft became, without composing again. */
  sent(messageKey: string): Promise<(R & { record: { messageKey: string } }) | null>;
  /** Whether an error thrown by `compose` is a refusal that leaves the draft editable. */
  isRefusal(error: unknown): boolean;
  now(): Date;
}

export type SendDraftOutcome<R> =
  | { kind: 'not-found' }
  | { kind: 'stale'; current: Draft }
  | { kind: 'sent'; result: R; draft: Draft; first: boolean };

/** The idempotency key of a draft's message: every send of one draft asks for the same message. */
export function draftIdempotencyKey(draftId: string): string {
  return `draft-${draftId}`;
}

/**
 * Sends a draft exactly once.
 *
 * 1. Claim: `draft -> sending` (at `expectedVersion` when given). Losing to another send (the
 *    draft is `sending` or `sent`) is not an error: step 2 returns the message that send made.
 * 2. Compose with the draft's idempotency key: the first call creates the message, any other
 *    (concurrent, or after a crash between claim and compose) gets the same one back. A draft
 *    already `sent` answers with its message directly.
 * 3. Mark it `sent` with the message key. A refusal (400) puts the draft back to `draft`.
 */
export async function sendDraft<R>(owner: string, draftId: string, expectedVersion: number | undefined, deps: SendDraftDeps<R>): Promise<SendDraftOutcome<R>> {
  const at = deps.now().toISOString();
  const claim = await deps.drafts.transition(owner, draftId, 'draft', 'sending', at, expectedVersion !== undefined ? { expectedVersion } : {});
  let draft: Draft;
  if (claim.ok) {
    draft = claim.draft;
  } else {
    const current = claim.current;
    if (!current || current.status === 'discarded') return { kind: 'not-found' };
    if (current.status === 'draft') return { kind: 'stale', current };
    draft = current;
    if (current.status === 'sent' && current.sentMessageKey) {
      const done = await deps.sent(current.sentMessageKey);
      if (done) return { kind: 'sent', result: done, draft: current, first: false };
    }
  }
  let result: R & { record: { messageKey: string } };
  try {
    result = await deps.compose(draft, draftIdempotencyKey(draftId));
  } catch (error) {
    if (claim.ok && deps.isRefusal(error)) await deps.drafts.transition(owner, draftId, 'sending', 'draft', deps.now().toISOString());
    throw error;
  }
  const sent = await deps.drafts.transition(owner, draftId, 'sending', 'sent', deps.now().toISOString(), {
    set: { sentMessageKey: result.record.messageKey, expiresAt: expiry(deps.now()) },
  });
  return { kind: 'sent', result, draft: sent.ok ? sent.draft : (sent.current ?? draft), first: claim.ok };
}
