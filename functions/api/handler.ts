/**
 * API function: the core `/api/*` routes (shared/api/routes-core.ts), everything API Gateway does
 * not send to the compose function (the outbox) or the workspace function (administration,
 * accounts, templates, drafts, contacts, cases). API Gateway's JWT authorizer has verified the
 * token before this runs; each route then checks the caller's role in the mailbox it touches.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiDepsFromEnv } from '../../shared/api/deps.js';
import { createCoreRoutes, type ApiDeps } from '../../shared/api/routes-core.js';
import { createRoutedHandler, type RoutedHandler } from '../../shared/api/router.js';

/** Builds the routed handler for the given dependencies (tests pass their own). */
export function createApiHandler(deps: ApiDeps): RoutedHandler {
  return createRoutedHandler(createCoreRoutes(deps));
}

let routed: RoutedHandler | undefined;

export const handler = middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2>()
  .handler((event) => {
    routed ??= createApiHandler(apiDepsFromEnv());
    return routed(event);
  });
