import { describe, expect, it } from 'vitest';
import { canTransition, OUTBOX_STATUSES, PENDING_STATUSES, sourcesOf, TRANSITIONS } from '../../../shared/outbox/status.js';
import { decideAfterFailure, DEFAULT_RETRY_POLICY, retryDelayMs, seededRandom, type RetryPolicy } from '../../../shared/outbox/retry-policy.js';
import { atExpression, scheduleName } from '../../../shared/outbox/retry-scheduler.js';

describe('outbox state machine', () => {
  it('only a pending message can be claimed, cancelled or held', () => {
    expect(sourcesOf('sending')).toEqual(['queued', 'retry_pending']);
    expect(sourcesOf('cancelled')).toEqual([...PENDING_STATUSES]);
    expect(sourcesOf('connector_disabled')).toEqual(['queued', 'retry_pending']);
  });

  it('only the claimer (sending) can record an outcome', () => {
    expect(sourcesOf('sent')).toEqual(['sending']);
    expect(sourcesOf('retry_pending')).toEqual(['sending', 'failed', 'connector_disabled']);
    expect(canTransition('sending', 'cancelled')).toBe(false);
    expect(canTransition('queued', 'sent')).toBe(false);
  });

  it('sent and cancelled are final', () => {
    expect(TRANSITIONS.sent).toEqual([]);
    expect(TRANSITIONS.cancelled).toEqual([]);
    for (const status of OUTBOX_STATUSES) {
      expect(canTransition(status, 'queued')).toBe(false);
    }
  });
});

describe('retry policy', () => {
  const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 5_000, minDelayMs: 100 };

  it('draws full-jitter delays under a doubling, capped ceiling, reproducibly for a seed', () => {
    // Act
    const delays = (seed: number) => { const random = seededRandom(seed); return [1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, policy, random)); };
    const first = delays(42);
    // Assess: the same seed gives the same plan, another seed another one
    expect(delays(42)).toEqual(first);
    expect(delays(43)).not.toEqual(first);
    first.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(policy.minDelayMs);
      expect(delay).toBeLessThanOrEqual(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** i));
    });
  });

  it('floors at the minimum and caps at the maximum', () => {
    expect(retryDelayMs(1, policy, () => 0)).toBe(100);
    expect(retryDelayMs(30, policy, () => 0.999999)).toBe(4_999);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(2_000);
  });

  it('spreads retries: 1,000 draws for attempt 3 cover the range', () => {
    const random = seededRandom(7);
    const draws = Array.from({ length: 1_000 }, () => retryDelayMs(3, policy, random));
    expect(Math.min(...draws)).toBeLessThan(400);
    expect(Math.max(...draws)).toBeGreaterThan(3_600);
  });

  it('retries transient failures until the attempts are spent, never permanent ones', () => {
    const now = new Date('2026-11-20T09:00:00.000Z');
    const first = decideAfterFailure(1, true, policy, now, () => 0.5);
    expect(first).toEqual({ kind: 'retry', delayMs: 500, nextAttemptAt: new Date('2026-11-20T09:00:00.500Z') });
    expect(decideAfterFailure(4, true, policy, now, () => 0.5)).toEqual({ kind: 'fail', reason: 'exhausted' });
    expect(decideAfterFailure(1, false, policy, now, () => 0.5)).toEqual({ kind: 'fail', reason: 'permanent' });
  });

  it('defaults: five attempts, 30 s first cap, 30 min ceiling, never under a second', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 5, baseDelayMs: 30_000, maxDelayMs: 1_800_000, minDelayMs: 1_000 });
  });
});

describe('one-time schedules', () => {
  it('rounds up to the whole second Scheduler understands', () => {
    expect(atExpression(new Date('2026-11-20T09:00:00.200Z'))).toBe('at(2026-11-20T09:00:01)');
    expect(atExpression(new Date('2026-11-20T09:00:00.000Z'))).toBe('at(2026-11-20T09:00:00)');
  });

  it('names schedules after the message and the attempt, within the allowed characters', () => {
    expect(scheduleName('ab+c/d', 'a2')).toBe('mr-ab_c_d-a2');
    expect(scheduleName('x'.repeat(80), 'send')).toHaveLength(64);
  });
});
