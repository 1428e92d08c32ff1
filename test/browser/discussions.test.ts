/**
 * The conversation's daily actions in Chromium against the local stack: internal notes with an
 * @mention picked from the suggestions, the mentioned member's bell (in a browser of their own)
 * leading to the note; snooze and wake up, a follow-up reminder, labels, archive. The time
 * helpers behind the snooze presets and the mention helpers are checked as plain functions too.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeMention, insertMention, matchMembers, mentionHandle, pickedMentions, splitMentions } from '../../web/src/lib/mentions.js';
import { checkScheduleInput, presetTime } from '../../web/src/lib/schedule-times.js';
import { interleaveNotes } from '../../web/src/lib/timeline.js';
import { api, sendMail, type ApiClient } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { launchChromium, type Chromium } from './support/chromium.js';
import { saveScreenshot } from './support/screenshots.js';

let web: WebHarness;
let page: Page;
let alex: ApiClient;
let julienBrowser: Chromium | undefined;
let julien: Page;

const SUBJECTS = { notes: 'Colis arrivé ouvert', snooze: 'Remboursement en attente', labels: 'Question sur la facture 2291' };

interface Summary { conversationId: string; subject: string; labels: string[]; archived: boolean }

async function find(subject: string, query = ''): Promise<Summary | undefined> {
  const list = await alex.get<{ items: Summary[] }>(`/api/mailboxes/support/conversations?limit=100${query}`);
  expect(list.status).toBe(200);
  return list.body.items.find((c) => c.subject === subject);
}

async function open(subject: string): Promise<void> {
  await page.goto(`${web.url}/mailboxes/support`);
  await page.getByRole('link', { name: new RegExp(subject) }).click();
  await page.getByRole('heading', { level: 2, name: subject }).waitFor();
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
  await julienBrowser?.close();
  await web?.close();
});

describe('mention and schedule helpers', () => {
  const members = [
    { email: 'julien@acme.test', name: 'Julien Bernard' },
    { email: 'julie@acme.test', name: 'Julie Roux' },
    { email: 'alex@acme.test', name: 'Alex Smith' },
    { email: 'celine@acme.test', name: 'Céline Morel' },
  ];

  it('finds the mention being typed, suggests members and inserts an unambiguous handle', () => {
    expect(activeMention('Hello @jul', 10)).toEqual({ start: 6, query: 'jul' });
    expect(activeMention('mail alex@acme.test', 19)).toBeNull();
    expect(matchMembers(members, 'jul', 'alex@acme.test').map((m) => m.email)).toEqual(['julien@acme.test', 'julie@acme.test']);
    expect(matchMembers(members, 'cel', 'alex@acme.test').map((m) => m.email)).toEqual(['celine@acme.test']);
    expect(matchMembers(members, '', 'alex@acme.test')).toHaveLength(3);
    expect(mentionHandle(members[0]!, members)).toBe('Julien');
    // A second Julien: the first name names nobody, the full name does.
    expect(mentionHandle({ email: 'jb@acme.test', name: 'Julien Blanc' }, [...members, { email: 'jb@acme.test', name: 'Julien Blanc' }])).toBe('JulienBlanc');
    expect(insertMention('Hello @jul and', 6, 10, 'Julien')).toEqual({ text: 'Hello @Julien and', caret: 14 });
    const picked = new Map([['Julien', 'julien@acme.test'], ['Céline', 'celine@acme.test']]);
    expect(pickedMentions('Ask @julien, thanks', picked)).toEqual(['julien@acme.test']);
    expect(splitMentions('Ask @Julien.').map((p) => p.mention)).toEqual([false, true, false]);
  });

  it('places each note before the first message received after it', () => {
    const message = (key: string, receivedAt: string) => ({ messageKey: key, receivedAt });
    const note = (noteId: string, createdAt: string) => ({ noteId, createdAt });
    const timeline = interleaveNotes(
      [message('m1', '2026-11-20T09:00:00Z'), message('m2', '2026-11-20T11:00:00Z')],
      [note('late', '2026-11-20T12:00:00Z'), note('between', '2026-11-20T10:00:00Z')],
    );
    expect(timeline.map((e) => (e.kind === 'note' ? e.note.noteId : e.message.messageKey))).toEqual(['m1', 'between', 'm2', 'late']);
  });

  it('computes the presets in local time and checks a chosen time', () => {
    const monday = new Date(2026, 10, 23, 10, 20);
    expect(presetTime('laterToday', monday)).toEqual(new Date(2026, 10, 23, 14, 0));
    expect(presetTime('laterToday', new Date(2026, 10, 23, 20, 0))).toEqual(new Date(2026, 10, 24, 8, 0));
    expect(presetTime('tomorrowMorning', monday)).toEqual(new Date(2026, 10, 24, 8, 0));
    expect(presetTime('nextWeek', monday)).toEqual(new Date(2026, 10, 30, 8, 0));
    expect(presetTime('nextWeek', new Date(2026, 10, 29, 9, 0))).toEqual(new Date(2026, 10, 30, 8, 0));
    expect(checkScheduleInput('', monday)).toEqual({ ok: false, reason: 'empty' });
    expect(checkScheduleInput('2026-11-23T09:00', monday)).toEqual({ ok: false, reason: 'past' });
    expect(checkScheduleInput('2028-01-01T09:00', monday)).toEqual({ ok: false, reason: 'tooFar' });
    expect(checkScheduleInput('2026-02-31T09:00', monday)).toEqual({ ok: false, reason: 'invalid' });
    expect(checkScheduleInput('2026-12-01T09:30', monday)).toEqual({ ok: true, at: new Date(2026, 11, 1, 9, 30) });
  });
});

describe('internal notes and notifications', () => {
  it('adds a note mentioning a member picked from the suggestions', async () => {
    const conversation = (await find(SUBJECTS.notes))!;
    // Julien is an agent: he sees the conversations assigned to him.
    expect((await alex.post(`/api/conversations/${conversation.conversationId}/assign`, { assignee: 'julien@acme.test' })).status).toBe(200);
    await open(SUBJECTS.notes);

    const box = page.getByRole('textbox', { name: 'Add an internal note' });
    await box.click();
    await box.pressSequentially('Could you call the customer back? @jul');
    const option = page.getByRole('option', { name: /Julien Bernard/ });
    await option.waitFor();
    await page.keyboard.press('Enter');
    await expect.poll(() => box.inputValue()).toBe('Could you call the customer back? @Julien ');
    await box.pressSequentially('thanks');
    await page.getByRole('button', { name: 'Add note' }).click();

    const note = page.getByRole('article', { name: 'Internal note by You' });
    await note.waitFor();
    expect(await note.textContent()).toContain('Could you call the customer back? @Julien thanks');
    await note.getByText('Mentioned: Julien Bernard').waitFor();
    expect(await page.getByRole('list', { name: 'Messages and internal notes' }).count()).toBe(1);
    expect(await box.inputValue()).toBe('');
    // The screenshot shows the note among the messages and the suggestions of a new mention.
    await box.pressSequentially('@');
    await page.getByRole('listbox', { name: 'Members to mention' }).getByRole('option').first().waitFor();
    await note.evaluate((element) => element.scrollIntoView({ block: 'start' }));
    await page.mouse.move(0, 0);
    await saveScreenshot(page, 'discussions');
    await box.press('Escape');
    expect(await page.getByRole('listbox', { name: 'Members to mention' }).isVisible()).toBe(false);
    await box.fill('');

    const notes = await alex.get<{ items: { body: string; mentions: string[] }[] }>(`/api/conversations/${conversation.conversationId}/notes`);
    expect(notes.body.items).toEqual([expect.objectContaining({ body: 'Could you call the customer back? @Julien thanks', mentions: ['julien@acme.test'] })]);
  });

  it('refuses an empty note next to the field', async () => {
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByRole('alert').filter({ hasText: 'Write the note first.' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Add an internal note' }).getAttribute('aria-invalid')).toBe('true');
  });

  it('shows the mentioned member the bell count; the notification opens the conversation and its note', async () => {
    await web.stack.drain();
    const julienToken = await web.stack.signIn('julien@acme.test');
    julienBrowser = await launchChromium();
    julien = await julienBrowser.context.newPage();
    julien.setDefaultTimeout(10_000);
    await julien.addInitScript(([session]) => {
      if (sessionStorage.getItem('mailroom.session') === null) sessionStorage.setItem('mailroom.session', session!);
    }, [JSON.stringify({ token: julienToken, email: 'julien@acme.test', expiresAt: null, provider: 'local' })]);
    await julien.goto(`${web.url}/mailboxes/support`);

    // Julien's account is in French: the assignment and the mention, both unread.
    const bell = julien.getByRole('button', { name: 'Notifications, 2 non lues' });
    await bell.waitFor();
    await bell.click();
    expect(await bell.getAttribute('aria-expanded')).toBe('true');
    const panel = julien.getByRole('region', { name: 'Notifications' });
    await panel.getByRole('link', { name: /Alex Smith vous a attribué « Colis arrivé ouvert »/ }).waitFor();
    await saveScreenshot(julien, 'notifications');
    await panel.getByRole('link', { name: /Alex Smith vous a mentionné·e dans « Colis arrivé ouvert »/ }).click();

    await julien.getByRole('heading', { level: 2, name: SUBJECTS.notes }).waitFor();
    const conversation = (await find(SUBJECTS.notes))!;
    expect(new URL(julien.url()).pathname).toBe(`/mailboxes/support/conversations/${conversation.conversationId}`);
    const note = julien.getByRole('article', { name: 'Note interne de Alex Smith' });
    await note.waitFor();
    expect(await note.textContent()).toContain('@Julien thanks');
    expect(await panel.isVisible()).toBe(false);
    await julien.getByRole('button', { name: 'Notifications, 1 non lue' }).waitFor();

    const julienApi = api(web.stack, julienToken);
    const notifications = await julienApi.get<{ items: { kind: string; readAt: string | null }[] }>('/api/me/notifications');
    expect(notifications.body.items.find((n) => n.kind === 'mention')?.readAt).toEqual(expect.any(String));
    expect(notifications.body.items.find((n) => n.kind === 'assigned')?.readAt).toBeNull();
  });
  it('words delivery receipts, and kinds it does not know in a plain sentence', async () => {
    const base = { conversationId: 'c1', mailboxId: 'support', noteId: null, at: '2026-11-20T09:00:00.000Z', readAt: null };
    await julien.route('**/api/me/notifications?*', (route) => route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({
        items: [
          { ...base, notificationId: 'n1', kind: 'delivered', subject: 'Devis 2291', by: 'julien@acme.test', message: 'client@exemple.fr' },
          { ...base, notificationId: 'n2', kind: 'sla_warning', subject: 'Panne imprimante', by: '', message: null },
        ],
        nextCursor: null,
      }),
    }));
    await julien.goto(`${web.url}/mailboxes/support`);
    await julien.getByRole('link', { name: new RegExp(SUBJECTS.notes) }).waitFor();
    const bell = julien.getByRole('button', { name: 'Notifications, 2 non lues' });
    await bell.click();
    const panel = julien.getByRole('region', { name: 'Notifications' });
    const delivered = panel.getByRole('link', { name: /Votre message dans « Devis 2291 » a été distribué/ });
    expect(await delivered.innerText()).toContain('Distribué à client@exemple.fr');
    await panel.getByRole('link', { name: /Du nouveau dans « Panne imprimante »/ }).waitFor();
    await julien.keyboard.press('Escape');
    expect(await panel.isVisible()).toBe(false);
    await expect.poll(() => julien.evaluate(() => document.activeElement?.getAttribute('aria-controls'))).toBe('notifications-panel');
    await julien.unroute('**/api/me/notifications?*');
  });
});

describe('snooze, follow-up, labels, archive', () => {
  it('snoozes a conversation: it leaves the open list and is among the snoozed ones; waking it brings it back', async () => {
    await open(SUBJECTS.snooze);
    const conversation = (await find(SUBJECTS.snooze))!;
    await page.getByRole('button', { name: 'Snooze' }).click();
    const group = page.getByRole('group', { name: 'Snooze until' });
    await group.getByRole('button', { name: /Tomorrow morning/ }).click();
    await expect.poll(() => page.getByRole('link', { name: new RegExp(SUBJECTS.snooze) }).count()).toBe(0);
    expect(await find(SUBJECTS.snooze)).toBeUndefined();
    expect((await find(SUBJECTS.snooze, '&snoozed=true'))?.conversationId).toBe(conversation.conversationId);

    await page.goto(`${web.url}/mailboxes/support/conversations/${conversation.conversationId}`);
    await page.getByRole('heading', { level: 2, name: SUBJECTS.snooze }).waitFor();
    await page.getByRole('button', { name: 'Snooze' }).click();
    await page.getByRole('button', { name: 'Wake up now' }).click();
    await page.getByRole('status').filter({ hasText: 'The conversation is back in the lists.' }).waitFor();
    expect((await find(SUBJECTS.snooze))?.conversationId).toBe(conversation.conversationId);
    expect(await find(SUBJECTS.snooze, '&snoozed=true')).toBeUndefined();
  });

  it('sets a follow-up reminder after refusing a past time next to the field, then cancels it', async () => {
    const conversation = (await find(SUBJECTS.snooze))!;
    await page.getByRole('button', { name: 'Follow-up' }).click();
    const group = page.getByRole('group', { name: 'Remind me, unless the customer writes first' });
    await group.getByLabel('Date and time').fill('2020-01-01T09:00');
    await group.getByRole('button', { name: 'Remind me then' }).click();
    await group.getByRole('alert').filter({ hasText: 'Choose a time in the future.' }).waitFor();
    await group.getByRole('button', { name: /Next week/ }).click();
    await page.getByRole('status').filter({ hasText: /You will be reminded on .+, unless the customer writes first\./ }).waitFor();
    const history = await alex.get<{ items: { kind: string }[] }>(`/api/conversations/${conversation.conversationId}/history?limit=100`);
    expect(history.body.items.map((e) => e.kind)).toContain('follow_up_set');

    await page.getByRole('button', { name: 'Follow-up' }).click();
    await page.getByRole('button', { name: 'Cancel the reminder' }).click();
    await page.getByRole('status').filter({ hasText: 'Reminder cancelled.' }).waitFor();
  });

  it('adds and removes a label', async () => {
    await open(SUBJECTS.labels);
    await page.getByRole('button', { name: 'Labels', exact: true }).click();
    const editor = page.getByRole('group', { name: 'Labels of this conversation' });
    await editor.getByLabel('Add a label').fill('  rappel   client ');
    await editor.getByRole('button', { name: 'Add', exact: true }).click();
    await editor.getByRole('button', { name: 'Remove the label rappel client' }).waitFor();
    await expect.poll(async () => (await find(SUBJECTS.labels))?.labels).toEqual(['rappel client']);
    await editor.getByRole('button', { name: 'Remove the label rappel client' }).click();
    await page.getByRole('status').filter({ hasText: 'Label rappel client removed.' }).waitFor();
    expect((await find(SUBJECTS.labels))?.labels).toEqual([]);
  });

  it('archives a conversation: it leaves the list and is among the archived ones', async () => {
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await expect.poll(() => page.getByRole('link', { name: new RegExp(SUBJECTS.labels) }).count()).toBe(0);
    expect(await find(SUBJECTS.labels)).toBeUndefined();
    expect((await find(SUBJECTS.labels, '&archived=true'))?.archived).toBe(true);
  });
});
