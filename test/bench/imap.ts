/**
 * npm run bench:imap [-- --count 10000 --run-messages 2500 --run-ms 60000 --sink dir|null]
 *
 * Fills a Dovecot INBOX (test/support/dovecot.ts) with `--count` small messages, written straight
 * into its Maildir and indexed by Dovecot before timing starts (a real mailbox is indexed already),
 * then syncs it with `syncImapAccount` in bounded runs (`--run-messages`, `--run-ms`) until caught
 * up, the way the scheduled handler does. The sink writes each message to a temp dir as S3 would
 * store it (`--sink null` only counts bytes); checkpoints go to an in-memory store with the same
 * conditional semantics as the DynamoDB one.
 *
 * Prints per run and overall: messages/s, IMAP commands per message (counted on the wire by a
 * loopback proxy: each client line is one command, i.e. one round trip), checkpoint writes per
 * message, peak RSS after the first 1,000 messages and at the end, and checks that every UID
 * 1..count and every Message-ID arrived exactly once.
 */
import { randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { syncImapAccount, type CheckpointStore, type RawMailSink, CheckpointConflictError } from '../../shared/connectors/imap-sync.js';
import { testImap } from '../../shared/connectors/test-connection.js';
import type { ImapCheckpoint, ServerEndpoint } from '../../shared/connectors/types.js';
import { MAIL_GID, MAIL_UID, startDovecot } from '../support/dovecot.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    'run-messages': { type: 'string', default: '2500' },
    'run-ms': { type: 'string', default: '60000' },
    sink: { type: 'string', default: 'dir' },
  },
});
const count = Math.max(1, Number(args.count));
const budget = { maxMessages: Math.max(1, Number(args['run-messages'])), maxMillis: Math.max(100, Number(args['run-ms'])) };
const MB = 1024 * 1024;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

function smallMessage(n: number): string {
  const body = `Bonjour,\r\n\r\nMessage de test numéro ${n}, ${randomBytes(24).toString('hex')}.\r\n\r\nCordialement,\r\nClient ${n}\r\n`;
  return [
    `From: Client ${n} <client${n}@example.net>`,
    'To: support@acme.test',
    `Subject: Demande ${n}`,
    `Message-ID: <bench-${n}@example.net>`,
    `Date: ${new Date(Date.UTC(2026, 10, 1) + n * 1000).toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    body,
  ].join('\r\n');
}

/** Writes messages into a Maildir's `cur/`, its directories owned by the user Dovecot serves mail as. */
async function fillMaildir(root: string, total: number): Promise<number> {
  for (const sub of ['', 'cur', 'new', 'tmp']) {
    await mkdir(join(root, sub), { recursive: true });
    await chown(join(root, sub), MAIL_UID, MAIL_GID);
  }
  let bytes = 0;
  const stamp = Math.floor(Date.now() / 1000);
  for (let start = 1; start <= total; start += 200) {
    await Promise.all(Array.from({ length: Math.min(200, total - start + 1) }, async (_, i) => {
      const n = start + i;
      const content = smallMessage(n);
      bytes += Buffer.byteLength(content);
      // Names sort in delivery order, so Dovecot gives UID n to message n.
      const file = join(root, 'cur', `${stamp}.M${String(n).padStart(8, '0')}P1.bench,S=${Buffer.byteLength(content)}:2,`);
      // World-readable is enough: the sync opens the folder read-only and never renames a file.
      await writeFile(file, content, { mode: 0o644 });
    }));
  }
  return bytes;
}

/** A loopback TCP proxy in front of Dovecot that counts the lines the client sends. */
async function countingProxy(target: { host: string; port: number }): Promise<{ port: number; lines: () => number; close: () => Promise<void> }> {
  let lines = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client); sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 0x0a) lines += 1;
    });
    client.pipe(upstream).pipe(client);
    const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    lines: () => lines,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

class MemoryCheckpoints implements CheckpointStore {
  private readonly items = new Map<string, ImapCheckpoint>();
  writes = 0;
  async get(accountId: string) { return this.items.get(accountId) ?? null; }
  async put(accountId: string, next: ImapCheckpoint, previous: ImapCheckpoint | null) {
    const current = this.items.get(accountId) ?? null;
    if (JSON.stringify(current) !== JSON.stringify(previous)) throw new CheckpointConflictError(accountId, current);
    this.items.set(accountId, next);
    this.writes += 1;
  }
}

const dovecot = await startDovecot({ users: [{ username: 'bench', password: 'bench-pass' }] });
const outDir = await mkdtemp(join(tmpdir(), 'mailroom-imap-bench-'));
let exitCode = 0;
try {
  const fillStart = performance.now();
  const bytes = await fillMaildir(dovecot.maildir('bench'), count);
  const fillMs = performance.now() - fillStart;
  const indexStart = performance.now();
  const steps = await testImap(dovecot.endpoint('bench'), { timeoutMs: 120_000 });
  if (!steps.every((s) => s.ok)) throw new Error(`Dovecot refused the bench mailbox: ${JSON.stringify(steps)}`);
  const indexMs = performance.now() - indexStart;
  console.log(`mailbox: ${count} messages, ${fmt(bytes / count, 0)} B average, written in ${fmt(fillMs / 1000, 2)} s, indexed by Dovecot in ${fmt(indexMs / 1000, 2)} s (${steps[2]!.message})`);

  const proxy = await countingProxy({ host: dovecot.host, port: dovecot.port });
  const endpoint: ServerEndpoint = { ...dovecot.endpoint('bench'), port: proxy.port };
  const checkpoints = new MemoryCheckpoints();

  const seenUids = new Map<number, number>();
  const seenIds = new Map<string, number>();
  let received = 0;
  let sinkBytes = 0;
  const sink: RawMailSink = {
    async put({ key, raw }) {
      const uid = Number(/\/(\d+)\.eml$/.exec(key)?.[1]);
      const messageId = /^Message-ID:\s*(\S+)/im.exec(raw.subarray(0, 2048).toString('latin1'))?.[1] ?? '?';
      seenUids.set(uid, (seenUids.get(uid) ?? 0) + 1);
      seenIds.set(messageId, (seenIds.get(messageId) ?? 0) + 1);
      sinkBytes += raw.length;
      if (args.sink === 'dir') await writeFile(join(outDir, `${uid}.eml`), raw);
      received += 1;
    },
  };

  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let peakAt1k = 0;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
    if (received <= 1000) peakAt1k = peak;
  }, 10);

  console.log(`sync: budget per run ${budget.maxMessages} messages / ${budget.maxMillis} ms, sink ${args.sink}`);
  const syncStart = performance.now();
  let runs = 0;
  for (;;) {
    runs += 1;
    const linesBefore = proxy.lines();
    const writesBefore = checkpoints.writes;
    const runStart = performance.now();
    const result = await syncImapAccount(
      { accountId: 'acc-bench', mailboxId: 'support', endpoint, since: null, budget },
      { checkpoints, sink },
    );
    const runMs = performance.now() - runStart;
    console.log(`  run ${runs}: ${result.fetched} messages in ${fmt(runMs, 0)} ms (${fmt(result.fetched / (runMs / 1000), 0)}/s), `
      + `${proxy.lines() - linesBefore} IMAP commands, ${checkpoints.writes - writesBefore} checkpoint writes, `
      + `last UID ${result.checkpoint?.lastUid}, complete=${result.complete}`);
    if (result.complete || runs > 1000) break;
  }
  const syncMs = performance.now() - syncStart;
  clearInterval(sampler);
  const final = process.memoryUsage().rss;
  if (final > peak) peak = final;

  const duplicates = [...seenUids.values()].filter((n) => n > 1).length + [...seenIds.values()].filter((n) => n > 1).length;
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((uid) => !seenUids.has(uid)).length;
  const idsMissing = Array.from({ length: count }, (_, i) => `<bench-${i + 1}@example.net>`).filter((id) => !seenIds.has(id)).length;
  const growth = (peak - peakAt1k) / MB;
  const flat = growth < 32;

  console.log('');
  console.log(`messages fetched:         ${received} in ${runs} runs, ${fmt(sinkBytes / MB, 1)} MB`);
  console.log(`throughput:               ${fmt(received / (syncMs / 1000), 0)} messages/s (${fmt(syncMs / 1000, 2)} s, connect and login included)`);
  console.log(`IMAP commands per message: ${fmt(proxy.lines() / Math.max(1, received), 3)} (${proxy.lines()} in total)`);
  console.log(`checkpoint writes per message: ${fmt(checkpoints.writes / Math.max(1, received), 3)}`);
  console.log(`RSS: baseline ${fmt(baseline / MB)} MB, peak after 1k ${fmt(peakAt1k / MB)} MB, peak at ${received} ${fmt(peak / MB)} MB -> ${flat ? 'flat' : 'GROWING'} (+${fmt(growth)} MB)`);
  console.log(`gaps: ${missing} UIDs and ${idsMissing} Message-IDs missing; duplicates: ${duplicates}`);
  await proxy.close();
  if (missing > 0 || idsMissing > 0 || duplicates > 0 || received !== count) exitCode = 1;
} finally {
  await dovecot.stop();
  await rm(outDir, { recursive: true, force: true });
}
process.exit(exitCode);
