import { describe, expect, it } from 'vitest';
import { referenceLookups, threadFromHeaders, threadFromSubject } from '../../../shared/inbound/threading.js';
import { conversationIdsFromTokens, replyTokenFor } from '../../../shared/inbound/reply-token.js';

const placement = (mailboxId: string, conversationId: string) => ({ mailboxId, conversationId, threading: { kind: 'new' as const } });

describe('referenceLookups', () => {
  it('puts In-Reply-To first, then References from the nearest ancestor back, without repeats', () => {
    // Act
    const out = referenceLookups(['b@x'], ['root@x', 'a@x', 'b@x']);

    // Assess
    expect(out).toEqual([
      { messageId: 'b@x', via: 'in-reply-to' },
      { messageId: 'a@x', via: 'references' },
      { messageId: 'root@x', via: 'references' },
    ]);
  });

  it('bounds the number of lookups for hostile References headers', () => {
    const refs = Array.from({ length: 500 }, (_, i) => `m${i}@x`);
    expect(referenceLookups([], refs, 30)).toHaveLength(30);
    expect(referenceLookups([], refs, 30)[0]?.messageId).toBe('m499@x');
  });
});

describe('threadFromHeaders', () => {
  it('follows the parent into the conversation of the same mailbox', () => {
    const choice = threadFromHeaders('support', [
      { messageId: 'p@x', via: 'in-reply-to', placements: [placement('ventes', 'c-v'), placement('support', 'c-s')] },
    ], []);
    expect(choice).toEqual({ conversationId: 'c-s', reason: { kind: 'in-reply-to', messageId: 'p@x' } });
  });

  it('ignores references placed only in other mailboxes and falls back to a reply token', () => {
    const choice = threadFromHeaders('support', [
      { messageId: 'p@x', via: 'references', placements: [placement('ventes', 'c-v')] },
    ], [{ conversationId: 'c-token', mailboxId: 'support', token: 'mr-c-token' }]);
    expect(choice?.conversationId).toBe('c-token');
    expect(choice?.reason.kind).toBe('reply-token');
  });

  it('returns null when nothing points at this mailbox', () => {
    expect(threadFromHeaders('support', [], [{ conversationId: 'c1', mailboxId: 'ventes', token: 't' }])).toBeNull();
  });
});

describe('threadFromSubject', () => {
  const since = '2026-11-17T00:00:00.000Z';
  it('matches the newest recent conversation whose participants include the sender', () => {
    const choice = threadFromSubject('devis cuisine', 'client@example.org', [
      { conversationId: 'old', participants: ['client@example.org'], lastActivityAt: '2026-11-18T00:00:00.000Z' },
      { conversationId: 'new', participants: ['client@example.org'], lastActivityAt: '2026-11-19T00:00:00.000Z' },
      { conversationId: 'other', participants: ['stranger@example.org'], lastActivityAt: '2026-11-20T00:00:00.000Z' },
    ], since);
    expect(choice?.conversationId).toBe('new');
    expect(choice?.reason).toEqual({ kind: 'subject', subjectKey: 'devis cuisine', matchedConversationId: 'new' });
  });

  it('refuses strangers and conversations outside the window', () => {
    expect(threadFromSubject('devis', 'x@y.z', [{ conversationId: 'a', participants: ['other@y.z'], lastActivityAt: '2026-11-19T00:00:00.000Z' }], since)).toBeNull();
    expect(threadFromSubject('devis', 'x@y.z', [{ conversationId: 'a', participants: ['x@y.z'], lastActivityAt: '2026-11-01T00:00:00.000Z' }], since)).toBeNull();
    expect(threadFromSubject('', 'x@y.z', [{ conversationId: 'a', participants: ['x@y.z'], lastActivityAt: '2026-11-19T00:00:00.000Z' }], since)).toBeNull();
  });
});

describe('reply tokens', () => {
  const conversationId = 'cAbCdEfGhIjKlMnOpQrSt';
  it('are found in Message-IDs and plus addresses', () => {
    const token = replyTokenFor(conversationId);
    expect(conversationIdsFromTokens([`${token}.k2j3@acme.test`])).toEqual([conversationId]);
    expect(conversationIdsFromTokens([`support+${token}@acme.test`])).toEqual([conversationId]);
  });

  it('ignores look-alikes', () => {
    expect(conversationIdsFromTokens(['xmr-cAbCdEfGhIjKlMnOpQrSt@x', 'mr-cShort@x', 'hello@x'])).toEqual([]);
  });
});
