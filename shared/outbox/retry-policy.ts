/**
 * Retry policy of the outbox: how many attempts a message gets and how long to wait before each
 * retry. Exponential backoff with "full jitter" (a uniformly random delay between 0 and the capped
 * exponential), which spreads retries of messages that failed together (a throttling burst) instead
 * of sending them back in lockstep.
 * See https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export interface RetryPolicy {
  /** Attempts in total, the first included (1 = never retry). */
  maxAttempts: number;
  /** Cap of the first retry's delay; doubles for each further attempt. */
  baseDelayMs: number;
  /** Upper bound of any delay. */
  maxDelayMs: number;
  /**
   * Lower bound of any delay. EventBridge Scheduler's `at()` expressions have a one-second
   * resolution, so a retry is never planned sooner than this.
   */
  minDelayMs: number;
  /** full (default): 0..cap; equal: cap/2..cap; none: the cap itself (predictable, but retries move in lockstep). */
  jitter?: 'full' | 'equal' | 'none';
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 30_000,
  maxDelayMs: 30 * 60_000,
  minDelayMs: 1_000,
};

/** A source of uniform numbers in [0, 1): `Math.random` in production, a seeded one in tests. */
export type RandomSource = () => number;

/**
 * Delay before the retry that follows attempt `attempt` (1-based: the attempt that just failed).
 * Full jitter (default): `random(0, min(max, base * 2^(attempt-1)))`; equal jitter keeps the upper
 * half of that range; none waits the cap itself. Floored at `minDelayMs`.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: RandomSource): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
  const jitter = policy.jitter ?? 'full';
  const delay = jitter === 'none' ? ceiling : jitter === 'equal' ? ceiling / 2 + random() * (ceiling / 2) : random() * ceiling;
  return Math.max(policy.minDelayMs, Math.floor(delay));
}

export type FailureDecision =
  | { kind: 'retry'; nextAttemptAt: Date; delayMs: number }
  | { kind: 'fail'; reason: 'permanent' | 'exhausted' };

/** What to do after attempt `attempt` failed: retry at a time, or give up. */
export function decideAfterFailure(
  attempt: number, transient: boolean, policy: RetryPolicy, now: Date, random: RandomSource,
): FailureDecision {
  if (!transient) return { kind: 'fail', reason: 'permanent' };
  if (attempt >= policy.maxAttempts) return { kind: 'fail', reason: 'exhausted' };
  const delayMs = retryDelayMs(attempt, policy, random);
  return { kind: 'retry', delayMs, nextAttemptAt: new Date(now.getTime() + delayMs) };
}

/**
 * A small deterministic generator (mulberry32) for tests and benchmarks that need reproducible
 * jitter. Not for anything security related.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
