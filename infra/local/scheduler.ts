/**
 * Local EventBridge Scheduler stand-in: one-time `at(...)` schedules with an SQS target, the only
 * kind Mailroom creates (outbox retries and scheduled sends, snooze and follow-up timers). It speaks the REST-JSON protocol of
 * `@aws-sdk/client-scheduler` (`POST /schedules/{Name}` = CreateSchedule, `DELETE` =
 * DeleteSchedule, `GET` = GetSchedule), so the sender keeps calling the real SDK; at the time, a
 * timer hands the schedule's `Input` to the target (the stack sends it to the queue).
 *
 * Differences from AWS, on purpose: schedules live in memory (a restart forgets them), the time is
 * honoured to the millisecond rather than within a minute, and a failed delivery is retried a few
 * times one second apart instead of AWS's retry policy (up to 24 hours).
 * See https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './event-bus.js';
import type { Logger } from './logger.js';

/** Delivers a fired schedule's input to its target (an SQS queue ARN). */
export type ScheduleTarget = (targetArn: string, input: string) => Promise<void>;

export interface LocalSchedulerOptions {
  port: number;
  region: string;
  account: string;
  deliver: ScheduleTarget;
  logger: Logger;
}

export interface LocalSchedule {
  name: string;
  group: string;
  at: Date;
  targetArn: string;
  input: string;
  /** Recurring `rate(...)` schedules only: the period; `at` is then the next firing. */
  everyMs?: number;
}

export interface LocalScheduler {
  url: string;
  port: number;
  /** Schedules that have not fired yet. */
  pending(): LocalSchedule[];
  /** Deliveries running now. */
  delivering(): number;
  stop(): Promise<void>;
}

const DELIVERY_ATTEMPTS = 5;

/** `at(2026-11-22T20:30:00)` -> that time in UTC (the only time zone Mailroom uses). */
export function parseAtExpression(expression: string, timezone: string | undefined): Date | null {
  const match = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression.trim());
  if (!match || (timezone !== undefined && timezone !== 'UTC')) return null;
  const at = new Date(`${match[1]}Z`);
  return Number.isNaN(at.getTime()) ? null : at;
}

/**
 * `rate(5 minutes)` -> 300000 ms: the recurring schedules of IMAP accounts. The local period can be
 * shortened with `MAILROOM_LOCAL_RATE_SCALE` (e.g. `0.01` turns 5 minutes into 3 seconds).
 */
export function parseRateExpression(expression: string): number | null {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) return null;
  const unit = match[2]!.startsWith('minute') ? 60_000 : match[2]!.startsWith('hour') ? 3_600_000 : 86_400_000;
  const scale = Number(process.env.MAILROOM_LOCAL_RATE_SCALE ?? '1');
  return Math.max(100, Number(match[1]) * unit * (Number.isFinite(scale) && scale > 0 ? scale : 1));
}

export async function startLocalScheduler(options: LocalSchedulerOptions): Promise<LocalScheduler> {
  const schedules = new Map<string, LocalSchedule & { timer: NodeJS.Timeout; expression?: string }>();
  let running = 0;

  const fire = async (key: string): Promise<void> => {
    const schedule = schedules.get(key);
    if (!schedule) return;
    // One-time schedules are deleted after they fire (ActionAfterCompletion DELETE); rate schedules stay.
    if (schedule.everyMs === undefined) schedules.delete(key);
    else schedule.at = new Date(Date.now() + schedule.everyMs);
    running += 1;
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await options.deliver(schedule.targetArn, schedule.input);
          return;
        } catch (error) {
          if (attempt >= DELIVERY_ATTEMPTS) {
            options.logger.error(`scheduler: ${schedule.name} could not be delivered to ${schedule.targetArn}`, error);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    } finally {
      running -= 1;
    }
  };

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      options.logger.error('scheduler: request failed', error);
      if (!response.headersSent) sendError(response, 500, 'InternalServerException', 'Internal error');
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    const raw = await readBody(request, 1024 * 1024);
    if (!match) return sendError(response, 400, 'UnknownOperationException', `The local scheduler does not implement ${request.method} ${url.pathname}`);
    const name = decodeURIComponent(match[1]!);
    if (request.method === 'POST') {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse((raw ?? Buffer.from('{}')).toString('utf8')) as Record<string, unknown>;
      } catch {
        return sendError(response, 400, 'ValidationException', 'Request body is not valid JSON');
      }
      const group = typeof body.GroupName === 'string' ? body.GroupName : 'default';
      const key = `${group}/${name}`;
      if (schedules.has(key)) return sendError(response, 409, 'ConflictException', `Schedule ${name} already exists.`);
      const everyMs = parseRateExpression(String(body.ScheduleExpression ?? ''));
      if (everyMs !== null) return putRecurring(key, name, group, everyMs, body, response);
      const at = parseAtExpression(String(body.ScheduleExpression ?? ''), body.ScheduleExpressionTimezone as string | undefined);
      if (!at) return sendError(response, 400, 'ValidationException', 'The local scheduler only supports one-time at(yyyy-mm-ddThh:mm:ss) schedules in UTC');
      const target = (body.Target ?? {}) as { Arn?: unknown; Input?: unknown };
      if (typeof target.Arn !== 'string' || !target.Arn.startsWith('arn:aws:sqs:')) {
        return sendError(response, 400, 'ValidationException', 'The local scheduler only supports SQS targets');
      }
      const timer = setTimeout(() => void fire(key), Math.max(0, at.getTime() - Date.now()));
      schedules.set(key, { name, group, at, targetArn: target.Arn, input: typeof target.Input === 'string' ? target.Input : '', timer });
      return sendJson(response, { ScheduleArn: `arn:aws:scheduler:${options.region}:${options.account}:schedule/${group}/${name}` });
    }
    if (request.method === 'PUT') {
      // UpdateSchedule: the group travels in the body, as for CreateSchedule.
      let body: Record<string, unknown>;
      try {
        body = JSON.parse((raw ?? Buffer.from('{}')).toString('utf8')) as Record<string, unknown>;
      } catch {
        return sendError(response, 400, 'ValidationException', 'Request body is not valid JSON');
      }
      const group = typeof body.GroupName === 'string' ? body.GroupName : 'default';
      const existing = schedules.get(`${group}/${name}`);
      if (!existing) return sendError(response, 404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
      const everyMs = parseRateExpression(String(body.ScheduleExpression ?? ''));
      if (everyMs === null) return sendError(response, 400, 'ValidationException', 'The local scheduler updates rate(...) schedules only');
      clearTimeout(existing.timer);
      schedules.delete(`${group}/${name}`);
      return putRecurring(`${group}/${name}`, name, group, everyMs, body, response);
    }
    const key = `${url.searchParams.get('groupName') ?? 'default'}/${name}`;
    const schedule = schedules.get(key);
    if (!schedule) return sendError(response, 404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    if (request.method === 'DELETE') {
      clearTimeout(schedule.timer);
      schedules.delete(key);
      return sendJson(response, {});
    }
    if (request.method === 'GET') {
      return sendJson(response, {
        Name: schedule.name, GroupName: schedule.group, ScheduleExpression: schedule.expression ?? `at(${schedule.at.toISOString().slice(0, 19)})`,
        Target: { Arn: schedule.targetArn, Input: schedule.input }, State: 'ENABLED',
      });
    }
    return sendError(response, 400, 'UnknownOperationException', `The local scheduler does not implement ${request.method} ${url.pathname}`);
  }

  /** A recurring schedule: fires every `everyMs` until deleted. */
  function putRecurring(key: string, name: string, group: string, everyMs: number, body: Record<string, unknown>, response: ServerResponse): void {
    const target = (body.Target ?? {}) as { Arn?: unknown; Input?: unknown };
    if (typeof target.Arn !== 'string' || !target.Arn.startsWith('arn:aws:sqs:')) {
      return sendError(response, 400, 'ValidationException', 'The local scheduler only supports SQS targets');
    }
    const timer = setInterval(() => void fire(key), everyMs);
    schedules.set(key, {
      name, group, at: new Date(Date.now() + everyMs), everyMs, targetArn: target.Arn, input: typeof target.Input === 'string' ? target.Input : '', timer,
      expression: String(body.ScheduleExpression),
    });
    return sendJson(response, { ScheduleArn: `arn:aws:scheduler:${options.region}:${options.account}:schedule/${group}/${name}` });
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
    pending: () => [...schedules.values()].map(({ timer: _timer, expression: _expression, ...s }) => s),
    delivering: () => running,
    async stop() {
      for (const schedule of schedules.values()) clearTimeout(schedule.timer);
      schedules.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendJson(response: ServerResponse, payload: unknown): void {
  const json = JSON.stringify(payload);
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'x-amzn-requestid': randomUUID() });
  response.end(json);
}

/** REST-JSON error shape: the SDK reads the type from `x-amzn-errortype`. */
function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  const json = JSON.stringify({ Message: message, message });
  response.writeHead(status, {
    'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID(),
  });
  response.end(json);
}
