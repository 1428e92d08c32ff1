/**
 * The one way the app talks to the HTTP API: bearer token from the auth module, JSON in and out,
 * and every failure turned into an {@link ApiError} that the UI can put into plain words.
 */
import { LOCAL_CONFIG } from '../runtime-config';
import type { Problem } from './types';

let baseUrlSetting = LOCAL_CONFIG.apiBaseUrl;

/**
 * Where the API lives: same origin on the local stack (it serves both), `VITE_API_BASE_URL` when
 * built with one, or the deployed stack's `/config.json` (set once at start-up, before rendering).
 */
export function apiBaseUrl(): string {
  return baseUrlSetting;
}

export function setApiBaseUrl(url: string): void {
  baseUrlSetting = url.replace(/\/$/, '');
}

const REQUEST_TIMEOUT_MS = 20_000;

export type ApiErrorKind = 'network' | 'timeout' | 'http';

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    /** HTTP status, 0 when no response arrived. */
    readonly status: number,
    readonly path: string,
    readonly problem: Problem | null = null,
  ) {
    super(problem?.detail ?? problem?.title ?? `${kind} error ${status} on ${path}`);
    this.name = 'ApiError';
  }
}

export interface ApiClientOptions {
  /** The current bearer token, or null when signed out. */
  getToken: () => string | null;
  /** Called on 401: the session is over (expired or revoked). */
  onUnauthorized?: () => void;
  baseUrl?: string;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Extra headers (e.g. `accept`). */
  headers?: Record<string, string>;
  /** `manual` returns an opaque redirect instead of following it (downloads). */
  redirect?: RequestRedirect;
  /**
   * Polling: send the ETag of the last answer to this path (`If-None-Match`) and reuse that
   * answer on 304, so an unchanged list costs a few bytes.
   */
  revalidate?: boolean;
}

/** Answers kept for revalidation, per path; the oldest go first. */
const REVALIDATION_ENTRIES = 20;

export interface ApiClient {
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  /** The raw response of an authorised GET (downloads); throws {@link ApiError} when not 2xx or a redirect. */
  fetchRaw(path: string, options?: RequestOptions): Promise<Response>;
  url(path: string): string;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl ?? apiBaseUrl();
  const url = (path: string): string => `${baseUrl}${path}`;
  const kept = new Map<string, { etag: string; body: unknown }>();

  const request = async (method: string, path: string, body: unknown, init: RequestOptions = {}): Promise<Response> => {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    const token = options.getToken();
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(url(path), {
        method, headers, signal, redirect: init.redirect ?? 'follow', ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        // A response the API lets browsers keep (max-age) is still checked with the server first:
        // what the user just changed must show at once.
        cache: 'no-cache',
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ApiError(timeout.aborted ? 'timeout' : 'network', 0, path);
    }
    if (response.ok || response.status === 304 || response.type === 'opaqueredirect') return response;
    const problem = await readProblem(response);
    if (response.status === 401) options.onUnauthorized?.();
    throw new ApiError('http', response.status, path, problem);
  };

  return {
    url,
    async get<T>(path: string, init?: RequestOptions): Promise<T> {
      if (!init?.revalidate) return (await (await request('GET', path, undefined, init)).json()) as T;
      const previous = kept.get(path);
      const response = await request('GET', path, undefined, previous ? { ...init, headers: { ...init.headers, 'if-none-match': previous.etag } } : init);
      if (response.status === 304 && previous) return previous.body as T;
      const body = (await response.json()) as T;
      const etag = response.headers.get('etag');
      kept.delete(path);
      if (etag !== null) {
        kept.set(path, { etag, body });
        if (kept.size > REVALIDATION_ENTRIES) kept.delete(kept.keys().next().value!);
      }
      return body;
    },
    async send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, init?: RequestOptions): Promise<T> {
      const response = await request(method, path, body, init);
      if (response.status === 204) return undefined as T;
      const text = await response.text();
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
    fetchRaw: (path, init) => request('GET', path, undefined, init),
  };
}

/** problem+json, API Gateway's `{ "message": ... }`, or nothing usable. */
async function readProblem(response: Response): Promise<Problem | null> {
  try {
    const text = await response.text();
    if (text === '') return null;
    const body = JSON.parse(text) as Problem & { message?: string };
    if (typeof body !== 'object' || body === null) return null;
    if (body.title === undefined && typeof body.message === 'string') return { title: body.message, status: response.status };
    return body;
  } catch {
    return null;
  }
}
