/**
 * Stand-in for a Lambda event source mapping on an SQS queue with `ReportBatchItemFailures`:
 * long-polls the queue, invokes the handler in process with the event Lambda would build, deletes
 * the records the handler did not report as failed, and leaves the failed ones to reappear after
 * the visibility timeout (the emulator's redrive policy then moves them to the DLQ).
 *
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';
import type { Logger } from './logger.js';

/** How the local stack calls a Lambda handler: as the Node.js runtime does, with a promise. */
export type SqsHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse | void | undefined | null>;

export interface SqsPollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  handler: SqsHandler;
  functionName: string;
  /** Lambda timeout given to the handler's context. */
  timeoutMs: number;
  /** Records per invocation (the event source mapping's BatchSize; SQS allows at most 10 per receive). */
  batchSize: number;
  /** The queue's visibility timeout: in-flight records are kept invisible while the handler runs. */
  visibilityTimeoutSeconds: number;
  /** Parallel pollers, like the concurrent invocations an event source mapping scales to. */
  concurrency: number;
  logger: Logger;
}

export interface SqsPoller {
  /** Invocations running now. */
  busy(): number;
  stop(): Promise<void>;
}

export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const controller = new AbortController();
  let running = 0;

  const loop = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      let messages: Message[];
      try {
        const output = await options.sqs.send(new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: options.batchSize,
          WaitTimeSeconds: 20,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }), { abortSignal: controller.signal });
        messages = output.Messages ?? [];
      } catch (error) {
        if (controller.signal.aborted) return;
        options.logger.error(`${options.functionName}: ReceiveMessage failed`, error);
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (messages.length === 0) continue;
      running += 1;
      try {
        await invoke(messages);
      } catch (error) {
        options.logger.error(`${options.functionName}: invocation glue failed`, error);
      } finally {
        running -= 1;
      }
    }
  };

  const invoke = async (messages: Message[]): Promise<void> => {
    const event: SQSEvent = { Records: messages.map((message) => toRecord(message, options)) };
    const heartbeat = keepInvisible(messages, options);
    let failed: Set<string>;
    try {
      const result = await options.handler(event, lambdaContext(options.functionName, options.region, options.timeoutMs));
      failed = failedIds(result, event);
    } catch (error) {
      options.logger.error(`${options.functionName}: handler threw; the whole batch of ${messages.length} will be retried`, error);
      failed = new Set(event.Records.map((record) => record.messageId));
    } finally {
      clearInterval(heartbeat);
    }
    const done = messages.filter((message) => message.MessageId !== undefined && !failed.has(message.MessageId));
    if (done.length > 0) {
      const output = await options.sqs.send(new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }));
      for (const failure of output.Failed ?? []) {
        options.logger.warn(`${options.functionName}: DeleteMessage failed (${failure.Code ?? ''} ${failure.Message ?? ''}); the record will be delivered again`);
      }
    }
    if (failed.size > 0) {
      options.logger.warn(`${options.functionName}: ${failed.size} of ${messages.length} record(s) failed and will be retried (DLQ after the max receive count)`);
    }
  };

  const loops = Array.from({ length: Math.max(1, options.concurrency) }, () => loop());

  return {
    busy: () => running,
    async stop() {
      controller.abort();
      await Promise.allSettled(loops);
    },
  };
}

/**
 * The batch response contract: records listed in `batchItemFailures` are retried; a response
 * naming an id that is not in the batch (or an empty id) fails the whole batch, as on AWS.
 */
export function failedIds(result: unknown, event: SQSEvent): Set<string> {
  const all = new Set(event.Records.map((record) => record.messageId));
  if (result === undefined || result === null) return new Set();
  if (typeof result !== 'object') return new Set();
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

/** The record Lambda builds from a received SQS message. */
export function toRecord(message: Message, options: Pick<SqsPollerOptions, 'queueArn' | 'region'>): SQSRecord {
  const system = message.Attributes ?? {};
  const attributes: SQSRecord['attributes'] = {
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
    SentTimestamp: system.SentTimestamp ?? String(Date.now()),
    SenderId: system.SenderId ?? 'AIDAIENQZJOLO23YVJ4VO',
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
  for (const name of ['AWSTraceHeader', 'SequenceNumber', 'MessageGroupId', 'MessageDeduplicationId', 'DeadLetterQueueSourceArn'] as const) {
    const value = system[name];
    if (value !== undefined) attributes[name] = value;
  }
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes !== undefined ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn,
    awsRegion: options.region,
  };
}

/**
 * On AWS the visibility timeout is set well above the function timeout, so a record never
 * reappears while its invocation runs. Locally it is short (quick retries), so the poller extends
 * it while the handler works instead.
 */
function keepInvisible(messages: Message[], options: SqsPollerOptions): NodeJS.Timeout {
  const every = Math.max(250, (options.visibilityTimeoutSeconds * 1000) / 2);
  const timer = setInterval(() => {
    void options.sqs.send(new ChangeMessageVisibilityBatchCommand({
      QueueUrl: options.queueUrl,
      Entries: messages.map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: options.visibilityTimeoutSeconds,
      })),
    })).catch((error: unknown) => options.logger.warn(`${options.functionName}: could not extend visibility: ${String(error)}`));
  }, every);
  timer.unref();
  return timer;
}
