/** Production wiring of the contacts function from the environment (built once per Lambda container). */
import { ENV, requireEnv } from '../config/env.js';
import { getDocumentClient, getEventBridgeClient, getS3Client } from '../adapters/aws.js';
import { Table } from '../adapters/dynamodb-table.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { S3BlobStore } from '../adapters/s3-blob-store.js';
import { MailStore } from '../inbound/mail-store.js';
import { Directory } from '../org/directory.js';
import { systemClock } from '../ports/index.js';
import { CaseRepository } from '../cases/case-repository.js';
import { CaseService } from '../cases/case-service.js';
import { ConversationLinks } from '../cases/conversation-links.js';
import { forwardedPartExtractor } from '../cases/forwarded-parts.js';
import { ContactRepository } from './contact-repository.js';
import { ContactService } from './contact-service.js';
import type { ParticipantsDeps } from './participants-consumer.js';

export function contactsDepsFromEnv(): ParticipantsDeps {
  const table = new Table(getDocumentClient(), requireEnv(ENV.tableName));
  const blobs = new S3BlobStore(getS3Client(), requireEnv(ENV.mailBucket));
  const events = new EventBridgePublisher(getEventBridgeClient(), requireEnv(ENV.eventBusName));
  const directory = new Directory(table);
  const links = new ConversationLinks(table);
  return {
    contacts: new ContactService({ contacts: new ContactRepository(table), links, directory, events, clock: systemClock }),
    cases: new CaseService({
      cases: new CaseRepository(table), links, store: new MailStore(table, blobs), directory, events, clock: systemClock,
      extractForwarded: forwardedPartExtractor(blobs),
    }),
  };
}
