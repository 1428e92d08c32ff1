/**
 * The workflow's indexes must not make inbound mail dearer: a message that opens an unassigned
 * conversation still costs two DynamoDB round trips and writes no GSI4 entry (the index is sparse),
 * while a message joining an assigned conversation moves it in its assignee's list.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';
import { receiveMessage, type InboundDeps } from '../../../shared/inbound/receive-message.js';
import { MailStore } from '../../../shared/inbound/mail-store.js';
import { Directory } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { ConversationRepository } from '../../../shared/workflow/conversation-repository.js';

let db: TestTable;
let blobs: MemoryBlobStore;
let deps: InboundDeps;
let clock: FixedClock;

function mail(headers: Record<string, string>): Buffer {
  const all = { Date: 'Fri, 20 Nov 2026 09:00:00 +0100', 'MIME-Version': '1.0', 'Content-Type': 'text/plain; charset=utf-8', ...headers };
  return Buffer.from(`${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\nBonjour,\r\nMerci de votre aide.\r\n`);
}

async function deliver(key: string, raw: Buffer) {
  await blobs.put(key, raw, 'message/rfc822');
  clock.advance(1000);
  db.meter.reset();
  return receiveMessage({ rawKey: key, envelopeRecipients: ['support@acme.test'], receivedAt: clock.now().toISOString() }, deps);
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
  clock = new FixedClock();
  deps = { store: new MailStore(db.table, blobs), blobs, events: new MemoryEvents(), clock, subjectWindowHours: 72 };
});

describe('inbound cost with the workflow indexes', () => {
  it('opens an unassigned conversation with 2 requests, 2 base and 3 index write units, nothing in GSI4', async () => {
    // Act
    const outcome = await deliver('inbound/cost-1', mail({ From: 'lea@client.test', To: 'support@acme.test', Subject: 'Commande 1234', 'Message-ID': '<cost-1@client.test>' }));

    // Assess
    expect({ requests: db.meter.requests, base: db.meter.writeUnits, index: db.meter.indexWriteUnits }).toEqual({ requests: 2, base: 2, index: 3 });
    expect(outcome.kind === 'stored' && outcome.placements[0]!.newConversation).toBe(true);
    const id = outcome.kind === 'stored' ? outcome.placements[0]!.conversationId : '';
    const item = await db.table.get({ PK: `CONV#${id}`, SK: 'CONV' }, true);
    expect(item).not.toHaveProperty('GSI4PK');
    expect(item).not.toHaveProperty('GSI4SK');
  });

  it("moves a reply's conversation to the top of its assignee's list (GSI4SK follows the activity)", async () => {
    // Prepare: a conversation assigned to Julien.
    const first = await deliver('inbound/cost-2', mail({ From: 'marc@client.test', To: 'support@acme.test', Subject: 'Retour colis', 'Message-ID': '<cost-2@client.test>' }));
    const id = first.kind === 'stored' ? first.placements[0]!.conversationId : '';
    const repository = new ConversationRepository(db.table);
    const current = (await repository.get(id, true))!;
    await repository.apply(current, { ...current, assignee: 'julien@acme.test', status: 'assigned' }, { key: 'k', actor: 'alex@acme.test', at: clock.now().toISOString(), version: current.version + 1, facts: [] });

    // Act
    const reply = await deliver('inbound/cost-3', mail({ From: 'marc@client.test', To: 'support@acme.test', Subject: 'Re: Retour colis', 'Message-ID': '<cost-3@client.test>', 'In-Reply-To': '<cost-2@client.test>' }));

    // Assess
    expect(reply.kind === 'stored' && reply.placements[0]!.conversationId).toBe(id);
    const item = await db.table.get({ PK: `CONV#${id}`, SK: 'CONV' }, true);
    expect(item?.GSI4SK).toBe(item?.GSI1SK);
    expect(String(item?.GSI4SK)).toContain(clock.now().toISOString());
  });
});
