/**
 * Outbox settings and retry policy, pure: limits and defaults of the settings schema, a stored map
 * that went out of limits falling back per field, the mailbox's overrides of the deployment's
 * policy, and the three jitter modes.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, retryDelayMs } from '../../../shared/outbox/retry-policy.js';
import { outboxSettingsSchema } from '../../../shared/outbox/settings-schema.js';
import { DEFAULT_OUTBOX_SETTINGS, effectiveRetryPolicy, outboxSettingsOf } from '../../../shared/outbox/settings.js';

describe('outbox settings', () => {
  it('defaults to the deployment policy, connector on, no auto-acknowledgement', () => {
    expect(DEFAULT_OUTBOX_SETTINGS).toMatchObject({
      connectorEnabled: true, undoSeconds: null, retry: { maxAttempts: null, baseDelaySeconds: null, maxDelaySeconds: null, jitter: 'full' },
      autoAck: { enabled: false, windowHours: 24 },
    });
    expect(outboxSettingsOf(undefined)).toEqual(DEFAULT_OUTBOX_SETTINGS);
  });

  it('refuses values out of limits, naming the field', () => {
    const cases: [unknown, string][] = [
      [{ undoSeconds: 901 }, 'undoSeconds'],
      [{ retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
      [{ retry: { baseDelaySeconds: 3601 } }, 'retry.baseDelaySeconds'],
      [{ retry: { jitter: 'some' } }, 'retry.jitter'],
      [{ autoAck: { windowHours: 0 } }, 'autoAck.windowHours'],
      [{ autoAck: { subject: 'a\nBcc: x@y' } }, 'autoAck.subject'],
      [{ connectorEnabled: 'yes' }, 'connectorEnabled'],
      [{ unknown: 1 }, ''],
    ];
    for (const [input, path] of cases) {
      const result = outboxSettingsSchema.safeParse(input);
      expect(result.success, JSON.stringify(input)).toBe(false);
      expect(result.error!.issues[0]!.path.join('.'), JSON.stringify(input)).toBe(path);
    }
  });

  it('reads a stored map that went out of limits field by field, keeping what is valid', () => {
    const settings = outboxSettingsOf({ outbox: { connectorEnabled: false, undoSeconds: 5000, retry: { maxAttempts: 3 } } });
    expect(settings).toMatchObject({ connectorEnabled: false, undoSeconds: null, retry: { maxAttempts: 3 } });
  });

  it('overrides the deployment policy with the mailbox\'s fields that are set', () => {
    const settings = outboxSettingsSchema.parse({ retry: { maxAttempts: 2, maxDelaySeconds: 60, jitter: 'none' } });
    expect(effectiveRetryPolicy(DEFAULT_RETRY_POLICY, settings)).toEqual({ ...DEFAULT_RETRY_POLICY, maxAttempts: 2, maxDelayMs: 60_000, jitter: 'none' });
  });
});

describe('jitter', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 10_000, maxDelayMs: 60_000 };
  it('full spreads over the whole range, equal over its upper half, none waits the cap', () => {
    expect(retryDelayMs(2, { ...policy, jitter: 'full' }, () => 0.25)).toBe(5_000);
    expect(retryDelayMs(2, { ...policy, jitter: 'equal' }, () => 0)).toBe(10_000);
    expect(retryDelayMs(2, { ...policy, jitter: 'equal' }, () => 0.5)).toBe(15_000);
    expect(retryDelayMs(2, { ...policy, jitter: 'none' }, () => 0.1)).toBe(20_000);
    expect(retryDelayMs(10, { ...policy, jitter: 'none' }, () => 0.1)).toBe(60_000);
    expect(retryDelayMs(1, { ...policy, jitter: 'full' }, () => 0)).toBe(1_000);
  });
});
