/**
 * In-app notifications of a user: "you were mentioned", "a conversation was assigned to you".
 * Written by the timers function from the bus events (`Mention Created`, `Conversation Assigned`),
 * read by `GET /api/me/notifications`.
 *
 * Items live in the user's partition (`PK=USER#<email>`, `SK=NOTIF#<epoch ms>-<hash>`), so a page
 * is one Query, newest first. The id is derived from the event id, and the put is conditional: a
 * redelivered event writes nothing new. Each item expires (`expiresAt`, the table's TTL) after
 * {@link NOTIFICATION_TTL_DAYS} days.
 */
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import { keys, shortHash } from '../model/keys.js';

export const NOTIFICATION_TTL_DAYS = 90;
const PREFIX = 'NOTIF#';

export interface Notification {
  /** `<epoch ms, 13 digits>-<hash of the event id>`: the sort key without its prefix, URL-safe. */
  notificationId: string;
  /** `delivered`: a delivery receipt the author asked for (shared/outbox/delivery-tracker.ts writes it). */
  kind: 'mention' | 'assigned' | 'delivered';
  conversationId: string;
  mailboxId: string;
  subject: string;
  /** Who mentioned or assigned. */
  by: string;
  /** The assignment message, or the id of the note that mentions; for `delivered`, the recipients reached, comma-separated. */
  message: string | null;
  noteId: string | null;
  at: string;
  readAt: string | null;
}

export type NewNotification = Omit<Notification, 'notificationId' | 'readAt'>;

function fromItem(item: Item): Notification {
  return {
    notificationId: String(item.SK).slice(PREFIX.length), kind: item.kind === 'mention' || item.kind === 'delivered' ? item.kind : 'assigned',
    conversationId: String(item.conversationId), mailboxId: String(item.mailboxId), subject: String(item.subject ?? ''),
    by: String(item.by ?? ''), message: typeof item.message === 'string' ? item.message : null,
    noteId: typeof item.noteId === 'string' ? item.noteId : null, at: String(item.at),
    readAt: typeof item.readAt === 'string' ? item.readAt : null,
  };
}

export class NotificationStore {
  constructor(private readonly table: Table) {}

  /** Stores the notification an event calls for; answers false when that event was already stored. */
  async add(email: string, eventId: string, notification: NewNotification): Promise<boolean> {
    const notificationId = `${String(Date.parse(notification.at)).padStart(13, '0')}-${shortHash(eventId, 16)}`;
    try {
      await this.table.put({
        ...keys.notification(email, `${PREFIX}${notificationId}`), type: 'notification', email, ...notification,
        expiresAt: Math.floor(Date.parse(notification.at) / 1000) + NOTIFICATION_TTL_DAYS * 86_400,
      }, { ConditionExpression: 'attribute_not_exists(PK)' });
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /** One page, newest first, before `before` (a notification id) when given. */
  async list(email: string, limit: number, options: { before?: string; unreadOnly?: boolean } = {}): Promise<{ items: Notification[]; next: string | null }> {
    const pk = keys.user(email).PK;
    const out = await this.table.query({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': PREFIX },
      ...(options.unreadOnly ? { FilterExpression: 'attribute_not_exists(readAt)' } : {}),
      ScanIndexForward: false,
      Limit: limit,
      ...(options.before ? { ExclusiveStartKey: { PK: pk, SK: `${PREFIX}${options.before}` } } : {}),
    });
    return { items: out.items.map(fromItem), next: out.lastKey ? String(out.lastKey.SK).slice(PREFIX.length) : null };
  }

  /** Marks one notification read (the first time only); null when the user has no such notification. */
  async markRead(email: string, notificationId: string, at: string): Promise<Notification | null> {
    try {
      const item = await this.table.update({
        Key: keys.notification(email, `${PREFIX}${notificationId}`),
        UpdateExpression: 'SET readAt = if_not_exists(readAt, :at)',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':at': at },
      });
      return fromItem(item);
    } catch (error) {
      if (error instanceof ConditionFailedError) return null;
      throw error;
    }
  }
}
