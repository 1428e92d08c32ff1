/**
 * Recipients typed in the composer: one address a chip, checked in the browser only for its
 * shape (the API has the last word and names a refused one by position, `body.to[1]`).
 */

export type AddressField = 'to' | 'cc' | 'bcc';
export const ADDRESS_FIELDS: readonly AddressField[] = ['to', 'cc', 'bcc'];

export interface Chip {
  /** What the user typed, trimmed: `jean@exemple.fr` or `Jean Martin <jean@exemple.fr>`. */
  text: string;
  address: string;
  name: string;
  /** Why the browser or the API refused it, in the user's words; null when it looks fine. */
  error: string | null;
}

const SHAPE = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:".]{2,}$/;

/** `Name <a@b.c>`, `<a@b.c>` or `a@b.c`; null address part when nothing looks like one. */
export function parseAddress(input: string): { address: string; name: string } {
  const text = input.trim();
  const angled = /^(.*)<([^<>]*)>$/.exec(text);
  if (angled) return { name: angled[1]!.trim().replace(/^"|"$/g, ''), address: angled[2]!.trim() };
  return { name: '', address: text };
}

export function looksLikeAddress(address: string): boolean {
  return SHAPE.test(address);
}

/** Splits pasted or typed text on commas, semicolons and line breaks (never inside `<...>`). */
export function splitAddresses(input: string): string[] {
  return input.split(/[,;\n]+/).map((part) => part.trim()).filter((part) => part !== '');
}

/** `body.to[1]` -> `{ field: 'to', index: 1 }`; `body.subject` -> `{ field: 'subject' }`. */
export function fieldOfError(path: string): { field: string; index: number | null } | null {
  const match = /^(?:body\.)?([A-Za-z]+)(?:\[(\d+)\])?/.exec(path);
  if (!match) return null;
  return { field: match[1]!, index: match[2] !== undefined ? Number(match[2]) : null };
}
