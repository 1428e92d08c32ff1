/**
 * The contacts function's handler: records that are not a Message Received event are dropped (a
 * retry would not help), a failing record is reported alone so SQS redelivers only it.
 */
import { describe, expect, it, vi } from 'vitest';
import { handleContacts } from '../../../functions/contacts/handler.js';
import { parseMessageReceived, type ParticipantsDeps } from '../../../shared/contacts/participants-consumer.js';

const data = {
  messageKey: 'mk1', messageId: 'm1@client.test', orgId: 'demo', receivedAt: '2026-11-20T09:00:00.000Z', subject: 'Bonjour',
  from: { address: 'lea@client.test', name: 'Léa' }, to: [{ address: 'support@acme.test', name: '' }], cc: [],
  placements: [{ mailboxId: 'support', conversationId: 'c1', newConversation: true, threading: 'new' }],
  flags: [], attachmentCount: 0, deliveryReport: null, readReport: null,
};

function body(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ version: '0', id: 'e1', source: 'mailroom', 'detail-type': 'Message Received', detail: { metadata: { eventId: 'message:mk1:received', version: '1', occurredAt: '', source: 'mailroom' }, data }, ...overrides });
}

describe('contacts handler', () => {
  it('accepts only Message Received events from Mailroom', () => {
    expect(parseMessageReceived(body())?.detail.data.messageKey).toBe('mk1');
    expect(parseMessageReceived(body({ 'detail-type': 'Conversation Assigned' }))).toBeNull();
    expect(parseMessageReceived(body({ source: 'someone-else' }))).toBeNull();
    expect(parseMessageReceived('not json')).toBeNull();
  });

  it('drops unreadable records and reports only the record that failed', async () => {
    // Prepare
    const recordParticipants = vi.fn().mockRejectedValueOnce(new Error('throttled')).mockResolvedValue([]);
    const ingest = vi.fn().mockResolvedValue([]);
    const deps = { contacts: { recordParticipants }, cases: { ingest } } as unknown as ParticipantsDeps;
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);

    // Act
    const result = await handleContacts({ Records: [
      { messageId: 'bad', body: '{"nope":1}' }, { messageId: 'fails', body: body() }, { messageId: 'ok', body: body() },
    ] } as never, deps);

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'fails' }]);
    expect(recordParticipants).toHaveBeenCalledTimes(2);
    expect(ingest).toHaveBeenCalledTimes(1);
  });
});
