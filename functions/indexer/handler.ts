/**
 * Search indexer function: consumes the indexer queue, fed by a bus rule with `Message Received`
 * and `Message Queued`, and writes the message's postings (shared/search/indexer.ts); after a
 * `Conversation Moved`, it indexes the conversation's messages under their new mailbox. Idempotent:
 * a redelivered event writes the same items. Failures are reported per record
 * (ReportBatchItemFailures), retried by SQS, then dead-lettered.
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { indexMessage, parseIndexEvent, parseMovedEvent, reindexConversation, type IndexerDeps } from '../../shared/search/indexer.js';
import { indexerDepsFromEnv } from '../../shared/search/deps.js';

export async function handleIndexer(event: SQSEvent, deps: IndexerDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const moved = parseMovedEvent(record.body);
    if (moved !== null) {
      try {
        const outcome = await reindexConversation(moved, deps);
        console.log(JSON.stringify({ level: 'info', msg: 'moved conversation indexed', conversationId: moved, ...outcome }));
      } catch (error) {
        console.error(JSON.stringify({ level: 'error', msg: 'indexing failed; SQS will deliver it again', conversationId: moved, error: error instanceof Error ? error.stack : String(error) }));
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
      continue;
    }
    const request = parseIndexEvent(record.body);
    if (!request) {
      console.error(JSON.stringify({ level: 'error', msg: 'not an indexing event; dropped', messageId: record.messageId, body: record.body.slice(0, 200) }));
      continue;
    }
    try {
      const outcome = await indexMessage(request, deps);
      console.log(JSON.stringify({ level: 'info', msg: 'message indexed', messageKey: request.messageKey, ...outcome }));
    } catch (error) {
      console.error(JSON.stringify({ level: 'error', msg: 'indexing failed; SQS will deliver it again', messageKey: request.messageKey, error: error instanceof Error ? error.stack : String(error) }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

/** The Lambda handler for given dependencies, built on first use (after the environment is set). */
export function createIndexerHandler(depsFactory: () => IndexerDeps = indexerDepsFromEnv) {
  let deps: IndexerDeps | undefined;
  return middy<SQSEvent, SQSBatchResponse>().handler((event) => handleIndexer(event, (deps ??= depsFactory())));
}

export const handler = createIndexerHandler();
