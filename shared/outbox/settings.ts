/**
 * Per-mailbox outbox settings, kept on the mailbox item as an optional `outbox` map so a mailbox
 * without one behaves as documented by the defaults (settings-schema.ts), and the sender and
 * compose read them with the GetItem of the mailbox they do anyway. A disabled connector holds
 * messages in `connector_disabled` (nothing is lost, nothing is sent) until someone retries them;
 * the retry policy overrides the deployment's (env) for the mailbox's messages; the
 * auto-acknowledgement is sent by the notify function (system-mail.ts).
 */
import type { Item, Table } from '../adapters/dynamodb-table.js';
import { keys } from '../model/keys.js';
import { mailboxFromItem } from '../org/directory.js';
import type { Mailbox } from '../model/types.js';
import type { RetryPolicy } from './retry-policy.js';
import { outboxSettingsSchema, type OutboxSettings } from './settings-schema.js';

export type { AutoAckSettings, OutboxSettings, RetrySettings } from './settings-schema.js';

/** The defaults: what a mailbox without an `outbox` map gets. */
export const DEFAULT_OUTBOX_SETTINGS: OutboxSettings = outboxSettingsSchema.parse({});

/**
 * The stored settings, validated again: a field that is missing or out of limits takes its
 * default instead of breaking the sender.
 */
export function outboxSettingsOf(item: Item | undefined): OutboxSettings {
  const raw = (item?.outbox ?? {}) as Record<string, unknown>;
  const whole = outboxSettingsSchema.safeParse(raw);
  if (whole.success) return whole.data;
  const pick = <K extends keyof OutboxSettings>(key: K): OutboxSettings[K] => {
    const one = outboxSettingsSchema.safeParse({ [key]: raw[key] });
    return one.success ? one.data[key] : DEFAULT_OUTBOX_SETTINGS[key];
  };
  return { connectorEnabled: pick('connectorEnabled'), undoSeconds: pick('undoSeconds'), retry: pick('retry'), autoAck: pick('autoAck') };
}

/** A mailbox with its outbox settings, as one GetItem of the mailbox gives them. */
export interface MailboxWithSettings {
  mailbox: Mailbox;
  settings: OutboxSettings;
}

/** The mailbox and its outbox settings in one GetItem. */
export async function loadMailboxWithSettings(table: Table, mailboxId: string): Promise<MailboxWithSettings | null> {
  const item = await table.get(keys.mailbox(mailboxId));
  return item ? { mailbox: mailboxFromItem(item), settings: outboxSettingsOf(item) } : null;
}

const savedListeners = new Set<(mailboxId: string) => void>();

/**
 * Calls `listener` with the mailbox id whenever this process saves a mailbox's outbox settings.
 * Caches of settings kept by a function (the sender's, sender-deps.ts) forget that mailbox at
 * once, so a change made in the same process (the local stack runs every function in one) applies
 * to the next message; other processes, e.g. other Lambda containers, see it when their entry
 * expires. Returns the unsubscribe function.
 */
export function onOutboxSettingsSaved(listener: (mailboxId: string) => void): () => void {
  savedListeners.add(listener);
  return () => savedListeners.delete(listener);
}

/**
 * Sets the mailbox's outbox settings: the fields given replace the stored ones, the others stay
 * (an admin action; also how tests disable a connector). Returns the settings now in force, or
 * null when the mailbox does not exist.
 */
export async function saveOutboxSettings(table: Table, mailboxId: string, patch: Partial<OutboxSettings>): Promise<OutboxSettings | null> {
  const item = await table.get(keys.mailbox(mailboxId), true);
  if (!item) return null;
  const next = outboxSettingsSchema.parse({ ...outboxSettingsOf(item), ...patch });
  await table.update({
    Key: keys.mailbox(mailboxId),
    UpdateExpression: 'SET outbox = :s',
    ConditionExpression: 'attribute_exists(PK)',
    ExpressionAttributeValues: { ':s': next },
  });
  for (const listener of savedListeners) listener(mailboxId);
  return next;
}

/** The retry policy of a mailbox's messages: the deployment's, with the mailbox's overrides. */
export function effectiveRetryPolicy(base: RetryPolicy, settings: OutboxSettings): RetryPolicy {
  const { retry } = settings;
  return {
    ...base,
    ...(retry.maxAttempts !== null ? { maxAttempts: retry.maxAttempts } : {}),
    ...(retry.baseDelaySeconds !== null ? { baseDelayMs: retry.baseDelaySeconds * 1000 } : {}),
    ...(retry.maxDelaySeconds !== null ? { maxDelayMs: retry.maxDelaySeconds * 1000 } : {}),
    jitter: retry.jitter,
  };
}
