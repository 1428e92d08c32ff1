/**
 * Access checks, run on every API call: the caller must be a Mailroom user, and every mailbox
 * resource is checked against the caller's role in that mailbox. A mailbox the caller is not a
 * member of answers 404, as if it did not exist, so ids cannot be probed.
 */
import type { Directory, UserWithRoles } from '../org/directory.js';
import type { MailboxRole } from '../model/types.js';
import { problems } from './problem.js';
import type { Claims } from './router.js';

export async function loadCaller(claims: Claims | null, directory: Directory): Promise<UserWithRoles> {
  if (!claims) throw problems.unauthorized();
  const user = await directory.getUser(claims.email);
  if (!user) throw problems.forbidden(`${claims.email} is not a member of this Mailroom organisation.`);
  return user;
}

export function roleIn(caller: UserWithRoles, mailboxId: string): MailboxRole | null {
  return Object.hasOwn(caller.roles, mailboxId) ? caller.roles[mailboxId] ?? null : null;
}

export function requireMember(caller: UserWithRoles, mailboxId: string, what = 'This mailbox'): MailboxRole {
  const role = roleIn(caller, mailboxId);
  if (!role) throw problems.notFound(what);
  return role;
}

export function requireOrgAdmin(caller: UserWithRoles): void {
  if (!caller.orgAdmin) throw problems.forbidden('Only organisation administrators can see this.');
}

/**
 * Administration of one mailbox: organisation admins (any mailbox of their organisation, personal
 * ones included for their settings, never their conversations) and the mailbox's own admins.
 * Other members may see the mailbox but not administer it (403); everyone else gets 404.
 */
export function requireMailboxAdmin(caller: UserWithRoles, mailbox: { mailboxId: string; orgId: string } | null): void {
  if (!mailbox || mailbox.orgId !== caller.orgId) throw problems.notFound('This mailbox');
  if (caller.orgAdmin) return;
  const role = roleIn(caller, mailbox.mailboxId);
  if (!role) throw problems.notFound('This mailbox');
  if (role !== 'admin') throw problems.forbidden('Only the admins of this mailbox and organisation administrators can change it.');
}
