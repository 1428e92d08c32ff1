/**
 * Message-ID handling (RFC 5322 §3.6.4). Ids are stored without angle brackets, as sent otherwise:
 * they are compared byte for byte when threading.
 */

/** Printable ASCII except `<` and `>`, with an `@` that is neither first nor last. */
function looksLikeId(candidate: string): boolean {
  if (candidate.length === 0 || candidate.length > 250 || !/^[\x21-\x3b\x3d\x3f-\x7e]+$/u.test(candidate)) {
    return false;
  }
  const at = candidate.lastIndexOf('@');
  return at > 0 && at < candidate.length - 1;
}

/**
 * Every message id in a `Message-ID`, `In-Reply-To` or `References` value, in order, without
 * duplicates. Bracketed ids are taken wherever they appear, so an RFC 822-era In-Reply-To phrase
 * ("Your message of Monday <id@host>") or a comment still yields the id; when there are no brackets
 * at all, whitespace-separated `left@right` tokens are taken. Anything else is garbage and dropped.
 */
export function extractMessageIds(value: string): string[] {
  const ids = new Set<string>();
  const bracketed = value.match(/<[^<>]*>/gu);
  const candidates = bracketed
    ? bracketed.map((token) => token.slice(1, -1).replace(/\s+/gu, ''))
    : value.split(/[\s,]+/u).map((token) => token.replace(/^["']|["']$/gu, ''));
  for (const candidate of candidates) {
    if (looksLikeId(candidate)) {
      ids.add(candidate);
    }
  }
  return [...ids];
}

/** The first usable id of a header value, or null. */
export function firstMessageId(value: string | null | undefined): string | null {
  return value ? (extractMessageIds(value)[0] ?? null) : null;
}
