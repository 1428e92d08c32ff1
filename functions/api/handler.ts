/**
 * API function: every `/api/*` route of the HTTP API but the outbox's, which the compose function
 * serves (functions/compose/). API Gateway's JWT authorizer has verified the token before this
 * runs; each route then checks the caller's role in the mailbox it touches.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiDepsFromEnv } from '../../shared/api/deps.js';
import { createRoutes, type ApiDeps } from '../../shared/api/routes.js';
import { createRoutedHandler, type RoutedHandler } from '../../shared/api/router.js';

/** Builds the routed handler for the given dependencies (tests pass their own). */
export function createApiHandler(deps: ApiDeps): RoutedHandler {
  return createRoutedHandler(createRoutes(deps));
}

let routed: RoutedHandler | undefined;

export const handler = middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2>()
  .handler((event) => {
    routed ??= createApiHandler(apiDepsFromEnv());
    return routed(event);
  });
