/**
 * The indexer and the query on dynalite: postings written from stored messages, idempotently,
 * found by one, two or three words, intersected without reading whole posting lists, filtered by
 * the caller's visibility, and paged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { MemoryBlobStore } from '../../helpers/fakes.js';
import { handleIndexer } from '../../../functions/indexer/handler.js';
import { conversationItem, encodeBody, MailStore } from '../../../shared/inbound/mail-store.js';
import { keys } from '../../../shared/model/keys.js';
import type { ConversationRecord } from '../../../shared/model/types.js';
import { indexMessage, parseIndexEvent, type IndexerDeps } from '../../../shared/search/indexer.js';
import { postingSort, termPartition } from '../../../shared/search/postings.js';
import { POSTINGS_PAGE, searchConversations, searchMailboxes, WINDOW_FACTOR, type SearchRequest } from '../../../shared/search/search.js';
import type { Actor } from '../../../shared/workflow/rules.js';

const dispatcher: Actor = { email: 'alex@acme.test', role: 'dispatcher' };
const agent: Actor = { email: 'julien@acme.test', role: 'agent' };

let db: TestTable;
let deps: IndexerDeps;
let sequence = 0;

/** Stores a conversation with one message and returns both ids. */
async function storeMail(mail: { subject: string; text: string; from?: string; mailboxId?: string; assignee?: string | null; html?: string }) {
  sequence += 1;
  const at = new Date(Date.UTC(2026, 10, 1, 8, 0, sequence)).toISOString();
  const conversationId = `cs${String(sequence).padStart(5, '0')}`;
  const messageKey = `m${String(sequence).padStart(5, '0')}`;
  const mailboxId = mail.mailboxId ?? 'support';
  const record: ConversationRecord = {
    conversationId, mailboxId, orgId: 'demo', subject: mail.subject, subjectKey: mail.subject.toLowerCase(), snippet: '',
    from: { address: mail.from ?? 'lea@client.test', name: 'Léa Martin' }, participants: [mail.from ?? 'lea@client.test'],
    status: mail.assignee ? 'assigned' : 'unassigned', assignee: mail.assignee ?? null, isNew: true, labels: [], flags: [],
    messageCount: 1, hasAttachments: false, createdAt: at, lastActivityAt: at, lastMessageKey: messageKey,
    messageRefs: [`${at}#${messageKey}`], version: 1,
  };
  await db.table.put(conversationItem(record));
  await db.table.put({
    ...keys.message(messageKey), type: 'message', messageKey, messageId: `${messageKey}@client.test`, direction: 'inbound',
    subject: mail.subject, from: record.from, to: [{ address: `${mailboxId}@acme.test`, name: '' }], cc: [], attachments: [],
    receivedAt: at, placements: [{ mailboxId, conversationId, threading: { kind: 'new' } }],
    body: encodeBody({ text: mail.text, html: mail.html ?? null }),
  });
  return { conversationId, messageKey, mailboxId, createdAt: at };
}

function receivedEvent(messageKey: string, placements: { mailboxId: string; conversationId: string }[]): string {
  return JSON.stringify({
    version: '0', id: `e-${messageKey}`, 'detail-type': 'Message Received', source: 'mailroom', account: '0', time: '', region: 'us-east-1', resources: [],
    detail: { metadata: { eventId: messageKey, version: '1', occurredAt: '', source: 'mailroom' }, data: { messageKey, placements: placements.map((p) => ({ ...p, newConversation: true, threading: 'new' })) } },
  });
}

async function index(stored: { messageKey: string; mailboxId: string; conversationId: string }) {
  return indexMessage({ messageKey: stored.messageKey, placements: [{ mailboxId: stored.mailboxId, conversationId: stored.conversationId }] }, deps);
}

async function search(request: Partial<SearchRequest> & { q: string }) {
  const outcome = await searchConversations(db.table, { mailboxId: 'support', actor: dispatcher, limit: 25, ...request });
  if (outcome.kind !== 'results') throw new Error(outcome.kind);
  return outcome;
}

const ids = (items: { conversationId: string }[]) => items.map((c) => c.conversationId);

const facture = { subject: 'Facture 2026-118 en retard', text: 'Bonjour, la facture du colis livré à Lyon est toujours impayée. Merci !' };
const livraison = { subject: 'Livraison', text: 'Le colis est arrivé abîmé à Marseille, pouvez-vous le reprendre ?' };
const devis = { subject: 'Demande de devis', text: 'Nous voudrions un devis pour 40 colis vers Lyon.', from: 'achat@atelier.test' };

let stored: Record<'facture' | 'livraison' | 'devis' | 'assigned' | 'ventes', Awaited<ReturnType<typeof storeMail>>>;

beforeAll(async () => {
  db = await startTestTable();
  deps = { table: db.table, store: new MailStore(db.table, new MemoryBlobStore()) };
  stored = {
    facture: await storeMail(facture),
    livraison: await storeMail(livraison),
    devis: await storeMail(devis),
    assigned: await storeMail({ subject: 'Colis perdu', text: 'Mon colis pour Lyon est perdu.', assignee: 'julien@acme.test' }),
    ventes: await storeMail({ subject: 'Facture ventes', text: 'Facture du colis Lyon', mailboxId: 'ventes' }),
  };
  for (const s of Object.values(stored)) await index(s);
});

afterAll(async () => {
  await db.stop();
});

describe('indexer', () => {
  it('writes one posting per distinct term under the conversation creation time, and the same items again on redelivery', async () => {
    // Prepare
    const extra = await storeMail({ subject: 'Retour produit', text: 'Produit retour retour produit' });
    db.meter.reset();
    // Act
    const first = await index(extra);
    const writes = db.meter.writeUnits;
    const again = await index(extra);
    // Assess
    expect(first).toEqual({ kind: 'indexed', terms: 10, postings: 10 });
    expect(again).toEqual(first);
    // retour, produit, lea@client.test, lea, martin, client, test, support@acme.test, support, acme
    expect(writes).toBe(10);
    const out = await db.table.query({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': termPartition('support', 'retour') } });
    expect(out.items).toEqual([{ PK: 'TERM#support#retour', SK: postingSort(extra.createdAt, extra.conversationId) }]);
  });

  it('parses the bus events it consumes and drops anything else', () => {
    expect(parseIndexEvent(receivedEvent('m1', [{ mailboxId: 'support', conversationId: 'c1' }]))).toEqual({ messageKey: 'm1', placements: [{ mailboxId: 'support', conversationId: 'c1' }] });
    expect(parseIndexEvent(JSON.stringify({ 'detail-type': 'Message Queued', detail: { data: { messageKey: 'm2', mailboxId: 'ventes', conversationId: 'c2' } } })))
      .toEqual({ messageKey: 'm2', placements: [{ mailboxId: 'ventes', conversationId: 'c2' }] });
    expect(parseIndexEvent(JSON.stringify({ 'detail-type': 'Conversation Assigned', detail: { data: {} } }))).toBeNull();
    expect(parseIndexEvent('not json')).toBeNull();
  });

  it('reports a failing record to SQS for a retry and indexes the others', async () => {
    // Prepare
    const fresh = await storeMail({ subject: 'Question horaires', text: 'Quels sont vos horaires ?' });
    const broken: IndexerDeps = { table: db.table, store: { ...deps.store, getMessages: async () => { throw new Error('throttled'); } } as unknown as MailStore };
    const records = [
      { messageId: 'a', body: receivedEvent(fresh.messageKey, [fresh]) },
      { messageId: 'b', body: 'garbage' },
    ];
    // Act
    const failed = await handleIndexer({ Records: records } as never, broken);
    const ok = await handleIndexer({ Records: records } as never, deps);
    // Assess
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'a' }]);
    expect(ok.batchItemFailures).toEqual([]);
    expect(ids((await search({ q: 'horaires' })).items)).toEqual([fresh.conversationId]);
  });
});

describe('search', () => {
  it('finds by one body word, accents and case folded, newest conversation first', async () => {
    const found = await search({ q: 'COLIS' });
    expect(ids(found.items)).toEqual([stored.assigned, stored.devis, stored.livraison, stored.facture].map((s) => s.conversationId));
    expect(ids((await search({ q: 'abime' })).items)).toEqual([stored.livraison.conversationId]);
  });

  it('intersects two and three words across subject, participants and body', async () => {
    expect(ids((await search({ q: 'colis lyon' })).items)).toEqual([stored.assigned, stored.devis, stored.facture].map((s) => s.conversationId));
    expect(ids((await search({ q: 'factures lyon impayée' })).items)).toEqual([stored.facture.conversationId]);
    expect(ids((await search({ q: 'devis achat@atelier.test' })).items)).toEqual([stored.devis.conversationId]);
    expect(ids((await search({ q: 'Léa marseille' })).items)).toEqual([stored.livraison.conversationId]);
  });

  it('gives an agent only the conversations assigned to them, and never another mailbox', async () => {
    expect(ids((await search({ q: 'colis', actor: agent })).items)).toEqual([stored.assigned.conversationId]);
    expect(ids((await search({ q: 'ventes' })).items)).toEqual([]);
    expect(ids((await search({ q: 'facture', mailboxId: 'ventes' })).items)).toEqual([stored.ventes.conversationId]);
  });

  it('answers no-terms for stop words only, and nothing for an unknown word without further reads', async () => {
    expect(await searchConversations(db.table, { mailboxId: 'support', actor: dispatcher, limit: 25, q: 'le la les the' })).toEqual({ kind: 'no-terms' });
    db.meter.reset();
    const found = await search({ q: 'colis zyxwvu' });
    expect(found.items).toEqual([]);
    expect(db.meter.requests).toBe(2);
  });

  it('pages with a cursor that names the driving term', async () => {
    const first = await search({ q: 'colis', limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.next?.term).toBe('coli');
    const second = await search({ q: 'colis', limit: 3, cursor: first.next! });
    expect([...ids(first.items), ...ids(second.items)]).toEqual([stored.assigned, stored.devis, stored.livraison, stored.facture].map((s) => s.conversationId));
    expect(second.next).toBeNull();
    expect((await searchConversations(db.table, { mailboxId: 'support', actor: dispatcher, limit: 3, q: 'lyon', cursor: first.next! })).kind).toBe('bad-cursor');
  });
});

describe('search over several mailboxes', () => {
  it('merges mailboxes newest first, page after page, with the caller\'s role in each', async () => {
    const mailboxes = [{ mailboxId: 'support', role: 'dispatcher' as const }, { mailboxId: 'ventes', role: 'dispatcher' as const }];
    const seen: string[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await searchMailboxes(db.table, 'alex@acme.test', mailboxes, 'colis', 2, before);
      if (page.kind !== 'results') throw new Error(page.kind);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page.items));
      if (page.next === null) break;
      before = page.next;
    }
    expect(seen).toEqual([stored.ventes, stored.assigned, stored.devis, stored.livraison, stored.facture].map((s) => s.conversationId));
    const agentView = await searchMailboxes(db.table, 'julien@acme.test', [{ mailboxId: 'support', role: 'agent' }], 'colis', 25);
    expect(agentView.kind === 'results' ? ids(agentView.items) : []).toEqual([stored.assigned.conversationId]);
  });
});

describe('search over many conversations', () => {
  it('checks a common word only inside the rare word\'s window, never reading its whole list', async () => {
    // Prepare: 130 conversations share "commande"; 3 of them also say "remboursement".
    const rare: string[] = [];
    for (let start = 0; start < 130; start += 13) {
      await Promise.all(Array.from({ length: 13 }, async (_, i) => {
        const n = start + i;
        const mail = await storeMail({ subject: `Commande ${n}`, text: n % 60 === 7 ? 'Je demande un remboursement.' : 'Suivi de la commande.', mailboxId: 'bulk' });
        await index(mail);
        if (n % 60 === 7) rare.push(mail.conversationId);
      }));
    }
    rare.sort().reverse();
    // Act
    const outcome = await searchConversations(db.table, { mailboxId: 'bulk', actor: dispatcher, limit: 25, q: 'commande remboursement' });
    // Assess
    if (outcome.kind !== 'results') throw new Error(outcome.kind);
    expect(ids(outcome.items)).toEqual(rare);
    expect(outcome.stats.driver).toBe('remboursement');
    // First pages of both terms, then the common term's postings inside the 3 candidates' window only
    // (about 120 postings wide: read up to WINDOW_FACTOR per candidate, the rest checked by key).
    expect(outcome.stats.postingsRead).toBeGreaterThan(POSTINGS_PAGE + 3);
    expect(outcome.stats.postingsRead).toBeLessThanOrEqual(POSTINGS_PAGE + 3 + WINDOW_FACTOR * 3);
    expect(outcome.stats.postingsRead + outcome.stats.postingsChecked).toBeLessThan(POSTINGS_PAGE + 3 + 130);
    expect(outcome.next).toBeNull();
  });

  it('pages through a common word with bounded reads per call', async () => {
    const seen: string[] = [];
    let cursor: SearchRequest['cursor'];
    let calls = 0;
    do {
      const outcome = await searchConversations(db.table, { mailboxId: 'bulk', actor: dispatcher, limit: 40, q: 'suivi commande', cursor });
      if (outcome.kind !== 'results') throw new Error(outcome.kind);
      // Fixed by the page sizes (first pages, three driver pages and their windows), not by the list's length.
      expect(outcome.stats.postingsRead + outcome.stats.postingsChecked).toBeLessThanOrEqual(2 * POSTINGS_PAGE + 3 * (1 + WINDOW_FACTOR) * POSTINGS_PAGE);
      seen.push(...ids(outcome.items));
      cursor = outcome.next ?? undefined;
      calls += 1;
    } while (cursor !== undefined && calls < 20);
    expect(seen).toHaveLength(127);
    expect(new Set(seen).size).toBe(127);
  });
});
