/**
 * Validation shared by the seed file and the admin API, so a mailbox declared in the seed and one
 * created over HTTP obey the same rules.
 */
import * as z from 'zod';

/** Mailbox and department ids: they appear in URLs and keys. */
export const orgId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63 characters');
export const userEmail = z.email().max(254).transform((value) => value.trim().toLowerCase());
export const mailboxRole = z.enum(['admin', 'dispatcher', 'agent']);

/** A year in minutes: longer deadlines are surely a unit mistake. */
const MAX_MINUTES = 525_600;
const minutes = z.number().int().min(1).max(MAX_MINUTES);

/**
 * Mailbox workflow settings (`Mailbox.settings`): stored as given; the workflow applies its own
 * defaults to absent fields, and `null` turns a deadline or an automatic reassignment off.
 */
export const mailboxSettingsSchema = z.strictObject({
  assignmentMarksRead: z.boolean().optional().describe('Assigning a conversation marks it read in the mailbox.'),
  responseDeadlineMinutes: minutes.nullable().optional().describe('Minutes after a customer message before the conversation is overdue; null: none.'),
  autoReassignAfterMinutes: minutes.nullable().optional().describe('Minutes without activity before an assigned conversation goes back to the queue; null: never.'),
});

export const LABEL_NAME_MAX = 64;
export const labelName = z.string().trim().min(1).max(LABEL_NAME_MAX).regex(/^[^\p{Cc}]+$/u, 'no control characters');
export const labelDefinitionSchema = z.strictObject({
  name: labelName,
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #1a7f37').nullable().default(null),
});
export const labelRuleSchema = z.strictObject({ address: userEmail, label: labelName });

/** Whether two label definitions lists name one label twice (case-insensitive): the index of the second. */
export function duplicateIndex(values: string[]): number {
  const seen = new Set<string>();
  for (const [i, value] of values.entries()) {
    const key = value.toLowerCase();
    if (seen.has(key)) return i;
    seen.add(key);
  }
  return -1;
}
