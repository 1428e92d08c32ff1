/**
 * Account checks: the SES identity adapter (aws-sdk-client-mock), the deliverability report from
 * DNS answers (and `unknown` when DNS cannot answer), and the check routes with the connection
 * tests replaced: admins only, fields named, outcome recorded as the account's validity.
 */
import { randomBytes } from 'node:crypto';
import { GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccountService } from '../../../shared/accounts/accounts.js';
import { AesGcmCredentialCipher } from '../../../shared/accounts/cipher.js';
import type { AccountCheckDeps } from '../../../shared/accounts/checks.js';
import { checkDeliverability, nodeDnsLookup, type DnsLookup } from '../../../shared/accounts/deliverability.js';
import { createAccountSchema } from '../../../shared/accounts/model.js';
import { AccountRepository } from '../../../shared/accounts/repository.js';
import { SesV2IdentityReader, sesIdentitySteps } from '../../../shared/accounts/ses-identity.js';
import type { ConnectionStep, ServerEndpoint } from '../../../shared/connectors/types.js';
import { createAccountChecksHandler } from '../../../functions/imap-sync/checks-handler.js';
import { Directory } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryEvents } from '../../helpers/fakes.js';
import { ADMIN, AGENT, apiEvent } from './api-helpers.js';

describe('SES identity', () => {
  const ses = mockClient(SESv2Client);
  afterEach(() => ses.reset());

  it('falls back from the address to its domain identity and reads verification and DKIM', async () => {
    // Prepare
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'contact@acme.test' }).rejects(Object.assign(new Error('nope'), { name: 'NotFoundException' }));
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'acme.test' }).resolves({
      VerifiedForSendingStatus: true, DkimAttributes: { Status: 'SUCCESS', Tokens: ['t1', 't2', 't3'] },
    });

    // Act
    const state = await new SesV2IdentityReader(new SESv2Client({ region: 'eu-west-3' })).read('contact@acme.test');

    // Assess
    expect(state).toEqual({ identity: 'acme.test', verifiedForSending: true, dkimStatus: 'SUCCESS', dkimTokens: ['t1', 't2', 't3'] });
    expect(sesIdentitySteps('contact@acme.test', state).map((s) => [s.step, s.ok])).toEqual([['ses-identity', true], ['ses-dkim', true]]);
  });

  it('says in plain words what is missing when SES knows nothing, or DKIM is pending', async () => {
    ses.on(GetEmailIdentityCommand).rejects(Object.assign(new Error('nope'), { name: 'NotFoundException' }));
    const unknown = await new SesV2IdentityReader(new SESv2Client({ region: 'eu-west-3' })).read('a@new.test');
    const [step] = sesIdentitySteps('a@new.test', unknown);
    expect(step).toMatchObject({ ok: false, message: 'SES does not know a@new.test nor its domain.' });
    expect(step!.hint).toContain('new.test');

    const pending = sesIdentitySteps('a@acme.test', { identity: 'acme.test', verifiedForSending: false, dkimStatus: 'PENDING', dkimTokens: ['t'] });
    expect(pending.map((s) => [s.ok, s.message])).toEqual([[false, 'acme.test is not verified for sending yet.'], [false, 'DKIM is pending.']]);
  });
});

describe('deliverability', () => {
  it('reports SPF, DKIM and DMARC with the records to publish', async () => {
    // Prepare
    const dns: DnsLookup = {
      txt: async (name) => (name === 'acme.test' ? ['v=spf1 include:_spf.google.com -all', 'google-site-verification=x'] : []),
      cname: async (name) => (name === 't1._domainkey.acme.test' ? ['t1.dkim.amazonses.com.'] : []),
    };

    // Act
    const report = await checkDeliverability('acme.test', ['t1', 't2'], dns);

    // Assess
    expect(report.spf).toMatchObject({ state: 'missing', type: 'TXT', name: 'acme.test', value: 'v=spf1 include:_spf.google.com include:amazonses.com -all' });
    expect(report.dkim.map((d) => [d.name, d.value, d.state])).toEqual([
      ['t1._domainkey.acme.test', 't1.dkim.amazonses.com', 'ok'],
      ['t2._domainkey.acme.test', 't2.dkim.amazonses.com', 'missing'],
    ]);
    expect(report.dmarc).toMatchObject({ state: 'missing', name: '_dmarc.acme.test', value: 'v=DMARC1; p=none; rua=mailto:dmarc@acme.test' });
  });

  it('reports unknown, not missing, when DNS cannot answer', async () => {
    // A resolver nobody listens on: the lookups fail (or time out) without an answer.
    const started = Date.now();
    const report = await checkDeliverability('acme.test', ['t1'], nodeDnsLookup(500, ['127.0.0.1:9']));
    expect([report.spf.state, report.dkim[0]!.state, report.dmarc.state]).toEqual(['unknown', 'unknown', 'unknown']);
    expect(report.spf.value).toBe('v=spf1 include:amazonses.com ~all');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('check routes', () => {
  let db: TestTable;
  let handler: ReturnType<typeof createAccountChecksHandler>;
  let service: AccountService;
  const cipher = new AesGcmCredentialCipher(randomBytes(32));
  const imapCalls: ServerEndpoint[] = [];
  const smtpCalls: ServerEndpoint[] = [];
  const step = (name: ConnectionStep['step'], ok: boolean): ConnectionStep => ({ step: name, ok, message: `${name} ${ok ? 'ok' : 'failed'}`, serverMessage: ok ? null : 'NO [AUTHENTICATIONFAILED] Invalid credentials', hint: ok ? null : 'Use an app password.' });

  beforeAll(async () => {
    db = await startTestTable();
    const directory = new Directory(db.table);
    await directory.save(modelFromSeed(demoSeed));
    const accounts = new AccountRepository(db.table);
    const clock = new FixedClock();
    service = new AccountService({ accounts, table: db.table, directory, cipher, events: new MemoryEvents(), clock, quota: 10 });
    const deps: AccountCheckDeps & { directory: Directory } = {
      accounts, directory, cipher, clock,
      ses: { read: async () => ({ identity: 'acme.test', verifiedForSending: true, dkimStatus: 'SUCCESS', dkimTokens: ['tok'] }) },
      dns: { txt: async () => null, cname: async () => null },
      testImap: vi.fn(async (endpoint: ServerEndpoint) => { imapCalls.push(endpoint); return [step('imap-connect', true), step('imap-login', endpoint.password === 'good')]; }),
      testSmtp: vi.fn(async (endpoint: ServerEndpoint) => { smtpCalls.push(endpoint); return [step('smtp-connect', true), step('smtp-login', true)]; }),
    };
    handler = createAccountChecksHandler(deps);
  });

  afterAll(async () => {
    await db.stop();
  });

  const call = async (method: string, path: string, email: string, body?: unknown) => {
    const raw = await handler(apiEvent(method, path, { email, body }));
    return { status: raw.statusCode, body: JSON.parse(String(raw.body)), raw: String(raw.body) };
  };

  it('tests settings before saving: every step, with the server\'s message and a hint; SMTP gets the IMAP credentials', async () => {
    const result = await call('POST', '/api/accounts/test', ADMIN, {
      kind: 'imap_smtp', imap: { host: 'imap.gmail.com', username: 'x@gmail.test', password: 'bad' }, smtp: { host: 'smtp.gmail.com' },
    });
    expect(result.status).toBe(200);
    expect(result.body.ok).toBe(false);
    expect(result.body.steps.map((s: { step: string; ok: boolean }) => [s.step, s.ok])).toEqual([
      ['imap-connect', true], ['imap-login', false], ['smtp-connect', true], ['smtp-login', true],
    ]);
    expect(result.body.steps[1]).toMatchObject({ serverMessage: 'NO [AUTHENTICATIONFAILED] Invalid credentials', hint: 'Use an app password.' });
    expect(smtpCalls.at(-1)).toEqual({ host: 'smtp.gmail.com', port: 465, security: 'tls', username: 'x@gmail.test', password: 'bad' });
    expect(imapCalls.at(-1)).toMatchObject({ port: 993, security: 'tls' });
    expect(result.raw).not.toContain('"password"');
  });

  it('answers 400 naming the field, and 403 to members', async () => {
    const bad = await call('POST', '/api/accounts/test', ADMIN, { kind: 'imap_smtp', imap: { host: 'imap.gmail.com', username: 'x' }, smtp: { host: 's' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('body.imap.password');
    expect((await call('POST', '/api/accounts/test', AGENT, { kind: 'ses', address: 'a@acme.test' })).status).toBe(403);
  });

  it('tests a saved account with its stored password and records the outcome as its validity', async () => {
    const admin = (await new Directory(db.table).getUser(ADMIN))!;
    const account = await service.create(admin, createAccountSchema.parse({
      kind: 'imap_smtp', address: 'boite@gmail.test', mailboxId: 'support',
      imap: { host: 'imap.gmail.com', username: 'boite@gmail.test', password: 'good' }, smtp: { host: 'smtp.gmail.com' },
    }));
    const result = await call('POST', `/api/accounts/${account.accountId}/test`, ADMIN);
    expect(result.body.ok).toBe(true);
    expect(imapCalls.at(-1)?.password).toBe('good');
    expect((await new AccountRepository(db.table).get(account.accountId))!.account.lastTest).toMatchObject({ ok: true, at: '2026-11-20T09:00:00.000Z' });
    expect((await call('POST', `/api/accounts/${account.accountId}/test`, AGENT)).status).toBe(403);
    expect((await call('POST', '/api/accounts/nope/test', ADMIN)).status).toBe(404);
    expect(result.raw).not.toContain('good');
  });

  it('checks the deliverability of an SES account only', async () => {
    const admin = (await new Directory(db.table).getUser(ADMIN))!;
    const ses = await service.create(admin, createAccountSchema.parse({ kind: 'ses', address: 'ventes@acme.test', mailboxId: 'ventes' }));
    const report = await call('GET', `/api/accounts/${ses.accountId}/deliverability`, ADMIN);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ domain: 'acme.test', spf: { state: 'unknown' }, dkim: [{ name: 'tok._domainkey.acme.test', value: 'tok.dkim.amazonses.com', state: 'unknown' }] });
    const list = await new AccountRepository(db.table).listByOrg('demo');
    const imap = list.find((a) => a.kind === 'imap_smtp')!;
    expect((await call('GET', `/api/accounts/${imap.accountId}/deliverability`, ADMIN)).status).toBe(409);
  });
});
