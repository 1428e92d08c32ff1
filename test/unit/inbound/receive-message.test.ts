/**
 * The inbound use case against real DynamoDB semantics (dynalite) and in-memory S3 and events:
 * routing, threading, deduplication, idempotent redelivery and what it costs per message.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';
import { receiveMessage, type InboundDeps } from '../../../shared/inbound/receive-message.js';
import { MailStore } from '../../../shared/inbound/mail-store.js';
import { Directory } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { listConversations, loadConversationMessages } from '../../../shared/api/inbox-queries.js';
import { listByLookupIndex } from '../../../shared/api/inbox-queries.js';
import { replyTokenFor } from '../../../shared/inbound/reply-token.js';

let db: TestTable;
let blobs: MemoryBlobStore;
let events: MemoryEvents;
let clock: FixedClock;
let deps: InboundDeps;
let store: MailStore;
let counter = 0;

function mail(headers: Record<string, string>, body = 'Bonjour,\r\nMerci de votre aide.\r\n'): string {
  const all = { 'Date': 'Fri, 20 Nov 2026 09:00:00 +0100', 'MIME-Version': '1.0', 'Content-Type': 'text/plain; charset=utf-8', ...headers };
  return `${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
}

async function deliver(raw: string | Buffer, envelope: string[], key = `inbound/obj${++counter}`) {
  await blobs.put(key, Buffer.isBuffer(raw) ? raw : Buffer.from(raw), 'message/rfc822');
  clock.advance(1000);
  return { key, outcome: await receiveMessage({ rawKey: key, envelopeRecipients: envelope, receivedAt: clock.now().toISOString() }, deps) };
}

beforeAll(async () => {
  db = await startTestTable();
  await new Directory(db.table).save(modelFromSeed(demoSeed));
});

afterAll(async () => {
  await db.stop();
});

beforeEach(() => {
  blobs = new MemoryBlobStore();
  events = new MemoryEvents();
  clock = new FixedClock();
  store = new MailStore(db.table, blobs);
  deps = { store, blobs, events, clock, subjectWindowHours: 72 };
  db.meter.reset();
});

describe('a new message', () => {
  it('opens an unassigned, new conversation in the routed mailbox with two DynamoDB round trips and one S3 read', async () => {
    // Prepare
    const raw = mail({ From: 'Léa Petit <lea@client.test>', To: 'support@acme.test', Subject: 'Commande 1234', 'Message-ID': '<new-1@client.test>' });

    // Act
    const { outcome } = await deliver(raw, ['support@acme.test']);

    // Assess
    expect(outcome.kind).toBe('stored');
    expect(db.meter.requests).toBe(2);
    expect(blobs.stats).toEqual({ gets: 1, puts: 1 }); // the put is the test's own raw upload
    const page = await listConversations(db.table, 'support', { limit: 10 });
    const conversation = page.items.find((c) => c.subject === 'Commande 1234');
    expect(conversation).toMatchObject({ status: 'unassigned', isNew: true, messageCount: 1, from: { address: 'lea@client.test', name: 'Léa Petit' } });
    expect(events.published).toHaveLength(1);
    expect(events.published[0]!.detailType).toBe('Message Received');
    expect(events.published[0]!.detail.data).toMatchObject({ messageId: 'new-1@client.test', placements: [{ mailboxId: 'support', newConversation: true, threading: 'new' }] });
    expect(JSON.stringify(events.published[0]!.detail)).not.toContain('Merci de votre aide');
  });

  it('is processed once when the same object is delivered twice', async () => {
    const raw = mail({ From: 'a@client.test', To: 'support@acme.test', Subject: 'Deux fois', 'Message-ID': '<twice@client.test>' });
    const { key, outcome } = await deliver(raw, ['support@acme.test']);
    const again = await receiveMessage({ rawKey: key, envelopeRecipients: ['support@acme.test'], receivedAt: clock.now().toISOString() }, deps);
    expect(again.kind).toBe('redelivered');
    const conversation = (await listConversations(db.table, 'support', { limit: 50 })).items.filter((c) => c.subject === 'Deux fois');
    expect(conversation).toHaveLength(1);
    expect(conversation[0]!.messageCount).toBe(1);
    expect(outcome.kind === 'stored' && again.messageKey === outcome.messageKey).toBe(true);
    // The event is republished with the same id, so consumers can deduplicate.
    expect(events.published.map((e) => e.detail.metadata.eventId)).toEqual([events.published[0]!.detail.metadata.eventId, events.published[0]!.detail.metadata.eventId]);
  });

  it('labels mail sent to an address with a label rule', async () => {
    await deliver(mail({ From: 'compta@client.test', To: 'factures@acme.test', Subject: 'Facture 77', 'Message-ID': '<f77@client.test>' }), ['factures@acme.test']);
    const conversation = (await listConversations(db.table, 'support', { limit: 50 })).items.find((c) => c.subject === 'Facture 77');
    expect(conversation?.labels).toEqual(['facturation']);
  });
});

describe('threading', () => {
  it('puts a reply into its parent conversation and records why', async () => {
    await deliver(mail({ From: 'b@client.test', To: 'support@acme.test', Subject: 'Livraison', 'Message-ID': '<parent@client.test>' }), ['support@acme.test']);
    const { outcome } = await deliver(mail({
      From: 'b@client.test', To: 'support@acme.test', Subject: 'Re: Livraison', 'Message-ID': '<child@client.test>',
      'In-Reply-To': '<parent@client.test>', References: '<parent@client.test>',
    }), ['support@acme.test']);
    expect(outcome.kind === 'stored' && outcome.placements[0]).toMatchObject({ newConversation: false, threading: { kind: 'in-reply-to', messageId: 'parent@client.test' } });
    const conversation = (await listConversations(db.table, 'support', { limit: 50 })).items.find((c) => c.subject === 'Livraison');
    expect(conversation?.messageCount).toBe(2);
    const messages = await loadConversationMessages(store, (await store.getConversation(conversation!.conversationId))!);
    expect(messages.map((m) => m.message.messageId)).toEqual(['parent@client.test', 'child@client.test']);
    expect(messages[1]!.body.text).toContain('Merci de votre aide');
  });

  it('threads a header-less "RE :" reply by subject only from a participant', async () => {
    await deliver(mail({ From: 'c@client.test', To: 'ventes@acme.test', Subject: 'Devis cuisine', 'Message-ID': '<devis@client.test>' }), ['ventes@acme.test']);
    const fromParticipant = await deliver(mail({ From: 'c@client.test', To: 'ventes@acme.test', Subject: 'RE : Devis cuisine', 'Message-ID': '<devis-2@client.test>' }), ['ventes@acme.test']);
    const fromStranger = await deliver(mail({ From: 'z@other.test', To: 'ventes@acme.test', Subject: 'RE: Devis cuisine', 'Message-ID': '<devis-3@other.test>' }), ['ventes@acme.test']);
    expect(fromParticipant.outcome.kind === 'stored' && fromParticipant.outcome.placements[0]!.threading.kind).toBe('subject');
    expect(fromStranger.outcome.kind === 'stored' && fromStranger.outcome.placements[0]!.threading.kind).toBe('new');
  });

  it('does not thread by subject outside the window', async () => {
    await deliver(mail({ From: 'd@client.test', To: 'ventes@acme.test', Subject: 'Relance', 'Message-ID': '<relance@client.test>' }), ['ventes@acme.test']);
    clock.advance(73 * 3600_000);
    const late = await deliver(mail({ From: 'd@client.test', To: 'ventes@acme.test', Subject: 'TR: Relance', 'Message-ID': '<relance-2@client.test>' }), ['ventes@acme.test']);
    expect(late.outcome.kind === 'stored' && late.outcome.placements[0]!.threading.kind).toBe('new');
  });

  it("follows Mailroom's reply token when the referenced message is unknown", async () => {
    const first = await deliver(mail({ From: 'e@client.test', To: 'support@acme.test', Subject: 'Question', 'Message-ID': '<q@client.test>' }), ['support@acme.test']);
    const conversationId = first.outcome.kind === 'stored' ? first.outcome.placements[0]!.conversationId : '';
    const reply = await deliver(mail({
      From: 'e@client.test', To: 'support@acme.test', Subject: 'Autre sujet', 'Message-ID': '<q2@client.test>',
      'In-Reply-To': `<${replyTokenFor(conversationId)}.abc123@acme.test>`,
    }), ['support@acme.test']);
    expect(reply.outcome.kind === 'stored' && reply.outcome.placements[0]).toMatchObject({ conversationId, threading: { kind: 'reply-token' } });
  });

  it('reopens a closed conversation when the customer writes again', async () => {
    const first = await deliver(mail({ From: 'f@client.test', To: 'support@acme.test', Subject: 'Clos', 'Message-ID': '<clos@client.test>' }), ['support@acme.test']);
    const conversationId = first.outcome.kind === 'stored' ? first.outcome.placements[0]!.conversationId : '';
    await db.table.update({
      Key: { PK: `CONV#${conversationId}`, SK: 'CONV' }, UpdateExpression: 'SET #s = :c, GSI2PK = :pk',
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':c': 'closed', ':pk': 'MBX#support#ST#closed' },
    });
    await deliver(mail({ From: 'f@client.test', To: 'support@acme.test', Subject: 'Re: Clos', 'Message-ID': '<clos-2@client.test>', 'In-Reply-To': '<clos@client.test>' }), ['support@acme.test']);
    const conversation = await store.getConversation(conversationId);
    expect(conversation).toMatchObject({ status: 'unassigned', messageCount: 2 });
    const open = await listConversations(db.table, 'support', { status: 'unassigned', limit: 100 });
    expect(open.items.some((c) => c.conversationId === conversationId)).toBe(true);
  });
});

describe('shared addresses and duplicates', () => {
  it('stores mail to two shared addresses once and shows it in both mailboxes', async () => {
    const { outcome } = await deliver(mail({ From: 'g@client.test', To: 'support@acme.test, ventes@acme.test', Subject: 'Pour les deux', 'Message-ID': '<both@client.test>' }), ['support@acme.test', 'ventes@acme.test']);
    expect(outcome.kind === 'stored' && outcome.placements.map((p) => p.mailboxId)).toEqual(['support', 'ventes']);
    const support = (await listConversations(db.table, 'support', { limit: 100 })).items.filter((c) => c.subject === 'Pour les deux');
    const ventes = (await listConversations(db.table, 'ventes', { limit: 100 })).items.filter((c) => c.subject === 'Pour les deux');
    expect(support).toHaveLength(1);
    expect(ventes).toHaveLength(1);
    const [a] = await loadConversationMessages(store, (await store.getConversation(support[0]!.conversationId))!);
    const [b] = await loadConversationMessages(store, (await store.getConversation(ventes[0]!.conversationId))!);
    expect(a!.message.messageKey).toBe(b!.message.messageKey);
  });

  it('adds the second mailbox when the same message arrives through a split delivery', async () => {
    const raw = mail({ From: 'h@client.test', To: 'support@acme.test, ventes@acme.test', Subject: 'Scindé', 'Message-ID': '<split@client.test>' });
    await deliver(raw, ['support@acme.test']);
    const second = await deliver(raw, ['ventes@acme.test']);
    const third = await deliver(raw, ['ventes@acme.test']);
    expect(second.outcome).toMatchObject({ kind: 'duplicate', addedMailboxes: ['ventes'] });
    expect(third.outcome).toMatchObject({ kind: 'duplicate', addedMailboxes: [] });
    const message = await store.getMessage(second.outcome.messageKey);
    expect(message?.placements.map((p) => p.mailboxId)).toEqual(['support', 'ventes']);
  });

  it('keeps a different message that reuses a Message-ID, flagged', async () => {
    await deliver(mail({ From: 'i@client.test', To: 'support@acme.test', Subject: 'Original', 'Message-ID': '<reused@client.test>' }), ['support@acme.test']);
    const other = await deliver(mail({ From: 'mallory@evil.test', To: 'support@acme.test', Subject: 'Imposteur', 'Message-ID': '<reused@client.test>' }), ['support@acme.test']);
    expect(other.outcome.kind).toBe('stored');
    const message = await store.getMessage(other.outcome.messageKey);
    expect(message?.flags).toContain('duplicate-message-id');
    expect(message?.subject).toBe('Imposteur');
  });
});

describe('unroutable and bad mail', () => {
  it('records mail for unknown domains as unroutable, listable by admins', async () => {
    const { outcome } = await deliver(mail({ From: 'j@client.test', To: 'who@nowhere.test', Subject: 'Perdu ?', 'Message-ID': '<lost@client.test>' }), ['who@nowhere.test']);
    const message = await store.getMessage(outcome.messageKey);
    expect(message).toMatchObject({ placements: [], orgId: null });
    expect(message?.flags).toContain('unroutable');
    const listed = await listByLookupIndex(db.table, 'UNROUTABLE', 50);
    expect(listed.items.map((i) => i.PK)).toContain(`MSG#${outcome.messageKey}`);
  });

  it('routes unknown addresses of the domain to the catch-all', async () => {
    const { outcome } = await deliver(mail({ From: 'k@client.test', To: 'contact@acme.test', Subject: 'Catch-all', 'Message-ID': '<catch@client.test>' }), ['contact@acme.test']);
    expect(outcome.kind === 'stored' && outcome.placements.map((p) => p.mailboxId)).toEqual(['support']);
  });

  it('stores an empty message with its flag instead of failing', async () => {
    const { key, outcome } = await deliver(Buffer.alloc(0), ['support@acme.test']);
    const message = await store.getMessage(outcome.messageKey);
    expect(message?.flags).toEqual(expect.arrayContaining(['empty', 'no-message-id']));
    expect(message?.rawKey).toBe(key);
    expect(blobs.objects.has(key)).toBe(true);
  });

  it('stores attachments under the raw object key, once', async () => {
    const boundary = 'b1';
    const raw = mail({
      From: 'l@client.test', To: 'support@acme.test', Subject: 'Pièce jointe', 'Message-ID': '<att@client.test>',
      'Content-Type': `multipart/mixed; boundary="${boundary}"`,
    }, `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVoir PJ.\r\n--${boundary}\r\nContent-Type: application/pdf; name="devis.pdf"\r\nContent-Disposition: attachment; filename="devis.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('%PDF-1.4 test').toString('base64')}\r\n--${boundary}--\r\n`);
    const { key, outcome } = await deliver(raw, ['support@acme.test']);
    const message = await store.getMessage(outcome.messageKey);
    expect(message?.attachments).toHaveLength(1);
    expect(message?.attachments[0]).toMatchObject({ filename: 'devis.pdf', contentType: 'application/pdf', size: 13 });
    expect(blobs.objects.get(message!.attachments[0]!.storageKey)?.body.toString()).toBe('%PDF-1.4 test');
    expect(message!.attachments[0]!.storageKey.startsWith(`attachments/${key.split('/').pop()}/`)).toBe(true);
  });
});

describe('receiving-service verdicts', () => {
  it('flags spam and virus verdicts and still stores the mail', async () => {
    const key = 'inbound/verdicts';
    await blobs.put(key, Buffer.from(mail({ From: 'x@spam.test', To: 'support@acme.test', Subject: 'Gagnez', 'Message-ID': '<spam@spam.test>' })), 'message/rfc822');
    const outcome = await receiveMessage({ rawKey: key, envelopeRecipients: ['support@acme.test'], receivedAt: null, verdicts: { spam: 'FAIL', virus: 'FAIL' } }, deps);
    const message = await store.getMessage(outcome.messageKey);
    expect(message?.flags).toEqual(expect.arrayContaining(['spam', 'virus']));
    const conversation = await store.getConversation(message!.placements[0]!.conversationId);
    expect(conversation?.flags).toEqual(expect.arrayContaining(['spam', 'virus']));
  });
});
