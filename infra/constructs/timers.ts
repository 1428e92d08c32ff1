import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env.js';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { CONSUMED_DETAIL_TYPES, TIMERS_ENV } from '../../shared/workflow/timers.js';
import { deadLetterAlarm, functionAlarms } from './alarms.js';
import { grantTableData } from './grants.js';
import { MAIL_PREFIXES } from './mail-layout.js';
import { MailroomFunction } from './mailroom-function.js';
import { acknowledgeWildcardResources } from './nag.js';
import { busToQueue, schedulerQueueRole, workQueue } from './queues.js';

export const TIMERS_TIMEOUT = Duration.seconds(30);
/** Receives of one record before it is dead-lettered (only infrastructure errors are retried). */
export const TIMERS_MAX_RECEIVES = 5;
export const TIMERS_BATCH_SIZE = 10;

export interface TimersProps {
  readonly stageName: string;
  readonly table: dynamodb.ITable;
  readonly tableName: string;
  readonly eventBus: events.IEventBus;
  readonly alarmTopic: sns.ITopic;
  readonly tracing: boolean;
  /**
   * The mail bucket: the purge of a permanently deleted conversation erases its messages' raw
   * mail, bodies and attachments (every version). Without it the function cannot purge.
   */
  readonly mailBucket?: s3.IBucket;
}

/** Where the purge deletes objects: raw mail (received and sent), attachments, large bodies. */
export const PURGE_PREFIXES = [MAIL_PREFIXES.inbound, MAIL_PREFIXES.attachments, MAIL_PREFIXES.bodies, 'outbound/'] as const;

/**
 * Snooze and follow-up timers (shared/workflow/timers.ts): one queue fed by a bus rule (the events
 * that set a timer) and by one-time EventBridge Scheduler schedules (the timers coming due), one
 * function consuming it, a dead-letter queue with an alarm, the schedule group and the role
 * Scheduler assumes to send to the queue.
 *
 * Why exact schedules rather than polling: a timer costs one schedule and one message, whatever
 * the number of conversations, and fires at its second.
 * See https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time
 */
export class Timers extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly fn: MailroomFunction;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  readonly schedulerRole: iam.Role;
  readonly armingRule: events.Rule;

  constructor(scope: Construct, id: string, props: TimersProps) {
    super(scope, id);
    const stack = Stack.of(this);

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = workQueue(this, {
      consumerTimeout: TIMERS_TIMEOUT, maxReceiveCount: TIMERS_MAX_RECEIVES, retention: Duration.days(4),
    }));

    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: `mailroom-${props.stageName}-timers`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedulerRole = schedulerQueueRole(this, this.queue, 'EventBridge Scheduler: puts snooze and follow-up timers on the timers queue');

    this.armingRule = busToQueue(this, 'ArmingRule', {
      eventBus: props.eventBus,
      description: `Mailroom ${props.stageName}: changes that set a snooze or a follow-up reminder, to arm their timer, and the events the workflow reacts to`,
      detailTypes: CONSUMED_DETAIL_TYPES,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
    });

    this.fn = new MailroomFunction(this, 'Function', {
      entry: 'timers',
      description: `Mailroom ${props.stageName}: arms and fires snooze and follow-up timers`,
      memorySize: 256,
      timeout: TIMERS_TIMEOUT,
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.stage]: props.stageName,
        [TIMERS_ENV.queueArn]: this.queue.queueArn,
        [TIMERS_ENV.scheduleGroup]: this.scheduleGroup.scheduleGroupName,
        [TIMERS_ENV.schedulerRoleArn]: this.schedulerRole.roleArn,
        ...(props.mailBucket ? { [ENV.mailBucket]: props.mailBucket.bucketName } : {}),
      },
    });
    if (props.mailBucket) {
      const objectArns = PURGE_PREFIXES.map((prefix) => props.mailBucket!.arnForObjects(`${prefix}*`));
      iam.Grant.addToPrincipal({ grantee: this.fn, actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'], resourceArns: objectArns });
      iam.Grant.addToPrincipal({ grantee: this.fn, actions: ['s3:ListBucketVersions'], resourceArns: [props.mailBucket.bucketArn] });
      acknowledgeWildcardResources(this.fn.role!, objectArns,
        'The purge deletes the objects of the messages of a deleted conversation, within the mail prefixes only.');
    }
    this.fn.addEventSource(new SqsEventSource(this.queue, { batchSize: TIMERS_BATCH_SIZE, reportBatchItemFailures: true }));
    grantTableData(this.fn, props.table);
    props.eventBus.grantPutEventsTo(this.fn);
    const scheduleArns = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroup.scheduleGroupName}/*` });
    iam.Grant.addToPrincipal({ grantee: this.fn, actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'], resourceArns: [scheduleArns] });
    this.schedulerRole.grantPassRole(this.fn.grantPrincipal);
    acknowledgeWildcardResources(this.fn.role!, [scheduleArns],
      'Schedules are created per conversation and timer, within the timers schedule group only.');

    deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue, props.alarmTopic, 'A timer');
    functionAlarms(this, 'Function', this.fn, props.alarmTopic);
  }
}
