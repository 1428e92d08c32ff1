/** Production wiring of the search indexer from the environment (built once per Lambda container). */
import { ENV, requireEnv } from '../config/env.js';
import { getDocumentClient, getS3Client } from '../adapters/aws.js';
import { DynamoMeter, Table } from '../adapters/dynamodb-table.js';
import { S3BlobStore } from '../adapters/s3-blob-store.js';
import { MailStore } from '../inbound/mail-store.js';
import type { IndexerDeps } from './indexer.js';

export function indexerDepsFromEnv(meter?: DynamoMeter): IndexerDeps {
  const table = new Table(getDocumentClient(), requireEnv(ENV.tableName), meter);
  return { table, store: new MailStore(table, new S3BlobStore(getS3Client(), requireEnv(ENV.mailBucket))) };
}
