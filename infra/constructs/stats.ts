import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env.js';
import { EVENT_SOURCE } from '../../shared/events/contracts.js';
import { STATS_DETAIL_TYPES } from '../../shared/stats/stats.js';
import { deadLetterAlarm, functionAlarms } from './alarms.js';
import { grantTableData } from './grants.js';
import { MailroomFunction } from './mailroom-function.js';
import { acknowledge } from './nag.js';
import { deadLetterQueue } from './queues.js';

export const STATS_TIMEOUT = Duration.seconds(10);
/** EventBridge retries of a failed invocation before the event is dead-lettered. */
export const STATS_RETRY_ATTEMPTS = 8;

export interface StatsProps {
  readonly stageName: string;
  readonly table: dynamodb.ITable;
  readonly tableName: string;
  readonly eventBus: events.IEventBus;
  readonly alarmTopic: sns.ITopic;
  readonly tracing: boolean;
}

/**
 * Dashboard statistics (shared/stats/stats.ts): a bus rule sends `Message Sent` and
 * `Conversation Status Changed` to a small function that records first-response and resolution
 * samples. The rule invokes the function directly (no queue): a sample is one conditional write,
 * order does not matter, and an event that still fails after EventBridge's retries lands in a
 * dead-letter queue that raises an alarm.
 * See https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 */
export class Stats extends Construct {
  readonly fn: MailroomFunction;
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StatsProps) {
    super(scope, id);
    this.deadLetterQueue = deadLetterQueue(this);
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is the dead-letter queue of the EventBridge rule target; a dead-letter queue has none of its own.',
    );

    this.fn = new MailroomFunction(this, 'Function', {
      entry: 'stats',
      description: `Mailroom ${props.stageName}: records first-response and resolution samples for the dashboard statistics`,
      memorySize: 256,
      timeout: STATS_TIMEOUT,
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.stage]: props.stageName,
      },
    });
    grantTableData(this.fn, props.table);

    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description: `Mailroom ${props.stageName}: replies sent and conversations closed, for the statistics`,
      eventPattern: { source: [EVENT_SOURCE], detailType: [...STATS_DETAIL_TYPES] },
      targets: [new targets.LambdaFunction(this.fn, {
        deadLetterQueue: this.deadLetterQueue, retryAttempts: STATS_RETRY_ATTEMPTS, maxEventAge: Duration.hours(24),
      })],
    });

    deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue, props.alarmTopic, 'A statistics event');
    functionAlarms(this, 'Function', this.fn, props.alarmTopic);
  }
}
