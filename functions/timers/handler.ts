/**
 * Timers function: consumes the timers queue. A record is either an arming event (`Conversation
 * Snoozed`, `Follow-up Scheduled`, put there by a bus rule), turned into a one-time schedule, a
 * fired timer (put there by the schedule), applied to the conversation if it still carries the
 * timer's token, or another workflow event it reacts to (shared/workflow/reactions.ts: response
 * deadlines, inactivity, reply history, notifications, purge of deleted conversations). All are
 * idempotent; failures are reported per record (ReportBatchItemFailures)
 * and retried by SQS, then dead-lettered.
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseTimerRecord, processTimerRecord, type TimerRecord } from '../../shared/workflow/timers.js';
import { timersDepsFromEnv, type TimersDeps } from '../../shared/workflow/timers-deps.js';

/** What a log line says the record was about (never message content). */
function subject(record: TimerRecord): Record<string, unknown> {
  return record.kind === 'event' ? { detailType: record.event.detailType, eventId: record.event.eventId } : { ...record.message };
}

export async function handleTimers(event: SQSEvent, deps: TimersDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const parsed = parseTimerRecord(record.body);
    if (!parsed) {
      console.error(JSON.stringify({ level: 'error', msg: 'not a timer record; dropped', messageId: record.messageId, body: record.body.slice(0, 200) }));
      continue;
    }
    try {
      const outcome = await processTimerRecord(parsed, deps);
      console.log(JSON.stringify({ level: 'info', msg: 'timer record processed', kind: parsed.kind, ...subject(parsed), outcome }));
    } catch (error) {
      console.error(JSON.stringify({ level: 'error', msg: 'timer record failed; SQS will deliver it again', kind: parsed.kind, ...subject(parsed), error: error instanceof Error ? error.stack : String(error) }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

/** The Lambda handler for given dependencies, built on first use (after the environment is set). */
export function createTimersHandler(depsFactory: () => TimersDeps = timersDepsFromEnv) {
  let deps: TimersDeps | undefined;
  return middy<SQSEvent, SQSBatchResponse>().handler((event) => handleTimers(event, (deps ??= depsFactory())));
}

export const handler = createTimersHandler();
