/**
 * The address book of an organisation: contacts (people, from participants or typed in) and the
 * organisations they belong to (customers, suppliers). Everything sits in one partition per
 * Mailroom organisation, so a list is one Query and a contact is one GetItem; autocomplete reads
 * prefix items under a second partition per (organisation, first character):
 *
 * | pattern                               | key                                                      |
 * |---------------------------------------|----------------------------------------------------------|
 * | contact                               | PK=BOOK#<orgId> SK=C#<contactId>                          |
 * | contacts, by id                       | PK=BOOK#<orgId> SK begins_with C#                         |
 * | contact owning an address (unique)    | PK=BOOK#<orgId> SK=E#<address>                            |
 * | organisation (address book)           | PK=BOOK#<orgId> SK=O#<organisationId>                     |
 * | organisations, by id                  | PK=BOOK#<orgId> SK begins_with O#                         |
 * | organisation owning a mail domain     | PK=BOOK#<orgId> SK=D#<domain>                             |
 * | autocomplete                          | PK=BOOKIX#<orgId>#<first char> SK begins_with <prefix>    |
 *
 * The address item (`E#`) is the uniqueness guard: it is claimed with `attribute_not_exists`
 * before a contact is written, so two messages from the same new sender processed at once create
 * one contact. Contacts made from participants get an id derived from (organisation, address), so a
 * redelivered event writes the same items again.
 */
import { randomUUID } from 'node:crypto';
import { ConditionFailedError, type Item, type Key, type Table } from '../adapters/dynamodb-table.js';
import { shortHash } from '../model/keys.js';
import { domainOf, normalizeAddress } from '../mail/addresses.js';
import { searchTokens, normaliseSearch } from './tokens.js';

export interface Contact {
  contactId: string;
  orgId: string;
  fullName: string;
  /** Lower-cased addresses; the first is the one to write to. */
  emails: string[];
  organisationId: string | null;
  /** `participant` when made from mail, `manual` when a member created it. */
  source: 'participant' | 'manual';
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface ContactOrganisation {
  organisationId: string;
  orgId: string;
  name: string;
  /** Mail domains of the organisation (informative; lower-cased). */
  domains: string[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** One autocomplete suggestion: a contact and the address the prefix matched (or its first). */
export interface ContactSuggestion {
  contactId: string;
  fullName: string;
  email: string;
  organisationId: string | null;
}

export const contactKeys = {
  book: (orgId: string) => `BOOK#${orgId}`,
  contact: (orgId: string, contactId: string): Key => ({ PK: `BOOK#${orgId}`, SK: `C#${contactId}` }),
  email: (orgId: string, address: string): Key => ({ PK: `BOOK#${orgId}`, SK: `E#${normalizeAddress(address)}` }),
  organisation: (orgId: string, organisationId: string): Key => ({ PK: `BOOK#${orgId}`, SK: `O#${organisationId}` }),
  /** Organisation owning a mail domain: a participant from that domain joins it. */
  domain: (orgId: string, domain: string): Key => ({ PK: `BOOK#${orgId}`, SK: `D#${domain.toLowerCase()}` }),
  /** Autocomplete partition: one per first character keeps each prefix Query on a small partition. */
  searchPartition: (orgId: string, token: string) => `BOOKIX#${orgId}#${token.slice(0, 1)}`,
  searchSort: (token: string, contactId: string) => `${token}#${contactId}`,
} as const;

/** Deterministic id of the contact made from an address, so retries converge on one contact. */
export function participantContactId(orgId: string, address: string): string {
  return `k${shortHash(`${orgId}|${normalizeAddress(address)}`, 20)}`.replace(/[-_]/g, 'x');
}

export function newId(prefix: string): string {
  return `${prefix}${randomUUID().replace(/-/g, '').slice(0, 20)}`;
}

function strings(value: unknown): string[] {
  if (value instanceof Set) return [...(value as Set<string>)].map(String);
  if (Array.isArray(value)) return value.map(String);
  return [];
}

export function contactFromItem(item: Item): Contact {
  return {
    contactId: String(item.contactId), orgId: String(item.orgId), fullName: String(item.fullName ?? ''),
    emails: strings(item.emails), organisationId: typeof item.organisationId === 'string' ? item.organisationId : null,
    source: item.source === 'manual' ? 'manual' : 'participant',
    createdAt: String(item.createdAt ?? ''), updatedAt: String(item.updatedAt ?? ''), version: Number(item.version ?? 1),
  };
}

export function organisationFromItem(item: Item): ContactOrganisation {
  return {
    organisationId: String(item.organisationId), orgId: String(item.orgId), name: String(item.name ?? ''),
    domains: strings(item.domains), createdAt: String(item.createdAt ?? ''), updatedAt: String(item.updatedAt ?? ''),
    version: Number(item.version ?? 1),
  };
}

/** An address already belongs to another contact. */
export class EmailTakenError extends Error {
  constructor(readonly email: string, readonly contactId: string) {
    super(`${email} already belongs to contact ${contactId}`);
    this.name = 'EmailTakenError';
  }
}

export type SaveOutcome<T> = { ok: true; value: T } | { ok: false; current: T | null };

/** Reads and conditional writes of the address book. */
export class ContactRepository {
  constructor(private readonly table: Table) {}

  /** The contact, as templates and the API read it; null when it does not exist in that organisation. */
  async get(orgId: string, contactId: string, consistent = false): Promise<Contact | null> {
    const item = await this.table.get(contactKeys.contact(orgId, contactId), consistent);
    return item ? contactFromItem(item) : null;
  }

  async getOrganisation(orgId: string, organisationId: string, consistent = false): Promise<ContactOrganisation | null> {
    const item = await this.table.get(contactKeys.organisation(orgId, organisationId), consistent);
    return item ? organisationFromItem(item) : null;
  }

  /** The address-book organisation that claimed a mail domain, if any. */
  async organisationIdByDomain(orgId: string, domain: string): Promise<string | null> {
    if (domain === '') return null;
    const item = await this.table.get(contactKeys.domain(orgId, domain));
    return typeof item?.organisationId === 'string' ? item.organisationId : null;
  }

  /** The contact owning an address, if any (one GetItem on the address item). */
  async contactIdByEmail(orgId: string, address: string): Promise<string | null> {
    const item = await this.table.get(contactKeys.email(orgId, address), true);
    return typeof item?.contactId === 'string' ? item.contactId : null;
  }

  async list(orgId: string, limit: number, after?: string): Promise<{ items: Contact[]; next: string | null }> {
    return this.page(orgId, 'C#', limit, after, contactFromItem);
  }

  async listOrganisations(orgId: string, limit: number, after?: string): Promise<{ items: ContactOrganisation[]; next: string | null }> {
    return this.page(orgId, 'O#', limit, after, organisationFromItem);
  }

  private async page<T>(orgId: string, prefix: string, limit: number, after: string | undefined, map: (i: Item) => T) {
    const out = await this.table.query({
      KeyConditionExpression: after ? 'PK = :pk AND SK BETWEEN :after AND :end' : 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: after
        ? { ':pk': contactKeys.book(orgId), ':after': `${prefix}${after}\u0000`, ':end': `${prefix}\uffff` }
        : { ':pk': contactKeys.book(orgId), ':prefix': prefix },
      Limit: limit,
    });
    const items = out.items.map(map);
    const last = out.lastKey ? String(out.lastKey.SK).slice(prefix.length) : null;
    return { items, next: last };
  }

  /**
   * Autocomplete: one Query on the prefix partition of the query's first character. Several
   * tokens of one contact may match; each contact is answered once.
   */
  async search(orgId: string, query: string, limit: number): Promise<ContactSuggestion[]> {
    const prefix = normaliseSearch(query);
    if (prefix === '') return [];
    const out = await this.table.query({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': contactKeys.searchPartition(orgId, prefix), ':prefix': prefix },
      Limit: limit * 4,
    });
    const seen = new Set<string>();
    const suggestions: ContactSuggestion[] = [];
    for (const item of out.items) {
      const contactId = String(item.contactId);
      if (seen.has(contactId)) continue;
      seen.add(contactId);
      const emails = strings(item.emails);
      const token = String(item.token ?? '');
      const email = emails.find((e) => e.startsWith(token) || token.startsWith(e)) ?? emails[0] ?? '';
      suggestions.push({ contactId, fullName: String(item.fullName ?? ''), email, organisationId: typeof item.organisationId === 'string' ? item.organisationId : null });
      if (suggestions.length >= limit) break;
    }
    return suggestions;
  }

  /**
   * Makes sure a participant address has a contact: claims the address for the contact id derived
   * from it, then writes the contact and its search items. Answers whether this call created it.
   * A contact that already owns the address is left as it is, except that an empty name is filled.
   */
  async ensureParticipant(orgId: string, address: string, name: string, at: string): Promise<{ contact: Contact; created: boolean }> {
    const email = normalizeAddress(address);
    const contactId = participantContactId(orgId, email);
    let owner = contactId;
    try {
      await this.table.put({ ...contactKeys.email(orgId, email), type: 'contact-email', orgId, email, contactId }, { ConditionExpression: 'attribute_not_exists(PK)' });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      owner = String(error.item?.contactId ?? (await this.contactIdByEmail(orgId, email)) ?? contactId);
    }
    const existing = await this.get(orgId, owner, true);
    if (existing) {
      if (existing.fullName === '' && name.trim() !== '') {
        const filled = await this.fillName(existing, name.trim(), at);
        return { contact: filled ?? existing, created: false };
      }
      return { contact: existing, created: false };
    }
    if (owner !== contactId) {
      // The address item points at a contact that is gone (deleted half-way): take the address over.
      await this.table.put({ ...contactKeys.email(orgId, email), type: 'contact-email', orgId, email, contactId });
    }
    const contact: Contact = {
      contactId, orgId, fullName: name.trim(), emails: [email], organisationId: await this.organisationIdByDomain(orgId, domainOf(email)),
      source: 'participant', createdAt: at, updatedAt: at, version: 1,
    };
    try {
      await this.table.put(this.contactItem(contact), { ConditionExpression: 'attribute_not_exists(PK)' });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const stored = error.item ?? (await this.table.get(contactKeys.contact(orgId, contactId), true));
      return { contact: contactFromItem(stored ?? this.contactItem(contact)), created: false };
    }
    await this.writeTokens(contact, []);
    return { contact, created: true };
  }

  private async fillName(contact: Contact, fullName: string, at: string): Promise<Contact | null> {
    try {
      const item = await this.table.update({
        Key: contactKeys.contact(contact.orgId, contact.contactId),
        UpdateExpression: 'SET fullName = :name, updatedAt = :at, version = version + :one',
        ConditionExpression: 'attribute_exists(PK) AND fullName = :empty',
        ExpressionAttributeValues: { ':name': fullName, ':at': at, ':one': 1, ':empty': '' },
      });
      const next = contactFromItem(item);
      await this.writeTokens(next, contact);
      return next;
    } catch (error) {
      if (error instanceof ConditionFailedError) return null;
      throw error;
    }
  }

  /**
   * Creates a contact typed in by a member. Its addresses are claimed first; an address owned by
   * another contact is refused (EmailTakenError) and the claims made so far are released.
   */
  async create(input: { orgId: string; fullName: string; emails: string[]; organisationId: string | null }, at: string): Promise<Contact> {
    const contact: Contact = {
      contactId: newId('k'), orgId: input.orgId, fullName: input.fullName.trim(), emails: unique(input.emails),
      organisationId: input.organisationId, source: 'manual', createdAt: at, updatedAt: at, version: 1,
    };
    await this.claimEmails(contact.orgId, contact.contactId, contact.emails);
    await this.table.put(this.contactItem(contact), { ConditionExpression: 'attribute_not_exists(PK)' });
    await this.writeTokens(contact, []);
    return contact;
  }

  /** Conditional on the version read: the loser of two edits gets the current contact. */
  async update(current: Contact, changes: { fullName?: string; emails?: string[]; organisationId?: string | null }, at: string): Promise<SaveOutcome<Contact>> {
    const emails = changes.emails ? unique(changes.emails) : current.emails;
    const added = emails.filter((e) => !current.emails.includes(e));
    const removed = current.emails.filter((e) => !emails.includes(e));
    await this.claimEmails(current.orgId, current.contactId, added);
    const next: Contact = {
      ...current,
      fullName: changes.fullName?.trim() ?? current.fullName,
      emails,
      organisationId: changes.organisationId === undefined ? current.organisationId : changes.organisationId,
      updatedAt: at, version: current.version + 1,
    };
    try {
      await this.table.put(this.contactItem(next), {
        ConditionExpression: 'attribute_exists(PK) AND version = :expected', ExpressionAttributeValues: { ':expected': current.version },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      await this.releaseEmails(current.orgId, current.contactId, added);
      return { ok: false, current: error.item ? contactFromItem(error.item) : await this.get(current.orgId, current.contactId, true) };
    }
    await this.releaseEmails(current.orgId, current.contactId, removed);
    await this.writeTokens(next, current);
    return { ok: true, value: next };
  }

  async delete(contact: Contact): Promise<void> {
    await this.table.batchPut([], [
      contactKeys.contact(contact.orgId, contact.contactId),
      ...tokenKeys(contact),
    ]);
    await this.releaseEmails(contact.orgId, contact.contactId, contact.emails);
  }

  async createOrganisation(input: { orgId: string; name: string; domains: string[] }, at: string): Promise<ContactOrganisation> {
    const organisation: ContactOrganisation = {
      organisationId: newId('o'), orgId: input.orgId, name: input.name.trim(), domains: unique(input.domains),
      createdAt: at, updatedAt: at, version: 1,
    };
    await this.table.put(this.organisationItem(organisation), { ConditionExpression: 'attribute_not_exists(PK)' });
    await this.claimDomains(organisation.orgId, organisation.organisationId, organisation.domains);
    return organisation;
  }

  /** Domains go to the first organisation that names them; a domain already claimed stays with its owner. */
  private async claimDomains(orgId: string, organisationId: string, domains: string[]): Promise<void> {
    for (const domain of domains) {
      try {
        await this.table.put({ ...contactKeys.domain(orgId, domain), type: 'contact-domain', orgId, domain, organisationId }, { ConditionExpression: 'attribute_not_exists(PK)' });
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
  }

  private async releaseDomains(orgId: string, organisationId: string, domains: string[]): Promise<void> {
    for (const domain of domains) {
      if ((await this.organisationIdByDomain(orgId, domain)) === organisationId) await this.table.delete(contactKeys.domain(orgId, domain));
    }
  }

  async updateOrganisation(current: ContactOrganisation, changes: { name?: string; domains?: string[] }, at: string): Promise<SaveOutcome<ContactOrganisation>> {
    const next: ContactOrganisation = {
      ...current, name: changes.name?.trim() ?? current.name, domains: changes.domains ? unique(changes.domains) : current.domains,
      updatedAt: at, version: current.version + 1,
    };
    try {
      await this.table.put(this.organisationItem(next), {
        ConditionExpression: 'attribute_exists(PK) AND version = :expected', ExpressionAttributeValues: { ':expected': current.version },
      });
      await this.releaseDomains(current.orgId, current.organisationId, current.domains.filter((d) => !next.domains.includes(d)));
      await this.claimDomains(next.orgId, next.organisationId, next.domains);
      return { ok: true, value: next };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      return { ok: false, current: error.item ? organisationFromItem(error.item) : await this.getOrganisation(current.orgId, current.organisationId, true) };
    }
  }

  async deleteOrganisation(organisation: ContactOrganisation): Promise<void> {
    await this.table.delete(contactKeys.organisation(organisation.orgId, organisation.organisationId));
    await this.releaseDomains(organisation.orgId, organisation.organisationId, organisation.domains);
  }

  private contactItem(contact: Contact): Item {
    return { ...contactKeys.contact(contact.orgId, contact.contactId), type: 'contact', ...contact };
  }

  private organisationItem(organisation: ContactOrganisation): Item {
    return { ...contactKeys.organisation(organisation.orgId, organisation.organisationId), type: 'contact-organisation', ...organisation };
  }

  private async claimEmails(orgId: string, contactId: string, emails: string[]): Promise<void> {
    const claimed: string[] = [];
    for (const email of emails) {
      try {
        await this.table.put({ ...contactKeys.email(orgId, email), type: 'contact-email', orgId, email, contactId }, {
          ConditionExpression: 'attribute_not_exists(PK) OR contactId = :me', ExpressionAttributeValues: { ':me': contactId },
        });
        claimed.push(email);
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        await this.releaseEmails(orgId, contactId, claimed);
        throw new EmailTakenError(email, String(error.item?.contactId ?? (await this.contactIdByEmail(orgId, email)) ?? ''));
      }
    }
  }

  private async releaseEmails(orgId: string, contactId: string, emails: string[]): Promise<void> {
    for (const email of emails) {
      try {
        await this.table.update({
          Key: contactKeys.email(orgId, email), UpdateExpression: 'SET released = :true',
          ConditionExpression: 'contactId = :me', ExpressionAttributeValues: { ':me': contactId, ':true': true },
        });
        await this.table.delete(contactKeys.email(orgId, email));
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
  }

  /** Writes the search items of `next` and deletes those of `previous` it no longer has. */
  private async writeTokens(next: Contact, previous: Contact | []): Promise<void> {
    const nextKeys = tokenKeys(next);
    const keep = new Set(nextKeys.map((k) => `${k.PK}\u0000${k.SK}`));
    const stale = Array.isArray(previous) ? [] : tokenKeys(previous).filter((k) => !keep.has(`${k.PK}\u0000${k.SK}`));
    const items = searchTokens(next.fullName, next.emails).map((token) => ({
      PK: contactKeys.searchPartition(next.orgId, token), SK: contactKeys.searchSort(token, next.contactId),
      type: 'contact-token', token, contactId: next.contactId, fullName: next.fullName, emails: next.emails,
      organisationId: next.organisationId,
    }));
    await this.table.batchPut(items, stale);
  }
}

function tokenKeys(contact: Contact): Key[] {
  return searchTokens(contact.fullName, contact.emails).map((token) => ({
    PK: contactKeys.searchPartition(contact.orgId, token), SK: contactKeys.searchSort(token, contact.contactId),
  }));
}

function unique(emails: string[]): string[] {
  return [...new Set(emails.map(normalizeAddress).filter((e) => e !== ''))];
}
