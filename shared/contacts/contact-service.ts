/**
 * Address-book use cases: contacts made from the participants of received mail, a member's own
 * edits, autocomplete, and identifying the sender of a conversation.
 *
 * Primary course of "contacts from received mail" (Message Received consumer):
 * 1. Skip mail that does not come from a person: auto-replies, bounces, read receipts, list and
 *    bulk mail, spam and viruses, and unroutable mail (no organisation).
 * 2. Keep external addresses: the organisation's own domains and Mailroom users are not contacts.
 * 3. For each address, claim it for the contact id derived from it and write the contact: an
 *    event delivered twice, or two messages from one new sender at once, make one contact.
 * 4. Publish `Contact Created` for each contact this delivery created (deterministic event id).
 */
import { buildEvent, type EventData } from '../events/contracts.js';
import { domainOf, normalizeAddress } from '../mail/addresses.js';
import type { Clock, DomainEvent, EventPublisher } from '../ports/index.js';
import type { Directory, UserWithRoles } from '../org/directory.js';
import { actorFor } from '../workflow/conversation-workflow.js';
import { ConversationLinks, type LinkedConversation } from '../cases/conversation-links.js';
import { ContactRepository, EmailTakenError, type Contact, type ContactOrganisation, type ContactSuggestion } from './contact-repository.js';

/** Flags of mail that is not a person writing: no contact is made from its participants. */
export const NOT_A_PERSON = ['auto-reply', 'bulk', 'delivery-report', 'read-receipt', 'spam', 'virus', 'unroutable'] as const;

export interface ContactServiceDeps {
  contacts: ContactRepository;
  links: ConversationLinks;
  directory: Directory;
  events: EventPublisher;
  clock: Clock;
}

export type ServiceResult<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'not-found'; what: string }
  | { kind: 'conflict'; detail: string; current: unknown }
  | { kind: 'invalid'; field: string; message: string };

type MessageReceived = EventData<'messageReceived'>;

function contactEvent(name: 'contactCreated' | 'contactUpdated', contact: Contact, actor: string | null, at: Date): DomainEvent {
  return buildEvent(name, `contact:${contact.orgId}:${contact.contactId}:v${contact.version}:${name}`, {
    contactId: contact.contactId, orgId: contact.orgId, fullName: contact.fullName, emails: contact.emails,
    organisationId: contact.organisationId, source: contact.source, version: contact.version, actor,
  }, at);
}

function organisationEvent(name: 'contactOrganisationCreated' | 'contactOrganisationUpdated', o: ContactOrganisation, actor: string, at: Date): DomainEvent {
  return buildEvent(name, `contact-organisation:${o.orgId}:${o.organisationId}:v${o.version}:${name}`, {
    organisationId: o.organisationId, orgId: o.orgId, name: o.name, domains: o.domains, version: o.version, actor,
  }, at);
}

export class ContactService {
  constructor(private readonly deps: ContactServiceDeps) {}

  /** The participants of a received message worth a contact, with the name they wrote under. */
  async participantsOf(data: MessageReceived): Promise<{ address: string; name: string }[]> {
    if (data.orgId === null || data.placements.length === 0) return [];
    if (data.flags.some((f) => (NOT_A_PERSON as readonly string[]).includes(f))) return [];
    const organisation = await this.deps.directory.getOrganisation(data.orgId);
    const ownDomains = new Set((organisation?.domains ?? []).map((d) => d.toLowerCase()));
    const byAddress = new Map<string, string>();
    for (const p of [data.from, ...data.to, ...data.cc]) {
      if (!p) continue;
      const address = normalizeAddress(p.address);
      if (!address.includes('@') || ownDomains.has(domainOf(address))) continue;
      if (!byAddress.has(address) || byAddress.get(address) === '') byAddress.set(address, p.name.trim());
    }
    const candidates = [...byAddress.entries()].map(([address, name]) => ({ address, name }));
    const users = await Promise.all(candidates.map((c) => this.deps.directory.getUser(c.address)));
    return candidates.filter((_, i) => users[i] === null);
  }

  /** Contacts from a received message (see the primary course above); answers the contacts created. */
  async recordParticipants(data: MessageReceived): Promise<Contact[]> {
    const participants = await this.participantsOf(data);
    if (participants.length === 0 || data.orgId === null) return [];
    const orgId = data.orgId;
    const results = await Promise.all(participants.map((p) => this.deps.contacts.ensureParticipant(orgId, p.address, p.name, data.receivedAt)));
    const created = results.filter((r) => r.created).map((r) => r.contact);
    const at = this.deps.clock.now();
    if (created.length > 0) await this.deps.events.publish(created.map((c) => contactEvent('contactCreated', c, null, at)));
    return created;
  }

  async suggest(caller: UserWithRoles, query: string, limit: number): Promise<ContactSuggestion[]> {
    return this.deps.contacts.search(caller.orgId, query, limit);
  }

  async get(caller: UserWithRoles, contactId: string): Promise<Contact | null> {
    return this.deps.contacts.get(caller.orgId, contactId);
  }

  async create(caller: UserWithRoles, input: { fullName: string; emails: string[]; organisationId: string | null }): Promise<ServiceResult<Contact>> {
    if (input.organisationId !== null && !(await this.deps.contacts.getOrganisation(caller.orgId, input.organisationId))) {
      return { kind: 'invalid', field: 'body.organisationId', message: 'no such organisation in the address book' };
    }
    const at = this.deps.clock.now();
    try {
      const contact = await this.deps.contacts.create({ orgId: caller.orgId, ...input }, at.toISOString());
      await this.deps.events.publish([contactEvent('contactCreated', contact, caller.email, at)]);
      return { kind: 'ok', value: contact };
    } catch (error) {
      if (error instanceof EmailTakenError) return { kind: 'conflict', detail: `${error.email} already belongs to another contact.`, current: { contactId: error.contactId } };
      throw error;
    }
  }

  async update(caller: UserWithRoles, contactId: string, changes: { fullName?: string; emails?: string[]; organisationId?: string | null }, expectedVersion?: number): Promise<ServiceResult<Contact>> {
    const current = await this.deps.contacts.get(caller.orgId, contactId, true);
    if (!current) return { kind: 'not-found', what: 'This contact' };
    if (expectedVersion !== undefined && expectedVersion !== current.version) return { kind: 'conflict', detail: 'The contact changed meanwhile.', current };
    if (changes.organisationId && !(await this.deps.contacts.getOrganisation(caller.orgId, changes.organisationId))) {
      return { kind: 'invalid', field: 'body.organisationId', message: 'no such organisation in the address book' };
    }
    const at = this.deps.clock.now();
    try {
      const outcome = await this.deps.contacts.update(current, changes, at.toISOString());
      if (!outcome.ok) return outcome.current ? { kind: 'conflict', detail: 'The contact changed meanwhile.', current: outcome.current } : { kind: 'not-found', what: 'This contact' };
      await this.deps.events.publish([contactEvent('contactUpdated', outcome.value, caller.email, at)]);
      return { kind: 'ok', value: outcome.value };
    } catch (error) {
      if (error instanceof EmailTakenError) return { kind: 'conflict', detail: `${error.email} already belongs to another contact.`, current: { contactId: error.contactId } };
      throw error;
    }
  }

  async delete(caller: UserWithRoles, contactId: string): Promise<ServiceResult<null>> {
    const current = await this.deps.contacts.get(caller.orgId, contactId, true);
    if (!current) return { kind: 'not-found', what: 'This contact' };
    await this.deps.contacts.delete(current);
    const at = this.deps.clock.now();
    await this.deps.events.publish([buildEvent('contactDeleted', `contact:${current.orgId}:${contactId}:deleted`, { contactId, orgId: current.orgId, actor: caller.email }, at)]);
    return { kind: 'ok', value: null };
  }

  async createOrganisation(caller: UserWithRoles, input: { name: string; domains: string[] }): Promise<ContactOrganisation> {
    const at = this.deps.clock.now();
    const organisation = await this.deps.contacts.createOrganisation({ orgId: caller.orgId, ...input }, at.toISOString());
    await this.deps.events.publish([organisationEvent('contactOrganisationCreated', organisation, caller.email, at)]);
    return organisation;
  }

  async updateOrganisation(caller: UserWithRoles, organisationId: string, changes: { name?: string; domains?: string[] }, expectedVersion?: number): Promise<ServiceResult<ContactOrganisation>> {
    const current = await this.deps.contacts.getOrganisation(caller.orgId, organisationId, true);
    if (!current) return { kind: 'not-found', what: 'This organisation' };
    if (expectedVersion !== undefined && expectedVersion !== current.version) return { kind: 'conflict', detail: 'The organisation changed meanwhile.', current };
    const at = this.deps.clock.now();
    const outcome = await this.deps.contacts.updateOrganisation(current, changes, at.toISOString());
    if (!outcome.ok) return outcome.current ? { kind: 'conflict', detail: 'The organisation changed meanwhile.', current: outcome.current } : { kind: 'not-found', what: 'This organisation' };
    await this.deps.events.publish([organisationEvent('contactOrganisationUpdated', outcome.value, caller.email, at)]);
    return { kind: 'ok', value: outcome.value };
  }

  async deleteOrganisation(caller: UserWithRoles, organisationId: string): Promise<ServiceResult<null>> {
    const current = await this.deps.contacts.getOrganisation(caller.orgId, organisationId, true);
    if (!current) return { kind: 'not-found', what: 'This organisation' };
    await this.deps.contacts.deleteOrganisation(current);
    await this.deps.events.publish([buildEvent('contactOrganisationDeleted', `contact-organisation:${current.orgId}:${organisationId}:deleted`, { organisationId, orgId: current.orgId, actor: caller.email }, this.deps.clock.now())]);
    return { kind: 'ok', value: null };
  }

  /**
   * Identify the sender of a conversation: link it to an existing contact and/or organisation,
   * or create the contact from the sender (`createFromSender`). The caller must see the
   * conversation (agents: only theirs). The organisation defaults to the contact's.
   */
  async identify(
    caller: UserWithRoles, conversationId: string,
    input: { contactId?: string | null; organisationId?: string | null; createFromSender?: boolean; fullName?: string },
    expectedVersion?: number,
  ): Promise<ServiceResult<{ conversation: LinkedConversation; contact: Contact | null; organisation: ContactOrganisation | null }>> {
    const conversation = await this.deps.links.get(conversationId, true);
    if (!conversation || conversation.orgId !== caller.orgId || !actorFor(caller, conversation)) return { kind: 'not-found', what: 'This conversation' };
    if (expectedVersion !== undefined && expectedVersion !== conversation.version) return { kind: 'conflict', detail: 'The conversation changed meanwhile.', current: { version: conversation.version } };
    const at = this.deps.clock.now();
    let contact: Contact | null = null;
    let created = false;
    if (input.createFromSender) {
      const sender = conversation.from;
      if (!sender?.address) return { kind: 'invalid', field: 'body.createFromSender', message: 'the conversation has no sender address' };
      const ensured = await this.deps.contacts.ensureParticipant(caller.orgId, sender.address, input.fullName ?? sender.name ?? '', at.toISOString());
      contact = ensured.contact;
      created = ensured.created;
    } else if (input.contactId) {
      contact = await this.deps.contacts.get(caller.orgId, input.contactId);
      if (!contact) return { kind: 'invalid', field: 'body.contactId', message: 'no such contact in the address book' };
    }
    const organisationId = input.organisationId !== undefined ? input.organisationId : contact?.organisationId ?? null;
    let organisation: ContactOrganisation | null = null;
    if (organisationId) {
      organisation = await this.deps.contacts.getOrganisation(caller.orgId, organisationId);
      if (!organisation) return { kind: 'invalid', field: 'body.organisationId', message: 'no such organisation in the address book' };
    }
    const contactId = contact?.contactId ?? (input.contactId === null ? null : conversation.contactId);
    const outcome = await this.deps.links.apply(conversation, { contactId, organisationId: organisation?.organisationId ?? null },
      [{ kind: 'contact_identified', contactId, organisationId: organisation?.organisationId ?? null }], caller.email, at.toISOString());
    if (!outcome.ok) return { kind: 'conflict', detail: 'The conversation changed meanwhile.', current: outcome.current ? { version: outcome.current.version } : null };
    const c = outcome.conversation;
    const events: DomainEvent[] = [buildEvent('conversationContactIdentified', `conversation:${c.conversationId}:v${c.version}:contact_identified`, {
      conversationId: c.conversationId, mailboxId: c.mailboxId, orgId: c.orgId, subject: c.subject, version: c.version, actor: caller.email,
      contactId: c.contactId, organisationId: c.organisationId, contactCreated: created,
    }, at)];
    if (created && contact) events.push(contactEvent('contactCreated', contact, caller.email, at));
    await this.deps.events.publish(events);
    return { kind: 'ok', value: { conversation: c, contact, organisation } };
  }
}
