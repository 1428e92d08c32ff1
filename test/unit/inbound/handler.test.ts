import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { handleInbound, inputsFromRecord, UnrecognisedEventError, type InboundHandlerDeps } from '../../../functions/inbound/handler.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';
import { MailStore } from '../../../shared/inbound/mail-store.js';
import { Directory } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { listByLookupIndex } from '../../../shared/api/inbox-queries.js';
import sesNotification from '../../fixtures/aws/ses-received-notification.json' with { type: 'json' };

const bucket = 'mail-bucket';

function record(body: unknown, receiveCount = 1, messageId = `m${Math.random()}`): SQSRecord {
  return {
    messageId, receiptHandle: 'rh', body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:inbound', awsRegion: 'us-east-1',
  };
}

function ses(objectKey: string, recipients = ['support@acme.test']) {
  const n = structuredClone(sesNotification);
  n.receipt.action.objectKey = objectKey;
  n.receipt.action.bucketName = bucket;
  n.receipt.recipients = recipients;
  return n;
}

describe('inputsFromRecord', () => {
  it('reads the SES notification, raw or inside an SNS envelope', () => {
    const direct = inputsFromRecord(JSON.stringify(ses('inbound/a')), bucket);
    const wrapped = inputsFromRecord(JSON.stringify({ Type: 'Notification', Message: JSON.stringify(ses('inbound/a')) }), bucket);
    expect(direct).toEqual(wrapped);
    expect(direct[0]).toMatchObject({ rawKey: 'inbound/a', envelopeRecipients: ['support@acme.test'] });
    expect(direct[0]!.verdicts).toEqual({ spam: 'PASS', virus: 'PASS' });
  });

  it('reads S3 ObjectCreated notifications, decoding keys as S3 encodes them', () => {
    const body = { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: 'inbound/imap/Bo%C3%AEte+1/42', size: 10 } } }] };
    expect(inputsFromRecord(JSON.stringify(body), bucket)).toEqual([{ rawKey: 'inbound/imap/Boîte 1/42', envelopeRecipients: [], receivedAt: null }]);
  });

  it('accepts the S3 test event as announcing nothing and rejects anything else clearly', () => {
    expect(inputsFromRecord(JSON.stringify({ Event: 's3:TestEvent' }), bucket)).toEqual([]);
    expect(() => inputsFromRecord('not json', bucket)).toThrow(UnrecognisedEventError);
    expect(() => inputsFromRecord(JSON.stringify({ hello: 1 }), bucket)).toThrow(/Unrecognised inbound event/);
    expect(() => inputsFromRecord(JSON.stringify(ses('inbound/a')).replace(bucket, 'other-bucket'), bucket)).toThrow(/not the mail bucket/);
  });
});

describe('handleInbound', () => {
  let db: TestTable;
  let deps: InboundHandlerDeps;
  let blobs: MemoryBlobStore;

  beforeAll(async () => {
    db = await startTestTable();
    await new Directory(db.table).save(modelFromSeed(demoSeed));
    blobs = new MemoryBlobStore();
    deps = { store: new MailStore(db.table, blobs), blobs, events: new MemoryEvents(), clock: new FixedClock(), subjectWindowHours: 72, bucket, maxReceives: 3 };
  });

  afterAll(async () => {
    await db.stop();
  });

  it('reports only the failing records and quarantines one that failed its last attempt', async () => {
    // Prepare: one good message, one whose object is missing (on its third and last attempt), one garbage body.
    await blobs.put('inbound/good', Buffer.from('From: a@client.test\r\nTo: support@acme.test\r\nSubject: ok\r\nMessage-ID: <ok@x>\r\n\r\nhi\r\n'), 'message/rfc822');
    const good = record(ses('inbound/good'), 1, 'good');
    const missing = record(ses('inbound/missing'), 3, 'missing');
    const garbage = record('{"what":true}', 1, 'garbage');
    const event: SQSEvent = { Records: [good, missing, garbage] };

    // Act
    const result = await handleInbound(event, deps);

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'missing' }, { itemIdentifier: 'garbage' }]);
    const quarantined = await listByLookupIndex(db.table, 'QUARANTINE', 10);
    expect(quarantined.items).toHaveLength(1);
    expect(quarantined.items[0]).toMatchObject({ rawKey: 'inbound/missing', attempts: 3 });
    expect(String(quarantined.items[0]!.error)).toContain('No object at inbound/missing');
  });

  it('clears the failure record when a retried message finally succeeds', async () => {
    await handleInbound({ Records: [record(ses('inbound/late'), 1, 'late-1')] }, deps);
    expect(await db.table.get({ PK: 'QUAR#inbound/late', SK: 'QUAR' })).toBeDefined();
    await blobs.put('inbound/late', Buffer.from('From: b@client.test\r\nTo: support@acme.test\r\nSubject: late\r\nMessage-ID: <late@x>\r\n\r\nhi\r\n'), 'message/rfc822');
    const result = await handleInbound({ Records: [record(ses('inbound/late'), 2, 'late-2')] }, deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(await db.table.get({ PK: 'QUAR#inbound/late', SK: 'QUAR' })).toBeUndefined();
  });
});

describe('event publishing per batch', () => {
  let db: TestTable;
  let blobs: MemoryBlobStore;

  beforeAll(async () => {
    db = await startTestTable();
    await new Directory(db.table).save(modelFromSeed(demoSeed));
    blobs = new MemoryBlobStore();
    for (const n of [1, 2, 3]) {
      await blobs.put(`inbound/b${n}`, Buffer.from(`From: c${n}@client.test\r\nTo: support@acme.test\r\nSubject: lot ${n}\r\nMessage-ID: <lot-${n}@x>\r\n\r\nhi\r\n`), 'message/rfc822');
    }
  });

  afterAll(async () => {
    await db.stop();
  });

  it('puts the events of a whole batch in one call', async () => {
    const calls: number[] = [];
    const events = { publish: async (e: unknown[]) => { calls.push(e.length); } };
    const deps: InboundHandlerDeps = { store: new MailStore(db.table, blobs), blobs, events, clock: new FixedClock(), subjectWindowHours: 72, bucket, maxReceives: 3 };
    const result = await handleInbound({ Records: [1, 2, 3].map((n) => record(ses(`inbound/b${n}`), 1, `r${n}`)) }, deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(calls).toEqual([3]);
  });

  it('retries every record whose events could not be published', async () => {
    const events = { publish: async () => { throw new Error('EventBridge unavailable'); } };
    const deps: InboundHandlerDeps = { store: new MailStore(db.table, blobs), blobs, events, clock: new FixedClock(), subjectWindowHours: 72, bucket, maxReceives: 3 };
    const result = await handleInbound({ Records: [record(ses('inbound/b1'), 2, 'again-1'), record('garbage', 1, 'bad')] }, deps);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['again-1', 'bad']);
  });
});
