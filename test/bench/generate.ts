/** Deterministic generated mail for benchmarks: French text, realistic MIME shapes, chosen sizes. */

const WORDS = ('bonjour merci pour votre message nous avons bien reçu votre demande concernant la commande ' +
  'livraison prévue semaine prochaine facture ci-jointe équipe support client réponse rapide délai ' +
  'à très bientôt cordialement question produit référence numéro dossier rappel téléphone rendez-vous').split(' ');

/** Mulberry32: a tiny seeded PRNG so every run generates the same mail. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function text(random: () => number, bytes: number): string {
  const out: string[] = [];
  let size = 0;
  while (size < bytes) {
    const sentence = Array.from({ length: 8 + Math.floor(random() * 10) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
    const line = `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
    out.push(line);
    size += Buffer.byteLength(line) + 2;
  }
  return out.join('\r\n');
}

function base64Lines(data: Buffer): string {
  return data.toString('base64').replace(/.{76}/g, '$&\r\n');
}

export type MailKind = 'plain-5k' | 'html-50k' | 'attachment-300k' | 'attachment-3m';

export interface GeneratedMail {
  kind: MailKind;
  raw: Buffer;
  messageId: string;
}

/** One message of the given kind, unique by `n`. */
export function generateMail(kind: MailKind, n: number, to = 'support@acme.test'): GeneratedMail {
  const random = prng(n * 7919 + kind.length);
  const messageId = `bench-${kind}-${n}@client.test`;
  const headers = [
    `From: Client ${n} <client${n % 500}@client.test>`, `To: ${to}`, `Subject: Demande ${n} – commande ${1000 + n}`,
    `Date: Fri, 20 Nov 2026 09:${String(n % 60).padStart(2, '0')}:00 +0100`, `Message-ID: <${messageId}>`, 'MIME-Version: 1.0',
  ];
  const boundary = `=_b${n}`;
  const alt = `=_a${n}`;
  const textBytes = kind === 'plain-5k' ? 2000 : kind === 'html-50k' ? 12000 : 1500;
  const body = text(random, textBytes);
  const html = `<html><body><div style="font-family:Arial">${body.split('\r\n').map((l) => `<p>${l}</p>`).join('\r\n')}</div>` +
    (kind === 'html-50k' ? `<table>${'<tr><td style="padding:4px">cellule</td><td><a href="https://example.org/x">lien</a></td></tr>\r\n'.repeat(220)}</table>` : '') +
    '</body></html>';
  const alternative = [
    `Content-Type: multipart/alternative; boundary="${alt}"`, '', `--${alt}`,
    'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', body, `--${alt}`,
    'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', html, `--${alt}--`, '',
  ].join('\r\n');
  if (kind === 'plain-5k' || kind === 'html-50k') {
    return { kind, messageId, raw: Buffer.from(`${headers.join('\r\n')}\r\n${alternative}`) };
  }
  const size = kind === 'attachment-300k' ? 300 * 1024 : 3 * 1024 * 1024;
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) data.writeUInt32LE(Math.floor(random() * 0xffffffff), i);
  const mixed = [
    `${headers.join('\r\n')}`, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, alternative,
    `--${boundary}`, `Content-Type: application/pdf; name="piece-${n}.pdf"`, `Content-Disposition: attachment; filename="piece-${n}.pdf"`,
    'Content-Transfer-Encoding: base64', '', base64Lines(data), `--${boundary}--`, '',
  ].join('\r\n');
  return { kind, messageId, raw: Buffer.from(mixed) };
}

/** The benchmark's mix: mostly small conversational mail, some newsletters and attachments. */
export function kindFor(n: number): MailKind {
  const r = n % 50;
  if (r === 0) return 'attachment-3m';
  if (r < 5) return 'attachment-300k';
  if (r < 15) return 'html-50k';
  return 'plain-5k';
}

/** A message of about `bytes` with one large base64 attachment (e.g. the 40 MB SES maximum). */
export function generateLargeMail(bytes: number): Buffer {
  const attachment = Math.floor((bytes * 3) / 4) - 4096;
  const random = prng(42);
  const data = Buffer.alloc(attachment);
  for (let i = 0; i + 4 <= attachment; i += 4) data.writeUInt32LE(Math.floor(random() * 0xffffffff), i);
  return Buffer.from([
    'From: big@client.test', 'To: support@acme.test', 'Subject: Très gros envoi', 'Message-ID: <big@client.test>', 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="big"', '', '--big', 'Content-Type: text/plain; charset=utf-8', '', 'Voici les plans.', '--big',
    'Content-Type: application/zip; name="plans.zip"', 'Content-Disposition: attachment; filename="plans.zip"', 'Content-Transfer-Encoding: base64', '',
    base64Lines(data), '--big--', '',
  ].join('\r\n'));
}
