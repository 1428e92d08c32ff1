/**
 * The HTTP API's three functions: the compose function serves exactly the outbox routes
 * (`COMPOSE_ROUTE_KEYS`), the workspace function exactly `WORKSPACE_ROUTE_KEYS` (administration,
 * accounts, templates, drafts, contacts, cases, and the OpenAPI document of every route), the API
 * function the rest; API Gateway and the local stack route by those keys. No route here reaches
 * its dependencies, so they are left empty.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../functions/api/handler.js';
import { createComposeHandler } from '../../../functions/compose/handler.js';
import { createWorkspaceHandler } from '../../../functions/workspace/handler.js';
import { createCoreRoutes } from '../../../shared/api/routes-core.js';
import { createWorkspaceRoutes, WORKSPACE_ROUTE_KEYS } from '../../../shared/api/routes-workspace.js';
import { buildOpenApi } from '../../../shared/api/openapi.js';
import { matchesRouteKey, routeKeyOf, type AnyRouteSpec } from '../../../shared/api/router.js';
import { createRoutes, type ApiDeps } from '../../../shared/api/routes.js';
import { createOutboxRoutes, type OutboxRouteDeps } from '../../../shared/api/routes-outbox.js';
import { COMPOSE_ROUTE_KEYS, OUTBOX_ROUTE_SPECS } from '../../../shared/api/routes-outbox-spec.js';

const noApiDeps = {} as ApiDeps;
const noOutboxDeps = {} as OutboxRouteDeps;

function event(method: string, path: string, email?: string): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0', routeKey: 'ANY /api/{proxy+}', rawPath: path, rawQueryString: '', headers: {},
    pathParameters: { proxy: path.replace(/^\/api\//, '') }, isBase64Encoded: false,
    requestContext: {
      routeKey: 'ANY /api/{proxy+}', stage: '$default', requestId: 'r1',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      authorizer: { jwt: { claims: email ? { email, sub: email } : {}, scopes: [] } },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

function json(result: APIGatewayProxyStructuredResultV2): any {
  return JSON.parse(String(result.body));
}

/** A request path for a spec's path, each `{name}` filled in. */
const samplePath = (spec: Pick<AnyRouteSpec, 'path'>) => spec.path.replace(/\{[^}]+\}/g, 'x1');

describe('OpenAPI document', () => {
  it('lists the outbox routes served by the compose function, from their specs', async () => {
    // Act
    const result = await createWorkspaceHandler(noApiDeps)(event('GET', '/api/openapi.json'));

    // Assess
    expect(result.statusCode).toBe(200);
    const doc = json(result);
    for (const spec of OUTBOX_ROUTE_SPECS) {
      expect(doc.paths[spec.path]?.[spec.method.toLowerCase()], routeKeyOf(spec)).toMatchObject({ operationId: spec.operationId, tags: ['outbox'] });
    }
    const compose = doc.paths['/api/mailboxes/{mailboxId}/outbox'].post;
    expect(compose.requestBody.content['application/json'].schema.required).toContain('to');
    expect(compose.responses['201'].content['application/json'].schema.properties.message.properties.status.enum).toContain('queued');
  });

  it('documents every route of both functions once, and the specs alike', () => {
    // Prepare
    const served = [...createRoutes(noApiDeps), ...createOutboxRoutes(noOutboxDeps)];

    // Act
    const fromRoutes = buildOpenApi(served, { title: 't', version: '0' });
    const fromSpecs = buildOpenApi([...createRoutes(noApiDeps), ...OUTBOX_ROUTE_SPECS], { title: 't', version: '0' });

    // Assess
    expect(new Set(served.map(routeKeyOf)).size).toBe(served.length);
    expect(fromSpecs).toEqual(fromRoutes);
  });
});

describe('split between the API, workspace and compose functions', () => {
  it('sends the workspace routes and the OpenAPI document to the workspace function, and nothing else', () => {
    const toWorkspace = (spec: AnyRouteSpec) => WORKSPACE_ROUTE_KEYS.some((key) => matchesRouteKey(key, spec.method, samplePath(spec)));
    for (const route of createWorkspaceRoutes(noApiDeps)) expect(toWorkspace(route), routeKeyOf(route)).toBe(true);
    for (const route of createCoreRoutes(noApiDeps)) expect(toWorkspace(route), routeKeyOf(route)).toBe(false);
    for (const spec of OUTBOX_ROUTE_SPECS) expect(toWorkspace(spec), routeKeyOf(spec)).toBe(false);
    expect(WORKSPACE_ROUTE_KEYS).toContain('GET /api/openapi.json');
  });

  it('answers 404 on the API function for workspace routes, and on the workspace function for core ones', async () => {
    const api = createApiHandler(noApiDeps);
    const workspace = createWorkspaceHandler(noApiDeps);
    expect((await api(event('GET', '/api/admin/mailboxes', 'camille@acme.test'))).statusCode).toBe(404);
    expect((await workspace(event('GET', '/api/me', 'camille@acme.test'))).statusCode).toBe(404);
  });

  it('derives one route key per outbox route, and the compose function serves exactly those', () => {
    // Assess
    expect([...COMPOSE_ROUTE_KEYS].sort()).toEqual(createOutboxRoutes(noOutboxDeps).map(routeKeyOf).sort());
    expect(COMPOSE_ROUTE_KEYS).toEqual(expect.arrayContaining([
      'POST /api/mailboxes/{mailboxId}/outbox', 'GET /api/mailboxes/{mailboxId}/outbox', 'POST /api/conversations/{conversationId}/replies',
      'GET /api/outbox/{messageKey}', 'POST /api/outbox/{messageKey}/cancel', 'POST /api/outbox/{messageKey}/retry',
    ]));
  });

  it('routes each request to the function that serves it', () => {
    // Assess: no API route is caught by a compose route key, every outbox route is
    const toCompose = (spec: AnyRouteSpec) => COMPOSE_ROUTE_KEYS.some((key) => matchesRouteKey(key, spec.method, samplePath(spec)));
    for (const route of createRoutes(noApiDeps)) expect(toCompose(route), routeKeyOf(route)).toBe(false);
    for (const spec of OUTBOX_ROUTE_SPECS) expect(toCompose(spec), routeKeyOf(spec)).toBe(true);
  });

  it('answers 404 on the API function for outbox routes, and on the compose function for the rest', async () => {
    // Prepare
    const api = createApiHandler(noApiDeps);
    const compose = createComposeHandler(noOutboxDeps);

    // Act
    const outboxOnApi = await api(event('POST', '/api/mailboxes/support/outbox', 'alex@acme.test'));
    const meOnCompose = await compose(event('GET', '/api/me', 'alex@acme.test'));
    const unsigned = await compose(event('POST', '/api/outbox/k1/cancel'));

    // Assess
    expect(outboxOnApi.statusCode).toBe(404);
    expect(meOnCompose.statusCode).toBe(404);
    expect(meOnCompose.headers?.['content-type']).toBe('application/problem+json');
    expect(unsigned.statusCode).toBe(401);
    expect((await compose(event('OPTIONS', '/api/outbox/k1/cancel'))).statusCode).toBe(204);
  });
});

describe('matchesRouteKey', () => {
  it.each([
    ['POST /api/outbox/{messageKey}/cancel', 'POST', '/api/outbox/k1/cancel', true],
    ['POST /api/outbox/{messageKey}/cancel', 'post', '/api/outbox/k1/cancel', true],
    ['POST /api/outbox/{messageKey}/cancel', 'GET', '/api/outbox/k1/cancel', false],
    ['POST /api/outbox/{messageKey}/cancel', 'POST', '/api/outbox//cancel', false],
    ['POST /api/outbox/{messageKey}/cancel', 'POST', '/api/outbox/k1/cancel/more', false],
    ['GET /api/outbox/{messageKey}', 'GET', '/api/outbox/k1/cancel', false],
    ['GET /api/mailboxes/{mailboxId}/outbox', 'GET', '/api/mailboxes/support/outbox', true],
    ['GET /api/mailboxes/{mailboxId}/outbox', 'GET', '/api/mailboxes/support/conversations', false],
    ['ANY /api/{proxy+}', 'DELETE', '/api/a/b/c', true],
    ['ANY /api/{proxy+}', 'GET', '/api/', false],
    ['GET /api/openapi.json', 'GET', '/api/openapi.json', true],
  ])('%s matches %s %s: %s', (key, method, path, expected) => {
    // Assess
    expect(matchesRouteKey(key, method, path)).toBe(expected);
  });
});
