/**
 * Per-mailbox outbox settings, kept on the mailbox item as an optional `outbox` map so a mailbox
 * without one behaves as documented by the defaults. A disabled connector holds messages in
 * `connector_disabled` (nothing is lost, nothing is sent) until someone retries them.
 */
import type { Item, Table } from '../adapters/dynamodb-table.js';
import { keys } from '../model/keys.js';
import { mailboxFromItem } from '../org/directory.js';
import type { Mailbox } from '../model/types.js';

export interface OutboxSettings {
  /** The mailbox's connector may send (default true). */
  connectorEnabled: boolean;
  /** Undo-send window in seconds for this mailbox, or null for the deployment default. */
  undoSeconds: number | null;
}

export function outboxSettingsOf(item: Item | undefined): OutboxSettings {
  const raw = (item?.outbox ?? {}) as { connectorEnabled?: unknown; undoSeconds?: unknown };
  return {
    connectorEnabled: raw.connectorEnabled !== false,
    undoSeconds: typeof raw.undoSeconds === 'number' && Number.isFinite(raw.undoSeconds) ? raw.undoSeconds : null,
  };
}

/** The mailbox and its outbox settings in one GetItem. */
export async function loadMailboxWithSettings(table: Table, mailboxId: string): Promise<{ mailbox: Mailbox; settings: OutboxSettings } | null> {
  const item = await table.get(keys.mailbox(mailboxId));
  return item ? { mailbox: mailboxFromItem(item), settings: outboxSettingsOf(item) } : null;
}

/** Sets the mailbox's outbox settings (an admin action; also how tests disable a connector). */
export async function saveOutboxSettings(table: Table, mailboxId: string, settings: OutboxSettings): Promise<void> {
  await table.update({
    Key: keys.mailbox(mailboxId),
    UpdateExpression: 'SET outbox = :s',
    ConditionExpression: 'attribute_exists(PK)',
    ExpressionAttributeValues: { ':s': { connectorEnabled: settings.connectorEnabled, ...(settings.undoSeconds !== null ? { undoSeconds: settings.undoSeconds } : {}) } },
  });
}
