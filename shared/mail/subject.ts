/**
 * Subject normalisation for threading. Mail clients add reply and forward prefixes in the user's
 * language (RFC 5322 §3.6.5, https://www.rfc-editor.org/rfc/rfc5322#section-3.6.5, only suggests "Re: "), Outlook adds a space before the colon in French
 * ("RE :"), some clients count ("Re[2]:", "Re(2):", "Re^2:"), and mailing lists add `[tag]`s before
 * or after those prefixes. The key computed here must be equal for every message of a conversation.
 */

/**
 * Reply and forward prefixes, per language:
 * en Re/Fw/Fwd · fr Réf/Ref/TR (transféré) · de AW (Antwort)/WG (Weitergeleitet) · sv/no/da SV/VB ·
 * fi VS · it R/RIF (riferimento) · nl Antw/Doorst · es/pt RV/ENC/RES · pl Odp/PD · tr YNT/İLT ·
 * el ΑΠ/ΣΧΕΤ/ΠΡΘ · zh 回复/答复/转发 (simplified and traditional).
 * Longer alternatives come first so that a shorter one never wins on a shared start.
 */
const PREFIX_WORDS = [
  'doorst', 'antw', 'σχετ', 'fwd', 'réf', 'ref', 'rif', 'odp', 'ynt', 'İlt', 'ilt', 'enc', 'res', 'πρθ',
  're', 'fw', 'tr', 'aw', 'wg', 'sv', 'vs', 'vb', 'rv', 'pd', 'απ', 'r',
  '回复', '回覆', '答复', '答覆', '转发', '轉發', '转寄', '轉寄',
];

const PREFIX = new RegExp(
  `^(?:${PREFIX_WORDS.join('|')})\\.?\\s*(?:\\[\\d{1,4}\\]|\\(\\d{1,4}\\)|\\^\\d{1,4})?\\s*[:：]\\s*`,
  'iu',
);

/** A list tag such as `[users]` or `[Ticket #123]`: kept in the key, since it tells tickets apart. */
const TAG = /^\[[^[\]]{1,80}\]\s*/u;

/** The old Pine/Usenet forward marker at the end: "Subject (fwd)". */
const FWD_SUFFIX = /\s*\((?:fwd|fw)\)\s*$/iu;

const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/gu;

function stripPrefixes(subject: string): { key: string; removed: number } {
  let rest = subject.normalize('NFC').replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim();
  let removed = 0;
  const tags: string[] = [];
  for (;;) {
    const prefix = PREFIX.exec(rest);
    if (prefix) {
      rest = rest.slice(prefix[0].length);
      removed++;
      continue;
    }
    const tag = TAG.exec(rest);
    if (tag) {
      const value = tag[0].trim().toLowerCase();
      if (tags[tags.length - 1] !== value) {
        tags.push(value);
      }
      rest = rest.slice(tag[0].length);
      continue;
    }
    break;
  }
  if (FWD_SUFFIX.test(rest)) {
    rest = rest.replace(FWD_SUFFIX, '');
    removed++;
  }
  const key = [...tags, rest.trim().toLowerCase()].filter((part) => part !== '').join(' ');
  return { key, removed };
}

/**
 * The threading key of a subject: reply/forward prefixes removed wherever they sit among leading
 * list tags, tags kept (deduplicated when a list repeats its own), whitespace collapsed,
 * NFC-normalised and lower-cased. "RE : [Support] Réf. : Facture" and "[Support] facture" give the
 * same key. Tags are kept because ticketing systems put the ticket number in them
 * ("[Ticket #123] Printer" and "[Ticket #456] Printer" are different conversations).
 */
export function normalizeSubject(subject: string): string {
  return stripPrefixes(subject).key;
}

/** True when the subject carries at least one reply or forward prefix (or a trailing "(fwd)"). */
export function isReplyOrForwardSubject(subject: string): boolean {
  return stripPrefixes(subject).removed > 0;
}
