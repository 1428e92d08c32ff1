/**
 * Replying with a template and a signature in Chromium against the local stack: the template is
 * filled for the conversation (the user's name), a field with no value is reported before sending,
 * the signature is the user's default, and the mail that reaches SES has the filled text, the
 * signature and no merge-field braces.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;

interface SesEmail { subject: string; body: { text?: string; html?: string } }

async function sesEmail(subject: string): Promise<SesEmail | undefined> {
  const response = await fetch(`${web.stack.sesUrl}/store`);
  return ((await response.json()) as { emails: SesEmail[] }).emails.find((e) => e.subject === subject);
}

beforeAll(async () => {
  web = await startWebHarness({ stack: { outbox: { undoSeconds: 1 } } });
  await sendMail(web.stack, { from: 'Hélène Dupré <helene@client.example>', to: 'support@acme.test', subject: 'Ma commande 9001', text: 'Bonjour, où en est ma commande ?' });
  await web.stack.drain();
  const camille = api(web.stack, await web.stack.signIn('camille@acme.test'));
  const template = await camille.post('/api/mailboxes/support/templates', {
    folder: 'Réponses', name: 'suivi-commande', title: 'Suivi de commande', state: 'published', subject: 'Suivi de votre commande',
    body: '<p>Bonjour {{contact.fullname}},</p><p>Votre commande est en préparation (dossier {{case.reference}}).</p><p>{{user.name}}</p>',
  });
  expect(template.status).toBe(201);
  const signature = await camille.post<{ signature: { signatureId: string } }>('/api/mailboxes/support/signatures', { name: 'Équipe', html: '<p>L’équipe Support ACME</p>' });
  expect(signature.status).toBe(201);
  const alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  expect((await alex.put('/api/mailboxes/support/signature-default', { signatureId: signature.body.signature.signatureId })).status).toBe(200);
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
  page.on('dialog', (dialog) => void dialog.accept());
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('a reply with a template', () => {
  it('fills the template, reports the field it could not fill, and sends with the signature', async () => {
    await page.getByRole('link', { name: /Ma commande 9001/ }).click();
    await page.getByRole('button', { name: 'Répondre', exact: true }).click();
    const panel = page.getByRole('region', { name: /Répondre/ });
    await panel.waitFor();
    await panel.getByLabel('Modèle').selectOption({ label: 'Réponses › Suivi de commande' });
    const editor = panel.getByRole('textbox', { name: 'Message', exact: true });
    await expect.poll(() => editor.innerText()).toContain('Votre commande est en préparation');
    expect(await editor.innerText()).toContain('Alex Smith');
    // The sender's name comes from the conversation; no case is linked yet.
    expect(await editor.innerText()).toContain('Bonjour Hélène Dupré');
    await panel.getByText(/Aucune valeur connue pour \{\{case\.reference\}\}/).waitFor();
    expect(await panel.getByLabel('Signature').inputValue()).not.toBe('');
    await saveScreenshot(page, 'composer-template');
    await panel.getByRole('button', { name: 'Envoyer' }).click();
    await expect.poll(() => sesEmail('Re: Ma commande 9001'), { timeout: 20_000 }).toBeDefined();
    const email = (await sesEmail('Re: Ma commande 9001'))!;
    const html = email.body.html ?? '';
    expect(html).toContain('Votre commande est en préparation');
    expect(html).toContain('Alex Smith');
    expect(html).toContain('L’équipe Support ACME');
    expect(html).not.toContain('{{');
    expect(email.body.text ?? '').not.toContain('{{');
  });
});
