/**
 * The permissions matrix, through the API handler on dynalite: every role against every workflow
 * action, on a conversation that is unassigned, assigned to the caller, or assigned to someone
 * else, in a shared mailbox, another team's mailbox and someone's personal mailbox.
 *
 * Demo roles: camille admin of support and ventes (org admin, but not of personal mailboxes),
 * alex dispatcher in support and owner of the personal mailbox `alex`, julien agent in support,
 * sarah dispatcher in ventes only. A conversation the caller may not see answers 404 (the same as
 * one that does not exist, so ids cannot be probed); one they see but may not act on answers 403.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, storeConversation, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.stop();
});

type Fixture = 'unassigned' | 'julien' | 'alex' | 'personal';
type ActionName = 'open' | 'history' | 'read' | 'unread' | 'close' | 'label' | 'assign-julien' | 'assign-alex' | 'unassign'
  | 'archive' | 'unarchive' | 'note' | 'notes' | 'snooze' | 'follow-up' | 'move-ventes' | 'trash' | 'restore' | 'unqualify' | 'presence';

const actions: Record<ActionName, { method: string; path: (id: string) => string; body?: unknown }> = {
  open: { method: 'GET', path: (id) => `/api/conversations/${id}` },
  history: { method: 'GET', path: (id) => `/api/conversations/${id}/history` },
  read: { method: 'POST', path: (id) => `/api/conversations/${id}/read` },
  unread: { method: 'POST', path: (id) => `/api/conversations/${id}/unread` },
  close: { method: 'POST', path: (id) => `/api/conversations/${id}/status`, body: { status: 'closed' } },
  label: { method: 'POST', path: (id) => `/api/conversations/${id}/labels`, body: { add: ['vip'] } },
  'assign-julien': { method: 'POST', path: (id) => `/api/conversations/${id}/assign`, body: { assignee: 'julien@acme.test' } },
  'assign-alex': { method: 'POST', path: (id) => `/api/conversations/${id}/assign`, body: { assignee: 'alex@acme.test' } },
  unassign: { method: 'POST', path: (id) => `/api/conversations/${id}/assign`, body: { assignee: null } },
  archive: { method: 'POST', path: (id) => `/api/conversations/${id}/archive` },
  unarchive: { method: 'POST', path: (id) => `/api/conversations/${id}/unarchive` },
  note: { method: 'POST', path: (id) => `/api/conversations/${id}/notes`, body: { body: 'Vu avec le transporteur.' } },
  notes: { method: 'GET', path: (id) => `/api/conversations/${id}/notes` },
  snooze: { method: 'POST', path: (id) => `/api/conversations/${id}/snooze`, body: { until: '2026-11-21T08:00:00.000Z' } },
  'follow-up': { method: 'POST', path: (id) => `/api/conversations/${id}/follow-up`, body: { at: '2026-11-21T08:00:00.000Z' } },
  'move-ventes': { method: 'POST', path: (id) => `/api/conversations/${id}/move`, body: { mailboxId: 'ventes' } },
  trash: { method: 'POST', path: (id) => `/api/conversations/${id}/trash` },
  restore: { method: 'POST', path: (id) => `/api/conversations/${id}/restore` },
  unqualify: { method: 'POST', path: (id) => `/api/conversations/${id}/qualification`, body: { qualification: null } },
  presence: { method: 'POST', path: (id) => `/api/conversations/${id}/presence`, body: { activity: 'viewing' } },
};

const fixtures: Record<Fixture, { mailboxId: string; assignee: string | null }> = {
  unassigned: { mailboxId: 'support', assignee: null },
  julien: { mailboxId: 'support', assignee: 'julien@acme.test' },
  alex: { mailboxId: 'support', assignee: 'alex@acme.test' },
  personal: { mailboxId: 'alex', assignee: null },
};

/**
 * Expected status for (caller, fixture, action); an accepted note answers 201 Created. Moving to
 * Ventes: camille administers it, alex is an agent there (a member is enough to receive), and the
 * personal mailbox's owner may move out of it.
 */
function expected(caller: string, fixture: Fixture, action: ActionName): number {
  const status = access(caller, fixture, action);
  return action === 'note' && status === 200 ? 201 : status;
}

function access(caller: string, fixture: Fixture, action: ActionName): number {
  const { assignee } = fixtures[fixture];
  if (fixture === 'personal') {
    if (caller !== 'alex@acme.test') return 404;
    // The owner is the only member (admin): julien is not a member to assign.
    if (action === 'assign-julien') return 422;
    return 200;
  }
  if (caller === 'sarah@acme.test') return 404;
  if (caller === 'julien@acme.test') {
    if (assignee !== 'julien@acme.test') return 404;
    if (action === 'assign-alex' || action === 'move-ventes') return 403;
    return 200;
  }
  // camille (admin) and alex (dispatcher) act on every support conversation.
  return 200;
}

const callers = ['camille@acme.test', 'alex@acme.test', 'julien@acme.test', 'sarah@acme.test'];
const cells = callers.flatMap((caller) => (Object.keys(fixtures) as Fixture[]).flatMap((fixture) =>
  (Object.keys(actions) as ActionName[]).map((action) => ({ caller, fixture, action, status: expected(caller, fixture, action) }))));

describe('permissions matrix', () => {
  it.each(cells)('$caller $action on a conversation ($fixture) -> $status', async ({ caller, fixture, action, status }) => {
    // Prepare
    const conversation = await storeConversation(h, fixtures[fixture]);
    const spec = actions[action];

    // Act
    const reply = await call(h, spec.method, spec.path(conversation.conversationId), { email: caller, ...(spec.body ? { body: spec.body } : {}) });

    // Assess
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    if (status === 404) expect(reply.body).toMatchObject({ status: 404, title: 'Not found' });
    if (status === 403) expect(reply.body.detail).toMatch(/Agents can only unassign themselves|Only dispatchers and admins of the mailbox can move/);
    if (status === 404 || status === 403) {
      // A refusal changes nothing.
      const after = await h.db.table.get({ PK: `CONV#${conversation.conversationId}`, SK: 'CONV' }, true);
      expect(after?.version).toBe(1);
    }
  });

  it('refuses anonymous callers (401) and signed-in strangers (403) on every workflow route', async () => {
    const conversation = await storeConversation(h);
    for (const spec of Object.values(actions)) {
      const path = spec.path(conversation.conversationId);
      expect((await call(h, spec.method, path, spec.body ? { body: spec.body } : {})).status).toBe(401);
      expect((await call(h, spec.method, path, { email: 'stranger@else.test', ...(spec.body ? { body: spec.body } : {}) })).status).toBe(403);
    }
  });

  it('answers 404 for a conversation that does not exist, as for one the caller may not see', async () => {
    const reply = await call(h, 'POST', '/api/conversations/cNope/assign', { email: 'alex@acme.test', body: { assignee: 'julien@acme.test' } });
    expect(reply.status).toBe(404);
  });
});

describe('lists by role', () => {
  let ids: Record<'unassigned' | 'julien' | 'alex' | 'ventes' | 'personal', string>;

  beforeAll(async () => {
    // A mailbox of its own so earlier cells do not show up here.
    const at = (n: number) => new Date(Date.UTC(2026, 11, 1, 8, 0, n)).toISOString();
    ids = {
      unassigned: (await storeConversation(h, { at: at(1), subject: 'liste-u' })).conversationId,
      julien: (await storeConversation(h, { at: at(2), subject: 'liste-j', assignee: 'julien@acme.test' })).conversationId,
      alex: (await storeConversation(h, { at: at(3), subject: 'liste-a', assignee: 'alex@acme.test', status: 'in_progress' })).conversationId,
      ventes: (await storeConversation(h, { at: at(4), subject: 'liste-v', mailboxId: 'ventes', assignee: 'alex@acme.test' })).conversationId,
      personal: (await storeConversation(h, { at: at(5), subject: 'liste-p', mailboxId: 'alex' })).conversationId,
    };
  });

  async function list(email: string, mailboxId: string, query: Record<string, string> = {}) {
    const reply = await call(h, 'GET', `/api/mailboxes/${mailboxId}/conversations`, { email, query: { limit: '100', ...query } });
    return { status: reply.status, subjects: reply.status === 200 ? (reply.body.items as { subject: string }[]).map((c) => c.subject).filter((s) => s.startsWith('liste-')) : [] };
  }

  it('shows a dispatcher and an admin every conversation of the mailbox', async () => {
    expect((await list('alex@acme.test', 'support')).subjects).toEqual(['liste-a', 'liste-j', 'liste-u']);
    expect((await list('camille@acme.test', 'support')).subjects).toEqual(['liste-a', 'liste-j', 'liste-u']);
  });

  it('shows an agent only their conversations, whatever they ask for', async () => {
    expect((await list('julien@acme.test', 'support')).subjects).toEqual(['liste-j']);
    expect((await list('julien@acme.test', 'support', { assignee: 'me' })).subjects).toEqual(['liste-j']);
    expect((await list('julien@acme.test', 'support', { status: 'assigned' })).subjects).toEqual(['liste-j']);
    expect((await list('julien@acme.test', 'support', { assignee: 'alex@acme.test' })).status).toBe(403);
    expect((await list('julien@acme.test', 'support', { assignee: 'unassigned' })).status).toBe(403);
    // Alex is an agent in ventes: only what is assigned to him there.
    expect((await list('alex@acme.test', 'ventes')).subjects).toEqual(['liste-v']);
  });

  it('filters by assignee for dispatchers: me, a member, unassigned, combined with a status', async () => {
    expect((await list('alex@acme.test', 'support', { assignee: 'me' })).subjects).toEqual(['liste-a']);
    expect((await list('alex@acme.test', 'support', { assignee: 'julien@acme.test' })).subjects).toEqual(['liste-j']);
    expect((await list('alex@acme.test', 'support', { assignee: 'unassigned' })).subjects).toEqual(['liste-u']);
    expect((await list('alex@acme.test', 'support', { assignee: 'me', status: 'in_progress' })).subjects).toEqual(['liste-a']);
    expect((await list('alex@acme.test', 'support', { assignee: 'julien@acme.test', status: 'in_progress' })).subjects).toEqual([]);
    expect((await list('alex@acme.test', 'support', { assignee: 'unassigned', status: 'todo' })).subjects).toEqual([]);
  });

  it('keeps personal mailboxes to their owner, even from organisation admins', async () => {
    expect((await list('alex@acme.test', 'alex')).subjects).toEqual(['liste-p']);
    expect((await list('camille@acme.test', 'alex')).status).toBe(404);
    expect((await list('julien@acme.test', 'alex')).status).toBe(404);
    expect((await list('julien@acme.test', 'ventes')).status).toBe(404);
  });

  it("serves an agent's list with one Query (plus the caller's user item)", async () => {
    h.db.meter.reset();
    await list('julien@acme.test', 'support');
    expect(h.db.meter.requests).toBe(2);
  });

  it('hides messages of conversations an agent may not see', async () => {
    // Prepare: a stored message placed in the unassigned conversation.
    const conversation = await storeConversation(h);
    await h.db.table.put({
      PK: 'MSG#mk-hidden', SK: 'MSG', type: 'message', messageKey: 'mk-hidden', messageId: 'hidden@client.test', orgId: 'demo',
      direction: 'inbound', rawKey: 'inbound/hidden', rawSize: 10, receivedAt: conversation.createdAt, date: null, subject: 'x',
      from: null, replyTo: [], to: [], cc: [], envelopeRecipients: [], inReplyTo: [], references: [], snippet: '', attachments: [],
      forwarded: [], flags: [], autoReplyReason: null, deliveryReport: null, readReport: null, bodyKey: null,
      placements: [{ mailboxId: 'support', conversationId: conversation.conversationId, threading: { kind: 'new' } }],
    });

    // Act and assess
    expect((await call(h, 'GET', '/api/messages/mk-hidden/raw', { email: 'julien@acme.test' })).status).toBe(404);
    expect((await call(h, 'GET', '/api/messages/mk-hidden/raw', { email: 'alex@acme.test' })).status).toBe(302);
    await call(h, 'POST', `/api/conversations/${conversation.conversationId}/assign`, { email: 'alex@acme.test', body: { assignee: 'julien@acme.test' } });
    expect((await call(h, 'GET', '/api/messages/mk-hidden/raw', { email: 'julien@acme.test' })).status).toBe(302);
  });
});
