/**
 * Workflow routes beyond the daily ones (routes-workflow.ts registers them): move to another
 * mailbox, trash / restore / permanent deletion, qualifications (the organisation's business
 * categories) and qualifying a conversation, presence (who is viewing or replying), and the
 * caller's in-app notifications. Same rules as every workflow route: a conversation the caller may
 * not see answers 404; changes take `If-Match` / `expectedVersion` and lose a race with a 409
 * carrying the current state.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import { systemClock } from '../ports/index.js';
import type { WorkflowConversation } from '../workflow/conversation-repository.js';
import { actorFor, type ConversationWorkflow } from '../workflow/conversation-workflow.js';
import { ConversationDeletion } from '../workflow/deletion.js';
import { NotificationStore, type Notification } from '../workflow/notifications.js';
import { PRESENCE_ACTIVITIES, PRESENCE_HEARTBEAT_SECONDS, PresenceStore, type Presence, type PresenceActivity } from '../workflow/presence.js';
import { MAX_QUALIFICATION_NAME, QualificationService, type Qualification, type QualificationOutcome } from '../workflow/qualifications.js';
import type { Action, Refusal } from '../workflow/rules.js';
import { loadCaller, requireOrgAdmin } from './access.js';
import { cursorParam, encodeCursor } from './cursor.js';
import { problems, ProblemError } from './problem.js';
import { defineRoute, type AnyRoute, type ApiResult, type Claims } from './router.js';
import type { ApiDeps } from './routes-core.js';
import { conversationChangeSchema as changeResponse, conversationParams, expectedVersionField as expectedVersion, historyEntrySchema, id } from './schemas.js';

/**
 * Workflow attributes every conversation view carries besides the summary's. `snoozedUntil` and
 * `followUpAt` are not projected into the list indexes, so list rows carry null: only a read of the
 * conversation item itself (its view, a change, search results) knows them.
 */
export function workflowSummaryFields(c: WorkflowConversation) {
  return {
    trashed: c.trashed, qualification: c.qualification, overdue: c.overdue, dueAt: c.dueAt,
    snoozedUntil: c.snoozedUntil, followUpAt: c.followUpAt,
  };
}

/** History entries, including those of this module's changes and of the outbox. */
export const workflowHistorySchema = z.object({
  items: z.array(z.union([
    historyEntrySchema,
    z.object({ id: z.string(), at: z.string(), kind: z.literal('moved'), actor: z.string(), version: z.number().int(), from: z.string(), to: z.string(), previousAssignee: z.string().nullable() }),
    z.object({ id: z.string(), at: z.string(), kind: z.enum(['trashed', 'restored']), actor: z.string(), version: z.number().int() }),
    z.object({ id: z.string(), at: z.string(), kind: z.literal('qualified'), actor: z.string(), version: z.number().int(), qualification: z.string().nullable(), previousQualification: z.string().nullable() }),
    z.object({ id: z.string(), at: z.string(), kind: z.literal('overdue'), actor: z.string().describe('`system`.'), version: z.number().int(), dueAt: z.string() }),
    z.object({ id: z.string(), at: z.string(), kind: z.enum(['replied', 'forwarded']), actor: z.string(), version: z.null(), messageKey: z.string() }),
    z.object({ id: z.string(), at: z.string(), kind: z.literal('overdue_cleared'), actor: z.string(), version: z.null(), dueAt: z.string(), overdue: z.boolean(), reason: z.enum(['replied']) }),
  ])),
  nextCursor: z.string().nullable(),
});


const qualificationSchema = z.object({
  qualificationId: z.string(), name: z.string(), description: z.string().nullable(),
  createdAt: z.string(), updatedAt: z.string(), version: z.number().int(),
});
const qualificationName = z.string().trim().min(1).max(MAX_QUALIFICATION_NAME).regex(/^[^\p{Cc}]+$/u, 'no control characters');
const qualificationDescription = z.string().trim().max(500).nullable().optional();

function qualificationView(q: Qualification): z.infer<typeof qualificationSchema> {
  return { qualificationId: q.qualificationId, name: q.name, description: q.description, createdAt: q.createdAt, updatedAt: q.updatedAt, version: q.version };
}

function qualificationResult(outcome: QualificationOutcome, status = 200): ApiResult {
  switch (outcome.kind) {
    case 'not-found': throw problems.notFound('This qualification');
    case 'duplicate': throw problems.conflict(`A qualification named "${outcome.existing.name}" already exists.`, qualificationView(outcome.existing));
    case 'conflict': throw problems.conflict(`The qualification changed; it is now at version ${outcome.current.version}.`, qualificationView(outcome.current));
    case 'ok': return { status, body: { qualification: qualificationView(outcome.qualification) } };
  }
}

const presenceSchema = z.object({ email: z.string(), activity: z.enum(['viewing', 'replying']), at: z.string() });
const presenceResponse = z.object({
  others: z.array(presenceSchema).describe('Other members on the conversation now, replying first.'),
  heartbeatSeconds: z.number().int().describe('Send the next heartbeat within this many seconds to stay present.'),
});

export const notificationSchema = z.object({
  notificationId: z.string(), kind: z.enum(['mention', 'assigned', 'delivered']).describe('delivered: a delivery receipt for a message you sent with requestDeliveryReceipt.'), conversationId: z.string(), mailboxId: z.string(),
  subject: z.string(), by: z.string().describe('Who mentioned or assigned.'), message: z.string().nullable(), noteId: z.string().nullable(),
  at: z.string(), readAt: z.string().nullable(),
});

function notificationView(n: Notification): z.infer<typeof notificationSchema> {
  return { ...n };
}

export interface WorkflowRouteHelpers {
  change(
    ctx: { claims: Claims | null; params: { conversationId: string }; body: { expectedVersion?: number | undefined }; event: APIGatewayProxyEventV2WithJWTAuthorizer },
    action: Action,
  ): Promise<ApiResult>;
  refusalProblem(refusal: Refusal, current: WorkflowConversation | null, viewer: string): ProblemError;
  conversationSummary(c: WorkflowConversation, viewer: string): unknown;
  expectedVersionOf(event: APIGatewayProxyEventV2WithJWTAuthorizer, fromBody: number | undefined): number | undefined;
}

export function createWorkflowExtraRoutes(deps: ApiDeps, workflow: ConversationWorkflow, helpers: WorkflowRouteHelpers): AnyRoute[] {
  const clock = deps.clock ?? systemClock;
  const caller = (claims: Claims | null) => loadCaller(claims, deps.directory);
  const deletion = new ConversationDeletion({ table: deps.table, events: deps.events, clock });
  const qualifications = new QualificationService({ table: deps.table, events: deps.events, clock });
  const presence = new PresenceStore(deps.table);
  const notifications = new NotificationStore(deps.table);
  const { change } = helpers;

  /** The conversation when the caller may see it; 404 otherwise. */
  const visible = async (claims: Claims | null, conversationId: string) => {
    const [user, conversation] = await Promise.all([caller(claims), workflow.load(conversationId)]);
    if (!conversation || !actorFor(user, conversation)) throw problems.notFound('This conversation');
    return { user, conversation };
  };
  const presenceOf = async (conversationId: string, viewer: string): Promise<{ others: Presence[]; heartbeatSeconds: number }> => ({
    others: (await presence.list(conversationId, clock.now())).filter((p) => p.email !== viewer),
    heartbeatSeconds: PRESENCE_HEARTBEAT_SECONDS,
  });

  return [
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/move', operationId: 'moveConversation', tags: ['workflow'],
      summary: 'Move the conversation to another mailbox of the organisation. Dispatchers and admins of its mailbox who are members of the target; the assignee is kept only if they are a member of the target.',
      params: conversationParams,
      body: z.strictObject({ mailboxId: id.describe('The target mailbox.'), expectedVersion }),
      response: { status: 200, schema: changeResponse, description: 'The conversation, in its new mailbox.' },
      errors: [403, 404, 409, 422],
      handle: (ctx) => change(ctx, { kind: 'move', mailboxId: ctx.body.mailboxId }),
    }),
    ...(['trash', 'restore'] as const).map((which) => defineRoute({
      method: 'POST', path: `/api/conversations/{conversationId}/${which}`,
      operationId: which === 'trash' ? 'trashConversation' : 'restoreConversation', tags: ['workflow'],
      summary: which === 'trash'
        ? 'Put the conversation in the trash (`trashed=true` lists it): out of every other list, restorable; admins may then delete it permanently.'
        : 'Restore a trashed conversation to the default lists.',
      params: conversationParams,
      body: z.strictObject({ expectedVersion }).default({}),
      response: { status: 200, schema: changeResponse, description: 'The conversation after the change.' },
      errors: [404, 409],
      handle: (ctx) => change(ctx, { kind: which }),
    })),
    defineRoute({
      method: 'DELETE', path: '/api/conversations/{conversationId}', operationId: 'deleteConversation', tags: ['workflow'],
      summary: 'Delete a trashed conversation permanently (admins of its mailbox; irreversible). It disappears at once; its messages (raw mail, bodies, attachments) are erased shortly after unless another mailbox holds them. A `Conversation Deleted` event and a tombstone tell integrators.',
      params: conversationParams,
      response: {
        status: 202,
        schema: z.object({ deleted: z.object({ conversationId: z.string(), mailboxId: z.string(), deletedBy: z.string(), deletedAt: z.string(), messageKeys: z.array(z.string()) }) }),
        description: 'Deleted; the erasure of its messages is under way.',
      },
      errors: [403, 404, 409, 422],
      handle: async ({ claims, params, event }) => {
        const user = await caller(claims);
        const outcome = await deletion.request(user, params.conversationId, helpers.expectedVersionOf(event, undefined));
        switch (outcome.kind) {
          case 'not-visible': throw problems.notFound('This conversation');
          case 'forbidden': throw problems.forbidden('Only admins of the mailbox can delete a conversation permanently.');
          case 'not-trashed': throw helpers.refusalProblem({ code: 'invalid', reason: 'Put the conversation in the trash before deleting it permanently.' }, outcome.conversation, user.email);
          case 'conflict': throw problems.conflict(`The conversation changed; it is now at version ${outcome.conversation.version}.`, helpers.conversationSummary(outcome.conversation, user.email));
          case 'deleted': {
            const t = outcome.tombstone;
            return { status: 202, body: { deleted: { conversationId: t.conversationId, mailboxId: t.mailboxId, deletedBy: t.deletedBy, deletedAt: t.deletedAt, messageKeys: t.messageKeys } } };
          }
        }
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/qualification', operationId: 'qualifyConversation', tags: ['workflow'],
      summary: "Set the conversation's qualification (one of the organisation's, GET /api/qualifications), or remove it with null.",
      params: conversationParams,
      body: z.strictObject({ qualification: id.nullable().describe('Qualification id, or null.'), expectedVersion }),
      response: { status: 200, schema: changeResponse, description: 'The conversation after the change.' },
      errors: [404, 409, 422],
      handle: (ctx) => change(ctx, { kind: 'qualify', qualification: ctx.body.qualification }),
    }),
    defineRoute({
      method: 'GET', path: '/api/qualifications', operationId: 'listQualifications', tags: ['qualifications'],
      summary: "The organisation's qualifications (business categories), by name; for every member.",
      response: { status: 200, schema: z.object({ items: z.array(qualificationSchema) }), description: 'Qualifications.' },
      handle: async ({ claims }) => {
        const user = await caller(claims);
        return { status: 200, body: { items: (await qualifications.list(user.orgId)).map(qualificationView) } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/qualifications', operationId: 'createQualification', tags: ['qualifications'],
      summary: 'Create a qualification (organisation admins). Names are unique, ignoring case and accents.',
      body: z.strictObject({ name: qualificationName, description: qualificationDescription }),
      response: { status: 201, schema: z.object({ qualification: qualificationSchema }), description: 'The qualification.' },
      errors: [403, 409],
      handle: async ({ claims, body }) => {
        const user = await caller(claims);
        requireOrgAdmin(user);
        return qualificationResult(await qualifications.create(user.orgId, user.email, { name: body.name, description: body.description ?? null }), 201);
      },
    }),
    defineRoute({
      method: 'PATCH', path: '/api/qualifications/{qualificationId}', operationId: 'updateQualification', tags: ['qualifications'],
      summary: 'Rename or redescribe a qualification (organisation admins); conversations keep it.',
      params: z.object({ qualificationId: id }),
      body: z.strictObject({ name: qualificationName.optional(), description: qualificationDescription, expectedVersion })
        .refine((b) => b.name !== undefined || b.description !== undefined, { message: 'give a name or a description', path: ['name'] }),
      response: { status: 200, schema: z.object({ qualification: qualificationSchema }), description: 'The qualification.' },
      errors: [403, 404, 409],
      handle: async ({ claims, params, body }) => {
        const user = await caller(claims);
        requireOrgAdmin(user);
        return qualificationResult(await qualifications.update(user.orgId, params.qualificationId, user.email, {
          ...(body.name !== undefined ? { name: body.name } : {}), ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.expectedVersion !== undefined ? { expectedVersion: body.expectedVersion } : {}),
        }));
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/qualifications/{qualificationId}', operationId: 'deleteQualification', tags: ['qualifications'],
      summary: 'Delete a qualification (organisation admins): it can no longer be chosen; conversations qualified with it keep the id.',
      params: z.object({ qualificationId: id }),
      response: { status: 204, schema: null, description: 'Deleted.' },
      errors: [403, 404],
      handle: async ({ claims, params }) => {
        const user = await caller(claims);
        requireOrgAdmin(user);
        const outcome = await qualifications.remove(user.orgId, params.qualificationId, user.email);
        if (outcome.kind !== 'ok') throw problems.notFound('This qualification');
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/presence', operationId: 'heartbeatPresence', tags: ['workflow'],
      summary: `Heartbeat while the conversation is open (every ${PRESENCE_HEARTBEAT_SECONDS} s): the caller is viewing or replying. Answers who else is there.`,
      params: conversationParams,
      body: z.strictObject({ activity: z.enum(PRESENCE_ACTIVITIES as [PresenceActivity, ...PresenceActivity[]]) }),
      response: { status: 200, schema: presenceResponse, description: 'The other members present.' },
      errors: [404],
      handle: async ({ claims, params, body }) => {
        const { user } = await visible(claims, params.conversationId);
        const [, others] = await Promise.all([
          presence.heartbeat(params.conversationId, user.email, body.activity, clock.now()),
          presenceOf(params.conversationId, user.email),
        ]);
        return { status: 200, body: others };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/conversations/{conversationId}/presence', operationId: 'getPresence', tags: ['workflow'],
      summary: 'Who else is viewing or replying to the conversation right now.',
      params: conversationParams,
      response: { status: 200, schema: presenceResponse, description: 'The other members present.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const { user } = await visible(claims, params.conversationId);
        return { status: 200, body: await presenceOf(params.conversationId, user.email) };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/conversations/{conversationId}/presence', operationId: 'leavePresence', tags: ['workflow'],
      summary: 'The caller closed the conversation: no longer present (without waiting for the heartbeat to expire).',
      params: conversationParams,
      response: { status: 204, schema: null, description: 'Gone.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const { user } = await visible(claims, params.conversationId);
        await presence.leave(params.conversationId, user.email);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/me/notifications', operationId: 'listNotifications', tags: ['me'],
      summary: "The caller's in-app notifications (mentions in notes, conversations assigned to them), newest first.",
      query: z.object({
        unread: z.enum(['true', 'false']).optional().describe('`true`: only those not read yet (a page may then hold fewer than `limit`).'),
        limit: z.coerce.number().int().min(1).max(100).default(25).describe('Page size, 1 to 100.'),
        cursor: cursorParam.optional(),
      }),
      response: { status: 200, schema: z.object({ items: z.array(notificationSchema), nextCursor: z.string().nullable() }), description: 'One page.' },
      handle: async ({ claims, query }) => {
        const user = await caller(claims);
        if (query.cursor && query.cursor.p !== 'NOTIF') {
          throw problems.badRequest('This cursor belongs to another list.', [{ field: 'query.cursor', message: 'not a cursor of notifications' }]);
        }
        const page = await notifications.list(user.email, query.limit, { ...(query.cursor ? { before: query.cursor.s } : {}), unreadOnly: query.unread === 'true' });
        return { status: 200, body: { items: page.items.map(notificationView), nextCursor: page.next ? encodeCursor({ s: page.next, p: 'NOTIF' }) : null } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/me/notifications/{notificationId}/read', operationId: 'markNotificationRead', tags: ['me'],
      summary: 'Mark one of the caller\'s notifications read.',
      params: z.object({ notificationId: id }),
      response: { status: 200, schema: z.object({ notification: notificationSchema }), description: 'The notification.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const user = await caller(claims);
        const notification = await notifications.markRead(user.email, params.notificationId, clock.now().toISOString());
        if (!notification) throw problems.notFound('This notification');
        return { status: 200, body: { notification: notificationView(notification) } };
      },
    }),
  ];
}
