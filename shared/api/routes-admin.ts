/**
 * Administration routes (shared/org/admin.ts): mailboxes, departments, users, members and roles,
 * label definitions and label rules, mailbox settings; plus the member picker every member uses
 * and the caller's own preferences.
 *
 * Who may do what:
 * - organisation admins: everything, for their organisation;
 * - a mailbox's admins: that mailbox's name, settings, labels, label rules and members;
 * - other members: read the mailbox's member list (to assign), nothing else (403);
 * - anyone else: 404, as if the mailbox did not exist.
 */
import * as z from 'zod';
import { systemClock } from '../ports/index.js';
import { OrgAdmin, publicUser, type AdminMailbox } from '../org/admin.js';
import { AdminConflictError, AdminForbiddenError, AdminNotFoundError, InvalidFieldError } from '../org/errors.js';
import { loadPreferences, preferencesSchema, savePreferences } from '../org/preferences.js';
import {
  duplicateIndex, labelDefinitionSchema, labelRuleSchema, mailboxRole, mailboxSettingsSchema, orgId as slugId, userEmail,
} from '../org/schemas.js';
import { STATS_COUNTERS } from '../stats/counters.js';
import { loadCaller, requireMailboxAdmin, requireMember, requireOrgAdmin } from './access.js';
import { problems } from './problem.js';
import { defineRoute, type AnyRoute } from './router.js';
import type { ApiDeps } from './routes.js';
import { id } from './schemas.js';

const roleEnum = mailboxRole;
const settingsView = z.object({
  assignmentMarksRead: z.boolean().optional(),
  responseDeadlineMinutes: z.number().int().nullable().optional(),
  autoReassignAfterMinutes: z.number().int().nullable().optional(),
});
const adminMailboxSchema = z.object({
  mailboxId: z.string(), name: z.string(), kind: z.enum(['shared', 'personal']), addresses: z.array(z.string()),
  owner: z.string().nullable(), department: z.string().nullable(), departmentId: z.string().nullable(),
  labelRules: z.array(z.object({ address: z.string(), label: z.string() })),
  labels: z.array(z.object({ name: z.string(), color: z.string().nullable() })),
  settings: settingsView.describe('Absent fields take the workflow defaults.'),
  version: z.number().int().describe('Send it back as expectedVersion (or If-Match) with a change.'),
});
const departmentSchema = z.object({ departmentId: z.string(), name: z.string(), mailboxIds: z.array(z.string()) });
export const memberSchema = z.object({ email: z.string(), name: z.string(), role: roleEnum });
const userSchema = z.object({
  email: z.string(), name: z.string(), orgAdmin: z.boolean(), locale: z.string(), primaryMailboxId: z.string().nullable(),
  roles: z.record(z.string(), roleEnum),
});
const expectedVersion = z.number().int().min(1).optional().describe('The mailbox version the change was decided on.');
const labelsBody = z.array(labelDefinitionSchema).max(100);
const labelRulesBody = z.array(labelRuleSchema).max(100);
const addressesBody = z.array(userEmail).min(1).max(50);
const mailboxParams = z.object({ mailboxId: id });
const memberParams = z.object({ mailboxId: id, email: userEmail });

function mailboxView(m: AdminMailbox): z.infer<typeof adminMailboxSchema> {
  return {
    mailboxId: m.mailboxId, name: m.name, kind: m.kind, addresses: m.addresses, owner: m.owner, department: m.department,
    departmentId: m.departmentId, labelRules: m.labelRules, labels: m.labelDefinitions, settings: m.settings ?? {}, version: m.version,
  };
}

/** Domain refusals as problems: 400 naming the field, 403, 404, 409 with what is there now. */
function asProblem(error: unknown): unknown {
  if (error instanceof InvalidFieldError) return problems.badRequest(`${error.field}: ${error.message}.`, [{ field: error.field, message: error.message }]);
  if (error instanceof AdminConflictError) return problems.conflict(error.message, error.current);
  if (error instanceof AdminNotFoundError) return problems.notFound(error.what);
  if (error instanceof AdminForbiddenError) return problems.forbidden(error.message);
  return error;
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asProblem(error);
  }
}

function checkLabels(labels: { name: string }[] | undefined): void {
  if (!labels) return;
  const duplicate = duplicateIndex(labels.map((l) => l.name));
  if (duplicate >= 0) throw problems.badRequest('A label is defined twice.', [{ field: `body.labels[${duplicate}].name`, message: 'label defined twice' }]);
}

export function createAdminRoutes(deps: ApiDeps): AnyRoute[] {
  const clock = deps.clock ?? systemClock;
  const admin = new OrgAdmin({ table: deps.table, events: deps.events, clock });
  const caller = (claims: Parameters<typeof loadCaller>[0]) => loadCaller(claims, deps.directory);
  const orgAdmin = async (claims: Parameters<typeof loadCaller>[0]) => {
    const user = await caller(claims);
    requireOrgAdmin(user);
    return user;
  };
  /** The mailbox, for an org admin or one of its admins. */
  const administered = async (claims: Parameters<typeof loadCaller>[0], mailboxId: string) => {
    const user = await caller(claims);
    const mailbox = await admin.getMailbox(user.orgId, mailboxId, true);
    requireMailboxAdmin(user, mailbox);
    return { user, mailbox: mailbox! };
  };

  return [
    // ---- picker and preferences ----------------------------------------------------------
    defineRoute({
      method: 'GET', path: '/api/mailboxes/{mailboxId}/members', operationId: 'listMailboxMembers', tags: ['mailboxes'],
      summary: "The mailbox's members with their role, for pickers (assign to, mention). Any member of the mailbox.",
      params: mailboxParams,
      response: { status: 200, schema: z.object({ items: z.array(memberSchema) }), description: 'Members, by name.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        requireMember(await caller(claims), params.mailboxId);
        return { status: 200, body: { items: await admin.listMembers(params.mailboxId) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/me/preferences', operationId: 'getPreferences', tags: ['me'],
      summary: "The caller's preferences: which counters the dashboard banner shows (defaults until they choose).",
      response: { status: 200, schema: z.object({ statsCounters: z.array(z.enum(STATS_COUNTERS)), updatedAt: z.string().nullable() }), description: 'Preferences.' },
      handle: async ({ claims }) => {
        const user = await caller(claims);
        return { status: 200, body: await loadPreferences(deps.table, user.email) };
      },
    }),
    defineRoute({
      method: 'PUT', path: '/api/me/preferences', operationId: 'setPreferences', tags: ['me'],
      summary: "Sets the caller's preferences (the whole document).",
      body: preferencesSchema,
      response: { status: 200, schema: z.object({ statsCounters: z.array(z.enum(STATS_COUNTERS)), updatedAt: z.string().nullable() }), description: 'Preferences as stored.' },
      errors: [400],
      handle: async ({ claims, body }) => {
        const user = await caller(claims);
        return { status: 200, body: await savePreferences(deps.table, user.email, body, clock.now()) };
      },
    }),

    // ---- mailboxes -----------------------------------------------------------------------
    defineRoute({
      method: 'GET', path: '/api/admin/mailboxes', operationId: 'adminListMailboxes', tags: ['admin'],
      summary: "Every mailbox of the organisation, shared and personal (organisation admins).",
      response: { status: 200, schema: z.object({ items: z.array(adminMailboxSchema) }), description: 'Mailboxes, by id.' },
      errors: [403],
      handle: async ({ claims }) => {
        const user = await orgAdmin(claims);
        return { status: 200, body: { items: (await admin.listMailboxes(user.orgId)).map(mailboxView) } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/admin/mailboxes', operationId: 'adminCreateMailbox', tags: ['admin'],
      summary: 'Create a shared or personal mailbox with its addresses (organisation admins). An address another mailbox has answers 409.',
      body: z.strictObject({
        mailboxId: slugId, name: z.string().trim().min(1).max(100), kind: z.enum(['shared', 'personal']),
        addresses: addressesBody, departmentId: slugId.nullable().optional(),
        owner: userEmail.optional().describe('Personal mailboxes: the owner, who becomes its only member.'),
        settings: mailboxSettingsSchema.optional(), labels: labelsBody.optional(),
      }),
      response: { status: 201, schema: adminMailboxSchema, description: 'The mailbox.' },
      errors: [400, 403, 409],
      handle: async ({ claims, body }) => {
        const user = await orgAdmin(claims);
        checkLabels(body.labels);
        const created = await mapped(() => admin.createMailbox(user, {
          mailboxId: body.mailboxId, name: body.name, kind: body.kind, addresses: body.addresses,
          departmentId: body.departmentId, owner: body.owner, settings: body.settings, labelDefinitions: body.labels,
        }));
        return { status: 201, body: mailboxView(created), headers: { etag: `"${created.version}"` } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/admin/mailboxes/{mailboxId}', operationId: 'adminGetMailbox', tags: ['admin'],
      summary: 'One mailbox with its settings, labels and label rules (organisation admins and the mailbox admins).',
      params: mailboxParams,
      response: { status: 200, schema: adminMailboxSchema, description: 'The mailbox.' },
      errors: [403, 404],
      handle: async ({ claims, params }) => {
        const { mailbox } = await administered(claims, params.mailboxId);
        return { status: 200, body: mailboxView(mailbox), headers: { etag: `"${mailbox.version}"` } };
      },
    }),
    defineRoute({
      method: 'PATCH', path: '/api/admin/mailboxes/{mailboxId}', operationId: 'adminUpdateMailbox', tags: ['admin'],
      summary: 'Change a mailbox: name, settings, labels and label rules (mailbox admins too); addresses and department (organisation admins). Conditional on `expectedVersion` when given.',
      params: mailboxParams,
      body: z.strictObject({
        name: z.string().trim().min(1).max(100).optional(),
        addresses: addressesBody.optional(),
        departmentId: slugId.nullable().optional(),
        settings: mailboxSettingsSchema.optional(),
        labels: labelsBody.optional(),
        labelRules: labelRulesBody.optional().describe('The whole list: mail to `address` gets `label` in this mailbox.'),
        expectedVersion,
      }),
      response: { status: 200, schema: z.object({ mailbox: adminMailboxSchema, changes: z.array(z.string()) }), description: 'The mailbox after the change.' },
      errors: [400, 403, 404, 409],
      handle: async ({ claims, params, body, event }) => {
        const { user } = await administered(claims, params.mailboxId);
        if (!user.orgAdmin && (body.addresses !== undefined || body.departmentId !== undefined)) {
          throw problems.forbidden('Only organisation administrators change the addresses and department of a mailbox.');
        }
        checkLabels(body.labels);
        const ifMatch = /^(?:W\/)?"?(\d{1,15})"?$/.exec(event.headers?.['if-match']?.trim() ?? '');
        const result = await mapped(() => admin.updateMailbox(user, params.mailboxId, {
          name: body.name, addresses: body.addresses, departmentId: body.departmentId, settings: body.settings,
          labelDefinitions: body.labels, labelRules: body.labelRules,
          expectedVersion: body.expectedVersion ?? (ifMatch ? Number(ifMatch[1]) : undefined),
        }));
        return { status: 200, body: { mailbox: mailboxView(result.mailbox), changes: result.changes }, headers: { etag: `"${result.mailbox.version}"` } };
      },
    }),

    // ---- members -------------------------------------------------------------------------
    defineRoute({
      method: 'POST', path: '/api/admin/mailboxes/{mailboxId}/members', operationId: 'adminAddMember', tags: ['admin'],
      summary: 'Add a user of the organisation to a shared mailbox with a role (409 if already a member).',
      params: mailboxParams,
      body: z.strictObject({ email: userEmail, role: roleEnum }),
      response: { status: 201, schema: memberSchema, description: 'The member.' },
      errors: [400, 403, 404, 409],
      handle: async ({ claims, params, body }) => {
        const { user } = await administered(claims, params.mailboxId);
        return { status: 201, body: await mapped(() => admin.addMember(user, params.mailboxId, body.email, body.role)) };
      },
    }),
    defineRoute({
      method: 'PATCH', path: '/api/admin/mailboxes/{mailboxId}/members/{email}', operationId: 'adminChangeRole', tags: ['admin'],
      summary: "Change a member's role. With `expectedRole` (the role you saw), a change made meanwhile answers 409 with the current role.",
      params: memberParams,
      body: z.strictObject({ role: roleEnum, expectedRole: roleEnum.optional() }),
      response: { status: 200, schema: memberSchema, description: 'The member.' },
      errors: [400, 403, 404, 409],
      handle: async ({ claims, params, body }) => {
        const { user } = await administered(claims, params.mailboxId);
        return { status: 200, body: await mapped(() => admin.changeRole(user, params.mailboxId, params.email, body.role, body.expectedRole)) };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/admin/mailboxes/{mailboxId}/members/{email}', operationId: 'adminRemoveMember', tags: ['admin'],
      summary: 'Remove a member from a mailbox (a mailbox keeps at least one admin).',
      params: memberParams,
      query: z.object({ expectedRole: roleEnum.optional() }),
      response: { status: 204, schema: null, description: 'Removed.' },
      errors: [403, 404, 409],
      handle: async ({ claims, params, query }) => {
        const { user } = await administered(claims, params.mailboxId);
        await mapped(() => admin.removeMember(user, params.mailboxId, params.email, query.expectedRole));
        return { status: 204 };
      },
    }),

    // ---- departments ---------------------------------------------------------------------
    defineRoute({
      method: 'GET', path: '/api/admin/departments', operationId: 'adminListDepartments', tags: ['admin'],
      summary: "The organisation's departments and their mailboxes (organisation admins).",
      response: { status: 200, schema: z.object({ items: z.array(departmentSchema) }), description: 'Departments.' },
      errors: [403],
      handle: async ({ claims }) => {
        const user = await orgAdmin(claims);
        return { status: 200, body: { items: await admin.listDepartments(user.orgId) } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/admin/departments', operationId: 'adminCreateDepartment', tags: ['admin'],
      summary: 'Create a department (organisation admins); its id defaults to a slug of the name.',
      body: z.strictObject({ name: z.string().trim().min(1).max(100), departmentId: slugId.optional() }),
      response: { status: 201, schema: departmentSchema, description: 'The department.' },
      errors: [400, 403, 409],
      handle: async ({ claims, body }) => {
        const user = await orgAdmin(claims);
        return { status: 201, body: await mapped(() => admin.createDepartment(user, body.name, body.departmentId)) };
      },
    }),
    defineRoute({
      method: 'PATCH', path: '/api/admin/departments/{departmentId}', operationId: 'adminRenameDepartment', tags: ['admin'],
      summary: 'Rename a department (its mailboxes show the new name).',
      params: z.object({ departmentId: slugId }),
      body: z.strictObject({ name: z.string().trim().min(1).max(100) }),
      response: { status: 200, schema: departmentSchema, description: 'The department.' },
      errors: [400, 403, 404],
      handle: async ({ claims, params, body }) => {
        const user = await orgAdmin(claims);
        return { status: 200, body: await mapped(() => admin.renameDepartment(user, params.departmentId, body.name)) };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/admin/departments/{departmentId}', operationId: 'adminDeleteDepartment', tags: ['admin'],
      summary: 'Delete a department no mailbox belongs to (409 listing its mailboxes otherwise).',
      params: z.object({ departmentId: slugId }),
      response: { status: 204, schema: null, description: 'Deleted.' },
      errors: [403, 404, 409],
      handle: async ({ claims, params }) => {
        const user = await orgAdmin(claims);
        await mapped(() => admin.deleteDepartment(user, params.departmentId));
        return { status: 204 };
      },
    }),

    // ---- users ---------------------------------------------------------------------------
    defineRoute({
      method: 'GET', path: '/api/admin/users', operationId: 'adminListUsers', tags: ['admin'],
      summary: "The organisation's users with their roles (organisation admins).",
      response: { status: 200, schema: z.object({ items: z.array(userSchema) }), description: 'Users, by email.' },
      errors: [403],
      handle: async ({ claims }) => {
        const user = await orgAdmin(claims);
        return { status: 200, body: { items: (await admin.listUsers(user.orgId)).map(publicUser) } };
      },
    }),
    defineRoute({
      method: 'POST', path: '/api/admin/users', operationId: 'adminAddUser', tags: ['admin'],
      summary: 'Add a user to the organisation (they sign in with this email); an organisation admin administers every shared mailbox.',
      body: z.strictObject({
        email: userEmail, name: z.string().trim().min(1).max(100),
        orgAdmin: z.boolean().default(false), locale: z.string().min(2).max(10).default('fr'),
      }),
      response: { status: 201, schema: userSchema, description: 'The user.' },
      errors: [400, 403, 409],
      handle: async ({ claims, body }) => {
        const user = await orgAdmin(claims);
        return { status: 201, body: publicUser(await mapped(() => admin.addUser(user, body))) };
      },
    }),
    defineRoute({
      method: 'PUT', path: '/api/admin/users/{email}/primary-mailbox', operationId: 'adminSetPrimaryMailbox', tags: ['admin'],
      summary: "Set a user's primary (default) mailbox: one they are a member of, or null.",
      params: z.object({ email: userEmail }),
      body: z.strictObject({ primaryMailboxId: id.nullable() }),
      response: { status: 200, schema: userSchema, description: 'The user.' },
      errors: [400, 403],
      handle: async ({ claims, params, body }) => {
        const user = await orgAdmin(claims);
        return { status: 200, body: publicUser(await mapped(() => admin.setPrimaryMailbox(user, params.email, body.primaryMailboxId))) };
      },
    }),
  ];
}

