/**
 * Stand-in for the HTTP API (API Gateway v2) in front of the API function, plus the local-only
 * routes under `/local/`. It turns each request into the payload-format-2.0 event API Gateway
 * sends, with the JWT authorizer's behaviour (401 before the handler for a missing or invalid
 * token, claims forwarded as strings), and maps the handler's result back as API Gateway does.
 *
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { signDevToken, verifyDevToken, type DevUser } from './dev-tokens.js';
import { readBody } from './event-bus.js';
import { lambdaContext } from './lambda-context.js';
import type { Logger } from './logger.js';
import { isWebRequest, serveWeb } from './web-static.js';

/** How the local stack calls the API handler: as the Node.js runtime does, with a promise. */
export type ApiHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** HTTP API payload limit. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** Routes the deployed API leaves without an authorizer (infra/constructs/http-api.ts). */
const PUBLIC_ROUTES = new Set(['GET /api/openapi.json']);
/** The authorized catch-all route; public routes are their own route keys. */
const PROXY_ROUTE_KEY = 'ANY /api/{proxy+}';
/** Request bodies API Gateway passes as text; everything else arrives base64-encoded. */
const TEXT_CONTENT = /^(text\/|application\/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|javascript|x-www-form-urlencoded|graphql))/i;
/** Same-origin path of the S3 emulator for the app's uploads (see {@link localUploadUrl}). */
export const LOCAL_S3_PATH = '/local/s3';
/** The route that issues upload links (shared/compose/compose-routes.ts). */
const UPLOAD_ROUTE = /^\/api\/mailboxes\/[^/]+\/uploads$/;
/** Request headers an upload PUT carries to S3; the rest (cookies, origin, ...) stay here. */
const S3_PUT_HEADERS = /^(content-type|content-length|content-md5|x-amz-[\w-]+)$/;

export interface HttpGatewayOptions {
  port: number;
  region: string;
  /** The API function's timeout, handed to it through its context. */
  timeoutMs: number;
  tokenSecret: string;
  apiHandler: ApiHandler;
  findUser: (email: string) => Promise<DevUser | null>;
  events: () => unknown[];
  logger: Logger;
  /** Directory of the built web app served at `/` (default `web/dist`). */
  webRoot?: string;
  /**
   * The S3 emulator's endpoint. When set, upload links the API issues for it are handed out on
   * this gateway's origin under {@link LOCAL_S3_PATH}, and PUTs there go on to the emulator.
   */
  s3Endpoint?: string;
}

export interface HttpGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startHttpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  const server: Server = createServer((request, response) => {
    void route(request, response, options).catch((error: unknown) => {
      options.logger.error(`http: ${request.method ?? ''} ${request.url ?? ''} failed`, error);
      if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      else response.destroy();
    });
  });
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
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function route(request: IncomingMessage, response: ServerResponse, options: HttpGatewayOptions): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://local');
  const method = request.method ?? 'GET';
  if (url.pathname.startsWith('/api/')) return api(request, response, options);
  if (url.pathname === '/local/health' && method === 'GET') return sendJson(response, 200, { status: 'ok' });
  if (url.pathname === '/local/events' && method === 'GET') return sendJson(response, 200, options.events());
  if (url.pathname === '/local/sign-in' && method === 'POST') return signIn(request, response, options);
  if (url.pathname.startsWith(`${LOCAL_S3_PATH}/`) && options.s3Endpoint !== undefined) return forwardUpload(request, response, options.s3Endpoint);
  if (isWebRequest(method, url.pathname)) return serveWeb(request, response, url.pathname, options.webRoot);
  sendJson(response, 404, { message: 'Not Found' });
}

async function signIn(request: IncomingMessage, response: ServerResponse, options: HttpGatewayOptions): Promise<void> {
  const raw = await readBody(request, 64 * 1024);
  let email: unknown;
  try {
    email = (JSON.parse(raw?.toString('utf8') ?? '') as { email?: unknown }).email;
  } catch {
    email = undefined;
  }
  if (typeof email !== 'string' || !email.includes('@')) {
    return sendProblem(response, 400, 'Bad Request', 'Expected a JSON body { "email": "user@example.com" }');
  }
  const user = await options.findUser(email.trim().toLowerCase());
  if (user === null) {
    return sendProblem(response, 404, 'Not Found', `No user ${email.trim().toLowerCase()} in the directory; sign in as one of the seeded users`);
  }
  sendJson(response, 200, await signDevToken(user, options.tokenSecret));
}

async function api(request: IncomingMessage, response: ServerResponse, options: HttpGatewayOptions): Promise<void> {
  const started = Date.now();
  const requestId = randomBytes(10).toString('base64');
  const method = request.method ?? 'GET';
  const target = request.url ?? '/';
  const queryAt = target.indexOf('?');
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : target.slice(queryAt + 1);

  let authorizer: { claims: Record<string, string>; scopes: string[] | null } | null = null;
  const publicRoute = PUBLIC_ROUTES.has(`${method} ${rawPath}`) ? `${method} ${rawPath}` : null;
  if (publicRoute === null) {
    const authorization = request.headers.authorization;
    authorizer = await verifyDevToken(authorization, options.tokenSecret);
    if (authorizer === null) {
      await readBody(request, MAX_REQUEST_BYTES);
      return sendJson(response, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer', 'apigw-requestid': requestId });
    }
  }
  const body = await readBody(request, MAX_REQUEST_BYTES);
  if (body === null) return sendJson(response, 413, { message: 'Request Entity Too Large' });

  const event = toApiEvent({ request, routeKey: publicRoute ?? PROXY_ROUTE_KEY, rawPath, rawQueryString, body, requestId, started, authorizer });
  let result: unknown;
  try {
    result = await options.apiHandler(event, lambdaContext('mailroom-api', options.region, options.timeoutMs));
  } catch (error) {
    options.logger.error(`api: ${method} ${rawPath} threw`, error);
    return sendJson(response, 500, { message: 'Internal Server Error' }, { 'apigw-requestid': requestId });
  }
  const mapped = fromApiResult(result);
  if (options.s3Endpoint !== undefined && method === 'POST' && UPLOAD_ROUTE.test(rawPath) && mapped.statusCode === 201) {
    mapped.body = withLocalUploadUrl(mapped.body, options.s3Endpoint, `http://${request.headers.host ?? `127.0.0.1:${request.socket.localPort ?? ''}`}`);
  }
  response.writeHead(mapped.statusCode, { ...mapped.headers, 'apigw-requestid': requestId, 'content-length': mapped.body.length });
  response.end(request.method === 'HEAD' ? undefined : mapped.body);
}

/**
 * Local only. In AWS the app PUTs a file straight to its presigned S3 link, which the bucket's CORS
 * rule allows from the app's origin (infra/constructs/mail-store.ts) and the deployed CSP's
 * `connect-src` names. Locally the S3 emulator listens on another port, which neither allows; so
 * the gateway hands the link out on its own origin (`<emulator>/<bucket>/<key>?<signature>` becomes
 * `<gateway>/local/s3/<bucket>/<key>?<signature>`) and {@link forwardUpload} sends the PUT on to
 * the emulator unchanged: same path, query and host, so the signature still names what is stored.
 * The API function itself is not touched: it signs for the emulator as it signs for S3 in AWS.
 */
export function localUploadUrl(url: string, s3Endpoint: string, origin: string): string {
  const endpoint = s3Endpoint.replace(/\/$/, '');
  return url.startsWith(`${endpoint}/`) ? `${origin}${LOCAL_S3_PATH}${url.slice(endpoint.length)}` : url;
}

function withLocalUploadUrl(body: Buffer, s3Endpoint: string, origin: string): Buffer {
  let link: { url?: unknown };
  try {
    link = JSON.parse(body.toString('utf8')) as { url?: unknown };
  } catch {
    return body;
  }
  if (typeof link.url !== 'string') return body;
  return Buffer.from(JSON.stringify({ ...link, url: localUploadUrl(link.url, s3Endpoint, origin) }), 'utf8');
}

/** PUTs under `/local/s3/<bucket>/uploads/` go on to the emulator (see {@link localUploadUrl}); nothing else does. */
async function forwardUpload(request: IncomingMessage, response: ServerResponse, s3Endpoint: string): Promise<void> {
  const path = (request.url ?? '').slice(LOCAL_S3_PATH.length);
  if (request.method !== 'PUT' || !/^\/[^/]+\/uploads\//.test(path) || path.split(/[/?]/).includes('..')) {
    await readBody(request, MAX_REQUEST_BYTES);
    return sendJson(response, 403, { message: 'Only upload PUTs go through /local/s3/' });
  }
  const target = new URL(s3Endpoint);
  const headers: Record<string, string> = { host: target.host };
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string' && S3_PUT_HEADERS.test(name)) headers[name] = value;
  }
  await new Promise<void>((resolve) => {
    const upstream = httpRequest({ hostname: target.hostname, port: target.port, method: 'PUT', path, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
      answer.on('end', resolve);
    });
    upstream.on('error', () => {
      if (!response.headersSent) sendJson(response, 502, { message: 'The local S3 emulator did not answer' });
      else response.destroy();
      resolve();
    });
    request.pipe(upstream);
  });
}

interface EventInput {
  request: IncomingMessage;
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  body: Buffer;
  requestId: string;
  started: number;
  authorizer: { claims: Record<string, string>; scopes: string[] | null } | null;
}

/** The payload-format-2.0 event for `ANY /api/{proxy+}` or a public route. */
export function toApiEvent(input: EventInput): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { request } = input;
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'cookie') continue;
    // Format 2.0 has no multi-value headers: repeated headers are joined with commas.
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  headers['x-forwarded-for'] = sourceIp;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(request.socket.localPort ?? '');
  const cookieHeader = request.headers.cookie;
  const cookies = cookieHeader === undefined ? undefined : cookieHeader.split(';').map((cookie) => cookie.trim()).filter(Boolean);

  let queryStringParameters: Record<string, string> | undefined;
  if (input.rawQueryString !== '') {
    queryStringParameters = {};
    for (const [name, value] of new URLSearchParams(input.rawQueryString)) {
      const existing = queryStringParameters[name];
      queryStringParameters[name] = existing === undefined ? value : `${existing},${value}`;
    }
  }
  const proxy = input.rawPath.slice('/api/'.length);
  const contentType = headers['content-type'] ?? '';
  const hasBody = input.body.length > 0;
  const isText = TEXT_CONTENT.test(contentType);
  const time = new Date(input.started);
  const host = headers['host'] ?? 'localhost';
  const method = request.method ?? 'GET';

  const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: input.rawPath,
    rawQueryString: input.rawQueryString,
    headers,
    ...(cookies !== undefined && cookies.length > 0 ? { cookies } : {}),
    ...(queryStringParameters !== undefined ? { queryStringParameters } : {}),
    ...(input.routeKey === PROXY_ROUTE_KEY ? { pathParameters: { proxy: safeDecode(proxy) } } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        // `scopes` is null for tokens without a `scope` claim (Cognito ID tokens), as on AWS.
        jwt: { claims: input.authorizer?.claims ?? {}, scopes: input.authorizer?.scopes as string[] },
      },
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method,
        path: input.rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: input.routeKey,
      stage: '$default',
      time: formatRequestTime(time),
      timeEpoch: input.started,
    },
    isBase64Encoded: hasBody && !isText,
    ...(hasBody ? { body: isText ? input.body.toString('utf8') : input.body.toString('base64') } : {}),
  };
  if (input.authorizer === null) {
    // Public routes carry no authorizer block at all.
    delete (event.requestContext as { authorizer?: unknown }).authorizer;
  }
  return event;
}

/**
 * API Gateway's mapping of a format-2.0 result: a structured result (`statusCode` present) is used
 * as is; anything else is serialised as a JSON 200.
 */
export function fromApiResult(result: unknown): { statusCode: number; headers: Record<string, string | string[]>; body: Buffer } {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const structured = result as APIGatewayProxyStructuredResultV2;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name.toLowerCase()] = String(value);
    headers['content-type'] ??= 'application/json';
    if (structured.cookies !== undefined && structured.cookies.length > 0) headers['set-cookie'] = structured.cookies;
    const text = structured.body ?? '';
    const body = structured.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
    return { statusCode: structured.statusCode ?? 200, headers, body };
  }
  const text = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(text, 'utf8') };
}

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
function formatRequestTime(time: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${pad(time.getUTCDate())}/${months[time.getUTCMonth()] ?? ''}/${time.getUTCFullYear()}:${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())} +0000`;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function sendJson(response: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), ...headers });
  response.end(json);
}

/** RFC 9457 problem details, the API's error format. */
function sendProblem(response: ServerResponse, status: number, title: string, detail: string): void {
  const json = JSON.stringify({ type: 'about:blank', title, status, detail });
  response.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(json) });
  response.end(json);
}
