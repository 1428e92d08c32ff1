/** Pure parts of the local stack's glue: the AWS conventions they reproduce. */
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { devSubject, signDevToken, stringifyClaim, verifyDevToken } from '../../infra/local/dev-tokens.js';
import { fromApiResult } from '../../infra/local/http-gateway.js';
import { tableDefinition } from '../../infra/local/resources.js';
import { parseHeaderBlock, receivedNotification, sesLikeMessageId } from '../../infra/local/smtp-receiver.js';
import { failedIds } from '../../infra/local/sqs-poller.js';
import { sesReceivedNotificationSchema } from '../../functions/inbound/schema.js';
import { TABLE } from '../../shared/model/table.js';

const batch: SQSEvent = { Records: [{ messageId: 'a' }, { messageId: 'b' }] as SQSEvent['Records'] };

describe('failedIds (ReportBatchItemFailures contract)', () => {
  it('treats an empty or missing response as full success', () => {
    expect([...failedIds(undefined, batch)]).toEqual([]);
    expect([...failedIds({ batchItemFailures: [] }, batch)]).toEqual([]);
    expect([...failedIds({}, batch)]).toEqual([]);
  });

  it('retries only the listed records', () => {
    expect([...failedIds({ batchItemFailures: [{ itemIdentifier: 'b' }] }, batch)]).toEqual(['b']);
  });

  it('fails the whole batch for an unknown or empty identifier', () => {
    expect([...failedIds({ batchItemFailures: [{ itemIdentifier: 'zzz' }] }, batch)].sort()).toEqual(['a', 'b']);
    expect([...failedIds({ batchItemFailures: [{ itemIdentifier: '' }] }, batch)].sort()).toEqual(['a', 'b']);
    expect([...failedIds({ batchItemFailures: 'nope' }, batch)].sort()).toEqual(['a', 'b']);
  });
});

describe('development tokens', () => {
  it('forwards claims as the HTTP API JWT authorizer does: every value a string', async () => {
    // Prepare
    const issued = new Date('2026-01-01T00:00:00Z');
    const { token } = await signDevToken({ email: 'Camille@Acme.test', name: 'Camille', groups: ['admins', 'agents'] }, 'secret', issued);

    // Act
    const verified = await verifyDevToken(`Bearer ${token}`, 'secret', new Date('2026-01-01T01:00:00Z'));
    const expired = await verifyDevToken(`Bearer ${token}`, 'secret', new Date('2026-01-01T12:00:01Z'));

    // Assess
    expect(verified).toEqual({
      claims: {
        sub: devSubject('camille@acme.test'), email: 'camille@acme.test', name: 'Camille', iss: 'mailroom-local',
        exp: '1767268800', iat: '1767225600', 'cognito:groups': '[admins agents]',
      },
      scopes: null,
    });
    expect(expired).toBeNull();
  });

  it('refuses a token signed with another secret, a missing header or another scheme', async () => {
    const { token } = await signDevToken({ email: 'a@b.test', name: 'A', groups: [] }, 'secret');
    expect(await verifyDevToken(`Bearer ${token}`, 'other')).toBeNull();
    expect(await verifyDevToken(undefined, 'secret')).toBeNull();
    expect(await verifyDevToken(`Basic ${token}`, 'secret')).toBeNull();
    expect((await verifyDevToken(`Bearer ${token}`, 'secret'))?.claims).toMatchObject({ email: 'a@b.test', iss: 'mailroom-local', sub: devSubject('a@b.test') });
  });

  it('stringifies claim values like API Gateway', () => {
    expect(stringifyClaim(1700000000)).toBe('1700000000');
    expect(stringifyClaim(true)).toBe('true');
    expect(stringifyClaim(['a', 'b'])).toBe('[a b]');
  });

  it('derives a stable UUID-shaped subject', () => {
    expect(devSubject('A@b.test')).toBe(devSubject('a@b.test'));
    expect(devSubject('a@b.test')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('fromApiResult (payload format 2.0 response mapping)', () => {
  it('defaults the content type to JSON', () => {
    expect(fromApiResult({ statusCode: 204 })).toMatchObject({ statusCode: 204, headers: { 'content-type': 'application/json' } });
  });

  it('serialises a bare string or object as a JSON 200', () => {
    expect(fromApiResult('"hi"').body.toString()).toBe('"hi"');
    expect(fromApiResult({ a: 1 })).toMatchObject({ statusCode: 200 });
    expect(fromApiResult({ a: 1 }).body.toString()).toBe('{"a":1}');
  });
});

describe('SES notification', () => {
  it('builds a notification the inbound schema accepts, with headers from the message', () => {
    // Prepare
    const raw = Buffer.from('From: "A" <a@example.org>\r\nTo: support@acme.test,\r\n  "B" <b@acme.test>\r\nCc: c@acme.test\r\nSubject: Hello\r\n world\r\nMessage-ID: <m1@example.org>\r\n\r\nBody: not a header\r\n');

    // Act
    const notification = receivedNotification({
      mail: { raw, mailFrom: 'bounce@example.org', recipients: ['support@acme.test'], remoteAddress: '127.0.0.1', clientHostname: 'localhost' },
      messageId: sesLikeMessageId(),
      timestamp: '2026-01-01T00:00:00.000Z',
      objectKey: 'inbound/x',
      bucket: 'b',
      topicArn: 'arn:aws:sns:us-east-1:000000000000:t',
      processingTimeMillis: 1,
    });

    // Assess
    const parsed = sesReceivedNotificationSchema.parse(notification);
    expect(parsed.mail.destination).toEqual(['support@acme.test', 'b@acme.test', 'c@acme.test']);
    expect(parsed.mail['commonHeaders']).toMatchObject({ subject: 'Hello world', messageId: '<m1@example.org>', returnPath: 'bounce@example.org' });
    expect(parseHeaderBlock(raw).map((header) => header.name)).toEqual(['From', 'To', 'Cc', 'Subject', 'Message-ID']);
  });

  it('makes 40-character lower-case ids like SES', () => {
    expect(sesLikeMessageId()).toMatch(/^[a-z2-7]{40}$/);
  });
});

describe('tableDefinition', () => {
  it('creates exactly the table of shared/model/table.ts', () => {
    const definition = tableDefinition('t');
    expect(definition?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(definition?.KeySchema).toEqual([{ AttributeName: 'PK', KeyType: 'HASH' }, { AttributeName: 'SK', KeyType: 'RANGE' }]);
    expect(definition?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.Projection?.ProjectionType, index.Projection?.NonKeyAttributes?.length]))
      .toEqual(TABLE.indexes.map((index) => [index.name, 'INCLUDE', (index.projection === 'list' ? TABLE.listProjection : TABLE.lookupProjection).length]));
  });
});
