/**
 * Email accounts: where a mailbox's mail comes from and goes out through. An `ses` account is an
 * address on a domain Amazon SES receives and sends for; an `imap_smtp` account is an existing
 * mailbox elsewhere (Gmail, Microsoft 365, a hosting provider) that Mailroom reads over IMAP and
 * sends through over SMTP. Both feed one Mailroom mailbox.
 *
 * Passwords never appear in these records: they are encrypted as one blob (`cipher.ts`) stored on
 * the item in `credentials`, which {@link accountView} leaves out of everything the API returns.
 */
import * as z from 'zod';
import type { ConnectionStep, ServerEndpoint, TransportSecurity } from '../connectors/types.js';

export type AccountKind = 'ses' | 'imap_smtp';
export type AccountCategory = 'personal' | 'shared';
export type AccountStatus = 'active' | 'deactivated';

export interface ServerSettings {
  host: string;
  port: number;
  security: TransportSecurity;
  username: string;
}

export interface SmtpSettings extends ServerSettings {
  /** Sign in to SMTP with the IMAP username and password. */
  sameCredentials: boolean;
}

/**
 * One step of a check, in plain words: the connectors' IMAP/SMTP steps, or the SES steps of an
 * SES account (`ses-identity`, `ses-dkim`).
 */
export type AccountCheckStep = Omit<ConnectionStep, 'step'> & { step: ConnectionStep['step'] | 'ses-identity' | 'ses-dkim' };

/** Outcome of the last connection test, shown beside the account. */
export interface TestOutcome {
  at: string;
  ok: boolean;
  steps: AccountCheckStep[];
}

export interface Account {
  accountId: string;
  orgId: string;
  kind: AccountKind;
  /** The address this account receives and sends as, lower-cased. */
  address: string;
  displayName: string | null;
  category: AccountCategory;
  /** The Mailroom mailbox its mail goes to and is sent from. */
  mailboxId: string;
  imap: ServerSettings | null;
  smtp: SmtpSettings | null;
  /** `today`, `one_week_ago` or a date (YYYY-MM-DD): how far back the first sync reaches. */
  syncStart: string;
  /** The day `syncStart` resolved to when the account was created (YYYY-MM-DD). */
  syncSince: string;
  /** Create a contact from each new sender (read by the contacts feature). */
  createContacts: boolean;
  syncEnabled: boolean;
  syncIntervalMinutes: number;
  status: AccountStatus;
  lastTest: TestOutcome | null;
  lastSyncAt: string | null;
  lastSyncError: string | null;
  /** Set once mail of this account was handled (synced in): the account can then only be deactivated. */
  mailHandled: boolean;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  version: number;
}

/** Plain passwords, only ever held in memory between the request (or decryption) and their use. */
export interface AccountSecrets {
  imapPassword: string | null;
  smtpPassword: string | null;
}

export const SYNC_INTERVALS = { min: 1, max: 1440, default: 5 } as const;

const hostSchema = z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.-]+$/, 'a host name such as imap.example.org');
const security = z.enum(['tls', 'starttls', 'none']);
const syncStartSchema = z.union([z.enum(['today', 'one_week_ago']), z.iso.date()])
  .describe('`today`, `one_week_ago` or a date (YYYY-MM-DD): how far back the first sync reaches.');

export const imapInputSchema = z.object({
  host: hostSchema,
  port: z.number().int().min(1).max(65535).default(993),
  security: security.default('tls'),
  username: z.string().min(1).max(320),
  password: z.string().min(1).max(1024).optional().describe('Write-only: never returned.'),
});

export const smtpInputSchema = z.object({
  host: hostSchema,
  port: z.number().int().min(1).max(65535).default(465),
  security: security.default('tls'),
  sameCredentials: z.boolean().default(true).describe('Sign in with the IMAP username and password.'),
  username: z.string().min(1).max(320).optional(),
  password: z.string().min(1).max(1024).optional().describe('Write-only: never returned.'),
});

const common = {
  address: z.email().max(320).transform((a) => a.toLowerCase()),
  displayName: z.string().trim().max(200).nullable().optional(),
  category: z.enum(['personal', 'shared']).default('shared'),
  mailboxId: z.string().min(1).max(100),
  syncStart: syncStartSchema.default('today'),
  createContacts: z.boolean().default(false).describe('Create a contact from each new sender.'),
  syncEnabled: z.boolean().default(true),
  syncIntervalMinutes: z.number().int().min(SYNC_INTERVALS.min).max(SYNC_INTERVALS.max).default(SYNC_INTERVALS.default),
};

export const createAccountSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ses'), ...common }),
  z.object({ kind: z.literal('imap_smtp'), ...common, imap: imapInputSchema, smtp: smtpInputSchema }),
]).superRefine((value, ctx) => {
  if (value.kind !== 'imap_smtp') return;
  if (value.imap.password === undefined) ctx.addIssue({ code: 'custom', path: ['imap', 'password'], message: 'required' });
  if (!value.smtp.sameCredentials) {
    if (value.smtp.username === undefined) ctx.addIssue({ code: 'custom', path: ['smtp', 'username'], message: 'required unless sameCredentials' });
    if (value.smtp.password === undefined) ctx.addIssue({ code: 'custom', path: ['smtp', 'password'], message: 'required unless sameCredentials' });
  }
});
export type CreateAccountInput = z.output<typeof createAccountSchema>;

/** A change: every field optional; a password given replaces the stored one, one omitted is kept. */
export const updateAccountSchema = z.object({
  address: common.address.optional(),
  displayName: common.displayName,
  category: z.enum(['personal', 'shared']).optional(),
  mailboxId: common.mailboxId.optional(),
  createContacts: z.boolean().optional(),
  syncEnabled: z.boolean().optional(),
  syncIntervalMinutes: z.number().int().min(SYNC_INTERVALS.min).max(SYNC_INTERVALS.max).optional(),
  imap: imapInputSchema.partial().optional(),
  smtp: smtpInputSchema.partial().optional(),
  expectedVersion: z.number().int().min(1).optional(),
});
export type UpdateAccountInput = z.output<typeof updateAccountSchema>;

/** `today` / `one_week_ago` / a date -> the day it means now (UTC). */
export function resolveSyncStart(syncStart: string, now: Date): string {
  if (syncStart === 'today') return now.toISOString().slice(0, 10);
  if (syncStart === 'one_week_ago') return new Date(now.getTime() - 7 * 86_400_000).toISOString().slice(0, 10);
  return syncStart;
}

export function imapEndpoint(account: Account, secrets: AccountSecrets): ServerEndpoint {
  if (!account.imap || secrets.imapPassword === null) throw new Error(`Account ${account.accountId} has no IMAP settings`);
  return { ...account.imap, password: secrets.imapPassword };
}

export function smtpEndpoint(account: Account, secrets: AccountSecrets): ServerEndpoint {
  if (!account.smtp || !account.imap) throw new Error(`Account ${account.accountId} has no SMTP settings`);
  const { sameCredentials, ...server } = account.smtp;
  const password = sameCredentials ? secrets.imapPassword : secrets.smtpPassword;
  if (password === null) throw new Error(`Account ${account.accountId} has no SMTP password`);
  return { ...server, username: sameCredentials ? account.imap.username : server.username, password };
}

/**
 * What the API shows of an account: everything but the encrypted credentials, which are never
 * returned (not even encrypted), and no password field at all.
 */
export function accountView(account: Account) {
  return {
    accountId: account.accountId, kind: account.kind, address: account.address, displayName: account.displayName,
    category: account.category, mailboxId: account.mailboxId,
    imap: account.imap, smtp: account.smtp,
    syncStart: account.syncStart, syncSince: account.syncSince, createContacts: account.createContacts,
    syncEnabled: account.syncEnabled, syncIntervalMinutes: account.syncIntervalMinutes, status: account.status,
    lastTest: account.lastTest, lastSyncAt: account.lastSyncAt, lastSyncError: account.lastSyncError,
    validity: validityOf(account),
    createdAt: account.createdAt, updatedAt: account.updatedAt, version: account.version,
  };
}

/**
 * One word for the list: `ok` when the last test passed and the last sync (if any) did not fail,
 * `failing` when either failed, `untested` before the first test or sync.
 */
export function validityOf(account: Account): 'ok' | 'failing' | 'untested' {
  if (account.lastSyncError !== null || account.lastTest?.ok === false) return 'failing';
  if (account.lastTest === null && account.lastSyncAt === null) return 'untested';
  return 'ok';
}
