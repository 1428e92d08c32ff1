/**
 * Settings only known once deployed: where the API is and how users sign in. The CDK stack writes
 * them to `/config.json` beside the app (infra/constructs/web-deployment.ts), so one build serves
 * every stage. The local stack has no such file: the API is on the same origin and sign-in is the
 * development one.
 */

export type AuthConfig =
  | { kind: 'local' }
  | {
      kind: 'cognito';
      /** The user pool domain, e.g. `https://mailroom-prod-123.auth.eu-west-1.amazoncognito.com`. */
      baseUrl: string;
      clientId: string;
      /** Where the hosted UI sends the user back with a code: `<app origin>/auth/callback`. */
      redirectUri: string;
      /** Where the hosted UI's logout sends the user; must equal one of the client's logout URLs exactly. */
      logoutUri: string;
    };

export interface RuntimeConfig {
  /** Origin (and optional path) of the HTTP API, without a trailing slash; empty for same origin. */
  apiBaseUrl: string;
  auth: AuthConfig;
}

const BUILD_TIME_API = (import.meta.env.VITE_API_BASE_URL as string | undefined)?.replace(/\/$/, '') ?? '';

export const LOCAL_CONFIG: RuntimeConfig = { apiBaseUrl: BUILD_TIME_API, auth: { kind: 'local' } };

function httpsUrl(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.hostname === 'localhost' || url.hostname === '127.0.0.1' ? value : null;
  } catch {
    return null;
  }
}

/** The config as written by the stack, or null when it is not one (a missing field, a non-HTTPS URL). */
export function parseRuntimeConfig(json: unknown): RuntimeConfig | null {
  if (typeof json !== 'object' || json === null) return null;
  const record = json as Record<string, unknown>;
  const apiBaseUrl = record['apiBaseUrl'] === '' ? '' : httpsUrl(record['apiBaseUrl'])?.replace(/\/$/, '') ?? null;
  const auth = record['auth'] as Record<string, unknown> | undefined;
  if (apiBaseUrl === null || typeof auth !== 'object' || auth === null) return null;
  if (auth['kind'] === 'local') return { apiBaseUrl, auth: { kind: 'local' } };
  if (auth['kind'] !== 'cognito') return null;
  const baseUrl = httpsUrl(auth['baseUrl'])?.replace(/\/$/, '') ?? null;
  const redirectUri = httpsUrl(auth['redirectUri']);
  const logoutUri = httpsUrl(auth['logoutUri']);
  const clientId = auth['clientId'];
  if (baseUrl === null || redirectUri === null || logoutUri === null || typeof clientId !== 'string' || clientId === '') return null;
  return { apiBaseUrl, auth: { kind: 'cognito', baseUrl, clientId, redirectUri, logoutUri } };
}

/**
 * Reads `/config.json`. No file (the local stack answers app paths with index.html) means the
 * local configuration; a file that is not a valid config is an error rather than a silent fallback
 * to the development sign-in.
 */
export async function loadRuntimeConfig(fetchImpl: typeof fetch = fetch): Promise<RuntimeConfig> {
  let response: Response;
  try {
    response = await fetchImpl('/config.json', { cache: 'no-store', headers: { accept: 'application/json' } });
  } catch {
    return LOCAL_CONFIG;
  }
  if (!response.ok || !/application\/json/i.test(response.headers.get('content-type') ?? '')) return LOCAL_CONFIG;
  const config = parseRuntimeConfig(await response.json().catch(() => null));
  if (config === null) throw new Error('/config.json is not a valid Mailroom configuration');
  return config;
}
