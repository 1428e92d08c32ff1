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
 * | message by Message-ID (threading, dedup)  | PK=MSG#<messageKey> SK=MSG                            |
 * | conversation                              | PK=CONV#<conversationId> SK=CONV                      |
 * | mailbox conversations, newest activity    | GSI1 PK=MBX#<mailboxId> SK=<lastActivityAt>#<convId>  |
 * | mailbox conversations by status           | GSI2 PK=MBX#<mailboxId>#ST#<status> SK=same as GSI1   |
 * | conversations assigned to one member      | GSI4 PK=MBX#<mailboxId>#AS#<email> SK=same as GSI1    |
 * | conversation history, oldest first        | PK=CONV#<conversationId> SK begins_with H#            |
 * | internal notes, oldest first              | PK=CONV#<conversationId> SK begins_with N#            |
 * | archived conversations (any list above)   | the list's partition key + `#ARCHIVED`                |
 * | subject fallback threading                | GSI3 PK=SUBJ#<mailboxId>#<subjectHash> SK=<lastAt>    |
 * | quarantined and unroutable mail           | GSI3 PK=QUARANTINE / UNROUTABLE SK=<at>#<key>         |
 * | a mailbox's outbound messages (outbox)    | GSI3 PK=OUTBOX#<mailboxId> SK=<createdAt>#<key>       |
 * | outbound message by provider id (SES)     | PK=PROVIDER#<connector>#<providerMessageId> SK=PROVIDER |
 * | suppressed recipient of an organisation   | PK=SUPPRESS#<orgId>#<address> SK=SUPPRESS (BatchGet)  |
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
    'email', 'role', 'name', 'version', 'readBy',
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
