import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env.js';
import { INDEXED_DETAIL_TYPES } from '../../shared/search/indexer.js';
import { deadLetterAlarm, functionAlarms } from './alarms.js';
import { grantObjects, grantTableData } from './grants.js';
import { MAIL_PREFIXES } from './mail-layout.js';
import { MailroomFunction } from './mailroom-function.js';
import { busToQueue, workQueue } from './queues.js';

export const INDEXER_TIMEOUT = Duration.seconds(60);
/** Receives of one record before it is dead-lettered (only infrastructure errors are retried). */
export const INDEXER_MAX_RECEIVES = 5;
export const INDEXER_BATCH_SIZE = 10;
/** Concurrent indexer invocations: bounds the write rate a burst of mail puts on the table. */
export const INDEXER_MAX_CONCURRENCY = 5;

export interface SearchProps {
  readonly stageName: string;
  readonly table: dynamodb.ITable;
  readonly tableName: string;
  readonly mailBucket: s3.IBucket;
  readonly eventBus: events.IEventBus;
  readonly alarmTopic: sns.ITopic;
  readonly tracing: boolean;
}

/**
 * Full-text search indexing (shared/search/indexer.ts): a bus rule puts `Message Received`,
 * `Message Queued` and `Conversation Moved` on the indexer queue; the indexer function reads each message (its body inline
 * in the table, or under `bodies/` in the mail bucket) and writes its postings to the table. A
 * dead-letter queue with an alarm catches what keeps failing. The search itself is an API route
 * (shared/api/routes-search.ts): Query and BatchGetItem on the same table, nothing else deployed.
 *
 * Why a queue between the rule and the function: indexing writes one item per distinct term, so a
 * burst of mail is smoothed by the queue and the function's concurrency cap instead of throttling
 * the table; failures are retried per message (partial batch responses).
 */
export class Search extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly fn: MailroomFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: SearchProps) {
    super(scope, id);

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = workQueue(this, {
      consumerTimeout: INDEXER_TIMEOUT, maxReceiveCount: INDEXER_MAX_RECEIVES, retention: Duration.days(4),
    }));

    this.rule = busToQueue(this, 'IndexRule', {
      eventBus: props.eventBus,
      description: `Mailroom ${props.stageName}: received and queued messages, to index them for search, and moved conversations, to index them again`,
      detailTypes: INDEXED_DETAIL_TYPES,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
    });

    this.fn = new MailroomFunction(this, 'Function', {
      entry: 'indexer',
      description: `Mailroom ${props.stageName}: indexes messages for full-text search`,
      memorySize: 512,
      timeout: INDEXER_TIMEOUT,
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.mailBucket]: props.mailBucket.bucketName,
        // Not used yet (indexing publishes nothing); set like every function's, so the names stay uniform.
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.stage]: props.stageName,
      },
    });
    this.fn.addEventSource(new SqsEventSource(this.queue, {
      batchSize: INDEXER_BATCH_SIZE, reportBatchItemFailures: true, maxConcurrency: INDEXER_MAX_CONCURRENCY,
    }));
    grantTableData(this.fn, props.table);
    grantObjects(this.fn, props.mailBucket, [{ prefix: MAIL_PREFIXES.bodies, access: 'read' }]);

    deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue, props.alarmTopic, 'A message to index');
    functionAlarms(this, 'Function', this.fn, props.alarmTopic);
  }
}
