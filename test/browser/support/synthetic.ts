/**
 * Synthetic conversation lists served in place of the API's list route (Playwright routing), to
 * test and measure the list at sizes that would take minutes to receive over SMTP.
 */
import type { Page, Route } from 'playwright-core';

interface Summary {
  conversationId: string;
  mailboxId: string;
  subject: string;
  snippet: string;
  from: { address: string; name: string };
  status: string;
  assignee: string | null;
  isNew: boolean;
  unread: boolean;
  labels: string[];
  flags: string[];
  messageCount: number;
  hasAttachments: boolean;
  createdAt: string;
  lastActivityAt: string;
  version: number;
}

const NAMES = ['Élodie Marchand', 'Marc Lemoine', 'Hélène Dupré', 'Karim Benali', 'Sophie Nguyen', 'Thomas Leroy', 'Chloé Fabre'];
const SUBJECTS = ['Facture n° {n} en double', 'Demande de devis {n}', 'Livraison retardée (commande {n})', 'Question sur le contrat {n}', 'Réclamation dossier {n}'];
const STATUSES = ['unassigned', 'assigned', 'in_progress', 'todo', 'closed'];

/** `count` conversations, newest activity first, one minute apart. */
export function syntheticConversations(count: number, mailboxId = 'support', now = Date.now()): Summary[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const name = NAMES[i % NAMES.length]!;
    const at = new Date(now - i * 60_000).toISOString();
    const status = STATUSES[i % STATUSES.length]!;
    return {
      conversationId: `syn${String(n).padStart(6, '0')}`,
      mailboxId,
      subject: `${SUBJECTS[i % SUBJECTS.length]!.replace('{n}', String(n))} · #${n}`,
      snippet: `Bonjour, je reviens vers vous au sujet du dossier ${n} : pouvez-vous me confirmer la date ?`,
      from: { address: `client${n}@exemple.fr`, name },
      status,
      assignee: status === 'unassigned' ? null : 'julien@acme.test',
      isNew: i % 7 === 0,
      unread: i % 3 === 0,
      labels: i % 4 === 0 ? ['facturation'] : [],
      flags: i % 11 === 0 ? ['auto-reply'] : [],
      messageCount: 1 + (i % 4),
      hasAttachments: i % 5 === 0,
      createdAt: at,
      lastActivityAt: at,
      version: 1,
    };
  });
}

/** Serves `items` for the mailbox's list route, paged as the API does (opaque offset cursors). */
export async function serveSyntheticList(page: Page, items: Summary[]): Promise<{ requests: () => number; cursors: () => string[] }> {
  let requests = 0;
  const cursors: string[] = [];
  await page.route((url) => /\/api\/mailboxes\/[^/]+\/conversations$/.test(url.pathname), async (route: Route) => {
    requests += 1;
    const url = new URL(route.request().url());
    const cursor = url.searchParams.get('cursor');
    if (cursor !== null) cursors.push(cursor);
    const limit = Number(url.searchParams.get('limit') ?? 25);
    const offset = Number(url.searchParams.get('cursor') ?? 0);
    const page = items.slice(offset, offset + limit);
    const next = offset + limit < items.length ? String(offset + limit) : null;
    await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ items: page, nextCursor: next }) });
  });
  return { requests: () => requests, cursors: () => [...cursors] };
}

/** Scrolls the list to its end until every page is loaded; returns the number of rows the list holds. */
export async function scrollToEnd(page: Page, expected: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const loaded = await page.evaluate(() => {
      const scroller = document.querySelector('.conv-scroller');
      if (scroller) scroller.scrollTop = scroller.scrollHeight;
      return document.querySelectorAll('.conv-list').length > 0
        ? Math.round((document.querySelector('.conv-list') as HTMLElement).offsetHeight / (document.querySelector('.row') as HTMLElement).offsetHeight)
        : 0;
    });
    if (loaded >= expected) return;
    if (Date.now() > deadline) throw new Error(`scrollToEnd: ${loaded} of ${expected} rows after ${timeoutMs} ms`);
    await page.waitForTimeout(20);
  }
}

/**
 * Scrolls through the list one step per animation frame and reports frame intervals: how smooth
 * the windowed list is (16.7 ms is 60 frames per second).
 */
export async function measureScroll(page: Page, frames = 240, stepPx = 1500): Promise<{ frames: number; p50: number; p95: number; max: number; over50ms: number }> {
  return page.evaluate(async ({ frames, stepPx }) => {
    const scroller = document.querySelector('.conv-scroller') as HTMLElement;
    scroller.scrollTop = 0;
    await new Promise((r) => requestAnimationFrame(r));
    const intervals: number[] = [];
    let last = performance.now();
    for (let i = 0; i < frames; i++) {
      scroller.scrollTop += stepPx;
      if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight) scroller.scrollTop = 0;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      intervals.push(now - last);
      last = now;
    }
    intervals.sort((a, b) => a - b);
    const at = (q: number) => Math.round(intervals[Math.min(intervals.length - 1, Math.floor(q * intervals.length))]! * 10) / 10;
    return { frames, p50: at(0.5), p95: at(0.95), max: at(1), over50ms: intervals.filter((v) => v > 50).length };
  }, { frames, stepPx });
}
