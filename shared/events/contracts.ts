/**
 * Event contracts: one entry per event Mailroom publishes on its bus. Producers build events with
 * `buildEvent`; the JSON Schemas and samples under `events/` are generated from these schemas
 * (`npm run events:schemas`) and a test fails when a change would break a consumer.
 */
import * as z from 'zod';
import type { DomainEvent } from '../ports/index.js';

export const EVENT_SOURCE = 'mailroom';

const address = z.object({ address: z.string(), name: z.string() });

export const messageReceivedData = z.object({
  messageKey: z.string().describe('Stable message key (GET /api/messages/{messageKey}/raw).'),
  messageId: z.string().describe('RFC 5322 Message-ID without angle brackets.'),
  orgId: z.string().nullable(),
  receivedAt: z.string().describe('ISO-8601 time Mailroom received the message.'),
  subject: z.string(),
  from: address.nullable(),
  to: z.array(address),
  cc: z.array(address),
  placements: z.array(z.object({
    mailboxId: z.string(),
    conversationId: z.string(),
    newConversation: z.boolean(),
    threading: z.string().describe('Why the message joined this conversation: in-reply-to, references, reply-token, subject or new.'),
  })).describe('One entry per mailbox the message appears in; empty when unroutable.'),
  flags: z.array(z.string()).describe('Classification and safety flags, e.g. auto-reply, delivery-report, hostile-html, unroutable.'),
  attachmentCount: z.number().int(),
  deliveryReport: z.object({
    originalMessageId: z.string().nullable(),
    recipients: z.array(z.object({ recipient: z.string(), action: z.string(), status: z.string().nullable(), diagnostic: z.string().nullable() })),
  }).nullable().describe('Parsed RFC 3464 report when the message is a bounce or delay notice.'),
  readReport: z.object({ originalMessageId: z.string().nullable(), finalRecipient: z.string().nullable(), disposition: z.string() })
    .nullable().describe('Parsed RFC 8098 read receipt.'),
});

export const metadataSchema = z.object({
  eventId: z.string().describe('Deterministic: the same fact published twice carries the same id.'),
  version: z.string(),
  occurredAt: z.string(),
  source: z.string(),
});

export const EVENTS = {
  messageReceived: {
    detailType: 'Message Received',
    version: '1',
    description: 'A received message was stored and placed in its mailboxes (no bodies).',
    data: messageReceivedData,
  },
} as const;

export type EventName = keyof typeof EVENTS;
export type EventData<N extends EventName> = z.infer<(typeof EVENTS)[N]['data']>;

export function buildEvent<N extends EventName>(name: N, eventId: string, data: EventData<N>, occurredAt: Date): DomainEvent<EventData<N>> {
  const contract = EVENTS[name];
  return {
    detailType: contract.detailType,
    detail: {
      metadata: { eventId, version: contract.version, occurredAt: occurredAt.toISOString(), source: EVENT_SOURCE },
      data: contract.data.parse(data) as EventData<N>,
    },
  };
}
