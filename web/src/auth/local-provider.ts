/**
 * The local stack's development sign-in (`POST /local/sign-in`), on the API's origin. It exists
 * only on `npm start`; a deployed app uses Cognito instead.
 */
import { ApiError, apiBaseUrl } from '../api/client';
import type { Problem } from '../api/types';
import type { AuthProvider, Session } from './session';

/** Users of the demo organisation the local stack seeds on its first start. */
export const DEMO_USERS = [
  { email: 'julien@acme.test', name: 'Julien Bernard' },
  { email: 'camille@acme.test', name: 'Camille Martin' },
  { email: 'sarah@acme.test', name: 'Sarah Lefèvre' },
  { email: 'alex@acme.test', name: 'Alex Smith' },
] as const;

export const localProvider: AuthProvider = {
  id: 'local',
  asksForEmail: true,
  async signIn(email: string): Promise<Session> {
    const path = '/local/sign-in';
    let response: Response;
    try {
      response = await fetch(`${apiBaseUrl()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ email }),
      });
    } catch {
      throw new ApiError('network', 0, path);
    }
    const body = (await response.json().catch(() => null)) as ({ token?: string; expiresAt?: string } & Problem) | null;
    if (!response.ok || typeof body?.token !== 'string') {
      throw new ApiError('http', response.status, path, body);
    }
    return { token: body.token, email: email.trim().toLowerCase(), expiresAt: body.expiresAt ?? null, provider: 'local' };
  },
  signOutUrl: () => null,
};
