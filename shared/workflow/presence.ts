/**
 * Presence: who is viewing or replying to a conversation right now. A client sends a heartbeat
 * (`POST /api/conversations/{id}/presence`) every {@link PRESENCE_HEARTBEAT_SECONDS} seconds
 * while the conversation is open; each writes one small item in the conversation's partition
 * (`SK=PRESENCE#<email>`, overwritten by the next), expiring through the table's TTL attribute.
 *
 * Why a filter on read as well: DynamoDB deletes expired items lazily (typically within a few days,
 * not seconds), so a reader keeps only heartbeats younger than {@link PRESENCE_TTL_SECONDS}.
 * See https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
 */
import type { Table } from '../adapters/dynamodb-table.js';
import { keys } from '../model/keys.js';

export type PresenceActivity = 'viewing' | 'replying';
export const PRESENCE_ACTIVITIES: readonly PresenceActivity[] = ['viewing', 'replying'];
export const PRESENCE_HEARTBEAT_SECONDS = 20;
/** A heartbeat counts this long: two missed heartbeats and the member is gone. */
export const PRESENCE_TTL_SECONDS = 50;

export interface Presence {
  email: string;
  activity: PresenceActivity;
  /** Time of the last heartbeat. */
  at: string;
}

export class PresenceStore {
  constructor(private readonly table: Table) {}

  async heartbeat(conversationId: string, email: string, activity: PresenceActivity, now: Date): Promise<void> {
    await this.table.put({
      ...keys.presence(conversationId, email), type: 'presence', conversationId, email, activity, at: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + PRESENCE_TTL_SECONDS,
    });
  }

  /** Ends the caller's presence at once (closing the conversation) rather than waiting for it to expire. */
  async leave(conversationId: string, email: string): Promise<void> {
    await this.table.delete(keys.presence(conversationId, email));
  }

  /** Members present now (one Query of the conversation's presence items), replying first. */
  async list(conversationId: string, now: Date): Promise<Presence[]> {
    const out = await this.table.query({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      FilterExpression: 'expiresAt > :now',
      ExpressionAttributeValues: { ':pk': keys.conversation(conversationId).PK, ':prefix': 'PRESENCE#', ':now': Math.floor(now.getTime() / 1000) },
    });
    return out.items
      .map((i) => ({ email: String(i.email), activity: (i.activity === 'replying' ? 'replying' : 'viewing') as PresenceActivity, at: String(i.at) }))
      .sort((a, b) => (a.activity === b.activity ? a.email.localeCompare(b.email) : a.activity === 'replying' ? -1 : 1));
  }
}
