/**
 * A mailbox's trash in Chromium against the local stack: trash a conversation from its menu, find
 * it in the trash, restore it, and permanently delete one as an organisation admin after the
 * confirmation dialog; a dispatcher gets no permanent deletion, and a refused deletion is said in
 * plain words.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let alexPage: Page;
let alex: ApiClient;
let camille: ApiClient;

interface Summary { conversationId: string; subject: string }

async function find(subject: string, trashed: boolean): Promise<Summary | undefined> {
  const list = await alex.get<{ items: Summary[] }>(`/api/mailboxes/support/conversations?limit=100${trashed ? '&trashed=true' : ''}`);
  return list.body.items.find((c) => c.subject === subject);
}

function trashList(page: Page) {
  return page.getByRole('list', { name: 'Conversations à la corbeille de Support' });
}

async function trashedSubjects(page: Page): Promise<string[]> {
  return trashList(page).locator('.trash__subject').allInnerTexts();
}

beforeAll(async () => {
  web = await startWebHarness();
  for (const subject of ['Offre spéciale imprimantes', 'Newsletter du salon', 'Demande de remboursement']) {
    await sendMail(web.stack, { from: 'expediteur@exemple.fr', to: 'support@acme.test', subject, text: `Bonjour, ${subject}.` });
  }
  await web.stack.drain();
  alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  camille = api(web.stack, await web.stack.signIn('camille@acme.test'));
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  alexPage = await web.signedInPage('alex@acme.test', '/mailboxes/support');
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('the trash', () => {
  it('trashes a conversation from its menu, shows it in the trash and restores it', async () => {
    const page = alexPage;
    await page.getByRole('link', { name: /Offre spéciale imprimantes/ }).click();
    await page.getByRole('heading', { level: 2, name: 'Offre spéciale imprimantes' }).waitFor();
    await page.getByText('Plus d’actions').click();
    await page.getByRole('button', { name: 'Mettre à la corbeille' }).click();
    await expect.poll(() => page.getByRole('link', { name: /Offre spéciale imprimantes/ }).count()).toBe(0);
    await expect.poll(async () => (await find('Offre spéciale imprimantes', true))?.subject).toBe('Offre spéciale imprimantes');

    await page.getByRole('link', { name: 'Corbeille', exact: true }).click();
    await page.waitForURL(/view=trash/);
    await page.getByRole('heading', { level: 1, name: 'Corbeille de Support' }).waitFor();
    await expect.poll(() => trashedSubjects(page)).toEqual(['Offre spéciale imprimantes']);
    // Alex dispatches Support but does not administer it: no permanent deletion for him.
    await page.getByRole('button', { name: 'Restaurer', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Supprimer définitivement' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Restaurer', exact: true }).click();
    await page.getByText('La corbeille est vide.').waitFor();
    expect(await find('Offre spéciale imprimantes', true)).toBeUndefined();
    expect(await find('Offre spéciale imprimantes', false)).toBeDefined();

    await page.getByRole('link', { name: 'Revenir aux conversations de Support' }).click();
    await page.getByRole('link', { name: /Offre spéciale imprimantes/ }).waitFor();
  });

  it('lets an organisation admin delete a trashed conversation permanently, after saying it cannot be undone', async () => {
    // Trash it again, from the menu, and another one through the API.
    const page = alexPage;
    await page.getByRole('link', { name: /Offre spéciale imprimantes/ }).click();
    await page.getByRole('heading', { level: 2, name: 'Offre spéciale imprimantes' }).waitFor();
    await page.getByText('Plus d’actions').click();
    await page.getByRole('button', { name: 'Mettre à la corbeille' }).click();
    await expect.poll(async () => (await find('Offre spéciale imprimantes', true))?.subject).toBe('Offre spéciale imprimantes');
    const newsletter = (await find('Newsletter du salon', false))!;
    expect((await alex.post(`/api/conversations/${newsletter.conversationId}/trash`, {})).status).toBe(200);
    const offer = (await find('Offre spéciale imprimantes', true))!;

    const admin = await web.signedInPage('camille@acme.test', '/mailboxes/support?view=trash');
    await expect.poll(() => trashedSubjects(admin)).toEqual(['Newsletter du salon', 'Offre spéciale imprimantes']);
    const row = trashList(admin).getByRole('listitem').filter({ hasText: 'Offre spéciale imprimantes' });
    await row.getByRole('button', { name: 'Supprimer définitivement' }).click();
    const dialog = admin.getByRole('alertdialog', { name: 'Supprimer définitivement cette conversation ?' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Cette action est irréversible.');
    expect(await dialog.innerText()).toContain('« Offre spéciale imprimantes »');
    await saveScreenshot(admin, 'trash-confirm');

    // Cancel first: nothing happens.
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect((await camille.get(`/api/conversations/${offer.conversationId}`)).status).toBe(200);

    await row.getByRole('button', { name: 'Supprimer définitivement' }).click();
    await dialog.getByRole('button', { name: 'Supprimer définitivement' }).click();
    await expect.poll(() => trashedSubjects(admin)).toEqual(['Newsletter du salon']);
    await expect.poll(async () => (await camille.get(`/api/conversations/${offer.conversationId}`)).status).toBe(404);
    await saveScreenshot(admin, 'trash');
    await admin.close();
  });

  it('says in plain words when the conversation left the trash meanwhile', async () => {
    // The status select reaches the trash too.
    const admin = await web.signedInPage('camille@acme.test', '/mailboxes/support');
    await admin.getByLabel('Filtrer par statut').selectOption({ label: 'Corbeille' });
    await admin.waitForURL(/view=trash/);
    await expect.poll(() => trashedSubjects(admin)).toEqual(['Newsletter du salon']);
    const newsletter = (await find('Newsletter du salon', true))!;
    // Someone restores it while the trash is on screen.
    expect((await alex.post(`/api/conversations/${newsletter.conversationId}/restore`, {})).status).toBe(200);

    await admin.getByRole('button', { name: 'Supprimer définitivement' }).click();
    await admin.getByRole('alertdialog').getByRole('button', { name: 'Supprimer définitivement' }).click();
    const alert = admin.getByRole('alert').filter({ hasText: '« Newsletter du salon »' });
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/changé entre-temps|n’est plus à la corbeille/);
    await admin.getByText('La corbeille est vide.').waitFor();
    expect((await camille.get(`/api/conversations/${newsletter.conversationId}`)).status).toBe(200);

    // And back to the list with a status.
    await admin.getByLabel('Filtrer par statut').selectOption({ label: 'Non attribuée' });
    await admin.waitForURL(/status=unassigned/);
    expect(admin.url()).not.toContain('view=trash');
    await admin.getByRole('heading', { level: 1, name: 'Support' }).waitFor();
    await admin.close();
  });
});
