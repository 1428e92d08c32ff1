/**
 * The organisation directory: users, mailboxes, memberships and the routing items that map
 * recipient addresses and domains to mailboxes. Stored in the single table (keys in model/keys.ts).
 */
import { indexKeys, keys } from '../model/keys.js';
import type { Mailbox, MailboxRole, Membership, Organisation, User } from '../model/types.js';
import type { Item, Table } from '../adapters/dynamodb-table.js';
import type { OrganisationModel } from './seed.js';

/** Routing item for one address: the mailbox it delivers to, and label rules keyed on it. */
export interface AddressRoute {
  address: string;
  orgId: string;
  mailboxId: string | null;
  labelRules: { mailboxId: string; label: string }[];
}

export interface DomainRoute {
  domain: string;
  orgId: string;
  catchAllMailboxId: string | null;
}

/** A user with their role in each mailbox (kept on the user item so one read authorises a request). */
export interface UserWithRoles extends User {
  roles: Record<string, MailboxRole>;
}

/** The user item: the user, their roles, and the index keys that list the organisation's users and admins. */
export function userItem(user: User, roles: Record<string, MailboxRole>): Item {
  return {
    ...keys.user(user.email), type: 'user', ...user, roles,
    GSI1PK: indexKeys.orgUsers(user.orgId), GSI1SK: user.email,
    ...(user.orgAdmin ? { GSI3PK: indexKeys.orgAdmins(user.orgId), GSI3SK: user.email } : {}),
  };
}

export function membershipItem(m: Membership & { name?: string }): Item {
  return { ...keys.membership(m.email, m.mailboxId), type: 'membership', ...m, GSI1PK: indexKeys.mailboxMembers(m.mailboxId), GSI1SK: m.email };
}

/** The mailbox item, listed in its organisation's mailboxes; `version` guards admin edits. */
export function mailboxItem(mailbox: Mailbox, extra: { departmentId?: string | null; labelDefinitions?: LabelDefinition[]; version?: number } = {}): Item {
  return {
    ...keys.mailbox(mailbox.mailboxId), type: 'mailbox', ...mailbox,
    departmentId: extra.departmentId ?? null, labelDefinitions: extra.labelDefinitions ?? [], version: extra.version ?? 1,
    GSI1PK: indexKeys.orgMailboxes(mailbox.orgId), GSI1SK: mailbox.mailboxId,
  };
}

/** An admin-defined label a mailbox offers in its pickers (labels stay free text on conversations). */
export interface LabelDefinition {
  name: string;
  color: string | null;
}

export interface Department {
  departmentId: string;
  orgId: string;
  name: string;
  /** Mailboxes in the department: a department can be deleted only once this is empty. */
  mailboxIds: string[];
}

/** Department id from its name: lower-case ASCII, digits and dashes ("Service client" -> "service-client"). */
export function departmentIdFor(name: string): string {
  const slug = name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return slug === '' ? 'department' : slug;
}

export function departmentItem(department: Department): Item {
  return {
    ...keys.department(department.orgId, department.departmentId), type: 'department',
    departmentId: department.departmentId, orgId: department.orgId, name: department.name,
    // A string set: mailboxes join and leave with ADD/DELETE, and an empty set is no attribute at all.
    ...(department.mailboxIds.length > 0 ? { mailboxIds: new Set(department.mailboxIds) } : {}),
  };
}

export function departmentFromItem(item: Item): Department {
  const ids = item.mailboxIds;
  return {
    departmentId: String(item.departmentId), orgId: String(item.orgId), name: String(item.name),
    mailboxIds: ids instanceof Set ? [...(ids as Set<string>)].sort() : Array.isArray(ids) ? (ids as string[]) : [],
  };
}

export function itemsFromModel(model: OrganisationModel): Item[] {
  const { organisation, users, mailboxes, memberships } = model;
  const items: Item[] = [];
  items.push({ ...keys.org(organisation.orgId), type: 'org', ...organisation });
  for (const domain of organisation.domains) {
    items.push({ ...keys.domain(domain), type: 'domain', domain, orgId: organisation.orgId, catchAllMailboxId: organisation.catchAllMailboxId });
  }
  for (const user of users) {
    const roles = Object.fromEntries(memberships.filter((m) => m.email === user.email).map((m) => [m.mailboxId, m.role]));
    items.push(userItem(user, roles));
  }
  for (const m of memberships) items.push(membershipItem(m));
  for (const department of model.departments ?? []) items.push(departmentItem(department));
  const routes = new Map<string, AddressRoute>();
  const routeFor = (address: string): AddressRoute => {
    let route = routes.get(address);
    if (!route) {
      route = { address, orgId: organisation.orgId, mailboxId: null, labelRules: [] };
      routes.set(address, route);
    }
    return route;
  };
  for (const mailbox of mailboxes) {
    const extra = model.mailboxExtras?.[mailbox.mailboxId];
    items.push(mailboxItem(mailbox, extra));
    for (const address of mailbox.addresses) routeFor(address).mailboxId = mailbox.mailboxId;
    for (const rule of mailbox.labelRules) routeFor(rule.address).labelRules.push({ mailboxId: mailbox.mailboxId, label: rule.label });
  }
  for (const route of routes.values()) items.push({ ...keys.address(route.address), type: 'address', ...route });
  return items;
}

export function userFromItem(item: Item): UserWithRoles {
  return {
    email: String(item.email), orgId: String(item.orgId), name: String(item.name), orgAdmin: item.orgAdmin === true,
    locale: typeof item.locale === 'string' ? item.locale : 'fr',
    primaryMailboxId: typeof item.primaryMailboxId === 'string' ? item.primaryMailboxId : null,
    roles: (item.roles ?? {}) as Record<string, MailboxRole>,
  };
}

export function mailboxFromItem(item: Item): Mailbox {
  return {
    mailboxId: String(item.mailboxId), orgId: String(item.orgId), name: String(item.name),
    kind: item.kind === 'personal' ? 'personal' : 'shared',
    addresses: (item.addresses ?? []) as string[], owner: (item.owner ?? null) as string | null,
    department: (item.department ?? null) as string | null,
    labelRules: (item.labelRules ?? []) as Mailbox['labelRules'],
    ...(item.settings !== undefined && item.settings !== null ? { settings: item.settings as NonNullable<Mailbox['settings']> } : {}),
  };
}

export function addressRouteFromItem(item: Item): AddressRoute {
  return {
    address: String(item.address), orgId: String(item.orgId),
    mailboxId: typeof item.mailboxId === 'string' ? item.mailboxId : null,
    labelRules: (item.labelRules ?? []) as AddressRoute['labelRules'],
  };
}

export function domainRouteFromItem(item: Item): DomainRoute {
  return {
    domain: String(item.domain), orgId: String(item.orgId),
    catchAllMailboxId: typeof item.catchAllMailboxId === 'string' ? item.catchAllMailboxId : null,
  };
}

export class Directory {
  constructor(private readonly table: Table) {}

  /** Writes an organisation model. Idempotent: applying the same seed twice changes nothing. */
  async save(model: OrganisationModel): Promise<void> {
    await this.table.batchPut(itemsFromModel(model));
  }

  async hasOrganisation(orgId: string): Promise<boolean> {
    return (await this.table.get(keys.org(orgId))) !== undefined;
  }

  async getUser(email: string): Promise<UserWithRoles | null> {
    const item = await this.table.get(keys.user(email.toLowerCase()));
    return item ? userFromItem(item) : null;
  }

  async getOrganisation(orgId: string): Promise<Organisation | null> {
    const item = await this.table.get(keys.org(orgId));
    if (!item) return null;
    return {
      orgId: String(item.orgId), name: String(item.name), domains: (item.domains ?? []) as string[],
      catchAllMailboxId: (item.catchAllMailboxId ?? null) as string | null,
    };
  }

  async getMailboxes(ids: string[]): Promise<Mailbox[]> {
    if (ids.length === 0) return [];
    const items = await this.table.batchGet(ids.map((id) => keys.mailbox(id)));
    return items.map(mailboxFromItem);
  }

  async listMembers(mailboxId: string): Promise<Membership[]> {
    const out = await this.table.query({
      IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': indexKeys.mailboxMembers(mailboxId) },
    });
    return out.items.map((i) => ({ email: String(i.email), mailboxId: String(i.mailboxId), role: i.role as MailboxRole }));
  }
}
