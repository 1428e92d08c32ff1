/**
 * Composing with merge fields, signatures and uploads, and drafts sent exactly once, on real
 * DynamoDB semantics (dynalite) with the outbox's real compose step. The raw MIME stored for the
 * sender is parsed back to check what recipients would get.
 */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DraftStore, newDraftId, sendDraft, type Draft } from '../../../shared/compose/drafts.js';
import { composeRequestOfDraft } from '../../../shared/compose/compose-routes.js';
import type { MergeContextSource } from '../../../shared/compose/merge-context.js';
import { SignatureStore } from '../../../shared/compose/signatures.js';
import { uploadPrefix } from '../../../shared/compose/uploads.js';
import { MailStore } from '../../../shared/inbound/mail-store.js';
import { keys } from '../../../shared/model/keys.js';
import { Directory, type UserWithRoles } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { composeMessage, ComposeRefusedError, type ComposeDeps, type ComposeRequest } from '../../../shared/outbox/compose.js';
import { OutboxStore } from '../../../shared/outbox/outbox-store.js';
import type { OutboxQueue } from '../../../shared/outbox/queue.js';
import type { RetryScheduler } from '../../../shared/outbox/retry-scheduler.js';
import type { SendTrigger } from '../../../shared/outbox/trigger.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';

class RecordingQueue implements OutboxQueue {
  readonly enqueued: SendTrigger[] = [];
  async enqueue(trigger: SendTrigger): Promise<void> {
    this.enqueued.push(trigger);
  }
}

const noScheduler: RetryScheduler = { schedule: async () => undefined, cancel: async () => undefined };

const source: MergeContextSource = {
  contact: async (_org, id) => (id === 'k1' ? { fullName: 'Élodie <Durand>', emails: ['elodie@client.test'], organisationId: 'o1' } : null),
  organisation: async (_org, id) => (id === 'o1' ? { name: 'Client & Fils' } : null),
  caseOf: async (_org, id) => (id === 'case1' ? { reference: 'DOS-42', title: 'Litige' } : null),
};

let db: TestTable;
let alex: UserWithRoles;
let sarah: UserWithRoles;
let blobs: MemoryBlobStore;
let queue: RecordingQueue;
let deps: ComposeDeps;
let signatureId: string;

beforeAll(async () => {
  db = await startTestTable();
  const directory = new Directory(db.table);
  await directory.save(modelFromSeed(demoSeed));
  alex = (await directory.getUser('alex@acme.test'))!;
  sarah = (await directory.getUser('sarah@acme.test'))!;
  const signatures = new SignatureStore(db.table);
  const signature = await signatures.create({
    mailboxId: 'support', orgId: alex.orgId, name: 'Équipe', by: 'camille@acme.test', at: 'x',
    html: '<p>{{user.name}} — {{mailbox.name}}</p><img src="https://cdn.acme.test/logo.png" alt="Acme">',
  });
  signatureId = signature.signatureId;
  await signatures.create({ mailboxId: 'support', orgId: alex.orgId, name: 'Court', by: 'camille@acme.test', at: 'x', html: '<p>Court</p>' });
  await signatures.setDefault('support', 'alex@acme.test', signatureId);
});

afterAll(async () => {
  await db?.stop();
});

beforeEach(() => {
  blobs = new MemoryBlobStore();
  queue = new RecordingQueue();
  deps = {
    table: db.table, outbox: new OutboxStore(db.table), mail: new MailStore(db.table, blobs), blobs, queue, scheduler: noScheduler,
    events: new MemoryEvents(), clock: new FixedClock(), defaults: { undoSeconds: 10, maxAttempts: 3, connector: 'ses' }, mergeSource: source,
  };
});

function request(overrides: Partial<ComposeRequest> = {}): ComposeRequest {
  return {
    caller: alex, target: { kind: 'new', mailboxId: 'support' }, to: [{ address: 'client@example.test', name: 'Cliente' }],
    subject: 'Bonjour', html: '<p>Bonjour</p>', importance: 'normal', requestReadReceipt: false, ...overrides,
  };
}

async function sentMime(rawKey: string) {
  return simpleParser(blobs.objects.get(rawKey)!.body);
}

/** A conversation linked to a contact and a case (as the contacts and cases modules would link it). */
async function linkedConversation(): Promise<string> {
  const first = await composeMessage(request({ subject: 'Commande 1234', signatureId: null }), deps);
  await db.table.update({
    Key: keys.conversation(first.record.conversationId), UpdateExpression: 'SET contactId = :k, caseId = :c',
    ExpressionAttributeValues: { ':k': 'k1', ':c': 'case1' },
  });
  return first.record.conversationId;
}

describe('compose: merge fields and signatures', () => {
  it('fills merge fields from the conversation links, escaped in HTML, and adds the default signature', async () => {
    // Prepare
    const conversationId = await linkedConversation();

    // Act
    const result = await composeMessage(request({
      target: { kind: 'reply', conversationId }, to: undefined, subject: 'Dossier {{case.reference}}',
      html: '<p>Bonjour {{contact.fullname}} ({{organisation.name}}),</p>',
    }), deps);

    // Assess
    const mail = await sentMime(result.record.rawKey);
    expect(mail.subject).toBe('Dossier DOS-42');
    expect(mail.html).toContain('Bonjour Élodie &lt;Durand&gt; (Client &amp; Fils)');
    expect(mail.html).toContain('Alex');
    expect(mail.html).toContain('src="https://cdn.acme.test/logo.png"');
    expect(mail.text).toContain('Bonjour Élodie <Durand> (Client & Fils)');
    expect(mail.text).toMatch(/\n-- \n.*Alex/);
    expect(blobs.objects.get(result.record.rawKey)!.body.toString()).not.toContain('{{');
  });

  it('refuses a message whose merge fields have no value, naming each, and sends nothing', async () => {
    // Act
    const attempt = composeMessage(request({ subject: 'Dossier {{case.reference}}', html: '<p>{{organisation.name}} {{contact.nickname}}</p>' }), deps);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ComposeRefusedError);
    const error = (await attempt.catch((e: unknown) => e)) as ComposeRefusedError;
    expect(error.errors).toEqual([
      { field: 'body.subject', message: expect.stringContaining('{{case.reference}}') },
      { field: 'body.html', message: expect.stringContaining('{{organisation.name}}') },
      { field: 'body.html', message: expect.stringContaining('{{contact.nickname}}') },
    ]);
    expect(queue.enqueued).toEqual([]);
  });

  it('switches the signature: another one, or none', async () => {
    // Act
    const none = await composeMessage(request({ signatureId: null }), deps);
    const other = await composeMessage(request({ signatureId: (await new SignatureStore(db.table).list('support')).find((s) => s.name === 'Court')!.signatureId }), deps);

    // Assess
    expect((await sentMime(none.record.rawKey)).text).not.toContain('-- ');
    const court = await sentMime(other.record.rawKey);
    expect(court.html).toContain('Court');
    expect(court.html).not.toContain('logo.png');
    await expect(composeMessage(request({ signatureId: 'snope' }), deps)).rejects.toMatchObject({ code: 'invalid', field: 'body.signatureId' });
  });

  it("never reads the customer's subject for merge fields when replying with the default subject", async () => {
    // Prepare
    const first = await composeMessage(request({ signatureId: null }), deps);
    await db.table.update({ Key: keys.message(first.record.messageKey), UpdateExpression: 'SET subject = :s', ExpressionAttributeValues: { ':s': 'Devis {{case.reference}}' } });

    // Act
    const reply = await composeMessage(request({ target: { kind: 'reply', conversationId: first.record.conversationId }, to: undefined, subject: undefined, signatureId: null }), deps);

    // Assess
    expect(reply.record.subject).toBe('Re: Devis {{case.reference}}');
  });

  it('stores the delivery receipt request on the message', async () => {
    const result = await composeMessage(request({ requestDeliveryReceipt: true, signatureId: null }), deps);
    expect((await db.table.get(keys.message(result.record.messageKey)))?.deliveryReceiptRequested).toBe(true);
  });
});

describe('compose: uploads', () => {
  it('attaches uploads and sends an inline image as a related part, its upload URL rewritten to cid:', async () => {
    // Prepare
    const prefix = uploadPrefix(alex.orgId, alex.email);
    await blobs.put(`${prefix}u1/devis.pdf`, Buffer.from('%PDF-1.4 devis'), 'application/pdf');
    await blobs.put(`${prefix}u2/plan.png`, Buffer.from('89504e47', 'hex'), 'image/png');
    const url = `http://127.0.0.1:4566/mail/${prefix.replace('@', '%40')}u2/plan.png?X-Amz-Signature=abc&amp;x-id=GetObject`;

    // Act
    const result = await composeMessage(request({
      html: `<p>Le plan :</p><img src="${url}" alt="plan">`, signatureId: null,
      attachments: [{ uploadKey: `${prefix}u1/devis.pdf` }, { uploadKey: `${prefix}u2/plan.png`, inline: true }],
    }), deps);

    // Assess
    const raw = blobs.objects.get(result.record.rawKey)!.body.toString();
    expect(raw).toMatch(/multipart\/related/);
    const mail = await simpleParser(raw, { keepCidLinks: true });
    const pdf = mail.attachments.find((a) => a.filename === 'devis.pdf');
    const png = mail.attachments.find((a) => a.filename === 'plan.png');
    expect(pdf).toMatchObject({ contentType: 'application/pdf', contentDisposition: 'attachment' });
    expect(pdf!.content.toString()).toBe('%PDF-1.4 devis');
    expect(png).toMatchObject({ contentType: 'image/png', contentDisposition: 'inline' });
    expect(mail.html).toContain(`src="cid:${png!.cid}"`);
    expect(mail.html).not.toContain('X-Amz-Signature');
    const stored = await db.table.get(keys.message(result.record.messageKey));
    const storedKeys = (stored?.attachments as { storageKey: string }[]).map((a) => a.storageKey);
    expect(storedKeys).toEqual([`attachments/${result.record.messageKey}.eml/0`, `attachments/${result.record.messageKey}.eml/1`]);
    expect(blobs.objects.get(storedKeys[0]!)).toEqual({ body: Buffer.from('%PDF-1.4 devis'), contentType: 'application/pdf' });
  });

  it("attaches a case document of the organisation under the template's sender name, and refuses another organisation's", async () => {
    // Prepare
    await blobs.put('attachments/m1/0', Buffer.from('contrat'), 'application/pdf');
    deps.caseDocument = async (orgId, caseId, documentId) =>
      (orgId === alex.orgId && caseId === 'case1' && documentId === 'doc1' ? { filename: 'contrat.pdf', contentType: 'application/pdf', storageKey: 'attachments/m1/0' } : null);

    // Act
    const result = await composeMessage(request({ signatureId: null, senderName: 'Acme — Contrats', caseDocuments: [{ caseId: 'case1', documentId: 'doc1' }] }), deps);
    const refused = await composeMessage(request({ signatureId: null, caseDocuments: [{ caseId: 'case1', documentId: 'doc1' }, { caseId: 'other', documentId: 'doc1' }] }), deps)
      .catch((error: unknown) => error);

    // Assess
    const mail = await sentMime(result.record.rawKey);
    expect(mail.from?.value[0]).toMatchObject({ name: 'Acme — Contrats', address: 'support@acme.test' });
    expect(mail.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['contrat.pdf', 'contrat']]);
    expect(refused).toBeInstanceOf(ComposeRefusedError);
    expect(refused).toMatchObject({ code: 'invalid', field: 'body.caseDocuments[1]' });
  });

  it("refuses another member's upload, a path trick and a missing file, naming the attachment", async () => {
    // Prepare
    const sarahKey = `${uploadPrefix(sarah.orgId, sarah.email)}u1/secret.pdf`;
    await blobs.put(sarahKey, Buffer.from('secret'), 'application/pdf');

    // Act / Assess
    for (const uploadKey of [sarahKey, `${uploadPrefix(alex.orgId, alex.email)}../x/secret.pdf`, `${uploadPrefix(alex.orgId, alex.email)}nope/missing.pdf`]) {
      await expect(composeMessage(request({ signatureId: null, attachments: [{ uploadKey }] }), deps))
        .rejects.toMatchObject({ code: 'invalid', field: 'body.attachments[0]' });
    }
  });
});

describe('drafts', () => {
  function newDraft(overrides: Partial<Draft> = {}): Draft {
    return {
      draftId: newDraftId(), owner: alex.email, orgId: alex.orgId, mailboxId: 'support', kind: 'new', conversationId: null, messageKey: null,
      to: [{ address: 'client@example.test', name: '' }], cc: [], bcc: [], subject: 'Brouillon', html: '<p>Texte</p>',
      importance: 'normal', requestReadReceipt: false, requestDeliveryReceipt: false, signatureId: null, attachments: [], templateId: null, caseDocuments: [], senderName: null,
      status: 'draft', sentMessageKey: null, version: 1, createdAt: 'x', updatedAt: 'x', ...overrides,
    };
  }

  const sendDeps = (drafts: DraftStore) => ({
    drafts,
    compose: (draft: Draft, key: string) => composeMessage({ ...composeRequestOfDraft(draft, key), caller: alex }, deps),
    sent: async (messageKey: string) => {
      const record = await deps.outbox.get(messageKey);
      return record ? { created: false, record, warnings: [], sendAt: new Date() } : null;
    },
    isRefusal: (error: unknown) => error instanceof ComposeRefusedError,
    now: () => deps.clock.now(),
  });

  it('saves at the version loaded and refuses a stale save with the current draft', async () => {
    // Prepare
    const drafts = new DraftStore(db.table);
    const draft = await drafts.create(newDraft());
    const content = { to: draft.to, cc: [], bcc: [], importance: 'normal' as const, requestReadReceipt: false, requestDeliveryReceipt: false, attachments: [], templateId: null, caseDocuments: [], senderName: null };

    // Act
    const first = await drafts.save(alex.email, draft.draftId, { ...content, subject: 'Onglet 1' }, 1, 'y');
    const stale = await drafts.save(alex.email, draft.draftId, { ...content, subject: 'Onglet 2' }, 1, 'z');

    // Assess
    expect(first).toMatchObject({ ok: true, draft: { subject: 'Onglet 1', version: 2 } });
    expect(stale).toMatchObject({ ok: false, current: { subject: 'Onglet 1', version: 2 } });
    expect((await drafts.listMine(alex.email)).map((d) => d.draftId)).toContain(draft.draftId);
  });

  it('keeps the conversation link of a reply draft and sends it in that conversation', async () => {
    // Prepare
    const conversationId = await linkedConversation();
    const drafts = new DraftStore(db.table);
    const draft = await drafts.create(newDraft({ kind: 'reply', conversationId, to: [], subject: undefined, html: '<p>Suite {{case.reference}}</p>' }));

    // Act
    const outcome = await sendDraft(alex.email, draft.draftId, undefined, sendDeps(drafts));

    // Assess
    expect(outcome.kind).toBe('sent');
    if (outcome.kind !== 'sent') return;
    expect(outcome.result.record).toMatchObject({ conversationId, subject: 'Re: Commande 1234', to: [{ address: 'client@example.test', name: 'Cliente' }] });
    expect((await sentMime(outcome.result.record.rawKey)).html).toContain('Suite DOS-42');
  });

  it('sends once when the send is requested several times at once, and again later', async () => {
    // Prepare
    const drafts = new DraftStore(db.table);
    const draft = await drafts.create(newDraft());

    // Act
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => sendDraft(alex.email, draft.draftId, undefined, sendDeps(drafts))));
    const triggersBefore = queue.enqueued.length;
    const later = await sendDraft(alex.email, draft.draftId, undefined, sendDeps(drafts));

    // Assess: one message; a concurrent loser may re-queue its attempt-0 trigger, which the sender's claim makes harmless
    const keysSent = new Set([...outcomes, later].map((o) => (o.kind === 'sent' ? o.result.record.messageKey : o.kind)));
    expect(keysSent.size).toBe(1);
    expect(outcomes.filter((o) => o.kind === 'sent' && o.first)).toHaveLength(1);
    expect(new Set(queue.enqueued.map((t) => `${t.messageKey}#${t.attempt}`))).toEqual(new Set([`${[...keysSent][0]}#0`]));
    expect(queue.enqueued.length).toBe(triggersBefore);
    expect(later).toMatchObject({ kind: 'sent', first: false });
    expect(await drafts.get(alex.email, draft.draftId)).toMatchObject({ status: 'sent', sentMessageKey: [...keysSent][0] });
    expect((await drafts.listMine(alex.email)).map((d) => d.draftId)).not.toContain(draft.draftId);
    // Once sent, it can neither change nor be discarded.
    expect(await drafts.save(alex.email, draft.draftId, { ...draft, subject: 'trop tard' }, draft.version + 1, 'z')).toMatchObject({ ok: false, current: { status: 'sent' } });
    expect(await drafts.discard(alex.email, draft.draftId, new Date())).toMatchObject({ ok: false, current: { status: 'sent' } });
  });

  it('stays a draft when the send is refused (missing merge field), and sends after the edit', async () => {
    // Prepare
    const drafts = new DraftStore(db.table);
    const draft = await drafts.create(newDraft({ html: '<p>Dossier {{case.reference}}</p>' }));

    // Act
    const refused = sendDraft(alex.email, draft.draftId, undefined, sendDeps(drafts));
    await expect(refused).rejects.toBeInstanceOf(ComposeRefusedError);
    const back = await drafts.get(alex.email, draft.draftId);
    const saved = await drafts.save(alex.email, draft.draftId, { ...back!, html: '<p>Dossier à venir</p>' }, back!.version, 'y');
    const sent = await sendDraft(alex.email, draft.draftId, saved.ok ? saved.draft.version : -1, sendDeps(drafts));

    // Assess
    expect(back?.status).toBe('draft');
    expect(sent.kind).toBe('sent');
    expect(queue.enqueued).toHaveLength(1);
  });

  it('refuses a send at a stale version, and a send after a discard', async () => {
    // Prepare
    const drafts = new DraftStore(db.table);
    const stale = await drafts.create(newDraft());
    const discarded = await drafts.create(newDraft());
    await drafts.discard(alex.email, discarded.draftId, new Date());

    // Act
    const staleOutcome = await sendDraft(alex.email, stale.draftId, 7, sendDeps(drafts));
    const discardedOutcome = await sendDraft(alex.email, discarded.draftId, undefined, sendDeps(drafts));
    const othersDraft = await sendDraft(sarah.email, stale.draftId, undefined, sendDeps(drafts));

    // Assess
    expect(staleOutcome).toMatchObject({ kind: 'stale', current: { version: 1 } });
    expect(discardedOutcome).toEqual({ kind: 'not-found' });
    expect(othersDraft).toEqual({ kind: 'not-found' });
    expect(queue.enqueued).toEqual([]);
  });
});
