/** A conversation's messages and internal notes as one timeline. */

export type TimelineEntry<M, N> = { kind: 'message'; message: M; index: number } | { kind: 'note'; note: N };

/**
 * Messages in the order the API gives them, with each internal note placed before the first
 * message received after it: the team's discussion reads where it happened.
 */
export function interleaveNotes<M extends { receivedAt: string }, N extends { createdAt: string }>(messages: readonly M[], notes: readonly N[]): TimelineEntry<M, N>[] {
  const sorted = [...notes].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const out: TimelineEntry<M, N>[] = [];
  let next = 0;
  messages.forEach((message, index) => {
    while (next < sorted.length && sorted[next]!.createdAt < message.receivedAt) out.push({ kind: 'note', note: sorted[next++]! });
    out.push({ kind: 'message', message, index });
  });
  while (next < sorted.length) out.push({ kind: 'note', note: sorted[next++]! });
  return out;
}
