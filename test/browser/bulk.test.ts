/**
 * Bulk actions in Chromium against the local stack: tick conversations (click, Shift+click, `x`),
 * act on all of them with a progress and a per-conversation result, a conversation changed
 * meanwhile by someone else is refused and stays ticked, and the `t`, `e` and `l` shortcuts act on
 * the conversation under the cursor when nothing is ticked.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;
let alex: ApiClient;

const SUBJECTS = ['Commande 501 en retard', 'Commande 502 incomplète', 'Commande 503 annulée', 'Commande 504 à livrer'];

interface Summary { conversationId: string; subject: string; assignee: string | null; labels: string[]; version: number }

async function conversations(): Promise<Summary[]> {
  const list = await alex.get<{ items: Summary[] }>('/api/mailboxes/support/conversations?limit=100');
  return list.body.items;
}

async function bySubject(subject: string): Promise<Summary> {
  const found = (await conversations()).find((c) => c.subject === subject);
  if (!found) throw new Error(`no conversation "${subject}"`);
  return found;
}

function row(subject: string) {
  return page.getByRole('listitem').filter({ hasText: subject });
}

beforeAll(async () => {
  web = await startWebHarness();
  for (const [index, subject] of SUBJECTS.entries()) {
    await sendMail(web.stack, { from: `client${index}@exemple.fr`, to: 'support@acme.test', subject, text: `Bonjour, ${subject.toLowerCase()}.` });
  }
  await web.stack.drain();
  alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  // Alex's account says English; this team works in French.
  await web.chromium.context.addInitScript(() => localStorage.setItem('mailroom.language', 'fr'));
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
  await page.getByRole('list', { name: 'Conversations de Support' }).waitFor();
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('bulk actions', () => {
  it('offers a checkbox on every row and one to tick all shown', async () => {
    await expect.poll(() => page.getByRole('list', { name: 'Conversations de Support' }).getByRole('checkbox').count()).toBe(SUBJECTS.length);
    await page.getByRole('checkbox', { name: 'Tout cocher' }).check();
    await page.getByRole('toolbar', { name: `${SUBJECTS.length} conversations cochées` }).waitFor();
    await page.getByRole('button', { name: 'Tout décocher' }).click();
    expect(await page.locator('.bulk').count()).toBe(0);
  });

  it('assigns the ticked conversations, reports one changed meanwhile and keeps it ticked', async () => {
    // Prepare: tick 501, then Shift+click 503 (501..503); meanwhile 502 is assigned elsewhere.
    await page.getByRole('checkbox', { name: `Cocher « ${SUBJECTS[0]} »` }).click();
    await page.getByRole('checkbox', { name: `Cocher « ${SUBJECTS[2]} »` }).click({ modifiers: ['Shift'] });
    await page.getByRole('toolbar', { name: '3 conversations cochées' }).waitFor();
    const meanwhile = await bySubject(SUBJECTS[1]!);
    expect((await alex.post(`/api/conversations/${meanwhile.conversationId}/assign`, { assignee: 'julien@acme.test' })).status).toBe(200);
    // Act
    await page.getByRole('region', { name: 'Actions sur les conversations cochées' }).getByRole('button', { name: 'M’attribuer' }).click();
    // Assess
    await page.getByText('2 modifiées, 1 non : elles restent cochées.').waitFor();
    await page.getByRole('toolbar', { name: '1 conversation cochée' }).waitFor();
    expect(await page.locator('.bulk__failures').innerText()).toContain(SUBJECTS[1]!);
    expect(await page.locator('.bulk__failures').innerText()).toContain('quelqu’un l’a modifiée entre-temps');
    expect((await bySubject(SUBJECTS[0]!)).assignee).toBe('alex@acme.test');
    expect((await bySubject(SUBJECTS[2]!)).assignee).toBe('alex@acme.test');
    expect((await bySubject(SUBJECTS[1]!)).assignee).toBe('julien@acme.test');
    await saveScreenshot(page, 'bulk-actions');
  });

  it('archives what is ticked with `e`: it leaves the list', async () => {
    // Prepare: the refreshed 502 is still ticked from the previous test.
    await expect.poll(() => page.getByRole('checkbox', { name: `Cocher « ${SUBJECTS[1]} »` }).isChecked()).toBe(true);
    // Act
    await page.locator('body').press('e');
    // Assess
    await expect.poll(() => row(SUBJECTS[1]!).count()).toBe(0);
    expect((await conversations()).map((c) => c.subject)).not.toContain(SUBJECTS[1]);
    expect(await page.locator('.bulk').count()).toBe(0);
  });

  it('labels the conversation under the cursor with `l`, and ticks with `x`', async () => {
    // Prepare: the cursor on the first row (504, newest).
    await page.locator('body').press('j');
    await expect.poll(() => row(SUBJECTS[3]!).getAttribute('class')).toContain('row--selected');
    // Act
    await page.locator('body').press('l');
    await page.getByPlaceholder('Étiquette').fill('urgent');
    await page.getByPlaceholder('Étiquette').press('Enter');
    // Assess
    await expect.poll(async () => (await bySubject(SUBJECTS[3]!)).labels).toEqual(['urgent']);
    await expect.poll(() => row(SUBJECTS[3]!).innerText()).toContain('urgent');
    await page.getByRole('list', { name: 'Conversations de Support' }).getByRole('link').first().focus();
    await page.keyboard.press('x');
    await expect.poll(() => page.getByRole('checkbox', { name: `Cocher « ${SUBJECTS[3]} »` }).isChecked()).toBe(true);
  });

  it('assigns the conversation under the cursor with `t` when nothing is ticked', async () => {
    // Prepare
    await page.getByRole('button', { name: 'Tout décocher' }).click();
    const before = await bySubject(SUBJECTS[3]!);
    expect(before.assignee).toBeNull();
    // Act
    await page.keyboard.press('t');
    // Assess
    await expect.poll(async () => (await bySubject(SUBJECTS[3]!)).assignee).toBe('alex@acme.test');
    await expect.poll(() => row(SUBJECTS[3]!).innerText()).toContain('Attribuée à vous');
  });
});
