/**
 * 10,000 conversations in the list: pages load as the user scrolls, the DOM keeps a window of
 * rows, screen readers still get positions, and the keyboard reaches the end. The list route is
 * served synthetically (receiving 10,000 mails over SMTP would take minutes).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHarness, type WebHarness } from './support/app.js';
import { scrollToEnd, serveSyntheticList, syntheticConversations } from './support/synthetic.js';

const COUNT = 10_000;
let web: WebHarness;
let page: Page;
/** The cursors of the pages after the first, in the order the list asked for them. */
let cursors: () => string[];

beforeAll(async () => {
  web = await startWebHarness();
  page = await web.newPage();
  ({ cursors } = await serveSyntheticList(page, syntheticConversations(COUNT)));
  const token = await web.stack.signIn('alex@acme.test');
  await page.addInitScript((session) => sessionStorage.setItem('mailroom.session', session), JSON.stringify({ token, email: 'alex@acme.test', expiresAt: null, provider: 'local' }));
  await page.goto(`${web.url}/mailboxes/support`);
  await page.locator('.row').first().waitFor();
}, 60_000);

afterAll(async () => {
  await web?.close();
});

const rowsInDom = () => page.locator('.row').count();

describe('the conversation list with 10,000 conversations', () => {
  it('renders only a window of rows, and pages in as the user scrolls', async () => {
    expect(await rowsInDom()).toBeLessThan(40);
    expect(await page.locator('.row').first().getAttribute('aria-setsize')).toBe('-1');
    await scrollToEnd(page, COUNT);
    // Each further page asked for exactly once (the list's periodic refresh re-reads only the first page).
    const asked = cursors();
    expect(asked.length).toBe(Math.ceil((COUNT - 50) / 100));
    expect(new Set(asked).size).toBe(asked.length);
    await page.getByText('All conversations are shown.').waitFor();
    expect(await rowsInDom()).toBeLessThan(40);
    const last = page.locator('.row[aria-posinset="10000"]');
    await last.waitFor();
    expect(await last.getAttribute('aria-setsize')).toBe('10000');
    expect(await last.innerText()).toContain('#10000');
  }, 90_000);

  it('moves from the last row with k and back to the end with j', async () => {
    await page.locator('.row[aria-posinset="10000"] a').click();
    await page.waitForURL(/conversations\/syn010000$/);
    await page.keyboard.press('Escape');
    await page.keyboard.press('k');
    await expect.poll(() => page.locator('.row--selected').getAttribute('aria-posinset')).toBe('9999');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await expect.poll(() => page.locator('.row--selected').getAttribute('aria-posinset')).toBe('10000');
    expect(await rowsInDom()).toBeLessThan(40);
  });

  it('jumps back to the top and keeps the window small', async () => {
    await page.evaluate(() => {
      (document.querySelector('.conv-scroller') as HTMLElement).scrollTop = 0;
    });
    await page.locator('.row[aria-posinset="1"]').waitFor();
    expect(await page.locator('.row[aria-posinset="10000"]').count()).toBe(0);
    expect(await rowsInDom()).toBeLessThan(40);
  });
});
