/**
 * One sender "container" for `npm run bench:outbox`: the real sender handler with the production
 * wiring (`createSenderHandler(senderDepsFromEnv)`), in a process of its own so its CPU time is
 * the sender's alone. The local stack's SQS poller, in the benchmark's process, forwards each
 * invocation here over IPC; one invocation runs at a time, as in a Lambda execution environment.
 *
 * Bench-only wrapping, around the production dependencies:
 * - the connector fails transiently on the first attempt of messages whose Message-ID hashes
 *   into the `MAILROOM_BENCH_FLAKY` share (a marker file shared by every container makes it
 *   "first attempt" across containers); the others go to SES (aws-ses-v2-local) for real;
 * - the retry scheduler records each planned retry time before calling EventBridge Scheduler;
 * - every SDK client gets a request-counting middleware and a CPU timer (SES apart), so the
 *   provider call can be taken out of the sender's CPU time, and the SDK's share shown.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { getDocumentClient } from '../../shared/adapters/aws.js';
import { ENV, requireEnv } from '../../shared/config/env.js';
import { createSenderHandler } from '../../functions/sender/handler.js';
import { lambdaContext } from '../../infra/local/lambda-context.js';
import { TransientSendError, type MailConnector } from '../../shared/outbox/connector.js';
import type { RetryScheduler } from '../../shared/outbox/retry-scheduler.js';
import type { SenderDeps } from '../../shared/outbox/send.js';
import { senderDepsFromEnv } from '../../shared/outbox/sender-deps.js';
import type { SendTrigger } from '../../shared/outbox/trigger.js';
import { CallTimer, findClients, RequestCounter, serviceOf } from './sdk-requests.js';

/** Messages between the benchmark and a sender container. */
/** `report` answers with the figures so far; with `reset`, they then start again from zero (after a warm-up). */
export type ToContainer = { type: 'invoke'; id: number; event: SQSEvent } | { type: 'report'; reset: boolean } | { type: 'calibrate'; calls: number };
export type FromContainer =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: unknown; error?: string; wallMs: number }
  | { type: 'report'; report: ContainerReport }
  /** CPU time of one bare GetItem through the SDK, sequentially, here and now: what any SDK call costs at least on this machine's current load. */
  | { type: 'calibrated'; cpuUsPerCall: number };

export interface ContainerReport {
  /** CPU time (µs) since the handler was loaded, or since the last reset: invocations, SDK, logging, the IPC itself. */
  cpuUs: number;
  /** CPU time (µs) and wall time inside SES SDK calls: the provider call. */
  provider: { cpuUs: number; wallMs: number; calls: number };
  /** The same inside every other SDK call (DynamoDB, S3, EventBridge, Scheduler). */
  sdk: { cpuUs: number; wallMs: number; calls: number };
  requests: Record<string, number>;
  /** Provider acceptances per Message-ID. */
  accepted: Record<string, number>;
  injectedFailures: number;
  /** Retries planned: the retry trigger, when the policy wants it, when Scheduler's `at()` says (whole seconds). */
  plans: { key: string; plannedAt: number }[];
  invocations: number;
}

/** A deterministic share of Message-IDs (the same in every container), by a hash of the Message-ID. */
export function isFlaky(messageId: string, share: number): boolean {
  return (Array.from(messageId).reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 1000) / 1000 < share;
}

const flakyShare = Number(process.env.MAILROOM_BENCH_FLAKY ?? '0');
const markers = process.env.MAILROOM_BENCH_MARKERS ?? '';
const counter = new RequestCounter();
const provider = new CallTimer();
const sdk = new CallTimer();
const accepted: Record<string, number> = {};
const plans: ContainerReport['plans'] = [];
let injectedFailures = 0;
let invocations = 0;

/** True once per Message-ID across containers: `mkdir` is atomic. */
function firstFailure(messageId: string): boolean {
  try {
    mkdirSync(join(markers, messageId.replace(/[^A-Za-z0-9.@_-]/g, '_')));
    return true;
  } catch {
    return false;
  }
}

function flakyConnector(inner: MailConnector): MailConnector {
  return {
    kind: inner.kind,
    async send(raw, envelope) {
      const messageId = /^Message-ID: <?([^>\r\n]+)>?$/im.exec(raw.subarray(0, 8192).toString('utf8'))?.[1]?.trim() ?? '?';
      if (isFlaky(messageId, flakyShare) && firstFailure(messageId)) {
        injectedFailures += 1;
        throw new TransientSendError('TooManyRequestsException: Maximum sending rate exceeded.', 'TooManyRequestsException');
      }
      const result = await inner.send(raw, envelope);
      accepted[messageId] = (accepted[messageId] ?? 0) + 1;
      return result;
    },
  };
}

function recordingScheduler(inner: RetryScheduler): RetryScheduler {
  return {
    async schedule(name: string, at: Date, trigger: SendTrigger) {
      plans.push({ key: `${trigger.messageKey}#${trigger.attempt}`, plannedAt: at.getTime() });
      await inner.schedule(name, at, trigger);
    },
    cancel: (name) => inner.cancel(name),
  };
}

function benchDeps(): SenderDeps {
  const deps = senderDepsFromEnv();
  for (const client of findClients(deps)) {
    counter.instrument(client, () => 'sender');
    (serviceOf(client) === 'ses' ? provider : sdk).time(client);
  }
  return { ...deps, connector: flakyConnector(deps.connector), scheduler: recordingScheduler(deps.scheduler) };
}

const handler = createSenderHandler(benchDeps);
const region = process.env.AWS_REGION ?? 'us-east-1';
// Lambda writes the handler's logs to CloudWatch; here they are written and dropped (stdout is ignored).
let cpuStart = process.cpuUsage();
const send = (message: FromContainer) => process.send!(message);

async function calibrate(calls: number): Promise<number> {
  const documents = getDocumentClient();
  const input = { TableName: requireEnv(ENV.tableName), Key: { PK: 'BENCH#calibration', SK: 'BENCH' } };
  await documents.send(new GetCommand(input));
  const cpu = process.cpuUsage();
  for (let i = 0; i < calls; i += 1) await documents.send(new GetCommand(input));
  const spent = process.cpuUsage(cpu);
  return (spent.user + spent.system) / calls;
}

process.on('message', (message: ToContainer) => {
  if (message.type === 'calibrate') {
    void calibrate(message.calls).then((cpuUsPerCall) => send({ type: 'calibrated', cpuUsPerCall }));
    return;
  }
  if (message.type === 'report') {
    const cpu = process.cpuUsage(cpuStart);
    send({ type: 'report', report: { cpuUs: cpu.user + cpu.system, provider: provider.figures(), sdk: sdk.figures(), requests: { ...counter.counts }, accepted, injectedFailures, plans, invocations } });
    if (message.reset) {
      for (const key of Object.keys(counter.counts)) delete counter.counts[key];
      provider.reset();
      sdk.reset();
      invocations = 0;
      cpuStart = process.cpuUsage();
    }
    return;
  }
  invocations += 1;
  const started = performance.now();
  void handler(message.event, lambdaContext('mailroom-sender', region, 60_000)).then(
    (result) => send({ type: 'result', id: message.id, result, wallMs: performance.now() - started }),
    (error: unknown) => send({ type: 'result', id: message.id, result: null, error: String(error), wallMs: performance.now() - started }),
  );
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
