/**
 * Address helpers used for routing inbound mail to mailboxes.
 *
 * Addresses are compared lower-cased. RFC 5321 §2.4 lets the receiving host treat the local part as
 * case-sensitive, but no mail system in use today does, and senders routinely change the case.
 */

/**
 * Normalises an address for comparison and storage: trims it, removes surrounding angle brackets
 * (as found in `Return-Path`, `Final-Recipient` or `Original-Recipient`) and lower-cases it.
 */
export function normalizeAddress(address: string): string {
  let value = address.trim();
  if (value.startsWith('<') && value.endsWith('>')) {
    value = value.slice(1, -1).trim();
  }
  return value.toLowerCase();
}

/**
 * Splits sub-addressing (`local+tag@domain`, RFC 5233) so that `support+billing@x.com` reaches the
 * `support@x.com` mailbox and the tag can still be used to route or label. The address is
 * normalised first; the split is on the first `+` of the local part. An empty tag counts as none.
 */
export function splitPlusAddress(address: string): { base: string; tag: string | null } {
  const normalized = normalizeAddress(address);
  const at = normalized.lastIndexOf('@');
  if (at <= 0) {
    return { base: normalized, tag: null };
  }
  const local = normalized.slice(0, at);
  const plus = local.indexOf('+');
  if (plus < 0) {
    return { base: normalized, tag: null };
  }
  const tag = local.slice(plus + 1);
  const baseLocal = local.slice(0, plus);
  if (baseLocal === '') {
    return { base: normalized, tag: null };
  }
  return { base: `${baseLocal}${normalized.slice(at)}`, tag: tag === '' ? null : tag };
}

/**
 * The domain of an address, lower-cased; `''` when there is no `@` (so results can be used as map
 * keys and filtered without null checks). Uses the last `@` because a quoted local part may
 * contain one (RFC 5321 §4.1.2).
 */
export function domainOf(address: string): string {
  const normalized = normalizeAddress(address);
  const at = normalized.lastIndexOf('@');
  return at < 0 ? '' : normalized.slice(at + 1);
}
