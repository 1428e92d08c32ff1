/**
 * Outbox operations' route specs (handlers in routes-outbox-ops.ts, served by the compose function
 * with the other outbox routes): views by scope, the user's saved view, bulk retry and cancel, the
 * failed-sends list, acknowledging a failure, a mailbox's outbox settings, retry and cancel from a
 * conversation, and the user's notification-email choices. Light imports only (zod, schema modules),
 * as routes-outbox-spec.ts.
 */
import * as z from 'zod';
import { MAX_BULK_ITEMS_LIMIT } from '../outbox/limits.js';
import { emailNotificationsSchema, outboxViewSchema, OUTBOX_VIEW_SCOPES } from '../outbox/preferences-schema.js';
import { outboxSettingsSchema } from '../outbox/settings-schema.js';
import { OUTBOX_STATUSES } from '../outbox/status.js';
import { cursorParam } from './cursor.js';
import { defineRouteSpec } from './router.js';
import { id } from './schemas.js';
import { outboxItemSchema } from './outbox-item-schema.js';

const statusList = z.string().max(200).transform((value, ctx) => {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.find((s) => !(OUTBOX_STATUSES as readonly string[]).includes(s));
  if (bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `"${bad}" is not a status (${OUTBOX_STATUSES.join(', ')})` });
    return z.NEVER;
  }
  return list as (typeof OUTBOX_STATUSES)[number][];
}).describe('Comma-separated statuses to show, e.g. `failed,connector_disabled`.');

const page = z.object({ items: z.array(outboxItemSchema), nextCursor: z.string().nullable() });

const bulkResult = z.object({
  messageKey: z.string(),
  status: z.union([z.literal(200), z.literal(403), z.literal(404), z.literal(409)]).describe('200 done; 404 not found or not visible; 403 not allowed; 409 not in a status the action applies to (see `message.status`).'),
  error: z.string().nullable(),
  message: outboxItemSchema.nullable().describe('The message after the action (200) or as found (409).'),
});

const settingsView = z.object({ mailboxId: z.string(), settings: outboxSettingsSchema, canEdit: z.boolean() });

export const outboxOpsRouteSpecs = {
  view: defineRouteSpec({
    method: 'GET', path: '/api/outbox', operationId: 'listOutboxView', tags: ['outbox'],
    summary: 'Outgoing messages by scope, newest first: mine (I composed), team (mailboxes I dispatch or administer), system (system-generated, for admins and dispatchers), all (organisation admins). Without a scope: the saved view, else the default for my roles.',
    query: z.object({
      scope: z.enum(OUTBOX_VIEW_SCOPES).optional(),
      status: statusList.optional(),
      mailboxId: id.optional().describe('Only this mailbox.'),
      limit: z.coerce.number().int().min(1).max(100).default(25),
      cursor: cursorParam.optional(),
    }),
    response: { status: 200, schema: page.extend({ scope: z.enum(OUTBOX_VIEW_SCOPES) }), description: 'One page.' },
    errors: [400, 403, 404],
  }),
  getView: defineRouteSpec({
    method: 'GET', path: '/api/me/outbox-view', operationId: 'getOutboxView', tags: ['outbox'],
    summary: 'My outbox view: scope, status filter and visible columns (the default for my roles until I save one).',
    response: { status: 200, schema: z.object({ view: outboxViewSchema, saved: z.boolean() }), description: 'The view.' },
    errors: [],
  }),
  putView: defineRouteSpec({
    method: 'PUT', path: '/api/me/outbox-view', operationId: 'saveOutboxView', tags: ['outbox'],
    summary: 'Save my outbox view. `to` and `subject` are always shown. A scope I may not use is a 400.',
    body: outboxViewSchema,
    response: { status: 200, schema: z.object({ view: outboxViewSchema, saved: z.boolean() }), description: 'The saved view.' },
    errors: [400],
  }),
  bulk: defineRouteSpec({
    method: 'POST', path: '/api/outbox/bulk', operationId: 'bulkOutboxAction', tags: ['outbox'],
    summary: `Retry or cancel up to ${MAX_BULK_ITEMS_LIMIT} messages; each succeeds or fails on its own (a result per message, in the order given). Repeating the request is harmless.`,
    body: z.strictObject({
      action: z.enum(['retry', 'cancel']),
      messageKeys: z.array(id).min(1).max(MAX_BULK_ITEMS_LIMIT),
    }),
    response: { status: 200, schema: z.object({ results: z.array(bulkResult), succeeded: z.number().int(), failed: z.number().int() }), description: 'One result per message.' },
    errors: [400],
  }),
  failed: defineRouteSpec({
    method: 'GET', path: '/api/outbox/failed', operationId: 'listFailedSends', tags: ['outbox'],
    summary: 'Failed sends not yet acknowledged: failed, held by a disabled connector, or bounced for a recipient. Mine, and every one of the mailboxes I dispatch or administer.',
    query: z.object({ mailboxId: id.optional(), limit: z.coerce.number().int().min(1).max(100).default(25), cursor: cursorParam.optional() }),
    response: { status: 200, schema: page, description: 'One page, newest failure first.' },
    errors: [400],
  }),
  acknowledge: defineRouteSpec({
    method: 'POST', path: '/api/outbox/{messageKey}/acknowledge', operationId: 'acknowledgeFailedSend', tags: ['outbox'],
    summary: 'Take a failed send off the failed-sends list (for everyone). 409 when it is not on it.',
    params: z.object({ messageKey: id }),
    response: { status: 200, schema: z.object({ message: outboxItemSchema }), description: 'The message, off the list.' },
    errors: [404, 409],
  }),
  getSettings: defineRouteSpec({
    method: 'GET', path: '/api/mailboxes/{mailboxId}/outbox/settings', operationId: 'getOutboxSettings', tags: ['outbox'],
    summary: 'The mailbox\'s outbox settings: connector, undo window, retry policy, auto-acknowledgement (admins and dispatchers).',
    params: z.object({ mailboxId: id }),
    response: { status: 200, schema: settingsView, description: 'The settings in force (defaults where none were set).' },
    errors: [403, 404],
  }),
  putSettings: defineRouteSpec({
    method: 'PUT', path: '/api/mailboxes/{mailboxId}/outbox/settings', operationId: 'saveOutboxSettings', tags: ['outbox'],
    summary: 'Replace the mailbox\'s outbox settings (admins of the mailbox); omitted fields take their defaults. The sender applies them from the next attempt.',
    params: z.object({ mailboxId: id }),
    body: outboxSettingsSchema,
    response: { status: 200, schema: settingsView, description: 'The settings now in force.' },
    errors: [400, 403, 404],
  }),
  conversationRetry: defineRouteSpec({
    method: 'POST', path: '/api/conversations/{conversationId}/messages/{messageKey}/retry', operationId: 'retryConversationMessage', tags: ['outbox'],
    summary: 'Retry, from the conversation timeline, an outgoing message of this conversation (same rules as POST /api/outbox/{messageKey}/retry).',
    params: z.object({ conversationId: id, messageKey: id }),
    response: { status: 200, schema: z.object({ message: outboxItemSchema }), description: 'The message, retry pending.' },
    errors: [403, 404, 409],
  }),
  conversationCancel: defineRouteSpec({
    method: 'POST', path: '/api/conversations/{conversationId}/messages/{messageKey}/cancel', operationId: 'cancelConversationMessage', tags: ['outbox'],
    summary: 'Cancel, from the conversation timeline, an outgoing message of this conversation (same rules as POST /api/outbox/{messageKey}/cancel).',
    params: z.object({ conversationId: id, messageKey: id }),
    response: { status: 200, schema: z.object({ message: outboxItemSchema }), description: 'The cancelled message.' },
    errors: [403, 404, 409],
  }),
  getEmailNotifications: defineRouteSpec({
    method: 'GET', path: '/api/me/email-notifications', operationId: 'getEmailNotifications', tags: ['outbox'],
    summary: 'Which notification emails I get (mentions, assignments by someone else); both on by default.',
    response: { status: 200, schema: z.object({ preference: emailNotificationsSchema }), description: 'My choice.' },
    errors: [],
  }),
  putEmailNotifications: defineRouteSpec({
    method: 'PUT', path: '/api/me/email-notifications', operationId: 'saveEmailNotifications', tags: ['outbox'],
    summary: 'Turn notification emails on or off, per kind.',
    body: emailNotificationsSchema,
    response: { status: 200, schema: z.object({ preference: emailNotificationsSchema }), description: 'My choice, saved.' },
    errors: [400],
  }),
};
