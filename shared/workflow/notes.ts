/**
 * Internal notes on a conversation: a discussion among the team, never sent to the customer.
 * Notes live in the conversation's partition (`SK=N#<isoTime>#<noteId>`), so the notes of a
 * conversation are one Query, oldest first. A note is not a conversation change: it does not bump
 * the version (it never makes someone's If-Match fail).
 *
 * Primary course of adding a note:
 * 1. In parallel: the caller, the conversation; then, only when the body contains `@` or mentions
 *    are given, the mailbox members (one Query) and their names (one GetItem each, a team's size).
 * 2. Visibility as for the conversation itself; mentions resolved against the members
 *    (mentions.ts): an explicit mention of a non-member is refused.
 * 3. With an `idempotencyKey`: a conditional put of a request marker (`SK=NI#<noteId>`, the note id
 *    derived from conversation, author and key). A marker already there means a retry: the note it
 *    points to is answered (and written if the first attempt stopped before writing it).
 * 4. The note (conditional put), then in parallel the history entry "note added" and the events
 *    (`Note Added`, one `Mention Created` per member mentioned), all under keys and ids derived
 *    from the note, so a retry repairs them without duplicates.
 */
import { randomUUID } from 'node:crypto';
import { buildEvent } from '../events/contracts.js';
import { keys, shortHash } from '../model/keys.js';
import type { Clock, DomainEvent, EventPublisher } from '../ports/index.js';
import type { Directory, UserWithRoles } from '../org/directory.js';
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import type { ConversationRepository, WorkflowConversation } from './conversation-repository.js';
import { actorFor } from './conversation-workflow.js';
import { resolveMentions, type MentionCandidate } from './mentions.js';

export const MAX_NOTE_LENGTH = 10_000;
export const MAX_MENTIONS = 20;

export interface Note {
  noteId: string;
  conversationId: string;
  author: string;
  body: string;
  mentions: string[];
  createdAt: string;
}

export interface NoteDeps {
  table: Table;
  repository: ConversationRepository;
  directory: Directory;
  events: EventPublisher;
  clock: Clock;
}

export interface AddNoteRequest {
  caller: Promise<UserWithRoles> | UserWithRoles;
  conversationId: string;
  body: string;
  mentions: string[];
  idempotencyKey?: string;
}

export type AddNoteOutcome =
  | { kind: 'created'; note: Note }
  /** A retry with the same idempotency key: the note of the first attempt. */
  | { kind: 'replayed'; note: Note }
  | { kind: 'not-visible' }
  | { kind: 'not-member'; index: number; value: string };

export function noteSort(at: string, noteId: string): string {
  return `N#${at}#${noteId}`;
}

/** Sort position of the "note added" history entry. */
export function noteHistorySort(at: string, noteId: string): string {
  return `H#${at}#n#${noteId}`;
}

/** Stable across retries: the note, and the member for a mention. */
export function noteEventId(conversationId: string, noteId: string, mentioned?: string): string {
  return `note:${conversationId}:${noteId}${mentioned ? `:mention:${mentioned}` : ''}`;
}

function noteFromItem(item: Item): Note {
  return {
    noteId: String(item.noteId), conversationId: String(item.conversationId), author: String(item.author),
    body: String(item.body ?? ''), mentions: Array.isArray(item.mentions) ? item.mentions.map(String) : [],
    createdAt: String(item.createdAt),
  };
}

export function eventsForNote(conversation: WorkflowConversation, note: Note): DomainEvent[] {
  const base = {
    conversationId: conversation.conversationId, mailboxId: conversation.mailboxId, orgId: conversation.orgId,
    subject: conversation.subject, noteId: note.noteId, author: note.author, createdAt: note.createdAt,
  };
  const at = new Date(note.createdAt);
  return [
    buildEvent('noteAdded', noteEventId(note.conversationId, note.noteId), { ...base, mentions: note.mentions }, at),
    ...note.mentions.map((mentioned) => buildEvent('mentionCreated', noteEventId(note.conversationId, note.noteId, mentioned), { ...base, mentioned }, at)),
  ];
}

export class NoteService {
  constructor(private readonly deps: NoteDeps) {}

  async add(request: AddNoteRequest): Promise<AddNoteOutcome> {
    const [caller, conversation] = await Promise.all([request.caller, this.deps.repository.get(request.conversationId)]);
    if (!conversation) return { kind: 'not-visible' };
    const actor = actorFor(caller, conversation);
    if (!actor) return { kind: 'not-visible' };

    const needsMembers = request.mentions.length > 0 || request.body.includes('@');
    const members = needsMembers ? await this.members(conversation.mailboxId) : [];
    const resolved = resolveMentions(request.body, request.mentions, members, actor.email);
    if (!resolved.ok) return { kind: 'not-member', index: resolved.index, value: resolved.value };

    const at = this.deps.clock.now().toISOString();
    const noteId = request.idempotencyKey !== undefined
      ? shortHash(`${conversation.conversationId}|${actor.email}|${request.idempotencyKey}`)
      : shortHash(randomUUID());
    let note: Note = { noteId, conversationId: conversation.conversationId, author: actor.email, body: request.body, mentions: resolved.mentions, createdAt: at };
    let replayed = false;
    if (request.idempotencyKey !== undefined) {
      const earlier = await this.claim(note);
      if (earlier) {
        replayed = true;
        note = (await this.get(conversation.conversationId, noteSort(earlier, noteId))) ?? { ...note, createdAt: earlier };
      }
    }
    await this.putNote(note);
    await Promise.all([
      this.deps.repository.putHistory(conversation.conversationId, {
        sort: noteHistorySort(note.createdAt, note.noteId), at: note.createdAt, actor: note.author, version: null,
        facts: [{ kind: 'note_added', noteId: note.noteId, mentions: note.mentions }],
      }),
      this.deps.events.publish(eventsForNote(conversation, note)),
    ]);
    return { kind: replayed ? 'replayed' : 'created', note };
  }

  /** One page of notes, oldest first, after `afterSort`; null when the caller may not see the conversation. */
  async list(caller: Promise<UserWithRoles> | UserWithRoles, conversationId: string, limit: number, afterSort?: string): Promise<{ notes: Note[]; nextAfter: string | null } | null> {
    const pk = keys.conversation(conversationId).PK;
    const [user, conversation, out] = await Promise.all([
      caller, this.deps.repository.get(conversationId),
      this.deps.table.query({
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': 'N#' },
        ScanIndexForward: true,
        Limit: limit,
        ...(afterSort ? { ExclusiveStartKey: { PK: pk, SK: afterSort } } : {}),
      }),
    ]);
    if (!conversation || !actorFor(user, conversation)) return null;
    return { notes: out.items.map(noteFromItem), nextAfter: out.lastKey ? String(out.lastKey.SK) : null };
  }

  private async members(mailboxId: string): Promise<MentionCandidate[]> {
    const memberships = await this.deps.directory.listMembers(mailboxId);
    const users = await Promise.all(memberships.map((m) => this.deps.directory.getUser(m.email)));
    return memberships.map((m, n) => ({ email: m.email.toLowerCase(), name: users[n]?.name ?? '' }));
  }

  /** Claims the idempotency key; answers the creation time of the earlier note when it was claimed already. */
  private async claim(note: Note): Promise<string | null> {
    try {
      await this.deps.table.put(
        { ...keys.noteRequest(note.conversationId, note.noteId), type: 'noteRequest', noteId: note.noteId, createdAt: note.createdAt },
        { ConditionExpression: 'attribute_not_exists(PK)' },
      );
      return null;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const item = error.item ?? await this.deps.table.get(keys.noteRequest(note.conversationId, note.noteId), true);
      return item ? String(item.createdAt) : note.createdAt;
    }
  }

  private async get(conversationId: string, sort: string): Promise<Note | null> {
    const item = await this.deps.table.get(keys.note(conversationId, sort), true);
    return item ? noteFromItem(item) : null;
  }

  private async putNote(note: Note): Promise<void> {
    try {
      await this.deps.table.put(
        { ...keys.note(note.conversationId, noteSort(note.createdAt, note.noteId)), type: 'note', ...note },
        { ConditionExpression: 'attribute_not_exists(PK)' },
      );
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}
