/**
 * Per-mailbox statistics for the dashboard banner, without a Scan (see the access patterns in
 * shared/model/table.ts):
 *
 * - counts by status: one Query per GSI2 status partition (`MBX#<id>#ST#<status>`), keys only.
 *   Open statuses count the default lists (what the status filter shows; snoozed and archived
 *   conversations are out of them), so the cost is bounded by the open work. `closed` counts the
 *   conversations closed with activity in the window, archived ones included, through the sort key
 *   (`GSI2SK` starts with `lastActivityAt`);
 * - overdue: one Query over the GSI3 partition of the mailbox's overdue markers;
 * - medians: first-response and resolution samples, written by the stats consumer
 *   (functions/stats/) into `STATS#<mailboxId>#FR|RES`, one per conversation, keyed by the day the
 *   conversation opened. The window is therefore "conversations opened in the last 30 days".
 *
 * A sample is written with `attribute_not_exists(PK) OR at > :at`: a redelivered event (same time)
 * changes nothing, and events arriving out of order keep the earliest time, so the first response
 * is the first reply and the resolution the first close, whatever order the events come in.
 */
import * as z from 'zod';
import { indexKeys, keys } from '../model/keys.js';
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import { STATS_WINDOW_DAYS } from './counters.js';

export type SampleMetric = 'FR' | 'RES';

export interface Sample {
  mailboxId: string;
  metric: SampleMetric;
  conversationId: string;
  /** When the conversation opened (its first customer message). */
  createdAt: string;
  /** When it was first answered (FR) or closed (RES). */
  at: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Stores one sample once: `recorded`, or `unchanged` when an equal or earlier one is there. */
export async function recordSample(table: Table, sample: Sample): Promise<'recorded' | 'unchanged'> {
  const durationMs = Math.max(0, Date.parse(sample.at) - Date.parse(sample.createdAt));
  try {
    await table.put({
      ...keys.statsSample(sample.mailboxId, sample.metric, `${sample.createdAt.slice(0, 10)}#${sample.conversationId}`),
      type: 'stats-sample', mailboxId: sample.mailboxId, conversationId: sample.conversationId,
      createdAt: sample.createdAt, at: sample.at, durationMs,
    }, {
      ConditionExpression: 'attribute_not_exists(PK) OR #at > :at',
      ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: { ':at': sample.at },
    });
    return 'recorded';
  } catch (error) {
    if (error instanceof ConditionFailedError) return 'unchanged';
    throw error;
  }
}

/** The events the consumer reads, as the bus delivers them (`{ metadata, data }` detail). */
export const statsEventSchema = z.discriminatedUnion('detail-type', [
  z.object({
    'detail-type': z.literal('Message Sent'),
    detail: z.object({
      metadata: z.object({ eventId: z.string() }),
      data: z.object({ conversationId: z.string(), mailboxId: z.string(), sentAt: z.string() }),
    }),
  }),
  z.object({
    'detail-type': z.literal('Conversation Status Changed'),
    detail: z.object({
      metadata: z.object({ eventId: z.string(), occurredAt: z.string() }),
      data: z.object({ conversationId: z.string(), mailboxId: z.string(), to: z.string() }),
    }),
  }),
]);

export type StatsEvent = z.infer<typeof statsEventSchema>;

/** Detail types the stats rule forwards (infra/constructs/stats.ts, infra/local/stack.ts). */
export const STATS_DETAIL_TYPES = ['Message Sent', 'Conversation Status Changed'] as const;

export type StatsOutcome = 'recorded' | 'unchanged' | 'ignored';

/**
 * Turns one event into a sample. Primary course:
 * 1. `Message Sent` -> first response; `Conversation Status Changed` to closed -> resolution; other changes are ignored.
 * 2. Read the conversation (its creation time); a conversation a member opened by writing first has no first response.
 * 3. Record the sample (idempotent, see above).
 */
export async function processStatsEvent(event: StatsEvent, table: Table): Promise<StatsOutcome> {
  const data = event.detail.data;
  let metric: SampleMetric;
  let at: string;
  if (event['detail-type'] === 'Message Sent') {
    metric = 'FR';
    at = event.detail.data.sentAt;
  } else {
    if (event.detail.data.to !== 'closed') return 'ignored';
    metric = 'RES';
    at = event.detail.metadata.occurredAt;
  }
  const conversation = await table.get(keys.conversation(data.conversationId));
  if (!conversation || typeof conversation.createdAt !== 'string') return 'ignored';
  if (metric === 'FR') {
    const refs = conversation.messageRefs;
    // `<receivedAt>#<messageKey>`, stored as a string set: the smallest is the first message.
    const firstRef = [...(refs instanceof Set || Array.isArray(refs) ? (refs as Iterable<string>) : [])].sort()[0];
    const firstKey = firstRef?.slice(firstRef.indexOf('#') + 1);
    const first = firstKey ? await table.get(keys.message(firstKey)) : undefined;
    if (first?.direction !== 'inbound') return 'ignored';
  }
  return recordSample(table, { mailboxId: data.mailboxId, metric, conversationId: data.conversationId, createdAt: conversation.createdAt, at });
}

export interface MailboxStats {
  mailboxId: string;
  window: { days: number; since: string };
  counts: { unassigned: number; assigned: number; in_progress: number; todo: number; closed: number; overdue: number };
  firstResponse: { medianMs: number | null; samples: number };
  resolution: { medianMs: number | null; samples: number };
  generatedAt: string;
}

/** The banner's figures for one mailbox: 8 Queries in parallel (more only past 1 MB pages). */
export async function readMailboxStats(table: Table, mailboxId: string, now: Date): Promise<MailboxStats> {
  const since = new Date(now.getTime() - STATS_WINDOW_DAYS * DAY_MS).toISOString();
  const status = (name: string, shelf: 'archived' | null = null, from?: string) => countQuery(table, 'GSI2', indexKeys.mailboxStatus(mailboxId, name, shelf), from);
  const [unassigned, assigned, inProgress, todo, closed, closedArchived, overdue, firstResponse, resolution] = await Promise.all([
    status('unassigned'), status('assigned'), status('in_progress'), status('todo'),
    status('closed', null, since), status('closed', 'archived', since),
    countQuery(table, 'GSI3', indexKeys.overdue(mailboxId)),
    durations(table, mailboxId, 'FR', since.slice(0, 10)),
    durations(table, mailboxId, 'RES', since.slice(0, 10)),
  ]);
  return {
    mailboxId,
    window: { days: STATS_WINDOW_DAYS, since },
    counts: { unassigned, assigned, in_progress: inProgress, todo, closed: closed + closedArchived, overdue },
    firstResponse: { medianMs: median(firstResponse), samples: firstResponse.length },
    resolution: { medianMs: median(resolution), samples: resolution.length },
    generatedAt: now.toISOString(),
  };
}

/**
 * Counts one index partition, optionally from a sort key on. Keys only: the Table adapter returns
 * items rather than `Count`, and a page of keys costs the same read units as `Select: COUNT`.
 */
async function countQuery(table: Table, index: 'GSI2' | 'GSI3', partition: string, from?: string): Promise<number> {
  let count = 0;
  let start: Item | undefined;
  do {
    const page = await table.query({
      IndexName: index,
      KeyConditionExpression: from === undefined ? '#pk = :pk' : '#pk = :pk AND #sk >= :from',
      ExpressionAttributeNames: { '#pk': `${index}PK`, ...(from === undefined ? {} : { '#sk': `${index}SK` }) },
      ExpressionAttributeValues: { ':pk': partition, ...(from === undefined ? {} : { ':from': from }) },
      ProjectionExpression: 'PK',
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    count += page.items.length;
    start = page.lastKey;
  } while (start);
  return count;
}

async function durations(table: Table, mailboxId: string, metric: SampleMetric, fromDay: string): Promise<number[]> {
  const values: number[] = [];
  let start: Item | undefined;
  do {
    const page = await table.query({
      KeyConditionExpression: 'PK = :pk AND SK >= :from',
      ExpressionAttributeValues: { ':pk': keys.statsSample(mailboxId, metric, '').PK, ':from': fromDay },
      ProjectionExpression: 'durationMs',
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    for (const item of page.items) if (typeof item.durationMs === 'number') values.push(item.durationMs);
    start = page.lastKey;
  } while (start);
  return values;
}

/** The median (mean of the two middle values for an even count); null without samples. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}
