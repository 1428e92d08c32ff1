/**
 * Merge fields in templates, signatures and composed mail: `{{contact.fullname}}`,
 * `{{case.reference}}`... A tiny scanner rather than a template library: Mailroom needs exactly
 * one construct (a dotted name between double braces), no logic, no partials and no way for a
 * template author to run code, and it must report what it could not fill instead of printing it.
 *
 * Rules:
 * - A token is `{{ namespace.field }}` (spaces allowed inside the braces, names case-insensitive)
 *   whose namespace is one of {@link MERGE_NAMESPACES}. Anything else (`{{ not a field`, `{x}`,
 *   `{{price}}`, code samples) is ordinary text and stays as written.
 * - A known field with no value is *missing*; a field of a known namespace that Mailroom does not
 *   define is *unknown*. Both render as nothing, never as raw braces, and are reported.
 * - In HTML, values are escaped, so a contact named `<script>` stays text.
 */

/** Every merge field, with what it is filled from (shown to template authors). */
export const MERGE_FIELDS = {
  'contact.fullname': "The contact's full name (contact record, else the correspondent's display name).",
  'contact.email': "The contact's email address (contact record, else the correspondent's address).",
  'organisation.name': "Name of the contact's organisation.",
  'user.name': 'Name of the member writing.',
  'user.email': 'Sign-in email of the member writing.',
  'case.reference': 'Reference of the case linked to the conversation.',
  'case.title': 'Title of the case linked to the conversation.',
  'conversation.subject': "The conversation's subject.",
  'mailbox.name': 'Name of the mailbox sending.',
  'mailbox.email': 'Sending address of the mailbox.',
} as const;

export type MergeField = keyof typeof MERGE_FIELDS;

/** Values known for one message; absent or blank means missing. */
export type MergeValues = Partial<Record<MergeField, string | null>>;

export const MERGE_NAMESPACES: ReadonlySet<string> = new Set(Object.keys(MERGE_FIELDS).map((f) => f.slice(0, f.indexOf('.'))));

/** `organization.name` is accepted for `organisation.name`. */
const ALIASES: Record<string, string> = { organization: 'organisation' };

const TOKEN = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

export interface MergeToken {
  /** Canonical lower-case name, e.g. `contact.fullname`. */
  field: string;
  known: boolean;
  /** The token as written. */
  raw: string;
  index: number;
}

export function isMergeField(field: string): field is MergeField {
  return Object.hasOwn(MERGE_FIELDS, field);
}

/** The merge tokens of a text, in order. Text that only looks like one is not a token. */
export function findMergeTokens(text: string): MergeToken[] {
  const tokens: MergeToken[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const namespace = match[1]!.toLowerCase();
    const canonical = ALIASES[namespace] ?? namespace;
    if (!MERGE_NAMESPACES.has(canonical)) continue;
    const field = `${canonical}.${match[2]!.toLowerCase()}`;
    tokens.push({ field, known: isMergeField(field), raw: match[0], index: match.index });
  }
  return tokens;
}

export interface RenderResult {
  output: string;
  /** Known fields used but without a value, in order of first use. */
  missing: MergeField[];
  /** Fields of a known namespace that do not exist, as written canonically. */
  unknown: string[];
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * Fills the merge tokens of a text. `html: true` escapes the values. Missing and unknown fields
 * render as an empty string and are listed, so the caller decides whether to refuse.
 */
export function renderMergeFields(text: string, values: MergeValues, options: { html: boolean }): RenderResult {
  const missing: MergeField[] = [];
  const unknown: string[] = [];
  const tokens = findMergeTokens(text);
  if (tokens.length === 0) return { output: text, missing, unknown };
  let output = '';
  let cursor = 0;
  for (const token of tokens) {
    output += text.slice(cursor, token.index);
    cursor = token.index + token.raw.length;
    if (!isMergeField(token.field)) {
      if (!unknown.includes(token.field)) unknown.push(token.field);
      continue;
    }
    const value = values[token.field];
    if (value === undefined || value === null || value.trim() === '') {
      if (!missing.includes(token.field)) missing.push(token.field);
      continue;
    }
    output += options.html ? escapeHtml(value) : value;
  }
  return { output: output + text.slice(cursor), missing, unknown };
}

/** `{{contact.fullname}}`: how a field is written, for messages. */
export function tokenOf(field: string): string {
  return `{{${field}}}`;
}
