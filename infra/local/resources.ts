/**
 * Creates the stateful resources the deployed stack owns (table, mail bucket, inbound topic,
 * inbound queue and its dead-letter queue), through the same SDK calls a deployment would make,
 * so they are found again on restart rather than duplicated.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TABLE } from '../../shared/model/table.js';
import type { Logger } from './logger.js';

/** Resource names of the local stack; one stack per data directory, so fixed names are enough. */
export const LOCAL_NAMES = {
  table: 'mailroom-local',
  mailBucket: 'mailroom-local-mail',
  inboundTopic: 'mailroom-local-inbound',
  inboundQueue: 'mailroom-local-inbound',
  inboundDlq: 'mailroom-local-inbound-dlq',
  eventBus: 'mailroom-local',
  outboxQueue: 'mailroom-local-outbox',
  outboxDlq: 'mailroom-local-outbox-dlq',
  outboxScheduleGroup: 'mailroom-local-outbox',
  timersQueue: 'mailroom-local-timers',
  timersDlq: 'mailroom-local-timers-dlq',
  timersScheduleGroup: 'mailroom-local-timers',
} as const;

export interface QueueSettings {
  /** Short locally (AWS: at least 6x the function timeout) so that failed messages retry quickly. */
  visibilityTimeoutSeconds: number;
  /** Receives before SQS moves a message to the dead-letter queue. */
  maxReceiveCount: number;
}

export interface InboundResources {
  topicArn: string;
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

/** The table exactly as `shared/model/table.ts` describes it. */
export function tableDefinition(tableName: string): ConstructorParameters<typeof CreateTableCommand>[0] {
  const keyAttributes = [TABLE.partitionKey, TABLE.sortKey, ...TABLE.indexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  const indexes: GlobalSecondaryIndex[] = TABLE.indexes.map((index) => ({
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection: {
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: [...(index.projection === 'list' ? TABLE.listProjection : TABLE.lookupProjection)],
    },
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: indexes,
  };
}

/**
 * Creates the table unless it exists. Returns true when it was created (a fresh data directory).
 * An existing table whose indexes differ from `TABLE` is reported, not altered: the developer
 * decides whether to delete the data directory.
 */
export async function ensureTable(dynamodb: DynamoDBClient, tableName: string, logger: Logger): Promise<boolean> {
  const definition = tableDefinition(tableName);
  try {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    type IndexShape = { IndexName?: string | undefined; KeySchema?: { AttributeName?: string | undefined }[] | undefined; Projection?: { NonKeyAttributes?: string[] | undefined } | undefined };
    const describe = (indexes: readonly IndexShape[] | undefined): string =>
      JSON.stringify((indexes ?? [])
        .map((index) => [index.IndexName, index.KeySchema?.map((k) => k.AttributeName), [...(index.Projection?.NonKeyAttributes ?? [])].sort()])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    if (describe(Table?.GlobalSecondaryIndexes) !== describe(definition?.GlobalSecondaryIndexes)) {
      logger.warn(`table ${tableName} exists with indexes that differ from shared/model/table.ts; delete the data directory to recreate it`);
    }
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await dynamodb.send(new CreateTableCommand(definition));
  // dynalite is started with createTableMs: 0, so the table is ACTIVE at once; wait anyway.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}

/**
 * The inbound path as deployed: SES publishes to a topic, the topic feeds a queue with raw message
 * delivery (the SQS body is the SES notification itself), the queue redrives to a DLQ.
 */
export async function ensureInbound(sns: SNSClient, sqs: SQSClient, settings: QueueSettings): Promise<InboundResources> {
  const queueArnOf = async (queueUrl: string): Promise<string> => {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const arn = Attributes?.QueueArn;
    if (arn === undefined) throw new Error(`queue ${queueUrl} has no QueueArn`);
    return arn;
  };
  const dlq = await sqs.send(new CreateQueueCommand({
    QueueName: LOCAL_NAMES.inboundDlq,
    Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) },
  }));
  if (dlq.QueueUrl === undefined) throw new Error('CreateQueue returned no URL for the DLQ');
  const dlqArn = await queueArnOf(dlq.QueueUrl);
  const queue = await sqs.send(new CreateQueueCommand({
    QueueName: LOCAL_NAMES.inboundQueue,
    Attributes: {
      VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxReceiveCount }),
    },
  }));
  if (queue.QueueUrl === undefined) throw new Error('CreateQueue returned no URL for the inbound queue');
  const queueArn = await queueArnOf(queue.QueueUrl);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: LOCAL_NAMES.inboundTopic }));
  if (TopicArn === undefined) throw new Error('CreateTopic returned no ARN');
  await sns.send(new SubscribeCommand({
    TopicArn,
    Protocol: 'sqs',
    Endpoint: queueArn,
    Attributes: { RawMessageDelivery: 'true' },
    ReturnSubscriptionArn: true,
  }));
  return { topicArn: TopicArn, queueUrl: queue.QueueUrl, queueArn, dlqUrl: dlq.QueueUrl, dlqArn };
}

export interface OutboxResources {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

/** The outbox queue as deployed (infra/constructs/outbox.ts): sender triggers, redriven to a DLQ. */
export async function ensureOutbox(sqs: SQSClient, settings: QueueSettings): Promise<OutboxResources> {
  const arnOf = async (queueUrl: string): Promise<string> => {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    if (Attributes?.QueueArn === undefined) throw new Error(`queue ${queueUrl} has no QueueArn`);
    return Attributes.QueueArn;
  };
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: LOCAL_NAMES.outboxDlq, Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) } }));
  if (dlq.QueueUrl === undefined) throw new Error('CreateQueue returned no URL for the outbox DLQ');
  const dlqArn = await arnOf(dlq.QueueUrl);
  const queue = await sqs.send(new CreateQueueCommand({
    QueueName: LOCAL_NAMES.outboxQueue,
    Attributes: {
      VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxReceiveCount }),
    },
  }));
  if (queue.QueueUrl === undefined) throw new Error('CreateQueue returned no URL for the outbox queue');
  return { queueUrl: queue.QueueUrl, queueArn: await arnOf(queue.QueueUrl), dlqUrl: dlq.QueueUrl, dlqArn };
}

/** The timers queue as deployed (infra/constructs/timers.ts): arming events and fired timers, redriven to a DLQ. */
export async function ensureTimers(sqs: SQSClient, settings: QueueSettings): Promise<OutboxResources> {
  const arnOf = async (queueUrl: string): Promise<string> => {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    if (Attributes?.QueueArn === undefined) throw new Error(`queue ${queueUrl} has no QueueArn`);
    return Attributes.QueueArn;
  };
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: LOCAL_NAMES.timersDlq, Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) } }));
  if (dlq.QueueUrl === undefined) throw new Error('CreateQueue returned no URL for the timers DLQ');
  const dlqArn = await arnOf(dlq.QueueUrl);
  const queue = await sqs.send(new CreateQueueCommand({
    QueueName: LOCAL_NAMES.timersQueue,
    Attributes: {
      VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxReceiveCount }),
    },
  }));
  if (queue.QueueUrl === undefined) throw new Error('CreateQueue returned no URL for the timers queue');
  return { queueUrl: queue.QueueUrl, queueArn: await arnOf(queue.QueueUrl), dlqUrl: dlq.QueueUrl, dlqArn };
}
