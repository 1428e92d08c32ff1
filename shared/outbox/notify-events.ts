/**
 * The Mailroom events that may cause system-generated mail: the notify rule's pattern (CDK and the
 * local stack) and the notify function's input. Light (contracts only) so the infrastructure can
 * import it without the outbox's code.
 */
import { EVENTS } from '../events/contracts.js';

export const NOTIFY_DETAIL_TYPES = [EVENTS.messageReceived.detailType, EVENTS.mentionCreated.detailType, EVENTS.conversationAssigned.detailType] as const;
