/**
 * Builds every Lambda bundle with exactly the options the CDK stacks use (`infra/constructs/bundling.ts`)
 * and prints the size of each, so a benchmark can track bundle size and cold-start import time
 * without synthesizing the stacks.
 *
 *   npx tsx infra/scripts/bundle.ts <out-dir> [function ...] [--json]
 *
 * Writes `<out-dir>/<function>/index.mjs` (+ `index.mjs.map`), the layout Lambda receives.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { ESBUILD_OPTIONS, FUNCTION_ENTRIES, entryPath, type FunctionName } from '../constructs/bundling.js';

interface BundleSize {
  name: FunctionName;
  file: string;
  bytes: number;
  sourceMapBytes: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const [outDir, ...only] = args.filter((a) => !a.startsWith('--'));
  const all = Object.keys(FUNCTION_ENTRIES) as FunctionName[];
  const unknown = only.filter((n) => !(all as string[]).includes(n));
  if (outDir === undefined || unknown.length > 0) {
    console.error(`usage: tsx infra/scripts/bundle.ts <out-dir> [${all.join('|')} ...] [--json]`);
    process.exit(2);
  }
  const names = only.length > 0 ? (only as FunctionName[]) : all;

  const sizes: BundleSize[] = [];
  for (const name of names) {
    const dir = path.resolve(outDir, name);
    await build({ ...ESBUILD_OPTIONS, entryPoints: { index: entryPath(name) }, outdir: dir });
    const file = path.join(dir, 'index.mjs');
    const [code, map] = await Promise.all([stat(file), stat(`${file}.map`)]);
    sizes.push({ name, file, bytes: code.size, sourceMapBytes: map.size });
  }

  if (json) {
    console.log(JSON.stringify(sizes, null, 2));
    return;
  }
  for (const s of sizes) {
    console.log(`${s.name.padEnd(10)} ${(s.bytes / 1024).toFixed(1).padStart(9)} KiB  (map ${(s.sourceMapBytes / 1024).toFixed(1)} KiB)  ${s.file}`);
  }
}

await main();
