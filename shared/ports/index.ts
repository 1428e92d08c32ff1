/**
 * Ports: the small interfaces domain code depends on. Production adapters live beside them in
 * `shared/adapters/`; tests pass in-memory fakes.
 */
import type { Readable } from 'node:stream';

/** Object storage for raw mail, attachments and large bodies (S3). */
export interface BlobStore {
  get(key: string): Promise<Buffer>;
  getStream(key: string): Promise<{ body: Readable; size: number | null; contentType: string | null }>;
  put(key: string, body: Buffer | string, contentType: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface DomainEvent<T = unknown> {
  detailType: string;
  /** Payload: `{ metadata, data }` as described in events/README.md. */
  detail: { metadata: EventMetadata; data: T };
}

export interface EventMetadata {
  /** Stable id: the same fact published twice carries the same id, so consumers can dedupe. */
  eventId: string;
  version: string;
  occurredAt: string;
  source: string;
}

export interface EventPublisher {
  publish(events: DomainEvent[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
