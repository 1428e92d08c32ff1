/**
 * The address book in Chromium against the local stack: identifying a conversation's sender by
 * picking a contact from the autocomplete (keyboard only) or by creating the contact from the
 * sender, and contact suggestions in the composer's address fields next to free addresses.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import type { contactSchema } from '../../shared/api/routes-contacts.js';
import type { Contact } from '../../web/src/lib/contact-types.js';
import { api, sendMail, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;
let alex: ApiClient;
let helene = '';

interface Summary { conversationId: string; subject: string }
interface Links { contactId: string | null }

async function links(subject: string): Promise<Links> {
  const list = await alex.get<{ items: Summary[] }>('/api/mailboxes/support/conversations?limit=100');
  const found = list.body.items.find((c) => c.subject === subject);
  if (!found) throw new Error(`no conversation "${subject}"`);
  return (await alex.get<Links>(`/api/conversations/${found.conversationId}/links`)).body;
}

async function open(subject: string): Promise<void> {
  await page.goto(`${web.url}/mailboxes/support`);
  await page.getByRole('link', { name: new RegExp(subject) }).click();
  await page.getByRole('heading', { level: 2, name: subject }).waitFor();
}

beforeAll(async () => {
  web = await startWebHarness();
  await sendMail(web.stack, { from: 'H. Dupuis <h.dupuis@webmail.example>', to: 'support@acme.test', subject: 'Question sur mon contrat', text: 'Bonjour, une question.' });
  await sendMail(web.stack, { from: 'Marc Petit <marc.petit@client.example>', to: 'support@acme.test', subject: 'Demande de rappel', text: 'Rappelez-moi svp.' });
  await web.stack.drain();
  alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  const created = await alex.post<{ contactId: string }>('/api/contacts', { fullName: 'Hélène Dupuis', emails: ['helene.dupuis@assur.example'] });
  expect(created.status).toBe(201);
  helene = created.body.contactId;
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('contacts', () => {
  it('identifies the sender by picking a contact with the keyboard', async () => {
    await open('Question sur mon contrat');
    await page.getByText('Dossier et contact').click();
    await page.getByText('L’expéditeur n’est pas encore identifié.').waitFor();
    const field = page.getByRole('combobox', { name: 'Identifier comme contact' });
    // Accents and case do not matter.
    await field.pressSequentially('hele');
    const option = page.getByRole('listbox', { name: 'Contacts' }).getByRole('option', { name: /Hélène Dupuis/ });
    await option.waitFor();
    expect(await field.getAttribute('aria-expanded')).toBe('true');
    await field.press('ArrowDown');
    expect(await field.getAttribute('aria-activedescendant')).toBe(await option.getAttribute('id'));
    expect(await option.getAttribute('aria-selected')).toBe('true');
    await field.press('Enter');
    await page.getByText('Expéditeur identifié : Hélène Dupuis.').waitFor();
    await expect.poll(async () => (await links('Question sur mon contrat')).contactId).toBe(helene);
    await page.getByText('Hélène Dupuis · helene.dupuis@assur.example').waitFor();
    await saveScreenshot(page, 'conversation-links');
  });

  it('creates the contact from the sender', async () => {
    await open('Demande de rappel');
    await page.getByText('Dossier et contact').click();
    expect(await page.getByLabel('Nom du nouveau contact').inputValue()).toBe('Marc Petit');
    await page.getByRole('button', { name: 'Créer un contact pour marc.petit@client.example' }).click();
    await page.getByText('Contact Marc Petit créé depuis l’expéditeur.').waitFor();
    const linked = await links('Demande de rappel');
    expect(linked.contactId).not.toBeNull();
    const found = await alex.get<{ items: { contactId: string; email: string }[] }>('/api/contacts?q=marc');
    expect(found.body.items).toContainEqual(expect.objectContaining({ contactId: linked.contactId, email: 'marc.petit@client.example' }));
  });

  it('suggests contacts in the composer, and free addresses still work', async () => {
    await page.goto(`${web.url}/mailboxes/support`);
    await page.getByRole('button', { name: 'Nouveau message' }).click();
    const panel = page.getByRole('region', { name: 'Nouveau message' });
    await panel.waitFor();
    const to = panel.getByRole('combobox', { name: 'À', exact: true });
    const suggestions = panel.getByRole('listbox', { name: 'Contacts suggérés pour À' });

    await to.pressSequentially('petit');
    await suggestions.getByRole('option', { name: /Marc Petit/ }).waitFor();
    await to.press('ArrowDown');
    await to.press('Enter');
    await panel.locator('[data-address="marc.petit@client.example"]').waitFor();
    expect(await to.inputValue()).toBe('');
    expect(await suggestions.isHidden()).toBe(true);

    // Escape closes the suggestions only: the composer stays open with what was typed.
    await to.pressSequentially('hél');
    await suggestions.getByRole('option', { name: /Hélène Dupuis/ }).waitFor();
    await to.press('Escape');
    await expect.poll(() => suggestions.isHidden()).toBe(true);
    expect(await panel.isVisible()).toBe(true);
    await to.fill('');

    await to.pressSequentially('libre@exemple.fr');
    await to.press('Enter');
    await panel.locator('[data-address="libre@exemple.fr"]').waitFor();
    expect(await panel.locator('.chip').count()).toBe(2);
    expect(await panel.locator('.chip--invalid').count()).toBe(0);
  });
});

describe('the app\'s view of the contact API', () => {
  it('a contact as the app reads it is the API\'s schema (checked by the type-check)', () => {
    expectTypeOf<Contact>().toEqualTypeOf<z.output<typeof contactSchema>>();
  });
});
