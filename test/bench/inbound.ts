/**
 * npm run bench:inbound [-- --count 500 --batch 5]
 *
 * Pushes generated messages (a mix of sizes) through the inbound handler against the local stack's
 * emulators, running in a child process so this process's CPU time is the handler's own. The
 * handler gets SQS batches of `--batch` records of one kind (5 is the deployed batch size). Prints,
 * per kind of message and overall: handler CPU per message beside mailparser's parse time for the
 * same bytes (measured in this run), invocation latency p50/p99, DynamoDB requests and write units,
 * S3 requests per message; then peak RSS, bundle sizes, the inbound bundle's cold import time, and
 * the peak RSS of a fresh Node process handling a 40 MB message with the deployed bundle.
 */
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import { FUNCTION_ENTRIES, buildBundle, entryPath, type FunctionName } from '../../infra/constructs/bundling.js';
import { DynamoMeter } from '../../shared/adapters/dynamodb-table.js';
import { parseMail } from '../../shared/mail/parse.js';
import { generateLargeMail, generateMail, kindFor, type MailKind } from './generate.js';

import { breakdown, HARNESS, type CpuProfile } from './cpu-profile.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '500' }, batch: { type: 'string', default: '5' }, profile: { type: 'boolean', default: false }, 'skip-large': { type: 'boolean', default: false } } });
const batchSize = Math.max(1, Number(args.batch));
const count = Math.ceil(Number(args.count) / batchSize) * batchSize;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const fmt = (n: number, digits = 2) => n.toFixed(digits);

async function startChildStack(): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'stack-child.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`local stack exited with ${code}`)));
  });
  const { env } = JSON.parse(line) as { env: Record<string, string> };
  return {
    env,
    stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.stdin!.end(); }),
  };
}

function sesRecord(bucket: string, key: string, n: number): SQSRecord {
  const body = JSON.stringify({
    notificationType: 'Received', mail: { timestamp: new Date().toISOString(), messageId: key.split('/').pop() },
    receipt: { recipients: ['support@acme.test'], spamVerdict: { status: 'PASS' }, virusVerdict: { status: 'PASS' }, action: { type: 'S3', bucketName: bucket, objectKey: key } },
  });
  return {
    messageId: `bench-${n}`, receiptHandle: 'rh', body, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:inbound', awsRegion: 'us-east-1',
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'bench', ApproximateFirstReceiveTimestamp: '0' }, messageAttributes: {},
  };
}

interface Sample { kind: MailKind; bytes: number; wallMs: number; cpuMs: number; parseCpuMs: number; requests: number; baseWcu: number; indexWcu: number; rcu: number; s3Gets: number; s3Puts: number }

const stack = await startChildStack();
Object.assign(process.env, stack.env);
const { inboundDepsFromEnv } = await import('../../shared/inbound/deps.js');
const { handleInbound } = await import('../../functions/inbound/handler.js');
const meter = new DynamoMeter();
const deps = { ...inboundDepsFromEnv(meter), bucket: stack.env.MAILROOM_MAIL_BUCKET!, maxReceives: 3 };
const s3 = new S3Client({ endpoint: stack.env.MAILROOM_ENDPOINT_S3, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

const warmup = 6 * batchSize;
const mails = Array.from({ length: warmup + count }, (_, i) => generateMail(kindFor(Math.floor(i / batchSize)), i));
for (const [i, m] of mails.entries()) {
  await s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key: `inbound/bench-${i}`, Body: m.raw }));
}

const profiles: CpuProfile[] = [];
const samples: Sample[] = [];
const invocations: number[] = [];
// With --profile, a sampling CPU profile of the plain-5k batches tells where their time goes.
const { Session } = await import('node:inspector/promises');
const inspector = new Session();
let profiledMessages = 0;
if (args.profile) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 100 });
}
let measuredStart = 0;
for (let first = 0; first < mails.length; first += batchSize) {
  if (first === warmup) measuredStart = performance.now();
  const records = mails.slice(first, first + batchSize).map((_, j) => sesRecord(deps.bucket, `inbound/bench-${first + j}`, first + j));
  meter.reset();
  const gets = deps.blobs.stats.gets;
  const puts = deps.blobs.stats.puts;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const profiling = args.profile && first >= warmup && mails[first]!.kind === 'plain-5k';
  if (profiling) await inspector.post('Profiler.start');
  const result = await handleInbound({ Records: records }, deps);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (profiling) {
    const { profile } = await inspector.post('Profiler.stop');
    profiles.push(profile as unknown as CpuProfile);
    profiledMessages += records.length;
  }
  if (result.batchItemFailures.length > 0) throw new Error(`batch at ${first} failed: ${JSON.stringify(result.batchItemFailures)}`);
  if (first < warmup) continue;
  invocations.push(wallMs);
  const n = records.length;
  for (let j = 0; j < n; j += 1) {
    const m = mails[first + j]!;
    samples.push({
      kind: m.kind, bytes: m.raw.length, wallMs, cpuMs: (used.user + used.system) / 1000 / n, parseCpuMs: 0,
      requests: meter.requests / n, baseWcu: meter.writeUnits / n, indexWcu: meter.indexWriteUnits / n, rcu: meter.readUnits / n,
      s3Gets: (deps.blobs.stats.gets - gets) / n, s3Puts: (deps.blobs.stats.puts - puts) / n,
    });
  }
}
const measuredMs = performance.now() - measuredStart;

// mailparser alone on the same bytes, same process, same options (attachments to a no-op sink).
for (const [i, sample] of samples.entries()) {
  const raw = mails[i + warmup]!.raw;
  const cpu = process.cpuUsage();
  await parseMail(raw, { sink: async () => ({ storageKey: 'x' }) });
  const used = process.cpuUsage(cpu);
  sample.parseCpuMs = (used.user + used.system) / 1000;
}
const peakRssMb = process.resourceUsage().maxRSS / 1024;

// What one AWS SDK round trip costs in CPU on this machine (serialisation, signing, socket I/O),
// whatever the handler does: a GetItem of a missing key through the same document client.
const { getDocumentClient } = await import('../../shared/adapters/aws.js');
const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
const floor: number[] = [];
for (let i = 0; i < 250; i += 1) {
  const cpu = process.cpuUsage();
  await getDocumentClient().send(new GetCommand({ TableName: stack.env.MAILROOM_TABLE!, Key: { PK: 'BENCH#none', SK: 'NONE' } }));
  const used = process.cpuUsage(cpu);
  if (i >= 50) floor.push((used.user + used.system) / 1000);
}
const sdkFloorMs = percentile(floor, 50);

console.log(`\nInbound benchmark: ${samples.length} messages in SQS batches of ${batchSize} (after ${warmup} warm-up), local emulators in a child process\n`);
console.log('kind             n   size KB  handler CPU ms  parse CPU ms  overhead ms  inv p50 ms  inv p99 ms  DDB req  WCU base  WCU idx  RCU   S3 get  S3 put');
const kinds: (MailKind | 'all')[] = ['plain-5k', 'html-50k', 'attachment-300k', 'attachment-3m', 'all'];
for (const kind of kinds) {
  const s = kind === 'all' ? samples : samples.filter((x) => x.kind === kind);
  if (s.length === 0) continue;
  const cpu = s.map((x) => x.cpuMs);
  const parse = s.map((x) => x.parseCpuMs);
  console.log([
    kind.padEnd(15), String(s.length).padStart(3), fmt(mean(s.map((x) => x.bytes)) / 1024, 1).padStart(9),
    fmt(percentile(cpu, 50)).padStart(15), fmt(percentile(parse, 50)).padStart(13), fmt(percentile(cpu, 50) - percentile(parse, 50)).padStart(12),
    fmt(percentile(s.map((x) => x.wallMs), 50)).padStart(11), fmt(percentile(s.map((x) => x.wallMs), 99)).padStart(11),
    fmt(mean(s.map((x) => x.requests))).padStart(8), fmt(mean(s.map((x) => x.baseWcu))).padStart(9), fmt(mean(s.map((x) => x.indexWcu))).padStart(8),
    fmt(mean(s.map((x) => x.rcu))).padStart(5), fmt(mean(s.map((x) => x.s3Gets))).padStart(7), fmt(mean(s.map((x) => x.s3Puts))).padStart(7),
  ].join(' '));
}
console.log(`\nthroughput: ${fmt(samples.length / (measuredMs / 1000), 1)} messages/s through one handler instance (records processed one after another); ${invocations.length} invocations`);
console.log(`peak RSS of the benchmark process: ${fmt(peakRssMb, 0)} MB`);
const plain = samples.filter((x) => x.kind === 'plain-5k');
if (plain.length > 0) {
  const calls = 1 + mean(plain.map((x) => x.requests)) + 1 / batchSize; // S3 GetObject + DynamoDB + PutEvents share
  const overhead = percentile(plain.map((x) => x.cpuMs), 50) - percentile(plain.map((x) => x.parseCpuMs), 50);
  console.log(`AWS SDK round trip on this machine: ${fmt(sdkFloorMs)} ms CPU for the smallest call (GetItem of a missing key); plain-5k makes ${fmt(calls)} calls per message, so at least ${fmt(calls * sdkFloorMs)} ms of its ${fmt(overhead)} ms overhead is SDK round trips (--profile shows the full breakdown)`);
}
console.log('(CPU columns are medians per message; "inv" = latency of the whole invocation; "overhead" = handler CPU - parse CPU; WCU base as reported by the emulator, WCU idx estimated from the projected item sizes as AWS bills index writes)');
s3.destroy();
if (profiles.length > 0) {
  const merged = new Map<string, number>();
  for (const profile of profiles) for (const [name, ms] of breakdown(profile, 1)) merged.set(name, (merged.get(name) ?? 0) + ms);
  console.log(`\nwhere plain-5k CPU goes (sampled profile of ${profiledMessages} messages, ms per message):`);
  merged.delete(HARNESS);
  for (const [name, ms] of [...merged.entries()].sort((a, b) => b[1] - a[1])) console.log(`  ${fmt(ms / profiledMessages).padStart(6)}  ${name}`);
}

// Bundles, as deployed.
const outDir = mkdtempSync(join(tmpdir(), 'mailroom-bundles-'));
console.log('\nbundle          size KB   gzip KB');
for (const name of Object.keys(FUNCTION_ENTRIES) as FunctionName[]) {
  await buildBundle(entryPath(name), join(outDir, name));
  const file = join(outDir, name, 'index.mjs');
  console.log(`${name.padEnd(12)} ${fmt(statSync(file).size / 1024, 1).padStart(10)} ${fmt(gzipSync(readFileSync(file)).length / 1024, 1).padStart(9)}`);
}
const importTimes = Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ['--input-type=module', '-e',
  `const t = performance.now(); await import(${JSON.stringify(join(outDir, 'inbound', 'index.mjs'))}); process.stdout.write(String(performance.now() - t));`], { env: { ...process.env, NODE_NO_WARNINGS: '1' } }).toString()));
console.log(`inbound cold import: ${fmt(percentile(importTimes, 50), 1)} ms (median of 5 fresh processes)`);

// 40 MB: a fresh Node process runs the deployed bundle on the SES maximum; its peak RSS is what a Lambda needs.
if (!args['skip-large']) {
  const large = generateLargeMail(40 * 1024 * 1024);
  const s3large = new S3Client({ endpoint: stack.env.MAILROOM_ENDPOINT_S3, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await s3large.send(new PutObjectCommand({ Bucket: deps.bucket, Key: 'inbound/bench-large', Body: large }));
  s3large.destroy();
  const runner = join(outDir, 'large-runner.mjs');
  writeFileSync(runner, `
    const { handler } = await import(${JSON.stringify(join(outDir, 'inbound', 'index.mjs'))});
    const body = JSON.stringify({ notificationType: 'Received', mail: { timestamp: new Date().toISOString(), messageId: 'bench-large' },
      receipt: { recipients: ['support@acme.test'], action: { type: 'S3', bucketName: process.env.MAILROOM_MAIL_BUCKET, objectKey: 'inbound/bench-large' } } });
    const t = performance.now();
    const out = await handler({ Records: [{ messageId: 'large', receiptHandle: 'rh', body, attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn', awsRegion: 'us-east-1' }] }, {});
    process.stdout.write(JSON.stringify({ failures: out.batchItemFailures.length, ms: performance.now() - t, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  `);
  const result = JSON.parse(execFileSync(process.execPath, [runner], { env: { ...process.env, NODE_NO_WARNINGS: '1' }, maxBuffer: 1 << 20 }).toString()) as { failures: number; ms: number; maxRssMb: number };
  console.log(`40 MB message (${fmt(large.length / 1024 / 1024, 1)} MB raw, one ${fmt(large.length * 0.75 / 1024 / 1024, 0)} MB attachment): ${result.failures === 0 ? 'processed' : 'FAILED'} in ${fmt(result.ms, 0)} ms, peak RSS ${fmt(result.maxRssMb, 0)} MB (Lambda limit at 1024 MB)`);
}

await stack.stop();
