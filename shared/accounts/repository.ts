/**
 * Email accounts in the single table (keys in shared/model/keys.ts):
 *
 * | what                                  | key                                                        |
 * |---------------------------------------|------------------------------------------------------------|
 * | account                               | PK=ACCOUNT#<accountId> SK=ACCOUNT                          |
 * | an organisation's accounts            | GSI3 PK=ACCOUNTS#<orgId> SK=<createdAt>#<accountId>        |
 * | the accounts feeding a mailbox        | GSI1 PK=MBX#<mailboxId>#ACCOUNTS SK=<accountId>            |
 * | a user's right to use an account      | PK=USER#<email> SK=ACCOUNT#<accountId> (+ signatureId)     |
 * | the users of an account               | GSI3 PK=ACCOUNT#<accountId>#USERS SK=<email>               |
 * | a user's default account (one)        | PK=USER#<email> SK=ACCOUNT_DEFAULT                         |
 * | active accounts of an organisation    | PK=ORG#<orgId> SK=ACCOUNTS (counter, quota)                |
 *
 * Races are settled by conditional writes: the quota counter is incremented only below the quota,
 * an account changes only at the version the caller read, and a user has one default by key.
 * DynamoDB Local emulators lack transactions, so multi-item changes are ordered to be safe when
 * interrupted (quota reserved before the account exists, released after it stops counting).
 */
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import { indexKeys, keys } from '../model/keys.js';
import type { Account, AccountStatus, TestOutcome } from './model.js';

export class QuotaExceededError extends Error {
  constructor(readonly quota: number) {
    super(`The organisation already has ${quota} active accounts, its quota`);
    this.name = 'QuotaExceededError';
  }
}

export class AccountConflictError extends Error {
  constructor(readonly current: Account | null) {
    super(current ? `Account ${current.accountId} changed meanwhile (version ${current.version})` : 'The account no longer exists');
    this.name = 'AccountConflictError';
  }
}

export interface StoredAccount {
  account: Account;
  /** Encrypted credentials (cipher.ts); never leaves the server. */
  credentials: string | null;
}

export interface AccountAccess {
  accountId: string;
  email: string;
  signatureId: string | null;
}

const ACCOUNT_FIELDS = [
  'accountId', 'orgId', 'kind', 'address', 'displayName', 'category', 'mailboxId', 'imap', 'smtp', 'syncStart', 'syncSince',
  'createContacts', 'syncEnabled', 'syncIntervalMinutes', 'status', 'lastTest', 'lastSyncAt', 'lastSyncError', 'mailHandled',
  'createdAt', 'updatedAt', 'createdBy', 'version',
] as const;

export function accountFromItem(item: Item): Account {
  const out = Object.fromEntries(ACCOUNT_FIELDS.map((f) => [f, item[f] ?? null])) as unknown as Account;
  out.mailHandled = item.mailHandled === true;
  out.createContacts = item.createContacts === true;
  out.syncEnabled = item.syncEnabled !== false;
  out.version = Number(item.version ?? 1);
  return out;
}

function accountItem(account: Account, credentials: string | null): Item {
  return {
    ...keys.account(account.accountId), type: 'account', ...account,
    ...(credentials === null ? {} : { credentials }),
    GSI3PK: indexKeys.accounts(account.orgId), GSI3SK: `${account.createdAt}#${account.accountId}`,
    GSI1PK: indexKeys.mailboxAccounts(account.mailboxId), GSI1SK: account.accountId,
  };
}

export class AccountRepository {
  constructor(private readonly table: Table) {}

  async get(accountId: string, consistent = false): Promise<StoredAccount | null> {
    const item = await this.table.get(keys.account(accountId), consistent);
    if (!item || item.status === 'deleting') return null;
    return { account: accountFromItem(item), credentials: typeof item.credentials === 'string' ? item.credentials : null };
  }

  async getMany(accountIds: string[]): Promise<Account[]> {
    const items = await this.table.batchGet(accountIds.map((id) => keys.account(id)));
    return items.filter((i) => i.status !== 'deleting').map(accountFromItem);
  }

  /** Every account of an organisation, oldest first (admin listing). */
  async listByOrg(orgId: string): Promise<Account[]> {
    const ids = await this.queryIds('GSI3', 'GSI3PK', indexKeys.accounts(orgId), (i) => String(i.PK).slice('ACCOUNT#'.length));
    const accounts = await this.getMany(ids);
    const order = new Map(ids.map((id, n) => [id, n]));
    return accounts.sort((a, b) => order.get(a.accountId)! - order.get(b.accountId)!);
  }

  /** The accounts feeding a mailbox (the sender's connector choice, the inbound envelope for IMAP mail). */
  async listByMailbox(mailboxId: string): Promise<Account[]> {
    const ids = await this.queryIds('GSI1', 'GSI1PK', indexKeys.mailboxAccounts(mailboxId), (i) => String(i.PK).slice('ACCOUNT#'.length));
    return this.getMany(ids);
  }

  /**
   * Creates an account, holding one unit of the organisation's quota first: if the quota is
   * reached nothing is written; if the account write fails the unit is given back.
   */
  async create(account: Account, credentials: string | null, quota: number): Promise<void> {
    if (account.status === 'active') await this.reserveQuota(account.orgId, quota);
    try {
      await this.table.put(accountItem(account, credentials), { ConditionExpression: 'attribute_not_exists(PK)' });
    } catch (error) {
      if (account.status === 'active') await this.releaseQuota(account.orgId);
      throw error;
    }
  }

  /**
   * Replaces the account's settings at the version the caller read (`next.version` is that plus
   * one). Credentials are replaced when given, kept otherwise.
   */
  async save(next: Account, credentials: string | null | undefined): Promise<void> {
    const current = await this.table.get(keys.account(next.accountId), true);
    if (!current || current.status === 'deleting') throw new AccountConflictError(null);
    const kept = credentials === undefined ? (typeof current.credentials === 'string' ? current.credentials : null) : credentials;
    try {
      await this.table.put(accountItem(next, kept), {
        ConditionExpression: 'attribute_exists(PK) AND version = :v AND #status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':v': next.version - 1, ':status': next.status },
      });
    } catch (error) {
      throw await this.conflict(error, next.accountId);
    }
  }

  /**
   * Activates or deactivates at a version. Activating holds a unit of quota first (released if the
   * status write loses); deactivating releases one after the write, since a deactivated account
   * does not count.
   */
  async setStatus(account: Account, status: AccountStatus, at: string, quota: number): Promise<Account> {
    if (account.status === status) return account;
    if (status === 'active') await this.reserveQuota(account.orgId, quota);
    try {
      const item = await this.table.update({
        Key: keys.account(account.accountId),
        UpdateExpression: 'SET #status = :to, version = version + :one, updatedAt = :at',
        ConditionExpression: 'attribute_exists(PK) AND version = :v AND #status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':to': status, ':from': account.status, ':v': account.version, ':one': 1, ':at': at },
      });
      if (status === 'deactivated') await this.releaseQuota(account.orgId);
      return accountFromItem(item);
    } catch (error) {
      if (status === 'active') await this.releaseQuota(account.orgId);
      throw await this.conflict(error, account.accountId);
    }
  }

  /**
   * Deletes the account at a version: first marks it `deleting` (conditional, so a concurrent
   * change wins), then gives back its quota and removes the item.
   */
  async delete(account: Account): Promise<void> {
    try {
      await this.table.update({
        Key: keys.account(account.accountId),
        UpdateExpression: 'SET #status = :deleting',
        ConditionExpression: 'attribute_exists(PK) AND version = :v AND #status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':deleting': 'deleting', ':v': account.version, ':from': account.status },
      });
    } catch (error) {
      throw await this.conflict(error, account.accountId);
    }
    if (account.status === 'active') await this.releaseQuota(account.orgId);
    await this.table.batchPut([], [keys.account(account.accountId), keys.accountSync(account.accountId)]);
  }

  /** Sync bookkeeping: not a settings change, so no version bump and no conflict with an admin's edit. */
  async recordSync(accountId: string, outcome: { at: string; error: string | null; fetched: number }): Promise<void> {
    await this.table.update({
      Key: keys.account(accountId),
      UpdateExpression: `SET lastSyncAt = :at, lastSyncError = :error${outcome.fetched > 0 ? ', mailHandled = :true' : ''}`,
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':at': outcome.at, ':error': outcome.error, ...(outcome.fetched > 0 ? { ':true': true } : {}) },
    }).catch((error: unknown) => {
      if (!(error instanceof ConditionFailedError)) throw error;
    });
  }

  async recordTest(accountId: string, outcome: TestOutcome): Promise<void> {
    await this.table.update({
      Key: keys.account(accountId),
      UpdateExpression: 'SET lastTest = :t',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':t': outcome },
    });
  }

  // --- access ---------------------------------------------------------------------------------

  async listUsers(accountId: string): Promise<AccountAccess[]> {
    const emails = await this.queryIds('GSI3', 'GSI3PK', indexKeys.accountUsers(accountId), (i) => String(i.PK).slice('USER#'.length));
    if (emails.length === 0) return [];
    const items = await this.table.batchGet(emails.map((email) => keys.accountAccess(email, accountId)));
    return items.map(accessFromItem).sort((a, b) => a.email.localeCompare(b.email));
  }

  /** The accounts a user may use (one Query in the user's partition). */
  async listForUser(email: string): Promise<AccountAccess[]> {
    const out: AccountAccess[] = [];
    let start: Item | undefined;
    do {
      const page = await this.table.query({
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': `USER#${email}`, ':sk': 'ACCOUNT#' },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      out.push(...page.items.map(accessFromItem));
      start = page.lastKey;
    } while (start);
    return out;
  }

  async grant(access: AccountAccess): Promise<void> {
    await this.table.put({
      ...keys.accountAccess(access.email, access.accountId), type: 'accountAccess', ...access,
      GSI3PK: indexKeys.accountUsers(access.accountId), GSI3SK: access.email,
    });
  }

  async revoke(accountId: string, email: string): Promise<void> {
    await this.table.delete(keys.accountAccess(email, accountId));
  }

  async getDefault(email: string): Promise<string | null> {
    const item = await this.table.get(keys.defaultAccount(email));
    return typeof item?.accountId === 'string' ? item.accountId : null;
  }

  async getDefaults(emails: string[]): Promise<Map<string, string>> {
    const items = await this.table.batchGet(emails.map((e) => keys.defaultAccount(e)));
    return new Map(items.map((i) => [String(i.PK).slice('USER#'.length), String(i.accountId)]));
  }

  /** Sets the user's default account: one item per user, so there is always at most one. */
  async setDefault(email: string, accountId: string, onlyIfNone = false): Promise<boolean> {
    try {
      await this.table.put(
        { ...keys.defaultAccount(email), type: 'accountDefault', email, accountId },
        onlyIfNone ? { ConditionExpression: 'attribute_not_exists(PK)' } : undefined,
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /** Clears the user's default if it is still `accountId` (a concurrent choice of another one stands). */
  async clearDefault(email: string, accountId: string): Promise<void> {
    try {
      await this.table.update({
        Key: keys.defaultAccount(email),
        UpdateExpression: 'REMOVE accountId',
        ConditionExpression: 'accountId = :a',
        ExpressionAttributeValues: { ':a': accountId },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  async activeCount(orgId: string): Promise<number> {
    const item = await this.table.get(keys.accountQuota(orgId), true);
    return Number(item?.activeCount ?? 0);
  }

  // --- internals ------------------------------------------------------------------------------

  private async reserveQuota(orgId: string, quota: number): Promise<void> {
    if (quota <= 0) throw new QuotaExceededError(quota);
    try {
      await this.table.update({
        Key: keys.accountQuota(orgId),
        UpdateExpression: 'SET #type = :type ADD activeCount :one',
        ConditionExpression: 'attribute_not_exists(activeCount) OR activeCount < :quota',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':one': 1, ':quota': quota, ':type': 'accountQuota' },
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new QuotaExceededError(quota);
      throw error;
    }
  }

  private async releaseQuota(orgId: string): Promise<void> {
    await this.table.update({
      Key: keys.accountQuota(orgId),
      UpdateExpression: 'ADD activeCount :minus',
      ConditionExpression: 'activeCount > :zero',
      ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
    }).catch((error: unknown) => {
      if (!(error instanceof ConditionFailedError)) throw error;
    });
  }

  private async conflict(error: unknown, accountId: string): Promise<unknown> {
    if (!(error instanceof ConditionFailedError)) return error;
    const current = error.item && error.item.status !== 'deleting' ? accountFromItem(error.item) : (await this.get(accountId, true))?.account ?? null;
    return new AccountConflictError(current);
  }

  private async queryIds(index: 'GSI1' | 'GSI3', attribute: string, partition: string, idOf: (item: Item) => string): Promise<string[]> {
    const ids: string[] = [];
    let start: Item | undefined;
    do {
      const page = await this.table.query({
        IndexName: index, KeyConditionExpression: `${attribute} = :pk`, ExpressionAttributeValues: { ':pk': partition },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      ids.push(...page.items.map(idOf));
      start = page.lastKey;
    } while (start);
    return ids;
  }
}

function accessFromItem(item: Item): AccountAccess {
  return { accountId: String(item.accountId), email: String(item.email), signatureId: typeof item.signatureId === 'string' ? item.signatureId : null };
}
