/**
 * The timers function's handler: each record is classified (fired timer, arming event, reaction
 * event), processed on its own, and only the failed ones are reported back to SQS; a body that is
 * none of these is dropped (retrying cannot fix it).
 */
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handleTimers } from '../../../functions/timers/handler.js';
import type { TimersDeps } from '../../../shared/workflow/timers-deps.js';
import type { ReactionEvent, TimerMessage } from '../../../shared/workflow/timers.js';

function sqs(bodies: string[]): SQSEvent {
  return { Records: bodies.map((body, n) => ({ messageId: `m${n}`, body })) } as unknown as SQSEvent;
}

describe('timers handler', () => {
  it('fires timers, hands events to the reactions, drops foreign bodies and reports only failures', async () => {
    // Prepare
    const fired: TimerMessage[] = [];
    const reacted: ReactionEvent[] = [];
    const deps = {
      scheduler: { schedule: async () => undefined, cancel: async () => undefined },
      workflow: { fireTimer: async (m: TimerMessage) => { if (m.conversationId === 'cBroken') throw new Error('throttled'); fired.push(m); return 'fired'; } },
      reactions: { handle: async (e: ReactionEvent) => { reacted.push(e); return 'notified'; } },
    } as unknown as TimersDeps;
    const mention = { 'detail-type': 'Mention Created', source: 'mailroom', detail: { metadata: { eventId: 'note:c1:n1:mention:julien@acme.test', occurredAt: '2026-11-20T09:00:00.000Z' }, data: { mentioned: 'julien@acme.test' } } };

    // Act
    const result = await handleTimers(sqs([
      JSON.stringify({ timer: 'deadline', conversationId: 'c1', token: 42, setBy: null }),
      JSON.stringify({ timer: 'inactivity', conversationId: 'cBroken', token: 7, setBy: 'julien@acme.test' }),
      JSON.stringify(mention),
      'not json at all',
    ]), deps);

    // Assess
    expect(fired).toEqual([{ timer: 'deadline', conversationId: 'c1', token: 42, setBy: null }]);
    expect(reacted.map((e) => [e.detailType, e.eventId])).toEqual([['Mention Created', 'note:c1:n1:mention:julien@acme.test']]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  });
});
