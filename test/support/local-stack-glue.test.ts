/**
 * The local stack's glue on its own, with stand-in handlers that record what they are given:
 * the events must be the ones AWS would deliver, and the retry, redrive and response mapping
 * rules must be AWS's. The real handlers are exercised in test/integration/local-stack.test.ts.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { HeadObjectCommand, PutObjectCommand, GetObjectCommand, S3Client, DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sesReceivedNotificationSchema } from '../../functions/inbound/schema.js';
import type { ApiHandler } from '../../infra/local/http-gateway.js';
import type { SqsHandler } from '../../infra/local/sqs-poller.js';
import { api, sendMail, startTestStack, waitFor, type LocalStack } from './local-stack.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let stack: LocalStack;
let inbound: SqsHandler;
let apiHandler: ApiHandler;
const invocations: SQSEvent[] = [];
const apiEvents: APIGatewayProxyEventV2WithJWTAuthorizer[] = [];

const subjectOf = (body: string): string => String(JSON.parse(body).mail.commonHeaders.subject ?? '');

beforeAll(async () => {
  stack = await startTestStack({
    // Quicker retries than the stack's default of 2 s.
    visibilityTimeoutSeconds: 1,
    handlers: {
      inbound: (event, context) => {
        invocations.push(structuredClone(event));
        return inbound(event, context);
      },
      api: (event, context) => {
        apiEvents.push(event);
        return apiHandler(event, context);
      },
      // The OpenAPI document and the workspace routes go to the workspace function: same stand-in.
      workspace: (event, context) => {
        apiEvents.push(event);
        return apiHandler(event, context);
      },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

beforeEach(() => {
  invocations.length = 0;
  apiEvents.length = 0;
  inbound = async () => ({ batchItemFailures: [] });
  apiHandler = async () => ({ statusCode: 200, body: '{}' });
});

async function queueDepth(queueUrl: string): Promise<number> {
  const sqs = new SQSClient({ endpoint: stack.endpoints.sqs, region: 'us-east-1', credentials });
  try {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  } finally {
    sqs.destroy();
  }
}

describe('SES receiving stand-in and SQS event source mapping', () => {
  it('delivers the SES Received notification in an AWS-shaped SQS event', async () => {
    // Act
    const sent = await sendMail(stack, {
      from: 'Client <client@example.org>',
      to: 'support@acme.test',
      cc: 'ventes@acme.test',
      subject: 'Shape',
      text: 'Hello',
      envelope: { from: 'bounce@example.org', to: ['support@acme.test', 'hidden@acme.test'] },
    });
    await stack.drain();

    // Assess
    expect(invocations).toHaveLength(1);
    const record = invocations[0]!.Records[0]!;
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: stack.resources.queueArn,
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(record.receiptHandle).not.toBe('');
    expect(record.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    const notification = sesReceivedNotificationSchema.parse(JSON.parse(record.body));
    expect(notification.mail).toMatchObject({ messageId: sent.sesMessageId, source: 'bounce@example.org', destination: ['support@acme.test', 'ventes@acme.test'] });
    expect(notification.receipt.recipients).toEqual(['support@acme.test', 'hidden@acme.test']);
    expect(notification.receipt.action).toEqual({
      type: 'S3',
      topicArn: stack.resources.topicArn,
      bucketName: stack.resources.mailBucket,
      objectKey: `inbound/${sent.sesMessageId}`,
    });
    expect(notification.receipt.spamVerdict?.status).toBe('PASS');
  });

  it('deletes succeeded records, retries reported failures and redrives them to the DLQ after 3 receives', async () => {
    // Prepare
    inbound = async (event) => ({
      batchItemFailures: event.Records.filter((r) => subjectOf(r.body) === 'poison').map((r) => ({ itemIdentifier: r.messageId })),
    });
    const dlqBefore = await queueDepth(stack.resources.dlqUrl);

    // Act
    await sendMail(stack, { from: 'a@example.org', to: 'support@acme.test', subject: 'poison', text: 'x' });
    await sendMail(stack, { from: 'a@example.org', to: 'support@acme.test', subject: 'fine', text: 'y' });
    await stack.drain(20_000);

    // Assess
    const seen = invocations.flatMap((event) => event.Records.map((r) => [subjectOf(r.body), r.attributes.ApproximateReceiveCount]));
    expect(seen.filter(([subject]) => subject === 'fine')).toEqual([['fine', '1']]);
    expect(seen.filter(([subject]) => subject === 'poison').map(([, count]) => count)).toEqual(['1', '2', '3']);
    expect(await queueDepth(stack.resources.dlqUrl)).toBe(dlqBefore + 1);
  });

  it('retries the whole batch when the handler throws', async () => {
    // Prepare
    let calls = 0;
    inbound = async () => {
      calls += 1;
      if (calls === 1) throw new Error('cold start failure');
      return { batchItemFailures: [] };
    };

    // Act
    await sendMail(stack, { from: 'a@example.org', to: 'support@acme.test', subject: 'again', text: 'z' });
    await stack.drain(10_000);

    // Assess
    const counts = invocations.flatMap((event) => event.Records.map((r) => r.attributes.ApproximateReceiveCount));
    expect(counts).toEqual(['1', '2']);
  });

  it('stores a 35 MB message intact and refuses one over 40 MB with 552', async () => {
    // Prepare
    const attachment = Buffer.alloc(26 * 1024 * 1024, 0x41);

    // Act
    const sent = await sendMail(stack, {
      from: 'a@example.org',
      to: 'support@acme.test',
      subject: 'big',
      text: 'see attachment',
      attachments: [{ filename: 'big.bin', content: attachment }],
    });
    await stack.drain(30_000);
    const tooBig = sendMail(stack, {
      from: 'a@example.org',
      to: 'support@acme.test',
      subject: 'too big',
      attachments: [{ filename: 'huge.bin', content: Buffer.alloc(31 * 1024 * 1024, 0x42) }],
    });

    // Assess
    const s3 = new S3Client({ endpoint: stack.endpoints.s3, region: 'us-east-1', credentials, forcePathStyle: true });
    const head = await s3.send(new HeadObjectCommand({ Bucket: stack.resources.mailBucket, Key: `inbound/${sent.sesMessageId}` }));
    s3.destroy();
    expect(head.ContentLength).toBeGreaterThan(35 * 1024 * 1024);
    await expect(tooBig).rejects.toMatchObject({ responseCode: 552 });
  });
});

describe('S3 emulator', () => {
  it('supports the calls the handlers make, with path-style addressing', async () => {
    const s3 = new S3Client({ endpoint: stack.endpoints.s3, region: 'us-east-1', credentials, forcePathStyle: true });
    const Bucket = stack.resources.mailBucket;
    try {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'att/a b+é.txt', Body: 'hello', ContentType: 'text/plain' }));
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'att/a b+é.txt' }));
      expect(got.ContentType).toBe('text/plain');
      expect(await got.Body!.transformToString()).toBe('hello');
      const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'att/' }));
      expect(listed.Contents?.map((object) => object.Key)).toEqual(['att/a b+é.txt']);
      await s3.send(new DeleteObjectCommand({ Bucket, Key: 'att/a b+é.txt' }));
      await expect(s3.send(new GetObjectCommand({ Bucket, Key: 'att/a b+é.txt' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    } finally {
      s3.destroy();
    }
  });
});

describe('S3 presigned downloads', () => {
  it('honours the response-* overrides that name and type the download', async () => {
    // Prepare
    const s3 = new S3Client({ endpoint: stack.endpoints.s3, region: 'us-east-1', credentials, forcePathStyle: true });
    const Bucket = stack.resources.mailBucket;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'att/x', Body: '<b>hi</b>', ContentType: 'text/html' }));

    // Act
    const url = await getSignedUrl(s3, new GetObjectCommand({
      Bucket, Key: 'att/x', ResponseContentType: 'application/octet-stream', ResponseContentDisposition: 'attachment; filename="x.html"',
    }), { expiresIn: 60 });
    const response = await fetch(url);
    s3.destroy();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="x.html"');
    expect(await response.text()).toBe('<b>hi</b>');
  });
});

describe('API Gateway stand-in', () => {
  it('builds a payload-format-2.0 event with the authorizer claims as strings', async () => {
    // Prepare
    const token = await stack.signIn('camille@acme.test');

    // Act
    const response = await fetch(`${stack.httpUrl}/api/mailboxes/support/conversations?status=closed&tag=a&tag=b`, {
      headers: { authorization: `Bearer ${token}`, cookie: 'a=1; b=2', 'x-custom': 'yes' },
    });
    await response.text();

    // Assess
    const event = apiEvents.at(-1)!;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'ANY /api/{proxy+}',
      rawPath: '/api/mailboxes/support/conversations',
      rawQueryString: 'status=closed&tag=a&tag=b',
      queryStringParameters: { status: 'closed', tag: 'a,b' },
      pathParameters: { proxy: 'mailboxes/support/conversations' },
      cookies: ['a=1', 'b=2'],
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path: '/api/mailboxes/support/conversations', sourceIp: '127.0.0.1' }, stage: '$default' },
    });
    expect(event.headers['x-custom']).toBe('yes');
    expect(event.headers['cookie']).toBeUndefined();
    const claims = event.requestContext.authorizer.jwt.claims;
    expect(claims).toMatchObject({ email: 'camille@acme.test', name: 'Camille Martin', iss: 'mailroom-local' });
    expect(typeof claims['exp']).toBe('string');
    expect(Object.keys(claims).sort()).toEqual(['email', 'exp', 'iat', 'iss', 'name', 'sub']);
  });

  it('passes binary bodies base64-encoded and text bodies as text', async () => {
    const token = await stack.signIn('camille@acme.test');
    await fetch(`${stack.httpUrl}/api/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array([0, 1, 2, 255]) });
    await fetch(`${stack.httpUrl}/api/notes`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"a":"é"}' });

    expect(apiEvents[0]).toMatchObject({ isBase64Encoded: true, body: Buffer.from([0, 1, 2, 255]).toString('base64') });
    expect(apiEvents[1]).toMatchObject({ isBase64Encoded: false, body: '{"a":"é"}' });
  });

  it('maps the result back: status, headers, cookies and base64 bodies', async () => {
    // Prepare
    const token = await stack.signIn('camille@acme.test');
    apiHandler = async () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'application/pdf', 'X-Trace': 'abc' },
      cookies: ['s=1; HttpOnly', 't=2'],
      isBase64Encoded: true,
      body: Buffer.from('%PDF-1.7').toString('base64'),
    });

    // Act
    const response = await fetch(`${stack.httpUrl}/api/x`, { headers: { authorization: `Bearer ${token}` } });

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('x-trace')).toBe('abc');
    expect(response.headers.getSetCookie()).toEqual(['s=1; HttpOnly', 't=2']);
    expect(await response.text()).toBe('%PDF-1.7');
  });

  it('treats a result without statusCode as a JSON 200, and a thrown error as a 500', async () => {
    const token = await stack.signIn('camille@acme.test');
    apiHandler = async () => ({ hello: 'world' });
    const plain = await api(stack, token).get('/api/plain');
    apiHandler = async () => {
      throw new Error('boom');
    };
    const failed = await api(stack, token).get('/api/boom');

    expect(plain).toMatchObject({ status: 200, body: { hello: 'world' } });
    expect(failed).toMatchObject({ status: 500, body: { message: 'Internal Server Error' } });
  });

  it('does not call the handler without a valid token, except for the OpenAPI document', async () => {
    const expired = await api(stack, 'eyJhbGciOiJIUzI1NiJ9.e30.x').get('/api/me');
    const openapi = await api(stack).get('/api/openapi.json');

    expect(expired.status).toBe(401);
    expect(openapi.status).toBe(200);
    expect(apiEvents.map((event) => event.rawPath)).toEqual(['/api/openapi.json']);
    expect(apiEvents[0]).toMatchObject({ routeKey: 'GET /api/openapi.json', requestContext: { routeKey: 'GET /api/openapi.json' } });
    expect(apiEvents[0]!.requestContext.authorizer).toBeUndefined();
    expect(apiEvents[0]!.pathParameters).toBeUndefined();
  });

  it('answers 404 for unknown /local paths; other paths are the web app (test/browser covers it)', async () => {
    const response = await fetch(`${stack.httpUrl}/local/elsewhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
    const app = await fetch(`${stack.httpUrl}/elsewhere`);
    expect(app.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });
});

describe('EventBridge stand-in', () => {
  it('reports entries without a valid Detail as failed and refuses more than 10 entries', async () => {
    const client = new EventBridgeClient({ endpoint: stack.eventBusUrl, region: 'us-east-1', credentials });
    try {
      const partial = await client.send(new PutEventsCommand({
        Entries: [
          { Source: 's', DetailType: 'ok', Detail: '{}' },
          { Source: 's', DetailType: 'bad', Detail: 'not json' },
        ],
      }));
      expect(partial.FailedEntryCount).toBe(1);
      expect(partial.Entries?.[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
      await expect(client.send(new PutEventsCommand({
        Entries: Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'x', Detail: '{}' })),
      }))).rejects.toMatchObject({ name: 'ValidationException' });
    } finally {
      client.destroy();
    }
  });

  it('routes events to rule targets by pattern and waits for them in drain()', async () => {
    const seen: string[] = [];
    const remove = stack.addRule({ 'detail-type': [{ 'anything-but': 'Ignored' }], source: ['rules.test'] }, async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen.push(event['detail-type']);
    });
    const client = new EventBridgeClient({ endpoint: stack.eventBusUrl, region: 'us-east-1', credentials });
    await client.send(new PutEventsCommand({
      Entries: [
        { Source: 'rules.test', DetailType: 'Kept', Detail: '{}' },
        { Source: 'rules.test', DetailType: 'Ignored', Detail: '{}' },
        { Source: 'other', DetailType: 'Kept', Detail: '{}' },
      ],
    }));
    client.destroy();
    await stack.drain();
    remove();

    expect(seen).toEqual(['Kept']);
  });
});

describe('SES sending emulator', () => {
  it('accepts SendEmail from the real SESv2 client and shows it in its store', async () => {
    const ses = new SESv2Client({ endpoint: stack.sesUrl, region: 'us-east-1', credentials });
    try {
      const sent = await ses.send(new SendEmailCommand({
        FromEmailAddress: 'support@acme.test',
        Destination: { ToAddresses: ['client@example.org'] },
        Content: { Simple: { Subject: { Data: 'Réponse' }, Body: { Text: { Data: 'Bonjour' } } } },
      }));
      expect(sent.MessageId).toBeTruthy();
      const store = (await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: { subject: string }[] };
      expect(store.emails.map((email) => email.subject)).toContain('Réponse');
    } finally {
      ses.destroy();
    }
  });
});

describe('drain()', () => {
  it('rejects with the counts when work does not finish in time', async () => {
    inbound = async () => {
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      return { batchItemFailures: [] };
    };
    await sendMail(stack, { from: 'a@example.org', to: 'support@acme.test', subject: 'slow', text: 's' });
    await expect(stack.drain(200)).rejects.toThrow(/still busy/);
    await stack.drain(10_000);
    // Visibility is extended while the handler runs (the timeout here is 1 s): one delivery only.
    expect(invocations).toHaveLength(1);
  });

  it('is quiet for an idle stack', async () => {
    await expect(stack.drain(2_000)).resolves.toBeUndefined();
    await waitFor(() => true);
  });
});
