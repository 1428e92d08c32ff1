/**
 * The account check routes (organisation admins), served by the account-checks function, which
 * carries the IMAP/SMTP clients and the SES client the API function must not. API Gateway routes
 * exactly {@link ACCOUNT_CHECK_ROUTE_KEYS} there (infra/constructs/mail-accounts.ts); the local
 * stack does the same.
 */
import * as z from 'zod';
import { loadCaller } from '../api/access.js';
import { ProblemError, problems } from '../api/problem.js';
import { defineRoute, routeKeyOf, type AnyRoute } from '../api/router.js';
import type { Directory } from '../org/directory.js';
import { deliverabilityOf, testSavedAccount, testSettings, testSettingsSchema, type AccountCheckDeps } from './checks.js';
import { ACCOUNT_CHECK_ROUTE_KEYS, ACCOUNT_CHECK_ROUTES } from './env.js';

const accountIdParam = z.object({ accountId: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/) });
const stepSchema = z.object({ step: z.string(), ok: z.boolean(), message: z.string(), serverMessage: z.string().nullable(), hint: z.string().nullable() });
const outcomeSchema = z.object({ at: z.string(), ok: z.boolean(), steps: z.array(stepSchema) });
const recordSchema = z.object({ purpose: z.string(), type: z.enum(['TXT', 'CNAME']), name: z.string(), value: z.string(), state: z.enum(['ok', 'missing', 'unknown']), found: z.array(z.string()) });

export function createAccountCheckRoutes(deps: AccountCheckDeps & { directory: Directory }): AnyRoute[] {
  const admin = async (claims: Parameters<typeof loadCaller>[0]) => {
    const caller = await loadCaller(claims, deps.directory);
    if (!caller.orgAdmin) throw problems.forbidden('Only organisation administrators manage email accounts.');
    return caller;
  };
  const load = async (orgId: string, accountId: string) => {
    const stored = await deps.accounts.get(accountId, true);
    if (!stored || stored.account.orgId !== orgId) throw problems.notFound('This account');
    return stored;
  };
  const routes = [
    defineRoute({
      ...ACCOUNT_CHECK_ROUTES.testSettings, operationId: 'testAccountSettings', tags: ['accounts'],
      summary: 'Test account settings before saving them: IMAP connect, login and INBOX, SMTP connect and login (or, for an SES address, its identity and DKIM in SES). Each step in plain words, with the server\'s own message and a hint. Nothing is stored.',
      body: testSettingsSchema,
      response: { status: 200, schema: outcomeSchema, description: 'The steps; `ok` when all passed.' },
      errors: [400, 403],
      handle: async ({ claims, body }) => {
        await admin(claims);
        return { status: 200, body: await testSettings(body, deps) };
      },
    }),
    defineRoute({
      ...ACCOUNT_CHECK_ROUTES.testAccount, operationId: 'testAccount', tags: ['accounts'],
      summary: 'Test a saved account with its stored credentials; the outcome becomes its validity in the list.',
      params: accountIdParam,
      response: { status: 200, schema: outcomeSchema, description: 'The steps; `ok` when all passed.' },
      errors: [403, 404],
      handle: async ({ claims, params }) => {
        const caller = await admin(claims);
        const stored = await load(caller.orgId, params.accountId);
        return { status: 200, body: await testSavedAccount(stored.account, stored.credentials, deps) };
      },
    }),
    defineRoute({
      ...ACCOUNT_CHECK_ROUTES.deliverability, operationId: 'getAccountDeliverability', tags: ['accounts'],
      summary: 'SPF, DKIM and DMARC of an SES account\'s domain: the state in DNS (`unknown` when DNS cannot be reached) and the records to publish (DKIM CNAMEs from the SES identity\'s tokens, SPF include:amazonses.com, a DMARC suggestion).',
      params: accountIdParam,
      response: {
        status: 200, description: 'The report.',
        schema: z.object({
          domain: z.string(), spf: recordSchema, dkim: z.array(recordSchema), dmarc: recordSchema,
          identity: z.object({ identity: z.string().nullable(), verifiedForSending: z.boolean(), dkimStatus: z.string().nullable(), dkimTokens: z.array(z.string()) }),
        }),
      },
      errors: [403, 404, 409],
      handle: async ({ claims, params }) => {
        const caller = await admin(claims);
        const { account } = await load(caller.orgId, params.accountId);
        if (account.kind !== 'ses') {
          throw new ProblemError(409, 'Not an SES account', 'The deliverability check covers SES accounts; an IMAP/SMTP account\'s provider publishes its own records.');
        }
        return { status: 200, body: await deliverabilityOf(account, deps) };
      },
    }),
  ];
  for (const route of routes) {
    if (!ACCOUNT_CHECK_ROUTE_KEYS.includes(routeKeyOf(route))) throw new Error(`${routeKeyOf(route)} is not an account check route key`);
  }
  return routes;
}
