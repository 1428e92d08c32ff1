/**
 * Workflow routes: role-aware conversation lists, assignment, status, labels, archive, read
 * state, history and internal notes. Each route checks the caller's role in the conversation's mailbox (shared/workflow);
 * a conversation the caller may not see answers 404, exactly like one that does not exist.
 *
 * State changes are optimistic: send the `version` you saw as `If-Match: "<version>"` (or
 * `expectedVersion` in the body) and a change made meanwhile answers 409 with the current state in
 * `current`. Without a version the change is decided on the current state and applied only if it
 * is still valid for it. Responses carry the new version as `ETag`.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import { CONVERSATION_STATUSES, type ConversationStatus } from '../model/types.js';
import { systemClock } from '../ports/index.js';
import { ConversationRepository, type WorkflowConversation } from '../workflow/conversation-repository.js';
import type { ChangeOutcome, ConversationWorkflow } from '../workflow/conversation-workflow.js';
import { checkDateRange, filtersFromQuery, listConversations, listFilterQuery, type AssigneeFilter } from '../workflow/list-plan.js';
import { MAX_MENTIONS, MAX_NOTE_LENGTH, NoteService, type Note } from '../workflow/notes.js';
import { MAX_ASSIGN_MESSAGE_LENGTH, MAX_LABEL_LENGTH, type Action, type Refusal } from '../workflow/rules.js';
import { loadCaller, requireMember } from './access.js';
import { cursorParam, encodeCursor } from './cursor.js';
import { problems, ProblemError } from './problem.js';
import { defineRoute, type AnyRoute, type ApiResult } from './router.js';
import type { ApiDeps } from './routes-core.js';
import { conversationChangeSchema as changeResponse, conversationListSchema, conversationParams, conversationSummarySchema, expectedVersionField as expectedVersion, id } from './schemas.js';
import { createWorkflowExtraRoutes, workflowHistorySchema, workflowSummaryFields } from './routes-workflow-extras.js';

const statusEnum = z.enum(CONVERSATION_STATUSES as [ConversationStatus, ...ConversationStatus[]]);
const email = z.email().max(254).transform((value) => value.toLowerCase());
const label = z.string().trim().min(1).max(MAX_LABEL_LENGTH).regex(/^[^\p{Cc}]+$/u, 'no control characters');

/** The caller-relative view of a conversation, as lists and changes return it. */
export function conversationSummary(c: WorkflowConversation, viewer: string): z.infer<typeof conversationSummarySchema> {
  return {
    conversationId: c.conversationId, mailboxId: c.mailboxId, subject: c.subject, snippet: c.snippet, from: c.from,
    status: c.status, assignee: c.assignee, isNew: c.isNew, unread: !c.readBy.includes(viewer), labels: c.labels, flags: c.flags,
    messageCount: c.messageCount, hasAttachments: c.hasAttachments, createdAt: c.createdAt, lastActivityAt: c.lastActivityAt,
    version: c.version, archived: c.archived,
    ...workflowSummaryFields(c),
  };
}

/** A weak or strong ETag of the conversation version. */
export function etag(version: number): string {
  return `"${version}"`;
}

/**
 * The expected version from `If-Match` (`"3"`, `W/"3"` or `3`; `*` means none) or the body. Both
 * given and different is a client bug worth a 400 rather than a guess.
 */
export function expectedVersionOf(event: APIGatewayProxyEventV2WithJWTAuthorizer, fromBody: number | undefined): number | undefined {
  const header = event.headers?.['if-match']?.trim();
  let fromHeader: number | undefined;
  if (header !== undefined && header !== '' && header !== '*') {
    const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(header);
    if (!match) throw problems.badRequest('If-Match must be a conversation version, e.g. "3".', [{ field: 'header.if-match', message: 'not a version' }]);
    fromHeader = Number(match[1]);
  }
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) {
    throw problems.badRequest('If-Match and expectedVersion disagree.', [{ field: 'body.expectedVersion', message: `If-Match says ${fromHeader}` }]);
  }
  return fromHeader ?? fromBody;
}

function refusalProblem(refusal: Refusal, current: WorkflowConversation | null, viewer: string): ProblemError {
  const state = current ? { current: conversationSummary(current, viewer) } : {};
  switch (refusal.code) {
    case 'not-visible': return problems.notFound('This conversation');
    case 'forbidden': return problems.forbidden(refusal.reason);
    case 'stale': return new ProblemError(409, 'Conflict', refusal.reason, state);
    case 'invalid': return new ProblemError(422, 'Invalid transition', refusal.reason, {
      ...state, ...(refusal.field ? { errors: [{ field: refusal.field, message: refusal.reason }] } : {}),
    });
  }
}

function changeResult(outcome: ChangeOutcome, viewer: string): ApiResult {
  switch (outcome.kind) {
    case 'refused': throw refusalProblem(outcome.refusal, outcome.conversation, viewer);
    case 'conflict':
      throw problems.conflict(
        `The conversation changed since version you sent; it is now at version ${outcome.conversation.version}. Decide again on the current state.`,
        conversationSummary(outcome.conversation, viewer),
      );
    default:
      return {
        status: 200,
        body: { conversation: conversationSummary(outcome.conversation, viewer), changed: outcome.kind !== 'unchanged' },
        headers: { etag: etag(outcome.conversation.version) },
      };
  }
}

export const noteSchema = z.object({
  noteId: z.string(), conversationId: z.string(),
  author: z.string().describe('Email of the member who wrote it.'),
  body: z.string(),
  mentions: z.array(z.string()).describe('Members mentioned (parsed from the body or given), notified by a `Mention Created` event.'),
  createdAt: z.string(),
});

function noteView(note: Note): z.infer<typeof noteSchema> {
  return {
    noteId: note.noteId, conversationId: note.conversationId, author: note.author, body: note.body,
    mentions: note.mentions, createdAt: note.createdAt,
  };
}

/**
 * The workflow's routes, registered by `createRoutes`; they share its `ConversationWorkflow` so the
 * conversation view (GET) and the changes apply the same visibility rule.
 */
export function createWorkflowRoutes(deps: ApiDeps, workflow: ConversationWorkflow): AnyRoute[] {
  const caller = (claims: Parameters<typeof loadCaller>[0]) => loadCaller(claims, deps.directory);
  /** One conditional change of a conversation, answered with its new state (or the refusal). */
  const change = async (
    ctx: { claims: Parameters<typeof loadCaller>[0]; params: { conversationId: string }; body: { expectedVersion?: number | undefined }; event: APIGatewayProxyEventV2WithJWTAuthorizer },
    action: Action,
  ): Promise<ApiResult> => {
    const outcome = await workflow.change({
      caller: caller(ctx.claims), conversationId: ctx.params.conversationId, action,
      expectedVersion: expectedVersionOf(ctx.event, ctx.body.expectedVersion),
    });
    return changeResult(outcome, ctx.claims?.email ?? '');
  };
  const notes = new NoteService({
    table: deps.table, repository: new ConversationRepository(deps.table), directory: deps.directory, events: deps.events, clock: deps.clock ?? systemClock,
  });

  return [
    defineRoute({
      method: 'GET', path: '/api/mailboxes/{mailboxId}/conversations', operationId: 'listConversations', tags: ['conversations'],
      summary: "A mailbox's conversations, newest activity first. Dispatchers and admins see all of them; agents only those assigned to them.",
      params: z.object({ mailboxId: id }),
      query: z.object({
        status: statusEnum.optional().describe('Only conversations with this status.'),
        assignee: z.union([z.literal('me'), z.literal('unassigned'), email]).optional()
          .describe('`me`, a member email, or `unassigned` (the queue). Agents may only ask for themselves.'),
        archived: z.enum(['true', 'false']).optional()
          .describe('`true`: the archived conversations instead (combinable with the other filters). Default lists never hold archived ones.'),
        snoozed: z.enum(['true', 'false']).optional()
          .describe('`true`: the snoozed conversations instead (combinable with the other filters); they come back when their time comes.'),
        trashed: z.enum(['true', 'false']).optional()
          .describe('`true`: the conversations in the trash instead (restorable; admins may delete them permanently).'),
        ...listFilterQuery,
        limit: z.coerce.number().int().min(1).max(100).default(25).describe('Page size, 1 to 100.'),
        cursor: cursorParam.optional(),
      }).superRefine(checkDateRange),
      response: { status: 200, schema: conversationListSchema, description: 'One page of conversations; a filtered page may hold fewer than `limit`.' },
      errors: [403, 404],
      handle: async ({ claims, params, query }) => {
        const user = await caller(claims);
        const role = requireMember(user, params.mailboxId);
        const assignee: AssigneeFilter | undefined = query.assignee === undefined || query.assignee === 'me' || query.assignee === 'unassigned'
          ? query.assignee : { email: query.assignee };
        if (query.cursor && !query.cursor.p.startsWith('CONV#')) {
          throw problems.badRequest('This cursor belongs to another list.', [{ field: 'query.cursor', message: 'not a cursor of a conversation list' }]);
        }
        const filters = { status: query.status, assignee, archived: query.archived === 'true', snoozed: query.snoozed === 'true', trashed: query.trashed === 'true', ...filtersFromQuery(query) };
        const page = await listConversations(deps.table, { email: user.email, role }, params.mailboxId, filters, query.limit, query.cursor);
        if (page.kind === 'refused') throw refusalProblem(page.refusal, null, user.email);
        return {
          status: 200,
          body: { items: page.items.map((c) => conversationSummary(c, user.email)), nextCursor: page.last ? encodeCursor(page.last) : null },
        };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/assign', operationId: 'assignConversation', tags: ['workflow'],
      summary: 'Assign the conversation to one member of its mailbox, reassign it, or unassign it (assignee null). Dispatchers and admins; an agent may only unassign themselves.',
      params: conversationParams,
      body: z.strictObject({
        assignee: z.union([z.literal('me'), email]).nullable().describe('Member email, `me`, or null to put it back in the unassigned queue.'),
        message: z.string().trim().max(MAX_ASSIGN_MESSAGE_LENGTH).optional().describe('Short note for the assignee, kept in the history.'),
        expectedVersion,
        expectedAssignee: email.nullable().optional()
          .describe('The assignee you saw: the change applies only if it still is (unrelated changes do not conflict).'),
      }),
      response: { status: 200, schema: changeResponse, description: 'The conversation after the change.' },
      errors: [403, 404, 409, 422],
      handle: async ({ claims, params, body, event }) => {
        const viewer = claims?.email ?? '';
        const action: Action = {
          kind: 'assign', assignee: body.assignee === 'me' ? viewer : body.assignee, message: body.message ? body.message : null,
          ...(body.expectedAssignee !== undefined ? { expectedAssignee: body.expectedAssignee } : {}),
        };
        return change({ claims, params, body, event }, action);
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/status', operationId: 'setConversationStatus', tags: ['workflow'],
      summary: 'Change the status: assigned, in_progress and todo need an assignee; closed keeps it; unassigned only without one.',
      params: conversationParams,
      body: z.strictObject({ status: statusEnum, expectedVersion }),
      response: { status: 200, schema: changeResponse, description: 'The conversation after the change.' },
      errors: [404, 409, 422],
      handle: (ctx) => change(ctx, { kind: 'status', status: ctx.body.status }),
    }),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/labels', operationId: 'labelConversation', tags: ['workflow'],
      summary: 'Add and remove manual labels.',
      params: conversationParams,
      body: z.strictObject({
        add: z.array(label).max(20).default([]),
        remove: z.array(label).max(20).default([]),
        expectedVersion,
      }).refine((b) => b.add.length + b.remove.length > 0, { message: 'add or remove at least one label', path: ['add'] }),
      response: { status: 200, schema: changeResponse, description: 'The conversation after the change.' },
      errors: [404, 409, 422],
      handle: (ctx) => change(ctx, { kind: 'labels', add: ctx.body.add, remove: ctx.body.remove }),
    }),
    ...(['archive', 'unarchive'] as const).map((which) => defineRoute({
      method: 'POST', path: `/api/conversations/{conversationId}/${which}`,
      operationId: which === 'archive' ? 'archiveConversation' : 'unarchiveConversation', tags: ['workflow'],
      summary: which === 'archive'
        ? 'Archive: out of the default lists (status, assignee and labels kept) until unarchived or the customer writes again.'
        : 'Unarchive: back in the default lists.',
      params: conversationParams,
      body: z.strictObject({ expectedVersion }).default({}),
      response: { status: 200, schema: changeResponse, description: 'The conversation after the change.' },
      errors: [404, 409],
      handle: (ctx) => change(ctx, { kind: which }),
    })),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/snooze', operationId: 'snoozeConversation', tags: ['workflow'],
      summary: 'Snooze until a time: out of the default lists (`snoozed=true` lists it) until then, or until the customer writes. `until: null` wakes it now.',
      params: conversationParams,
      body: z.strictObject({
        until: z.iso.datetime({ offset: true }).nullable().describe('ISO time in the next year, or null to wake the conversation now.'),
        expectedVersion,
      }),
      response: { status: 200, schema: changeResponse, description: 'The conversation after the change.' },
      errors: [404, 409, 422],
      handle: (ctx) => change(ctx, { kind: 'snooze', until: ctx.body.until }),
    }),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/follow-up', operationId: 'setConversationFollowUp', tags: ['workflow'],
      summary: 'Remind the caller at a time unless the customer writes first (`Follow-up Due` event); `at: null` cancels the reminder.',
      params: conversationParams,
      body: z.strictObject({
        at: z.iso.datetime({ offset: true }).nullable().describe('ISO time in the next year, or null to cancel.'),
        expectedVersion,
      }),
      response: { status: 200, schema: changeResponse, description: 'The conversation after the change.' },
      errors: [404, 409, 422],
      handle: (ctx) => change(ctx, { kind: 'follow_up', at: ctx.body.at }),
    }),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/notes', operationId: 'addConversationNote', tags: ['notes'],
      summary: 'Add an internal note, never sent to the customer. `@email` or `@name` of a mailbox member (or `mentions`) notifies them.',
      params: conversationParams,
      body: z.strictObject({
        body: z.string().trim().min(1).max(MAX_NOTE_LENGTH),
        mentions: z.array(email).max(MAX_MENTIONS).default([]).describe('Members to mention besides those written in the body.'),
        idempotencyKey: z.string().min(1).max(100).optional().describe('A retry with the same key answers the first note instead of adding another.'),
      }),
      response: { status: 201, schema: z.object({ note: noteSchema, created: z.boolean() }), description: 'The note (200 with created=false for a retry).' },
      errors: [400, 404],
      handle: async ({ claims, params, body }) => {
        const outcome = await notes.add({
          caller: caller(claims), conversationId: params.conversationId, body: body.body, mentions: body.mentions,
          ...(body.idempotencyKey !== undefined ? { idempotencyKey: body.idempotencyKey } : {}),
        });
        switch (outcome.kind) {
          case 'not-visible': throw problems.notFound('This conversation');
          case 'not-member':
            throw problems.badRequest(`${outcome.value} is not a member of this mailbox.`, [{ field: `body.mentions[${outcome.index}]`, message: 'not a member of this mailbox' }]);
          default:
            return { status: outcome.kind === 'created' ? 201 : 200, body: { note: noteView(outcome.note), created: outcome.kind === 'created' } };
        }
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/conversations/{conversationId}/notes', operationId: 'listConversationNotes', tags: ['notes'],
      summary: "The conversation's internal notes, oldest first; visible to whoever sees the conversation.",
      params: conversationParams,
      query: z.object({
        limit: z.coerce.number().int().min(1).max(100).default(50).describe('Page size, 1 to 100.'),
        cursor: cursorParam.optional(),
      }),
      response: { status: 200, schema: z.object({ items: z.array(noteSchema), nextCursor: z.string().nullable() }), description: 'One page of notes.' },
      errors: [404],
      handle: async ({ claims, params, query }) => {
        const after = query.cursor?.s;
        if (after !== undefined && (!after.startsWith('N#') || query.cursor?.p !== params.conversationId)) {
          throw problems.badRequest('This cursor belongs to another list.', [{ field: 'query.cursor', message: 'not a cursor of these notes' }]);
        }
        const page = await notes.list(caller(claims), params.conversationId, query.limit, after);
        if (!page) throw problems.notFound('This conversation');
        return {
          status: 200,
          body: { items: page.notes.map(noteView), nextCursor: page.nextAfter ? encodeCursor({ s: page.nextAfter, p: params.conversationId }) : null },
        };
      },
    }),
    ...(['read', 'unread'] as const).map((which) => defineRoute({
      method: 'POST', path: `/api/conversations/{conversationId}/${which}`,
      operationId: which === 'read' ? 'markConversationRead' : 'markConversationUnread', tags: ['workflow'],
      summary: which === 'read'
        ? 'Mark the conversation read for the caller (it becomes unread again when a message arrives); clears "new".'
        : 'Mark the conversation unread for the caller.',
      params: conversationParams,
      response: { status: 200, schema: z.object({ conversation: conversationSummarySchema }), description: 'The conversation as the caller now sees it.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const conversation = await workflow.setRead(caller(claims), params.conversationId, which === 'read');
        if (!conversation) throw problems.notFound('This conversation');
        return { status: 200, body: { conversation: conversationSummary(conversation, claims?.email ?? '') }, headers: { etag: etag(conversation.version) } };
      },
    })),
    defineRoute({
      method: 'GET', path: '/api/conversations/{conversationId}/history', operationId: 'getConversationHistory', tags: ['workflow'],
      summary: 'What happened to the conversation, oldest first: received messages, views, assignments, status and label changes.',
      params: conversationParams,
      query: z.object({
        limit: z.coerce.number().int().min(1).max(100).default(50).describe('Page size, 1 to 100 positions (one change may record several entries).'),
        cursor: cursorParam.optional(),
      }),
      response: { status: 200, schema: workflowHistorySchema, description: 'One page of history entries.' },
      errors: [404],
      handle: async ({ claims, params, query }) => {
        const after = query.cursor?.s;
        if (after !== undefined && (!after.startsWith('H#') || query.cursor?.p !== params.conversationId)) {
          throw problems.badRequest('This cursor belongs to another list.', [{ field: 'query.cursor', message: 'not a cursor of this history' }]);
        }
        const page = await workflow.history(caller(claims), params.conversationId, query.limit, after);
        if (!page) throw problems.notFound('This conversation');
        return {
          status: 200,
          body: { items: page.entries, nextCursor: page.nextAfter ? encodeCursor({ s: page.nextAfter, p: params.conversationId }) : null },
        };
      },
    }),
    ...createWorkflowExtraRoutes(deps, workflow, { change, refusalProblem, conversationSummary, expectedVersionOf }),
  ];
}
