/**
 * Writing and sending in Chromium against the local stack, as Alex (dispatcher of Support): a new
 * message that reaches the SES emulator, a send undone within the undo window, a reply in a
 * conversation with its send status, addresses refused by the browser and by the API shown next
 * to their chip, a draft that survives a reload, and a send held by a disabled connector, seen
 * in the outbox and retried. Screenshots: composer.png, outbox.png (see support/screenshots.ts).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDocumentClient } from '../../shared/adapters/aws.js';
import { Table } from '../../shared/adapters/dynamodb-table.js';
import { saveOutboxSettings } from '../../shared/outbox/settings.js';
import { sendMail } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

/** Short undo window and retries, so the tests wait seconds, not minutes. */
const UNDO_SECONDS = 4;

let web: WebHarness;
let page: Page;

interface SesEmail {
  subject: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  body: { text?: string; html?: string };
}

async function sesEmails(): Promise<SesEmail[]> {
  const response = await fetch(`${web.stack.sesUrl}/store`);
  return ((await response.json()) as { emails: SesEmail[] }).emails;
}

async function sesEmail(subject: string): Promise<SesEmail | undefined> {
  return (await sesEmails()).find((e) => e.subject === subject);
}

async function shot(name: string): Promise<void> {
  await saveScreenshot(page, name);
}

function composer(title: string) {
  return page.getByRole('region', { name: title });
}

async function openNewMessage() {
  await page.getByRole('button', { name: 'Nouveau message' }).click();
  const panel = composer('Nouveau message');
  await panel.waitFor();
  return panel;
}

async function typeBody(panel: ReturnType<typeof composer>, text: string): Promise<void> {
  await panel.getByRole('textbox', { name: 'Message', exact: true }).click();
  await page.keyboard.type(text);
}

beforeAll(async () => {
  web = await startWebHarness({ stack: { outbox: { undoSeconds: UNDO_SECONDS, retryBaseMs: 500, retryMaxMs: 1_000, maxAttempts: 2 } } });
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
  // Closing a dirty composer and discarding a draft ask for confirmation: accept.
  page.on('dialog', (dialog) => void dialog.accept());
  // Alex's account is in English; the team works in French.
  await page.evaluate(() => localStorage.setItem('mailroom.language', 'fr'));
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Support' }).waitFor();
}, 60_000);

afterAll(async () => {
  await web?.close();
});

describe('the composer in Chromium', () => {
  it('composes a new message to a customer, with formatting, and it reaches SES after the undo window', async () => {
    const panel = await openNewMessage();
    expect(await panel.innerText()).toContain('Support <support@acme.test>');
    const to = panel.getByLabel('À', { exact: true });
    // Typed key by key, as a person does: names with spaces survive.
    await to.pressSequentially('Cliente Exemple <cliente@exemple.fr>');
    await to.press('Enter');
    await panel.getByRole('listitem').filter({ hasText: 'cliente@exemple.fr' }).waitFor();
    await panel.getByLabel('Objet').fill('Votre devis n° 77');
    await typeBody(panel, 'Bonjour Madame, ');
    const bold = panel.getByRole('button', { name: 'Gras' });
    await bold.click();
    await expect.poll(() => bold.getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.type('voici le devis');
    await panel.getByLabel('Importance').selectOption({ label: 'Haute' });
    await panel.getByLabel('Demander un accusé de lecture').check();
    await panel.getByText(/Brouillon enregistré à/).waitFor();
    await shot('composer');

    await panel.getByRole('button', { name: 'Envoyer' }).click();
    const toast = page.getByRole('status').filter({ hasText: /Envoi dans \d s/ });
    await toast.waitFor();
    // A new message opens its own conversation, assigned to its author.
    await page.getByRole('heading', { level: 2, name: 'Votre devis n° 77' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Message envoyé.' }).waitFor({ timeout: 20_000 });
    const email = await sesEmail('Votre devis n° 77');
    expect(email?.destination.to.join(' ')).toContain('cliente@exemple.fr');
    expect(email?.body.html).toContain('<b>voici le devis</b>');
    const article = page.getByRole('article').first();
    await expect.poll(() => article.innerText(), { timeout: 10_000 }).toMatch(/Envoi :\s*Envoyé/);
    expect(await article.innerText()).toContain('cliente@exemple.fr');
    await page.getByRole('status').getByRole('button', { name: 'Fermer' }).click();
  });

  it('undoes a send within the window: nothing reaches SES and the text comes back', async () => {
    await page.goto(`${web.url}/mailboxes/support`);
    const panel = await openNewMessage();
    await panel.getByLabel('À', { exact: true }).fill('erreur@exemple.fr,');
    await panel.getByLabel('Objet').fill('Envoyé par erreur');
    await typeBody(panel, 'Ce message ne doit pas partir.');
    await page.keyboard.press('Control+Enter');

    const toast = page.getByRole('status').filter({ hasText: /Envoi dans \d s/ });
    await toast.getByRole('button', { name: 'Annuler' }).click();
    await page.getByText('Non envoyé : le message a été annulé.').waitFor();
    const reopened = composer('Nouveau message');
    await reopened.waitFor();
    expect(await reopened.getByLabel('Objet').inputValue()).toBe('Envoyé par erreur');
    expect(await reopened.getByRole('textbox', { name: 'Message', exact: true }).innerText()).toContain('Ce message ne doit pas partir.');

    await new Promise((resolve) => setTimeout(resolve, (UNDO_SECONDS + 2) * 1000));
    expect(await sesEmail('Envoyé par erreur')).toBeUndefined();
    await reopened.getByRole('button', { name: 'Supprimer le brouillon' }).click();
    await reopened.waitFor({ state: 'detached' });
  });

  it('replies in a conversation; the reply shows in the thread with its send status', async () => {
    await sendMail(web.stack, {
      from: 'Paul Girard <paul@client.example>',
      to: 'support@acme.test',
      subject: 'Livraison en retard',
      text: 'Bonjour,\n\nMa commande n’est pas arrivée.\n\nPaul',
    });
    await web.stack.drain();
    await page.goto(`${web.url}/mailboxes/support`);
    await page.getByRole('link', { name: /Livraison en retard/ }).click();
    await page.getByRole('heading', { level: 2, name: 'Livraison en retard' }).waitFor();

    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('Shift+R');
    const panel = composer('Répondre');
    await panel.waitFor();
    await panel.getByRole('listitem').filter({ hasText: 'paul@client.example' }).waitFor();
    expect(await panel.getByLabel('Objet').inputValue()).toBe('Re: Livraison en retard');
    await page.keyboard.type('Bonjour Paul, elle part demain.');
    await page.keyboard.press('Control+Enter');
    await panel.waitFor({ state: 'detached' });

    // The body is in a sandboxed frame: find the reply by what the page itself shows.
    const reply = page.getByRole('article').filter({ hasText: 'support+mr-' }).last();
    expect(await page.frameLocator('article.message--outbound iframe').last().locator('body').innerText()).toContain('elle part demain');
    await expect.poll(() => reply.innerText(), { timeout: 5_000 }).toMatch(/Envoi :\s*(En file d’attente|Envoi en cours|Envoyé)/);
    await expect.poll(() => reply.innerText(), { timeout: 20_000 }).toMatch(/Envoi :\s*Envoyé/);
    await reply.scrollIntoViewIfNeeded();
    await shot('conversation-reply');
    const email = await sesEmail('Re: Livraison en retard');
    expect(email?.destination.to.join(' ')).toContain('paul@client.example');
  });

  it('says which address is wrong, next to its chip, whether the browser or the API refused it', async () => {
    await page.goto(`${web.url}/mailboxes/support`);
    const panel = await openNewMessage();
    const to = panel.getByLabel('À', { exact: true });
    await to.fill('pas-une-adresse');
    await to.press('Enter');
    const chip = panel.getByRole('listitem').filter({ hasText: 'pas-une-adresse' });
    expect(await chip.innerText()).toContain('« pas-une-adresse » n’est pas une adresse e-mail.');
    expect(await to.getAttribute('aria-invalid')).toBe('true');
    await chip.getByRole('button', { name: 'Retirer pas-une-adresse' }).click();

    // Looks like an address to the browser, but the API refuses it (two dots in a row).
    await to.fill('jean..martin@exemple.fr');
    await to.press('Tab');
    await panel.getByLabel('Objet').fill('Adresse à vérifier');
    await typeBody(panel, 'Texte gardé malgré l’erreur.');
    await panel.getByRole('button', { name: 'Envoyer' }).click();
    const refused = panel.getByRole('listitem').filter({ hasText: 'jean..martin@exemple.fr' });
    await expect.poll(() => refused.innerText()).toContain('Le serveur a refusé « jean..martin@exemple.fr »');
    await panel.getByText('Le message n’a pas été envoyé.').waitFor();

    // Nothing typed is lost: after a reload the draft comes back.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Support' }).waitFor();
    const again = await openNewMessage();
    expect(await again.getByLabel('Objet').inputValue()).toBe('Adresse à vérifier');
    expect(await again.getByRole('textbox', { name: 'Message', exact: true }).innerText()).toContain('Texte gardé malgré l’erreur.');
    await again.getByRole('button', { name: 'Supprimer le brouillon' }).click();
  });

  it('shows a send held by a disabled connector in the outbox, and retries it', async () => {
    const table = new Table(getDocumentClient(), web.stack.resources.tableName);
    await saveOutboxSettings(table, 'support', { connectorEnabled: false, undoSeconds: null });
    try {
      await page.goto(`${web.url}/mailboxes/support`);
      const panel = await openNewMessage();
      await panel.getByLabel('À', { exact: true }).fill('compta@exemple.fr');
      await panel.getByLabel('Objet').fill('Relance facture 4521');
      await typeBody(panel, 'Bonjour, pouvez-vous confirmer le paiement ?');
      await panel.getByRole('button', { name: 'Envoyer' }).click();
      await page.getByRole('status').filter({ hasText: 'Le message n’a pas pu être envoyé.' }).waitFor({ timeout: 20_000 });

      await page.getByRole('navigation', { name: 'Boîtes' }).getByRole('link', { name: 'Boîte d’envoi de Support' }).click();
      await page.getByRole('heading', { level: 1, name: 'Boîte d’envoi · Support' }).waitFor();
      const row = page.getByRole('row').filter({ hasText: 'Relance facture 4521' });
      await expect.poll(() => row.innerText()).toContain('Retenu : envoi coupé');
      await row.getByRole('button', { name: 'Détails' }).click();
      const detail = page.getByRole('region', { name: 'Relance facture 4521' });
      expect(await detail.innerText()).toContain('alex@acme.test');
      await shot('outbox');

      await saveOutboxSettings(table, 'support', { connectorEnabled: true, undoSeconds: null });
      await row.getByRole('button', { name: 'Réessayer' }).click();
      await row.getByText('Nouvel envoi en cours.').waitFor();
      await expect.poll(() => row.innerText(), { timeout: 20_000 }).toContain('Envoyé');
      expect(await sesEmail('Relance facture 4521')).toBeDefined();
      // Retry is offered only while it makes sense.
      expect(await row.getByRole('button', { name: 'Réessayer' }).count()).toBe(0);
    } finally {
      await saveOutboxSettings(table, 'support', { connectorEnabled: true, undoSeconds: null });
    }
  });

  it('lists the writing shortcuts in the help overlay', async () => {
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Raccourcis clavier' });
    await dialog.waitFor();
    const text = await dialog.innerText();
    for (const expected of ['Écrire un nouveau message', 'Répondre à la conversation ouverte', 'Maj+R', 'Ctrl+Entrée']) expect(text).toContain(expected);
    await page.keyboard.press('Escape');
  });
});
