/**
 * Outbox routes: compose a new message, reply / reply-all / forward in a conversation, read an
 * outgoing message's send state, list a mailbox's outbox, cancel (undo send).
 *
 * Who may send: admins and dispatchers of the mailbox; in a conversation, also the agent it is
 * assigned to. Who may cancel: the author, or an admin or dispatcher of the mailbox. Anything the
 * caller may not see answers 404, as elsewhere in the API.
 */
import * as z from 'zod';
import { loadCaller } from './access.js';
import { cursorParam, encodeCursor } from './cursor.js';
import { problems, ProblemError } from './problem.js';
import { defineRoute, type AnyRoute } from './router.js';
import type { ApiDeps } from './routes.js';
import { id } from './schemas.js';
import { cancelMessage, canManageOutbound, canSeeOutbound } from '../outbox/cancel.js';
import { ComposeRefusedError, composeMessage, type ComposeDeps, type ComposeRequest } from '../outbox/compose.js';
import { composeDepsFromEnv } from '../outbox/deps.js';
import { MAX_DELAY_SECONDS } from '../outbox/queue.js';
import type { OutboxRecord } from '../outbox/outbox-store.js';
import { retryMessage } from '../outbox/retry.js';
import { OUTBOX_STATUSES } from '../outbox/status.js';
import { indexKeys } from '../model/keys.js';
import type { MailAddress } from '../mail/types.js';

/** Outbox wiring; built from the environment on first use unless the caller's deps carry one (tests). */
export interface OutboxApiDeps {
  outbox?: ComposeDeps;
}

const emailCheck = z.email();
const MAX_RECIPIENTS = 50;

/**
 * A recipient: `"a@b.test"` or `{ address, name }`. An invalid one is a 400 naming its position
 * (`body.to[1]`). CR, LF and other control characters are refused: they would inject headers.
 */
const recipient = z.union([
  z.string().max(320),
  z.object({ address: z.string().max(320), name: z.string().max(200).optional() }),
]).transform((value, ctx): MailAddress => {
  const raw = typeof value === 'string' ? { address: value, name: '' } : { address: value.address, name: value.name ?? '' };
  const address = raw.address.trim().toLowerCase();
  if (!emailCheck.safeParse(address).success) {
    ctx.addIssue({ code: 'custom', message: `"${raw.address}" is not an email address` });
    return z.NEVER;
  }
  if (/\p{Cc}/u.test(raw.name)) {
    ctx.addIssue({ code: 'custom', message: 'the name contains control characters' });
    return z.NEVER;
  }
  return { address, name: raw.name.trim() };
});

const recipients = z.array(recipient).max(MAX_RECIPIENTS);

const composeFields = {
  to: recipients.optional(),
  cc: recipients.optional(),
  bcc: recipients.optional().describe('Envelope only: never written in the headers.'),
  subject: z.string().max(998).regex(/^[^\p{Cc}]*$/u, 'no control characters').optional(),
  html: z.string().max(512 * 1024).optional().describe('Rich text; sanitised before it is stored or sent.'),
  text: z.string().max(512 * 1024).optional().describe('Plain-text alternative; generated from html when absent.'),
  importance: z.enum(['high', 'normal', 'low']).default('normal'),
  requestReadReceipt: z.boolean().default(false).describe('Ask for a read receipt (Disposition-Notification-To).'),
  sendAt: z.iso.datetime({ offset: true }).optional().describe('Scheduled send time; at most a year ahead.'),
  undoSeconds: z.number().int().min(0).max(MAX_DELAY_SECONDS).optional().describe('Undo window for this message (default: the mailbox\'s, else 10 s).'),
  idempotencyKey: z.string().min(8).max(128).optional().describe('Same key, same message: a retried request never sends twice.'),
};

const outboxItemSchema = z.object({
  messageKey: z.string(), messageId: z.string(), mailboxId: z.string(), conversationId: z.string(),
  status: z.enum(OUTBOX_STATUSES as [string, ...string[]]),
  subject: z.string(),
  to: z.array(z.object({ address: z.string(), name: z.string() })),
  cc: z.array(z.object({ address: z.string(), name: z.string() })),
  bcc: z.array(z.object({ address: z.string(), name: z.string() })).describe('Only shown to the author, admins and dispatchers.'),
  importance: z.enum(['high', 'normal', 'low']), readReceiptRequested: z.boolean(), connector: z.string(),
  composedBy: z.string(), createdAt: z.string(), sendAt: z.string().nullable(),
  attempts: z.number().int(), maxAttempts: z.number().int(),
  lastAttemptAt: z.string().nullable(), nextAttemptAt: z.string().nullable(), firstFailureAt: z.string().nullable(),
  lastError: z.string().nullable(), providerMessageId: z.string().nullable(), sentAt: z.string().nullable(),
  attachmentCount: z.number().int(),
  cancellable: z.boolean().describe('Still queued or waiting for a retry: POST .../cancel can stop it.'),
  rawUrl: z.string(),
});

function view(r: OutboxRecord, showBcc: boolean): z.infer<typeof outboxItemSchema> {
  return {
    messageKey: r.messageKey, messageId: r.messageId, mailboxId: r.mailboxId, conversationId: r.conversationId, status: r.status,
    subject: r.subject, to: r.to, cc: r.cc, bcc: showBcc ? r.bcc : [], importance: r.importance, readReceiptRequested: r.readReceiptRequested,
    connector: r.connector, composedBy: r.composedBy, createdAt: r.createdAt, sendAt: r.sendAt, attempts: r.attempt, maxAttempts: r.maxAttempts,
    lastAttemptAt: r.lastAttemptAt, nextAttemptAt: r.nextAttemptAt, firstFailureAt: r.firstFailureAt, lastError: r.lastError,
    providerMessageId: r.providerMessageId, sentAt: r.sentAt, attachmentCount: r.attachmentCount,
    cancellable: r.status === 'queued' || r.status === 'retry_pending', rawUrl: `/api/messages/${r.messageKey}/raw`,
  };
}

function refusal(error: unknown): unknown {
  if (!(error instanceof ComposeRefusedError)) return error;
  switch (error.code) {
    case 'not-found': return new ProblemError(404, 'Not found', error.message);
    case 'forbidden': return problems.forbidden(error.message);
    case 'invalid': return problems.badRequest(error.message, [{ field: error.field ?? 'body', message: error.message }]);
  }
}

const composeResponse = z.object({ message: outboxItemSchema, created: z.boolean().describe('False when an idempotency key matched an earlier request.') });

export function createOutboxRoutes(deps: ApiDeps & OutboxApiDeps): AnyRoute[] {
  let outbox = deps.outbox;
  const wiring = (): ComposeDeps => (outbox ??= composeDepsFromEnv());

  const compose = async (request: Omit<ComposeRequest, 'caller'>, claims: Parameters<typeof loadCaller>[0]) => {
    const caller = await loadCaller(claims, deps.directory);
    try {
      const result = await composeMessage({ ...request, caller }, wiring());
      return { status: result.created ? 201 : 200, body: { message: view(result.record, true), created: result.created } };
    } catch (error) {
      throw refusal(error);
    }
  };
  const common = (body: z.infer<z.ZodObject<typeof composeFields>>) => ({
    ...(body.to ? { to: body.to } : {}), ...(body.cc ? { cc: body.cc } : {}), ...(body.bcc ? { bcc: body.bcc } : {}),
    ...(body.subject !== undefined ? { subject: body.subject } : {}), ...(body.html !== undefined ? { html: body.html } : {}),
    ...(body.text !== undefined ? { text: body.text } : {}), importance: body.importance, requestReadReceipt: body.requestReadReceipt,
    ...(body.sendAt ? { sendAt: new Date(body.sendAt) } : {}), ...(body.undoSeconds !== undefined ? { undoSeconds: body.undoSeconds } : {}),
    ...(body.idempotencyKey ? { idempotencyKey: body.idempotencyKey } : {}),
  });
  const sendAtLimit = (body: { sendAt?: string | undefined }, ctx: z.RefinementCtx) => {
    if (body.sendAt && Date.parse(body.sendAt) > Date.now() + 366 * 86_400_000) {
      ctx.addIssue({ code: 'custom', path: ['sendAt'], message: 'at most a year ahead' });
    }
  };

  return [
    defineRoute({
      method: 'POST', path: '/api/mailboxes/{mailboxId}/outbox', operationId: 'composeMessage', tags: ['outbox'],
      summary: 'Send a new message from the mailbox (admins and dispatchers). It opens a conversation assigned to the author and is sent after the undo window, or at sendAt.',
      params: z.object({ mailboxId: id }),
      body: z.strictObject({ ...composeFields, to: recipients.min(1) }).superRefine(sendAtLimit),
      response: { status: 201, schema: composeResponse, description: 'The queued message (200 when the idempotency key matched).' },
      errors: [400, 403, 404],
      handle: ({ claims, params, body }) => compose({ target: { kind: 'new', mailboxId: params.mailboxId }, ...common(body) }, claims),
    }),
    defineRoute({
      method: 'POST', path: '/api/conversations/{conversationId}/replies', operationId: 'replyToConversation', tags: ['outbox'],
      summary: 'Reply, reply to all or forward (with the original attachments) in a conversation. Recipients default to the sender of the message answered (and its other recipients for reply-all).',
      params: z.object({ conversationId: id }),
      body: z.strictObject({
        kind: z.enum(['reply', 'reply-all', 'forward']).default('reply'),
        messageKey: id.optional().describe('The message answered; default: the latest received one.'),
        ...composeFields,
      }).superRefine(sendAtLimit).superRefine((body, ctx) => {
        if (body.kind === 'forward' && !(body.to?.length || body.cc?.length || body.bcc?.length)) {
          ctx.addIssue({ code: 'custom', path: ['to'], message: 'a forward needs at least one recipient' });
        }
      }),
      response: { status: 201, schema: composeResponse, description: 'The queued message (200 when the idempotency key matched).' },
      errors: [400, 403, 404],
      handle: ({ claims, params, body }) => compose({
        target: { kind: body.kind, conversationId: params.conversationId, ...(body.messageKey ? { messageKey: body.messageKey } : {}) }, ...common(body),
      }, claims),
    }),
    defineRoute({
      method: 'GET', path: '/api/outbox/{messageKey}', operationId: 'getOutboxMessage', tags: ['outbox'],
      summary: 'An outgoing message\'s send state: status, attempts, last failure, next attempt.',
      params: z.object({ messageKey: id }),
      response: { status: 200, schema: z.object({ message: outboxItemSchema }), description: 'The outgoing message.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const [caller, record] = await Promise.all([loadCaller(claims, deps.directory), wiring().outbox.get(params.messageKey, false)]);
        if (!record || !canSeeOutbound(caller, record)) throw problems.notFound('This outgoing message');
        return { status: 200, body: { message: view(record, canManageOutbound(caller, record)) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/mailboxes/{mailboxId}/outbox', operationId: 'listOutbox', tags: ['outbox'],
      summary: 'The mailbox\'s outgoing messages, newest first. Admins and dispatchers see all of them, agents their own.',
      params: z.object({ mailboxId: id }),
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(25), cursor: cursorParam.optional() }),
      response: { status: 200, schema: z.object({ items: z.array(outboxItemSchema), nextCursor: z.string().nullable() }), description: 'One page.' },
      errors: [404],
      handle: async ({ claims, params, query }) => {
        const caller = await loadCaller(claims, deps.directory);
        const role = Object.hasOwn(caller.roles, params.mailboxId) ? caller.roles[params.mailboxId] : undefined;
        if (!role) throw problems.notFound('This mailbox');
        const start = query.cursor && query.cursor.p.startsWith('MSG#')
          ? { PK: query.cursor.p, SK: 'MSG', GSI3PK: indexKeys.outbox(params.mailboxId), GSI3SK: query.cursor.s } : undefined;
        const page = await wiring().outbox.listByMailbox(params.mailboxId, query.limit, start);
        const items = page.items.filter((r) => role !== 'agent' || r.composedBy === caller.email);
        const last = page.lastKey;
        return {
          status: 200,
          body: {
            items: items.map((r) => view(r, canManageOutbound(caller, r))),
            nextCursor: last ? encodeCursor({ s: String(last.GSI3SK), p: String(last.PK) }) : null,
          },
        };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/outbox/{messageKey}/cancel', operationId: 'cancelOutboxMessage', tags: ['outbox'],
      summary: 'Cancel (undo send) a message that is still queued, scheduled or waiting for a retry. 409 once the sender has picked it up.',
      params: z.object({ messageKey: id }),
      response: { status: 200, schema: z.object({ message: outboxItemSchema }), description: 'The cancelled message.' },
      errors: [403, 404, 409],
      handle: async ({ claims, params }) => {
        const caller = await loadCaller(claims, deps.directory);
        const outcome = await cancelMessage(caller, params.messageKey, wiring());
        switch (outcome.kind) {
          case 'not-found': throw problems.notFound('This outgoing message');
          case 'forbidden': throw problems.forbidden('Only its author, or an admin or dispatcher of the mailbox, may cancel this message.');
          case 'too-late': throw problems.conflict(`Too late to cancel: the message is ${outcome.record.status.replace('_', ' ')}.`, view(outcome.record, true));
          case 'cancelled': return { status: 200, body: { message: view(outcome.record, true) } };
        }
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/outbox/{messageKey}/retry', operationId: 'retryOutboxMessage', tags: ['outbox'],
      summary: 'Send again a message that failed or was held by a disabled connector (one more attempt). 409 in any other status.',
      params: z.object({ messageKey: id }),
      response: { status: 200, schema: z.object({ message: outboxItemSchema }), description: 'The message, retry pending.' },
      errors: [403, 404, 409],
      handle: async ({ claims, params }) => {
        const caller = await loadCaller(claims, deps.directory);
        const outcome = await retryMessage(caller, params.messageKey, wiring());
        switch (outcome.kind) {
          case 'not-found': throw problems.notFound('This outgoing message');
          case 'forbidden': throw problems.forbidden('Only its author, or an admin or dispatcher of the mailbox, may retry this message.');
          case 'conflict': throw problems.conflict(`Only a failed or held message can be retried; this one is ${outcome.record.status.replace('_', ' ')}.`, view(outcome.record, true));
          case 'queued': return { status: 200, body: { message: view(outcome.record, true) } };
        }
      },
    }),
  ];
}
