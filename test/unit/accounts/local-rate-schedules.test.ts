/**
 * The local Scheduler stand-in's recurring `rate(...)` schedules, driven through the accounts'
 * own adapter and the real `@aws-sdk/client-scheduler`: create, update (same name), fire every
 * period (shortened by MAILROOM_LOCAL_RATE_SCALE), delete.
 */
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../infra/local/logger.js';
import { parseRateExpression, startLocalScheduler, type LocalScheduler } from '../../../infra/local/scheduler.js';
import { EventBridgeSyncSchedules } from '../../../shared/accounts/schedules.js';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:account-sync';
let local: LocalScheduler;
let client: SchedulerClient;
let schedules: EventBridgeSyncSchedules;
const delivered: string[] = [];
const previousScale = process.env.MAILROOM_LOCAL_RATE_SCALE;

beforeAll(async () => {
  // 1 minute -> 300 ms.
  process.env.MAILROOM_LOCAL_RATE_SCALE = '0.005';
  local = await startLocalScheduler({
    port: 0, region: 'us-east-1', account: '000000000000', logger: createLogger(true),
    deliver: async (_arn, input) => { delivered.push(input); },
  });
  client = new SchedulerClient({ endpoint: local.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  schedules = new EventBridgeSyncSchedules(client, { group: 'accounts', queueArn: QUEUE_ARN, roleArn: 'arn:aws:iam::000000000000:role/s' });
});

afterAll(async () => {
  if (previousScale === undefined) delete process.env.MAILROOM_LOCAL_RATE_SCALE;
  else process.env.MAILROOM_LOCAL_RATE_SCALE = previousScale;
  client?.destroy();
  await local?.stop();
});

describe('local rate schedules', () => {
  it('parses rate expressions', () => {
    expect(parseRateExpression('rate(2 minutes)')).toBe(600);
    expect(parseRateExpression('rate(1 hour)')).toBe(18_000);
    expect(parseRateExpression('at(2026-11-20T09:00:01)')).toBeNull();
  });

  it('fires a recurring schedule every period until deleted, and updates it in place', async () => {
    // Act
    await schedules.put('acc1', 1);
    await schedules.put('acc1', 2);
    const got = await client.send(new GetScheduleCommand({ Name: 'imap-acc1', GroupName: 'accounts' }));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await schedules.remove('acc1');
    await schedules.remove('acc1');
    const fired = delivered.length;
    await new Promise((resolve) => setTimeout(resolve, 700));

    // Assess
    expect(got).toMatchObject({ ScheduleExpression: 'rate(2 minutes)', Target: { Arn: QUEUE_ARN, Input: '{"accountId":"acc1"}' } });
    expect(fired).toBeGreaterThanOrEqual(2);
    expect(fired).toBeLessThanOrEqual(3);
    expect(new Set(delivered)).toEqual(new Set(['{"accountId":"acc1"}']));
    expect(delivered).toHaveLength(fired);
    expect(local.pending()).toEqual([]);
  });
});
