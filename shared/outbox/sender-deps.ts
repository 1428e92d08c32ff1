/** Production wiring of the sender from the environment (built once per Lambda container). */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { OUTBOX_ENV } from './env.js';
import { outboxCommonFromEnv, retryPolicyFromEnv, withEndpoint } from './deps.js';
import type { SenderDeps } from './send.js';
import { SesV2Connector } from './ses-connector.js';
import { ConnectorRegistry, type ConnectorChoice } from './connector-registry.js';
import { onOutboxSettingsSaved, type MailboxWithSettings } from './settings.js';
import { cipherFromEnv } from '../accounts/cipher-env.js';
import { TtlCache } from '../adapters/ttl-cache.js';

/** Above the sender's 60 s timeout (and below the queue's 360 s visibility): an attempt still `sending` after this was interrupted. */
export const SENDER_LEASE_MS = 5 * 60_000;

/**
 * How long a sender container reuses a mailbox's outbox settings and its connector choice (which
 * account, if any, sends its mail): each is two requests or more per message otherwise. An
 * admin's change (retry policy, connector disabled, an account deactivated or added) therefore
 * reaches containers already warm within 30 s. That is acceptable because none of those changes
 * can make a message go out twice (the claim, a conditional write, is never cached), the
 * changes that matter most apply at once anyway (a disabled connector or choice is read again
 * before mail is held; an SMTP account is read consistently before each send, so a deactivated
 * one is never used), and what may lag is bounded and visible: a message sent through SES just
 * after an account was added, a retry planned under the former policy, or one sent in the 30 s
 * after its connector was disabled, as it would have been a moment earlier. In the local stack
 * every function shares one process, and a save there clears the entry at once.
 */
export const SENDER_CACHE_TTL_MS = 30_000;

/** The sender with the SES v2 connector and the configuration set of the stage (delivery events). */
export function senderDepsFromEnv(): SenderDeps {
  const configurationSet = process.env[OUTBOX_ENV.sesConfigurationSet];
  const common = outboxCommonFromEnv();
  const ses = new SesV2Connector(new SESv2Client(withEndpoint('ses')), configurationSet === '' ? undefined : configurationSet);
  const mailboxes = new TtlCache<MailboxWithSettings | null>({ ttlMs: SENDER_CACHE_TTL_MS });
  const choices = new TtlCache<ConnectorChoice>({ ttlMs: SENDER_CACHE_TTL_MS });
  onOutboxSettingsSaved((mailboxId) => {
    mailboxes.delete(mailboxId);
    // Keyed by sending address, not mailbox; a settings change is rare enough to start over.
    choices.clear();
  });
  return {
    ...common,
    // SES, or the SMTP server of the IMAP/SMTP account feeding the sending mailbox (connector-registry.ts).
    connector: new ConnectorRegistry({ table: common.table, cipher: cipherFromEnv, fallback: ses, choices }),
    policy: retryPolicyFromEnv(),
    random: Math.random,
    leaseMs: SENDER_LEASE_MS,
    mailboxes,
  };
}
