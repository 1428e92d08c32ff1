/**
 * Builds every Lambda bundle with exactly the options the CDK stacks use (`infra/constructs/bundling.ts`)
 * and prints the size of each, so a benchmark can track bundle size and cold-start import time
 * without synthesizing the stacks.
 *
 *   npx tsx infra/scripts/bundle.ts <out-dir> [function ...] [--json]
 *
 * Writes `<out-dir>/<function>/index.mjs` (+ `index.mjs.map`) and the files it loads from beside
 * itself (`tables/`, `lazy/`), the layout Lambda receives.
 *
 *   node --import tsx infra/scripts/bundle.ts --extras <asset-dir>
 *
 * is the step CDK runs after its esbuild (see `cdkBundlingOptions`): it writes those files into the
 * asset from the metafile esbuild left there, then deletes the metafile.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Metafile } from 'esbuild';
import {
  CDK_METAFILE,
  FUNCTION_ENTRIES,
  buildBundle,
  entryPath,
  writeBundleExtras,
  type FunctionName,
} from '../constructs/bundling.js';

interface BundleSize {
  name: FunctionName;
  file: string;
  bytes: number;
  sourceMapBytes: number;
  /** Files loaded from beside `index.mjs`, relative to its directory. */
  extras: string[];
}

async function writeCdkExtras(assetDir: string): Promise<void> {
  const metafilePath = path.join(assetDir, CDK_METAFILE);
  const metafile = JSON.parse(await readFile(metafilePath, 'utf8')) as Metafile;
  await writeBundleExtras(assetDir, metafile);
  await rm(metafilePath);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--extras' && args[1] !== undefined) {
    await writeCdkExtras(path.resolve(args[1]));
    return;
  }
  const json = args.includes('--json');
  const [outDir, ...only] = args.filter((a) => !a.startsWith('--'));
  const all = Object.keys(FUNCTION_ENTRIES) as FunctionName[];
  const unknown = only.filter((n) => !(all as string[]).includes(n));
  if (outDir === undefined || unknown.length > 0) {
    console.error(`usage: tsx infra/scripts/bundle.ts <out-dir> [${all.join('|')} ...] [--json]`);
    console.error('       node --import tsx infra/scripts/bundle.ts --extras <asset-dir>');
    process.exit(2);
  }
  const names = only.length > 0 ? (only as FunctionName[]) : all;

  const sizes: BundleSize[] = [];
  for (const name of names) {
    const dir = path.resolve(outDir, name);
    const { extras } = await buildBundle(entryPath(name), dir);
    const file = path.join(dir, 'index.mjs');
    const [code, map] = await Promise.all([stat(file), stat(`${file}.map`)]);
    sizes.push({ name, file, bytes: code.size, sourceMapBytes: map.size, extras });
  }

  if (json) {
    console.log(JSON.stringify(sizes, null, 2));
    return;
  }
  for (const s of sizes) {
    const extras = s.extras.length > 0 ? `  + ${s.extras.length} files beside it` : '';
    console.log(`${s.name.padEnd(10)} ${(s.bytes / 1024).toFixed(1).padStart(9)} KiB  (map ${(s.sourceMapBytes / 1024).toFixed(1)} KiB)${extras}  ${s.file}`);
  }
}

await main();
