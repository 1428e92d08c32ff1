/**
 * Writes the conversation attributes that tie a conversation to the address book and to cases:
 * `contactId`, `organisationId`, `caseId` and `recordLinks`. Each change is one UpdateItem
 * conditioned on the conversation's `version` and bumping it, so an `ETag` handed out before the
 * change no longer matches after it, and two members linking at once get one winner and a 409.
 * The history entry is written under the key of the new version (`H#<at>#v<version>`), as the
 * workflow's entries are, so a retry never writes it twice.
 */
import { ConditionFailedError, type Table } from '../adapters/dynamodb-table.js';
import { keys } from '../model/keys.js';
import { changeSort, workflowConversationFromItem, type WorkflowConversation } from '../workflow/conversation-repository.js';
import type { RecordLink } from './case-repository.js';

/** What a link change records in the conversation's history. */
export type LinkFact =
  | { kind: 'contact_identified'; contactId: string | null; organisationId: string | null }
  | { kind: 'case_linked'; caseId: string; reference: string }
  | { kind: 'record_linked' | 'record_unlinked'; recordType: string; recordId: string };

/** The link attributes of a conversation, read from the stored item. */
export interface ConversationLinkState {
  contactId: string | null;
  organisationId: string | null;
  caseId: string | null;
  recordLinks: RecordLink[];
}

export type LinkedConversation = WorkflowConversation & ConversationLinkState;

export type LinkOutcome = { ok: true; conversation: LinkedConversation } | { ok: false; current: LinkedConversation | null };

export function linkedConversationFromItem(item: Record<string, unknown>): LinkedConversation {
  return {
    ...workflowConversationFromItem(item),
    contactId: typeof item.contactId === 'string' ? item.contactId : null,
    organisationId: typeof item.organisationId === 'string' ? item.organisationId : null,
    caseId: typeof item.caseId === 'string' ? item.caseId : null,
    recordLinks: Array.isArray(item.recordLinks) ? (item.recordLinks as RecordLink[]).map((l) => ({ type: String(l.type), id: String(l.id) })) : [],
  };
}

export class ConversationLinks {
  constructor(private readonly table: Table) {}

  async get(conversationId: string, consistent = false): Promise<LinkedConversation | null> {
    const item = await this.table.get(keys.conversation(conversationId), consistent);
    return item ? linkedConversationFromItem(item) : null;
  }

  /**
   * Sets link attributes (null removes one) if the conversation is still at `current.version`,
   * then records the history entry.
   */
  async apply(current: LinkedConversation, changes: Partial<ConversationLinkState>, facts: LinkFact[], actor: string, at: string): Promise<LinkOutcome> {
    const sets = ['#version = :next'];
    const removes: string[] = [];
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': current.version, ':next': current.version + 1 };
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      names[`#${name}`] = name;
      if (value === null || (Array.isArray(value) && value.length === 0)) removes.push(`#${name}`);
      else { sets.push(`#${name} = :${name}`); values[`:${name}`] = value; }
    }
    let item: Record<string, unknown>;
    try {
      item = await this.table.update({
        Key: keys.conversation(current.conversationId),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(PK) AND #version = :expected',
        ExpressionAttributeNames: names, ExpressionAttributeValues: values,
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      return { ok: false, current: error.item ? linkedConversationFromItem(error.item) : await this.get(current.conversationId, true) };
    }
    const conversation = linkedConversationFromItem(item);
    try {
      await this.table.put({
        ...keys.history(conversation.conversationId, changeSort(at, conversation.version)), type: 'history',
        conversationId: conversation.conversationId, at, actor, version: conversation.version, facts,
      }, { ConditionExpression: 'attribute_not_exists(PK)' });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
    return { ok: true, conversation };
  }
}
