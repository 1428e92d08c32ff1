/**
 * `npm run bench:web`: what a user of the web app waits for, measured in headless Chromium
 * against the local stack.
 *
 * 1. Production bundle: initial JS and CSS, gzip.
 * 2. Seeds MAILROOM_BENCH_CONVERSATIONS (default 1,000) conversations over real SMTP.
 * 3. Time to interactive of the inbox (cold cache, median of 3), at full speed and with the CPU
 *    slowed 4x (a slow laptop): navigation to the first page of the list on screen with no long
 *    task after it; then the delay from pressing `j` to the next frame showing the selection.
 * 4. Loading every conversation into the list by scrolling, and frame times while scrolling.
 * 5. The same scroll over 10,000 synthetic conversations (served in place of the list route).
 *
 * Figures go to stdout and to .bench/web.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { formatBundleSize, measureBundle } from '../../web/scripts/bundle-size.js';
import { ensureWebBuilt } from '../../web/scripts/ensure-built.js';
import { startTestStack } from '../support/local-stack.js';
import { launchChromium } from './support/chromium.js';
import { measureScroll, scrollToEnd, serveSyntheticList, syntheticConversations } from './support/synthetic.js';

const CONVERSATIONS = Number(process.env['MAILROOM_BENCH_CONVERSATIONS'] ?? 1000);
const SYNTHETIC = 10_000;
const RUNS = 3;

interface LoadFigures {
  firstContentfulPaintMs: number;
  listReadyMs: number;
  timeToInteractiveMs: number;
  longTasks: number;
  keyToFrameMs: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (value: number): number => Math.round(value * 10) / 10;

/** Collects long tasks from the very start of the page. */
const OBSERVE_LONG_TASKS = `
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, end: e.startTime + e.duration }); })
    .observe({ type: 'longtask', buffered: true });
`;

async function seed(smtpPort: number, count: number): Promise<number> {
  const started = performance.now();
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 4, maxMessages: Infinity });
  const senders = ['Élodie Marchand <elodie@exemple.fr>', 'Marc Lemoine <marc@fournisseur.example>', 'Hélène Dupré <helene@client.example>', 'Karim Benali <karim@exemple.fr>'];
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const n = ++next;
        await transport.sendMail({
          from: senders[n % senders.length],
          to: 'support@acme.test',
          subject: `Demande n° ${n} : livraison retardée`,
          text: `Bonjour,\n\nLa commande ${n} n’est toujours pas arrivée. Pouvez-vous vérifier ?\n\nMerci d’avance.`,
        });
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  } finally {
    transport.close();
  }
  return performance.now() - started;
}

async function measureLoad(page: Page, url: string): Promise<LoadFigures> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.clearBrowserCache');
  await cdp.detach();
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('mailroom:list-ready').length > 0, undefined, { timeout: 30_000 });
  // A quiet second after the list is ready: any long task still coming counts against interactivity.
  await page.waitForTimeout(1000);
  const load = await page.evaluate(() => {
    const ready = performance.getEntriesByName('mailroom:list-ready')[0]!.startTime;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN;
    const tasks = (window as unknown as { __longTasks: { start: number; end: number }[] }).__longTasks;
    const lastTaskEnd = tasks.reduce((end, t) => Math.max(end, t.end), 0);
    return { fcp, ready, tti: Math.max(ready, lastTaskEnd), longTasks: tasks.length };
  });
  // Press j: time from the key event to the frame that shows the moved selection.
  await page.bringToFront();
  await page.evaluate(() => {
    const w = window as unknown as { __keyToFrame: Promise<number> };
    w.__keyToFrame = new Promise((resolve) => {
      setTimeout(() => resolve(Number.NaN), 10_000);
      document.addEventListener('keydown', (event) => {
        const start = event.timeStamp;
        const check = (): void => {
          if (document.querySelector('.row--selected')) requestAnimationFrame(() => resolve(performance.now() - start));
          else requestAnimationFrame(check);
        };
        check();
      }, { once: true, capture: true });
    });
  });
  await page.keyboard.press('j');
  const keyToFrame = await page.evaluate(() => (window as unknown as { __keyToFrame: Promise<number> }).__keyToFrame);
  return { firstContentfulPaintMs: load.fcp, listReadyMs: load.ready, timeToInteractiveMs: load.tti, longTasks: load.longTasks, keyToFrameMs: keyToFrame };
}

async function main(): Promise<void> {
  await ensureWebBuilt({ quiet: true });
  const bundle = measureBundle();
  console.log(formatBundleSize(bundle));

  const stack = await startTestStack({ inboundConcurrency: 4 });
  const chromium = await launchChromium();
  // tsx compiles this file with esbuild's keepNames, which wraps functions in a `__name` helper that
  // functions passed to page.evaluate cannot see; give the pages a no-op one.
  await chromium.context.addInitScript('globalThis.__name = (fn) => fn;');
  const results: Record<string, unknown> = { bundle };
  try {
    console.log(`\nSeeding ${CONVERSATIONS} conversations over SMTP...`);
    const sendMs = await seed(stack.smtpPort, CONVERSATIONS);
    await stack.drain(600_000);
    const seededMs = sendMs;
    console.log(`  sent in ${Math.round(seededMs)} ms, all processed (queue drained)`);
    results['seed'] = { conversations: CONVERSATIONS, sendMs: Math.round(seededMs) };

    const token = await stack.signIn('alex@acme.test');
    const session = JSON.stringify({ token, email: 'alex@acme.test', expiresAt: null, provider: 'local' });
    const inboxUrl = `${stack.httpUrl}/mailboxes/support`;

    const load: Record<string, LoadFigures> = {};
    for (const throttle of [1, 4]) {
      const runs: LoadFigures[] = [];
      for (let run = 0; run < RUNS; run++) {
        const page = await chromium.context.newPage();
        await page.addInitScript(`sessionStorage.setItem('mailroom.session', ${JSON.stringify(session)});${OBSERVE_LONG_TASKS}`);
        const cdp = await page.context().newCDPSession(page);
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
        runs.push(await measureLoad(page, inboxUrl));
        await page.close();
      }
      const key = throttle === 1 ? 'fullSpeed' : `cpu${throttle}xSlower`;
      load[key] = {
        firstContentfulPaintMs: round(median(runs.map((r) => r.firstContentfulPaintMs))),
        listReadyMs: round(median(runs.map((r) => r.listReadyMs))),
        timeToInteractiveMs: round(median(runs.map((r) => r.timeToInteractiveMs))),
        longTasks: median(runs.map((r) => r.longTasks)),
        keyToFrameMs: round(median(runs.map((r) => r.keyToFrameMs))),
      };
    }
    results['inboxLoad'] = load;
    console.log(`\nInbox with ${CONVERSATIONS} conversations (first page of 50 on screen), median of ${RUNS} cold loads:`);
    for (const [name, figures] of Object.entries(load)) {
      console.log(`  ${name.padEnd(12)} FCP ${figures.firstContentfulPaintMs} ms, list ready ${figures.listReadyMs} ms, `
        + `time to interactive ${figures.timeToInteractiveMs} ms (${figures.longTasks} long tasks), j -> frame ${figures.keyToFrameMs} ms`);
    }

    const page = await chromium.context.newPage();
    await page.addInitScript(`sessionStorage.setItem('mailroom.session', ${JSON.stringify(session)});`);
    await page.goto(inboxUrl);
    await page.locator('.row').first().waitFor();
    let started = performance.now();
    await scrollToEnd(page, CONVERSATIONS, 120_000);
    const loadAllMs = performance.now() - started;
    const scroll = await measureScroll(page);
    const rows = await page.locator('.row').count();
    results['allConversations'] = { conversations: CONVERSATIONS, loadAllMs: Math.round(loadAllMs), rowsInDom: rows, scroll };
    console.log(`\nAll ${CONVERSATIONS} conversations loaded by scrolling in ${Math.round(loadAllMs)} ms; ${rows} rows in the DOM;`
      + ` scrolling frame interval p50 ${scroll.p50} ms, p95 ${scroll.p95} ms, max ${scroll.max} ms (${scroll.over50ms} of ${scroll.frames} frames over 50 ms)`);
    await page.close();

    const synthetic = await chromium.context.newPage();
    await serveSyntheticList(synthetic, syntheticConversations(SYNTHETIC));
    await synthetic.addInitScript(`sessionStorage.setItem('mailroom.session', ${JSON.stringify(session)});`);
    await synthetic.goto(inboxUrl);
    await synthetic.locator('.row').first().waitFor();
    started = performance.now();
    await scrollToEnd(synthetic, SYNTHETIC, 120_000);
    const syntheticLoadMs = performance.now() - started;
    const syntheticScroll = await measureScroll(synthetic);
    const syntheticRows = await synthetic.locator('.row').count();
    const domNodes = await synthetic.evaluate(() => document.getElementsByTagName('*').length);
    results['synthetic10000'] = { conversations: SYNTHETIC, loadAllMs: Math.round(syntheticLoadMs), rowsInDom: syntheticRows, domNodes, scroll: syntheticScroll };
    console.log(`${SYNTHETIC} synthetic conversations: loaded by scrolling in ${Math.round(syntheticLoadMs)} ms; ${syntheticRows} rows, ${domNodes} DOM nodes;`
      + ` scrolling frame interval p50 ${syntheticScroll.p50} ms, p95 ${syntheticScroll.p95} ms, max ${syntheticScroll.max} ms (${syntheticScroll.over50ms} of ${syntheticScroll.frames} frames over 50 ms)`);
  } finally {
    await chromium.close();
    await stack.stop();
  }
  mkdirSync('.bench', { recursive: true });
  writeFileSync('.bench/web.json', `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nWritten to .bench/web.json');
}

await main();
