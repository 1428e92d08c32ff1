/**
 * The address book: contacts from the participants of received mail (idempotent, people only),
 * autocomplete without Scan, CRUD with conditional writes, and identifying a conversation's sender
 * with the access rules of its mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactRepository, participantContactId } from '../../../shared/contacts/contact-repository.js';
import { normaliseSearch, searchTokens } from '../../../shared/contacts/tokens.js';
import { call, consume, deliver, deliverAndConsume, mail, published, startCasesHarness, type CasesHarness } from '../cases/harness.js';

let h: CasesHarness;
let contacts: ContactRepository;

beforeAll(async () => {
  h = await startCasesHarness();
  contacts = new ContactRepository(h.db.table);
});

afterAll(async () => {
  await h.stop();
});

describe('search tokens', () => {
  it('fold accents and case, and cover name words, the full name, the address and its local parts', () => {
    expect(normaliseSearch('  Léa  PETIT ')).toBe('lea petit');
    expect(searchTokens('Léa Petit-Durand', ['lea.petit@client.test'])).toEqual(expect.arrayContaining(['lea petit-durand', 'lea', 'petit', 'durand', 'lea.petit@client.test', 'petit']));
  });
});

describe('contacts from received mail', () => {
  it('makes one contact per external sender and Cc, none for the organisation or its users, and publishes Contact Created', async () => {
    // Prepare
    const raw = mail({ From: 'Léa Petit <lea@client.test>', To: 'support@acme.test', Cc: 'Marc Dupont <marc@client.test>, julien@acme.test', Subject: 'Commande 1234', 'Message-ID': '<c1@client.test>' });

    // Act
    await deliverAndConsume(h, raw, ['support@acme.test']);

    // Assess
    const lea = await contacts.get('demo', participantContactId('demo', 'lea@client.test'));
    expect(lea).toMatchObject({ fullName: 'Léa Petit', emails: ['lea@client.test'], organisationId: null, source: 'participant' });
    expect(await contacts.contactIdByEmail('demo', 'marc@client.test')).toBe(participantContactId('demo', 'marc@client.test'));
    expect(await contacts.contactIdByEmail('demo', 'julien@acme.test')).toBeNull();
    expect(await contacts.contactIdByEmail('demo', 'support@acme.test')).toBeNull();
    const created = published(h, 'Contact Created').map((e) => (e.detail.data as { emails: string[] }).emails[0]);
    expect(created).toEqual(expect.arrayContaining(['lea@client.test', 'marc@client.test']));
  });

  it('changes nothing when the same event is delivered again', async () => {
    // Prepare
    const event = await deliver(h, mail({ From: 'Nina <nina@client.test>', To: 'support@acme.test', Subject: 'Deux fois', 'Message-ID': '<c2@client.test>' }), ['support@acme.test']);
    await consume(h, event);
    const before = published(h, 'Contact Created').length;

    // Act
    const again = await consume(h, event);

    // Assess
    expect(again.batchItemFailures).toEqual([]);
    expect(published(h, 'Contact Created')).toHaveLength(before);
    const page = await contacts.search('demo', 'nina', 10);
    expect(page).toHaveLength(1);
  });

  it('makes no contact from auto-replies, bounces or list mail', async () => {
    // Prepare
    const autoReply = mail({ From: 'Absent <absent@client.test>', To: 'support@acme.test', Subject: 'Absence', 'Auto-Submitted': 'auto-replied', 'Message-ID': '<c3@client.test>' });
    const list = mail({ From: 'News <news@list.test>', To: 'support@acme.test', Subject: 'Lettre', 'List-Id': '<news.list.test>', Precedence: 'bulk', 'Message-ID': '<c4@client.test>' });

    // Act
    await deliverAndConsume(h, autoReply, ['support@acme.test']);
    await deliverAndConsume(h, list, ['support@acme.test']);

    // Assess
    expect(await contacts.contactIdByEmail('demo', 'absent@client.test')).toBeNull();
    expect(await contacts.contactIdByEmail('demo', 'news@list.test')).toBeNull();
  });

  it('makes one contact when two messages from a new sender are processed at once', async () => {
    // Act
    const results = await Promise.all([0, 1, 2, 3].map(() => contacts.ensureParticipant('demo', 'Race@Client.test', 'Race', '2026-11-20T09:00:00.000Z')));

    // Assess
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.contact.contactId)).size).toBe(1);
  });
});

describe('autocomplete', () => {
  it('finds a contact by the start of a name (accents ignored) or an address, with one Query', async () => {
    // Prepare
    h.db.meter.reset();

    // Act
    const byName = await contacts.search('demo', 'le', 10);
    const requests = h.db.meter.requests;
    const byLastName = await contacts.search('demo', 'PET', 10);
    const byAddress = await contacts.search('demo', 'lea@cl', 10);
    const none = await contacts.search('demo', 'zzz', 10);

    // Assess
    expect(requests).toBe(1);
    expect(byName.map((s) => s.email)).toContain('lea@client.test');
    expect(byLastName).toEqual([expect.objectContaining({ fullName: 'Léa Petit', email: 'lea@client.test' })]);
    expect(byAddress.map((s) => s.contactId)).toEqual([participantContactId('demo', 'lea@client.test')]);
    expect(none).toEqual([]);
  });

  it('answers over the API for any user of the organisation', async () => {
    // Act
    const reply = await call(h, 'GET', '/api/contacts', { email: 'julien@acme.test', query: { q: 'léa' } });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.items[0]).toMatchObject({ fullName: 'Léa Petit', email: 'lea@client.test' });
  });

  it('refuses callers who are not users', async () => {
    const reply = await call(h, 'GET', '/api/contacts', { email: 'stranger@elsewhere.test', query: { q: 'lea' } });
    expect(reply.status).toBe(403);
  });
});

describe('contacts and organisations over the API', () => {
  it('creates an organisation and a contact in it, and refuses an address another contact owns', async () => {
    // Act
    const org = await call(h, 'POST', '/api/contact-organisations', { email: 'alex@acme.test', body: { name: 'Client SA', domains: ['client.test'] } });
    const created = await call(h, 'POST', '/api/contacts', { email: 'alex@acme.test', body: { fullName: 'Paul Martin', emails: ['paul@client.test'], organisationId: org.body.organisationId } });
    const taken = await call(h, 'POST', '/api/contacts', { email: 'alex@acme.test', body: { fullName: 'Autre Léa', emails: ['lea@client.test'] } });

    // Assess
    expect(org.status).toBe(201);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ fullName: 'Paul Martin', emails: ['paul@client.test'], organisationId: org.body.organisationId, version: 1 });
    expect(taken.status).toBe(409);
    expect(taken.body.current.contactId).toBe(participantContactId('demo', 'lea@client.test'));
    const read = await call(h, 'GET', `/api/contacts/${created.body.contactId}`, { email: 'julien@acme.test' });
    expect(read.body.organisation).toMatchObject({ name: 'Client SA' });
    expect(published(h, 'Contact Organisation Created')).toHaveLength(1);
  });

  it('names the field at fault', async () => {
    const reply = await call(h, 'POST', '/api/contacts', { email: 'alex@acme.test', body: { fullName: 'X', emails: ['not-an-address'] } });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { field: string }) => e.field)).toContain('body.emails[0]');
    const unknownOrg = await call(h, 'POST', '/api/contacts', { email: 'alex@acme.test', body: { fullName: 'X', emails: ['x@client.test'], organisationId: 'nope' } });
    expect(unknownOrg.status).toBe(400);
    expect(unknownOrg.body.errors[0].field).toBe('body.organisationId');
  });

  it('renames with a version check: the stale writer gets 409 with the current contact, search follows the new name', async () => {
    // Prepare
    const created = await call(h, 'POST', '/api/contacts', { email: 'alex@acme.test', body: { fullName: 'Hugo Bleu', emails: ['hugo@client.test'] } });
    const path = `/api/contacts/${created.body.contactId}`;

    // Act
    const first = await call(h, 'PATCH', path, { email: 'alex@acme.test', body: { fullName: 'Hugo Vert', expectedVersion: 1 } });
    const stale = await call(h, 'PATCH', path, { email: 'julien@acme.test', body: { fullName: 'Hugo Rouge' }, headers: { 'if-match': '"1"' } });

    // Assess
    expect(first.status).toBe(200);
    expect(first.headers.etag).toBe('"2"');
    expect(stale.status).toBe(409);
    expect(stale.body.current).toMatchObject({ fullName: 'Hugo Vert', version: 2 });
    expect((await contacts.search('demo', 'vert', 5)).map((s) => s.contactId)).toEqual([created.body.contactId]);
    expect(await contacts.search('demo', 'bleu', 5)).toEqual([]);
  });

  it('lets dispatchers delete, not agents; a deleted contact frees its address and leaves the search', async () => {
    // Prepare
    const created = await call(h, 'POST', '/api/contacts', { email: 'julien@acme.test', body: { fullName: 'Zoé Gone', emails: ['zoe@client.test'] } });
    const path = `/api/contacts/${created.body.contactId}`;

    // Act
    const byAgent = await call(h, 'DELETE', path, { email: 'julien@acme.test' });
    const byDispatcher = await call(h, 'DELETE', path, { email: 'alex@acme.test' });

    // Assess
    expect(byAgent.status).toBe(403);
    expect(byDispatcher.status).toBe(204);
    expect((await call(h, 'GET', path, { email: 'alex@acme.test' })).status).toBe(404);
    expect(await contacts.search('demo', 'zoe', 5)).toEqual([]);
    expect(await contacts.contactIdByEmail('demo', 'zoe@client.test')).toBeNull();
    expect(published(h, 'Contact Deleted')).toHaveLength(1);
  });

  it('pages through the address book by id', async () => {
    const first = await call(h, 'GET', '/api/contacts', { email: 'alex@acme.test', query: { limit: '2' } });
    expect(first.body.items).toHaveLength(2);
    const second = await call(h, 'GET', '/api/contacts', { email: 'alex@acme.test', query: { limit: '2', cursor: first.body.nextCursor } });
    expect(second.body.items[0].contactId > first.body.items[1].contactId).toBe(true);
  });
});

describe('organisations by mail domain', () => {
  it('puts a new participant from a domain of an address-book organisation into it', async () => {
    // Prepare
    const org = await call(h, 'POST', '/api/contact-organisations', { email: 'alex@acme.test', body: { name: 'Entreprise SARL', domains: ['entreprise.test'] } });

    // Act
    await deliverAndConsume(h, mail({ From: 'Jean Vidal <jean@entreprise.test>', To: 'support@acme.test', Subject: 'Partenariat', 'Message-ID': '<dom1@entreprise.test>' }), ['support@acme.test']);
    const renamed = await call(h, 'PATCH', `/api/contact-organisations/${org.body.organisationId}`, { email: 'alex@acme.test', body: { domains: ['entreprise2.test'] } });
    await deliverAndConsume(h, mail({ From: 'Eva <eva@entreprise.test>', To: 'support@acme.test', Subject: 'Autre', 'Message-ID': '<dom2@entreprise.test>' }), ['support@acme.test']);

    // Assess
    expect((await contacts.get('demo', participantContactId('demo', 'jean@entreprise.test')))?.organisationId).toBe(org.body.organisationId);
    expect(renamed.body.domains).toEqual(['entreprise2.test']);
    expect((await contacts.get('demo', participantContactId('demo', 'eva@entreprise.test')))?.organisationId).toBeNull();
  });
});

describe('identify the sender of a conversation', () => {
  it('creates the contact from the sender, bumps the conversation version, records history and publishes', async () => {
    // Prepare
    const data = await deliverAndConsume(h, mail({ From: 'Inès Roy <ines@nouveau.test>', To: 'support@acme.test', Subject: 'Devis', 'Message-ID': '<id1@nouveau.test>', 'Auto-Submitted': 'auto-generated' }), ['support@acme.test']);
    const conversationId = data.placements[0]!.conversationId;
    const before = await call(h, 'GET', `/api/conversations/${conversationId}`, { email: 'alex@acme.test' });

    // Act
    const reply = await call(h, 'POST', `/api/conversations/${conversationId}/contact`, { email: 'alex@acme.test', body: { createFromSender: true }, headers: { 'if-match': before.headers.etag! } });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.contact).toMatchObject({ fullName: 'Inès Roy', emails: ['ines@nouveau.test'] });
    expect(reply.body.version).toBe(Number(before.headers.etag!.replace(/"/g, '')) + 1);
    const stale = await call(h, 'POST', `/api/conversations/${conversationId}/assign`, { email: 'alex@acme.test', body: { assignee: 'me' }, headers: { 'if-match': before.headers.etag! } });
    expect(stale.status).toBe(409);
    const history = await call(h, 'GET', `/api/conversations/${conversationId}/history`, { email: 'alex@acme.test' });
    expect(JSON.stringify(history.body)).toContain('contact_identified');
    const event = published(h, 'Conversation Contact Identified').at(-1)!;
    expect(event.detail.data).toMatchObject({ conversationId, contactId: reply.body.contact.contactId, contactCreated: true, actor: 'alex@acme.test' });
  });

  it('links an existing contact and takes its organisation; 404 for an agent it is not assigned to and for other mailboxes', async () => {
    // Prepare
    const data = await deliverAndConsume(h, mail({ From: 'paul@client.test', To: 'support@acme.test', Subject: 'Question', 'Message-ID': '<id2@client.test>' }), ['support@acme.test']);
    const conversationId = data.placements[0]!.conversationId;
    const paul = await contacts.contactIdByEmail('demo', 'paul@client.test');

    // Act
    const byAgent = await call(h, 'POST', `/api/conversations/${conversationId}/contact`, { email: 'julien@acme.test', body: { contactId: paul } });
    const byOutsider = await call(h, 'POST', `/api/conversations/${conversationId}/contact`, { email: 'sarah@acme.test', body: { contactId: paul } });
    const byDispatcher = await call(h, 'POST', `/api/conversations/${conversationId}/contact`, { email: 'alex@acme.test', body: { contactId: paul } });
    const unknown = await call(h, 'POST', `/api/conversations/${conversationId}/contact`, { email: 'alex@acme.test', body: { contactId: 'knope' } });
    const nothing = await call(h, 'POST', `/api/conversations/${conversationId}/contact`, { email: 'alex@acme.test', body: {} });

    // Assess
    expect(byAgent.status).toBe(404);
    expect(byOutsider.status).toBe(404);
    expect(byDispatcher.status).toBe(200);
    expect(byDispatcher.body.organisation).toMatchObject({ name: 'Client SA' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('body.contactId');
    expect(nothing.status).toBe(400);
  });
});
