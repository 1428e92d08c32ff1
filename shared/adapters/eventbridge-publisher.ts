/** EventPublisher on an EventBridge bus. PutEvents takes at most 10 entries per call. */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DomainEvent, EventPublisher } from '../ports/index.js';

export class EventBridgePublisher implements EventPublisher {
  constructor(private readonly client: EventBridgeClient, private readonly busName: string) {}

  async publish(events: DomainEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      const out = await this.client.send(new PutEventsCommand({
        Entries: batch.map((e) => ({
          EventBusName: this.busName, Source: e.detail.metadata.source, DetailType: e.detailType,
          Detail: JSON.stringify(e.detail), Time: new Date(e.detail.metadata.occurredAt),
        })),
      }));
      // A partial failure must not pass silently: the caller's retry republishes (ids are stable).
      if ((out.FailedEntryCount ?? 0) > 0) {
        const failed = (out.Entries ?? []).filter((e) => e.ErrorCode).map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`);
        throw new Error(`EventBridge rejected ${out.FailedEntryCount} event(s): ${failed.join('; ')}`);
      }
    }
  }
}
