/**
 * One place that turns a `ServerEndpoint` into an imapflow client, so the sync and the connection
 * test negotiate TLS, time out and stay quiet the same way.
 */
import { ImapFlow } from 'imapflow';
import type { ServerEndpoint } from './types.js';

export interface ImapClientOptions {
  /** Bound on connecting, the greeting and each silent stretch of a command. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * `starttls` requires the upgrade (`doSTARTTLS: true`): otherwise a path attacker who strips the
 * STARTTLS capability from the clear-text greeting would receive the password. `none` never
 * upgrades, for local servers that offer no TLS.
 */
export function createImapClient(endpoint: ServerEndpoint, options: ImapClientOptions = {}): ImapFlow {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new ImapFlow({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.security === 'tls',
    doSTARTTLS: endpoint.security === 'starttls' ? true : endpoint.security === 'none' ? false : undefined,
    auth: { user: endpoint.username, pass: endpoint.password },
    logger: false,
    // A sync issues its commands back to back and logs out; IDLE would only add round trips.
    disableAutoIdle: true,
    clientInfo: { name: 'Mailroom' },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: Math.max(timeout, 60_000),
  });
  // Socket errors also reject the pending command; without a listener they would crash the process.
  client.on('error', () => undefined);
  return client;
}

/** Logs out politely, and drops the socket when the server does not answer. */
export async function closeImapClient(client: ImapFlow): Promise<void> {
  if (!client.usable) {
    client.close();
    return;
  }
  try {
    await client.logout();
  } catch {
    client.close();
  }
}
