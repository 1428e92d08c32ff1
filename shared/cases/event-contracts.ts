/**
 * Event contracts of the address book and of cases, registered in shared/events/contracts.ts
 * (`EVENTS`). Kept in their own module so the registry only gains one spread.
 */
import * as z from 'zod';

const address = z.object({ address: z.string(), name: z.string() });

const contactData = z.object({
  contactId: z.string().describe('GET /api/contacts/{contactId}.'),
  orgId: z.string(),
  fullName: z.string(),
  emails: z.array(z.string()).describe('Lower-cased addresses; the first is the one to write to.'),
  organisationId: z.string().nullable().describe('Address-book organisation the contact belongs to.'),
  source: z.enum(['participant', 'manual']).describe('participant: made from a received message; manual: created by a member.'),
  version: z.number().int(),
  actor: z.string().nullable().describe('Email of the member who made the change; null when made from received mail.'),
});

const contactDeletedData = z.object({ contactId: z.string(), orgId: z.string(), actor: z.string() });

const contactOrganisationData = z.object({
  organisationId: z.string().describe('GET /api/contact-organisations/{organisationId}.'),
  orgId: z.string(),
  name: z.string(),
  domains: z.array(z.string()),
  version: z.number().int(),
  actor: z.string(),
});

const contactOrganisationDeletedData = z.object({ organisationId: z.string(), orgId: z.string(), actor: z.string() });

/** The conversation fields every conversation event carries (see contracts.ts). */
const conversationFields = z.object({
  conversationId: z.string(),
  mailboxId: z.string(),
  orgId: z.string(),
  subject: z.string(),
  version: z.number().int().describe('Conversation version after the change; with conversationId it identifies the change.'),
  actor: z.string(),
});

const conversationIdentifiedData = conversationFields.extend({
  contactId: z.string().nullable(),
  organisationId: z.string().nullable(),
  contactCreated: z.boolean().describe('The contact was created from the sender by this change.'),
});

const conversationCaseLinkedData = conversationFields.extend({
  caseId: z.string(),
  reference: z.string().describe('Human-readable case reference, e.g. C-2026-0042.'),
});

const conversationRecordLinkedData = conversationFields.extend({
  recordType: z.string().describe('Business record type (ticket, project, offer, booking, or one an admin added).'),
  recordId: z.string(),
  linked: z.boolean().describe('true when linked, false when the link was removed.'),
});

const caseData = z.object({
  caseId: z.string().describe('GET /api/cases/{caseId}.'),
  orgId: z.string(),
  reference: z.string(),
  title: z.string(),
  status: z.enum(['open', 'closed']),
  contactId: z.string().nullable(),
  organisationId: z.string().nullable(),
  version: z.number().int(),
  actor: z.string(),
});

const caseCreatedData = caseData.extend({
  fromConversationId: z.string().nullable().describe('The conversation the case was made from (convert), if any.'),
});

const caseCommunicationData = z.object({
  caseId: z.string(),
  orgId: z.string(),
  reference: z.string(),
  messageKey: z.string().describe('GET /api/cases/{caseId}/communications/{messageKey}/eml.'),
  conversationId: z.string().nullable(),
  via: z.enum(['conversation', 'case-address', 'import']),
  subject: z.string().describe('Subject of the original when the message was a forward.'),
  from: address.nullable().describe('Sender of the original when the message was a forward.'),
  forwarded: z.boolean().describe('The message was a forward, unwrapped to its original.'),
});

const caseCommunicationUpdatedData = z.object({
  caseId: z.string(),
  orgId: z.string(),
  messageKey: z.string(),
  processed: z.boolean(),
  taskId: z.string().nullable(),
  actor: z.string(),
});

const caseTaskData = z.object({
  caseId: z.string(),
  orgId: z.string(),
  taskId: z.string(),
  title: z.string(),
  done: z.boolean(),
  assignee: z.string().nullable(),
  version: z.number().int(),
  actor: z.string(),
});

const caseDocumentData = z.object({
  caseId: z.string(),
  orgId: z.string(),
  documentId: z.string(),
  filename: z.string(),
  contentType: z.string(),
  kind: z.enum(['message', 'attachment', 'forwarded']),
  messageKey: z.string().nullable(),
  actor: z.string().nullable().describe('null when added from mail sent to the case address.'),
});

export const CASE_EVENTS = {
  contactCreated: {
    detailType: 'Contact Created', version: '1',
    description: 'A contact was added to the address book, by a member or from a participant of received mail.',
    data: contactData,
  },
  contactUpdated: {
    detailType: 'Contact Updated', version: '1',
    description: "A contact's name, addresses or organisation changed.",
    data: contactData,
  },
  contactDeleted: {
    detailType: 'Contact Deleted', version: '1',
    description: 'A member deleted a contact from the address book.',
    data: contactDeletedData,
  },
  contactOrganisationCreated: {
    detailType: 'Contact Organisation Created', version: '1',
    description: 'An organisation (customer, supplier) was added to the address book.',
    data: contactOrganisationData,
  },
  contactOrganisationUpdated: {
    detailType: 'Contact Organisation Updated', version: '1',
    description: 'An address-book organisation was renamed or its domains changed.',
    data: contactOrganisationData,
  },
  contactOrganisationDeleted: {
    detailType: 'Contact Organisation Deleted', version: '1',
    description: 'An address-book organisation was deleted.',
    data: contactOrganisationDeletedData,
  },
  conversationContactIdentified: {
    detailType: 'Conversation Contact Identified', version: '1',
    description: 'A member linked a conversation to a contact and/or an address-book organisation (identify the sender).',
    data: conversationIdentifiedData,
  },
  caseCreated: {
    detailType: 'Case Created', version: '1',
    description: 'A case was opened, from scratch or from a conversation (convert).',
    data: caseCreatedData,
  },
  caseUpdated: {
    detailType: 'Case Updated', version: '1',
    description: "A case's title, status, contact or organisation changed.",
    data: caseData,
  },
  conversationLinkedToCase: {
    detailType: 'Conversation Linked To Case', version: '1',
    description: 'A conversation now belongs to a case: its messages are communications of the case.',
    data: conversationCaseLinkedData,
  },
  conversationRecordLinked: {
    detailType: 'Conversation Record Linked', version: '1',
    description: 'A conversation was linked to (or unlinked from) a business record of another system, by type and id.',
    data: conversationRecordLinkedData,
  },
  caseCommunicationAdded: {
    detailType: 'Case Communication Added', version: '1',
    description: 'A message joined a case: from a linked conversation, mail to the case address (forwards unwrapped), or an import.',
    data: caseCommunicationData,
  },
  caseCommunicationUpdated: {
    detailType: 'Case Communication Updated', version: '1',
    description: 'A communication of a case was marked processed or unprocessed, or attached to a task.',
    data: caseCommunicationUpdatedData,
  },
  caseTaskCreated: {
    detailType: 'Case Task Created', version: '1',
    description: 'A task was added to a case.',
    data: caseTaskData,
  },
  caseTaskUpdated: {
    detailType: 'Case Task Updated', version: '1',
    description: 'A task of a case was renamed, (re)assigned, done or reopened.',
    data: caseTaskData,
  },
  caseDocumentAdded: {
    detailType: 'Case Document Added', version: '1',
    description: 'A document (a message as .eml, an attachment, a forwarded message) was added to a case; it points at the stored mail.',
    data: caseDocumentData,
  },
} as const;
