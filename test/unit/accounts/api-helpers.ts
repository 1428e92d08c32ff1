/** API Gateway v2 events for the account route tests, and a handler over dynalite with the demo organisation. */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { createRoutedHandler } from '../../../shared/api/router.js';
import { createAccountRoutes } from '../../../shared/api/routes-accounts.js';
import { AesGcmCredentialCipher } from '../../../shared/accounts/cipher.js';
import { MailStore } from '../../../shared/inbound/mail-store.js';
import { Directory } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';

export function apiEvent(method: string, path: string, options: { email?: string; body?: unknown } = {}): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0', routeKey: `${method} ${path}`, rawPath: path, rawQueryString: '',
    headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
    pathParameters: undefined,
    body: options.body === undefined ? undefined : JSON.stringify(options.body), isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000', apiId: 'local', domainName: 'localhost', domainPrefix: 'localhost', requestId: 'r1',
      routeKey: `${method} ${path}`, stage: '$default', time: '', timeEpoch: 0,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: options.email ? { email: options.email, sub: options.email } : {}, scopes: [] } },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

export interface AccountsApi {
  db: TestTable;
  events: MemoryEvents;
  clock: FixedClock;
  call(method: string, path: string, email: string | undefined, body?: unknown): Promise<{ status: number; body: any; raw: APIGatewayProxyStructuredResultV2 }>;
}

export async function startAccountsApi(quota = 20): Promise<AccountsApi> {
  const db = await startTestTable();
  const directory = new Directory(db.table);
  await directory.save(modelFromSeed(demoSeed));
  const events = new MemoryEvents();
  const clock = new FixedClock();
  const handler = createRoutedHandler(createAccountRoutes({
    table: db.table, directory, store: new MailStore(db.table, new MemoryBlobStore()),
    links: { link: async (key) => `https://download.test/${key}` }, events, clock,
    accounts: { cipher: new AesGcmCredentialCipher(randomBytes(32)), quota },
  }));
  return {
    db, events, clock,
    call: async (method, path, email, body) => {
      const raw = await handler(apiEvent(method, path, { email, body }));
      return { status: raw.statusCode ?? 0, body: raw.body ? JSON.parse(raw.body) : null, raw };
    },
  };
}

export const ADMIN = 'camille@acme.test';
export const AGENT = 'julien@acme.test';
export const DISPATCHER = 'alex@acme.test';
export const STRANGER = 'nobody@else.test';

export const gmailAccount = (overrides: Record<string, unknown> = {}) => ({
  kind: 'imap_smtp', address: 'Support.Team@gmail.test', mailboxId: 'support', category: 'shared',
  imap: { host: 'imap.gmail.com', username: 'support.team@gmail.test', password: 'imap-secret-1' },
  smtp: { host: 'smtp.gmail.com' },
  syncStart: 'one_week_ago', createContacts: true, syncIntervalMinutes: 10,
  ...overrides,
});
