/**
 * Stats function: a bus rule invokes it with `Message Sent` and `Conversation Status Changed`
 * events, and it records first-response and resolution samples (shared/stats/stats.ts). Each
 * sample is a conditional write, so EventBridge's at-least-once delivery and Lambda's retries of
 * an asynchronous invocation count an event once. An infrastructure error is thrown: Lambda
 * retries, then the event goes to the rule's dead-letter queue, which raises an alarm.
 */
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { ENV, requireEnv } from '../../shared/config/env.js';
import { getDocumentClient } from '../../shared/adapters/aws.js';
import { Table } from '../../shared/adapters/dynamodb-table.js';
import { processStatsEvent, statsEventSchema, type StatsOutcome } from '../../shared/stats/stats.js';

export async function handleStatsEvent(event: EventBridgeEvent<string, unknown>, table: Table): Promise<StatsOutcome> {
  const parsed = statsEventSchema.safeParse(event);
  if (!parsed.success) {
    // Not retryable: a malformed or unexpected event would fail the same way every time.
    console.error(JSON.stringify({ level: 'error', msg: 'not a stats event; dropped', id: event.id, detailType: event['detail-type'] }));
    return 'ignored';
  }
  const outcome = await processStatsEvent(parsed.data, table);
  console.log(JSON.stringify({ level: 'info', msg: 'stats event processed', eventId: parsed.data.detail.metadata.eventId, detailType: parsed.data['detail-type'], outcome }));
  return outcome;
}

/** The Lambda handler for a given table, built on first use (after the environment is set). */
export function createStatsHandler(tableFactory: () => Table = () => new Table(getDocumentClient(), requireEnv(ENV.tableName))) {
  let table: Table | undefined;
  return middy<EventBridgeEvent<string, unknown>, StatsOutcome>().handler((event) => handleStatsEvent(event, (table ??= tableFactory())));
}

export const handler = createStatsHandler();
