/**
 * OutboxQueue port: enqueue a send trigger, with the undo-send delay. SQS `DelaySeconds` keeps the
 * message invisible to the sender for up to 15 minutes, which is the undo window; a cancel during
 * it wins the race by moving the message out of `queued` before the sender can claim it.
 * See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { MAX_DELAY_SECONDS } from './env.js';
import type { SendTrigger } from './trigger.js';

export { MAX_DELAY_SECONDS } from './env.js';

export interface OutboxQueue {
  enqueue(trigger: SendTrigger, delaySeconds: number): Promise<void>;
}

export class SqsOutboxQueue implements OutboxQueue {
  constructor(private readonly client: SQSClient, private readonly queueUrl: string) {}

  async enqueue(trigger: SendTrigger, delaySeconds: number): Promise<void> {
    await this.client.send(new SendMessageCommand({
      QueueUrl: this.queueUrl,
      MessageBody: JSON.stringify(trigger),
      DelaySeconds: Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.round(delaySeconds))),
    }));
  }
}
