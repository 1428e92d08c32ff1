import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as ses from 'aws-cdk-lib/aws-ses';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env.js';
import { OUTBOUND_PREFIX, OUTBOX_ENV } from '../../shared/outbox/env.js';
import { UPLOADS_PREFIX } from '../../shared/compose/uploads.js';
import { sesDeliveryEventPattern } from '../../shared/outbox/delivery-ses-event.js';
import { deadLetterAlarm, functionAlarms, notifyingAlarm } from './alarms.js';
import { grantObjects, grantTableData } from './grants.js';
import { MAIL_PREFIXES } from './mail-layout.js';
import { MailroomFunction } from './mailroom-function.js';
import { acknowledge, acknowledgeWildcardResources } from './nag.js';
import { schedulerQueueRole, workQueue } from './queues.js';

export const SENDER_TIMEOUT = Duration.seconds(60);
/** Receives of one trigger before it is dead-lettered: only infrastructure errors are retried this way. */
export const OUTBOX_MAX_RECEIVES = 5;
export const SENDER_BATCH_SIZE = 10;
/**
 * Ceiling on concurrent sender invocations: SES accounts have a per-second sending quota
 * (14/s out of the sandbox by default), and throttled sends only come back as retries.
 * See https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html
 */
export const SENDER_MAX_CONCURRENCY = 5;
/** Default undo-send window (SQS DelaySeconds). */
export const DEFAULT_UNDO_SECONDS = 10;
/** A trigger older than this means the outbox is stuck: mail the user pressed "send" on is late. */
export const OUTBOX_MAX_AGE = Duration.minutes(10);
/** Lambda's own retries of a failed delivery-event invocation (asynchronous invocation, at most 2). */
export const DELIVERY_RETRY_ATTEMPTS = 2;
/** EventBridge's retries when it cannot invoke the delivery function at all. */
export const DELIVERY_RULE_RETRY_ATTEMPTS = 10;
export const DELIVERY_MAX_EVENT_AGE = Duration.hours(6);

export interface OutboxProps {
  readonly stageName: string;
  /** Domains Mailroom sends from (verified SES identities): the only identities the sender may use. */
  readonly sendingDomains: string[];
  readonly mailBucket: s3.IBucket;
  readonly table: dynamodb.ITable;
  readonly tableName: string;
  readonly eventBus: events.IEventBus;
  readonly alarmTopic: sns.ITopic;
  readonly tracing: boolean;
}

/**
 * The outbox: an SQS queue of send triggers consumed by the sender function, a dead-letter queue
 * with an alarm, an EventBridge Scheduler group for one-time retry and scheduled-send schedules
 * (with the role Scheduler assumes to put a trigger back on the queue), and the SES configuration
 * set named on every send.
 *
 * Why a queue between the API and SES: the undo window is the queue's delivery delay, the sender
 * scales and retries independently of API requests, and a failing provider never fails a request.
 * Why Scheduler for retries: delays beyond SQS's 15-minute maximum, and a schedule per attempt
 * that can be deleted when the message is cancelled.
 * See https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html
 */
export class Outbox extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly sender: MailroomFunction;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  readonly schedulerRole: iam.Role;
  readonly configurationSet: ses.ConfigurationSet;
  /** Consumes the configuration set's delivery events (functions/delivery/). */
  readonly delivery: MailroomFunction;
  readonly deliveryRule: events.Rule;
  /** Delivery events that could not be processed: failed invocations after retries and events EventBridge could not deliver. */
  readonly deliveryDeadLetterQueue: sqs.Queue;
  private readonly props: OutboxProps;

  constructor(scope: Construct, id: string, props: OutboxProps) {
    super(scope, id);
    this.props = props;
    const stack = Stack.of(this);

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = workQueue(this, {
      consumerTimeout: SENDER_TIMEOUT, maxReceiveCount: OUTBOX_MAX_RECEIVES, retention: Duration.days(4),
    }));

    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: `mailroom-${props.stageName}-outbox`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedulerRole = schedulerQueueRole(this, this.queue, 'EventBridge Scheduler: puts outbox retry and scheduled-send triggers on the outbox queue');

    // Suppression of addresses that bounced or complained, at the account's SES level.
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: `mailroom-${props.stageName}`,
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });

    this.sender = new MailroomFunction(this, 'Sender', {
      entry: 'sender',
      description: `Mailroom ${props.stageName}: sends queued mail through SES, at most once per attempt`,
      memorySize: 512,
      timeout: SENDER_TIMEOUT,
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.mailBucket]: props.mailBucket.bucketName,
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.stage]: props.stageName,
        ...this.schedulingEnvironment(),
        [OUTBOX_ENV.sesConfigurationSet]: this.configurationSet.configurationSetName,
      },
    });
    this.sender.addEventSource(new SqsEventSource(this.queue, {
      batchSize: SENDER_BATCH_SIZE,
      reportBatchItemFailures: true,
      maxConcurrency: SENDER_MAX_CONCURRENCY,
    }));
    grantTableData(this.sender, props.table);
    grantObjects(this.sender, props.mailBucket, [{ prefix: OUTBOUND_PREFIX, access: 'read' }]);
    props.eventBus.grantPutEventsTo(this.sender);
    this.grantScheduling(this.sender);
    // SES v2 SendEmail authorises raw content as ses:SendRawEmail; both are listed so a later
    // switch between simple and raw content needs no policy change.
    // See https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html
    this.sender.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resources: [
        ...props.sendingDomains.map((domain) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: domain.replace(/^\./, '') })),
        stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName }),
      ],
    }));
    acknowledgeWildcardResources(this.sender.role!, [this.scheduleArnPattern()],
      'Schedules are created and deleted per message and attempt, within the outbox schedule group only.');

    deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue, props.alarmTopic, 'A send trigger');
    notifyingAlarm(this, 'BacklogAgeAlarm', {
      metric: this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: OUTBOX_MAX_AGE.toSeconds(),
      evaluationPeriods: 3,
      description: `Send triggers have waited more than ${OUTBOX_MAX_AGE.toMinutes()} minutes in the outbox queue: the sender is failing, throttled or too slow.`,
      topic: props.alarmTopic,
    });
    functionAlarms(this, 'Sender', this.sender, props.alarmTopic);

    ({ fn: this.delivery, rule: this.deliveryRule, deadLetterQueue: this.deliveryDeadLetterQueue } = this.deliveryTracking());
  }

  /**
   * Delivery tracking: the configuration set publishes delivery, bounce, complaint, delivery-delay
   * and reject events to EventBridge. SES only publishes to the account's default bus, so a rule
   * there, matching this configuration set's tag, invokes the delivery function. Failures are
   * retried by EventBridge (cannot invoke) and by Lambda (the function threw), then land in one
   * dead-letter queue with an alarm.
   * See https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-eventbridge.html
   */
  private deliveryTracking() {
    const props = this.props;
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    this.configurationSet.addEventDestination('DeliveryEvents', {
      destination: ses.EventDestination.eventBus(defaultBus),
      events: [
        ses.EmailSendingEvent.DELIVERY, ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT,
        ses.EmailSendingEvent.DELIVERY_DELAY, ses.EmailSendingEvent.REJECT,
      ],
    });

    const deadLetterQueue = new sqs.Queue(this, 'DeliveryDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the delivery events (rule target and function failures); a dead-letter queue has none of its own.');

    const fn = new MailroomFunction(this, 'Delivery', {
      entry: 'delivery',
      description: `Mailroom ${props.stageName}: applies SES delivery events to the recipients of sent mail`,
      memorySize: 256,
      timeout: Duration.seconds(30),
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.stage]: props.stageName,
      },
    });
    fn.configureAsyncInvoke({
      retryAttempts: DELIVERY_RETRY_ATTEMPTS,
      maxEventAge: DELIVERY_MAX_EVENT_AGE,
      onFailure: new destinations.SqsDestination(deadLetterQueue),
    });
    grantTableData(fn, props.table);
    props.eventBus.grantPutEventsTo(fn);

    const pattern = sesDeliveryEventPattern(this.configurationSet.configurationSetName);
    const rule = new events.Rule(this, 'DeliveryEventsRule', {
      eventBus: defaultBus,
      description: `Mailroom ${props.stageName}: SES delivery events of the ${this.configurationSet.configurationSetName} configuration set`,
      eventPattern: { source: pattern.source, detailType: pattern['detail-type'], detail: pattern.detail },
      targets: [new targets.LambdaFunction(fn, {
        deadLetterQueue,
        retryAttempts: DELIVERY_RULE_RETRY_ATTEMPTS,
        maxEventAge: DELIVERY_MAX_EVENT_AGE,
      })],
    });

    deadLetterAlarm(this, 'DeliveryDeadLetterAlarm', deadLetterQueue, props.alarmTopic, 'An SES delivery event');
    functionAlarms(this, 'Delivery', fn, props.alarmTopic);
    return { fn, rule, deadLetterQueue };
  }

  /**
   * Lets the compose function (the HTTP API's outbox routes) compose, cancel and retry: write raw
   * mail under `outbound/` (and read the attachments it forwards), enqueue triggers, create and
   * delete schedules for scheduled sends. It signs the authors' upload links, so it holds write on
   * `uploads/` (a presigned PUT carries its signer's rights), reads the uploads it attaches and
   * keeps the message's copy under `attachments/`, and reads the raw messages a case document may
   * point at (`inbound/`).
   */
  grantCompose(fn: lambda.Function): void {
    for (const [name, value] of Object.entries({
      ...this.schedulingEnvironment(),
      [OUTBOX_ENV.queueUrl]: this.queue.queueUrl,
      [OUTBOX_ENV.undoSeconds]: String(DEFAULT_UNDO_SECONDS),
    })) fn.addEnvironment(name, value);
    this.queue.grantSendMessages(fn);
    grantObjects(fn, this.props.mailBucket, [
      { prefix: OUTBOUND_PREFIX, access: 'readWrite' }, { prefix: MAIL_PREFIXES.attachments, access: 'readWrite' },
      { prefix: UPLOADS_PREFIX, access: 'readWrite' }, { prefix: MAIL_PREFIXES.inbound, access: 'read' },
    ]);
    this.grantScheduling(fn);
    acknowledgeWildcardResources(fn.role!, [this.scheduleArnPattern()],
      'The compose function creates or deletes scheduled-send schedules within the outbox schedule group only.');
  }

  private schedulingEnvironment(): Record<string, string> {
    return {
      [OUTBOX_ENV.queueArn]: this.queue.queueArn,
      [OUTBOX_ENV.scheduleGroup]: this.scheduleGroup.scheduleGroupName,
      [OUTBOX_ENV.schedulerRoleArn]: this.schedulerRole.roleArn,
    };
  }

  private scheduleArnPattern(): string {
    return Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroup.scheduleGroupName}/*` });
  }

  private grantScheduling(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'], resourceArns: [this.scheduleArnPattern()] });
    this.schedulerRole.grantPassRole(grantee.grantPrincipal);
  }
}
