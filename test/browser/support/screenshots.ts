/**
 * Screenshots taken during browser tests, to look at. They go to `.mailroom/screenshots/` (ignored
 * by git) so a test run never modifies the repository; refresh the README's images with
 * `MAILROOM_SCREENSHOT_DIR=docs/screenshots npx vitest run test/browser`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function screenshotDir(): string {
  return path.resolve(REPO_ROOT, process.env.MAILROOM_SCREENSHOT_DIR ?? '.mailroom/screenshots');
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  const dir = screenshotDir();
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}
