/**
 * Outbox routes' handlers (their specs are in routes-outbox-spec.ts): compose a new message, reply / reply-all / forward in a conversation, read an
 * outgoing message's send state, list a mailbox's outbox, cancel (undo send).
 *
 * Who may send: admins and dispatchers of the mailbox; in a conversation, also the agent it is
 * assigned to. Who may cancel: the author, or an admin or dispatcher of the mailbox. Anything the
 * caller may not see answers 404, as elsewhere in the API.
 */
import { loadCaller } from './access.js';
import { assertNoReplyCollision } from './reply-collision.js';
import { encodeCursor } from './cursor.js';
import { problems, ProblemError } from './problem.js';
import { implementRoute, type AnyRoute } from './router.js';
import { outboxRouteSpecs as specs, type ComposeFields, type OutboxItem } from './routes-outbox-spec.js';
import { cancelMessage, canManageOutbound, canSeeOutbound } from '../outbox/cancel.js';
import { ComposeRefusedError, composeMessage, type ComposeDeps, type ComposeRequest } from '../outbox/compose.js';
import type { OutboxRecord } from '../outbox/outbox-store.js';
import { retryMessage } from '../outbox/retry.js';
import { indexKeys } from '../model/keys.js';
import type { Directory } from '../org/directory.js';
import type { UploadLinks } from '../adapters/s3-presigner.js';
import { createComposeRoutes } from '../compose/compose-routes.js';
import { createOutboxOpsRoutes } from './routes-outbox-ops.js';

/** What the outbox routes need: the directory (who the caller is) and the outbox's compose side. */
export interface OutboxRouteDeps {
  directory: Directory;
  outbox: ComposeDeps;
  /** Presigned upload links; built from the environment when absent. */
  uploads?: UploadLinks;
}

function view(r: OutboxRecord, showBcc: boolean): OutboxItem {
  return {
    messageKey: r.messageKey, messageId: r.messageId, mailboxId: r.mailboxId, conversationId: r.conversationId, status: r.status,
    subject: r.subject, to: r.to, cc: r.cc, bcc: showBcc ? r.bcc : [], importance: r.importance, readReceiptRequested: r.readReceiptRequested,
    connector: r.connector, composedBy: r.composedBy, createdAt: r.createdAt, sendAt: r.sendAt, attempts: r.attempt, maxAttempts: r.maxAttempts,
    lastAttemptAt: r.lastAttemptAt, nextAttemptAt: r.nextAttemptAt, firstFailureAt: r.firstFailureAt, lastError: r.lastError,
    providerMessageId: r.providerMessageId, sentAt: r.sentAt, attachmentCount: r.attachmentCount,
    cancellable: r.status === 'queued' || r.status === 'retry_pending', retryable: r.status === 'failed' || r.status === 'connector_disabled',
    systemGenerated: r.systemGenerated, systemKind: r.systemKind, failedListedAt: r.failedListedAt, failedRecipients: r.failedRecipients,
    links: r.links, rawUrl: `/api/messages/${r.messageKey}/raw`,
  };
}

function refusal(error: unknown): unknown {
  if (!(error instanceof ComposeRefusedError)) return error;
  if (error.code === 'invalid' && error.errors) return problems.badRequest(error.message, error.errors);
  switch (error.code) {
    case 'not-found': return new ProblemError(404, 'Not found', error.message);
    case 'forbidden': return problems.forbidden(error.message);
    case 'invalid': return problems.badRequest(error.message, [{ field: error.field ?? 'body', message: error.message }]);
  }
}

/** The outbox routes with their handlers, served by the compose function (functions/compose/). */
export function createOutboxRoutes(deps: OutboxRouteDeps): AnyRoute[] {
  const compose = async (request: Omit<ComposeRequest, 'caller'>, claims: Parameters<typeof loadCaller>[0]) => {
    const caller = await loadCaller(claims, deps.directory);
    try {
      const result = await composeMessage({ ...request, caller }, deps.outbox);
      return { status: result.created ? 201 : 200, body: { message: view(result.record, true), created: result.created, warnings: result.warnings } };
    } catch (error) {
      throw refusal(error);
    }
  };
  const common = (body: ComposeFields) => ({
    ...(body.to ? { to: body.to } : {}), ...(body.cc ? { cc: body.cc } : {}), ...(body.bcc ? { bcc: body.bcc } : {}),
    ...(body.subject !== undefined ? { subject: body.subject } : {}), ...(body.html !== undefined ? { html: body.html } : {}),
    ...(body.text !== undefined ? { text: body.text } : {}), importance: body.importance, requestReadReceipt: body.requestReadReceipt,
    ...(body.sendAt ? { sendAt: new Date(body.sendAt) } : {}), ...(body.undoSeconds !== undefined ? { undoSeconds: body.undoSeconds } : {}),
    ...(body.idempotencyKey ? { idempotencyKey: body.idempotencyKey } : {}),
    ...(body.signatureId !== undefined ? { signatureId: body.signatureId } : {}),
    ...(body.attachments ? { attachments: body.attachments } : {}),
    ...(body.requestDeliveryReceipt ? { requestDeliveryReceipt: true } : {}),
    ...(body.caseDocuments ? { caseDocuments: body.caseDocuments } : {}),
    ...(body.senderName ? { senderName: body.senderName } : {}),
  });

  return [
    implementRoute(specs.compose, ({ claims, params, body }) =>
      compose({ target: { kind: 'new', mailboxId: params.mailboxId }, ...common(body) }, claims)),
    implementRoute(specs.reply, async ({ claims, params, body, event }) => {
      await assertNoReplyCollision({ table: deps.outbox.table, directory: deps.directory }, { claims, conversationId: params.conversationId, event, basedOnVersion: body.basedOnVersion, confirm: body.confirm });
      return compose({
        target: { kind: body.kind, conversationId: params.conversationId, ...(body.messageKey ? { messageKey: body.messageKey } : {}) }, ...common(body),
      }, claims);
    }),
    implementRoute(specs.get, async ({ claims, params }) => {
      const [caller, record] = await Promise.all([loadCaller(claims, deps.directory), deps.outbox.outbox.get(params.messageKey, false)]);
      if (!record || !canSeeOutbound(caller, record)) throw problems.notFound('This outgoing message');
      return { status: 200, body: { message: view(record, canManageOutbound(caller, record)) } };
    }),
    implementRoute(specs.list, async ({ claims, params, query }) => {
      const caller = await loadCaller(claims, deps.directory);
      const role = Object.hasOwn(caller.roles, params.mailboxId) ? caller.roles[params.mailboxId] : undefined;
      if (!role) throw problems.notFound('This mailbox');
      const start = query.cursor && query.cursor.p.startsWith('MSG#')
        ? { PK: query.cursor.p, SK: 'MSG', GSI3PK: indexKeys.outbox(params.mailboxId), GSI3SK: query.cursor.s } : undefined;
      const page = await deps.outbox.outbox.listByMailbox(params.mailboxId, query.limit, start);
      const items = page.items.filter((r) => role !== 'agent' || r.composedBy === caller.email);
      const last = page.lastKey;
      return {
        status: 200,
        body: {
          items: items.map((r) => view(r, canManageOutbound(caller, r))),
          nextCursor: last ? encodeCursor({ s: String(last.GSI3SK), p: String(last.PK) }) : null,
        },
      };
    }),
    implementRoute(specs.cancel, async ({ claims, params }) => {
      const caller = await loadCaller(claims, deps.directory);
      const outcome = await cancelMessage(caller, params.messageKey, deps.outbox);
      switch (outcome.kind) {
        case 'not-found': throw problems.notFound('This outgoing message');
        case 'forbidden': throw problems.forbidden('Only its author, or an admin or dispatcher of the mailbox, may cancel this message.');
        case 'too-late': throw problems.conflict(`Too late to cancel: the message is ${outcome.record.status.replace('_', ' ')}.`, view(outcome.record, true));
        case 'cancelled': return { status: 200, body: { message: view(outcome.record, true) } };
      }
    }),
    implementRoute(specs.retry, async ({ claims, params }) => {
      const caller = await loadCaller(claims, deps.directory);
      const outcome = await retryMessage(caller, params.messageKey, deps.outbox);
      switch (outcome.kind) {
        case 'not-found': throw problems.notFound('This outgoing message');
        case 'forbidden': throw problems.forbidden('Only its author, or an admin or dispatcher of the mailbox, may retry this message.');
        case 'conflict': throw problems.conflict(`Only a failed or held message can be retried; this one is ${outcome.record.status.replace('_', ' ')}.`, view(outcome.record, true));
        case 'queued': return { status: 200, body: { message: view(outcome.record, true) } };
      }
    }),
    ...createComposeRoutes(deps, { view, refusal }),
    ...createOutboxOpsRoutes(deps, { view }),
  ];
}
