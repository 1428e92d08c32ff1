/**
 * The inbox in Chromium against the local stack: sign in, mail arriving over SMTP shows up by
 * polling, keyboard navigation, reading French mail (UTF-8 and Windows-1252), the original .eml,
 * status filter, language switch, and errors in plain words. Screenshots: see support/screenshots.ts.
 */
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail } from '../support/local-stack.js';
import { startWebHarness, type WebHarness } from './support/app.js';
import { saveScreenshot } from './support/screenshots.js';


let web: WebHarness;
let page: Page;

async function shot(name: string): Promise<void> {
  await saveScreenshot(page, name);
}

/** Windows-1252: Latin-1 plus €, ’, œ and friends in 0x80-0x9f, as French mail clients send it. */
const CP1252_EXTRA: Record<string, number> = { '€': 0x80, '’': 0x92, '‘': 0x91, '“': 0x93, '”': 0x94, 'œ': 0x9c, 'Œ': 0x8c, '…': 0x85, '–': 0x96 };

function cp1252(text: string): Buffer {
  return Buffer.from([...text].map((c) => CP1252_EXTRA[c] ?? (c.charCodeAt(0) < 256 ? c.charCodeAt(0) : 0x3f)));
}

/** RFC 2047 Q-encoding of a Windows-1252 header value. */
function qEncode(text: string): string {
  const bytes = [...cp1252(text)].map((b) => (b === 0x20 ? '_' : b > 0x7e || b === 0x3d || b === 0x3f || b === 0x5f ? `=${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b)));
  return `=?windows-1252?Q?${bytes.join('')}?=`;
}

/** A message in Windows-1252 (8bit), sent raw over SMTP. */
async function sendCp1252(subject: string, body: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: web.stack.smtpPort, secure: false, ignoreTLS: true });
  const head = [
    `From: ${qEncode('Hélène Dupré')} <helene@client.example>`,
    'To: support@acme.test',
    `Subject: ${qEncode(subject)}`,
    'Date: Mon, 16 Nov 2026 09:30:00 +0100',
    'Message-ID: <cp1252-test@client.example>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=windows-1252',
    'Content-Transfer-Encoding: 8bit',
    '',
    '',
  ].join('\r\n');
  const raw = Buffer.concat([Buffer.from(head, 'ascii'), cp1252(body.replace(/\n/g, '\r\n'))]);
  try {
    await transport.sendMail({ envelope: { from: 'helene@client.example', to: ['support@acme.test'] }, raw });
  } finally {
    transport.close();
  }
}

/**
 * Julien is an agent of Support: he sees the conversations assigned to him. Alex, a dispatcher,
 * assigns him whatever arrived, as the team does every morning.
 */
async function dispatchToJulien(): Promise<void> {
  const alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
  const list = await alex.get<{ items: { conversationId: string; assignee: string | null }[] }>('/api/mailboxes/support/conversations?limit=100');
  for (const conversation of list.body.items.filter((c) => c.assignee === null)) {
    const assigned = await alex.post(`/api/conversations/${conversation.conversationId}/assign`, { assignee: 'julien@acme.test' });
    expect(assigned.status).toBe(200);
  }
}

beforeAll(async () => {
  web = await startWebHarness();
  await sendMail(web.stack, {
    from: 'Marc Lemoine <marc@fournisseur.example>',
    to: 'support@acme.test',
    subject: 'Devis n°2026-118 pour l’atelier',
    text: 'Bonjour,\n\nVous trouverez ci-joint le devis demandé.\n\nCordialement,\nMarc',
    attachments: [{ filename: 'devis-2026-118.pdf', content: Buffer.from('%PDF-1.4 test'), contentType: 'application/pdf' }],
  });
  await sendCp1252('Problème de facturation à régler', 'Bonjour,\n\nLa facture n° 4521 indique 1 250 € au lieu de 1 150 €.\nPouvez-vous corriger ? Merci d’avance.\n\nHélène');
  await web.stack.drain();
  await dispatchToJulien();
}, 60_000);

afterAll(async () => {
  await web?.close();
});

describe('the inbox in Chromium', () => {
  it('signs in as Julien through the sign-in screen, in French', async () => {
    page = await web.newPage();
    await page.clock.install();
    await page.goto(web.url);
    await page.waitForURL(/\/sign-in$/);
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('fr');
    await page.getByRole('heading', { name: 'Connexion à Mailroom' }).waitFor();
    await shot('sign-in');

    await page.getByLabel('Adresse e-mail').fill('julien@acme.test');
    await page.getByRole('button', { name: 'Se connecter' }).click();

    await page.getByRole('heading', { level: 1, name: 'Support' }).waitFor();
    expect(page.url()).toMatch(/\/mailboxes\/support$/);
    await expect.poll(() => page.evaluate(() => sessionStorage.getItem('mailroom.session') !== null)).toBe(true);
    const nav = page.getByRole('navigation', { name: 'Boîtes' });
    await expect.poll(() => nav.getByRole('link').first().textContent()).toContain('Support');
  });

  it('lists his conversations with sender, subject, snippet, time, status, assignee and unread state', async () => {
    const list = page.getByRole('list', { name: 'Conversations de Support' });
    await list.waitFor();
    const rows = list.getByRole('listitem');
    await expect.poll(() => rows.count()).toBe(2);
    const first = await rows.nth(0).innerText();
    expect(first).toContain('Hélène Dupré');
    expect(first).toContain('Problème de facturation à régler');
    expect(first).toContain('1 250 €');
    expect(first).toContain('Non lu');
    expect(first).toContain('Attribuée');
    expect(first).toContain('Attribuée à vous');
    expect(first).toMatch(/\d{2}:\d{2}|\d{1,2} \w+\.?/);
    const second = await rows.nth(1).innerText();
    expect(second).toContain('Marc Lemoine');
    expect(second).toContain('Devis n°2026-118 pour l’atelier');
  });

  it('shows a mail sent over SMTP without a reload, by polling', async () => {
    await sendMail(web.stack, {
      from: 'Élodie Marchand <elodie@exemple.fr>',
      to: 'support@acme.test',
      subject: 'Rendez-vous de jeudi : à quelle heure ?',
      text: 'Bonjour Julien,\n\nÀ quelle heure pouvons-nous nous voir jeudi ? Je préfère 14 h 30.\n\nBien à vous,\nÉlodie',
    });
    await web.stack.drain();
    await dispatchToJulien();
    const rows = page.getByRole('list', { name: 'Conversations de Support' }).getByRole('listitem');
    expect(await rows.count()).toBe(2);
    // The next poll is due 15 s after the last one.
    await page.clock.fastForward(16_000);
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.nth(0).innerText()).toContain('Rendez-vous de jeudi : à quelle heure ?');
    await expect.poll(() => page.getByText('1 nouvelle conversation').count()).toBe(1);
    await page.clock.resume();
  });

  it('moves with j/k and opens with Enter; Escape goes back to the list', async () => {
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('j');
    const selected = page.locator('.row--selected');
    await expect.poll(() => selected.innerText()).toContain('Rendez-vous de jeudi');
    await page.keyboard.press('j');
    await expect.poll(() => selected.innerText()).toContain('Problème de facturation');
    await page.keyboard.press('j');
    await expect.poll(() => selected.innerText()).toContain('Devis n°2026-118');
    await page.keyboard.press('k');
    await expect.poll(() => selected.innerText()).toContain('Problème de facturation');
    // The selected row has focus, so a screen reader follows along.
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('li')?.classList.contains('row--selected'))).toBe(true);
    await shot('inbox');

    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'Problème de facturation à régler' }).waitFor();
    expect(page.url()).toMatch(/\/mailboxes\/support\/conversations\/[\w-]+$/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('conversation-subject');

    await page.keyboard.press('Escape');
    await page.waitForURL(/\/mailboxes\/support$/);
    await expect.poll(() => page.locator('.reading-pane').innerText()).toContain('Sélectionnez une conversation');
  });

  it('reads French text correctly, in Windows-1252 as in UTF-8', async () => {
    await page.getByRole('link', { name: /Problème de facturation/ }).click();
    const message = page.getByRole('article').first();
    await message.waitFor();
    const text = await message.innerText();
    expect(text).toContain('Hélène Dupré');
    expect(text).toContain('La facture n° 4521 indique 1 250 € au lieu de 1 150 €.');
    expect(text).toContain('Pouvez-vous corriger ? Merci d’avance.');
    expect(text).toMatch(/lundi 16 novembre 2026/);

    await page.getByRole('link', { name: /Rendez-vous de jeudi/ }).click();
    await page.getByRole('heading', { level: 2, name: 'Rendez-vous de jeudi : à quelle heure ?' }).waitFor();
    expect(await page.getByRole('article').first().innerText()).toContain('À quelle heure pouvons-nous nous voir jeudi ? Je préfère 14 h 30.');
  });

  it('shows attachments, the threading explanation and the original .eml link', async () => {
    await page.getByRole('link', { name: /Devis n°2026-118/ }).click();
    const message = page.getByRole('article').first();
    await message.getByRole('heading', { name: /Marc Lemoine/ }).waitFor();
    await message.getByRole('button', { name: 'Télécharger devis-2026-118.pdf' }).waitFor();
    expect(await message.innerText()).toMatch(/application\/pdf · 13\s+octets/);
    await message.getByText('Pourquoi ce message est dans cette conversation').click();
    expect(await message.innerText()).toContain('Nouvelle conversation');
    await shot('conversation');
    await message.getByRole('button', { name: 'Message original (.eml)' }).waitFor();
  });

  it('downloads the original .eml with the sign-in token', async () => {
    const message = page.getByRole('article').first();
    const rawPath = await message.getAttribute('data-message-key').then((key) => `/api/messages/${key}/raw`);
    // The API must hand the browser the short-lived link (a page cannot follow the redirect with its token).
    const probe = await fetch(`${web.url}${rawPath}`, {
      headers: { authorization: `Bearer ${await web.stack.signIn('julien@acme.test')}`, accept: 'application/json' },
      redirect: 'manual',
    });
    expect(probe.status).toBe(200);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      message.getByRole('button', { name: 'Message original (.eml)' }).click(),
    ]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const eml = readFileSync(path, 'utf8');
    expect(eml).toContain('Subject: =?UTF-8?');
    expect(eml).toContain('marc@fournisseur.example');
  });

  it('filters by status and says when nothing matches', async () => {
    await page.getByLabel('Filtrer par statut').selectOption({ label: 'Clôturée' });
    await page.waitForURL(/\?status=closed$/);
    await page.getByText('Aucune conversation au statut « Clôturée ».').waitFor();
    await page.getByLabel('Filtrer par statut').selectOption({ label: 'Attribuée' });
    await expect.poll(() => page.getByRole('list', { name: 'Conversations de Support' }).getByRole('listitem').count()).toBe(3);
    await page.getByLabel('Filtrer par statut').selectOption({ label: 'Tous les statuts' });
    await page.waitForURL(/\/mailboxes\/support$/);
  });

  it('works a conversation: status, history, unread, and a change made meanwhile by someone else', async () => {
    await page.getByRole('link', { name: /Rendez-vous de jeudi/ }).click();
    const actions = page.getByRole('group', { name: 'Actions' });
    await actions.waitFor();
    await actions.getByLabel('Statut').selectOption({ label: 'En cours' });
    await actions.getByText('Enregistré.').waitFor();
    const row = page.getByRole('listitem').filter({ hasText: 'Rendez-vous de jeudi' });
    await expect.poll(() => row.innerText()).toContain('En cours');

    await actions.getByRole('button', { name: 'Historique' }).click();
    const history = page.getByRole('region', { name: 'Historique' });
    await expect.poll(() => history.innerText()).toContain('julien@acme.test a changé le statut de « Attribuée » à « En cours »');
    expect(await history.innerText()).toContain('alex@acme.test l’a attribuée à julien@acme.test');

    await actions.getByRole('button', { name: 'Marquer comme non lue' }).click();
    await expect.poll(() => row.innerText()).toContain('Non lu');

    // Alex (dispatcher) closes it while Julien still sees "En cours".
    const alex = api(web.stack, await web.stack.signIn('alex@acme.test'));
    const conversationId = page.url().split('/').pop()!;
    expect((await alex.post(`/api/conversations/${conversationId}/status`, { status: 'closed' })).status).toBe(200);
    await actions.getByLabel('Statut').selectOption({ label: 'À faire' });
    const alert = page.getByRole('alert').filter({ hasText: 'La modification n’a pas été enregistrée.' });
    await alert.waitFor();
    expect(await alert.innerText()).toContain('Quelqu’un a modifié cette conversation entre-temps.');
    await expect.poll(() => actions.getByLabel('Statut').inputValue()).toBe('closed');
    expect(await alex.post(`/api/conversations/${conversationId}/status`, { status: 'in_progress' }).then((r) => r.status)).toBe(200);
  });

  it('lists the shortcuts in a help overlay opened with ?', async () => {
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Raccourcis clavier' });
    await dialog.waitFor();
    const text = await dialog.innerText();
    for (const expected of ['Conversation suivante', 'Conversation précédente', 'Ouvrir la conversation sélectionnée', 'Revenir à la liste']) {
      expect(text).toContain(expected);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('says in plain words what went wrong, next to what caused it', async () => {
    await page.goto(`${web.url}/mailboxes/support/conversations/does-not-exist`);
    const pane = page.getByRole('region', { name: 'Conversation' });
    await pane.getByRole('alert').waitFor();
    const alert = await pane.getByRole('alert').innerText();
    expect(alert).toContain('Cette conversation n’a pas pu être chargée.');
    expect(alert).toContain('Cette conversation n’existe pas, ou vous ne pouvez pas la voir.');
    expect(await pane.getByRole('button', { name: 'Réessayer' }).count()).toBe(1);

    await page.goto(`${web.url}/mailboxes/ventes`);
    await page.getByText('Cette boîte n’existe pas ou vous n’en êtes pas membre.').waitFor();
  });

  it('revalidates the list when it polls: an unchanged list comes back as 304 with no body', async () => {
    const statuses: number[] = [];
    const onResponse = (response: import('playwright-core').Response): void => {
      if (/\/api\/mailboxes\/support\/conversations\?/.test(response.url())) statuses.push(response.status());
    };
    await page.goto(`${web.url}/mailboxes/support`);
    const rows = page.getByRole('list', { name: 'Conversations de Support' }).getByRole('listitem');
    await rows.first().waitFor();
    const shown = await rows.count();
    page.on('response', onResponse);
    await page.getByRole('button', { name: 'Actualiser' }).click();
    await page.getByRole('button', { name: 'Actualiser' }).click();
    await expect.poll(() => statuses.length).toBeGreaterThanOrEqual(2);
    page.off('response', onResponse);
    expect(statuses.at(-1)).toBe(304);
    expect(await rows.count()).toBe(shown);
  });

  it('sends an expired session back to sign-in, saying why', async () => {
    const stale = await web.newPage();
    await stale.addInitScript(() => {
      sessionStorage.setItem('mailroom.session', JSON.stringify({ token: 'expired.or.forged', email: 'julien@acme.test', expiresAt: null, provider: 'local' }));
    });
    await stale.goto(`${web.url}/mailboxes/support`);
    await stale.waitForURL(/\/sign-in\?next=%2Fmailboxes%2Fsupport$/);
    await stale.getByText('Votre session a pris fin. Reconnectez-vous pour continuer.').waitFor();
    await stale.getByLabel('Adresse e-mail').fill('julien@acme.test');
    await stale.getByRole('button', { name: 'Se connecter' }).click();
    await stale.waitForURL(/\/mailboxes\/support$/);
    await stale.close();
  });

  it('switches to English, with dates in English, and keeps the choice', async () => {
    await page.goto(`${web.url}/mailboxes/support`);
    await page.getByLabel('Langue').selectOption('en');
    await page.getByRole('list', { name: 'Conversations of Support' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('link', { name: /Problème de facturation/ }).click();
    await expect.poll(() => page.getByRole('article').first().innerText()).toMatch(/Monday, November 16, 2026/);
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(/\/sign-in$/);
    expect(await page.evaluate(() => sessionStorage.getItem('mailroom.session'))).toBeNull();
  });
});
