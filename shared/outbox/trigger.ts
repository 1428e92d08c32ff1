/**
 * The body of an outbox queue message (SQS, or the Input of a one-time schedule): which message to
 * send and how many attempts were made before this trigger was issued. The attempt number is what
 * makes a stale or duplicated trigger harmless: the sender only claims a message whose
 * `sendAttempt` still equals it.
 */
import * as z from 'zod';

export const sendTriggerSchema = z.object({
  messageKey: z.string().min(1).max(128),
  attempt: z.number().int().min(0).max(1000),
});

export type SendTrigger = z.infer<typeof sendTriggerSchema>;
