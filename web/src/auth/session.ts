/**
 * The signed-in session: a bearer token kept in sessionStorage, so it lives as long as the tab
 * and is not shared with other tabs or kept after the browser closes.
 *
 * How a token is obtained is the job of an {@link AuthProvider}: the local stack's development
 * sign-in today; Cognito's hosted UI (an ID token, since the API reads the `email` claim) when
 * deployed. The rest of the app only sees {@link Session}.
 */

export interface Session {
  token: string;
  email: string;
  /** ISO date after which the API will answer 401; null when unknown. */
  expiresAt: string | null;
  provider: AuthProvider['id'];
}

export interface AuthProvider {
  id: 'local' | 'cognito';
  /** Whether this provider asks for an email in the app (local) or redirects elsewhere (Cognito). */
  asksForEmail: boolean;
  /** `next`: the app path to return to, kept across the hosted UI's redirect. */
  signIn(email: string, next?: string | null): Promise<Session>;
  /** Where to go after the session is dropped (the hosted UI's logout URL for Cognito). */
  signOutUrl(): string | null;
}

const STORAGE_KEY = 'mailroom.session';

export function loadSession(now = Date.now()): Session | null {
  let raw: string | null;
  try {
    raw = sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
  if (raw === null) return null;
  try {
    const session = JSON.parse(raw) as Session;
    if (typeof session.token !== 'string' || typeof session.email !== 'string') return null;
    if (session.expiresAt !== null && Date.parse(session.expiresAt) <= now) {
      clearSession();
      return null;
    }
    return session;
  } catch {
    clearSession();
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage disabled: nothing was kept
  }
}
