/**
 * Contacts and cases end to end on the embedded local stack: a customer's mail over SMTP becomes a
 * contact that autocomplete finds, the dispatcher converts the conversation into a case, mail to
 * the case's plus address lands in it, a member's forward to it is unwrapped into the original and
 * its documents, and a communication is marked processed and exported as .eml.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, startTestStack, waitFor, type ApiClient, type LocalStack } from '../support/local-stack.js';

let stack: LocalStack;
let alex: ApiClient;
let julien: ApiClient;
let sarah: ApiClient;

interface Suggestion { contactId: string; fullName: string; email: string }
interface Communication { messageKey: string; subject: string; from: { address: string; name: string } | null; via: string; processed: boolean; forwardedBy: { address: string } | null; emlUrl: string }
interface Document { documentId: string; filename: string; kind: string; downloadUrl: string }
interface BusEvent { source: string; 'detail-type': string; detail: { data: Record<string, unknown> } }

beforeAll(async () => {
  stack = await startTestStack();
  const [a, j, s] = await Promise.all(['alex', 'julien', 'sarah'].map(async (name) => api(stack, await stack.signIn(`${name}@acme.test`))));
  alex = a!;
  julien = j!;
  sarah = s!;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

async function busEvents(detailType: string): Promise<BusEvent[]> {
  const response = await fetch(`${stack.httpUrl}/local/events`);
  return ((await response.json()) as BusEvent[]).filter((e) => e.source === 'mailroom' && e['detail-type'] === detailType);
}

describe('contacts and cases over SMTP and HTTP', () => {
  it('takes a customer from first mail to a case with its communications, forwards and documents', async () => {
    // Prepare: a new customer writes to Support.
    const run = Date.now().toString(36);
    const customer = `gaelle.${run}@client.test`;
    const subject = `Dossier sinistre ${run}`;
    await sendMail(stack, { from: `Gaëlle Fontaine <${customer}>`, to: 'support@acme.test', subject, text: 'Bonjour, ma cave est inondée.' });
    await stack.drain();

    // Act 1: the contact exists and autocomplete finds it by an accent-free prefix of the name.
    const suggestion = await waitFor(async () => {
      const found = await julien.get<{ items: Suggestion[] }>(`/api/contacts?q=${encodeURIComponent('gaelle f')}`);
      return found.body.items.find((s) => s.email === customer);
    }, 15_000);
    expect(suggestion.fullName).toBe('Gaëlle Fontaine');

    // Act 2: the dispatcher converts the conversation into a case.
    const conversation = await waitFor(async () => {
      const page = await alex.get<{ items: { conversationId: string; subject: string; version: number }[] }>('/api/mailboxes/support/conversations?limit=100');
      return page.body.items.find((c) => c.subject === subject);
    }, 15_000);
    const refused = await sarah.post(`/api/conversations/${conversation.conversationId}/case`, {});
    const converted = await alex.post<{ case: { caseId: string; reference: string; address: string; title: string }; conversationVersion: number }>(
      `/api/conversations/${conversation.conversationId}/case`, { expectedVersion: conversation.version },
    );
    expect(refused.status).toBe(404);
    expect(converted.status).toBe(201);
    const { caseId, reference, address } = converted.body.case;
    expect(reference).toMatch(/^C-\d{4}-\d{4,}$/);
    expect(address).toBe(`support+${reference}@acme.test`);
    expect(converted.body.conversationVersion).toBe(conversation.version + 1);

    // Act 3: the customer writes to the case address.
    await sendMail(stack, { from: `Gaëlle Fontaine <${customer}>`, to: address, subject: 'Photos des dégâts', text: 'Voici les photos.' });
    await stack.drain();

    // Act 4: Alex forwards a mail from the insurer, attached, to the case address.
    const insurerMail = [
      'From: Assureur <sinistres@assureur.test>', `To: ${customer}`, `Subject: Expertise ${run}`, 'Date: Tue, 17 Nov 2026 10:30:00 +0100',
      `Message-ID: <expertise-${run}@assureur.test>`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="x"', '',
      '--x', 'Content-Type: text/plain; charset=utf-8', '', 'Rapport en pièce jointe.', '',
      '--x', 'Content-Type: application/pdf; name="rapport.pdf"', 'Content-Disposition: attachment; filename="rapport.pdf"', 'Content-Transfer-Encoding: base64', '',
      Buffer.from('%PDF-1.4 rapport').toString('base64'), '--x--', '',
    ].join('\r\n');
    await sendMail(stack, {
      from: 'Alex Smith <alex@acme.test>', to: address, subject: `Fwd: Expertise ${run}`, text: 'Pour le dossier.',
      attachments: [{ filename: `Expertise ${run}.eml`, content: insurerMail, contentType: 'message/rfc822' }],
    });
    await stack.drain();

    // Assess: three communications, the forward shown as its original.
    const communications = await waitFor(async () => {
      const page = await julien.get<{ items: Communication[] }>(`/api/cases/${caseId}/communications`);
      return page.body.items.length === 3 ? page.body.items : undefined;
    }, 15_000);
    // Oldest first by date: the forwarded original (17 November) sorts before the mail that opened the case.
    expect(communications.map((c) => c.via).sort()).toEqual(['case-address', 'case-address', 'conversation']);
    expect(communications[0]!.forwardedBy).toEqual(expect.objectContaining({ address: 'alex@acme.test' }));
    const forward = communications.find((c) => c.forwardedBy !== null)!;
    expect(forward).toMatchObject({ subject: `Expertise ${run}`, from: { address: 'sinistres@assureur.test', name: 'Assureur' }, forwardedBy: { address: 'alex@acme.test' } });
    const documents = await julien.get<{ items: Document[] }>(`/api/cases/${caseId}/documents`);
    expect(documents.body.items.map((d) => `${d.kind}:${d.filename}`).sort()).toEqual([`attachment:rapport.pdf`, `forwarded:Expertise ${run}.eml`]);

    // Act 5: Julien marks the customer's photos mail processed, then exports it as .eml.
    const photos = communications.find((c) => c.subject === 'Photos des dégâts')!;
    const processed = await julien.patch<Communication>(`/api/cases/${caseId}/communications/${photos.messageKey}`, { processed: true });
    const link = await julien.get<{ url: string }>(photos.emlUrl);
    const eml = await fetch(link.body.url);
    const pdf = await julien.get<{ url: string }>(documents.body.items.find((d) => d.kind === 'attachment')!.downloadUrl);

    // Assess
    expect(processed.status).toBe(200);
    expect(processed.body.processed).toBe(true);
    expect(eml.status).toBe(200);
    expect(await eml.text()).toContain('Voici les photos.');
    expect(await (await fetch(pdf.body.url)).text()).toBe('%PDF-1.4 rapport');
    expect((await busEvents('Contact Created')).some((e) => (e.detail.data.emails as string[]).includes(customer))).toBe(true);
    expect((await busEvents('Case Created')).some((e) => e.detail.data.caseId === caseId)).toBe(true);
    expect((await busEvents('Case Communication Added')).filter((e) => e.detail.data.caseId === caseId)).toHaveLength(3);
    expect((await busEvents('Case Communication Updated')).some((e) => e.detail.data.messageKey === photos.messageKey && e.detail.data.processed === true)).toBe(true);
  }, 90_000);
});
