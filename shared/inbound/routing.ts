/**
 * Routing: which mailboxes receive a message. The SMTP envelope recipients are authoritative when
 * SES provides them (a Bcc to support@ only shows there); header recipients are used when a
 * producer gives none (IMAP connectors). Plus tags route to the base address.
 */
import { domainOf, splitPlusAddress } from '../mail/addresses.js';
import type { AddressRoute, DomainRoute } from '../org/directory.js';

export interface RoutingInput {
  envelopeRecipients: string[];
  to: string[];
  cc: string[];
}

export interface RoutingDecision {
  /** Mailboxes in the order their addresses appeared. */
  mailboxIds: string[];
  /** Labels per mailbox from recipient-address rules (To/Cc and envelope). */
  labels: Record<string, string[]>;
  /** Routed through a domain catch-all rather than a known address. */
  viaCatchAll: boolean;
  orgId: string | null;
  /** Plus tags seen on routed addresses (reply tokens, case addresses). */
  plusTags: string[];
}

/** Addresses whose routing items must be read to decide (base addresses and their domains). */
export function routingLookups(input: RoutingInput): { addresses: string[]; domains: string[] } {
  const all = [...input.envelopeRecipients, ...input.to, ...input.cc].map((a) => splitPlusAddress(a).base);
  const addresses = [...new Set(all)].filter((a) => a.includes('@'));
  const domains = [...new Set(addresses.map(domainOf))].filter((d) => d !== '');
  return { addresses, domains };
}

export function decideRouting(input: RoutingInput, routes: Map<string, AddressRoute>, domains: Map<string, DomainRoute>): RoutingDecision {
  const deliveredTo = input.envelopeRecipients.length > 0 ? input.envelopeRecipients : [...input.to, ...input.cc];
  const mailboxIds: string[] = [];
  const plusTags: string[] = [];
  let orgId: string | null = null;
  let viaCatchAll = false;
  for (const recipient of deliveredTo) {
    const { base, tag } = splitPlusAddress(recipient);
    const route = routes.get(base);
    if (route?.mailboxId) {
      orgId ??= route.orgId;
      if (!mailboxIds.includes(route.mailboxId)) mailboxIds.push(route.mailboxId);
      if (tag !== null && !plusTags.includes(tag)) plusTags.push(tag);
    }
  }
  if (mailboxIds.length === 0) {
    for (const recipient of deliveredTo) {
      const domain = domains.get(domainOf(splitPlusAddress(recipient).base));
      if (domain?.catchAllMailboxId) {
        orgId ??= domain.orgId;
        viaCatchAll = true;
        if (!mailboxIds.includes(domain.catchAllMailboxId)) mailboxIds.push(domain.catchAllMailboxId);
      } else if (domain) {
        orgId ??= domain.orgId;
      }
    }
  }
  const labels: Record<string, string[]> = {};
  const labelSources = new Set([...input.to, ...input.cc, ...input.envelopeRecipients].map((a) => splitPlusAddress(a).base));
  for (const address of labelSources) {
    for (const rule of routes.get(address)?.labelRules ?? []) {
      if (!mailboxIds.includes(rule.mailboxId)) continue;
      const list = (labels[rule.mailboxId] ??= []);
      if (!list.includes(rule.label)) list.push(rule.label);
    }
  }
  return { mailboxIds, labels, viaCatchAll, orgId, plusTags };
}
