/**
 * Administration of the organisation directory: mailboxes, departments, users, members and
 * roles, label definitions and label rules. Every write that another administrator could race is
 * conditional, and the loser gets an `AdminConflictError` carrying what is there now:
 *
 * - an address is claimed by a conditional update of its routing item (`ADDR#<address>`): two
 *   mailboxes can never both receive it;
 * - a mailbox edit is conditioned on the mailbox `version`;
 * - a role lives in the user item's `roles` map (the item every request reads to authorise), and
 *   each change is conditioned on the role the caller saw;
 * - a department can be deleted only while its mailbox set is empty.
 *
 * DynamoDB transactions are not used (the local emulator has none), so a multi-item change is
 * ordered so that a crash leaves nothing unsafe, and retrying the same request completes it (a
 * mailbox creation retried with the same definition carries on where it stopped):
 * addresses are claimed before the mailbox names them, and released after it no longer does;
 * the user item's role (the authority) is written before the membership item that lists it.
 */
import { createHash } from 'node:crypto';
import { buildEvent, type EventData, type EventName } from '../events/contracts.js';
import { indexKeys, keys } from '../model/keys.js';
import type { Mailbox, MailboxKind, MailboxRole, User } from '../model/types.js';
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import type { Clock, EventPublisher } from '../ports/index.js';
import {
  departmentFromItem, departmentIdFor, departmentItem, mailboxFromItem, mailboxItem, membershipItem, userFromItem, userItem,
  type Department, type LabelDefinition, type UserWithRoles,
} from './directory.js';
import { AdminConflictError, AdminForbiddenError, AdminNotFoundError, InvalidFieldError } from './errors.js';

export interface AdminDeps {
  table: Table;
  events: EventPublisher;
  clock: Clock;
}

/** A mailbox as the admin screens see it: the record plus what only they edit. */
export interface AdminMailbox extends Mailbox {
  departmentId: string | null;
  labelDefinitions: LabelDefinition[];
  version: number;
}

export interface MemberView {
  email: string;
  name: string;
  role: MailboxRole;
}

export function adminMailboxFromItem(item: Item): AdminMailbox {
  return {
    ...mailboxFromItem(item),
    departmentId: typeof item.departmentId === 'string' ? item.departmentId : null,
    labelDefinitions: (item.labelDefinitions ?? []) as LabelDefinition[],
    version: typeof item.version === 'number' ? item.version : 1,
  };
}

export interface CreateMailboxInput {
  mailboxId: string;
  name: string;
  kind: MailboxKind;
  addresses: string[];
  departmentId?: string | null | undefined;
  owner?: string | null | undefined;
  settings?: Mailbox['settings'] | undefined;
  labelDefinitions?: LabelDefinition[] | undefined;
}

export interface UpdateMailboxInput {
  name?: string | undefined;
  addresses?: string[] | undefined;
  departmentId?: string | null | undefined;
  settings?: Mailbox['settings'] | undefined;
  labelDefinitions?: LabelDefinition[] | undefined;
  labelRules?: Mailbox['labelRules'] | undefined;
  /** The version the edit was decided on; a different current version is a conflict. */
  expectedVersion?: number | undefined;
}

const NULL_TYPE = 'NULL';
/** Lost races on a shared routing item before giving up (each retry reads it again). */
const ROUTE_ATTEMPTS = 5;

function eventId(...parts: (string | number)[]): string {
  return `admin:${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32)}`;
}

export class OrgAdmin {
  constructor(private readonly deps: AdminDeps) {}

  private async publish<N extends EventName>(name: N, id: string, data: EventData<N>): Promise<void> {
    await this.deps.events.publish([buildEvent(name, id, data, this.deps.clock.now())]);
  }

  // ---- reading ---------------------------------------------------------------------------

  /** The mailbox if it belongs to the organisation (another organisation's answers like none). */
  async getMailbox(orgId: string, mailboxId: string, consistent = false): Promise<AdminMailbox | null> {
    const item = await this.deps.table.get(keys.mailbox(mailboxId), consistent);
    if (!item || item.orgId !== orgId) return null;
    return adminMailboxFromItem(item);
  }

  async listMailboxes(orgId: string): Promise<AdminMailbox[]> {
    const ids = await this.queryIndexKeys('GSI1', indexKeys.orgMailboxes(orgId));
    const items = await this.deps.table.batchGet(ids.map((pk) => ({ PK: pk, SK: 'MBX' })));
    return items.map(adminMailboxFromItem).sort((a, b) => a.mailboxId.localeCompare(b.mailboxId));
  }

  async listUsers(orgId: string): Promise<UserWithRoles[]> {
    const pks = await this.queryIndexKeys('GSI1', indexKeys.orgUsers(orgId));
    const items = await this.deps.table.batchGet(pks.map((pk) => ({ PK: pk, SK: 'USER' })));
    return items.map(userFromItem).sort((a, b) => a.email.localeCompare(b.email));
  }

  async listDepartments(orgId: string): Promise<Department[]> {
    const out: Department[] = [];
    let start: Item | undefined;
    do {
      const page = await this.deps.table.query({
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :dept)',
        ExpressionAttributeValues: { ':pk': keys.org(orgId).PK, ':dept': 'DEPT#' },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      out.push(...page.items.map(departmentFromItem));
      start = page.lastKey;
    } while (start);
    return out;
  }

  /** Members of a mailbox with their names: one index Query and one BatchGet. */
  async listMembers(mailboxId: string): Promise<MemberView[]> {
    const out = await this.deps.table.query({
      IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': indexKeys.mailboxMembers(mailboxId) },
    });
    const memberships = out.items.map((i) => ({ email: String(i.email), role: i.role as MailboxRole }));
    const users = new Map((await this.deps.table.batchGet(memberships.map((m) => keys.user(m.email)))).map((u) => [String(u.email), userFromItem(u)]));
    return memberships
      // The user item is the authority on roles: a membership whose role was just removed is not listed.
      .filter((m) => users.get(m.email)?.roles[mailboxId] !== undefined)
      .map((m) => ({ email: m.email, name: users.get(m.email)?.name ?? m.email, role: users.get(m.email)!.roles[mailboxId]! }))
      .sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  }

  private async queryIndexKeys(index: 'GSI1' | 'GSI3', partition: string): Promise<string[]> {
    const attribute = `${index}PK`;
    const pks: string[] = [];
    let start: Item | undefined;
    do {
      const page = await this.deps.table.query({
        IndexName: index, KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': attribute }, ExpressionAttributeValues: { ':pk': partition },
        ProjectionExpression: 'PK',
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      pks.push(...page.items.map((i) => String(i.PK)));
      start = page.lastKey;
    } while (start);
    return pks;
  }

  // ---- mailboxes -------------------------------------------------------------------------

  /**
   * Creates a mailbox. Primary course:
   * 1. Check the organisation's domains, the owner (personal) and the department.
   * 2. Put the mailbox item if its id is free (409 otherwise).
   * 3. Claim each address (409 naming the address if another mailbox has it; the claims made
   *    so far and the mailbox are undone).
   * 4. Join the department; make the owner (personal) or the organisation's admins (shared) its admins.
   * 5. Publish `Mailbox Created`.
   */
  async createMailbox(actor: UserWithRoles, input: CreateMailboxInput): Promise<AdminMailbox> {
    const orgId = actor.orgId;
    await this.checkAddresses(orgId, input.addresses, 'body.addresses');
    let owner: UserWithRoles | null = null;
    if (input.kind === 'personal') {
      if (!input.owner) throw new InvalidFieldError('body.owner', 'a personal mailbox needs an owner');
      owner = await this.orgUser(orgId, input.owner, 'body.owner');
    } else if (input.owner) {
      throw new InvalidFieldError('body.owner', 'only a personal mailbox has an owner');
    }
    const department = input.departmentId ? await this.department(orgId, input.departmentId, 'body.departmentId') : null;
    const mailbox: Mailbox = {
      mailboxId: input.mailboxId, orgId, name: input.name, kind: input.kind, addresses: input.addresses,
      owner: owner?.email ?? null, department: department?.name ?? null, labelRules: [],
      ...(input.settings !== undefined ? { settings: input.settings } : {}),
    };
    const item = mailboxItem(mailbox, { departmentId: department?.departmentId ?? null, labelDefinitions: input.labelDefinitions ?? [], version: 1 });
    let replay = false;
    try {
      await this.deps.table.put(item, { ConditionExpression: 'attribute_not_exists(PK)' });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      // The same creation retried (after a crash or a lost response) completes; anything else is taken.
      const existing = await this.getMailbox(orgId, input.mailboxId, true);
      replay = existing !== null && existing.version === 1 && existing.kind === input.kind
        && existing.name === input.name && existing.addresses.join() === input.addresses.join();
      if (!replay) throw new AdminConflictError(`A mailbox "${input.mailboxId}" exists already.`, { mailboxId: input.mailboxId });
    }
    let claimed = false;
    try {
      await this.claimAll(input.addresses, input.mailboxId, orgId, 'body.addresses');
      claimed = true;
      if (department) await this.joinDepartment(orgId, department.departmentId, input.mailboxId);
    } catch (error) {
      if (!replay) {
        if (claimed) for (const address of input.addresses) await this.releaseAddress(address, input.mailboxId);
        await this.deps.table.delete(keys.mailbox(input.mailboxId));
      }
      throw error;
    }
    const admins = owner ? [owner.email] : await this.queryIndexKeys('GSI3', indexKeys.orgAdmins(orgId)).then((pks) => pks.map((pk) => pk.slice('USER#'.length)));
    if (!owner && actor.orgAdmin && !admins.includes(actor.email)) admins.push(actor.email);
    for (const email of admins) await this.grantRole(email, input.mailboxId, 'admin');
    const created = adminMailboxFromItem(item);
    await this.publish('mailboxCreated', eventId('mailbox', orgId, input.mailboxId, 'created'), this.mailboxEventData(actor, created, ['name', 'addresses', 'department', 'settings', 'labels']));
    return created;
  }

  /**
   * Edits a mailbox. Primary course:
   * 1. Read it (consistent); a stated version that is not the current one is a conflict.
   * 2. Check new addresses, department and label-rule addresses; claim the added addresses.
   * 3. One UpdateItem conditioned on the version read (a lost race releases the new claims and is a conflict).
   * 4. Release the removed addresses, move between departments, rewrite the label rules on the routing items.
   * 5. Publish `Mailbox Updated` with what changed.
   */
  async updateMailbox(actor: UserWithRoles, mailboxId: string, input: UpdateMailboxInput): Promise<{ mailbox: AdminMailbox; changes: string[] }> {
    const orgId = actor.orgId;
    const current = await this.getMailbox(orgId, mailboxId, true);
    if (!current) throw new AdminNotFoundError('This mailbox');
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
      throw new AdminConflictError(`The mailbox changed since version ${input.expectedVersion}; it is now at version ${current.version}.`, current);
    }
    const changes: string[] = [];
    const sets: string[] = [];
    const values: Record<string, unknown> = {};
    const names: Record<string, string> = {};
    const set = (attribute: string, value: unknown) => {
      names[`#${attribute}`] = attribute;
      values[`:${attribute}`] = value;
      sets.push(`#${attribute} = :${attribute}`);
    };
    if (input.name !== undefined && input.name !== current.name) {
      set('name', input.name);
      changes.push('name');
    }
    let added: string[] = [];
    let removed: string[] = [];
    if (input.addresses !== undefined) {
      added = input.addresses.filter((a) => !current.addresses.includes(a));
      removed = current.addresses.filter((a) => !input.addresses!.includes(a));
      if (added.length > 0 || removed.length > 0 || input.addresses.join() !== current.addresses.join()) {
        await this.checkAddresses(orgId, input.addresses, 'body.addresses');
        set('addresses', input.addresses);
        changes.push('addresses');
      }
    }
    let newDepartment: Department | null | undefined;
    if (input.departmentId !== undefined && input.departmentId !== current.departmentId) {
      newDepartment = input.departmentId === null ? null : await this.department(orgId, input.departmentId, 'body.departmentId');
      set('departmentId', newDepartment?.departmentId ?? null);
      set('department', newDepartment?.name ?? null);
      changes.push('department');
    }
    if (input.settings !== undefined) {
      set('settings', { ...current.settings, ...input.settings });
      changes.push('settings');
    }
    if (input.labelDefinitions !== undefined) {
      set('labelDefinitions', input.labelDefinitions);
      changes.push('labels');
    }
    let ruleAddresses: string[] = [];
    if (input.labelRules !== undefined) {
      const domains = await this.orgDomains(orgId);
      input.labelRules.forEach((rule, i) => {
        if (!domains.includes(rule.address.split('@')[1] ?? '')) {
          throw new InvalidFieldError(`body.labelRules[${i}].address`, `domain of ${rule.address} is not one of the organisation's domains`);
        }
      });
      set('labelRules', input.labelRules);
      ruleAddresses = [...new Set([...current.labelRules, ...input.labelRules].map((r) => r.address))];
      changes.push('labelRules');
    }
    if (changes.length === 0) return { mailbox: current, changes };

    if (added.length > 0) await this.claimAll(added, mailboxId, orgId, 'body.addresses', input.addresses);
    if (newDepartment) {
      try {
        await this.joinDepartment(orgId, newDepartment.departmentId, mailboxId);
      } catch (error) {
        for (const address of added) await this.releaseAddress(address, mailboxId);
        throw error;
      }
    }
    let updated: AdminMailbox;
    try {
      const item = await this.deps.table.update({
        Key: keys.mailbox(mailboxId),
        UpdateExpression: `SET ${sets.join(', ')}, version = :next`,
        ConditionExpression: current.version === 1 ? '(attribute_not_exists(version) OR version = :version)' : 'version = :version',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ':version': current.version, ':next': current.version + 1 },
      });
      updated = adminMailboxFromItem(item);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      for (const address of added) await this.releaseAddress(address, mailboxId);
      if (newDepartment) await this.leaveDepartment(orgId, newDepartment.departmentId, mailboxId);
      const now = await this.getMailbox(orgId, mailboxId, true);
      throw new AdminConflictError('The mailbox was changed by someone else meanwhile; decide again on its current state.', now);
    }
    for (const address of removed) await this.releaseAddress(address, mailboxId);
    if (newDepartment !== undefined && current.departmentId) await this.leaveDepartment(orgId, current.departmentId, mailboxId);
    for (const address of ruleAddresses) {
      await this.setAddressLabelRules(orgId, address, mailboxId, updated.labelRules.filter((r) => r.address === address).map((r) => r.label));
    }
    await this.publish('mailboxUpdated', eventId('mailbox', orgId, mailboxId, updated.version), this.mailboxEventData(actor, updated, changes));
    return { mailbox: updated, changes };
  }

  private mailboxEventData(actor: UserWithRoles, mailbox: AdminMailbox, changes: string[]): EventData<'mailboxCreated'> {
    return {
      orgId: mailbox.orgId, actor: actor.email, mailboxId: mailbox.mailboxId, version: mailbox.version, name: mailbox.name,
      kind: mailbox.kind, addresses: mailbox.addresses, departmentId: mailbox.departmentId, owner: mailbox.owner, changes,
    };
  }

  private async orgDomains(orgId: string): Promise<string[]> {
    const org = await this.deps.table.get(keys.org(orgId));
    return (org?.domains ?? []) as string[];
  }

  private async checkAddresses(orgId: string, addresses: string[], field: string): Promise<void> {
    const domains = await this.orgDomains(orgId);
    addresses.forEach((address, i) => {
      const domain = address.split('@')[1] ?? '';
      if (!domains.includes(domain)) throw new InvalidFieldError(`${field}[${i}]`, `domain "${domain}" is not one of the organisation's domains (${domains.join(', ')})`);
      if (address.split('@')[0]!.includes('+')) throw new InvalidFieldError(`${field}[${i}]`, 'plus addresses route to their base address: give the base address');
    });
    const duplicate = addresses.findIndex((a, i) => addresses.indexOf(a) !== i);
    if (duplicate >= 0) throw new InvalidFieldError(`${field}[${duplicate}]`, 'address listed twice');
  }

  /** Claims every address or none: a refused claim releases those made before it. */
  private async claimAll(addresses: string[], mailboxId: string, orgId: string, field: string, all: string[] = addresses): Promise<void> {
    const claimed: string[] = [];
    for (const address of addresses) {
      try {
        await this.claimAddress(address, mailboxId, orgId);
        claimed.push(address);
      } catch (error) {
        for (const done of claimed) await this.releaseAddress(done, mailboxId);
        if (error instanceof ConditionFailedError) {
          const holder = (error.item ?? await this.deps.table.get(keys.address(address), true))?.mailboxId ?? null;
          throw new AdminConflictError(`${address} already routes to mailbox "${String(holder)}".`, {
            field: `${field}[${all.indexOf(address)}]`, address, mailboxId: holder,
          });
        }
        throw error;
      }
    }
  }

  /** Points the address's routing item at the mailbox, unless another mailbox holds it. */
  private async claimAddress(address: string, mailboxId: string, orgId: string): Promise<void> {
    await this.deps.table.update({
      Key: keys.address(address),
      UpdateExpression: 'SET #type = :type, address = :address, orgId = :org, mailboxId = :mailbox, labelRules = if_not_exists(labelRules, :none)',
      ConditionExpression: 'attribute_not_exists(mailboxId) OR attribute_type(mailboxId, :null) OR mailboxId = :mailbox',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':type': 'address', ':address': address, ':org': orgId, ':mailbox': mailboxId, ':none': [], ':null': NULL_TYPE },
    });
  }

  /** Stops routing the address to the mailbox (its label rules stay); a no-op if it moved on. */
  private async releaseAddress(address: string, mailboxId: string): Promise<void> {
    try {
      await this.deps.table.update({
        Key: keys.address(address),
        UpdateExpression: 'SET mailboxId = :null',
        ConditionExpression: 'mailboxId = :mailbox',
        ExpressionAttributeValues: { ':null': null, ':mailbox': mailboxId },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  /**
   * Replaces this mailbox's label rules on one address's routing item, keeping other mailboxes'
   * rules: read, then write conditioned on the route version read (`rv`), again if it lost a race.
   */
  private async setAddressLabelRules(orgId: string, address: string, mailboxId: string, labels: string[]): Promise<void> {
    for (let attempt = 0; attempt < ROUTE_ATTEMPTS; attempt += 1) {
      const item = await this.deps.table.get(keys.address(address), true);
      const others = ((item?.labelRules ?? []) as { mailboxId: string; label: string }[]).filter((r) => r.mailboxId !== mailboxId);
      const rules = [...others, ...labels.map((label) => ({ mailboxId, label }))];
      const rv = typeof item?.rv === 'number' ? item.rv : 0;
      try {
        await this.deps.table.update({
          Key: keys.address(address),
          UpdateExpression: 'SET #type = :type, address = :address, orgId = :org, mailboxId = if_not_exists(mailboxId, :null), labelRules = :rules, rv = :next',
          ConditionExpression: rv === 0 ? 'attribute_not_exists(rv)' : 'rv = :rv',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: {
            ':type': 'address', ':address': address, ':org': orgId, ':null': null, ':rules': rules, ':next': rv + 1,
            ...(rv === 0 ? {} : { ':rv': rv }),
          },
        });
        return;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    throw new AdminConflictError(`The routing of ${address} kept changing; try again.`);
  }

  // ---- departments -----------------------------------------------------------------------

  private async department(orgId: string, departmentId: string, field: string): Promise<Department> {
    const item = await this.deps.table.get(keys.department(orgId, departmentId), true);
    if (!item) throw new InvalidFieldError(field, `unknown department "${departmentId}"`);
    return departmentFromItem(item);
  }

  async createDepartment(actor: UserWithRoles, name: string, departmentId = departmentIdFor(name)): Promise<Department> {
    const department: Department = { departmentId, orgId: actor.orgId, name, mailboxIds: [] };
    try {
      await this.deps.table.put(departmentItem(department), { ConditionExpression: 'attribute_not_exists(PK)' });
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new AdminConflictError(`A department "${departmentId}" exists already.`, error.item ? departmentFromItem(error.item) : undefined);
      throw error;
    }
    await this.publish('departmentChanged', eventId('department', actor.orgId, departmentId, 'created', name), { orgId: actor.orgId, actor: actor.email, departmentId, name, change: 'created' });
    return department;
  }

  /** Renames a department, then the name copied on each of its mailboxes (a bounded fan-out). */
  async renameDepartment(actor: UserWithRoles, departmentId: string, name: string): Promise<Department> {
    let item: Item;
    try {
      item = await this.deps.table.update({
        Key: keys.department(actor.orgId, departmentId),
        UpdateExpression: 'SET #name = :name', ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#name': 'name' }, ExpressionAttributeValues: { ':name': name },
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new AdminNotFoundError('This department');
      throw error;
    }
    const department = departmentFromItem(item);
    for (const mailboxId of department.mailboxIds) {
      try {
        await this.deps.table.update({
          Key: keys.mailbox(mailboxId), UpdateExpression: 'SET department = :name',
          ConditionExpression: 'departmentId = :dept', ExpressionAttributeValues: { ':name': name, ':dept': departmentId },
        });
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    await this.publish('departmentChanged', eventId('department', actor.orgId, departmentId, 'renamed', name), { orgId: actor.orgId, actor: actor.email, departmentId, name, change: 'renamed' });
    return department;
  }

  /** Deletes a department that no mailbox belongs to (409 listing them otherwise). */
  async deleteDepartment(actor: UserWithRoles, departmentId: string): Promise<void> {
    const current = await this.deps.table.get(keys.department(actor.orgId, departmentId), true);
    if (!current) throw new AdminNotFoundError('This department');
    try {
      // The Table adapter's delete is unconditional: a conditional REMOVE-style update marks it first.
      await this.deps.table.update({
        Key: keys.department(actor.orgId, departmentId), UpdateExpression: 'SET deleting = :true',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(mailboxIds)', ExpressionAttributeValues: { ':true': true },
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        const department = departmentFromItem(error.item ?? (await this.deps.table.get(keys.department(actor.orgId, departmentId), true)) ?? current);
        throw new AdminConflictError(`The department still has mailboxes: ${department.mailboxIds.join(', ')}.`, department);
      }
      throw error;
    }
    await this.deps.table.delete(keys.department(actor.orgId, departmentId));
    await this.publish('departmentChanged', eventId('department', actor.orgId, departmentId, 'deleted', this.deps.clock.now().toISOString()), {
      orgId: actor.orgId, actor: actor.email, departmentId, name: String(current.name), change: 'deleted',
    });
  }

  private async joinDepartment(orgId: string, departmentId: string, mailboxId: string): Promise<void> {
    try {
      await this.deps.table.update({
        Key: keys.department(orgId, departmentId), UpdateExpression: 'ADD mailboxIds :m',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(deleting)', ExpressionAttributeValues: { ':m': new Set([mailboxId]) },
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new InvalidFieldError('body.departmentId', `unknown department "${departmentId}"`);
      throw error;
    }
  }

  private async leaveDepartment(orgId: string, departmentId: string, mailboxId: string): Promise<void> {
    try {
      await this.deps.table.update({
        Key: keys.department(orgId, departmentId), UpdateExpression: 'DELETE mailboxIds :m',
        ConditionExpression: 'attribute_exists(PK)', ExpressionAttributeValues: { ':m': new Set([mailboxId]) },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  // ---- users and members -----------------------------------------------------------------

  private async orgUser(orgId: string, email: string, field: string): Promise<UserWithRoles> {
    const item = await this.deps.table.get(keys.user(email), true);
    if (!item || item.orgId !== orgId) throw new InvalidFieldError(field, `unknown user "${email}"`);
    return userFromItem(item);
  }

  /** Adds a user to the organisation; an organisation admin becomes admin of every shared mailbox. */
  async addUser(actor: UserWithRoles, input: { email: string; name: string; orgAdmin: boolean; locale: string }): Promise<UserWithRoles> {
    const user: User = { email: input.email, orgId: actor.orgId, name: input.name, orgAdmin: input.orgAdmin, locale: input.locale, primaryMailboxId: null };
    try {
      await this.deps.table.put(userItem(user, {}), { ConditionExpression: 'attribute_not_exists(PK)' });
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        throw new AdminConflictError(`${input.email} is a user already.`, error.item && error.item.orgId === actor.orgId ? publicUser(userFromItem(error.item)) : undefined);
      }
      throw error;
    }
    if (input.orgAdmin) {
      for (const mailbox of (await this.listMailboxes(actor.orgId)).filter((m) => m.kind === 'shared')) {
        await this.grantRole(user.email, mailbox.mailboxId, 'admin');
      }
    }
    await this.publish('userAdded', eventId('user', actor.orgId, input.email, 'added'), { orgId: actor.orgId, actor: actor.email, email: input.email, name: input.name, orgAdmin: input.orgAdmin });
    return (await this.orgUser(actor.orgId, user.email, 'email'));
  }

  /** The user's primary mailbox: one they are a member of, or none. */
  async setPrimaryMailbox(actor: UserWithRoles, email: string, mailboxId: string | null): Promise<UserWithRoles> {
    const user = await this.orgUser(actor.orgId, email, 'path.email');
    try {
      const item = await this.deps.table.update({
        Key: keys.user(user.email),
        UpdateExpression: 'SET primaryMailboxId = :mailbox',
        ...(mailboxId === null ? {} : { ConditionExpression: 'attribute_exists(#roles.#m)', ExpressionAttributeNames: { '#roles': 'roles', '#m': mailboxId } }),
        ExpressionAttributeValues: { ':mailbox': mailboxId },
      });
      await this.publish('primaryMailboxChanged', eventId('primary', actor.orgId, email, mailboxId ?? '', this.deps.clock.now().toISOString()), {
        orgId: actor.orgId, actor: actor.email, email, primaryMailboxId: mailboxId,
      });
      return userFromItem(item);
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new InvalidFieldError('body.primaryMailboxId', `${email} is not a member of "${mailboxId}"`);
      throw error;
    }
  }

  /** Sets the role in the user item (unconditionally: for new mailboxes), then the membership item. */
  private async grantRole(email: string, mailboxId: string, role: MailboxRole): Promise<void> {
    await this.deps.table.update({
      Key: keys.user(email), UpdateExpression: 'SET #roles.#m = :role', ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: { '#roles': 'roles', '#m': mailboxId }, ExpressionAttributeValues: { ':role': role },
    });
    await this.deps.table.put(membershipItem({ email, mailboxId, role }));
  }

  private async memberMailbox(actor: UserWithRoles, mailboxId: string): Promise<AdminMailbox> {
    const mailbox = await this.getMailbox(actor.orgId, mailboxId);
    if (!mailbox) throw new AdminNotFoundError('This mailbox');
    if (mailbox.kind === 'personal') throw new AdminForbiddenError('A personal mailbox is private to its owner: it has no other members.');
    return mailbox;
  }

  /** Adds a member (409 with their current role if they already are one). */
  async addMember(actor: UserWithRoles, mailboxId: string, email: string, role: MailboxRole): Promise<MemberView> {
    await this.memberMailbox(actor, mailboxId);
    const user = await this.orgUser(actor.orgId, email, 'body.email');
    try {
      await this.deps.table.update({
        Key: keys.user(user.email), UpdateExpression: 'SET #roles.#m = :role',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(#roles.#m)',
        ExpressionAttributeNames: { '#roles': 'roles', '#m': mailboxId }, ExpressionAttributeValues: { ':role': role },
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        const current = await this.currentRole(error, user.email, mailboxId);
        throw new AdminConflictError(`${email} is a member of this mailbox already (${current ?? 'unknown role'}).`, { email, role: current });
      }
      throw error;
    }
    await this.deps.table.put(membershipItem({ email: user.email, mailboxId, role }));
    await this.publish('memberAdded', eventId('member', mailboxId, email, 'added', role, this.deps.clock.now().toISOString()), {
      orgId: actor.orgId, actor: actor.email, mailboxId, email: user.email, role, previousRole: null,
    });
    return { email: user.email, name: user.name, role };
  }

  /**
   * Changes a member's role, conditioned on the role the caller saw (`expectedRole`, else the one
   * just read): of two administrators changing it at once, one wins and the other gets a 409
   * with the role now in force.
   */
  async changeRole(actor: UserWithRoles, mailboxId: string, email: string, role: MailboxRole, expectedRole?: MailboxRole): Promise<MemberView> {
    const mailbox = await this.memberMailbox(actor, mailboxId);
    const user = await this.orgUser(actor.orgId, email, 'path.email');
    const seen = expectedRole ?? user.roles[mailboxId];
    if (seen === undefined) throw new AdminNotFoundError('This member');
    if (role !== 'admin' && seen === 'admin') await this.keepAnAdmin(mailbox, user.email);
    try {
      await this.deps.table.update({
        Key: keys.user(user.email), UpdateExpression: 'SET #roles.#m = :role', ConditionExpression: '#roles.#m = :seen',
        ExpressionAttributeNames: { '#roles': 'roles', '#m': mailboxId }, ExpressionAttributeValues: { ':role': role, ':seen': seen },
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        const current = await this.currentRole(error, user.email, mailboxId);
        throw new AdminConflictError(`The role of ${email} is ${current ?? 'none'} now, not ${seen}; decide again.`, { email, role: current });
      }
      throw error;
    }
    await this.deps.table.put(membershipItem({ email: user.email, mailboxId, role }));
    if (role !== seen) {
      await this.publish('memberRoleChanged', eventId('member', mailboxId, email, seen, role, this.deps.clock.now().toISOString()), {
        orgId: actor.orgId, actor: actor.email, mailboxId, email: user.email, role, previousRole: seen,
      });
    }
    return { email: user.email, name: user.name, role };
  }

  /** Removes a member; a mailbox keeps at least one admin, and a removed primary mailbox is unset. */
  async removeMember(actor: UserWithRoles, mailboxId: string, email: string, expectedRole?: MailboxRole): Promise<void> {
    const mailbox = await this.memberMailbox(actor, mailboxId);
    const user = await this.orgUser(actor.orgId, email, 'path.email');
    const seen = expectedRole ?? user.roles[mailboxId];
    if (seen === undefined) throw new AdminNotFoundError('This member');
    if (seen === 'admin') await this.keepAnAdmin(mailbox, user.email);
    const clearPrimary = user.primaryMailboxId === mailboxId;
    try {
      await this.deps.table.update({
        Key: keys.user(user.email),
        UpdateExpression: clearPrimary ? 'REMOVE #roles.#m SET primaryMailboxId = :null' : 'REMOVE #roles.#m',
        ConditionExpression: clearPrimary ? '#roles.#m = :seen AND primaryMailboxId = :mailbox' : '#roles.#m = :seen',
        ExpressionAttributeNames: { '#roles': 'roles', '#m': mailboxId },
        ExpressionAttributeValues: { ':seen': seen, ...(clearPrimary ? { ':null': null, ':mailbox': mailboxId } : {}) },
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        const current = await this.currentRole(error, user.email, mailboxId);
        throw new AdminConflictError(`The membership of ${email} changed meanwhile (role ${current ?? 'none'}); decide again.`, { email, role: current });
      }
      throw error;
    }
    await this.deps.table.delete(keys.membership(user.email, mailboxId));
    await this.publish('memberRemoved', eventId('member', mailboxId, email, seen, 'removed', this.deps.clock.now().toISOString()), {
      orgId: actor.orgId, actor: actor.email, mailboxId, email: user.email, role: null, previousRole: seen,
    });
  }

  /** The role in force after a lost race: from the failed write's old image, or read again. */
  private async currentRole(error: ConditionFailedError, email: string, mailboxId: string): Promise<MailboxRole | null> {
    const item = error.item ?? await this.deps.table.get(keys.user(email), true);
    return item ? userFromItem(item).roles[mailboxId] ?? null : null;
  }

  /** Refuses to take the last admin away: nobody could manage the mailbox's members any more. */
  private async keepAnAdmin(mailbox: AdminMailbox, leaving: string): Promise<void> {
    const members = await this.listMembers(mailbox.mailboxId);
    if (!members.some((m) => m.role === 'admin' && m.email !== leaving)) {
      throw new AdminConflictError('A mailbox keeps at least one admin: make someone else admin first.', { members });
    }
  }
}

/** What an admin view shows of a user. */
export function publicUser(user: UserWithRoles) {
  return {
    email: user.email, name: user.name, orgAdmin: user.orgAdmin, locale: user.locale,
    primaryMailboxId: user.primaryMailboxId, roles: user.roles,
  };
}
