/**
 * Cases: references, convert, link, the case plus-address (forwards unwrapped, attached or
 * inline), later messages of linked conversations, communications (processed, task), tasks,
 * documents, import and export, business-record links, and the access rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseRepository, CASE_REFERENCE } from '../../../shared/cases/case-repository.js';
import { parseInlineForward } from '../../../shared/cases/forward.js';
import { ContactRepository } from '../../../shared/contacts/contact-repository.js';
import { call, consume, deliver, deliverAndConsume, mail, published, startCasesHarness, type CasesHarness } from './harness.js';

let h: CasesHarness;
let cases: CaseRepository;

beforeAll(async () => {
  h = await startCasesHarness();
  cases = new CaseRepository(h.db.table);
});

afterAll(async () => {
  await h.stop();
});

let n = 0;
async function newConversation(subject: string, from = 'lea@client.test') {
  n += 1;
  const data = await deliverAndConsume(h, mail({ From: `Léa Petit <${from}>`, To: 'support@acme.test', Subject: subject, 'Message-ID': `<case-${n}@client.test>` }), ['support@acme.test']);
  return { conversationId: data.placements[0]!.conversationId, messageKey: data.messageKey, messageId: `case-${n}@client.test` };
}

/** A member's forward with the original attached as message/rfc822, the original carrying a PDF. */
function attachedForward(to: string): string {
  const original = [
    'From: Marc Dupont <marc@client.test>', 'To: alex@acme.test', 'Subject: Contrat signé', 'Date: Tue, 17 Nov 2026 10:30:00 +0100',
    'Message-ID: <original-1@client.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="inner"', '',
    '--inner', 'Content-Type: text/plain; charset=utf-8', '', 'Voici le contrat.', '',
    '--inner', 'Content-Type: application/pdf; name="contrat.pdf"', 'Content-Disposition: attachment; filename="contrat.pdf"', 'Content-Transfer-Encoding: base64', '',
    Buffer.from('%PDF-1.4 contrat').toString('base64'), '--inner--', '',
  ].join('\r\n');
  return [
    'From: Alex Smith <alex@acme.test>', `To: ${to}`, 'Subject: Fwd: Contrat signé', 'Date: Fri, 20 Nov 2026 11:00:00 +0100',
    'Message-ID: <fwd-attached@acme.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="outer"', '',
    '--outer', 'Content-Type: text/plain; charset=utf-8', '', 'Pour le dossier.', '',
    '--outer', 'Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="Contrat signé.eml"', '', original,
    '--outer--', '',
  ].join('\r\n');
}

describe('case references', () => {
  it('are allocated once each, per organisation and year, even when cases are opened at once', async () => {
    // Act
    const created = await Promise.all([0, 1, 2, 3, 4].map((i) => cases.create({ orgId: 'demo', title: `Dossier ${i}`, contactId: null, organisationId: null, createdBy: 'alex@acme.test' }, new Date('2026-11-20T09:00:00Z'))));

    // Assess
    const references = created.map((c) => c.reference);
    expect(new Set(references).size).toBe(5);
    for (const reference of references) expect(reference).toMatch(CASE_REFERENCE);
    expect(references.every((r) => r.startsWith('C-2026-'))).toBe(true);
    expect((await cases.getByReference('demo', references[0]!.toLowerCase()))?.caseId).toBe(created[0]!.caseId);
    expect(await cases.get('other-org', created[0]!.caseId)).toBeNull();
  });
});

describe('convert a conversation into a case', () => {
  it('opens a case with its subject and contact, links the conversation (new version) and lists its messages', async () => {
    // Prepare
    const { conversationId, messageKey } = await newConversation('Sinistre 77');
    const before = await call(h, 'GET', `/api/conversations/${conversationId}`, { email: 'alex@acme.test' });

    // Act
    const reply = await call(h, 'POST', `/api/conversations/${conversationId}/case`, { email: 'alex@acme.test', body: {}, headers: { 'if-match': before.headers.etag! } });

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.body.case).toMatchObject({ title: 'Sinistre 77', status: 'open', address: `support+${reply.body.case.reference}@acme.test` });
    expect(reply.body.case.contactId).toBe(await new ContactRepository(h.db.table).contactIdByEmail('demo', 'lea@client.test'));
    expect(reply.body.case.contactId).not.toBeNull();
    expect(reply.body.conversationVersion).toBe(Number(before.headers.etag!.replace(/"/g, '')) + 1);
    const comms = await call(h, 'GET', `/api/cases/${reply.body.case.caseId}/communications`, { email: 'julien@acme.test' });
    expect(comms.body.items).toEqual([expect.objectContaining({ messageKey, conversationId, via: 'conversation', processed: false, subject: 'Sinistre 77' })]);
    const again = await call(h, 'POST', `/api/conversations/${conversationId}/case`, { email: 'alex@acme.test', body: {} });
    expect(again.status).toBe(409);
    expect(again.body.current.caseId).toBe(reply.body.case.caseId);
    expect(published(h, 'Case Created').at(-1)!.detail.data).toMatchObject({ fromConversationId: conversationId, reference: reply.body.case.reference });
    const links = await call(h, 'GET', `/api/conversations/${conversationId}/links`, { email: 'alex@acme.test' });
    expect(links.body).toMatchObject({ version: reply.body.conversationVersion, case: { caseId: reply.body.case.caseId, reference: reply.body.case.reference }, records: [] });
    expect((await call(h, 'GET', `/api/conversations/${conversationId}/links`, { email: 'sarah@acme.test' })).status).toBe(404);
    expect(published(h, 'Conversation Linked To Case').at(-1)!.detail.data).toMatchObject({ conversationId, caseId: reply.body.case.caseId });
  });

  it('answers 404 to an agent the conversation is not assigned to and to members of other mailboxes, and works once assigned', async () => {
    // Prepare
    const { conversationId } = await newConversation('Agent case');

    // Act
    const agent = await call(h, 'POST', `/api/conversations/${conversationId}/case`, { email: 'julien@acme.test', body: {} });
    const outsider = await call(h, 'POST', `/api/conversations/${conversationId}/case`, { email: 'sarah@acme.test', body: {} });
    await call(h, 'POST', `/api/conversations/${conversationId}/assign`, { email: 'alex@acme.test', body: { assignee: 'julien@acme.test' } });
    const assigned = await call(h, 'POST', `/api/conversations/${conversationId}/case`, { email: 'julien@acme.test', body: { title: 'Dossier Julien' } });

    // Assess
    expect(agent.status).toBe(404);
    expect(outsider.status).toBe(404);
    expect(assigned.status).toBe(201);
    expect(assigned.body.case.title).toBe('Dossier Julien');
  });
});

describe('link a conversation to a case', () => {
  it('links by reference, refuses another case, and a later reply joins the case', async () => {
    // Prepare
    const opened = await call(h, 'POST', '/api/cases', { email: 'camille@acme.test', body: { title: 'Dossier lié' } });
    const { conversationId, messageId } = await newConversation('Pièces manquantes');

    // Act
    const linked = await call(h, 'POST', `/api/conversations/${conversationId}/case-link`, { email: 'alex@acme.test', body: { reference: opened.body.reference.toLowerCase() } });
    const other = await call(h, 'POST', '/api/cases', { email: 'camille@acme.test', body: { title: 'Autre' } });
    const refused = await call(h, 'POST', `/api/conversations/${conversationId}/case-link`, { email: 'alex@acme.test', body: { caseId: other.body.caseId } });
    const reply = await deliverAndConsume(h, mail({ From: 'lea@client.test', To: 'support@acme.test', Subject: 'Re: Pièces manquantes', 'In-Reply-To': `<${messageId}>`, 'Message-ID': '<reply-linked@client.test>' }), ['support@acme.test']);

    // Assess
    expect(linked.status).toBe(200);
    expect(linked.body.case.caseId).toBe(opened.body.caseId);
    expect(refused.status).toBe(409);
    const comms = await call(h, 'GET', `/api/cases/${opened.body.caseId}/communications`, { email: 'alex@acme.test' });
    expect(comms.body.items.map((c: { messageKey: string }) => c.messageKey)).toContain(reply.messageKey);
    expect(comms.body.items).toHaveLength(2);
    const detail = await call(h, 'GET', `/api/cases/${opened.body.caseId}`, { email: 'julien@acme.test' });
    expect(detail.body.conversations).toEqual([expect.objectContaining({ conversationId, mailboxId: 'support' })]);
  });

  it('names the field at fault and hides cases of other organisations', async () => {
    const { conversationId } = await newConversation('Champs');
    const missing = await call(h, 'POST', `/api/conversations/${conversationId}/case-link`, { email: 'alex@acme.test', body: { caseId: 'case-nope' } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].field).toBe('body.caseId');
    const badReference = await call(h, 'POST', `/api/conversations/${conversationId}/case-link`, { email: 'alex@acme.test', body: { reference: 'X-1' } });
    expect(badReference.status).toBe(400);
    expect(badReference.body.errors[0].field).toBe('body.reference');
    expect((await call(h, 'GET', '/api/cases/case-nope', { email: 'alex@acme.test' })).status).toBe(404);
  });
});

describe('the case address', () => {
  it('brings mail to <mailbox>+<reference>@ into the case and links its conversation', async () => {
    // Prepare
    const opened = await call(h, 'POST', '/api/cases', { email: 'alex@acme.test', body: { title: 'Par adresse' } });
    const address = opened.body.address as string;

    // Act
    const data = await deliverAndConsume(h, mail({ From: 'Client <lea@client.test>', To: address, Subject: 'Complément', 'Message-ID': '<plus-1@client.test>' }), [address]);

    // Assess
    expect(address).toBe(`support+${opened.body.reference}@acme.test`);
    const comms = await call(h, 'GET', `/api/cases/${opened.body.caseId}/communications`, { email: 'alex@acme.test' });
    expect(comms.body.items).toEqual([expect.objectContaining({ messageKey: data.messageKey, via: 'case-address', forwardedBy: null })]);
    const conversation = await call(h, 'GET', `/api/conversations/${data.placements[0]!.conversationId}/history`, { email: 'alex@acme.test' });
    expect(JSON.stringify(conversation.body)).toContain('case_linked');
  });

  it('unwraps an attached forward: the original shows, and it and its attachment become documents; a redelivery adds nothing', async () => {
    // Prepare
    const opened = await call(h, 'POST', '/api/cases', { email: 'alex@acme.test', body: { title: 'Contrat' } });
    const event = await deliver(h, attachedForward(opened.body.address), [opened.body.address]);

    // Act
    await consume(h, event);
    const documentsBefore = published(h, 'Case Document Added').length;
    await consume(h, event);

    // Assess
    const comms = await call(h, 'GET', `/api/cases/${opened.body.caseId}/communications`, { email: 'alex@acme.test' });
    expect(comms.body.items).toHaveLength(1);
    expect(comms.body.items[0]).toMatchObject({
      subject: 'Contrat signé', from: { address: 'marc@client.test', name: 'Marc Dupont' }, date: '2026-11-17T09:30:00.000Z',
      forwardedBy: { address: 'alex@acme.test' }, via: 'case-address',
    });
    const documents = await call(h, 'GET', `/api/cases/${opened.body.caseId}/documents`, { email: 'alex@acme.test' });
    expect(documents.body.items.map((d: { kind: string; filename: string }) => `${d.kind}:${d.filename}`).sort()).toEqual(['attachment:contrat.pdf', 'forwarded:Contrat signé.eml']);
    const pdf = documents.body.items.find((d: { kind: string }) => d.kind === 'attachment');
    const link = await call(h, 'GET', pdf.downloadUrl, { email: 'julien@acme.test', headers: { accept: 'application/json' } });
    expect(link.status).toBe(200);
    const key = String(link.body.url).replace('https://download.test/', '');
    expect(h.blobs.objects.get(key)?.body.toString()).toBe('%PDF-1.4 contrat');
    expect(published(h, 'Case Document Added').length - documentsBefore).toBe(2);
    const ids = published(h, 'Case Document Added').map((e) => e.detail.metadata.eventId);
    expect(new Set(ids).size).toBe(2);
  });

  it('unwraps an inline forward from its quoted header block', async () => {
    // Prepare
    const opened = await call(h, 'POST', '/api/cases', { email: 'alex@acme.test', body: { title: 'Inline' } });
    const body = 'Pour info.\r\n\r\n---------- Forwarded message ---------\r\nFrom: Marc Dupont <marc@client.test>\r\nDate: Tue, 17 Nov 2026 10:30:00 +0100\r\nSubject: Relance facture\r\nTo: <alex@acme.test>\r\n\r\nBonjour, voici la relance.\r\n';

    // Act
    await deliverAndConsume(h, mail({ From: 'alex@acme.test', To: opened.body.address, Subject: 'Fwd: Relance facture', 'Message-ID': '<fwd-inline@acme.test>' }, body), [opened.body.address]);

    // Assess
    const comms = await call(h, 'GET', `/api/cases/${opened.body.caseId}/communications`, { email: 'alex@acme.test' });
    expect(comms.body.items[0]).toMatchObject({ subject: 'Relance facture', from: { address: 'marc@client.test', name: 'Marc Dupont' }, date: '2026-11-17T09:30:00.000Z' });
    const documents = await call(h, 'GET', `/api/cases/${opened.body.caseId}/documents`, { email: 'alex@acme.test' });
    expect(documents.body.items).toEqual([expect.objectContaining({ kind: 'message', contentType: 'message/rfc822' })]);
  });

  it('ignores plus tags that name no case, and tags on addresses that are not a mailbox of the message', async () => {
    const data = await deliverAndConsume(h, mail({ From: 'lea@client.test', To: 'support+C-2026-9999@acme.test', Cc: 'lea+C-2026-0001@client.test', Subject: 'Rien', 'Message-ID': '<plus-none@client.test>' }), ['support+C-2026-9999@acme.test']);
    const history = await call(h, 'GET', `/api/conversations/${data.placements[0]!.conversationId}/history`, { email: 'alex@acme.test' });
    expect(JSON.stringify(history.body)).not.toContain('case_linked');
  });
});

describe('inline forward parsing', () => {
  it('reads Outlook in French and Apple Mail headers', () => {
    expect(parseInlineForward('Texte\n\n-----Message d\'origine-----\nDe : Léa Petit [mailto:lea@client.test]\nEnvoyé : mardi 17 novembre 2026 10:30\nÀ : support@acme.test\nObjet : Devis\n\nCorps')).toMatchObject({ from: { address: 'lea@client.test', name: 'Léa Petit' }, subject: 'Devis' });
    expect(parseInlineForward('Begin forwarded message:\n\nFrom: "Marc" <marc@client.test>\nSubject: Re: Contrat\nDate: 17 November 2026 at 10:30:00 CET\n\nx')).toMatchObject({ from: { address: 'marc@client.test', name: 'Marc' }, subject: 'Re: Contrat' });
    expect(parseInlineForward('Just a message with From: in it')).toBeNull();
  });
});

describe('communications, tasks, documents and export', () => {
  it('marks a communication processed and attaches it to a task; an unknown task is a 400 naming body.taskId', async () => {
    // Prepare
    const { conversationId, messageKey } = await newConversation('Travaux');
    const converted = await call(h, 'POST', `/api/conversations/${conversationId}/case`, { email: 'alex@acme.test', body: {} });
    const caseId = converted.body.case.caseId;
    const task = await call(h, 'POST', `/api/cases/${caseId}/tasks`, { email: 'alex@acme.test', body: { title: 'Appeler le client', assignee: 'julien@acme.test' } });

    // Act
    const processed = await call(h, 'PATCH', `/api/cases/${caseId}/communications/${messageKey}`, { email: 'julien@acme.test', body: { processed: true, taskId: task.body.taskId } });
    const unknownTask = await call(h, 'PATCH', `/api/cases/${caseId}/communications/${messageKey}`, { email: 'julien@acme.test', body: { taskId: 'tnope' } });
    const done = await call(h, 'PATCH', `/api/cases/${caseId}/tasks/${task.body.taskId}`, { email: 'julien@acme.test', body: { done: true, expectedVersion: 1 } });
    const stale = await call(h, 'PATCH', `/api/cases/${caseId}/tasks/${task.body.taskId}`, { email: 'alex@acme.test', body: { title: 'Autre', expectedVersion: 1 } });
    const badAssignee = await call(h, 'POST', `/api/cases/${caseId}/tasks`, { email: 'alex@acme.test', body: { title: 'X', assignee: 'nobody@elsewhere.test' } });
    const unprocessed = await call(h, 'PATCH', `/api/cases/${caseId}/communications/${messageKey}`, { email: 'julien@acme.test', body: { processed: false } });

    // Assess
    expect(task.status).toBe(201);
    expect(processed.status).toBe(200);
    expect(processed.body).toMatchObject({ processed: true, taskId: task.body.taskId });
    expect(unknownTask.status).toBe(400);
    expect(unknownTask.body.errors[0].field).toBe('body.taskId');
    expect(done.body).toMatchObject({ done: true, version: 2 });
    expect(stale.status).toBe(409);
    expect(badAssignee.status).toBe(400);
    expect(badAssignee.body.errors[0].field).toBe('body.assignee');
    expect(unprocessed.body).toMatchObject({ processed: false, taskId: task.body.taskId });
    expect(published(h, 'Case Communication Updated').map((e) => (e.detail.data as { processed: boolean }).processed).slice(-2)).toEqual([true, false]);
  });

  it('imports a message the caller can see as communication and documents, and exports links for all of them', async () => {
    // Prepare
    const raw = [
      'From: lea@client.test', 'To: support@acme.test', 'Subject: Photos', 'Message-ID: <import-1@client.test>', 'Date: Fri, 20 Nov 2026 09:00:00 +0100',
      'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'Ci-joint.', '',
      '--b', 'Content-Type: image/jpeg; name="degats.jpg"', 'Content-Disposition: attachment; filename="degats.jpg"', 'Content-Transfer-Encoding: base64', '',
      Buffer.from('jpegbytes').toString('base64'), '--b--', '',
    ].join('\r\n');
    const data = await deliverAndConsume(h, raw, ['support@acme.test']);
    const opened = await call(h, 'POST', '/api/cases', { email: 'alex@acme.test', body: { title: 'Import' } });

    // Act
    const byOutsider = await call(h, 'POST', `/api/cases/${opened.body.caseId}/documents/import`, { email: 'sarah@acme.test', body: { messageKey: data.messageKey } });
    const imported = await call(h, 'POST', `/api/cases/${opened.body.caseId}/documents/import`, { email: 'alex@acme.test', body: { messageKey: data.messageKey } });
    const again = await call(h, 'POST', `/api/cases/${opened.body.caseId}/documents/import`, { email: 'alex@acme.test', body: { messageKey: data.messageKey } });
    const exported = await call(h, 'GET', `/api/cases/${opened.body.caseId}/export`, { email: 'julien@acme.test' });
    const eml = await call(h, 'GET', `/api/cases/${opened.body.caseId}/communications/${data.messageKey}/eml`, { email: 'julien@acme.test' });

    // Assess
    expect(byOutsider.status).toBe(400);
    expect(byOutsider.body.errors[0].field).toBe('body.messageKey');
    expect(imported.status).toBe(200);
    expect(imported.body.communication).toMatchObject({ messageKey: data.messageKey, via: 'import' });
    expect(imported.body.documents.map((d: { kind: string; filename: string }) => `${d.kind}:${d.filename}`)).toEqual(['message:Photos.eml', 'attachment:degats.jpg']);
    expect((await call(h, 'GET', `/api/cases/${opened.body.caseId}/documents`, { email: 'alex@acme.test' })).body.items).toHaveLength(2);
    expect(again.status).toBe(200);
    expect(exported.body.communications).toHaveLength(1);
    expect(exported.body.communications[0].download.url).toMatch(/^https:\/\/download\.test\/inbound\//);
    expect(exported.body.documents.map((d: { download: { url: string } }) => d.download.url)).toEqual([
      expect.stringMatching(/^https:\/\/download\.test\/inbound\//), expect.stringMatching(/^https:\/\/download\.test\/attachments\//),
    ]);
    expect(eml.status).toBe(302);
  });

  it('hides a case from users of other organisations', async () => {
    const opened = await call(h, 'POST', '/api/cases', { email: 'alex@acme.test', body: { title: 'Privé' } });
    const stranger = await call(h, 'GET', `/api/cases/${opened.body.caseId}`, { email: 'nobody@elsewhere.test' });
    expect(stranger.status).toBe(403);
    const listed = await call(h, 'GET', '/api/cases', { email: 'sarah@acme.test', query: { reference: opened.body.reference } });
    expect(listed.body.items).toEqual([expect.objectContaining({ caseId: opened.body.caseId, address: `ventes+${opened.body.reference}@acme.test` })]);
  });

  it('pages through the cases newest first', async () => {
    const first = await call(h, 'GET', '/api/cases', { email: 'alex@acme.test', query: { limit: '2' } });
    const second = await call(h, 'GET', '/api/cases', { email: 'alex@acme.test', query: { limit: '2', cursor: first.body.nextCursor } });
    expect(first.body.items).toHaveLength(2);
    expect(second.body.items).toHaveLength(2);
    expect(second.body.items[0].createdAt <= first.body.items[1].createdAt).toBe(true);
    expect(new Set([...first.body.items, ...second.body.items].map((c: { caseId: string }) => c.caseId)).size).toBe(4);
  });
});

describe('sent messages', () => {
  it('join the case of their conversation once, and nothing happens for a conversation without a case', async () => {
    // Prepare: a converted conversation and a reply stored as the outbox stores it.
    const { conversationId } = await newConversation('Réponse envoyée');
    const converted = await call(h, 'POST', `/api/conversations/${conversationId}/case`, { email: 'alex@acme.test', body: {} });
    const other = await newConversation('Sans dossier');
    const sent = {
      messageKey: 'sent-reply-1', messageId: `mr-${conversationId}.1@acme.test`, orgId: 'demo', direction: 'outbound' as const, rawKey: 'outbound/sent-reply-1',
      rawSize: 120, receivedAt: '2026-11-20T10:00:00.000Z', date: '2026-11-20T10:00:00.000Z', subject: 'Re: Réponse envoyée',
      from: { address: 'support@acme.test', name: 'Support' }, replyTo: [], to: [{ address: 'lea@client.test', name: '' }], cc: [], envelopeRecipients: [],
      inReplyTo: [], references: [], snippet: 'Bonjour', attachments: [], forwarded: [], flags: [], autoReplyReason: null, deliveryReport: null, readReport: null,
      placements: [{ mailboxId: 'support', conversationId, threading: { kind: 'new' as const } }], bodyKey: null, sendStatus: 'sent' as const,
    };
    await h.store.saveNew(sent, { text: 'Bonjour', html: null }, []);
    const event = (target: string) => ({
      detailType: 'Message Sent',
      detail: {
        metadata: { eventId: `message-sent:${target}`, version: '1', occurredAt: '2026-11-20T10:00:00.000Z', source: 'mailroom' },
        data: {
          messageKey: 'sent-reply-1', messageId: sent.messageId, orgId: 'demo', mailboxId: 'support', conversationId: target, subject: sent.subject,
          to: ['lea@client.test'], status: 'sent', attempt: 1, providerMessageId: 'ses-1', connector: 'ses', sentAt: '2026-11-20T10:00:00.000Z',
        },
      },
    });

    // Act
    const first = await consume(h, event(conversationId));
    const again = await consume(h, event(conversationId));
    const unlinked = await consume(h, event(other.conversationId));

    // Assess
    expect([first, again, unlinked].map((r) => r.batchItemFailures)).toEqual([[], [], []]);
    const comms = await call(h, 'GET', `/api/cases/${converted.body.case.caseId}/communications`, { email: 'alex@acme.test' });
    expect(comms.body.items.filter((c: { messageKey: string }) => c.messageKey === 'sent-reply-1')).toEqual([expect.objectContaining({ direction: 'outbound', via: 'conversation' })]);
    expect(comms.body.items).toHaveLength(2);
  });
});

describe('business record links', () => {
  it('links and unlinks a configured type, lists the conversations of a record, and lets org admins change the types', async () => {
    // Prepare
    const { conversationId } = await newConversation('Réservation');

    // Act
    const unknownType = await call(h, 'POST', `/api/conversations/${conversationId}/records`, { email: 'alex@acme.test', body: { type: 'invoice', id: 'F-1' } });
    const linked = await call(h, 'POST', `/api/conversations/${conversationId}/records`, { email: 'alex@acme.test', body: { type: 'booking', id: 'B-42' } });
    const listed = await call(h, 'GET', '/api/records/booking/B-42/conversations', { email: 'alex@acme.test' });
    const hiddenFromAgent = await call(h, 'GET', '/api/records/booking/B-42/conversations', { email: 'julien@acme.test' });
    const setByAgent = await call(h, 'PUT', '/api/record-types', { email: 'alex@acme.test', body: { types: ['invoice'] } });
    const setByAdmin = await call(h, 'PUT', '/api/record-types', { email: 'camille@acme.test', body: { types: ['ticket', 'booking', 'invoice'] } });
    const invoice = await call(h, 'POST', `/api/conversations/${conversationId}/records`, { email: 'alex@acme.test', body: { type: 'invoice', id: 'F-1' } });
    const unlinked = await call(h, 'DELETE', `/api/conversations/${conversationId}/records/booking/B-42`, { email: 'alex@acme.test' });

    // Assess
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.errors[0].field).toBe('body.type');
    expect(linked.body.records).toEqual([{ type: 'booking', id: 'B-42' }]);
    expect(listed.body.items).toEqual([expect.objectContaining({ conversationId })]);
    expect(hiddenFromAgent.body.items).toEqual([]);
    expect(setByAgent.status).toBe(403);
    expect(setByAdmin.body.types).toEqual(['ticket', 'booking', 'invoice']);
    expect(invoice.body.records).toHaveLength(2);
    expect(unlinked.body.records).toEqual([{ type: 'invoice', id: 'F-1' }]);
    expect((await call(h, 'GET', '/api/records/booking/B-42/conversations', { email: 'alex@acme.test' })).body.items).toEqual([]);
    expect(published(h, 'Conversation Record Linked').map((e) => (e.detail.data as { linked: boolean }).linked)).toEqual([true, true, false]);
  });
});
