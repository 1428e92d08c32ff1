import { describe, expect, it } from 'vitest';
import { demoSeed, modelFromSeed, parseSeed, SeedError } from '../../../shared/org/seed.js';
import { itemsFromModel } from '../../../shared/org/directory.js';

const minimal = {
  organisation: { id: 'acme', name: 'Acme', domains: ['acme.test'] },
  users: [{ email: 'Ana@Acme.test', name: 'Ana' }],
  mailboxes: [{ id: 'support', name: 'Support', kind: 'shared', addresses: ['support@acme.test'], members: [{ email: 'ana@acme.test', role: 'agent' }] }],
};

describe('organisation seed', () => {
  it('normalises emails and applies defaults', () => {
    const seed = parseSeed(minimal);
    expect(seed.users[0]).toMatchObject({ email: 'ana@acme.test', orgAdmin: false, locale: 'fr' });
  });

  it('names the offending field of each problem', () => {
    const bad = structuredClone(minimal) as Record<string, any>;
    bad.mailboxes[0].members[0].email = 'ghost@acme.test';
    bad.mailboxes[0].addresses.push('sales@elsewhere.test');
    bad.organisation.catchAllMailbox = 'nope';
    try {
      parseSeed(bad);
      expect.unreachable('parseSeed accepted an invalid seed');
    } catch (error) {
      expect(error).toBeInstanceOf(SeedError);
      const paths = (error as SeedError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['mailboxes.0.members.0.email', 'mailboxes.0.addresses.1', 'organisation.catchAllMailbox']));
      expect((error as SeedError).message).toContain('unknown user "ghost@acme.test"');
    }
  });

  it('rejects an address routed to two mailboxes and a personal mailbox without owner', () => {
    const bad = structuredClone(minimal) as Record<string, any>;
    bad.mailboxes.push({ id: 'dup', name: 'Dup', kind: 'personal', addresses: ['support@acme.test'] });
    expect(() => parseSeed(bad)).toThrow(/routed to two mailboxes[\s\S]*needs an owner/);
  });

  it('keeps personal mailboxes private to their owner', () => {
    const bad = structuredClone(minimal) as Record<string, any>;
    bad.users.push({ email: 'bob@acme.test', name: 'Bob' });
    bad.mailboxes.push({ id: 'ana', name: 'Ana', kind: 'personal', addresses: ['ana@acme.test'], owner: 'ana@acme.test', members: [{ email: 'bob@acme.test', role: 'agent' }] });
    expect(() => parseSeed(bad)).toThrow(/mailboxes\.1\.members: a personal mailbox is private/);
  });

  it('makes organisation admins admins of every shared mailbox but not of personal ones', () => {
    const model = modelFromSeed(demoSeed);
    const camille = model.memberships.filter((m) => m.email === 'camille@acme.test');
    expect(camille.map((m) => `${m.mailboxId}:${m.role}`).sort()).toEqual(['support:admin', 'ventes:admin']);
    expect(model.memberships).toContainEqual({ email: 'alex@acme.test', mailboxId: 'alex', role: 'admin' });
  });

  it('produces routing items carrying label rules, and role maps on users', () => {
    const items = itemsFromModel(modelFromSeed(demoSeed));
    expect(items.find((i) => i.PK === 'ADDR#factures@acme.test')).toMatchObject({ mailboxId: 'support', labelRules: [{ mailboxId: 'support', label: 'facturation' }] });
    expect(items.find((i) => i.PK === 'DOMAIN#acme.test')).toMatchObject({ catchAllMailboxId: 'support' });
    expect(items.find((i) => i.PK === 'USER#julien@acme.test' && i.SK === 'USER')).toMatchObject({ roles: { support: 'agent' } });
  });
});
