/**
 * API function: every `/api/*` route of the HTTP API. API Gateway's JWT authorizer has verified the
 * token before this runs; each route then checks the caller's role in the mailbox it touches.
 */
import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiDepsFromEnv } from '../../shared/api/deps.js';
import { createRoutes, type ApiDeps } from '../../shared/api/routes.js';
import { errorResponse, toLambdaHandler } from '../../shared/api/router.js';
import { problems } from '../../shared/api/problem.js';

type Handler = (event: APIGatewayProxyEventV2WithJWTAuthorizer) => Promise<APIGatewayProxyStructuredResultV2>;

/** Builds the routed handler for the given dependencies (tests pass their own). */
export function createApiHandler(deps: ApiDeps): Handler {
  const router = httpRouterHandler({
    routes: createRoutes(deps).map((route) => ({ method: route.method, path: route.path, handler: toLambdaHandler(route) })),
    // The router's type expects a throwing function; returning a problem response works the same.
    notFoundResponse: (({ method, path }: { method: string; path: string }) =>
      errorResponse(problems.notFound(`${method} ${path}`), path)) as never,
  }) as unknown as Handler;
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

let routed: Handler | undefined;

export const handler = middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2>()
  .handler((event) => {
    routed ??= createApiHandler(apiDepsFromEnv());
    return routed(event);
  });
