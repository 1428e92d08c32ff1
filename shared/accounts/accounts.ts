/**
 * Email-account use cases: what organisation admins do with accounts, and who may use them.
 * Each change is a conditional write at the version the admin read, then an event; the recurring
 * sync schedule follows the events (schedules.ts).
 */
import { ulid } from 'ulid';
import type { Table } from '../adapters/dynamodb-table.js';
import { buildEvent, type EventData } from '../events/contracts.js';
import { indexKeys } from '../model/keys.js';
import type { Mailbox } from '../model/types.js';
import type { Directory, UserWithRoles } from '../org/directory.js';
import { loadMailboxWithSettings, saveOutboxSettings } from '../outbox/settings.js';
import type { Clock, EventPublisher } from '../ports/index.js';
import { SignatureStore } from '../compose/signatures.js';
import type { CredentialCipher } from './cipher.js';
import {
  resolveSyncStart, type Account, type AccountSecrets, type CreateAccountInput, type UpdateAccountInput,
} from './model.js';
import { AccountConflictError, type AccountAccess, type AccountRepository } from './repository.js';

export interface AccountServiceDeps {
  accounts: AccountRepository;
  table: Table;
  directory: Directory;
  cipher: CredentialCipher;
  events: EventPublisher;
  clock: Clock;
  /** Active accounts allowed per organisation. */
  quota: number;
  newId?: () => string;
}

export class AccountNotFoundError extends Error {
  constructor(accountId: string) {
    super(`Account ${accountId} does not exist`);
    this.name = 'AccountNotFoundError';
  }
}

/** A value that names something that does not exist or is not allowed: a 400 naming `field`. */
export class InvalidAccountFieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'InvalidAccountFieldError';
  }
}

/** Deleting would lose history: the account has users or handled mail. */
export class AccountInUseError extends Error {
  constructor(readonly reasons: string[]) {
    super(`This account cannot be deleted: ${reasons.join('; ')}. Deactivate it instead: it stops syncing and sending, and no longer counts towards the quota.`);
    this.name = 'AccountInUseError';
  }
}

export { AccountConflictError };

export class AccountService {
  private readonly newId: () => string;

  constructor(private readonly deps: AccountServiceDeps) {
    this.newId = deps.newId ?? ulid;
  }

  async load(orgId: string, accountId: string): Promise<Account> {
    const stored = await this.deps.accounts.get(accountId);
    if (!stored || stored.account.orgId !== orgId) throw new AccountNotFoundError(accountId);
    return stored.account;
  }

  /**
   * Primary course:
   * 1. Check the mailbox exists in the admin's organisation.
   * 2. Encrypt the passwords with the new account's id as context.
   * 3. Hold a unit of quota and write the account (repository.create).
   * 4. Publish Account Created (the sync function then creates its schedule).
   */
  async create(admin: UserWithRoles, input: CreateAccountInput): Promise<Account> {
    await this.requireMailbox(admin.orgId, input.mailboxId, 'body.mailboxId');
    const now = this.deps.clock.now().toISOString();
    const accountId = this.newId();
    const account: Account = {
      accountId, orgId: admin.orgId, kind: input.kind, address: input.address, displayName: input.displayName ?? null,
      category: input.category, mailboxId: input.mailboxId,
      imap: input.kind === 'imap_smtp' ? { host: input.imap.host, port: input.imap.port, security: input.imap.security, username: input.imap.username } : null,
      smtp: input.kind === 'imap_smtp' ? {
        host: input.smtp.host, port: input.smtp.port, security: input.smtp.security, sameCredentials: input.smtp.sameCredentials,
        username: input.smtp.sameCredentials ? input.imap.username : input.smtp.username!,
      } : null,
      syncStart: input.syncStart, syncSince: resolveSyncStart(input.syncStart, this.deps.clock.now()),
      createContacts: input.createContacts, syncEnabled: input.kind === 'imap_smtp' && input.syncEnabled,
      syncIntervalMinutes: input.syncIntervalMinutes, status: 'active', lastTest: null, lastSyncAt: null, lastSyncError: null,
      mailHandled: false, createdAt: now, updatedAt: now, createdBy: admin.email, version: 1,
    };
    const credentials = input.kind === 'imap_smtp'
      ? await this.deps.cipher.encrypt({ imapPassword: input.imap.password!, smtpPassword: input.smtp.sameCredentials ? null : input.smtp.password! }, accountId)
      : null;
    await this.deps.accounts.create(account, credentials, this.deps.quota);
    await this.publish('accountCreated', account, admin.email);
    return account;
  }

  /**
   * Primary course:
   * 1. Load the account; refuse a stale `expectedVersion` with the current state.
   * 2. Merge the change; re-encrypt when a password is given (the others are kept).
   * 3. Write at the version read; publish Account Updated (the schedule follows).
   */
  async update(admin: UserWithRoles, accountId: string, input: UpdateAccountInput): Promise<Account> {
    const stored = await this.deps.accounts.get(accountId, true);
    if (!stored || stored.account.orgId !== admin.orgId) throw new AccountNotFoundError(accountId);
    const current = stored.account;
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) throw new AccountConflictError(current);
    if (input.mailboxId !== undefined && input.mailboxId !== current.mailboxId) await this.requireMailbox(admin.orgId, input.mailboxId, 'body.mailboxId');
    if (current.kind === 'ses' && (input.imap !== undefined || input.smtp !== undefined)) {
      throw new InvalidAccountFieldError(input.imap !== undefined ? 'body.imap' : 'body.smtp', 'an SES account has no IMAP or SMTP settings');
    }
    const imap = current.imap && input.imap ? {
      host: input.imap.host ?? current.imap.host, port: input.imap.port ?? current.imap.port,
      security: input.imap.security ?? current.imap.security, username: input.imap.username ?? current.imap.username,
    } : current.imap;
    let smtp = current.smtp;
    if (current.smtp && input.smtp) {
      const sameCredentials = input.smtp.sameCredentials ?? current.smtp.sameCredentials;
      smtp = {
        host: input.smtp.host ?? current.smtp.host, port: input.smtp.port ?? current.smtp.port,
        security: input.smtp.security ?? current.smtp.security, sameCredentials,
        username: sameCredentials ? imap!.username : input.smtp.username ?? current.smtp.username,
      };
    } else if (current.smtp && imap && current.smtp.sameCredentials) {
      smtp = { ...current.smtp, username: imap.username };
    }
    const next: Account = {
      ...current,
      address: input.address ?? current.address,
      displayName: input.displayName === undefined ? current.displayName : input.displayName,
      category: input.category ?? current.category,
      mailboxId: input.mailboxId ?? current.mailboxId,
      createContacts: input.createContacts ?? current.createContacts,
      syncEnabled: current.kind === 'imap_smtp' && (input.syncEnabled ?? current.syncEnabled),
      syncIntervalMinutes: input.syncIntervalMinutes ?? current.syncIntervalMinutes,
      imap, smtp,
      updatedAt: this.deps.clock.now().toISOString(),
      version: current.version + 1,
    };
    let credentials: string | undefined;
    const newImapPassword = input.imap?.password;
    const newSmtpPassword = input.smtp?.password;
    const switchedToSeparate = current.smtp?.sameCredentials === true && smtp?.sameCredentials === false;
    if (switchedToSeparate && newSmtpPassword === undefined) throw new InvalidAccountFieldError('body.smtp.password', 'required when SMTP stops using the IMAP credentials');
    if (newImapPassword !== undefined || newSmtpPassword !== undefined || (smtp?.sameCredentials === true && current.smtp?.sameCredentials === false)) {
      const old: AccountSecrets = stored.credentials ? await this.deps.cipher.decrypt(stored.credentials, accountId) : { imapPassword: null, smtpPassword: null };
      credentials = await this.deps.cipher.encrypt({
        imapPassword: newImapPassword ?? old.imapPassword,
        smtpPassword: smtp?.sameCredentials === true ? null : newSmtpPassword ?? old.smtpPassword,
      }, accountId);
    }
    await this.deps.accounts.save(next, credentials);
    await this.publish('accountUpdated', next, admin.email);
    return next;
  }

  /**
   * Primary course:
   * 1. Status change at the version read (deactivating gives back a unit of quota; activating takes one).
   * 2. The mailbox's connector follows: disabled while every account feeding it is deactivated,
   *    so its outgoing mail is held as `connector_disabled`.
   * 3. Publish Account Deactivated / Activated (the sync schedule is removed / put back).
   */
  async setActive(admin: UserWithRoles, accountId: string, active: boolean, expectedVersion?: number): Promise<Account> {
    const current = await this.load(admin.orgId, accountId);
    if (expectedVersion !== undefined && expectedVersion !== current.version) throw new AccountConflictError(current);
    if (current.status === (active ? 'active' : 'deactivated')) return current;
    const next = await this.deps.accounts.setStatus(current, active ? 'active' : 'deactivated', this.deps.clock.now().toISOString(), this.deps.quota);
    await this.syncMailboxConnector(next.mailboxId);
    await this.publish(active ? 'accountActivated' : 'accountDeactivated', next, admin.email);
    return next;
  }

  /**
   * Deletes an account that never mattered: no user attached and no mail handled (synced in, or
   * for an SES account, any conversation in its mailbox). Otherwise {@link AccountInUseError}.
   */
  async delete(admin: UserWithRoles, accountId: string, expectedVersion?: number): Promise<void> {
    const current = await this.load(admin.orgId, accountId);
    if (expectedVersion !== undefined && expectedVersion !== current.version) throw new AccountConflictError(current);
    const reasons: string[] = [];
    const users = await this.deps.accounts.listUsers(accountId);
    if (users.length > 0) reasons.push(`${users.length} user${users.length > 1 ? 's are' : ' is'} attached to it`);
    if (current.mailHandled || (current.kind === 'ses' && (await this.mailboxHasMail(current.mailboxId)))) reasons.push('mail of it has been handled');
    if (reasons.length > 0) throw new AccountInUseError(reasons);
    await this.deps.accounts.delete(current);
    await this.syncMailboxConnector(current.mailboxId);
    await this.publish('accountDeleted', { ...current, version: current.version + 1 }, admin.email);
  }

  /** Who may use the account, each user's default account and their default signature for it. */
  async access(admin: UserWithRoles, accountId: string) {
    await this.load(admin.orgId, accountId);
    const users = await this.deps.accounts.listUsers(accountId);
    const defaults = await this.deps.accounts.getDefaults(users.map((u) => u.email));
    return users.map((u) => ({ email: u.email, signatureId: u.signatureId, default: defaults.get(u.email) === accountId }));
  }

  /**
   * Replaces the account's users. A user given `default: true` gets it as their default account;
   * a user without any default gets this one, so each user with an account has exactly one
   * default. A removed user whose default it was falls back to another of their accounts.
   */
  async setAccess(admin: UserWithRoles, accountId: string, wanted: { email: string; signatureId?: string | null | undefined; default?: boolean | undefined }[]) {
    const account = await this.load(admin.orgId, accountId);
    const signatures = new SignatureStore(this.deps.table);
    for (const [index, user] of wanted.entries()) {
      const found = await this.deps.directory.getUser(user.email);
      if (!found || found.orgId !== admin.orgId) throw new InvalidAccountFieldError(`body.users[${index}].email`, `${user.email} is not a user of this organisation`);
      // An account's signatures are those of the mailbox it feeds.
      if (typeof user.signatureId === 'string' && !(await signatures.get(account.mailboxId, user.signatureId))) {
        throw new InvalidAccountFieldError(`body.users[${index}].signatureId`, `no signature ${user.signatureId} in mailbox ${account.mailboxId}`);
      }
    }
    const current = await this.deps.accounts.listUsers(accountId);
    const keep = new Set(wanted.map((u) => u.email));
    for (const user of wanted) {
      await this.deps.accounts.grant({ accountId, email: user.email, signatureId: user.signatureId ?? null } satisfies AccountAccess);
      await this.deps.accounts.setDefault(user.email, accountId, user.default !== true);
    }
    for (const gone of current.filter((u) => !keep.has(u.email))) {
      await this.deps.accounts.revoke(accountId, gone.email);
      if ((await this.deps.accounts.getDefault(gone.email)) === accountId) {
        const others = (await this.deps.accounts.listForUser(gone.email)).filter((a) => a.accountId !== accountId);
        if (others.length > 0) await this.deps.accounts.setDefault(gone.email, others[0]!.accountId);
        else await this.deps.accounts.clearDefault(gone.email, accountId);
      }
    }
    await this.publish('accountUpdated', account, admin.email, 'access');
    return this.access(admin, accountId);
  }

  /** Accounts a caller may see: admins every account of the organisation, members the active accounts granted to them. */
  async listFor(caller: UserWithRoles): Promise<{ account: Account; primary: boolean }[]> {
    const primary = await this.deps.accounts.getDefault(caller.email);
    const accounts = caller.orgAdmin
      ? await this.deps.accounts.listByOrg(caller.orgId)
      : (await this.deps.accounts.getMany((await this.deps.accounts.listForUser(caller.email)).map((a) => a.accountId)))
        .filter((a) => a.orgId === caller.orgId && a.status === 'active');
    return accounts.map((account) => ({ account, primary: account.accountId === primary }));
  }

  /** Whether a member may use (see) an account: granted and active; admins see every account of their organisation. */
  async canSee(caller: UserWithRoles, account: Account): Promise<boolean> {
    if (account.orgId !== caller.orgId) return false;
    if (caller.orgAdmin) return true;
    if (account.status !== 'active') return false;
    return (await this.deps.accounts.listForUser(caller.email)).some((a) => a.accountId === account.accountId);
  }

  private async requireMailbox(orgId: string, mailboxId: string, field: string): Promise<Mailbox> {
    const [mailbox] = await this.deps.directory.getMailboxes([mailboxId]);
    if (!mailbox || mailbox.orgId !== orgId) throw new InvalidAccountFieldError(field, `no mailbox ${mailboxId} in this organisation`);
    return mailbox;
  }

  private async mailboxHasMail(mailboxId: string): Promise<boolean> {
    for (const partition of [indexKeys.mailboxConversations(mailboxId), indexKeys.mailboxConversations(mailboxId, 'archived')]) {
      const page = await this.deps.table.query({
        IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :pk', ExpressionAttributeValues: { ':pk': partition }, Limit: 1,
      });
      if (page.items.length > 0) return true;
    }
    return false;
  }

  /**
   * The mailbox may send while one of the accounts feeding it is active, or while none describes
   * it (plain SES); when all of them are deactivated its outgoing mail is held (connector-registry.ts).
   */
  private async syncMailboxConnector(mailboxId: string): Promise<void> {
    const feeding = await this.deps.accounts.listByMailbox(mailboxId);
    const enabled = feeding.length === 0 || feeding.some((a) => a.status === 'active');
    const loaded = await loadMailboxWithSettings(this.deps.table, mailboxId);
    if (!loaded || loaded.settings.connectorEnabled === enabled) return;
    await saveOutboxSettings(this.deps.table, mailboxId, { ...loaded.settings, connectorEnabled: enabled });
  }

  private async publish(name: 'accountCreated' | 'accountUpdated' | 'accountDeactivated' | 'accountActivated' | 'accountDeleted', account: Account, actor: string, suffix = ''): Promise<void> {
    const data: EventData<'accountCreated'> = {
      accountId: account.accountId, orgId: account.orgId, kind: account.kind, address: account.address, mailboxId: account.mailboxId,
      status: account.status, syncEnabled: account.syncEnabled, syncIntervalMinutes: account.syncIntervalMinutes,
      version: account.version, actor,
    };
    const eventId = `account:${account.accountId}:${name}:v${account.version}${suffix ? `:${suffix}:${this.deps.clock.now().getTime()}` : ''}`;
    await this.deps.events.publish([buildEvent(name, eventId, data, this.deps.clock.now())]);
  }
}
