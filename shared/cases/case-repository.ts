/**
 * Cases: a customer matter gathering its communications, tasks and documents. A case has its own
 * partition, so everything it holds is one Query:
 *
 * | pattern                                   | key                                                   |
 * |-------------------------------------------|-------------------------------------------------------|
 * | case                                      | PK=CASE#<caseId> SK=CASE                              |
 * | an organisation's cases, newest first     | GSI3 PK=CASES#<orgId> SK=<createdAt>#<caseId>         |
 * | case by reference (plus address)          | PK=CASEREF#<orgId>#<REFERENCE> SK=CASEREF             |
 * | reference counter per organisation/year   | PK=CASECOUNTER#<orgId>#<year> SK=COUNTER              |
 * | communications of a case                  | PK=CASE#<caseId> SK begins_with COMM#<messageKey>     |
 * | tasks of a case                           | PK=CASE#<caseId> SK begins_with TASK#                 |
 * | documents of a case                       | PK=CASE#<caseId> SK begins_with DOC#                  |
 * | conversations linked to a case            | PK=CASE#<caseId> SK begins_with LINK#                 |
 * | conversations linked to a business record | PK=RECORD#<orgId>#<type>#<id> SK=CONV#<conversationId> |
 * | business record types of an organisation  | PK=ORG#<orgId> SK=RECORDTYPES                         |
 *
 * Communications, documents and links have ids derived from what they point at (message key,
 * S3 key), so an event delivered twice or an import asked twice writes the same items.
 */
import { ConditionFailedError, type Item, type Key, type Table } from '../adapters/dynamodb-table.js';
import { shortHash } from '../model/keys.js';
import type { MailAddress } from '../mail/types.js';
import { newId } from '../contacts/contact-repository.js';

export type CaseStatus = 'open' | 'closed';

export interface CaseRecord {
  caseId: string;
  orgId: string;
  /** Human-readable, unique per organisation: `C-<year>-<4+ digits>`; also the plus tag of the case address. */
  reference: string;
  title: string;
  status: CaseStatus;
  contactId: string | null;
  organisationId: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  version: number;
}

/** A message in a case. For a forward sent to the case address, `original` is what was forwarded. */
export interface CaseCommunication {
  caseId: string;
  messageKey: string;
  conversationId: string | null;
  mailboxId: string | null;
  direction: 'inbound' | 'outbound';
  subject: string;
  from: MailAddress | null;
  date: string;
  receivedAt: string;
  rawKey: string;
  /** How it came: a linked conversation, the case address, or an explicit import. */
  via: 'conversation' | 'case-address' | 'import';
  /** The forwarded message recovered from a forward (sender, date and subject of the original). */
  original: { from: MailAddress | null; date: string | null; subject: string; messageId: string | null } | null;
  forwardedBy: MailAddress | null;
  processed: boolean;
  taskId: string | null;
  addedAt: string;
}

export interface CaseTask {
  caseId: string;
  taskId: string;
  title: string;
  done: boolean;
  assignee: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface CaseDocument {
  caseId: string;
  documentId: string;
  filename: string;
  contentType: string;
  size: number | null;
  /** Where the bytes are in the mail bucket: documents point at stored mail, nothing is copied. */
  storageKey: string;
  /** The message it came from, and what part of it: the raw message, an attachment or a forwarded message. */
  messageKey: string | null;
  kind: 'message' | 'attachment' | 'forwarded';
  addedAt: string;
  addedBy: string;
}

export interface RecordLink {
  type: string;
  id: string;
}

/** Default business record types a conversation can be linked to; admins can replace them. */
export const DEFAULT_RECORD_TYPES = ['ticket', 'project', 'offer', 'booking'] as const;

/** `C-2026-0042`: letters and digits only, so it survives as a plus tag in any mail client. */
export const CASE_REFERENCE = /^C-(\d{4})-(\d{4,})$/i;

export function formatReference(year: number, n: number): string {
  return `C-${year}-${String(n).padStart(4, '0')}`;
}

export const caseKeys = {
  case: (caseId: string): Key => ({ PK: `CASE#${caseId}`, SK: 'CASE' }),
  list: (orgId: string) => `CASES#${orgId}`,
  reference: (orgId: string, reference: string): Key => ({ PK: `CASEREF#${orgId}#${reference.toUpperCase()}`, SK: 'CASEREF' }),
  counter: (orgId: string, year: number): Key => ({ PK: `CASECOUNTER#${orgId}#${year}`, SK: 'COUNTER' }),
  communication: (caseId: string, messageKey: string): Key => ({ PK: `CASE#${caseId}`, SK: `COMM#${messageKey}` }),
  task: (caseId: string, taskId: string): Key => ({ PK: `CASE#${caseId}`, SK: `TASK#${taskId}` }),
  document: (caseId: string, documentId: string): Key => ({ PK: `CASE#${caseId}`, SK: `DOC#${documentId}` }),
  link: (caseId: string, conversationId: string): Key => ({ PK: `CASE#${caseId}`, SK: `LINK#${conversationId}` }),
  record: (orgId: string, link: RecordLink, conversationId: string): Key => ({ PK: `RECORD#${orgId}#${link.type}#${link.id}`, SK: `CONV#${conversationId}` }),
  recordTypes: (orgId: string): Key => ({ PK: `ORG#${orgId}`, SK: 'RECORDTYPES' }),
} as const;

/** Id of a document from its storage key: importing the same part twice keeps one document. */
export function documentIdFor(storageKey: string): string {
  return `d${shortHash(storageKey, 20)}`.replace(/[-_]/g, 'x');
}

/** Within one import, the message first, then forwarded originals, then attachments. */
const KIND_ORDER: Record<CaseDocument['kind'], number> = { message: 0, forwarded: 1, attachment: 2 };

export function caseFromItem(item: Item): CaseRecord {
  return {
    caseId: String(item.caseId), orgId: String(item.orgId), reference: String(item.reference), title: String(item.title ?? ''),
    status: item.status === 'closed' ? 'closed' : 'open',
    contactId: typeof item.contactId === 'string' ? item.contactId : null,
    organisationId: typeof item.organisationId === 'string' ? item.organisationId : null,
    createdAt: String(item.createdAt ?? ''), createdBy: String(item.createdBy ?? ''), updatedAt: String(item.updatedAt ?? ''),
    version: Number(item.version ?? 1),
  };
}

function strip<T>(item: Item): T {
  const { PK: _pk, SK: _sk, type: _type, GSI3PK: _g, GSI3SK: _s, ...rest } = item;
  return rest as T;
}

export type CaseSaveOutcome<T> = { ok: true; value: T } | { ok: false; current: T | null };

export class CaseRepository {
  constructor(private readonly table: Table) {}

  /** The case if it exists and belongs to the organisation (a case of another organisation reads as missing). */
  async get(orgId: string, caseId: string, consistent = false): Promise<CaseRecord | null> {
    const item = await this.table.get(caseKeys.case(caseId), consistent);
    if (!item || item.orgId !== orgId) return null;
    return caseFromItem(item);
  }

  async getByReference(orgId: string, reference: string): Promise<CaseRecord | null> {
    if (!CASE_REFERENCE.test(reference)) return null;
    const pointer = await this.table.get(caseKeys.reference(orgId, reference));
    return typeof pointer?.caseId === 'string' ? this.get(orgId, pointer.caseId) : null;
  }

  /** Newest first, one Query on GSI3 then one BatchGetItem (GSI3 projects keys only). */
  async list(orgId: string, limit: number, cursor?: Item): Promise<{ items: CaseRecord[]; lastKey: Item | undefined }> {
    const page = await this.table.query({
      IndexName: 'GSI3', KeyConditionExpression: 'GSI3PK = :pk', ExpressionAttributeValues: { ':pk': caseKeys.list(orgId) },
      ScanIndexForward: false, Limit: limit, ...(cursor ? { ExclusiveStartKey: cursor } : {}),
    });
    const ids = page.items.map((i) => String(i.PK).slice('CASE#'.length));
    const items = await this.table.batchGet(ids.map((id) => caseKeys.case(id)));
    const byId = new Map(items.map((i) => [String(i.caseId), caseFromItem(i)]));
    return { items: ids.flatMap((id) => byId.get(id) ?? []), lastKey: page.lastKey };
  }

  /**
   * Allocates the next reference of the year with an atomic counter, then claims it with a
   * conditional put: references are never reused even if a counter was reset or restored.
   */
  async create(input: { orgId: string; title: string; contactId: string | null; organisationId: string | null; createdBy: string }, at: Date): Promise<CaseRecord> {
    const year = at.getUTCFullYear();
    const caseId = newId('case');
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const counter = await this.table.update({
        Key: caseKeys.counter(input.orgId, year), UpdateExpression: 'ADD n :one SET #type = :type',
        ExpressionAttributeNames: { '#type': 'type' }, ExpressionAttributeValues: { ':one': 1, ':type': 'case-counter' },
      });
      const reference = formatReference(year, Number(counter.n));
      try {
        await this.table.put({ ...caseKeys.reference(input.orgId, reference), type: 'case-reference', orgId: input.orgId, reference, caseId }, { ConditionExpression: 'attribute_not_exists(PK)' });
      } catch (error) {
        if (error instanceof ConditionFailedError) continue;
        throw error;
      }
      const record: CaseRecord = {
        caseId, orgId: input.orgId, reference, title: input.title.trim(), status: 'open', contactId: input.contactId,
        organisationId: input.organisationId, createdAt: at.toISOString(), createdBy: input.createdBy, updatedAt: at.toISOString(), version: 1,
      };
      await this.table.put(this.caseItem(record), { ConditionExpression: 'attribute_not_exists(PK)' });
      return record;
    }
    throw new Error('Could not allocate a case reference after 20 attempts');
  }

  async update(current: CaseRecord, changes: { title?: string; status?: CaseStatus; contactId?: string | null; organisationId?: string | null }, at: string): Promise<CaseSaveOutcome<CaseRecord>> {
    const next: CaseRecord = {
      ...current,
      title: changes.title?.trim() ?? current.title,
      status: changes.status ?? current.status,
      contactId: changes.contactId === undefined ? current.contactId : changes.contactId,
      organisationId: changes.organisationId === undefined ? current.organisationId : changes.organisationId,
      updatedAt: at, version: current.version + 1,
    };
    try {
      await this.table.put(this.caseItem(next), { ConditionExpression: 'attribute_exists(PK) AND version = :expected', ExpressionAttributeValues: { ':expected': current.version } });
      return { ok: true, value: next };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      return { ok: false, current: error.item ? caseFromItem(error.item) : await this.get(current.orgId, current.caseId, true) };
    }
  }

  private caseItem(record: CaseRecord): Item {
    return { ...caseKeys.case(record.caseId), type: 'case', ...record, GSI3PK: caseKeys.list(record.orgId), GSI3SK: `${record.createdAt}#${record.caseId}` };
  }

  /**
   * Adds a communication unless the case already has it; answers whether it was added. An
   * existing entry keeps its processed state and task.
   */
  async addCommunication(communication: CaseCommunication): Promise<boolean> {
    try {
      await this.table.put({ ...caseKeys.communication(communication.caseId, communication.messageKey), type: 'case-communication', ...communication }, { ConditionExpression: 'attribute_not_exists(PK)' });
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  async getCommunication(caseId: string, messageKey: string): Promise<CaseCommunication | null> {
    const item = await this.table.get(caseKeys.communication(caseId, messageKey), true);
    return item ? strip<CaseCommunication>(item) : null;
  }

  /** Every communication of the case, oldest first (a case holds hundreds at most: paged through in full). */
  async communications(caseId: string): Promise<CaseCommunication[]> {
    const items = await this.queryAll(caseId, 'COMM#');
    return items.map((i) => strip<CaseCommunication>(i)).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.messageKey.localeCompare(b.messageKey)));
  }

  async updateCommunication(caseId: string, messageKey: string, changes: { processed?: boolean; taskId?: string | null }): Promise<CaseCommunication | null> {
    const sets: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    if (changes.processed !== undefined) { sets.push('#processed = :processed'); names['#processed'] = 'processed'; values[':processed'] = changes.processed; }
    if (changes.taskId !== undefined) { sets.push('#taskId = :taskId'); names['#taskId'] = 'taskId'; values[':taskId'] = changes.taskId; }
    if (sets.length === 0) return this.getCommunication(caseId, messageKey);
    try {
      const item = await this.table.update({
        Key: caseKeys.communication(caseId, messageKey), UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(PK)', ExpressionAttributeNames: names, ExpressionAttributeValues: values,
      });
      return strip<CaseCommunication>(item);
    } catch (error) {
      if (error instanceof ConditionFailedError) return null;
      throw error;
    }
  }

  async tasks(caseId: string): Promise<CaseTask[]> {
    return (await this.queryAll(caseId, 'TASK#')).map((i) => strip<CaseTask>(i)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async getTask(caseId: string, taskId: string): Promise<CaseTask | null> {
    const item = await this.table.get(caseKeys.task(caseId, taskId), true);
    return item ? strip<CaseTask>(item) : null;
  }

  async createTask(caseId: string, input: { title: string; assignee: string | null }, at: string): Promise<CaseTask> {
    const task: CaseTask = { caseId, taskId: newId('t'), title: input.title.trim(), done: false, assignee: input.assignee, createdAt: at, updatedAt: at, version: 1 };
    await this.table.put({ ...caseKeys.task(caseId, task.taskId), type: 'case-task', ...task }, { ConditionExpression: 'attribute_not_exists(PK)' });
    return task;
  }

  async updateTask(current: CaseTask, changes: { title?: string; done?: boolean; assignee?: string | null }, at: string): Promise<CaseSaveOutcome<CaseTask>> {
    const next: CaseTask = {
      ...current, title: changes.title?.trim() ?? current.title, done: changes.done ?? current.done,
      assignee: changes.assignee === undefined ? current.assignee : changes.assignee, updatedAt: at, version: current.version + 1,
    };
    try {
      await this.table.put({ ...caseKeys.task(current.caseId, current.taskId), type: 'case-task', ...next }, {
        ConditionExpression: 'attribute_exists(PK) AND version = :expected', ExpressionAttributeValues: { ':expected': current.version },
      });
      return { ok: true, value: next };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      return { ok: false, current: error.item ? strip<CaseTask>(error.item) : await this.getTask(current.caseId, current.taskId) };
    }
  }

  /** Adds documents not already in the case; answers those that were added. */
  async addDocuments(documents: CaseDocument[]): Promise<CaseDocument[]> {
    const added: CaseDocument[] = [];
    for (const document of documents) {
      try {
        await this.table.put({ ...caseKeys.document(document.caseId, document.documentId), type: 'case-document', ...document }, { ConditionExpression: 'attribute_not_exists(PK)' });
        added.push(document);
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    return added;
  }

  async documents(caseId: string): Promise<CaseDocument[]> {
    return (await this.queryAll(caseId, 'DOC#')).map((i) => strip<CaseDocument>(i)).sort((a, b) => a.addedAt.localeCompare(b.addedAt) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.filename.localeCompare(b.filename) || a.documentId.localeCompare(b.documentId));
  }

  async getDocument(caseId: string, documentId: string): Promise<CaseDocument | null> {
    const item = await this.table.get(caseKeys.document(caseId, documentId));
    return item ? strip<CaseDocument>(item) : null;
  }

  /** Records that a conversation belongs to the case (listing); idempotent. */
  async putLink(caseId: string, conversationId: string, mailboxId: string, at: string): Promise<void> {
    await this.table.put({ ...caseKeys.link(caseId, conversationId), type: 'case-link', caseId, conversationId, mailboxId, at });
  }

  async linkedConversations(caseId: string): Promise<{ conversationId: string; mailboxId: string; at: string }[]> {
    return (await this.queryAll(caseId, 'LINK#')).map((i) => ({ conversationId: String(i.conversationId), mailboxId: String(i.mailboxId), at: String(i.at) }));
  }

  async putRecordLink(orgId: string, link: RecordLink, conversationId: string, mailboxId: string, at: string): Promise<void> {
    await this.table.put({ ...caseKeys.record(orgId, link, conversationId), type: 'record-link', orgId, recordType: link.type, recordId: link.id, conversationId, mailboxId, at });
  }

  async deleteRecordLink(orgId: string, link: RecordLink, conversationId: string): Promise<void> {
    await this.table.delete(caseKeys.record(orgId, link, conversationId));
  }

  /** Conversations linked to one business record (one Query). */
  async conversationsOfRecord(orgId: string, link: RecordLink, limit: number): Promise<{ conversationId: string; mailboxId: string; at: string }[]> {
    const out = await this.table.query({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :conv)',
      ExpressionAttributeValues: { ':pk': caseKeys.record(orgId, link, '').PK, ':conv': 'CONV#' }, Limit: limit,
    });
    return out.items.map((i) => ({ conversationId: String(i.conversationId), mailboxId: String(i.mailboxId), at: String(i.at) }));
  }

  async recordTypes(orgId: string): Promise<string[]> {
    const item = await this.table.get(caseKeys.recordTypes(orgId));
    return Array.isArray(item?.types) ? (item.types as unknown[]).map(String) : [...DEFAULT_RECORD_TYPES];
  }

  async setRecordTypes(orgId: string, types: string[], at: string): Promise<string[]> {
    const unique = [...new Set(types)];
    await this.table.put({ ...caseKeys.recordTypes(orgId), type: 'record-types', orgId, types: unique, updatedAt: at });
    return unique;
  }

  private async queryAll(caseId: string, prefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.table.query({
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': `CASE#${caseId}`, ':prefix': prefix },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      items.push(...out.items);
      start = out.lastKey;
    } while (start);
    return items;
  }
}
