/**
 * The production {@link MergeContextSource}: contacts and organisations from the address book
 * (shared/contacts), cases from shared/cases. Kept apart from merge-context.ts so the merge
 * engine and its tests do not depend on how those modules store things.
 */
import type { Table } from '../adapters/dynamodb-table.js';
import { CaseRepository } from '../cases/case-repository.js';
import { ContactRepository } from '../contacts/contact-repository.js';
import type { MergeContextSource } from './merge-context.js';

export function repositoryMergeSource(table: Table): MergeContextSource {
  const contacts = new ContactRepository(table);
  const cases = new CaseRepository(table);
  return {
    contact: async (orgId, contactId) => {
      const contact = await contacts.get(orgId, contactId);
      return contact ? { fullName: contact.fullName, emails: contact.emails, organisationId: contact.organisationId } : null;
    },
    organisation: async (orgId, organisationId) => {
      const organisation = await contacts.getOrganisation(orgId, organisationId);
      return organisation ? { name: organisation.name } : null;
    },
    caseOf: async (orgId, caseId) => {
      const found = await cases.get(orgId, caseId);
      return found ? { reference: found.reference, title: found.title } : null;
    },
  };
}
