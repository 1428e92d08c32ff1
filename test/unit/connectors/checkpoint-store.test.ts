/**
 * The DynamoDB checkpoint store on a real table (dynalite): where the item lives, and the
 * conditional write that keeps two overlapping sync runs from rewinding each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointConflictError, DynamoCheckpointStore, imapRawKey } from '../../../shared/connectors/imap-sync.js';
import { keys } from '../../../shared/model/keys.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';

let db: TestTable;
let store: DynamoCheckpointStore;

beforeAll(async () => {
  db = await startTestTable();
  store = new DynamoCheckpointStore(db.table);
});

afterAll(async () => {
  await db.stop();
});

const first = { uidValidity: '1795385241', lastUid: 0, syncedAt: '2026-11-22T10:00:00.000Z' };
const second = { uidValidity: '1795385241', lastUid: 100, syncedAt: '2026-11-22T10:00:05.000Z' };

describe('DynamoCheckpointStore', () => {
  it('returns null for an account never synced', async () => {
    expect(await store.get('acc-none')).toBeNull();
  });

  it('stores the checkpoint beside the account item and reads it back', async () => {
    await store.put('acc-1', first, null);
    await store.put('acc-1', second, first);

    expect(await store.get('acc-1')).toEqual(second);
    const item = await db.table.get(keys.accountSync('acc-1'), true);
    expect(item).toMatchObject({ PK: 'ACCOUNT#acc-1', SK: 'SYNC', type: 'accountSync', accountId: 'acc-1', lastUid: 100 });
  });

  it('refuses a first checkpoint when one exists already', async () => {
    await store.put('acc-2', first, null);
    const error = await store.put('acc-2', second, null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointConflictError);
    expect((error as CheckpointConflictError).current).toEqual(first);
  });

  it('refuses to move a checkpoint from a stale position, and reports the current one', async () => {
    await store.put('acc-3', first, null);
    await store.put('acc-3', second, first);
    const stale = { ...second, lastUid: 50, syncedAt: '2026-11-22T10:00:06.000Z' };

    const error = await store.put('acc-3', stale, first).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CheckpointConflictError);
    expect((error as CheckpointConflictError).current).toEqual(second);
    expect(await store.get('acc-3')).toEqual(second);
  });

  it('lets exactly one of two racing runs advance', async () => {
    await store.put('acc-4', first, null);
    const a = { ...first, lastUid: 10, syncedAt: '2026-11-22T10:01:00.000Z' };
    const b = { ...first, lastUid: 20, syncedAt: '2026-11-22T10:01:00.001Z' };

    const outcomes = await Promise.allSettled([store.put('acc-4', a, first), store.put('acc-4', b, first)]);

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(CheckpointConflictError);
    expect([a, b]).toContainEqual(await store.get('acc-4'));
  });

  it('accepts a UIDVALIDITY change conditioned on the old checkpoint', async () => {
    await store.put('acc-5', second, null);
    const renumbered = { uidValidity: '1795399999', lastUid: 0, syncedAt: '2026-11-22T11:00:00.000Z' };
    await store.put('acc-5', renumbered, second);
    expect(await store.get('acc-5')).toEqual(renumbered);
  });
});

describe('imapRawKey', () => {
  it('names the object by account, UIDVALIDITY and UID', () => {
    expect(imapRawKey('acc-1', '1795385241', 42)).toBe('inbound/imap/acc-1/1795385241/42.eml');
  });
});
