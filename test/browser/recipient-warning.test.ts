/**
 * The composer warns, while the message is written, that a recipient bounced permanently before
 * (the organisation's suppression list), next to that address, and says nothing of the others.
 * The bounce is a real one on the local stack: a message sent, then SES's bounce event for it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, waitFor } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;

beforeAll(async () => {
  web = await startWebHarness();
  const alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  const queued = await alex.post<{ message: { messageKey: string } }>('/api/mailboxes/support/outbox', {
    to: ['parti@client.example'], subject: 'Votre devis', text: 'Bonjour', undoSeconds: 0,
  });
  expect(queued.status).toBe(201);
  const sent = await waitFor(async () => {
    const view = await alex.get<{ message: { status: string; providerMessageId: string | null } }>(`/api/outbox/${queued.body.message.messageKey}`);
    return view.body.message.status === 'sent' ? view.body.message : undefined;
  }, 15_000, 100);
  await web.stack.injectSesEvent({
    eventType: 'Bounce',
    mail: { timestamp: new Date().toISOString(), messageId: sent.providerMessageId!, destination: ['parti@client.example'] },
    bounce: {
      bounceType: 'Permanent', bounceSubType: 'General', timestamp: '2026-11-20T09:30:00.000Z', feedbackId: 'fb-warning-test',
      bouncedRecipients: [{ emailAddress: 'parti@client.example', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
    },
  });
  await web.stack.drain();
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
  page.on('dialog', (dialog) => void dialog.accept());
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('recipient warnings in the composer', () => {
  it('warns next to an address that bounced before, and not next to the others', async () => {
    await page.getByRole('button', { name: 'Nouveau message' }).click();
    const panel = page.getByRole('region', { name: 'Nouveau message' });
    const to = panel.getByRole('combobox', { name: 'À' }).or(panel.getByLabel('À', { exact: true })).first();
    await to.fill('nouveau@client.example');
    await to.press('Enter');
    await to.fill('Parti <parti@client.example>');
    await to.press('Enter');

    const bounced = panel.locator('li.chip[data-address="parti@client.example"]');
    await expect.poll(() => bounced.getByRole('status').textContent(), { timeout: 10_000 })
      .toContain('définitivement rejeté');
    expect(await bounced.getByRole('status').textContent()).toContain('550 5.1.1 user unknown');
    expect(await bounced.locator('.chip__text').getAttribute('aria-describedby')).toMatch(/warning$/);
    const fine = panel.locator('li.chip[data-address="nouveau@client.example"]');
    expect(await fine.getByRole('status').count()).toBe(0);
    expect(await fine.getAttribute('class')).not.toContain('chip--warning');
    await saveScreenshot(page, 'composer-recipient-warning');
  });
});
