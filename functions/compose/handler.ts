/**
 * Compose function: the outbox routes of the HTTP API (compose, reply, read, list, cancel, retry;
 * `COMPOSE_ROUTE_KEYS`). A function of its own because sending mail needs the MIME builder, the
 * HTML sanitiser and the S3, SQS and Scheduler clients, which every other route would otherwise
 * load on a cold start. Same JWT authorizer, same request handling as the API function.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { outboxRouteDepsFromEnv } from '../../shared/api/deps-outbox.js';
import { createOutboxRoutes, type OutboxRouteDeps } from '../../shared/api/routes-outbox.js';
import { createRoutedHandler, type RoutedHandler } from '../../shared/api/router.js';

/** Builds the routed handler for the given dependencies (tests pass their own). */
export function createComposeHandler(deps: OutboxRouteDeps): RoutedHandler {
  return createRoutedHandler(createOutboxRoutes(deps));
}

let routed: RoutedHandler | undefined;

export const handler = middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2>()
  .handler((event) => {
    routed ??= createComposeHandler(outboxRouteDepsFromEnv());
    return routed(event);
  });
