/**
 * The API function's routes: what a team uses all day (the caller, mailboxes, conversations and
 * their workflow, messages and downloads, search, statistics, admin listings). Kept apart from the
 * workspace routes (routes-workspace.ts: administration, accounts, templates, drafts, contacts,
 * cases), which another function serves, so the hot path's cold start does not pay for them.
 * The outbox routes are served by the compose function (routes-outbox.ts).
 */
import * as z from 'zod';
import type { MessageRecord } from '../model/types.js';
import { indexKeys, keys } from '../model/keys.js';
import type { Table } from '../adapters/dynamodb-table.js';
import type { DownloadLinks } from '../adapters/s3-presigner.js';
import type { MailStore } from '../inbound/mail-store.js';
import { mailboxFromItem, type Directory, type LabelDefinition } from '../org/directory.js';
import { systemClock, type Clock, type EventPublisher } from '../ports/index.js';
import { ConversationRepository } from '../workflow/conversation-repository.js';
import { ConversationWorkflow, actorFor } from '../workflow/conversation-workflow.js';
import { loadCaller, requireOrgAdmin } from './access.js';
import { cursorParam } from './cursor.js';
import { explainThreading, listByLookupIndex, loadConversationMessages, resolveInlineImages } from './inbox-queries.js';
import { problems } from './problem.js';
import { defineRoute, type AnyRoute, type ApiResult } from './router.js';
import { conversationSummary, createWorkflowRoutes, etag } from './routes-workflow.js';
import { createSearchRoutes } from './routes-search.js';
import { createStatsRoutes } from './routes-stats.js';
import { recipientView } from '../outbox/delivery.js';
import {
  conversationDetailSchema, failureSchema, id, meSchema, mailboxSchema, unroutableSchema,
} from './schemas.js';

export interface ApiDeps {
  table: Table;
  directory: Directory;
  store: MailStore;
  links: DownloadLinks;
  /** Workflow changes are published here after their write succeeds. */
  events: EventPublisher;
  /** Defaults to the system clock; tests pass a fixed one. */
  clock?: Clock;
}

const limitParam = z.coerce.number().int().min(1).max(100).default(25).describe('Page size, 1 to 100.');

/** Lifetime of download links. */
const LINK_SECONDS = 300;

/**
 * A redirect for clients that follow it with their credentials (curl, integrations), the link as
 * JSON for browsers, which cannot attach a bearer token to a plain link nor read a cross-origin
 * redirect.
 */
function downloadResult(event: { headers: Record<string, string | undefined> }, url: string): ApiResult {
  const accept = event.headers['accept'] ?? '';
  if (/application\/json/i.test(accept) && !/^\s*\*\/\*/.test(accept)) {
    return { status: 200, body: { url, expiresAt: new Date(Date.now() + LINK_SECONDS * 1000).toISOString() } };
  }
  return { status: 302, redirect: url };
}

function rawPath(messageKey: string) {
  return `/api/messages/${messageKey}/raw`;
}

export function createCoreRoutes(deps: ApiDeps): AnyRoute[] {
  const workflow = new ConversationWorkflow({
    repository: new ConversationRepository(deps.table), directory: deps.directory, events: deps.events, clock: deps.clock ?? systemClock,
  });

  /**
   * A message is visible to whoever may see one of the conversations it is placed in (agents: only
   * theirs), and unroutable mail to org admins.
   */
  const canSee = async (caller: Awaited<ReturnType<typeof loadCaller>>, message: MessageRecord): Promise<boolean> => {
    // Unroutable mail: the organisation's admins (mail for an unknown domain belongs to no organisation yet).
    if (message.placements.length === 0) return caller.orgAdmin && (message.orgId === null || message.orgId === caller.orgId);
    return workflow.canSeePlacements(caller, message.placements);
  };

  const routes: AnyRoute[] = [
    defineRoute({
      method: 'GET', path: '/api/me', operationId: 'getMe', tags: ['me'],
      summary: 'The signed-in user and the mailboxes they are a member of (primary first).',
      response: { status: 200, schema: meSchema, description: 'The caller.' },
      handle: async ({ claims }) => {
        const caller = await loadCaller(claims, deps.directory);
        const mailboxes = await readMailboxes(deps.table, Object.keys(caller.roles));
        return {
          status: 200,
          body: {
            email: caller.email, name: caller.name, locale: caller.locale, orgId: caller.orgId, orgAdmin: caller.orgAdmin,
            primaryMailboxId: caller.primaryMailboxId, mailboxes: orderMailboxes(mailboxes, caller),
          },
        };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/mailboxes', operationId: 'listMailboxes', tags: ['mailboxes'],
      summary: "The caller's mailboxes with their role in each, primary first.",
      response: { status: 200, schema: z.object({ items: z.array(mailboxSchema) }), description: 'Mailboxes.' },
      handle: async ({ claims }) => {
        const caller = await loadCaller(claims, deps.directory);
        const mailboxes = await readMailboxes(deps.table, Object.keys(caller.roles));
        return { status: 200, body: { items: orderMailboxes(mailboxes, caller) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/conversations/{conversationId}', operationId: 'getConversation', tags: ['conversations'],
      summary: 'One conversation with its messages, oldest first, bodies sanitised. The first open clears "new"; each open is in the history (once per 10 minutes per member).',
      params: z.object({ conversationId: id }),
      response: { status: 200, schema: conversationDetailSchema, description: 'The conversation.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const [caller, conversation] = await Promise.all([
          loadCaller(claims, deps.directory), workflow.load(params.conversationId),
        ]);
        if (!conversation || !actorFor(caller, conversation)) throw problems.notFound('This conversation');
        const [views, opened] = await Promise.all([loadConversationMessages(deps.store, conversation), workflow.open(caller, conversation)]);
        const messages = await Promise.all(views.map(async ({ message, body, threading }) => ({
          messageKey: message.messageKey, messageId: message.messageId, direction: message.direction,
          receivedAt: message.receivedAt, date: message.date, subject: message.subject,
          from: message.from, to: message.to, cc: message.cc, replyTo: message.replyTo,
          text: body.text, html: body.html === null ? null : await resolveInlineImages(body.html, message, deps.links),
          flags: message.flags, autoReplyReason: message.autoReplyReason,
          attachments: message.attachments.map((a) => ({
            index: a.index, filename: a.filename, contentType: a.contentType, size: a.size, disposition: a.disposition,
            contentId: a.contentId, url: `/api/messages/${message.messageKey}/attachments/${a.index}`,
          })),
          forwarded: message.forwarded,
          threading: { kind: threading.kind, explanation: explainThreading(threading) },
          deliveryReport: message.deliveryReport ? {
            originalMessageId: message.deliveryReport.originalMessageId,
            recipients: message.deliveryReport.recipients.map((r) => ({ recipient: r.recipient, action: r.action, status: r.status, diagnostic: r.diagnostic })),
          } : null,
          readReport: message.readReport ? { originalMessageId: message.readReport.originalMessageId, finalRecipient: message.readReport.finalRecipient, disposition: message.readReport.disposition } : null,
          ...deliveryView(message),
          rawUrl: rawPath(message.messageKey),
        })));
        return {
          status: 200,
          body: { conversation: { ...conversationSummary(opened, caller.email), participants: conversation.participants }, messages },
          headers: { etag: etag(opened.version) },
        };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/messages/{messageKey}/raw', operationId: 'downloadRawMessage', tags: ['messages'],
      summary: 'Download the message exactly as received (.eml): redirects to a short-lived link, or returns it as `{ url, expiresAt }` when the request prefers `Accept: application/json` (browsers cannot send a bearer token with a plain link).',
      params: z.object({ messageKey: id }),
      response: { status: 302, schema: null, description: 'Redirect to the raw message (message/rfc822).' },
      errors: [404],
      handle: async ({ claims, params, event }) => {
        const [caller, message] = await Promise.all([loadCaller(claims, deps.directory), deps.store.getMessage(params.messageKey)]);
        if (!message || !(await canSee(caller, message))) throw problems.notFound('This message');
        const name = `${(message.subject || 'message').replace(/[\\/:*?"<>|\r\n\t]+/g, ' ').trim().slice(0, 80) || 'message'}.eml`;
        return downloadResult(event, await deps.links.link(message.rawKey, { filename: name, contentType: 'message/rfc822', expiresInSeconds: LINK_SECONDS }));
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/messages/{messageKey}/attachments/{index}', operationId: 'downloadAttachment', tags: ['messages'],
      summary: "Download one of a message's attachments or inline images: redirects to a short-lived link, or returns it as `{ url, expiresAt }` when the request prefers `Accept: application/json`.",
      params: z.object({ messageKey: id, index: z.coerce.number().int().min(0) }),
      response: { status: 302, schema: null, description: 'Redirect to the attachment.' },
      errors: [404],
      handle: async ({ claims, params, event }) => {
        const [caller, message] = await Promise.all([loadCaller(claims, deps.directory), deps.store.getMessage(params.messageKey)]);
        if (!message || !(await canSee(caller, message))) throw problems.notFound('This message');
        const attachment = message.attachments.find((a) => a.index === params.index);
        if (!attachment) throw problems.notFound('This attachment');
        return downloadResult(event, await deps.links.link(attachment.storageKey, { filename: attachment.filename, contentType: attachment.contentType, expiresInSeconds: LINK_SECONDS }));
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/admin/quarantine', operationId: 'listQuarantine', tags: ['admin'],
      summary: 'Raw messages that kept failing processing and reached the dead-letter queue (organisation admins).',
      query: z.object({ limit: limitParam, cursor: cursorParam.optional() }),
      response: { status: 200, schema: failureSchema, description: 'Quarantined messages, newest first.' },
      handle: async ({ claims, query }) => {
        requireOrgAdmin(await loadCaller(claims, deps.directory));
        const page = await listByLookupIndex(deps.table, indexKeys.quarantine, query.limit, query.cursor);
        return {
          status: 200,
          body: { items: page.items.map((i) => ({ rawKey: String(i.rawKey), error: String(i.error ?? ''), attempts: Number(i.attempts ?? 0), at: String(i.at ?? '') })), nextCursor: page.nextCursor },
        };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/admin/unroutable', operationId: 'listUnroutable', tags: ['admin'],
      summary: 'Stored messages no mailbox accepted (no matching address, no catch-all), newest first (organisation admins).',
      query: z.object({ limit: limitParam, cursor: cursorParam.optional() }),
      response: { status: 200, schema: unroutableSchema, description: 'Unroutable messages.' },
      handle: async ({ claims, query }) => {
        const caller = await loadCaller(claims, deps.directory);
        requireOrgAdmin(caller);
        const page = await listByLookupIndex(deps.table, indexKeys.unroutable, query.limit, query.cursor);
        const keysFound = page.items.map((i) => String(i.PK).slice('MSG#'.length));
        const messages = (await deps.store.getMessagesMeta(keysFound)).filter((m) => m.orgId === null || m.orgId === caller.orgId);
        return {
          status: 200,
          body: {
            items: messages.map((m) => ({
              messageKey: m.messageKey, receivedAt: m.receivedAt, subject: m.subject, from: m.from,
              envelopeRecipients: m.envelopeRecipients, flags: m.flags, rawUrl: rawPath(m.messageKey),
            })),
            nextCursor: page.nextCursor,
          },
        };
      },
    }),
    ...createWorkflowRoutes(deps, workflow),
    ...createSearchRoutes(deps),
    ...createStatsRoutes(deps),
  ];
  return routes;
}

/** Outbound messages: where the outbox stands and what happened to each To and Cc recipient (Bcc stays hidden). */
function deliveryView(message: MessageRecord) {
  if (message.direction !== 'outbound') return { sendStatus: null, lastError: null, recipients: [], readReceipt: null };
  return {
    sendStatus: message.sendStatus ?? null,
    lastError: message.lastError ?? null,
    recipients: recipientView([...message.to, ...message.cc].map((a) => a.address), message.delivery),
    readReceipt: message.readReceipt ? { at: message.readReceipt.at, disposition: message.readReceipt.disposition } : null,
  };
}

/**
 * The caller's mailboxes in one BatchGetItem, with the names of the labels each one defines: every
 * member gets them as suggestions (the label definitions themselves, with their colours, stay on
 * the admin routes).
 */
async function readMailboxes(table: Table, ids: string[]) {
  if (ids.length === 0) return [];
  const items = await table.batchGet(ids.map((mailboxId) => keys.mailbox(mailboxId)));
  return items.map((item) => ({
    ...mailboxFromItem(item),
    labels: ((item.labelDefinitions ?? []) as LabelDefinition[]).map((label) => label.name),
  }));
}

function orderMailboxes(mailboxes: Awaited<ReturnType<typeof readMailboxes>>, caller: Awaited<ReturnType<typeof loadCaller>>) {
  return mailboxes
    .map((m) => ({
      mailboxId: m.mailboxId, name: m.name, kind: m.kind, addresses: m.addresses, department: m.department,
      role: caller.roles[m.mailboxId]!, primary: m.mailboxId === caller.primaryMailboxId, labels: m.labels,
    }))
    .sort((a, b) => Number(b.primary) - Number(a.primary) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name, 'fr'));
}
