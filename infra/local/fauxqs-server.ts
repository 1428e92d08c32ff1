/**
 * SQS, SNS and S3 for the local stack, served by fauxqs 1.9.2 on one loopback port, with two
 * additions fauxqs does not offer:
 *
 * 1. **S3 objects persisted to disk.** fauxqs keeps everything in memory. Queues and topics are
 *    recreated at every start, but raw mail in S3 is the system of record, so a restart must keep
 *    it. `PersistentS3Store` extends fauxqs's own store and writes every object through to
 *    `<dir>/<bucket>/<sha256(key)>.{data,json}`; bodies are read back from disk on GetObject, so
 *    memory does not grow with the mailbox.
 * 2. **Objects up to 64 MiB in one PutObject.** fauxqs caps request bodies at 11 MiB (enough for
 *    multipart parts); SES stores messages up to 40 MB with a single write, and S3 accepts 5 GB.
 *
 * 3. **`response-*` overrides on GET**, which presigned download links use to name the file and
 *    fix its type (`response-content-disposition`, `response-content-type`, ...); fauxqs ignores
 *    them. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 *
 * The first two reach into fauxqs internals (`dist/s3/s3Store.js`, the Fastify instance from `buildApp`),
 * which is why fauxqs is pinned to 1.9.2 exactly: re-check this file before upgrading it.
 * SQS messages are not persisted: a message still queued when the stack stops is lost (its raw
 * mail stays in S3). `stop()` of the stack drains the queue first to make that rare.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildApp } from 'fauxqs';

/** Largest body one S3 PutObject may carry locally (SES's 40 MB limit plus encoding headroom). */
export const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

/** GetObject query parameters that replace response headers. */
const RESPONSE_OVERRIDES = [
  ['response-content-type', 'content-type'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-language', 'content-language'],
  ['response-content-encoding', 'content-encoding'],
  ['response-cache-control', 'cache-control'],
  ['response-expires', 'expires'],
] as const;

export interface FauxqsOptions {
  port: number;
  /** Directory for S3 objects; in memory when undefined. */
  s3Dir?: string | undefined;
}

export interface FauxqsHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** What this file relies on in fauxqs's S3Store (1.9.2). */
interface S3ObjectRecord {
  key: string;
  body: Buffer;
  contentType: string;
  contentLength: number;
  etag: string;
  lastModified: Date;
  metadata: Record<string, string>;
}

interface FauxqsS3Store {
  buckets: Map<string, Map<string, S3ObjectRecord>>;
  multipartUploads: Map<string, { bucket: string }>;
  createBucket(name: string): void;
  deleteBucket(name: string): void;
  putObject(bucket: string, key: string, body: Buffer, contentType?: string, metadata?: Record<string, string>): S3ObjectRecord;
  getObject(bucket: string, key: string): S3ObjectRecord;
  headObject(bucket: string, key: string): S3ObjectRecord;
  deleteObject(bucket: string, key: string): void;
  completeMultipartUpload(uploadId: string, parts: { partNumber: number; etag: string }[]): S3ObjectRecord;
}

type S3StoreConstructor = new () => FauxqsS3Store;

interface StoredMeta {
  key: string;
  contentType: string;
  contentLength: number;
  etag: string;
  lastModified: string;
  metadata: Record<string, string>;
}

/**
 * fauxqs exports only its entry point; its S3Store class sits beside it. Loading it by file URL
 * bypasses the package `exports` map (which only hides it, nothing more).
 */
async function loadS3StoreClass(): Promise<S3StoreConstructor> {
  const entry = import.meta.resolve('fauxqs');
  const module = (await import(new URL('./s3/s3Store.js', entry).href)) as { S3Store?: S3StoreConstructor };
  if (typeof module.S3Store !== 'function') {
    throw new Error('fauxqs internals changed: dist/s3/s3Store.js no longer exports S3Store (pin fauxqs 1.9.2)');
  }
  return module.S3Store;
}

function createPersistentS3Store(Base: S3StoreConstructor, root: string): FauxqsS3Store {
  const fileOf = (bucket: string, key: string): string =>
    join(root, bucket, createHash('sha256').update(key).digest('hex'));

  /** Write to a temporary name, then rename: a crash never leaves a half-written object visible. */
  const atomicWrite = (path: string, data: Buffer | string): void => {
    const temporary = `${path}.tmp-${process.pid}`;
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  };

  const lazy = (meta: StoredMeta, file: string): S3ObjectRecord => ({
    key: meta.key,
    contentType: meta.contentType,
    contentLength: meta.contentLength,
    etag: meta.etag,
    lastModified: new Date(meta.lastModified),
    metadata: meta.metadata,
    get body(): Buffer {
      return readFileSync(`${file}.data`);
    },
  });

  class PersistentS3Store extends Base {
    load(): void {
      mkdirSync(root, { recursive: true });
      for (const bucket of readdirSync(root)) {
        if (!statSync(join(root, bucket)).isDirectory()) continue;
        super.createBucket(bucket);
        const objects = this.buckets.get(bucket);
        for (const name of readdirSync(join(root, bucket))) {
          if (!name.endsWith('.json')) continue;
          const file = join(root, bucket, name.slice(0, -'.json'.length));
          const meta = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as StoredMeta;
          objects?.set(meta.key, lazy(meta, file));
        }
      }
    }

    override createBucket(name: string): void {
      super.createBucket(name);
      mkdirSync(join(root, name), { recursive: true });
    }

    override deleteBucket(name: string): void {
      super.deleteBucket(name);
      rmSync(join(root, name), { recursive: true, force: true });
    }

    override putObject(bucket: string, key: string, body: Buffer, contentType?: string, metadata?: Record<string, string>): S3ObjectRecord {
      const object = super.putObject(bucket, key, body, contentType, metadata);
      this.persist(bucket, object);
      return object;
    }

    override completeMultipartUpload(uploadId: string, parts: { partNumber: number; etag: string }[]): S3ObjectRecord {
      const bucket = this.multipartUploads.get(uploadId)?.bucket;
      const object = super.completeMultipartUpload(uploadId, parts);
      if (bucket !== undefined) this.persist(bucket, object);
      return object;
    }

    /** Reads the body once: fauxqs's GetObject touches `body` several times (ranges). */
    override getObject(bucket: string, key: string): S3ObjectRecord {
      const object = super.getObject(bucket, key);
      return { ...object, body: object.body };
    }

    /** HeadObject needs no body: skip the disk read. */
    override headObject(bucket: string, key: string): S3ObjectRecord {
      return super.getObject(bucket, key);
    }

    override deleteObject(bucket: string, key: string): void {
      super.deleteObject(bucket, key);
      const file = fileOf(bucket, key);
      for (const suffix of ['.json', '.data']) {
        if (existsSync(file + suffix)) unlinkSync(file + suffix);
      }
    }

    private persist(bucket: string, object: S3ObjectRecord): void {
      const file = fileOf(bucket, object.key);
      mkdirSync(join(root, bucket), { recursive: true });
      const meta: StoredMeta = {
        key: object.key,
        contentType: object.contentType,
        contentLength: object.contentLength,
        etag: object.etag,
        lastModified: object.lastModified.toISOString(),
        metadata: object.metadata,
      };
      atomicWrite(`${file}.data`, object.body);
      atomicWrite(`${file}.json`, JSON.stringify(meta));
      // Keep only metadata in memory; the body is read back from disk when asked for.
      this.buckets.get(bucket)?.set(object.key, lazy(meta, file));
    }
  }

  const store = new PersistentS3Store();
  store.load();
  return store;
}

/** Starts fauxqs on 127.0.0.1 (its own `startFauxqs` binds every interface). */
export async function startFauxqsServer(options: FauxqsOptions): Promise<FauxqsHandle> {
  const s3Store = options.s3Dir === undefined
    ? undefined
    : createPersistentS3Store(await loadS3StoreClass(), options.s3Dir);
  // `buildApp` falls back to its own store for every one left undefined.
  const app = buildApp({ logger: false, ...(s3Store ? { stores: { s3Store } as never } : {}) });
  app.removeContentTypeParser('*');
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_OBJECT_BYTES }, (_request, body, done) => {
    done(null, body);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && reply.statusCode < 300) {
      const query = request.query as Record<string, unknown>;
      for (const [parameter, header] of RESPONSE_OVERRIDES) {
        const value = query[parameter];
        if (typeof value === 'string') reply.header(header, value);
      }
    }
    return payload;
  });
  await app.listen({ port: options.port, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await app.close();
    },
  };
}
