/**
 * Combinable list filters: which partition serves them (pure planning), and what one page reads on
 * dynalite: the date range as a sort-key condition, the other filters as a FilterExpression,
 * short pages that continue with their cursor, and several mailboxes merged newest first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { conversationItem } from '../../../shared/inbound/mail-store.js';
import type { ConversationRecord, ConversationStatus } from '../../../shared/model/types.js';
import { listConversations, listMerged, planList, readListPlan, type ListFilters, type ListPosition } from '../../../shared/workflow/list-plan.js';
import type { Actor } from '../../../shared/workflow/rules.js';

const dispatcher: Actor = { email: 'alex@acme.test', role: 'dispatcher' };
const agent: Actor = { email: 'julien@acme.test', role: 'agent' };

describe('planList with the new filters', () => {
  it('keeps the most selective partition and adds label, qualification and attachment as a filter', () => {
    // Prepare / Act
    const decision = planList('support', dispatcher, { status: 'todo', label: 'urgent', qualification: 'devis', hasAttachments: true });
    // Assess
    expect(decision).toMatchObject({ kind: 'query', plan: { index: 'GSI2', partition: 'MBX#support#ST#todo' } });
    if (decision.kind !== 'query') throw new Error('expected a query');
    expect(decision.plan.filter?.expression).toBe('contains(#labels, :label) AND #qualification = :qualification AND #hasAttachments = :true');
    expect(decision.plan.filter?.values).toEqual({ ':label': 'urgent', ':qualification': 'devis', ':true': true });
  });

  it('combines with the role filter of an agent without widening it', () => {
    const decision = planList('support', agent, { status: 'in_progress', label: 'urgent' });
    expect(decision).toMatchObject({ kind: 'query', plan: { index: 'GSI2', partition: 'MBX#support#ST#in_progress' } });
    if (decision.kind !== 'query') throw new Error('expected a query');
    expect(decision.plan.filter?.expression).toBe('(#assignee = :assignee) AND contains(#labels, :label)');
    expect(decision.plan.filter?.values).toMatchObject({ ':assignee': 'julien@acme.test', ':label': 'urgent' });
  });

  it('turns a date range into a sort-key range on whichever index serves the list', () => {
    const from = '2026-11-01T00:00:00.000Z';
    const to = '2026-11-30T23:59:59.999Z';
    expect(planList('support', dispatcher, { from, to })).toEqual({
      kind: 'query', plan: { index: 'GSI1', partition: 'MBX#support', range: { low: from, high: `${to}#\uffff` } },
    });
    expect(planList('support', agent, { from })).toEqual({
      kind: 'query', plan: { index: 'GSI4', partition: 'MBX#support#AS#julien@acme.test', range: { low: from } },
    });
    expect(planList('support', dispatcher, { assignee: 'unassigned', to })).toMatchObject({
      kind: 'query', plan: { index: 'GSI2', partition: 'MBX#support#ST#unassigned', range: { high: `${to}#\uffff` } },
    });
  });

  it('answers empty without a request for a reversed range, and still refuses an agent the queue', () => {
    expect(planList('support', dispatcher, { from: '2026-11-02T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' })).toEqual({ kind: 'empty' });
    expect(planList('support', agent, { assignee: 'unassigned', label: 'urgent' })).toMatchObject({ kind: 'refused' });
  });

  it('leaves a plan without the new filters as it was', () => {
    expect(planList('support', dispatcher, { status: 'todo' })).toEqual({ kind: 'query', plan: { index: 'GSI2', partition: 'MBX#support#ST#todo' } });
    expect(planList('support', dispatcher, { trashed: true, archived: true })).toEqual({ kind: 'query', plan: { index: 'GSI1', partition: 'MBX#support#TRASHED' } });
  });
});

describe('reading filtered pages on dynalite', () => {
  let db: TestTable;
  const day = (n: number, minute = 0) => new Date(Date.UTC(2026, 9, 1 + n, 9, minute)).toISOString();
  const made: (ConversationRecord & { qualification: string | null })[] = [];

  async function put(n: number, state: { mailboxId?: string; status?: ConversationStatus; assignee?: string | null; labels?: string[]; attachments?: boolean; qualification?: string | null; minute?: number }) {
    const at = day(n, state.minute ?? 0);
    const record = {
      conversationId: `cf${String(made.length).padStart(4, '0')}`, mailboxId: state.mailboxId ?? 'support', orgId: 'demo',
      subject: `Demande ${n}`, subjectKey: `demande ${n}`, snippet: '', from: null, participants: [],
      status: state.status ?? (state.assignee ? 'assigned' : 'unassigned'), assignee: state.assignee ?? null, isNew: true,
      labels: state.labels ?? [], flags: [], messageCount: 1, hasAttachments: state.attachments ?? false,
      createdAt: at, lastActivityAt: at, lastMessageKey: 'm', messageRefs: [`${at}#m`], version: 1,
      qualification: state.qualification ?? null,
    };
    made.push(record);
    const { qualification, ...rest } = record;
    await db.table.put({ ...conversationItem(rest), ...(qualification ? { qualification } : {}) });
  }

  beforeAll(async () => {
    db = await startTestTable();
    // 30 days of support mail: every 3rd labelled urgent, every 5th with an attachment, every 7th qualified "devis".
    for (let n = 0; n < 30; n += 1) {
      await put(n, {
        assignee: n % 2 === 0 ? 'julien@acme.test' : null,
        labels: n % 3 === 0 ? ['urgent'] : [],
        attachments: n % 5 === 0,
        qualification: n % 7 === 0 ? 'devis' : null,
      });
    }
    // Another mailbox, interleaved in time (minute 30 of the same days).
    for (let n = 0; n < 10; n += 1) await put(n, { mailboxId: 'ventes', minute: 30 });
  });

  afterAll(async () => {
    await db.stop();
  });

  const ids = (items: { conversationId: string }[]) => items.map((c) => c.conversationId);
  const expected = (filter: (c: (typeof made)[number]) => boolean) =>
    made.filter((c) => c.mailboxId === 'support' && filter(c)).sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt)).map((c) => c.conversationId);

  /** Every page of a list, following its cursor. */
  async function all(actor: Actor, filters: ListFilters, limit: number) {
    const seen: string[] = [];
    let cursor: ListPosition | undefined;
    for (let pages = 0; pages < 50; pages += 1) {
      const page = await listConversations(db.table, actor, 'support', filters, limit, cursor);
      if (page.kind !== 'page') throw new Error('refused');
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...ids(page.items));
      if (page.last === null) return seen;
      cursor = page.last;
    }
    throw new Error('too many pages');
  }

  it('reads a date range as a key condition: one Query, only rows inside the range', async () => {
    // Prepare
    const from = day(10);
    const to = `${day(14).slice(0, 10)}T23:59:59.999Z`;
    const decision = planList('support', dispatcher, { from, to });
    if (decision.kind !== 'query') throw new Error('expected a query');
    db.meter.reset();
    // Act
    const page = await readListPlan(db.table, decision.plan, 25);
    // Assess
    expect(page.requests).toBe(1);
    expect(db.meter.requests).toBe(1);
    expect(page.items.map((i) => i.conversationId)).toEqual(expected((c) => c.lastActivityAt >= from && c.lastActivityAt <= to));
    expect(page.items).toHaveLength(5);
    expect(page.last).toBeNull();
  });

  it('pages through every combination exactly once, newest first, whatever the page size', async () => {
    const cases: [ListFilters, (c: (typeof made)[number]) => boolean][] = [
      [{}, () => true],
      [{ label: 'urgent' }, (c) => c.labels.includes('urgent')],
      [{ hasAttachments: true }, (c) => c.hasAttachments],
      [{ hasAttachments: false }, (c) => !c.hasAttachments],
      [{ qualification: 'devis' }, (c) => c.qualification === 'devis'],
      [{ assignee: 'unassigned', label: 'urgent' }, (c) => c.assignee === null && c.labels.includes('urgent')],
      [{ assignee: 'me', from: day(6), label: 'urgent' }, (c) => c.assignee === 'alex@acme.test'],
      [{ assignee: { email: 'julien@acme.test' }, from: day(6), to: day(20), hasAttachments: true },
        (c) => c.assignee === 'julien@acme.test' && c.lastActivityAt >= day(6) && c.lastActivityAt <= day(20) && c.hasAttachments],
    ];
    for (const [filters, filter] of cases) {
      for (const limit of [1, 4, 25]) {
        expect(await all(dispatcher, filters, limit), `${JSON.stringify(filters)} limit ${limit}`).toEqual(expected(filter));
      }
    }
  });

  it('gives an agent only their own conversations under any filter', async () => {
    expect(await all(agent, { label: 'urgent' }, 3)).toEqual(expected((c) => c.assignee === 'julien@acme.test' && c.labels.includes('urgent')));
    expect(await all(agent, { to: day(9) }, 2)).toEqual(expected((c) => c.assignee === 'julien@acme.test' && c.lastActivityAt <= day(9)));
  });

  it('answers a short page with a cursor rather than reading the whole partition for a rare match', async () => {
    // Prepare: a label nobody has, 30 rows to look through, a filtered Query evaluates at most 100 rows per request.
    db.meter.reset();
    // Act
    const page = await listConversations(db.table, dispatcher, 'support', { label: 'nobody' }, 5);
    // Assess: read to the end in one Query (30 < 100), nothing found, no cursor.
    expect(page).toEqual({ kind: 'page', items: [], last: null });
    expect(db.meter.requests).toBe(1);
  });

  it('merges several mailboxes newest first, each with the role there, one Query per mailbox per page', async () => {
    // Prepare: julien is an agent in support (sees his own) and, here, a dispatcher of ventes (sees all).
    const mailboxes = [{ mailboxId: 'support', role: 'agent' as const }, { mailboxId: 'ventes', role: 'dispatcher' as const }];
    const want = made
      .filter((c) => (c.mailboxId === 'support' && c.assignee === 'julien@acme.test') || c.mailboxId === 'ventes')
      .sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt)).map((c) => c.conversationId);
    for (const limit of [1, 3, 7, 50]) {
      const seen: string[] = [];
      let cursor: ListPosition | undefined;
      for (let pages = 0; pages < 60; pages += 1) {
        db.meter.reset();
        const page = await listMerged(db.table, 'julien@acme.test', mailboxes, {}, limit, cursor);
        expect(db.meter.requests).toBeLessThanOrEqual(2);
        seen.push(...ids(page.items));
        if (page.last === null) break;
        cursor = page.last;
      }
      // Assess
      expect(seen, `limit ${limit}`).toEqual(want);
    }
  });

  it('skips a mailbox whose filter the caller may not use in a merged list', async () => {
    const page = await listMerged(db.table, 'julien@acme.test', [{ mailboxId: 'support', role: 'agent' }, { mailboxId: 'ventes', role: 'dispatcher' }], { assignee: 'unassigned' }, 50);
    expect(page.items.every((c) => c.mailboxId === 'ventes')).toBe(true);
    expect(page.items).toHaveLength(10);
  });
});
