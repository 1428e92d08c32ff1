/**
 * Development tokens: what Cognito issues and the API Gateway JWT authorizer checks when deployed,
 * reduced to HS256 with a per-data-directory secret. Local only; nothing in `functions/` or
 * `shared/` knows how a token was made, only which claims the authorizer passed on.
 */
import { createHash } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';

export const DEV_TOKEN_ISSUER = 'mailroom-local';
/** Long enough for a working day without signing in again. */
export const DEV_TOKEN_TTL_SECONDS = 12 * 3600;

/** Claims the authorizer forwards to the handler (the rest of the token stays out of the event). */
const FORWARDED_CLAIMS = ['sub', 'email', 'name', 'iss', 'exp', 'iat', 'cognito:groups'] as const;

export interface DevUser {
  email: string;
  name: string;
  groups: string[];
}

/** A stable subject per email, shaped like Cognito's UUID `sub`, so it survives restarts. */
export function devSubject(email: string): string {
  const hex = createHash('sha256').update(`mailroom-local:${email.toLowerCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export async function signDevToken(user: DevUser, secret: string, now = new Date()): Promise<{ token: string; expiresAt: string }> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + DEV_TOKEN_TTL_SECONDS;
  const claims: JWTPayload = { email: user.email.toLowerCase(), name: user.name, token_use: 'id' };
  if (user.groups.length > 0) claims['cognito:groups'] = user.groups;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(devSubject(user.email))
    .setIssuer(DEV_TOKEN_ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

/** Verified claims as the authorizer forwards them, or null when the token is missing or invalid. */
export async function verifyDevToken(authorization: string | undefined, secret: string, now = new Date()): Promise<{ claims: Record<string, string>; scopes: string[] | null } | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (match?.[1] === undefined) return null;
  try {
    const { payload } = await jwtVerify(match[1], new TextEncoder().encode(secret), {
      issuer: DEV_TOKEN_ISSUER,
      algorithms: ['HS256'],
      currentDate: now,
    });
    const claims: Record<string, string> = {};
    for (const name of FORWARDED_CLAIMS) {
      const value = payload[name];
      if (value !== undefined) claims[name] = stringifyClaim(value);
    }
    const scope = payload['scope'];
    return { claims, scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : null };
  } catch {
    return null;
  }
}

/**
 * The HTTP API JWT authorizer hands every claim to the integration as a string: numbers as their
 * decimal text (`"exp": "1700000000"`), arrays as `[a b]` (so `cognito:groups` arrives as
 * `"[admins agents]"`). Handlers must parse that, so the local stack reproduces it.
 */
export function stringifyClaim(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map((item) => stringifyClaim(item)).join(' ')}]`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}
