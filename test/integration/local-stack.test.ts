/**
 * The embedded local stack end to end, with the real handlers: the HTTP API behind the JWT
 * authorizer stand-in, the development sign-in, SMTP -> S3 -> SNS -> SQS -> inbound handler ->
 * API, the EventBridge stand-in driven by the real SDK client, and a restart on disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type BusEvent } from '../../infra/local/stack.js';
import { EVENT_SOURCE, EVENTS } from '../../shared/events/contracts.js';
import { api, sendMail, startTestStack, waitFor, type LocalStack } from '../support/local-stack.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function s3For(stack: LocalStack): S3Client {
  return new S3Client({ endpoint: stack.endpoints.s3, region: 'us-east-1', credentials, forcePathStyle: true });
}

async function readObject(stack: LocalStack, key: string): Promise<string> {
  const s3 = s3For(stack);
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: stack.resources.mailBucket, Key: key }));
    return await object.Body!.transformToString();
  } finally {
    s3.destroy();
  }
}

/** Collects what a webhook receives. */
async function startWebhook(): Promise<{ url: string; received: BusEvent[]; close(): Promise<void> }> {
  const received: BusEvent[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as BusEvent);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('local stack (in memory)', () => {
  let stack: LocalStack;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;

  beforeAll(async () => {
    webhook = await startWebhook();
    stack = await startTestStack({ webhookUrl: webhook.url });
  });

  afterAll(async () => {
    await stack?.stop();
    await webhook?.close();
  });

  it('serves the OpenAPI document without a token, as deployed', async () => {
    // Act
    const response = await api(stack).get<{ openapi: string; paths: Record<string, unknown> }>('/api/openapi.json');

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
    expect(Object.keys(response.body.paths)).toContain('/api/me');
  });

  it('answers 401 before the handler for a missing or invalid token', async () => {
    const missing = await api(stack).get('/api/me');
    const invalid = await api(stack, 'not-a-jwt').get('/api/me');
    const foreign = await api(stack, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4IiwiaXNzIjoibWFpbHJvb20tbG9jYWwifQ.c2lnbmF0dXJl').get('/api/mailboxes');

    for (const response of [missing, invalid, foreign]) {
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ message: 'Unauthorized' });
    }
  });

  it('signs in a seeded user and refuses an unknown one', async () => {
    // Act
    const signedIn = await fetch(`${stack.httpUrl}/local/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'Camille@Acme.test' }),
    });
    const unknown = await fetch(`${stack.httpUrl}/local/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@acme.test' }),
    });

    // Assess
    expect(signedIn.status).toBe(200);
    const { token, expiresAt } = (await signedIn.json()) as { token: string; expiresAt: string };
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    const me = await api(stack, token).get<{ email: string }>('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.email).toBe('camille@acme.test');

    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect(await unknown.json()).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('stores mail received over SMTP under inbound/ and delivers it to the inbound handler', async () => {
    // Prepare
    const subject = `Facture en retard ${Date.now()}`;
    const token = await stack.signIn('alex@acme.test'); // Support's dispatcher: agents see only their own conversations

    // Act
    const sent = await sendMail(stack, {
      from: 'Client <client@example.org>',
      to: 'support@acme.test',
      subject,
      text: 'Bonjour, ma facture de mars est en retard.',
    });
    await stack.drain();

    // Assess: the raw object as SES would have stored it
    const raw = await readObject(stack, `inbound/${sent.sesMessageId}`);
    expect(raw).toContain(`Subject: ${subject}`);
    expect(raw).toMatch(/^Return-Path: <client@example\.org>\r\nReceived: from /);
    const listed = await s3For(stack).send(new ListObjectsV2Command({ Bucket: stack.resources.mailBucket, Prefix: 'inbound/' }));
    expect(listed.Contents?.map((object) => object.Key)).toContain(`inbound/${sent.sesMessageId}`);

    // Assess: end to end, the conversation is listed in the mailbox
    const conversations = await waitFor(async () => {
      const response = await api(stack, token).get<{ items: { subject: string }[] }>('/api/mailboxes/support/conversations');
      return response.body.items?.find((item) => item.subject === subject);
    }, 5_000);
    expect(conversations.subject).toBe(subject);

    // Assess: the handler's PutEvents reached the local bus and the webhook
    const received = stack.events().find((event) => event.source === EVENT_SOURCE &&
      event['detail-type'] === EVENTS.messageReceived.detailType && (event.detail as { data: { subject: string } }).data.subject === subject);
    expect(received?.detail).toMatchObject({ data: { placements: [{ mailboxId: 'support' }] } });
    await waitFor(() => webhook.received.some((event) => event.id === received?.id));
  });

  it('accepts PutEvents from the real SDK client, logs the event and forwards it to the webhook', async () => {
    // Prepare
    const client = new EventBridgeClient({ endpoint: stack.eventBusUrl, region: 'us-east-1', credentials });
    const routed: BusEvent[] = [];
    const removeRule = stack.addRule({ source: ['test.local'], detail: { data: { kind: [{ prefix: 'ping' }] } } }, async (event) => {
      routed.push(event);
    });

    // Act
    const output = await client.send(new PutEventsCommand({
      Entries: [
        { EventBusName: stack.resources.eventBusName, Source: 'test.local', DetailType: 'Ping', Detail: JSON.stringify({ metadata: { eventId: 'e1' }, data: { kind: 'ping-1' } }) },
        { EventBusName: stack.resources.eventBusName, Source: 'test.local', DetailType: 'Pong', Detail: JSON.stringify({ metadata: { eventId: 'e2' }, data: { kind: 'pong' } }) },
      ],
    }));
    await stack.drain();
    removeRule();
    client.destroy();

    // Assess
    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries).toHaveLength(2);
    const ids = output.Entries!.map((entry) => entry.EventId);
    const forwarded = await waitFor(() => {
      const found = webhook.received.filter((event) => ids.includes(event.id));
      return found.length === 2 ? found : undefined;
    });
    expect(forwarded[0]).toMatchObject({ version: '0', source: 'test.local', 'detail-type': 'Ping', region: 'us-east-1', detail: { data: { kind: 'ping-1' } } });
    expect(routed.map((event) => event['detail-type'])).toEqual(['Ping']);
    const logged = (await (await fetch(`${stack.httpUrl}/local/events`)).json()) as BusEvent[];
    expect(logged.slice(-2).map((event) => event.id)).toEqual(ids);
  });

  it('rejects operations the bus does not implement with the AWS error shape', async () => {
    const response = await fetch(stack.eventBusUrl, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.PutRule', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

describe('local stack (on disk)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-local-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps table items, S3 objects and the token secret across a restart', async () => {
    // Prepare: first start seeds and receives one message
    const options = { dataDir, httpPort: 0, smtpPort: 0, quiet: true } as const;
    const first = await startLocalStack(options);
    let sesMessageId: string;
    let token: string;
    try {
      expect(first.seeded).toBe(true);
      sesMessageId = (await sendMail(first, { from: 'a@example.org', to: 'ventes@acme.test', subject: 'Devis', text: 'Bonjour' })).sesMessageId;
      await first.drain();
      const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: first.endpoints.dynamodb, region: 'us-east-1', credentials }));
      await documents.send(new PutCommand({ TableName: first.resources.tableName, Item: { PK: 'TEST#restart', SK: 'TEST', value: 42 } }));
      documents.destroy();
      token = await first.signIn('sarah@acme.test');
    } finally {
      await first.stop();
    }

    // Act
    const second = await startLocalStack(options);
    try {
      // Assess
      expect(second.seeded).toBe(false);
      const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: second.endpoints.dynamodb, region: 'us-east-1', credentials }));
      const { Item } = await documents.send(new GetCommand({ TableName: second.resources.tableName, Key: { PK: 'TEST#restart', SK: 'TEST' } }));
      documents.destroy();
      expect(Item).toMatchObject({ value: 42 });
      expect(await readObject(second, `inbound/${sesMessageId}`)).toContain('Subject: Devis');
      const me = await api(second, token).get<{ email: string }>('/api/me');
      expect(me.status).toBe(200);
      expect(me.body.email).toBe('sarah@acme.test');
    } finally {
      await second.stop();
    }
  });
});
