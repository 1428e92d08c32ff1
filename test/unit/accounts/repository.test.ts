/**
 * The account repository's conditional writes on dynalite, raced on purpose: two edits at one
 * version, two activations for the last unit of quota, two first accesses for one user's default,
 * and a delete racing an edit. Exactly one wins each time; the loser learns the current state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../../shared/accounts/model.js';
import { AccountConflictError, AccountRepository, QuotaExceededError } from '../../../shared/accounts/repository.js';
import { keys } from '../../../shared/model/keys.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';

let db: TestTable;
let repository: AccountRepository;

function account(accountId: string, overrides: Partial<Account> = {}): Account {
  return {
    accountId, orgId: 'org1', kind: 'ses', address: `${accountId}@acme.test`, displayName: null, category: 'shared', mailboxId: 'support',
    imap: null, smtp: null, syncStart: 'today', syncSince: '2026-11-20', createContacts: false, syncEnabled: false, syncIntervalMinutes: 5,
    status: 'active', lastTest: null, lastSyncAt: null, lastSyncError: null, mailHandled: false,
    createdAt: '2026-11-20T09:00:00.000Z', updatedAt: '2026-11-20T09:00:00.000Z', createdBy: 'admin@acme.test', version: 1,
    ...overrides,
  };
}

beforeAll(async () => {
  db = await startTestTable();
  repository = new AccountRepository(db.table);
});

afterAll(async () => {
  await db.stop();
});

describe('account repository', () => {
  it('counts active accounts against the quota, and never creates the same id twice', async () => {
    await repository.create(account('a1'), null, 2);
    await repository.create(account('a2'), null, 2);
    await expect(repository.create(account('a3'), null, 2)).rejects.toBeInstanceOf(QuotaExceededError);
    await repository.create(account('a4', { status: 'deactivated' }), null, 2);
    expect(await repository.activeCount('org1')).toBe(2);

    await repository.setStatus((await repository.get('a2'))!.account, 'deactivated', 'now', 2);
    await expect(repository.create(account('a1'), null, 2)).rejects.toMatchObject({ name: 'ConditionFailedError' });
    expect(await repository.activeCount('org1')).toBe(1);
  });

  it('lets one of two activations take the last unit of quota', async () => {
    const [a2, a4] = [(await repository.get('a2'))!.account, (await repository.get('a4'))!.account];
    const results = await Promise.allSettled([repository.setStatus(a2, 'active', 'now', 2), repository.setStatus(a4, 'active', 'now', 2)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(QuotaExceededError);
    expect(await repository.activeCount('org1')).toBe(2);
  });

  it('keeps one of two edits made at the same version; the other gets the current account', async () => {
    const current = (await repository.get('a1'))!.account;
    const results = await Promise.allSettled([
      repository.save({ ...current, displayName: 'First', version: current.version + 1 }, undefined),
      repository.save({ ...current, displayName: 'Second', version: current.version + 1 }, undefined),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const loser = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as AccountConflictError;
    const stored = (await repository.get('a1'))!.account;
    expect(loser).toBeInstanceOf(AccountConflictError);
    expect(loser.current).toMatchObject({ version: 2, displayName: stored.displayName });
  });

  it('keeps the stored credentials when an edit gives none, and replaces them when it does', async () => {
    await repository.create(account('c1', { kind: 'imap_smtp' }), 'gcm1:old', 10);
    const current = (await repository.get('c1'))!.account;
    await repository.save({ ...current, version: 2 }, undefined);
    expect((await repository.get('c1'))!.credentials).toBe('gcm1:old');
    await repository.save({ ...current, version: 3 }, 'gcm1:new');
    expect((await repository.get('c1'))!.credentials).toBe('gcm1:new');
  });

  it('gives each user exactly one default account, even when two first accesses race', async () => {
    const results = await Promise.all([
      repository.setDefault('lea@acme.test', 'a1', true), repository.setDefault('lea@acme.test', 'a2', true),
    ]);
    expect(results.sort()).toEqual([false, true]);
    const items = await db.table.query({ KeyConditionExpression: 'PK = :pk AND SK = :sk', ExpressionAttributeValues: { ':pk': 'USER#lea@acme.test', ':sk': 'ACCOUNT_DEFAULT' } });
    expect(items.items).toHaveLength(1);

    const chosen = String(items.items[0]!.accountId);
    const other = chosen === 'a1' ? 'a2' : 'a1';
    await repository.clearDefault('lea@acme.test', other);
    expect(await repository.getDefault('lea@acme.test')).toBe(chosen);
    await repository.setDefault('lea@acme.test', other);
    expect(await repository.getDefault('lea@acme.test')).toBe(other);
  });

  it('loses a delete to an edit that got there first, and deletes the checkpoint with the account', async () => {
    await repository.create(account('d1'), null, 10);
    const read = (await repository.get('d1'))!.account;
    await repository.save({ ...read, displayName: 'edited', version: 2 }, undefined);
    await expect(repository.delete(read)).rejects.toBeInstanceOf(AccountConflictError);

    await db.table.put({ ...keys.accountSync('d1'), uidValidity: '1', lastUid: 4, syncedAt: 'now' });
    const before = await repository.activeCount('org1');
    await repository.delete((await repository.get('d1'))!.account);
    expect(await repository.get('d1')).toBeNull();
    expect(await db.table.get(keys.accountSync('d1'))).toBeUndefined();
    expect(await repository.activeCount('org1')).toBe(before - 1);
  });

  it('lists an organisation\'s accounts and a mailbox\'s accounts from their indexes', async () => {
    expect((await repository.listByOrg('org1')).map((a) => a.accountId)).toEqual(expect.arrayContaining(['a1', 'a2', 'a4', 'c1']));
    expect((await repository.listByOrg('org2'))).toEqual([]);
    await repository.save({ ...(await repository.get('c1'))!.account, mailboxId: 'ventes', version: 4 }, undefined);
    expect((await repository.listByMailbox('ventes')).map((a) => a.accountId)).toEqual(['c1']);
    expect((await repository.listByMailbox('support')).map((a) => a.accountId)).not.toContain('c1');
  });
});
