/** Pure rules of notes, archive and timers: mentions, the archive, snooze and follow-up decisions, shelf list plans. */
import { describe, expect, it } from 'vitest';
import { mentionTokens, parseMentions, resolveMentions } from '../../../shared/workflow/mentions.js';
import { planList } from '../../../shared/workflow/list-plan.js';
import { decide, type WorkflowState } from '../../../shared/workflow/rules.js';

const members = [
  { email: 'camille@acme.test', name: 'Camille Martin' },
  { email: 'julien@acme.test', name: 'Julien Bernard' },
  { email: 'celine@acme.test', name: 'Céline Roux' },
  { email: 'julien.b@acme.test', name: '' },
];

describe('mentions', () => {
  it('finds @email and @handle tokens, not plain addresses, without trailing punctuation', () => {
    expect(mentionTokens('Voir @julien. Écrire à camille@acme.test, puis @alex@acme.test!')).toEqual(['julien', 'alex@acme.test']);
  });

  it('resolves first names, full names and email local parts, ignoring case and accents', () => {
    expect(parseMentions('@CELINE et @CamilleMartin puis @julien.b', members)).toEqual(['celine@acme.test', 'camille@acme.test', 'julien.b@acme.test']);
  });

  it('leaves unknown and ambiguous handles as text', () => {
    const twins = [...members, { email: 'camille.d@acme.test', name: 'Camille Dupont' }];
    expect(parseMentions('@camille @home @nobody@else.test', twins)).toEqual([]);
    expect(parseMentions('@camille.d', twins)).toEqual(['camille.d@acme.test']);
  });

  it('mentions each member once, explicit ones first, never the author', () => {
    expect(resolveMentions('@julien @camille @julien', ['camille@acme.test'], members, 'julien@acme.test'))
      .toEqual({ ok: true, mentions: ['camille@acme.test'] });
  });

  it('refuses an explicit mention of a non-member with its position', () => {
    expect(resolveMentions('x', ['julien@acme.test', 'sarah@acme.test'], members, 'camille@acme.test'))
      .toEqual({ ok: false, index: 1, value: 'sarah@acme.test' });
  });
});

describe('archive rules', () => {
  const state: WorkflowState = { status: 'assigned', assignee: 'julien@acme.test', labels: ['vip'], isNew: false };

  it('archives and unarchives without touching status, assignee or labels', () => {
    const archived = decide(state, { kind: 'archive' }, { email: 'alex@acme.test', role: 'dispatcher' });
    expect(archived).toEqual({ kind: 'change', next: { ...state, archived: true }, facts: [{ kind: 'archived' }] });
    const back = decide({ ...state, archived: true }, { kind: 'unarchive' }, { email: 'julien@acme.test', role: 'agent' });
    expect(back).toEqual({ kind: 'change', next: { ...state, archived: false }, facts: [{ kind: 'unarchived' }] });
  });

  it('is no change when already in the asked state, and invisible to an agent on someone else\'s', () => {
    expect(decide(state, { kind: 'unarchive' }, { email: 'alex@acme.test', role: 'admin' })).toEqual({ kind: 'unchanged' });
    expect(decide(state, { kind: 'archive' }, { email: 'other@acme.test', role: 'agent' })).toEqual({ kind: 'refused', refusal: { code: 'not-visible' } });
  });

  it('plans archived lists on the #ARCHIVED partitions, one Query each', () => {
    const dispatcher = { email: 'alex@acme.test', role: 'dispatcher' as const };
    const agent = { email: 'julien@acme.test', role: 'agent' as const };
    expect(planList('support', dispatcher, { archived: true })).toEqual({ kind: 'query', plan: { index: 'GSI1', partition: 'MBX#support#ARCHIVED' } });
    expect(planList('support', dispatcher, { archived: true, status: 'todo' })).toEqual({ kind: 'query', plan: { index: 'GSI2', partition: 'MBX#support#ST#todo#ARCHIVED' } });
    expect(planList('support', agent, { archived: true })).toEqual({ kind: 'query', plan: { index: 'GSI4', partition: 'MBX#support#AS#julien@acme.test#ARCHIVED' } });
    expect(planList('support', dispatcher, { archived: false })).toEqual({ kind: 'query', plan: { index: 'GSI1', partition: 'MBX#support' } });
  });
});

describe('snooze and follow-up rules', () => {
  const now = new Date('2026-11-20T09:00:00.000Z');
  const state: WorkflowState = { status: 'assigned', assignee: 'julien@acme.test', labels: [], isNew: false };
  const julien = { email: 'julien@acme.test', role: 'agent' as const };

  it('snoozes to a future time (normalised to UTC), moves it, and wakes it', () => {
    expect(decide(state, { kind: 'snooze', until: '2026-11-20T11:00:00+01:00' }, julien, { now }))
      .toEqual({ kind: 'change', next: { ...state, snoozedUntil: '2026-11-20T10:00:00.000Z' }, facts: [{ kind: 'snoozed', until: '2026-11-20T10:00:00.000Z' }] });
    const snoozed = { ...state, snoozedUntil: '2026-11-20T10:00:00.000Z' };
    expect(decide(snoozed, { kind: 'snooze', until: '2026-11-20T10:00:00Z' }, julien, { now })).toEqual({ kind: 'unchanged' });
    expect(decide(snoozed, { kind: 'snooze', until: null }, julien, { now })).toMatchObject({ kind: 'change', facts: [{ kind: 'unsnoozed' }] });
    expect(decide(state, { kind: 'snooze', until: null }, julien, { now })).toEqual({ kind: 'unchanged' });
  });

  it('refuses a time in the past or more than a year ahead', () => {
    expect(decide(state, { kind: 'snooze', until: '2026-11-20T09:00:00Z' }, julien, { now }))
      .toEqual({ kind: 'refused', refusal: { code: 'invalid', reason: 'The time must be in the future.', field: 'body.until' } });
    expect(decide(state, { kind: 'follow_up', at: '2027-12-01T00:00:00Z' }, julien, { now }))
      .toEqual({ kind: 'refused', refusal: { code: 'invalid', reason: 'The time must be within a year.', field: 'body.at' } });
  });

  it('fires a timer only while its snooze or reminder is set', () => {
    const reminded = { ...state, followUpAt: '2026-11-21T09:00:00.000Z' };
    const system = { email: 'system', role: 'admin' as const };
    expect(decide(reminded, { kind: 'timer', timer: 'follow_up', setBy: 'julien@acme.test' }, system, { now })).toEqual({
      kind: 'change', next: { ...reminded, followUpAt: null },
      facts: [{ kind: 'timer_fired', timer: 'follow_up', dueAt: '2026-11-21T09:00:00.000Z', setBy: 'julien@acme.test' }],
    });
    expect(decide(state, { kind: 'timer', timer: 'follow_up', setBy: null }, system, { now })).toEqual({ kind: 'unchanged' });
    expect(decide(state, { kind: 'timer', timer: 'snooze', setBy: null }, system, { now })).toEqual({ kind: 'unchanged' });
  });

  it('plans snoozed lists on the #SNOOZED partitions; archived wins when both are asked', () => {
    const dispatcher = { email: 'alex@acme.test', role: 'dispatcher' as const };
    expect(planList('support', dispatcher, { snoozed: true })).toEqual({ kind: 'query', plan: { index: 'GSI1', partition: 'MBX#support#SNOOZED' } });
    expect(planList('support', dispatcher, { snoozed: true, archived: true })).toEqual({ kind: 'query', plan: { index: 'GSI1', partition: 'MBX#support#ARCHIVED' } });
  });
});
