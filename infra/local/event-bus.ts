/**
 * Local EventBridge stand-in. No emulator on npm speaks EventBridge, so this small HTTP server
 * answers the one call the handlers make, `PutEvents`, in the AWS JSON 1.1 protocol the real
 * `@aws-sdk/client-eventbridge` uses: the handlers keep calling the SDK and never learn they run
 * locally. Accepted events are kept in a bounded log, forwarded to an optional webhook and routed
 * to in-process rule targets by EventBridge pattern matching.
 *
 * Protocol: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchesEventPattern, validateEventPattern, type EventPattern } from './event-pattern.js';
import type { Logger } from './logger.js';

/** The event as EventBridge delivers it to targets (the envelope around `detail`). */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  /** Not part of the AWS envelope: which bus the producer named, for debugging. */
  'event-bus-name'?: string;
}

export type RuleTarget = (event: BusEvent) => Promise<void>;

export interface EventBusOptions {
  port: number;
  region: string;
  account: string;
  /** Every accepted event is POSTed there as JSON; failures are logged, never fatal. */
  webhookUrl?: string | undefined;
  /** How many events `events()` keeps (oldest dropped first). */
  logSize?: number;
  logger: Logger;
}

export interface LocalEventBus {
  url: string;
  port: number;
  /** Accepted events, oldest first. */
  events(): BusEvent[];
  /** Routes matching events to `target`; returns a function that removes the rule. */
  addRule(pattern: EventPattern, target: RuleTarget): () => void;
  /** Resolves when no rule target or webhook delivery is running. */
  idle(): Promise<void>;
  /** Number of rule targets and webhook deliveries running now. */
  pending(): number;
  stop(): Promise<void>;
}

/** PutEvents quotas that matter for a producer's correctness: more entries or bytes fail on AWS too. */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  Time?: unknown;
  EventBusName?: unknown;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export async function startEventBus(options: EventBusOptions): Promise<LocalEventBus> {
  const log: BusEvent[] = [];
  const logSize = options.logSize ?? 1000;
  const rules = new Set<{ pattern: EventPattern; target: RuleTarget }>();
  const running = new Set<Promise<void>>();

  const track = (work: Promise<void>): void => {
    running.add(work);
    void work.finally(() => running.delete(work));
  };

  const deliver = (event: BusEvent): void => {
    log.push(event);
    if (log.length > logSize) log.splice(0, log.length - logSize);
    for (const rule of rules) {
      if (!matchesEventPattern(rule.pattern, event)) continue;
      track(Promise.resolve().then(() => rule.target(event)).catch((error: unknown) => {
        options.logger.error(`event bus: rule target failed for ${event['detail-type']} ${event.id}`, error);
      }));
    }
    if (options.webhookUrl !== undefined) track(forward(options.webhookUrl, event, options.logger));
  };

  const putEvents = (body: unknown): { status: number; payload: unknown; errorType?: string } => {
    const entries = isRecord(body) ? body['Entries'] : undefined;
    if (!Array.isArray(entries) || entries.length === 0) {
      return validation('1 validation error detected: Value null at \'entries\' failed to satisfy constraint: Member must not be null');
    }
    if (entries.length > MAX_ENTRIES) {
      return validation(`1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`);
    }
    const results: EntryResult[] = [];
    const accepted: BusEvent[] = [];
    for (const raw of entries as PutEventsEntry[]) {
      const result = toEvent(raw, options);
      if ('error' in result) {
        results.push({ ErrorCode: result.code, ErrorMessage: result.error });
      } else {
        accepted.push(result.event);
        results.push({ EventId: result.event.id });
      }
    }
    accepted.forEach(deliver);
    return { status: 200, payload: { FailedEntryCount: entries.length - accepted.length, Entries: results } };
  };

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      options.logger.error('event bus: request failed', error);
      if (!response.headersSent) sendAwsError(response, 500, 'InternalException', 'Internal error');
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readBody(request, MAX_REQUEST_BYTES + 64 * 1024);
    if (raw === null) return sendAwsError(response, 413, 'ValidationException', 'Total size of the entries in the request is over the limit.');
    const target = request.headers['x-amz-target'];
    if (request.method !== 'POST' || typeof target !== 'string') {
      // Anything else is a client pointed at the wrong endpoint: EventBridge Scheduler, for one,
      // has no local stand-in yet and must fail loudly rather than pretend to work.
      return sendAwsError(response, 400, 'UnknownOperationException', `The local event bus only implements AWSEvents.PutEvents (got ${request.method} ${request.url ?? ''})`);
    }
    if (target !== 'AWSEvents.PutEvents') {
      return sendAwsError(response, 400, 'UnknownOperationException', `Operation ${target} is not implemented by the local event bus`);
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendAwsError(response, 400, 'SerializationException', 'Request body is not valid JSON');
    }
    if (raw.length > MAX_REQUEST_BYTES) {
      return sendAwsError(response, 400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
    }
    const result = putEvents(body);
    if (result.errorType !== undefined) {
      return sendAwsError(response, result.status, result.errorType, String((result.payload as { message: string }).message));
    }
    const json = JSON.stringify(result.payload);
    response.writeHead(200, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(json),
      'x-amzn-requestid': randomUUID(),
    });
    response.end(json);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    events: () => [...log],
    addRule(pattern, target) {
      validateEventPattern(pattern);
      const rule = { pattern, target };
      rules.add(rule);
      return () => {
        rules.delete(rule);
      };
    },
    pending: () => running.size,
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = AbortSignal.timeout(5_000);
      while (running.size > 0 && !deadline.aborted) {
        await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, 100))]);
      }
      rules.clear();
    },
  };
}

/**
 * POSTs one event to the webhook. Like an EventBridge API destination it retries transient
 * failures (network errors, 429, 5xx) a few times; a webhook that stays down only costs a warning.
 */
async function forward(url: string, event: BusEvent, logger: Logger): Promise<void> {
  const delays = [100, 500, 2_000];
  for (let attempt = 0; ; attempt += 1) {
    let problem: string;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      if (response.ok) return;
      problem = `answered ${response.status}`;
      if (response.status !== 429 && response.status < 500) {
        logger.warn(`event bus: webhook ${url} ${problem} for ${event.id}; not retried`);
        return;
      }
    } catch (error) {
      problem = `failed: ${String(error)}`;
    }
    const delay = delays[attempt];
    if (delay === undefined) {
      logger.warn(`event bus: webhook ${url} ${problem} for ${event.id}; gave up after ${attempt + 1} attempts`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function toEvent(entry: PutEventsEntry, options: EventBusOptions): { event: BusEvent } | { code: string; error: string } {
  if (typeof entry.Source !== 'string' || entry.Source === '') return { code: 'InvalidArgument', error: 'Parameter Source is not valid. Reason: Source is a required argument.' };
  if (typeof entry.DetailType !== 'string' || entry.DetailType === '') return { code: 'InvalidArgument', error: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' };
  if (typeof entry.Detail !== 'string') return { code: 'InvalidArgument', error: 'Parameter Detail is not valid. Reason: Detail is a required argument.' };
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return { code: 'MalformedDetail', error: 'Detail is malformed.' };
  }
  if (!isRecord(detail)) return { code: 'MalformedDetail', error: 'Detail is malformed.' };
  const resources = Array.isArray(entry.Resources) ? entry.Resources.filter((r): r is string => typeof r === 'string') : [];
  // The SDK serialises Time as epoch seconds (a number) in the JSON protocol.
  const time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : new Date();
  const event: BusEvent = {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: options.account,
    // EventBridge writes whole seconds: 2026-01-02T03:04:05Z.
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: options.region,
    resources,
    detail,
  };
  if (typeof entry.EventBusName === 'string') event['event-bus-name'] = entry.EventBusName;
  return { event };
}

function validation(message: string): { status: number; payload: { message: string }; errorType: string } {
  return { status: 400, payload: { message }, errorType: 'ValidationException' };
}

/** AWS JSON 1.1 error shape: the SDK reads the type from `x-amzn-errortype` or `__type`. */
function sendAwsError(response: ServerResponse, status: number, type: string, message: string): void {
  const json = JSON.stringify({ __type: type, message });
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(json),
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomUUID(),
  });
  response.end(json);
}

/** Reads a request body; null when it exceeds `limit` bytes. */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(buffer);
  }
  return tooLarge ? null : Buffer.concat(chunks);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
