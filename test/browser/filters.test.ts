/**
 * Finding work in Chromium against the local stack: the dashboard banner and the user's choice of
 * figures, the advanced filters (assignee, label, qualification, attachment, dates) kept in the
 * URL, a 400 from the API shown next to the filters, full-text search, assigning to another member
 * with a message, and a department's conversations merged over its mailboxes.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;
let alex: ApiClient;

interface Summary { conversationId: string; subject: string; assignee: string | null }

async function bySubject(subject: string): Promise<Summary> {
  const list = await alex.get<{ items: Summary[] }>('/api/mailboxes/support/conversations?limit=100');
  const found = list.body.items.find((c) => c.subject === subject);
  if (!found) throw new Error(`no conversation "${subject}"`);
  return found;
}

function rows() {
  return page.getByRole('list', { name: 'Conversations de Support' }).getByRole('listitem');
}

async function subjectsShown(): Promise<string[]> {
  return rows().locator('.row__subject').allInnerTexts();
}

beforeAll(async () => {
  web = await startWebHarness();
  await sendMail(web.stack, {
    from: 'Compta Fournisseur <compta@fournisseur.example>', to: 'support@acme.test', subject: 'Facture de mars',
    text: 'Bonjour, voici la facture avec le montant TVA.', attachments: [{ filename: 'facture-mars.pdf', content: Buffer.from('%PDF-1.4'), contentType: 'application/pdf' }],
  });
  await sendMail(web.stack, { from: 'Paul <paul@client.example>', to: 'support@acme.test', subject: 'Livraison en retard', text: 'Mon colis est perdu depuis lundi.' });
  await sendMail(web.stack, { from: 'Inès <ines@client.example>', to: 'support@acme.test', subject: 'Question produit', text: 'La garantie couvre-t-elle la batterie ?' });
  await web.stack.drain();
  alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  const produit = await bySubject('Question produit');
  expect((await alex.post(`/api/conversations/${produit.conversationId}/assign`, { assignee: 'julien@acme.test' })).status).toBe(200);
  const livraison = await bySubject('Livraison en retard');
  expect((await alex.post(`/api/conversations/${livraison.conversationId}/labels`, { add: ['urgent'] })).status).toBe(200);
  await web.stack.drain();
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
  await rows().first().waitFor();
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('finding work', () => {
  it('shows the mailbox figures, each status one a link to its list', async () => {
    const banner = page.getByRole('region', { name: 'Chiffres de la boîte' });
    const text = async () => (await banner.innerText()).replace(/\s+/g, ' ');
    await expect.poll(text).toContain('2 non attribuées');
    expect(await text()).toContain('1 attribuées');
    await banner.getByRole('link', { name: /non attribuées/ }).click();
    await page.waitForURL(/status=unassigned/);
    await expect.poll(() => subjectsShown()).toEqual(['Livraison en retard', 'Facture de mars']);
    await saveScreenshot(page, 'inbox-figures');
  });

  it('keeps the figures each user chose', async () => {
    const banner = page.getByRole('region', { name: 'Chiffres de la boîte' });
    await banner.getByRole('button', { name: 'Choisir les chiffres' }).click();
    await page.getByRole('checkbox', { name: 'clôturées (30 jours)' }).uncheck();
    await page.getByRole('checkbox', { name: 'à faire' }).uncheck();
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await expect.poll(() => banner.innerText()).not.toContain('clôturées');
    const saved = await alex.get<{ statsCounters: string[] }>('/api/me/preferences');
    expect(saved.body.statsCounters).not.toContain('closed');
    expect(saved.body.statsCounters).not.toContain('todo');
    expect(saved.body.statsCounters).toContain('unassigned');
    await page.reload();
    await expect.poll(() => page.getByRole('region', { name: 'Chiffres de la boîte' }).innerText()).toContain('non attribuées');
    expect(await page.getByRole('region', { name: 'Chiffres de la boîte' }).innerText()).not.toContain('à faire');
  });

  it('filters by assignee, label and attachment, kept in the URL', async () => {
    await page.goto(`${web.url}/mailboxes/support`);
    await rows().first().waitFor();
    await page.getByRole('button', { name: 'Filtres' }).click();
    await page.getByLabel('Attribuée à').selectOption('julien@acme.test');
    await page.getByRole('button', { name: 'Appliquer' }).click();
    await page.waitForURL(/assignee=julien%40acme.test/);
    await expect.poll(() => subjectsShown()).toEqual(['Question produit']);
    await page.getByRole('button', { name: 'Filtres (1)' }).click();
    await page.getByRole('button', { name: 'Effacer les filtres' }).click();
    await expect.poll(() => rows().count()).toBe(3);

    await page.getByRole('button', { name: 'Filtres' }).click();
    await page.getByLabel('Pièces jointes').selectOption('true');
    await page.getByRole('button', { name: 'Appliquer' }).click();
    await expect.poll(() => subjectsShown()).toEqual(['Facture de mars']);

    await page.goto(`${web.url}/mailboxes/support?label=urgent`);
    await expect.poll(() => subjectsShown()).toEqual(['Livraison en retard']);
    await saveScreenshot(page, 'inbox-filtered');
  });

  it('says which field is wrong when the dates run backwards', async () => {
    await page.goto(`${web.url}/mailboxes/support`);
    await rows().first().waitFor();
    await page.getByRole('button', { name: 'Filtres' }).click();
    await page.getByLabel('Activité depuis le').fill('2026-11-30');
    await page.getByLabel('Activité jusqu’au').fill('2026-11-01');
    await page.getByRole('button', { name: 'Appliquer' }).click();
    await page.getByText('Les conversations n’ont pas pu être chargées.').waitFor();
    await expect.poll(() => page.locator('.error-note').first().innerText()).toContain('query.to');
  });

  it('searches the words of the mail, not only the subject', async () => {
    await page.goto(`${web.url}/mailboxes/support`);
    await rows().first().waitFor();
    await page.locator('body').press('/');
    await page.keyboard.type('colis');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=colis/);
    await page.getByText('Résultats pour « colis »').waitFor();
    await expect.poll(() => subjectsShown()).toEqual(['Livraison en retard']);
    await page.getByRole('button', { name: 'Effacer la recherche' }).click();
    await expect.poll(() => rows().count()).toBe(3);
  });

  it('assigns to another member with a message', async () => {
    await page.getByRole('link', { name: /Facture de mars/ }).click();
    await page.getByRole('button', { name: 'Attribuer à…' }).click();
    await page.getByRole('combobox', { name: /^Membre(?!s)/ }).selectOption('julien@acme.test');
    await page.getByLabel('Message (facultatif)').fill('Peux-tu vérifier le montant ?');
    await page.getByRole('button', { name: 'Attribuer', exact: true }).click();
    await expect.poll(async () => (await bySubject('Facture de mars')).assignee).toBe('julien@acme.test');
    const history = await alex.get<{ items: { kind: string; message?: string | null }[] }>(`/api/conversations/${(await bySubject('Facture de mars')).conversationId}/history`);
    expect(JSON.stringify(history.body.items)).toContain('Peux-tu vérifier le montant ?');
  });
});

describe('qualification and department', () => {
  let qualificationId = '';

  it('filters by qualification, kept in the URL and counted on the button', async () => {
    const camille = api(web.stack, await web.stack.signIn('camille@acme.test'));
    const created = await camille.post<{ qualification: { qualificationId: string } }>('/api/qualifications', { name: 'Litige transporteur' });
    expect(created.status).toBe(201);
    qualificationId = created.body.qualification.qualificationId;
    const livraison = await bySubject('Livraison en retard');
    expect((await alex.post(`/api/conversations/${livraison.conversationId}/qualification`, { qualification: qualificationId })).status).toBe(200);

    await page.goto(`${web.url}/mailboxes/support`);
    await rows().first().waitFor();
    await page.getByRole('button', { name: 'Filtres' }).click();
    await page.getByLabel('Qualification').selectOption({ label: 'Litige transporteur' });
    await saveScreenshot(page, 'inbox-filter-panel');
    await page.getByRole('button', { name: 'Appliquer' }).click();
    await page.waitForURL(new RegExp(`qualification=${qualificationId}`));
    await expect.poll(() => subjectsShown()).toEqual(['Livraison en retard']);
    await page.getByRole('button', { name: 'Filtres (1)' }).click();
    await page.getByRole('button', { name: 'Effacer les filtres' }).click();
    await expect.poll(() => rows().count()).toBe(3);
    expect(page.url()).not.toContain('qualification=');
  });

  it('shows a department’s conversations merged over its mailboxes, and back to the mailbox', async () => {
    // Ventes joins the Service client department; Sarah gives Alex (an agent there) one of its conversations.
    const camille = api(web.stack, await web.stack.signIn('camille@acme.test'));
    expect((await camille.patch('/api/admin/mailboxes/ventes', { departmentId: 'service-client' })).status).toBe(200);
    await sendMail(web.stack, { from: 'Hugo <hugo@client.example>', to: 'ventes@acme.test', subject: 'Devis fenêtres', text: 'Pouvez-vous chiffrer six fenêtres ?' });
    await sendMail(web.stack, { from: 'Zoé <zoe@client.example>', to: 'ventes@acme.test', subject: 'Catalogue 2027', text: 'Envoyez-moi le catalogue.' });
    await web.stack.drain();
    const sarah = api(web.stack, await web.stack.signIn('sarah@acme.test'));
    const ventes = await sarah.get<{ items: Summary[] }>('/api/mailboxes/ventes/conversations?limit=100');
    const devis = ventes.body.items.find((c) => c.subject === 'Devis fenêtres')!;
    expect((await sarah.post(`/api/conversations/${devis.conversationId}/assign`, { assignee: 'alex@acme.test' })).status).toBe(200);
    await web.stack.drain();

    await page.goto(`${web.url}/mailboxes/support`);
    await rows().first().waitFor();
    await page.getByRole('button', { name: 'Filtres' }).click();
    await page.getByLabel('Département').selectOption('Service client');
    await page.getByRole('button', { name: 'Appliquer' }).click();
    await page.waitForURL(/department=Service\+client/);
    await page.getByRole('heading', { level: 1, name: 'Département Service client' }).waitFor();
    const merged = page.getByRole('list', { name: 'Conversations du département Service client' });
    const mergedSubjects = () => merged.locator('.row__subject').allInnerTexts();
    // Alex dispatches Support (all of it) and is an agent in Ventes (only what is his there).
    await expect.poll(async () => (await mergedSubjects()).sort()).toEqual(['Devis fenêtres', 'Facture de mars', 'Livraison en retard', 'Question produit']);
    expect(await merged.getByRole('listitem').filter({ hasText: 'Devis fenêtres' }).locator('.row__mailbox').innerText()).toBe('Ventes');
    expect(await merged.getByRole('listitem').filter({ hasText: 'Facture de mars' }).locator('.row__mailbox').innerText()).toBe('Support');
    await page.getByRole('button', { name: 'Filtres (1)' }).waitFor();
    await saveScreenshot(page, 'inbox-department');

    // Other filters apply to the department's list too.
    await page.getByRole('button', { name: 'Filtres (1)' }).click();
    await page.getByLabel('Qualification').selectOption(qualificationId);
    await page.getByRole('button', { name: 'Appliquer' }).click();
    await expect.poll(() => mergedSubjects()).toEqual(['Livraison en retard']);
    await page.getByRole('button', { name: 'Filtres (2)' }).click();
    await page.getByLabel('Qualification').selectOption('');
    await page.getByRole('button', { name: 'Appliquer' }).click();
    await expect.poll(async () => (await mergedSubjects()).length).toBe(4);

    // A conversation of another mailbox opens in its own mailbox, the department's list kept.
    await merged.getByRole('link', { name: /Devis fenêtres/ }).click();
    await page.waitForURL(/\/mailboxes\/ventes\/conversations\/.+department=Service\+client/);
    await page.getByRole('heading', { level: 2, name: 'Devis fenêtres' }).waitFor();
    await page.getByRole('heading', { level: 1, name: 'Département Service client' }).waitFor();

    await page.getByRole('button', { name: 'Filtres (1)' }).click();
    await page.getByRole('button', { name: 'Effacer les filtres' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ventes' }).waitFor();
    expect(page.url()).not.toContain('department=');
  });
});
