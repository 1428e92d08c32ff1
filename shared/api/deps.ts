/** Production wiring of the API from the environment (built once per Lambda container). */
import { ENV, requireEnv } from '../config/env.js';
import { endpointFor, getDocumentClient, getEventBridgeClient } from '../adapters/aws.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { Table, type DynamoMeter } from '../adapters/dynamodb-table.js';
import { PresignedBlobReader, S3DownloadLinks } from '../adapters/s3-presigner.js';
import { MailStore } from '../inbound/mail-store.js';
import { Directory } from '../org/directory.js';
import type { ApiDeps } from './routes-core.js';

export function apiDepsFromEnv(meter?: DynamoMeter): ApiDeps {
  const documents = getDocumentClient();
  const table = new Table(documents, requireEnv(ENV.tableName), meter);
  const links = new S3DownloadLinks({
    bucket: requireEnv(ENV.mailBucket),
    region: process.env.AWS_REGION ?? 'us-east-1',
    // The DynamoDB client's provider chain: one set of credentials, refreshed as they expire.
    credentials: documents.config.credentials,
    endpoint: endpointFor('s3'),
  });
  return {
    table, directory: new Directory(table), store: new MailStore(table, new PresignedBlobReader(links)), links,
    events: new EventBridgePublisher(getEventBridgeClient(), requireEnv(ENV.eventBusName)),
  };
}
