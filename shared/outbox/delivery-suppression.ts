/**
 * The per-organisation suppression list: addresses that bounced permanently (SES `Permanent`
 * bounce, or a DSN with a 5.x.x status) or complained. One item per address, so a compose request
 * checks all its recipients with one BatchGetItem. Suppression only warns: the message is still
 * sent (SES's own account-level suppression list may still drop it; the delivery events say so).
 * See https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html
 */
import type { Table } from '../adapters/dynamodb-table.js';
import type { MailAddress } from '../mail/types.js';
import { keys } from '../model/keys.js';

export interface Suppression {
  address: string;
  reason: 'bounced' | 'complained';
  diagnostic: string | null;
  at: string;
  /** The outbound message whose delivery put it there. */
  messageKey: string;
}

/** Records suppressions (idempotent: the same fact writes the same item). */
export async function recordSuppressions(table: Table, orgId: string, entries: Suppression[]): Promise<void> {
  if (entries.length === 0 || !orgId) return;
  await table.batchPut(entries.map((e) => ({ ...keys.suppression(orgId, e.address), type: 'suppression', orgId, ...e, address: e.address.toLowerCase() })));
}

/** The suppressed ones among `addresses`, by lower-cased address. */
export async function suppressedAmong(table: Table, orgId: string, addresses: string[]): Promise<Map<string, Suppression>> {
  const unique = [...new Set(addresses.map((a) => a.toLowerCase()))];
  if (unique.length === 0 || !orgId) return new Map();
  const items = await table.batchGet(unique.map((a) => keys.suppression(orgId, a)));
  return new Map(items.map((i) => [String(i.address), {
    address: String(i.address), reason: i.reason === 'complained' ? 'complained' : 'bounced',
    diagnostic: (i.diagnostic ?? null) as string | null, at: String(i.at ?? ''), messageKey: String(i.messageKey ?? ''),
  } satisfies Suppression]));
}

/** Compose warnings for suppressed recipients, naming the request field of each (`body.to[0]`). */
export function suppressionWarnings(lists: { to: MailAddress[]; cc: MailAddress[]; bcc: MailAddress[] }, suppressed: Map<string, Suppression>): { field: string; message: string }[] {
  const warnings: { field: string; message: string }[] = [];
  for (const name of ['to', 'cc', 'bcc'] as const) {
    lists[name].forEach((a, i) => {
      const s = suppressed.get(a.address.toLowerCase());
      if (s) warnings.push({ field: `body.${name}[${i}]`, message: `${suppressionSentence(s, a.address)}; the message is sent anyway.` });
    });
  }
  return warnings;
}

/** Why an address is suppressed, in plain words: `x@y bounced permanently (550 …) on 2026-11-02`. */
export function suppressionSentence(s: Suppression, address: string = s.address): string {
  const why = s.reason === 'complained' ? 'marked an earlier message as spam' : `bounced permanently${s.diagnostic ? ` (${s.diagnostic})` : ''}`;
  return `${address} ${why} on ${s.at.slice(0, 10)}`;
}
