/**
 * Assertions on the outbox resources of the stateless stack: queue and DLQ, sender function and
 * its event source, Scheduler group and role, SES configuration set, least-privilege grants.
 * Synthesized once, with bundling skipped (see stack.test.ts).
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_ENV } from '../../shared/outbox/env.js';
import { OUTBOX_MAX_RECEIVES, SENDER_BATCH_SIZE, SENDER_MAX_CONCURRENCY, SENDER_TIMEOUT } from '../../infra/constructs/outbox.js';
import type { Mailroom } from '../../infra/mailroom.js';
import { synthesiseMailroom, type Resource, type Synthesised } from './synth.js';

let mailroom: Mailroom;
let stateless: Template;
let resources: Synthesised['resources'];

beforeAll(() => {
  // Prepare / Act
  ({ mailroom, stateless, resources } = synthesiseMailroom());
});

function senderFunction(): Resource {
  const found = resources('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('sends queued mail') });
  expect(found).toHaveLength(1);
  return found[0]!;
}

function policiesOf(roleLogicalIdPrefix: RegExp): string {
  return JSON.stringify(Object.entries(stateless.findResources('AWS::IAM::Policy'))
    .filter(([, policy]) => (policy as Resource).Properties.Roles.some((r: { Ref: string }) => roleLogicalIdPrefix.test(r.Ref))));
}

describe('outbox', () => {
  it('has a queue redriving to an alarmed DLQ after 5 receives, visible 6x the sender timeout', () => {
    const [queue] = resources('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: OUTBOX_MAX_RECEIVES }) });
    expect(queue).toBeDefined();
    expect(queue!.Properties.VisibilityTimeout).toBe(6 * SENDER_TIMEOUT.toSeconds());
    expect(queue!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    const dlqId = queue!.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(resources('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }] })).toHaveLength(1);
  });

  it('consumes it with the sender: partial batch responses, bounded concurrency', () => {
    const sender = senderFunction();
    expect(sender.Properties).toMatchObject({ Architectures: ['arm64'], Runtime: 'nodejs22.x', Timeout: SENDER_TIMEOUT.toSeconds() });
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: SENDER_BATCH_SIZE, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: SENDER_MAX_CONCURRENCY },
    });
    const vars = sender.Properties.Environment.Variables;
    for (const name of [OUTBOX_ENV.queueArn, OUTBOX_ENV.scheduleGroup, OUTBOX_ENV.schedulerRoleArn, OUTBOX_ENV.sesConfigurationSet]) expect(vars).toHaveProperty(name);
  });

  it('creates a schedule group and a role only Scheduler of this account can assume, allowed to send to the queue', () => {
    stateless.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'mailroom-test-outbox' });
    const [role] = resources('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } })] }),
    });
    expect(role).toBeDefined();
    expect(policiesOf(/OutboxSchedulerRole/)).toContain('sqs:SendMessage');
  });

  it('names an SES configuration set that suppresses bounces and complaints', () => {
    stateless.hasResourceProperties('AWS::SES::ConfigurationSet', {
      Name: 'mailroom-test', SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    expect(senderFunction().Properties.Environment.Variables[OUTBOX_ENV.sesConfigurationSet]).toEqual({ Ref: expect.any(String) });
  });

  it('lets the sender send only from the configured identity and manage only outbox schedules', () => {
    const policy = policiesOf(/OutboxSenderRole/);
    expect(policy).toContain('ses:SendRawEmail');
    expect(policy).toContain(':identity/mail.example.org');
    expect(policy).toContain(':schedule/');
    expect(policy).toContain('iam:PassRole');
    expect(policy).toContain('outbound/*');
    expect(policy).not.toMatch(/"Resource":"\*"/);
  });

  it('lets the compose function write outbound/, enqueue and schedule, with the outbox settings in its environment', () => {
    const policy = policiesOf(/HttpApiComposeHandlerRole/);
    expect(policy).toContain('sqs:SendMessage');
    expect(policy).toContain('scheduler:CreateSchedule');
    expect(policy).toContain('scheduler:DeleteSchedule');
    expect(policy).toContain('iam:PassRole');
    expect(policy).toContain('outbound/*');
    expect(policy).toContain('attachments/*');
    expect(policy).toContain('events:PutEvents');
    expect(policy).not.toMatch(/"Resource":"\*"/);
    const [compose] = resources('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('outbox routes') });
    expect(compose!.Properties.Environment.Variables).toMatchObject({
      [OUTBOX_ENV.undoSeconds]: '10', [OUTBOX_ENV.queueUrl]: { Ref: expect.any(String) }, [OUTBOX_ENV.scheduleGroup]: expect.anything(),
    });
  });

  it('leaves the outbox grants and settings out of the API function', () => {
    const policy = policiesOf(/HttpApiHandlerRole/);
    for (const action of ['sqs:SendMessage', 'scheduler:CreateSchedule', 'iam:PassRole']) expect(policy).not.toContain(action);
    expect(policy).not.toContain('outbound/*');
    const [api] = resources('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('web app API$') });
    for (const name of Object.values(OUTBOX_ENV)) expect(api!.Properties.Environment.Variables).not.toHaveProperty(name);
  });

  it('keeps cdk-nag satisfied', () => {
    expect(Annotations.fromStack(mailroom.stateless).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});
