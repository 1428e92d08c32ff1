/**
 * Attachments in the composer, in Chromium against the local stack: a reply with a template, an
 * uploaded file (upload link, then a PUT through the gateway's same-origin `/local/s3/` path to the
 * S3 emulator) and a delivery receipt, checked in the mail SES got; an image put in the text,
 * sent as an inline part; a document of the conversation's case attached by reference; and a file
 * over 10 MB refused before anything is uploaded, with the reason next to it.
 */
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;
let alex: ApiClient;

interface SesAttachment { filename: string; content: string; contentType: string; contentDisposition?: string; related?: boolean }
interface SesEmail { subject: string; body: { text?: string; html?: string }; attachments: SesAttachment[] }

async function sesEmail(subject: string): Promise<SesEmail | undefined> {
  const response = await fetch(`${web.stack.sesUrl}/store`);
  return ((await response.json()) as { emails: SesEmail[] }).emails.find((e) => e.subject === subject);
}

/** A quote as a PDF would start, with bytes that are not text, to catch any re-encoding. */
const QUOTE = Buffer.concat([Buffer.from('%PDF-1.4\n% devis Mailroom\n'), Buffer.from([0x00, 0xff, 0x80, 0x7f, 0xe9]), Buffer.from('\n%%EOF\n')]);
/** A 1x1 PNG. */
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const ORDER_FORM = Buffer.from('%PDF-1.4\n% bon de commande 9003\n%%EOF\n');

beforeAll(async () => {
  web = await startWebHarness({ stack: { outbox: { undoSeconds: 1 } } });
  await sendMail(web.stack, { from: 'Hélène Dupré <helene@client.example>', to: 'support@acme.test', subject: 'Devis 9001', text: 'Bonjour, pouvez-vous m’envoyer le devis ?' });
  await sendMail(web.stack, { from: 'Marc Petit <marc@client.example>', to: 'support@acme.test', subject: 'Plan 9002', text: 'Bonjour, avez-vous un plan ?' });
  await sendMail(web.stack, {
    from: 'Inès Morel <ines@client.example>', to: 'support@acme.test', subject: 'Commande 9003', text: 'Voici le bon de commande.',
    attachments: [{ filename: 'bon-de-commande.pdf', content: ORDER_FORM, contentType: 'application/pdf' }],
  });
  await sendMail(web.stack, { from: 'Paul Roy <paul@client.example>', to: 'support@acme.test', subject: 'Gros fichier 9004', text: 'Bonjour.' });
  await sendMail(web.stack, { from: 'Léa Blanc <lea@client.example>', to: 'support@acme.test', subject: 'Brouillon 9005', text: 'Bonjour.' });
  await sendMail(web.stack, { from: 'Hugo Vidal <hugo@client.example>', to: 'support@acme.test', subject: 'Dépôt 9006', text: 'Bonjour.' });
  await web.stack.drain();
  const camille = api(web.stack, await web.stack.signIn('camille@acme.test'));
  const template = await camille.post('/api/mailboxes/support/templates', {
    folder: 'Réponses', name: 'envoi-devis', title: 'Envoi du devis', state: 'published', subject: 'Votre devis',
    body: '<p>Bonjour {{contact.fullname}},</p><p>Vous trouverez notre devis en pièce jointe.</p><p>{{user.name}}</p>',
  });
  expect(template.status).toBe(201);
  alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
  page.on('dialog', (dialog) => void dialog.accept());
}, 90_000);

afterAll(async () => {
  await web?.close();
});

/** Opens the conversation and its reply panel. */
async function reply(subject: string) {
  await page.getByRole('link', { name: new RegExp(subject) }).click();
  await page.getByRole('button', { name: 'Répondre', exact: true }).click();
  const panel = page.getByRole('region', { name: /Répondre/ });
  await panel.waitFor();
  return panel;
}

/** The JSON body of the next reply the app posts. */
function nextReplyBody(): Promise<Record<string, unknown>> {
  return page.waitForRequest((request: Request) => request.method() === 'POST' && /\/api\/conversations\/[^/]+\/replies$/.test(request.url()))
    .then((request) => request.postDataJSON() as Record<string, unknown>);
}

describe('attachments in the composer', () => {
  it('replies with a template and an uploaded file, which reaches SES byte for byte', async () => {
    // Prepare
    const panel = await reply('Devis 9001');
    await panel.getByLabel('Modèle').selectOption({ label: 'Réponses › Envoi du devis' });
    const editor = panel.getByRole('textbox', { name: 'Message', exact: true });
    await expect.poll(() => editor.innerText()).toContain('Vous trouverez notre devis');
    const uploads: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.method() === 'PUT' && /\/uploads\//.test(url.pathname)) uploads.push(url.origin + url.pathname);
    });

    // Act: attach through the file input, ask for a delivery receipt, send
    await panel.getByLabel('Joindre des fichiers').setInputFiles({ name: 'devis-42.pdf', mimeType: 'application/pdf', buffer: QUOTE });
    const chip = panel.locator('.attachment', { hasText: 'devis-42.pdf' });
    await chip.waitFor();
    await expect.poll(() => chip.getAttribute('class')).toContain('attachment--done');
    await panel.getByLabel('Demander un accusé de remise').check();
    await saveScreenshot(page, 'composer-attachment');
    const posted = nextReplyBody();
    await panel.getByRole('button', { name: 'Envoyer' }).click();

    // Assess: the PUT stayed on the app's origin; the reply named the upload; SES got the bytes
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatch(new RegExp(`^${web.url}/local/s3/[^/]+/uploads/`));
    const body = await posted;
    expect(body).toMatchObject({ requestDeliveryReceipt: true, attachments: [{ uploadKey: expect.stringMatching(/\/devis-42\.pdf$/) }] });
    await expect.poll(() => sesEmail('Re: Devis 9001'), { timeout: 20_000 }).toBeDefined();
    const email = (await sesEmail('Re: Devis 9001'))!;
    expect(email.body.html).toContain('Vous trouverez notre devis');
    expect(email.attachments).toHaveLength(1);
    expect(email.attachments[0]).toMatchObject({ filename: 'devis-42.pdf', contentType: 'application/pdf', contentDisposition: 'attachment' });
    expect(Buffer.from(email.attachments[0]!.content, 'base64').equals(QUOTE)).toBe(true);
  });

  it('puts an image in the text and sends it as an inline part', async () => {
    // Prepare
    const panel = await reply('Plan 9002');
    const editor = panel.getByRole('textbox', { name: 'Message', exact: true });
    await editor.click();
    await page.keyboard.type('Voici le plan :');

    // Act
    await panel.getByLabel('Insérer une image').setInputFiles({ name: 'plan.png', mimeType: 'image/png', buffer: PIXEL });
    await editor.locator('img[alt="plan.png"]').waitFor();
    const posted = nextReplyBody();
    await panel.getByRole('button', { name: 'Envoyer' }).click();

    // Assess: the text names the upload by its address (no signature, no data: preview); SES got a related part
    const body = await posted;
    expect(body.html).toMatch(/<img src="http:\/\/[^"]+\/uploads\/[^"]+\/plan\.png"/);
    expect(body.html).not.toContain('X-Amz-Signature');
    expect(body.html).not.toContain('data:image');
    expect(body.attachments).toEqual([{ uploadKey: expect.stringMatching(/\/plan\.png$/), inline: true }]);
    await expect.poll(() => sesEmail('Re: Plan 9002'), { timeout: 20_000 }).toBeDefined();
    const email = (await sesEmail('Re: Plan 9002'))!;
    expect(email.attachments.find((a) => a.filename === 'plan.png')).toMatchObject({ contentType: 'image/png', contentDisposition: 'inline', related: true });
  });

  it("attaches a document of the conversation's case by reference", async () => {
    // Prepare: the conversation becomes a case, and its message (with the order form) a document of it
    const list = await alex.get<{ items: { conversationId: string; subject: string }[] }>('/api/mailboxes/support/conversations');
    const conversation = list.body.items.find((c) => c.subject === 'Commande 9003')!;
    const answer = await alex.post<{ case: { caseId: string; reference: string } }>(`/api/conversations/${conversation.conversationId}/case`, {});
    expect(answer.status).toBe(201);
    const converted = { body: answer.body.case };
    const detail = await alex.get<{ messages: { messageKey: string }[] }>(`/api/conversations/${conversation.conversationId}`);
    const imported = await alex.post(`/api/cases/${converted.body.caseId}/documents/import`, { messageKey: detail.body.messages[0]!.messageKey });
    expect(imported.status).toBe(200);
    await expect.poll(async () => (await alex.get<{ items: { filename: string }[] }>(`/api/cases/${converted.body.caseId}/documents`)).body.items.map((d) => d.filename))
      .toContain('bon-de-commande.pdf');
    const panel = await reply('Commande 9003');
    await panel.getByRole('textbox', { name: 'Message', exact: true }).click();
    await page.keyboard.type('Bien reçu, voici votre bon de commande en retour.');

    // Act
    await panel.getByText(`Documents du dossier ${converted.body.reference}`).click();
    await panel.getByLabel(/bon-de-commande\.pdf/).check();
    const posted = nextReplyBody();
    await panel.getByRole('button', { name: 'Envoyer' }).click();

    // Assess
    expect((await posted).caseDocuments).toEqual([{ caseId: converted.body.caseId, documentId: expect.any(String) }]);
    await expect.poll(() => sesEmail('Re: Commande 9003'), { timeout: 20_000 }).toBeDefined();
    const email = (await sesEmail('Re: Commande 9003'))!;
    const attached = email.attachments.find((a) => a.filename === 'bon-de-commande.pdf');
    expect(attached).toBeDefined();
    expect(Buffer.from(attached!.content, 'base64').equals(ORDER_FORM)).toBe(true);
  });

  it('refuses a file over 10 MB before uploading it, says why, and will not send with it', async () => {
    // Prepare
    const panel = await reply('Gros fichier 9004');
    await panel.getByRole('textbox', { name: 'Message', exact: true }).click();
    await page.keyboard.type('Bonjour.');
    const asked: string[] = [];
    page.on('request', (request) => {
      if (/\/uploads(\/|$)/.test(new URL(request.url()).pathname)) asked.push(request.url());
    });

    // Act
    // Made in the page: 12 MB through the DevTools protocol would take longer than the whole test.
    await panel.getByLabel('Joindre des fichiers').evaluate((input: HTMLInputElement) => {
      const files = new DataTransfer();
      files.items.add(new File([new Uint8Array(12_000_000)], 'archive.zip', { type: 'application/zip' }));
      input.files = files.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    const chip = panel.locator('.attachment', { hasText: 'archive.zip' });

    // Assess: the reason is next to the file, nothing was asked of the API, Send refuses while it is listed
    await expect.poll(() => chip.getByRole('alert').innerText()).toMatch(/« archive\.zip » fait 12\sMo : un fichier ne peut pas dépasser 10,5\sMo/);
    expect(await chip.getByRole('button', { name: 'Réessayer' }).count()).toBe(0);
    expect(asked).toEqual([]);
    await panel.getByRole('button', { name: 'Envoyer' }).click();
    await panel.getByText('Des fichiers n’ont pas pu être envoyés : réessayez ou retirez-les, puis envoyez.').waitFor();
    await saveScreenshot(page, 'composer-attachment-too-large');
    await chip.getByRole('button', { name: 'Retirer archive.zip' }).click();
    await expect.poll(() => chip.count()).toBe(0);
    await expect.poll(() => panel.getByText('Des fichiers n’ont pas pu être envoyés').count()).toBe(0);
    await panel.getByRole('button', { name: 'Fermer', exact: true }).click();
    await panel.waitFor({ state: 'detached' });
  });

  it('keeps the uploaded files and the delivery receipt in the draft', async () => {
    // Prepare
    const panel = await reply('Brouillon 9005');
    await panel.getByRole('textbox', { name: 'Message', exact: true }).click();
    await page.keyboard.type('Je vous envoie cela.');
    await panel.getByLabel('Joindre des fichiers').setInputFiles({ name: 'notice.pdf', mimeType: 'application/pdf', buffer: QUOTE });
    await expect.poll(() => panel.locator('.attachment', { hasText: 'notice.pdf' }).getAttribute('class')).toContain('attachment--done');
    await panel.getByLabel('Demander un accusé de remise').check();
    await page.waitForTimeout(800);

    // Act: close (the draft is kept), then reply again
    await panel.getByRole('button', { name: 'Fermer', exact: true }).click();
    await panel.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Répondre', exact: true }).click();
    const again = page.getByRole('region', { name: /Répondre/ });
    await again.waitFor();

    // Assess
    await again.locator('.attachment--done', { hasText: 'notice.pdf' }).waitFor();
    expect(await again.getByLabel('Demander un accusé de remise').isChecked()).toBe(true);
    await again.getByRole('button', { name: 'Fermer', exact: true }).click();
    await again.waitFor({ state: 'detached' });
  });

  it('shows again the image put in the text when the draft is reopened, and still sends it by its address', async () => {
    // Prepare: an image in the text, the reply closed (kept as a draft)
    const panel = await reply('Brouillon 9005');
    await panel.getByLabel('Insérer une image').setInputFiles({ name: 'schema.png', mimeType: 'image/png', buffer: PIXEL });
    await panel.getByRole('textbox', { name: 'Message', exact: true }).locator('img[alt="schema.png"]').waitFor();
    await page.waitForTimeout(800);
    await panel.getByRole('button', { name: 'Fermer', exact: true }).click();
    await panel.waitFor({ state: 'detached' });

    // Act
    await page.getByRole('button', { name: 'Répondre', exact: true }).click();
    const again = page.getByRole('region', { name: /Répondre/ });
    const image = again.getByRole('textbox', { name: 'Message', exact: true }).locator('img[alt="schema.png"]');

    // Assess: the image is read from a signed link, and the body sent names the bare address
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBe(1);
    expect(await image.getAttribute('src')).toContain('X-Amz-Signature=');
    const posted = nextReplyBody();
    await again.getByRole('button', { name: 'Envoyer' }).click();
    const body = await posted;
    expect(body.html).toMatch(/<img src="http:\/\/[^"?]+\/uploads\/[^"?]+\/schema\.png"/);
    expect(body.html).not.toContain('X-Amz-Signature');
  });

  it('attaches a file dropped on the composer and shows an image pasted in the text', async () => {
    // Prepare
    const panel = await reply('Dépôt 9006');
    const editor = panel.getByRole('textbox', { name: 'Message', exact: true });
    await editor.click();

    // Act: the events a drop and a paste make, with files built in the page
    await panel.evaluate((composer) => {
      const dropped = new DataTransfer();
      dropped.items.add(new File(['a,b\n1,2\n'], 'releve.csv', { type: 'text/csv' }));
      composer.querySelector('.composer__subject')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }));
    });
    await editor.evaluate((area, png) => {
      const pasted = new DataTransfer();
      pasted.items.add(new File([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], 'capture.png', { type: 'image/png' }));
      area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true, cancelable: true }));
    }, PIXEL.toString('base64'));

    // Assess
    await panel.locator('.attachment--done', { hasText: 'releve.csv' }).waitFor();
    await editor.locator('img[alt="capture.png"]').waitFor();
    expect(await editor.locator('img[alt="capture.png"]').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    // The pasted image is in the text, not among the attached files.
    expect(await panel.locator('.attachment', { hasText: 'capture.png' }).count()).toBe(0);
  });
});
