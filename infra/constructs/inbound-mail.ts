import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env.js';
import { deadLetterAlarm, functionAlarms, notifyingAlarm } from './alarms.js';
import { grantObjects, grantTableData } from './grants.js';
import { MAIL_PREFIXES, receiptNames, receiptRuleArn } from './mail-layout.js';
import { MailroomFunction } from './mailroom-function.js';
import { deadLetterQueue } from './queues.js';

/** Attempts before a failing message is moved to the dead-letter queue (and quarantined by the handler). */
export const INBOUND_MAX_RECEIVES = 3;
export const INBOUND_TIMEOUT = Duration.seconds(60);
/** Messages per invocation: small, so one poisonous or huge message delays few others. */
export const INBOUND_BATCH_SIZE = 5;
export const INBOUND_BATCHING_WINDOW = Duration.seconds(1);
/**
 * Parsing holds 12-22x the raw size in memory (measured with mailparser); SES stores messages of up
 * to 40 MB, and more memory also buys proportionally more CPU.
 */
export const INBOUND_MEMORY_MB = 1536;
/** Ceiling on concurrent inbound invocations, so a mail burst cannot take the whole account pool. */
export const INBOUND_MAX_CONCURRENCY = 10;
/** Oldest unprocessed inbound message age that raises an alarm: mail is visibly late by then. */
export const INBOUND_MAX_AGE = Duration.minutes(15);

export interface InboundMailProps {
  readonly stageName: string;
  readonly recipientDomains: string[];
  readonly requireTls: boolean;
  readonly activateReceiptRuleSet: boolean;
  readonly mailBucket: s3.IBucket;
  readonly table: dynamodb.ITable;
  /** The table's name as a plain value (an imported table only knows it as a split of its ARN). */
  readonly tableName: string;
  readonly eventBus: events.IEventBus;
  readonly alarmTopic: sns.ITopic;
  readonly tracing: boolean;
}

/**
 * SES S3 action that only describes the action. CDK's own `actions.S3` also adds a bucket policy
 * statement conditioned on the account alone, to a bucket owned by the stateful stack; the stateful
 * stack already grants SES a narrower statement (account and this rule's ARN).
 * See https://docs.aws.amazon.com/ses/latest/dg/receiving-email-action-s3.html
 */
class StoreInMailBucket implements ses.IReceiptRuleAction {
  constructor(private readonly props: { bucket: s3.IBucket; prefix: string; topic: sns.ITopic }) {}

  bind(): ses.ReceiptRuleActionConfig {
    return {
      s3Action: {
        bucketName: this.props.bucket.bucketName,
        objectKeyPrefix: this.props.prefix,
        topicArn: this.props.topic.topicArn,
      },
    };
  }
}

/**
 * The inbound path: SES receipt rule -> raw message in S3 under `inbound/` -> notification on SNS
 * -> SQS (raw message delivery) -> inbound function, with one dead-letter queue for both hops.
 *
 * Why SNS -> SQS rather than SES invoking Lambda: SES invokes Lambda asynchronously with a limited
 * retry budget and no partial-batch semantics; the queue gives retries with back-off, a visible
 * backlog (age alarm), redrive from the dead-letter queue, and batch item failures.
 * See https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 */
export class InboundMail extends Construct {
  readonly topic: sns.Topic;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly handler: MailroomFunction;
  readonly ruleSet: ses.ReceiptRuleSet;

  constructor(scope: Construct, id: string, props: InboundMailProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const names = receiptNames(props.stageName);
    const ruleArn = receiptRuleArn(stack.partition, stack.region, stack.account, props.stageName);

    // SQS-managed encryption: SNS can deliver to it without a KMS key policy, at no extra cost.
    // A message moved to a DLQ keeps its original enqueue time, so the DLQ keeps messages longer.
    // See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
    this.deadLetterQueue = deadLetterQueue(this);

    this.handler = new MailroomFunction(this, 'Handler', {
      entry: 'inbound',
      description: `Mailroom ${props.stageName}: parses, threads and stores received mail`,
      memorySize: INBOUND_MEMORY_MB,
      timeout: INBOUND_TIMEOUT,
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.mailBucket]: props.mailBucket.bucketName,
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.inboundPrefix]: MAIL_PREFIXES.inbound,
        [ENV.inboundMaxReceives]: String(INBOUND_MAX_RECEIVES),
        [ENV.stage]: props.stageName,
      },
    });

    // Lambda's guidance: visibility timeout of at least six times the function timeout plus the
    // batching window, so retries after throttling do not redeliver a message still in flight.
    // See https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(6 * INBOUND_TIMEOUT.toSeconds() + INBOUND_BATCHING_WINDOW.toSeconds()),
      retentionPeriod: Duration.days(7),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: INBOUND_MAX_RECEIVES },
    });

    // Without server-side encryption: SES can only publish to an encrypted topic through a customer
    // managed key ($1/month plus requests) whose policy admits SES, and the notification carries
    // headers and the object location, never the message; SNS keeps it only until delivered.
    // See https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
    this.topic = new sns.Topic(this, 'ReceivedTopic', {
      displayName: `Mailroom ${props.stageName} received mail`,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSesReceiptRule',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': ruleArn } },
      }),
    );
    // Raw delivery: the SQS body is the SES notification itself, not an SNS envelope around it.
    // The DLQ catches notifications SNS could not deliver to the queue (e.g. a broken queue policy).
    this.topic.addSubscription(
      new subscriptions.SqsSubscription(this.queue, { rawMessageDelivery: true, deadLetterQueue: this.deadLetterQueue }),
    );

    this.handler.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: INBOUND_BATCH_SIZE,
        maxBatchingWindow: INBOUND_BATCHING_WINDOW,
        reportBatchItemFailures: true,
        maxConcurrency: INBOUND_MAX_CONCURRENCY,
      }),
    );

    grantObjects(this.handler, props.mailBucket, [
      { prefix: MAIL_PREFIXES.inbound, access: 'read' },
      { prefix: MAIL_PREFIXES.attachments, access: 'readWrite' },
      { prefix: MAIL_PREFIXES.bodies, access: 'readWrite' },
    ]);
    grantTableData(this.handler, props.table);
    props.eventBus.grantPutEventsTo(this.handler);

    // Receipt rules: one rule set per stage, one rule storing every message for the domains.
    // Spam and virus scanning adds the verdicts the handler records; it does not drop mail.
    this.ruleSet = new ses.ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: names.ruleSetName });
    const rule = this.ruleSet.addRule('StoreRule', {
      receiptRuleName: names.ruleName,
      recipients: props.recipientDomains,
      scanEnabled: true,
      tlsPolicy: props.requireTls ? ses.TlsPolicy.REQUIRE : ses.TlsPolicy.OPTIONAL,
      enabled: true,
      actions: [new StoreInMailBucket({ bucket: props.mailBucket, prefix: MAIL_PREFIXES.inbound, topic: this.topic })],
    });
    // SES checks that it may publish to the topic when the rule is created.
    const topicPolicy = this.topic.node.tryFindChild('Policy');
    if (topicPolicy !== undefined) rule.node.addDependency(topicPolicy);

    if (props.activateReceiptRuleSet) this.activate(names.ruleSetName, rule);

    deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue, props.alarmTopic, 'Received mail');
    notifyingAlarm(this, 'BacklogAgeAlarm', {
      metric: this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: INBOUND_MAX_AGE.toSeconds(),
      evaluationPeriods: 3,
      description: `Received mail has waited more than ${INBOUND_MAX_AGE.toMinutes()} minutes in the inbound queue: the inbound function is failing, throttled or too slow.`,
      topic: props.alarmTopic,
    });
    functionAlarms(this, 'Handler', this.handler, props.alarmTopic);
  }

  /**
   * CloudFormation can create a rule set but not make it the active one, and SES only applies the
   * active set. This custom resource calls SetActiveReceiptRuleSet after the rule exists and clears
   * the active set on delete (SES refuses to delete an active set). Only one set can be active per
   * account and region: deploying activates this stage's set in place of any other.
   * See https://docs.aws.amazon.com/ses/latest/APIReference/API_SetActiveReceiptRuleSet.html
   */
  private activate(ruleSetName: string, rule: ses.ReceiptRule): void {
    const call: cr.AwsSdkCall = {
      service: 'SES',
      action: 'SetActiveReceiptRuleSet',
      parameters: { RuleSetName: ruleSetName },
      physicalResourceId: cr.PhysicalResourceId.of(`active-receipt-rule-set-${ruleSetName}`),
    };
    const activation = new cr.AwsCustomResource(this, 'ActivateRuleSet', {
      resourceType: 'Custom::SesActiveReceiptRuleSet',
      onCreate: call,
      onUpdate: call,
      // No RuleSetName: no set is active afterwards.
      onDelete: { service: 'SES', action: 'SetActiveReceiptRuleSet', parameters: {} },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['ses:SetActiveReceiptRuleSet'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'ActivateRuleSetLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
    });
    activation.node.addDependency(rule);
  }
}
