import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterAlarm } from './alarms.js';
import { acknowledge } from './nag.js';
import { deadLetterQueue } from './queues.js';

export interface EventLogProps {
  readonly stageName: string;
  readonly eventBus: events.IEventBus;
  readonly alarmTopic: sns.ITopic;
}

/**
 * Copies every event on the Mailroom bus into a CloudWatch Logs group, so "what happened to this
 * conversation" is one Logs Insights query away. Deliveries EventBridge gives up on land in a
 * dead-letter queue with an alarm, like every other asynchronous path.
 * See https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 */
export class EventLog extends Construct {
  readonly logGroup: logs.LogGroup;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: EventLogProps) {
    super(scope, id);

    // EventBridge needs a resource policy on the group; names under /aws/events/ are the convention.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/events/mailroom-${props.stageName}`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deadLetterQueue = deadLetterQueue(this);
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is the dead-letter queue of the EventBridge rule target; a dead-letter queue has none of its own.',
    );

    const rule = new events.Rule(this, 'AllEvents', {
      eventBus: props.eventBus,
      description: 'Every Mailroom event, to CloudWatch Logs',
      eventPattern: { account: [Stack.of(this).account] },
      targets: [
        new targets.CloudWatchLogGroup(this.logGroup, {
          deadLetterQueue: this.deadLetterQueue,
          maxEventAge: Duration.hours(2),
          retryAttempts: 20,
        }),
      ],
    });

    // The CloudWatchLogGroup target, unlike the Lambda and SQS targets, does not give EventBridge
    // permission to send to its dead-letter queue; without it, failed deliveries are dropped.
    // See https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html#eb-dlq-perms
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeDeadLetters',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );

    deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue, props.alarmTopic, 'An event copy to CloudWatch Logs');
  }
}
