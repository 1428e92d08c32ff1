/**
 * The one-line preview shown in conversation lists. It should show what the sender wrote in this
 * message, not the quoted history most replies carry below it.
 */

/**
 * Attribution lines that introduce a quoted reply, per client language. Gmail and Apple Mail wrap a
 * long one over two lines, so they are tested against a line and the line after it.
 */
const ATTRIBUTIONS = [
  /^\s*On\b.{0,300}\bwrote\s*:\s*$/iu,
  /^\s*Le\b.{0,300}\ba\s+écrit\s*:\s*$/iu,
  /^\s*Am\b.{0,300}\bschrieb\b.{0,200}:\s*$/iu,
  /^\s*El\b.{0,300}\bescribió\s*:\s*$/iu,
  /^\s*Il\b.{0,300}\bha\s+scritto\s*:\s*$/iu,
  /^\s*Op\b.{0,300}\bschreef\b.{0,200}:\s*$/iu,
];

/** Separators Outlook and others put above the quoted original instead of `>` quoting. */
const ORIGINAL_MESSAGE_SEPARATOR =
  /^\s*-{2,}\s*(?:Original Message|Message d'origine|Ursprüngliche Nachricht|Mensaje original|Messaggio originale|Oorspronkelijk bericht)\s*-{2,}\s*$/iu;
const UNDERSCORE_RULE = /^\s*_{10,}\s*$/u;
const HEADER_FROM = /^\s*\*?(?:From|De|Von|Da|Van)\*?\s?:\s*\S/iu;
const HEADER_SENT = /^\s*\*?(?:Sent|Envoyé|Date|Gesendet|Enviado|Inviato|Verzonden)\*?\s?:\s*\S/iu;
const QUOTED = /^\s*>/u;
const SIGNATURE_SEPARATOR = /^-- ?$/u;

function isAttribution(lines: string[], index: number): number {
  const line = lines[index] ?? '';
  if (ATTRIBUTIONS.some((pattern) => pattern.test(line))) {
    return 1;
  }
  const next = lines[index + 1];
  if (next !== undefined && ATTRIBUTIONS.some((pattern) => pattern.test(`${line} ${next}`))) {
    return 2;
  }
  return 0;
}

function onlyQuotedOrBlank(lines: string[], from: number): boolean {
  return lines.slice(from).every((line) => line.trim() === '' || QUOTED.test(line));
}

function startsOutlookHeaderBlock(lines: string[], index: number): boolean {
  const line = lines[index] ?? '';
  if (ORIGINAL_MESSAGE_SEPARATOR.test(line)) {
    return true;
  }
  let from = index;
  if (UNDERSCORE_RULE.test(line)) {
    from = index + 1;
    while (from < lines.length && (lines[from] ?? '').trim() === '') {
      from++;
    }
  }
  if (!HEADER_FROM.test(lines[from] ?? '')) {
    return false;
  }
  return lines.slice(from + 1, from + 5).some((candidate) => HEADER_SENT.test(candidate));
}

/** Index of the first line of the quoted tail, or the number of lines when there is none. */
function quotedTailStart(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const attributionLines = isAttribution(lines, i);
    if (attributionLines > 0 && onlyQuotedOrBlank(lines, i + attributionLines)) {
      return i;
    }
    if (startsOutlookHeaderBlock(lines, i)) {
      return i;
    }
    if (SIGNATURE_SEPARATOR.test(lines[i] ?? '')) {
      return i;
    }
  }
  return lines.length;
}

function collapse(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

function cutAtWord(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  if (max <= 1) {
    return '…'.slice(0, max);
  }
  let cut = text.slice(0, max - 1);
  const lastSpace = /\s/u.test(text[max - 1] ?? '') ? cut.length : cut.lastIndexOf(' ');
  if (lastSpace >= Math.floor(max / 2)) {
    cut = cut.slice(0, lastSpace);
  } else if (/[\ud800-\udbff]$/u.test(cut)) {
    cut = cut.slice(0, -1);
  }
  return `${cut.replace(/[\s,;:.–—-]+$/u, '')}…`;
}

/**
 * A preview of at most `max` characters: whitespace collapsed, `>`-quoted lines dropped, and the
 * quoted tail of a reply removed (an "On … wrote:" / "Le … a écrit :" attribution followed only by
 * quoted lines, an Outlook "De : … Envoyé : …" or "-----Original Message-----" block, or a
 * signature after an RFC 3676 §4.3 "-- " separator). Cut at a word boundary, with an ellipsis. When
 * nothing is left (a forward without a comment, a reply that only quotes), the whole text is used.
 */
export function makeSnippet(text: string, max = 160): string {
  const lines = text.replace(/\r\n?/gu, '\n').split('\n');
  const own = lines.slice(0, quotedTailStart(lines)).filter((line) => !QUOTED.test(line));
  const snippet = collapse(own.join(' '));
  return cutAtWord(snippet === '' ? collapse(text) : snippet, max);
}
