/**
 * Outbox operations' handlers (specs in routes-outbox-ops-spec.ts), served by the compose function
 * with the other outbox routes. Each maps a use case of shared/outbox/ to a response:
 * views.ts (scopes), preferences.ts (saved view, notification emails), bulk.ts, failed.ts,
 * settings.ts, and cancel.ts / retry.ts from a conversation.
 *
 * Access: anything outside the caller's mailboxes is 404; a scope or an action their role does not
 * allow is 403; a message in a conversation an agent is not assigned to is 404 from that
 * conversation's routes, as the conversation itself is.
 */
import { buildEvent } from '../events/contracts.js';
import type { ConversationRecord } from '../model/types.js';
import { bulkOutboxAction } from '../outbox/bulk.js';
import { cancelMessage } from '../outbox/cancel.js';
import { acknowledgeFailure, listFailed } from '../outbox/failed.js';
import type { OutboxRecord } from '../outbox/outbox-store.js';
import { loadEmailNotifications, loadOutboxView, saveEmailNotifications, saveOutboxView } from '../outbox/preferences.js';
import { retryMessage } from '../outbox/retry.js';
import { loadMailboxWithSettings, saveOutboxSettings, type OutboxSettings } from '../outbox/settings.js';
import { partitionsFor, readMerged, type OutboxScope } from '../outbox/views.js';
import type { UserWithRoles } from '../org/directory.js';
import { loadCaller, roleIn } from './access.js';
import { encodeCursor } from './cursor.js';
import { problems } from './problem.js';
import { implementRoute, type AnyRoute } from './router.js';
import { outboxOpsRouteSpecs as specs } from './routes-outbox-ops-spec.js';
import type { OutboxItem } from './outbox-item-schema.js';
import type { OutboxRouteDeps } from './routes-outbox.js';

type View = (record: OutboxRecord, showBcc: boolean) => OutboxItem;

const canManage = (caller: UserWithRoles, r: OutboxRecord) => {
  const role = roleIn(caller, r.mailboxId);
  return r.composedBy === caller.email || role === 'admin' || role === 'dispatcher';
};

function cursorOf(next: string | null, scope: string): string | null {
  return next === null ? null : encodeCursor({ s: next, p: scope });
}

/** The conversation as the caller may see it, or 404: agents only see the conversations assigned to them. */
async function visibleConversation(caller: UserWithRoles, conversationId: string, deps: OutboxRouteDeps): Promise<ConversationRecord> {
  const conversation = await deps.outbox.mail.getConversation(conversationId);
  const role = conversation ? roleIn(caller, conversation.mailboxId) : null;
  if (!conversation || !role || (role === 'agent' && conversation.assignee !== caller.email)) throw problems.notFound('This conversation');
  return conversation;
}

export function createOutboxOpsRoutes(deps: OutboxRouteDeps, helpers: { view: View }): AnyRoute[] {
  const { view } = helpers;
  // Read at request time: the route list is also built without dependencies (OpenAPI, route keys).
  const table = () => deps.outbox.table;
  const show = (caller: UserWithRoles) => (r: OutboxRecord) => view(r, canManage(caller, r));

  const settingsBody = (mailboxId: string, settings: OutboxSettings, caller: UserWithRoles) => ({
    mailboxId, settings, canEdit: roleIn(caller, mailboxId) === 'admin' || caller.orgAdmin,
  });

  const fromConversation = async (action: 'retry' | 'cancel', claims: Parameters<typeof loadCaller>[0], conversationId: string, messageKey: string) => {
    const caller = await loadCaller(claims, deps.directory);
    await visibleConversation(caller, conversationId, deps);
    const record = await deps.outbox.outbox.get(messageKey, false);
    if (!record || record.conversationId !== conversationId) throw problems.notFound('This outgoing message');
    const [result] = await bulkOutboxAction(caller, action, [messageKey], deps.outbox);
    switch (result!.status) {
      case 200: return { status: 200 as const, body: { message: view(result!.record, true) } };
      case 404: throw problems.notFound('This outgoing message');
      case 403: throw problems.forbidden(result!.error);
      case 409: throw problems.conflict(result!.error, view(result!.record, true));
    }
  };

  return [
    implementRoute(specs.view, async ({ claims, query }) => {
      const caller = await loadCaller(claims, deps.directory);
      const scope: OutboxScope = query.scope ?? (await loadOutboxView(table(), caller)).view.scope;
      const partitions = partitionsFor(caller, scope, query.mailboxId ?? null);
      if (!Array.isArray(partitions)) {
        if (partitions.kind === 'not-found') throw problems.notFound('This mailbox');
        throw problems.forbidden(partitions.message);
      }
      // A cursor from another scope would start at a meaningless position: it is refused.
      if (query.cursor && query.cursor.p !== scope) throw problems.badRequest('This cursor belongs to another view.', [{ field: 'query.cursor', message: 'not a cursor of this scope' }]);
      const page = await readMerged(deps.outbox.outbox, partitions, { limit: query.limit, before: query.cursor?.s ?? null, statuses: query.status && query.status.length > 0 ? query.status : null });
      return { status: 200, body: { scope, items: page.items.map(show(caller)), nextCursor: cursorOf(page.next, scope) } };
    }),
    implementRoute(specs.getView, async ({ claims }) => {
      const caller = await loadCaller(claims, deps.directory);
      return { status: 200, body: await loadOutboxView(table(), caller) };
    }),
    implementRoute(specs.putView, async ({ claims, body }) => {
      const caller = await loadCaller(claims, deps.directory);
      const allowed = partitionsFor(caller, body.scope, body.mailboxId);
      if (!Array.isArray(allowed)) {
        const message = allowed.kind === 'not-found' ? 'not one of your mailboxes' : allowed.message;
        throw problems.badRequest(message, [{ field: allowed.kind === 'not-found' ? 'body.mailboxId' : 'body.scope', message }]);
      }
      const view = await saveOutboxView(table(), caller.email, body, deps.outbox.clock.now());
      return { status: 200, body: { view, saved: true } };
    }),
    implementRoute(specs.bulk, async ({ claims, body }) => {
      const caller = await loadCaller(claims, deps.directory);
      const results = await bulkOutboxAction(caller, body.action, body.messageKeys, deps.outbox);
      const items = results.map((r) => ({
        messageKey: r.messageKey, status: r.status, error: 'error' in r ? r.error : null,
        message: 'record' in r ? view(r.record, true) : null,
      }));
      const succeeded = items.filter((i) => i.status === 200).length;
      return { status: 200, body: { results: items, succeeded, failed: items.length - succeeded } };
    }),
    implementRoute(specs.failed, async ({ claims, query }) => {
      const caller = await loadCaller(claims, deps.directory);
      if (query.mailboxId && !roleIn(caller, query.mailboxId)) throw problems.notFound('This mailbox');
      if (query.cursor && query.cursor.p !== 'failed') throw problems.badRequest('This cursor belongs to another list.', [{ field: 'query.cursor', message: 'not a cursor of this list' }]);
      const page = await listFailed(caller, deps.outbox, { limit: query.limit, before: query.cursor?.s ?? null, mailboxId: query.mailboxId ?? null });
      return { status: 200, body: { items: page.items.map(show(caller)), nextCursor: cursorOf(page.next, 'failed') } };
    }),
    implementRoute(specs.acknowledge, async ({ claims, params }) => {
      const caller = await loadCaller(claims, deps.directory);
      const outcome = await acknowledgeFailure(caller, params.messageKey, deps.outbox);
      switch (outcome.kind) {
        case 'not-found': throw problems.notFound('This outgoing message');
        case 'not-listed': throw problems.conflict('This message is not on the failed-sends list (acknowledged already, retried, or never failed).', view(outcome.record, true));
        case 'acknowledged': return { status: 200, body: { message: view(outcome.record, true) } };
      }
    }),
    implementRoute(specs.getSettings, async ({ claims, params }) => {
      const caller = await loadCaller(claims, deps.directory);
      const role = roleIn(caller, params.mailboxId);
      if (!role) throw problems.notFound('This mailbox');
      if (role === 'agent') throw problems.forbidden('Only admins and dispatchers of the mailbox see its outbox settings.');
      const loaded = await loadMailboxWithSettings(table(), params.mailboxId);
      if (!loaded) throw problems.notFound('This mailbox');
      return { status: 200, body: settingsBody(params.mailboxId, loaded.settings, caller) };
    }),
    implementRoute(specs.putSettings, async ({ claims, params, body }) => {
      const caller = await loadCaller(claims, deps.directory);
      const role = roleIn(caller, params.mailboxId);
      if (!role) throw problems.notFound('This mailbox');
      if (role !== 'admin' && !caller.orgAdmin) throw problems.forbidden('Only admins of the mailbox change its outbox settings.');
      const saved = await saveOutboxSettings(table(), params.mailboxId, body);
      if (!saved) throw problems.notFound('This mailbox');
      const now = deps.outbox.clock.now();
      await deps.outbox.events.publish([buildEvent('outboxSettingsChanged', `outbox-settings-changed:${params.mailboxId}:${now.toISOString()}`, {
        mailboxId: params.mailboxId, orgId: caller.orgId, changedBy: caller.email, connectorEnabled: saved.connectorEnabled,
        undoSeconds: saved.undoSeconds, retry: saved.retry, autoAckEnabled: saved.autoAck.enabled,
      }, now)]);
      return { status: 200, body: settingsBody(params.mailboxId, saved, caller) };
    }),
    implementRoute(specs.conversationRetry, ({ claims, params }) => fromConversation('retry', claims, params.conversationId, params.messageKey)),
    implementRoute(specs.conversationCancel, ({ claims, params }) => fromConversation('cancel', claims, params.conversationId, params.messageKey)),
    implementRoute(specs.getEmailNotifications, async ({ claims }) => {
      const caller = await loadCaller(claims, deps.directory);
      return { status: 200, body: { preference: await loadEmailNotifications(table(), caller.email) } };
    }),
    implementRoute(specs.putEmailNotifications, async ({ claims, body }) => {
      const caller = await loadCaller(claims, deps.directory);
      await saveEmailNotifications(table(), caller.email, body, deps.outbox.clock.now());
      return { status: 200, body: { preference: body } };
    }),
  ];
}
