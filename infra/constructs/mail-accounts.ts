import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ACCOUNT_CHECK_ROUTE_KEYS, ACCOUNT_CHANGE_DETAIL_TYPES, ACCOUNTS_ENV, DEFAULT_ACCOUNT_QUOTA } from '../../shared/accounts/env.js';
import { ENV } from '../../shared/config/env.js';
import { deadLetterAlarm, functionAlarms } from './alarms.js';
import { grantObjects, grantTableData } from './grants.js';
import { MAIL_PREFIXES } from './mail-layout.js';
import { MailroomFunction } from './mailroom-function.js';
import { acknowledgeWildcardResources } from './nag.js';
import { busToQueue, schedulerQueueRole, workQueue } from './queues.js';

/** One IMAP run: 40 s of budget (shared/accounts/sync.ts), then recording the outcome. */
export const ACCOUNT_SYNC_TIMEOUT = Duration.seconds(60);
export const ACCOUNT_SYNC_MAX_RECEIVES = 5;
/** One record per invocation: a sync run can use most of the timeout. */
export const ACCOUNT_SYNC_BATCH_SIZE = 1;
/** Connection tests wait for two servers (15 s each at most, run side by side). */
export const ACCOUNT_CHECKS_TIMEOUT = Duration.seconds(25);
/** Where synced mail is written; the inbound function already reads everything under `inbound/`. */
export const IMAP_RAW_PREFIX = `${MAIL_PREFIXES.inbound}imap/`;

export interface MailAccountsProps {
  readonly stageName: string;
  readonly table: dynamodb.ITable;
  readonly tableName: string;
  readonly mailBucket: s3.IBucket;
  readonly eventBus: events.IEventBus;
  readonly alarmTopic: sns.ITopic;
  readonly tracing: boolean;
  /** The inbound queue: synced mail is announced there as S3 `ObjectCreated` notifications. */
  readonly inboundQueue: sqs.IQueue;
  /** The HTTP API, for the account check routes (behind its existing JWT authorizer). */
  readonly httpApi: apigwv2.HttpApi;
  /** The API function (creates and edits accounts: encrypts credentials) and the sender (SMTP accounts: decrypts). */
  readonly apiFunction: lambda.Function;
  readonly sender: lambda.Function;
  /** Active accounts per organisation. @default 20 */
  readonly accountQuota?: number;
}

/**
 * Email accounts (shared/accounts/): the KMS key that encrypts their credentials; the sync queue,
 * fed by one recurring EventBridge Scheduler schedule per active IMAP account and by a bus rule
 * for account changes, consumed by the sync function (with its DLQ and alarm); the schedule group
 * and the role Scheduler assumes; and the account-checks function behind the connection-test and
 * deliverability routes of the HTTP API.
 *
 * Why one queue for ticks and changes: both are small idempotent jobs about one account, and a
 * queue gives them the same retries, dead-letter queue and alarm.
 * See https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based
 */
export class MailAccounts extends Construct {
  readonly key: kms.Key;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly syncFunction: MailroomFunction;
  readonly checksFunction: MailroomFunction;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  readonly schedulerRole: iam.Role;
  readonly changeRule: events.Rule;

  constructor(scope: Construct, id: string, props: MailAccountsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // Retained: deleting it would make every stored credential unreadable.
    this.key = new kms.Key(this, 'CredentialsKey', {
      description: `Mailroom ${props.stageName}: encrypts email account credentials (encryption context mailroomAccountId)`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = workQueue(this, {
      consumerTimeout: ACCOUNT_SYNC_TIMEOUT, maxReceiveCount: ACCOUNT_SYNC_MAX_RECEIVES, retention: Duration.days(1),
    }));
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: `mailroom-${props.stageName}-accounts`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedulerRole = schedulerQueueRole(this, this.queue, 'EventBridge Scheduler: puts IMAP sync ticks on the account sync queue');

    this.changeRule = busToQueue(this, 'ChangeRule', {
      eventBus: props.eventBus,
      description: `Mailroom ${props.stageName}: account changes, to keep each account's sync schedule in step`,
      detailTypes: ACCOUNT_CHANGE_DETAIL_TYPES,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
    });

    this.syncFunction = new MailroomFunction(this, 'SyncFunction', {
      entry: 'imap-sync',
      description: `Mailroom ${props.stageName}: syncs IMAP accounts into the inbound pipeline and keeps their schedules`,
      memorySize: 512,
      timeout: ACCOUNT_SYNC_TIMEOUT,
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.mailBucket]: props.mailBucket.bucketName,
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.stage]: props.stageName,
        [ACCOUNTS_ENV.kmsKeyId]: this.key.keyArn,
        [ACCOUNTS_ENV.inboundQueueUrl]: props.inboundQueue.queueUrl,
        [ACCOUNTS_ENV.syncQueueArn]: this.queue.queueArn,
        [ACCOUNTS_ENV.syncQueueUrl]: this.queue.queueUrl,
        [ACCOUNTS_ENV.scheduleGroup]: this.scheduleGroup.scheduleGroupName,
        [ACCOUNTS_ENV.schedulerRoleArn]: this.schedulerRole.roleArn,
      },
    });
    this.syncFunction.addEventSource(new SqsEventSource(this.queue, { batchSize: ACCOUNT_SYNC_BATCH_SIZE, reportBatchItemFailures: true }));
    grantTableData(this.syncFunction, props.table);
    grantObjects(this.syncFunction, props.mailBucket, [{ prefix: IMAP_RAW_PREFIX, access: 'readWrite' }]);
    props.inboundQueue.grantSendMessages(this.syncFunction);
    this.queue.grantSendMessages(this.syncFunction);
    props.eventBus.grantPutEventsTo(this.syncFunction);
    this.key.grantDecrypt(this.syncFunction);
    const scheduleArns = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroup.scheduleGroupName}/imap-*` });
    iam.Grant.addToPrincipal({
      grantee: this.syncFunction, actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'], resourceArns: [scheduleArns],
    });
    this.schedulerRole.grantPassRole(this.syncFunction.grantPrincipal);
    acknowledgeWildcardResources(this.syncFunction.role!, [scheduleArns],
      'One schedule per account (imap-<accountId>), within the accounts schedule group only.');

    this.checksFunction = new MailroomFunction(this, 'ChecksFunction', {
      entry: 'account-checks',
      description: `Mailroom ${props.stageName}: email account connection tests and deliverability checks`,
      memorySize: 256,
      timeout: ACCOUNT_CHECKS_TIMEOUT,
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.stage]: props.stageName,
        [ACCOUNTS_ENV.kmsKeyId]: this.key.keyArn,
      },
    });
    grantTableData(this.checksFunction, props.table);
    this.key.grantDecrypt(this.checksFunction);
    const identityArns = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
    this.checksFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:GetEmailIdentity'], resources: [identityArns] }));
    acknowledgeWildcardResources(this.checksFunction.role!, [identityArns],
      'Accounts name their own SES identities (addresses or domains) at run time; GetEmailIdentity only reads their state.');

    const integration = new HttpLambdaIntegration('ChecksHandler', this.checksFunction, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 });
    // The API's own Cognito JWT authorizer, so every route is authorised by the same one.
    const existing = props.httpApi.node.findAll().find((c): c is apigwv2.HttpAuthorizer => c instanceof apigwv2.HttpAuthorizer);
    if (existing === undefined) throw new Error('MailAccounts needs the HTTP API to have its JWT authorizer already');
    const authorizer: apigwv2.IHttpRouteAuthorizer = { bind: () => ({ authorizerId: existing.authorizerId, authorizationType: 'JWT' }) };
    for (const routeKey of ACCOUNT_CHECK_ROUTE_KEYS) {
      const [method, path] = routeKey.split(' ') as [apigwv2.HttpMethod, string];
      props.httpApi.addRoutes({ path, methods: [method], integration, authorizer });
    }

    // The API function encrypts what admins type in; the sender decrypts to sign in to SMTP.
    props.apiFunction.addEnvironment(ACCOUNTS_ENV.kmsKeyId, this.key.keyArn);
    props.apiFunction.addEnvironment(ACCOUNTS_ENV.quota, String(props.accountQuota ?? DEFAULT_ACCOUNT_QUOTA));
    // Only the two calls the cipher makes (grantEncryptDecrypt would add GenerateDataKey* and ReEncrypt*).
    this.key.grant(props.apiFunction, 'kms:Encrypt', 'kms:Decrypt');
    props.sender.addEnvironment(ACCOUNTS_ENV.kmsKeyId, this.key.keyArn);
    this.key.grantDecrypt(props.sender);

    deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue, props.alarmTopic, 'An account sync tick or schedule change');
    functionAlarms(this, 'SyncFunction', this.syncFunction, props.alarmTopic);
    functionAlarms(this, 'ChecksFunction', this.checksFunction, props.alarmTopic);
  }
}
