/**
 * The consumer behind the contacts function. For `Message Received` it records the participants in
 * the address book and brings the message into the cases it belongs to (case address, linked
 * conversation); for `Message Sent` it adds the reply to the case of its conversation, so a case
 * lists both sides. Records arrive from the contacts queue, put there by a bus rule; each body is
 * the EventBridge event as the rule delivered it.
 */
import * as z from 'zod';
import { EVENT_SOURCE, EVENTS, messageReceivedData, messageSentData } from '../events/contracts.js';
import type { CaseService } from '../cases/case-service.js';
import type { ContactService } from './contact-service.js';

/** The events the bus rule forwards to the contacts queue. */
export const CONTACTS_DETAIL_TYPES = [EVENTS.messageReceived.detailType, EVENTS.messageSent.detailType] as const;

const metadata = z.object({ eventId: z.string() }).loose();
const envelope = z.discriminatedUnion('detail-type', [
  z.object({ source: z.literal(EVENT_SOURCE), 'detail-type': z.literal(EVENTS.messageReceived.detailType), detail: z.object({ metadata, data: messageReceivedData }) }),
  z.object({ source: z.literal(EVENT_SOURCE), 'detail-type': z.literal(EVENTS.messageSent.detailType), detail: z.object({ metadata, data: messageSentData }) }),
]);

export type MessageReceivedEnvelope = z.infer<typeof envelope>;

/** The event in a queue record, or null for anything else (dropped: retrying would not help). */
export function parseMessageReceived(body: string): MessageReceivedEnvelope | null {
  try {
    const parsed = envelope.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface ParticipantsDeps {
  contacts: ContactService;
  cases: CaseService;
}

/** Both steps are idempotent: a redelivered event creates nothing twice and repeats the same event ids. */
export async function processMessageReceived(event: MessageReceivedEnvelope, deps: ParticipantsDeps): Promise<{ contactsCreated: number; cases: string[] }> {
  if (event['detail-type'] === EVENTS.messageSent.detailType) {
    return { contactsCreated: 0, cases: await deps.cases.recordSent(event.detail.data) };
  }
  const data = event.detail.data;
  const created = await deps.contacts.recordParticipants(data);
  const cases = await deps.cases.ingest(data);
  return { contactsCreated: created.length, cases };
}
