/**
 * @mentions while writing an internal note, as pure functions. The API reads `@<email>` and
 * `@<handle>` (first name, full name without spaces, or the local part of the email; case and
 * accents ignored; an ambiguous handle names nobody): shared/workflow/mentions.ts. The note form
 * inserts a handle that names one member only, and also sends the picked members as `mentions`, so
 * a pick reaches its member even if the server would read the handle differently.
 */

export interface MentionMember {
  email: string;
  /** Display name ('' when unknown). */
  name: string;
}

/** Characters a handle may hold on the server side; anything else ends the mention. */
const HANDLE = /^[\p{L}\p{N}._%+-]+$/u;

/** Lower-case without accents: `@Céline` and `@celine` name the same person. */
export function fold(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * The `@…` being typed just before the caret: where its `@` is and what follows it. Null when the
 * caret is not in a mention (an `@` inside a word, as in an address, is not one).
 */
export function activeMention(text: string, caret: number): { start: number; query: string } | null {
  const match = /(?:^|[^\p{L}\p{N}._%+-])@([\p{L}\p{N}._%+-]*)$/u.exec(text.slice(0, caret));
  if (!match) return null;
  const query = match[1] ?? '';
  return { start: caret - query.length - 1, query };
}

function handlesOf(member: MentionMember): string[] {
  const words = member.name.trim().split(/\s+/u).filter(Boolean);
  return [...(words.length > 0 ? [words[0]!, words.join('')] : []), member.email.slice(0, member.email.indexOf('@'))];
}

/** Members whose name, a word of it, or email starts with the query; the caller excluded. */
export function matchMembers<M extends MentionMember>(members: M[], query: string, exclude: string, limit = 8): M[] {
  const q = fold(query);
  return members
    .filter((m) => m.email !== exclude)
    .filter((m) => q === '' || fold(m.email).startsWith(q) || fold(m.name).startsWith(q) || fold(m.name).split(/\s+/u).some((w) => w.startsWith(q)))
    .slice(0, limit);
}

/**
 * The shortest handle that names only this member among `members` (first name, then full name
 * without spaces, then the email's local part), else the email itself.
 */
export function mentionHandle(member: MentionMember, members: MentionMember[]): string {
  for (const handle of handlesOf(member)) {
    if (!HANDLE.test(handle) || /[._%+-]$/u.test(handle)) continue;
    const folded = fold(handle);
    const shared = members.some((other) => other.email !== member.email && handlesOf(other).some((h) => fold(h) === folded));
    if (!shared) return handle;
  }
  return member.email;
}

/** The text with the mention being typed (from `start` to the caret) replaced by `@handle `. */
export function insertMention(text: string, start: number, caret: number, handle: string): { text: string; caret: number } {
  const inserted = `@${handle} `;
  const after = text.slice(caret).replace(/^ /u, '');
  return { text: text.slice(0, start) + inserted + after, caret: start + inserted.length };
}

/** The picked members whose `@handle` is still in the text (a deleted mention notifies nobody). */
export function pickedMentions(text: string, picked: Map<string, string>): string[] {
  const folded = fold(text);
  return [...picked].filter(([handle]) => new RegExp(`(?:^|[^\\p{L}\\p{N}._%+-])@${escape(fold(handle))}(?![\\p{L}\\p{N}])`, 'u').test(folded)).map(([, email]) => email);
}

function escape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The body split into text and `@mention` parts, to show mentions apart. */
export function splitMentions(body: string): { text: string; mention: boolean }[] {
  const parts: { text: string; mention: boolean }[] = [];
  let last = 0;
  for (const match of body.matchAll(/(?<![\p{L}\p{N}._%+-])@[\p{L}\p{N}._%+-]*[\p{L}\p{N}](?:@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)?/gu)) {
    if (match.index > last) parts.push({ text: body.slice(last, match.index), mention: false });
    parts.push({ text: match[0], mention: true });
    last = match.index + match[0].length;
  }
  if (last < body.length) parts.push({ text: body.slice(last), mention: false });
  return parts;
}
