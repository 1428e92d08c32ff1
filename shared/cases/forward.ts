/**
 * Unwrapping forwards sent to a case address. A forward comes in two shapes:
 * - attached (`message/rfc822` part): the parser already summarised it (`MessageRecord.forwarded`,
 *   see shared/mail/parse.ts) and its bytes are stored as an attachment;
 * - inline: the client quoted the original's header block in the body (Gmail "Forwarded
 *   message", Outlook "Original Message" / "De : … Envoyé : … Objet :", Apple "Begin forwarded
 *   message", Thunderbird "Message transféré"). This module reads that block back.
 */
import type { MailAddress } from '../mail/types.js';

export interface InlineForward {
  from: MailAddress | null;
  date: string | null;
  subject: string;
}

const SEPARATORS = [
  /^-{2,}\s*(?:forwarded message|message transf[ée]r[ée]|mensaje reenviado|weitergeleitete nachricht|original message|message d'origine|message original)\s*-{2,}\s*$/im,
  /^(?:begin forwarded message|d[ée]but du message r[ée]exp[ée]di[ée])\s*:\s*$/im,
  /^_{8,}\s*$/m,
];

const FIELD = /^\s*\**\s*(from|de|von|sent|date|envoy[ée]|gesendet|datum|subject|objet|sujet|betreff|to|[àa]|an|cc)\s*\**\s*:\s*(.*)$/i;

/** The original's sender, date and subject from an inline forward, or null when the text has none. */
export function parseInlineForward(text: string): InlineForward | null {
  let start = -1;
  for (const separator of SEPARATORS) {
    const match = separator.exec(text);
    if (match && (start < 0 || match.index < start)) start = match.index + match[0].length;
  }
  if (start < 0) return null;
  const lines = text.slice(start).split(/\r?\n/).slice(0, 30);
  const fields: Record<string, string> = {};
  let seen = false;
  for (const line of lines) {
    if (line.trim() === '') { if (seen) break; continue; }
    const match = FIELD.exec(line.replace(/^>\s?/, ''));
    if (!match) { if (seen) break; continue; }
    seen = true;
    const name = canonical(match[1]!.toLowerCase());
    if (name && fields[name] === undefined) fields[name] = match[2]!.trim();
  }
  if (fields.from === undefined && fields.subject === undefined) return null;
  return { from: fields.from ? parseAddress(fields.from) : null, date: fields.date ? toIsoDate(fields.date) : null, subject: fields.subject ?? '' };
}

function canonical(name: string): 'from' | 'date' | 'subject' | null {
  if (['from', 'de', 'von'].includes(name)) return 'from';
  if (['sent', 'date', 'datum', 'gesendet'].includes(name) || name.startsWith('envoy')) return 'date';
  if (['subject', 'objet', 'sujet', 'betreff'].includes(name)) return 'subject';
  return null;
}

/** `Léa Martin <lea@client.test>`, `lea@client.test`, `"Martin, Léa" [mailto:lea@client.test]`. */
export function parseAddress(value: string): MailAddress | null {
  const match = /<([^<>\s]+@[^<>\s]+)>|\[mailto:([^\]\s]+)\]|([^\s<>"[\]]+@[^\s<>"[\]]+)/i.exec(value);
  const address = (match?.[1] ?? match?.[2] ?? match?.[3])?.toLowerCase();
  if (!address) return null;
  const name = value.slice(0, match!.index).replace(/["']/g, '').trim();
  return { address, name };
}

function toIsoDate(value: string): string | null {
  const parsed = Date.parse(value.replace(/\s+at\s+/i, ' '));
  return Number.isNaN(parsed) ? null : new Date(parsed).toISOString();
}
