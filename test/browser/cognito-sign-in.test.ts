/**
 * Sign-in through Cognito's hosted UI as the deployed app does it (web/src/auth/cognito-provider.ts):
 * `/config.json` names the user pool domain, the app leaves for `/oauth2/authorize` with a PKCE
 * challenge and comes back to `/auth/callback` with a code it trades at `/oauth2/token`.
 *
 * Cognito itself cannot run here: the test stands in for its two endpoints (on the app's origin,
 * so the page's CSP allows the token request) and checks what the app sends them. The ID token
 * the stand-in returns is a development token of the local stack, which its gateway accepts.
 */
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHarness, type WebHarness } from './support/app.js';

let web: WebHarness;

beforeAll(async () => {
  web = await startWebHarness();
});

afterAll(async () => {
  await web?.close();
});

interface HostedUi {
  authorize: URLSearchParams[];
  token: URLSearchParams[];
  logouts: string[];
}

/** A page whose `/config.json` selects Cognito, with the hosted UI's endpoints answered by the test. */
async function cognitoPage(email: string): Promise<{ page: Page; seen: HostedUi }> {
  const base = `${web.url}/hosted-ui`;
  const seen: HostedUi = { authorize: [], token: [], logouts: [] };
  const idToken = await web.stack.signIn(email);
  const page = await web.newPage();
  await page.route('**/config.json', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({
      apiBaseUrl: '',
      auth: { kind: 'cognito', baseUrl: base, clientId: 'web-client-id', redirectUri: `${web.url}/auth/callback`, logoutUri: `${web.url}/` },
    }),
  }));
  await page.route('**/hosted-ui/oauth2/authorize?*', (route) => {
    const query = new URL(route.request().url()).searchParams;
    seen.authorize.push(query);
    return route.fulfill({ status: 302, headers: { location: `${web.url}/auth/callback?code=code-123&state=${encodeURIComponent(query.get('state') ?? '')}` } });
  });
  await page.route('**/hosted-ui/oauth2/token', (route) => {
    seen.token.push(new URLSearchParams(route.request().postData() ?? ''));
    return route.fulfill({ contentType: 'application/json', body: JSON.stringify({ id_token: idToken, access_token: 'unused', token_type: 'Bearer', expires_in: 3600 }) });
  });
  await page.route('**/hosted-ui/logout?*', (route) => {
    seen.logouts.push(route.request().url());
    return route.fulfill({ contentType: 'text/html', body: '<title>signed out</title>' });
  });
  return { page, seen };
}

describe('sign-in with the Cognito hosted UI', () => {
  it('signs in with a PKCE code exchange and returns to the page the user asked for', async () => {
    // Prepare
    const { page, seen } = await cognitoPage('camille@acme.test');
    // Act
    await page.goto(`${web.url}/mailboxes/support`);
    await page.getByRole('button', { name: 'Continuer vers la connexion' }).click();
    await page.waitForURL(`${web.url}/mailboxes/support`);
    await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
    // Assess
    const authorize = seen.authorize[0]!;
    const token = seen.token[0]!;
    expect(authorize.get('response_type')).toBe('code');
    expect(authorize.get('client_id')).toBe('web-client-id');
    expect(authorize.get('redirect_uri')).toBe(`${web.url}/auth/callback`);
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(token.get('grant_type')).toBe('authorization_code');
    expect(token.get('code')).toBe('code-123');
    // The verifier sent with the code is the one the challenge was made from (RFC 7636 4.6).
    expect(createHash('sha256').update(token.get('code_verifier')!).digest('base64url')).toBe(authorize.get('code_challenge'));
    const session = JSON.parse((await page.evaluate(() => sessionStorage.getItem('mailroom.session')))!) as { provider: string; email: string };
    expect(session).toMatchObject({ provider: 'cognito', email: 'camille@acme.test' });
    await page.close();
  });

  it('signs out through the hosted UI so its own session ends too', async () => {
    // Prepare
    const { page, seen } = await cognitoPage('sarah@acme.test');
    await page.goto(`${web.url}/sign-in`);
    await page.getByRole('button', { name: 'Continuer vers la connexion' }).click();
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    // Act
    await page.waitForURL(/\/hosted-ui\/logout\?/);
    // Assess
    const logout = new URL(seen.logouts[0]!);
    expect(logout.searchParams.get('client_id')).toBe('web-client-id');
    expect(logout.searchParams.get('logout_uri')).toBe(`${web.url}/`);
    expect(await page.evaluate(() => sessionStorage.getItem('mailroom.session'))).toBeNull();
    await page.close();
  });

  it('refuses a callback whose state it did not issue, and says so', async () => {
    // Prepare
    const { page, seen } = await cognitoPage('camille@acme.test');
    // Act
    await page.goto(`${web.url}/auth/callback?code=stolen&state=forged`);
    // Assess
    await page.getByText('This sign-in link is no longer valid. Sign in again.').waitFor();
    expect(seen.token).toHaveLength(0);
    expect(await page.evaluate(() => sessionStorage.getItem('mailroom.session'))).toBeNull();
    await page.close();
  });

  it('shows why the hosted UI sent the user back without a code', async () => {
    // Prepare
    const { page } = await cognitoPage('camille@acme.test');
    // Act
    await page.goto(`${web.url}/auth/callback?error=access_denied&error_description=User%20is%20disabled.`);
    // Assess
    await page.getByText('The sign-in service refused the sign-in.').waitFor();
    await page.getByText('User is disabled.').waitFor();
    await page.close();
  });
});
