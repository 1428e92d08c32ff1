/**
 * Reply tokens: Mailroom puts the conversation id in the Message-ID of the mail it sends
 * (`<mr-<conversationId>.<random>@domain>`) and in a plus-addressed Reply-To
 * (`support+mr-<conversationId>@domain`). A reply whose client dropped In-Reply-To/References still
 * names one of them, so it finds its conversation without guessing from the subject.
 */
const TOKEN = /(?:^|[.+<\s])mr-(c[A-Za-z0-9]{20})(?=[.@>\s]|$)/g;

export function replyTokenFor(conversationId: string): string {
  return `mr-${conversationId}`;
}

/** Conversation ids named by reply tokens in Message-IDs or plus tags, in order of appearance. */
export function conversationIdsFromTokens(values: Iterable<string>): string[] {
  const found: string[] = [];
  for (const value of values) {
    for (const match of value.matchAll(TOKEN)) {
      const id = match[1];
      if (id !== undefined && !found.includes(id)) found.push(id);
    }
  }
  return found;
}
