/**
 * Turns IMAP and SMTP client errors into what an admin can act on: a kind, a sentence in plain
 * words, the server's own words, and a hint for the providers whose rules trip people most
 * (Gmail app passwords, Microsoft 365 per-mailbox SMTP AUTH).
 */
import type { ServerEndpoint } from './types.js';

export type ConnectorFailureCode =
  | 'authenticationFailed' | 'connectionRefused' | 'tlsFailed' | 'timeout' | 'hostNotFound' | 'folderNotFound' | 'serverError';

export interface DescribedFailure {
  code: ConnectorFailureCode;
  message: string;
  serverMessage: string | null;
  hint: string | null;
}

interface ClientError {
  code?: string;
  /** nodemailer wraps socket errors as ESOCKET and keeps Node's code here. */
  originalCode?: string;
  message?: string;
  authenticationFailed?: boolean;
  tlsFailed?: boolean;
  mailboxMissing?: boolean;
  responseText?: string;
  serverResponseCode?: string;
  response?: unknown;
  responseCode?: number;
  cause?: unknown;
  _err?: unknown;
}

const TIMEOUT_CODES = new Set(['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT', 'ETIMEOUT', 'ETIMEDOUT']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EDNS']);
const TLS_CODES = /^(ERR_SSL|ERR_TLS|EPROTO|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ClosedAfterConnectTLS|ETLS)/;

const GMAIL_HOSTS = new Set(['imap.gmail.com', 'smtp.gmail.com', 'imap.googlemail.com', 'smtp.googlemail.com']);
const MICROSOFT_HOSTS = new Set(['outlook.office365.com', 'smtp.office365.com', 'smtp-mail.outlook.com', 'outlook.office.com', 'imap-mail.outlook.com']);

function isGmail(host: string): boolean {
  return GMAIL_HOSTS.has(host.toLowerCase());
}

function isMicrosoft(host: string): boolean {
  return MICROSOFT_HOSTS.has(host.toLowerCase());
}

/** Every code carried by the error and the errors it wraps (imapflow keeps the socket error in `_err`, nodemailer in `cause`). */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const e = current as ClientError;
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.originalCode === 'string') codes.push(e.originalCode);
    current = e._err ?? e.cause;
  }
  return codes;
}

function textOf(error: unknown): string {
  const e = (error ?? {}) as ClientError;
  if (typeof e.responseText === 'string' && e.responseText) return e.responseText;
  if (typeof e.response === 'string' && e.response) return e.response;
  return e.message ?? String(error);
}

function authHint(kind: 'imap' | 'smtp', endpoint: ServerEndpoint, serverText: string): string | null {
  if (isGmail(endpoint.host)) {
    return 'Gmail refuses the account password here: turn on 2-Step Verification for the Google account, '
      + 'create an app password (Google Account > Security > App passwords) and enter its 16 characters instead.';
  }
  if (isMicrosoft(endpoint.host)) {
    if (kind === 'smtp' || /SmtpClientAuthentication/i.test(serverText)) {
      return 'Microsoft 365 turns SMTP AUTH off per mailbox by default: an administrator must enable '
        + '"Authenticated SMTP" for this mailbox (Microsoft 365 admin center > user > Mail > Manage email apps, '
        + 'or Set-CASMailbox -SmtpClientAuthenticationDisabled $false) and in the tenant settings.';
    }
    return 'Microsoft 365 no longer accepts passwords for IMAP unless the tenant allows basic authentication '
      + 'and IMAP is enabled for this mailbox (Manage email apps): check both with an administrator.';
  }
  return 'Check the username (often the full email address) and the password; some providers require an app-specific password.';
}

function securityHint(kind: 'imap' | 'smtp', endpoint: ServerEndpoint): string {
  const usual = kind === 'imap' ? 'IMAP uses port 993 with TLS or 143 with STARTTLS' : 'SMTP uses port 465 with TLS or 587 with STARTTLS';
  return `Check that the port matches the security setting (${usual}); currently port ${endpoint.port} with ${endpoint.security}.`;
}

/** Sorts an error from a connect, login, select or send into a plain-words failure. */
export function describeConnectorError(kind: 'imap' | 'smtp', error: unknown, endpoint: ServerEndpoint, folder?: string): DescribedFailure {
  const e = (error ?? {}) as ClientError;
  const codes = codesOf(error);
  const serverMessage = textOf(error);
  const where = `${endpoint.host}:${endpoint.port}`;

  if (e.authenticationFailed === true || codes.includes('EAUTH') || codes.includes('ENOAUTH') || (kind === 'smtp' && e.responseCode === 535)) {
    return {
      code: 'authenticationFailed',
      message: `The server at ${where} refused the username or password.`,
      serverMessage, hint: authHint(kind, endpoint, serverMessage),
    };
  }
  if (e.mailboxMissing === true || e.serverResponseCode === 'NONEXISTENT') {
    return {
      code: 'folderNotFound',
      message: `The folder "${folder ?? 'INBOX'}" does not exist on this account.`,
      serverMessage, hint: 'Check the folder name as the mail client shows it; INBOX always exists.',
    };
  }
  if (codes.includes('ECONNREFUSED')) {
    return {
      code: 'connectionRefused',
      message: `Nothing accepted the connection at ${where}: the server name or the port is wrong, or a firewall blocks it.`,
      serverMessage, hint: securityHint(kind, endpoint),
    };
  }
  if (codes.some((c) => DNS_CODES.has(c))) {
    return {
      code: 'hostNotFound',
      message: `The server name ${endpoint.host} could not be found.`,
      serverMessage, hint: 'Check the spelling of the server name.',
    };
  }
  if (e.tlsFailed === true || codes.some((c) => TLS_CODES.test(c))) {
    return {
      code: 'tlsFailed',
      message: `A secure (TLS) connection to ${where} could not be set up.`,
      serverMessage, hint: securityHint(kind, endpoint),
    };
  }
  if (codes.some((c) => TIMEOUT_CODES.has(c)) || /timed? ?out/i.test(e.message ?? '')) {
    return {
      code: 'timeout',
      message: `The server at ${where} did not answer in time.`,
      serverMessage,
      hint: `The server may be down or slow, or expect another security setting. ${securityHint(kind, endpoint)}`,
    };
  }
  return {
    code: 'serverError',
    message: `The server at ${where} reported an error.`,
    serverMessage, hint: null,
  };
}

export function describeImapError(error: unknown, endpoint: ServerEndpoint, folder?: string): DescribedFailure {
  return describeConnectorError('imap', error, endpoint, folder);
}

export function describeSmtpError(error: unknown, endpoint: ServerEndpoint): DescribedFailure {
  return describeConnectorError('smtp', error, endpoint);
}
