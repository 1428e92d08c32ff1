/**
 * The account routes over dynalite with the demo organisation: admins manage accounts, members see
 * only what is granted to them, bad input names its field, the quota and the delete refusal are
 * problems, races lose with 409, and no response ever carries a credential.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../shared/model/keys.js';
import { loadMailboxWithSettings } from '../../../shared/outbox/settings.js';
import { SignatureStore } from '../../../shared/compose/signatures.js';
import { ADMIN, AGENT, DISPATCHER, STRANGER, gmailAccount, startAccountsApi, type AccountsApi } from './api-helpers.js';

let api: AccountsApi;
const responses: string[] = [];

beforeAll(async () => {
  api = await startAccountsApi(3);
});

afterAll(async () => {
  await api.db.stop();
});

async function call(method: string, path: string, email: string | undefined, body?: unknown) {
  const result = await api.call(method, path, email, body);
  responses.push(String(result.raw.body ?? ''));
  return result;
}

describe('creating accounts', () => {
  it('creates an IMAP/SMTP account with defaults, stores the passwords encrypted and returns none of them', async () => {
    // Act
    const created = await call('POST', '/api/accounts', ADMIN, gmailAccount());

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'imap_smtp', address: 'support.team@gmail.test', mailboxId: 'support', status: 'active', syncEnabled: true,
      imap: { host: 'imap.gmail.com', port: 993, security: 'tls', username: 'support.team@gmail.test' },
      smtp: { host: 'smtp.gmail.com', port: 465, security: 'tls', sameCredentials: true, username: 'support.team@gmail.test' },
      syncStart: 'one_week_ago', syncSince: '2026-11-13', createContacts: true, syncIntervalMinutes: 10, validity: 'untested', version: 1,
    });
    const item = await api.db.table.get(keys.account(created.body.accountId));
    expect(String(item?.credentials)).toMatch(/^gcm1:/);
    expect(JSON.stringify(item)).not.toContain('imap-secret-1');
    expect(api.events.published.at(-1)).toMatchObject({ detailType: 'Account Created', detail: { data: { accountId: created.body.accountId, actor: ADMIN } } });
    expect(JSON.stringify(api.events.published)).not.toContain('imap-secret');
  });

  it('answers 400 naming the field for bad input and for an unknown mailbox', async () => {
    const missing = await call('POST', '/api/accounts', ADMIN, gmailAccount({ imap: { host: 'imap.gmail.com', username: 'x' } }));
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toContain('body.imap.password');

    const port = await call('POST', '/api/accounts', ADMIN, gmailAccount({ imap: { host: 'imap.gmail.com', port: 99999, username: 'x', password: 'p' } }));
    expect(port.body.errors.map((e: { field: string }) => e.field)).toContain('body.imap.port');

    const separate = await call('POST', '/api/accounts', ADMIN, gmailAccount({ smtp: { host: 'smtp.gmail.com', sameCredentials: false } }));
    expect(separate.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['body.smtp.username', 'body.smtp.password']));

    const mailbox = await call('POST', '/api/accounts', ADMIN, gmailAccount({ mailboxId: 'nope' }));
    expect(mailbox.status).toBe(400);
    expect(mailbox.body.errors).toEqual([{ field: 'body.mailboxId', message: 'no mailbox nope in this organisation' }]);
  });

  it('refuses agents, dispatchers who are not org admins, and strangers', async () => {
    expect((await call('POST', '/api/accounts', AGENT, gmailAccount())).status).toBe(403);
    expect((await call('POST', '/api/accounts', DISPATCHER, gmailAccount())).status).toBe(403);
    expect((await call('POST', '/api/accounts', STRANGER, gmailAccount())).status).toBe(403);
    expect((await call('POST', '/api/accounts', undefined, gmailAccount())).status).toBe(401);
  });
});

describe('quota', () => {
  it('enforces the quota with a 422 problem, and deactivated accounts do not count', async () => {
    // Prepare: one account exists (above); quota is 3.
    const second = await call('POST', '/api/accounts', ADMIN, { kind: 'ses', address: 'ventes@acme.test', mailboxId: 'ventes' });
    const third = await call('POST', '/api/accounts', ADMIN, { kind: 'ses', address: 'alex@acme.test', mailboxId: 'alex', category: 'personal' });
    expect([second.status, third.status]).toEqual([201, 201]);

    // Act
    const over = await call('POST', '/api/accounts', ADMIN, { kind: 'ses', address: 'factures@acme.test', mailboxId: 'support' });

    // Assess
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({ title: 'Account quota reached', quota: 3 });

    const deactivated = await call('POST', `/api/accounts/${third.body.accountId}/deactivate`, ADMIN);
    expect(deactivated.body.status).toBe('deactivated');
    const now = await call('POST', '/api/accounts', ADMIN, { kind: 'ses', address: 'factures@acme.test', mailboxId: 'support' });
    expect(now.status).toBe(201);
    expect((await call('POST', `/api/accounts/${third.body.accountId}/activate`, ADMIN)).status).toBe(422);
  });

  it('lets only one of two racing creations take the last unit of quota', async () => {
    // Prepare: free one unit.
    const list = await call('GET', '/api/accounts', ADMIN);
    const ses = list.body.items.find((a: { address: string }) => a.address === 'factures@acme.test');
    await call('POST', `/api/accounts/${ses.accountId}/deactivate`, ADMIN);

    // Act
    const results = await Promise.all([1, 2].map((n) => call('POST', '/api/accounts', ADMIN, { kind: 'ses', address: `race${n}@acme.test`, mailboxId: 'support' })));

    // Assess
    expect(results.map((r) => r.status).sort()).toEqual([201, 422]);
  });
});

describe('editing and deactivating', () => {
  it('edits at a version, keeps the password when none is given, and loses a stale race with 409 and the current state', async () => {
    const created = (await call('GET', '/api/accounts', ADMIN)).body.items.find((a: { kind: string }) => a.kind === 'imap_smtp');
    const before = await api.db.table.get(keys.account(created.accountId));

    const edited = await call('PATCH', `/api/accounts/${created.accountId}`, ADMIN, { syncIntervalMinutes: 15, expectedVersion: created.version });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ syncIntervalMinutes: 15, version: created.version + 1 });
    const after = await api.db.table.get(keys.account(created.accountId));
    expect(after?.credentials).toBe(before?.credentials);

    const stale = await call('PATCH', `/api/accounts/${created.accountId}`, ADMIN, { syncEnabled: false, expectedVersion: created.version });
    expect(stale.status).toBe(409);
    expect(stale.body.current).toMatchObject({ accountId: created.accountId, version: created.version + 1, syncIntervalMinutes: 15 });

    const badField = await call('PATCH', `/api/accounts/${created.accountId}`, ADMIN, { syncIntervalMinutes: 0 });
    expect(badField.body.errors[0].field).toBe('body.syncIntervalMinutes');
  });

  it('holds a mailbox\'s outgoing mail (connector disabled) while every account feeding it is deactivated', async () => {
    const items = (await call('GET', '/api/accounts', ADMIN)).body.items as { accountId: string; kind: string; address: string }[];
    const gmail = items.find((a) => a.kind === 'imap_smtp')!;
    const ventes = items.find((a) => a.address === 'ventes@acme.test')!;

    await call('POST', `/api/accounts/${ventes.accountId}/deactivate`, ADMIN);
    expect((await loadMailboxWithSettings(api.db.table, 'ventes'))?.settings.connectorEnabled).toBe(false);
    expect(api.events.published.at(-1)?.detailType).toBe('Account Deactivated');
    await call('POST', `/api/accounts/${ventes.accountId}/activate`, ADMIN);
    expect((await loadMailboxWithSettings(api.db.table, 'ventes'))?.settings.connectorEnabled).toBe(true);
    expect(api.events.published.at(-1)?.detailType).toBe('Account Activated');

    // Support keeps another active account (SES): it still sends.
    await call('POST', `/api/accounts/${gmail.accountId}/deactivate`, ADMIN);
    expect((await loadMailboxWithSettings(api.db.table, 'support'))?.settings.connectorEnabled).toBe(true);
    await call('POST', `/api/accounts/${gmail.accountId}/activate`, ADMIN);
  });
});

describe('access and visibility', () => {
  it('grants users, gives each exactly one default account, and shows members only what they may use', async () => {
    const items = (await call('GET', '/api/accounts', ADMIN)).body.items as { accountId: string; kind: string; address: string; status: string }[];
    const gmail = items.find((a) => a.kind === 'imap_smtp')!;
    const ventes = items.find((a) => a.address === 'ventes@acme.test')!;

    const signature = await new SignatureStore(api.db.table).create({ mailboxId: 'support', orgId: 'demo', name: 'Support', html: '<p>Cordialement</p>', by: ADMIN, at: '2026-11-20T09:00:00.000Z' });
    const unknownSignature = await call('PUT', `/api/accounts/${gmail.accountId}/access`, ADMIN, { users: [{ email: AGENT, signatureId: 'nope' }] });
    expect(unknownSignature.status).toBe(400);
    expect(unknownSignature.body.errors[0].field).toBe('body.users[0].signatureId');
    const set = await call('PUT', `/api/accounts/${gmail.accountId}/access`, ADMIN, { users: [{ email: AGENT, signatureId: signature.signatureId }, { email: DISPATCHER }] });
    expect(set.status).toBe(200);
    expect(set.body.items).toEqual([
      { email: DISPATCHER, signatureId: null, default: true },
      { email: AGENT, signatureId: signature.signatureId, default: true },
    ]);
    await call('PUT', `/api/accounts/${ventes.accountId}/access`, ADMIN, { users: [{ email: DISPATCHER, default: true }] });

    const mine = await call('GET', '/api/accounts', DISPATCHER);
    expect(mine.body.items.map((a: { accountId: string; primary: boolean }) => [a.accountId, a.primary]).sort())
      .toEqual([[gmail.accountId, false], [ventes.accountId, true]].sort());
    expect(mine.body.items.find((a: { accountId: string }) => a.accountId === gmail.accountId).mailbox)
      .toMatchObject({ mailboxId: 'support', dispatchers: expect.arrayContaining([DISPATCHER]) });

    const agent = await call('GET', '/api/accounts', AGENT);
    expect(agent.body.items.map((a: { accountId: string }) => a.accountId)).toEqual([gmail.accountId]);
    expect((await call('GET', `/api/accounts/${ventes.accountId}`, AGENT)).status).toBe(404);
    expect((await call('GET', `/api/accounts/${gmail.accountId}/access`, AGENT)).status).toBe(403);
    expect((await call('GET', `/api/accounts/${gmail.accountId}`, STRANGER)).status).toBe(403);

    // A member switches their default: still exactly one.
    expect((await call('POST', `/api/accounts/${gmail.accountId}/primary`, DISPATCHER)).status).toBe(200);
    const after = await call('GET', '/api/accounts', DISPATCHER);
    expect(after.body.items.filter((a: { primary: boolean }) => a.primary).map((a: { accountId: string }) => a.accountId)).toEqual([gmail.accountId]);
    expect((await call('POST', `/api/accounts/${ventes.accountId}/primary`, AGENT)).status).toBe(404);

    // Removing a user whose default it was moves their default to another of their accounts.
    await call('PUT', `/api/accounts/${gmail.accountId}/access`, ADMIN, { users: [{ email: AGENT, signatureId: signature.signatureId }] });
    const moved = await call('GET', '/api/accounts', DISPATCHER);
    expect(moved.body.items.map((a: { accountId: string; primary: boolean }) => [a.accountId, a.primary])).toEqual([[ventes.accountId, true]]);

    const unknownUser = await call('PUT', `/api/accounts/${gmail.accountId}/access`, ADMIN, { users: [{ email: STRANGER }] });
    expect(unknownUser.status).toBe(400);
    expect(unknownUser.body.errors[0].field).toBe('body.users[0].email');
  });

  it('hides deactivated accounts from members', async () => {
    const ventes = (await call('GET', '/api/accounts', ADMIN)).body.items.find((a: { address: string }) => a.address === 'ventes@acme.test');
    await call('POST', `/api/accounts/${ventes.accountId}/deactivate`, ADMIN);
    expect((await call('GET', '/api/accounts', DISPATCHER)).body.items).toEqual([]);
    expect((await call('GET', `/api/accounts/${ventes.accountId}`, DISPATCHER)).status).toBe(404);
    expect((await call('GET', `/api/accounts/${ventes.accountId}`, ADMIN)).body.status).toBe('deactivated');
  });
});

describe('deleting', () => {
  it('refuses to delete an account with users or handled mail, suggesting deactivation, and deletes an unused one', async () => {
    const items = (await call('GET', '/api/accounts', ADMIN)).body.items as { accountId: string; kind: string; address: string }[];
    const gmail = items.find((a) => a.kind === 'imap_smtp')!;

    const refused = await call('DELETE', `/api/accounts/${gmail.accountId}`, ADMIN);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ title: 'Account in use', suggestion: 'deactivate', reasons: ['1 user is attached to it'] });

    await call('PUT', `/api/accounts/${gmail.accountId}/access`, ADMIN, { users: [] });
    await api.db.table.update({ Key: keys.account(gmail.accountId), UpdateExpression: 'SET mailHandled = :t', ExpressionAttributeValues: { ':t': true } });
    const handled = await call('DELETE', `/api/accounts/${gmail.accountId}`, ADMIN);
    expect(handled.body.reasons).toEqual(['mail of it has been handled']);

    const unused = items.find((a) => a.address === 'race1@acme.test' || a.address === 'race2@acme.test')!;
    expect((await call('DELETE', `/api/accounts/${unused.accountId}`, AGENT)).status).toBe(403);
    const deleted = await call('DELETE', `/api/accounts/${unused.accountId}`, ADMIN);
    expect(deleted.status).toBe(204);
    expect((await call('GET', `/api/accounts/${unused.accountId}`, ADMIN)).status).toBe(404);
    expect(api.events.published.at(-1)?.detailType).toBe('Account Deleted');
  });
});

describe('credentials', () => {
  it('never appear in any response above, not even encrypted', () => {
    // Assess: every response of this file (run in order).
    expect(responses.length).toBeGreaterThan(40);
    const all = responses.join('\n');
    expect(all).not.toMatch(/imap-secret|smtp-secret|"credentials"|gcm1:|kms1:|"password"\s*:/i);
  });
});
