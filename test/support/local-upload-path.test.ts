/**
 * The gateway's same-origin path for browser uploads (infra/local/http-gateway.ts): upload links
 * the API signs for the S3 emulator are handed out on the gateway's origin, a PUT there lands in
 * the emulator under the signed key, and nothing but upload PUTs goes through.
 */
import { request } from 'node:http';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localUploadUrl } from '../../infra/local/http-gateway.js';
import { api, startTestStack, type ApiClient, type LocalStack } from './local-stack.js';

let stack: LocalStack;
let alex: ApiClient;

beforeAll(async () => {
  stack = await startTestStack();
  alex = api(stack, await stack.signIn('alex@acme.test'));
});

afterAll(async () => {
  await stack?.stop();
});

describe('local upload path', () => {
  it('rewrites only links on the emulator', () => {
    expect(localUploadUrl('http://127.0.0.1:4566/mail/uploads/k?X-Amz-Signature=1', 'http://127.0.0.1:4566', 'http://127.0.0.1:3000'))
      .toBe('http://127.0.0.1:3000/local/s3/mail/uploads/k?X-Amz-Signature=1');
    expect(localUploadUrl('https://mail.s3.eu-west-3.amazonaws.com/uploads/k', 'http://127.0.0.1:4566', 'http://127.0.0.1:3000'))
      .toBe('https://mail.s3.eu-west-3.amazonaws.com/uploads/k');
  });

  it('hands out the link on the gateway origin and stores the PUT under the signed key', async () => {
    // Prepare
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x0a]);
    const link = await alex.post<{ uploadKey: string; url: string; headers: Record<string, string> }>('/api/mailboxes/support/uploads', {
      filename: 'devis 42.pdf', contentType: 'application/pdf', size: bytes.length,
    });
    expect(link.status).toBe(201);
    expect(link.body.url.startsWith(`${stack.httpUrl}/local/s3/${stack.resources.mailBucket}/uploads/`)).toBe(true);

    // Act
    const put = await fetch(link.body.url, { method: 'PUT', headers: { 'content-type': link.body.headers['content-type']! }, body: bytes });

    // Assess
    expect(put.status).toBe(200);
    const s3 = new S3Client({ endpoint: stack.endpoints.s3, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true });
    try {
      const stored = await s3.send(new GetObjectCommand({ Bucket: stack.resources.mailBucket, Key: link.body.uploadKey }));
      expect(stored.ContentType).toBe('application/pdf');
      expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(bytes)).toBe(true);
    } finally {
      s3.destroy();
    }
  });

  it('lets nothing else through: reads, other prefixes, path tricks', async () => {
    const bucket = stack.resources.mailBucket;
    expect((await fetch(`${stack.httpUrl}/local/s3/${bucket}/uploads/x/y`)).status).toBe(403);
    expect((await fetch(`${stack.httpUrl}/local/s3/${bucket}/inbound/x`, { method: 'PUT', body: 'x' })).status).toBe(403);
    // fetch would normalise the path; a raw request keeps the dots.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const put = request(`${stack.httpUrl}/local/s3/${bucket}/uploads/../inbound/x`, { method: 'PUT', path: `/local/s3/${bucket}/uploads/../inbound/x` }, (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      put.on('error', reject);
      put.end('x');
    });
    expect(status).toBe(403);
  });
});
