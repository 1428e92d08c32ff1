/**
 * Full-text search of a mailbox's conversations, served from the postings (postings.ts) with
 * Query and BatchGetItem only: no Scan, and a cost per page that does not grow with the mailbox.
 *
 * Primary course:
 * 1. The query's terms (tokenize.ts, same normalisation as the indexer). Every term must match.
 * 2. One Query per term, in parallel, for the first page of its postings (newest conversations
 *    first). A term with no postings ends the search. A term whose first page is its whole list is
 *    known completely; the rarest term drives the search (on a continued page, the cursor names it).
 * 3. Candidates are the driver's postings. For each other term, rarest first: membership in its
 *    complete list when known, otherwise a read of its postings inside the candidates' window, and
 *    for candidates that read did not reach, a BatchGetItem of the exact posting keys (a posting's
 *    key is derived from the conversation, so a check needs no list at all).
 * 4. The surviving conversations are read (BatchGetItem) and filtered by what the caller may see:
 *    still in this mailbox, not in the trash, and for agents assigned to them. A page may hold fewer than `limit`
 *    results; the cursor continues on the driver's postings. At most {@link MAX_ROUNDS} driver
 *    pages are read per call, so one call's cost is bounded.
 */
import type { Item, Table } from '../adapters/dynamodb-table.js';
import type { MailboxRole } from '../model/types.js';
import { keys } from '../model/keys.js';
import { workflowConversationFromItem, type WorkflowConversation } from '../workflow/conversation-repository.js';
import { canSee, type Actor } from '../workflow/rules.js';
import { conversationOfSort, existingPostings, postingId, postingKey, postingSort, readPostings, readPostingsBetween, type PostingPage } from './postings.js';
import { queryTerms } from './tokenize.js';

/** Postings read per Query: a page of about 8 KB (half a read unit per 4 KB, eventually consistent). */
export const POSTINGS_PAGE = 100;
/** Driver pages one call reads before answering, possibly short, with a cursor. */
export const MAX_ROUNDS = 3;
/** Conversations read per BatchGetItem at least, when a page is almost full. */
const MIN_SLICE = 10;
/**
 * Postings of another term read per candidate when checking a window. A posting is about 80 bytes,
 * so reading 20 costs about 0.2 read unit, less than the 0.5 of checking one key: beyond that
 * density the remaining candidates are checked by key.
 */
export const WINDOW_FACTOR = 20;
/** Among terms with more than a page of postings, the longer one is taken as the rarer. */
const MAX_TERM_BONUS = 20;

export interface SearchRequest {
  mailboxId: string;
  actor: Actor;
  q: string;
  limit: number;
  /** From a previous page: the driving term and the last posting read. */
  cursor?: { term: string; after: string } | undefined;
  /** Only conversations whose posting sorts below this (a cross-mailbox page's bound); ignored with `cursor`. */
  before?: string | undefined;
}

export interface SearchStats {
  /** Postings read by Queries. */
  postingsRead: number;
  /** Posting keys checked by BatchGetItem. */
  postingsChecked: number;
  /** Conversations read to filter and render the results. */
  conversationsRead: number;
  /** The term the search walked. */
  driver: string | null;
}

export type SearchOutcome =
  | { kind: 'results'; items: WorkflowConversation[]; next: { term: string; after: string } | null; terms: string[]; stats: SearchStats }
  /** Nothing in the query is searchable (only stop words or punctuation). */
  | { kind: 'no-terms' }
  /** The cursor belongs to another query. */
  | { kind: 'bad-cursor' };

export async function searchConversations(table: Table, request: SearchRequest): Promise<SearchOutcome> {
  const searchTerms = queryTerms(request.q);
  if (searchTerms.length === 0) return { kind: 'no-terms' };
  if (request.cursor !== undefined && !searchTerms.includes(request.cursor.term)) return { kind: 'bad-cursor' };
  const stats: SearchStats = { postingsRead: 0, postingsChecked: 0, conversationsRead: 0, driver: null };

  // 2. First pages (or only the driver's, continuing a previous page: the other terms are checked by key).
  const firstPages = new Map<string, PostingPage>();
  if (request.cursor === undefined) {
    const pages = await Promise.all(searchTerms.map((term) => readPostings(table, request.mailboxId, term, POSTINGS_PAGE, request.before)));
    searchTerms.forEach((term, n) => firstPages.set(term, pages[n]!));
    for (const page of pages) stats.postingsRead += page.sorts.length;
    if (pages.some((page) => page.sorts.length === 0)) return { kind: 'results', items: [], next: null, terms: searchTerms, stats };
  }
  const size = (term: string): number => {
    const page = firstPages.get(term);
    if (page === undefined) return Number.MAX_SAFE_INTEGER;
    return page.complete ? page.sorts.length : POSTINGS_PAGE + 1 + (MAX_TERM_BONUS - Math.min(term.length, MAX_TERM_BONUS));
  };
  const driver = request.cursor?.term ?? [...searchTerms].sort((a, b) => size(a) - size(b))[0]!;
  stats.driver = driver;
  const others = searchTerms.filter((term) => term !== driver).sort((a, b) => size(a) - size(b));

  const results: WorkflowConversation[] = [];
  let page: PostingPage | undefined = request.cursor === undefined ? firstPages.get(driver) : undefined;
  let after = request.cursor?.after;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    if (page === undefined) {
      page = await readPostings(table, request.mailboxId, driver, POSTINGS_PAGE, after);
      stats.postingsRead += page.sorts.length;
    }
    // 3. Intersect.
    let candidates = page.sorts;
    for (const term of others) {
      if (candidates.length === 0) break;
      candidates = await intersect(table, request.mailboxId, term, candidates, firstPages.get(term), stats);
    }
    // 4. Visible conversations, in posting order, read a slice at a time so a full page reads little more than it shows.
    for (let start = 0; start < candidates.length;) {
      const slice = candidates.slice(start, start + Math.max(request.limit - results.length, MIN_SLICE));
      start += slice.length;
      const items: Item[] = await table.batchGet(slice.map((sort) => keys.conversation(conversationOfSort(sort))));
      stats.conversationsRead += items.length;
      // Conversations in the trash are not searched (their postings stay, for a restore).
      const byId = new Map(items.filter((item) => item.trashed !== true).map((item) => [String(item.conversationId), workflowConversationFromItem(item)]));
      for (const sort of slice) {
        const conversation = byId.get(conversationOfSort(sort));
        if (!conversation || conversation.mailboxId !== request.mailboxId || !canSee(conversation, request.actor)) continue;
        results.push(conversation);
        if (results.length === request.limit) {
          const more = sort !== page.sorts[page.sorts.length - 1] || !page.complete;
          return { kind: 'results', items: results, next: more ? { term: driver, after: sort } : null, terms: searchTerms, stats };
        }
      }
    }
    if (page.complete || page.sorts.length === 0) return { kind: 'results', items: results, next: null, terms: searchTerms, stats };
    after = page.sorts[page.sorts.length - 1]!;
    page = undefined;
  }
  return { kind: 'results', items: results, next: after === undefined ? null : { term: driver, after }, terms: searchTerms, stats };
}

/**
 * The candidates (sort keys, newest first) that also hold `term`. A term known completely is a set
 * lookup. Otherwise its postings inside the candidates' window are read (up to
 * {@link WINDOW_FACTOR} per candidate: about 0.01 read unit each), and only candidates below what
 * that read covered are checked by key (0.5 read unit each): a common term costs little, a rare
 * one never has its whole list read.
 */
async function intersect(table: Table, mailboxId: string, term: string, candidates: string[], known: PostingPage | undefined, stats: SearchStats): Promise<string[]> {
  if (known?.complete === true) {
    const set = new Set(known.sorts);
    return candidates.filter((sort) => set.has(sort));
  }
  const high = candidates[0]!;
  const low = candidates[candidates.length - 1]!;
  const window = await readPostingsBetween(table, mailboxId, term, low, high, WINDOW_FACTOR * candidates.length);
  stats.postingsRead += window.sorts.length;
  const present = new Set(window.sorts);
  const coveredDownTo = window.complete ? low : window.sorts[window.sorts.length - 1];
  const undecided = coveredDownTo === undefined ? candidates : candidates.filter((sort) => sort < coveredDownTo);
  if (undecided.length > 0) {
    const wanted = undecided.map((sort) => postingKey(mailboxId, term, sort));
    stats.postingsChecked += wanted.length;
    const found = await existingPostings(table, wanted);
    undecided.forEach((sort, n) => { if (found.has(postingId(wanted[n]!))) present.add(sort); });
  }
  return candidates.filter((sort) => present.has(sort));
}

/**
 * One page of a search over several mailboxes (each with the caller's role there), newest
 * conversations first. Each mailbox is searched in parallel below the same bound; the merged page
 * keeps only results above the highest point where a mailbox stopped reading, so nothing of a
 * mailbox that has more is skipped, and the next page continues from one bound for all of them.
 */
export async function searchMailboxes(
  table: Table, email: string, mailboxes: { mailboxId: string; role: MailboxRole }[], q: string, limit: number, before?: string,
): Promise<{ kind: 'results'; items: WorkflowConversation[]; next: string | null; terms: string[] } | { kind: 'no-terms' }> {
  const outcomes = await Promise.all(mailboxes.map((m) => searchConversations(table, { mailboxId: m.mailboxId, actor: { email, role: m.role }, q, limit, before })));
  const rows: { sort: string; conversation: WorkflowConversation }[] = [];
  let stop: string | null = null;
  let terms: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.kind === 'no-terms') return outcome;
    if (outcome.kind !== 'results') continue;
    terms = outcome.terms;
    for (const conversation of outcome.items) rows.push({ sort: postingSort(conversation.createdAt, conversation.conversationId), conversation });
    if (outcome.next !== null && (stop === null || outcome.next.after > stop)) stop = outcome.next.after;
  }
  if (mailboxes.length === 0) terms = queryTerms(q);
  rows.sort((a, b) => (a.sort < b.sort ? 1 : a.sort > b.sort ? -1 : 0));
  const cut = stop;
  const safe = cut === null ? rows : rows.filter((row) => row.sort >= cut);
  const page = safe.slice(0, limit);
  let next = stop;
  if (page.length === limit && (rows.length > limit || stop !== null)) next = page[page.length - 1]!.sort;
  return { kind: 'results', items: page.map((row) => row.conversation), next, terms };
}
