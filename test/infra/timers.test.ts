/**
 * Assertions on the timers resources of the stateless stack: the queue and its alarmed DLQ, the
 * bus rule that arms timers, the function and its event source, the Scheduler group and role, and
 * least-privilege grants. Synthesized once, with bundling skipped (see stack.test.ts).
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TIMERS_BATCH_SIZE, TIMERS_MAX_RECEIVES, TIMERS_TIMEOUT } from '../../infra/constructs/timers.js';
import type { Mailroom } from '../../infra/mailroom.js';
import { synthesiseMailroom, type Resource, type Synthesised } from './synth.js';
import { CONSUMED_DETAIL_TYPES, TIMERS_ENV } from '../../shared/workflow/timers.js';
import { ENV } from '../../shared/config/env.js';

let mailroom: Mailroom;
let stateless: Template;
let resources: Synthesised['resources'];

beforeAll(() => {
  // Prepare / Act
  ({ mailroom, stateless, resources } = synthesiseMailroom());
}, 180_000);

function timersFunction(): Resource {
  const found = resources('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('snooze and follow-up timers') });
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('timers', () => {
  it('has a queue redriving to an alarmed DLQ, visible 6x the function timeout', () => {
    const [queue] = resources('AWS::SQS::Queue', { VisibilityTimeout: 6 * TIMERS_TIMEOUT.toSeconds(), RedrivePolicy: Match.objectLike({ maxReceiveCount: TIMERS_MAX_RECEIVES }) });
    expect(queue).toBeDefined();
    expect(queue!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    const dlqId = queue!.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(resources('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }] })).toHaveLength(1);
  });

  it('arms timers from the Mailroom bus, and receives the events the workflow reacts to', () => {
    const rules = resources('AWS::Events::Rule', { EventPattern: Match.objectLike({ source: ['mailroom'] }) })
      .filter((r) => JSON.stringify(r.Properties.EventPattern).includes('Conversation Snoozed'));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.EventPattern['detail-type']).toEqual([...CONSUMED_DETAIL_TYPES]);
    expect(rules[0]!.Properties.EventPattern['detail-type']).toEqual(expect.arrayContaining([
      'Conversation Snoozed', 'Follow-up Scheduled', 'Message Received', 'Message Queued', 'Mention Created', 'Conversation Assigned', 'Conversation Deleted',
    ]));
    expect(rules[0]!.Properties.Targets[0]).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 10 }, DeadLetterConfig: { Arn: expect.anything() } });
  });

  it('consumes the queue with partial batch responses, with the schedule settings in the environment', () => {
    const fn = timersFunction();
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    for (const name of Object.values(TIMERS_ENV)) expect(variables[name], name).toBeDefined();
    const [mapping] = resources('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: TIMERS_BATCH_SIZE })
      .filter((m) => JSON.stringify(m.Properties.EventSourceArn).includes('Timers'));
    expect(mapping).toBeDefined();
  });

  it('creates a schedule group and a role only Scheduler of this account can assume', () => {
    expect(resources('AWS::Scheduler::ScheduleGroup', { Name: 'mailroom-test-timers' })).toHaveLength(1);
    const roles = resources('AWS::IAM::Role', { Description: Match.stringLikeRegexp('^EventBridge Scheduler: puts snooze') });
    expect(roles).toHaveLength(1);
    expect(JSON.stringify(roles[0]!.Properties.AssumeRolePolicyDocument)).toContain('aws:SourceAccount');
  });

  it('lets the function manage schedules of its own group only, and alarms on its errors', () => {
    const policies = JSON.stringify(resources('AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes('TimersFunction')));
    expect(policies).toContain('scheduler:CreateSchedule');
    expect(policies).toContain('schedule/mailroom-test-timers/*');
    expect(policies).not.toMatch(/"Resource":"\*"/);
    const fnId = Object.keys(stateless.findResources('AWS::Lambda::Function', { Properties: Match.objectLike({ Description: Match.stringLikeRegexp('snooze and follow-up timers') }) }))[0]!;
    expect(resources('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }] })).toHaveLength(1);
  });

  it('may erase mail objects (every version) for the purge, within the mail prefixes only', () => {
    const fn = timersFunction();
    expect((fn.Properties.Environment.Variables as Record<string, unknown>)[ENV.mailBucket]).toBeDefined();
    const policies = JSON.stringify(resources('AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes('TimersFunction')));
    expect(policies).toContain('s3:DeleteObjectVersion');
    expect(policies).toContain('s3:ListBucketVersions');
    expect(policies).toContain('/attachments/*');
    expect(policies).not.toContain('s3:PutObject');
  });

  it('keeps cdk-nag satisfied', () => {
    expect(Annotations.fromStack(mailroom.stateless).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});
