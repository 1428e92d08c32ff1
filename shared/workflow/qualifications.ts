/**
 * Qualifications: business categories an organisation's admins define (e.g. "Réclamation",
 * "Devis", "Litige"), set on conversations (`qualification` attribute, filterable in lists).
 *
 * Items: `PK=ORG#<orgId>`, `SK=QUAL#<qualificationId>`; the list is one Query. A deleted
 * qualification keeps its item with `deletedAt` so conversations qualified with it still show its
 * name, but it can no longer be chosen and is left out of the list.
 */
import { randomBytes } from 'node:crypto';
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import { buildEvent } from '../events/contracts.js';
import { keys } from '../model/keys.js';
import type { Clock, EventPublisher } from '../ports/index.js';

export const MAX_QUALIFICATION_NAME = 80;
export const MAX_QUALIFICATIONS = 200;

export interface Qualification {
  qualificationId: string;
  orgId: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

function fromItem(item: Item): Qualification {
  return {
    qualificationId: String(item.qualificationId), orgId: String(item.orgId), name: String(item.name),
    description: typeof item.description === 'string' ? item.description : null,
    createdAt: String(item.createdAt), updatedAt: String(item.updatedAt), version: Number(item.version ?? 1),
  };
}

export type QualificationOutcome =
  | { kind: 'ok'; qualification: Qualification }
  | { kind: 'not-found' }
  | { kind: 'duplicate'; existing: Qualification }
  | { kind: 'conflict'; current: Qualification };

/** Names compare case- and accent-insensitively: "Réclamation" and "reclamation" are one category. */
function nameKey(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim().replace(/\s+/g, ' ');
}

export class QualificationService {
  constructor(private readonly deps: { table: Table; events: EventPublisher; clock: Clock }) {}

  /** The organisation's qualifications, by name. */
  async list(orgId: string): Promise<Qualification[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.deps.table.query({
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.org(orgId).PK, ':prefix': 'QUAL#' },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      items.push(...out.items);
      start = out.lastKey;
    } while (start && items.length < MAX_QUALIFICATIONS * 2);
    return items.filter((i) => i.deletedAt === undefined).map(fromItem).sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  }

  async get(orgId: string, qualificationId: string): Promise<Qualification | null> {
    const item = await this.deps.table.get(keys.qualification(orgId, qualificationId), true);
    return item && item.deletedAt === undefined ? fromItem(item) : null;
  }

  async create(orgId: string, actor: string, input: { name: string; description: string | null }): Promise<QualificationOutcome> {
    const existing = await this.list(orgId);
    const clash = existing.find((q) => nameKey(q.name) === nameKey(input.name));
    if (clash) return { kind: 'duplicate', existing: clash };
    const at = this.deps.clock.now().toISOString();
    const qualification: Qualification = {
      qualificationId: `q${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`, orgId, name: input.name.trim(),
      description: input.description, createdAt: at, updatedAt: at, version: 1,
    };
    await this.deps.table.put({ ...keys.qualification(orgId, qualification.qualificationId), type: 'qualification', ...qualification }, { ConditionExpression: 'attribute_not_exists(PK)' });
    await this.publish(qualification, 'created', actor);
    return { kind: 'ok', qualification };
  }

  /** Renames or redescribes; conditional on the version the admin saw when given. */
  async update(orgId: string, qualificationId: string, actor: string, input: { name?: string; description?: string | null; expectedVersion?: number }): Promise<QualificationOutcome> {
    const current = await this.get(orgId, qualificationId);
    if (!current) return { kind: 'not-found' };
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) return { kind: 'conflict', current };
    if (input.name !== undefined) {
      const clash = (await this.list(orgId)).find((q) => q.qualificationId !== qualificationId && nameKey(q.name) === nameKey(input.name!));
      if (clash) return { kind: 'duplicate', existing: clash };
    }
    const next: Qualification = {
      ...current, name: input.name?.trim() ?? current.name, description: input.description === undefined ? current.description : input.description,
      updatedAt: this.deps.clock.now().toISOString(), version: current.version + 1,
    };
    try {
      await this.deps.table.put({ ...keys.qualification(orgId, qualificationId), type: 'qualification', ...next }, {
        ConditionExpression: 'version = :seen AND attribute_not_exists(deletedAt)', ExpressionAttributeValues: { ':seen': current.version },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const now = await this.get(orgId, qualificationId);
      return now ? { kind: 'conflict', current: now } : { kind: 'not-found' };
    }
    await this.publish(next, 'updated', actor);
    return { kind: 'ok', qualification: next };
  }

  async remove(orgId: string, qualificationId: string, actor: string): Promise<QualificationOutcome> {
    const at = this.deps.clock.now().toISOString();
    try {
      const item = await this.deps.table.update({
        Key: keys.qualification(orgId, qualificationId),
        UpdateExpression: 'SET deletedAt = :at, version = version + :one',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: { ':at': at, ':one': 1 },
      });
      const qualification = fromItem(item);
      await this.publish(qualification, 'deleted', actor);
      return { kind: 'ok', qualification };
    } catch (error) {
      if (error instanceof ConditionFailedError) return { kind: 'not-found' };
      throw error;
    }
  }

  private async publish(q: Qualification, change: 'created' | 'updated' | 'deleted', actor: string): Promise<void> {
    await this.deps.events.publish([buildEvent('qualificationChanged', `qualification:${q.orgId}:${q.qualificationId}:v${q.version}:${change}`, {
      orgId: q.orgId, qualificationId: q.qualificationId, name: q.name, change, actor,
    }, this.deps.clock.now())]);
  }
}
