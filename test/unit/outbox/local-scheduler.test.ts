/**
 * The local EventBridge Scheduler stand-in, driven by the real `@aws-sdk/client-scheduler` through
 * the outbox's adapter: the same calls the sender and the API make on AWS.
 */
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalScheduler, parseAtExpression, type LocalScheduler } from '../../../infra/local/scheduler.js';
import { createLogger } from '../../../infra/local/logger.js';
import { EventBridgeRetryScheduler } from '../../../shared/outbox/retry-scheduler.js';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:outbox';
let local: LocalScheduler;
let client: SchedulerClient;
let adapter: EventBridgeRetryScheduler;
const delivered: { arn: string; input: string; at: number }[] = [];

beforeAll(async () => {
  local = await startLocalScheduler({
    port: 0, region: 'us-east-1', account: '000000000000', logger: createLogger(true),
    deliver: async (arn, input) => { delivered.push({ arn, input, at: Date.now() }); },
  });
  client = new SchedulerClient({ endpoint: local.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  adapter = new EventBridgeRetryScheduler(client, { group: 'outbox', queueArn: QUEUE_ARN, roleArn: 'arn:aws:iam::000000000000:role/scheduler' });
});

afterAll(async () => {
  client?.destroy();
  await local?.stop();
});

describe('local scheduler', () => {
  it('parses one-time expressions in UTC only', () => {
    expect(parseAtExpression('at(2026-11-20T09:00:01)', 'UTC')).toEqual(new Date('2026-11-20T09:00:01Z'));
    expect(parseAtExpression('at(2026-11-20T09:00:01)', 'Europe/Paris')).toBeNull();
    expect(parseAtExpression('rate(5 minutes)', undefined)).toBeNull();
  });

  it('fires a one-time schedule at its time, once, to its SQS target, then forgets it', async () => {
    // Act
    const at = new Date(Date.now() + 1_000);
    await adapter.schedule('mr-k1-a1', at, { messageKey: 'k1', attempt: 1 });
    await adapter.schedule('mr-k1-a1', new Date(Date.now() + 60_000), { messageKey: 'k1', attempt: 1 }); // conflict: kept as first planned
    const got = await client.send(new GetScheduleCommand({ Name: 'mr-k1-a1', GroupName: 'outbox' }));
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    // Assess
    expect(got.Target?.Arn).toBe(QUEUE_ARN);
    expect(delivered.filter((d) => d.input.includes('"k1"'))).toEqual([{ arn: QUEUE_ARN, input: '{"messageKey":"k1","attempt":1}', at: expect.any(Number) }]);
    expect(delivered[0]!.at).toBeGreaterThanOrEqual(Math.floor(at.getTime() / 1000) * 1000);
    expect(local.pending()).toEqual([]);
  });

  it('deletes a pending schedule; deleting a missing one is not an error', async () => {
    await adapter.schedule('mr-k2-send', new Date(Date.now() + 60_000), { messageKey: 'k2', attempt: 0 });
    expect(local.pending().map((s) => s.name)).toEqual(['mr-k2-send']);
    await adapter.cancel('mr-k2-send');
    await adapter.cancel('mr-k2-send');
    expect(local.pending()).toEqual([]);
    await expect(client.send(new GetScheduleCommand({ Name: 'mr-k2-send', GroupName: 'outbox' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
