/**
 * Assertions on the search resources of the stateless stack: the indexer queue and its alarmed
 * DLQ, the bus rule (received and queued messages, moved conversations), the function and its event source, and
 * least-privilege grants (table data, the bodies prefix of the mail bucket). Synthesized once,
 * with bundling skipped (see stack.test.ts).
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { INDEXER_BATCH_SIZE, INDEXER_MAX_CONCURRENCY, INDEXER_MAX_RECEIVES, INDEXER_TIMEOUT } from '../../infra/constructs/search.js';
import type { Mailroom } from '../../infra/mailroom.js';
import { ENV } from '../../shared/config/env.js';
import { synthesiseMailroom, type Resource, type Synthesised } from './synth.js';

let mailroom: Mailroom;
let stateless: Template;
let resources: Synthesised['resources'];

beforeAll(() => {
  // Prepare / Act
  ({ mailroom, stateless, resources } = synthesiseMailroom());
}, 180_000);

function indexerFunction(): Resource {
  const found = resources('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('indexes messages for full-text search') });
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('search', () => {
  it('has a queue redriving to an alarmed DLQ, visible 6x the function timeout', () => {
    const queues = Object.entries(stateless.findResources('AWS::SQS::Queue', {
      Properties: Match.objectLike({ VisibilityTimeout: 6 * INDEXER_TIMEOUT.toSeconds(), RedrivePolicy: Match.objectLike({ maxReceiveCount: INDEXER_MAX_RECEIVES }) }),
    })).filter(([logicalId]) => logicalId.startsWith('Search'));
    expect(queues).toHaveLength(1);
    const queue = queues[0]![1] as Resource;
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    const dlqId = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(dlqId).toMatch(/^Search/);
    expect(resources('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }] })).toHaveLength(1);
  });

  it('indexes from the Mailroom bus: received and queued messages, and moved conversations', () => {
    const rules = resources('AWS::Events::Rule', { EventPattern: Match.objectLike({ source: ['mailroom'] }), Description: Match.stringLikeRegexp('to index them for search') });
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.EventPattern['detail-type']).toEqual(['Message Received', 'Message Queued', 'Conversation Moved']);
    expect(rules[0]!.Properties.Targets[0]).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 10 }, DeadLetterConfig: { Arn: expect.anything() } });
  });

  it('consumes the queue with partial batch responses and a concurrency cap', () => {
    const fn = indexerFunction();
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    expect(variables[ENV.tableName]).toBeDefined();
    expect(variables[ENV.mailBucket]).toBeDefined();
    const [mapping] = resources('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: INDEXER_BATCH_SIZE })
      .filter((m) => JSON.stringify(m.Properties.EventSourceArn).includes('Search'));
    expect(mapping).toBeDefined();
    expect(mapping!.Properties.ScalingConfig).toEqual({ MaximumConcurrency: INDEXER_MAX_CONCURRENCY });
  });

  it('reads message bodies under bodies/ only, writes the table without Scan, and alarms on its errors', () => {
    const policies = JSON.stringify(resources('AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes('SearchFunction')));
    expect(policies).toContain('dynamodb:BatchWriteItem');
    expect(policies).not.toContain('dynamodb:Scan');
    expect(policies).toContain('/bodies/*');
    expect(policies).not.toContain('s3:PutObject');
    expect(policies).not.toMatch(/"Resource":"\*"/);
    const fnId = Object.keys(stateless.findResources('AWS::Lambda::Function', { Properties: Match.objectLike({ Description: Match.stringLikeRegexp('indexes messages for full-text search') }) }))[0]!;
    expect(resources('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }] })).toHaveLength(1);
  });

  it('keeps cdk-nag satisfied', () => {
    expect(Annotations.fromStack(mailroom.stateless).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});
