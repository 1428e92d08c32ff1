/**
 * A user's outbox view and notification-email choices, each one item beside the user item
 * (`PK=USER#<email>`, SK `OUTBOX_VIEW` / `EMAIL_NOTIFY`): one GetItem to read, one PutItem to save.
 */
import type { Table } from '../adapters/dynamodb-table.js';
import { keys } from '../model/keys.js';
import type { UserWithRoles } from '../org/directory.js';
import {
  ALWAYS_SHOWN_COLUMNS, DEFAULT_OUTBOX_COLUMNS, emailNotificationsSchema, outboxViewSchema,
  type EmailNotificationPreference, type OutboxViewPreference,
} from './preferences-schema.js';
import { defaultScope } from './views.js';

export type { EmailNotificationPreference, OutboxViewPreference } from './preferences-schema.js';

/** `to` and `subject` first when missing: the list is unreadable without them. */
function withAlwaysShown(columns: OutboxViewPreference['columns']): OutboxViewPreference['columns'] {
  return [...ALWAYS_SHOWN_COLUMNS.filter((c) => !columns.includes(c)), ...columns];
}

/** The stored view, or the default for the caller's roles (`saved: false`). */
export async function loadOutboxView(table: Table, caller: UserWithRoles): Promise<{ view: OutboxViewPreference; saved: boolean }> {
  const item = await table.get(keys.outboxView(caller.email));
  const parsed = item ? outboxViewSchema.safeParse(item.view) : null;
  if (parsed?.success) return { view: { ...parsed.data, columns: withAlwaysShown(parsed.data.columns) }, saved: true };
  return { view: { scope: defaultScope(caller), statuses: [], columns: [...DEFAULT_OUTBOX_COLUMNS], mailboxId: null }, saved: false };
}

export async function saveOutboxView(table: Table, email: string, view: OutboxViewPreference, now: Date): Promise<OutboxViewPreference> {
  const stored = { ...view, columns: withAlwaysShown(view.columns) };
  await table.put({ ...keys.outboxView(email), type: 'outbox-view', view: stored, updatedAt: now.toISOString() });
  return stored;
}

export const DEFAULT_EMAIL_NOTIFICATIONS: EmailNotificationPreference = { mentions: true, assignments: true };

export async function loadEmailNotifications(table: Table, email: string): Promise<EmailNotificationPreference> {
  const item = await table.get(keys.emailNotifications(email));
  const parsed = item ? emailNotificationsSchema.safeParse(item.preference) : null;
  return parsed?.success ? parsed.data : DEFAULT_EMAIL_NOTIFICATIONS;
}

export async function saveEmailNotifications(table: Table, email: string, preference: EmailNotificationPreference, now: Date): Promise<void> {
  await table.put({ ...keys.emailNotifications(email), type: 'email-notifications', preference, updatedAt: now.toISOString() });
}
