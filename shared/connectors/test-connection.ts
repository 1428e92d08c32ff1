/**
 * Connection tests an admin runs while configuring an external mailbox: each step (connect, log
 * in, open the folder) is reported separately, in plain words, so "wrong port" and "wrong
 * password" do not look alike. Steps after the first failure are not attempted and not listed.
 */
import { closeImapClient, createImapClient } from './imap-client.js';
import { createSmtpTransport } from './smtp-connector.js';
import { describeImapError, describeSmtpError, type DescribedFailure } from './errors.js';
import type { ConnectionStep, ConnectionStepName, ServerEndpoint } from './types.js';

const DEFAULT_TIMEOUT_MS = 15_000;

function passed(step: ConnectionStepName, message: string): ConnectionStep {
  return { step, ok: true, message, serverMessage: null, hint: null };
}

function failed(step: ConnectionStepName, failure: DescribedFailure): ConnectionStep {
  return { step, ok: false, message: failure.message, serverMessage: failure.serverMessage, hint: failure.hint };
}

/**
 * imapflow connects and logs in within one `connect()`; an authentication failure proves the
 * connection itself worked, so it is reported as a passed connect step and a failed login.
 */
export async function testImap(endpoint: ServerEndpoint, options: { timeoutMs?: number; folder?: string } = {}): Promise<ConnectionStep[]> {
  const folder = options.folder ?? 'INBOX';
  const where = `${endpoint.host}:${endpoint.port}`;
  const client = createImapClient(endpoint, { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  const steps: ConnectionStep[] = [];
  try {
    try {
      await client.connect();
    } catch (error) {
      const failure = describeImapError(error, endpoint, folder);
      if (failure.code === 'authenticationFailed') {
        steps.push(passed('imap-connect', `Connected to ${where}.`), failed('imap-login', failure));
      } else {
        steps.push(failed('imap-connect', failure));
      }
      return steps;
    }
    steps.push(passed('imap-connect', `Connected to ${where}.`), passed('imap-login', `Logged in as ${endpoint.username}.`));
    try {
      const mailbox = await client.mailboxOpen(folder, { readOnly: true });
      steps.push(passed('imap-select', `Opened ${mailbox.path}: ${mailbox.exists} message${mailbox.exists === 1 ? '' : 's'}.`));
    } catch (error) {
      steps.push(failed('imap-select', describeImapError(error, endpoint, folder)));
    }
    return steps;
  } finally {
    await closeImapClient(client);
  }
}

/** `verify()` opens a connection, negotiates TLS as configured and authenticates, without sending. */
export async function testSmtp(endpoint: ServerEndpoint, options: { timeoutMs?: number } = {}): Promise<ConnectionStep[]> {
  const where = `${endpoint.host}:${endpoint.port}`;
  const transport = createSmtpTransport(endpoint, { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  try {
    await transport.verify();
    return [passed('smtp-connect', `Connected to ${where}.`), passed('smtp-login', `Logged in as ${endpoint.username}.`)];
  } catch (error) {
    const failure = describeSmtpError(error, endpoint);
    if (failure.code === 'authenticationFailed') {
      return [passed('smtp-connect', `Connected to ${where}.`), failed('smtp-login', failure)];
    }
    return [failed('smtp-connect', failure)];
  } finally {
    transport.close();
  }
}
