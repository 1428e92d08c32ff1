/**
 * Debian's Chromium driven by playwright-core: never a downloaded browser. A missing Chromium
 * fails the tests with the command that installs it, rather than skipping them.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env['MAILROOM_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags measured to start quickly and quietly on the project's machines (LOCAL-STACK-NOTES). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Chromium {
  context: BrowserContext;
  userDataDir: string;
  close(): Promise<void>;
}

export function assertChromiumInstalled(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. The browser tests drive Debian's Chromium: `
      + 'install it with "apt-get update && apt-get install -y chromium" (.ci/run does), '
      + 'or set MAILROOM_CHROMIUM to another Chromium binary.',
    );
  }
}

/** A fresh profile each time: no state leaks between test files or runs. */
export async function launchChromium(options: { viewport?: { width: number; height: number }; locale?: string } = {}): Promise<Chromium> {
  assertChromiumInstalled();
  const userDataDir = mkdtempSync(join(tmpdir(), 'mailroom-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1366, height: 860 },
    locale: options.locale ?? 'fr-FR',
    timezoneId: 'Europe/Paris',
    acceptDownloads: true,
  });
  return {
    context,
    userDataDir,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
