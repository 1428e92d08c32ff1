/**
 * Cases in Chromium against the local stack: a received mail converted to a case from the
 * conversation, the case opened from the conversation's links, a communication marked processed
 * and attached to a task, a task added and done, documents downloaded through short-lived links,
 * the list of cases in the navigation, and a conversation linked to a case by its reference.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import type { caseSchema } from '../../shared/api/routes-cases.js';
import type { CaseSummary } from '../../web/src/lib/cases.js';
import { api, sendMail, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;
let alex: ApiClient;

interface Summary { conversationId: string; subject: string }
interface Communication { messageKey: string; processed: boolean; taskId: string | null }
interface Task { taskId: string; title: string; done: boolean }

const SUBJECT = 'Sinistre dégât des eaux';
const QUOTE = Buffer.from('%PDF-1.4 devis plombier');

async function find(subject: string): Promise<Summary> {
  const list = await alex.get<{ items: Summary[] }>('/api/mailboxes/support/conversations?limit=100');
  const found = list.body.items.find((c) => c.subject === subject);
  if (!found) throw new Error(`no conversation "${subject}"`);
  return found;
}

async function open(subject: string): Promise<void> {
  await page.goto(`${web.url}/mailboxes/support`);
  await page.getByRole('link', { name: new RegExp(subject) }).click();
  await page.getByRole('heading', { level: 2, name: subject }).waitFor();
}

function caseIdInUrl(): string {
  const match = /\/cases\/([^/?#]+)/.exec(page.url());
  if (!match) throw new Error(`not on a case: ${page.url()}`);
  return decodeURIComponent(match[1]!);
}

beforeAll(async () => {
  web = await startWebHarness();
  await sendMail(web.stack, {
    from: 'Léa Martin <lea.martin@exemple.fr>', to: 'support@acme.test', subject: SUBJECT,
    text: 'Bonjour, voici le devis du plombier pour le dégât des eaux.',
    attachments: [{ filename: 'devis-plombier.pdf', content: QUOTE, contentType: 'application/pdf' }],
  });
  await sendMail(web.stack, { from: 'lea.martin@exemple.fr', to: 'support@acme.test', subject: 'Photos du plafond', text: 'Les photos suivent.' });
  await web.stack.drain();
  alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('cases', () => {
  let reference = '';

  it('converts a received mail to a case and opens it from the conversation', async () => {
    await open(SUBJECT);
    await page.getByText('Plus d’actions').click();
    await page.getByRole('button', { name: 'Convertir en dossier' }).click();
    const created = await page.getByText(/Dossier C-\d{4}-\d{4,} créé\./).innerText();
    reference = /C-\d{4}-\d{4,}/.exec(created)![0];

    await page.getByText('Dossier et contact').click();
    const link = page.getByRole('link', { name: `Dossier ${reference} : ${SUBJECT}` });
    await link.click();
    await page.waitForURL(/\/cases\/[^/]+$/);
    await page.getByRole('heading', { level: 1, name: new RegExp(`${reference}.*${SUBJECT}`) }).waitFor();
    const communications = page.getByRole('table', { name: `Communications du dossier ${reference}` });
    await communications.getByRole('rowheader', { name: SUBJECT }).waitFor();
    expect(await communications.innerText()).toContain('lea.martin@exemple.fr');
  });

  it('marks a communication processed', async () => {
    const caseId = caseIdInUrl();
    const processed = page.getByRole('checkbox', { name: `Traitée : ${SUBJECT}` });
    expect(await processed.isChecked()).toBe(false);
    await processed.check();
    await expect.poll(async () => (await alex.get<{ items: Communication[] }>(`/api/cases/${caseId}/communications`)).body.items[0]?.processed).toBe(true);
    await expect.poll(() => processed.isChecked()).toBe(true);
  });

  it('adds a task, attaches the communication to it and marks it done', async () => {
    const caseId = caseIdInUrl();
    // An empty title is refused in plain words, next to the field.
    await page.getByRole('button', { name: 'Ajouter la tâche' }).click();
    await page.getByText('Donnez un titre à la tâche.').waitFor();
    await page.getByLabel('Nouvelle tâche').fill('Rappeler l’assurée');
    await page.getByRole('button', { name: 'Ajouter la tâche' }).click();
    await page.getByText('Tâche « Rappeler l’assurée » ajoutée.').waitFor();
    const tasks = async () => (await alex.get<{ items: Task[] }>(`/api/cases/${caseId}/tasks`)).body.items;
    expect((await tasks()).map((t) => t.title)).toEqual(['Rappeler l’assurée']);

    await page.getByLabel(`Tâche pour : ${SUBJECT}`).selectOption({ label: 'Rappeler l’assurée' });
    const taskId = (await tasks())[0]!.taskId;
    await expect.poll(async () => (await alex.get<{ items: Communication[] }>(`/api/cases/${caseId}/communications`)).body.items[0]?.taskId).toBe(taskId);

    await page.getByRole('checkbox', { name: /Rappeler l’assurée/ }).check();
    await expect.poll(async () => (await tasks())[0]?.done).toBe(true);
  });

  it('adds a communication to the documents and downloads one through a short-lived link', async () => {
    const documents = page.getByRole('region', { name: 'Documents' });
    await documents.getByText('Aucun document pour l’instant.').waitFor();
    await page.getByRole('button', { name: `Ajouter « ${SUBJECT} » et ses pièces jointes aux documents` }).click();
    await page.getByText('Ajouté aux documents.').waitFor();
    await documents.getByRole('button', { name: 'Télécharger devis-plombier.pdf' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      documents.getByRole('button', { name: 'Télécharger devis-plombier.pdf' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('devis-plombier.pdf');
    expect(readFileSync(await download.path())).toEqual(QUOTE);

    const [eml] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `Télécharger le message « ${SUBJECT} » (.eml)` }).click(),
    ]);
    expect(readFileSync(await eml.path(), 'utf8')).toContain('lea.martin@exemple.fr');
    await saveScreenshot(page, 'case');
  });

  it('exports the case as a file of links', async () => {
    const [exported] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Exporter le dossier' }).click(),
    ]);
    expect(exported.suggestedFilename()).toBe(`${reference}.json`);
    const body = JSON.parse(readFileSync(await exported.path(), 'utf8')) as { case: { reference: string }; documents: { filename: string; download: { url: string } }[] };
    expect(body.case.reference).toBe(reference);
    expect(body.documents.map((d) => d.filename)).toContain('devis-plombier.pdf');
  });

  it('lists the cases from the navigation', async () => {
    await page.getByRole('link', { name: 'Dossiers de l’organisation' }).click();
    await page.waitForURL(/\/cases$/);
    const table = page.getByRole('table', { name: 'Les dossiers de l’organisation' });
    await table.getByRole('link', { name: reference }).waitFor();
    expect(await table.getByRole('rowheader', { name: SUBJECT }).count()).toBe(1);
    await table.getByRole('link', { name: reference }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(reference) }).waitFor();
  });

  it('links another conversation to the case by its reference, and says when no case has it', async () => {
    await open('Photos du plafond');
    await page.getByText('Dossier et contact').click();
    const field = page.getByLabel('Référence du dossier');
    await field.fill('C-2020-9999');
    await page.getByRole('button', { name: 'Lier à ce dossier' }).click();
    await page.getByText('Aucun dossier ne porte cette référence dans votre organisation.').waitFor();
    await field.fill('pas une référence');
    await page.getByRole('button', { name: 'Lier à ce dossier' }).click();
    await page.getByText('Une référence de dossier ressemble à C-2026-0042.').waitFor();

    await field.fill(reference.toLowerCase());
    await page.getByRole('button', { name: 'Lier à ce dossier' }).click();
    await page.getByText(`Liée au dossier ${reference}.`).waitFor();
    await page.getByRole('link', { name: `Dossier ${reference} : ${SUBJECT}` }).waitFor();
    // The case stays in view next to the closed panel.
    await page.getByText('Dossier et contact').click();
    await page.getByRole('link', { name: `Dossier ${reference}`, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(reference) }).waitFor();
    const conversation = await find('Photos du plafond');
    const links = await alex.get<{ case: { reference: string } | null }>(`/api/conversations/${conversation.conversationId}/links`);
    expect(links.body.case?.reference).toBe(reference);
  });
});

describe('a case that is not there', () => {
  it('says so in plain words', async () => {
    await page.goto(`${web.url}/cases/inconnu`);
    await page.getByText('Ce dossier n’existe pas, ou il appartient à une autre organisation.').waitFor();
    expect(await page.getByRole('button', { name: 'Réessayer' }).count()).toBe(0);
  });
});

describe('the app\'s view of the case API', () => {
  it('a case as the app reads it is the API\'s schema (checked by the type-check)', () => {
    expectTypeOf<CaseSummary>().toEqualTypeOf<z.output<typeof caseSchema>>();
  });
});
