/**
 * The queue shapes every asynchronous path uses, created directly in the caller's scope (ids
 * `DeadLetterQueue` and `Queue`) so logical ids stay those of the construct that owns them.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../shared/events/contracts.js';

/** A dead-letter queue: encrypted, TLS only, kept 14 days (SQS's maximum) for inspection and redrive. */
export function deadLetterQueue(scope: Construct, id = 'DeadLetterQueue'): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

export interface WorkQueueOptions {
  /** Timeout of the consuming function; the visibility timeout is six times it, plus the batching window (Lambda's guidance for SQS event sources). */
  consumerTimeout: Duration;
  batchingWindow?: Duration;
  maxReceiveCount: number;
  retention: Duration;
}

/** A queue consumed by a Lambda function, with its dead-letter queue. */
export function workQueue(scope: Construct, options: WorkQueueOptions): { queue: sqs.Queue; deadLetterQueue: sqs.Queue } {
  const dlq = deadLetterQueue(scope);
  const queue = new sqs.Queue(scope, 'Queue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(6 * options.consumerTimeout.toSeconds() + (options.batchingWindow?.toSeconds() ?? 0)),
    retentionPeriod: options.retention,
    deadLetterQueue: { queue: dlq, maxReceiveCount: options.maxReceiveCount },
  });
  return { queue, deadLetterQueue: dlq };
}

/**
 * The role EventBridge Scheduler assumes to put a one-time schedule's payload on `queue`; only
 * schedules of this account may use it (confused-deputy protection).
 * See https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
 */
export function schedulerQueueRole(scope: Construct, queue: sqs.IQueue, description: string): iam.Role {
  const role = new iam.Role(scope, 'SchedulerRole', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } } }),
    description,
  });
  queue.grantSendMessages(role);
  return role;
}

/** Times EventBridge retries putting an event on a queue before parking it in the dead-letter queue. */
const BUS_TO_QUEUE_RETRIES = 10;

/**
 * A rule putting Mailroom events of the given detail-types from the bus on a work queue, the
 * shape of every event consumer that wants batching and per-message retries: EventBridge retries
 * a failed delivery, then parks the event in the queue's own dead-letter queue.
 */
export function busToQueue(scope: Construct, id: string, props: {
  eventBus: events.IEventBus;
  description: string;
  detailTypes: readonly string[];
  queue: sqs.IQueue;
  deadLetterQueue: sqs.IQueue;
}): events.Rule {
  return new events.Rule(scope, id, {
    eventBus: props.eventBus,
    description: props.description,
    eventPattern: { source: [EVENT_SOURCE], detailType: [...props.detailTypes] },
    targets: [new targets.SqsQueue(props.queue, { deadLetterQueue: props.deadLetterQueue, retryAttempts: BUS_TO_QUEUE_RETRIES })],
  });
}
