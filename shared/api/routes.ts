/**
 * Every route of the HTTP API but the outbox's, and the OpenAPI document of all of them (the
 * outbox's from their specs). Two functions serve them: the API function the core routes
 * (routes-core.ts), the workspace function the rest (routes-workspace.ts) and this document.
 */
import { buildOpenApi } from './openapi.js';
import { defineRoute, type AnyRoute } from './router.js';
import { createCoreRoutes, type ApiDeps } from './routes-core.js';
import { OUTBOX_ROUTE_SPECS } from './routes-outbox-spec.js';
import { createWorkspaceRoutes } from './routes-workspace.js';

export type { ApiDeps } from './routes-core.js';

export function createOpenApiRoute(documented: () => AnyRoute[]): AnyRoute {
  let document: Record<string, unknown> | undefined;
  const route: AnyRoute = defineRoute({
    method: 'GET', path: '/api/openapi.json', operationId: 'getOpenApi', tags: ['meta'], auth: 'public',
    summary: 'This OpenAPI document.',
    response: { status: 200, schema: null, description: 'OpenAPI 3.1 document.' },
    handle: async () => ({
      status: 200,
      body: (document ??= buildOpenApi([...documented(), ...OUTBOX_ROUTE_SPECS, route], { title: 'Mailroom API', version: '0.1.0' })),
      headers: { 'cache-control': 'public, max-age=300' },
    }),
  });
  return route;
}

/** Every route both functions serve, with the OpenAPI document: what the API answers as a whole. */
export function createRoutes(deps: ApiDeps): AnyRoute[] {
  const routes = [...createCoreRoutes(deps), ...createWorkspaceRoutes(deps)];
  return [...routes, createOpenApiRoute(() => routes)];
}
