/** Production wiring of the API from the environment (built once per Lambda container). */
import { ENV, requireEnv } from '../config/env.js';
import { getDocumentClient, getS3Client } from '../adapters/aws.js';
import { Table, type DynamoMeter } from '../adapters/dynamodb-table.js';
import { S3BlobStore } from '../adapters/s3-blob-store.js';
import { S3DownloadLinks } from '../adapters/s3-presigner.js';
import { MailStore } from '../inbound/mail-store.js';
import { Directory } from '../org/directory.js';
import type { ApiDeps } from './routes.js';

export function apiDepsFromEnv(meter?: DynamoMeter): ApiDeps {
  const bucket = requireEnv(ENV.mailBucket);
  const table = new Table(getDocumentClient(), requireEnv(ENV.tableName), meter);
  return {
    table,
    directory: new Directory(table),
    store: new MailStore(table, new S3BlobStore(getS3Client(), bucket)),
    links: new S3DownloadLinks(getS3Client(), bucket),
  };
}
