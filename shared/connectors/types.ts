/**
 * Shared shapes of the external-mailbox connectors: an IMAP account Mailroom reads from and an SMTP
 * relay it sends through. They are plain data so the accounts API, the sync handler and the tests
 * share them without depending on imapflow or nodemailer.
 */

/**
 * How the connection is protected: `tls` is implicit TLS from the first byte (IMAPS 993, SMTPS 465),
 * `starttls` upgrades a plain connection (IMAP 143, submission 587, RFC 3207 / RFC 9051 6.2.1),
 * `none` stays in clear text (local test servers only).
 */
export type TransportSecurity = 'tls' | 'starttls' | 'none';

export interface ServerEndpoint {
  host: string;
  port: number;
  security: TransportSecurity;
  username: string;
  password: string;
}

/**
 * Where an IMAP sync stopped in one folder. UIDs only mean something under the UIDVALIDITY they
 * were issued with (RFC 9051 2.3.1.1), so the two are stored together. `uidValidity` is a string
 * because it is an unsigned 32-bit number that some servers send above 2^31.
 */
export interface ImapCheckpoint {
  uidValidity: string;
  /** Highest UID already handed to the sink; 0 when none yet. */
  lastUid: number;
  syncedAt: string;
}

/**
 * Bounds one sync run so it fits a Lambda invocation: whichever limit is reached first stops the
 * run. The time limit is checked between messages; a run can pass it by one message plus the
 * logout, so leave the function's timeout some seconds above `maxMillis`.
 */
export interface SyncBudget {
  maxMessages: number;
  maxMillis: number;
}

export interface SyncResult {
  /** Messages handed to the sink during this run. */
  fetched: number;
  /** Checkpoint after the run; null when the folder was never synced and is empty. */
  checkpoint: ImapCheckpoint | null;
  /** False when the budget stopped the run before the folder was caught up: run again soon. */
  complete: boolean;
  /** True when the server changed UIDVALIDITY and the folder was read again from the start. */
  uidValidityChanged: boolean;
}

export type ConnectionStepName = 'imap-connect' | 'imap-login' | 'imap-select' | 'smtp-connect' | 'smtp-login';

/**
 * One step of a connection test, shown to an admin configuring an account: `message` says in plain
 * words what happened, `serverMessage` is what the server said (for support), `hint` what to try.
 */
export interface ConnectionStep {
  step: ConnectionStepName;
  ok: boolean;
  message: string;
  serverMessage: string | null;
  hint: string | null;
}
