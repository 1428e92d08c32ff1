/**
 * The inbound use case, the contacts consumer and the API on one dynalite table with the demo
 * organisation, in-memory S3 and events, and a fixed clock: mail goes in as it would over SES, and
 * its `Message Received` event is handed to the consumer as the contacts queue would deliver it.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';
import { apiEvent } from '../workflow/harness.js';
import { createGatewayHandler } from '../../helpers/api-gateway.js';
import { handleContacts } from '../../../functions/contacts/handler.js';
import { CaseRepository } from '../../../shared/cases/case-repository.js';
import { CaseService } from '../../../shared/cases/case-service.js';
import { ConversationLinks } from '../../../shared/cases/conversation-links.js';
import { forwardedPartExtractor } from '../../../shared/cases/forwarded-parts.js';
import { ContactRepository } from '../../../shared/contacts/contact-repository.js';
import { ContactService } from '../../../shared/contacts/contact-service.js';
import type { ParticipantsDeps } from '../../../shared/contacts/participants-consumer.js';
import { MailStore } from '../../../shared/inbound/mail-store.js';
import { receiveMessage } from '../../../shared/inbound/receive-message.js';
import { Directory } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import type { DomainEvent } from '../../../shared/ports/index.js';

export interface CasesHarness {
  db: TestTable;
  blobs: MemoryBlobStore;
  events: MemoryEvents;
  clock: FixedClock;
  store: MailStore;
  consumer: ParticipantsDeps;
  api: ReturnType<typeof createGatewayHandler>;
  stop(): Promise<void>;
}

export async function startCasesHarness(): Promise<CasesHarness> {
  const db = await startTestTable();
  const directory = new Directory(db.table);
  await directory.save(modelFromSeed(demoSeed));
  const blobs = new MemoryBlobStore();
  const events = new MemoryEvents();
  const clock = new FixedClock();
  const store = new MailStore(db.table, blobs);
  const links = new ConversationLinks(db.table);
  const consumer: ParticipantsDeps = {
    contacts: new ContactService({ contacts: new ContactRepository(db.table), links, directory, events, clock }),
    cases: new CaseService({ cases: new CaseRepository(db.table), links, store, directory, events, clock, extractForwarded: forwardedPartExtractor(blobs) }),
  };
  const api = createGatewayHandler({ table: db.table, directory, store, links: { link: async (key) => `https://download.test/${key}` }, events, clock });
  return { db, blobs, events, clock, store, consumer, api, stop: () => db.stop() };
}

let counter = 0;

/** A plain-text message with the given headers (CRLF, as on the wire). */
export function mail(headers: Record<string, string>, body = 'Bonjour,\r\nMerci de votre aide.\r\n'): string {
  const all = { 'Date': 'Fri, 20 Nov 2026 09:00:00 +0100', 'MIME-Version': '1.0', 'Content-Type': 'text/plain; charset=utf-8', ...headers };
  return `${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
}

/** Receives a message as SES would hand it over and answers its `Message Received` event. */
export async function deliver(h: CasesHarness, raw: string | Buffer, envelope: string[]): Promise<DomainEvent> {
  const key = `inbound/case-test-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
  await h.blobs.put(key, Buffer.isBuffer(raw) ? raw : Buffer.from(raw), 'message/rfc822');
  h.clock.advance(1000);
  const before = h.events.published.length;
  const outcome = await receiveMessage({ rawKey: key, envelopeRecipients: envelope, receivedAt: h.clock.now().toISOString() }, { store: h.store, blobs: h.blobs, events: h.events, clock: h.clock, subjectWindowHours: 72 });
  if (outcome.kind !== 'stored') throw new Error(`not stored: ${outcome.kind}`);
  const event = h.events.published.slice(before).find((e) => e.detailType === 'Message Received');
  if (!event) throw new Error('no Message Received event');
  return event;
}

/** Hands an event to the contacts function as the contacts queue would (the bus rule's SQS body). */
export async function consume(h: CasesHarness, event: DomainEvent) {
  const body = JSON.stringify({ version: '0', id: event.detail.metadata.eventId, source: 'mailroom', 'detail-type': event.detailType, detail: event.detail });
  return handleContacts({ Records: [{ messageId: `r${++counter}`, body }] } as never, h.consumer);
}

export async function deliverAndConsume(h: CasesHarness, raw: string | Buffer, envelope: string[]) {
  const event = await deliver(h, raw, envelope);
  const result = await consume(h, event);
  if (result.batchItemFailures.length > 0) throw new Error('the consumer failed');
  return event.detail.data as { messageKey: string; placements: { conversationId: string; mailboxId: string }[] };
}

export interface Reply { status: number; headers: Record<string, string>; body: any }

export async function call(h: CasesHarness, method: string, path: string, options: { email?: string; body?: unknown; query?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Reply> {
  const result: APIGatewayProxyStructuredResultV2 = await h.api(apiEvent(method, path, options));
  const text = typeof result.body === 'string' ? result.body : '';
  return { status: result.statusCode ?? 0, headers: (result.headers ?? {}) as Record<string, string>, body: text ? JSON.parse(text) : undefined };
}

export function published(h: CasesHarness, detailType: string): DomainEvent[] {
  return h.events.published.filter((e) => e.detailType === detailType);
}
