/**
 * Delivery tracking: what happened to each recipient of a sent message, from the provider's
 * delivery events (SES event publishing) or from delivery status notifications received as mail
 * (RFC 3464, other MTAs and external connectors). Pure rules only; the use case is in
 * delivery-tracker.ts.
 *
 * Events arrive at least once and out of order (a delay notice may arrive after the delivery it
 * preceded), so an update is a merge, never an overwrite:
 * - `delivered`, `bounced`, `complained` and `rejected` are final: a `delayed` never replaces them,
 *   and neither does an older event of any kind; any final fact replaces a `delayed`;
 * - a newer final state may follow another (SES reports a complaint after the delivery);
 * - the same update applied twice changes nothing, so the second application writes nothing.
 */
import type { DeliveryReport } from '../mail/types.js';
import type { RecipientDelivery, RecipientDeliveryStatus } from '../model/types.js';

export type { RecipientDelivery, RecipientDeliveryStatus } from '../model/types.js';

export const FINAL_DELIVERY_STATUSES: readonly RecipientDeliveryStatus[] = ['delivered', 'bounced', 'complained', 'rejected'];

/** Statuses that mean the mail did not reach the recipient: the conversation is flagged. */
export const FAILED_DELIVERY_STATUSES: readonly RecipientDeliveryStatus[] = ['bounced', 'complained', 'rejected'];

/** Conversation flag set when a recipient of one of its outgoing messages bounced, complained or was rejected. */
export const DELIVERY_FAILED_FLAG = 'delivery-failed';

export function isFinalDelivery(status: RecipientDeliveryStatus): boolean {
  return FINAL_DELIVERY_STATUSES.includes(status);
}

/** One observed fact about recipients of one outbound message, from whichever source. */
export interface DeliveryUpdate {
  /** Where it came from: `ses` (event publishing) or `dsn` (a report received as mail). */
  source: 'ses' | 'dsn';
  /** Stable id of the observation (SES feedback id, DSN message key): the events' ids derive from it. */
  observationId: string;
  /** When the provider or the reporting MTA observed it (ISO-8601). */
  at: string;
  recipients: {
    address: string;
    status: Exclude<RecipientDeliveryStatus, 'pending'>;
    diagnostic: string | null;
    /** A permanent bounce or a complaint: the address goes on the organisation's suppression list. */
    permanent?: boolean;
  }[];
}

/** Map of lower-cased address -> state, as stored on the message item (`delivery`). */
export type DeliveryMap = Record<string, RecipientDelivery>;

/**
 * Whether `incoming` may replace `current`. An equal entry never does (idempotency); an older one
 * never does, unless it is final and the current one is not; a non-final one never replaces a
 * final one; of two stamped alike, the graver wins.
 */
export function supersedes(current: RecipientDelivery | undefined, incoming: RecipientDelivery): boolean {
  if (!current || current.status === 'pending') return true;
  if (isFinalDelivery(current.status) && !isFinalDelivery(incoming.status)) return false;
  // A delay is only ever provisional: any final fact ends it, whatever the clocks of the two reporters say.
  if (!isFinalDelivery(current.status) && isFinalDelivery(incoming.status)) return true;
  if (incoming.at < current.at) return false;
  // Two facts stamped alike: the graver one wins, whichever order they come in.
  if (incoming.at === current.at) return RANK[incoming.status] > RANK[current.status];
  return true;
}

/** Tie-break for facts with the same time, so applying them in any order ends in the same state. */
const RANK: Record<RecipientDeliveryStatus, number> = { pending: 0, delayed: 1, delivered: 2, rejected: 3, bounced: 4, complained: 5 };

/**
 * Applies an update to a stored map. Returns the new map, the addresses that changed, and the
 * addresses whose stored state is the update's (changed now or by an earlier application), which
 * are the ones the update's events describe: republishing them after a crash is safe, ids being stable.
 */
export function mergeDelivery(current: DeliveryMap, update: DeliveryUpdate): { next: DeliveryMap; changed: string[]; applied: string[] } {
  const next: DeliveryMap = { ...current };
  const changed: string[] = [];
  const applied: string[] = [];
  for (const r of update.recipients) {
    const address = r.address.trim().toLowerCase();
    if (!address) continue;
    const incoming: RecipientDelivery = { status: r.status, diagnostic: r.diagnostic, at: update.at };
    if (supersedes(next[address], incoming)) {
      next[address] = incoming;
      changed.push(address);
    }
    const stored = next[address]!;
    if (stored.status === incoming.status && stored.at === incoming.at) applied.push(address);
  }
  return { next, changed: [...new Set(changed)], applied: [...new Set(applied)] };
}

/**
 * A DSN received as mail, as a delivery update. RFC 3464 actions: `failed` -> bounced (with the
 * diagnostic, else the status code), `delayed` -> delayed, `delivered` and `relayed` -> delivered;
 * `expanded` says nothing about the final recipient and is ignored.
 * See https://www.rfc-editor.org/rfc/rfc3464#section-2.3.3
 */
export function updateFromDsn(report: DeliveryReport, observationId: string, at: string): DeliveryUpdate | null {
  const recipients: DeliveryUpdate['recipients'] = [];
  for (const r of report.recipients) {
    const action = r.action.toLowerCase();
    const status = action === 'failed' ? 'bounced' : action === 'delayed' ? 'delayed' : action === 'delivered' || action === 'relayed' ? 'delivered' : null;
    if (!status || !r.recipient) continue;
    // RFC 3463: a 5.x.x status is a permanent failure.
    recipients.push({ address: r.recipient, status, diagnostic: r.diagnostic ?? (r.status ? `status ${r.status}` : null), permanent: status === 'bounced' && /^5\./.test(r.status ?? '') });
  }
  return recipients.length > 0 ? { source: 'dsn', observationId, at, recipients } : null;
}

/** The recipients shown for an outbound message: To and Cc in order, each with its known state or `pending`. */
export function recipientView(addresses: string[], delivery: DeliveryMap | undefined): { address: string; status: RecipientDeliveryStatus; diagnostic: string | null; at: string | null }[] {
  const seen = new Set<string>();
  const out: { address: string; status: RecipientDeliveryStatus; diagnostic: string | null; at: string | null }[] = [];
  for (const raw of addresses) {
    const address = raw.trim().toLowerCase();
    if (!address || seen.has(address)) continue;
    seen.add(address);
    const state = delivery?.[address];
    out.push(state ? { address, status: state.status, diagnostic: state.diagnostic, at: state.at } : { address, status: 'pending', diagnostic: null, at: null });
  }
  return out;
}
