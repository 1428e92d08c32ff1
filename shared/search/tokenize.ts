/**
 * Search terms: the one normalisation shared by the indexer (what a message is found by) and the
 * query (what a user types), so both sides always agree.
 *
 * - Lower-cased, accents folded (NFKD without combining marks): "Échéance" and "echeance" match,
 *   which is how French users type in a search box.
 * - Words are runs of letters and digits; an email address is also kept whole, so
 *   `lea@client.test` finds exactly that participant while `client` finds the whole domain.
 * - French and English stop words are dropped: they are in nearly every message, so their postings
 *   would be the largest and the least useful (and the most expensive to write).
 * - A final `s` is folded ("factures" finds "facture"): the cheapest plural rule that holds for
 *   both languages; applied on both sides, a wrong fold ("status" -> "statu") still matches.
 * - Terms shorter than {@link MIN_TERM_LENGTH} or longer than {@link MAX_TERM_LENGTH} (hashes,
 *   base64 runs) are skipped.
 */

export const MIN_TERM_LENGTH = 2;
export const MAX_TERM_LENGTH = 40;

/** At most this many terms are taken from a query: each costs one read. */
export const MAX_QUERY_TERMS = 6;

const STOP_WORDS = new Set([
  // French
  'au', 'aux', 'avec', 'ce', 'ces', 'cet', 'cette', 'dans', 'de', 'des', 'du', 'elle', 'en', 'et', 'eux', 'il', 'ils', 'je',
  'la', 'le', 'les', 'leur', 'leurs', 'lui', 'ma', 'mais', 'me', 'meme', 'mes', 'moi', 'mon', 'ne', 'nos', 'notre', 'nous',
  'on', 'ou', 'par', 'pas', 'pour', 'qu', 'que', 'qui', 'sa', 'se', 'ses', 'son', 'sur', 'ta', 'te', 'tes', 'toi', 'ton',
  'tu', 'un', 'une', 'vos', 'votre', 'vous', 'est', 'sont', 'ete', 'etre', 'avoir', 'ai', 'as', 'avez', 'ont', 'fait',
  'si', 'ni', 'donc', 'car', 'tout', 'tous', 'toute', 'toutes', 'plus', 'tres', 'bien', 'aussi', 'comme', 'sans', 'sous',
  'entre', 'vers', 'chez', 'ici', 'cela', 'ca', 'dont', 'quand', 'alors', 'etait', 'sera', 'peut', 'ceci', 'lors',
  // English
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'been', 'but', 'by', 'for', 'from', 'had', 'has', 'have', 'he', 'her', 'his',
  'i', 'if', 'in', 'into', 'is', 'it', 'its', 'me', 'my', 'no', 'not', 'of', 'on', 'or', 'our', 'she', 'so', 'than',
  'that', 'the', 'their', 'them', 'then', 'there', 'these', 'they', 'this', 'those', 'to', 'us', 'was', 'we', 'were',
  'what', 'when', 'which', 'who', 'will', 'with', 'would', 'you', 'your', 'can', 'could', 'do', 'does', 'did', 'all',
  'any', 'about', 'just', 'also', 'very', 'there', 'here', 'out', 'up', 'am', 'hi',
]);

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const WORD = /[\p{L}\p{N}]+/gu;

/** Lower case without accents or compatibility forms (ligatures, full-width letters). */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

function wordTerm(word: string): string | null {
  if (word.length < MIN_TERM_LENGTH || word.length > MAX_TERM_LENGTH || STOP_WORDS.has(word)) return null;
  return word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
}

/**
 * The distinct terms of a text added to `into` until it holds `max`: its addresses, then its words
 * in order of appearance. Called field by field, a cap keeps the earliest ones: subject and
 * participants before the body, the body's start before quoted history.
 */
export function terms(text: string, into: Set<string> = new Set(), max = Number.POSITIVE_INFINITY): Set<string> {
  const folded = fold(text);
  for (const match of folded.matchAll(EMAIL)) {
    if (into.size >= max) return into;
    const address = match[0].replace(/^[._%+-]+|[.-]+$/g, '');
    if (address.length <= 254) into.add(address);
  }
  for (const match of folded.matchAll(WORD)) {
    if (into.size >= max) return into;
    const term = wordTerm(match[0]);
    if (term !== null) into.add(term);
  }
  return into;
}

/** The terms of a search box entry, at most {@link MAX_QUERY_TERMS}. */
export function queryTerms(q: string): string[] {
  return [...terms(q)].slice(0, MAX_QUERY_TERMS);
}
