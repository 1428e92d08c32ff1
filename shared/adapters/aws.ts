/**
 * One place that builds AWS SDK clients. In AWS every client uses its default endpoint; the
 * embedded local stack sets one endpoint variable per service so the same handlers talk to local
 * API-compatible emulators. Clients are created once per module scope (reused across invocations).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

export const ENDPOINT_ENV = {
  dynamodb: 'MAILROOM_ENDPOINT_DYNAMODB',
  s3: 'MAILROOM_ENDPOINT_S3',
  sqs: 'MAILROOM_ENDPOINT_SQS',
  sns: 'MAILROOM_ENDPOINT_SNS',
  ses: 'MAILROOM_ENDPOINT_SES',
  eventbridge: 'MAILROOM_ENDPOINT_EVENTBRIDGE',
  scheduler: 'MAILROOM_ENDPOINT_SCHEDULER',
} as const;

export type AwsService = keyof typeof ENDPOINT_ENV;

/** Endpoint override for a service, if the environment names one. */
export function endpointFor(service: AwsService): string | undefined {
  const value = process.env[ENDPOINT_ENV[service]];
  return value === undefined || value === '' ? undefined : value;
}

function baseConfig(service: AwsService) {
  const endpoint = endpointFor(service);
  return endpoint === undefined ? {} : { endpoint };
}

let documentClient: DynamoDBDocumentClient | undefined;
let s3Client: S3Client | undefined;
let eventBridgeClient: EventBridgeClient | undefined;

export function getDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient(baseConfig('dynamodb')), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  return documentClient;
}

export function getS3Client(): S3Client {
  // Path-style addressing only where an emulator needs it; AWS uses virtual-hosted style.
  s3Client ??= new S3Client({ ...baseConfig('s3'), forcePathStyle: endpointFor('s3') !== undefined });
  return s3Client;
}

export function getEventBridgeClient(): EventBridgeClient {
  eventBridgeClient ??= new EventBridgeClient(baseConfig('eventbridge'));
  return eventBridgeClient;
}

/** Forgets cached clients; used when the embedded local stack restarts with new endpoints. */
export function resetClients(): void {
  documentClient?.destroy();
  s3Client?.destroy();
  eventBridgeClient?.destroy();
  documentClient = undefined;
  s3Client = undefined;
  eventBridgeClient = undefined;
}
