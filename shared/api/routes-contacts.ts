/**
 * Address-book routes: contacts and organisations of the caller's Mailroom organisation,
 * autocomplete for composing, and identifying the sender of a conversation. The address book is
 * shared by the organisation's users; anyone else gets 404. Deleting needs an organisation admin
 * or a dispatcher/admin of some mailbox. Identifying a sender needs the right to see the
 * conversation (agents: only theirs) and bumps its version (ETag).
 */
import * as z from 'zod';
import { ConversationLinks } from '../cases/conversation-links.js';
import { ContactRepository, type Contact, type ContactOrganisation } from '../contacts/contact-repository.js';
import { ContactService, type ServiceResult } from '../contacts/contact-service.js';
import { systemClock } from '../ports/index.js';
import type { UserWithRoles } from '../org/directory.js';
import { loadCaller } from './access.js';
import { problems } from './problem.js';
import { defineRoute, type AnyRoute } from './router.js';
import type { ApiDeps } from './routes.js';
import { etag, expectedVersionOf } from './routes-workflow.js';
import { expectedVersionField as expectedVersion, id } from './schemas.js';

const email = z.email().max(254).transform((value) => value.toLowerCase());
const fullName = z.string().trim().max(200).regex(/^[^\p{Cc}]*$/u, 'no control characters');
const limit = z.coerce.number().int().min(1).max(100).default(25).describe('Page size, 1 to 100.');

export const contactSchema = z.object({
  contactId: z.string(), fullName: z.string(), emails: z.array(z.string()), organisationId: z.string().nullable(),
  source: z.enum(['participant', 'manual']), createdAt: z.string(), updatedAt: z.string(), version: z.number().int(),
});
export const contactOrganisationSchema = z.object({
  organisationId: z.string(), name: z.string(), domains: z.array(z.string()), createdAt: z.string(), updatedAt: z.string(), version: z.number().int(),
});
const suggestionSchema = z.object({ contactId: z.string(), fullName: z.string(), email: z.string(), organisationId: z.string().nullable() });

export function contactView(c: Contact): z.infer<typeof contactSchema> {
  return { contactId: c.contactId, fullName: c.fullName, emails: c.emails, organisationId: c.organisationId, source: c.source, createdAt: c.createdAt, updatedAt: c.updatedAt, version: c.version };
}

export function organisationView(o: ContactOrganisation): z.infer<typeof contactOrganisationSchema> {
  return { organisationId: o.organisationId, name: o.name, domains: o.domains, createdAt: o.createdAt, updatedAt: o.updatedAt, version: o.version };
}

/** A use-case result as the answer, or the problem it stands for. */
export function unwrapResult<T>(result: ServiceResult<T>): T {
  switch (result.kind) {
    case 'ok': return result.value;
    case 'not-found': throw problems.notFound(result.what);
    case 'conflict': throw problems.conflict(result.detail, result.current);
    case 'invalid': throw problems.badRequest(`Invalid ${result.field}: ${result.message}.`, [{ field: result.field, message: result.message }]);
  }
}

function requireCurator(caller: UserWithRoles): void {
  if (caller.orgAdmin || Object.values(caller.roles).some((r) => r === 'admin' || r === 'dispatcher')) return;
  throw problems.forbidden('Only organisation admins, mailbox admins and dispatchers can delete from the address book.');
}

export function createContactRoutes(deps: ApiDeps): AnyRoute[] {
  const service = new ContactService({
    contacts: new ContactRepository(deps.table), links: new ConversationLinks(deps.table), directory: deps.directory,
    events: deps.events, clock: deps.clock ?? systemClock,
  });
  const repository = new ContactRepository(deps.table);
  const caller = (claims: Parameters<typeof loadCaller>[0]) => loadCaller(claims, deps.directory);
  const contactParams = z.object({ contactId: id });
  const organisationParams = z.object({ organisationId: id });

  return [
    defineRoute({
      method: 'GET', path: '/api/contacts', operationId: 'listContacts', tags: ['contacts'],
      summary: 'Autocomplete with `q` (prefix of a first or last name, full name or address; accents and case ignored), else the address book by id.',
      query: z.object({ q: z.string().max(200).optional(), limit, cursor: id.optional().describe('nextCursor of the previous page.') }),
      response: { status: 200, schema: z.object({ items: z.array(z.union([suggestionSchema, contactSchema])), nextCursor: z.string().nullable() }), description: 'Suggestions or contacts.' },
      handle: async ({ claims, query }) => {
        const user = await caller(claims);
        if (query.q !== undefined) return { status: 200, body: { items: await service.suggest(user, query.q, query.limit), nextCursor: null } };
        const page = await repository.list(user.orgId, query.limit, query.cursor);
        return { status: 200, body: { items: page.items.map(contactView), nextCursor: page.next } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/contacts', operationId: 'createContact', tags: ['contacts'],
      summary: 'Add a contact; each address can belong to one contact only (409 names the owner).',
      body: z.object({ fullName, emails: z.array(email).min(1).max(20), organisationId: id.nullable().default(null) }),
      response: { status: 201, schema: contactSchema, description: 'The contact.' },
      errors: [400, 409],
      handle: async ({ claims, body }) => {
        const contact = unwrapResult(await service.create(await caller(claims), body));
        return { status: 201, body: contactView(contact), headers: { etag: etag(contact.version) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/contacts/{contactId}', operationId: 'getContact', tags: ['contacts'],
      summary: 'One contact, with its organisation.',
      params: contactParams,
      response: { status: 200, schema: contactSchema.extend({ organisation: contactOrganisationSchema.nullable() }), description: 'The contact.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const user = await caller(claims);
        const contact = await repository.get(user.orgId, params.contactId);
        if (!contact) throw problems.notFound('This contact');
        const organisation = contact.organisationId ? await repository.getOrganisation(user.orgId, contact.organisationId) : null;
        return { status: 200, body: { ...contactView(contact), organisation: organisation ? organisationView(organisation) : null }, headers: { etag: etag(contact.version) } };
      },
    }),
    defineRoute({
      method: 'PATCH', path: '/api/contacts/{contactId}', operationId: 'updateContact', tags: ['contacts'],
      summary: 'Rename a contact, change its addresses or its organisation (If-Match / expectedVersion: 409 when it changed meanwhile).',
      params: contactParams,
      body: z.object({ fullName: fullName.optional(), emails: z.array(email).min(1).max(20).optional(), organisationId: id.nullable().optional(), expectedVersion }),
      response: { status: 200, schema: contactSchema, description: 'The contact after the change.' },
      errors: [400, 404, 409],
      handle: async ({ claims, params, body, event }) => {
        const { expectedVersion: _v, ...changes } = body;
        const contact = unwrapResult(await service.update(await caller(claims), params.contactId, changes, expectedVersionOf(event, body.expectedVersion)));
        return { status: 200, body: contactView(contact), headers: { etag: etag(contact.version) } };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/contacts/{contactId}', operationId: 'deleteContact', tags: ['contacts'],
      summary: 'Delete a contact (organisation admins, mailbox admins and dispatchers); its addresses are free again.',
      params: contactParams,
      response: { status: 204, schema: null, description: 'Deleted.' },
      errors: [403, 404],
      handle: async ({ claims, params }) => {
        const user = await caller(claims);
        requireCurator(user);
        unwrapResult(await service.delete(user, params.contactId));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/contact-organisations', operationId: 'listContactOrganisations', tags: ['contacts'],
      summary: 'The organisations of the address book, by id.',
      query: z.object({ limit, cursor: id.optional() }),
      response: { status: 200, schema: z.object({ items: z.array(contactOrganisationSchema), nextCursor: z.string().nullable() }), description: 'Organisations.' },
      handle: async ({ claims, query }) => {
        const user = await caller(claims);
        const page = await repository.listOrganisations(user.orgId, query.limit, query.cursor);
        return { status: 200, body: { items: page.items.map(organisationView), nextCursor: page.next } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/contact-organisations', operationId: 'createContactOrganisation', tags: ['contacts'],
      summary: 'Add an organisation (customer, supplier) to the address book.',
      body: z.object({ name: fullName.min(1), domains: z.array(z.string().trim().toLowerCase().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'a mail domain')).max(20).default([]) }),
      response: { status: 201, schema: contactOrganisationSchema, description: 'The organisation.' },
      errors: [400],
      handle: async ({ claims, body }) => {
        const organisation = await service.createOrganisation(await caller(claims), body);
        return { status: 201, body: organisationView(organisation), headers: { etag: etag(organisation.version) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/contact-organisations/{organisationId}', operationId: 'getContactOrganisation', tags: ['contacts'],
      summary: 'One organisation of the address book.',
      params: organisationParams,
      response: { status: 200, schema: contactOrganisationSchema, description: 'The organisation.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const user = await caller(claims);
        const organisation = await repository.getOrganisation(user.orgId, params.organisationId);
        if (!organisation) throw problems.notFound('This organisation');
        return { status: 200, body: organisationView(organisation), headers: { etag: etag(organisation.version) } };
      },
    }),
    defineRoute({
      method: 'PATCH', path: '/api/contact-organisations/{organisationId}', operationId: 'updateContactOrganisation', tags: ['contacts'],
      summary: 'Rename an organisation or change its domains (If-Match / expectedVersion).',
      params: organisationParams,
      body: z.object({ name: fullName.min(1).optional(), domains: z.array(z.string().trim().toLowerCase().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'a mail domain')).max(20).optional(), expectedVersion }),
      response: { status: 200, schema: contactOrganisationSchema, description: 'The organisation after the change.' },
      errors: [400, 404, 409],
      handle: async ({ claims, params, body, event }) => {
        const { expectedVersion: _v, ...changes } = body;
        const organisation = unwrapResult(await service.updateOrganisation(await caller(claims), params.organisationId, changes, expectedVersionOf(event, body.expectedVersion)));
        return { status: 200, body: organisationView(organisation), headers: { etag: etag(organisation.version) } };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/contact-organisations/{organisationId}', operationId: 'deleteContactOrganisation', tags: ['contacts'],
      summary: 'Delete an organisation of the address book (organisation admins, mailbox admins and dispatchers).',
      params: organisationParams,
      response: { status: 204, schema: null, description: 'Deleted.' },
      errors: [403, 404],
      handle: async ({ claims, params }) => {
        const user = await caller(claims);
        requireCurator(user);
        unwrapResult(await service.deleteOrganisation(user, params.organisationId));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/contact', operationId: 'identifyConversationContact', tags: ['contacts'],
      summary: 'Identify the sender: link the conversation to a contact and/or organisation (null unlinks), or create the contact from the sender (`createFromSender`). Bumps the conversation version.',
      params: z.object({ conversationId: id }),
      body: z.object({
        contactId: id.nullable().optional(), organisationId: id.nullable().optional(),
        createFromSender: z.boolean().optional(), fullName: fullName.optional().describe('Name for a contact created from the sender.'), expectedVersion,
      }).refine((b) => !(b.createFromSender && typeof b.contactId === 'string'), { message: 'give contactId or createFromSender, not both', path: ['contactId'] })
        .refine((b) => b.createFromSender === true || b.contactId !== undefined || b.organisationId !== undefined, { message: 'give contactId, organisationId or createFromSender', path: ['contactId'] }),
      response: {
        status: 200,
        schema: z.object({ conversationId: z.string(), version: z.number().int(), contact: contactSchema.nullable(), organisation: contactOrganisationSchema.nullable() }),
        description: 'The conversation version after the change, and what it is linked to.',
      },
      errors: [400, 404, 409],
      handle: async ({ claims, params, body, event }) => {
        const { expectedVersion: _v, ...input } = body;
        const result = await service.identify(await caller(claims), params.conversationId, input, expectedVersionOf(event, body.expectedVersion));
        const value = unwrapResult(result);
        return {
          status: 200,
          body: { conversationId: value.conversation.conversationId, version: value.conversation.version, contact: value.contact ? contactView(value.contact) : null, organisation: value.organisation ? organisationView(value.organisation) : null },
          headers: { etag: etag(value.conversation.version) },
        };
      },
    }),
  ];
}

