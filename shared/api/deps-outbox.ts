/**
 * Production wiring of the compose function (the outbox routes) from the environment, built once
 * per Lambda container. Apart from deps.ts so the API function never constructs the S3, SQS and
 * Scheduler clients the outbox needs.
 */
import { composeDepsFromEnv } from '../outbox/deps.js';
import { Directory } from '../org/directory.js';
import type { OutboxRouteDeps } from './routes-outbox.js';

export function outboxRouteDepsFromEnv(): OutboxRouteDeps {
  const outbox = composeDepsFromEnv();
  return { directory: new Directory(outbox.table), outbox };
}
