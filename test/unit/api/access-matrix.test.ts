/**
 * The permissions matrix: role x action x mailbox, through the API handler on dynalite.
 *
 * Roles, relative to the shared mailbox `support`: organisation admin (Camille), mailbox admin
 * (Mia, not an organisation admin), dispatcher (Alex), the agent the conversation is assigned to
 * (Julien), an agent it is not assigned to (Noé), and a non-member (Sarah). The personal mailbox
 * belongs to Zoé, someone else for every one of them (her own row shows the owner's rights).
 *
 * Expected answers: 2xx when allowed; 404 wherever the caller may not see the mailbox or the
 * conversation (non-members, agents on others' conversations, everyone but the owner on a personal
 * mailbox), so ids cannot be probed; 403 where the caller sees it but may not do this.
 * Every cell runs on a fresh conversation, so one cell's change never decides another's answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../shared/model/keys.js';
import type { ConversationRecord } from '../../../shared/model/types.js';
import { ALEX, CAMILLE, JULIEN, SARAH, request, startAdminHarness, storeConversation, type AdminHarness, type Reply } from '../org/api-harness.js';

const MIA = 'mia@acme.test';
const NOE = 'noe@acme.test';
const ZOE = 'zoe@acme.test';

type Row = 'orgAdmin' | 'mailboxAdmin' | 'dispatcher' | 'agentAssigned' | 'agentNotAssigned' | 'nonMember' | 'owner';
const CALLERS: Record<Row, string> = {
  orgAdmin: CAMILLE, mailboxAdmin: MIA, dispatcher: ALEX, agentAssigned: JULIEN, agentNotAssigned: NOE, nonMember: SARAH, owner: ZOE,
};

interface Cell { mailboxId: string; conversation: ConversationRecord; assignTo: string }
type Action = (h: AdminHarness, email: string, cell: Cell) => Promise<Reply | 'listed' | 'not listed'>;

const ACTIONS: Record<string, Action> = {
  list: async (h, email, cell) => {
    const reply = await request(h, 'GET', `/api/mailboxes/${cell.mailboxId}/conversations`, { email });
    if (reply.status !== 200) return reply;
    return reply.body.items.some((c: { conversationId: string }) => c.conversationId === cell.conversation.conversationId) ? 'listed' : 'not listed';
  },
  read: (h, email, cell) => request(h, 'GET', `/api/conversations/${cell.conversation.conversationId}`, { email }),
  assign: (h, email, cell) => request(h, 'POST', `/api/conversations/${cell.conversation.conversationId}/assign`, { email, body: { assignee: cell.assignTo } }),
  status: (h, email, cell) => request(h, 'POST', `/api/conversations/${cell.conversation.conversationId}/status`, { email, body: { status: 'in_progress' } }),
  label: (h, email, cell) => request(h, 'POST', `/api/conversations/${cell.conversation.conversationId}/labels`, { email, body: { add: ['matrix'] } }),
  archive: (h, email, cell) => request(h, 'POST', `/api/conversations/${cell.conversation.conversationId}/archive`, { email, body: {} }),
  note: (h, email, cell) => request(h, 'POST', `/api/conversations/${cell.conversation.conversationId}/notes`, { email, body: { body: 'Vu avec le client.' } }),
  history: (h, email, cell) => request(h, 'GET', `/api/conversations/${cell.conversation.conversationId}/history`, { email }),
  raw: (h, email, cell) => request(h, 'GET', `/api/messages/${cell.conversation.lastMessageKey}/raw`, { email, headers: { accept: 'application/json' } }),
  stats: (h, email, cell) => request(h, 'GET', `/api/mailboxes/${cell.mailboxId}/stats`, { email }),
  members: (h, email, cell) => request(h, 'GET', `/api/mailboxes/${cell.mailboxId}/members`, { email }),
  adminRead: (h, email, cell) => request(h, 'GET', `/api/admin/mailboxes/${cell.mailboxId}`, { email }),
  adminChange: (h, email, cell) => request(h, 'PATCH', `/api/admin/mailboxes/${cell.mailboxId}`, { email, body: { settings: { assignmentMarksRead: true } } }),
  adminMembers: (h, email, cell) => request(h, 'POST', `/api/admin/mailboxes/${cell.mailboxId}/members`, { email, body: { email: 'nobody@acme.test', role: 'agent' } }),
};

type Expected = number | 'listed' | 'not listed';
const ALL_404: Record<string, Expected> = Object.fromEntries(Object.keys(ACTIONS).map((a) => [a, 404]));
/** Someone who sees the conversation and works it; `assign`, `admin*` vary by row. */
const WORKS: Record<string, Expected> = {
  list: 'listed', read: 200, assign: 200, status: 200, label: 200, archive: 200, note: 201, history: 200, raw: 200, stats: 200, members: 200,
  adminRead: 200, adminChange: 200,
  // The member to add does not exist: an admin passes the access check and gets the validation error.
  adminMembers: 400,
};

const SHARED: Record<Exclude<Row, 'owner'>, Record<string, Expected>> = {
  orgAdmin: WORKS,
  mailboxAdmin: WORKS,
  dispatcher: { ...WORKS, adminRead: 403, adminChange: 403, adminMembers: 403 },
  agentAssigned: { ...WORKS, assign: 403, adminRead: 403, adminChange: 403, adminMembers: 403 },
  agentNotAssigned: {
    ...ALL_404, list: 'not listed', stats: 200, members: 200, adminRead: 403, adminChange: 403, adminMembers: 403,
  },
  nonMember: ALL_404,
};

const PERSONAL: Record<Row, Record<string, Expected>> = {
  // Organisation admins administer the mailbox (its settings) but never see its conversations; it has no other members.
  orgAdmin: { ...ALL_404, adminRead: 200, adminChange: 200, adminMembers: 403 },
  mailboxAdmin: ALL_404,
  dispatcher: ALL_404,
  agentAssigned: ALL_404,
  agentNotAssigned: ALL_404,
  nonMember: ALL_404,
  owner: { ...WORKS, adminMembers: 403 },
};

let h: AdminHarness;

beforeAll(async () => {
  h = await startAdminHarness();
  const setup = async (method: string, path: string, body: unknown) => {
    const reply = await request(h, method, path, { email: CAMILLE, body });
    if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
  };
  await setup('POST', '/api/admin/users', { email: MIA, name: 'Mia Admin' });
  await setup('POST', '/api/admin/users', { email: NOE, name: 'Noé Agent' });
  await setup('POST', '/api/admin/users', { email: ZOE, name: 'Zoé Perso' });
  await setup('POST', '/api/admin/mailboxes/support/members', { email: MIA, role: 'admin' });
  await setup('POST', '/api/admin/mailboxes/support/members', { email: NOE, role: 'agent' });
  await setup('POST', '/api/admin/mailboxes', { mailboxId: 'zoe', name: 'Zoé', kind: 'personal', addresses: ['zoe@acme.test'], owner: ZOE });
});

afterAll(async () => {
  await h.stop();
});

async function freshCell(mailboxId: string, assignee: string, assignTo: string): Promise<Cell> {
  const conversation = await storeConversation(h, { mailboxId, assignee, status: 'assigned' });
  await h.db.table.put({
    ...keys.message(conversation.lastMessageKey), type: 'message', messageKey: conversation.lastMessageKey, messageId: `${conversation.lastMessageKey}@client.test`,
    orgId: 'demo', direction: 'inbound', rawKey: `inbound/${conversation.lastMessageKey}`, rawSize: 10, receivedAt: conversation.createdAt, date: null,
    subject: conversation.subject, from: conversation.from, replyTo: [], to: [], cc: [], envelopeRecipients: [], inReplyTo: [], references: [],
    snippet: '', attachments: [], forwarded: [], flags: [], autoReplyReason: null, deliveryReport: null, readReport: null, bodyKey: null,
    placements: [{ mailboxId, conversationId: conversation.conversationId, threading: { kind: 'new' } }],
  });
  return { mailboxId, conversation, assignTo };
}

async function outcome(action: string, email: string, cell: Cell): Promise<Expected> {
  const result = await ACTIONS[action]!(h, email, cell);
  return typeof result === 'string' ? result : result.status;
}

describe('shared mailbox (support)', () => {
  for (const [row, expectations] of Object.entries(SHARED)) {
    it(`${row}: ${Object.entries(expectations).map(([a, e]) => `${a} ${e}`).join(', ')}`, async () => {
      const actual: Record<string, Expected> = {};
      for (const action of Object.keys(ACTIONS)) {
        actual[action] = await outcome(action, CALLERS[row as Row], await freshCell('support', JULIEN, ALEX));
      }
      expect(actual).toEqual(expectations);
    });
  }
});

describe("personal mailbox of someone else (Zoé's)", () => {
  for (const [row, expectations] of Object.entries(PERSONAL)) {
    it(`${row}: ${Object.entries(expectations).map(([a, e]) => `${a} ${e}`).join(', ')}`, async () => {
      const actual: Record<string, Expected> = {};
      for (const action of Object.keys(ACTIONS)) {
        actual[action] = await outcome(action, CALLERS[row as Row], await freshCell('zoe', ZOE, ZOE));
      }
      expect(actual).toEqual(expectations);
    });
  }
});

describe('denials change nothing', () => {
  it('leaves the conversation as it was after refused changes', async () => {
    const cell = await freshCell('support', JULIEN, ALEX);
    for (const email of [NOE, SARAH]) {
      for (const action of ['assign', 'status', 'label', 'archive', 'note']) await outcome(action, email, cell);
    }
    expect(await outcome('assign', JULIEN, cell)).toBe(403);
    const after = await h.db.table.get(keys.conversation(cell.conversation.conversationId));
    expect(after).toMatchObject({ assignee: JULIEN, status: 'assigned', version: 1 });
    expect([...((after!.labels ?? []) as Iterable<string>)]).toEqual([]);
    const notes = await request(h, 'GET', `/api/conversations/${cell.conversation.conversationId}/notes`, { email: ALEX });
    expect(notes.body.items).toEqual([]);
  });
});
