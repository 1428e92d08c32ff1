/**
 * Case routes: cases of the caller's organisation (anyone else gets 404), converting a
 * conversation into a case, linking a conversation to a case or to a business record, a case's
 * communications (processed, task), tasks and documents, importing a message, and exports as
 * short-lived links (the same 5-minute presigned links as `/api/messages/{key}/raw`).
 *
 * Linking a conversation needs the right to see it (members of its mailbox; agents only for the
 * conversations assigned to them) and bumps its version, so its ETag changes.
 */
import * as z from 'zod';
import { CASE_REFERENCE, CaseRepository, type CaseCommunication, type CaseDocument, type CaseRecord, type CaseTask } from '../cases/case-repository.js';
import { CaseService, type CaseResult } from '../cases/case-service.js';
import { ConversationLinks } from '../cases/conversation-links.js';
import { ContactRepository } from '../contacts/contact-repository.js';
import { systemClock } from '../ports/index.js';
import { actorFor } from '../workflow/conversation-workflow.js';
import type { UserWithRoles } from '../org/directory.js';
import { loadCaller, requireOrgAdmin } from './access.js';
import { problems } from './problem.js';
import { defineRoute, type AnyRoute, type ApiResult } from './router.js';
import type { ApiDeps } from './routes.js';
import { unwrapResult } from './routes-contacts.js';
import { etag, expectedVersionOf } from './routes-workflow.js';
import { addressSchema, expectedVersionField as expectedVersion, id } from './schemas.js';

/** Lifetime of download links, as for raw messages. */
const LINK_SECONDS = 300;

const text = (max: number) => z.string().trim().min(1).max(max).regex(/^[^\p{Cc}]+$/u, 'no control characters');
const reference = z.string().regex(CASE_REFERENCE, 'a case reference such as C-2026-0042').transform((v) => v.toUpperCase());
const recordType = z.string().trim().toLowerCase().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, - and _');
const recordId = z.string().trim().min(1).max(128).regex(/^[^\p{Cc}/#]+$/u, 'no control characters, / or #');
const email = z.email().max(254).transform((value) => value.toLowerCase());

export const caseSchema = z.object({
  caseId: z.string(), reference: z.string(), title: z.string(), status: z.enum(['open', 'closed']),
  contactId: z.string().nullable(), organisationId: z.string().nullable(), createdAt: z.string(), createdBy: z.string(),
  updatedAt: z.string(), version: z.number().int(),
  address: z.string().nullable().describe('Inbound address of the case (plus address of a mailbox the caller belongs to).'),
});
const taskSchema = z.object({ taskId: z.string(), title: z.string(), done: z.boolean(), assignee: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(), version: z.number().int() });
const communicationSchema = z.object({
  messageKey: z.string(), conversationId: z.string().nullable(), mailboxId: z.string().nullable(), direction: z.enum(['inbound', 'outbound']),
  subject: z.string().describe('Of the original when the message was a forward.'), from: addressSchema.nullable().describe('Of the original when the message was a forward.'),
  date: z.string(), receivedAt: z.string(), via: z.enum(['conversation', 'case-address', 'import']),
  forwardedBy: addressSchema.nullable().describe('Who forwarded it to the case, when it was a forward.'),
  processed: z.boolean(), taskId: z.string().nullable(), emlUrl: z.string().describe('GET: the message as received (.eml).'),
});
const documentSchema = z.object({
  documentId: z.string(), filename: z.string(), contentType: z.string(), size: z.number().nullable(), kind: z.enum(['message', 'attachment', 'forwarded']),
  messageKey: z.string().nullable(), addedAt: z.string(), addedBy: z.string(), downloadUrl: z.string(),
});
const linkSchema = z.object({ url: z.string(), expiresAt: z.string() });

function caseView(c: CaseRecord, address: string | null): z.infer<typeof caseSchema> {
  return {
    caseId: c.caseId, reference: c.reference, title: c.title, status: c.status, contactId: c.contactId, organisationId: c.organisationId,
    createdAt: c.createdAt, createdBy: c.createdBy, updatedAt: c.updatedAt, version: c.version, address,
  };
}

function taskView(t: CaseTask): z.infer<typeof taskSchema> {
  return { taskId: t.taskId, title: t.title, done: t.done, assignee: t.assignee, createdAt: t.createdAt, updatedAt: t.updatedAt, version: t.version };
}

function communicationView(c: CaseCommunication): z.infer<typeof communicationSchema> {
  return {
    messageKey: c.messageKey, conversationId: c.conversationId, mailboxId: c.mailboxId, direction: c.direction,
    subject: c.original?.subject || c.subject, from: c.original?.from ?? c.from, date: c.date, receivedAt: c.receivedAt, via: c.via,
    forwardedBy: c.forwardedBy, processed: c.processed, taskId: c.taskId, emlUrl: `/api/cases/${c.caseId}/communications/${c.messageKey}/eml`,
  };
}

function documentView(d: CaseDocument): z.infer<typeof documentSchema> {
  return {
    documentId: d.documentId, filename: d.filename, contentType: d.contentType, size: d.size, kind: d.kind, messageKey: d.messageKey,
    addedAt: d.addedAt, addedBy: d.addedBy, downloadUrl: `/api/cases/${d.caseId}/documents/${d.documentId}/download`,
  };
}

function caseResult<T>(result: CaseResult<T>): T {
  return unwrapResult(result);
}

/** As the raw message download: a redirect, or `{ url, expiresAt }` for a request preferring JSON. */
function download(event: { headers: Record<string, string | undefined> }, url: string): ApiResult {
  const accept = event.headers['accept'] ?? '';
  if (/application\/json/i.test(accept) && !/^\s*\*\/\*/.test(accept)) {
    return { status: 200, body: { url, expiresAt: new Date(Date.now() + LINK_SECONDS * 1000).toISOString() } };
  }
  return { status: 302, redirect: url };
}

export function createCaseRoutes(deps: ApiDeps): AnyRoute[] {
  const cases = new CaseRepository(deps.table);
  const service = new CaseService({
    cases, links: new ConversationLinks(deps.table), store: deps.store, directory: deps.directory, events: deps.events, clock: deps.clock ?? systemClock,
    contacts: new ContactRepository(deps.table),
  });
  const caller = (claims: Parameters<typeof loadCaller>[0]) => loadCaller(claims, deps.directory);
  const caseParams = z.object({ caseId: id });
  const conversationParams = z.object({ conversationId: id });

  const loadCase = async (user: UserWithRoles, caseId: string): Promise<CaseRecord> => {
    const found = await service.load(user, caseId);
    if (!found) throw problems.notFound('This case');
    return found;
  };

  /**
   * `<address>+<reference>@domain`: the plus address of the mailbox the case's conversation lives
   * in when the caller belongs to it, else of the caller's primary shared mailbox, else of their
   * first shared mailbox by id (any routed mailbox address works; this one is just shown).
   */
  const caseAddress = async (user: UserWithRoles, c: CaseRecord, preferMailboxId?: string): Promise<string | null> => {
    const ids = Object.keys(user.roles);
    const mailboxes = (await deps.directory.getMailboxes(ids)).sort((a, b) => a.mailboxId.localeCompare(b.mailboxId));
    const shared = mailboxes.filter((m) => m.kind === 'shared');
    const mailbox = shared.find((m) => m.mailboxId === preferMailboxId) ?? shared.find((m) => m.mailboxId === user.primaryMailboxId) ?? shared[0] ?? mailboxes[0];
    const address = mailbox?.addresses[0];
    if (!address) return null;
    const at = address.lastIndexOf('@');
    return `${address.slice(0, at)}+${c.reference}${address.slice(at)}`;
  };

  const link = (key: string, filename: string, contentType: string) => deps.links.link(key, { filename, contentType, expiresInSeconds: LINK_SECONDS });

  return [
    defineRoute({
      method: 'GET', path: '/api/cases', operationId: 'listCases', tags: ['cases'],
      summary: "The organisation's cases, newest first; `reference` finds one case by its reference.",
      query: z.object({
        reference: reference.optional(), limit: z.coerce.number().int().min(1).max(100).default(25),
        cursor: z.string().max(500).optional().describe('nextCursor of the previous page.'),
      }),
      response: { status: 200, schema: z.object({ items: z.array(caseSchema), nextCursor: z.string().nullable() }), description: 'Cases.' },
      errors: [400],
      handle: async ({ claims, query }) => {
        const user = await caller(claims);
        if (query.reference) {
          const found = await cases.getByReference(user.orgId, query.reference);
          return { status: 200, body: { items: found ? [caseView(found, await caseAddress(user, found))] : [], nextCursor: null } };
        }
        let start: Record<string, unknown> | undefined;
        if (query.cursor) {
          const [createdAt, caseId] = Buffer.from(query.cursor, 'base64url').toString('utf8').split('|');
          if (!createdAt || !caseId || !/^[A-Za-z0-9_-]+$/.test(caseId)) throw problems.badRequest('Invalid query.cursor.', [{ field: 'query.cursor', message: 'not a cursor returned by this API' }]);
          start = { PK: `CASE#${caseId}`, SK: 'CASE', GSI3PK: `CASES#${user.orgId}`, GSI3SK: `${createdAt}#${caseId}` };
        }
        const page = await cases.list(user.orgId, query.limit, start);
        const last = page.lastKey ? String(page.lastKey.GSI3SK) : null;
        const nextCursor = last ? Buffer.from(`${last.slice(0, last.lastIndexOf('#'))}|${last.slice(last.lastIndexOf('#') + 1)}`).toString('base64url') : null;
        return { status: 200, body: { items: await Promise.all(page.items.map(async (c) => caseView(c, await caseAddress(user, c)))), nextCursor } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/cases', operationId: 'createCase', tags: ['cases'],
      summary: 'Open a case; its reference (C-YYYY-NNNN) is allocated per organisation and year.',
      body: z.object({ title: text(300), contactId: id.nullable().default(null), organisationId: id.nullable().default(null) }),
      response: { status: 201, schema: caseSchema, description: 'The case.' },
      errors: [400],
      handle: async ({ claims, body }) => {
        const user = await caller(claims);
        const created = await service.create(user, body);
        return { status: 201, body: caseView(created, await caseAddress(user, created)), headers: { etag: etag(created.version) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/cases/{caseId}', operationId: 'getCase', tags: ['cases'],
      summary: 'One case with its tasks and the conversations linked to it.',
      params: caseParams,
      response: {
        status: 200,
        schema: caseSchema.extend({ tasks: z.array(taskSchema), conversations: z.array(z.object({ conversationId: z.string(), mailboxId: z.string(), at: z.string() })) }),
        description: 'The case.',
      },
      errors: [404],
      handle: async ({ claims, params }) => {
        const user = await caller(claims);
        const c = await loadCase(user, params.caseId);
        const [tasks, conversations, address] = await Promise.all([cases.tasks(c.caseId), cases.linkedConversations(c.caseId), caseAddress(user, c)]);
        return { status: 200, body: { ...caseView(c, address), tasks: tasks.map(taskView), conversations }, headers: { etag: etag(c.version) } };
      },
    }),
    defineRoute({
      method: 'PATCH', path: '/api/cases/{caseId}', operationId: 'updateCase', tags: ['cases'],
      summary: 'Rename, close or reopen a case, or change its contact or organisation (If-Match / expectedVersion).',
      params: caseParams,
      body: z.object({ title: text(300).optional(), status: z.enum(['open', 'closed']).optional(), contactId: id.nullable().optional(), organisationId: id.nullable().optional(), expectedVersion }),
      response: { status: 200, schema: caseSchema, description: 'The case after the change.' },
      errors: [400, 404, 409],
      handle: async ({ claims, params, body, event }) => {
        const user = await caller(claims);
        const { expectedVersion: _v, ...changes } = body;
        const updated = caseResult(await service.update(user, params.caseId, changes, expectedVersionOf(event, body.expectedVersion)));
        return { status: 200, body: caseView(updated, await caseAddress(user, updated)), headers: { etag: etag(updated.version) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/conversations/{conversationId}/links', operationId: 'getConversationLinks', tags: ['cases'],
      summary: 'What a conversation is linked to: contact, organisation, case and business records, with its version (ETag).',
      params: conversationParams,
      response: {
        status: 200,
        schema: z.object({
          conversationId: z.string(), version: z.number().int(), contactId: z.string().nullable(), organisationId: z.string().nullable(),
          case: z.object({ caseId: z.string(), reference: z.string(), title: z.string() }).nullable(), records: z.array(z.object({ type: z.string(), id: z.string() })),
        }),
        description: 'The links.',
      },
      errors: [404],
      handle: async ({ claims, params }) => {
        const user = await caller(claims);
        const conversation = await new ConversationLinks(deps.table).get(params.conversationId);
        if (!conversation || conversation.orgId !== user.orgId || !actorFor(user, conversation)) throw problems.notFound('This conversation');
        const linked = conversation.caseId ? await cases.get(user.orgId, conversation.caseId) : null;
        return {
          status: 200,
          body: {
            conversationId: conversation.conversationId, version: conversation.version, contactId: conversation.contactId, organisationId: conversation.organisationId,
            case: linked ? { caseId: linked.caseId, reference: linked.reference, title: linked.title } : null, records: conversation.recordLinks,
          },
          headers: { etag: etag(conversation.version) },
        };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/case', operationId: 'convertToCase', tags: ['cases'],
      summary: 'Convert a conversation into a new case: the case takes its subject (or `title`), contact and organisation, and its messages as communications.',
      params: conversationParams,
      body: z.object({ title: text(300).optional(), expectedVersion }).default({}),
      response: { status: 201, schema: z.object({ case: caseSchema, conversationVersion: z.number().int() }), description: 'The new case.' },
      errors: [400, 404, 409],
      handle: async ({ claims, params, body, event }) => {
        const user = await caller(claims);
        const value = caseResult(await service.convert(user, params.conversationId, { ...(body.title ? { title: body.title } : {}) }, expectedVersionOf(event, body.expectedVersion)));
        return { status: 201, body: { case: caseView(value.case, await caseAddress(user, value.case, value.conversation.mailboxId)), conversationVersion: value.conversation.version }, headers: { etag: etag(value.conversation.version) } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/case-link', operationId: 'linkConversationToCase', tags: ['cases'],
      summary: 'Link a conversation to an existing case, by id or reference. Its messages become communications of the case, and so do the ones it receives later.',
      params: conversationParams,
      body: z.object({ caseId: id.optional(), reference: reference.optional(), expectedVersion })
        .refine((b) => (b.caseId === undefined) !== (b.reference === undefined), { message: 'give caseId or reference', path: ['caseId'] }),
      response: { status: 200, schema: z.object({ case: caseSchema, conversationVersion: z.number().int() }), description: 'The case.' },
      errors: [400, 404, 409],
      handle: async ({ claims, params, body, event }) => {
        const user = await caller(claims);
        const value = caseResult(await service.link(user, params.conversationId, {
          ...(body.caseId ? { caseId: body.caseId } : {}), ...(body.reference ? { reference: body.reference } : {}),
        }, expectedVersionOf(event, body.expectedVersion)));
        return { status: 200, body: { case: caseView(value.case, await caseAddress(user, value.case, value.conversation.mailboxId)), conversationVersion: value.conversation.version }, headers: { etag: etag(value.conversation.version) } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/records', operationId: 'linkConversationToRecord', tags: ['cases'],
      summary: 'Link a conversation to a business record of another system, by type (see /api/record-types) and id.',
      params: conversationParams,
      body: z.object({ type: recordType, id: recordId, expectedVersion }),
      response: { status: 200, schema: z.object({ conversationId: z.string(), version: z.number().int(), records: z.array(z.object({ type: z.string(), id: z.string() })) }), description: 'The conversation links.' },
      errors: [400, 404, 409],
      handle: async ({ claims, params, body, event }) => {
        const user = await caller(claims);
        const c = caseResult(await service.linkRecord(user, params.conversationId, { type: body.type, id: body.id }, true, expectedVersionOf(event, body.expectedVersion)));
        return { status: 200, body: { conversationId: c.conversationId, version: c.version, records: c.recordLinks }, headers: { etag: etag(c.version) } };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/conversations/{conversationId}/records/{type}/{recordId}', operationId: 'unlinkConversationFromRecord', tags: ['cases'],
      summary: 'Remove the link between a conversation and a business record.',
      params: z.object({ conversationId: id, type: recordType, recordId }),
      response: { status: 200, schema: z.object({ conversationId: z.string(), version: z.number().int(), records: z.array(z.object({ type: z.string(), id: z.string() })) }), description: 'The conversation links.' },
      errors: [400, 404, 409],
      handle: async ({ claims, params, event }) => {
        const user = await caller(claims);
        const c = caseResult(await service.linkRecord(user, params.conversationId, { type: params.type, id: params.recordId }, false, expectedVersionOf(event, undefined)));
        return { status: 200, body: { conversationId: c.conversationId, version: c.version, records: c.recordLinks }, headers: { etag: etag(c.version) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/record-types', operationId: 'listRecordTypes', tags: ['cases'],
      summary: 'Business record types conversations can be linked to (default: ticket, project, offer, booking).',
      response: { status: 200, schema: z.object({ types: z.array(z.string()) }), description: 'Types.' },
      handle: async ({ claims }) => {
        const user = await caller(claims);
        return { status: 200, body: { types: await cases.recordTypes(user.orgId) } };
      },
    }),
    defineRoute({
      method: 'PUT', path: '/api/record-types', operationId: 'setRecordTypes', tags: ['cases'],
      summary: 'Replace the business record types (organisation admins). Existing links keep their type.',
      body: z.object({ types: z.array(recordType).min(1).max(50) }),
      response: { status: 200, schema: z.object({ types: z.array(z.string()) }), description: 'Types.' },
      errors: [400, 403],
      handle: async ({ claims, body }) => {
        const user = await caller(claims);
        requireOrgAdmin(user);
        return { status: 200, body: { types: await cases.setRecordTypes(user.orgId, body.types, (deps.clock ?? systemClock).now().toISOString()) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/records/{type}/{recordId}/conversations', operationId: 'listRecordConversations', tags: ['cases'],
      summary: 'Conversations linked to one business record that the caller may see.',
      params: z.object({ type: recordType, recordId }),
      response: {
        status: 200,
        schema: z.object({ items: z.array(z.object({
          conversationId: z.string(), mailboxId: z.string(), at: z.string(),
          subject: z.string().describe('The conversation\'s subject, so a list of them needs no further request.'),
        })) }),
        description: 'Linked conversations.',
      },
      handle: async ({ claims, params }) => {
        const user = await caller(claims);
        const linked = await cases.conversationsOfRecord(user.orgId, { type: params.type, id: params.recordId }, 100);
        const links = new ConversationLinks(deps.table);
        const visible = [];
        for (const l of linked) {
          if (!Object.hasOwn(user.roles, l.mailboxId)) continue;
          const conversation = await links.get(l.conversationId);
          if (conversation && actorFor(user, conversation)) visible.push({ ...l, subject: conversation.subject });
        }
        return { status: 200, body: { items: visible } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/cases/{caseId}/communications', operationId: 'listCaseCommunications', tags: ['cases'],
      summary: 'Every communication of the case, oldest first; forwards show their original (sender, date, subject).',
      params: caseParams,
      response: { status: 200, schema: z.object({ items: z.array(communicationSchema) }), description: 'Communications.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const c = await loadCase(await caller(claims), params.caseId);
        return { status: 200, body: { items: (await cases.communications(c.caseId)).map(communicationView) } };
      },
    }),
    defineRoute({
      method: 'PATCH', path: '/api/cases/{caseId}/communications/{messageKey}', operationId: 'updateCaseCommunication', tags: ['cases'],
      summary: 'Mark a communication processed or unprocessed, or attach it to a task of the case (null detaches).',
      params: z.object({ caseId: id, messageKey: id }),
      body: z.object({ processed: z.boolean().optional(), taskId: id.nullable().optional() })
        .refine((b) => b.processed !== undefined || b.taskId !== undefined, { message: 'give processed or taskId', path: ['processed'] }),
      response: { status: 200, schema: communicationSchema, description: 'The communication.' },
      errors: [400, 404],
      handle: async ({ claims, params, body }) => {
        const updated = caseResult(await service.markCommunication(await caller(claims), params.caseId, params.messageKey, body));
        return { status: 200, body: communicationView(updated) };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/cases/{caseId}/communications/{messageKey}/eml', operationId: 'downloadCaseCommunication', tags: ['cases'],
      summary: 'Export a communication as .eml, exactly as received: redirect to a short-lived link, or `{ url, expiresAt }` for `Accept: application/json`.',
      params: z.object({ caseId: id, messageKey: id }),
      response: { status: 302, schema: null, description: 'Redirect to the message (message/rfc822).' },
      errors: [404],
      handle: async ({ claims, params, event }) => {
        const c = await loadCase(await caller(claims), params.caseId);
        const comm = await cases.getCommunication(c.caseId, params.messageKey);
        if (!comm) throw problems.notFound('This communication');
        return download(event, await link(comm.rawKey, `${c.reference} ${(comm.original?.subject || comm.subject || 'message').replace(/[\\/:*?"<>|\r\n\t]+/g, ' ').trim().slice(0, 80)}.eml`, 'message/rfc822'));
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/cases/{caseId}/tasks', operationId: 'listCaseTasks', tags: ['cases'],
      summary: 'Tasks of the case, oldest first.',
      params: caseParams,
      response: { status: 200, schema: z.object({ items: z.array(taskSchema) }), description: 'Tasks.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const c = await loadCase(await caller(claims), params.caseId);
        return { status: 200, body: { items: (await cases.tasks(c.caseId)).map(taskView) } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/cases/{caseId}/tasks', operationId: 'createCaseTask', tags: ['cases'],
      summary: 'Add a task to the case.',
      params: caseParams,
      body: z.object({ title: text(300), assignee: email.nullable().default(null) }),
      response: { status: 201, schema: taskSchema, description: 'The task.' },
      errors: [400, 404],
      handle: async ({ claims, params, body }) => {
        const task = caseResult(await service.createTask(await caller(claims), params.caseId, body));
        return { status: 201, body: taskView(task), headers: { etag: etag(task.version) } };
      },
    }),
    defineRoute({
      method: 'PATCH', path: '/api/cases/{caseId}/tasks/{taskId}', operationId: 'updateCaseTask', tags: ['cases'],
      summary: 'Rename, assign, complete or reopen a task (If-Match / expectedVersion).',
      params: z.object({ caseId: id, taskId: id }),
      body: z.object({ title: text(300).optional(), done: z.boolean().optional(), assignee: email.nullable().optional(), expectedVersion }),
      response: { status: 200, schema: taskSchema, description: 'The task.' },
      errors: [400, 404, 409],
      handle: async ({ claims, params, body, event }) => {
        const { expectedVersion: _v, ...changes } = body;
        const task = caseResult(await service.updateTask(await caller(claims), params.caseId, params.taskId, changes, expectedVersionOf(event, body.expectedVersion)));
        return { status: 200, body: taskView(task), headers: { etag: etag(task.version) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/cases/{caseId}/documents', operationId: 'listCaseDocuments', tags: ['cases'],
      summary: 'Documents of the case (messages as .eml, attachments, forwarded originals), oldest first.',
      params: caseParams,
      response: { status: 200, schema: z.object({ items: z.array(documentSchema) }), description: 'Documents.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const c = await loadCase(await caller(claims), params.caseId);
        return { status: 200, body: { items: (await cases.documents(c.caseId)).map(documentView) } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/cases/{caseId}/documents/import', operationId: 'importMessageIntoCase', tags: ['cases'],
      summary: 'Import a message the caller can see: it becomes a communication of the case, and its .eml and attachments documents (pointing at the stored mail).',
      params: caseParams,
      body: z.object({ messageKey: id }),
      response: { status: 200, schema: z.object({ communication: communicationSchema, documents: z.array(documentSchema) }), description: 'What the case now holds from that message.' },
      errors: [400, 404],
      handle: async ({ claims, params, body }) => {
        const value = caseResult(await service.importMessage(await caller(claims), params.caseId, body.messageKey));
        return { status: 200, body: { communication: communicationView(value.communication), documents: value.documents.map(documentView) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/cases/{caseId}/documents/{documentId}/download', operationId: 'downloadCaseDocument', tags: ['cases'],
      summary: 'Download a document: redirect to a short-lived link, or `{ url, expiresAt }` for `Accept: application/json`.',
      params: z.object({ caseId: id, documentId: id }),
      response: { status: 302, schema: null, description: 'Redirect to the document.' },
      errors: [404],
      handle: async ({ claims, params, event }) => {
        const c = await loadCase(await caller(claims), params.caseId);
        const document = await cases.getDocument(c.caseId, params.documentId);
        if (!document) throw problems.notFound('This document');
        return download(event, await link(document.storageKey, document.filename, document.contentType));
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/cases/{caseId}/export', operationId: 'exportCase', tags: ['cases'],
      summary: 'The case with every communication and document and a short-lived download link for each (5 minutes).',
      params: caseParams,
      response: {
        status: 200,
        schema: z.object({
          case: caseSchema,
          communications: z.array(communicationSchema.extend({ download: linkSchema })),
          documents: z.array(documentSchema.extend({ download: linkSchema })),
        }),
        description: 'The export.',
      },
      errors: [404],
      handle: async ({ claims, params }) => {
        const user = await caller(claims);
        const c = await loadCase(user, params.caseId);
        const [communications, documents] = await Promise.all([cases.communications(c.caseId), cases.documents(c.caseId)]);
        const expiresAt = new Date(Date.now() + LINK_SECONDS * 1000).toISOString();
        return {
          status: 200,
          body: {
            case: caseView(c, await caseAddress(user, c)),
            communications: await Promise.all(communications.map(async (comm) => ({
              ...communicationView(comm),
              download: { url: await link(comm.rawKey, `${(comm.original?.subject || comm.subject || 'message').replace(/[\\/:*?"<>|\r\n\t]+/g, ' ').trim().slice(0, 80) || 'message'}.eml`, 'message/rfc822'), expiresAt },
            }))),
            documents: await Promise.all(documents.map(async (d) => ({ ...documentView(d), download: { url: await link(d.storageKey, d.filename, d.contentType), expiresAt } }))),
          },
        };
      },
    }),
  ];
}
