import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { TABLE } from '../../shared/model/table.js';
import { EventLog } from '../constructs/event-log.js';
import { MailroomHttpApi } from '../constructs/http-api.js';
import { InboundMail } from '../constructs/inbound-mail.js';
import { acknowledge } from '../constructs/nag.js';
import { Outbox } from '../constructs/outbox.js';
import { Timers } from '../constructs/timers.js';
import { Notifications } from '../constructs/notifications.js';
import { Contacts } from '../constructs/contacts.js';
import { MailAccounts } from '../constructs/mail-accounts.js';
import { Stats } from '../constructs/stats.js';
import { Search } from '../constructs/search.js';
import { WebDeployment } from '../constructs/web-deployment.js';
import type { StatefulRefs } from '../constructs/stateful-refs.js';

export interface StatelessStackProps extends StackProps {
  readonly stageName: string;
  readonly recipientDomains: string[];
  readonly requireTls: boolean;
  readonly activateReceiptRuleSet: boolean;
  readonly corsAllowOrigins: string[];
  readonly alarmEmail?: string;
  readonly xrayTracing: boolean;
  /** The stateful stack's resources, as imports of its named exports (`StatefulStack.refs`). */
  readonly stateful: StatefulRefs;
}

/**
 * Compute and wiring: functions, the HTTP API, queues, SES receipt rules, alarms. Holds nothing
 * that cannot be recreated, so it can be destroyed and redeployed without losing mail.
 */
export class StatelessStack extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly inbound: InboundMail;
  readonly httpApi: MailroomHttpApi;
  readonly outbox: Outbox;
  readonly timers: Timers;
  readonly notifications: Notifications;
  readonly contacts: Contacts;
  readonly mailAccounts: MailAccounts;
  readonly stats: Stats;
  readonly search: Search;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const refs = props.stateful;

    const table = dynamodb.Table.fromTableAttributes(this, 'Table', {
      tableArn: refs.tableArn,
      // Declaring the indexes makes `grant*Data` include `<table arn>/index/*`.
      globalIndexes: TABLE.indexes.map((index) => index.name),
    });
    const mailBucket = s3.Bucket.fromBucketAttributes(this, 'MailBucket', { bucketArn: refs.mailBucketArn, bucketName: refs.mailBucketName });
    const eventBus = events.EventBus.fromEventBusAttributes(this, 'EventBus', {
      eventBusArn: refs.eventBusArn,
      eventBusName: refs.eventBusName,
      eventBusPolicy: '',
    });
    const userPool = cognito.UserPool.fromUserPoolArn(this, 'UserPool', refs.userPoolArn);
    const webClient = cognito.UserPoolClient.fromUserPoolClientId(this, 'WebClient', refs.webClientId);

    // Unencrypted on purpose: CloudWatch cannot publish to a topic encrypted with the AWS-managed
    // SNS key, and alarm notifications carry no mail content.
    // See https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: `Mailroom ${props.stageName} alarms`, enforceSSL: true });
    if (props.alarmEmail !== undefined) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    this.inbound = new InboundMail(this, 'Inbound', {
      stageName: props.stageName,
      recipientDomains: props.recipientDomains,
      requireTls: props.requireTls,
      activateReceiptRuleSet: props.activateReceiptRuleSet,
      mailBucket,
      table,
      tableName: refs.tableName,
      eventBus,
      alarmTopic: this.alarmTopic,
      tracing: props.xrayTracing,
    });

    this.httpApi = new MailroomHttpApi(this, 'HttpApi', {
      stageName: props.stageName,
      userPool,
      webClient,
      // The deployed web app's origin, and any other given in context (a dev server).
      corsAllowOrigins: [`https://${refs.webDomainName}`, ...props.corsAllowOrigins],
      mailBucket,
      table,
      tableName: refs.tableName,
      eventBus,
      alarmTopic: this.alarmTopic,
      tracing: props.xrayTracing,
    });

    /** What every asynchronous capability below is built on. */
    const common = { stageName: props.stageName, table, tableName: refs.tableName, eventBus, alarmTopic: this.alarmTopic, tracing: props.xrayTracing };

    // Sends from the domains it receives for: they are the organisation's verified SES identities.
    this.outbox = new Outbox(this, 'Outbox', {
      ...common,
      sendingDomains: props.recipientDomains,
      mailBucket,
    });
    this.outbox.grantCompose(this.httpApi.composeHandler);

    this.contacts = new Contacts(this, 'Contacts', { ...common, mailBucket });

    this.timers = new Timers(this, 'Timers', { ...common, mailBucket });

    // System-generated mail (auto-acknowledgements, notification emails), sent through the outbox.
    this.notifications = new Notifications(this, 'Notifications', {
      ...common,
      mailBucket,
      outboxQueue: this.outbox.queue,
      appUrl: `https://${refs.webDomainName}`,
    });

    this.stats = new Stats(this, 'Stats', common);

    this.search = new Search(this, 'Search', { ...common, mailBucket });

    this.mailAccounts = new MailAccounts(this, 'MailAccounts', {
      ...common,
      mailBucket,
      inboundQueue: this.inbound.queue,
      httpApi: this.httpApi.api,
      apiFunction: this.httpApi.workspaceHandler,
      sender: this.outbox.sender,
    });

    new EventLog(this, 'EventLog', { stageName: props.stageName, eventBus, alarmTopic: this.alarmTopic });

    new WebDeployment(this, 'Web', {
      bucket: s3.Bucket.fromBucketAttributes(this, 'WebBucket', { bucketArn: refs.webBucketArn, bucketName: refs.webBucketName }),
      distributionId: refs.webDistributionId,
      domainName: refs.webDomainName,
      apiUrl: this.httpApi.url,
      authBaseUrl: refs.authBaseUrl,
      webClientId: refs.webClientId,
      uploadOrigin: `https://${mailBucket.bucketRegionalDomainName}`,
    });

    this.acknowledgeCustomResourceFindings();

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url });
    new CfnOutput(this, 'InboundQueueUrl', { value: this.inbound.queue.queueUrl });
    new CfnOutput(this, 'InboundQueueArn', { value: this.inbound.queue.queueArn });
    new CfnOutput(this, 'InboundDeadLetterQueueUrl', { value: this.inbound.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'InboundDeadLetterQueueArn', { value: this.inbound.deadLetterQueue.queueArn });
    new CfnOutput(this, 'ReceivedMailTopicArn', { value: this.inbound.topic.topicArn });
    new CfnOutput(this, 'ReceiptRuleSetName', { value: this.inbound.ruleSet.receiptRuleSetName });
    new CfnOutput(this, 'OutboxQueueUrl', { value: this.outbox.queue.queueUrl });
    new CfnOutput(this, 'OutboxDeadLetterQueueUrl', { value: this.outbox.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'SesConfigurationSetName', { value: this.outbox.configurationSet.configurationSetName });
    new CfnOutput(this, 'TimersQueueUrl', { value: this.timers.queue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
  }

  /**
   * The function behind `AwsCustomResource` (SES rule-set activation, the EventBridge log group
   * policy) is one singleton per stack whose code and role aws-cdk-lib owns.
   */
  private acknowledgeCustomResourceFindings(): void {
    const singleton = this.node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    if (singleton === undefined) return;
    acknowledge(
      singleton,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'aws-cdk-lib gives its AwsCustomResource function role the AWSLambdaBasicExecutionRole managed policy (writing its own logs); the role is not configurable.',
    );
    for (const policy of this.node.findAll().filter((c) => c.node.id === 'CustomResourcePolicy')) {
      acknowledge(
        policy,
        'AwsSolutions-IAM5[Resource::*]',
        'ses:SetActiveReceiptRuleSet and logs:PutResourcePolicy/DeleteResourcePolicy have no resource-level permissions, so "*" is the only valid resource; the role only runs during deployments.',
      );
    }
  }
}
