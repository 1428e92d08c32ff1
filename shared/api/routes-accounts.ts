/**
 * Email-account routes: organisation admins connect, edit, deactivate and delete accounts and say
 * who may use them; members list and read the active accounts granted to them and choose their
 * default. Credentials are write-only: no response carries them, not even encrypted.
 *
 * The connection test and the deliverability check need the IMAP/SMTP clients and the SES client,
 * which this function's bundle must not carry; they are served by the mail-accounts function
 * (`shared/accounts/check-routes.ts`).
 */
import * as z from 'zod';
import { AccountConflictError, AccountInUseError, AccountNotFoundError, AccountService, InvalidAccountFieldError } from '../accounts/accounts.js';
import type { CredentialCipher } from '../accounts/cipher.js';
import { accountQuotaFromEnv } from '../accounts/env.js';
import { accountView, createAccountSchema, updateAccountSchema, type Account } from '../accounts/model.js';
import { AccountRepository, QuotaExceededError } from '../accounts/repository.js';
import { systemClock } from '../ports/index.js';
import type { UserWithRoles } from '../org/directory.js';
import { loadCaller, requireOrgAdmin } from './access.js';
import { ProblemError, problems } from './problem.js';
import { defineRoute, type AnyRoute } from './router.js';
import type { ApiDeps } from './routes.js';

/** What the account routes need beyond the API's own dependencies (tests pass fakes). */
export interface AccountRouteDeps {
  cipher: CredentialCipher;
  quota: number;
}

const accountIdParam = z.object({ accountId: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/) });

const serverSchema = z.object({ host: z.string(), port: z.number().int(), security: z.enum(['tls', 'starttls', 'none']), username: z.string() });
const stepSchema = z.object({ step: z.string(), ok: z.boolean(), message: z.string(), serverMessage: z.string().nullable(), hint: z.string().nullable() });
export const accountSchema = z.object({
  accountId: z.string(), kind: z.enum(['ses', 'imap_smtp']), address: z.string(), displayName: z.string().nullable(),
  category: z.enum(['personal', 'shared']), mailboxId: z.string(),
  imap: serverSchema.nullable(), smtp: serverSchema.extend({ sameCredentials: z.boolean() }).nullable(),
  syncStart: z.string(), syncSince: z.string(), createContacts: z.boolean(), syncEnabled: z.boolean(), syncIntervalMinutes: z.number().int(),
  status: z.enum(['active', 'deactivated']),
  lastTest: z.object({ at: z.string(), ok: z.boolean(), steps: z.array(stepSchema) }).nullable(),
  lastSyncAt: z.string().nullable(), lastSyncError: z.string().nullable(),
  validity: z.enum(['ok', 'failing', 'untested']).describe('From the last connection test and the last sync.'),
  createdAt: z.string(), updatedAt: z.string(), version: z.number().int(),
});
const listItemSchema = accountSchema.extend({
  primary: z.boolean().describe("The caller's default account."),
  mailbox: z.object({ mailboxId: z.string(), name: z.string(), department: z.string().nullable(), dispatchers: z.array(z.string()) }).nullable(),
});
const accessSchema = z.object({ items: z.array(z.object({ email: z.string(), signatureId: z.string().nullable(), default: z.boolean() })) });
const versionBody = z.object({ expectedVersion: z.number().int().min(1).optional() }).optional();

/** Domain errors -> problems. */
function toProblem(error: unknown): unknown {
  if (error instanceof AccountNotFoundError) return problems.notFound('This account');
  if (error instanceof AccountConflictError) {
    return problems.conflict('The account changed meanwhile; reload it and try again.', error.current ? accountView(error.current) : null);
  }
  if (error instanceof QuotaExceededError) {
    return new ProblemError(422, 'Account quota reached', `This organisation may have ${error.quota} active accounts. Deactivate one, or raise MAILROOM_ACCOUNT_QUOTA.`, { quota: error.quota });
  }
  if (error instanceof AccountInUseError) return new ProblemError(409, 'Account in use', error.message, { reasons: error.reasons, suggestion: 'deactivate' });
  if (error instanceof InvalidAccountFieldError) return problems.badRequest(`Invalid field: ${error.field}.`, [{ field: error.field, message: error.message }]);
  return error;
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toProblem(error);
  }
}

let fromEnv: AccountRouteDeps | undefined;

/** Production wiring, built on first use so the API's cold start does not pay for it. */
async function accountRouteDepsFromEnv(): Promise<AccountRouteDeps> {
  if (!fromEnv) {
    const { cipherFromEnv } = await import('../accounts/cipher-env.js');
    fromEnv = { cipher: cipherFromEnv(), quota: accountQuotaFromEnv() };
  }
  return fromEnv;
}

export function createAccountRoutes(deps: ApiDeps & { accounts?: AccountRouteDeps }): AnyRoute[] {
  const repository = new AccountRepository(deps.table);
  let service: AccountService | undefined;
  const accountService = async (): Promise<AccountService> => {
    if (!service) {
      const own = deps.accounts ?? (await accountRouteDepsFromEnv());
      service = new AccountService({
        accounts: repository, table: deps.table, directory: deps.directory, cipher: own.cipher, events: deps.events,
        clock: deps.clock ?? systemClock, quota: own.quota,
      });
    }
    return service;
  };
  const admin = async (claims: Parameters<typeof loadCaller>[0]): Promise<UserWithRoles> => {
    const caller = await loadCaller(claims, deps.directory);
    if (!caller.orgAdmin) throw problems.forbidden('Only organisation administrators manage email accounts.');
    return caller;
  };
  /** Members see only the active accounts granted to them; anything else is 404. */
  const visible = async (caller: UserWithRoles, accountId: string): Promise<Account> => {
    const svc = await accountService();
    const account = await mapped(() => svc.load(caller.orgId, accountId));
    if (!(await svc.canSee(caller, account))) throw problems.notFound('This account');
    return account;
  };

  return [
    defineRoute({
      method: 'GET', path: '/api/accounts', operationId: 'listAccounts', tags: ['accounts'],
      summary: 'Email accounts: every account of the organisation for its admins, the active accounts granted to the caller for members. Each with its validity (last test and last sync), the caller\'s default flag, and its mailbox\'s department and dispatchers.',
      response: { status: 200, schema: z.object({ items: z.array(listItemSchema) }), description: 'Accounts.' },
      handle: async ({ claims }) => {
        const caller = await loadCaller(claims, deps.directory);
        const listed = await (await accountService()).listFor(caller);
        const mailboxIds = [...new Set(listed.map((l) => l.account.mailboxId))];
        const mailboxes = new Map((await deps.directory.getMailboxes(mailboxIds)).map((m) => [m.mailboxId, m]));
        const dispatchers = new Map(await Promise.all(mailboxIds.map(async (id) => [
          id, (await deps.directory.listMembers(id)).filter((m) => m.role === 'dispatcher').map((m) => m.email).sort(),
        ] as const)));
        return {
          status: 200,
          body: {
            items: listed.map(({ account, primary }) => {
              const mailbox = mailboxes.get(account.mailboxId);
              return {
                ...accountView(account), primary,
                mailbox: mailbox ? { mailboxId: mailbox.mailboxId, name: mailbox.name, department: mailbox.department, dispatchers: dispatchers.get(mailbox.mailboxId) ?? [] } : null,
              };
            }),
          },
        };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/accounts', operationId: 'createAccount', tags: ['accounts'],
      summary: 'Connect an email account to a mailbox (organisation admins): an SES address, or an IMAP/SMTP mailbox whose passwords are stored encrypted and never returned. Counts towards the organisation\'s quota.',
      body: createAccountSchema,
      response: { status: 201, schema: accountSchema, description: 'The account.' },
      errors: [400, 403, 422],
      handle: async ({ claims, body }) => {
        const caller = await admin(claims);
        const account = await mapped(async () => (await accountService()).create(caller, body));
        return { status: 201, body: accountView(account), headers: { location: `/api/accounts/${account.accountId}` } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/accounts/{accountId}', operationId: 'getAccount', tags: ['accounts'],
      summary: 'One email account (admins: any of the organisation; members: an active account granted to them).',
      params: accountIdParam,
      response: { status: 200, schema: accountSchema, description: 'The account.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const caller = await loadCaller(claims, deps.directory);
        return { status: 200, body: accountView(await visible(caller, params.accountId)) };
      },
    }),
    defineRoute({
      method: 'PATCH', path: '/api/accounts/{accountId}', operationId: 'updateAccount', tags: ['accounts'],
      summary: 'Change an account\'s settings (organisation admins). A password given replaces the stored one; one omitted is kept.',
      params: accountIdParam,
      body: updateAccountSchema,
      response: { status: 200, schema: accountSchema, description: 'The account after the change.' },
      errors: [400, 403, 404, 409],
      handle: async ({ claims, params, body }) => {
        const caller = await admin(claims);
        return { status: 200, body: accountView(await mapped(async () => (await accountService()).update(caller, params.accountId, body))) };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/accounts/{accountId}/deactivate', operationId: 'deactivateAccount', tags: ['accounts'],
      summary: 'Deactivate an account (organisation admins): no sync, hidden from members, not counted in the quota; its outgoing mail is held as "connector disabled".',
      params: accountIdParam, body: versionBody,
      response: { status: 200, schema: accountSchema, description: 'The account.' },
      errors: [403, 404, 409],
      handle: async ({ claims, params, body }) => {
        const caller = await admin(claims);
        return { status: 200, body: accountView(await mapped(async () => (await accountService()).setActive(caller, params.accountId, false, body?.expectedVersion))) };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/accounts/{accountId}/activate', operationId: 'activateAccount', tags: ['accounts'],
      summary: 'Activate a deactivated account again (organisation admins); counts towards the quota.',
      params: accountIdParam, body: versionBody,
      response: { status: 200, schema: accountSchema, description: 'The account.' },
      errors: [403, 404, 409, 422],
      handle: async ({ claims, params, body }) => {
        const caller = await admin(claims);
        return { status: 200, body: accountView(await mapped(async () => (await accountService()).setActive(caller, params.accountId, true, body?.expectedVersion))) };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/accounts/{accountId}', operationId: 'deleteAccount', tags: ['accounts'],
      summary: 'Delete an account that has no users and never handled mail (organisation admins); otherwise 409 suggesting deactivation.',
      params: accountIdParam,
      response: { status: 204, schema: null, description: 'Deleted.' },
      errors: [403, 404, 409],
      handle: async ({ claims, params }) => {
        const caller = await admin(claims);
        await mapped(async () => (await accountService()).delete(caller, params.accountId));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/accounts/{accountId}/access', operationId: 'getAccountAccess', tags: ['accounts'],
      summary: 'Who may use the account, whether it is their default account, and their default signature for it (organisation admins).',
      params: accountIdParam,
      response: { status: 200, schema: accessSchema, description: 'Users of the account.' },
      errors: [403, 404],
      handle: async ({ claims, params }) => {
        const caller = await admin(claims);
        return { status: 200, body: { items: await mapped(async () => (await accountService()).access(caller, params.accountId)) } };
      },
    }),
    defineRoute({
      method: 'PUT', path: '/api/accounts/{accountId}/access', operationId: 'setAccountAccess', tags: ['accounts'],
      summary: 'Replace who may use the account (organisation admins). `default: true` makes it that user\'s default account; a user\'s first account becomes their default. `signatureId` is their default signature for it.',
      params: accountIdParam,
      body: z.object({
        users: z.array(z.object({
          email: z.email().transform((e) => e.toLowerCase()),
          default: z.boolean().optional(),
          signatureId: z.string().min(1).max(100).nullable().optional(),
        })).max(500),
      }),
      response: { status: 200, schema: accessSchema, description: 'Users of the account after the change.' },
      errors: [400, 403, 404],
      handle: async ({ claims, params, body }) => {
        const caller = await admin(claims);
        return { status: 200, body: { items: await mapped(async () => (await accountService()).setAccess(caller, params.accountId, body.users)) } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/accounts/{accountId}/primary', operationId: 'setPrimaryAccount', tags: ['accounts'],
      summary: 'Make an account the caller\'s default (primary) account, among those they may use.',
      params: accountIdParam,
      response: { status: 200, schema: z.object({ accountId: z.string() }), description: 'The caller\'s default account.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const caller = await loadCaller(claims, deps.directory);
        const account = await visible(caller, params.accountId);
        if (!(await repository.listForUser(caller.email)).some((a) => a.accountId === account.accountId)) {
          throw problems.notFound('This account');
        }
        await repository.setDefault(caller.email, account.accountId);
        return { status: 200, body: { accountId: account.accountId } };
      },
    }),
  ];
}
