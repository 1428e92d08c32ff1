/** Production wiring of the sender from the environment (built once per Lambda container). */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { OUTBOX_ENV } from './env.js';
import { outboxCommonFromEnv, retryPolicyFromEnv, withEndpoint } from './deps.js';
import type { SenderDeps } from './send.js';
import { SesV2Connector } from './ses-connector.js';
import { ConnectorRegistry } from './connector-registry.js';
import { cipherFromEnv } from '../accounts/cipher-env.js';

/** Above the sender's 60 s timeout (and below the queue's 360 s visibility): an attempt still `sending` after this was interrupted. */
export const SENDER_LEASE_MS = 5 * 60_000;

/** The sender with the SES v2 connector and the configuration set of the stage (delivery events). */
export function senderDepsFromEnv(): SenderDeps {
  const configurationSet = process.env[OUTBOX_ENV.sesConfigurationSet];
  const common = outboxCommonFromEnv();
  const ses = new SesV2Connector(new SESv2Client(withEndpoint('ses')), configurationSet === '' ? undefined : configurationSet);
  return {
    ...common,
    // SES, or the SMTP server of the IMAP/SMTP account feeding the sending mailbox (connector-registry.ts).
    connector: new ConnectorRegistry({ table: common.table, cipher: cipherFromEnv, fallback: ses }),
    policy: retryPolicyFromEnv(),
    random: Math.random,
    leaseMs: SENDER_LEASE_MS,
  };
}
