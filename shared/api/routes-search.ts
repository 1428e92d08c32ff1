/**
 * Search and cross-mailbox routes: full-text search of a mailbox or of all the caller's mailboxes
 * (shared/search/), and the list of a department's conversations over the caller's mailboxes in it
 * (shared/workflow/list-plan.ts).
 * Both apply the caller's role in each mailbox: agents find and list only what is assigned to them,
 * and a mailbox the caller is not a member of answers 404.
 */
import * as z from 'zod';
import { CONVERSATION_STATUSES, type ConversationStatus } from '../model/types.js';
import { searchConversations, searchMailboxes } from '../search/search.js';
import { MAX_QUERY_TERMS, queryTerms } from '../search/tokenize.js';
import { departmentIdFor } from '../org/directory.js';
import { checkDateRange, filtersFromQuery, listFilterQuery, listMerged, type AssigneeFilter } from '../workflow/list-plan.js';
import { loadCaller, requireMember } from './access.js';
import { cursorParam, encodeCursor } from './cursor.js';
import { problems } from './problem.js';
import { defineRoute, type AnyRoute } from './router.js';
import type { ApiDeps } from './routes-core.js';
import { conversationSummary } from './routes-workflow.js';
import { conversationListSchema, conversationSummarySchema, id } from './schemas.js';

/** Search cursors name the term they walk; list cursors a conversation. */
const SEARCH_CURSOR_PREFIX = 'Q#';
/** Cross-mailbox search cursors carry one bound for every mailbox. */
const ALL_CURSOR = 'ALL#';

const noTerms = () => problems.badRequest('Nothing to search for.', [{ field: 'query.q', message: 'no searchable word (only very common words or punctuation)' }]);

const searchResultSchema = z.object({
  items: z.array(conversationSummarySchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` (with the same `q`) for more; null when there are no more.'),
  terms: z.array(z.string()).describe('The words searched, as normalised (lower case, accents folded, stop words dropped).'),
});

export function createSearchRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/api/mailboxes/{mailboxId}/search', operationId: 'searchConversations', tags: ['conversations'],
      summary: 'Conversations of a mailbox containing every word of `q` in a subject, a participant (name or address), an attachment name or a body; newest conversations first. Agents find only those assigned to them.',
      params: z.object({ mailboxId: id }),
      query: z.object({
        q: z.string().trim().min(1).max(200).describe(`Words to find (at most ${MAX_QUERY_TERMS} are used); accents and case do not matter.`),
        limit: z.coerce.number().int().min(1).max(50).default(25).describe('Page size, 1 to 50.'),
        cursor: cursorParam.optional(),
      }),
      response: { status: 200, schema: searchResultSchema, description: 'One page of results; a page may hold fewer than `limit` (the cursor goes on).' },
      errors: [404],
      handle: async ({ claims, params, query }) => {
        const caller = await loadCaller(claims, deps.directory);
        const role = requireMember(caller, params.mailboxId);
        if (query.cursor && !query.cursor.p.startsWith(SEARCH_CURSOR_PREFIX)) {
          throw problems.badRequest('This cursor belongs to another list.', [{ field: 'query.cursor', message: 'not a cursor of a search' }]);
        }
        const outcome = await searchConversations(deps.table, {
          mailboxId: params.mailboxId, actor: { email: caller.email, role }, q: query.q, limit: query.limit,
          cursor: query.cursor ? { term: query.cursor.p.slice(SEARCH_CURSOR_PREFIX.length), after: query.cursor.s } : undefined,
        });
        if (outcome.kind === 'no-terms') throw noTerms();
        if (outcome.kind === 'bad-cursor') {
          throw problems.badRequest('This cursor belongs to another search.', [{ field: 'query.cursor', message: 'not a cursor of this search' }]);
        }
        return {
          status: 200,
          body: {
            items: outcome.items.map((c) => conversationSummary(c, caller.email)),
            nextCursor: outcome.next ? encodeCursor({ s: outcome.next.after, p: `${SEARCH_CURSOR_PREFIX}${outcome.next.term}` }) : null,
            terms: outcome.terms,
          },
        };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/search', operationId: 'searchAllMailboxes', tags: ['conversations'],
      summary: "Search every mailbox the caller is a member of (or those of one department), merged newest conversations first; each mailbox applies the caller's role there.",
      query: z.object({
        q: z.string().trim().min(1).max(200).describe(`Words to find (at most ${MAX_QUERY_TERMS} are used); accents and case do not matter.`),
        department: z.string().trim().min(1).max(100).optional().describe('Only the mailboxes of this department (id or name).'),
        limit: z.coerce.number().int().min(1).max(50).default(25).describe('Page size, 1 to 50.'),
        cursor: cursorParam.optional(),
      }),
      response: { status: 200, schema: searchResultSchema, description: 'One page of results; a page may hold fewer than `limit` (the cursor goes on).' },
      errors: [404],
      handle: async ({ claims, query }) => {
        const caller = await loadCaller(claims, deps.directory);
        if (query.cursor && query.cursor.p !== ALL_CURSOR) {
          throw problems.badRequest('This cursor belongs to another list.', [{ field: 'query.cursor', message: 'not a cursor of a search of all mailboxes' }]);
        }
        if (queryTerms(query.q).length === 0) throw noTerms();
        let mailboxIds = Object.keys(caller.roles);
        if (query.department !== undefined) {
          const department = query.department;
          mailboxIds = (await deps.directory.getMailboxes(mailboxIds))
            .filter((m) => m.department !== null && (m.department === department || departmentIdFor(m.department) === department))
            .map((m) => m.mailboxId);
          if (mailboxIds.length === 0) throw problems.notFound('This department');
        }
        const mailboxes = mailboxIds.map((mailboxId) => ({ mailboxId, role: requireMember(caller, mailboxId) }));
        const outcome = await searchMailboxes(deps.table, caller.email, mailboxes, query.q, query.limit, query.cursor?.s);
        if (outcome.kind === 'no-terms') throw noTerms();
        return {
          status: 200,
          body: {
            items: outcome.items.map((c) => conversationSummary(c, caller.email)),
            nextCursor: outcome.next === null ? null : encodeCursor({ s: outcome.next, p: ALL_CURSOR }),
            terms: outcome.terms,
          },
        };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/conversations', operationId: 'listDepartmentConversations', tags: ['conversations'],
      summary: "Conversations of every mailbox of a department the caller is a member of, merged newest activity first. Each mailbox applies the caller's role there (agents: their assigned conversations only); the filters are those of the mailbox list.",
      query: z.object({
        department: z.string().trim().min(1).max(100).describe('The department: its id (`service-client`) or its name as the mailboxes list it (`Service client`).'),
        status: z.enum(CONVERSATION_STATUSES as [ConversationStatus, ...ConversationStatus[]]).optional().describe('Only conversations with this status.'),
        assignee: z.union([z.literal('me'), z.literal('unassigned'), z.email().max(254).transform((value) => value.toLowerCase())]).optional()
          .describe('`me`, a member email, or `unassigned`. Mailboxes where the caller is an agent add only their own conversations.'),
        archived: z.enum(['true', 'false']).optional().describe('`true`: the archived conversations instead.'),
        ...listFilterQuery,
        limit: z.coerce.number().int().min(1).max(100).default(25).describe('Page size, 1 to 100.'),
        cursor: cursorParam.optional(),
      }).superRefine(checkDateRange),
      response: { status: 200, schema: conversationListSchema, description: 'One page of conversations; a filtered page may hold fewer than `limit`.' },
      errors: [404],
      handle: async ({ claims, query }) => {
        const caller = await loadCaller(claims, deps.directory);
        if (query.cursor && !query.cursor.p.startsWith('CONV#')) {
          throw problems.badRequest('This cursor belongs to another list.', [{ field: 'query.cursor', message: 'not a cursor of a conversation list' }]);
        }
        const mailboxes = (await deps.directory.getMailboxes(Object.keys(caller.roles)))
          .filter((m) => m.department !== null && (m.department === query.department || departmentIdFor(m.department) === query.department))
          .map((m) => ({ mailboxId: m.mailboxId, role: requireMember(caller, m.mailboxId) }));
        if (mailboxes.length === 0) throw problems.notFound('This department');
        const assignee: AssigneeFilter | undefined = query.assignee === undefined || query.assignee === 'me' || query.assignee === 'unassigned'
          ? query.assignee : { email: query.assignee };
        const filters = { status: query.status, assignee, archived: query.archived === 'true', ...filtersFromQuery(query) };
        const page = await listMerged(deps.table, caller.email, mailboxes, filters, query.limit, query.cursor);
        return {
          status: 200,
          body: { items: page.items.map((c) => conversationSummary(c, caller.email)), nextCursor: page.last ? encodeCursor(page.last) : null },
        };
      },
    }),
  ];
}
