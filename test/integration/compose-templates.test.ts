/**
 * Composing end to end on the embedded local stack: a customer writes in over SMTP, an admin
 * publishes a template and a signature, an agent's colleague applies the template to the
 * conversation, uploads an attachment through a presigned S3 PUT (fauxqs), saves the reply as a
 * draft and sends it (twice, as a double click would). What SES (aws-ses-v2-local) received
 * carries the filled template, the signature and the attachment, and no raw braces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, startTestStack, waitFor, type ApiClient, type LocalStack } from '../support/local-stack.js';

let stack: LocalStack;
let camille: ApiClient;
let alex: ApiClient;

interface SesEmail {
  messageId: string; subject: string; destination: { to: string[] };
  body: { text?: string; html?: string }; attachments: { filename?: string; contentType: string; content: string; contentDisposition?: string; related?: boolean }[];
}

async function sesStore(): Promise<SesEmail[]> {
  return ((await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: SesEmail[] }).emails;
}

beforeAll(async () => {
  stack = await startTestStack({ outbox: { undoSeconds: 0 } });
  camille = api(stack, await stack.signIn('camille@acme.test'));
  alex = api(stack, await stack.signIn('alex@acme.test'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('templates, signatures, uploads and drafts on the local stack', () => {
  it('replies to a received conversation with a template, an uploaded attachment, an inline image and the signature, sent once', async () => {
    // Prepare: a customer writes in
    const subject = `Demande de devis ${Date.now()}`;
    await sendMail(stack, { from: '"Élodie Durand" <elodie@client.test>', to: 'support@acme.test', subject, text: 'Pouvez-vous m\'envoyer un devis ?' });
    const conversation = await waitFor(async () => {
      const page = await alex.get<{ items: { conversationId: string; subject: string }[] }>('/api/mailboxes/support/conversations?limit=100');
      return page.body.items?.find((c) => c.subject === subject);
    }, 15_000, 100);

    // An admin publishes a template and a signature
    const template = await camille.post<{ template: { templateId: string } }>('/api/mailboxes/support/templates', {
      name: 'devis', title: 'Envoi de devis', folder: 'Commercial', state: 'published', senderName: 'Acme — Devis',
      subject: 'Votre devis — {{conversation.subject}}',
      body: '<p>Bonjour {{contact.fullname}},</p><p>Veuillez trouver ci-joint votre devis ({{contact.email}}). {{ not a merge field }}</p>',
    });
    expect(template.status).toBe(201);
    const signature = await camille.post<{ signature: { signatureId: string } }>('/api/mailboxes/support/signatures', {
      name: 'Équipe', html: '<p>{{user.name}}<br>{{mailbox.name}}</p><img src="https://cdn.acme.test/logo.png" alt="Acme">',
    });
    expect(signature.status).toBe(201);
    expect((await alex.put('/api/mailboxes/support/signature-default', { signatureId: signature.body.signature.signatureId })).status).toBe(200);

    // Act 1: apply the template to the conversation
    const rendered = await alex.post<{ subject: string; body: string; missing: unknown[] }>(
      `/api/mailboxes/support/templates/${template.body.template.templateId}/render`, { conversationId: conversation.conversationId },
    );

    // Assess 1
    expect(rendered.status).toBe(200);
    expect(rendered.body.missing).toEqual([]);
    expect(rendered.body.subject).toBe(`Votre devis — ${subject}`);
    expect(rendered.body.body).toContain('Bonjour Élodie Durand,');
    expect(rendered.body.body).toContain('(elodie@client.test)');

    // Act 2: upload the quote through the presigned PUT
    const pdf = Buffer.from('%PDF-1.4\n% devis Mailroom\n%%EOF\n');
    const link = await alex.post<{ uploadKey: string; url: string; headers: Record<string, string> }>('/api/mailboxes/support/uploads', {
      filename: 'devis-42.pdf', contentType: 'application/pdf', size: pdf.length,
    });
    expect(link.status).toBe(201);
    const put = await fetch(link.body.url, { method: 'PUT', headers: link.body.headers, body: pdf });
    expect(put.status).toBe(200);
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const image = await alex.post<{ uploadKey: string; url: string; headers: Record<string, string> }>('/api/mailboxes/support/uploads', {
      filename: 'plan.png', contentType: 'image/png', size: png.length,
    });
    expect((await fetch(image.body.url, { method: 'PUT', headers: image.body.headers, body: png })).status).toBe(200);

    // Act 3: a reply draft with the template, the attachment and the default signature; sent twice at once
    const draft = await alex.post<{ draft: { draftId: string; conversationId: string } }>('/api/drafts', {
      kind: 'reply', conversationId: conversation.conversationId, subject: rendered.body.subject,
      html: `${rendered.body.body}<p><img src="${image.body.url.replace(/&/g, '&amp;')}" alt="plan"></p>`,
      attachments: [{ uploadKey: link.body.uploadKey }, { uploadKey: image.body.uploadKey, inline: true }], templateId: template.body.template.templateId,
    });
    expect(draft.status).toBe(201);
    expect(draft.body.draft.conversationId).toBe(conversation.conversationId);
    const [first, second] = await Promise.all([
      alex.post<{ message: { messageKey: string; status: string } }>(`/api/drafts/${draft.body.draft.draftId}/send`),
      alex.post<{ message: { messageKey: string; status: string } }>(`/api/drafts/${draft.body.draft.draftId}/send`),
    ]);

    // Assess 3: one message, sent through SES with everything in it
    expect([first.status, second.status].sort()).toEqual([200, 201]);
    expect(first.body.message.messageKey).toBe(second.body.message.messageKey);
    const messageKey = first.body.message.messageKey;
    await waitFor(async () => (await alex.get<{ message: { status: string } }>(`/api/outbox/${messageKey}`)).body.message?.status === 'sent', 20_000, 100);
    const sent = (await sesStore()).filter((e) => e.subject === `Votre devis — ${subject}`);
    expect(sent).toHaveLength(1);
    const email = sent[0]!;
    expect(email.destination.to.join(' ')).toContain('elodie@client.test');
    expect(email.body.html).toContain('Bonjour Élodie Durand,');
    expect(email.body.html).toContain('Alex');
    expect(email.body.html).toContain('https://cdn.acme.test/logo.png');
    expect(email.body.text).toMatch(/\n-- \n/);
    for (const part of [email.subject, email.body.html ?? '', email.body.text ?? '']) expect(part.replace('{{ not a merge field }}', '')).not.toContain('{{');
    expect(email.attachments).toHaveLength(2);
    const attached = email.attachments.find((a) => a.filename === 'devis-42.pdf');
    expect(attached).toMatchObject({ contentType: 'application/pdf', contentDisposition: 'attachment' });
    expect(Buffer.from(attached!.content, 'base64').equals(pdf)).toBe(true);
    // The inline image is a related part the HTML shows (the SES store's parser inlines cid: images as data URLs)
    expect(email.attachments.find((a) => a.filename === 'plan.png')).toMatchObject({ contentType: 'image/png', contentDisposition: 'inline', related: true });
    expect(email.body.html).not.toContain('X-Amz-Signature');

    // The conversation shows the reply with its attachment; the draft is sent
    const detail = await alex.get<{ messages: { messageKey: string; attachments: { filename: string }[] }[] }>(`/api/conversations/${conversation.conversationId}`);
    expect(detail.body.messages.find((m) => m.messageKey === messageKey)?.attachments.map((a) => a.filename)).toEqual(['devis-42.pdf', 'plan.png']);
    expect((await alex.get<{ draft: { status: string } }>(`/api/drafts/${draft.body.draft.draftId}`)).body.draft.status).toBe('sent');
    const download = await alex.get<{ url: string }>(`/api/messages/${messageKey}/attachments/0`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await (await fetch(download.body.url)).arrayBuffer()).equals(pdf)).toBe(true);
  }, 60_000);
});
