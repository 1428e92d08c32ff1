/**
 * Templates and signatures of a mailbox (API function).
 *
 * - Templates: admins of the mailbox (organisation admins included) create, edit, publish and
 *   delete; members list and read the published ones and apply them (`.../render`), which fills
 *   the subject and body for a conversation or a recipient and lists the merge fields that have
 *   no value there. Applying never changes the template.
 * - Signatures: admins manage the mailbox's (at most three); every member reads them and sets
 *   their own default.
 * Non-members get 404 for anything of the mailbox; members get 403 for admin-only changes.
 * Nothing here converts or sanitises HTML: that (sanitize-html) stays in the compose function,
 * which does it when the message is sent.
 */
import * as z from 'zod';
import { buildEvent } from '../events/contracts.js';
import type { MailAddress } from '../mail/types.js';
import { loadMergeConversation, mergeValuesFor, type MergeContextSource } from '../compose/merge-context.js';
import { repositoryMergeSource } from '../compose/merge-context-repositories.js';
import { MERGE_FIELDS } from '../compose/merge-fields.js';
import { SignatureRuleError, SignatureStore, type Signature } from '../compose/signatures.js';
import { applyTemplate, newTemplateId, TemplateRuleError, TemplateStore, type Template } from '../compose/templates.js';
import type { UserWithRoles } from '../org/directory.js';
import { systemClock } from '../ports/index.js';
import { loadCaller, requireMember } from './access.js';
import { problems, ProblemError } from './problem.js';
import { defineRoute, type AnyRoute } from './router.js';
import { composeFieldSchemas } from './routes-outbox-spec.js';
import { etag, expectedVersionOf } from './routes-workflow.js';
import type { ApiDeps } from './routes.js';
import { id } from './schemas.js';

/** What template and signature routes need beyond the API's common dependencies (merge values default to the contacts and cases repositories). */
export type TemplateRouteDeps = ApiDeps & { mergeSource?: MergeContextSource };

const noControl = /^[^\p{Cc}]*$/u;
const folder = z.string().max(200).regex(/^[^\p{Cc}]*$/u, 'no control characters').transform((v) => v.split('/').map((p) => p.trim()).filter(Boolean).join('/'));

const templateFields = {
  folder: folder.default(''),
  state: z.enum(['draft', 'published']).default('draft'),
  name: z.string().trim().min(1).max(120).regex(noControl, 'no control characters').describe('Internal name.'),
  title: z.string().trim().min(1).max(200).regex(noControl, 'no control characters'),
  type: z.enum(['email', 'sms']).default('email'),
  senderName: z.string().trim().max(120).regex(noControl, 'no control characters').nullable().default(null),
  subject: z.string().max(998).regex(noControl, 'no control characters').default(''),
  body: z.string().max(256 * 1024).describe('HTML for email, plain text for SMS; merge fields as {{contact.fullname}}.'),
};

const templateSchema = z.object({
  templateId: z.string(), mailboxId: z.string(), folder: z.string(), state: z.enum(['draft', 'published']),
  name: z.string(), title: z.string(), type: z.enum(['email', 'sms']), senderName: z.string().nullable(),
  subject: z.string(), body: z.string(), version: z.number().int(), createdBy: z.string(), createdAt: z.string(),
  updatedBy: z.string(), updatedAt: z.string(), publishedAt: z.string().nullable(),
});

const signatureSchema = z.object({
  signatureId: z.string(), mailboxId: z.string(), name: z.string(), html: z.string(), version: z.number().int(),
  createdBy: z.string(), createdAt: z.string(), updatedAt: z.string(),
});

function templateView(t: Template): z.infer<typeof templateSchema> {
  const { orgId: _org, ...view } = t;
  return view;
}

function signatureView(s: Signature): z.infer<typeof signatureSchema> {
  const { orgId: _org, ...view } = s;
  return view;
}

function isAdmin(caller: UserWithRoles, mailboxId: string): boolean {
  return requireMember(caller, mailboxId) === 'admin' || caller.orgAdmin;
}

function requireAdmin(caller: UserWithRoles, mailboxId: string, what: string): void {
  if (!isAdmin(caller, mailboxId)) throw problems.forbidden(`Only admins of the mailbox may ${what}.`);
}

function ruleProblem(error: unknown): unknown {
  if (error instanceof TemplateRuleError) {
    switch (error.code) {
      case 'invalid': return problems.badRequest(error.message, [{ field: error.field ?? 'body', message: error.message }]);
      case 'not-found': return problems.notFound('This template');
      case 'conflict': return problems.conflict(error.message, error.current ? templateView(error.current) : undefined);
    }
  }
  if (error instanceof SignatureRuleError) {
    switch (error.code) {
      case 'invalid': return problems.badRequest(error.message, [{ field: error.field ?? 'body', message: error.message }]);
      case 'not-found': return error.field ? problems.badRequest(error.message, [{ field: error.field, message: error.message }]) : problems.notFound('This signature');
      case 'limit': return new ProblemError(409, 'Conflict', error.message, { limit: 3 });
      case 'conflict': return problems.conflict(error.message);
    }
  }
  return error;
}

async function rules<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw ruleProblem(error);
  }
}

const mailboxParams = z.object({ mailboxId: id });
const templateParams = z.object({ mailboxId: id, templateId: id });
const signatureParams = z.object({ mailboxId: id, signatureId: id });

export function createTemplateRoutes(deps: TemplateRouteDeps): AnyRoute[] {
  const templates = new TemplateStore(deps.table);
  const signatures = new SignatureStore(deps.table);
  const clock = deps.clock ?? systemClock;
  let mergeSource = deps.mergeSource;

  /** A template the caller may see: admins every one, members the published ones. */
  const visibleTemplate = async (caller: UserWithRoles, mailboxId: string, templateId: string): Promise<Template> => {
    const admin = isAdmin(caller, mailboxId);
    const template = await templates.get(mailboxId, templateId);
    if (!template || (!admin && template.state !== 'published')) throw problems.notFound('This template');
    return template;
  };

  return [
    defineRoute({
      method: 'GET', path: '/api/mailboxes/{mailboxId}/templates', operationId: 'listTemplates', tags: ['templates'],
      summary: "The mailbox's templates by folder and title: every one for admins, the published ones for members.",
      params: mailboxParams,
      query: z.object({ folder: folder.optional(), type: z.enum(['email', 'sms']).optional(), state: z.enum(['draft', 'published']).optional() }),
      response: { status: 200, schema: z.object({ items: z.array(templateSchema), mergeFields: z.array(z.object({ field: z.string(), description: z.string() })) }), description: 'Templates, and the merge fields they may use.' },
      errors: [404],
      handle: async ({ claims, params, query }) => {
        const caller = await loadCaller(claims, deps.directory);
        const admin = isAdmin(caller, params.mailboxId);
        const items = (await templates.list(params.mailboxId))
          .filter((t) => (admin || t.state === 'published') && (query.state === undefined || t.state === query.state)
            && (query.type === undefined || t.type === query.type)
            && (query.folder === undefined || t.folder === query.folder || t.folder.startsWith(`${query.folder}/`)))
          .sort((a, b) => a.folder.localeCompare(b.folder, 'fr') || a.title.localeCompare(b.title, 'fr'));
        return { status: 200, body: { items: items.map(templateView), mergeFields: Object.entries(MERGE_FIELDS).map(([field, description]) => ({ field, description })) } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/mailboxes/{mailboxId}/templates', operationId: 'createTemplate', tags: ['templates'],
      summary: 'Create a template (admins of the mailbox). An unknown merge field is a 400 naming the part it is in.',
      params: mailboxParams,
      body: z.strictObject(templateFields),
      response: { status: 201, schema: z.object({ template: templateSchema }), description: 'The template, version 1.' },
      errors: [400, 403, 404],
      handle: async ({ claims, params, body }) => {
        const caller = await loadCaller(claims, deps.directory);
        requireAdmin(caller, params.mailboxId, 'create templates');
        const at = clock.now().toISOString();
        const template = await rules(templates.create({
          ...body, templateId: newTemplateId(), mailboxId: params.mailboxId, orgId: caller.orgId, version: 1,
          createdBy: caller.email, createdAt: at, updatedBy: caller.email, updatedAt: at, publishedAt: body.state === 'published' ? at : null,
        }));
        if (template.state === 'published') await deps.events.publish([templatePublishedEvent(template, caller.email, clock.now())]);
        return { status: 201, body: { template: templateView(template) }, headers: { etag: etag(template.version) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/mailboxes/{mailboxId}/templates/{templateId}', operationId: 'getTemplate', tags: ['templates'],
      summary: 'One template (members: published ones only).',
      params: templateParams,
      response: { status: 200, schema: z.object({ template: templateSchema }), description: 'The template.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const caller = await loadCaller(claims, deps.directory);
        const template = await visibleTemplate(caller, params.mailboxId, params.templateId);
        return { status: 200, body: { template: templateView(template) }, headers: { etag: etag(template.version) } };
      },
    }),
    defineRoute({
      method: 'PATCH', path: '/api/mailboxes/{mailboxId}/templates/{templateId}', operationId: 'updateTemplate', tags: ['templates'],
      summary: 'Change a template, publish it (`state: "published"`) or take it back to draft (admins). With If-Match or expectedVersion, a stale change is a 409 with the current template.',
      params: templateParams,
      body: z.strictObject({
        folder: folder.optional(), state: templateFields.state.unwrap().optional(), name: templateFields.name.optional(), title: templateFields.title.optional(),
        type: templateFields.type.unwrap().optional(), senderName: templateFields.senderName.unwrap().optional(),
        subject: templateFields.subject.unwrap().optional(), body: templateFields.body.optional(),
        expectedVersion: z.number().int().min(0).optional(),
      }),
      response: { status: 200, schema: z.object({ template: templateSchema }), description: 'The template after the change.' },
      errors: [400, 403, 404, 409],
      handle: async ({ claims, params, body, event }) => {
        const caller = await loadCaller(claims, deps.directory);
        requireAdmin(caller, params.mailboxId, 'change templates');
        const { expectedVersion, ...change } = body;
        const expected = expectedVersionOf(event, expectedVersion);
        const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
        const { template, published } = await rules(templates.update(params.mailboxId, params.templateId, defined, caller.email, clock.now().toISOString(), expected));
        if (published) await deps.events.publish([templatePublishedEvent(template, caller.email, clock.now())]);
        return { status: 200, body: { template: templateView(template) }, headers: { etag: etag(template.version) } };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/mailboxes/{mailboxId}/templates/{templateId}', operationId: 'deleteTemplate', tags: ['templates'],
      summary: 'Delete a template (admins). Messages already written from it keep their text.',
      params: templateParams,
      response: { status: 204, schema: null, description: 'Deleted.' },
      errors: [403, 404],
      handle: async ({ claims, params }) => {
        const caller = await loadCaller(claims, deps.directory);
        requireAdmin(caller, params.mailboxId, 'delete templates');
        if (!(await templates.get(params.mailboxId, params.templateId))) throw problems.notFound('This template');
        await templates.delete(params.mailboxId, params.templateId);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/mailboxes/{mailboxId}/templates/{templateId}/render', operationId: 'renderTemplate', tags: ['templates'],
      summary: 'Apply a template: its subject and body filled for a conversation of the mailbox (`conversationId`) or a recipient. Merge fields without a value render as nothing and are listed in `missing`: show them before sending (a message that still contains them is refused).',
      params: templateParams,
      body: z.strictObject({
        conversationId: id.optional().describe('A conversation of this mailbox: its contact, organisation, case and subject.'),
        recipient: composeFieldSchemas.to.unwrap().element.optional().describe('For a new message: the person written to.'),
      }).optional(),
      response: {
        status: 200,
        schema: z.object({
          subject: z.string(), body: z.string().describe('HTML for email (the plain-text alternative is generated when the message is sent), text for SMS.'),
          senderName: z.string().nullable(), type: z.enum(['email', 'sms']),
          missing: z.array(z.object({ field: z.string(), token: z.string(), in: z.array(z.enum(['subject', 'body'])) })),
        }),
        description: 'The filled template.',
      },
      errors: [400, 404],
      handle: async ({ claims, params, body }) => {
        const caller = await loadCaller(claims, deps.directory);
        const template = await visibleTemplate(caller, params.mailboxId, params.templateId);
        let conversation = null;
        if (body?.conversationId) {
          conversation = await loadMergeConversation(deps.table, body.conversationId);
          const role = conversation ? requireMember(caller, conversation.mailboxId, 'This conversation') : null;
          if (!conversation || conversation.mailboxId !== params.mailboxId || (role === 'agent' && conversation.assignee !== caller.email)) {
            throw problems.notFound('This conversation');
          }
        }
        const [mailbox] = await deps.directory.getMailboxes([params.mailboxId]);
        if (!mailbox) throw problems.notFound('This mailbox');
        mergeSource ??= repositoryMergeSource(deps.table);
        const values = await mergeValuesFor({ user: caller, mailbox, conversation, recipient: (body?.recipient ?? null) as MailAddress | null }, mergeSource);
        const applied = applyTemplate(template, values);
        return {
          status: 200,
          body: {
            subject: applied.subject, body: applied.body,
            senderName: applied.senderName, type: template.type,
            missing: applied.missing.map((m) => ({ field: m.field, token: `{{${m.field}}}`, in: m.in })),
          },
        };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/mailboxes/{mailboxId}/signatures', operationId: 'listSignatures', tags: ['signatures'],
      summary: "The mailbox's signatures (at most three) and the caller's default one.",
      params: mailboxParams,
      response: { status: 200, schema: z.object({ items: z.array(signatureSchema), defaultSignatureId: z.string().nullable() }), description: 'Signatures.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const caller = await loadCaller(claims, deps.directory);
        requireMember(caller, params.mailboxId);
        const [items, defaultId] = await Promise.all([signatures.list(params.mailboxId), signatures.getDefaultId(params.mailboxId, caller.email)]);
        return { status: 200, body: { items: items.map(signatureView), defaultSignatureId: items.some((s) => s.signatureId === defaultId) ? defaultId : null } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/mailboxes/{mailboxId}/signatures', operationId: 'createSignature', tags: ['signatures'],
      summary: 'Add a signature (admins): HTML with merge fields such as {{user.name}}, images by URL. A mailbox has at most three: a fourth is a 409.',
      params: mailboxParams,
      body: z.strictObject({ name: z.string().trim().min(1).max(80).regex(noControl, 'no control characters'), html: z.string().min(1).max(16 * 1024) }),
      response: { status: 201, schema: z.object({ signature: signatureSchema }), description: 'The signature.' },
      errors: [400, 403, 404, 409],
      handle: async ({ claims, params, body }) => {
        const caller = await loadCaller(claims, deps.directory);
        requireAdmin(caller, params.mailboxId, 'manage signatures');
        const signature = await rules(signatures.create({ mailboxId: params.mailboxId, orgId: caller.orgId, name: body.name, html: body.html, by: caller.email, at: clock.now().toISOString() }));
        return { status: 201, body: { signature: signatureView(signature) } };
      },
    }),
    defineRoute({
      method: 'PATCH', path: '/api/mailboxes/{mailboxId}/signatures/{signatureId}', operationId: 'updateSignature', tags: ['signatures'],
      summary: 'Change a signature (admins); 409 when it changed since `expectedVersion`.',
      params: signatureParams,
      body: z.strictObject({
        name: z.string().trim().min(1).max(80).regex(noControl, 'no control characters').optional(), html: z.string().min(1).max(16 * 1024).optional(),
        expectedVersion: z.number().int().min(0).optional(),
      }),
      response: { status: 200, schema: z.object({ signature: signatureSchema }), description: 'The signature.' },
      errors: [400, 403, 404, 409],
      handle: async ({ claims, params, body }) => {
        const caller = await loadCaller(claims, deps.directory);
        requireAdmin(caller, params.mailboxId, 'manage signatures');
        const change = { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.html !== undefined ? { html: body.html } : {}) };
        const signature = await rules(signatures.update(params.mailboxId, params.signatureId, change, clock.now().toISOString(), body.expectedVersion));
        return { status: 200, body: { signature: signatureView(signature) } };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/mailboxes/{mailboxId}/signatures/{signatureId}', operationId: 'deleteSignature', tags: ['signatures'],
      summary: 'Delete a signature (admins); members who had it as default then get none.',
      params: signatureParams,
      response: { status: 204, schema: null, description: 'Deleted.' },
      errors: [403, 404],
      handle: async ({ claims, params }) => {
        const caller = await loadCaller(claims, deps.directory);
        requireAdmin(caller, params.mailboxId, 'manage signatures');
        if (!(await signatures.delete(params.mailboxId, params.signatureId))) throw problems.notFound('This signature');
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'PUT', path: '/api/mailboxes/{mailboxId}/signature-default', operationId: 'setDefaultSignature', tags: ['signatures'],
      summary: "Choose the caller's default signature in the mailbox (null: none). Inserted in new messages and replies unless the message says otherwise.",
      params: mailboxParams,
      body: z.strictObject({ signatureId: id.nullable() }),
      response: { status: 200, schema: z.object({ defaultSignatureId: z.string().nullable() }), description: 'The default now.' },
      errors: [400, 404],
      handle: async ({ claims, params, body }) => {
        const caller = await loadCaller(claims, deps.directory);
        requireMember(caller, params.mailboxId);
        await rules(signatures.setDefault(params.mailboxId, caller.email, body.signatureId));
        return { status: 200, body: { defaultSignatureId: body.signatureId } };
      },
    }),
  ];
}

/** `Template Published`: once per published version (the id says which). */
export function templatePublishedEvent(t: Template, by: string, now: Date) {
  return buildEvent('templatePublished', `template-published:${t.templateId}:v${t.version}`, {
    templateId: t.templateId, mailboxId: t.mailboxId, orgId: t.orgId, name: t.name, title: t.title, type: t.type,
    folder: t.folder, version: t.version, publishedBy: by, publishedAt: t.publishedAt ?? now.toISOString(),
  }, now);
}
