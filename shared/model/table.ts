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
 * | subject fallback threading                | GSI3 PK=SUBJ#<mailboxId>#<subjectHash> SK=<lastAt>    |
 * | quarantined and unroutable mail           | GSI3 PK=QUARANTINE / UNROUTABLE SK=<at>#<key>         |
 */
export const TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  indexes: [
    { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK', projection: 'list' },
    { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK', projection: 'list' },
    { name: 'GSI3', partitionKey: 'GSI3PK', sortKey: 'GSI3SK', projection: 'lookup' },
  ],
  /**
   * Non-key attributes copied into GSI1 and GSI2 (projection `list`): enough to render a list row
   * without reading the base item, and nothing that grows (message id sets stay in the base table).
   */
  listProjection: [
    'type', 'conversationId', 'mailboxId', 'subject', 'snippet', 'from', 'status', 'assignee',
    'isNew', 'labels', 'messageCount', 'hasAttachments', 'lastActivityAt', 'createdAt', 'flags',
    'email', 'role', 'name',
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
