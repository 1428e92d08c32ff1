/**
 * Assertions on delivery tracking in the stateless stack: the configuration set's EventBridge event
 * destination, the rule on the default bus, the delivery function with its retries, dead-letter
 * queue and alarms. Synthesized once, with bundling skipped (see stack.test.ts).
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_RETRY_ATTEMPTS, DELIVERY_RULE_RETRY_ATTEMPTS } from '../../infra/constructs/outbox.js';
import type { Mailroom } from '../../infra/mailroom.js';
import { synthesiseMailroom, type Resource, type Synthesised } from './synth.js';
import { SES_DETAIL_TYPES } from '../../shared/outbox/delivery-ses-event.js';

let mailroom: Mailroom;
let stateless: Template;
let resources: Synthesised['resources'];

beforeAll(() => {
  // Prepare / Act
  ({ mailroom, stateless, resources } = synthesiseMailroom());
});

function logicalIdOf(type: string, props: Record<string, unknown>): string {
  const ids = Object.keys(stateless.findResources(type, { Properties: Match.objectLike(props) }));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

describe('delivery tracking', () => {
  it('publishes delivery, bounce, complaint, delay and reject events of the configuration set to the default bus', () => {
    // Assess
    const [destination] = resources('AWS::SES::ConfigurationSetEventDestination');
    expect(destination).toBeDefined();
    const spec = destination!.Properties.EventDestination;
    expect(spec.Enabled).toBe(true);
    expect([...spec.MatchingEventTypes].sort()).toEqual(['bounce', 'complaint', 'delivery', 'deliveryDelay', 'reject']);
    expect(JSON.stringify(spec.EventBridgeDestination.EventBusArn)).toContain(':event-bus/default');
  });

  it('routes them from the default bus to the delivery function, retried, with a dead-letter queue', () => {
    const fnId = logicalIdOf('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('applies SES delivery events') });
    const [rule] = resources('AWS::Events::Rule', { EventPattern: Match.objectLike({ source: ['aws.ses'] }) });
    expect(rule).toBeDefined();
    expect(rule!.Properties.EventBusName).toBe('default'); // SES publishes to the default bus only
    expect(rule!.Properties.EventPattern['detail-type']).toEqual([...SES_DETAIL_TYPES]);
    expect(JSON.stringify(rule!.Properties.EventPattern.detail)).toContain('ses:configuration-set');
    const [target] = rule!.Properties.Targets;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
    expect(target.RetryPolicy.MaximumRetryAttempts).toBe(DELIVERY_RULE_RETRY_ATTEMPTS);
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    stateless.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId }, MaximumRetryAttempts: DELIVERY_RETRY_ATTEMPTS,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } },
    });
    expect(resources('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }] })).toHaveLength(1);
    expect(resources('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }] })).toHaveLength(1);
  });

  it('gives the delivery function the table and the Mailroom bus, and no SES or S3 access', () => {
    const [fn] = resources('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('applies SES delivery events') });
    expect(fn!.Properties).toMatchObject({ Architectures: ['arm64'], Runtime: 'nodejs22.x' });
    const roleId = fn!.Properties.Role['Fn::GetAtt'][0];
    const policies = JSON.stringify(Object.values(stateless.findResources('AWS::IAM::Policy'))
      .filter((p) => (p as Resource).Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId)));
    expect(policies).toContain('dynamodb:UpdateItem');
    expect(policies).toContain('events:PutEvents');
    expect(policies).not.toContain('ses:');
    expect(policies).not.toContain('s3:');
  });

  it('keeps cdk-nag satisfied', () => {
    expect(Annotations.fromStack(mailroom.stateless).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});
