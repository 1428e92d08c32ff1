import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface AlarmOptions {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly description: string;
  readonly topic: sns.ITopic;
  readonly evaluationPeriods?: number;
}

/**
 * An alarm that notifies the alarm topic both when it fires and when it clears. Missing data means
 * "nothing happened" for every Mailroom metric (no errors, empty queue), so it never alarms.
 */
export function notifyingAlarm(scope: Construct, id: string, options: AlarmOptions): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric: options.metric,
    threshold: options.threshold,
    evaluationPeriods: options.evaluationPeriods ?? 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: options.description,
  });
  const action = new cwActions.SnsAction(options.topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

/** Any message in a dead-letter queue is a failure someone must look at (and redrive). */
export function deadLetterAlarm(scope: Construct, id: string, queue: sqs.IQueue, topic: sns.ITopic, what: string): cloudwatch.Alarm {
  return notifyingAlarm(scope, id, {
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
    threshold: 0,
    description: `${what} reached its dead-letter queue. Inspect the messages, fix the cause, then redrive them.`,
    topic,
  });
}

/** Errors (uncaught failures, timeouts, out-of-memory) and throttles of one function. */
export function functionAlarms(scope: Construct, id: string, fn: lambda.IFunction, topic: sns.ITopic): void {
  notifyingAlarm(scope, `${id}Errors`, {
    metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    threshold: 0,
    description: `${fn.node.path}: invocations failed (error, timeout or out of memory).`,
    topic,
  });
  notifyingAlarm(scope, `${id}Throttles`, {
    metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    threshold: 0,
    description: `${fn.node.path}: invocations were throttled (account concurrency exhausted).`,
    topic,
  });
}
