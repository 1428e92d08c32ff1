import { describe, expect, it } from 'vitest';
import { decideRouting, routingLookups } from '../../../shared/inbound/routing.js';
import type { AddressRoute, DomainRoute } from '../../../shared/org/directory.js';

const routes = new Map<string, AddressRoute>([
  ['support@acme.test', { address: 'support@acme.test', orgId: 'demo', mailboxId: 'support', labelRules: [] }],
  ['factures@acme.test', { address: 'factures@acme.test', orgId: 'demo', mailboxId: 'support', labelRules: [{ mailboxId: 'support', label: 'facturation' }] }],
  ['ventes@acme.test', { address: 'ventes@acme.test', orgId: 'demo', mailboxId: 'ventes', labelRules: [] }],
  ['partner@other.test', { address: 'partner@other.test', orgId: 'demo', mailboxId: null, labelRules: [{ mailboxId: 'ventes', label: 'partenaire' }] }],
]);
const domains = new Map<string, DomainRoute>([
  ['acme.test', { domain: 'acme.test', orgId: 'demo', catchAllMailboxId: 'support' }],
  ['nocatch.test', { domain: 'nocatch.test', orgId: 'demo', catchAllMailboxId: null }],
]);

describe('routing', () => {
  it('routes by envelope recipients when SES gives them, ignoring header-only addresses', () => {
    // A mail To: ventes@ and Bcc'd to support@: only the support copy arrives in this envelope.
    const decision = decideRouting({ envelopeRecipients: ['support@acme.test'], to: ['ventes@acme.test'], cc: [] }, routes, domains);
    expect(decision.mailboxIds).toEqual(['support']);
    expect(decision.viaCatchAll).toBe(false);
  });

  it('routes by To and Cc when no envelope is known, to every mailbox once', () => {
    const decision = decideRouting({ envelopeRecipients: [], to: ['support@acme.test', 'ventes@acme.test'], cc: ['factures@acme.test'] }, routes, domains);
    expect(decision.mailboxIds).toEqual(['support', 'ventes']);
    expect(decision.labels).toEqual({ support: ['facturation'] });
  });

  it('routes plus addresses to their base and keeps the tag', () => {
    const decision = decideRouting({ envelopeRecipients: ['Support+mr-c123@acme.test'.toLowerCase()], to: [], cc: [] }, routes, domains);
    expect(decision.mailboxIds).toEqual(['support']);
    expect(decision.plusTags).toEqual(['mr-c123']);
  });

  it('uses the catch-all for unknown addresses of a known domain', () => {
    const decision = decideRouting({ envelopeRecipients: ['nobody@acme.test'], to: [], cc: [] }, routes, domains);
    expect(decision).toMatchObject({ mailboxIds: ['support'], viaCatchAll: true, orgId: 'demo' });
  });

  it('leaves mail unroutable without a catch-all, keeping the organisation when the domain is known', () => {
    expect(decideRouting({ envelopeRecipients: ['x@nocatch.test'], to: [], cc: [] }, routes, domains)).toMatchObject({ mailboxIds: [], orgId: 'demo' });
    expect(decideRouting({ envelopeRecipients: ['x@unknown.test'], to: [], cc: [] }, routes, domains)).toMatchObject({ mailboxIds: [], orgId: null });
  });

  it('applies label rules on Cc addresses that route nowhere, only for mailboxes that received the mail', () => {
    const decision = decideRouting({ envelopeRecipients: ['ventes@acme.test'], to: ['ventes@acme.test'], cc: ['partner@other.test'] }, routes, domains);
    expect(decision.labels).toEqual({ ventes: ['partenaire'] });
  });

  it('lists the routing items to read: base addresses and domains, deduplicated', () => {
    expect(routingLookups({ envelopeRecipients: ['support+x@acme.test'], to: ['support@acme.test', 'a@b.test'], cc: [] }))
      .toEqual({ addresses: ['support@acme.test', 'a@b.test'], domains: ['acme.test', 'b.test'] });
  });
});
