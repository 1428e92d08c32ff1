/**
 * Email accounts end to end on the embedded local stack, against a real IMAP server (Debian's
 * Dovecot) and a real SMTP relay (smtp-server): an admin tests the settings and creates an
 * IMAP/SMTP account feeding Ventes; its recurring schedule appears in the Scheduler stand-in; mail
 * APPENDed to the IMAP inbox arrives in Ventes through the normal inbound pipeline; Sarah's reply
 * goes out through the account's SMTP server; once the account is deactivated, replies are held
 * as "connector disabled" and the schedule is gone.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS_ENV } from '../../shared/accounts/env.js';
import type { ServerEndpoint } from '../../shared/connectors/types.js';
import { startDovecot, type Dovecot } from '../support/dovecot.js';
import { api, startTestStack, waitFor, type ApiClient, type LocalStack } from '../support/local-stack.js';
import { startSmtpTestServer, type SmtpTestServer } from '../support/smtp-test-server.js';

let stack: LocalStack;
let dovecot: Dovecot;
let relay: SmtpTestServer;
let camille: ApiClient;
let sarah: ApiClient;
let julien: ApiClient;
const bodies: string[] = [];

const IMAP_USER = { username: 'ventes-team', password: 'imap-Secret-7' };
const SMTP_USER = { username: 'relay-ventes', password: 'smtp-Secret-9' };

async function call<T = any>(client: ApiClient, method: string, path: string, body?: unknown) {
  const response = await client.request<T>(method, path, body);
  bodies.push(typeof response.body === 'string' ? response.body : JSON.stringify(response.body));
  return response;
}

async function appendToInbox(endpoint: ServerEndpoint, raw: string): Promise<void> {
  const client = new ImapFlow({
    host: endpoint.host, port: endpoint.port, secure: false, doSTARTTLS: false,
    auth: { user: endpoint.username, pass: endpoint.password }, logger: false, disableAutoIdle: true,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.append('INBOX', raw);
  } finally {
    await client.logout();
  }
}

async function schedule(accountId: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${stack.endpoints.scheduler}/schedules/imap-${accountId}?groupName=mailroom-local-accounts`);
  return { status: response.status, body: await response.json() };
}

function settings(password = IMAP_USER.password) {
  return {
    imap: { host: '127.0.0.1', port: dovecot.port, security: 'none', username: IMAP_USER.username, password },
    smtp: { host: '127.0.0.1', port: relay.port, security: 'none', sameCredentials: false, ...SMTP_USER },
  };
}

beforeAll(async () => {
  [dovecot, relay] = await Promise.all([startDovecot({ users: [IMAP_USER] }), startSmtpTestServer(SMTP_USER)]);
  stack = await startTestStack({ outbox: { undoSeconds: 0 } });
  camille = api(stack, await stack.signIn('camille@acme.test'));
  sarah = api(stack, await stack.signIn('sarah@acme.test'));
  julien = api(stack, await stack.signIn('julien@acme.test'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([dovecot?.stop(), relay?.stop()]);
});

describe('an IMAP/SMTP account feeding Ventes', () => {
  let accountId: string;

  it('tests the settings before saving: every step passes, and a wrong password is named with the server\'s words', async () => {
    const ok = await call(camille, 'POST', '/api/accounts/test', { kind: 'imap_smtp', ...settings() });
    expect(ok.status).toBe(200);
    expect(ok.body.steps.map((s: { step: string; ok: boolean }) => [s.step, s.ok])).toEqual([
      ['imap-connect', true], ['imap-login', true], ['imap-select', true], ['smtp-connect', true], ['smtp-login', true],
    ]);

    const wrong = await call(camille, 'POST', '/api/accounts/test', { kind: 'imap_smtp', ...settings('nope') });
    expect(wrong.body.ok).toBe(false);
    expect(wrong.body.steps.find((s: { step: string }) => s.step === 'imap-login')).toMatchObject({ ok: false });
    expect((await call(julien, 'POST', '/api/accounts/test', { kind: 'imap_smtp', ...settings() })).status).toBe(403);
  }, 60_000);

  it('creates the account; its recurring schedule appears', async () => {
    const created = await call(camille, 'POST', '/api/accounts', {
      kind: 'imap_smtp', address: 'ventes.team@provider.test', mailboxId: 'ventes', syncStart: 'one_week_ago', syncIntervalMinutes: 1, ...settings(),
    });
    expect(created.status).toBe(201);
    accountId = created.body.accountId;

    const found = await waitFor(async () => {
      const s = await schedule(accountId);
      return s.status === 200 ? s.body : undefined;
    });
    expect(found).toMatchObject({ ScheduleExpression: 'rate(1 minute)', Target: { Input: JSON.stringify({ accountId }) } });
    await call(camille, 'PUT', `/api/accounts/${accountId}/access`, { users: [{ email: 'sarah@acme.test' }] });
  });

  it('brings mail APPENDed to the IMAP inbox into Ventes, and records the sync', async () => {
    // Prepare
    await appendToInbox(dovecot.endpoint(IMAP_USER.username), [
      'From: Inès Martin <ines@client.test>', 'To: ventes.team@provider.test', 'Subject: Devis 42',
      `Date: ${new Date().toUTCString()}`, '<devis-42@client.test>'.replace(/^/, 'Message-ID: '), 'Content-Type: text/plain; charset=utf-8', '',
      'Bonjour, pouvez-vous m\'envoyer un devis ?', '',
    ].join('\r\n'));

    // Act: the tick the schedule would put on the sync queue.
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: stack.endpoints.sqs, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env[ACCOUNTS_ENV.syncQueueUrl]!, MessageBody: JSON.stringify({ accountId }) }));
    sqs.destroy();

    // Assess
    const conversation = await waitFor(async () => {
      const page = await sarah.get<{ items: { conversationId: string; subject: string }[] }>('/api/mailboxes/ventes/conversations?limit=100');
      return page.body.items.find((c) => c.subject === 'Devis 42');
    }, 30_000);
    expect(conversation).toBeDefined();
    const account = await waitFor(async () => {
      const response = await call(sarah, 'GET', `/api/accounts/${accountId}`);
      return response.body.lastSyncAt ? response.body : undefined;
    });
    expect(account).toMatchObject({ lastSyncError: null, validity: 'ok' });
  }, 60_000);

  it('sends Sarah\'s reply through the account\'s SMTP server', async () => {
    const conversationId = (await sarah.get<{ items: { conversationId: string; subject: string }[] }>('/api/mailboxes/ventes/conversations?limit=100'))
      .body.items.find((c) => c.subject === 'Devis 42')!.conversationId;
    const reply = await call(sarah, 'POST', `/api/conversations/${conversationId}/replies`, { text: 'Voici notre devis.', undoSeconds: 0 });
    expect(reply.status).toBe(201);

    const received = await waitFor(() => relay.received.find((m) => /^Subject: Re: Devis 42$/m.test(m.raw.toString('utf8'))), 30_000);
    expect(received.to).toEqual(['ines@client.test']);
    expect(received.from).toBe('ventes.team@provider.test');
    expect(received.user).toBe(SMTP_USER.username);
    const message = await waitFor(async () => {
      const response = await sarah.get<{ message: { status: string; connector: string } }>(`/api/outbox/${reply.body.message.messageKey}`);
      return response.body.message.status === 'sent' ? response.body.message : undefined;
    });
    expect(message.status).toBe('sent');
    // The outbox says which connector took it.
    expect(message.connector).toBe('smtp');
  }, 60_000);

  it('once deactivated, holds replies as connector disabled and removes the schedule', async () => {
    const deactivated = await call(camille, 'POST', `/api/accounts/${accountId}/deactivate`);
    expect(deactivated.body.status).toBe('deactivated');
    await waitFor(async () => (await schedule(accountId)).status === 404);

    const conversationId = (await sarah.get<{ items: { conversationId: string; subject: string }[] }>('/api/mailboxes/ventes/conversations?limit=100'))
      .body.items.find((c) => c.subject === 'Devis 42')!.conversationId;
    const reply = await call(sarah, 'POST', `/api/conversations/${conversationId}/replies`, { text: 'Une précision.', undoSeconds: 0 });
    const held = await waitFor(async () => {
      const response = await sarah.get<{ message: { status: string } }>(`/api/outbox/${reply.body.message.messageKey}`);
      return response.body.message.status === 'connector_disabled' ? response.body.message : undefined;
    }, 20_000);
    expect(held.status).toBe('connector_disabled');
    expect((await call(sarah, 'GET', `/api/accounts/${accountId}`)).status).toBe(404);
    expect(stack.events().map((e) => e['detail-type'])).toEqual(expect.arrayContaining(['Account Created', 'Account Updated', 'Account Deactivated']));
  }, 60_000);

  it('never returned a password or the encrypted credentials', () => {
    expect(bodies.length).toBeGreaterThan(8);
    const all = bodies.join('\n');
    for (const secret of [IMAP_USER.password, SMTP_USER.password, 'gcm1:', '"credentials"']) expect(all).not.toContain(secret);
  });
});
