/**
 * The single DynamoDB table: key attribute names and indexes, shared by the CDK stack and the
 * embedded local stack so both create the same table.
 *
 * Access patterns (every request path is a GetItem, BatchGetItem or Query):
 * | pattern                                   | key                                                   |
 * |-------------------------------------------|-------------------------------------------------------|
 * | user by sign-in email                     | PK=USER#<email> SK=USER                               |
 * | caller's mailboxes (memberships)          | PK=USER#<email> SK begins_with MBR#                   |
 * | caller's role in a mailbox                | PK=USER#<email> SK=MBR#<mailboxId>                    |
 * | mailbox members                           | GSI1 PK=MBX#<mailboxId>#MEMBERS                       |
 * | mailbox                                   | PK=MBX#<mailboxId> SK=MBX                             |
 * | routing: address -> mailbox               | PK=ADDR#<address> SK=ADDR                             |
 * | routing: domain -> organisation/catch-all | PK=DOMAIN#<domain> SK=DOMAIN                          |
 * | organisation's users (admin)              | GSI1 PK=ORG#<orgId>#USERS SK=<email>                  |
 * | organisation's mailboxes (admin)          | GSI1 PK=ORG#<orgId>#MAILBOXES SK=<mailboxId>          |
 * | organisation's administrators             | GSI3 PK=ORG#<orgId>#ADMINS SK=<email> (sparse)        |
 * | departments of an organisation            | PK=ORG#<orgId> SK begins_with DEPT#                   |
 * | a user's preferences (dashboard counters) | PK=USER#<email> SK=PREFS                              |
 * | mailbox counts by status (stats)          | GSI2 Query per status partition, keys only (below)    |
 * | first-response / resolution samples       | PK=STATS#<mailboxId>#FR or #RES SK=<day>#<convId>     |
 * | message by Message-ID (threading, dedup)  | PK=MSG#<messageKey> SK=MSG                            |
 * | conversation                              | PK=CONV#<conversationId> SK=CONV                      |
 * | mailbox conversations, newest activity    | GSI1 PK=MBX#<mailboxId> SK=<lastActivityAt>#<convId>  |
 * | mailbox conversations by status           | GSI2 PK=MBX#<mailboxId>#ST#<status> SK=same as GSI1   |
 * | conversations assigned to one member      | GSI4 PK=MBX#<mailboxId>#AS#<email> SK=same as GSI1    |
 * | conversation history, oldest first        | PK=CONV#<conversationId> SK begins_with H#            |
 * | internal notes, oldest first              | PK=CONV#<conversationId> SK begins_with N#            |
 * | archived conversations (any list above)   | the list's partition key + `#ARCHIVED`                |
 * | trashed conversations (any list above)    | the list's partition key + `#TRASHED`                 |
 * | qualifications of an organisation         | PK=ORG#<orgId> SK begins_with QUAL#                   |
 * | a mailbox's overdue conversations         | GSI3 PK=OVERDUE#<mailboxId> SK=<dueAt>#<convId>       |
 * | who is on a conversation (presence)       | PK=CONV#<conversationId> SK begins_with PRESENCE#     |
 * | a user's in-app notifications             | PK=USER#<email> SK begins_with NOTIF#                 |
 * | subject fallback threading                | GSI3 PK=SUBJ#<mailboxId>#<subjectHash> SK=<lastAt>    |
 * | quarantined and unroutable mail           | GSI3 PK=QUARANTINE / UNROUTABLE SK=<at>#<key>         |
 * | a mailbox's outbound messages (outbox)    | GSI3 PK=OUTBOX#<mailboxId> SK=<createdAt>#<key>       |
 * | outbound messages by author (mine, system)| GSI1 PK=OUTBOX#BY#<orgId>#<email|system> SK=<createdAt>#<key> |
 * | outbound messages of an organisation (all)| GSI2 PK=OUTBOX#ORG#<orgId> SK=<createdAt>#<key>       |
 * | failed sends not acknowledged (sparse)    | GSI4 PK=OUTBOX#FAILED#<mailboxId> SK=<failedAt>#<key> |
 * | a user's outbox view / notification emails| PK=USER#<email> SK=OUTBOX_VIEW / EMAIL_NOTIFY         |
 * | auto-acknowledgement rate limit           | PK=AUTOACK#<mailboxId>#<address> SK=AUTOACK           |
 * | outbound message by provider id (SES)     | PK=PROVIDER#<connector>#<providerMessageId> SK=PROVIDER |
 * | suppressed recipient of an organisation   | PK=SUPPRESS#<orgId>#<address> SK=SUPPRESS (BatchGet)  |
 * | a mailbox's templates                     | PK=TPL#<mailboxId> SK begins_with TPL#                |
 * | a mailbox's signatures (slots 1-3)        | PK=SIG#<mailboxId> SK begins_with SIG#                |
 * | a member's default signature in a mailbox | PK=SIG#<mailboxId> SK=DEFAULT#<email>                 |
 * | a member's drafts ("mine")                | PK=DRAFTS#<email> SK begins_with DRAFT#               |
 * | IMAP sync checkpoint of an account        | PK=ACCOUNT#<accountId> SK=SYNC (conditional Put)      |
 * | search postings of a term (shared/search) | PK=TERM#<mailboxId>#<term> SK=<createdAt>#<convId>    |
 * | address book: contacts, organisations     | PK=BOOK#<orgId> SK=C#<id> / O#<id> / E#<address>      |
 * | contact autocomplete (prefix)             | PK=BOOKIX#<orgId>#<first char> SK begins_with <prefix>|
 * | case, its communications, tasks, documents| PK=CASE#<caseId> SK=CASE / COMM# / TASK# / DOC# / LINK#|
 * | an organisation's cases, newest first     | GSI3 PK=CASES#<orgId> SK=<createdAt>#<caseId>         |
 * | case by reference, reference counter      | PK=CASEREF#<orgId>#<ref> / CASECOUNTER#<orgId>#<year> |
 * | conversations of a business record        | PK=RECORD#<orgId>#<type>#<id> SK=CONV#<convId>        |
 *
 * Statistics (shared/stats/): the counts by status are one Query per GSI2 status partition, read
 * with a key-only projection (the Table adapter returns items, not `Count`; a key-only page reads
 * the same capacity as `Select: COUNT`, since DynamoDB bills the items read, not those returned).
 * Open statuses are bounded by the open work; `closed` is read over the last 30 days only, through
 * the sort key (`GSI2SK` starts with `lastActivityAt`). Overdue is one Query over the GSI3
 * partition of the mailbox's overdue markers. The medians come from duration samples written by
 * the stats consumer (functions/stats/) with `attribute_not_exists` (or an earlier-time
 * condition), keyed by the conversation's creation day: a redelivered event counts once, and the
 * route reads 30 days of one partition per metric. No Scan anywhere.
 *
 * The outbox reuses GSI3 (overloaded, like quarantine) rather than adding an index: its rows are
 * written once per outbound message, its key never moves with the send status, and a view reads
 * the rows' keys and then the items (BatchGetItem), so no send-state attribute needs projecting.
 *
 * GSI4 is sparse: only a conversation with an assignee carries `GSI4PK`, so an agent's list is one
 * Query over their own conversations, and mail that opens an unassigned conversation writes no
 * GSI4 entry (the inbound cost per new conversation does not change). `GSI4SK` is kept equal to
 * `GSI1SK` by every write that moves the activity time.
 */
export const TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  indexes: [
    { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK', projection: 'list' },
    { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK', projection: 'list' },
    { name: 'GSI3', partitionKey: 'GSI3PK', sortKey: 'GSI3SK', projection: 'lookup' },
    { name: 'GSI4', partitionKey: 'GSI4PK', sortKey: 'GSI4SK', projection: 'list' },
  ],
  /**
   * Non-key attributes copied into GSI1, GSI2 and GSI4 (projection `list`): enough to render a list
   * row without reading the base item, and nothing that grows with the message count (message id
   * sets stay in the base table). `version` lets a client act from the list (If-Match); `readBy`
   * (members who read the conversation since its last message, bounded by the mailbox's members)
   * gives each caller their `unread` flag without a second read.
   */
  listProjection: [
    'type', 'conversationId', 'mailboxId', 'subject', 'snippet', 'from', 'status', 'assignee',
    'isNew', 'labels', 'messageCount', 'hasAttachments', 'lastActivityAt', 'createdAt', 'flags',
    'email', 'role', 'name', 'version', 'readBy', 'overdue', 'qualification',
  ],
  /** Non-key attributes of GSI3 (projection `lookup`): subject threading and quarantine listings. */
  lookupProjection: ['type', 'conversationId', 'mailboxId', 'participants', 'lastActivityAt', 'rawKey', 'error', 'attempts', 'recipients', 'at'],
  /** TTL attribute (epoch seconds) for expiring items such as presence records. */
  ttlAttribute: 'expiresAt',
} as const;

/**
 * The table as a DynamoDB CreateTable request (on-demand), for the embedded local stack and tests.
 * The CDK stack declares the same keys and indexes from `TABLE`.
 */
export function createTableInput(tableName: string) {
  const keyAttributes = [TABLE.partitionKey, TABLE.sortKey, ...TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: keyAttributes.map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: TABLE.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: {
        ProjectionType: 'INCLUDE' as const,
        NonKeyAttributes: [...(index.projection === 'list' ? TABLE.listProjection : TABLE.lookupProjection)],
      },
    })),
  };
}
