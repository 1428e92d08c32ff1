/**
 * Production wiring of the timers function from the environment (built once per Lambda
 * container): the workflow on the table and the bus, and the outbox's Scheduler adapter pointed at
 * the timers' schedule group and queue.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { ENV, requireEnv } from '../config/env.js';
import { endpointFor, getDocumentClient, getEventBridgeClient, getS3Client } from '../adapters/aws.js';
import { S3BlobStore } from '../adapters/s3-blob-store.js';
import { Table } from '../adapters/dynamodb-table.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { Directory } from '../org/directory.js';
import { EventBridgeRetryScheduler } from '../outbox/retry-scheduler.js';
import { systemClock } from '../ports/index.js';
import { ConversationRepository } from './conversation-repository.js';
import { ConversationWorkflow } from './conversation-workflow.js';
import { NotificationStore } from './notifications.js';
import { WorkflowReactions } from './reactions.js';
import { TIMERS_ENV, type TimerMessage, type TimerScheduler } from './timers.js';

function requireTimersEnv(name: (typeof TIMERS_ENV)[keyof typeof TIMERS_ENV]): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Missing required environment variable ${name}`);
  return value;
}

export interface TimersDeps {
  scheduler: TimerScheduler;
  workflow: ConversationWorkflow;
  reactions?: WorkflowReactions;
}

export function timersDepsFromEnv(): TimersDeps {
  const table = new Table(getDocumentClient(), requireEnv(ENV.tableName));
  const endpoint = endpointFor('scheduler');
  const scheduler = new EventBridgeRetryScheduler<TimerMessage>(new SchedulerClient(endpoint === undefined ? {} : { endpoint }), {
    group: requireTimersEnv(TIMERS_ENV.scheduleGroup),
    queueArn: requireTimersEnv(TIMERS_ENV.queueArn),
    roleArn: requireTimersEnv(TIMERS_ENV.schedulerRoleArn),
  });
  const repository = new ConversationRepository(table);
  const events = new EventBridgePublisher(getEventBridgeClient(), requireEnv(ENV.eventBusName));
  const workflow = new ConversationWorkflow({ repository, directory: new Directory(table), events, clock: systemClock });
  return {
    scheduler,
    workflow,
    reactions: new WorkflowReactions({
      table, repository, workflow, scheduler, events, notifications: new NotificationStore(table),
      blobs: new S3BlobStore(getS3Client(), requireEnv(ENV.mailBucket)), clock: systemClock,
    }),
  };
}
