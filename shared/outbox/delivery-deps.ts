/** Production wiring of delivery tracking from the environment (built once per Lambda container). */
import { ENV, requireEnv } from '../config/env.js';
import { getDocumentClient, getEventBridgeClient } from '../adapters/aws.js';
import { Table } from '../adapters/dynamodb-table.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { systemClock } from '../ports/index.js';
import type { DeliveryDeps } from './delivery-tracker.js';

export function deliveryDepsFromEnv(): DeliveryDeps {
  return {
    table: new Table(getDocumentClient(), requireEnv(ENV.tableName)),
    events: new EventBridgePublisher(getEventBridgeClient(), requireEnv(ENV.eventBusName)),
    clock: systemClock,
  };
}
