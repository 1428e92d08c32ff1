/**
 * Pure rules of the workflow extras: move, trash, qualification, the deadline and inactivity
 * timers, closing ending the wait, the timer queue records, the reply collision wording and the
 * mailbox settings defaults.
 */
import { describe, expect, it } from 'vitest';
import { AUTO_UNASSIGNED_MESSAGE, decide, type Actor, type WorkflowState } from '../../../shared/workflow/rules.js';
import { describeCollision } from '../../../shared/workflow/collision.js';
import { workflowSettingsOf } from '../../../shared/workflow/settings.js';
import { parseTimerRecord, timerScheduleName } from '../../../shared/workflow/timers.js';
import { shelfOf } from '../../../shared/model/keys.js';

const dispatcher: Actor = { email: 'alex@acme.test', role: 'dispatcher' };
const agent: Actor = { email: 'julien@acme.test', role: 'agent' };
const system: Actor = { email: 'system', role: 'admin' };
const base: WorkflowState = { status: 'assigned', assignee: 'julien@acme.test', labels: [], isNew: false, mailboxId: 'support' };
const move = (overrides: Partial<{ targetOrgId: string | null; actorRole: 'admin' | 'dispatcher' | 'agent' | null; assigneeRole: 'admin' | 'dispatcher' | 'agent' | null }> = {}) =>
  ({ move: { targetOrgId: 'demo', actorRole: 'agent' as const, assigneeRole: null, ...overrides } });

describe('move', () => {
  it('clears an assignee who is not a member of the target, back to unassigned', () => {
    expect(decide(base, { kind: 'move', mailboxId: 'ventes' }, dispatcher, move())).toEqual({
      kind: 'change',
      next: { ...base, mailboxId: 'ventes', assignee: null, status: 'unassigned' },
      facts: [
        { kind: 'moved', from: 'support', to: 'ventes', previousAssignee: 'julien@acme.test' },
        { kind: 'unassigned', previousAssignee: 'julien@acme.test', message: 'Not a member of the mailbox ventes.' },
        { kind: 'status_changed', from: 'assigned', to: 'unassigned' },
      ],
    });
  });

  it('keeps an assignee who is a member, and a closed status', () => {
    const decision = decide({ ...base, status: 'closed' }, { kind: 'move', mailboxId: 'ventes' }, dispatcher, move({ assigneeRole: 'agent' }));
    expect(decision).toMatchObject({ kind: 'change', next: { mailboxId: 'ventes', assignee: 'julien@acme.test', status: 'closed' } });
    expect(decide({ ...base, status: 'closed' }, { kind: 'move', mailboxId: 'ventes' }, dispatcher, move())).toMatchObject({ next: { status: 'closed', assignee: null } });
  });

  it('refuses agents, unknown or foreign targets, targets the caller is not a member of, and trashed conversations', () => {
    expect(decide(base, { kind: 'move', mailboxId: 'ventes' }, agent, move())).toMatchObject({ refusal: { code: 'forbidden' } });
    expect(decide(base, { kind: 'move', mailboxId: 'ventes' }, dispatcher, move({ targetOrgId: null }))).toMatchObject({ refusal: { code: 'invalid', field: 'body.mailboxId' } });
    expect(decide(base, { kind: 'move', mailboxId: 'ventes' }, dispatcher, move({ actorRole: null }))).toMatchObject({ refusal: { code: 'invalid' } });
    expect(decide({ ...base, trashed: true }, { kind: 'move', mailboxId: 'ventes' }, dispatcher, move())).toMatchObject({ refusal: { code: 'invalid' } });
    expect(decide(base, { kind: 'move', mailboxId: 'support' }, dispatcher, move())).toEqual({ kind: 'unchanged' });
  });
});

describe('trash', () => {
  it('takes the conversation off the archive and snooze shelves, and restores it to the default lists', () => {
    const shelved = { ...base, archived: true, snoozedUntil: '2026-12-01T00:00:00.000Z' };
    const trashed = decide(shelved, { kind: 'trash' }, agent);
    expect(trashed).toEqual({ kind: 'change', next: { ...shelved, trashed: true, archived: false, snoozedUntil: null }, facts: [{ kind: 'trashed' }] });
    expect(decide({ ...base, trashed: true }, { kind: 'restore' }, agent)).toEqual({ kind: 'change', next: { ...base, trashed: false }, facts: [{ kind: 'restored' }] });
    expect(decide(base, { kind: 'restore' }, agent)).toEqual({ kind: 'unchanged' });
    expect(shelfOf({ trashed: true, archived: true })).toBe('trashed');
  });
});

describe('qualification', () => {
  it('sets an existing qualification, removes it with null, refuses an unknown one', () => {
    expect(decide(base, { kind: 'qualify', qualification: 'q1' }, agent, { qualificationExists: true }))
      .toMatchObject({ next: { qualification: 'q1' }, facts: [{ kind: 'qualified', qualification: 'q1', previousQualification: null }] });
    expect(decide(base, { kind: 'qualify', qualification: 'q1' }, agent, { qualificationExists: false }))
      .toMatchObject({ refusal: { code: 'invalid', field: 'body.qualification' } });
    expect(decide({ ...base, qualification: 'q1' }, { kind: 'qualify', qualification: null }, agent))
      .toMatchObject({ next: { qualification: null }, facts: [{ kind: 'qualified', qualification: null, previousQualification: 'q1' }] });
    expect(decide({ ...base, qualification: 'q1' }, { kind: 'qualify', qualification: 'q1' }, agent, { qualificationExists: true })).toEqual({ kind: 'unchanged' });
  });
});

describe('deadline and inactivity timers', () => {
  const due = '2026-11-20T10:00:00.000Z';

  it('marks a waiting conversation overdue once; closing ends the wait', () => {
    expect(decide({ ...base, dueAt: due }, { kind: 'timer', timer: 'deadline', setBy: null }, system))
      .toEqual({ kind: 'change', next: { ...base, dueAt: due, overdue: true }, facts: [{ kind: 'overdue', dueAt: due }] });
    expect(decide({ ...base, dueAt: due, overdue: true }, { kind: 'timer', timer: 'deadline', setBy: null }, system)).toEqual({ kind: 'unchanged' });
    expect(decide({ ...base, dueAt: due, status: 'closed' }, { kind: 'timer', timer: 'deadline', setBy: null }, system)).toEqual({ kind: 'unchanged' });
    expect(decide({ ...base, dueAt: due, overdue: true }, { kind: 'status', status: 'closed' }, agent))
      .toMatchObject({ next: { status: 'closed', dueAt: null, overdue: false } });
    expect(decide({ ...base, dueAt: due }, { kind: 'status', status: 'in_progress' }, agent)).toMatchObject({ next: { dueAt: due } });
  });

  it('unassigns after inactivity only while the same member is assigned and the conversation is open', () => {
    expect(decide(base, { kind: 'timer', timer: 'inactivity', setBy: 'julien@acme.test' }, system)).toEqual({
      kind: 'change', next: { ...base, assignee: null, status: 'unassigned' },
      facts: [{ kind: 'unassigned', previousAssignee: 'julien@acme.test', message: AUTO_UNASSIGNED_MESSAGE }, { kind: 'status_changed', from: 'assigned', to: 'unassigned' }],
    });
    expect(decide(base, { kind: 'timer', timer: 'inactivity', setBy: 'nina@acme.test' }, system)).toEqual({ kind: 'unchanged' });
    expect(decide({ ...base, status: 'closed' }, { kind: 'timer', timer: 'inactivity', setBy: 'julien@acme.test' }, system)).toEqual({ kind: 'unchanged' });
  });
});

describe('timer queue records', () => {
  it('names one schedule per conversation, kind and token', () => {
    expect(timerScheduleName({ timer: 'deadline', conversationId: 'cABC', token: 1795077008000 })).toBe('mr-cABC-dln-v1795077008000');
    expect(timerScheduleName({ timer: 'inactivity', conversationId: 'cABC', token: 5 })).toBe('mr-cABC-ina-v5');
  });

  it('classifies fired timers, reaction events and foreign bodies', () => {
    expect(parseTimerRecord(JSON.stringify({ timer: 'deadline', conversationId: 'c1', token: 9, setBy: null }))).toMatchObject({ kind: 'fire' });
    const queued = { 'detail-type': 'Message Queued', source: 'mailroom', detail: { metadata: { eventId: 'e1', occurredAt: '2026-11-20T09:00:00.000Z' }, data: { conversationId: 'c1' } } };
    expect(parseTimerRecord(JSON.stringify(queued))).toEqual({ kind: 'event', event: { detailType: 'Message Queued', eventId: 'e1', occurredAt: '2026-11-20T09:00:00.000Z', data: { conversationId: 'c1' } } });
    expect(parseTimerRecord(JSON.stringify({ ...queued, 'detail-type': 'Message Sent' }))).toBeNull();
    expect(parseTimerRecord('not json')).toBeNull();
  });
});

describe('collision wording and settings', () => {
  it('says what arrived since', () => {
    expect(describeCollision([
      { kind: 'received', messageKey: 'a', at: '', from: null, subject: '' },
      { kind: 'received', messageKey: 'b', at: '', from: null, subject: '' },
      { kind: 'replied', messageKey: 'c', at: '', from: null, subject: '' },
    ])).toContain('2 new messages from the customer and 1 other reply');
  });

  it('reads mailbox settings with defaults for what is absent or malformed', () => {
    expect(workflowSettingsOf(undefined)).toEqual({ assignmentMarksRead: false, responseDeadlineMinutes: null, autoReassignAfterMinutes: null });
    expect(workflowSettingsOf({ settings: { assignmentMarksRead: true, responseDeadlineMinutes: 240, autoReassignAfterMinutes: -3 } }))
      .toEqual({ assignmentMarksRead: true, responseDeadlineMinutes: 240, autoReassignAfterMinutes: null });
  });
});
