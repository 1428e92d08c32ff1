/**
 * Search tokens for autocomplete. A member types the start of a first name, a last name, a full
 * name or an address; each of those is stored as a prefix item (contact-repository.ts), so a
 * suggestion is one `begins_with` Query. Accents and case are folded, so "lea" finds "Léa".
 */

/** Lower-cased, accents removed, spaces collapsed; `#` is the sort-key separator and is dropped. */
export function normaliseSearch(value: string): string {
  return value.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/#/g, ' ').replace(/\s+/g, ' ').trim();
}

/** The tokens of a contact: each word of the name, the whole name, each address and its local part. */
export function searchTokens(fullName: string, emails: string[]): string[] {
  const tokens = new Set<string>();
  const name = normaliseSearch(fullName);
  if (name !== '') {
    tokens.add(name);
    for (const word of name.split(/[\s,.'’()-]+/)) if (word.length > 0) tokens.add(word);
  }
  for (const email of emails) {
    const address = normaliseSearch(email);
    if (address === '') continue;
    tokens.add(address);
    const local = address.split('@')[0] ?? '';
    for (const part of local.split(/[._+-]+/)) if (part.length > 1) tokens.add(part);
  }
  return [...tokens].filter((t) => t.length > 0 && t.length <= 200);
}
