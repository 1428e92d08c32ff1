/**
 * Workspace function: the `/api` routes for setting up and filing (shared/api/routes-workspace.ts)
 * and the OpenAPI document, which API Gateway sends here by their exact route keys. Same JWT
 * authorizer and per-route role checks as the API function.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiDepsFromEnv } from '../../shared/api/deps.js';
import { createRoutedHandler, type RoutedHandler } from '../../shared/api/router.js';
import { createOpenApiRoute } from '../../shared/api/routes.js';
import { createCoreRoutes, type ApiDeps } from '../../shared/api/routes-core.js';
import { createWorkspaceRoutes } from '../../shared/api/routes-workspace.js';

/** Builds the routed handler for the given dependencies (tests pass their own). */
export function createWorkspaceHandler(deps: ApiDeps): RoutedHandler {
  const routes = createWorkspaceRoutes(deps);
  return createRoutedHandler([...routes, createOpenApiRoute(() => [...createCoreRoutes(deps), ...routes])]);
}

let routed: RoutedHandler | undefined;

export const handler = middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2>()
  .handler((event) => {
    routed ??= createWorkspaceHandler(apiDepsFromEnv());
    return routed(event);
  });
