/**
 * RetryScheduler port: "put this send trigger back on the outbox queue at that time". Retries and
 * scheduled sends both use it. On AWS it is an EventBridge Scheduler one-time schedule whose
 * target is the outbox queue; the embedded local stack answers the same SDK calls
 * (infra/local/scheduler.ts), so the sender code is the same in both places.
 * See https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time
 */
import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, ResourceNotFoundException, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SendTrigger } from './trigger.js';

/** `T` is the message put on the target queue: a send trigger here, a workflow timer in shared/workflow/timers.ts. */
export interface RetryScheduler<T = SendTrigger> {
  /** Idempotent by name: scheduling the same name twice keeps the first schedule. */
  schedule(name: string, at: Date, trigger: T): Promise<void>;
  /** Removes a schedule that has not fired; a missing one is not an error. */
  cancel(name: string): Promise<void>;
}

/** Scheduler's `at()` takes whole seconds, in the time zone given (UTC here). */
export function atExpression(at: Date): string {
  const whole = new Date(Math.ceil(at.getTime() / 1000) * 1000);
  return `at(${whole.toISOString().slice(0, 19)})`;
}

/** Schedule names allow `[0-9a-zA-Z-_.]`, 1-64 characters. */
export function scheduleName(messageKey: string, purpose: string): string {
  return `mr-${messageKey}-${purpose}`.replace(/[^0-9A-Za-z_.-]/g, '_').slice(0, 64);
}

export interface SchedulerTarget {
  group: string;
  queueArn: string;
  roleArn: string;
}

export class EventBridgeRetryScheduler<T = SendTrigger> implements RetryScheduler<T> {
  constructor(private readonly client: SchedulerClient, private readonly target: SchedulerTarget) {}

  async schedule(name: string, at: Date, trigger: T): Promise<void> {
    try {
      await this.client.send(new CreateScheduleCommand({
        Name: name,
        GroupName: this.target.group,
        ScheduleExpression: atExpression(at),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        // One-time schedules delete themselves once they have fired: nothing accumulates.
        ActionAfterCompletion: 'DELETE',
        Target: { Arn: this.target.queueArn, RoleArn: this.target.roleArn, Input: JSON.stringify(trigger) },
      }));
    } catch (error) {
      // Same name: this retry is already planned (a redelivered trigger got here first).
      if (error instanceof ConflictException || (error as Error).name === 'ConflictException') return;
      throw error;
    }
  }

  async cancel(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.target.group }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException') return;
      throw error;
    }
  }
}
