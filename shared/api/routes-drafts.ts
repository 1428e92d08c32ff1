/**
 * Draft routes (API function): save, edit, list mine, read, discard. Sending a draft is the
 * compose function's (`POST /api/drafts/{draftId}/send`, shared/compose/compose-routes.ts): it is
 * never a side effect of a save.
 *
 * A draft belongs to its author alone: another member's draft id answers 404. Creating one checks
 * the caller could send it (a new message: admins and dispatchers of the mailbox; a reply or a
 * forward: whoever may reply in the conversation); the send checks again.
 */
import * as z from 'zod';
import { DraftStore, draftAccess, newDraftId, type Draft, type DraftContent } from '../compose/drafts.js';
import { loadMergeConversation } from '../compose/merge-context.js';
import { caseDocumentRefSchema, uploadRefSchema } from '../compose/schemas.js';
import { loadCaller } from './access.js';
import { problems } from './problem.js';
import { defineRoute, type AnyRoute } from './router.js';
import { composeFieldSchemas as f } from './routes-outbox-spec.js';
import { etag, expectedVersionOf } from './routes-workflow.js';
import type { ApiDeps } from './routes.js';
import { addressSchema, id } from './schemas.js';
import { systemClock } from '../ports/index.js';

const contentFields = {
  to: f.to, cc: f.cc, bcc: f.bcc, subject: f.subject, html: f.html, text: f.text,
  importance: f.importance, requestReadReceipt: f.requestReadReceipt,
  requestDeliveryReceipt: z.boolean().default(false),
  signatureId: f.signatureId,
  attachments: z.array(uploadRefSchema).max(20).default([]),
  caseDocuments: z.array(caseDocumentRefSchema).max(20).default([]),
  senderName: z.string().trim().max(120).regex(/^[^\p{Cc}]*$/u, 'no control characters').nullable().default(null),
  templateId: id.nullable().default(null).describe('The template the draft started from, if any.'),
};

export const draftSchema = z.object({
  draftId: z.string(), mailboxId: z.string(), kind: z.enum(['new', 'reply', 'reply-all', 'forward']),
  conversationId: z.string().nullable(), messageKey: z.string().nullable(),
  to: z.array(addressSchema), cc: z.array(addressSchema), bcc: z.array(addressSchema),
  subject: z.string().nullable().describe('Null: the default (the reply subject for a reply).'),
  html: z.string().nullable(), text: z.string().nullable(),
  importance: z.enum(['high', 'normal', 'low']), requestReadReceipt: z.boolean(), requestDeliveryReceipt: z.boolean(),
  signatureId: z.string().nullable().describe("Null: none. Absent: the author's default signature."),
  useDefaultSignature: z.boolean(),
  attachments: z.array(z.object({ uploadKey: z.string(), inline: z.boolean().optional(), contentId: z.string().optional() })),
  caseDocuments: z.array(z.object({ caseId: z.string(), documentId: z.string() })),
  senderName: z.string().nullable(),
  templateId: z.string().nullable(),
  status: z.enum(['draft', 'sending', 'sent', 'discarded']),
  sentMessageKey: z.string().nullable(),
  version: z.number().int().describe('Send it back as If-Match (or expectedVersion) when saving.'),
  createdAt: z.string(), updatedAt: z.string(),
});

function draftView(d: Draft): z.infer<typeof draftSchema> {
  return {
    draftId: d.draftId, mailboxId: d.mailboxId, kind: d.kind, conversationId: d.conversationId, messageKey: d.messageKey,
    to: d.to, cc: d.cc, bcc: d.bcc, subject: d.subject ?? null, html: d.html ?? null, text: d.text ?? null,
    importance: d.importance, requestReadReceipt: d.requestReadReceipt, requestDeliveryReceipt: d.requestDeliveryReceipt,
    signatureId: d.signatureId ?? null, useDefaultSignature: d.signatureId === undefined,
    attachments: d.attachments, caseDocuments: d.caseDocuments, senderName: d.senderName, templateId: d.templateId, status: d.status, sentMessageKey: d.sentMessageKey,
    version: d.version, createdAt: d.createdAt, updatedAt: d.updatedAt,
  };
}

const contentObject = z.object(contentFields);
type ContentBody = z.output<typeof contentObject>;

function contentOf(body: ContentBody): DraftContent {
  return {
    to: body.to ?? [], cc: body.cc ?? [], bcc: body.bcc ?? [],
    ...(body.subject !== undefined ? { subject: body.subject } : {}),
    ...(body.html !== undefined ? { html: body.html } : {}),
    ...(body.text !== undefined ? { text: body.text } : {}),
    importance: body.importance, requestReadReceipt: body.requestReadReceipt, requestDeliveryReceipt: body.requestDeliveryReceipt,
    ...(body.signatureId !== undefined ? { signatureId: body.signatureId } : {}),
    attachments: body.attachments.map((a) => ({ uploadKey: a.uploadKey, ...(a.inline !== undefined ? { inline: a.inline } : {}), ...(a.contentId ? { contentId: a.contentId } : {}) })),
    caseDocuments: body.caseDocuments, senderName: body.senderName, templateId: body.templateId,
  };
}

const draftParams = z.object({ draftId: id });

export function createDraftRoutes(deps: ApiDeps): AnyRoute[] {
  const drafts = new DraftStore(deps.table);
  const clock = deps.clock ?? systemClock;
  return [
    defineRoute({
      method: 'POST', path: '/api/drafts', operationId: 'createDraft', tags: ['drafts'],
      summary: 'Save a new draft: a new message from a mailbox (`mailboxId`), or a reply, reply-all or forward in a conversation (`conversationId`, kept with the draft). Nothing is sent.',
      body: z.strictObject({
        kind: z.enum(['new', 'reply', 'reply-all', 'forward']).default('new'),
        mailboxId: id.optional().describe('For a new message.'),
        conversationId: id.optional().describe('For a reply, reply-all or forward.'),
        messageKey: id.optional().describe('The message answered; default: the latest received one.'),
        ...contentFields,
      }).superRefine((body, ctx) => {
        if (body.kind === 'new' && !body.mailboxId) ctx.addIssue({ code: 'custom', path: ['mailboxId'], message: 'a new message needs the mailbox it is sent from' });
        if (body.kind !== 'new' && !body.conversationId) ctx.addIssue({ code: 'custom', path: ['conversationId'], message: `a ${body.kind} needs its conversation` });
      }),
      response: { status: 201, schema: z.object({ draft: draftSchema }), description: 'The draft, version 1.' },
      errors: [400, 403, 404],
      handle: async ({ claims, body }) => {
        const caller = await loadCaller(claims, deps.directory);
        const conversation = body.kind !== 'new' ? await loadMergeConversation(deps.table, body.conversationId!) : null;
        if (body.kind !== 'new' && !conversation) throw problems.notFound('This conversation');
        const mailboxId = conversation?.mailboxId ?? body.mailboxId!;
        const access = draftAccess(caller, mailboxId, conversation);
        if (access === 'not-found') throw problems.notFound(conversation ? 'This conversation' : 'This mailbox');
        if (access === 'forbidden') throw problems.forbidden('Only admins and dispatchers of the mailbox may start a conversation; agents reply in conversations assigned to them.');
        const at = clock.now().toISOString();
        const draft = await drafts.create({
          ...contentOf(body), draftId: newDraftId(), owner: caller.email, orgId: caller.orgId, mailboxId, kind: body.kind,
          conversationId: conversation?.conversationId ?? null, messageKey: body.messageKey ?? null,
          status: 'draft', sentMessageKey: null, version: 1, createdAt: at, updatedAt: at,
        });
        return { status: 201, body: { draft: draftView(draft) }, headers: { etag: etag(draft.version) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/drafts', operationId: 'listDrafts', tags: ['drafts'],
      summary: "The caller's drafts still being written, most recently saved first; `mailboxId` narrows to one mailbox.",
      query: z.object({ mailboxId: id.optional() }),
      response: { status: 200, schema: z.object({ items: z.array(draftSchema) }), description: 'Drafts.' },
      handle: async ({ claims, query }) => {
        const caller = await loadCaller(claims, deps.directory);
        const items = await drafts.listMine(caller.email, query.mailboxId);
        return { status: 200, body: { items: items.filter((d) => Object.hasOwn(caller.roles, d.mailboxId)).map(draftView) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/drafts/{draftId}', operationId: 'getDraft', tags: ['drafts'],
      summary: 'One of the caller\'s drafts (also once sent: `status` and `sentMessageKey` say so).',
      params: draftParams,
      response: { status: 200, schema: z.object({ draft: draftSchema }), description: 'The draft.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const caller = await loadCaller(claims, deps.directory);
        const draft = await drafts.get(caller.email, params.draftId);
        if (!draft || draft.status === 'discarded') throw problems.notFound('This draft');
        return { status: 200, body: { draft: draftView(draft) }, headers: { etag: etag(draft.version) } };
      },
    }),
    defineRoute({
      method: 'PUT', path: '/api/drafts/{draftId}', operationId: 'saveDraft', tags: ['drafts'],
      summary: 'Save a draft\'s content, conditional on the version loaded (If-Match or expectedVersion): 409 with the current draft when another save came first, or once it is sent.',
      params: draftParams,
      body: z.strictObject({ expectedVersion: z.number().int().min(0).optional(), ...contentFields }),
      response: { status: 200, schema: z.object({ draft: draftSchema }), description: 'The saved draft.' },
      errors: [400, 404, 409],
      handle: async ({ claims, params, body, event }) => {
        const caller = await loadCaller(claims, deps.directory);
        const expected = expectedVersionOf(event, body.expectedVersion);
        if (expected === undefined) throw problems.badRequest('Say which version you edited (If-Match or expectedVersion).', [{ field: 'body.expectedVersion', message: 'required' }]);
        const outcome = await drafts.save(caller.email, params.draftId, contentOf(body), expected, clock.now().toISOString());
        if (!outcome.ok) {
          if (!outcome.current || outcome.current.status === 'discarded') throw problems.notFound('This draft');
          const why = outcome.current.status === 'draft' ? `The draft was saved elsewhere: it is at version ${outcome.current.version}.` : `The draft is ${outcome.current.status}; it can no longer change.`;
          throw problems.conflict(why, draftView(outcome.current));
        }
        return { status: 200, body: { draft: draftView(outcome.draft) }, headers: { etag: etag(outcome.draft.version) } };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/drafts/{draftId}', operationId: 'discardDraft', tags: ['drafts'],
      summary: 'Discard a draft. 409 once it is being sent or sent.',
      params: draftParams,
      response: { status: 204, schema: null, description: 'Discarded.' },
      errors: [404, 409],
      handle: async ({ claims, params }) => {
        const caller = await loadCaller(claims, deps.directory);
        const outcome = await drafts.discard(caller.email, params.draftId, clock.now());
        if (outcome.ok) return { status: 204 };
        if (!outcome.current || outcome.current.status === 'discarded') throw problems.notFound('This draft');
        throw problems.conflict(`The draft is ${outcome.current.status}; it can no longer be discarded.`, draftView(outcome.current));
      },
    }),
  ];
}
