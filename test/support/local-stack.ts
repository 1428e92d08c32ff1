/**
 * Helpers for integration tests against the embedded local stack: every listener on a free
 * loopback port, everything in memory, quiet. One stack per test file (the handlers read
 * `process.env`, and vitest's `forks` pool runs each file in its own process).
 */
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../infra/local/stack.js';

export type { LocalStack } from '../../infra/local/stack.js';

/** An in-memory stack on random ports; `overrides` for the few tests that need more. */
export function startTestStack(overrides: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({
    inMemory: true,
    httpPort: 0,
    smtpPort: 0,
    ports: { dynamodb: 0, fauxqs: 0, ses: 0, eventBus: 0 },
    quiet: true,
    ...overrides,
  });
}

export interface TestMail {
  from: string;
  to: string | string[];
  cc?: string | string[];
  subject?: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
  attachments?: Mail.Attachment[];
  messageId?: string;
  inReplyTo?: string;
  references?: string | string[];
  /** SMTP envelope, when it must differ from the headers (Bcc, forwarding). */
  envelope?: { from: string; to: string[] };
}

export interface SentMail {
  /** Message-ID header of the sent message, with angle brackets. */
  messageId: string;
  /** The id the local SES stand-in gave it: the object key is `inbound/<sesMessageId>`. */
  sesMessageId: string;
  /** The server's final reply. */
  response: string;
}

/** Sends one message over real SMTP to the stack's SES receiving stand-in. */
export async function sendMail(stack: LocalStack, mail: TestMail): Promise<SentMail> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: stack.smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  try {
    const info = await transport.sendMail({
      from: mail.from,
      to: mail.to,
      ...(mail.cc !== undefined ? { cc: mail.cc } : {}),
      subject: mail.subject ?? '(no subject)',
      ...(mail.text !== undefined ? { text: mail.text } : {}),
      ...(mail.html !== undefined ? { html: mail.html } : {}),
      ...(mail.headers !== undefined ? { headers: mail.headers } : {}),
      ...(mail.attachments !== undefined ? { attachments: mail.attachments } : {}),
      ...(mail.messageId !== undefined ? { messageId: mail.messageId } : {}),
      ...(mail.inReplyTo !== undefined ? { inReplyTo: mail.inReplyTo } : {}),
      ...(mail.references !== undefined ? { references: mail.references } : {}),
      ...(mail.envelope !== undefined ? { envelope: mail.envelope } : {}),
    });
    const sesMessageId = /queued as (\S+)/.exec(info.response)?.[1];
    if (sesMessageId === undefined) throw new Error(`Unexpected SMTP reply: ${info.response}`);
    return { messageId: info.messageId, sesMessageId, response: info.response };
  } finally {
    transport.close();
  }
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, the text otherwise. */
  body: T;
}

export interface ApiClient {
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
  get<T = unknown>(path: string): Promise<ApiResponse<T>>;
  post<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  patch<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  put<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  delete<T = unknown>(path: string): Promise<ApiResponse<T>>;
}

/** A small fetch wrapper for the stack's HTTP API; `token` from `stack.signIn(email)`. */
export function api(stack: LocalStack, token?: string): ApiClient {
  const request = async <T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${stack.httpUrl}${path}`, {
      method,
      headers,
      redirect: 'manual',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    const isJson = /json/.test(response.headers.get('content-type') ?? '') && text !== '';
    return { status: response.status, headers: response.headers, body: (isJson ? JSON.parse(text) : text) as T };
  };
  return {
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    patch: (path, body) => request('PATCH', path, body),
    put: (path, body) => request('PUT', path, body),
    delete: (path) => request('DELETE', path),
  };
}

/**
 * Polls `fn` until it returns something other than undefined, null or false (or stops throwing),
 * and returns that; fails with the last error after `timeoutMs`.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 50): Promise<NonNullable<Exclude<T, false>>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value as NonNullable<Exclude<T, false>>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`waitFor: condition not met within ${timeoutMs} ms${lastError !== undefined ? `: ${String(lastError)}` : ''}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
