/**
 * Threading: which conversation of a mailbox a message belongs to, and why. Header references are
 * authoritative (RFC 5322 3.6.4: In-Reply-To names the parent, References the ancestry), then
 * Mailroom's own reply tokens, then — only for subjects that carry a reply or forward prefix — the
 * same normalised subject from the same participants within a bounded window.
 */
import type { MessagePlacement, ThreadingReason } from '../model/types.js';

export interface ReferencedMessage {
  messageId: string;
  via: 'in-reply-to' | 'references';
  placements: MessagePlacement[];
}

export interface TokenConversation {
  conversationId: string;
  mailboxId: string;
  token: string;
}

export interface SubjectCandidate {
  conversationId: string;
  participants: string[];
  lastActivityAt: string;
}

export interface ThreadChoice {
  conversationId: string;
  reason: ThreadingReason;
}

/** Ordered Message-IDs to look up: the parent first, then References from the nearest ancestor back. */
export function referenceLookups(inReplyTo: string[], references: string[], max = 30): { messageId: string; via: ReferencedMessage['via'] }[] {
  const seen = new Set<string>();
  const out: { messageId: string; via: ReferencedMessage['via'] }[] = [];
  for (const id of inReplyTo) {
    if (!seen.has(id)) { seen.add(id); out.push({ messageId: id, via: 'in-reply-to' }); }
  }
  for (const id of [...references].reverse()) {
    if (!seen.has(id)) { seen.add(id); out.push({ messageId: id, via: 'references' }); }
  }
  return out.slice(0, max);
}

export function threadFromHeaders(mailboxId: string, referenced: ReferencedMessage[], tokens: TokenConversation[]): ThreadChoice | null {
  for (const ref of referenced) {
    const placement = ref.placements.find((p) => p.mailboxId === mailboxId);
    if (placement) return { conversationId: placement.conversationId, reason: { kind: ref.via, messageId: ref.messageId } };
  }
  const token = tokens.find((t) => t.mailboxId === mailboxId);
  if (token) return { conversationId: token.conversationId, reason: { kind: 'reply-token', token: token.token } };
  return null;
}

/**
 * Subject fallback: the newest conversation with the same subject key, active since `since`, whose
 * participants include the sender. Without that participant check any "Re: Devis" from anyone
 * would join a stranger's conversation.
 */
export function threadFromSubject(subjectKey: string, sender: string | null, candidates: SubjectCandidate[], since: string): ThreadChoice | null {
  if (sender === null || subjectKey === '') return null;
  const match = candidates
    .filter((c) => c.lastActivityAt >= since && c.participants.includes(sender))
    .sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt))[0];
  return match ? { conversationId: match.conversationId, reason: { kind: 'subject', subjectKey, matchedConversationId: match.conversationId } } : null;
}
