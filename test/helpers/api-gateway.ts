/**
 * The HTTP API as API Gateway routes it, for unit tests: workspace route keys to the workspace
 * function, everything else to the API function (outbox routes are the compose function's and
 * answer 404 here, as they would on these two).
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { createApiHandler } from '../../functions/api/handler.js';
import { createWorkspaceHandler } from '../../functions/workspace/handler.js';
import { matchesRouteKey, type RoutedHandler } from '../../shared/api/router.js';
import type { ApiDeps } from '../../shared/api/routes-core.js';
import { WORKSPACE_ROUTE_KEYS } from '../../shared/api/routes-workspace.js';

export function createGatewayHandler(deps: ApiDeps): RoutedHandler {
  const api = createApiHandler(deps);
  const workspace = createWorkspaceHandler(deps);
  return (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
    const { method } = event.requestContext.http;
    return WORKSPACE_ROUTE_KEYS.some((key) => matchesRouteKey(key, method, event.rawPath)) ? workspace(event) : api(event);
  };
}
