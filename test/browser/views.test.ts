/**
 * The archived and snoozed views in Chromium against the local stack: a snoozed conversation is
 * found in the Snoozed view with its wake-up time and woken from there; an archived one is found
 * in the Archived view and unarchived (by its button, and by `e` in that view). The follow-up time
 * shows in the user's language, and an agent gets the mailbox's labels as suggestions.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;
let alex: ApiClient;

const SUBJECTS = { snooze: 'Livraison reportée', archive: 'Ancienne commande 1187', key: 'Facture déjà réglée', agent: 'Adresse de livraison' };
const FORMAT: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };

interface Summary { conversationId: string; subject: string; archived: boolean; snoozedUntil: string | null; followUpAt: string | null }

async function find(subject: string, query = ''): Promise<Summary | undefined> {
  const list = await alex.get<{ items: Summary[] }>(`/api/mailboxes/support/conversations?limit=100${query}`);
  expect(list.status).toBe(200);
  return list.body.items.find((c) => c.subject === subject);
}

async function detail(conversationId: string): Promise<Summary> {
  const reply = await alex.get<{ conversation: Summary }>(`/api/conversations/${conversationId}`);
  expect(reply.status).toBe(200);
  return reply.body.conversation;
}

/** The time as the app shows it, formatted by the page's own Intl. */
function shown(on: Page, locale: string, iso: string): Promise<string> {
  return on.evaluate(([l, at, options]) => new Intl.DateTimeFormat(l as string, options as Intl.DateTimeFormatOptions).format(new Date(at as string)), [locale, iso, FORMAT] as const);
}

async function chooseView(label: string): Promise<void> {
  await page.getByLabel('Filter by status').selectOption({ label });
}

beforeAll(async () => {
  web = await startWebHarness();
  for (const subject of Object.values(SUBJECTS)) {
    await sendMail(web.stack, { from: 'client@exemple.fr', to: 'support@acme.test', subject, text: `Bonjour, ${subject}.` });
  }
  await web.stack.drain();
  alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('snoozed view', () => {
  it('finds a snoozed conversation in the Snoozed view with its time, and wakes it up', async () => {
    await page.getByRole('link', { name: new RegExp(SUBJECTS.snooze) }).click();
    await page.getByRole('heading', { level: 2, name: SUBJECTS.snooze }).waitFor();
    expect(await page.getByRole('button', { name: 'Wake up now' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Snooze' }).click();
    await page.getByRole('group', { name: 'Snooze until' }).getByRole('button', { name: /Tomorrow morning/ }).click();
    await expect.poll(() => page.getByRole('link', { name: new RegExp(SUBJECTS.snooze) }).count()).toBe(0);

    await chooseView('Snoozed');
    await page.getByRole('heading', { level: 1, name: 'Snoozed conversations of Support' }).waitFor();
    expect(new URL(page.url()).search).toBe('?view=snoozed');
    await page.getByRole('link', { name: new RegExp(SUBJECTS.snooze) }).click();
    await page.getByRole('heading', { level: 2, name: SUBJECTS.snooze }).waitFor();
    const conversation = (await find(SUBJECTS.snooze, '&snoozed=true'))!;
    const { snoozedUntil } = await detail(conversation.conversationId);
    expect(new Date(snoozedUntil!).getTime()).toBeGreaterThan(Date.now());
    const schedule = page.getByRole('list', { name: 'Snooze and reminder' });
    await schedule.getByText(`Snoozed until ${await shown(page, 'en', snoozedUntil!)}`).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel the reminder' }).count()).toBe(0);
    await saveScreenshot(page, 'views-snoozed');

    await schedule.getByRole('button', { name: 'Wake up now' }).click();
    await page.getByRole('status').filter({ hasText: 'The conversation is back in the lists.' }).waitFor();
    await expect.poll(() => page.getByRole('list', { name: 'Snooze and reminder' }).count()).toBe(0);
    // Off the shelf: the view's list lets it go, the default list has it again.
    await expect.poll(() => page.locator('.list-pane').getByRole('link', { name: new RegExp(SUBJECTS.snooze) }).count()).toBe(0);
    expect((await find(SUBJECTS.snooze))?.conversationId).toBe(conversation.conversationId);
  });

  it('shows the follow-up time with the way to cancel it, only while one is set', async () => {
    await page.getByRole('button', { name: 'Follow-up' }).click();
    await page.getByRole('group', { name: 'Remind me, unless the customer writes first' }).getByRole('button', { name: /Next week/ }).click();
    const conversation = (await find(SUBJECTS.snooze))!;
    await expect.poll(async () => (await detail(conversation.conversationId)).followUpAt).not.toBeNull();
    const { followUpAt } = await detail(conversation.conversationId);
    const schedule = page.getByRole('list', { name: 'Snooze and reminder' });
    await schedule.getByText(`Follow-up reminder ${await shown(page, 'en', followUpAt!)}`).waitFor();
    expect(await page.getByRole('button', { name: 'Wake up now' }).count()).toBe(0);

    await schedule.getByRole('button', { name: 'Cancel the reminder' }).click();
    await page.getByRole('status').filter({ hasText: 'Reminder cancelled.' }).waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Cancel the reminder' }).count()).toBe(0);
    expect((await detail(conversation.conversationId)).followUpAt).toBeNull();
  });
});

describe('archived view', () => {
  it('finds an archived conversation in the Archived view and unarchives it', async () => {
    await page.goto(`${web.url}/mailboxes/support`);
    await page.getByRole('link', { name: new RegExp(SUBJECTS.archive) }).click();
    await page.getByRole('heading', { level: 2, name: SUBJECTS.archive }).waitFor();
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await expect.poll(() => page.getByRole('link', { name: new RegExp(SUBJECTS.archive) }).count()).toBe(0);

    await chooseView('Archived');
    await page.getByRole('heading', { level: 1, name: 'Archived conversations of Support' }).waitFor();
    await page.getByRole('link', { name: new RegExp(SUBJECTS.archive) }).click();
    await page.getByRole('heading', { level: 2, name: SUBJECTS.archive }).waitFor();
    await saveScreenshot(page, 'views-archived');
    await page.getByRole('button', { name: 'Unarchive', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'The conversation is back in the lists.' }).waitFor();
    await page.getByRole('button', { name: 'Archive', exact: true }).waitFor();
    await expect.poll(() => page.locator('.list-pane').getByRole('link', { name: new RegExp(SUBJECTS.archive) }).count()).toBe(0);
    expect((await find(SUBJECTS.archive))?.archived).toBe(false);

    await page.getByRole('link', { name: 'Back to the conversations of Support' }).click();
    await page.getByRole('heading', { level: 1, name: 'Support' }).waitFor();
    await page.getByRole('link', { name: new RegExp(SUBJECTS.archive) }).waitFor();
  });

  it('unarchives with `e` in the Archived view', async () => {
    const conversation = (await find(SUBJECTS.key))!;
    expect((await alex.post(`/api/conversations/${conversation.conversationId}/archive`, {})).status).toBe(200);
    await page.goto(`${web.url}/mailboxes/support?view=archived`);
    await page.getByRole('link', { name: new RegExp(SUBJECTS.key) }).waitFor();
    await page.keyboard.press('j');
    await page.keyboard.press('e');
    await expect.poll(async () => (await find(SUBJECTS.key))?.archived).toBe(false);
    await expect.poll(() => page.getByRole('link', { name: new RegExp(SUBJECTS.key) }).count()).toBe(0);
    await page.getByText('No archived conversation.').waitFor();
  });
});

describe('for an agent', () => {
  it("suggests the mailbox's labels and shows a reminder time in French", async () => {
    const conversation = (await find(SUBJECTS.agent))!;
    const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
    expect((await alex.post(`/api/conversations/${conversation.conversationId}/assign`, { assignee: 'julien@acme.test' })).status).toBe(200);
    const julien = api(web.stack, await web.stack.signIn('julien@acme.test'));
    expect((await julien.post(`/api/conversations/${conversation.conversationId}/follow-up`, { at })).status).toBe(200);

    const agent = await web.signedInPage('julien@acme.test', `/mailboxes/support/conversations/${conversation.conversationId}`);
    await agent.getByRole('heading', { level: 2, name: SUBJECTS.agent }).waitFor();
    const { followUpAt } = await detail(conversation.conversationId);
    await agent.getByRole('list', { name: 'Attente et rappel' }).getByText(`Rappel de suivi le ${await shown(agent, 'fr', followUpAt!)}`).waitFor();

    await agent.getByRole('button', { name: 'Étiquettes', exact: true }).click();
    const input = agent.getByRole('group', { name: 'Étiquettes de cette conversation' }).getByLabel('Ajouter une étiquette');
    await expect.poll(() => input.getAttribute('list')).toBe(`labels-${conversation.conversationId}-options`);
    const options = await agent.locator(`#labels-${conversation.conversationId}-options option`).evaluateAll((nodes) => nodes.map((n) => (n as HTMLOptionElement).value));
    expect(options).toEqual(['facturation', 'urgent']);
    await agent.close();
  });
});
