/**
 * Short-lived download links for raw mail and attachments. Lambda responses are limited to 6 MB,
 * mail is up to 40 MB: the API answers with a redirect to a presigned S3 GET instead of proxying.
 *
 * Signed with SigV4 query parameters directly (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html)
 * rather than through the S3 client, which would add ~130 KB to the API bundle for one call.
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export interface DownloadLinks {
  link(key: string, options: { filename: string; contentType: string; inline?: boolean; expiresInSeconds?: number }): Promise<string>;
}

/** RFC 6266 / RFC 5987 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(filename: string, inline = false): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The hash interface SignatureV4 expects (SHA-256, or HMAC-SHA-256 when given a secret). */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

/** RFC 3986 encoding, as SigV4 canonical requests use (encodeURIComponent leaves !'()* alone). */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function encodeKey(key: string): string {
  return key.split('/').map(rfc3986).join('/');
}

export interface S3LinkConfig {
  bucket: string;
  region: string;
  credentials: AwsCredentialIdentityProvider;
  /** Endpoint override (path-style), e.g. a local emulator; AWS's virtual-hosted endpoint otherwise. */
  endpoint?: string;
}

export class S3DownloadLinks implements DownloadLinks {
  private readonly signer: SignatureV4;

  constructor(private readonly config: S3LinkConfig) {
    this.signer = new SignatureV4({ service: 's3', region: config.region, credentials: config.credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  }

  async link(key: string, options: { filename: string; contentType: string; inline?: boolean; expiresInSeconds?: number }): Promise<string> {
    const { bucket, region, endpoint } = this.config;
    const base = endpoint !== undefined ? new URL(endpoint) : new URL(`https://${bucket}.s3.${region}.amazonaws.com`);
    const path = endpoint !== undefined ? `${base.pathname.replace(/\/$/, '')}/${bucket}/${encodeKey(key)}` : `/${encodeKey(key)}`;
    const request = {
      method: 'GET', protocol: base.protocol, hostname: base.hostname, port: base.port ? Number(base.port) : undefined, path,
      query: {
        'response-content-disposition': contentDisposition(options.filename, options.inline),
        'response-content-type': options.contentType,
        'x-id': 'GetObject',
        // S3 presigned URLs sign no payload.
        'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
      },
      // Read by the signer as the payload hash; neither hoisted nor signed as a header.
      headers: { host: base.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    };
    const signed = await this.signer.presign(request, {
      expiresIn: options.expiresInSeconds ?? 300,
      unhoistableHeaders: new Set(['x-amz-content-sha256']), unsignableHeaders: new Set(['x-amz-content-sha256']),
    });
    const query = Object.entries(signed.query ?? {})
      .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).filter((v) => v !== null && v !== undefined).map((v) => `${rfc3986(name)}=${rfc3986(v)}`))
      .join('&');
    return `${base.protocol}//${base.host}${signed.path}?${query}`;
  }

  /**
   * A presigned PUT for one upload. `Content-Type` and `Content-Length` are signed headers, so S3
   * refuses a body of another size or type (SignatureDoesNotMatch): the size the API checked
   * against its cap is the size stored. A presigned PUT cannot express "at most n bytes" (only a
   * POST policy's content-length-range can), hence the exact size.
   */
  async uploadLink(key: string, options: UploadLinkOptions): Promise<UploadLink> {
    const { bucket, region, endpoint } = this.config;
    const base = endpoint !== undefined ? new URL(endpoint) : new URL(`https://${bucket}.s3.${region}.amazonaws.com`);
    const path = endpoint !== undefined ? `${base.pathname.replace(/\/$/, '')}/${bucket}/${encodeKey(key)}` : `/${encodeKey(key)}`;
    const headers = { 'content-type': options.contentType, 'content-length': String(options.size) };
    const expiresIn = options.expiresInSeconds ?? 900;
    const signed = await this.signer.presign({
      method: 'PUT', protocol: base.protocol, hostname: base.hostname, port: base.port ? Number(base.port) : undefined, path,
      query: { 'x-id': 'PutObject', 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      headers: { host: base.host, ...headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    }, {
      expiresIn,
      unhoistableHeaders: new Set(['x-amz-content-sha256']), unsignableHeaders: new Set(['x-amz-content-sha256']),
    });
    const query = Object.entries(signed.query ?? {})
      .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).filter((v) => v !== null && v !== undefined).map((v) => `${rfc3986(name)}=${rfc3986(v)}`))
      .join('&');
    return { url: `${base.protocol}//${base.host}${signed.path}?${query}`, method: 'PUT', headers, expiresInSeconds: expiresIn };
  }
}

export interface UploadLinkOptions {
  contentType: string;
  /** Exact size in bytes of the body the client will PUT. */
  size: number;
  expiresInSeconds?: number;
}

/** What a client needs to upload: PUT `url` with exactly these headers. */
export interface UploadLink {
  url: string;
  method: 'PUT';
  headers: { 'content-type': string; 'content-length': string };
  expiresInSeconds: number;
}

/** Presigned uploads (see {@link S3DownloadLinks.uploadLink}); a port so routes can be tested without S3. */
export interface UploadLinks {
  uploadLink(key: string, options: UploadLinkOptions): Promise<UploadLink>;
  /** A short-lived GET of an upload (the author's own), e.g. to show an inline image again. */
  link(key: string, options: { filename: string; contentType: string; inline?: boolean; expiresInSeconds?: number }): Promise<string>;
}

/**
 * Read-only BlobStore over presigned GETs, for the API (which only reads the rare bodies stored
 * in S3): it keeps the S3 client out of the API bundle.
 */
export class PresignedBlobReader {
  constructor(private readonly links: S3DownloadLinks) {}

  async get(key: string): Promise<Buffer> {
    const response = await fetch(await this.links.link(key, { filename: 'body', contentType: 'application/octet-stream', expiresInSeconds: 60 }));
    if (!response.ok) throw new Error(`S3 GET ${key} failed with ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  async getStream(key: string): Promise<never> {
    throw new Error(`PresignedBlobReader cannot stream ${key}`);
  }

  async put(key: string): Promise<never> {
    throw new Error(`PresignedBlobReader is read-only (put ${key})`);
  }

  async delete(key: string): Promise<never> {
    throw new Error(`PresignedBlobReader is read-only (delete ${key})`);
  }
}
