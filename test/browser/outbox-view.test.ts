/**
 * The outbox screen's views in Chromium against the local stack: scope (mine, my team's…), this
 * mailbox or all of them, the columns each user chose (kept on the server, so a reload keeps
 * them), cancelling several scheduled messages at once with a result per message, and the
 * "linked to" column for a reply written in a conversation linked to a case and a ticket.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;
let alex: ApiClient;
const keys: Record<string, string> = {};

async function schedule(subject: string): Promise<void> {
  const sendAt = new Date(Date.now() + 86_400_000).toISOString();
  const response = await alex.post<{ message: { messageKey: string } }>('/api/mailboxes/support/outbox', {
    to: ['client@exemple.fr'], subject, text: 'Bonjour.', sendAt,
  });
  expect(response.status).toBe(201);
  keys[subject] = response.body.message.messageKey;
}

async function status(subject: string): Promise<string> {
  return (await alex.get<{ message: { status: string } }>(`/api/outbox/${keys[subject]}`)).body.message.status;
}

function row(subject: string) {
  return page.getByRole('row').filter({ hasText: subject });
}

beforeAll(async () => {
  web = await startWebHarness();
  alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  for (const subject of ['Relance A', 'Relance B', 'Relance C']) await schedule(subject);
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support/outbox');
  await page.getByRole('heading', { level: 1, name: 'Boîte d’envoi · Support' }).waitFor();
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('outbox views', () => {
  it('shows my scheduled messages and lets me choose the view and the columns, kept after a reload', async () => {
    await expect.poll(() => row('Relance A').count()).toBe(1);
    await page.getByLabel('Afficher').selectOption('team');
    await expect.poll(async () => (await alex.get<{ view: { scope: string } }>('/api/me/outbox-view')).body.view.scope).toBe('team');
    await page.locator('summary', { hasText: 'Colonnes' }).click();
    await page.getByRole('checkbox', { name: 'Auteur' }).check();
    await expect.poll(() => page.getByRole('columnheader', { name: 'Auteur' }).count()).toBe(1);
    await saveScreenshot(page, 'outbox-view');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Boîte d’envoi · Support' }).waitFor();
    await expect.poll(() => page.getByRole('columnheader', { name: 'Auteur' }).count()).toBe(1);
    expect(await page.getByLabel('Afficher').inputValue()).toBe('team');
    expect(await row('Relance A').innerText()).toContain('alex@acme.test');
  });

  it('cancels ticked messages at once, with a result in each row', async () => {
    await row('Relance A').getByRole('checkbox').check();
    await row('Relance B').getByRole('checkbox').check();
    await page.getByRole('toolbar', { name: '2 messages cochés' }).getByRole('button', { name: 'Annuler les cochés' }).click();
    await page.getByText('2 messages traités.').waitFor();
    expect(await status('Relance A')).toBe('cancelled');
    expect(await status('Relance B')).toBe('cancelled');
    expect(await status('Relance C')).not.toBe('cancelled');
    await expect.poll(() => row('Relance A').innerText()).toContain('Annulé');
  });
});

describe('the linked-to column', () => {
  it('shows the case and the ticket of the conversation a reply was written in; the case opens its screen', async () => {
    // Prepare: a conversation turned into a case and linked to a ticket, then a scheduled reply in it
    const sendAt = new Date(Date.now() + 86_400_000).toISOString();
    const opened = await alex.post<{ message: { conversationId: string } }>('/api/mailboxes/support/outbox', {
      to: ['dupont@exemple.fr'], subject: 'Sinistre cuisine', text: 'Bonjour.', sendAt,
    });
    expect(opened.status).toBe(201);
    const conversationId = opened.body.message.conversationId;
    const converted = await alex.post<{ case: { caseId: string; reference: string } }>(`/api/conversations/${conversationId}/case`, {});
    expect(converted.status).toBe(201);
    expect((await alex.post(`/api/conversations/${conversationId}/records`, { type: 'ticket', id: 'T-1001' })).status).toBe(200);
    const replied = await alex.post<{ message: { links: unknown[] } }>(`/api/conversations/${conversationId}/replies`, { kind: 'reply', text: 'Suite à votre appel.', sendAt });
    expect(replied.status).toBe(201);
    const { caseId, reference } = converted.body.case;

    // Act
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Boîte d’envoi · Support' }).waitFor();
    await page.locator('summary', { hasText: 'Colonnes' }).click();
    await page.getByRole('checkbox', { name: 'Lié à' }).check();
    await expect.poll(() => page.getByRole('columnheader', { name: 'Lié à' }).count()).toBe(1);
    const reply = row('Re: Sinistre cuisine');
    await expect.poll(() => reply.count()).toBe(1);

    // Assess
    expect(replied.body.message.links).toEqual([{ kind: 'case', id: caseId, reference }, { kind: 'record', type: 'ticket', id: 'T-1001' }]);
    const text = await reply.innerText();
    expect(text).toContain(reference);
    expect(text).toContain('T-1001');
    const caseLink = reply.getByRole('link', { name: `Dossier ${reference}` });
    expect(await caseLink.getAttribute('href')).toBe(`/cases/${caseId}`);
    expect(await reply.locator('.outbox-links__type').allTextContents()).toEqual(['Dossier', 'Ticket']);
    // The message that opened the conversation was composed before the links: it shows none.
    expect(await row('Sinistre cuisine').filter({ hasNotText: 'Re:' }).locator('.outbox-links').count()).toBe(0);
    expect((await alex.get<{ view: { columns: string[] } }>('/api/me/outbox-view')).body.view.columns).toContain('links');
    await page.locator('summary', { hasText: 'Colonnes' }).click();
    await reply.locator('.outbox-links').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'outbox-links');
    await caseLink.click();
    await page.waitForURL(`**/cases/${caseId}`);
  });
});
