/**
 * A failed send in Chromium against the local stack: the provider refuses a message for good, the
 * author sees it on their home page with the reason, retries it from there and it goes out;
 * another failure is dismissed and leaves the list for everyone.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSenderHandler } from '../../functions/sender/handler.js';
import { PermanentSendError, type MailConnector } from '../../shared/outbox/connector.js';
import { senderDepsFromEnv } from '../../shared/outbox/sender-deps.js';
import { api, waitFor, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;
let alex: ApiClient;
/** Subjects the provider refused once; the next attempt goes through. */
const refused = new Set<string>();

/** SES refuses "[refus]" mail the first time, as it refuses an unverified sender. */
function refusingConnector(inner: MailConnector): MailConnector {
  return {
    kind: inner.kind,
    async send(raw, envelope) {
      const subject = /^Subject: (.+)$/im.exec(raw.toString('utf8'))?.[1]?.trim() ?? '';
      if (subject.includes('[refus]') && !refused.has(subject)) {
        refused.add(subject);
        throw new PermanentSendError('MessageRejected: Email address is not verified.', 'MessageRejected');
      }
      return inner.send(raw, envelope);
    },
  };
}

async function compose(subject: string): Promise<string> {
  const response = await alex.post<{ message: { messageKey: string } }>('/api/mailboxes/support/outbox', {
    to: [{ address: 'client@exemple.fr', name: 'Client' }], subject, text: 'Bonjour, voici le devis.', undoSeconds: 0,
  });
  expect(response.status).toBe(201);
  return response.body.message.messageKey;
}

async function status(messageKey: string): Promise<string> {
  return (await alex.get<{ message: { status: string } }>(`/api/outbox/${messageKey}`)).body.message.status;
}

beforeAll(async () => {
  web = await startWebHarness({
    stack: { handlers: { sender: createSenderHandler(() => { const deps = senderDepsFromEnv(); return { ...deps, connector: refusingConnector(deps.connector) }; }) } },
  });
  alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('failed sends', () => {
  it('lists a refused send on the home page with the reason, and retries it from there', async () => {
    // Prepare
    const key = await compose('Devis 7 [refus]');
    await waitFor(async () => ((await status(key)) === 'failed' ? true : undefined), 15_000, 100);
    // Act
    page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
    const failed = page.getByRole('region', { name: '1 envoi en échec' });
    await failed.waitFor();
    expect(await failed.innerText()).toContain('Devis 7 [refus]');
    expect(await failed.innerText()).toContain('MessageRejected: Email address is not verified.');
    await saveScreenshot(page, 'failed-sends');
    await failed.getByRole('button', { name: 'Réessayer' }).click();
    // Assess
    await expect.poll(() => status(key), { timeout: 15_000 }).toBe('sent');
    await expect.poll(() => page.getByRole('region', { name: /en échec/ }).count(), { timeout: 35_000 }).toBe(0);
  });

  it('dismisses a failure: it leaves the list', async () => {
    const key = await compose('Devis 8 [refus]');
    await waitFor(async () => ((await status(key)) === 'failed' ? true : undefined), 15_000, 100);
    await page.reload();
    const failed = page.getByRole('region', { name: '1 envoi en échec' });
    await failed.waitFor();
    await failed.getByRole('button', { name: 'Ignorer' }).click();
    await expect.poll(() => page.getByRole('region', { name: /en échec/ }).count()).toBe(0);
    const list = await alex.get<{ items: { messageKey: string }[] }>('/api/outbox/failed');
    expect(list.body.items.map((i) => i.messageKey)).not.toContain(key);
  });
});
