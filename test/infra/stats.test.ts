/**
 * Assertions on the statistics resources of the stateless stack: the bus rule (replies sent and
 * conversations closed only) invoking the stats function directly, with retries and an alarmed
 * dead-letter queue; the function's table-only environment and grants. Synthesized once, with
 * bundling skipped (see stack.test.ts).
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STATS_RETRY_ATTEMPTS, STATS_TIMEOUT } from '../../infra/constructs/stats.js';
import type { Mailroom } from '../../infra/mailroom.js';
import { ENV } from '../../shared/config/env.js';
import { synthesiseMailroom, type Resource, type Synthesised } from './synth.js';

let mailroom: Mailroom;
let stateless: Template;
let resources: Synthesised['resources'];

beforeAll(() => {
  // Prepare / Act
  ({ mailroom, stateless, resources } = synthesiseMailroom());
});

function statsFunction(): { id: string; fn: Resource } {
  const found = stateless.findResources('AWS::Lambda::Function', { Properties: Match.objectLike({ Description: Match.stringLikeRegexp('first-response and resolution samples') }) });
  const ids = Object.keys(found);
  expect(ids).toHaveLength(1);
  return { id: ids[0]!, fn: found[ids[0]!] as Resource };
}

describe('stats', () => {
  it('invokes the function from the Mailroom bus for replies sent and status changes only, with retries and a DLQ', () => {
    const { id } = statsFunction();
    const rules = resources('AWS::Events::Rule', { EventPattern: Match.objectLike({ source: ['mailroom'] }) })
      .filter((r) => JSON.stringify(r.Properties.Targets).includes(id));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.EventPattern['detail-type']).toEqual(['Message Sent', 'Conversation Status Changed']);
    const target = rules[0]!.Properties.Targets[0];
    expect(target).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: STATS_RETRY_ATTEMPTS }, DeadLetterConfig: { Arn: expect.anything() } });
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(resources('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }] })).toHaveLength(1);
    expect(resources('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [id, 'Arn'] } })).toHaveLength(1);
  });

  it('runs on arm64 with the table only (no bucket), and alarms on its errors and throttles', () => {
    const { id, fn } = statsFunction();
    expect(fn.Properties).toMatchObject({ Architectures: ['arm64'], Timeout: STATS_TIMEOUT.toSeconds() });
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    expect(variables[ENV.tableName]).toBeDefined();
    expect(variables).not.toHaveProperty(ENV.mailBucket);
    for (const metric of ['Errors', 'Throttles']) {
      expect(resources('AWS::CloudWatch::Alarm', { MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }] })).toHaveLength(1);
    }
    const policies = JSON.stringify(resources('AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes('StatsFunction')));
    expect(policies).toContain('dynamodb:PutItem');
    expect(policies).not.toContain('s3:');
  });

  it('keeps cdk-nag satisfied', () => {
    expect(Annotations.fromStack(mailroom.stateless).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});
