/**
 * One action on many conversations: each is its own request with its own `If-Match`, so a
 * conversation someone changed meanwhile is refused (409) and reported, never overwritten, and the
 * others still go through. A few requests at a time keep the API's throttle and the browser's
 * connection pool happy while the progress bar moves.
 */
import type { ApiClient } from '../api/client';
import type { ChangeResult, ConversationStatus, ConversationSummary } from '../api/types';

export type BulkAction =
  | { kind: 'assign'; assignee: 'me' | null }
  | { kind: 'status'; status: ConversationStatus }
  | { kind: 'archive' }
  | { kind: 'label'; label: string };

export interface BulkOutcome {
  conversation: ConversationSummary;
  /** The conversation after the change; null when it failed. */
  after: ConversationSummary | null;
  error: unknown;
}

/** Requests in flight at once. */
export const BULK_CONCURRENCY = 4;
/** Most conversations one bulk action takes: a page and a half of the list. */
export const BULK_MAX = 100;

export function bulkRequest(action: BulkAction): { action: string; body: Record<string, unknown> } {
  switch (action.kind) {
    case 'assign': return { action: 'assign', body: { assignee: action.assignee } };
    case 'status': return { action: 'status', body: { status: action.status } };
    case 'archive': return { action: 'archive', body: {} };
    case 'label': return { action: 'labels', body: { add: [action.label] } };
  }
}

export async function runBulk(
  api: ApiClient,
  targets: ConversationSummary[],
  action: BulkAction,
  onProgress: (done: number, total: number) => void,
  concurrency = BULK_CONCURRENCY,
): Promise<BulkOutcome[]> {
  const { action: path, body } = bulkRequest(action);
  const outcomes: BulkOutcome[] = new Array(targets.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const index = next++;
      const conversation = targets[index]!;
      try {
        const result = await api.send<ChangeResult>(
          'POST',
          `/api/conversations/${encodeURIComponent(conversation.conversationId)}/${path}`,
          body,
          { headers: { 'if-match': `"${conversation.version}"` } },
        );
        outcomes[index] = { conversation, after: result.conversation, error: null };
      } catch (error) {
        outcomes[index] = { conversation, after: null, error };
      }
      onProgress(++done, targets.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  return outcomes;
}
