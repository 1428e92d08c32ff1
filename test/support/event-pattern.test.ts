/**
 * The local bus's EventBridge pattern matcher, against the examples of the EventBridge user guide
 * (content filtering): a rule that matches differently here than on AWS would hide a bug.
 */
import { describe, expect, it } from 'vitest';
import { EventPatternError, matchesEventPattern, validateEventPattern, type EventPattern } from '../../infra/local/event-pattern.js';

const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'ConversationAssigned',
  source: 'mailroom.conversations',
  account: '000000000000',
  time: '2026-01-02T03:04:05Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    metadata: { eventId: 'e1', version: '1' },
    data: { mailboxId: 'support', assignee: 'julien@acme.test', labels: ['facturation', 'urgent'], priority: 3, previous: null, empty: [] },
  },
};

const matches = (pattern: EventPattern): boolean => matchesEventPattern(pattern, event);

describe('matchesEventPattern', () => {
  it('matches exact values at the top level and in nested detail', () => {
    expect(matches({ source: ['mailroom.conversations'] })).toBe(true);
    expect(matches({ source: ['other', 'mailroom.conversations'] })).toBe(true);
    expect(matches({ source: ['other'] })).toBe(false);
    expect(matches({ detail: { data: { mailboxId: ['support'] } } })).toBe(true);
    expect(matches({ detail: { data: { mailboxId: ['sales'] } } })).toBe(false);
    expect(matches({ detail: { data: { priority: [3] } } })).toBe(true);
    expect(matches({ detail: { data: { priority: ['3'] } } })).toBe(false);
    expect(matches({ detail: { data: { previous: [null] } } })).toBe(true);
  });

  it('requires every field of the pattern', () => {
    expect(matches({ source: ['mailroom.conversations'], 'detail-type': ['ConversationAssigned'] })).toBe(true);
    expect(matches({ source: ['mailroom.conversations'], 'detail-type': ['ConversationClosed'] })).toBe(false);
    expect(matches({ detail: { data: { missing: ['x'] } } })).toBe(false);
  });

  it('matches an array in the event when any element matches', () => {
    expect(matches({ detail: { data: { labels: ['urgent'] } } })).toBe(true);
    expect(matches({ detail: { data: { labels: ['other'] } } })).toBe(false);
  });

  it('supports prefix and suffix', () => {
    expect(matches({ 'detail-type': [{ prefix: 'Conversation' }] })).toBe(true);
    expect(matches({ 'detail-type': [{ prefix: 'Message' }] })).toBe(false);
    expect(matches({ detail: { data: { assignee: [{ suffix: '@acme.test' }] } } })).toBe(true);
  });

  it('supports anything-but with a value, a list and a prefix', () => {
    expect(matches({ 'detail-type': [{ 'anything-but': 'ConversationClosed' }] })).toBe(true);
    expect(matches({ 'detail-type': [{ 'anything-but': ['ConversationAssigned', 'X'] }] })).toBe(false);
    expect(matches({ 'detail-type': [{ 'anything-but': { prefix: 'Conv' } }] })).toBe(false);
    expect(matches({ detail: { data: { priority: [{ 'anything-but': 5 }] } } })).toBe(true);
    // Absent fields and null never match anything-but.
    expect(matches({ detail: { data: { missing: [{ 'anything-but': 'x' }] } } })).toBe(false);
    expect(matches({ detail: { data: { previous: [{ 'anything-but': 'x' }] } } })).toBe(false);
  });

  it('supports exists', () => {
    expect(matches({ detail: { data: { assignee: [{ exists: true }] } } })).toBe(true);
    expect(matches({ detail: { data: { missing: [{ exists: true }] } } })).toBe(false);
    expect(matches({ detail: { data: { missing: [{ exists: false }] } } })).toBe(true);
    expect(matches({ detail: { data: { assignee: [{ exists: false }] } } })).toBe(false);
    expect(matches({ detail: { data: { empty: [{ exists: false }] } } })).toBe(true);
  });

  it('does not match a nested pattern against a scalar', () => {
    expect(matches({ source: { nested: ['x'] } })).toBe(false);
  });
});

describe('validateEventPattern', () => {
  it('accepts the supported syntax', () => {
    expect(() => validateEventPattern({ source: ['a', { prefix: 'b' }], detail: { x: [{ exists: false }, { 'anything-but': ['c'] }] } })).not.toThrow();
  });

  it.each([
    [{ source: [{ numeric: ['>', 3] }] }, /unsupported operator/],
    [{ source: [{ wildcard: 'a*' }] }, /unsupported operator/],
    [{ $or: [{ source: ['a'] }] }, /\$or is not supported/],
    [{ source: [] }, /empty array/],
    [{ source: 'a' }, /must be an object/],
    [{ source: [{ prefix: 3 }] }, /prefix takes a string/],
  ])('refuses %j', (pattern, message) => {
    expect(() => validateEventPattern(pattern)).toThrow(EventPatternError);
    expect(() => validateEventPattern(pattern)).toThrow(message);
  });
});
