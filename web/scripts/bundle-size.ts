/**
 * Measures what a first visit downloads: the entry script and every module it preloads (the
 * initial JS), plus the stylesheet, raw and gzip-compressed (level 9, as CDNs serve them), and
 * fails when the initial JS is over budget.
 *
 *   npm run size:web            (after npm run build:web)
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Initial JavaScript budget, gzip (issue 6: under 200 KB). */
export const INITIAL_JS_BUDGET_BYTES = 200 * 1000;

export const WEB_DIST = resolve(fileURLToPath(new URL('../dist/', import.meta.url)));

export interface BundleFile {
  path: string;
  kind: 'js' | 'css';
  bytes: number;
  gzipBytes: number;
}

export interface BundleSize {
  files: BundleFile[];
  initialJsBytes: number;
  initialJsGzipBytes: number;
  cssGzipBytes: number;
}

/** Reads index.html for the entry script, its modulepreloads and stylesheets. */
export function measureBundle(dist = WEB_DIST): BundleSize {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g), ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)]
    .map((m) => m[1]!);
  const styles = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]!);
  const measure = (path: string, kind: 'js' | 'css'): BundleFile => {
    const content = readFileSync(join(dist, path.replace(/^\//, '')));
    return { path, kind, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
  };
  const files = [...new Set(scripts)].map((p) => measure(p, 'js')).concat([...new Set(styles)].map((p) => measure(p, 'css')));
  const js = files.filter((f) => f.kind === 'js');
  return {
    files,
    initialJsBytes: js.reduce((sum, f) => sum + f.bytes, 0),
    initialJsGzipBytes: js.reduce((sum, f) => sum + f.gzipBytes, 0),
    cssGzipBytes: files.filter((f) => f.kind === 'css').reduce((sum, f) => sum + f.gzipBytes, 0),
  };
}

const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;

export function formatBundleSize(size: BundleSize): string {
  const lines = size.files.map((f) => `  ${f.path.padEnd(40)} ${kb(f.bytes).padStart(9)} raw ${kb(f.gzipBytes).padStart(9)} gzip`);
  lines.push(`  initial JS: ${kb(size.initialJsGzipBytes)} gzip (${kb(size.initialJsBytes)} raw), budget ${kb(INITIAL_JS_BUDGET_BYTES)}; CSS ${kb(size.cssGzipBytes)} gzip`);
  return `Web bundle (web/dist)\n${lines.join('\n')}`;
}

/** Prints the sizes; sets a failing exit code when over budget. */
export function reportBundleSize(dist = WEB_DIST): BundleSize {
  const size = measureBundle(dist);
  console.log(formatBundleSize(size));
  if (size.initialJsGzipBytes > INITIAL_JS_BUDGET_BYTES) {
    console.error(`Initial JS is ${kb(size.initialJsGzipBytes)} gzip, over the ${kb(INITIAL_JS_BUDGET_BYTES)} budget.`);
    process.exitCode = 1;
  }
  return size;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  reportBundleSize();
}
