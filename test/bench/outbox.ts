/**
 * npm run bench:outbox [-- --count 1000 --flaky 0.1 --duplicates 2]
 *
 * Queues `--count` messages through the outbox's use cases against the local stack's DynamoDB
 * (dynalite, in a child process so this process's CPU time is the use cases' own) and a fake
 * connector (no network: the provider call costs nothing, so the figures are Mailroom's own),
 * with in-memory queue, scheduler, blobs and bus, then runs the sender over every trigger, each
 * delivered `--duplicates` times at once as a redelivering SQS would. A share `--flaky` of first
 * attempts fails transiently; their retries are fired by an in-memory scheduler once planned.
 * Prints: compose latency p50/p95/p99, sender throughput (messages/s) and CPU per message,
 * DynamoDB requests and write units per message (compose and sender), retry planning accuracy,
 * and the never-twice check (provider acceptances == messages).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { getDocumentClient } from '../../shared/adapters/aws.js';
import { DynamoMeter, Table } from '../../shared/adapters/dynamodb-table.js';
import { MailStore } from '../../shared/inbound/mail-store.js';
import { Directory } from '../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../shared/org/seed.js';
import { composeMessage, type ComposeDeps } from '../../shared/outbox/compose.js';
import { TransientSendError, type Envelope, type MailConnector } from '../../shared/outbox/connector.js';
import { OutboxStore } from '../../shared/outbox/outbox-store.js';
import type { OutboxQueue } from '../../shared/outbox/queue.js';
import type { RetryScheduler } from '../../shared/outbox/retry-scheduler.js';
import { processSendTrigger, type SenderDeps } from '../../shared/outbox/send.js';
import type { SendTrigger } from '../../shared/outbox/trigger.js';
import { systemClock } from '../../shared/ports/index.js';
import { MemoryBlobStore, MemoryEvents } from '../helpers/fakes.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '1000' }, flaky: { type: 'string', default: '0.1' }, duplicates: { type: 'string', default: '2' }, concurrency: { type: 'string', default: '10' } } });
const count = Math.max(1, Number(args.count));
const flakyShare = Math.min(1, Math.max(0, Number(args.flaky)));
const duplicates = Math.max(1, Number(args.duplicates));
const concurrency = Math.max(1, Number(args.concurrency));

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;
const fmt = (n: number, digits = 2) => n.toFixed(digits);

class ArrayQueue implements OutboxQueue {
  readonly triggers: SendTrigger[] = [];
  async enqueue(trigger: SendTrigger): Promise<void> {
    this.triggers.push(trigger);
  }
}

/** Fires each planned retry at its time (once per name, as a named schedule), recording how late it fired. */
class PlannedScheduler implements RetryScheduler {
  readonly names = new Set<string>();
  readonly lateness: number[] = [];
  readonly firing: Promise<void>[] = [];
  fire: (trigger: SendTrigger) => Promise<void> = async () => undefined;
  async schedule(name: string, at: Date, trigger: SendTrigger): Promise<void> {
    if (this.names.has(name)) return;
    this.names.add(name);
    this.firing.push(new Promise((resolve) => setTimeout(resolve, Math.max(0, at.getTime() - Date.now()))).then(async () => {
      this.lateness.push(Date.now() - at.getTime());
      await this.fire(trigger);
    }));
  }
  async cancel(name: string): Promise<void> {
    this.names.delete(name);
  }
}

/** Accepts everything except the first attempt of the flaky share; counts acceptances per Message-ID. */
class FakeConnector implements MailConnector {
  readonly kind = 'ses';
  readonly accepted = new Map<string, number>();
  readonly failedOnce = new Set<string>();
  calls = 0;
  constructor(private readonly flaky: (messageId: string) => boolean) {}
  async send(raw: Buffer, _envelope: Envelope) {
    this.calls += 1;
    const messageId = /^Message-ID: (.+)$/im.exec(raw.subarray(0, 4096).toString('utf8'))?.[1]?.trim() ?? '?';
    if (this.flaky(messageId) && !this.failedOnce.has(messageId)) {
      this.failedOnce.add(messageId);
      throw new TransientSendError('Throttling: Maximum sending rate exceeded.', 'Throttling');
    }
    this.accepted.set(messageId, (this.accepted.get(messageId) ?? 0) + 1);
    return { providerMessageId: `fake-${this.calls}` };
  }
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i]!);
  }));
}

/** The local stack in a child process (as bench:inbound): its environment points the SDK at its emulators. */
async function startChildStack(): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'stack-child.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`local stack exited with ${code}`)));
  });
  const { env } = JSON.parse(line) as { env: Record<string, string> };
  return { env, stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.stdin!.end(); }) };
}

async function main(): Promise<void> {
  const child = await startChildStack();
  Object.assign(process.env, child.env);
  const meter = new DynamoMeter();
  const db = { table: new Table(getDocumentClient(), child.env.MAILROOM_TABLE!, meter), meter };
  try {
    await new Directory(db.table).save(modelFromSeed(demoSeed));
    const alex = (await new Directory(db.table).getUser('alex@acme.test'))!;
    const blobs = new MemoryBlobStore();
    const events = new MemoryEvents();
    const queue = new ArrayQueue();
    const scheduler = new PlannedScheduler();
    const outbox = new OutboxStore(db.table);
    const compose: ComposeDeps = {
      table: db.table, outbox, mail: new MailStore(db.table, blobs), blobs, queue, scheduler, events, clock: systemClock,
      defaults: { undoSeconds: 0, maxAttempts: 5, connector: 'ses' },
    };
    // Deterministic flaky share, by a hash of the Message-ID.
    const flaky = (messageId: string) => (Array.from(messageId).reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 1000) / 1000 < flakyShare;
    const connector = new FakeConnector(flaky);
    const sender: SenderDeps = {
      table: db.table, outbox, blobs, connector, scheduler, events, clock: systemClock,
      policy: { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 2_000, minDelayMs: 1_000 }, random: Math.random, leaseMs: 60_000,
    };

    // Compose.
    db.meter.reset();
    const latencies: number[] = [];
    const composeStart = performance.now();
    await pool(Array.from({ length: count }, (_, i) => i), concurrency, async (i) => {
      const started = performance.now();
      await composeMessage({
        caller: alex, target: { kind: 'new', mailboxId: 'support' }, to: [{ address: `client${i}@example.test`, name: '' }],
        subject: `Bench ${i}`, text: `Bonjour ${i}`, importance: 'normal', requestReadReceipt: false,
      }, compose);
      latencies.push(performance.now() - started);
    });
    const composeMs = performance.now() - composeStart;
    const composeDb = { requests: db.meter.requests, writeUnits: db.meter.writeUnits + db.meter.pending, indexWriteUnits: db.meter.indexWriteUnits };

    // Send: every trigger delivered `duplicates` times at once; retries fired once planned.
    db.meter.reset();
    const outcomes = new Map<string, number>();
    const deliver = async (trigger: SendTrigger) => {
      const results = await Promise.all(Array.from({ length: duplicates }, () => processSendTrigger(trigger, sender)));
      for (const r of results) outcomes.set(r.kind, (outcomes.get(r.kind) ?? 0) + 1);
    };
    scheduler.fire = deliver;
    const sendStart = performance.now();
    const cpuStart = process.cpuUsage();
    await pool(queue.triggers.splice(0), concurrency, deliver);
    for (let settled = 0; settled < scheduler.firing.length;) {
      const batch = scheduler.firing.slice(settled);
      await Promise.all(batch);
      settled += batch.length;
    }
    const accuracy = scheduler.lateness;
    const cpu = process.cpuUsage(cpuStart);
    const sendMs = performance.now() - sendStart;
    const sendDb = { requests: db.meter.requests, writeUnits: db.meter.writeUnits + db.meter.pending, indexWriteUnits: db.meter.indexWriteUnits };

    const acceptances = [...connector.accepted.values()].reduce((a, b) => a + b, 0);
    const duplicatesSent = [...connector.accepted.values()].filter((n) => n > 1).length;
    console.log(`outbox bench: ${count} messages, ${fmt(flakyShare * 100, 0)}% transient first attempts, each trigger delivered ${duplicates}x, concurrency ${concurrency}`);
    console.log(`compose: ${fmt(count / (composeMs / 1000), 1)} msg/s; latency p50 ${fmt(percentile(latencies, 50))} ms, p95 ${fmt(percentile(latencies, 95))} ms, p99 ${fmt(percentile(latencies, 99))} ms`);
    console.log(`compose DynamoDB per message: ${fmt(composeDb.requests / count)} requests, ${fmt(composeDb.writeUnits / count)} WCU (base table) + ~${fmt(composeDb.indexWriteUnits / count)} index WCU`);
    console.log(`sender: ${fmt(count / (sendMs / 1000), 1)} msg/s wall (${fmt(sendMs / 1000, 1)} s, retry delays included), CPU ${fmt((cpu.user + cpu.system) / 1000 / count)} ms per message (sender, SDK and fakes; DynamoDB in the child)`);
    console.log(`sender DynamoDB per message: ${fmt(sendDb.requests / count)} requests, ${fmt(sendDb.writeUnits / count)} WCU (duplicates and retries included)`);
    console.log(`provider calls: ${connector.calls} (${connector.failedOnce.size} transient failures), acceptances ${acceptances} for ${count} messages, messages sent twice: ${duplicatesSent}`);
    console.log(`retry firing vs plan: ${accuracy.length} retries, lateness p50 ${fmt(percentile(accuracy, 50), 0)} ms, max ${fmt(Math.max(0, ...accuracy), 0)} ms`);
    console.log(`trigger outcomes: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    if (acceptances !== count || duplicatesSent > 0) {
      console.error('NEVER-TWICE VIOLATED or messages missing');
      process.exitCode = 1;
    }
  } finally {
    await child.stop();
  }
}

await main();
