/** BlobStore on S3: raw mail, attachments and large bodies in the mail bucket. */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../ports/index.js';

export class NotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No object at ${key}`);
    this.name = 'NotFoundError';
  }
}

export class S3BlobStore implements BlobStore {
  /** Counts requests for benchmarks. */
  readonly stats = { gets: 0, puts: 0 };

  constructor(private readonly client: S3Client, private readonly bucket: string) {}

  async getStream(key: string): Promise<{ body: Readable; size: number | null; contentType: string | null }> {
    this.stats.gets += 1;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { body: out.Body as Readable, size: out.ContentLength ?? null, contentType: out.ContentType ?? null };
    } catch (error) {
      if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) throw new NotFoundError(key);
      throw error;
    }
  }

  async get(key: string): Promise<Buffer> {
    const { body } = await this.getStream(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    this.stats.puts += 1;
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
