/**
 * The HTTP API's bundles as deployed (production options, `infra/constructs/bundling.ts`): the
 * API function serves most requests, so its cold start must not pay for the outbox nor for the
 * workspace. Sending mail (nodemailer, sanitize-html and its DOM libraries, the S3, SQS and
 * Scheduler clients) belongs to the compose function alone; administration, accounts (and their
 * KMS client), templates, drafts, contacts and cases to the workspace function.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, entryPath } from '../../infra/constructs/bundling.js';

/**
 * The API function's budget for its minified `index.mjs`, source map not counted (about 0.4 MB
 * today: no outbox code, and the Lambda credential shim instead of the SDK's provider chain).
 */
const API_MAX_BYTES = 500_000;

/** Packages and modules only the compose function may bundle. */
const OUTBOX_ONLY = [
  'node_modules/nodemailer/',
  'node_modules/sanitize-html/',
  'node_modules/htmlparser2/',
  'node_modules/@aws-sdk/client-s3/',
  'node_modules/@aws-sdk/client-sqs/',
  'node_modules/@aws-sdk/client-scheduler/',
  'node_modules/@aws-sdk/client-sesv2/',
  'shared/outbox/compose.ts',
  'shared/outbox/deps.ts',
  'shared/api/routes-outbox.ts',
];

/** Modules only the workspace function may bundle. */
const WORKSPACE_ONLY = [
  'node_modules/@aws-sdk/client-kms/',
  'shared/api/routes-admin.ts',
  'shared/api/routes-accounts.ts',
  'shared/api/routes-templates.ts',
  'shared/api/routes-drafts.ts',
  'shared/api/routes-contacts.ts',
  'shared/api/routes-cases.ts',
];

let workDir: string;
const bundles: Record<'api' | 'compose' | 'workspace', { metafile: Metafile; file: string }> = {} as never;

beforeAll(async () => {
  // Prepare / Act
  workDir = mkdtempSync(path.join(tmpdir(), 'mailroom-api-bundle-test-'));
  for (const name of ['api', 'compose', 'workspace'] as const) {
    const dir = path.join(workDir, name);
    const { metafile } = await buildBundle(entryPath(name), dir);
    bundles[name] = { metafile, file: path.join(dir, 'index.mjs') };
  }
}, 60_000);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/**
 * Modules with code in `index.mjs`. `metafile.inputs` also lists modules esbuild read and then
 * dropped entirely (shared/adapters/aws.ts imports the S3 client for a factory the API never calls).
 */
const inputsOf = (name: 'api' | 'compose' | 'workspace') => {
  const output = Object.values(bundles[name].metafile.outputs).find((o) => o.entryPoint !== undefined)!;
  return Object.entries(output.inputs).filter(([, { bytesInOutput }]) => bytesInOutput > 0).map(([input]) => input);
};

describe('API function bundle', () => {
  it('bundles none of the outbox code nor the workspace code', () => {
    // Assess
    const inputs = inputsOf('api');
    for (const module of [...OUTBOX_ONLY, ...WORKSPACE_ONLY]) expect(inputs.filter((input) => input.includes(module)), module).toEqual([]);
  });

  it(`stays under ${API_MAX_BYTES / 1000} KB`, () => {
    // Assess
    expect(statSync(bundles.api.file).size).toBeLessThan(API_MAX_BYTES);
  });
});

describe('workspace function bundle', () => {
  it('carries the workspace routes and none of the outbox code or the inbound parser', () => {
    const inputs = inputsOf('workspace');
    for (const module of WORKSPACE_ONLY.filter((m) => m.startsWith('shared/'))) expect(inputs.some((input) => input.includes(module)), module).toBe(true);
    for (const module of [...OUTBOX_ONLY, 'node_modules/mailparser/']) expect(inputs.filter((input) => input.includes(module)), module).toEqual([]);
    // It serves the OpenAPI document, which describes the outbox routes from their specs.
    expect(inputs).toContain('shared/api/routes-outbox-spec.ts');
  });
});

describe('compose function bundle', () => {
  it('carries the outbox code, and none of the inbound parser or the SES client', () => {
    // Assess
    const inputs = inputsOf('compose');
    for (const module of ['node_modules/nodemailer/', 'node_modules/sanitize-html/', 'shared/outbox/compose.ts', 'shared/api/routes-outbox.ts']) {
      expect(inputs.some((input) => input.includes(module)), module).toBe(true);
    }
    for (const module of ['node_modules/mailparser/', 'node_modules/@aws-sdk/client-sesv2/', 'shared/api/routes-workflow.ts']) {
      expect(inputs.some((input) => input.includes(module)), module).toBe(false);
    }
  });
});

describe('the three bundles', () => {
  it('load in a plain node process and export the handler', () => {
    // Act
    const script = `const files = ${JSON.stringify([bundles.api.file, bundles.compose.file, bundles.workspace.file])};
      const types = []; for (const file of files) types.push(typeof (await import(file)).handler);
      process.stdout.write(JSON.stringify(types));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_OPTIONS: '' } }).toString();

    // Assess
    expect(JSON.parse(output)).toEqual(['function', 'function', 'function']);
  });
});
