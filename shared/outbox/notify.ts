/**
 * What the notify function consumes: the Mailroom events that may cause system-generated mail,
 * validated against their contracts, and the use case each one runs (system-mail.ts).
 */
import * as z from 'zod';
import { EVENTS, EVENT_SOURCE } from '../events/contracts.js';
import { autoAcknowledge, notifyAssignment, notifyMention, type SystemMailDeps, type SystemMailOutcome } from './system-mail.js';

export { NOTIFY_DETAIL_TYPES } from './notify-events.js';

const envelope = <T extends z.ZodType>(detailType: string, data: T) => z.object({
  source: z.literal(EVENT_SOURCE),
  'detail-type': z.literal(detailType),
  detail: z.object({ metadata: z.object({ eventId: z.string() }), data }),
});

export const notifyEventSchema = z.union([
  envelope(EVENTS.messageReceived.detailType, EVENTS.messageReceived.data),
  envelope(EVENTS.mentionCreated.detailType, EVENTS.mentionCreated.data),
  envelope(EVENTS.conversationAssigned.detailType, EVENTS.conversationAssigned.data),
]);

export type NotifyEvent = z.infer<typeof notifyEventSchema>;

/** Runs the use case for one event; every outcome is returned for the log. */
export async function handleNotifyEvent(event: NotifyEvent, deps: SystemMailDeps): Promise<SystemMailOutcome[]> {
  const { eventId } = event.detail.metadata;
  switch (event['detail-type']) {
    case EVENTS.messageReceived.detailType:
      return autoAcknowledge(event.detail.data as z.infer<typeof EVENTS.messageReceived.data>, eventId, deps);
    case EVENTS.mentionCreated.detailType:
      return [await notifyMention(event.detail.data as z.infer<typeof EVENTS.mentionCreated.data>, eventId, deps)];
    case EVENTS.conversationAssigned.detailType:
      return [await notifyAssignment(event.detail.data as z.infer<typeof EVENTS.conversationAssigned.data>, eventId, deps)];
  }
  return [];
}
