/**
 * One recurring EventBridge Scheduler schedule per active IMAP account, `imap-<accountId>`, that
 * puts `{ accountId }` on the sync queue every N minutes. Schedules follow the account: the sync
 * function reconciles the schedule with the account on every account event (created, updated,
 * deactivated, activated, deleted), so the API function carries no Scheduler client and a lost or
 * repeated event converges to the same state.
 * See https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based
 */
import {
  CreateScheduleCommand, DeleteScheduleCommand, UpdateScheduleCommand, type SchedulerClient, type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import type { Account } from './model.js';
import type { AccountRepository } from './repository.js';

export interface SyncSchedules {
  /** Creates or updates the account's schedule (idempotent). */
  put(accountId: string, intervalMinutes: number): Promise<void>;
  /** Deletes the account's schedule; absent is fine. */
  remove(accountId: string): Promise<void>;
}

/** Schedule names are unique per group and at most 64 characters; account ids are 26. */
export function syncScheduleName(accountId: string): string {
  return `imap-${accountId}`;
}

export function rateExpression(minutes: number): string {
  return minutes === 1 ? 'rate(1 minute)' : `rate(${minutes} minutes)`;
}

/** The body a sync tick puts on the sync queue. */
export function syncTick(accountId: string): string {
  return JSON.stringify({ accountId });
}

export class EventBridgeSyncSchedules implements SyncSchedules {
  constructor(private readonly client: SchedulerClient, private readonly config: { group: string; queueArn: string; roleArn: string }) {}

  async put(accountId: string, intervalMinutes: number): Promise<void> {
    const input: CreateScheduleCommandInput = {
      Name: syncScheduleName(accountId),
      GroupName: this.config.group,
      ScheduleExpression: rateExpression(intervalMinutes),
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: { Arn: this.config.queueArn, RoleArn: this.config.roleArn, Input: syncTick(accountId) },
    };
    try {
      await this.client.send(new CreateScheduleCommand(input));
    } catch (error) {
      if ((error as Error).name !== 'ConflictException') throw error;
      await this.client.send(new UpdateScheduleCommand(input));
    }
  }

  async remove(accountId: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: syncScheduleName(accountId), GroupName: this.config.group }));
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
  }
}

/** Whether an account should be synced on a schedule. */
export function wantsSchedule(account: Account | null): account is Account {
  return account !== null && account.kind === 'imap_smtp' && account.status === 'active' && account.syncEnabled;
}

/**
 * Makes the account's schedule match the account as stored now (not as the event said: events can
 * arrive out of order). Returns what it did.
 */
export async function reconcileSyncSchedule(accountId: string, deps: { accounts: AccountRepository; schedules: SyncSchedules }): Promise<'put' | 'removed'> {
  const stored = await deps.accounts.get(accountId, true);
  const account = stored?.account ?? null;
  if (wantsSchedule(account)) {
    await deps.schedules.put(accountId, account.syncIntervalMinutes);
    return 'put';
  }
  await deps.schedules.remove(accountId);
  return 'removed';
}
