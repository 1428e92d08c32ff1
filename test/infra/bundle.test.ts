/**
 * The Lambda bundles as deployed: built with the production options (`infra/constructs/bundling.ts`)
 * into a temporary directory, with the files they load from beside themselves, then run by a plain
 * `node` child process (no tsx, no vitest module graph), the way Lambda runs them.
 *
 * The inbound bundle exports only its handler, so a probe bundle built with the same options
 * exports `parseMail` (and, to exercise the packages kept in `lazy/`, mailparser's `simpleParser`
 * and `sanitize-html`). Messages in legacy charsets are generated here with iconv-lite, decoded by
 * the probe, and compared with the expected text and with what the same code returns unbundled.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Metafile } from 'esbuild';
import iconv from 'iconv-lite';
import { simpleParser } from 'mailparser';
import sanitizeHtml from 'sanitize-html';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CDK_METAFILE,
  ESBUILD_ALIASES,
  ESBUILD_OPTIONS,
  LAZY_PACKAGES,
  REPO_ROOT,
  buildBundle,
  cdkBundlingOptions,
  entryPath,
  extrasCommand,
  LAMBDA_SHIMS,
} from '../../infra/constructs/bundling.js';
import { parseMail } from '../../shared/mail/parse.js';
import type { ParsedMail } from '../../shared/mail/types.js';

/** The inbound bundle's budget: minified `index.mjs`, source map not counted. */
const INBOUND_MAX_BYTES = 1_500_000;

interface CharsetCase {
  name: string;
  charset: string;
  subject: string;
  text: string;
  /** Bytes of `text` (and of the subject's encoded word) in `charset`. */
  encode: (text: string) => Buffer;
}

/**
 * ISO-2022-JP (RFC 1468), which iconv-lite does not encode: JIS X 0208 characters are EUC-JP's two
 * bytes without their high bits, between `ESC $ B` and `ESC ( B`.
 */
function iso2022jp(text: string): Buffer {
  const euc = iconv.encode(text, 'EUC-JP');
  const out: number[] = [];
  let kanji = false;
  for (let i = 0; i < euc.length; i += 1) {
    const byte = euc[i] as number;
    if (byte >= 0x80 !== kanji) {
      kanji = byte >= 0x80;
      out.push(...(kanji ? [0x1b, 0x24, 0x42] : [0x1b, 0x28, 0x42]));
    }
    out.push(byte & 0x7f);
  }
  if (kanji) {
    out.push(0x1b, 0x28, 0x42);
  }
  return Buffer.from(out);
}

const CHARSETS: CharsetCase[] = [
  { name: 'gbk', charset: 'GBK', subject: '会议通知：下周三开会', text: '各位同事：请准时参加下周三的会议。', encode: (t) => iconv.encode(t, 'GBK') },
  // Longer than the parser's 64 KB input slices, so characters are split across chunks.
  { name: 'gbk-long', charset: 'GBK', subject: '长邮件', text: '各位同事：请准时参加下周三的会议。'.repeat(4000), encode: (t) => iconv.encode(t, 'GBK') },
  { name: 'gb2312', charset: 'GB2312', subject: '发票已开具', text: '您好，发票已经寄出，请查收。', encode: (t) => iconv.encode(t, 'GB2312') },
  { name: 'big5', charset: 'Big5', subject: '會議通知：下週三開會', text: '各位同仁：請準時參加下週三的會議。', encode: (t) => iconv.encode(t, 'Big5') },
  { name: 'shift_jis', charset: 'Shift_JIS', subject: '会議のお知らせ', text: '皆様、来週水曜日の会議にご出席ください。', encode: (t) => iconv.encode(t, 'Shift_JIS') },
  { name: 'euc-jp', charset: 'EUC-JP', subject: '請求書の送付について', text: '請求書を本日発送いたしました。', encode: (t) => iconv.encode(t, 'EUC-JP') },
  { name: 'iso-2022-jp', charset: 'ISO-2022-JP', subject: '打ち合わせの日程', text: '来週の打ち合わせは火曜日の午後三時からです。', encode: iso2022jp },
  { name: 'euc-kr', charset: 'EUC-KR', subject: '회의 안내: 다음 주 수요일', text: '여러분, 다음 주 수요일 회의에 꼭 참석해 주세요.', encode: (t) => iconv.encode(t, 'EUC-KR') },
];

/** A one-part message in `c.charset`: RFC 2047 B-encoded subject, base64 body (quoted-printable for 7-bit ISO-2022-JP). */
function messageIn(c: CharsetCase): Buffer {
  const body = c.charset === 'ISO-2022-JP' ? c.encode(c.text).toString('latin1') : c.encode(c.text).toString('base64').replace(/.{76}/gu, '$&\r\n');
  return Buffer.from(
    [
      'From: Sender <sender@example.net>',
      'To: support@acme.example',
      `Subject: =?${c.charset}?B?${c.encode(c.subject).toString('base64')}?=`,
      `Message-ID: <${c.name}@example.net>`,
      'Date: Wed, 15 Jan 2025 08:45:07 +0100',
      'MIME-Version: 1.0',
      `Content-Type: text/plain; charset=${c.charset}`,
      `Content-Transfer-Encoding: ${c.charset === 'ISO-2022-JP' ? '7bit' : 'base64'}`,
      '',
      body,
      '',
    ].join('\r\n'),
    'latin1',
  );
}

/** HTML-only mail with a link in plain text: mailparser's defaults convert it with html-to-text and linkify-it. */
const HTML_ONLY = Buffer.from(
  [
    'From: a@example.net',
    'To: b@example.org',
    'Subject: Links',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Voir https://www.example.org/agenda et support@example.com',
    '--b',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Bonjour <b>tout le monde</b>,</p><ul><li>un</li><li>deux &amp; trois</li></ul>',
    '--b--',
    '',
  ].join('\r\n'),
);

/** Style attributes parsed by postcss, which sanitize-html only loads with `parseStyleAttributes`. */
const STYLED_HTML = '<p style="color: red; position: fixed; font-weight: bold">Réunion – 15 €</p>';
const STYLE_OPTIONS = { allowedTags: ['p'], allowedAttributes: { p: ['style'] }, allowedStyles: { '*': { color: [/^red$/u], 'font-weight': [/^bold$/u] } } };

const FRENCH = readFileSync(path.join(REPO_ROOT, 'test/fixtures/mail/french/windows-1252.eml'));

const sink = async (meta: { index: number }) => ({ storageKey: `attachment-${meta.index}` });

/** JSON round trip, as results come back from the child process (null-prototype objects become plain ones). */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

interface ProbeOutput {
  /** `typeof` the inbound bundle's export, imported in the same process. */
  handler: string;
  /** How the bundle's iconv-lite wrapper behaved (see shared/mail/bundling/iconv-lite.ts). */
  codecs: {
    builtAtImport: string[];
    sameStandIn: boolean;
    sharedDecoder: boolean;
    builtAfterUse: boolean;
    sameDecoderWhenBuilt: boolean;
    unknown: string;
  };
  parsed: Record<string, ParsedMail>;
  simple: { text: string; textAsHtml: string };
  styled: string;
}

let workDir: string;
let inbound: { metafile: Metafile; extras: string[] };
let probe: { metafile: Metafile; extras: string[] };
let output: ProbeOutput;

beforeAll(async () => {
  // Prepare: both bundles with the production options, and the inputs for the probe
  workDir = mkdtempSync(path.join(tmpdir(), 'mailroom-bundle-test-'));
  // The probe entry lives in the temporary directory; the link lets it import packages by name
  // (esbuild follows it to the repository's node_modules, so the modules are the same files).
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(workDir, 'node_modules'), 'dir');
  const probeEntry = path.join(workDir, 'probe.ts');
  writeFileSync(
    probeEntry,
    [
      `export { parseMail } from ${JSON.stringify(path.join(REPO_ROOT, 'shared/mail/parse.ts'))};`,
      "export { simpleParser } from 'mailparser';",
      "export { default as sanitizeHtml } from 'sanitize-html';",
      "export { default as iconv } from 'iconv-lite';",
    ].join('\n'),
  );
  inbound = await buildBundle(entryPath('inbound'), path.join(workDir, 'inbound'));
  probe = await buildBundle(probeEntry, path.join(workDir, 'probe'));

  const inputs = {
    messages: Object.fromEntries([...CHARSETS.map((c) => [c.name, messageIn(c).toString('base64')]), ['french', FRENCH.toString('base64')]]),
    htmlOnly: HTML_ONLY.toString('base64'),
    styled: STYLED_HTML,
    styleOptions: { ...STYLE_OPTIONS, allowedStyles: { '*': { color: ['^red$'], 'font-weight': ['^bold$'] } } },
  };
  writeFileSync(path.join(workDir, 'inputs.json'), JSON.stringify(inputs));
  const runner = path.join(workDir, 'run-probe.mjs');
  writeFileSync(
    runner,
    `
    import { readFileSync } from 'node:fs';
    const { handler } = await import(${JSON.stringify(path.join(workDir, 'inbound', 'index.mjs'))});
    const { parseMail, simpleParser, sanitizeHtml, iconv } = await import(${JSON.stringify(path.join(workDir, 'probe', 'index.mjs'))});
    const builtAtImport = Object.keys(iconv._codecDataCache);
    const standIn = iconv.getCodec('gbk');
    const codecs = { builtAtImport, sameStandIn: standIn === iconv.getCodec('GBK'), sharedDecoder: standIn.decoder === iconv.getCodec('big5').decoder };
    const inputs = JSON.parse(readFileSync(${JSON.stringify(path.join(workDir, 'inputs.json'))}, 'utf8'));
    const sink = async (meta) => ({ storageKey: 'attachment-' + meta.index });
    const parsed = {};
    for (const [name, raw] of Object.entries(inputs.messages)) parsed[name] = await parseMail(Buffer.from(raw, 'base64'), { sink });
    const simple = await simpleParser(Buffer.from(inputs.htmlOnly, 'base64'));
    const allowedStyles = { '*': Object.fromEntries(Object.entries(inputs.styleOptions.allowedStyles['*']).map(([k, v]) => [k, v.map((s) => new RegExp(s, 'u'))])) };
    const styled = sanitizeHtml(inputs.styled, { ...inputs.styleOptions, allowedStyles });
    const built = iconv.getCodec('gbk');
    Object.assign(codecs, {
      builtAfterUse: Object.keys(iconv._codecDataCache).includes('gbk'),
      sameDecoderWhenBuilt: built.decoder === standIn.decoder && built !== standIn && standIn.decodeTables === built.decodeTables,
      unknown: (() => { try { iconv.getCodec('x-no-such-charset'); return 'no error'; } catch (error) { return error.message; } })(),
    });
    process.stdout.write(JSON.stringify({ handler: typeof handler, codecs, parsed, simple: { text: simple.text, textAsHtml: simple.textAsHtml }, styled }));
  `,
  );

  // Act: a plain node process, as Lambda runs the bundle
  output = JSON.parse(execFileSync(process.execPath, [runner], { env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 16 << 20 }).toString()) as ProbeOutput;
}, 60_000);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('inbound bundle', () => {
  it('loads in a plain node process and exports the handler', () => {
    // Assess
    expect(output.handler).toBe('function');
  });

  it(`stays under ${INBOUND_MAX_BYTES / 1_000_000} MB`, () => {
    // Assess
    const bytes = statSync(path.join(workDir, 'inbound', 'index.mjs')).size;
    expect(bytes).toBeLessThan(INBOUND_MAX_BYTES);
  });

  it("ships iconv-lite's double-byte tables and the lazily loaded packages beside index.mjs", () => {
    // Assess
    const tablesDir = path.join(path.dirname(createRequire(import.meta.url).resolve('iconv-lite')), '..', 'encodings', 'tables');
    for (const table of ['cp936.json', 'gbk-added.json', 'gb18030-ranges.json', 'cp950.json', 'big5-added.json', 'shiftjis.json', 'eucjp.json', 'cp949.json']) {
      expect(inbound.extras).toContain(path.join('tables', table));
      expect(readFileSync(path.join(workDir, 'inbound', 'tables', table)).equals(readFileSync(path.join(tablesDir, table))), table).toBe(true);
    }
    for (const name of Object.keys(LAZY_PACKAGES)) {
      expect(inbound.extras).toContain(path.join('lazy', `${name}.cjs`));
      expect(existsSync(path.join(workDir, 'inbound', 'lazy', `${name}.cjs`))).toBe(true);
    }
  });

  it('bundles each aliased package once, the version its importers would get without the alias', () => {
    // Assess: an alias redirects every importer, so all of them must have resolved to the same package
    const packageDir = (file: string) => {
      const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//u.exec(file);
      return match?.[1] ?? file;
    };
    const realTargets: Record<string, string> = {
      ...ESBUILD_ALIASES,
      'iconv-lite': createRequire(path.join(REPO_ROOT, 'shared/mail/bundling/iconv-lite.ts')).resolve('../../../node_modules/iconv-lite/lib/index.js'),
    };
    for (const [input, { imports }] of Object.entries(inbound.metafile.inputs)) {
      for (const { original } of imports) {
        const name = Object.keys(realTargets).find((alias) => original === alias || original?.startsWith(`${alias}/`));
        if (name === undefined || name in LAZY_PACKAGES || name in LAMBDA_SHIMS) {
          continue;
        }
        const unaliased = createRequire(path.join(REPO_ROOT, input)).resolve(name);
        expect(packageDir(unaliased), `${name} imported by ${input}`).toBe(packageDir(realTargets[name] as string));
      }
    }
  });

  it('imports the lazily loaded packages only from the importers their wrappers were written for', () => {
    // Assess
    for (const [input, { imports }] of Object.entries(inbound.metafile.inputs)) {
      for (const { original } of imports) {
        if (original !== undefined && Object.hasOwn(LAZY_PACKAGES, original)) {
          expect(input, original).toContain(`node_modules/${LAZY_PACKAGES[original as keyof typeof LAZY_PACKAGES].importer}/`);
        }
      }
    }
  });
});

describe('mail decoding in the bundle', () => {
  it('builds no double-byte codec at import, and builds it on first use like iconv-lite', () => {
    // Prepare
    let unknown = '';
    try {
      iconv.getCodec('x-no-such-charset');
    } catch (error) {
      unknown = (error as Error).message;
    }

    // Assess
    expect(output.codecs.builtAtImport.filter((name) => ['gbk', 'cp936', 'big5hkscs', 'cp950', 'shiftjis', 'eucjp', 'cp949'].includes(name))).toEqual([]);
    expect(output.codecs).toMatchObject({ sameStandIn: true, sharedDecoder: true, builtAfterUse: true, sameDecoderWhenBuilt: true });
    expect(output.codecs.unknown).toBe(unknown);
  });

  it.each(CHARSETS.map((c) => [c.name, c] as const))('decodes %s subjects and bodies', async (name, c) => {
    // Prepare
    const unbundled = plain(await parseMail(messageIn(c), { sink }));

    // Assess
    const bundled = output.parsed[name] as ParsedMail;
    expect(bundled.subject).toBe(c.subject);
    expect(bundled.text.trim()).toBe(c.text);
    expect(bundled.flags).not.toContain('charset-fallback');
    expect(bundled).toEqual(unbundled);
  });

  it('decodes Windows-1252 French mail (test/fixtures/mail/french/windows-1252.eml)', async () => {
    // Prepare
    const unbundled = plain(await parseMail(FRENCH, { sink }));

    // Assess
    const bundled = output.parsed.french as ParsedMail;
    expect(bundled.subject).toBe('Réunion – 15 €');
    expect(bundled.text).toContain('Merci de “confirmer” votre présence avant vendredi…');
    expect(bundled).toEqual(unbundled);
  });

  it("runs the lazily loaded packages like the originals (mailparser's HTML to text and links, sanitize-html's style parsing)", async () => {
    // Prepare
    const simple = await simpleParser(HTML_ONLY);
    const styled = sanitizeHtml(STYLED_HTML, STYLE_OPTIONS);

    // Assess
    expect(output.simple.text).toContain('Bonjour tout le monde,\n\n * un\n * deux & trois');
    expect(output.simple.textAsHtml).toContain('<a href="https://www.example.org/agenda">');
    expect(output.simple).toEqual({ text: simple.text, textAsHtml: simple.textAsHtml });
    expect(output.styled).toBe('<p style="color:red;font-weight:bold">Réunion – 15 €</p>');
    expect(output.styled).toBe(styled);
  });
});

describe('CDK bundling', () => {
  it('passes the same externals, aliases and metafile to the esbuild CDK runs', () => {
    // Act
    const options = cdkBundlingOptions();

    // Assess
    expect(options.externalModules).toEqual([...ESBUILD_OPTIONS.external]);
    expect(options.esbuildArgs).toEqual({ '--alias': Object.entries(ESBUILD_ALIASES).map(([name, file]) => `${name}=${file}`) });
    expect(options.metafile).toBe(true);
    expect(options.commandHooks?.afterBundling('/in', '/asset')).toEqual([extrasCommand('/asset')]);
  });

  it('writes the same files beside the bundle from the metafile CDK has esbuild leave, then removes it', () => {
    // Prepare: an asset directory as CDK's esbuild leaves it
    const assetDir = path.join(workDir, 'cdk-asset');
    mkdirSync(assetDir);
    writeFileSync(path.join(assetDir, CDK_METAFILE), JSON.stringify(probe.metafile));

    // Act
    execFileSync('bash', ['-c', extrasCommand(assetDir)], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });

    // Assess
    expect(existsSync(path.join(assetDir, CDK_METAFILE))).toBe(false);
    for (const extra of probe.extras) {
      expect(readFileSync(path.join(assetDir, extra)).equals(readFileSync(path.join(workDir, 'probe', extra))), extra).toBe(true);
    }
  });
});
