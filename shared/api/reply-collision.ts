/**
 * The reply route's collision guard (shared/workflow/collision.ts): a reply sent with the version
 * it was written against (`If-Match` or `basedOnVersion`) is refused with a 409 listing what
 * arrived since, unless it says `confirm: true`. Without a version the reply goes through as before.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { Table } from '../adapters/dynamodb-table.js';
import type { Directory } from '../org/directory.js';
import { checkReplyCollision, describeCollision } from '../workflow/collision.js';
import { loadCaller } from './access.js';
import { problems, ProblemError } from './problem.js';
import type { Claims } from './router.js';

export async function assertNoReplyCollision(
  deps: { table: Table; directory: Directory },
  request: { claims: Claims | null; conversationId: string; event: APIGatewayProxyEventV2WithJWTAuthorizer; basedOnVersion?: number | undefined; confirm?: boolean | undefined },
): Promise<void> {
  if (request.confirm === true) return;
  const header = request.event.headers?.['if-match']?.trim();
  let version = request.basedOnVersion;
  if (header !== undefined && header !== '' && header !== '*') {
    const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(header);
    if (!match) throw problems.badRequest('If-Match must be a conversation version, e.g. "3".', [{ field: 'header.if-match', message: 'not a version' }]);
    if (version !== undefined && version !== Number(match[1])) {
      throw problems.badRequest('If-Match and basedOnVersion disagree.', [{ field: 'body.basedOnVersion', message: `If-Match says ${match[1]}` }]);
    }
    version = Number(match[1]);
  }
  if (version === undefined) return;
  const caller = await loadCaller(request.claims, deps.directory);
  const check = await checkReplyCollision(deps.table, caller, request.conversationId, version);
  if (check.kind === 'clear') return;
  throw new ProblemError(409, 'Conversation changed', describeCollision(check.changes), {
    currentVersion: check.conversation.version,
    changes: check.changes,
  });
}
