/**
 * A thin wrapper over the DynamoDB document client for the single table: chunking and retrying
 * batch calls (UnprocessedKeys/UnprocessedItems are normal under load, see
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html) and
 * counting requests and consumed capacity so benchmarks can report them.
 */
import {
  BatchGetCommand, BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand,
  type DynamoDBDocumentClient, type QueryCommandInput, type UpdateCommandInput, type PutCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AttributeValue, ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

import { TABLE } from '../model/table.js';

export type Item = Record<string, unknown>;
export interface Key { PK: string; SK: string }

/** Request and capacity counters, shared by every Table built with the same meter. */
export class DynamoMeter {
  requests = 0;
  readUnits = 0;
  writeUnits = 0;
  record(capacity: ConsumedCapacity[] | ConsumedCapacity | undefined): void {
    this.requests += 1;
    for (const c of Array.isArray(capacity) ? capacity : capacity ? [capacity] : []) {
      this.readUnits += c.ReadCapacityUnits ?? 0;
      this.writeUnits += c.WriteCapacityUnits ?? 0;
      // Emulators report only the total; count it as reads or writes by the call that made it.
      if (c.ReadCapacityUnits === undefined && c.WriteCapacityUnits === undefined && c.CapacityUnits !== undefined) {
        this.pending += c.CapacityUnits;
      }
    }
  }
  /** Total units reported without a read/write split, attributed by the caller. */
  pending = 0;
  /**
   * Index write units, estimated from the items written (emulators report base-table units only).
   * AWS bills a GSI write per KB of projected item, and two when an update moves an item's index key.
   */
  indexWriteUnits = 0;
  reset(): void {
    this.requests = 0; this.readUnits = 0; this.writeUnits = 0; this.pending = 0; this.indexWriteUnits = 0;
  }
  recordIndexWrites(item: Item, movedKeys: (attribute: string) => boolean = () => false): void {
    for (const index of TABLE.indexes) {
      if (item[index.partitionKey] === undefined) continue;
      const projected = [TABLE.partitionKey, TABLE.sortKey, index.partitionKey, index.sortKey,
        ...(index.projection === 'list' ? TABLE.listProjection : TABLE.lookupProjection)];
      const bytes = projected.reduce((sum, name) => sum + attributeSize(name, item[name]), 0);
      const units = Math.max(1, Math.ceil(bytes / 1024));
      const moved = movedKeys(index.partitionKey) || movedKeys(index.sortKey);
      this.indexWriteUnits += moved ? units * 2 : units;
    }
  }
}

/** Approximate DynamoDB size of an attribute (name + value), per the item size rules. */
function attributeSize(name: string, value: unknown): number {
  if (value === undefined || value === null) return 0;
  return Buffer.byteLength(name) + valueSize(value);
}

function valueSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return 8;
  if (typeof value === 'boolean') return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + valueSize(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === 'object') return 3 + Object.entries(value as object).reduce((sum, [k, v]) => sum + 1 + attributeSize(k, v), 0);
  return 0;
}

export class ConditionFailedError extends Error {
  constructor(readonly item: Item | undefined) {
    super('Conditional check failed');
    this.name = 'ConditionFailedError';
  }
}

const MAX_BATCH_ATTEMPTS = 8;

function backoff(attempt: number): Promise<void> {
  const delay = Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, delay));
}

export class Table {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly name: string,
    private readonly meter?: DynamoMeter,
  ) {}

  private get capacity() {
    return this.meter ? ({ ReturnConsumedCapacity: 'INDEXES' } as const) : {};
  }

  private count(capacity: ConsumedCapacity[] | ConsumedCapacity | undefined, kind: 'read' | 'write'): void {
    if (!this.meter) return;
    const before = this.meter.pending;
    this.meter.record(capacity);
    const unsplit = this.meter.pending - before;
    if (unsplit > 0) {
      if (kind === 'read') this.meter.readUnits += unsplit; else this.meter.writeUnits += unsplit;
      this.meter.pending = before;
    }
  }

  async get(key: Key, consistent = false): Promise<Item | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: consistent, ...this.capacity }));
    this.count(out.ConsumedCapacity, 'read');
    return out.Item;
  }

  /** Reads up to any number of keys, 100 per request, retrying unprocessed keys with backoff. */
  async batchGet(keyList: Key[], projection?: string[]): Promise<Item[]> {
    const unique = [...new Map(keyList.map((k) => [`${k.PK}\u0000${k.SK}`, k])).values()];
    const results: Item[] = [];
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Key[] = unique.slice(i, i + 100);
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
        if (attempt > 0) await backoff(attempt);
        const names = projection ? Object.fromEntries(projection.map((p, n) => [`#p${n}`, p])) : undefined;
        const out = await this.client.send(new BatchGetCommand({
          RequestItems: {
            [this.name]: {
              Keys: pending,
              ...(names ? { ProjectionExpression: Object.keys(names).join(','), ExpressionAttributeNames: names } : {}),
            },
          },
          ...this.capacity,
        }));
        this.count(out.ConsumedCapacity, 'read');
        results.push(...(out.Responses?.[this.name] ?? []));
        pending = (out.UnprocessedKeys?.[this.name]?.Keys ?? []) as Key[];
      }
    }
    return results;
  }

  /** Writes any number of items, 25 per request, retrying unprocessed ones with backoff. */
  async batchPut(items: Item[], deletes: Key[] = []): Promise<void> {
    type WriteRequest = { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Key } };
    const requests: WriteRequest[] = [
      ...items.map((Item) => ({ PutRequest: { Item } })),
      ...deletes.map((Key) => ({ DeleteRequest: { Key } })),
    ];
    for (const item of items) this.meter?.recordIndexWrites(item);
    for (let i = 0; i < requests.length; i += 25) {
      let pending = requests.slice(i, i + 25);
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed`);
        if (attempt > 0) await backoff(attempt);
        const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.name]: pending }, ...this.capacity }));
        this.count(out.ConsumedCapacity, 'write');
        pending = (out.UnprocessedItems?.[this.name] ?? []) as WriteRequest[];
      }
    }
  }

  async put(item: Item, condition?: Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>): Promise<void> {
    try {
      const out = await this.client.send(new PutCommand({
        TableName: this.name, Item: item, ...condition,
        ...(condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}), ...this.capacity,
      }));
      this.count(out.ConsumedCapacity, 'write');
      this.meter?.recordIndexWrites(item);
    } catch (error) {
      throw translateConditionFailure(error, this.meter);
    }
  }

  /** UpdateItem returning the new item; a failed condition becomes `ConditionFailedError` with the current item. */
  async update(input: Omit<UpdateCommandInput, 'TableName' | 'ReturnValues'>): Promise<Item> {
    try {
      const out = await this.client.send(new UpdateCommand({
        TableName: this.name, ...input, ReturnValues: 'ALL_NEW',
        ...(input.ConditionExpression ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}), ...this.capacity,
      }));
      this.count(out.ConsumedCapacity, 'write');
      const expression = input.UpdateExpression ?? '';
      this.meter?.recordIndexWrites(out.Attributes ?? {}, (attribute) => new RegExp(`\\b${attribute}\\s*=`).test(expression));
      return out.Attributes ?? {};
    } catch (error) {
      throw translateConditionFailure(error, this.meter);
    }
  }

  async delete(key: Key): Promise<void> {
    const out = await this.client.send(new DeleteCommand({ TableName: this.name, Key: key, ...this.capacity }));
    this.count(out.ConsumedCapacity, 'write');
  }

  async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<{ items: Item[]; lastKey: Item | undefined }> {
    const out = await this.client.send(new QueryCommand({ TableName: this.name, ...input, ...this.capacity }));
    this.count(out.ConsumedCapacity, 'read');
    return { items: out.Items ?? [], lastKey: out.LastEvaluatedKey };
  }
}

function translateConditionFailure(error: unknown, meter: DynamoMeter | undefined): unknown {
  if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
    if (meter) meter.requests += 1;
    // The document client does not unmarshall the item carried by the exception.
    const raw = (error as Error & { Item?: Record<string, AttributeValue> }).Item;
    return new ConditionFailedError(raw ? unmarshall(raw) : undefined);
  }
  return error;
}
