/**
 * Assertions on the contacts resources of the stateless stack: the queue and its alarmed DLQ, the
 * bus rule for received messages, the function and its event source, and least-privilege grants.
 * Synthesized once, with bundling skipped (see stack.test.ts).
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTACTS_BATCH_SIZE, CONTACTS_MAX_RECEIVES, CONTACTS_TIMEOUT } from '../../infra/constructs/contacts.js';
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

function contactsFunction(): Resource {
  const found = resources('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('contacts from participants') });
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('contacts and cases consumer', () => {
  it('has a queue redriving to an alarmed DLQ, visible 6x the function timeout', () => {
    const [queue] = resources('AWS::SQS::Queue', { VisibilityTimeout: 6 * CONTACTS_TIMEOUT.toSeconds(), RedrivePolicy: Match.objectLike({ maxReceiveCount: CONTACTS_MAX_RECEIVES }) });
    expect(queue).toBeDefined();
    expect(queue!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    const dlqId = queue!.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(resources('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }] })).toHaveLength(1);
  });

  it('takes Message Received and Message Sent from the Mailroom bus, and nothing else', () => {
    const rules = resources('AWS::Events::Rule', { Description: Match.stringLikeRegexp('address book and cases') });
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.EventPattern).toEqual({ source: ['mailroom'], 'detail-type': ['Message Received', 'Message Sent'] });
    expect(rules[0]!.Properties.Targets[0]).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 10 }, DeadLetterConfig: { Arn: expect.anything() } });
  });

  it('consumes the queue with partial batch responses and knows the table, bucket and bus', () => {
    const fn = contactsFunction();
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    for (const name of [ENV.tableName, ENV.mailBucket, ENV.eventBusName]) expect(variables[name], name).toBeDefined();
    const mappings = resources('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: CONTACTS_BATCH_SIZE })
      .filter((m) => JSON.stringify(m.Properties.EventSourceArn).includes('Contacts'));
    expect(mappings).toHaveLength(1);
  });

  it('reads bodies and attachments, writes attachments only, puts events, and alarms on errors', () => {
    const policies = JSON.stringify(resources('AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes('ContactsFunction')));
    expect(policies).toContain('attachments/*');
    expect(policies).toContain('bodies/*');
    expect(policies).not.toContain('inbound/*');
    expect(policies).toContain('events:PutEvents');
    expect(policies).not.toMatch(/"Resource":"\*"/);
    const fnId = Object.keys(stateless.findResources('AWS::Lambda::Function', { Properties: Match.objectLike({ Description: Match.stringLikeRegexp('contacts from participants') }) }))[0]!;
    expect(resources('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }] })).toHaveLength(1);
  });

  it('keeps cdk-nag satisfied', () => {
    expect(Annotations.fromStack(mailroom.stateless).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});
