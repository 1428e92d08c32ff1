/**
 * The settings area in Chromium against the local stack, as Camille (organisation admin), in
 * French: a mailbox created with an address (after a 400 shown next to the address it names),
 * a member added with a role, a label and its recipient-address rule, a qualification, a template
 * written with a merge field and published (after an unknown merge field refused next to the
 * subject), outbox retry settings, the fourth signature refused in the API's words, and an email
 * account whose connection test fails in plain words for an unreachable server.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;
let camille: ApiClient;

interface AdminMailbox { mailboxId: string; addresses: string[]; labels: { name: string }[]; labelRules: { address: string; label: string }[] }

beforeAll(async () => {
  web = await startWebHarness();
  camille = api(web.stack, await web.stack.signIn('camille@acme.test'));
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  page = await web.signedInPage('camille@acme.test', '/settings');
  await page.getByRole('heading', { name: 'Paramètres', level: 1 }).waitFor();
}, 90_000);

/** What a control's aria-describedby points at (hint and error), as text. */
async function describedText(control: Locator): Promise<string> {
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).innerText()));
  return texts.join(' ');
}

afterAll(async () => {
  await web?.close();
});

describe('settings', () => {
  it('is linked from the top bar for admins and opens on the mailboxes', async () => {
    await expect.poll(() => page.getByRole('banner').getByRole('link', { name: 'Paramètres' }).getAttribute('aria-current')).toBe('page');
    await page.getByRole('navigation', { name: 'Rubriques des paramètres' }).getByRole('link', { name: 'Boîtes' }).waitFor();
    await page.getByRole('table', { name: 'Boîtes' }).getByRole('rowheader', { name: /Support/ }).waitFor();
  });

  it('creates a mailbox, showing a 400 next to the address it names and keeping what was typed', async () => {
    await page.getByRole('button', { name: 'Nouvelle boîte' }).click();
    const form = page.getByRole('form', { name: 'Nouvelle boîte' });
    await form.getByLabel('Identifiant').fill('sav');
    await form.getByLabel('Nom', { exact: true }).fill('Service après-vente');
    await form.getByLabel('Adresse 1').fill('pas-une-adresse');
    await form.getByRole('button', { name: 'Créer la boîte' }).click();

    const address = form.getByLabel('Adresse 1');
    await expect.poll(() => address.getAttribute('aria-invalid')).toBe('true');
    expect(await describedText(address)).toContain('Ce n’est pas une adresse e-mail valide.');
    expect(await form.getByLabel('Nom', { exact: true }).inputValue()).toBe('Service après-vente');
    expect(await address.inputValue()).toBe('pas-une-adresse');
    await saveScreenshot(page, 'settings-mailbox-400');

    await address.fill('sav@acme.test');
    await form.getByRole('button', { name: 'Créer la boîte' }).click();
    await page.getByRole('heading', { name: 'Boîte Service après-vente' }).waitFor();
    const created = await camille.get<AdminMailbox>('/api/admin/mailboxes/sav');
    expect(created.status).toBe(200);
    expect(created.body.addresses).toEqual(['sav@acme.test']);
    await page.getByRole('navigation', { name: 'Boîtes' }).getByRole('link', { name: /Service après-vente/ }).first().waitFor();
  });

  it('adds a member with a role', async () => {
    const members = page.getByRole('region', { name: 'Membres et rôles' });
    await members.getByLabel('E-mail de l’utilisateur à ajouter').fill('julien@acme.test');
    await members.getByLabel('Rôle', { exact: true }).selectOption('dispatcher');
    await members.getByRole('button', { name: 'Ajouter le membre' }).click();
    await expect.poll(() => members.getByLabel('Rôle de Julien Bernard').inputValue()).toBe('dispatcher');
    const users = await camille.get<{ items: { email: string; roles: Record<string, string> }[] }>('/api/admin/users');
    expect(users.body.items.find((u) => u.email === 'julien@acme.test')?.roles['sav']).toBe('dispatcher');
  });

  it('adds a label and a recipient-address rule', async () => {
    const form = page.getByRole('form', { name: 'Étiquettes et règles d’adresse' });
    await form.getByRole('button', { name: 'Ajouter une étiquette' }).click();
    await form.getByLabel('Étiquette 1', { exact: true }).fill('garantie');
    await form.getByRole('button', { name: 'Ajouter une règle' }).click();
    await form.getByLabel('Adresse de la règle 1').fill('sav@acme.test');
    await form.getByLabel('Étiquette de la règle 1').selectOption('garantie');
    await form.getByRole('button', { name: 'Enregistrer étiquettes et règles' }).click();
    await expect.poll(() => form.getByRole('status').innerText()).toContain('Enregistré.');
    const mailbox = await camille.get<AdminMailbox>('/api/admin/mailboxes/sav');
    expect(mailbox.body.labels.map((l) => l.name)).toEqual(['garantie']);
    expect(mailbox.body.labelRules).toEqual([{ address: 'sav@acme.test', label: 'garantie' }]);
    await saveScreenshot(page, 'settings-mailbox');
  });

  it('creates a qualification', async () => {
    await page.getByRole('link', { name: 'Services et qualifications' }).click();
    const section = page.getByRole('region', { name: 'Qualifications' });
    await section.getByLabel('Nom de la qualification').fill('Réclamation');
    await section.getByRole('button', { name: 'Ajouter la qualification' }).click();
    await section.getByRole('listitem').filter({ hasText: 'Réclamation' }).waitFor();
    const list = await camille.get<{ items: { name: string }[] }>('/api/qualifications');
    expect(list.body.items.map((q) => q.name)).toContain('Réclamation');

    await section.getByRole('button', { name: 'Renommer Réclamation' }).click();
    await section.getByLabel('Nom de la qualification').first().fill('Réclamation client');
    await section.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await section.getByRole('listitem').filter({ hasText: 'Réclamation client' }).waitFor();
    expect((await camille.get<{ items: { name: string }[] }>('/api/qualifications')).body.items.map((q) => q.name)).toContain('Réclamation client');
    await saveScreenshot(page, 'settings-organisation');
  });

  it('adds, renames and removes a business record type, and refuses a malformed one next to the field', async () => {
    await page.getByRole('link', { name: 'Services et qualifications' }).click();
    const section = page.getByRole('region', { name: 'Types de fiches métier' });
    await section.getByRole('listitem').filter({ hasText: 'ticket' }).first().waitFor();
    await section.getByLabel(/Type de fiche/).fill('Contrat!');
    await section.getByRole('button', { name: 'Ajouter le type' }).click();
    await section.getByRole('alert').first().waitFor();
    expect((await camille.get<{ types: string[] }>('/api/record-types')).body.types).not.toContain('contrat!');

    await section.getByLabel(/Type de fiche/).fill('contrat');
    await section.getByRole('button', { name: 'Ajouter le type' }).click();
    await section.getByRole('listitem').filter({ hasText: 'contrat' }).waitFor();
    expect((await camille.get<{ types: string[] }>('/api/record-types')).body.types).toEqual(['ticket', 'project', 'offer', 'booking', 'contrat']);

    await section.getByRole('button', { name: 'Renommer contrat' }).click();
    await section.getByLabel(/Type de fiche/).first().fill('avenant');
    await section.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await section.getByRole('listitem').filter({ hasText: 'avenant' }).waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await section.getByRole('button', { name: 'Supprimer booking' }).click();
    await expect.poll(async () => (await camille.get<{ types: string[] }>('/api/record-types')).body.types).toEqual(['ticket', 'project', 'offer', 'avenant']);
  });

  it('refuses to delete a department that still has mailboxes, in plain words next to it', async () => {
    page.once('dialog', (dialog) => void dialog.accept());
    const section = page.getByRole('region', { name: 'Services' });
    const row = section.getByRole('listitem').filter({ hasText: 'Service client' });
    await row.getByRole('button', { name: 'Supprimer Service client' }).click();
    await expect.poll(() => row.getByRole('alert').innerText()).toContain('Impossible de supprimer tant que c’est utilisé');
    expect(await row.getByRole('alert').innerText()).toContain('support');
    expect((await camille.get<{ items: { name: string }[] }>('/api/admin/departments')).body.items.map((d) => d.name)).toContain('Service client');
  });

  it('writes a template with a merge field and publishes it, after an unknown field is refused next to the subject', async () => {
    await page.getByRole('link', { name: 'Modèles et signatures' }).click();
    await page.getByRole('button', { name: 'Nouveau modèle' }).click();
    const form = page.getByRole('form', { name: 'Nouveau modèle' });
    await form.getByLabel('Titre').fill('Accusé de réception');
    await form.getByLabel('Nom interne').fill('accuse-reception');
    await form.getByLabel('Objet').fill('Votre demande {{contact.inconnu}}');
    const body = form.getByRole('textbox', { name: 'Texte' });
    await body.click();
    await page.keyboard.type('Bonjour ');
    await form.getByRole('button', { name: 'Insérer {{contact.fullname}}' }).click();
    await expect.poll(() => body.innerText()).toContain('Bonjour {{contact.fullname}}');

    await form.getByRole('button', { name: 'Publier' }).click();
    const subject = form.getByLabel('Objet');
    await expect.poll(() => subject.getAttribute('aria-invalid')).toBe('true');
    expect(await describedText(subject)).toContain('champ de fusion qui n’existe pas');
    expect(await body.innerText()).toContain('Bonjour {{contact.fullname}}');

    await subject.fill('Votre demande');
    await form.getByRole('button', { name: 'Publier' }).click();
    await page.getByRole('heading', { name: 'Modèle Accusé de réception' }).waitFor();
    const list = await camille.get<{ items: { title: string; state: string; body: string }[] }>('/api/mailboxes/support/templates');
    const template = list.body.items.find((t) => t.title === 'Accusé de réception');
    expect(template?.state).toBe('published');
    expect(template?.body).toContain('{{contact.fullname}}');
    await saveScreenshot(page, 'settings-template');
  });

  it('inserts a merge field at the caret of the subject from the keyboard, and undoes unsaved changes', async () => {
    const form = page.getByRole('form', { name: 'Modèle Accusé de réception' });
    const subject = form.getByLabel('Objet');
    await subject.focus();
    await page.keyboard.press('End');
    await page.keyboard.type(' de ');
    await form.getByRole('button', { name: 'Insérer {{user.name}}' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => subject.inputValue()).toBe('Votre demande de {{user.name}}');
    await form.getByRole('button', { name: 'Annuler mes modifications' }).click();
    expect(await subject.inputValue()).toBe('Votre demande');
  });

  it('refuses a fourth signature in the API’s words, keeping what was typed', async () => {
    const existing = await camille.get<{ items: unknown[] }>('/api/mailboxes/support/signatures');
    for (let n = existing.body.items.length; n < 3; n += 1) {
      expect((await camille.post('/api/mailboxes/support/signatures', { name: `Signature ${n + 1}`, html: `<p>Signature ${n + 1}</p>` })).status).toBe(201);
    }
    await page.reload();
    const section = page.getByRole('region', { name: 'Signatures' });
    await section.getByRole('listitem').nth(2).waitFor();
    await section.getByLabel('Nom de la signature').fill('Quatrième');
    await section.getByRole('textbox', { name: 'Signature', exact: true }).click();
    await page.keyboard.type('Cordialement');
    await section.getByRole('button', { name: 'Ajouter la signature' }).click();
    const alert = section.getByRole('alert');
    await expect.poll(() => alert.innerText()).toContain('Cette boîte a déjà trois signatures');
    expect(await alert.innerText()).toContain('at most 3 signatures');
    expect(await section.getByLabel('Nom de la signature').inputValue()).toBe('Quatrième');
    expect((await camille.get<{ items: unknown[] }>('/api/mailboxes/support/signatures')).body.items).toHaveLength(3);
    await saveScreenshot(page, 'settings-signatures');
  });

  it('saves the outbox retry policy, naming a refused value next to its field', async () => {
    await page.getByRole('link', { name: 'Boîte d’envoi', exact: true }).click();
    const attempts = page.getByLabel('Tentatives au plus (la première comprise)');
    await attempts.fill('50');
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await expect.poll(() => attempts.getAttribute('aria-invalid')).toBe('true');
    expect(await describedText(attempts)).toContain('Saisissez un nombre de 20 au plus.');
    await attempts.fill('5');
    await page.getByLabel('Délai d’annulation (secondes)').fill('20');
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await expect.poll(async () => (await camille.get<{ settings: { undoSeconds: number; retry: { maxAttempts: number } } }>('/api/mailboxes/support/outbox/settings')).body.settings.retry.maxAttempts).toBe(5);
    await saveScreenshot(page, 'settings-outbox');
  });

  it('tests an IMAP/SMTP account whose server cannot be reached, step by step in plain words', async () => {
    await page.getByRole('link', { name: 'Comptes de messagerie' }).click();
    await page.getByRole('button', { name: 'Nouveau compte IMAP/SMTP' }).click();
    const form = page.getByRole('form', { name: 'Nouveau compte IMAP/SMTP' });
    await form.getByLabel('Adresse e-mail').fill('boite@client.example');
    await form.getByLabel('Serveur IMAP').fill('127.0.0.1');
    await form.getByLabel('Port IMAP').fill('1');
    await form.getByLabel('Sécurité').first().selectOption('none');
    await form.getByLabel('Identifiant').fill('boite@client.example');
    await form.getByLabel('Mot de passe').fill('secret');
    await form.getByLabel('Serveur SMTP').fill('127.0.0.1');
    await form.getByLabel('Port SMTP').fill('1');
    await form.getByLabel('Sécurité').nth(1).selectOption('none');
    await form.getByRole('button', { name: 'Tester la connexion' }).click();
    const result = form.locator('.settings__test');
    await result.waitFor({ timeout: 30_000 });
    const text = await result.innerText();
    expect(text).toContain('La connexion ne fonctionne pas encore.');
    expect(text).toMatch(/Connexion au serveur IMAP : échoué/);
    expect(await form.getByLabel('Serveur IMAP').inputValue()).toBe('127.0.0.1');
    await saveScreenshot(page, 'settings-account-test');
  }, 40_000);

  it('saves the account, lists it untested, then deactivates it', async () => {
    const form = page.getByRole('form', { name: 'Nouveau compte IMAP/SMTP' });
    await form.getByRole('button', { name: 'Enregistrer le compte' }).click();
    const table = page.getByRole('table', { name: 'Comptes de messagerie' });
    const row = table.getByRole('row').filter({ hasText: 'boite@client.example' });
    await row.waitFor();
    expect(await row.innerText()).toContain('Pas encore testé');
    await row.getByRole('button', { name: 'Désactiver boite@client.example' }).click();
    await expect.poll(() => row.innerText()).toContain('Désactivé');
    const accounts = await camille.get<{ items: { address: string; status: string }[] }>('/api/accounts');
    expect(accounts.body.items.find((a) => a.address === 'boite@client.example')?.status).toBe('deactivated');
    await saveScreenshot(page, 'settings-accounts');
  });

  it('shows a mailbox admin only the mailboxes they administer, without the organisation sections', async () => {
    const alex = await web.signedInPage('alex@acme.test', '/mailboxes/support');
    await alex.getByRole('banner').getByRole('link', { name: 'Paramètres' }).click();
    const table = alex.getByRole('table', { name: 'Boîtes' });
    await table.getByRole('rowheader').first().waitFor();
    expect(await table.getByRole('rowheader').allInnerTexts()).toEqual(['Alex Smith (alex)']);
    expect(await alex.getByRole('button', { name: 'Nouvelle boîte' }).count()).toBe(0);
    const nav = alex.getByRole('navigation', { name: 'Rubriques des paramètres' });
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(['Boîtes', 'Modèles et signatures', 'Boîte d’envoi']);
    await alex.close();
  });

  it('is neither linked nor usable for an agent', async () => {
    const julien = await web.signedInPage('julien@acme.test', '/settings');
    await julien.getByRole('alert').filter({ hasText: 'Seuls les administrateurs peuvent ouvrir les paramètres.' }).waitFor();
    expect(await julien.getByRole('banner').getByRole('link', { name: 'Paramètres' }).count()).toBe(0);
    await julien.close();
  });
});
