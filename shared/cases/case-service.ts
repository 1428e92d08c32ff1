/**
 * Case use cases. A case belongs to one organisation: any user of that organisation can open it,
 * anyone else gets 404. Linking a conversation needs the right to see the conversation (member of
 * its mailbox; agents only for conversations assigned to them).
 *
 * Primary course of "convert a conversation into a case":
 * 1. Read the caller and the conversation (consistent); check it is visible and not in a case yet.
 * 2. Allocate the reference (atomic counter + conditional claim) and write the case.
 * 3. Set `caseId` on the conversation with a write conditioned on its version (bumped), with a
 *    history entry under the new version.
 * 4. Add each message of the conversation as a communication (ids derived from message keys).
 * 5. Publish `Case Created`, `Conversation Linked To Case` and one `Case Communication Added`
 *    per message, under ids derived from what they describe.
 *
 * Primary course of "mail reached a case" (`ingest`, from the Message Received consumer):
 * 1. Read the message: its envelope recipients and To/Cc, its forwarded parts.
 * 2. A recipient `<mailbox address>+C-YYYY-NNNN` names a case of the message's organisation:
 *    the message joins it. A forward is unwrapped: the communication shows the original's sender,
 *    date and subject, and the original (.eml) and its attachments become documents of the case.
 * 3. A message placed in a conversation that belongs to a case joins that case.
 * 4. Every write is conditional on absence and every event id derived, so a redelivery changes
 *    nothing and repeats the same events.
 */
import { buildEvent, type EventData } from '../events/contracts.js';
import { splitPlusAddress } from '../mail/addresses.js';
import type { MailAddress, StoredAttachment } from '../mail/types.js';
import type { MessageRecord } from '../model/types.js';
import type { MailStore } from '../inbound/mail-store.js';
import type { Directory, UserWithRoles } from '../org/directory.js';
import type { Clock, DomainEvent, EventPublisher } from '../ports/index.js';
import { actorFor } from '../workflow/conversation-workflow.js';
import {
  CASE_REFERENCE, documentIdFor, type CaseCommunication, type CaseDocument, type CaseRecord, type CaseRepository,
  type CaseStatus, type CaseTask, type RecordLink,
} from './case-repository.js';
import type { ConversationLinks, LinkedConversation } from './conversation-links.js';
import { parseInlineForward } from './forward.js';
import type { ForwardedPartExtractor } from './forwarded-parts.js';
import type { ContactRepository } from '../contacts/contact-repository.js';

export interface CaseServiceDeps {
  cases: CaseRepository;
  links: ConversationLinks;
  store: MailStore;
  directory: Directory;
  events: EventPublisher;
  clock: Clock;
  /** Recovers the attachments of forwarded originals (the consumer has it; the API does not need it). */
  extractForwarded?: ForwardedPartExtractor;
  /** Finds the contact of a conversation's sender when the conversation names none (convert). */
  contacts?: Pick<ContactRepository, 'contactIdByEmail' | 'get'>;
}

export type CaseResult<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'not-found'; what: string }
  | { kind: 'conflict'; detail: string; current: unknown }
  | { kind: 'invalid'; field: string; message: string };

type MessageReceived = EventData<'messageReceived'>;

/** The actor recorded for links made by mail to a case address. */
export const MAIL_ACTOR = 'system';

function caseEventData(c: CaseRecord, actor: string) {
  return {
    caseId: c.caseId, orgId: c.orgId, reference: c.reference, title: c.title, status: c.status,
    contactId: c.contactId, organisationId: c.organisationId, version: c.version, actor,
  };
}

function communicationEvent(c: CaseRecord, comm: CaseCommunication, at: Date): DomainEvent {
  return buildEvent('caseCommunicationAdded', `case:${c.caseId}:communication:${comm.messageKey}`, {
    caseId: c.caseId, orgId: c.orgId, reference: c.reference, messageKey: comm.messageKey, conversationId: comm.conversationId,
    via: comm.via, subject: comm.original?.subject ?? comm.subject, from: comm.original?.from ?? comm.from, forwarded: comm.original !== null,
  }, at);
}

function documentEvent(c: CaseRecord, d: CaseDocument, actor: string | null, at: Date): DomainEvent {
  return buildEvent('caseDocumentAdded', `case:${c.caseId}:document:${d.documentId}`, {
    caseId: c.caseId, orgId: c.orgId, documentId: d.documentId, filename: d.filename, contentType: d.contentType,
    kind: d.kind, messageKey: d.messageKey, actor,
  }, at);
}

function linkedEvent(conversation: LinkedConversation, c: CaseRecord, actor: string, at: Date): DomainEvent {
  return buildEvent('conversationLinkedToCase', `conversation:${conversation.conversationId}:v${conversation.version}:case_linked`, {
    conversationId: conversation.conversationId, mailboxId: conversation.mailboxId, orgId: conversation.orgId,
    subject: conversation.subject, version: conversation.version, actor, caseId: c.caseId, reference: c.reference,
  }, at);
}

/** A file name without path separators or control characters. */
function safeName(value: string, fallback: string): string {
  const cleaned = value.replace(/[\\/:*?"<>|\p{Cc}]+/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 100);
  return cleaned === '' ? fallback : cleaned;
}

function messageKeyOfRef(ref: string): string {
  return ref.slice(ref.indexOf('#') + 1);
}

export class CaseService {
  constructor(private readonly deps: CaseServiceDeps) {}

  /** The case if the caller's organisation owns it. */
  async load(caller: UserWithRoles, caseId: string): Promise<CaseRecord | null> {
    return this.deps.cases.get(caller.orgId, caseId);
  }

  async create(caller: UserWithRoles, input: { title: string; contactId: string | null; organisationId: string | null }): Promise<CaseRecord> {
    const at = this.deps.clock.now();
    const created = await this.deps.cases.create({ orgId: caller.orgId, ...input, createdBy: caller.email }, at);
    await this.deps.events.publish([buildEvent('caseCreated', `case:${created.caseId}:created`, { ...caseEventData(created, caller.email), fromConversationId: null }, at)]);
    return created;
  }

  async update(caller: UserWithRoles, caseId: string, changes: { title?: string; status?: CaseStatus; contactId?: string | null; organisationId?: string | null }, expectedVersion?: number): Promise<CaseResult<CaseRecord>> {
    const current = await this.deps.cases.get(caller.orgId, caseId, true);
    if (!current) return { kind: 'not-found', what: 'This case' };
    if (expectedVersion !== undefined && expectedVersion !== current.version) return { kind: 'conflict', detail: 'The case changed meanwhile.', current };
    const at = this.deps.clock.now();
    const outcome = await this.deps.cases.update(current, changes, at.toISOString());
    if (!outcome.ok) return outcome.current ? { kind: 'conflict', detail: 'The case changed meanwhile.', current: outcome.current } : { kind: 'not-found', what: 'This case' };
    await this.deps.events.publish([buildEvent('caseUpdated', `case:${caseId}:v${outcome.value.version}:updated`, caseEventData(outcome.value, caller.email), at)]);
    return { kind: 'ok', value: outcome.value };
  }

  private async visibleConversation(caller: UserWithRoles, conversationId: string): Promise<LinkedConversation | null> {
    const conversation = await this.deps.links.get(conversationId, true);
    if (!conversation || conversation.orgId !== caller.orgId || !actorFor(caller, conversation)) return null;
    return conversation;
  }

  /** Convert: a new case made from a conversation (see the primary course above). */
  async convert(caller: UserWithRoles, conversationId: string, input: { title?: string }, expectedVersion?: number): Promise<CaseResult<{ case: CaseRecord; conversation: LinkedConversation }>> {
    const conversation = await this.visibleConversation(caller, conversationId);
    if (!conversation) return { kind: 'not-found', what: 'This conversation' };
    if (expectedVersion !== undefined && expectedVersion !== conversation.version) return { kind: 'conflict', detail: 'The conversation changed meanwhile.', current: { version: conversation.version, caseId: conversation.caseId } };
    if (conversation.caseId !== null) return { kind: 'conflict', detail: 'The conversation already belongs to a case.', current: { version: conversation.version, caseId: conversation.caseId } };
    const at = this.deps.clock.now();
    const contact = await this.senderContact(caller.orgId, conversation);
    const created = await this.deps.cases.create({
      orgId: caller.orgId, title: input.title ?? (conversation.subject || conversation.from?.address || 'Case'),
      contactId: contact.contactId, organisationId: contact.organisationId, createdBy: caller.email,
    }, at);
    const events: DomainEvent[] = [buildEvent('caseCreated', `case:${created.caseId}:created`, { ...caseEventData(created, caller.email), fromConversationId: conversationId }, at)];
    const linked = await this.attach(conversation, created, caller.email, at);
    if (!linked.ok) {
      await this.deps.events.publish(events);
      return { kind: 'conflict', detail: 'The conversation changed while the case was created; the case exists without it.', current: { version: linked.current?.version ?? null, caseId: linked.current?.caseId ?? null, createdCaseId: created.caseId } };
    }
    await this.deps.events.publish([...events, ...linked.events]);
    return { kind: 'ok', value: { case: created, conversation: linked.conversation } };
  }

  /** The conversation's contact and organisation, else the address book's contact for its sender. */
  private async senderContact(orgId: string, conversation: LinkedConversation): Promise<{ contactId: string | null; organisationId: string | null }> {
    if (conversation.contactId !== null || !this.deps.contacts || !conversation.from?.address) {
      return { contactId: conversation.contactId, organisationId: conversation.organisationId };
    }
    const contactId = await this.deps.contacts.contactIdByEmail(orgId, conversation.from.address);
    const contact = contactId ? await this.deps.contacts.get(orgId, contactId) : null;
    return { contactId: contact?.contactId ?? null, organisationId: conversation.organisationId ?? contact?.organisationId ?? null };
  }

  /** Link a conversation to an existing case (by id or reference); linking it again to the same case changes nothing. */
  async link(caller: UserWithRoles, conversationId: string, target: { caseId?: string; reference?: string }, expectedVersion?: number): Promise<CaseResult<{ case: CaseRecord; conversation: LinkedConversation }>> {
    const conversation = await this.visibleConversation(caller, conversationId);
    if (!conversation) return { kind: 'not-found', what: 'This conversation' };
    const found = target.caseId ? await this.deps.cases.get(caller.orgId, target.caseId) : await this.deps.cases.getByReference(caller.orgId, target.reference ?? '');
    if (!found) return { kind: 'invalid', field: target.caseId ? 'body.caseId' : 'body.reference', message: 'no such case' };
    if (conversation.caseId === found.caseId) return { kind: 'ok', value: { case: found, conversation } };
    if (expectedVersion !== undefined && expectedVersion !== conversation.version) return { kind: 'conflict', detail: 'The conversation changed meanwhile.', current: { version: conversation.version, caseId: conversation.caseId } };
    if (conversation.caseId !== null) return { kind: 'conflict', detail: 'The conversation already belongs to another case.', current: { version: conversation.version, caseId: conversation.caseId } };
    const at = this.deps.clock.now();
    const linked = await this.attach(conversation, found, caller.email, at);
    if (!linked.ok) return { kind: 'conflict', detail: 'The conversation changed meanwhile.', current: { version: linked.current?.version ?? null, caseId: linked.current?.caseId ?? null } };
    await this.deps.events.publish(linked.events);
    return { kind: 'ok', value: { case: found, conversation: linked.conversation } };
  }

  /** Sets `caseId` (conditional on the version read), records the link and adds the conversation's messages. */
  private async attach(conversation: LinkedConversation, c: CaseRecord, actor: string, at: Date) {
    const outcome = await this.deps.links.apply(conversation, { caseId: c.caseId }, [{ kind: 'case_linked', caseId: c.caseId, reference: c.reference }], actor, at.toISOString());
    if (!outcome.ok) return { ok: false as const, current: outcome.current };
    await this.deps.cases.putLink(c.caseId, conversation.conversationId, conversation.mailboxId, at.toISOString());
    const messages = await this.deps.store.getMessagesMeta(conversation.messageRefs.map(messageKeyOfRef));
    const events: DomainEvent[] = [linkedEvent(outcome.conversation, c, actor, at)];
    for (const message of messages) {
      const comm = this.communicationOf(c, message, conversation.conversationId, conversation.mailboxId, 'conversation', null, at);
      await this.deps.cases.addCommunication(comm);
      events.push(communicationEvent(c, comm, at));
    }
    return { ok: true as const, conversation: outcome.conversation, events };
  }

  private communicationOf(
    c: CaseRecord, message: MessageRecord, conversationId: string | null, mailboxId: string | null,
    via: CaseCommunication['via'], original: CaseCommunication['original'], at: Date,
  ): CaseCommunication {
    return {
      caseId: c.caseId, messageKey: message.messageKey, conversationId, mailboxId, direction: message.direction,
      subject: message.subject, from: message.from, date: original?.date ?? message.date ?? message.receivedAt, receivedAt: message.receivedAt,
      rawKey: message.rawKey, via, original, forwardedBy: original ? message.from : null, processed: false, taskId: null, addedAt: at.toISOString(),
    };
  }

  /** Link or unlink a business record of another system (type configured per organisation). */
  async linkRecord(caller: UserWithRoles, conversationId: string, link: RecordLink, linked: boolean, expectedVersion?: number): Promise<CaseResult<LinkedConversation>> {
    const conversation = await this.visibleConversation(caller, conversationId);
    if (!conversation) return { kind: 'not-found', what: 'This conversation' };
    const types = await this.deps.cases.recordTypes(caller.orgId);
    if (!types.includes(link.type)) return { kind: 'invalid', field: 'body.type', message: `one of: ${types.join(', ')}` };
    if (expectedVersion !== undefined && expectedVersion !== conversation.version) return { kind: 'conflict', detail: 'The conversation changed meanwhile.', current: { version: conversation.version } };
    const has = conversation.recordLinks.some((l) => l.type === link.type && l.id === link.id);
    if (has === linked) return { kind: 'ok', value: conversation };
    const next = linked ? [...conversation.recordLinks, link] : conversation.recordLinks.filter((l) => !(l.type === link.type && l.id === link.id));
    const at = this.deps.clock.now();
    const outcome = await this.deps.links.apply(conversation, { recordLinks: next },
      [{ kind: linked ? 'record_linked' : 'record_unlinked', recordType: link.type, recordId: link.id }], caller.email, at.toISOString());
    if (!outcome.ok) return { kind: 'conflict', detail: 'The conversation changed meanwhile.', current: { version: outcome.current?.version ?? null } };
    if (linked) await this.deps.cases.putRecordLink(caller.orgId, link, conversationId, conversation.mailboxId, at.toISOString());
    else await this.deps.cases.deleteRecordLink(caller.orgId, link, conversationId);
    const c = outcome.conversation;
    await this.deps.events.publish([buildEvent('conversationRecordLinked', `conversation:${c.conversationId}:v${c.version}:record_${linked ? 'linked' : 'unlinked'}`, {
      conversationId: c.conversationId, mailboxId: c.mailboxId, orgId: c.orgId, subject: c.subject, version: c.version, actor: caller.email,
      recordType: link.type, recordId: link.id, linked,
    }, at)]);
    return { kind: 'ok', value: c };
  }

  async markCommunication(caller: UserWithRoles, caseId: string, messageKey: string, changes: { processed?: boolean; taskId?: string | null }): Promise<CaseResult<CaseCommunication>> {
    const c = await this.deps.cases.get(caller.orgId, caseId);
    if (!c) return { kind: 'not-found', what: 'This case' };
    if (changes.taskId && !(await this.deps.cases.getTask(caseId, changes.taskId))) return { kind: 'invalid', field: 'body.taskId', message: 'no such task in this case' };
    const updated = await this.deps.cases.updateCommunication(caseId, messageKey, changes);
    if (!updated) return { kind: 'not-found', what: 'This communication' };
    await this.deps.events.publish([buildEvent('caseCommunicationUpdated', `case:${caseId}:communication:${messageKey}:${updated.processed ? 'p' : 'u'}:${updated.taskId ?? '-'}`, {
      caseId, orgId: c.orgId, messageKey, processed: updated.processed, taskId: updated.taskId, actor: caller.email,
    }, this.deps.clock.now())]);
    return { kind: 'ok', value: updated };
  }

  async createTask(caller: UserWithRoles, caseId: string, input: { title: string; assignee: string | null }): Promise<CaseResult<CaseTask>> {
    const c = await this.deps.cases.get(caller.orgId, caseId);
    if (!c) return { kind: 'not-found', what: 'This case' };
    if (input.assignee && (await this.deps.directory.getUser(input.assignee))?.orgId !== caller.orgId) return { kind: 'invalid', field: 'body.assignee', message: 'not a user of this organisation' };
    const at = this.deps.clock.now();
    const task = await this.deps.cases.createTask(caseId, input, at.toISOString());
    await this.deps.events.publish([buildEvent('caseTaskCreated', `case:${caseId}:task:${task.taskId}:v1`, { ...task, orgId: c.orgId, actor: caller.email }, at)]);
    return { kind: 'ok', value: task };
  }

  async updateTask(caller: UserWithRoles, caseId: string, taskId: string, changes: { title?: string; done?: boolean; assignee?: string | null }, expectedVersion?: number): Promise<CaseResult<CaseTask>> {
    const c = await this.deps.cases.get(caller.orgId, caseId);
    if (!c) return { kind: 'not-found', what: 'This case' };
    const current = await this.deps.cases.getTask(caseId, taskId);
    if (!current) return { kind: 'not-found', what: 'This task' };
    if (expectedVersion !== undefined && expectedVersion !== current.version) return { kind: 'conflict', detail: 'The task changed meanwhile.', current };
    if (changes.assignee && (await this.deps.directory.getUser(changes.assignee))?.orgId !== caller.orgId) return { kind: 'invalid', field: 'body.assignee', message: 'not a user of this organisation' };
    const at = this.deps.clock.now();
    const outcome = await this.deps.cases.updateTask(current, changes, at.toISOString());
    if (!outcome.ok) return { kind: 'conflict', detail: 'The task changed meanwhile.', current: outcome.current };
    const task = outcome.value;
    await this.deps.events.publish([buildEvent('caseTaskUpdated', `case:${caseId}:task:${taskId}:v${task.version}`, { ...task, orgId: c.orgId, actor: caller.email }, at)]);
    return { kind: 'ok', value: task };
  }

  /** Whether the caller may see a message: through one of its placements (agents: their conversations), org admins for their organisation's mail. */
  private async canSeeMessage(caller: UserWithRoles, message: MessageRecord): Promise<boolean> {
    if (message.orgId !== caller.orgId) return false;
    for (const placement of message.placements) {
      if (!Object.hasOwn(caller.roles, placement.mailboxId)) continue;
      const conversation = await this.deps.links.get(placement.conversationId);
      if (conversation && actorFor(caller, conversation)) return true;
    }
    return false;
  }

  /** Import a message into a case: it becomes a communication, and its raw .eml and attachments documents. */
  async importMessage(caller: UserWithRoles, caseId: string, messageKey: string): Promise<CaseResult<{ communication: CaseCommunication; documents: CaseDocument[] }>> {
    const [c, message] = await Promise.all([this.deps.cases.get(caller.orgId, caseId), this.deps.store.getMessage(messageKey)]);
    if (!c) return { kind: 'not-found', what: 'This case' };
    if (!message || !(await this.canSeeMessage(caller, message))) return { kind: 'invalid', field: 'body.messageKey', message: 'no such message' };
    const at = this.deps.clock.now();
    const placement = message.placements[0];
    const comm = this.communicationOf(c, message, placement?.conversationId ?? null, placement?.mailboxId ?? null, 'import', null, at);
    await this.deps.cases.addCommunication(comm);
    const documents = this.documentsOf(c, message, caller.email, at, true);
    await this.deps.cases.addDocuments(documents);
    await this.deps.events.publish([communicationEvent(c, comm, at), ...documents.map((d) => documentEvent(c, d, caller.email, at))]);
    return { kind: 'ok', value: { communication: (await this.deps.cases.getCommunication(caseId, messageKey)) ?? comm, documents } };
  }

  /** The raw message and its attachments (inline images left out) as documents pointing at their stored keys. */
  private documentsOf(c: CaseRecord, message: MessageRecord, actor: string | null, at: Date, includeRaw: boolean): CaseDocument[] {
    const base = { caseId: c.caseId, messageKey: message.messageKey, addedAt: at.toISOString(), addedBy: actor ?? MAIL_ACTOR };
    const docs: CaseDocument[] = [];
    if (includeRaw) {
      docs.push({ ...base, documentId: documentIdFor(message.rawKey), filename: `${safeName(message.subject, 'message')}.eml`, contentType: 'message/rfc822', size: message.rawSize ?? null, storageKey: message.rawKey, kind: 'message' });
    }
    const forwardedIndexes = new Map(message.forwarded.map((f) => [f.attachmentIndex, f]));
    for (const attachment of message.attachments) {
      const forwarded = forwardedIndexes.get(attachment.index);
      if (forwarded) {
        docs.push({ ...base, documentId: documentIdFor(attachment.storageKey), filename: `${safeName(forwarded.subject, 'forwarded message')}.eml`, contentType: 'message/rfc822', size: attachment.size, storageKey: attachment.storageKey, kind: 'forwarded' });
      } else if (attachment.disposition === 'attachment') {
        docs.push({ ...base, documentId: documentIdFor(attachment.storageKey), filename: safeName(attachment.filename, `attachment-${attachment.index + 1}`), contentType: attachment.contentType, size: attachment.size, storageKey: attachment.storageKey, kind: 'attachment' });
      }
    }
    return docs;
  }

  /** The attachments of a forwarded original (an attached `message/rfc822`), as documents. */
  private async forwardedAttachments(c: CaseRecord, message: MessageRecord, part: StoredAttachment, at: Date): Promise<CaseDocument[]> {
    if (!this.deps.extractForwarded) return [];
    const parts = await this.deps.extractForwarded(part.storageKey);
    return parts.filter((p) => p.disposition === 'attachment').map((p) => ({
      caseId: c.caseId, documentId: documentIdFor(p.storageKey), filename: safeName(p.filename, `attachment-${p.index + 1}`),
      contentType: p.contentType, size: p.size, storageKey: p.storageKey, messageKey: message.messageKey, kind: 'attachment' as const,
      addedAt: at.toISOString(), addedBy: MAIL_ACTOR,
    }));
  }

  /** Case references named by plus tags on the addresses of the mailboxes the message reached. */
  private async caseTags(message: MessageRecord): Promise<string[]> {
    const mailboxes = await this.deps.directory.getMailboxes([...new Set(message.placements.map((p) => p.mailboxId))]);
    const own = new Set(mailboxes.flatMap((m) => m.addresses.map((a) => a.toLowerCase())));
    const tags = new Set<string>();
    for (const recipient of [...message.envelopeRecipients, ...message.to.map((a) => a.address), ...message.cc.map((a) => a.address)]) {
      const { base, tag } = splitPlusAddress(recipient);
      if (tag !== null && own.has(base) && CASE_REFERENCE.test(tag)) tags.add(tag.toUpperCase());
    }
    return [...tags];
  }

  /** Mail reached a case (see the primary course above); answers the case ids it joined. */
  async ingest(data: MessageReceived): Promise<string[]> {
    if (data.orgId === null || data.placements.length === 0) return [];
    const orgId = data.orgId;
    const message = await this.deps.store.getMessage(data.messageKey);
    if (!message) return [];
    const at = this.deps.clock.now();
    const events: DomainEvent[] = [];
    const joined = new Set<string>();
    const placement = data.placements[0]!;

    for (const reference of await this.caseTags(message)) {
      const c = await this.deps.cases.getByReference(orgId, reference);
      if (!c || joined.has(c.caseId)) continue;
      joined.add(c.caseId);
      const original = await this.unwrap(message);
      const comm = this.communicationOf(c, message, placement.conversationId, placement.mailboxId, 'case-address', original, at);
      await this.deps.cases.addCommunication(comm);
      events.push(communicationEvent(c, comm, at));
      // An inline forward has no separate original: the forward itself (.eml) is the document.
      const documents = this.documentsOf(c, message, null, at, original !== null && message.forwarded.length === 0);
      for (const f of message.forwarded) {
        const part = message.attachments.find((a) => a.index === f.attachmentIndex);
        if (part) documents.push(...await this.forwardedAttachments(c, message, part, at));
      }
      await this.deps.cases.addDocuments(documents);
      events.push(...documents.map((d) => documentEvent(c, d, null, at)));
      // The conversation the mail opened or joined belongs to the case from now on, unless it is in another one.
      const conversation = await this.deps.links.get(placement.conversationId, true);
      if (conversation && conversation.caseId === null) {
        const outcome = await this.deps.links.apply(conversation, { caseId: c.caseId }, [{ kind: 'case_linked', caseId: c.caseId, reference: c.reference }], MAIL_ACTOR, at.toISOString());
        if (outcome.ok) {
          await this.deps.cases.putLink(c.caseId, conversation.conversationId, conversation.mailboxId, at.toISOString());
          events.push(linkedEvent(outcome.conversation, c, MAIL_ACTOR, at));
        }
      } else if (conversation?.caseId === c.caseId) {
        await this.deps.cases.putLink(c.caseId, conversation.conversationId, conversation.mailboxId, at.toISOString());
      }
    }

    for (const p of data.placements) {
      const conversation = await this.deps.links.get(p.conversationId);
      if (!conversation?.caseId || joined.has(conversation.caseId)) continue;
      const c = await this.deps.cases.get(orgId, conversation.caseId);
      if (!c) continue;
      joined.add(c.caseId);
      const comm = this.communicationOf(c, message, p.conversationId, p.mailboxId, 'conversation', null, at);
      await this.deps.cases.addCommunication(comm);
      events.push(communicationEvent(c, comm, at));
    }
    if (events.length > 0) await this.deps.events.publish(events);
    return [...joined];
  }

  /** A sent message of a conversation that belongs to a case joins the case (idempotent, like `ingest`). */
  async recordSent(data: EventData<'messageSent'>): Promise<string[]> {
    const conversation = await this.deps.links.get(data.conversationId);
    if (!conversation?.caseId) return [];
    const [c, message] = await Promise.all([this.deps.cases.get(data.orgId, conversation.caseId), this.deps.store.getMessage(data.messageKey)]);
    if (!c || !message) return [];
    const at = this.deps.clock.now();
    const comm = this.communicationOf(c, message, conversation.conversationId, conversation.mailboxId, 'conversation', null, at);
    await this.deps.cases.addCommunication(comm);
    await this.deps.events.publish([communicationEvent(c, comm, at)]);
    return [c.caseId];
  }

  /** The forwarded original's sender, date and subject: from the attached part, else from an inline forward. */
  private async unwrap(message: MessageRecord): Promise<CaseCommunication['original']> {
    const attached = message.forwarded[0];
    if (attached) return { from: attached.from, date: attached.date, subject: attached.subject, messageId: attached.messageId };
    const [withBody] = await this.deps.store.getMessages([message.messageKey]);
    const inline = withBody ? parseInlineForward(withBody.body.text) : null;
    return inline ? { from: inline.from as MailAddress | null, date: inline.date, subject: inline.subject, messageId: null } : null;
  }
}
