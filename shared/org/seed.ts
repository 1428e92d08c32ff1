/**
 * The organisation seed format: one JSON document declaring users, mailboxes and their members.
 * The embedded local stack applies it on first start (`MAILROOM_SEED_FILE`), and
 * `npm run seed` applies the same file to a deployed stack.
 */
import * as z from 'zod';
import type { Mailbox, Membership, Organisation, User } from '../model/types.js';
import { departmentIdFor, type Department, type LabelDefinition } from './directory.js';
import { duplicateIndex, labelDefinitionSchema, mailboxSettingsSchema } from './schemas.js';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63 characters');
const email = z.email().transform((value) => value.trim().toLowerCase());
const domain = z.string().regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/i).transform((value) => value.toLowerCase());

export const seedSchema = z.object({
  organisation: z.object({
    id,
    name: z.string().min(1),
    domains: z.array(domain).min(1),
    /** Mailbox id that receives mail for unknown addresses of these domains; omit to record it as unroutable. */
    catchAllMailbox: id.optional(),
  }),
  users: z.array(z.object({
    email,
    name: z.string().min(1),
    orgAdmin: z.boolean().default(false),
    locale: z.string().default('fr'),
    primaryMailbox: id.optional(),
  })).min(1),
  /** Departments with no mailbox yet; those named by a mailbox's `department` exist anyway. */
  departments: z.array(z.object({ name: z.string().trim().min(1).max(100) })).default([]),
  mailboxes: z.array(z.object({
    id,
    name: z.string().min(1),
    kind: z.enum(['shared', 'personal']),
    addresses: z.array(email).min(1),
    department: z.string().optional(),
    /** Personal mailboxes: the owner's email (becomes its admin member). */
    owner: email.optional(),
    members: z.array(z.object({ email, role: z.enum(['admin', 'dispatcher', 'agent']) })).default([]),
    labelRules: z.array(z.object({ address: email, label: z.string().min(1).max(64) })).default([]),
    /** Labels offered in the mailbox's pickers. */
    labels: z.array(labelDefinitionSchema).default([]),
    settings: mailboxSettingsSchema.optional(),
  })).min(1),
}).superRefine((seed, ctx) => {
  const users = new Set(seed.users.map((u) => u.email));
  const mailboxIds = new Set<string>();
  const addresses = new Set<string>();
  seed.mailboxes.forEach((mailbox, i) => {
    if (mailboxIds.has(mailbox.id)) ctx.addIssue({ code: 'custom', path: ['mailboxes', i, 'id'], message: `duplicate mailbox id "${mailbox.id}"` });
    mailboxIds.add(mailbox.id);
    mailbox.addresses.forEach((address, j) => {
      if (addresses.has(address)) ctx.addIssue({ code: 'custom', path: ['mailboxes', i, 'addresses', j], message: `address "${address}" is routed to two mailboxes` });
      addresses.add(address);
      const addressDomain = address.split('@')[1] ?? '';
      if (!seed.organisation.domains.includes(addressDomain)) {
        ctx.addIssue({ code: 'custom', path: ['mailboxes', i, 'addresses', j], message: `domain "${addressDomain}" is not one of organisation.domains` });
      }
    });
    mailbox.members.forEach((member, j) => {
      if (!users.has(member.email)) ctx.addIssue({ code: 'custom', path: ['mailboxes', i, 'members', j, 'email'], message: `unknown user "${member.email}"` });
    });
    if (mailbox.kind === 'personal' && mailbox.owner === undefined) {
      ctx.addIssue({ code: 'custom', path: ['mailboxes', i, 'owner'], message: 'a personal mailbox needs an owner' });
    }
    if (mailbox.kind === 'personal' && mailbox.members.some((m) => m.email !== mailbox.owner)) {
      ctx.addIssue({ code: 'custom', path: ['mailboxes', i, 'members'], message: 'a personal mailbox is private to its owner: list no other members' });
    }
    const duplicateLabel = duplicateIndex(mailbox.labels.map((l) => l.name));
    if (duplicateLabel >= 0) ctx.addIssue({ code: 'custom', path: ['mailboxes', i, 'labels', duplicateLabel, 'name'], message: 'label defined twice' });
    if (mailbox.owner !== undefined && !users.has(mailbox.owner)) {
      ctx.addIssue({ code: 'custom', path: ['mailboxes', i, 'owner'], message: `unknown user "${mailbox.owner}"` });
    }
  });
  const catchAll = seed.organisation.catchAllMailbox;
  if (catchAll !== undefined && !mailboxIds.has(catchAll)) {
    ctx.addIssue({ code: 'custom', path: ['organisation', 'catchAllMailbox'], message: `unknown mailbox "${catchAll}"` });
  }
  seed.users.forEach((user, i) => {
    if (user.primaryMailbox !== undefined && !mailboxIds.has(user.primaryMailbox)) {
      ctx.addIssue({ code: 'custom', path: ['users', i, 'primaryMailbox'], message: `unknown mailbox "${user.primaryMailbox}"` });
    }
  });
});

export type Seed = z.output<typeof seedSchema>;

export class SeedError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`Invalid organisation seed:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'SeedError';
  }
}

/** Validates a seed document; throws `SeedError` naming each offending field. */
export function parseSeed(json: unknown): Seed {
  const result = seedSchema.safeParse(json);
  if (!result.success) {
    throw new SeedError(result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
  }
  return result.data;
}

/** The organisation model a seed describes, ready to be stored. */
export interface OrganisationModel {
  organisation: Organisation;
  users: User[];
  mailboxes: Mailbox[];
  memberships: Membership[];
  departments?: Department[];
  /** What the admin screens keep on a mailbox item beside the `Mailbox` record. */
  mailboxExtras?: Record<string, { departmentId: string | null; labelDefinitions: LabelDefinition[] }>;
}

export function modelFromSeed(seed: Seed): OrganisationModel {
  const orgId = seed.organisation.id;
  const memberships = new Map<string, Membership>();
  const mailboxes: Mailbox[] = seed.mailboxes.map((m) => {
    for (const member of m.members) {
      memberships.set(`${member.email}|${m.id}`, { email: member.email, mailboxId: m.id, role: member.role });
    }
    if (m.owner !== undefined) memberships.set(`${m.owner}|${m.id}`, { email: m.owner, mailboxId: m.id, role: 'admin' });
    return {
      mailboxId: m.id, orgId, name: m.name, kind: m.kind, addresses: m.addresses,
      owner: m.owner ?? null, department: m.department ?? null, labelRules: m.labelRules,
      ...(m.settings !== undefined ? { settings: m.settings } : {}),
    };
  });
  const departments = new Map<string, Department>();
  const departmentOf = (name: string): Department => {
    const departmentId = departmentIdFor(name);
    let department = departments.get(departmentId);
    if (!department) {
      department = { departmentId, orgId, name, mailboxIds: [] };
      departments.set(departmentId, department);
    }
    return department;
  };
  for (const d of seed.departments) departmentOf(d.name);
  const mailboxExtras: NonNullable<OrganisationModel['mailboxExtras']> = {};
  for (const m of seed.mailboxes) {
    const department = m.department === undefined ? null : departmentOf(m.department);
    department?.mailboxIds.push(m.id);
    mailboxExtras[m.id] = { departmentId: department?.departmentId ?? null, labelDefinitions: m.labels };
  }
  // Organisation administrators administer every shared mailbox (personal ones stay private).
  for (const user of seed.users.filter((u) => u.orgAdmin)) {
    for (const mailbox of mailboxes.filter((m) => m.kind === 'shared')) {
      memberships.set(`${user.email}|${mailbox.mailboxId}`, { email: user.email, mailboxId: mailbox.mailboxId, role: 'admin' });
    }
  }
  const users: User[] = seed.users.map((u) => ({
    email: u.email, orgId, name: u.name, orgAdmin: u.orgAdmin, locale: u.locale,
    primaryMailboxId: u.primaryMailbox ?? null,
  }));
  return {
    organisation: {
      orgId, name: seed.organisation.name, domains: seed.organisation.domains,
      catchAllMailboxId: seed.organisation.catchAllMailbox ?? null,
    },
    users,
    mailboxes,
    memberships: [...memberships.values()],
    departments: [...departments.values()],
    mailboxExtras,
  };
}

/** The demo organisation created on the first start of the local stack. */
export const demoSeed: Seed = parseSeed({
  organisation: { id: 'demo', name: 'Atelier Démo', domains: ['acme.test'], catchAllMailbox: 'support' },
  users: [
    { email: 'camille@acme.test', name: 'Camille Martin', orgAdmin: true, locale: 'fr', primaryMailbox: 'support' },
    { email: 'julien@acme.test', name: 'Julien Bernard', locale: 'fr', primaryMailbox: 'support' },
    { email: 'sarah@acme.test', name: 'Sarah Lefèvre', locale: 'fr', primaryMailbox: 'ventes' },
    { email: 'alex@acme.test', name: 'Alex Smith', locale: 'en', primaryMailbox: 'alex' },
  ],
  mailboxes: [
    {
      id: 'support', name: 'Support', kind: 'shared', department: 'Service client',
      addresses: ['support@acme.test', 'factures@acme.test'],
      members: [{ email: 'julien@acme.test', role: 'agent' }, { email: 'alex@acme.test', role: 'dispatcher' }],
      labelRules: [{ address: 'factures@acme.test', label: 'facturation' }],
      labels: [{ name: 'facturation', color: '#b35900' }, { name: 'urgent', color: '#c62828' }],
    },
    {
      id: 'ventes', name: 'Ventes', kind: 'shared', department: 'Commercial',
      addresses: ['ventes@acme.test'],
      members: [{ email: 'sarah@acme.test', role: 'dispatcher' }, { email: 'alex@acme.test', role: 'agent' }],
    },
    { id: 'alex', name: 'Alex Smith', kind: 'personal', addresses: ['alex@acme.test'], owner: 'alex@acme.test' },
  ],
});
