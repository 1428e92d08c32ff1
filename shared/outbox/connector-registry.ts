/**
 * Which connector sends a mailbox's mail. The sender hands every message to this registry, which
 * picks by the mailbox the envelope sender belongs to:
 * - an active IMAP/SMTP account feeds the mailbox: its SMTP server ({@link SmtpConnector});
 * - otherwise SES (the fallback), including mailboxes no account describes;
 * - every account feeding the mailbox is deactivated: refused as "connector disabled". The
 *   account use cases also turn the mailbox's connector off then, so the sender normally holds
 *   such mail as `connector_disabled` before it gets here (shared/outbox/send.ts step 3).
 *
 * The choice costs a GetItem (the address) and a Query (the accounts). Given a cache (the
 * sender's, built once per container), a warm container reuses it for the cache's time to live,
 * with two exceptions that keep a stale entry from sending what it should not, or from refusing
 * what it may send: an SMTP choice is checked against the account read consistently for its
 * credentials (a deactivated account is seen at once and the choice made again), and a `disabled`
 * choice is never taken from the cache (an account activated again applies to the next message).
 * What may lag by the time to live: a newly activated account (mail still goes through SES
 * meanwhile), and a mailbox that loses its last active non-SMTP account.
 */
import type { Table } from '../adapters/dynamodb-table.js';
import type { TtlCache } from '../adapters/ttl-cache.js';
import type { CredentialCipher } from '../accounts/cipher.js';
import { smtpEndpoint, type Account } from '../accounts/model.js';
import { AccountRepository } from '../accounts/repository.js';
import { SmtpConnector } from '../connectors/smtp-connector.js';
import { keys } from '../model/keys.js';
import { PermanentSendError, type Envelope, type MailConnector, type SendResult } from './connector.js';

export interface ConnectorRegistryDeps {
  table: Table;
  /** Built on first need, so a deployment without IMAP/SMTP accounts needs no key. */
  cipher: () => CredentialCipher;
  /** SES. */
  fallback: MailConnector;
  /** Builds the SMTP connector of an account (tests replace it). */
  smtp?: (account: Account, endpoint: ReturnType<typeof smtpEndpoint>) => MailConnector & { close?: () => void };
  /** Choices by sending address, kept across invocations; without it every send looks them up. */
  choices?: TtlCache<ConnectorChoice>;
}

export type ConnectorChoice = { kind: 'smtp'; account: Account } | { kind: 'fallback' } | { kind: 'disabled'; accounts: Account[] };

export class ConnectorRegistry implements MailConnector {
  readonly kind = 'registry';
  private readonly accounts: AccountRepository;
  private cipher: CredentialCipher | undefined;

  constructor(private readonly deps: ConnectorRegistryDeps) {
    this.accounts = new AccountRepository(deps.table);
  }

  /** The connector for mail sent as `from` (the mailbox's sending address). */
  async choose(from: string): Promise<ConnectorChoice> {
    const address = from.toLowerCase();
    const cache = this.deps.choices;
    if (!cache) return this.lookup(address);
    let loaded = false;
    const choice = await cache.get(address, () => { loaded = true; return this.lookup(address); });
    if (choice.kind !== 'disabled') return choice;
    cache.delete(address);
    return loaded ? choice : this.lookup(address);
  }

  /** The choice as the table has it now. */
  private async lookup(address: string): Promise<ConnectorChoice> {
    const route = await this.deps.table.get(keys.address(address));
    const mailboxId = typeof route?.mailboxId === 'string' ? route.mailboxId : null;
    if (mailboxId === null) return { kind: 'fallback' };
    const accounts = await this.accounts.listByMailbox(mailboxId);
    const smtp = accounts.find((a) => a.kind === 'imap_smtp' && a.status === 'active');
    if (smtp) return { kind: 'smtp', account: smtp };
    if (accounts.length > 0 && accounts.every((a) => a.status !== 'active')) return { kind: 'disabled', accounts };
    return { kind: 'fallback' };
  }

  async send(raw: Buffer, envelope: Envelope): Promise<SendResult> {
    let choice = await this.choose(envelope.from);
    let stored = choice.kind === 'smtp' ? await this.accounts.get(choice.account.accountId, true) : undefined;
    if (choice.kind === 'smtp' && this.deps.choices && stored?.account.status !== 'active') {
      // The cached choice predates the account's deactivation (or deletion): choose again from the table.
      const address = envelope.from.toLowerCase();
      this.deps.choices.delete(address);
      choice = await this.lookup(address);
      stored = choice.kind === 'smtp' ? await this.accounts.get(choice.account.accountId, true) : undefined;
    }
    if (choice.kind === 'fallback') return { ...(await this.deps.fallback.send(raw, envelope)), connector: this.deps.fallback.kind };
    if (choice.kind === 'disabled') {
      throw new PermanentSendError(`connector disabled: the account ${choice.accounts.map((a) => a.address).join(', ')} of this mailbox is deactivated`, 'ConnectorDisabled');
    }
    if (!stored?.credentials) throw new PermanentSendError(`The account ${choice.account.address} has no stored password`, 'NoCredentials');
    const endpoint = smtpEndpoint(stored.account, await (this.cipher ??= this.deps.cipher()).decrypt(stored.credentials, stored.account.accountId));
    const connector = this.deps.smtp ? this.deps.smtp(stored.account, endpoint) : new SmtpConnector(endpoint);
    try {
      // The envelope sender is the account's own address: providers check it against the login.
      return { ...(await connector.send(raw, { ...envelope, from: stored.account.address })), connector: connector.kind };
    } finally {
      connector.close?.();
    }
  }
}
