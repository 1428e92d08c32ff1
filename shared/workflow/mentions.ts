/**
 * @mentions in internal notes, as pure functions. A mention is `@<email>` or `@<handle>`, where a
 * handle is a member's first name, full name without spaces, or the local part of their email,
 * compared case- and accent-insensitively. Text that looks like a mention but names nobody
 * (`@home`, an ambiguous handle) is left as text: only explicit mentions are refused when they
 * name a non-member, because the caller stated them.
 */

export interface MentionCandidate {
  /** Member email, lower-cased. */
  email: string;
  /** Display name ('' when unknown). */
  name: string;
}

/** `@` not preceded by a word character (so `alex@acme.test` alone is an address, not a mention). */
const MENTION = /(?<![\p{L}\p{N}._%+-])@([\p{L}\p{N}._%+-]+(?:@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)?)/gu;

/** Lower-case, accents removed: `@Céline` and `@celine` name the same person. */
export function foldHandle(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The raw `@…` tokens of a body, without trailing sentence punctuation, in order of appearance. */
export function mentionTokens(body: string): string[] {
  return [...body.matchAll(MENTION)].map((m) => m[1]!.replace(/[._%+-]+$/u, '')).filter((t) => t.length > 0);
}

function handlesOf(member: MentionCandidate): string[] {
  const words = member.name.trim().split(/\s+/u).filter(Boolean);
  const handles = [member.email.slice(0, member.email.indexOf('@'))];
  if (words.length > 0) handles.push(words[0]!, words.join(''));
  return [...new Set(handles.map(foldHandle))];
}

/** Members mentioned in the body, by email or by an unambiguous handle; each once, in order. */
export function parseMentions(body: string, members: MentionCandidate[]): string[] {
  const byEmail = new Map(members.map((m) => [m.email.toLowerCase(), m.email]));
  const byHandle = new Map<string, string | null>();
  for (const member of members) {
    for (const handle of handlesOf(member)) {
      const known = byHandle.get(handle);
      // Two members sharing a handle: the handle names nobody (null), rather than a guess.
      byHandle.set(handle, known === undefined || known === member.email ? member.email : null);
    }
  }
  const found: string[] = [];
  for (const token of mentionTokens(body)) {
    const email = token.includes('@') ? byEmail.get(token.toLowerCase()) : byHandle.get(foldHandle(token)) ?? undefined;
    if (email && !found.includes(email)) found.push(email);
  }
  return found;
}

export type MentionResolution =
  | { ok: true; mentions: string[] }
  /** `index` is the position in the explicit list of the first one that is not a member. */
  | { ok: false; index: number; value: string };

/**
 * Explicit mentions (validated: each must be a member) merged with those parsed from the body.
 * The author is never notified of their own note.
 */
export function resolveMentions(body: string, explicit: string[], members: MentionCandidate[], author: string): MentionResolution {
  const emails = new Set(members.map((m) => m.email.toLowerCase()));
  const mentions: string[] = [];
  for (const [index, value] of explicit.entries()) {
    const email = value.toLowerCase();
    if (!emails.has(email)) return { ok: false, index, value };
    if (!mentions.includes(email)) mentions.push(email);
  }
  for (const email of parseMentions(body, members)) if (!mentions.includes(email)) mentions.push(email);
  return { ok: true, mentions: mentions.filter((m) => m !== author.toLowerCase()) };
}
