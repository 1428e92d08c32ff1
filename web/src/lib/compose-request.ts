/**
 * A composer to open once the inbox of its mailbox shows: the Drafts screen asks, navigates to
 * the mailbox (or the conversation), and the inbox opens the composer when it mounts.
 */
import type { ComposeContext } from '../components/composer';

let pending: ComposeContext | null = null;

export function requestCompose(context: ComposeContext): void {
  pending = context;
}

/** The composer asked for this mailbox, once; null when none (or for another mailbox). */
export function takeComposeRequest(mailboxId: string): ComposeContext | null {
  const asked = pending;
  if (asked === null || asked.mailbox.mailboxId !== mailboxId) return null;
  pending = null;
  return asked;
}
