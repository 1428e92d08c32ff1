/**
 * Snooze and follow-up timers: exact one-time EventBridge Scheduler schedules (the outbox's
 * mechanism, `RetryScheduler` in shared/outbox/retry-scheduler.ts) targeting the `timers` queue,
 * consumed by functions/timers/.
 *
 * Why arming goes through the bus: the API function stays free of the Scheduler client (its bundle
 * is kept small, test/infra/api-bundle.test.ts). A change that sets a timer publishes
 * `Conversation Snoozed` or `Follow-up Scheduled`; a rule puts those events on the timers queue;
 * the timers function creates the schedule, named after (conversation, timer, version), so a
 * redelivered event schedules nothing new. At the time, Scheduler puts a {@link TimerMessage} on
 * the same queue and the function fires it (`ConversationWorkflow.fireTimer`), which checks the
 * token: a timer whose snooze or reminder was replaced, cancelled or ended by a customer message
 * is harmless.
 * See https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time
 */
import * as z from 'zod';
import { EVENTS } from '../events/contracts.js';
import { scheduleName, type RetryScheduler } from '../outbox/retry-scheduler.js';
import type { ConversationWorkflow } from './conversation-workflow.js';

/** Environment of the timers function, set by infra/constructs/timers.ts and the local stack. */
export const TIMERS_ENV = {
  /** ARN of the timers queue: the target of the one-time schedules. */
  queueArn: 'MAILROOM_TIMERS_QUEUE_ARN',
  scheduleGroup: 'MAILROOM_TIMERS_SCHEDULE_GROUP',
  /** Role EventBridge Scheduler assumes to send to the timers queue. */
  schedulerRoleArn: 'MAILROOM_TIMERS_SCHEDULER_ROLE_ARN',
} as const;

/** Events that arm a timer; the rule sending them to the timers queue matches these detail-types. */
export const ARMING_DETAIL_TYPES = [EVENTS.conversationSnoozed.detailType, EVENTS.followUpScheduled.detailType] as const;

/**
 * Events the timers function reacts to besides those (reactions.ts): a customer message arms the
 * response deadline, a reply clears it and is recorded in the history, activity of the assignee
 * re-arms the inactivity timer, mentions and assignments become notifications, and a deletion is
 * purged. The bus rule matches {@link CONSUMED_DETAIL_TYPES}, both lists.
 */
export const REACTION_DETAIL_TYPES = [
  EVENTS.messageReceived.detailType, EVENTS.messageQueued.detailType, EVENTS.mentionCreated.detailType,
  EVENTS.conversationAssigned.detailType, EVENTS.conversationStatusChanged.detailType, EVENTS.conversationLabelled.detailType,
  EVENTS.conversationUnlabelled.detailType, EVENTS.conversationQualified.detailType, EVENTS.noteAdded.detailType,
  EVENTS.conversationDeleted.detailType,
] as const;

export const CONSUMED_DETAIL_TYPES = [...ARMING_DETAIL_TYPES, ...REACTION_DETAIL_TYPES] as const;

/** What a schedule puts on the timers queue when it fires. */
export const timerMessageSchema = z.object({
  timer: z.enum(['snooze', 'follow_up', 'deadline', 'inactivity']),
  conversationId: z.string().min(1),
  /** The version of the change that set the timer; the conversation keeps it while the timer applies. */
  token: z.number().int().min(1),
  /** Who set it: the member a follow-up reminds. */
  setBy: z.string().nullable(),
});

export type TimerMessage = z.infer<typeof timerMessageSchema>;

/** A bus event as an EventBridge rule delivers it to SQS (only the fields read here). */
const armingEventSchema = z.object({
  'detail-type': z.enum(ARMING_DETAIL_TYPES),
  detail: z.object({
    data: z.object({
      conversationId: z.string(), version: z.number().int(), actor: z.string(),
      until: z.string().optional(), at: z.string().optional(),
    }),
  }),
});

/** Any other bus event the timers queue receives (see {@link REACTION_DETAIL_TYPES}). */
const reactionEventSchema = z.object({
  'detail-type': z.enum(REACTION_DETAIL_TYPES),
  detail: z.object({
    metadata: z.object({ eventId: z.string(), occurredAt: z.string() }),
    data: z.record(z.string(), z.unknown()),
  }),
});

export interface ReactionEvent {
  detailType: (typeof REACTION_DETAIL_TYPES)[number];
  eventId: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export type TimerRecord =
  | { kind: 'arm'; at: Date; name: string; message: TimerMessage }
  | { kind: 'fire'; message: TimerMessage }
  | { kind: 'event'; event: ReactionEvent };

/** Classifies a queue message body; null when it is neither (dropped: retrying cannot fix it). */
export function parseTimerRecord(body: string): TimerRecord | null {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return null;
  }
  const fire = timerMessageSchema.safeParse(json);
  if (fire.success) return { kind: 'fire', message: fire.data };
  const event = armingEventSchema.safeParse(json);
  if (!event.success) {
    const other = reactionEventSchema.safeParse(json);
    if (!other.success) return null;
    const { metadata, data } = other.data.detail;
    return { kind: 'event', event: { detailType: other.data['detail-type'], eventId: metadata.eventId, occurredAt: metadata.occurredAt, data } };
  }
  const data = event.data.detail.data;
  const timer = event.data['detail-type'] === EVENTS.conversationSnoozed.detailType ? 'snooze' : 'follow_up';
  const at = new Date(timer === 'snooze' ? data.until ?? '' : data.at ?? '');
  if (Number.isNaN(at.getTime())) return null;
  const message: TimerMessage = { timer, conversationId: data.conversationId, token: data.version, setBy: data.actor };
  return { kind: 'arm', at, name: timerScheduleName(message), message };
}

/** One schedule per (conversation, timer, version): arming twice keeps the first. */
export function timerScheduleName(message: Pick<TimerMessage, 'timer' | 'conversationId' | 'token'>): string {
  return scheduleName(message.conversationId, `${TIMER_PREFIX[message.timer]}-v${message.token}`);
}

const TIMER_PREFIX: Record<TimerMessage['timer'], string> = { snooze: 'snz', follow_up: 'fup', deadline: 'dln', inactivity: 'ina' };

export type TimerScheduler = RetryScheduler<TimerMessage>;

/** Arms, fires or reacts to one record; all idempotent. Without reactions, other events are ignored. */
export async function processTimerRecord(
  record: TimerRecord,
  deps: { scheduler: TimerScheduler; workflow: ConversationWorkflow; reactions?: { handle(event: ReactionEvent): Promise<string> } },
): Promise<string> {
  if (record.kind === 'arm') {
    await deps.scheduler.schedule(record.name, record.at, record.message);
    return 'armed';
  }
  if (record.kind === 'event') return deps.reactions ? deps.reactions.handle(record.event) : 'ignored';
  return deps.workflow.fireTimer(record.message);
}
