/**
 * npm run bench:outbox [-- --count 80 --backlog 120 --flaky 0.1 --duplicates 2 --concurrency 1 --rate 0 --containers 2 --warmup 250]
 *
 * Sends mail through the whole outbox on the embedded local stack: `POST
 * /api/mailboxes/support/outbox` through the HTTP gateway and the compose function, the trigger on
 * the outbox queue (fauxqs), the stack's SQS poller invoking the sender, SES v2
 * (aws-ses-v2-local), and retries through EventBridge Scheduler (the local stand-in) back onto the
 * queue. The sender runs in `--containers` processes of its own (outbox-sender-child.ts), one
 * invocation at a time each as Lambda runs them, so their CPU time is the sender's alone; the
 * stack's poller forwards invocations to them. They run the sender bundled as deployed (esbuild,
 * minified, `--enable-source-maps`), or the TypeScript through tsx with `--source`.
 *
 * - A share `--flaky` of messages fails transiently on its first attempt (injected in the sender
 *   containers' connector, around the production one; nothing in `functions/` or `shared/` knows).
 * - Each trigger is delivered `--duplicates` times: the benchmark puts copies of the compose
 *   trigger on the queue, as an at-least-once queue may.
 * - Warm-up: `--warmup` messages per container, composed 4 at a time and sent, not counted. V8
 *   optimises the SDK's request path only after a few thousand calls, compiling on background
 *   threads whose time counts in the process's CPU: in a container's first thousand calls an SDK
 *   call costs about twice what it does later. 250 messages (about 2,000 SDK calls) per container
 *   measure an environment that has been serving for a while, as Lambda keeps them; `--warmup 4`
 *   measures young ones (cold SDK clients and first connections are always left out).
 * - Steady phase: `--count` messages composed `--concurrency` at a time (or at `--rate` per
 *   second), timed from the request to the `Message Sent` event on the bus. Keep the pace below
 *   what the sender drains, or the figure measures a growing queue rather than the path.
 * - Backlog phase: `--backlog` messages queued (4 composed at a time) while the sender is held,
 *   then drained: messages/s through the sender.
 *
 * The emulators, the gateway, the compose function and the functions reacting to events all run
 * in the benchmark's process (one event loop): on a small machine they, not the sender, bound
 * the throughput.
 *
 * Prints compose latency, time to `sent` p50/p99 (first attempts and retried ones apart), sender
 * throughput, sender CPU per message without the provider call, retry firing against the plan,
 * AWS requests per message by function and service (counted by a middleware on the SDK clients),
 * and the never-twice check: acceptances per Message-ID at the connector, emails per subject in
 * the SES emulator.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createComposeHandler } from '../../functions/compose/handler.js';
import { buildBundle } from '../../infra/constructs/bundling.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import type { ApiHandler } from '../../infra/local/http-gateway.js';
import type { SqsHandler } from '../../infra/local/sqs-poller.js';
import { outboxRouteDepsFromEnv } from '../../shared/api/deps-outbox.js';
import type { RoutedHandler } from '../../shared/api/router.js';
import { EVENTS } from '../../shared/events/contracts.js';
import type { ContainerReport, FromContainer, ToContainer } from './outbox-sender-child.js';
import { mergeCounts, operations, RequestCounter, total, type RequestCounts } from './sdk-requests.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '80' },
    backlog: { type: 'string', default: '120' },
    flaky: { type: 'string', default: '0.1' },
    duplicates: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '1' },
    rate: { type: 'string', default: '0' },
    containers: { type: 'string', default: '2' },
    'timeout-s': { type: 'string', default: '150' },
    warmup: { type: 'string', default: '250' },
    source: { type: 'boolean', default: false },
  },
});
const count = Math.max(1, Number(args.count));
const backlog = Math.max(0, Number(args.backlog));
const flakyShare = Math.min(1, Math.max(0, Number(args.flaky)));
const duplicates = Math.max(1, Number(args.duplicates));
const concurrency = Math.max(1, Number(args.concurrency));
const rate = Math.max(0, Number(args.rate));
const containers = Math.max(1, Number(args.containers));
const timeoutMs = Number(args['timeout-s']) * 1000;
const warmup = Math.max(1, Number(args.warmup));
/** As infra/constructs/outbox.ts, with retries in seconds rather than minutes so the run stays short. */
const POLICY = { undoSeconds: 0, maxAttempts: 5, retryBaseMs: 1_000, retryMaxMs: 2_000 };

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sender containers: child processes running the real sender handler, one invocation each at a time. */
class Containers {
  private readonly idle: Container[] = [];
  private readonly waiting: ((container: Container) => void)[] = [];
  readonly all: Container[] = [];
  invocations = 0;
  busyMs = 0;

  async start(n: number, command: string[], env: NodeJS.ProcessEnv): Promise<void> {
    await Promise.all(Array.from({ length: n }, async () => {
      const container = await Container.start(command, env);
      this.all.push(container);
      this.release(container);
    }));
  }

  async invoke(event: SQSEvent): Promise<unknown> {
    const container = this.idle.pop() ?? await new Promise<Container>((resolve) => this.waiting.push(resolve));
    try {
      const { result, wallMs } = await container.invoke(event);
      this.invocations += 1;
      this.busyMs += wallMs;
      return result;
    } finally {
      this.release(container);
    }
  }

  busy(): number {
    return this.all.length - this.idle.length;
  }

  private release(container: Container): void {
    const next = this.waiting.shift();
    if (next) next(container);
    else this.idle.push(container);
  }
}

class Container {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: { result: unknown; wallMs: number }) => void; reject: (error: Error) => void }>();
  private reportWaiter: ((report: ContainerReport) => void) | undefined;
  private calibrationWaiter: ((cpuUsPerCall: number) => void) | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: FromContainer) => {
      if (message.type === 'result') {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error !== undefined) waiter?.reject(new Error(message.error));
        else waiter?.resolve({ result: message.result, wallMs: message.wallMs });
      } else if (message.type === 'report') this.reportWaiter?.(message.report);
      else if (message.type === 'calibrated') this.calibrationWaiter?.(message.cpuUsPerCall);
    });
  }

  static async start(command: string[], env: NodeJS.ProcessEnv): Promise<Container> {
    const child = spawn(process.execPath, command, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env });
    await new Promise<void>((resolve, reject) => {
      child.once('message', (message: FromContainer) => (message.type === 'ready' ? resolve() : reject(new Error(`unexpected ${message.type}`))));
      child.once('exit', (code) => reject(new Error(`sender container exited with ${code}`)));
    });
    return new Container(child);
  }

  invoke(event: SQSEvent): Promise<{ result: unknown; wallMs: number }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ type: 'invoke', id, event } satisfies ToContainer);
    });
  }

  report(reset = false): Promise<ContainerReport> {
    return new Promise((resolve) => {
      this.reportWaiter = resolve;
      this.child.send({ type: 'report', reset } satisfies ToContainer);
    });
  }

  calibrate(calls: number): Promise<number> {
    return new Promise((resolve) => {
      this.calibrationWaiter = resolve;
      this.child.send({ type: 'calibrate', calls } satisfies ToContainer);
    });
  }

  stop(): void {
    this.child.disconnect();
  }
}

async function pool<T>(items: T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i]!, i);
  }));
}

/** The benchmark's own output; the handlers running in this process log to the console too, silenced below. */
const print = console.log.bind(console);

async function main(): Promise<void> {
  console.log = () => undefined;
  console.info = () => undefined;
  const runId = Date.now().toString(36);
  const markers = mkdtempSync(join(tmpdir(), 'mailroom-bench-outbox-'));
  const counter = new RequestCounter();
  const caller = new AsyncLocalStorage<string>();
  const senders = new Containers();
  let sendersReady: () => void = () => undefined;
  const sendersStarted = new Promise<void>((resolve) => (sendersReady = resolve));
  let gate: Promise<void> = Promise.resolve();
  let outboxQueueUrl = '';

  /** Invocation time of each retry trigger (`messageKey#attempt`), first delivery. */
  const retryArrivals = new Map<string, number>();
  let handedBack = 0;
  let records = 0;
  const sender: SqsHandler = async (event) => {
    records += event.Records.length;
    await sendersStarted;
    await gate;
    const now = Date.now();
    for (const record of event.Records) {
      const trigger = JSON.parse(record.body) as { messageKey: string; attempt: number };
      const key = `${trigger.messageKey}#${trigger.attempt}`;
      if (trigger.attempt > 0 && !retryArrivals.has(key)) retryArrivals.set(key, now);
    }
    const result = (await senders.invoke(event)) as SQSBatchResponse | null;
    handedBack += result?.batchItemFailures.length ?? 0;
    return result;
  };

  // The compose function with its production wiring, its clients counted; the rest of the stack's
  // process (indexer, notify, stats, timers reacting to the events) shares some of those clients.
  let routed: RoutedHandler | undefined;
  const compose: ApiHandler = (event) => caller.run('compose', () => {
    if (!routed) {
      const deps = outboxRouteDepsFromEnv();
      counter.instrumentAll(deps, () => caller.getStore() ?? 'other');
      routed = createComposeHandler(deps);
    }
    return routed(event);
  });

  const stack: LocalStack = await startLocalStack({
    inMemory: true, httpPort: 0, smtpPort: 0, quiet: true,
    outbox: POLICY,
    handlers: { sender, compose },
    // The event source mapping's requests on the outbox queue (receive, delete, visibility) and
    // the Scheduler's deliveries of retries to it.
    instrumentClients: ({ sqs }) => counter.instrument(sqs, (input) => (input.QueueUrl === outboxQueueUrl && outboxQueueUrl !== '' ? 'queue' : null)),
  });
  outboxQueueUrl = stack.resources.outbox.queueUrl;
  const sqs = new SQSClient({ endpoint: stack.endpoints.sqs });
  try {
    const entry = join(import.meta.dirname, 'outbox-sender-child.ts');
    let command = ['--import', 'tsx', entry];
    if (!args.source) {
      await buildBundle(entry, join(markers, 'bundle'));
      command = ['--enable-source-maps', join(markers, 'bundle', 'index.mjs')];
    }
    await senders.start(containers, command, { ...process.env, NODE_NO_WARNINGS: '1', MAILROOM_BENCH_FLAKY: String(flakyShare), MAILROOM_BENCH_MARKERS: markers });
    sendersReady();
    const token = await stack.signIn('alex@acme.test');

    const sentAt = new Map<string, number>();
    const failedEvents: string[] = [];
    stack.addRule({ 'detail-type': [EVENTS.messageSent.detailType, EVENTS.messageSendFailed.detailType] }, async (event) => {
      const data = (event.detail as { data: { messageKey: string } }).data;
      if (event['detail-type'] === EVENTS.messageSendFailed.detailType) failedEvents.push(data.messageKey);
      else if (!sentAt.has(data.messageKey)) sentAt.set(data.messageKey, Date.now());
    });

    const requestedAt = new Map<string, number>();
    const subjects = new Set<string>();
    const composeLatency: number[] = [];
    const composeOne = async (i: number): Promise<string> => {
      const subject = `Bench ${runId} #${i}`;
      subjects.add(subject);
      const started = Date.now();
      const t0 = performance.now();
      const response = await fetch(`${stack.httpUrl}/api/mailboxes/support/outbox`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ to: [{ address: `client${i}@example.test`, name: `Client ${i}` }], subject, text: `Bonjour,\n\nvoici la réponse n° ${i}.\n\nCordialement`, undoSeconds: 0 }),
      });
      const body = (await response.json()) as { message?: { messageKey: string } };
      composeLatency.push(performance.now() - t0);
      if (response.status !== 201 || !body.message) throw new Error(`compose answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
      const { messageKey } = body.message;
      requestedAt.set(messageKey, started);
      // What an at-least-once queue may do: the same trigger again.
      for (let d = 1; d < duplicates; d += 1) {
        await sqs.send(new SendMessageCommand({ QueueUrl: outboxQueueUrl, MessageBody: JSON.stringify({ messageKey, attempt: 0 }) }));
      }
      return messageKey;
    };
    const waitSent = async (keys: string[], phase: string): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (keys.some((key) => !sentAt.has(key))) {
        const missing = keys.filter((key) => !sentAt.has(key));
        if (Date.now() > deadline) throw new Error(`${phase}: ${missing.length} message(s) not sent after ${timeoutMs / 1000} s (e.g. ${missing[0]}); failed events: ${failedEvents.length}`);
        await sleep(20);
      }
    };

    // Warm-up, then every counter from zero.
    const warmKeys: string[] = [];
    await pool(Array.from({ length: warmup * containers }, (_, i) => -1 - i), Math.max(4, containers), async (i) => {
      warmKeys.push(await composeOne(i));
    });
    await waitSent(warmKeys, 'warm-up');
    await settle(sqs, outboxQueueUrl, senders);
    // Calibration first: the reset below leaves its CPU time and requests out of the figures.
    const bareCallsUs = [await senders.all[0]!.calibrate(300)];
    const cold = await Promise.all(senders.all.map((c) => c.report(true)));
    for (const key of Object.keys(counter.counts)) delete counter.counts[key];
    records = 0;
    handedBack = 0;
    const invocationsBefore = senders.invocations;
    const warmRetries = new Set(retryArrivals.keys());
    composeLatency.length = 0;

    // Steady phase: compose at the chosen pace, time each message to `sent`.
    const steadyStart = Date.now();
    const steadyKeys: string[] = [];
    const composeStart = performance.now();
    if (rate > 0) {
      await Promise.all(Array.from({ length: count }, async (_, i) => {
        await sleep((i * 1000) / rate);
        steadyKeys.push(await composeOne(i));
      }));
    } else {
      await pool(Array.from({ length: count }, (_, i) => i), concurrency, async (i) => {
        steadyKeys.push(await composeOne(i));
      });
    }
    const composeSeconds = (performance.now() - composeStart) / 1000;
    await waitSent(steadyKeys, 'steady');
    const steadyMs = Date.now() - steadyStart;
    const steadyRetries = new Set([...retryArrivals.keys()].filter((key) => !warmRetries.has(key)));

    // Backlog phase: queue everything while the sender is held, then let it drain.
    let drainMs = NaN;
    let drainStackCpuUs = NaN;
    let drainBusyMs = NaN;
    if (backlog > 0) {
      let release: () => void = () => undefined;
      gate = new Promise((resolve) => (release = resolve));
      const backlogKeys: string[] = [];
      await pool(Array.from({ length: backlog }, (_, i) => count + i), Math.max(4, concurrency), async (i) => {
        backlogKeys.push(await composeOne(i));
      });
      const opened = Date.now();
      const stackCpu = process.cpuUsage();
      const busyBefore = senders.busyMs;
      release();
      gate = Promise.resolve();
      await waitSent(backlogKeys, 'backlog');
      drainMs = Math.max(...backlogKeys.map((key) => sentAt.get(key)!)) - opened;
      const spent = process.cpuUsage(stackCpu);
      drainStackCpuUs = spent.user + spent.system;
      drainBusyMs = senders.busyMs - busyBefore;
    }

    // Let duplicate triggers still queued be consumed (they find the message sent), so their cost is counted.
    await settle(sqs, outboxQueueUrl, senders);

    const reports = await Promise.all(senders.all.map((c) => c.report()));
    bareCallsUs.push(await senders.all[0]!.calibrate(300));
    const bareCallUs = (bareCallsUs[0]! + bareCallsUs[1]!) / 2;
    const requests: RequestCounts = { ...counter.counts };
    for (const report of reports) mergeCounts(requests, report.requests);
    const accepted = new Map<string, number>();
    for (const report of reports) for (const [id, n] of Object.entries(report.accepted)) accepted.set(id, (accepted.get(id) ?? 0) + n);
    const plans = reports.flatMap((r) => r.plans);
    const cpuUs = reports.reduce((a, r) => a + r.cpuUs, 0);
    const providerCpuUs = reports.reduce((a, r) => a + r.provider.cpuUs, 0);
    const providerWallMs = reports.reduce((a, r) => a + r.provider.wallMs, 0);
    const providerCalls = reports.reduce((a, r) => a + r.provider.calls, 0);
    const sdkCpuUs = reports.reduce((a, r) => a + r.sdk.cpuUs, 0);
    const sdkCalls = reports.reduce((a, r) => a + r.sdk.calls, 0);
    const injected = reports.reduce((a, r) => a + r.injectedFailures, 0);
    const ses = (await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: { subject: string }[] };
    const perSubject = new Map<string, number>();
    for (const email of ses.emails) if (subjects.has(email.subject)) perSubject.set(email.subject, (perSubject.get(email.subject) ?? 0) + 1);

    // Figures.
    const messages = count + backlog;
    const all = warmKeys.length + messages;
    const others = [...sentAt.keys()].filter((key) => !requestedAt.has(key)).length;
    const coldCpuMs = (cold.reduce((a, r) => a + r.cpuUs, 0) - bareCallsUs[0]! * 301) / 1000 / containers;
    const retried = new Set(plans.map((p) => p.key.split('#')[0]!));
    const toSent = steadyKeys.map((key) => ({ key, ms: sentAt.get(key)! - requestedAt.get(key)! }));
    const firstTry = toSent.filter((s) => !retried.has(s.key)).map((s) => s.ms);
    const afterRetry = toSent.filter((s) => retried.has(s.key)).map((s) => s.ms);
    const lateness = plans.filter((p) => steadyRetries.has(p.key) && retryArrivals.has(p.key)).map((p) => ({
      vsPlan: retryArrivals.get(p.key)! - p.plannedAt,
      vsAt: retryArrivals.get(p.key)! - Math.ceil(p.plannedAt / 1000) * 1000,
    }));
    const acceptances = [...accepted.values()].reduce((a, b) => a + b, 0);
    const twice = [...accepted.values()].filter((n) => n > 1).length;
    const sesTwice = [...perSubject.values()].filter((n) => n > 1).length;
    const sesTotal = [...perSubject.values()].reduce((a, b) => a + b, 0);
    const senderCpuMs = cpuUs / 1000 / messages;
    const providerCpuMs = providerCpuUs / 1000 / messages;
    const per = (who: string, service: string) => fmt(total(requests, who, service) / messages, 2);

    print(`outbox bench on the local stack: ${count} steady + ${backlog} backlog messages, ${fmt(flakyShare * 100, 0)}% first attempts failing transiently, each trigger delivered ${duplicates}x, ${containers} sender containers (${args.source ? 'TypeScript through tsx' : 'bundled as deployed'}, after ${warmup} warm-up messages each), compose ${rate > 0 ? `at ${rate}/s` : `${concurrency} at a time`}; load average ${(await loadAverage()).join(' ')} on ${(await cores())} cores`);
    print('');
    print('| figure | value |');
    print('|---|---|');
    print(`| compose (HTTP API -> compose function), steady | ${fmt(count / composeSeconds)} msg/s; latency p50 ${fmt(percentile(composeLatency, 50))} ms, p99 ${fmt(percentile(composeLatency, 99))} ms |`);
    print(`| request -> 'sent', first attempt (${firstTry.length}) | p50 ${fmt(percentile(firstTry, 50))} ms, p99 ${fmt(percentile(firstTry, 99))} ms |`);
    print(`| request -> 'sent', after a retry (${afterRetry.length}) | p50 ${fmt(percentile(afterRetry, 50))} ms, p99 ${fmt(percentile(afterRetry, 99))} ms |`);
    print(`| request -> 'sent', all steady | p50 ${fmt(percentile(toSent.map((s) => s.ms), 50))} ms, p99 ${fmt(percentile(toSent.map((s) => s.ms), 99))} ms (steady phase ${fmt(steadyMs / 1000)} s) |`);
    print(`| sender throughput, draining ${backlog} queued | ${fmt(backlog / (drainMs / 1000))} msg/s (${fmt(drainMs / 1000)} s, retry waits included) |`);
    print(`| while draining | the stack's process (emulators, gateway, functions reacting to events) used ${fmt(drainStackCpuUs / 10 / drainMs, 0)}% of a core; sender containers were busy ${fmt((drainBusyMs / (containers * drainMs)) * 100, 0)}% of the time |`);
    print(`| sender CPU per message, provider call excluded | **${fmt(senderCpuMs - providerCpuMs, 2)} ms** (target < 20 ms); total ${fmt(senderCpuMs, 2)} ms, of which the SES call ${fmt(providerCpuMs, 2)} ms |`);
    print(`| of which inside the other AWS SDK calls | ${fmt(sdkCpuUs / 1000 / messages, 2)} ms (${fmt(sdkCalls / messages, 1)} calls, ${fmt(sdkCpuUs / 1000 / Math.max(1, sdkCalls), 2)} ms each); the rest (Mailroom's code, logging, IPC): ${fmt(senderCpuMs - providerCpuMs - sdkCpuUs / 1000 / messages, 2)} ms |`);
    print(`| a bare GetItem through the SDK, alone, in a sender container | ${fmt(bareCallUs / 1000, 2)} ms CPU (before / after the run: ${bareCallsUs.map((us) => fmt(us / 1000, 2)).join(' / ')}): the floor of any SDK call on this machine at this load; the sender costs ${fmt((senderCpuMs - providerCpuMs) / (bareCallUs / 1000), 1)} of them per message |`);
    print(`| sender invocations | ${senders.invocations - invocationsBefore}, ${fmt(records / Math.max(1, senders.invocations - invocationsBefore), 1)} records each; ${fmt(records / messages, 2)} records per message (duplicates, retries, records handed back) |`);
    print(`| SES calls | ${providerCalls}, ${fmt(providerWallMs / Math.max(1, providerCalls))} ms wall each; ${injected} injected transient failures (warm-up included) |`);
    print(`| sender warm-up (${warmKeys.length} messages, not counted above) | ${fmt(coldCpuMs, 0)} ms CPU per container |`);
    print(`| retry firing vs plan (${lateness.length} retries) | p50 ${fmt(percentile(lateness.map((l) => l.vsPlan), 50), 0)} ms, p99 ${fmt(percentile(lateness.map((l) => l.vsPlan), 99), 0)} ms late; vs the whole-second at(): p50 ${fmt(percentile(lateness.map((l) => l.vsAt), 50), 0)} ms, p99 ${fmt(percentile(lateness.map((l) => l.vsAt), 99), 0)} ms |`);
    print(`| sent twice (connector / SES emulator) | **${twice} / ${sesTwice}**: ${acceptances} acceptances and ${sesTotal} emails for ${all} messages (warm-up included); ${failedEvents.length} failed; ${others} other messages sent; ${handedBack} records handed back to SQS while another container held them |`);
    print('');
    print('| requests per message | DynamoDB | SQS | SES | Scheduler | EventBridge | S3 |');
    print('|---|---|---|---|---|---|---|');
    for (const [who, label] of [['compose', 'compose function'], ['sender', 'sender function'], ['queue', 'outbox queue: event source mapping (locally also extending the 2 s visibility), Scheduler deliveries'], ['other', 'rest of the stack (indexer, notify, stats, timers)']] as const) {
      print(`| ${label} | ${per(who, 'dynamodb')} | ${per(who, 'sqs')} | ${per(who, 'ses')} | ${per(who, 'scheduler')} | ${per(who, 'eventbridge')} | ${per(who, 's3')} |`);
    }
    print('');
    for (const [who, service] of [['compose', 'dynamodb'], ['sender', 'dynamodb'], ['queue', 'sqs'], ['other', 'dynamodb']] as const) {
      print(`${who} ${service} per message: ${operations(requests, who, service, messages) || '-'}`);
    }
    if (twice > 0 || sesTwice > 0 || acceptances !== all || sesTotal !== all) {
      console.error('NEVER-TWICE VIOLATED or messages missing');
      process.exitCode = 1;
    }
  } finally {
    for (const container of senders.all) container.stop();
    sqs.destroy();
    await stack.stop();
    rmSync(markers, { recursive: true, force: true });
  }
}

/** Waits until the outbox queue is empty and no sender invocation runs (twice in a row). */
async function settle(sqs: SQSClient, queueUrl: string, senders: Containers): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (let quiet = 0; quiet < 2 && Date.now() < deadline;) {
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({
      QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }));
    const busy = Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0) + senders.busy();
    quiet = busy === 0 ? quiet + 1 : 0;
    await sleep(200);
  }
}

async function loadAverage(): Promise<string[]> {
  const { loadavg } = await import('node:os');
  return loadavg().map((n) => n.toFixed(2));
}

async function cores(): Promise<number> {
  const { availableParallelism } = await import('node:os');
  return availableParallelism();
}

await main();
