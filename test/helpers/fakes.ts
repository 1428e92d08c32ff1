/** In-memory fakes of the ports, for use-case tests. */
import { Readable } from 'node:stream';
import type { BlobStore, Clock, DomainEvent, EventPublisher } from '../../shared/ports/index.js';

export class MemoryBlobStore implements BlobStore {
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();
  readonly stats = { gets: 0, puts: 0 };

  async getStream(key: string) {
    this.stats.gets += 1;
    const object = this.objects.get(key);
    if (!object) throw Object.assign(new Error(`No object at ${key}`), { name: 'NotFoundError' });
    return { body: Readable.from([object.body]), size: object.body.length, contentType: object.contentType };
  }

  async get(key: string): Promise<Buffer> {
    const object = this.objects.get(key);
    if (!object) throw Object.assign(new Error(`No object at ${key}`), { name: 'NotFoundError' });
    return object.body;
  }

  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    this.stats.puts += 1;
    this.objects.set(key, { body: Buffer.isBuffer(body) ? body : Buffer.from(body), contentType });
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}

export class MemoryEvents implements EventPublisher {
  readonly published: DomainEvent[] = [];
  async publish(events: DomainEvent[]): Promise<void> {
    this.published.push(...events);
  }
}

export class FixedClock implements Clock {
  constructor(public current = new Date('2026-11-20T09:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
