/**
 * Declarative API routes: each route states its path, its zod schemas for path parameters, query
 * and body, and its response schema. The same definitions drive request validation, dispatch
 * (@middy/http-router) and the OpenAPI document, so the three cannot drift apart.
 */
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { fieldErrors, problems, ProblemError, problemBody } from './problem.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Claims {
  email: string;
  sub: string;
}

export interface RequestContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Verified JWT claims (the API Gateway JWT authorizer checked the token). */
  claims: Claims | null;
  event: APIGatewayProxyEventV2WithJWTAuthorizer;
}

export type ApiResult =
  | { status: number; body: unknown; headers?: Record<string, string> }
  | { status: number; redirect: string }
  | { status: 204 };

/**
 * What a route is, without what it does: enough to document it (OpenAPI) and to route it (API
 * Gateway route keys). Specs live apart from their handlers so a function that only documents a
 * route does not bundle the code behind it.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: HttpMethod;
  /** `/api/...` with `{name}` path parameters, as API Gateway writes them. */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  /** `public` routes skip authentication (only the OpenAPI document). */
  auth?: 'user' | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /** Success response: status and schema (`null` for no JSON body, e.g. redirects). */
  response: { status: number; schema: z.ZodType | null; description: string };
  /** Problem statuses this route may answer with, for the document. */
  errors?: number[];
}

export type RouteHandle<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> =
  (ctx: RequestContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<ApiResult>;

export interface RouteDefinition<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> extends RouteSpec<P, Q, B> {
  handle: RouteHandle<P, Q, B>;
}

export type AnyRouteSpec = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;
export type AnyRoute = RouteDefinition<z.ZodType, z.ZodType, z.ZodType>;

export function defineRoute<P extends z.ZodType = z.ZodObject<{}>, Q extends z.ZodType = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined>(
  route: RouteDefinition<P, Q, B>,
): AnyRoute {
  return route as unknown as AnyRoute;
}

/** A route spec with its schema types kept, so {@link implementRoute} can type the handler's context. */
export function defineRouteSpec<P extends z.ZodType = z.ZodObject<{}>, Q extends z.ZodType = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec<P, Q, B> {
  return spec;
}

/** Attaches the handler to a spec defined elsewhere (see {@link RouteSpec}). */
export function implementRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  spec: RouteSpec<P, Q, B>,
  handle: RouteHandle<P, Q, B>,
): AnyRoute {
  return defineRoute<P, Q, B>({ ...spec, handle });
}

/**
 * The API Gateway route key of a spec (`POST /api/mailboxes/{mailboxId}/outbox`).
 * See https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
 */
export function routeKeyOf(spec: Pick<AnyRouteSpec, 'method' | 'path'>): string {
  return `${spec.method} ${spec.path}`;
}

/**
 * Whether a request matches an API Gateway route key: `ANY` matches every method, `{name}` one
 * path segment, a final `{proxy+}` one or more. Used where API Gateway is not there to route
 * (the local stack).
 */
export function matchesRouteKey(routeKey: string, method: string, path: string): boolean {
  const [keyMethod, keyPath] = routeKey.split(' ') as [string, string | undefined];
  if (keyPath === undefined || (keyMethod !== 'ANY' && keyMethod !== method.toUpperCase())) return false;
  const keySegments = keyPath.split('/');
  const segments = path.split('/');
  for (const [i, keySegment] of keySegments.entries()) {
    const segment = segments[i];
    if (/^\{[^/]+\+\}$/.test(keySegment)) return i === keySegments.length - 1 && segments.slice(i).join('/') !== '';
    if (segment === undefined) return false;
    if (/^\{[^/]+\}$/.test(keySegment) ? segment === '' : segment !== keySegment) return false;
  }
  return segments.length === keySegments.length;
}

const MAX_BODY_BYTES = 1024 * 1024;

function decodeParams(raw: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (k === 'proxy' || v === undefined) continue;
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      throw problems.badRequest('A path parameter is not valid URL encoding.', [{ field: `path.${k}`, message: 'invalid percent-encoding' }]);
    }
  }
  return out;
}

function readJsonBody(event: APIGatewayProxyEventV2WithJWTAuthorizer): unknown {
  if (event.body === undefined || event.body === '') return undefined;
  const contentType = (event.headers['content-type'] ?? '').toLowerCase();
  if (!contentType.startsWith('application/json')) {
    throw problems.unsupportedMediaType('Send the request body as application/json.');
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw problems.payloadTooLarge('The JSON body is larger than 1 MiB.');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw problems.badRequest('The body is not valid JSON.', [{ field: 'body', message: (error as Error).message }]);
  }
}

export function claimsOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): Claims | null {
  const claims = event.requestContext.authorizer?.jwt?.claims;
  if (!claims) return null;
  const email = claims.email;
  if (typeof email !== 'string' || email === '') return null;
  return { email: email.toLowerCase(), sub: String(claims.sub ?? '') };
}

export type RoutedHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * One Lambda handler serving the given routes: dispatch on method and path (@middy/http-router),
 * CORS preflights, a problem response for anything unknown or thrown. Each API function is this
 * over its own route list, so they answer alike.
 */
export function createRoutedHandler(routes: AnyRoute[]): RoutedHandler {
  const router = httpRouterHandler({
    routes: routes.map((route) => ({ method: route.method, path: route.path, handler: toLambdaHandler(route) })),
    // The router's type expects a throwing function; returning a problem response works the same.
    notFoundResponse: (({ method, path }: { method: string; path: string }) =>
      errorResponse(problems.notFound(`${method} ${path}`), path)) as never,
  }) as unknown as RoutedHandler;
  return async (event) => {
    // CORS preflight: API Gateway adds the CORS headers it is configured with; there is nothing to authorise.
    if (event.requestContext.http.method === 'OPTIONS') return { statusCode: 204 };
    try {
      return await router(event);
    } catch (error) {
      return errorResponse(error, event.rawPath);
    }
  };
}

/** Validates the request against the route's schemas and runs it; every failure is a problem response. */
export function toLambdaHandler(route: AnyRoute) {
  return async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      const claims = claimsOf(event);
      if (route.auth !== 'public' && claims === null) throw problems.unauthorized();
      const params = parsePart('path', route.params, decodeParams(event.pathParameters));
      const query = parsePart('query', route.query, event.queryStringParameters ?? {});
      const body = parsePart('body', route.body, route.body ? readJsonBody(event) : undefined);
      const result = await route.handle({ params, query, body, claims, event });
      return toResponse(result, event);
    } catch (error) {
      return errorResponse(error, event.rawPath);
    }
  };
}

function parsePart(part: 'path' | 'query' | 'body', schema: z.ZodType | undefined, value: unknown): any {
  if (!schema) return part === 'body' ? undefined : {};
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = fieldErrors(part, result.error);
    throw problems.badRequest(`${errors.length === 1 ? 'A field is' : 'Some fields are'} invalid: ${errors.map((e) => e.field).join(', ')}.`, errors);
  }
  return result.data;
}

/**
 * A GET answered 200 without an ETag of its own (a route's ETag is its resource version, for
 * If-Match) gets a weak ETag of its body, and a request whose `If-None-Match` names it gets 304
 * with no body: pollers (the web app's lists, integrations) revalidate without downloading again.
 * `no-store` stays: mail content never goes into shared or disk caches; the client keeps the copy.
 * See https://www.rfc-editor.org/rfc/rfc9110#name-if-none-match
 */
function toResponse(result: ApiResult, event?: APIGatewayProxyEventV2WithJWTAuthorizer): APIGatewayProxyStructuredResultV2 {
  if ('redirect' in result) return { statusCode: result.status, headers: { location: result.redirect, 'cache-control': 'no-store' } };
  if (!('body' in result)) return { statusCode: 204 };
  const body = JSON.stringify(result.body);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...result.headers };
  if (event?.requestContext.http.method === 'GET' && result.status === 200 && headers['etag'] === undefined) {
    const tag = `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    headers['etag'] = tag;
    if (matchesIfNoneMatch(event.headers['if-none-match'], tag)) {
      return { statusCode: 304, headers: { etag: tag, 'cache-control': 'no-store' } };
    }
  }
  return { statusCode: result.status, headers, body };
}

/** Weak comparison (RFC 9110 8.8.3.2): `W/` is ignored on both sides; `*` matches any. */
function matchesIfNoneMatch(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false;
  const opaque = (value: string) => value.trim().replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim() === '*' || opaque(candidate) === opaque(tag));
}

export function errorResponse(error: unknown, instance?: string): APIGatewayProxyStructuredResultV2 {
  let problem: ProblemError;
  if (error instanceof ProblemError) {
    problem = error;
  } else {
    console.error(JSON.stringify({ level: 'error', msg: 'unhandled API error', error: error instanceof Error ? error.stack : String(error) }));
    problem = new ProblemError(500, 'Internal error', 'Something went wrong on our side; the request may be retried.');
  }
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
    body: JSON.stringify(problemBody(problem, instance)),
  };
}
