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
