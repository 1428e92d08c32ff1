/**
 * Reply collision guard: a reply written against an older version of the conversation is refused
 * when, since that version, a customer message arrived or someone else's message was queued in it
 * (the author has not seen them). Workflow changes (labels, assignment) since do not block a reply.
 *
 * How the messages since a version are found without storing a version per message: every change
 * of a conversation adds one to its version, either a message joining it (inbound or outbound) or
 * a workflow change, and every workflow change records a history entry carrying its version. So
 * the messages since version V are the newest `(current - V) - (workflow entries after V)` of its
 * message refs: one Query of the newest history entries (stopped at V) and one BatchGetItem.
 */
import type { Table } from '../adapters/dynamodb-table.js';
import { keys } from '../model/keys.js';
import type { UserWithRoles } from '../org/directory.js';
import { ConversationRepository, type WorkflowConversation } from './conversation-repository.js';
import { actorFor } from './conversation-workflow.js';

export interface ConversationChangeSince {
  kind: 'received' | 'replied';
  messageKey: string;
  at: string;
  /** Sender address of a received message; the mailbox address of a reply. */
  from: string | null;
  subject: string;
}

/** History entries read at most when counting workflow changes (beyond, the guard assumes messages). */
const MAX_HISTORY_PAGES = 5;

/** Messages that joined the conversation after `basedOnVersion`, oldest first. */
export async function messagesSince(table: Table, conversation: WorkflowConversation, basedOnVersion: number): Promise<ConversationChangeSince[]> {
  const delta = conversation.version - basedOnVersion;
  if (delta <= 0) return [];
  const pk = keys.conversation(conversation.conversationId).PK;
  let workflowChanges = 0;
  let start: Record<string, unknown> | undefined;
  for (let page = 0, done = false; page < MAX_HISTORY_PAGES && !done; page += 1) {
    const out = await table.query({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': 'H#' },
      ProjectionExpression: '#v', ExpressionAttributeNames: { '#v': 'version' },
      ScanIndexForward: false,
      Limit: 50,
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    for (const item of out.items) {
      if (typeof item.version !== 'number') continue;
      if (item.version <= basedOnVersion) { done = true; break; }
      if (item.version <= conversation.version) workflowChanges += 1;
    }
    start = out.lastKey;
    if (!start) done = true;
  }
  const count = Math.min(delta - workflowChanges, conversation.messageRefs.length);
  if (count <= 0) return [];
  const refs = [...conversation.messageRefs].sort().slice(-count);
  const items = await table.batchGet(refs.map((ref) => keys.message(ref.slice(ref.indexOf('#') + 1))), ['messageKey', 'direction', 'receivedAt', 'from', 'subject']);
  const byKey = new Map(items.map((i) => [String(i.messageKey), i]));
  return refs.flatMap((ref) => {
    const item = byKey.get(ref.slice(ref.indexOf('#') + 1));
    if (!item) return [];
    const from = (item.from ?? null) as { address?: string } | null;
    return [{
      kind: item.direction === 'outbound' ? 'replied' as const : 'received' as const, messageKey: String(item.messageKey),
      at: String(item.receivedAt), from: from?.address ?? null, subject: String(item.subject ?? ''),
    }];
  });
}

export type CollisionCheck =
  /** Nothing new since that version (or the caller cannot see the conversation: the reply route answers that). */
  | { kind: 'clear' }
  | { kind: 'collision'; conversation: WorkflowConversation; changes: ConversationChangeSince[] };

/** The check the reply route runs before composing, when the author sent the version they wrote against. */
export async function checkReplyCollision(table: Table, caller: UserWithRoles, conversationId: string, basedOnVersion: number): Promise<CollisionCheck> {
  const conversation = await new ConversationRepository(table).get(conversationId, true);
  if (!conversation || !actorFor(caller, conversation)) return { kind: 'clear' };
  const changes = await messagesSince(table, conversation, basedOnVersion);
  return changes.length === 0 ? { kind: 'clear' } : { kind: 'collision', conversation, changes };
}

/** The 409 detail: what arrived since, in words. */
export function describeCollision(changes: ConversationChangeSince[]): string {
  const received = changes.filter((c) => c.kind === 'received').length;
  const replied = changes.length - received;
  const parts = [
    ...(received > 0 ? [`${received} new message${received > 1 ? 's' : ''} from the customer`] : []),
    ...(replied > 0 ? [`${replied} other repl${replied > 1 ? 'ies' : 'y'}`] : []),
  ];
  return `The conversation changed while you were writing: ${parts.join(' and ')}. Read them, then send again with "confirm": true to send anyway.`;
}
