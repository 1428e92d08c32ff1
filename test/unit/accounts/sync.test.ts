/**
 * The scheduled side of accounts over dynalite: one sync run (outcomes recorded on the account,
 * failures published), the sink's S3-shaped notification as the inbound function reads it, the
 * envelope recipient of IMAP mail, the schedule reconciliation (Scheduler mocked), the function's
 * record dispatch, and the sender's connector choice.
 */
import { randomBytes } from 'node:crypto';
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccountService } from '../../../shared/accounts/accounts.js';
import { AesGcmCredentialCipher } from '../../../shared/accounts/cipher.js';
import { imapEnvelopeRecipients, accountIdOfRawKey } from '../../../shared/accounts/inbound-routing.js';
import type { Account, CreateAccountInput } from '../../../shared/accounts/model.js';
import { createAccountSchema } from '../../../shared/accounts/model.js';
import { AccountRepository } from '../../../shared/accounts/repository.js';
import { EventBridgeSyncSchedules, reconcileSyncSchedule } from '../../../shared/accounts/schedules.js';
import { InboundQueueSink, runAccountSync, type AccountSyncDeps } from '../../../shared/accounts/sync.js';
import { CheckpointConflictError, ImapSyncError, imapRawKey, type CheckpointStore } from '../../../shared/connectors/imap-sync.js';
import { handleMailAccounts, workOf } from '../../../functions/imap-sync/handler.js';
import { inputsFromRecord } from '../../../functions/inbound/handler.js';
import { Directory } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { ConnectorRegistry } from '../../../shared/outbox/connector-registry.js';
import { keys } from '../../../shared/model/keys.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';

let db: TestTable;
let service: AccountService;
let repository: AccountRepository;
const cipher = new AesGcmCredentialCipher(randomBytes(32));
const events = new MemoryEvents();
const clock = new FixedClock();
let admin: Awaited<ReturnType<Directory['getUser']>>;
let ids = 0;

const noCheckpoints: CheckpointStore = { get: async () => null, put: async () => undefined };

async function createImap(overrides: Partial<CreateAccountInput> = {}): Promise<Account> {
  const input = createAccountSchema.parse({
    kind: 'imap_smtp', address: 'boite@gmail.test', mailboxId: 'support',
    imap: { host: 'imap.gmail.test', username: 'boite@gmail.test', password: 's3cret-imap' }, smtp: { host: 'smtp.gmail.test' },
    ...overrides,
  });
  return service.create(admin!, input);
}

function syncDeps(overrides: Partial<AccountSyncDeps> = {}): AccountSyncDeps {
  return {
    accounts: repository, cipher, checkpoints: noCheckpoints, sink: { put: async () => undefined }, events, clock,
    budget: { maxMessages: 10, maxMillis: 1000 }, ...overrides,
  };
}

beforeAll(async () => {
  db = await startTestTable();
  const directory = new Directory(db.table);
  await directory.save(modelFromSeed(demoSeed));
  admin = await directory.getUser('camille@acme.test');
  repository = new AccountRepository(db.table);
  service = new AccountService({ accounts: repository, table: db.table, directory, cipher, events, clock, quota: 50, newId: () => `acc${(ids += 1)}` });
});

afterAll(async () => {
  await db.stop();
});

describe('one sync run', () => {
  it('syncs an active account with its decrypted password from its sync start day, and records the time', async () => {
    // Prepare
    const account = await createImap({ syncStart: '2026-11-01' });
    const sync = vi.fn(async () => ({ fetched: 3, checkpoint: null, complete: true, uidValidityChanged: false }));

    // Act
    const outcome = await runAccountSync(account.accountId, syncDeps({ sync }));

    // Assess
    expect(outcome).toEqual({ kind: 'synced', fetched: 3, complete: true });
    const [input] = sync.mock.calls[0] as unknown as [{ endpoint: { password: string; port: number }; since: Date; mailboxId: string }];
    expect(input.endpoint).toMatchObject({ host: 'imap.gmail.test', port: 993, security: 'tls', password: 's3cret-imap' });
    expect(input.since.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(input.mailboxId).toBe('support');
    const stored = (await repository.get(account.accountId))!.account;
    expect(stored).toMatchObject({ lastSyncAt: clock.now().toISOString(), lastSyncError: null, mailHandled: true });
  });

  it('asks for another run when the budget stopped it early', async () => {
    const account = await createImap();
    const again = vi.fn(async () => undefined);
    await runAccountSync(account.accountId, syncDeps({ again, sync: async () => ({ fetched: 10, checkpoint: null, complete: false, uidValidityChanged: false }) }));
    expect(again).toHaveBeenCalledWith(account.accountId);
  });

  it('records a refused sign-in in plain words, publishes Account Sync Failed, and never the password', async () => {
    const account = await createImap();
    const outcome = await runAccountSync(account.accountId, syncDeps({
      sync: async () => { throw new ImapSyncError('The server refused the username or password.', 'authenticationFailed', 'NO [AUTHENTICATIONFAILED]', 'For Gmail, use an app password.'); },
    }));
    expect(outcome).toEqual({ kind: 'failed', error: 'The server refused the username or password. For Gmail, use an app password.' });
    const stored = (await repository.get(account.accountId))!.account;
    expect(stored.lastSyncError).toBe('The server refused the username or password. For Gmail, use an app password.');
    expect(events.published.at(-1)).toMatchObject({ detailType: 'Account Sync Failed', detail: { data: { accountId: account.accountId, mailboxId: 'support' } } });
    expect(JSON.stringify(events.published)).not.toContain('s3cret');
  });

  it('skips deactivated accounts, accounts with sync off and SES accounts; an overlapping run records nothing', async () => {
    const sync = vi.fn();
    const off = await createImap({ syncEnabled: false });
    expect(await runAccountSync(off.accountId, syncDeps({ sync }))).toEqual({ kind: 'skipped', reason: 'sync is off' });
    const deactivated = await createImap();
    await service.setActive(admin!, deactivated.accountId, false);
    expect(await runAccountSync(deactivated.accountId, syncDeps({ sync }))).toEqual({ kind: 'skipped', reason: 'deactivated' });
    const ses = await service.create(admin!, createAccountSchema.parse({ kind: 'ses', address: 'ventes@acme.test', mailboxId: 'ventes' }));
    expect(await runAccountSync(ses.accountId, syncDeps({ sync }))).toMatchObject({ kind: 'skipped' });
    expect(sync).not.toHaveBeenCalled();

    const busy = await createImap();
    const overlap = await runAccountSync(busy.accountId, syncDeps({ sync: async () => { throw new CheckpointConflictError(busy.accountId, null); } }));
    expect(overlap).toEqual({ kind: 'overlap' });
    expect((await repository.get(busy.accountId))!.account.lastSyncAt).toBeNull();
  });
});

describe('into the inbound pipeline', () => {
  it('writes the raw message, then an S3 ObjectCreated notification the inbound function reads back to the same key', async () => {
    // Prepare
    const blobs = new MemoryBlobStore();
    const bodies: string[] = [];
    const sink = new InboundQueueSink({ blobs, bucket: 'mail', region: 'eu-west-3', clock, notify: async (body) => { bodies.push(body); } });
    const key = imapRawKey('acc9', '1700000000', 42);

    // Act
    await sink.put({ accountId: 'acc9', mailboxId: 'support', key, raw: Buffer.from('Subject: hi\r\n\r\nhello') });

    // Assess
    expect(blobs.objects.get(key)?.contentType).toBe('message/rfc822');
    expect(inputsFromRecord(bodies[0]!, 'mail')).toEqual([{ rawKey: key, envelopeRecipients: [], receivedAt: null }]);
  });

  it("gives IMAP mail its account's mailbox's first address as envelope recipient", async () => {
    const account = await createImap({ mailboxId: 'ventes' });
    const recipients = imapEnvelopeRecipients(db.table);
    expect(await recipients(imapRawKey(account.accountId, '7', 1))).toEqual(['ventes@acme.test']);
    expect(await recipients('inbound/ses-message-id')).toBeNull();
    expect(await recipients(imapRawKey('gone', '7', 1))).toBeNull();
    expect(accountIdOfRawKey('inbound/imap/abc/1/2.eml')).toBe('abc');
  });
});

describe('schedules', () => {
  const scheduler = mockClient(SchedulerClient);
  afterEach(() => scheduler.reset());
  const schedules = () => new EventBridgeSyncSchedules(new SchedulerClient({ region: 'eu-west-3' }), {
    group: 'mailroom-test-accounts', queueArn: 'arn:aws:sqs:eu-west-3:123456789012:sync', roleArn: 'arn:aws:iam::123456789012:role/sched',
  });

  it('puts one recurring schedule per active IMAP account, updating it when it exists, and removes it otherwise', async () => {
    // Prepare
    const account = await createImap({ syncIntervalMinutes: 1 });
    scheduler.on(CreateScheduleCommand).rejectsOnce(Object.assign(new Error('exists'), { name: 'ConflictException' })).resolves({});
    scheduler.on(UpdateScheduleCommand).resolves({});
    scheduler.on(DeleteScheduleCommand).rejects(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }));

    // Act
    expect(await reconcileSyncSchedule(account.accountId, { accounts: repository, schedules: schedules() })).toBe('put');

    // Assess
    const update = scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input;
    expect(update).toMatchObject({
      Name: `imap-${account.accountId}`, GroupName: 'mailroom-test-accounts', ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' }, Target: { Arn: 'arn:aws:sqs:eu-west-3:123456789012:sync', Input: JSON.stringify({ accountId: account.accountId }) },
    });

    await service.setActive(admin!, account.accountId, false);
    expect(await reconcileSyncSchedule(account.accountId, { accounts: repository, schedules: schedules() })).toBe('removed');
    expect(await reconcileSyncSchedule('never-existed', { accounts: repository, schedules: schedules() })).toBe('removed');
    expect(scheduler.commandCalls(DeleteScheduleCommand)).toHaveLength(2);
  });

  it('dispatches sync ticks and account events from the sync queue, and fails records that are neither', async () => {
    const account = await createImap({ syncIntervalMinutes: 30 });
    scheduler.on(CreateScheduleCommand).resolves({});
    const sync = vi.fn(async () => ({ fetched: 0, checkpoint: null, complete: true, uidValidityChanged: false }));
    const event = { 'detail-type': 'Account Created', source: 'mailroom', detail: { metadata: {}, data: { accountId: account.accountId } } };
    expect(workOf(JSON.stringify(event))).toEqual({ kind: 'reconcile', accountId: account.accountId });

    const records = [JSON.stringify(event), JSON.stringify({ accountId: account.accountId }), '{"hello":1}']
      .map((body, n) => ({ messageId: `m${n}`, body, attributes: { ApproximateReceiveCount: '1' } }));
    const result = await handleMailAccounts({ Records: records } as unknown as SQSEvent, {
      accounts: repository, schedules: schedules(), sync: syncDeps({ sync }),
    });

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }]);
    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.ScheduleExpression).toBe('rate(30 minutes)');
    expect(sync).toHaveBeenCalledTimes(1);
  });
});

describe('sender connector choice', () => {
  it('sends through the SMTP account of the mailbox, SES for other mailboxes, and refuses when every account is deactivated', async () => {
    // Prepare: Alex's personal mailbox gets an IMAP/SMTP account with separate SMTP credentials.
    const account = await createImap({
      mailboxId: 'alex', address: 'alex.perso@gmail.test',
      smtp: { host: 'smtp.office365.test', port: 587, security: 'starttls', sameCredentials: false, username: 'alex@o365.test', password: 'smtp-pw' },
    } as Partial<CreateAccountInput>);
    const ses = { kind: 'ses', send: vi.fn(async () => ({ providerMessageId: 'ses-1' })) };
    const smtpSend = vi.fn(async () => ({ providerMessageId: 'smtp-1' }));
    const endpoints: unknown[] = [];
    const registry = new ConnectorRegistry({
      table: db.table, cipher: () => cipher, fallback: ses,
      smtp: (_account, endpoint) => { endpoints.push(endpoint); return { kind: 'smtp', send: smtpSend }; },
    });
    const raw = Buffer.from('Subject: x\r\n\r\ny');

    // Act / Assess
    expect(await registry.send(raw, { from: 'alex@acme.test', to: ['client@example.org'] })).toEqual({ providerMessageId: 'smtp-1', connector: 'smtp' });
    expect(endpoints[0]).toEqual({ host: 'smtp.office365.test', port: 587, security: 'starttls', username: 'alex@o365.test', password: 'smtp-pw' });
    expect(smtpSend).toHaveBeenCalledWith(raw, { from: 'alex.perso@gmail.test', to: ['client@example.org'] });
    expect(await registry.send(raw, { from: 'sarah-unknown@else.test', to: ['c@example.org'] })).toMatchObject({ providerMessageId: 'ses-1' });

    await service.setActive(admin!, account.accountId, false);
    await expect(registry.send(raw, { from: 'alex@acme.test', to: ['client@example.org'] })).rejects.toMatchObject({ name: 'PermanentSendError', code: 'ConnectorDisabled' });
    expect((await db.table.get(keys.mailbox('alex')))?.outbox).toMatchObject({ connectorEnabled: false });
    expect(smtpSend).toHaveBeenCalledTimes(1);
  });
});
