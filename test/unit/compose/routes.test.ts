/**
 * Template, signature, draft, upload and recipient-check routes through the real handlers (API and compose
 * functions' routers) on dynalite: who may do what (admins, members, agents, non-members) and
 * 400s that name the field.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createComposeHandler } from '../../../functions/compose/handler.js';
import { S3DownloadLinks } from '../../../shared/adapters/s3-presigner.js';
import { createRoutedHandler, type RoutedHandler } from '../../../shared/api/router.js';
import { createDraftRoutes } from '../../../shared/api/routes-drafts.js';
import { createTemplateRoutes } from '../../../shared/api/routes-templates.js';
import type { ApiDeps } from '../../../shared/api/routes.js';
import type { MergeContextSource } from '../../../shared/compose/merge-context.js';
import { MailStore } from '../../../shared/inbound/mail-store.js';
import { keys } from '../../../shared/model/keys.js';
import { Directory } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { composeMessage, type ComposeDeps } from '../../../shared/outbox/compose.js';
import { recordSuppressions } from '../../../shared/outbox/delivery-suppression.js';
import { OutboxStore } from '../../../shared/outbox/outbox-store.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';

let db: TestTable;
let api: RoutedHandler;
let compose: RoutedHandler;
let events: MemoryEvents;
let composeDeps: ComposeDeps;
const enqueued: string[] = [];

const source: MergeContextSource = {
  contact: async () => ({ fullName: 'Élodie Durand', emails: ['elodie@client.test'], organisationId: null }),
  organisation: async () => null,
  caseOf: async () => null,
};

function request(method: string, target: string, email: string | null, body?: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const [path, query = ''] = target.split('?') as [string, string?];
  return {
    version: '2.0', routeKey: 'ANY /api/{proxy+}', rawPath: path, rawQueryString: query,
    ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined, isBase64Encoded: false,
    requestContext: {
      routeKey: 'ANY /api/{proxy+}', stage: '$default', requestId: 'r1',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      authorizer: { jwt: { claims: email ? { email, sub: email } : {}, scopes: [] } },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

async function call(handler: RoutedHandler, method: string, path: string, email: string | null, body?: unknown, headers?: Record<string, string>) {
  const result: APIGatewayProxyStructuredResultV2 = await handler(request(method, path, email, body, headers));
  return { status: result.statusCode, body: result.body ? JSON.parse(String(result.body)) : undefined };
}

const CAMILLE = 'camille@acme.test';
const ALEX = 'alex@acme.test';
const JULIEN = 'julien@acme.test';
const SARAH = 'sarah@acme.test';

beforeAll(async () => {
  db = await startTestTable();
  const directory = new Directory(db.table);
  await directory.save(modelFromSeed(demoSeed));
  events = new MemoryEvents();
  const clock = new FixedClock();
  const blobs = new MemoryBlobStore();
  const deps = { table: db.table, directory, events, clock, mergeSource: source } as unknown as ApiDeps;
  api = createRoutedHandler([...createDraftRoutes(deps), ...createTemplateRoutes(deps)]);
  composeDeps = {
    table: db.table, outbox: new OutboxStore(db.table), mail: new MailStore(db.table, blobs), blobs,
    queue: { enqueue: async (trigger) => { enqueued.push(trigger.messageKey); } },
    scheduler: { schedule: async () => undefined, cancel: async () => undefined }, events, clock,
    defaults: { undoSeconds: 10, maxAttempts: 3, connector: 'ses' }, mergeSource: source,
  };
  const uploads = new S3DownloadLinks({
    bucket: 'mail', region: 'eu-west-3', credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
  });
  compose = createComposeHandler({ directory, outbox: composeDeps, uploads });
});

afterAll(async () => {
  await db?.stop();
});

describe('template routes', () => {
  let published: string;
  let draftTemplate: string;

  it('lets admins create and publish, with a Template Published event; agents get 403, non-members 404', async () => {
    // Act
    const created = await call(api, 'POST', '/api/mailboxes/support/templates', CAMILLE, {
      name: 'accueil', title: 'Accueil client', folder: ' Accueil / Général ', subject: 'Bonjour {{contact.fullname}}', body: '<p>Bonjour {{contact.fullname}}, dossier {{case.reference}}</p>',
    });
    const unpublished = await call(api, 'POST', '/api/mailboxes/support/templates', CAMILLE, { name: 'brouillon', title: 'Brouillon', subject: 'x', body: 'y' });
    const publish = await call(api, 'PATCH', `/api/mailboxes/support/templates/${created.body.template.templateId}`, CAMILLE, { state: 'published', expectedVersion: 1 });
    const agent = await call(api, 'POST', '/api/mailboxes/support/templates', JULIEN, { name: 'a', title: 'b', subject: 'c', body: 'd' });
    const outsider = await call(api, 'GET', '/api/mailboxes/support/templates', SARAH);

    // Assess
    expect(created.status).toBe(201);
    expect(created.body.template).toMatchObject({ folder: 'Accueil/Général', state: 'draft', version: 1 });
    expect(publish.status).toBe(200);
    expect(publish.body.template).toMatchObject({ state: 'published', version: 2 });
    expect(events.published.filter((e) => e.detailType === 'Template Published').map((e) => (e.detail.data as { templateId: string }).templateId))
      .toEqual([created.body.template.templateId]);
    expect(agent.status).toBe(403);
    expect(outsider.status).toBe(404);
    published = created.body.template.templateId;
    draftTemplate = unpublished.body.template.templateId;
  });

  it('shows members the published templates only', async () => {
    // Act
    const member = await call(api, 'GET', '/api/mailboxes/support/templates', JULIEN);
    const admin = await call(api, 'GET', '/api/mailboxes/support/templates?folder=Accueil', CAMILLE);
    const hidden = await call(api, 'GET', `/api/mailboxes/support/templates/${draftTemplate}`, JULIEN);

    // Assess
    expect(member.body.items.map((t: { templateId: string }) => t.templateId)).toEqual([published]);
    expect(member.body.mergeFields.map((f: { field: string }) => f.field)).toContain('contact.fullname');
    expect(admin.status).toBe(200);
    expect(hidden.status).toBe(404);
  });

  it('answers 400 naming the field: an unknown merge field, a stale edit is 409', async () => {
    // Act
    const unknown = await call(api, 'POST', '/api/mailboxes/support/templates', CAMILLE, { name: 'x', title: 'y', subject: 'ok', body: 'Hi {{contact.nickname}}' });
    const missingTitle = await call(api, 'POST', '/api/mailboxes/support/templates', CAMILLE, { name: 'x', subject: 'ok', body: 'b' });
    const stale = await call(api, 'PATCH', `/api/mailboxes/support/templates/${published}`, CAMILLE, { title: 'Autre' }, { 'if-match': '"1"' });

    // Assess
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ field: 'body.body', message: expect.stringContaining('{{contact.nickname}}') }]);
    expect(missingTitle.status).toBe(400);
    expect(missingTitle.body.errors[0].field).toBe('body.title');
    expect(stale.status).toBe(409);
    expect(stale.body.current).toMatchObject({ version: 2 });
  });

  it('renders for a conversation, reporting missing fields without raw braces; agents only for their conversations', async () => {
    // Prepare
    const first = await composeMessage({
      caller: (await new Directory(db.table).getUser(ALEX))!, target: { kind: 'new', mailboxId: 'support' },
      to: [{ address: 'elodie@client.test', name: '' }], subject: 'Commande', text: 'x', importance: 'normal', requestReadReceipt: false,
    }, composeDeps);
    await db.table.update({ Key: keys.conversation(first.record.conversationId), UpdateExpression: 'SET contactId = :k', ExpressionAttributeValues: { ':k': 'k1' } });

    // Act
    const rendered = await call(api, 'POST', `/api/mailboxes/support/templates/${published}/render`, ALEX, { conversationId: first.record.conversationId });
    const agent = await call(api, 'POST', `/api/mailboxes/support/templates/${published}/render`, JULIEN, { conversationId: first.record.conversationId });
    const badRecipient = await call(api, 'POST', `/api/mailboxes/support/templates/${published}/render`, ALEX, { recipient: 'pas une adresse' });

    // Assess
    expect(rendered.status).toBe(200);
    expect(rendered.body).toMatchObject({
      subject: 'Bonjour Élodie Durand', body: '<p>Bonjour Élodie Durand, dossier </p>',
      missing: [{ field: 'case.reference', token: '{{case.reference}}', in: ['body'] }],
    });
    expect(JSON.stringify([rendered.body.subject, rendered.body.body])).not.toContain('{{');
    expect(agent.status).toBe(404);
    expect(badRecipient.status).toBe(400);
    expect(badRecipient.body.errors[0].field).toBe('body.recipient');
  });
});

describe('signature routes', () => {
  it('caps a mailbox at three (409), lets only admins manage and every member choose a default', async () => {
    // Act
    const created = [];
    for (const n of [1, 2, 3]) created.push(await call(api, 'POST', '/api/mailboxes/ventes/signatures', CAMILLE, { name: `S${n}`, html: `<p>{{user.name}} ${n}</p>` }));
    const fourth = await call(api, 'POST', '/api/mailboxes/ventes/signatures', CAMILLE, { name: 'S4', html: '<p>4</p>' });
    const byAgent = await call(api, 'POST', '/api/mailboxes/support/signatures', JULIEN, { name: 'J', html: '<p>J</p>' });
    const choose = await call(api, 'PUT', '/api/mailboxes/ventes/signature-default', ALEX, { signatureId: created[1]!.body.signature.signatureId });
    const unknown = await call(api, 'PUT', '/api/mailboxes/ventes/signature-default', ALEX, { signatureId: 'snope' });
    const list = await call(api, 'GET', '/api/mailboxes/ventes/signatures', ALEX);
    const outsider = await call(api, 'GET', '/api/mailboxes/ventes/signatures', JULIEN);

    // Assess
    expect(created.map((c) => c.status)).toEqual([201, 201, 201]);
    expect(fourth.status).toBe(409);
    expect(fourth.body.detail).toContain('at most 3');
    expect(byAgent.status).toBe(403);
    expect(choose.status).toBe(200);
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('body.signatureId');
    expect(list.body).toMatchObject({ defaultSignatureId: created[1]!.body.signature.signatureId });
    expect(list.body.items).toHaveLength(3);
    expect(outsider.status).toBe(404);
  });
});

describe('draft routes', () => {
  it('checks who may keep a draft where, and names bad fields', async () => {
    // Act
    const agentNew = await call(api, 'POST', '/api/drafts', JULIEN, { mailboxId: 'support', to: ['a@b.test'], text: 'x' });
    const outsider = await call(api, 'POST', '/api/drafts', SARAH, { mailboxId: 'support', to: ['a@b.test'], text: 'x' });
    const badAddress = await call(api, 'POST', '/api/drafts', ALEX, { mailboxId: 'support', to: ['a@b.test', 'pas-une-adresse'] });
    const noMailbox = await call(api, 'POST', '/api/drafts', ALEX, { to: ['a@b.test'] });
    const replyWithout = await call(api, 'POST', '/api/drafts', ALEX, { kind: 'reply' });

    // Assess
    expect(agentNew.status).toBe(403);
    expect(outsider.status).toBe(404);
    expect(badAddress.status).toBe(400);
    expect(badAddress.body.errors[0].field).toBe('body.to[1]');
    expect(noMailbox.body.errors[0].field).toBe('body.mailboxId');
    expect(replyWithout.body.errors[0].field).toBe('body.conversationId');
  });

  it('saves, refuses a stale save (409), stays private, and sends once through the compose function', async () => {
    // Prepare
    const created = await call(api, 'POST', '/api/drafts', ALEX, { mailboxId: 'support', to: ['client@example.test'], subject: 'Devis', html: '<p>Voici</p>', signatureId: null });
    const draftId = created.body.draft.draftId as string;

    // Act
    const saved = await call(api, 'PUT', `/api/drafts/${draftId}`, ALEX, { to: ['client@example.test'], subject: 'Devis v2', html: '<p>Voici</p>', signatureId: null }, { 'if-match': '"1"' });
    const stale = await call(api, 'PUT', `/api/drafts/${draftId}`, ALEX, { expectedVersion: 1, to: ['client@example.test'], subject: 'Devis v1 bis' });
    const noVersion = await call(api, 'PUT', `/api/drafts/${draftId}`, ALEX, { to: ['client@example.test'] });
    const someoneElse = await call(api, 'GET', `/api/drafts/${draftId}`, CAMILLE);
    const mine = await call(api, 'GET', '/api/drafts?mailboxId=support', ALEX);
    const before = enqueued.length;
    const [send1, send2] = await Promise.all([
      call(compose, 'POST', `/api/drafts/${draftId}/send`, ALEX), call(compose, 'POST', `/api/drafts/${draftId}/send`, ALEX),
    ]);
    const send3 = await call(compose, 'POST', `/api/drafts/${draftId}/send`, ALEX);
    const discard = await call(api, 'DELETE', `/api/drafts/${draftId}`, ALEX);

    // Assess
    expect(created.status).toBe(201);
    expect(saved.status).toBe(200);
    expect(saved.body.draft).toMatchObject({ subject: 'Devis v2', version: 2, signatureId: null, useDefaultSignature: false });
    expect(stale.status).toBe(409);
    expect(stale.body.current).toMatchObject({ subject: 'Devis v2', version: 2 });
    expect(noVersion.status).toBe(400);
    expect(someoneElse.status).toBe(404);
    expect(mine.body.items.map((d: { draftId: string }) => d.draftId)).toContain(draftId);
    expect([send1.status, send2.status].sort()).toEqual([200, 201]);
    expect(send1.body.message.messageKey).toBe(send2.body.message.messageKey);
    expect(send3).toMatchObject({ status: 200, body: { created: false, message: { messageKey: send1.body.message.messageKey, subject: 'Devis v2' } } });
    expect(new Set(enqueued.slice(before))).toEqual(new Set([send1.body.message.messageKey]));
    expect(discard.status).toBe(409);
  });

  it('refuses to send a draft with merge fields that have no value, listing them, and keeps it a draft', async () => {
    // Prepare
    const created = await call(api, 'POST', '/api/drafts', ALEX, { mailboxId: 'support', to: ['x@example.test'], subject: 'Dossier {{case.reference}}', html: '<p>{{organisation.name}}</p>' });

    // Act
    const send = await call(compose, 'POST', `/api/drafts/${created.body.draft.draftId}/send`, ALEX);
    const after = await call(api, 'GET', `/api/drafts/${created.body.draft.draftId}`, ALEX);
    const notMine = await call(compose, 'POST', `/api/drafts/${created.body.draft.draftId}/send`, CAMILLE);

    // Assess
    expect(send.status).toBe(400);
    expect(send.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.subject', 'body.html']);
    expect(send.body.detail).toContain('{{case.reference}}');
    expect(send.body.detail).toContain('{{organisation.name}}');
    expect(after.body.draft.status).toBe('draft');
    expect(notMine.status).toBe(404);
  });
});

describe('upload route', () => {
  it('issues a presigned PUT for the exact size and type under the author\'s prefix', async () => {
    // Act
    const link = await call(compose, 'POST', '/api/mailboxes/support/uploads', ALEX, { filename: '../Devis final.pdf', contentType: 'application/PDF', size: 1234 });

    // Assess
    expect(link.status).toBe(201);
    expect(link.body.uploadKey).toMatch(/^uploads\/[^/]+\/alex@acme\.test\/[A-Za-z0-9_-]+\/Devis final\.pdf$/);
    expect(link.body).toMatchObject({ method: 'PUT', headers: { 'content-type': 'application/pdf', 'content-length': '1234' } });
    const url = new URL(link.body.url);
    expect(url.hostname).toBe('mail.s3.eu-west-3.amazonaws.com');
    expect(decodeURIComponent(url.pathname)).toBe(`/${link.body.uploadKey}`);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses non-members (404), files over the cap and odd content types (400 naming the field)', async () => {
    // Act
    const outsider = await call(compose, 'POST', '/api/mailboxes/support/uploads', SARAH, { filename: 'a.pdf', contentType: 'application/pdf', size: 10 });
    const tooBig = await call(compose, 'POST', '/api/mailboxes/support/uploads', ALEX, { filename: 'a.pdf', contentType: 'application/pdf', size: 50 * 1024 * 1024 });
    const injected = await call(compose, 'POST', '/api/mailboxes/support/uploads', ALEX, { filename: 'a.pdf', contentType: 'text/html\r\nX-Evil: 1', size: 10 });

    // Assess
    expect(outsider.status).toBe(404);
    expect(tooBig.body.errors[0].field).toBe('body.size');
    expect(injected.body.errors[0].field).toBe('body.contentType');
  });

  it('gives a different signature for a different size (the size is signed)', async () => {
    const links = new S3DownloadLinks({ bucket: 'mail', region: 'eu-west-3', credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }) });
    const a = new URL((await links.uploadLink('uploads/o/u/r/f.pdf', { contentType: 'application/pdf', size: 10 })).url);
    const b = new URL((await links.uploadLink('uploads/o/u/r/f.pdf', { contentType: 'application/pdf', size: 11 })).url);
    expect(a.searchParams.get('X-Amz-Date')).toBeDefined();
    if (a.searchParams.get('X-Amz-Date') === b.searchParams.get('X-Amz-Date')) {
      expect(a.searchParams.get('X-Amz-Signature')).not.toBe(b.searchParams.get('X-Amz-Signature'));
    }
  });
});

describe('recipient check route', () => {
  it('names the suppressed addresses among those typed, with the reason in plain words', async () => {
    // Arrange
    await recordSuppressions(db.table, demoSeed.organisation.id, [
      { address: 'Gone@Client.test', reason: 'bounced', diagnostic: '550 5.1.1 user unknown', at: '2026-11-02T10:00:00.000Z', messageKey: 'm1' },
      { address: 'angry@client.test', reason: 'complained', diagnostic: null, at: '2026-11-03T10:00:00.000Z', messageKey: 'm2' },
    ]);

    // Act
    const check = await call(compose, 'POST', '/api/mailboxes/support/recipient-checks', JULIEN, { addresses: ['gone@client.test', 'fine@client.test', 'ANGRY@client.test'] });

    // Assess
    expect(check.status).toBe(200);
    const byAddress = new Map(check.body.suppressed.map((s: { address: string }) => [s.address, s]));
    expect([...byAddress.keys()].sort()).toEqual(['angry@client.test', 'gone@client.test']);
    expect(byAddress.get('gone@client.test')).toMatchObject({ reason: 'bounced', diagnostic: '550 5.1.1 user unknown', message: 'gone@client.test bounced permanently (550 5.1.1 user unknown) on 2026-11-02.' });
    expect(byAddress.get('angry@client.test')).toMatchObject({ reason: 'complained', message: 'angry@client.test marked an earlier message as spam on 2026-11-03.' });
  });

  it('refuses non-members (404) and names a bad address (400)', async () => {
    // Act
    const outsider = await call(compose, 'POST', '/api/mailboxes/support/recipient-checks', SARAH, { addresses: ['gone@client.test'] });
    const bad = await call(compose, 'POST', '/api/mailboxes/support/recipient-checks', ALEX, { addresses: ['fine@client.test', 'not an address'] });
    const none = await call(compose, 'POST', '/api/mailboxes/support/recipient-checks', ALEX, { addresses: [] });

    // Assess
    expect(outsider.status).toBe(404);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.addresses[1]');
    expect(none.body.errors[0].field).toBe('body.addresses');
  });
});

describe('upload read links', () => {
  it("signs a GET for the caller's own uploads only, shown inline with an image type", async () => {
    // Prepare
    const mine = (await call(compose, 'POST', '/api/mailboxes/support/uploads', ALEX, { filename: 'plan.png', contentType: 'image/png', size: 10 })).body.uploadKey as string;
    const theirs = (await call(compose, 'POST', '/api/mailboxes/support/uploads', JULIEN, { filename: 'x.png', contentType: 'image/png', size: 10 })).body.uploadKey as string;

    // Act
    const read = await call(compose, 'POST', '/api/mailboxes/support/uploads/read-links', ALEX, { uploadKeys: [mine, theirs, '../etc/passwd'] });

    // Assess
    expect(read.status).toBe(200);
    expect(read.body.links.map((l: { uploadKey: string }) => l.uploadKey)).toEqual([mine]);
    const url = new URL(read.body.links[0].url);
    expect(decodeURIComponent(url.pathname)).toBe(`/${mine}`);
    expect(url.searchParams.get('x-id')).toBe('GetObject');
    expect(url.searchParams.get('response-content-type')).toBe('image/png');
    expect(url.searchParams.get('response-content-disposition')).toMatch(/^inline/);
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses non-members (404) and an empty list (400 naming the field)', async () => {
    const outsider = await call(compose, 'POST', '/api/mailboxes/support/uploads/read-links', SARAH, { uploadKeys: ['uploads/a/b/c/d.png'] });
    const none = await call(compose, 'POST', '/api/mailboxes/support/uploads/read-links', ALEX, { uploadKeys: [] });
    expect(outsider.status).toBe(404);
    expect(none.body.errors[0].field).toBe('body.uploadKeys');
  });
});
