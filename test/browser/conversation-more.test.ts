/**
 * A conversation's further actions in Chromium against the local stack: who else is on it
 * (presence), qualify, convert to a case, move to another mailbox, trash.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;
let alex: ApiClient;

interface Summary { conversationId: string; subject: string; mailboxId: string; qualification?: string | null; trashed?: boolean }

async function find(subject: string, mailboxId = 'support'): Promise<Summary | undefined> {
  const list = await alex.get<{ items: Summary[] }>(`/api/mailboxes/${mailboxId}/conversations?limit=100`);
  return list.body.items.find((c) => c.subject === subject);
}

async function open(subject: string): Promise<void> {
  await page.goto(`${web.url}/mailboxes/support`);
  await page.getByRole('link', { name: new RegExp(subject) }).click();
  await page.getByRole('heading', { level: 2, name: subject }).waitFor();
}

beforeAll(async () => {
  web = await startWebHarness();
  for (const subject of ['Réclamation colis abîmé', 'Demande de devis atelier', 'Publicité indésirable']) {
    await sendMail(web.stack, { from: 'client@exemple.fr', to: 'support@acme.test', subject, text: `Bonjour, ${subject}.` });
  }
  await web.stack.drain();
  alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  const camille = api(web.stack, await web.stack.signIn('camille@acme.test'));
  expect((await camille.post('/api/qualifications', { name: 'Réclamation' })).status).toBe(201);
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('further conversation actions', () => {
  it('shows who else is on the conversation', async () => {
    const conversation = (await find('Réclamation colis abîmé'))!;
    expect((await alex.post(`/api/conversations/${conversation.conversationId}/assign`, { assignee: 'julien@acme.test' })).status).toBe(200);
    const julien = api(web.stack, await web.stack.signIn('julien@acme.test'));
    expect((await julien.post(`/api/conversations/${conversation.conversationId}/presence`, { activity: 'replying' })).status).toBe(200);
    await open('Réclamation colis abîmé');
    await page.getByText('julien@acme.test rédige une réponse').waitFor();
  });

  it('qualifies it and converts it to a case', async () => {
    await page.getByText('Plus d’actions').click();
    await page.getByLabel('Qualification').selectOption({ label: 'Réclamation' });
    await expect.poll(async () => (await find('Réclamation colis abîmé'))?.qualification).toMatch(/.+/);
    await page.getByRole('button', { name: 'Convertir en dossier' }).click();
    await page.getByText(/Dossier .+ créé\./).waitFor();
    await saveScreenshot(page, 'conversation-more');
  });

  it('moves a conversation to another mailbox: it leaves this list', async () => {
    await open('Demande de devis atelier');
    await page.getByText('Plus d’actions').click();
    await page.getByLabel('Déplacer vers').selectOption({ label: 'Ventes' });
    await expect.poll(() => page.getByRole('link', { name: /Demande de devis atelier/ }).count()).toBe(0);
    expect(await find('Demande de devis atelier')).toBeUndefined();
    // Sarah dispatches Ventes: the conversation is in her queue now (Alex, an agent there, sees only his own).
    const sarah = api(web.stack, await web.stack.signIn('sarah@acme.test'));
    const ventes = await sarah.get<{ items: Summary[] }>('/api/mailboxes/ventes/conversations?limit=100');
    expect(ventes.body.items.map((c) => c.subject)).toContain('Demande de devis atelier');
  });

  it('puts a conversation in the trash: it leaves the list', async () => {
    await open('Publicité indésirable');
    await page.getByText('Plus d’actions').click();
    await page.getByRole('button', { name: 'Mettre à la corbeille' }).click();
    await expect.poll(() => page.getByRole('link', { name: /Publicité indésirable/ }).count()).toBe(0);
    expect(await find('Publicité indésirable')).toBeUndefined();
  });
});
