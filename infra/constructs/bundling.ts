/**
 * One definition of how Lambda bundles are built, shared by {@link MailroomFunction} (through CDK's
 * `NodejsFunction`, which shells out to the local esbuild) and by `infra/scripts/bundle.ts` (plain
 * esbuild API), so a size benchmark measures exactly what is deployed.
 *
 * Keep the two shapes below in lockstep: every field of {@link ESBUILD_OPTIONS} has its CDK
 * counterpart in {@link cdkBundlingOptions}.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Repository root, resolved from this file so the app works from any working directory. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every deployed function: logical name -> handler module, relative to the repository root. */
export const FUNCTION_ENTRIES = {
  inbound: 'functions/inbound/handler.ts',
  api: 'functions/api/handler.ts',
} as const;

export type FunctionName = keyof typeof FUNCTION_ENTRIES;

export function entryPath(name: FunctionName): string {
  return path.join(REPO_ROOT, FUNCTION_ENTRIES[name]);
}

/** esbuild target matching the Lambda runtime (`Runtime.NODEJS_22_X`). */
export const NODE_TARGET = 'node22';

/**
 * ESM output has no `require`, but mailparser (iconv-lite, libmime) and parts of the AWS SDK are
 * CommonJS and call it for Node built-ins; esbuild then emits a `__require` shim that throws
 * "Dynamic require of ... is not supported" unless a real `require` exists in module scope.
 * The alias avoids clashing with a bundled top-level `createRequire` binding.
 * See https://esbuild.github.io/api/#format-esm and https://github.com/evanw/esbuild/issues/1921
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __mailroomCreateRequire } from 'node:module'; const require = __mailroomCreateRequire(import.meta.url);";

/**
 * Options for the plain esbuild API; add `entryPoints` and `outfile`/`outdir`.
 *
 * - The AWS SDK is bundled (nothing external): the runtime's copy lags behind the versions pinned in
 *   package.json, and a minified bundle loads faster than resolving the runtime's SDK from disk.
 *   See https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included
 * - `mainFields: ['module', 'main']` prefers ESM builds, which tree-shake better.
 * - Linked source maps without `sourcesContent`: stack traces map back to TypeScript through
 *   `NODE_OPTIONS=--enable-source-maps` without shipping the sources a second time.
 */
export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: NODE_TARGET,
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  minify: true,
  sourcemap: 'linked',
  sourcesContent: false,
  external: [],
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
} as const satisfies BuildOptions;

/**
 * The same build expressed for `NodejsFunction`. `forceDockerBundling: false` keeps synthesis
 * offline: CDK runs the esbuild from node_modules instead of pulling a build image.
 * CDK names ESM output `index.mjs`, like `outExtension` above.
 */
export function cdkBundlingOptions(): BundlingOptions {
  return {
    forceDockerBundling: false,
    target: ESBUILD_OPTIONS.target,
    format: OutputFormat.ESM,
    mainFields: [...ESBUILD_OPTIONS.mainFields],
    banner: ESBUILD_OPTIONS.banner.js,
    minify: ESBUILD_OPTIONS.minify,
    sourceMap: true,
    sourcesContent: ESBUILD_OPTIONS.sourcesContent,
    bundleAwsSDK: true,
    externalModules: [...ESBUILD_OPTIONS.external],
  };
}
