/**
 * Assertions on the email-account resources of the stateless stack: the credentials key, the sync
 * queue with its alarmed DLQ, fed by the account-change rule and by Scheduler through its role, the
 * sync function and its least-privilege grants, and the account-checks function behind its routes.
 * Synthesised once, with bundling skipped (see synth.ts).
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_SYNC_BATCH_SIZE, ACCOUNT_SYNC_MAX_RECEIVES, ACCOUNT_SYNC_TIMEOUT } from '../../infra/constructs/mail-accounts.js';
import { ACCOUNT_CHECK_ROUTE_KEYS, ACCOUNTS_ENV } from '../../shared/accounts/env.js';
import { synthesiseMailroom, type Resource, type Synthesised } from './synth.js';

let stateless: Template;
let resources: Synthesised['resources'];

beforeAll(() => {
  // Prepare / Act
  ({ stateless, resources } = synthesiseMailroom());
});

function fn(description: RegExp): [string, Resource] {
  const found = Object.entries(stateless.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp(description.source) } }));
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}

function policyOf(functionId: string): string {
  const roleRef = stateless.findResources('AWS::Lambda::Function')[functionId]!.Properties.Role['Fn::GetAtt'][0];
  return JSON.stringify(Object.values(stateless.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles).includes(roleRef)));
}

describe('mail accounts', () => {
  it('encrypts credentials with a rotated, retained customer-managed key', () => {
    const keys = Object.values(stateless.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('email account credentials') } }));
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
  });

  it('has a sync queue redriving to an alarmed DLQ, visible 6x the function timeout', () => {
    const [queue] = resources('AWS::SQS::Queue', { VisibilityTimeout: 6 * ACCOUNT_SYNC_TIMEOUT.toSeconds(), RedrivePolicy: Match.objectLike({ maxReceiveCount: ACCOUNT_SYNC_MAX_RECEIVES }) })
      .filter((q) => JSON.stringify(q.Properties.RedrivePolicy).includes('MailAccounts'));
    expect(queue).toBeDefined();
    const dlqId = queue!.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(resources('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }] })).toHaveLength(1);
  });

  it('puts account changes (not sync failures) on the sync queue', () => {
    const rules = resources('AWS::Events::Rule', { EventPattern: Match.objectLike({ source: ['mailroom'] }) })
      .filter((r) => JSON.stringify(r.Properties.EventPattern).includes('Account Created'));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.EventPattern['detail-type']).toEqual(['Account Created', 'Account Updated', 'Account Deactivated', 'Account Activated', 'Account Deleted']);
    expect(rules[0]!.Properties.Targets[0]).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 10 }, DeadLetterConfig: { Arn: expect.anything() } });
  });

  it('runs the sync function from the queue, one record at a time, with its settings in the environment', () => {
    const [id, sync] = fn(/syncs IMAP accounts/);
    const variables = sync.Properties.Environment.Variables as Record<string, unknown>;
    for (const name of [ACCOUNTS_ENV.kmsKeyId, ACCOUNTS_ENV.inboundQueueUrl, ACCOUNTS_ENV.syncQueueArn, ACCOUNTS_ENV.syncQueueUrl, ACCOUNTS_ENV.scheduleGroup, ACCOUNTS_ENV.schedulerRoleArn]) {
      expect(variables[name], name).toBeDefined();
    }
    expect(sync.Properties.Timeout).toBe(ACCOUNT_SYNC_TIMEOUT.toSeconds());
    const mappings = resources('AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: id } });
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({ BatchSize: ACCOUNT_SYNC_BATCH_SIZE, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('grants the sync function only what it uses: imap/ objects, its schedules, the two queues, decrypt', () => {
    const [id] = fn(/syncs IMAP accounts/);
    const policy = policyOf(id);
    expect(policy).toContain('inbound/imap/*');
    expect(policy).toContain('mailroom-test-accounts/imap-*');
    expect(policy).toContain('scheduler:UpdateSchedule');
    expect(policy).toContain('kms:Decrypt');
    expect(policy).not.toContain('kms:Encrypt');
    expect(policy).toContain('iam:PassRole');
    expect(resources('AWS::Scheduler::ScheduleGroup', { Name: 'mailroom-test-accounts' })).toHaveLength(1);
    const roles = resources('AWS::IAM::Role', { Description: Match.stringLikeRegexp('^EventBridge Scheduler: puts IMAP sync ticks') });
    expect(roles).toHaveLength(1);
    expect(JSON.stringify(roles[0]!.Properties.AssumeRolePolicyDocument)).toContain('aws:SourceAccount');
  });

  it('serves the check routes from the account-checks function, behind the Cognito authorizer', () => {
    const [id] = fn(/connection tests and deliverability/);
    const routes = resources('AWS::ApiGatewayV2::Route').filter((r) => ACCOUNT_CHECK_ROUTE_KEYS.includes(r.Properties.RouteKey));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([...ACCOUNT_CHECK_ROUTE_KEYS].sort());
    const authorizers = Object.keys(stateless.findResources('AWS::ApiGatewayV2::Authorizer'));
    expect(authorizers).toHaveLength(1);
    for (const route of routes) expect(route.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizers[0] } });
    const policy = policyOf(id);
    expect(policy).toContain('ses:GetEmailIdentity');
    expect(policy).toContain('kms:Decrypt');
  });

  it('lets the workspace function (the account routes) encrypt and the sender decrypt, with the key and the quota in their environment', () => {
    const [coreId, core] = fn(/: web app API$/);
    expect(core.Properties.Environment.Variables[ACCOUNTS_ENV.kmsKeyId]).toBeUndefined();
    expect(policyOf(coreId)).not.toContain('kms:');
    const [apiId, api] = fn(/: web app API, workspace routes/);
    expect(api.Properties.Environment.Variables[ACCOUNTS_ENV.kmsKeyId]).toBeDefined();
    expect(api.Properties.Environment.Variables[ACCOUNTS_ENV.quota]).toBe('20');
    expect(policyOf(apiId)).toContain('kms:Encrypt');
    const [senderId, sender] = fn(/sends queued mail/);
    expect(sender.Properties.Environment.Variables[ACCOUNTS_ENV.kmsKeyId]).toBeDefined();
    expect(policyOf(senderId)).toContain('kms:Decrypt');
    expect(policyOf(senderId)).not.toContain('kms:Encrypt');
  });
});
