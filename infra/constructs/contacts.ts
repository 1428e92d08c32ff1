import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env.js';
import { CONTACTS_DETAIL_TYPES } from '../../shared/contacts/participants-consumer.js';
import { deadLetterAlarm, functionAlarms } from './alarms.js';
import { grantObjects, grantTableData } from './grants.js';
import { MAIL_PREFIXES } from './mail-layout.js';
import { MailroomFunction } from './mailroom-function.js';
import { busToQueue, workQueue } from './queues.js';

/** Parsing a forwarded original to recover its attachments dominates; 60 s leaves room for large ones. */
export const CONTACTS_TIMEOUT = Duration.seconds(60);
/** Receives of one record before it is dead-lettered (only infrastructure errors are retried). */
export const CONTACTS_MAX_RECEIVES = 5;
export const CONTACTS_BATCH_SIZE = 10;

export interface ContactsProps {
  readonly stageName: string;
  readonly table: dynamodb.ITable;
  readonly tableName: string;
  readonly mailBucket: s3.IBucket;
  readonly eventBus: events.IEventBus;
  readonly alarmTopic: sns.ITopic;
  readonly tracing: boolean;
}

/**
 * Address book and case intake (shared/contacts, shared/cases): a bus rule puts every `Message
 * Received` and `Message Sent` on the contacts queue; one function records the participants as
 * contacts and brings the message into its cases (case plus-address, linked conversation, forwards
 * unwrapped). A dead-letter queue with an alarm catches what keeps failing.
 *
 * Why a queue between the bus and the function rather than a Lambda target: partial batch
 * responses retry only the failed records, the batch size bounds the concurrency, and the DLQ
 * keeps the event itself for a redrive.
 * See https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export class Contacts extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly fn: MailroomFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ContactsProps) {
    super(scope, id);

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = workQueue(this, {
      consumerTimeout: CONTACTS_TIMEOUT, maxReceiveCount: CONTACTS_MAX_RECEIVES, retention: Duration.days(4),
    }));

    this.rule = busToQueue(this, 'MessageReceivedRule', {
      eventBus: props.eventBus,
      description: `Mailroom ${props.stageName}: received and sent messages, for the address book and cases`,
      detailTypes: CONTACTS_DETAIL_TYPES,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
    });

    this.fn = new MailroomFunction(this, 'Function', {
      entry: 'contacts',
      description: `Mailroom ${props.stageName}: contacts from participants and mail into cases`,
      memorySize: 512,
      timeout: CONTACTS_TIMEOUT,
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.mailBucket]: props.mailBucket.bucketName,
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.stage]: props.stageName,
      },
    });
    this.fn.addEventSource(new SqsEventSource(this.queue, { batchSize: CONTACTS_BATCH_SIZE, reportBatchItemFailures: true }));
    grantTableData(this.fn, props.table);
    grantObjects(this.fn, props.mailBucket, [
      // Forwarded originals are read from their stored part; their attachments are written beside it.
      { prefix: MAIL_PREFIXES.attachments, access: 'readWrite' },
      { prefix: MAIL_PREFIXES.bodies, access: 'read' },
    ]);
    props.eventBus.grantPutEventsTo(this.fn);

    deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue, props.alarmTopic, 'A received message for contacts and cases');
    functionAlarms(this, 'Function', this.fn, props.alarmTopic);
  }
}
