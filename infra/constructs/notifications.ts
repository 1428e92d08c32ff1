import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env.js';
import { EVENT_SOURCE } from '../../shared/events/contracts.js';
import { NOTIFY_APP_URL_ENV, OUTBOUND_PREFIX, OUTBOX_ENV } from '../../shared/outbox/env.js';
import { NOTIFY_DETAIL_TYPES } from '../../shared/outbox/notify-events.js';
import { deadLetterAlarm, functionAlarms } from './alarms.js';
import { grantObjects, grantTableData } from './grants.js';
import { MailroomFunction } from './mailroom-function.js';
import { acknowledge } from './nag.js';
import { deadLetterQueue } from './queues.js';

export const NOTIFY_TIMEOUT = Duration.seconds(30);
/** Lambda's own retries of a failed invocation (asynchronous invocation, at most 2). */
export const NOTIFY_RETRY_ATTEMPTS = 2;
/** EventBridge's retries when it cannot invoke the function at all. */
export const NOTIFY_RULE_RETRY_ATTEMPTS = 10;
/** An acknowledgement or a notification older than this is no longer worth sending. */
export const NOTIFY_MAX_EVENT_AGE = Duration.hours(2);

export interface NotificationsProps {
  readonly stageName: string;
  readonly table: dynamodb.ITable;
  readonly tableName: string;
  readonly mailBucket: s3.IBucket;
  readonly eventBus: events.IEventBus;
  /** The outbox queue: system mail is queued there like any other outgoing message. */
  readonly outboxQueue: sqs.IQueue;
  readonly alarmTopic: sns.ITopic;
  readonly tracing: boolean;
  /** Base URL of the web app, for links in notification emails. */
  readonly appUrl?: string;
}

/**
 * System-generated mail (shared/outbox/system-mail.ts): a rule on the Mailroom bus hands
 * `Message Received`, `Mention Created` and `Conversation Assigned` to the notify function, which
 * stores the auto-acknowledgement or notification email and queues it on the outbox queue; the
 * sender sends it like any other message. Failed invocations (after Lambda's retries) and events
 * EventBridge could not deliver land in a dead-letter queue with an alarm.
 *
 * Why a function of its own rather than a step of the inbound or workflow paths: receiving mail and
 * assigning stay as fast and cheap as they were, and a broken notification never fails them.
 */
export class Notifications extends Construct {
  readonly fn: MailroomFunction;
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);

    this.deadLetterQueue = deadLetterQueue(this);
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the notify rule and function; a dead-letter queue has none of its own.');

    this.fn = new MailroomFunction(this, 'Function', {
      entry: 'notify',
      description: `Mailroom ${props.stageName}: queues system-generated mail (auto-acknowledgements, notification emails)`,
      memorySize: 256,
      timeout: NOTIFY_TIMEOUT,
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.mailBucket]: props.mailBucket.bucketName,
        [ENV.stage]: props.stageName,
        [OUTBOX_ENV.queueUrl]: props.outboxQueue.queueUrl,
        ...(props.appUrl !== undefined ? { [NOTIFY_APP_URL_ENV]: props.appUrl } : {}),
      },
    });
    this.fn.configureAsyncInvoke({
      retryAttempts: NOTIFY_RETRY_ATTEMPTS,
      maxEventAge: NOTIFY_MAX_EVENT_AGE,
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
    grantTableData(this.fn, props.table);
    grantObjects(this.fn, props.mailBucket, [{ prefix: OUTBOUND_PREFIX, access: 'readWrite' }]);
    props.outboxQueue.grantSendMessages(this.fn);
    props.eventBus.grantPutEventsTo(this.fn);

    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description: `Mailroom ${props.stageName}: events that may cause system-generated mail`,
      eventPattern: { source: [EVENT_SOURCE], detailType: [...NOTIFY_DETAIL_TYPES] },
      targets: [new targets.LambdaFunction(this.fn, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: NOTIFY_RULE_RETRY_ATTEMPTS,
        maxEventAge: NOTIFY_MAX_EVENT_AGE,
      })],
    });

    deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue, props.alarmTopic, 'A system mail event');
    functionAlarms(this, 'Function', this.fn, props.alarmTopic);
  }
}
