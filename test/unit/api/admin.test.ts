/**
 * Administration routes on dynalite with the demo organisation: mailboxes and their addresses,
 * departments, users, members and roles, label rules, settings, the member picker and the
 * caller's preferences. Validation problems name the field; races answer 409 with the current state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../shared/model/keys.js';
import { ALEX, CAMILLE, JULIEN, SARAH, request, startAdminHarness, type AdminHarness } from '../org/api-harness.js';

let h: AdminHarness;

beforeAll(async () => {
  h = await startAdminHarness();
});

afterAll(async () => {
  await h.stop();
});

function published(detailType: string) {
  return h.events.published.filter((e) => e.detailType === detailType).map((e) => e.detail.data as Record<string, unknown>);
}

describe('mailboxes', () => {
  it('creates a shared mailbox whose address routes to it, with the org admins as its admins', async () => {
    // Act
    const created = await request(h, 'POST', '/api/admin/mailboxes', {
      email: CAMILLE,
      body: { mailboxId: 'compta', name: 'Comptabilité', kind: 'shared', addresses: ['Compta@acme.test'], settings: { responseDeadlineMinutes: 240 } },
    });
    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ mailboxId: 'compta', addresses: ['compta@acme.test'], settings: { responseDeadlineMinutes: 240 }, version: 1 });
    const route = await h.db.table.get(keys.address('compta@acme.test'));
    expect(route).toMatchObject({ mailboxId: 'compta', orgId: 'demo', labelRules: [] });
    const camille = await h.db.table.get(keys.user(CAMILLE));
    expect((camille!.roles as Record<string, string>).compta).toBe('admin');
    expect(published('Mailbox Created')).toEqual([expect.objectContaining({ mailboxId: 'compta', actor: CAMILLE, addresses: ['compta@acme.test'] })]);
    const list = await request(h, 'GET', '/api/admin/mailboxes', { email: CAMILLE });
    expect(list.body.items.map((m: { mailboxId: string }) => m.mailboxId)).toEqual(expect.arrayContaining(['alex', 'compta', 'support', 'ventes']));
  });

  it('refuses an address another mailbox has with 409 naming it, and leaves nothing behind', async () => {
    const result = await request(h, 'POST', '/api/admin/mailboxes', {
      email: CAMILLE, body: { mailboxId: 'doublon', name: 'Doublon', kind: 'shared', addresses: ['doublon@acme.test', 'support@acme.test'] },
    });
    expect(result.status).toBe(409);
    expect(result.body.current).toMatchObject({ address: 'support@acme.test', mailboxId: 'support', field: 'body.addresses[1]' });
    expect(await h.db.table.get(keys.mailbox('doublon'))).toBeUndefined();
    expect(await h.db.table.get(keys.address('doublon@acme.test'))).toMatchObject({ mailboxId: null });
    expect(await h.db.table.get(keys.address('support@acme.test'))).toMatchObject({ mailboxId: 'support' });
  });

  it('lets one of two mailboxes racing for the same address have it', async () => {
    const [a, b] = await Promise.all(['race-a', 'race-b'].map((mailboxId) => request(h, 'POST', '/api/admin/mailboxes', {
      email: CAMILLE, body: { mailboxId, name: mailboxId, kind: 'shared', addresses: ['contested@acme.test'] },
    })));
    expect([a!.status, b!.status].sort()).toEqual([201, 409]);
    const winner = a!.status === 201 ? 'race-a' : 'race-b';
    expect(await h.db.table.get(keys.address('contested@acme.test'))).toMatchObject({ mailboxId: winner });
  });

  it('answers 400 naming the field for a foreign domain, a missing owner or a duplicate id', async () => {
    const foreign = await request(h, 'POST', '/api/admin/mailboxes', { email: CAMILLE, body: { mailboxId: 'x1', name: 'X', kind: 'shared', addresses: ['x@elsewhere.test'] } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors).toEqual([expect.objectContaining({ field: 'body.addresses[0]' })]);
    const ownerless = await request(h, 'POST', '/api/admin/mailboxes', { email: CAMILLE, body: { mailboxId: 'x2', name: 'X', kind: 'personal', addresses: ['x2@acme.test'] } });
    expect(ownerless.body.errors).toEqual([expect.objectContaining({ field: 'body.owner' })]);
    const badId = await request(h, 'POST', '/api/admin/mailboxes', { email: CAMILLE, body: { mailboxId: 'Bad Id', name: 'X', kind: 'shared', addresses: ['x3@acme.test'] } });
    expect(badId.body.errors).toEqual([expect.objectContaining({ field: 'body.mailboxId' })]);
    const badSetting = await request(h, 'PATCH', '/api/admin/mailboxes/support', { email: CAMILLE, body: { settings: { responseDeadlineMinutes: 0 } } });
    expect(badSetting.status).toBe(400);
    expect(badSetting.body.errors[0].field).toBe('body.settings.responseDeadlineMinutes');
    const taken = await request(h, 'POST', '/api/admin/mailboxes', { email: CAMILLE, body: { mailboxId: 'support', name: 'X', kind: 'shared', addresses: ['x4@acme.test'] } });
    expect(taken.status).toBe(409);
  });

  it('creates a personal mailbox that only its owner belongs to', async () => {
    const created = await request(h, 'POST', '/api/admin/mailboxes', {
      email: CAMILLE, body: { mailboxId: 'julien', name: 'Julien', kind: 'personal', addresses: ['julien@acme.test'], owner: JULIEN },
    });
    expect(created.status).toBe(201);
    const members = await request(h, 'GET', '/api/mailboxes/julien/members', { email: JULIEN });
    expect(members.body.items).toEqual([{ email: JULIEN, name: 'Julien Bernard', role: 'admin' }]);
    expect((await request(h, 'GET', '/api/mailboxes/julien/members', { email: CAMILLE })).status).toBe(404);
    const add = await request(h, 'POST', '/api/admin/mailboxes/julien/members', { email: CAMILLE, body: { email: SARAH, role: 'agent' } });
    expect(add.status).toBe(403);
  });

  it('moves an address between mailboxes: released by one, then claimed by the other', async () => {
    const before = await request(h, 'GET', '/api/admin/mailboxes/support', { email: CAMILLE });
    const released = await request(h, 'PATCH', '/api/admin/mailboxes/support', {
      email: CAMILLE, body: { addresses: ['support@acme.test'], expectedVersion: before.body.version },
    });
    expect(released.status).toBe(200);
    expect(released.body.changes).toEqual(['addresses']);
    expect(await h.db.table.get(keys.address('factures@acme.test'))).toMatchObject({ mailboxId: null, labelRules: [{ mailboxId: 'support', label: 'facturation' }] });
    const claimed = await request(h, 'PATCH', '/api/admin/mailboxes/ventes', { email: CAMILLE, body: { addresses: ['ventes@acme.test', 'factures@acme.test'] } });
    expect(claimed.status).toBe(200);
    expect(await h.db.table.get(keys.address('factures@acme.test'))).toMatchObject({ mailboxId: 'ventes' });
    const back = await request(h, 'PATCH', '/api/admin/mailboxes/support', { email: CAMILLE, body: { addresses: ['support@acme.test', 'factures@acme.test'] } });
    expect(back.status).toBe(409);
    expect(back.body.current).toMatchObject({ address: 'factures@acme.test', mailboxId: 'ventes' });
  });

  it('answers 409 with the current mailbox to an edit decided on an old version', async () => {
    const stale = await request(h, 'PATCH', '/api/admin/mailboxes/support', { email: CAMILLE, body: { name: 'Support client', expectedVersion: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.current.version).toBeGreaterThan(1);
    const viaIfMatch = await request(h, 'PATCH', '/api/admin/mailboxes/support', { email: CAMILLE, body: { name: 'Support client' }, headers: { 'if-match': '"1"' } });
    expect(viaIfMatch.status).toBe(409);
  });

  it('stores settings in the shape the workflow reads, merging fields', async () => {
    await request(h, 'PATCH', '/api/admin/mailboxes/ventes', { email: CAMILLE, body: { settings: { assignmentMarksRead: true, responseDeadlineMinutes: 60 } } });
    const result = await request(h, 'PATCH', '/api/admin/mailboxes/ventes', { email: CAMILLE, body: { settings: { autoReassignAfterMinutes: null } } });
    expect(result.body.mailbox.settings).toEqual({ assignmentMarksRead: true, responseDeadlineMinutes: 60, autoReassignAfterMinutes: null });
    const item = await h.db.table.get(keys.mailbox('ventes'));
    expect(item!.settings).toEqual({ assignmentMarksRead: true, responseDeadlineMinutes: 60, autoReassignAfterMinutes: null });
    expect(item!.outbox === undefined || typeof item!.outbox === 'object').toBe(true);
  });

  it('writes label rules onto the routing items, keeping other mailboxes\' rules', async () => {
    const result = await request(h, 'PATCH', '/api/admin/mailboxes/ventes', {
      email: CAMILLE,
      body: { labelRules: [{ address: 'ventes@acme.test', label: 'devis' }, { address: 'factures@acme.test', label: 'facture-vente' }], labels: [{ name: 'devis', color: '#123456' }] },
    });
    expect(result.status).toBe(200);
    expect(result.body.changes).toEqual(['labels', 'labelRules']);
    expect(await h.db.table.get(keys.address('factures@acme.test'))).toMatchObject({
      labelRules: [{ mailboxId: 'support', label: 'facturation' }, { mailboxId: 'ventes', label: 'facture-vente' }],
    });
    const cleared = await request(h, 'PATCH', '/api/admin/mailboxes/ventes', { email: CAMILLE, body: { labelRules: [] } });
    expect(cleared.status).toBe(200);
    expect(await h.db.table.get(keys.address('factures@acme.test'))).toMatchObject({ labelRules: [{ mailboxId: 'support', label: 'facturation' }] });
    const duplicate = await request(h, 'PATCH', '/api/admin/mailboxes/ventes', { email: CAMILLE, body: { labels: [{ name: 'a' }, { name: 'A' }] } });
    expect(duplicate.body.errors[0].field).toBe('body.labels[1].name');
  });

  it('lets a mailbox admin edit its name but not its addresses; other members get 403, strangers 404', async () => {
    await request(h, 'POST', '/api/admin/mailboxes/ventes/members', { email: CAMILLE, body: { email: JULIEN, role: 'admin' } });
    expect((await request(h, 'PATCH', '/api/admin/mailboxes/ventes', { email: JULIEN, body: { name: 'Ventes France' } })).status).toBe(200);
    expect((await request(h, 'PATCH', '/api/admin/mailboxes/ventes', { email: JULIEN, body: { addresses: ['ventes@acme.test'] } })).status).toBe(403);
    expect((await request(h, 'PATCH', '/api/admin/mailboxes/ventes', { email: SARAH, body: { name: 'X' } })).status).toBe(403);
    expect((await request(h, 'GET', '/api/admin/mailboxes/support', { email: SARAH })).status).toBe(404);
    expect((await request(h, 'GET', '/api/admin/mailboxes', { email: JULIEN })).status).toBe(403);
  });
});

describe('members and roles', () => {
  it('adds a member (409 the second time), lists them for pickers, removes them', async () => {
    const added = await request(h, 'POST', '/api/admin/mailboxes/support/members', { email: CAMILLE, body: { email: SARAH, role: 'agent' } });
    expect(added.status).toBe(201);
    expect((await h.db.table.get(keys.user(SARAH)))!.roles).toMatchObject({ support: 'agent' });
    const again = await request(h, 'POST', '/api/admin/mailboxes/support/members', { email: CAMILLE, body: { email: SARAH, role: 'dispatcher' } });
    expect(again.status).toBe(409);
    expect(again.body.current).toEqual({ email: SARAH, role: 'agent' });
    const picker = await request(h, 'GET', '/api/mailboxes/support/members', { email: JULIEN });
    expect(picker.status).toBe(200);
    expect(picker.body.items).toEqual(expect.arrayContaining([{ email: SARAH, name: 'Sarah Lefèvre', role: 'agent' }, { email: ALEX, name: 'Alex Smith', role: 'dispatcher' }]));
    const removed = await request(h, 'DELETE', `/api/admin/mailboxes/support/members/${encodeURIComponent(SARAH)}`, { email: CAMILLE });
    expect(removed.status).toBe(204);
    expect((await h.db.table.get(keys.user(SARAH)))!.roles).not.toHaveProperty('support');
    expect(await h.db.table.get(keys.membership(SARAH, 'support'))).toBeUndefined();
    expect(published('Member Removed')).toEqual(expect.arrayContaining([expect.objectContaining({ mailboxId: 'support', email: SARAH, previousRole: 'agent', role: null })]));
  });

  it('resolves two concurrent role changes: one wins, the other gets 409 with the role in force', async () => {
    const [a, b] = await Promise.all([
      request(h, 'PATCH', `/api/admin/mailboxes/support/members/${JULIEN}`, { email: CAMILLE, body: { role: 'dispatcher', expectedRole: 'agent' } }),
      request(h, 'PATCH', `/api/admin/mailboxes/support/members/${JULIEN}`, { email: CAMILLE, body: { role: 'admin', expectedRole: 'agent' } }),
    ]);
    expect([a!.status, b!.status].sort()).toEqual([200, 409]);
    const [winner, loser] = a!.status === 200 ? [a!, b!] : [b!, a!];
    expect(loser.body.current).toEqual({ email: JULIEN, role: winner.body.role });
    expect((await h.db.table.get(keys.user(JULIEN)))!.roles).toMatchObject({ support: winner.body.role });
    expect((await h.db.table.get(keys.membership(JULIEN, 'support')))!.role).toBe(winner.body.role);
    expect(published('Member Role Changed')).toEqual(expect.arrayContaining([expect.objectContaining({ email: JULIEN, previousRole: 'agent', role: winner.body.role })]));
  });

  it('keeps at least one admin and refuses a role change from a dispatcher', async () => {
    const last = await request(h, 'PATCH', '/api/admin/mailboxes/compta/members/camille@acme.test', { email: CAMILLE, body: { role: 'agent' } });
    expect(last.status).toBe(409);
    expect((await request(h, 'POST', '/api/admin/mailboxes/support/members', { email: ALEX, body: { email: SARAH, role: 'agent' } })).status).toBe(403);
    const unknown = await request(h, 'POST', '/api/admin/mailboxes/support/members', { email: CAMILLE, body: { email: 'nobody@acme.test', role: 'agent' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('body.email');
    const badRole = await request(h, 'POST', '/api/admin/mailboxes/support/members', { email: CAMILLE, body: { email: SARAH, role: 'owner' } });
    expect(badRole.body.errors[0].field).toBe('body.role');
  });
});

describe('users', () => {
  it('adds a user (409 the second time) and sets their primary mailbox among theirs only', async () => {
    const added = await request(h, 'POST', '/api/admin/users', { email: CAMILLE, body: { email: 'Nina@acme.test', name: 'Nina Petit' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ email: 'nina@acme.test', orgAdmin: false, roles: {} });
    expect((await request(h, 'POST', '/api/admin/users', { email: CAMILLE, body: { email: 'nina@acme.test', name: 'Nina' } })).status).toBe(409);
    const notMember = await request(h, 'PUT', '/api/admin/users/nina@acme.test/primary-mailbox', { email: CAMILLE, body: { primaryMailboxId: 'support' } });
    expect(notMember.status).toBe(400);
    expect(notMember.body.errors[0].field).toBe('body.primaryMailboxId');
    await request(h, 'POST', '/api/admin/mailboxes/support/members', { email: CAMILLE, body: { email: 'nina@acme.test', role: 'agent' } });
    const primary = await request(h, 'PUT', '/api/admin/users/nina@acme.test/primary-mailbox', { email: CAMILLE, body: { primaryMailboxId: 'support' } });
    expect(primary.status).toBe(200);
    const me = await request(h, 'GET', '/api/me', { email: 'nina@acme.test' });
    expect(me.body).toMatchObject({ primaryMailboxId: 'support', mailboxes: [expect.objectContaining({ mailboxId: 'support', role: 'agent', primary: true })] });
    const users = await request(h, 'GET', '/api/admin/users', { email: CAMILLE });
    expect(users.body.items.map((u: { email: string }) => u.email)).toEqual(expect.arrayContaining([CAMILLE, 'nina@acme.test']));
  });

  it('makes a new organisation admin an admin of every shared mailbox, not of personal ones', async () => {
    const added = await request(h, 'POST', '/api/admin/users', { email: CAMILLE, body: { email: 'dora@acme.test', name: 'Dora', orgAdmin: true } });
    expect(added.body.roles).toMatchObject({ support: 'admin', ventes: 'admin' });
    expect(added.body.roles).not.toHaveProperty('alex');
  });
});

describe('departments', () => {
  it('creates, renames (mailboxes follow) and deletes a department only once unused', async () => {
    const created = await request(h, 'POST', '/api/admin/departments', { email: CAMILLE, body: { name: 'Finance' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ departmentId: 'finance', orgId: 'demo', name: 'Finance', mailboxIds: [] });
    expect((await request(h, 'POST', '/api/admin/departments', { email: CAMILLE, body: { name: 'Finance' } })).status).toBe(409);
    const moved = await request(h, 'PATCH', '/api/admin/mailboxes/compta', { email: CAMILLE, body: { departmentId: 'finance' } });
    expect(moved.body.mailbox).toMatchObject({ departmentId: 'finance', department: 'Finance' });
    const unknown = await request(h, 'PATCH', '/api/admin/mailboxes/compta', { email: CAMILLE, body: { departmentId: 'nowhere' } });
    expect(unknown.body.errors[0].field).toBe('body.departmentId');
    const renamed = await request(h, 'PATCH', '/api/admin/departments/finance', { email: CAMILLE, body: { name: 'Finances' } });
    expect(renamed.body).toMatchObject({ name: 'Finances', mailboxIds: ['compta'] });
    expect((await h.db.table.get(keys.mailbox('compta')))!.department).toBe('Finances');
    const inUse = await request(h, 'DELETE', '/api/admin/departments/finance', { email: CAMILLE });
    expect(inUse.status).toBe(409);
    expect(inUse.body.current.mailboxIds).toEqual(['compta']);
    await request(h, 'PATCH', '/api/admin/mailboxes/compta', { email: CAMILLE, body: { departmentId: null } });
    expect((await request(h, 'DELETE', '/api/admin/departments/finance', { email: CAMILLE })).status).toBe(204);
    const list = await request(h, 'GET', '/api/admin/departments', { email: CAMILLE });
    expect(list.body.items.map((d: { departmentId: string }) => d.departmentId)).toEqual(['commercial', 'service-client']);
    expect(published('Department Changed').map((d) => d.change)).toEqual(['created', 'renamed', 'deleted']);
  });
});

describe('preferences', () => {
  it('returns the default counters, stores a choice, and answers 400 naming the field', async () => {
    const defaults = await request(h, 'GET', '/api/me/preferences', { email: JULIEN });
    expect(defaults.body.statsCounters).toContain('unassigned');
    const saved = await request(h, 'PUT', '/api/me/preferences', { email: JULIEN, body: { statsCounters: ['overdue', 'firstResponseMedian'] } });
    expect(saved.status).toBe(200);
    expect((await request(h, 'GET', '/api/me/preferences', { email: JULIEN })).body.statsCounters).toEqual(['overdue', 'firstResponseMedian']);
    expect((await request(h, 'GET', '/api/me/preferences', { email: ALEX })).body.statsCounters).toEqual(defaults.body.statsCounters);
    const bad = await request(h, 'PUT', '/api/me/preferences', { email: JULIEN, body: { statsCounters: ['overdue', 'bogus'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.statsCounters[1]');
    const twice = await request(h, 'PUT', '/api/me/preferences', { email: JULIEN, body: { statsCounters: ['overdue', 'overdue'] } });
    expect(twice.body.errors[0].field).toBe('body.statsCounters');
  });
});

describe('retries', () => {
  it('completes a mailbox creation retried with the same definition, and publishes it under one id', async () => {
    const body = { mailboxId: 'retry', name: 'Retry', kind: 'shared', addresses: ['retry@acme.test'] };
    const first = await request(h, 'POST', '/api/admin/mailboxes', { email: CAMILLE, body });
    // A crash after the mailbox item: the admin grant is lost.
    await h.db.table.update({ Key: keys.user(CAMILLE), UpdateExpression: 'REMOVE #r.#m', ExpressionAttributeNames: { '#r': 'roles', '#m': 'retry' } });
    const second = await request(h, 'POST', '/api/admin/mailboxes', { email: CAMILLE, body });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect((await h.db.table.get(keys.user(CAMILLE)))!.roles).toMatchObject({ retry: 'admin' });
    const ids = h.events.published.filter((e) => e.detailType === 'Mailbox Created' && (e.detail.data as { mailboxId: string }).mailboxId === 'retry').map((e) => e.detail.metadata.eventId);
    expect(new Set(ids).size).toBe(1);
    const different = await request(h, 'POST', '/api/admin/mailboxes', { email: CAMILLE, body: { ...body, name: 'Autre' } });
    expect(different.status).toBe(409);
  });
});

describe('OpenAPI document', () => {
  it('documents the administration, picker, preferences and stats routes', async () => {
    const doc = await request(h, 'GET', '/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining([
      '/api/admin/mailboxes', '/api/admin/mailboxes/{mailboxId}', '/api/admin/mailboxes/{mailboxId}/members/{email}',
      '/api/admin/departments/{departmentId}', '/api/admin/users', '/api/mailboxes/{mailboxId}/members',
      '/api/mailboxes/{mailboxId}/stats', '/api/me/preferences',
    ]));
    expect(Object.keys(doc.body.paths['/api/admin/mailboxes/{mailboxId}'])).toEqual(expect.arrayContaining(['get', 'patch']));
  });
});
