/**
 * Checks an admin runs on an account: the connection test (before saving, from the settings typed
 * in, or of a saved account) and, for an SES account, the deliverability check of its domain.
 * They need the IMAP/SMTP clients, the SES client and DNS, so they are served by their own
 * function rather than the API's.
 */
import * as z from 'zod';
import type { testImap as TestImap, testSmtp as TestSmtp } from '../connectors/test-connection.js';
import type { ServerEndpoint } from '../connectors/types.js';
import type { Clock } from '../ports/index.js';
import type { CredentialCipher } from './cipher.js';
import { checkDeliverability, type DeliverabilityReport, type DnsLookup } from './deliverability.js';
import { imapEndpoint, imapInputSchema, smtpEndpoint, smtpInputSchema, type Account, type AccountCheckStep, type TestOutcome } from './model.js';
import type { AccountRepository } from './repository.js';
import { sesIdentitySteps, type SesIdentityReader } from './ses-identity.js';

export interface AccountCheckDeps {
  accounts: AccountRepository;
  cipher: CredentialCipher;
  ses: SesIdentityReader;
  dns: DnsLookup;
  clock: Clock;
  testImap: typeof TestImap;
  testSmtp: typeof TestSmtp;
}

/** Settings to test before saving: the same fields as creating an account, passwords included. */
export const testSettingsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ses'), address: z.email().transform((a) => a.toLowerCase()) }),
  z.object({
    kind: z.literal('imap_smtp'),
    imap: imapInputSchema.extend({ password: z.string().min(1).max(1024) }),
    smtp: smtpInputSchema,
  }),
]).superRefine((value, ctx) => {
  if (value.kind === 'imap_smtp' && !value.smtp.sameCredentials) {
    if (value.smtp.username === undefined) ctx.addIssue({ code: 'custom', path: ['smtp', 'username'], message: 'required unless sameCredentials' });
    if (value.smtp.password === undefined) ctx.addIssue({ code: 'custom', path: ['smtp', 'password'], message: 'required unless sameCredentials' });
  }
});
export type TestSettings = z.output<typeof testSettingsSchema>;

/** Both servers are tried, so one test says everything that is wrong. */
async function testServers(imap: ServerEndpoint, smtp: ServerEndpoint, deps: AccountCheckDeps): Promise<AccountCheckStep[]> {
  const [imapSteps, smtpSteps] = await Promise.all([deps.testImap(imap), deps.testSmtp(smtp)]);
  return [...imapSteps, ...smtpSteps];
}

function outcome(steps: AccountCheckStep[], clock: Clock): TestOutcome {
  return { at: clock.now().toISOString(), ok: steps.length > 0 && steps.every((s) => s.ok), steps };
}

/** Tests settings that are not saved yet. */
export async function testSettings(settings: TestSettings, deps: AccountCheckDeps): Promise<TestOutcome> {
  if (settings.kind === 'ses') return outcome(sesIdentitySteps(settings.address, await deps.ses.read(settings.address)), deps.clock);
  const imap: ServerEndpoint = { host: settings.imap.host, port: settings.imap.port, security: settings.imap.security, username: settings.imap.username, password: settings.imap.password };
  const smtp: ServerEndpoint = {
    host: settings.smtp.host, port: settings.smtp.port, security: settings.smtp.security,
    username: settings.smtp.sameCredentials ? imap.username : settings.smtp.username!,
    password: settings.smtp.sameCredentials ? imap.password : settings.smtp.password!,
  };
  return outcome(await testServers(imap, smtp, deps), deps.clock);
}

/** Tests a saved account with its stored credentials and records the outcome on it (its validity). */
export async function testSavedAccount(account: Account, credentials: string | null, deps: AccountCheckDeps): Promise<TestOutcome> {
  let steps: AccountCheckStep[];
  if (account.kind === 'ses') {
    steps = sesIdentitySteps(account.address, await deps.ses.read(account.address));
  } else if (credentials === null) {
    steps = [{ step: 'imap-login', ok: false, message: 'No password is stored for this account.', serverMessage: null, hint: 'Edit the account and enter its password.' }];
  } else {
    const secrets = await deps.cipher.decrypt(credentials, account.accountId);
    steps = await testServers(imapEndpoint(account, secrets), smtpEndpoint(account, secrets), deps);
  }
  const result = outcome(steps, deps.clock);
  await deps.accounts.recordTest(account.accountId, result);
  return result;
}

/** SPF, DKIM and DMARC of the SES account's domain, with the records to publish. */
export async function deliverabilityOf(account: Account, deps: AccountCheckDeps): Promise<DeliverabilityReport & { identity: Awaited<ReturnType<SesIdentityReader['read']>> }> {
  const domain = account.address.split('@')[1] ?? account.address;
  const identity = await deps.ses.read(account.address);
  return { ...(await checkDeliverability(domain, identity.dkimTokens, deps.dns)), identity };
}
