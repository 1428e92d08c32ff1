/**
 * One definition of how Lambda bundles are built, shared by {@link MailroomFunction} (through CDK's
 * `NodejsFunction`, which shells out to the local esbuild) and by `infra/scripts/bundle.ts` (plain
 * esbuild API), so a size benchmark measures exactly what is deployed.
 *
 * A function's asset is `index.mjs` (+ its source map) and the files it loads from beside itself:
 * - `tables/*.json`: iconv-lite's double-byte charset tables (GBK, Big5, Shift_JIS, EUC-JP, EUC-KR),
 *   read on the first message in such a charset instead of being parsed on every cold start;
 * - `lazy/*.cjs`: packages the mail parser imports but, with Mailroom's options, never calls
 *   ({@link LAZY_PACKAGES}), each bundled on its own and required on first call by its wrapper in
 *   `shared/mail/bundling/`.
 * {@link writeBundleExtras} writes them from the build's metafile, for both paths.
 *
 * Keep the two shapes below in lockstep: every field of {@link ESBUILD_OPTIONS} has its CDK
 * counterpart in {@link cdkBundlingOptions}.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Repository root, resolved from this file so the app works from any working directory. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every deployed function: logical name -> handler module, relative to the repository root. */
export const FUNCTION_ENTRIES = {
  inbound: 'functions/inbound/handler.ts',
  api: 'functions/api/handler.ts',
  compose: 'functions/compose/handler.ts',
  workspace: 'functions/workspace/handler.ts',
  sender: 'functions/sender/handler.ts',
  delivery: 'functions/delivery/handler.ts',
  timers: 'functions/timers/handler.ts',
  notify: 'functions/notify/handler.ts',
  contacts: 'functions/contacts/handler.ts',
  stats: 'functions/stats/handler.ts',
  indexer: 'functions/indexer/handler.ts',
  'imap-sync': 'functions/imap-sync/handler.ts',
  'account-checks': 'functions/imap-sync/checks-handler.ts',
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
 * The alias avoids clashing with a bundled top-level `createRequire` binding. Created from
 * `import.meta.url`, this `require` also resolves the relative paths left external
 * (`./tables/…`, `./lazy/…`) beside `index.mjs`.
 * See https://esbuild.github.io/api/#format-esm and https://github.com/evanw/esbuild/issues/1921
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __mailroomCreateRequire } from 'node:module'; const require = __mailroomCreateRequire(import.meta.url);";

/** Where the bundle's `require` finds iconv-lite's tables and the lazily loaded packages, beside `index.mjs`. */
const BESIDE_BUNDLE = ['./tables/*', './lazy/*'];

const WRAPPERS_DIR = path.join(REPO_ROOT, 'shared', 'mail', 'bundling');
const requireFromRoot = createRequire(path.join(REPO_ROOT, 'package.json'));

/**
 * Packages that would otherwise be bundled twice, once as their CommonJS build (required by
 * CommonJS packages: mailsplit, sanitize-html's htmlparser2) and once as their ES build (imported
 * by mailparser and html-to-text). Every importer gets the CommonJS build; they are the same
 * version compiled twice. libmime alone was 174 KB for two copies, and ran its import-time setup twice.
 */
const SINGLE_BUILD = ['libmime', 'domhandler', 'domutils', 'dom-serializer'] as const;

/**
 * Packages kept out of `index.mjs` because Mailroom's parser options never call them; each becomes
 * `lazy/<name>.cjs`, built from what `importer` resolves `<name>` to (`source` re-exports it the way
 * the importer imports it), and is required on first call by `shared/mail/bundling/<name>.ts`.
 */
export const LAZY_PACKAGES = {
  /** mailparser's HTML-to-text conversion; off with `skipHtmlToText`. */
  'html-to-text': { importer: 'mailparser', source: "export * from 'html-to-text';" },
  /** mailparser's linkifier for text-to-HTML; off with `skipTextToHtml`. */
  'linkify-it': { importer: 'mailparser', source: "export { default } from 'linkify-it';" },
  /** sanitize-html's parser of `style` attributes; off with `parseStyleAttributes: false`. */
  postcss: { importer: 'sanitize-html', source: "module.exports = require('postcss');" },
} as const;

/**
 * Import substitutions, package name -> file (esbuild's `alias`): one build of each
 * {@link SINGLE_BUILD} package, and the wrappers of `shared/mail/bundling/`: iconv-lite with DBCS
 * codecs built on first use, and the {@link LAZY_PACKAGES}.
 */
const SINGLE_BUILD_ALIASES: Record<string, string> = Object.fromEntries(
  SINGLE_BUILD.map((name) => [name, requireFromRoot.resolve(name)]),
);
/**
 * Packages replaced outright in Lambda bundles (not deduplicated versions): Lambda provides the
 * execution role's credentials in the environment, so the SDK's whole provider chain is dead weight.
 */
export const LAMBDA_SHIMS: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': path.join(REPO_ROOT, 'infra', 'constructs', 'lambda-shims', 'credential-provider-node.ts'),
};

export const ESBUILD_ALIASES: Readonly<Record<string, string>> = {
  ...SINGLE_BUILD_ALIASES,
  'iconv-lite': path.join(WRAPPERS_DIR, 'iconv-lite.ts'),
  ...LAMBDA_SHIMS,
  ...Object.fromEntries(Object.keys(LAZY_PACKAGES).map((name) => [name, path.join(WRAPPERS_DIR, `${name}.ts`)])),
};

/**
 * Options for the plain esbuild API; add `entryPoints` and `outdir`, then call
 * {@link writeBundleExtras} with the metafile (or use {@link buildBundle}, which does both).
 *
 * - The AWS SDK is bundled (nothing external): the runtime's copy lags behind the versions pinned in
 *   package.json, and a minified bundle loads faster than resolving the runtime's SDK from disk.
 *   See https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included
 * - `mainFields: ['module', 'main']` prefers ESM builds, which tree-shake better.
 * - Linked source maps without `sourcesContent`: stack traces map back to TypeScript through
 *   `NODE_OPTIONS=--enable-source-maps` without shipping the sources a second time.
 * - `external` leaves the files loaded from beside the bundle as `require` calls; the metafile lists
 *   them for {@link writeBundleExtras}.
 * - `absWorkingDir` is where CDK runs esbuild (the project root), so metafile and source map paths
 *   are the same on both paths whatever the current directory.
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
  external: BESIDE_BUNDLE,
  alias: ESBUILD_ALIASES,
  metafile: true,
  absWorkingDir: REPO_ROOT,
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** The file CDK's esbuild writes the metafile to (`metafile: true`); read, then removed, by `bundle.ts --extras`. */
export const CDK_METAFILE = 'index.meta.json';

/**
 * The same build expressed for `NodejsFunction`. `forceDockerBundling: false` keeps synthesis
 * offline: CDK runs the esbuild from node_modules instead of pulling a build image, in the project
 * root (`absWorkingDir`). CDK names ESM output `index.mjs`, like `outExtension` above. After
 * esbuild, `infra/scripts/bundle.ts --extras` writes the files beside the bundle from the metafile
 * CDK had esbuild write, and deletes the metafile so that it is not deployed.
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
    esbuildArgs: { '--alias': Object.entries(ESBUILD_OPTIONS.alias).map(([name, file]) => `${name}=${file}`) },
    metafile: ESBUILD_OPTIONS.metafile,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir, outputDir) => [extrasCommand(outputDir)],
    },
  };
}

/** The shell command CDK runs after esbuild (bash, in the project root, where tsx is installed). */
export function extrasCommand(outputDir: string): string {
  return ['node', '--import', 'tsx', path.join(REPO_ROOT, 'infra', 'scripts', 'bundle.ts'), '--extras', outputDir]
    .map((part) => JSON.stringify(part))
    .join(' ');
}

/** Options of the `lazy/*.cjs` bundles: those of `index.mjs`, as CommonJS (required, not imported). */
const LAZY_BUILD_OPTIONS = {
  bundle: true,
  platform: ESBUILD_OPTIONS.platform,
  target: ESBUILD_OPTIONS.target,
  format: 'cjs',
  mainFields: [...ESBUILD_OPTIONS.mainFields],
  minify: ESBUILD_OPTIONS.minify,
  sourcemap: ESBUILD_OPTIONS.sourcemap,
  sourcesContent: ESBUILD_OPTIONS.sourcesContent,
  alias: SINGLE_BUILD_ALIASES,
  absWorkingDir: ESBUILD_OPTIONS.absWorkingDir,
  logLevel: ESBUILD_OPTIONS.logLevel,
} as const satisfies BuildOptions;

/**
 * Writes, into `outDir`, the files the bundle there loads from beside itself: every external
 * relative import in `metafile`. A `./lazy/<name>.cjs` is built from {@link LAZY_PACKAGES}; any
 * other path is copied from where its importer would have loaded it (`./tables/cp936.json`
 * imported by iconv-lite's `encodings/dbcs-data.js` is its `encodings/tables/cp936.json`).
 * Returns the written paths, relative to `outDir`.
 */
export async function writeBundleExtras(outDir: string, metafile: Metafile): Promise<string[]> {
  // Path beside the bundle -> the file its importer would have loaded (unused for `./lazy/`, which are built).
  const sources = new Map<string, string>();
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    for (const { path: importPath, external } of imports) {
      if (external !== true || !importPath.startsWith('./')) {
        continue;
      }
      const source = path.resolve(REPO_ROOT, path.dirname(input), importPath);
      const known = sources.get(importPath);
      if (known !== undefined && known !== source) {
        throw new Error(`Two files would be ${importPath} beside the bundle: ${known} and ${source}`);
      }
      sources.set(importPath, source);
    }
  }
  for (const [importPath, source] of sources) {
    const target = path.join(outDir, importPath);
    await mkdir(path.dirname(target), { recursive: true });
    const lazy = /^\.\/lazy\/(.+)\.cjs$/u.exec(importPath)?.[1];
    if (lazy === undefined) {
      await copyFile(source, target);
    } else if (Object.hasOwn(LAZY_PACKAGES, lazy)) {
      const { importer, source: contents } = LAZY_PACKAGES[lazy as keyof typeof LAZY_PACKAGES];
      const resolveDir = path.dirname(requireFromRoot.resolve(importer));
      await build({ ...LAZY_BUILD_OPTIONS, stdin: { contents, resolveDir, sourcefile: `lazy-${lazy}.js`, loader: 'js' }, outfile: target });
    } else {
      throw new Error(`${importPath} is loaded from beside the bundle but is not one of LAZY_PACKAGES`);
    }
  }
  return [...sources.keys()].map((importPath) => path.normalize(importPath));
}

/**
 * Builds `entry` as a function is deployed, into `outDir`: `index.mjs`, its source map, and the
 * files it loads from beside itself. Used by the bundle script and the bundle test.
 */
export async function buildBundle(entry: string, outDir: string): Promise<{ metafile: Metafile; extras: string[] }> {
  const { metafile } = await build({ ...ESBUILD_OPTIONS, entryPoints: { index: entry }, outdir: outDir });
  return { metafile, extras: await writeBundleExtras(outDir, metafile) };
}
