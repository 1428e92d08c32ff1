/**
 * The API handler on dynalite with the demo organisation, a fixed clock and in-memory events, plus
 * helpers to call it as a signed-in member and to store conversations in a given state.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';
import { createGatewayHandler } from '../../helpers/api-gateway.js';
import { Directory } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { MailStore, conversationItem } from '../../../shared/inbound/mail-store.js';
import type { ConversationRecord, ConversationStatus } from '../../../shared/model/types.js';
import type { EventPublisher } from '../../../shared/ports/index.js';

export interface Harness {
  db: TestTable;
  events: MemoryEvents;
  clock: FixedClock;
  store: MailStore;
  api: ReturnType<typeof createGatewayHandler>;
  stop(): Promise<void>;
}

export async function startHarness(options: { events?: EventPublisher & { published?: unknown[] } } = {}): Promise<Harness> {
  const db = await startTestTable();
  await new Directory(db.table).save(modelFromSeed(demoSeed));
  const events = new MemoryEvents();
  const clock = new FixedClock();
  const store = new MailStore(db.table, new MemoryBlobStore());
  const api = createGatewayHandler({
    table: db.table, directory: new Directory(db.table), store,
    links: { link: async (key) => `https://download.test/${key}` },
    events: options.events ?? events, clock,
  });
  return { db, events, clock, store, api, stop: () => db.stop() };
}

export interface Call {
  email?: string;
  body?: unknown;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: any;
}

export function apiEvent(method: string, path: string, call: Call = {}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const query = new URLSearchParams(call.query ?? {}).toString();
  return {
    version: '2.0', routeKey: 'ANY /api/{proxy+}', rawPath: path, rawQueryString: query,
    headers: { ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}), ...call.headers },
    queryStringParameters: call.query, pathParameters: { proxy: path.replace(/^\/api\//, '') },
    body: call.body === undefined ? undefined : JSON.stringify(call.body), isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000', apiId: 'local', domainName: 'localhost', domainPrefix: 'localhost', requestId: 'r1',
      routeKey: 'ANY /api/{proxy+}', stage: '$default', time: '', timeEpoch: 0,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: call.email ? { email: call.email, sub: call.email } : {}, scopes: [] } },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

export async function call(h: Harness, method: string, path: string, options: Call = {}): Promise<Reply> {
  const result: APIGatewayProxyStructuredResultV2 = await h.api(apiEvent(method, path, options));
  const text = typeof result.body === 'string' ? result.body : '';
  return {
    status: result.statusCode ?? 0,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: text ? JSON.parse(text) : undefined,
  };
}

let sequence = 0;

/** Stores a conversation in the given state (index keys included) and returns it. */
export async function storeConversation(
  h: Harness,
  state: { mailboxId?: string; status?: ConversationStatus; assignee?: string | null; labels?: string[]; at?: string; subject?: string } = {},
): Promise<ConversationRecord> {
  sequence += 1;
  const at = state.at ?? new Date(Date.UTC(2026, 10, 19, 8, 0, sequence)).toISOString();
  const record: ConversationRecord = {
    conversationId: `cw${String(sequence).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`,
    mailboxId: state.mailboxId ?? 'support', orgId: 'demo', subject: state.subject ?? `Demande ${sequence}`, subjectKey: `demande ${sequence}`,
    snippet: 'Bonjour…', from: { address: `client${sequence}@client.test`, name: '' }, participants: [`client${sequence}@client.test`],
    status: state.status ?? (state.assignee ? 'assigned' : 'unassigned'), assignee: state.assignee ?? null, isNew: true,
    labels: state.labels ?? [], flags: [], messageCount: 1, hasAttachments: false,
    createdAt: at, lastActivityAt: at, lastMessageKey: `m${sequence}`, messageRefs: [`${at}#m${sequence}`], version: 1,
  };
  await h.db.table.put(conversationItem(record));
  return record;
}
