/**
 * The IMAP sync and the IMAP connection test against a real Dovecot (test/support/dovecot.ts),
 * with checkpoints in a real DynamoDB table (dynalite) so conditional writes behave as on AWS.
 * Each test uses its own Dovecot user, so mailboxes never mix.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import {
  CHECKPOINT_EVERY, CheckpointConflictError, DynamoCheckpointStore, ImapSyncError, imapRawKey, syncImapAccount,
  type CheckpointStore, type RawMailSink,
} from '../../shared/connectors/imap-sync.js';
import { testImap } from '../../shared/connectors/test-connection.js';
import type { ImapCheckpoint, ServerEndpoint, SyncBudget } from '../../shared/connectors/types.js';
import { startTestTable, type TestTable } from '../helpers/dynamo.js';
import { startDovecot, type Dovecot } from '../support/dovecot.js';

const USERS = ['login', 'fresh', 'catchup', 'since', 'validity', 'seen', 'markseen', 'gaps', 'timebudget', 'race', 'steps', 'crash', 'hardcrash']
  .map((username) => ({ username, password: `pw-${username}` }));
const WIDE: SyncBudget = { maxMessages: 10_000, maxMillis: 60_000 };

let dovecot: Dovecot;
let db: TestTable;
let checkpoints: DynamoCheckpointStore;

interface Stored { key: string; raw: Buffer; mailboxId: string }

function memorySink(): RawMailSink & { items: Stored[] } {
  const items: Stored[] = [];
  return {
    items,
    async put({ key, raw, mailboxId }) {
      items.push({ key, raw, mailboxId });
    },
  };
}

function message(n: number, tag: string): string {
  return [
    `From: Client ${n} <client${n}@example.net>`,
    'To: support@acme.test',
    `Subject: ${tag} #${n}`,
    `Message-ID: <${tag}-${n}@example.net>`,
    'Date: Sun, 22 Nov 2026 10:00:00 +0000',
    '',
    `Body of ${tag} ${n}`,
    '',
  ].join('\r\n');
}

async function withImap<T>(endpoint: ServerEndpoint, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({
    host: endpoint.host, port: endpoint.port, secure: false, doSTARTTLS: false,
    auth: { user: endpoint.username, pass: endpoint.password }, logger: false, disableAutoIdle: true,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout();
  }
}

async function appendMessages(endpoint: ServerEndpoint, folder: string, from: number, count: number, tag: string, date?: Date): Promise<void> {
  await withImap(endpoint, async (client) => {
    for (let n = from; n < from + count; n += 1) await client.append(folder, message(n, tag), [], date);
  });
}

function subjectsOf(items: Stored[]): string[] {
  return items.map((i) => /^Subject: (.*)$/m.exec(i.raw.toString('utf8'))?.[1]?.trim() ?? '?');
}

function uidsOf(items: Stored[]): number[] {
  return items.map((i) => Number(/\/(\d+)\.eml$/.exec(i.key)?.[1]));
}

beforeAll(async () => {
  dovecot = await startDovecot({ users: USERS });
  db = await startTestTable();
  checkpoints = new DynamoCheckpointStore(db.table);
});

afterAll(async () => {
  await dovecot?.stop();
  await db?.stop();
});

describe('syncImapAccount', () => {
  it('fetches everything on a first run, then only new mail, in UID order', async () => {
    const endpoint = dovecot.endpoint('fresh');
    await appendMessages(endpoint, 'INBOX', 1, 3, 'fresh');
    const sink = memorySink();

    const first = await syncImapAccount({ accountId: 'acc-fresh', mailboxId: 'support', endpoint, since: null, budget: WIDE }, { checkpoints, sink });

    expect(first).toMatchObject({ fetched: 3, complete: true, uidValidityChanged: false });
    expect(subjectsOf(sink.items)).toEqual(['fresh #1', 'fresh #2', 'fresh #3']);
    const validity = first.checkpoint!.uidValidity;
    expect(sink.items.map((i) => i.key)).toEqual([1, 2, 3].map((uid) => imapRawKey('acc-fresh', validity, uid)));
    expect(sink.items[0]!.raw.toString('utf8')).toBe(message(1, 'fresh'));
    expect(sink.items.every((i) => i.mailboxId === 'support')).toBe(true);
    expect(await checkpoints.get('acc-fresh')).toMatchObject({ uidValidity: validity, lastUid: 3 });

    await appendMessages(endpoint, 'INBOX', 4, 2, 'fresh');
    const second = await syncImapAccount({ accountId: 'acc-fresh', mailboxId: 'support', endpoint, since: null, budget: WIDE }, { checkpoints, sink });
    expect(second).toMatchObject({ fetched: 2, complete: true, checkpoint: { lastUid: 5 } });

    const idle = await syncImapAccount({ accountId: 'acc-fresh', mailboxId: 'support', endpoint, since: null, budget: WIDE }, { checkpoints, sink });
    expect(idle).toMatchObject({ fetched: 0, complete: true, checkpoint: { lastUid: 5 } });
    expect(subjectsOf(sink.items)).toEqual([1, 2, 3, 4, 5].map((n) => `fresh #${n}`));
  });

  it('catches up over several small-budget runs without gaps or duplicates', async () => {
    const endpoint = dovecot.endpoint('catchup');
    await appendMessages(endpoint, 'INBOX', 1, 25, 'catchup');
    const sink = memorySink();
    const runs: Array<{ fetched: number; complete: boolean }> = [];

    for (let run = 0; run < 10; run += 1) {
      const result = await syncImapAccount(
        { accountId: 'acc-catchup', mailboxId: 'support', endpoint, since: null, budget: { maxMessages: 7, maxMillis: 60_000 } },
        { checkpoints, sink },
      );
      runs.push({ fetched: result.fetched, complete: result.complete });
      if (result.complete) break;
    }

    expect(runs).toEqual([
      { fetched: 7, complete: false }, { fetched: 7, complete: false }, { fetched: 7, complete: false }, { fetched: 4, complete: true },
    ]);
    expect(uidsOf(sink.items)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(new Set(subjectsOf(sink.items)).size).toBe(25);
  });

  it('stops when the time budget is spent and continues on the next run', async () => {
    const endpoint = dovecot.endpoint('timebudget');
    await appendMessages(endpoint, 'INBOX', 1, 6, 'time');
    const sink = memorySink();
    // Each message handed over costs one virtual second; the budget allows about three.
    let clock = 0;
    const slowSink: RawMailSink = { async put(input) { clock += 1000; await sink.put(input); } };

    const first = await syncImapAccount(
      { accountId: 'acc-time', mailboxId: 'support', endpoint, since: null, budget: { maxMessages: 100, maxMillis: 3000 } },
      { checkpoints, sink: slowSink, now: () => clock },
    );
    expect(first).toMatchObject({ fetched: 3, complete: false, checkpoint: { lastUid: 3 } });

    const second = await syncImapAccount(
      { accountId: 'acc-time', mailboxId: 'support', endpoint, since: null, budget: { maxMessages: 100, maxMillis: 60_000 } },
      { checkpoints, sink: slowSink, now: () => clock },
    );
    expect(second).toMatchObject({ fetched: 3, complete: true, checkpoint: { lastUid: 6 } });
    expect(uidsOf(sink.items)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('starts a first run at `since` (internal date), then follows new mail', async () => {
    const endpoint = dovecot.endpoint('since');
    await appendMessages(endpoint, 'INBOX', 1, 3, 'old', new Date('2020-03-01T10:00:00Z'));
    await appendMessages(endpoint, 'INBOX', 4, 2, 'recent', new Date('2026-11-20T10:00:00Z'));
    // Dovecot answers `SEARCH RETURN (MIN)`: the starting point comes without listing every UID.
    expect(await withImap(endpoint, async (client) => client.capabilities.has('ESEARCH'))).toBe(true);
    const sink = memorySink();

    const first = await syncImapAccount(
      { accountId: 'acc-since', mailboxId: 'support', endpoint, since: new Date('2026-01-01T00:00:00Z'), budget: WIDE },
      { checkpoints, sink },
    );
    expect(first).toMatchObject({ fetched: 2, complete: true, checkpoint: { lastUid: 5 } });
    expect(subjectsOf(sink.items)).toEqual(['recent #4', 'recent #5']);

    // Nothing since the date yet on an empty-handed first run: the checkpoint still moves to the end.
    const none = await syncImapAccount(
      { accountId: 'acc-since-none', mailboxId: 'support', endpoint, since: new Date('2030-01-01T00:00:00Z'), budget: WIDE },
      { checkpoints, sink: memorySink() },
    );
    expect(none).toMatchObject({ fetched: 0, complete: true, checkpoint: { lastUid: 5 } });
    await appendMessages(endpoint, 'INBOX', 6, 1, 'new');
    const next = memorySink();
    await syncImapAccount({ accountId: 'acc-since-none', mailboxId: 'support', endpoint, since: new Date('2030-01-01T00:00:00Z'), budget: WIDE }, { checkpoints, sink: next });
    expect(subjectsOf(next.items)).toEqual(['new #6']);
  });

  it('finds the `since` starting point on a server without ESEARCH too', async () => {
    const plain = await startDovecot({
      users: [{ username: 'old', password: 'pw-old' }],
      // The capabilities of a server from before RFC 4731.
      extraConfig: 'imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UIDPLUS\n',
    });
    try {
      const endpoint = plain.endpoint('old');
      await appendMessages(endpoint, 'INBOX', 1, 2, 'old', new Date('2020-03-01T10:00:00Z'));
      await appendMessages(endpoint, 'INBOX', 3, 2, 'recent', new Date('2026-11-20T10:00:00Z'));
      expect(await withImap(endpoint, async (client) => client.capabilities.has('ESEARCH'))).toBe(false);
      const sink = memorySink();

      const result = await syncImapAccount(
        { accountId: 'acc-no-esearch', mailboxId: 'support', endpoint, since: new Date('2026-01-01T00:00:00Z'), budget: WIDE },
        { checkpoints, sink },
      );

      expect(result).toMatchObject({ fetched: 2, complete: true, checkpoint: { lastUid: 4 } });
      expect(subjectsOf(sink.items)).toEqual(['recent #3', 'recent #4']);
    } finally {
      await plain.stop();
    }
  });

  it('starts the folder over under the new UIDVALIDITY when the folder is recreated', async () => {
    const endpoint = dovecot.endpoint('validity');
    await withImap(endpoint, (client) => client.mailboxCreate('Projects'));
    await appendMessages(endpoint, 'Projects', 1, 3, 'before');
    const sink = memorySink();
    const input = { accountId: 'acc-validity', mailboxId: 'support', endpoint, folder: 'Projects', since: null, budget: WIDE };

    const first = await syncImapAccount(input, { checkpoints, sink });
    expect(first).toMatchObject({ fetched: 3, uidValidityChanged: false });

    await withImap(endpoint, async (client) => {
      await client.mailboxDelete('Projects');
      await client.mailboxCreate('Projects');
    });
    await appendMessages(endpoint, 'Projects', 1, 2, 'after');
    const second = await syncImapAccount(input, { checkpoints, sink });

    expect(second).toMatchObject({ fetched: 2, complete: true, uidValidityChanged: true, checkpoint: { lastUid: 2 } });
    expect(second.checkpoint!.uidValidity).not.toBe(first.checkpoint!.uidValidity);
    expect(sink.items.slice(3).map((i) => i.key)).toEqual([1, 2].map((uid) => imapRawKey('acc-validity', second.checkpoint!.uidValidity, uid)));
    expect(subjectsOf(sink.items)).toEqual(['before #1', 'before #2', 'before #3', 'after #1', 'after #2']);

    const third = await syncImapAccount(input, { checkpoints, sink });
    expect(third).toMatchObject({ fetched: 0, uidValidityChanged: false });
  });

  it('leaves \\Seen unset and the folder untouched without markSeen', async () => {
    const endpoint = dovecot.endpoint('seen');
    await appendMessages(endpoint, 'INBOX', 1, 3, 'seen');
    await syncImapAccount({ accountId: 'acc-seen', mailboxId: 'support', endpoint, since: null, budget: WIDE }, { checkpoints, sink: memorySink() });

    const state = await withImap(endpoint, async (client) => {
      const mailbox = await client.mailboxOpen('INBOX', { readOnly: true });
      const flags = (await client.fetchAll('1:*', { uid: true, flags: true }, { uid: true })).map((m) => [...(m.flags ?? [])]);
      return { exists: mailbox.exists, flags };
    });
    expect(state.exists).toBe(3);
    // \Recent survives too: the folder was only EXAMINEd (read-only), never SELECTed.
    expect(state.flags).toEqual([['\\Recent'], ['\\Recent'], ['\\Recent']]);
  });

  it('sets \\Seen on fetched messages with markSeen', async () => {
    const endpoint = dovecot.endpoint('markseen');
    await appendMessages(endpoint, 'INBOX', 1, 3, 'mark');
    await syncImapAccount(
      { accountId: 'acc-markseen', mailboxId: 'support', endpoint, since: null, budget: { maxMessages: 2, maxMillis: 60_000 }, markSeen: true },
      { checkpoints, sink: memorySink() },
    );

    const flags = await withImap(endpoint, async (client) => {
      await client.mailboxOpen('INBOX', { readOnly: true });
      return (await client.fetchAll('1:*', { uid: true, flags: true }, { uid: true })).map((m) => m.flags?.has('\\Seen') ?? false);
    });
    expect(flags).toEqual([true, true, false]);
  });

  it('skips expunged UIDs without gaps or errors', async () => {
    const endpoint = dovecot.endpoint('gaps');
    await appendMessages(endpoint, 'INBOX', 1, 12, 'gap');
    await withImap(endpoint, async (client) => {
      await client.mailboxOpen('INBOX');
      await client.messageDelete('3:9', { uid: true });
    });
    const sink = memorySink();
    const budget = { maxMessages: 2, maxMillis: 60_000 };
    const results = [];
    for (let run = 0; run < 6; run += 1) {
      const result = await syncImapAccount({ accountId: 'acc-gaps', mailboxId: 'support', endpoint, since: null, budget }, { checkpoints, sink });
      results.push(result.fetched);
      if (result.complete) break;
    }
    expect(uidsOf(sink.items)).toEqual([1, 2, 10, 11, 12]);
    expect(results.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('resumes after a sink failure mid-run at the message that failed', async () => {
    const endpoint = dovecot.endpoint('crash');
    await appendMessages(endpoint, 'INBOX', 1, 8, 'crash');
    const objects = new Map<string, Buffer>();
    const puts: string[] = [];
    const failing: RawMailSink = {
      async put({ key, raw }) {
        if (puts.length === 5) throw new Error('S3 is unavailable');
        puts.push(key);
        objects.set(key, raw);
      },
    };
    const input = { accountId: 'acc-crash', mailboxId: 'support', endpoint, since: null, budget: WIDE };

    const error = await syncImapAccount(input, { checkpoints, sink: failing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('S3 is unavailable');
    expect(error).not.toBeInstanceOf(ImapSyncError);

    const sink = memorySink();
    const resumed = await syncImapAccount(input, { checkpoints, sink });
    for (const item of sink.items) objects.set(item.key, item.raw);

    expect(resumed).toMatchObject({ complete: true, checkpoint: { lastUid: 8 } });
    // Everything the failed run handed over is either behind the checkpoint or handed over again under the same key.
    const validity = resumed.checkpoint!.uidValidity;
    expect([...objects.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((uid) => imapRawKey('acc-crash', validity, uid)).sort());
    // The failed run recorded the five messages it handed over: the next one starts at the sixth.
    expect(uidsOf(sink.items)).toEqual([6, 7, 8]);
  });

  it('after a crash where nothing more could be saved, hands over again at most CHECKPOINT_EVERY messages, under the same keys', async () => {
    const endpoint = dovecot.endpoint('hardcrash');
    await appendMessages(endpoint, 'INBOX', 1, 50, 'hard');
    const input = { accountId: 'acc-hardcrash', mailboxId: 'support', endpoint, since: null, budget: WIDE };
    const firstKeys: string[] = [];
    let dead = false;
    const dying: RawMailSink = {
      async put({ key }) {
        if (firstKeys.length === 44) { dead = true; throw new Error('process killed'); }
        firstKeys.push(key);
      },
    };
    const deadStore: CheckpointStore = {
      get: (accountId) => checkpoints.get(accountId),
      async put(accountId, next, previous) {
        if (dead) throw new Error('process killed');
        await checkpoints.put(accountId, next, previous);
      },
    };
    await expect(syncImapAccount(input, { checkpoints: deadStore, sink: dying })).rejects.toThrow('process killed');
    expect((await checkpoints.get('acc-hardcrash'))?.lastUid).toBe(2 * CHECKPOINT_EVERY);

    const sink = memorySink();
    const resumed = await syncImapAccount(input, { checkpoints, sink });

    expect(resumed).toMatchObject({ fetched: 50 - 2 * CHECKPOINT_EVERY, complete: true, checkpoint: { lastUid: 50 } });
    const again = sink.items.map((i) => i.key).filter((key) => firstKeys.includes(key));
    expect(again).toEqual(firstKeys.slice(2 * CHECKPOINT_EVERY));
    expect(new Set([...firstKeys, ...sink.items.map((i) => i.key)]).size).toBe(50);
  });

  it('refuses to move a checkpoint that another run moved first', async () => {
    const endpoint = dovecot.endpoint('race');
    await appendMessages(endpoint, 'INBOX', 1, 2, 'race');
    const racing: CheckpointStore = {
      get: (accountId) => checkpoints.get(accountId),
      async put(accountId: string, next: ImapCheckpoint, previous: ImapCheckpoint | null) {
        // Another run stores its first checkpoint just before this one writes.
        if (previous === null) await checkpoints.put(accountId, { ...next, syncedAt: '2026-11-22T00:00:00.000Z' }, null);
        await checkpoints.put(accountId, next, previous);
      },
    };
    const sink = memorySink();
    const error = await syncImapAccount({ accountId: 'acc-race', mailboxId: 'support', endpoint, since: null, budget: WIDE }, { checkpoints: racing, sink })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointConflictError);
    expect(sink.items).toHaveLength(0);
  });
});

describe('testImap', () => {
  it('passes connect, login and select for good settings', async () => {
    const steps = await testImap(dovecot.endpoint('steps'));
    expect(steps.map((s) => [s.step, s.ok])).toEqual([['imap-connect', true], ['imap-login', true], ['imap-select', true]]);
    expect(steps[2]!.message).toMatch(/^Opened INBOX: \d+ messages?\.$/);
  });

  it('reports a missing folder at the select step', async () => {
    const steps = await testImap(dovecot.endpoint('steps'), { folder: 'Nowhere' });
    expect(steps.map((s) => [s.step, s.ok])).toEqual([['imap-connect', true], ['imap-login', true], ['imap-select', false]]);
    expect(steps[2]!.message).toBe('The folder "Nowhere" does not exist on this account.');
  });

  it('reports a wrong port as a refused connection', async () => {
    const steps = await testImap({ ...dovecot.endpoint('steps'), port: 1 });
    expect(steps).toEqual([expect.objectContaining({ step: 'imap-connect', ok: false })]);
    expect(steps[0]!.message).toBe('Nothing accepted the connection at 127.0.0.1:1: the server name or the port is wrong, or a firewall blocks it.');
    expect(steps[0]!.hint).toMatch(/993 with TLS or 143 with STARTTLS/);
  });

  it('reports a server that never greets as a timeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => { sockets.add(socket); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (silent.address() as AddressInfo).port;
      const steps = await testImap({ ...dovecot.endpoint('steps'), port }, { timeoutMs: 300 });
      expect(steps).toEqual([expect.objectContaining({ step: 'imap-connect', ok: false })]);
      expect(steps[0]!.message).toBe(`The server at 127.0.0.1:${port} did not answer in time.`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('reports TLS spoken to a clear-text port as a TLS failure', async () => {
    const steps = await testImap({ ...dovecot.endpoint('steps'), security: 'tls' }, { timeoutMs: 3000 });
    expect(steps).toEqual([expect.objectContaining({ step: 'imap-connect', ok: false })]);
    expect(steps[0]!.message).toMatch(/secure \(TLS\) connection/);
  });

  it('reports a required STARTTLS the server does not offer as a TLS failure', async () => {
    const steps = await testImap({ ...dovecot.endpoint('steps'), security: 'starttls' }, { timeoutMs: 3000 });
    expect(steps).toEqual([expect.objectContaining({ step: 'imap-connect', ok: false })]);
    expect(steps[0]!.message).toMatch(/secure \(TLS\) connection/);
  });
});

// Dovecot makes the next login from an address wait after a refused one (auth penalty, up to
// 15 s): refused logins run last so no other test pays for them.
describe('refused logins', () => {
  it('reports a refused login in plain words, without touching the checkpoint', async () => {
    const endpoint = { ...dovecot.endpoint('login'), password: 'wrong' };
    const error = await syncImapAccount(
      { accountId: 'acc-login', mailboxId: 'support', endpoint, since: null, budget: WIDE },
      { checkpoints, sink: memorySink() },
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ImapSyncError);
    expect((error as ImapSyncError).code).toBe('authenticationFailed');
    expect((error as ImapSyncError).message).toBe(`The server at 127.0.0.1:${dovecot.port} refused the username or password.`);
    expect((error as ImapSyncError).serverMessage).toMatch(/Authentication failed/i);
    expect(await checkpoints.get('acc-login')).toBeNull();
  });

  it('says the password was refused, after a successful connect', async () => {
    const steps = await testImap({ ...dovecot.endpoint('steps'), password: 'nope' });
    expect(steps.map((s) => [s.step, s.ok])).toEqual([['imap-connect', true], ['imap-login', false]]);
    expect(steps[1]!.message).toBe(`The server at 127.0.0.1:${dovecot.port} refused the username or password.`);
    expect(steps[1]!.serverMessage).toMatch(/AUTHENTICATIONFAILED|Authentication failed/i);
  });
});
