/**
 * The web app on a test stack: built if stale, served by the stack's gateway, with helpers to
 * sign in and to read what the page shows.
 */
import type { Page } from 'playwright-core';
import { ensureWebBuilt } from '../../../web/scripts/ensure-built.js';
import type { LocalStackOptions } from '../../../infra/local/stack.js';
import { startTestStack, type LocalStack } from '../../support/local-stack.js';
import { launchChromium, type Chromium } from './chromium.js';

export interface WebHarness {
  stack: LocalStack;
  chromium: Chromium;
  /** The app's origin (the stack's HTTP gateway). */
  url: string;
  newPage(): Promise<Page>;
  /** A page already signed in as `email` (session written before the app starts). */
  signedInPage(email: string, path?: string): Promise<Page>;
  close(): Promise<void>;
}

/** Builds the app if needed, then starts an in-memory stack (with `stack` overrides) and Chromium. */
export async function startWebHarness(options: { locale?: string; stack?: LocalStackOptions } = {}): Promise<WebHarness> {
  await ensureWebBuilt({ quiet: true });
  const stack = await startTestStack(options.stack);
  let chromium: Chromium;
  try {
    chromium = await launchChromium(options.locale !== undefined ? { locale: options.locale } : {});
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const url = stack.httpUrl;
  const newPage = async (): Promise<Page> => {
    const page = await chromium.context.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  };
  return {
    stack,
    chromium,
    url,
    newPage,
    async signedInPage(email, path = '/') {
      const token = await stack.signIn(email);
      const page = await newPage();
      await page.addInitScript(([session]) => {
        if (sessionStorage.getItem('mailroom.session') === null) sessionStorage.setItem('mailroom.session', session!);
      }, [JSON.stringify({ token, email, expiresAt: null, provider: 'local' })]);
      await page.goto(`${url}${path}`);
      return page;
    },
    async close() {
      await chromium.close();
      await stack.stop();
    },
  };
}

/** Everything a script in the page or any of its frames set on `window.__pwned`. */
export async function pwnedMarkers(page: Page): Promise<unknown[]> {
  const values: unknown[] = [];
  for (const frame of page.frames()) {
    values.push(await frame.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned).catch(() => undefined));
  }
  return values.filter((v) => v !== undefined);
}
