/**
 * A change made on one screen that alters the user's own account (`/api/me`: their mailboxes,
 * names, roles), announced to the shell, which reloads it. A window event keeps the lazily loaded
 * settings screen free of any reference to the shell.
 */
export const ME_CHANGED_EVENT = 'mailroom:me-changed';

export function announceMeChanged(): void {
  dispatchEvent(new Event(ME_CHANGED_EVENT));
}
