import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ConditionFailedError, DynamoMeter, Table } from '../../../shared/adapters/dynamodb-table.js';
import { EventBridgePublisher } from '../../../shared/adapters/eventbridge-publisher.js';
import { NotFoundError, S3BlobStore } from '../../../shared/adapters/s3-blob-store.js';
import { contentDisposition } from '../../../shared/adapters/s3-presigner.js';
import { buildEvent } from '../../../shared/events/contracts.js';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const events = mockClient(EventBridgeClient);
const s3 = mockClient(S3Client);

afterEach(() => {
  dynamo.reset();
  events.reset();
  s3.reset();
});

describe('Table', () => {
  it('retries unprocessed keys of BatchGetItem until every item is read', async () => {
    // Prepare
    dynamo.on(BatchGetCommand)
      .resolvesOnce({ Responses: { t: [{ PK: 'a', SK: 'A' }] }, UnprocessedKeys: { t: { Keys: [{ PK: 'b', SK: 'B' }] } } })
      .resolvesOnce({ Responses: { t: [{ PK: 'b', SK: 'B' }] } });
    const meter = new DynamoMeter();
    const table = new Table(documentClient, 't', meter);

    // Act
    const items = await table.batchGet([{ PK: 'a', SK: 'A' }, { PK: 'b', SK: 'B' }, { PK: 'a', SK: 'A' }]);

    // Assess
    expect(items.map((i) => i.PK)).toEqual(['a', 'b']);
    const calls = dynamo.commandCalls(BatchGetCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input.RequestItems!.t!.Keys).toHaveLength(2); // duplicates asked once
    expect(calls[1]!.args[0].input.RequestItems!.t!.Keys).toEqual([{ PK: 'b', SK: 'B' }]);
    expect(meter.requests).toBe(2);
  });

  it('splits writes into batches of 25 and retries unprocessed items', async () => {
    dynamo.on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { t: [{ PutRequest: { Item: { PK: 'x0', SK: 'S' } } }] } })
      .resolves({});
    const items = Array.from({ length: 30 }, (_, i) => ({ PK: `x${i}`, SK: 'S' }));
    await new Table(documentClient, 't').batchPut(items);
    const sizes = dynamo.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems!.t!.length);
    expect(sizes).toEqual([25, 1, 5]);
  });

  it('gives up after bounded attempts instead of looping forever', async () => {
    dynamo.on(BatchWriteCommand).resolves({ UnprocessedItems: { t: [{ PutRequest: { Item: { PK: 'x', SK: 'S' } } }] } });
    await expect(new Table(documentClient, 't').batchPut([{ PK: 'x', SK: 'S' }])).rejects.toThrow(/unprocessed/);
  }, 20_000);

  it('turns a failed condition into ConditionFailedError carrying the current item', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({
      message: 'The conditional request failed', $metadata: {}, Item: { PK: { S: 'CONV#1' }, status: { S: 'closed' } },
    }));
    const error = await new Table(documentClient, 't').update({ Key: { PK: 'CONV#1', SK: 'CONV' }, UpdateExpression: 'SET a = :a', ConditionExpression: 'b = :a', ExpressionAttributeValues: { ':a': 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConditionFailedError);
    expect((error as ConditionFailedError).item).toEqual({ PK: 'CONV#1', status: 'closed' });
  });
});

describe('EventBridgePublisher', () => {
  const event = buildEvent('messageReceived', 'id-1', {
    messageKey: 'k', messageId: 'm@x', orgId: 'demo', receivedAt: '2026-11-20T09:00:00.000Z', subject: 's', from: null, to: [], cc: [],
    placements: [], flags: ['unroutable'], attachmentCount: 0, deliveryReport: null, readReport: null,
  }, new Date('2026-11-20T09:00:00.000Z'));

  it('puts { metadata, data } on the bus with the detail type', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    await new EventBridgePublisher(new EventBridgeClient({ region: 'us-east-1' }), 'bus').publish([event]);
    const entry = events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ EventBusName: 'bus', Source: 'mailroom', DetailType: 'Message Received' });
    expect(JSON.parse(entry.Detail!)).toMatchObject({ metadata: { eventId: 'id-1', version: '1' }, data: { messageKey: 'k' } });
  });

  it('throws on a partially failed PutEvents so the caller retries', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    await expect(new EventBridgePublisher(new EventBridgeClient({ region: 'us-east-1' }), 'bus').publish([event])).rejects.toThrow(/InternalFailure/);
  });
});

describe('S3BlobStore', () => {
  it('maps a missing key to NotFoundError', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('no such key'), { name: 'NoSuchKey' }));
    await expect(new S3BlobStore(new S3Client({ region: 'us-east-1' }), 'b').get('inbound/x')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the UTF-8 name (RFC 6266)', () => {
    expect(contentDisposition('Facture n°12 "été".pdf')).toBe(`attachment; filename="Facture n_12 __t__.pdf"; filename*=UTF-8''Facture%20n%C2%B012%20%22%C3%A9t%C3%A9%22.pdf`);
  });
});

describe('S3DownloadLinks', () => {
  it('signs exactly as the SDK presigner does', async () => {
    // Prepare
    const { S3DownloadLinks } = await import('../../../shared/adapters/s3-presigner.js');
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
    const signingDate = new Date('2026-11-20T09:00:00Z');
    const key = 'attachments/obj 1/0';
    const options = { filename: 'Facture été.pdf', contentType: 'application/pdf' };
    const client = new S3Client({ region: 'eu-west-3', credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    s3.restore();

    // Act
    const { GetObjectCommand: Get } = await import('@aws-sdk/client-s3');
    const { contentDisposition: disposition } = await import('../../../shared/adapters/s3-presigner.js');
    const expected = new URL(await getSignedUrl(client, new Get({ Bucket: 'mail', Key: key, ResponseContentDisposition: disposition(options.filename), ResponseContentType: options.contentType }), { expiresIn: 300, signingDate }));
    const links = new S3DownloadLinks({ bucket: 'mail', region: 'eu-west-3', credentials: async () => credentials });
    const signer = (links as unknown as { signer: { presign: (r: unknown, o: Record<string, unknown>) => Promise<unknown> } }).signer;
    const presign = signer.presign.bind(signer);
    signer.presign = (request, opts) => presign(request, { ...opts, signingDate });
    const actual = new URL(await links.link(key, options));

    // Assess
    expect(actual.host).toBe(expected.host);
    expect(actual.pathname).toBe(expected.pathname);
    expect(actual.searchParams.get('X-Amz-Signature')).toBe(expected.searchParams.get('X-Amz-Signature'));
    expect(actual.searchParams.get('response-content-disposition')).toBe(disposition(options.filename));
  });
});
