/**
 * Assertions on the synthesized CloudFormation of both stacks. The app is synthesized once (it costs
 * seconds) with bundling skipped (`aws:cdk:bundling-stacks: []`, so Lambda code is a placeholder
 * asset); `npx cdk synth` exercises the real esbuild bundling.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../shared/config/env.js';
import { ENDPOINT_ENV } from '../../shared/adapters/aws.js';
import { COMPOSE_ROUTE_KEYS } from '../../shared/api/routes-outbox-spec.js';
import { ACCOUNT_CHECK_ROUTE_KEYS } from '../../shared/accounts/env.js';
import { WORKSPACE_ROUTE_KEYS } from '../../shared/api/routes-workspace.js';
import { FUNCTION_ENTRIES } from '../../infra/constructs/bundling.js';
import { TABLE } from '../../shared/model/table.js';
import { InvalidContextError, readConfig } from '../../infra/config.js';
import { INBOUND_MAX_RECEIVES, INBOUND_TIMEOUT } from '../../infra/constructs/inbound-mail.js';
import { createMailroom, type Mailroom } from '../../infra/mailroom.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

const CONTEXT = {
  stageName: 'test',
  recipientDomains: ['mail.example.org', 'example.net'],
  rawMailRetentionDays: 400,
  alarmEmail: 'ops@example.org',
  corsAllowOrigins: 'https://app.example.org',
};

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

let app: App;
let mailroom: Mailroom;
let stateful: Template;
let stateless: Template;

beforeAll(() => {
  // Prepare
  app = new App({ context: { ...cdkJson.context, ...CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  mailroom = createMailroom(app);
  // Act (synthesizes the whole app once, including the cdk-nag validation plugin)
  stateful = Template.fromStack(mailroom.stateful);
  stateless = Template.fromStack(mailroom.stateless);
});

function importOf(name: string) {
  return { 'Fn::ImportValue': `mailroom-test:${name}` };
}

function onlyResource(template: Template, type: string, props: Record<string, unknown> = {}) {
  const found = Object.values(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found).toHaveLength(1);
  return found[0] as { Properties: Record<string, unknown> };
}

describe('stateful stack', () => {
  it('builds the table from TABLE: keys, on-demand, PITR, TTL, encryption, protection', () => {
    // Assess
    const table = onlyResource(stateful, 'AWS::DynamoDB::Table');
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      // SSEEnabled without a key id is the AWS-managed key (aws/dynamodb).
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
    stateful.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('declares every GSI of TABLE with an INCLUDE projection of exactly its attributes', () => {
    const table = onlyResource(stateful, 'AWS::DynamoDB::Table');
    const indexes = table.Properties.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown; Projection: { ProjectionType: string; NonKeyAttributes: string[] } }[];
    expect(indexes.map((i) => i.IndexName)).toEqual(TABLE.indexes.map((i) => i.name));
    for (const spec of TABLE.indexes) {
      const index = indexes.find((i) => i.IndexName === spec.name)!;
      expect(index.KeySchema).toEqual([
        { AttributeName: spec.partitionKey, KeyType: 'HASH' },
        { AttributeName: spec.sortKey, KeyType: 'RANGE' },
      ]);
      expect(index.Projection.ProjectionType).toBe('INCLUDE');
      expect([...index.Projection.NonKeyAttributes].sort()).toEqual(
        [...(spec.projection === 'list' ? TABLE.listProjection : TABLE.lookupProjection)].sort(),
      );
    }
  });

  it('encrypts the mail bucket, blocks public access, versions it and logs access', () => {
    const buckets = stateful.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } });
    expect(Object.keys(buckets)).toHaveLength(1);
    const mail = Object.values(buckets)[0] as { Properties: Record<string, unknown> };
    expect(mail.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: expect.anything(), LogFilePrefix: 'mail/' },
    });
  });

  it('moves raw mail to Standard-IA after 90 days and expires it after the configured retention', () => {
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'inbound/',
            Status: 'Enabled',
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 90 }],
            ExpirationInDays: 400,
          }),
        ]),
      },
    });
  });

  it('lets only this stage\'s SES receipt rule write raw mail, and only under inbound/', () => {
    const policy = onlyResource(stateful, 'AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'ses.amazonaws.com' } })]) },
    });
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const ses = statements.find((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'ses.amazonaws.com' }))!;
    expect(ses.Action).toBe('s3:PutObject');
    expect(JSON.stringify(ses.Resource)).toContain('/inbound/*');
    const condition = (ses.Condition as { StringEquals: Record<string, unknown> }).StringEquals;
    expect(condition['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.stringify(condition['aws:SourceArn'])).toContain(':receipt-rule-set/mailroom-test:receipt-rule/mailroom-test-store');
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('creates an invite-only user pool with email sign-in and a public PKCE web client', () => {
    stateful.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
      DeletionProtection: 'ACTIVE',
    });
    stateful.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
    });
  });

  it('exports the stateful values under stable names for the stateless stack', () => {
    for (const name of ['table-name', 'table-arn', 'mail-bucket-name', 'mail-bucket-arn', 'event-bus-name', 'event-bus-arn', 'user-pool-arn', 'web-client-id']) {
      expect(Object.values(stateful.findOutputs('*', { Export: { Name: `mailroom-test:${name}` } }))).toHaveLength(1);
    }
  });

  it('creates the mailroom-<stage> bus with an archive', () => {
    stateful.hasResourceProperties('AWS::Events::EventBus', { Name: 'mailroom-test' });
    stateful.resourceCountIs('AWS::Events::Archive', 1);
  });
});

describe('inbound path', () => {
  it('has a receipt rule for the configured domains that stores to inbound/ and notifies the topic', () => {
    const rule = onlyResource(stateless, 'AWS::SES::ReceiptRule');
    const topicId = Object.keys(stateless.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'Mailroom test received mail' } }))[0];
    expect(rule.Properties).toMatchObject({
      RuleSetName: { Ref: expect.any(String) },
      Rule: {
        Name: 'mailroom-test-store',
        Enabled: true,
        Recipients: CONTEXT.recipientDomains,
        ScanEnabled: true,
        Actions: [{ S3Action: { BucketName: importOf('mail-bucket-name'), ObjectKeyPrefix: 'inbound/', TopicArn: { Ref: topicId } } }],
      },
    });
    stateless.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: 'mailroom-test' });
    stateless.hasResourceProperties('Custom::SesActiveReceiptRuleSet', { Create: Match.stringLikeRegexp('SetActiveReceiptRuleSet') });
  });

  it('subscribes the inbound queue to the topic with raw message delivery and a DLQ', () => {
    stateless.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('redrives to the DLQ after 3 receives, matching MAILROOM_INBOUND_MAX_RECEIVES, with a visibility of at least 6x the timeout', () => {
    const queue = onlyResource(stateless, 'AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: INBOUND_MAX_RECEIVES }) });
    expect(queue.Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: 3 });
    expect(INBOUND_MAX_RECEIVES).toBe(3);
    const fn = onlyResource(stateless, 'AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ [ENV.inboundMaxReceives]: '3' }) } });
    expect(fn.Properties.Timeout).toBe(INBOUND_TIMEOUT.toSeconds());
    expect(queue.Properties.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * (fn.Properties.Timeout as number));
  });

  it('consumes the queue with partial batch responses, a small batch and a short batching window', () => {
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 1,
    });
  });

  it('alarms on any message in the inbound DLQ and on a stale inbound backlog', () => {
    const dlqId = Object.keys(
      stateless.findResources('AWS::SQS::Queue', {
        Properties: { MessageRetentionPeriod: 1209600 },
      }),
    ).find((id) => id.startsWith('Inbound'))!;
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage', Namespace: 'AWS/SQS' });
  });

  it('copies every bus event to CloudWatch Logs, with a dead-letter queue EventBridge may write to', () => {
    // The log rule matches every event of the account (the timers' arming rule is on the same bus).
    const rule = onlyResource(stateless, 'AWS::Events::Rule', { EventBusName: importOf('event-bus-name'), EventPattern: Match.objectLike({ account: Match.anyValue() }) });
    const target = (rule.Properties.Targets as { DeadLetterConfig?: { Arn: { 'Fn::GetAtt': [string, string] } } }[])[0]!;
    const dlqId = target.DeadLetterConfig!.Arn['Fn::GetAtt'][0];
    stateless.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlqId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' }),
        ]),
      },
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
    });
  });

  it('subscribes the alarm email to the alarm topic', () => {
    stateless.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: CONTEXT.alarmEmail });
  });
});

describe('functions', () => {
  /** Mailroom's own functions (not the ones aws-cdk-lib adds for custom resources): one per entry. */
  const mailroomFunctions = () => Object.values(
    stateless.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ [ENV.stage]: 'test' }) } } }),
  ) as { Properties: Record<string, unknown> }[];

  it('runs every function on arm64 with Node.js 22, source maps and the shared env var names', () => {
    const functions = mailroomFunctions();
    expect(functions).toHaveLength(Object.keys(FUNCTION_ENTRIES).length);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Architectures: ['arm64'],
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Environment: { Variables: { [ENV.stage]: 'test', NODE_OPTIONS: '--enable-source-maps' } },
      });
      expect(fn.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
      const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      // Resources a function uses are named by the stateful stack's exports, under the shared names.
      if (ENV.tableName in vars) expect(vars[ENV.tableName]).toEqual(importOf('table-name'));
      if (ENV.mailBucket in vars) expect(vars[ENV.mailBucket]).toEqual(importOf('mail-bucket-name'));
      if (ENV.eventBusName in vars) expect(vars[ENV.eventBusName]).toEqual(importOf('event-bus-name'));
      if (ENV.inboundPrefix in vars) expect(vars[ENV.inboundPrefix]).toBe('inbound/');
      expect(vars).not.toHaveProperty(ENV.devTokenSecret);
      for (const name of Object.values(ENDPOINT_ENV)) expect(vars).not.toHaveProperty(name);
    }
  });

  it('alarms on errors and throttles of every function', () => {
    for (const metric of ['Errors', 'Throttles']) {
      expect(Object.keys(stateless.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metric, Namespace: 'AWS/Lambda' } }))).toHaveLength(Object.keys(FUNCTION_ENTRIES).length);
    }
  });

  it('never grants S3 or DynamoDB actions on Resource "*"', () => {
    for (const template of [stateful, stateless]) {
      const documents: { Statement: { Action: string | string[]; Resource: unknown }[] }[] = [];
      for (const policy of Object.values(template.findResources('AWS::IAM::Policy')) as Resources[string][]) {
        documents.push(policy.Properties!.PolicyDocument as (typeof documents)[number]);
      }
      for (const role of Object.values(template.findResources('AWS::IAM::Role')) as Resources[string][]) {
        for (const inline of (role.Properties!.Policies as { PolicyDocument: (typeof documents)[number] }[] | undefined) ?? []) documents.push(inline.PolicyDocument);
      }
      for (const statement of documents.flatMap((d) => d.Statement)) {
        const actions = ([] as string[]).concat(statement.Action);
        const resources = ([] as unknown[]).concat(statement.Resource);
        if (actions.some((a) => /^(s3|dynamodb):/i.test(a))) expect(resources).not.toContain('*');
      }
    }
  });

  it('grants item-level table actions on the table and its indexes, without Scan', () => {
    for (const name of ['InboundHandlerRole', 'HttpApiHandlerRole', 'HttpApiComposeHandlerRole']) {
      const policy = Object.entries(stateless.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith(name))![1] as Resources[string];
      const statements = (policy.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement;
      const dynamo = statements.find((st) => ([] as string[]).concat(st.Action).some((a) => a.startsWith('dynamodb:')))!;
      expect(dynamo.Action).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem']));
      expect(dynamo.Action).not.toContain('dynamodb:Scan');
      expect(dynamo.Resource).toEqual([importOf('table-arn'), { 'Fn::Join': ['', [importOf('table-arn'), '/index/*']] }]);
    }
  });

  it('scopes the inbound function to read inbound/ and write attachments/ and bodies/ only', () => {
    const policy = Object.values(stateless.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p).includes('s3:PutObject'))!;
    const statements = (policy as Resources[string]).Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] };
    const put = statements.Statement.find((s) => ([] as string[]).concat(s.Action).includes('s3:PutObject'))!;
    const resources = JSON.stringify(put.Resource);
    expect(resources).toContain('/attachments/*');
    expect(resources).toContain('/bodies/*');
    expect(resources).not.toContain('/inbound/*');
  });
});

describe('HTTP API', () => {
  it('authorizes with a JWT authorizer wired to the user pool and the web client', () => {
    const authorizer = onlyResource(stateless, 'AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT' });
    expect(authorizer.Properties.IdentitySource).toEqual(['$request.header.Authorization']);
    const jwt = authorizer.Properties.JwtConfiguration as { Audience: unknown[]; Issuer: unknown };
    expect(jwt.Audience).toEqual([importOf('web-client-id')]);
    const issuer = JSON.stringify(jwt.Issuer);
    expect(issuer).toContain('https://cognito-idp.');
    expect(issuer).toContain('mailroom-test:user-pool-arn');
  });

  it('requires the JWT on ANY /api/{proxy+}', () => {
    const authorizerId = Object.keys(stateless.findResources('AWS::ApiGatewayV2::Authorizer'))[0];
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /api/{proxy+}',
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: authorizerId },
    });
  });

  it('serves GET /api/openapi.json without authorization, from the workspace function with its routes', () => {
    const open = onlyResource(stateless, 'AWS::ApiGatewayV2::Route', { RouteKey: 'GET /api/openapi.json' });
    const any = onlyResource(stateless, 'AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /api/{proxy+}' });
    const admin = onlyResource(stateless, 'AWS::ApiGatewayV2::Route', { RouteKey: 'POST /api/admin/mailboxes' });
    expect(open.Properties.AuthorizationType).toBe('NONE');
    expect(admin.Properties.AuthorizationType).toBe('JWT');
    expect(open.Properties.Target).toEqual(admin.Properties.Target);
    expect(open.Properties.Target).not.toEqual(any.Properties.Target);
  });

  it('routes every outbox route key to the compose function, with the same JWT authorizer', () => {
    const authorizerId = Object.keys(stateless.findResources('AWS::ApiGatewayV2::Authorizer'))[0];
    const any = onlyResource(stateless, 'AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /api/{proxy+}' });
    expect(COMPOSE_ROUTE_KEYS).toEqual(expect.arrayContaining(['POST /api/mailboxes/{mailboxId}/outbox', 'POST /api/conversations/{conversationId}/replies']));
    const targets = new Set<string>();
    for (const routeKey of COMPOSE_ROUTE_KEYS) {
      const route = onlyResource(stateless, 'AWS::ApiGatewayV2::Route', { RouteKey: routeKey });
      expect(route.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      targets.add(JSON.stringify(route.Properties.Target));
    }
    expect([...targets]).toHaveLength(1);
    expect([...targets][0]).not.toBe(JSON.stringify(any.Properties.Target));
    const integrationId = (JSON.parse([...targets][0]!) as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1][1] as { Ref: string };
    const integration = stateless.toJSON().Resources[integrationId.Ref] as { Properties: { IntegrationUri: unknown } };
    expect(JSON.stringify(integration.Properties.IntegrationUri)).toMatch(/HttpApiComposeHandler/);
  });

  it('has no other route than the catch-all, the public ones, the outbox, workspace and account-check route keys', () => {
    const keys = Object.values(stateless.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey);
    expect(keys.sort()).toEqual(['ANY /api/{proxy+}', 'OPTIONS /api/{proxy+}', ...COMPOSE_ROUTE_KEYS, ...WORKSPACE_ROUTE_KEYS, ...ACCOUNT_CHECK_ROUTE_KEYS].sort());
  });

  it('answers CORS preflights for the web app and the configured origins without a token', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: [{ 'Fn::Join': ['', ['https://', { 'Fn::ImportValue': 'mailroom-test:web-domain-name' }]] }, 'https://app.example.org'],
      }),
    });
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'OPTIONS /api/{proxy+}', AuthorizationType: 'NONE' });
  });

  it('logs access and throttles the default stage', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });
});

describe('cdk-nag', () => {
  it('reports no unacknowledged AwsSolutions errors', () => {
    // cdk-nag 3 reports through CDK's validation plugins (a finding would already have failed the
    // synthesis in beforeAll); the annotation check guards against findings reported the v2 way.
    for (const stack of [mailroom.stateful, mailroom.stateless]) {
      expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    }
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.filter((v) => v.severity === 'error').map((v) => v.ruleName)).toEqual([]);
  });
});

describe('context', () => {
  function configOf(context: Record<string, unknown>) {
    return readConfig(new App({ context }).node);
  }

  it('synthesizes with example defaults', () => {
    expect(configOf({})).toMatchObject({
      stageName: 'dev',
      recipientDomains: ['example.com'],
      recipientDomainsIsDefault: true,
      rawMailRetentionDays: undefined,
      activateReceiptRuleSet: true,
      corsAllowOrigins: [],
    });
  });

  it('accepts lists as JSON or comma-separated strings from -c', () => {
    expect(configOf({ recipientDomains: '["A.example.com","b.example.com"]' }).recipientDomains).toEqual(['a.example.com', 'b.example.com']);
    expect(configOf({ recipientDomains: 'a.example.com, .b.example.com' }).recipientDomains).toEqual(['a.example.com', '.b.example.com']);
    expect(configOf({ rawMailRetentionDays: '30', requireTls: 'true' })).toMatchObject({ rawMailRetentionDays: 30, requireTls: true });
  });

  it('rejects values that would deploy something broken', () => {
    expect(() => configOf({ stageName: 'local' })).toThrow(InvalidContextError);
    expect(() => configOf({ recipientDomains: 'not a domain' })).toThrow(InvalidContextError);
    expect(() => configOf({ rawMailRetentionDays: 0 })).toThrow(InvalidContextError);
    expect(() => configOf({ alarmEmail: 'nobody' })).toThrow(InvalidContextError);
    expect(() => configOf({ corsAllowOrigins: 'https://app.example.org/path' })).toThrow(InvalidContextError);
  });
});
