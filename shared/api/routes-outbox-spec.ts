/**
 * What the outbox routes are, without what they do: method, path, schemas, documentation. The API
 * function lists them in its OpenAPI document and the compose function (functions/compose/)
 * serves them (routes-outbox.ts attaches the handlers). Kept apart so the API bundle documents the
 * outbox without carrying its code: imports here must stay light (zod, schema modules, constants),
 * never the outbox's use cases or AWS clients; test/infra/bundle.test.ts checks it.
 */
import * as z from 'zod';
import type { MailAddress } from '../mail/types.js';
import { MAX_DELAY_SECONDS } from '../outbox/env.js';
import { cursorParam } from './cursor.js';
import { defineRouteSpec, routeKeyOf, type AnyRouteSpec } from './router.js';
import { id } from './schemas.js';
import { outboxItemSchema } from './outbox-item-schema.js';
import { outboxOpsRouteSpecs } from './routes-outbox-ops-spec.js';
import { composeExtraFields, uploadRequestSchema, uploadResponseSchema } from '../compose/schemas.js';

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
  ...composeExtraFields,
};

/** The fields every compose request shares, as validated. */
export type ComposeFields = z.output<z.ZodObject<typeof composeFields>>;

/** The compose fields' schemas, for requests that carry a message being written (drafts). */
export const composeFieldSchemas = composeFields;

export { outboxItemSchema, type OutboxItem } from './outbox-item-schema.js';

const composeResponse = z.object({
  message: outboxItemSchema,
  created: z.boolean().describe('False when an idempotency key matched an earlier request.'),
  warnings: z.array(z.object({ field: z.string().describe('The recipient, as `body.to[0]`, `body.cc[1]`, `body.bcc[0]`.'), message: z.string() }))
    .describe("Recipients on the organisation's suppression list (an earlier permanent bounce or spam complaint). The message is sent anyway."),
});

const sendAtLimit = (body: { sendAt?: string | undefined }, ctx: z.RefinementCtx) => {
  if (body.sendAt && Date.parse(body.sendAt) > Date.now() + 366 * 86_400_000) {
    ctx.addIssue({ code: 'custom', path: ['sendAt'], message: 'at most a year ahead' });
  }
};

/** The outbox routes by name, in the order the OpenAPI document lists them. */
export const outboxRouteSpecs = {
  compose: defineRouteSpec({
    method: 'POST', path: '/api/mailboxes/{mailboxId}/outbox', operationId: 'composeMessage', tags: ['outbox'],
    summary: 'Send a new message from the mailbox (admins and dispatchers). It opens a conversation assigned to the author and is sent after the undo window, or at sendAt.',
    params: z.object({ mailboxId: id }),
    body: z.strictObject({ ...composeFields, to: recipients.min(1) }).superRefine(sendAtLimit),
    response: { status: 201, schema: composeResponse, description: 'The queued message (200 when the idempotency key matched).' },
    errors: [400, 403, 404],
  }),
  reply: defineRouteSpec({
    method: 'POST', path: '/api/conversations/{conversationId}/replies', operationId: 'replyToConversation', tags: ['outbox'],
    summary: 'Reply, reply to all or forward (with the original attachments) in a conversation. Recipients default to the sender of the message answered (and its other recipients for reply-all).',
    params: z.object({ conversationId: id }),
    body: z.strictObject({
      kind: z.enum(['reply', 'reply-all', 'forward']).default('reply'),
      messageKey: id.optional().describe('The message answered; default: the latest received one.'),
      ...composeFields,
      basedOnVersion: z.number().int().min(0).optional()
        .describe('The conversation version the reply was written against (or If-Match): a customer message or another reply since answers 409 listing them.'),
      confirm: z.boolean().optional().describe('true: send even though the conversation changed since basedOnVersion.'),
    }).superRefine(sendAtLimit).superRefine((body, ctx) => {
      if (body.kind === 'forward' && !(body.to?.length || body.cc?.length || body.bcc?.length)) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: 'a forward needs at least one recipient' });
      }
    }),
    response: { status: 201, schema: composeResponse, description: 'The queued message (200 when the idempotency key matched).' },
    errors: [400, 403, 404, 409],
  }),
  get: defineRouteSpec({
    method: 'GET', path: '/api/outbox/{messageKey}', operationId: 'getOutboxMessage', tags: ['outbox'],
    summary: 'An outgoing message\'s send state: status, attempts, last failure, next attempt.',
    params: z.object({ messageKey: id }),
    response: { status: 200, schema: z.object({ message: outboxItemSchema }), description: 'The outgoing message.' },
    errors: [404],
  }),
  list: defineRouteSpec({
    method: 'GET', path: '/api/mailboxes/{mailboxId}/outbox', operationId: 'listOutbox', tags: ['outbox'],
    summary: 'The mailbox\'s outgoing messages, newest first. Admins and dispatchers see all of them, agents their own.',
    params: z.object({ mailboxId: id }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(25), cursor: cursorParam.optional() }),
    response: { status: 200, schema: z.object({ items: z.array(outboxItemSchema), nextCursor: z.string().nullable() }), description: 'One page.' },
    errors: [404],
  }),
  cancel: defineRouteSpec({
    method: 'POST', path: '/api/outbox/{messageKey}/cancel', operationId: 'cancelOutboxMessage', tags: ['outbox'],
    summary: 'Cancel (undo send) a message that is still queued, scheduled or waiting for a retry. 409 once the sender has picked it up.',
    params: z.object({ messageKey: id }),
    response: { status: 200, schema: z.object({ message: outboxItemSchema }), description: 'The cancelled message.' },
    errors: [403, 404, 409],
  }),
  retry: defineRouteSpec({
    method: 'POST', path: '/api/outbox/{messageKey}/retry', operationId: 'retryOutboxMessage', tags: ['outbox'],
    summary: 'Send again a message that failed or was held by a disabled connector (one more attempt). 409 in any other status.',
    params: z.object({ messageKey: id }),
    response: { status: 200, schema: z.object({ message: outboxItemSchema }), description: 'The message, retry pending.' },
    errors: [403, 404, 409],
  }),
};

/** Composing routes served by the compose function beside the outbox's (shared/compose/compose-routes.ts). */
export const composeRouteSpecs = {
  sendDraft: defineRouteSpec({
    method: 'POST', path: '/api/drafts/{draftId}/send', operationId: 'sendDraft', tags: ['outbox'],
    summary: 'Send a draft: it becomes an outgoing message once, even when the request is repeated (a double click, a retry) — the same message comes back. A draft that does not fill its merge fields is refused (400) and stays a draft.',
    params: z.object({ draftId: id }),
    body: z.strictObject({ expectedVersion: z.number().int().min(0).optional().describe('Send only if the draft is still at this version (409 otherwise).') }).optional(),
    response: { status: 201, schema: composeResponse.extend({ draftId: z.string() }), description: 'The queued message (200 when this draft was already sent).' },
    errors: [400, 403, 404, 409],
  }),
  createUpload: defineRouteSpec({
    method: 'POST', path: '/api/mailboxes/{mailboxId}/uploads', operationId: 'createUpload', tags: ['outbox'],
    summary: 'An upload link for an attachment or an inline image: PUT the file to `url` with the given headers (exact size and type), then name `uploadKey` in `attachments` when composing. Members of the mailbox only.',
    params: z.object({ mailboxId: id }),
    body: uploadRequestSchema,
    response: { status: 201, schema: uploadResponseSchema, description: 'The upload link (valid 15 minutes).' },
    errors: [400, 404],
  }),
  readUploads: defineRouteSpec({
    method: 'POST', path: '/api/mailboxes/{mailboxId}/uploads/read-links', operationId: 'readUploads', tags: ['outbox'],
    summary: "Short-lived links to read the caller's own uploads back, e.g. to show again the inline images of a draft opened later (the draft names them without a signature). Another member's upload is answered as missing. Members of the mailbox only.",
    params: z.object({ mailboxId: id }),
    body: z.strictObject({ uploadKeys: z.array(z.string().min(1).max(1024)).min(1).max(20).describe('Keys the upload links were issued for.') }),
    response: {
      status: 200,
      schema: z.object({
        links: z.array(z.object({ uploadKey: z.string(), url: z.string(), expiresAt: z.string() })).describe('One per own upload, in the order asked; keys that are not the caller\'s are left out.'),
      }),
      description: 'The read links (valid 15 minutes).',
    },
    errors: [400, 404],
  }),
  checkRecipients: defineRouteSpec({
    method: 'POST', path: '/api/mailboxes/{mailboxId}/recipient-checks', operationId: 'checkRecipients', tags: ['outbox'],
    summary: "Which of these addresses are on the organisation's suppression list (an earlier permanent bounce or spam complaint), so the composer can warn while the message is written. Nothing is refused: a message to them is still sent. Members of the mailbox only.",
    params: z.object({ mailboxId: id }),
    body: z.strictObject({ addresses: z.array(z.email().max(254)).min(1).max(100).describe('The recipients typed so far.') }),
    response: {
      status: 200,
      schema: z.object({
        suppressed: z.array(z.object({
          address: z.string(), reason: z.enum(['bounced', 'complained']),
          diagnostic: z.string().nullable().describe("The receiving server's answer to the bounce, when known."),
          at: z.string().describe('When it bounced or complained.'),
          message: z.string().describe('The warning in plain words.'),
        })),
      }),
      description: 'The suppressed ones among the addresses (empty when none).',
    },
    errors: [400, 404],
  }),
};

export const OUTBOX_ROUTE_SPECS: readonly AnyRouteSpec[] = [...Object.values(outboxRouteSpecs), ...Object.values(composeRouteSpecs), ...Object.values(outboxOpsRouteSpecs)];

/**
 * API Gateway route keys served by the compose function, one per outbox route: the single list
 * the CDK HTTP API (infra/constructs/http-api.ts) and the local stack's dispatcher route by.
 * Exact keys rather than a greedy `/api/outbox/{proxy+}`: everything else, unknown paths and CORS
 * preflights included, stays with `ANY /api/{proxy+}` and the API function.
 */
export const COMPOSE_ROUTE_KEYS: readonly string[] = OUTBOX_ROUTE_SPECS.map(routeKeyOf);
