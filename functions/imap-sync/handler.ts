/**
 * Mail-accounts function: consumes the sync queue, which carries two kinds of records:
 * - `{ accountId }`, put there every N minutes by the account's recurring schedule: run one
 *   bounded IMAP sync of the account (shared/accounts/sync.ts);
 * - account events (Created, Updated, Deactivated, Activated, Deleted) from the bus: make the
 *   account's schedule match the account (shared/accounts/schedules.ts).
 * Both are idempotent. Failures are reported per record; a sign-in the server refuses is not a
 * failure of the record (it is recorded on the account and published), so it does not retry.
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { reconcileSyncSchedule } from '../../shared/accounts/schedules.js';
import { runAccountSync } from '../../shared/accounts/sync.js';
import { mailAccountsDepsFromEnv, type MailAccountsDeps } from '../../shared/accounts/sync-deps.js';
import { ACCOUNT_CHANGE_DETAIL_TYPES } from '../../shared/accounts/env.js';

const syncTickSchema = z.object({ accountId: z.string().min(1) });
const accountEventSchema = z.object({
  'detail-type': z.enum(ACCOUNT_CHANGE_DETAIL_TYPES),
  detail: z.object({ data: z.object({ accountId: z.string().min(1) }).loose() }).loose(),
}).loose();

export type MailAccountsWork = { kind: 'sync'; accountId: string } | { kind: 'reconcile'; accountId: string };

/** What one record asks for; a record that is neither is a bug upstream and fails. */
export function workOf(body: string): MailAccountsWork {
  const json: unknown = JSON.parse(body);
  const event = accountEventSchema.safeParse(json);
  if (event.success) return { kind: 'reconcile', accountId: event.data.detail.data.accountId };
  const tick = syncTickSchema.safeParse(json);
  if (tick.success) return { kind: 'sync', accountId: tick.data.accountId };
  throw new Error('Unrecognised sync queue record: neither { accountId } nor an account event');
}

export async function handleMailAccounts(event: SQSEvent, deps: MailAccountsDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const work = workOf(record.body);
      if (work.kind === 'reconcile') {
        const done = await reconcileSyncSchedule(work.accountId, { accounts: deps.accounts, schedules: deps.schedules });
        console.info(JSON.stringify({ level: 'info', msg: 'schedule reconciled', accountId: work.accountId, done }));
      } else {
        const outcome = await runAccountSync(work.accountId, deps.sync);
        console.info(JSON.stringify({ level: outcome.kind === 'failed' ? 'warn' : 'info', msg: 'account sync', accountId: work.accountId, ...outcome }));
      }
    } catch (error) {
      console.error(JSON.stringify({ level: 'error', msg: 'sync queue record failed', messageId: record.messageId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

let deps: MailAccountsDeps | undefined;

export const handler = middy<SQSEvent, SQSBatchResponse>().handler((event) => handleMailAccounts(event, (deps ??= mailAccountsDepsFromEnv())));
