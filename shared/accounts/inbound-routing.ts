/**
 * IMAP has no SMTP envelope: a message synced from an account lists whatever the sender wrote in
 * To and Cc, usually the external address (a Gmail address), which no mailbox routes. The raw
 * key names the account (`inbound/imap/<accountId>/...`, see `imapRawKey`), and the account names
 * its mailbox, whose first address then stands in as the envelope recipient.
 */
import type { Table } from '../adapters/dynamodb-table.js';
import { keys } from '../model/keys.js';

const IMAP_KEY = /(?:^|\/)imap\/([A-Za-z0-9_-]+)\//;

/** The account id in an IMAP raw key, or null for any other key. */
export function accountIdOfRawKey(rawKey: string): string | null {
  return IMAP_KEY.exec(rawKey)?.[1] ?? null;
}

/** Envelope recipients for a raw key: the account's mailbox's sending address, or null when not an IMAP key (or the account is gone). */
export function imapEnvelopeRecipients(table: Table): (rawKey: string) => Promise<string[] | null> {
  return async (rawKey) => {
    const accountId = accountIdOfRawKey(rawKey);
    if (accountId === null) return null;
    const account = await table.get(keys.account(accountId));
    if (!account || typeof account.mailboxId !== 'string') return null;
    const mailbox = await table.get(keys.mailbox(account.mailboxId));
    const first = (mailbox?.addresses as string[] | undefined)?.[0];
    return first === undefined ? null : [first];
  };
}
