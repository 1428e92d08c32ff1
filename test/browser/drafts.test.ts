/**
 * Drafts kept on the server, in Chromium against the local stack: a message typed on one device
 * is saved to the account, listed under Drafts on another device (a second Chromium profile),
 * opens there in the composer with its text (a new message in its mailbox, a reply in its
 * conversation), and Discard removes it from the server.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail } from '../support/local-stack.js';
import { launchChromium, type Chromium } from './support/chromium.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
/** The second device: its own profile, so nothing typed on the first is in its localStorage. */
let laptop: Chromium;
let desk: Page;
let alex: ReturnType<typeof api>;

interface ListedDraft { draftId: string; subject: string | null; html: string | null; kind: string; conversationId: string | null; version: number }

async function serverDrafts(): Promise<ListedDraft[]> {
  const answer = await alex.get<{ items: ListedDraft[] }>('/api/drafts');
  expect(answer.status).toBe(200);
  return answer.body.items;
}

/** Signs Alex in on a page of `context`, in French, before the app starts. */
async function signedIn(chromium: Chromium, path: string): Promise<Page> {
  const token = await web.stack.signIn('alex@acme.test');
  const page = await chromium.context.newPage();
  page.setDefaultTimeout(10_000);
  await page.addInitScript(([session]) => {
    if (sessionStorage.getItem('mailroom.session') === null) sessionStorage.setItem('mailroom.session', session!);
    localStorage.setItem('mailroom.language', 'fr');
  }, [JSON.stringify({ token, email: 'alex@acme.test', expiresAt: null, provider: 'local' })]);
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${web.url}${path}`);
  return page;
}

async function typeBody(panel: Locator, text: string): Promise<void> {
  await panel.getByRole('textbox', { name: 'Message', exact: true }).click();
  await panel.page().keyboard.type(text);
}

beforeAll(async () => {
  web = await startWebHarness();
  laptop = await launchChromium();
  alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  await sendMail(web.stack, { from: 'Paul Girard <paul@client.example>', to: 'support@acme.test', subject: 'Colis abîmé', text: 'Bonjour, le colis est arrivé abîmé.' });
  await web.stack.drain();
  desk = await signedIn(web.chromium, '/mailboxes/support');
  await desk.getByRole('heading', { level: 1, name: 'Support' }).waitFor();
}, 90_000);

afterAll(async () => {
  await laptop?.close();
  await web?.close();
});

describe('drafts on the server', () => {
  it('saves a new message to the account, lists it on another device, opens it there with its text, and discards it', async () => {
    // Typed on the desk computer: saved on the server a moment after the last key.
    await desk.getByRole('button', { name: 'Nouveau message' }).click();
    const panel = desk.getByRole('region', { name: 'Nouveau message' });
    await panel.waitFor();
    const to = panel.getByLabel('À', { exact: true });
    await to.pressSequentially('Hélène Dupré <helene@client.example>');
    await to.press('Enter');
    await panel.getByLabel('Objet').fill('Devis pour la rénovation');
    await typeBody(panel, 'Bonjour Hélène, voici le devis demandé.');
    await expect.poll(async () => (await serverDrafts()).map((d) => d.html ?? ''), { timeout: 10_000 })
      .toEqual([expect.stringContaining('voici le devis demandé.')]);
    await panel.getByText(/Brouillon enregistré à \d/).waitFor();
    const [saved] = await serverDrafts();
    expect(saved).toMatchObject({ subject: 'Devis pour la rénovation', kind: 'new' });
    await desk.getByRole('link', { name: 'Vos brouillons : 1 brouillon' }).waitFor();

    // The laptop has none of this in its storage: the list comes from the server.
    const page = await signedIn(laptop, '/mailboxes/support');
    await page.getByRole('link', { name: 'Vos brouillons : 1 brouillon' }).click();
    await page.getByRole('heading', { level: 1, name: 'Brouillons' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Devis pour la rénovation' });
    await row.waitFor();
    expect(await row.innerText()).toContain('Hélène Dupré <helene@client.example>');
    expect(await row.innerText()).toContain('Support');
    expect(await row.innerText()).toContain('Nouveau message');
    await saveScreenshot(page, 'drafts');

    await row.getByRole('button', { name: 'Ouvrir le brouillon « Devis pour la rénovation »' }).click();
    await page.waitForURL(`${web.url}/mailboxes/support`);
    const opened = page.getByRole('region', { name: 'Nouveau message' });
    await opened.waitFor();
    expect(await opened.getByLabel('Objet').inputValue()).toBe('Devis pour la rénovation');
    expect(await opened.getByRole('textbox', { name: 'Message', exact: true }).innerText()).toContain('voici le devis demandé.');
    await opened.getByRole('listitem').filter({ hasText: 'helene@client.example' }).waitFor();

    // Going on writing there saves over the same server draft.
    await opened.getByRole('textbox', { name: 'Message', exact: true }).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' Cordialement.');
    await opened.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
    await expect.poll(async () => (await serverDrafts()).map((d) => [d.draftId, d.html ?? '']), { timeout: 10_000 })
      .toEqual([[saved!.draftId, expect.stringContaining('Cordialement.')]]);

    // Discard: gone from the server, and from the list on both devices.
    await opened.getByRole('button', { name: 'Supprimer le brouillon' }).click();
    await opened.waitFor({ state: 'detached' });
    await expect.poll(serverDrafts, { timeout: 10_000 }).toEqual([]);
    await page.getByRole('link', { name: 'Vos brouillons : 0 brouillon' }).waitFor();
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('mailroom.draft.')))).toEqual([]);
    await desk.goto(`${web.url}/drafts`);
    await desk.getByText('Aucun brouillon.').waitFor();
    await page.close();
  });

  it('deletes the server draft once the message is sent', async () => {
    await desk.goto(`${web.url}/mailboxes/support`);
    await desk.getByRole('button', { name: 'Nouveau message' }).click();
    const panel = desk.getByRole('region', { name: 'Nouveau message' });
    await panel.getByLabel('À', { exact: true }).fill('marc@client.example,');
    await panel.getByLabel('Objet').fill('Confirmation de rendez-vous');
    await typeBody(panel, 'Rendez-vous confirmé pour jeudi.');
    await expect.poll(async () => (await serverDrafts()).map((d) => d.subject), { timeout: 10_000 }).toEqual(['Confirmation de rendez-vous']);

    await panel.getByRole('button', { name: 'Envoyer' }).click();
    await panel.waitFor({ state: 'detached' });
    await expect.poll(serverDrafts, { timeout: 10_000 }).toEqual([]);
    await desk.getByRole('link', { name: 'Vos brouillons : 0 brouillon' }).waitFor();
  });

  it('opens a reply draft in its conversation on another device, and discards it from the list', async () => {
    await desk.goto(`${web.url}/mailboxes/support`);
    await desk.getByRole('link', { name: /Colis abîmé/ }).click();
    await desk.getByRole('heading', { level: 2, name: 'Colis abîmé' }).waitFor();
    await desk.getByRole('button', { name: 'Répondre', exact: true }).click();
    const panel = desk.getByRole('region', { name: /Répondre/ });
    await panel.waitFor();
    await typeBody(panel, 'Nous vous renvoyons un colis dès demain.');
    await panel.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
    await expect.poll(async () => (await serverDrafts()).map((d) => d.kind), { timeout: 10_000 }).toEqual(['reply']);
    const [reply] = await serverDrafts();

    const page = await signedIn(laptop, '/drafts');
    const row = page.getByRole('row').filter({ hasText: 'Re: Colis abîmé' });
    await row.waitFor();
    expect(await row.innerText()).toContain('paul@client.example');
    await row.getByRole('button', { name: /^Ouvrir le brouillon/ }).click();
    await page.waitForURL(`${web.url}/mailboxes/support/conversations/${reply!.conversationId}`);
    const opened = page.getByRole('region', { name: /Répondre/ });
    await opened.waitFor();
    expect(await opened.getByRole('textbox', { name: 'Message', exact: true }).innerText()).toContain('Nous vous renvoyons un colis dès demain.');
    await page.getByRole('heading', { level: 2, name: 'Colis abîmé' }).waitFor();

    await page.goto(`${web.url}/drafts`);
    const listed = page.getByRole('row').filter({ hasText: 'Re: Colis abîmé' });
    await listed.getByRole('button', { name: /^Supprimer le brouillon/ }).click();
    await page.getByText('Aucun brouillon.').waitFor();
    await expect.poll(serverDrafts, { timeout: 10_000 }).toEqual([]);
    await page.close();
  });

  it('opens on this device the text another device saved since, rather than save over it', async () => {
    // Written on the desk, saved, composer closed.
    await desk.goto(`${web.url}/mailboxes/support`);
    await desk.getByRole('button', { name: 'Nouveau message' }).click();
    const panel = desk.getByRole('region', { name: 'Nouveau message' });
    await panel.getByLabel('Objet').fill('Planning des visites');
    await typeBody(panel, 'Première version.');
    await expect.poll(async () => (await serverDrafts()).map((d) => d.html ?? ''), { timeout: 10_000 })
      .toEqual([expect.stringContaining('Première version.')]);
    await panel.getByText(/Brouillon enregistré à \d/).waitFor();
    await panel.getByRole('button', { name: 'Fermer' }).click();
    await panel.waitFor({ state: 'detached' });

    // Finished on the laptop.
    const page = await signedIn(laptop, '/drafts');
    const row = page.getByRole('row').filter({ hasText: 'Planning des visites' });
    await row.getByRole('button', { name: 'Ouvrir le brouillon « Planning des visites »' }).click();
    const opened = page.getByRole('region', { name: 'Nouveau message' });
    await opened.getByRole('textbox', { name: 'Message', exact: true }).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' Version finie sur le portable.');
    await opened.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
    await expect.poll(async () => (await serverDrafts()).map((d) => d.html ?? ''), { timeout: 10_000 })
      .toEqual([expect.stringContaining('Version finie sur le portable.')]);
    await page.close();

    // Back on the desk: the composer opens with the laptop's text.
    await desk.getByRole('button', { name: 'Nouveau message' }).click();
    const again = desk.getByRole('region', { name: 'Nouveau message' });
    await expect.poll(() => again.getByRole('textbox', { name: 'Message', exact: true }).innerText(), { timeout: 10_000 })
      .toContain('Version finie sur le portable.');
    expect(await again.getByLabel('Objet').inputValue()).toBe('Planning des visites');
    await again.getByRole('button', { name: 'Supprimer le brouillon' }).click();
    await expect.poll(serverDrafts, { timeout: 10_000 }).toEqual([]);
  });
});
