/**
 * Where merge values come from: the member writing (directory), the mailbox, the conversation and
 * what it is linked to (contact, organisation, case). Contacts and cases belong to other modules;
 * they are reached through the small {@link MergeContextSource} port so templates do not depend on
 * how those modules store them.
 */
import type { Table } from '../adapters/dynamodb-table.js';
import { keys } from '../model/keys.js';
import type { MailAddress } from '../mail/types.js';
import type { Mailbox, User } from '../model/types.js';
import type { MergeValues } from './merge-fields.js';

export interface MergeContact { fullName: string; emails: string[]; organisationId: string | null }
export interface MergeOrganisation { name: string }
export interface MergeCase { reference: string; title: string }

/** Contacts, organisations and cases of an organisation, by id (null when unknown). */
export interface MergeContextSource {
  contact(orgId: string, contactId: string): Promise<MergeContact | null>;
  organisation(orgId: string, organisationId: string): Promise<MergeOrganisation | null>;
  caseOf(orgId: string, caseId: string): Promise<MergeCase | null>;
}

/** For deployments or tests without contacts and cases: every lookup finds nothing. */
export const emptyMergeContextSource: MergeContextSource = {
  contact: async () => null,
  organisation: async () => null,
  caseOf: async () => null,
};

/** What a conversation contributes: its subject, its correspondent, and the ids it is linked to. */
export interface MergeConversation {
  conversationId: string;
  subject: string;
  from: MailAddress | null;
  contactId: string | null;
  organisationId: string | null;
  caseId: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The conversation as merge fields need it (one GetItem), or null when it does not exist. */
export async function loadMergeConversation(table: Table, conversationId: string): Promise<(MergeConversation & { mailboxId: string; orgId: string; assignee: string | null }) | null> {
  const item = await table.get(keys.conversation(conversationId));
  if (!item) return null;
  return {
    conversationId, subject: String(item.subject ?? ''), from: (item.from ?? null) as MailAddress | null,
    contactId: str(item.contactId), organisationId: str(item.organisationId), caseId: str(item.caseId),
    mailboxId: String(item.mailboxId), orgId: String(item.orgId), assignee: str(item.assignee),
  };
}

export interface MergeInput {
  user: Pick<User, 'name' | 'email' | 'orgId'>;
  mailbox: Pick<Mailbox, 'name' | 'addresses'>;
  conversation?: MergeConversation | null;
  /** The person written to, when there is no conversation (a new message). */
  recipient?: MailAddress | null;
}

/**
 * Merge values for one message. The contact record wins; without one, the correspondent (the
 * conversation's sender, else the recipient) gives `contact.fullname` and `contact.email`.
 */
export async function mergeValuesFor(input: MergeInput, source: MergeContextSource): Promise<MergeValues> {
  const { user, mailbox, conversation } = input;
  const orgId = user.orgId;
  const [contact, caseRecord] = await Promise.all([
    conversation?.contactId ? source.contact(orgId, conversation.contactId) : null,
    conversation?.caseId ? source.caseOf(orgId, conversation.caseId) : null,
  ]);
  const organisationId = conversation?.organisationId ?? contact?.organisationId ?? null;
  const organisation = organisationId ? await source.organisation(orgId, organisationId) : null;
  const correspondent = conversation?.from ?? input.recipient ?? null;
  return {
    'contact.fullname': contact?.fullName || correspondent?.name || null,
    'contact.email': contact?.emails[0] ?? correspondent?.address ?? null,
    'organisation.name': organisation?.name ?? null,
    'user.name': user.name,
    'user.email': user.email,
    'case.reference': caseRecord?.reference ?? null,
    'case.title': caseRecord?.title ?? null,
    'conversation.subject': conversation?.subject ?? null,
    'mailbox.name': mailbox.name,
    'mailbox.email': mailbox.addresses[0] ?? null,
  };
}
