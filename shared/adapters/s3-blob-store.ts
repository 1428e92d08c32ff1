/** BlobStore on S3: raw mail, attachments and large bodies in the mail bucket. */
import { DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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

  /**
   * Deletes every version of one object (the mail bucket is versioned: a plain delete only adds a
   * delete marker, the data stays recoverable until the noncurrent-version lifecycle expires it).
   * For a permanent deletion the data must go now. On a store without versioning, the listing is
   * empty or unsupported and the plain delete does it.
   * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html
   */
  async eraseAllVersions(key: string): Promise<void> {
    let versions: { VersionId?: string | undefined; Key?: string | undefined }[] = [];
    try {
      let keyMarker: string | undefined;
      let versionMarker: string | undefined;
      do {
        const out = await this.client.send(new ListObjectVersionsCommand({
          Bucket: this.bucket, Prefix: key, ...(keyMarker ? { KeyMarker: keyMarker } : {}), ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
        }));
        versions = versions.concat([...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].filter((v) => v.Key === key));
        keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
        versionMarker = out.IsTruncated ? out.NextVersionIdMarker : undefined;
      } while (keyMarker);
    } catch (error) {
      if (!(error instanceof Error) || !/NotImplemented|MethodNotAllowed|InvalidRequest/.test(error.name)) throw error;
    }
    for (const v of versions) {
      if (v.VersionId && v.VersionId !== 'null') await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, VersionId: v.VersionId }));
    }
    await this.delete(key);
  }
}
