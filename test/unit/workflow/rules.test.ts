/**
 * The workflow rules as pure functions: transitions, the facts they record, and refusals by role.
 */
import { describe, expect, it } from 'vitest';
import { canSee, decide, normalizeLabel, type Action, type Actor, type WorkflowState } from '../../../shared/workflow/rules.js';
import { planList } from '../../../shared/workflow/list-plan.js';
import { mergeHistoryPage, receivedItems } from '../../../shared/workflow/history.js';
import { changeSort, viewSort } from '../../../shared/workflow/conversation-repository.js';

const dispatcher: Actor = { email: 'alex@acme.test', role: 'dispatcher' };
const admin: Actor = { email: 'camille@acme.test', role: 'admin' };
const julien: Actor = { email: 'julien@acme.test', role: 'agent' };
const other: Actor = { email: 'zoe@acme.test', role: 'agent' };

function state(overrides: Partial<WorkflowState> = {}): WorkflowState {
  return { status: 'unassigned', assignee: null, labels: [], isNew: true, ...overrides };
}

describe('visibility', () => {
  it('lets dispatchers and admins see every conversation, agents only theirs', () => {
    expect(canSee(state(), dispatcher)).toBe(true);
    expect(canSee(state(), admin)).toBe(true);
    expect(canSee(state(), julien)).toBe(false);
    expect(canSee(state({ assignee: 'julien@acme.test', status: 'assigned' }), julien)).toBe(true);
    expect(canSee(state({ assignee: 'julien@acme.test', status: 'closed' }), julien)).toBe(true);
    expect(canSee(state({ assignee: 'julien@acme.test', status: 'assigned' }), other)).toBe(false);
  });
});

describe('assign', () => {
  it('assigns an unassigned conversation: assigned, not new, two facts', () => {
    // Act
    const decision = decide(state(), { kind: 'assign', assignee: 'julien@acme.test', message: 'Pour toi' }, dispatcher, { assigneeRole: 'agent' });

    // Assess
    expect(decision).toEqual({
      kind: 'change',
      next: { status: 'assigned', assignee: 'julien@acme.test', labels: [], isNew: false },
      facts: [
        { kind: 'assigned', assignee: 'julien@acme.test', previousAssignee: null, message: 'Pour toi' },
        { kind: 'status_changed', from: 'unassigned', to: 'assigned' },
      ],
    });
  });

  it('reassigns work in progress: back to assigned for the new person', () => {
    const decision = decide(state({ status: 'in_progress', assignee: 'julien@acme.test' }), { kind: 'assign', assignee: 'alex@acme.test', message: null }, admin, { assigneeRole: 'dispatcher' });
    expect(decision).toMatchObject({ kind: 'change', next: { status: 'assigned', assignee: 'alex@acme.test' } });
    expect(decision.kind === 'change' && decision.facts.map((f) => f.kind)).toEqual(['assigned', 'status_changed']);
  });

  it('unassigns back to unassigned, and keeps a closed conversation closed', () => {
    expect(decide(state({ status: 'todo', assignee: 'julien@acme.test' }), { kind: 'assign', assignee: null, message: 'Trop chargé' }, dispatcher))
      .toMatchObject({ kind: 'change', next: { status: 'unassigned', assignee: null }, facts: [{ kind: 'unassigned', previousAssignee: 'julien@acme.test', message: 'Trop chargé' }, { kind: 'status_changed', from: 'todo', to: 'unassigned' }] });
    expect(decide(state({ status: 'closed', assignee: 'julien@acme.test' }), { kind: 'assign', assignee: null, message: null }, dispatcher))
      .toMatchObject({ kind: 'change', next: { status: 'closed', assignee: null }, facts: [{ kind: 'unassigned' }] });
  });

  it('changes nothing when the person is already assigned', () => {
    expect(decide(state({ status: 'assigned', assignee: 'julien@acme.test' }), { kind: 'assign', assignee: 'julien@acme.test', message: null }, dispatcher, { assigneeRole: 'agent' }))
      .toEqual({ kind: 'unchanged' });
  });

  it('refuses someone who is not a member of the mailbox', () => {
    expect(decide(state(), { kind: 'assign', assignee: 'stranger@else.test', message: null }, dispatcher, { assigneeRole: null }))
      .toMatchObject({ kind: 'refused', refusal: { code: 'invalid', field: 'body.assignee' } });
  });

  it('lets an agent release their own conversation but not dispatch it', () => {
    const mine = state({ status: 'in_progress', assignee: 'julien@acme.test' });
    expect(decide(mine, { kind: 'assign', assignee: null, message: null }, julien)).toMatchObject({ kind: 'change', next: { status: 'unassigned' } });
    expect(decide(mine, { kind: 'assign', assignee: 'zoe@acme.test', message: null }, julien, { assigneeRole: 'agent' }))
      .toMatchObject({ kind: 'refused', refusal: { code: 'forbidden' } });
  });

  it("hides someone else's conversation from an agent, whatever the action", () => {
    const theirs = state({ status: 'assigned', assignee: 'zoe@acme.test' });
    const attempts: Action[] = [
      { kind: 'assign', assignee: null, message: null },
      { kind: 'status', status: 'closed' },
      { kind: 'labels', add: ['x'], remove: [] },
    ];
    for (const action of attempts) {
      expect(decide(theirs, action, julien, { assigneeRole: 'agent' })).toEqual({ kind: 'refused', refusal: { code: 'not-visible' } });
    }
    expect(decide(state(), { kind: 'assign', assignee: 'julien@acme.test', message: null }, julien, { assigneeRole: 'agent' }))
      .toEqual({ kind: 'refused', refusal: { code: 'not-visible' } });
  });

  it('refuses when the assignee the caller saw has changed', () => {
    expect(decide(state({ status: 'assigned', assignee: 'zoe@acme.test' }), { kind: 'assign', assignee: 'julien@acme.test', message: null, expectedAssignee: null }, dispatcher, { assigneeRole: 'agent' }))
      .toMatchObject({ kind: 'refused', refusal: { code: 'stale' } });
    expect(decide(state({ status: 'assigned', assignee: 'zoe@acme.test' }), { kind: 'assign', assignee: 'julien@acme.test', message: null, expectedAssignee: 'zoe@acme.test' }, dispatcher, { assigneeRole: 'agent' }))
      .toMatchObject({ kind: 'change' });
  });
});

describe('status', () => {
  const assigned = state({ status: 'assigned', assignee: 'julien@acme.test', isNew: false });

  it.each([
    ['assigned', 'in_progress'], ['in_progress', 'todo'], ['todo', 'closed'], ['closed', 'assigned'], ['in_progress', 'closed'],
  ] as const)('moves an assigned conversation from %s to %s, keeping the assignee', (from, to) => {
    const decision = decide({ ...assigned, status: from }, { kind: 'status', status: to }, julien);
    expect(decision).toEqual({ kind: 'change', next: { ...assigned, status: to }, facts: [{ kind: 'status_changed', from, to }] });
  });

  it('needs an assignee for assigned, in progress and to do', () => {
    for (const to of ['assigned', 'in_progress', 'todo'] as const) {
      expect(decide(state(), { kind: 'status', status: to }, dispatcher)).toMatchObject({ kind: 'refused', refusal: { code: 'invalid', field: 'body.status' } });
    }
  });

  it('closes and reopens an unassigned conversation', () => {
    expect(decide(state(), { kind: 'status', status: 'closed' }, dispatcher)).toMatchObject({ kind: 'change', next: { status: 'closed', isNew: false } });
    expect(decide(state({ status: 'closed' }), { kind: 'status', status: 'unassigned' }, dispatcher)).toMatchObject({ kind: 'change', next: { status: 'unassigned' } });
  });

  it('refuses "unassigned" while someone is assigned, and does nothing for the same status', () => {
    expect(decide(assigned, { kind: 'status', status: 'unassigned' }, dispatcher)).toMatchObject({ kind: 'refused', refusal: { code: 'invalid' } });
    expect(decide(assigned, { kind: 'status', status: 'assigned' }, dispatcher)).toEqual({ kind: 'unchanged' });
  });
});

describe('labels', () => {
  it('adds and removes, recording only what changed, sorted', () => {
    const decision = decide(state({ labels: ['facturation', 'vip'] }), { kind: 'labels', add: [' urgent ', 'vip', 'b  relance'], remove: ['facturation', 'absent'] }, dispatcher);
    expect(decision).toEqual({
      kind: 'change',
      next: { status: 'unassigned', assignee: null, labels: ['b relance', 'urgent', 'vip'], isNew: true },
      facts: [{ kind: 'labelled', labels: ['b relance', 'urgent'] }, { kind: 'unlabelled', labels: ['facturation'] }],
    });
  });

  it('does nothing when every label is already in place, and refuses add-and-remove of one label', () => {
    expect(decide(state({ labels: ['vip'] }), { kind: 'labels', add: ['vip'], remove: ['other'] }, dispatcher)).toEqual({ kind: 'unchanged' });
    expect(decide(state(), { kind: 'labels', add: ['vip'], remove: ['vip'] }, dispatcher)).toMatchObject({ kind: 'refused', refusal: { code: 'invalid' } });
  });

  it('caps the number of labels', () => {
    const many = Array.from({ length: 30 }, (_, i) => `l${i}`);
    expect(decide(state({ labels: many }), { kind: 'labels', add: ['one-more'], remove: [] }, dispatcher)).toMatchObject({ kind: 'refused', refusal: { code: 'invalid' } });
  });

  it('normalises whitespace and Unicode composition', () => {
    expect(normalizeLabel('  e\u0301te\u0301   2026 ')).toBe('été 2026');
  });
});

describe('list plans', () => {
  it('serves the whole mailbox and status lists to dispatchers from GSI1 and GSI2', () => {
    expect(planList('support', dispatcher, {})).toEqual({ kind: 'query', plan: { index: 'GSI1', partition: 'MBX#support' } });
    expect(planList('support', dispatcher, { status: 'todo' })).toEqual({ kind: 'query', plan: { index: 'GSI2', partition: 'MBX#support#ST#todo' } });
    expect(planList('support', dispatcher, { assignee: 'unassigned' })).toEqual({ kind: 'query', plan: { index: 'GSI2', partition: 'MBX#support#ST#unassigned' } });
  });

  it("serves a person's conversations from the sparse GSI4", () => {
    expect(planList('support', dispatcher, { assignee: { email: 'julien@acme.test' } })).toEqual({ kind: 'query', plan: { index: 'GSI4', partition: 'MBX#support#AS#julien@acme.test' } });
    expect(planList('support', dispatcher, { assignee: 'me' })).toEqual({ kind: 'query', plan: { index: 'GSI4', partition: 'MBX#support#AS#alex@acme.test' } });
  });

  it('always gives an agent their own GSI4 partition, and refuses anything wider', () => {
    const own = { kind: 'query', plan: { index: 'GSI4', partition: 'MBX#support#AS#julien@acme.test' } };
    expect(planList('support', julien, {})).toEqual(own);
    expect(planList('support', julien, { assignee: 'me' })).toEqual(own);
    expect(planList('support', julien, { assignee: { email: 'julien@acme.test' } })).toEqual(own);
    expect(planList('support', julien, { assignee: { email: 'zoe@acme.test' } })).toMatchObject({ kind: 'refused', refusal: { code: 'forbidden' } });
    expect(planList('support', julien, { assignee: 'unassigned' })).toMatchObject({ kind: 'refused', refusal: { code: 'forbidden' } });
  });

  it('combines a person and a status on the smaller partition, and skips impossible combinations', () => {
    expect(planList('support', julien, { status: 'in_progress' })).toMatchObject({ kind: 'query', plan: { index: 'GSI2', partition: 'MBX#support#ST#in_progress', filter: { values: { ':assignee': 'julien@acme.test' } } } });
    expect(planList('support', julien, { status: 'closed' })).toMatchObject({ kind: 'query', plan: { index: 'GSI4', filter: { values: { ':status': 'closed' } } } });
    expect(planList('support', julien, { status: 'unassigned' })).toEqual({ kind: 'empty' });
    expect(planList('support', dispatcher, { assignee: 'unassigned', status: 'todo' })).toEqual({ kind: 'empty' });
    expect(planList('support', dispatcher, { assignee: 'unassigned', status: 'closed' })).toMatchObject({ kind: 'query', plan: { index: 'GSI2', partition: 'MBX#support#ST#closed' } });
  });
});

describe('history pages', () => {
  const refs = ['2026-11-20T09:00:00.000Z#m1', '2026-11-20T09:30:00.000Z#m2', '2026-11-20T11:00:00.000Z#m3'];
  const stored = [
    { sort: viewSort('2026-11-20T09:05:00.000Z', 'alex@acme.test'), at: '2026-11-20T09:05:00.000Z', actor: 'alex@acme.test', version: null, facts: [{ kind: 'viewed' as const }] },
    { sort: changeSort('2026-11-20T09:10:00.000Z', 2), at: '2026-11-20T09:10:00.000Z', actor: 'alex@acme.test', version: 2, facts: [{ kind: 'status_changed' as const, from: 'unassigned' as const, to: 'closed' as const }] },
    { sort: changeSort('2026-11-20T10:00:00.000Z', 3), at: '2026-11-20T10:00:00.000Z', actor: 'alex@acme.test', version: 3, facts: [{ kind: 'labelled' as const, labels: ['x'] }] },
  ];

  /** Pages through a simulated Query of `stored`, as the repository would answer it. */
  function pageAll(limit: number): string[] {
    const kinds: string[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 20; guard += 1) {
      const rest = stored.filter((s) => after === undefined || s.sort > after);
      const page = mergeHistoryPage({ items: rest.slice(0, limit), more: rest.length > limit }, receivedItems(refs), limit, after);
      kinds.push(...page.entries.map((e) => `${e.kind}@${e.at.slice(11, 16)}`));
      if (!page.nextAfter) return kinds;
      after = page.nextAfter;
    }
    throw new Error('did not finish');
  }

  it('interleaves derived "received" entries with stored ones, in time order, on every page size', () => {
    const all = ['received@09:00', 'viewed@09:05', 'status_changed@09:10', 'received@09:30', 'labelled@10:00', 'received@11:00'];
    for (const limit of [1, 2, 3, 4, 6, 10]) expect(pageAll(limit)).toEqual(all);
  });
});
