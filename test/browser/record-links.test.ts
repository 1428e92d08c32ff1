/**
 * Business-record links in Chromium against the local stack: link a conversation to a ticket from
 * the conversation view, see it listed, open the other conversations of that ticket, unlink; an
 * id the API would refuse is said next to its field.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;
let alex: ApiClient;

interface Summary { conversationId: string; subject: string }

async function find(subject: string): Promise<Summary> {
  const list = await alex.get<{ items: Summary[] }>('/api/mailboxes/support/conversations?limit=100');
  const found = list.body.items.find((c) => c.subject === subject);
  if (!found) throw new Error(`no conversation "${subject}"`);
  return found;
}

async function recordsOf(conversationId: string): Promise<{ type: string; id: string }[]> {
  return (await alex.get<{ records: { type: string; id: string }[] }>(`/api/conversations/${conversationId}/links`)).body.records;
}

async function open(subject: string): Promise<void> {
  await page.goto(`${web.url}/mailboxes/support`);
  await page.getByRole('link', { name: new RegExp(subject) }).click();
  await page.getByRole('heading', { level: 2, name: subject }).waitFor();
}

beforeAll(async () => {
  web = await startWebHarness();
  await sendMail(web.stack, { from: 'Nora <nora@client.example>', to: 'support@acme.test', subject: 'Panne imprimante bureau 3', text: 'L’imprimante ne répond plus.' });
  await sendMail(web.stack, { from: 'Nora <nora@client.example>', to: 'support@acme.test', subject: 'Relance panne imprimante', text: 'Toujours en panne.' });
  await web.stack.drain();
  alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  const relance = await find('Relance panne imprimante');
  expect((await alex.post(`/api/conversations/${relance.conversationId}/records`, { type: 'ticket', id: 'T-1001' })).status).toBe(200);
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('business-record links', () => {
  it('links a conversation to a ticket and lists it', async () => {
    const panne = await find('Panne imprimante bureau 3');
    await open('Panne imprimante bureau 3');
    await page.getByText('Dossier et contact').click();
    const section = page.getByRole('region', { name: 'Fiches liées' });
    await section.getByText('Liée à aucune fiche.').waitFor();

    // A refused id is said next to its field, before any request.
    await section.getByLabel('Type de fiche').selectOption('ticket');
    await section.getByLabel('Identifiant de la fiche').fill('T/1001');
    await section.getByRole('button', { name: 'Lier à une fiche' }).click();
    await expect.poll(() => section.getByRole('alert').innerText()).toContain('sans / ni #');
    expect(await section.getByLabel('Identifiant de la fiche').getAttribute('aria-invalid')).toBe('true');

    await section.getByLabel('Identifiant de la fiche').fill('T-1001');
    await section.getByRole('button', { name: 'Lier à une fiche' }).click();
    await section.getByText('Liée à ticket T-1001.').waitFor();
    await section.getByRole('listitem').filter({ hasText: 'ticket T-1001' }).waitFor();
    expect(await section.getByRole('alert').count()).toBe(0);
    await expect.poll(() => recordsOf(panne.conversationId)).toEqual([{ type: 'ticket', id: 'T-1001' }]);
    // Also shown at a glance, outside the panel.
    await page.locator('.links__records').getByText('ticket T-1001').waitFor();
  });

  it('opens the other conversations of the same ticket', async () => {
    const section = page.getByRole('region', { name: 'Fiches liées' });
    await section.getByRole('button', { name: 'Autres conversations de ticket T-1001' }).click();
    const others = section.getByRole('list', { name: 'Autres conversations de ticket T-1001' });
    await expect.poll(() => others.getByRole('listitem').allInnerTexts()).toEqual([expect.stringContaining('Relance panne imprimante')]);
    await saveScreenshot(page, 'record-links');
    await others.getByRole('link', { name: 'Relance panne imprimante' }).click();
    await page.getByRole('heading', { level: 2, name: 'Relance panne imprimante' }).waitFor();
  });

  it('unlinks the ticket', async () => {
    const panne = await find('Panne imprimante bureau 3');
    await open('Panne imprimante bureau 3');
    await page.getByText('Dossier et contact').click();
    const section = page.getByRole('region', { name: 'Fiches liées' });
    await section.getByRole('button', { name: 'Délier ticket T-1001' }).click();
    await section.getByText('N’est plus liée à ticket T-1001.').waitFor();
    await section.getByText('Liée à aucune fiche.').waitFor();
    await expect.poll(() => recordsOf(panne.conversationId)).toEqual([]);
    const listed = await alex.get<{ items: { conversationId: string }[] }>('/api/records/ticket/T-1001/conversations');
    expect(listed.body.items.map((c) => c.conversationId)).not.toContain(panne.conversationId);
  });
});
