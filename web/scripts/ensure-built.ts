/**
 * Builds the web app when `web/dist` is missing or older than its sources, so `npm start` and
 * `npm test` never serve or test a stale app, and a fresh clone needs nothing but `npm install`.
 * Concurrent callers (parallel test files) wait for one build through a lock directory.
 *
 *   tsx web/scripts/ensure-built.ts      (npm's prestart and pretest)
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportBundleSize } from './bundle-size.js';

const WEB_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const REPO_ROOT = resolve(WEB_ROOT, '..');
const DIST_INDEX = join(WEB_ROOT, 'dist', 'index.html');
/** Under node_modules/.cache: ignored by git, and gone with a clean install. */
const LOCK = join(REPO_ROOT, 'node_modules', '.cache', 'mailroom-web-build.lock');
/** A lock older than this was left by a build that died. */
const STALE_LOCK_MS = 120_000;

function newestMtime(path: string): number {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why a build is needed, or null when web/dist is up to date. */
export function webBuildNeeded(): string | null {
  let built: number;
  try {
    built = statSync(DIST_INDEX).mtimeMs;
  } catch {
    return 'web/dist is missing';
  }
  const inputs = ['src', 'public', 'index.html', 'vite.config.ts', '.env'].map((p) => join(WEB_ROOT, p));
  inputs.push(join(REPO_ROOT, 'package-lock.json'));
  const newest = Math.max(...inputs.map(newestMtime));
  return newest > built ? 'web/src is newer than web/dist' : null;
}

/**
 * A production build whoever calls: vitest sets NODE_ENV=test, which Vite would otherwise carry
 * into the bundle (development code paths, a bigger bundle than users get).
 */
async function build(): Promise<void> {
  const { build: viteBuild } = await import('vite');
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await viteBuild({ root: WEB_ROOT, configFile: join(WEB_ROOT, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = nodeEnv;
  }
}

function tryLock(): boolean {
  try {
    mkdirSync(join(LOCK, '..'), { recursive: true });
    mkdirSync(LOCK);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    } catch {
      // removed meanwhile
    }
    return false;
  }
}

/** Builds if needed; returns whether this call built. */
export async function ensureWebBuilt(options: { quiet?: boolean } = {}): Promise<boolean> {
  for (;;) {
    const reason = webBuildNeeded();
    if (reason === null) return false;
    if (tryLock()) {
      try {
        if (webBuildNeeded() === null) return false;
        if (!options.quiet) console.log(`Building the web app (${reason})...`);
        const started = performance.now();
        await build();
        if (!options.quiet) {
          console.log(`Built web/dist in ${Math.round(performance.now() - started)} ms.`);
          reportBundleSize();
        }
        return true;
      } finally {
        rmSync(LOCK, { recursive: true, force: true });
      }
    }
    await new Promise((done) => setTimeout(done, 200));
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await ensureWebBuilt();
}
