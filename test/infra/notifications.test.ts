/**
 * Assertions on the system-mail resources of the stateless stack: the notify function, the bus rule
 * that feeds it (only the three events that cause mail), its alarmed dead-letter queue, and grants
 * limited to what it does (table, outbound/ objects, the outbox queue, the bus).
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { NOTIFY_RETRY_ATTEMPTS, NOTIFY_RULE_RETRY_ATTEMPTS } from '../../infra/constructs/notifications.js';
import { OUTBOX_ENV } from '../../shared/outbox/env.js';
import { synthesiseMailroom, type Resource, type Synthesised } from './synth.js';

let stateless: Template;
let resources: Synthesised['resources'];

beforeAll(() => {
  ({ stateless, resources } = synthesiseMailroom());
});

function notifyFunction(): { id: string; fn: Resource } {
  const found = Object.entries(stateless.findResources('AWS::Lambda::Function', { Properties: Match.objectLike({ Description: Match.stringLikeRegexp('system-generated mail') }) }));
  expect(found).toHaveLength(1);
  return { id: found[0]![0], fn: found[0]![1] as Resource };
}

describe('notifications', () => {
  it('routes exactly the events that cause system mail from the Mailroom bus to the function, with retries and a DLQ', () => {
    const { id } = notifyFunction();
    const rules = resources('AWS::Events::Rule', { EventPattern: Match.objectLike({ source: ['mailroom'] }) })
      .filter((r) => JSON.stringify(r.Properties.Targets).includes(id));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.EventPattern['detail-type']).toEqual(['Message Received', 'Mention Created', 'Conversation Assigned']);
    expect(rules[0]!.Properties.Targets[0]).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: NOTIFY_RULE_RETRY_ATTEMPTS }, DeadLetterConfig: { Arn: expect.anything() } });
  });

  it('sends failed invocations to an alarmed dead-letter queue', () => {
    const { id } = notifyFunction();
    const [config] = Object.values(stateless.findResources('AWS::Lambda::EventInvokeConfig', { Properties: Match.objectLike({ FunctionName: { Ref: id } }) })) as Resource[];
    expect(config!.Properties).toMatchObject({ MaximumRetryAttempts: NOTIFY_RETRY_ATTEMPTS, DestinationConfig: { OnFailure: { Destination: expect.anything() } } });
    const dlqId = config!.Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0];
    expect(resources('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }] })).toHaveLength(1);
  });

  it('queues on the outbox queue and writes outbound objects only', () => {
    const { fn } = notifyFunction();
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    expect(variables[OUTBOX_ENV.queueUrl]).toBeDefined();
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const policies = resources('AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toEqual(expect.arrayContaining(['sqs:SendMessage', 'events:PutEvents', 's3:PutObject']));
    expect(actions).not.toContain('ses:SendEmail');
    expect(actions).not.toContain('ses:SendRawEmail');
    const s3Resources = JSON.stringify(statements.filter((s) => JSON.stringify(s.Action).includes('s3:PutObject')).map((s) => s.Resource));
    expect(s3Resources).toContain('outbound/*');
    expect(s3Resources).not.toContain('inbound/');
  });
});
