/**
 * Looking at an attachment without saving it, in Chromium against the local stack: an image
 * received by mail opens in a preview dialog from its storage link and actually renders; a PDF
 * offers no preview (it is downloaded).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendMail } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

/** A 2×2 PNG (red, green, blue, white). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFElEQVR4nGP4z8DAAMIM/////w8AH+4F+7C4l8kAAAAASUVORK5CYII=', 'base64');

let web: WebHarness;
let page: Page;

beforeAll(async () => {
  web = await startWebHarness();
  await sendMail(web.stack, {
    from: 'Bruno Petit <bruno@client.example>', to: 'support@acme.test', subject: 'Photo du colis abîmé', text: 'Voici la photo et le bon.',
    attachments: [
      { filename: 'colis.png', content: PNG, contentType: 'image/png' },
      { filename: 'bon.pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n'), contentType: 'application/pdf' },
    ],
  });
  await web.stack.drain();
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('attachment preview', () => {
  it('shows a received image in a dialog, and offers no preview for a PDF', async () => {
    await page.getByRole('link', { name: /Photo du colis abîmé/ }).click();
    const attachments = page.getByRole('region', { name: 'Pièces jointes' }).or(page.locator('section.attachments')).first();
    await attachments.waitFor();
    expect(await attachments.getByRole('button', { name: 'Aperçu' }).count()).toBe(1);

    await attachments.getByRole('button', { name: 'Aperçu' }).click();
    const dialog = page.getByRole('dialog', { name: 'colis.png' });
    await dialog.waitFor();
    const image = dialog.getByRole('img', { name: 'colis.png' });
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBe(2);
    await saveScreenshot(page, 'attachment-preview');

    await dialog.getByRole('button', { name: 'Fermer' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
  });
});
