/**
 * Sign-in through the Cognito hosted UI: OAuth 2.0 authorization code grant with PKCE for a public
 * client (no secret in a browser app). The app keeps the ID token, because the API reads the
 * `email` claim and API Gateway's JWT authorizer checks its audience (the web client id).
 * See https://www.rfc-editor.org/rfc/rfc7636 and
 * https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
 */
import type { AuthProvider, Session } from './session';

export interface CognitoSettings {
  baseUrl: string;
  clientId: string;
  redirectUri: string;
  logoutUri: string;
}

/** What the browser keeps between leaving for the hosted UI and coming back. */
interface PendingSignIn {
  state: string;
  verifier: string;
  next: string | null;
}

const PENDING_KEY = 'mailroom.oauth.pending';

/** A sign-in that could not complete, in words the sign-in screen can show. */
export class SignInError extends Error {
  constructor(message: string, readonly detail: string | null = null) {
    super(message);
    this.name = 'SignInError';
  }
}

export interface CognitoDeps {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  /** Leaves the app for the hosted UI. */
  assign: (url: string) => void;
  fetch: typeof fetch;
  randomBytes: (length: number) => Uint8Array;
}

export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** `S256` code challenge of a verifier (RFC 7636 section 4.2). */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

export function authorizeUrl(settings: CognitoSettings, input: { state: string; challenge: string }): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: settings.redirectUri,
    scope: 'openid email profile',
    state: input.state,
    code_challenge: input.challenge,
    code_challenge_method: 'S256',
  });
  return `${settings.baseUrl}/oauth2/authorize?${query.toString()}`;
}

function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new SignInError('The sign-in service returned an unreadable token.');
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

export interface CognitoProvider extends AuthProvider {
  /** Finishes a sign-in on `/auth/callback`: checks the state, trades the code for tokens. */
  complete(search: string): Promise<{ session: Session; next: string | null }>;
}

const browserDeps = (): CognitoDeps => ({
  storage: sessionStorage,
  assign: (url) => location.assign(url),
  fetch: (input, init) => fetch(input, init),
  randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
});

export function createCognitoProvider(settings: CognitoSettings, deps: CognitoDeps = browserDeps()): CognitoProvider {
  return {
    id: 'cognito',
    asksForEmail: false,
    async signIn(_email: string, next?: string | null): Promise<Session> {
      const pending: PendingSignIn = { state: base64Url(deps.randomBytes(16)), verifier: base64Url(deps.randomBytes(32)), next: next ?? null };
      deps.storage.setItem(PENDING_KEY, JSON.stringify(pending));
      deps.assign(authorizeUrl(settings, { state: pending.state, challenge: await codeChallenge(pending.verifier) }));
      // The page is leaving for the hosted UI: this sign-in never resolves here.
      return new Promise<Session>(() => {});
    },
    async complete(search: string) {
      const params = new URLSearchParams(search);
      const raw = deps.storage.getItem(PENDING_KEY);
      deps.storage.removeItem(PENDING_KEY);
      const error = params.get('error');
      if (error !== null) throw new SignInError('The sign-in service refused the sign-in.', params.get('error_description') ?? error);
      const pending = raw === null ? null : (JSON.parse(raw) as PendingSignIn);
      const code = params.get('code');
      // A state that is not ours is a forged or replayed callback (RFC 6749 section 10.12).
      if (pending === null || code === null || params.get('state') !== pending.state) {
        throw new SignInError('This sign-in link is no longer valid. Sign in again.');
      }
      let response: Response;
      try {
        response = await deps.fetch(`${settings.baseUrl}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code', client_id: settings.clientId, code, redirect_uri: settings.redirectUri, code_verifier: pending.verifier,
          }).toString(),
        });
      } catch {
        throw new SignInError('The sign-in service could not be reached. Check the connection and sign in again.');
      }
      const body = (await response.json().catch(() => null)) as { id_token?: string; error?: string } | null;
      if (!response.ok || typeof body?.id_token !== 'string') {
        throw new SignInError('The sign-in service did not accept this sign-in. Sign in again.', body?.error ?? `HTTP ${response.status}`);
      }
      const claims = jwtClaims(body.id_token);
      if (typeof claims['email'] !== 'string') throw new SignInError('This account has no email address; Mailroom needs one.');
      const expiresAt = typeof claims['exp'] === 'number' ? new Date(claims['exp'] * 1000).toISOString() : null;
      return { session: { token: body.id_token, email: claims['email'].toLowerCase(), expiresAt, provider: 'cognito' }, next: pending.next };
    },
    signOutUrl: () => `${settings.baseUrl}/logout?${new URLSearchParams({ client_id: settings.clientId, logout_uri: settings.logoutUri }).toString()}`,
  };
}
