/**
 * The outbox item as the API shows it (send state, columns of the outbox views), apart from the
 * route specs so the compose and the outbox-operations specs can both name it without importing
 * each other.
 */
import * as z from 'zod';
import { OUTBOX_STATUSES } from '../outbox/status.js';

export const outboxItemSchema = z.object({
  messageKey: z.string(), messageId: z.string(), mailboxId: z.string(), conversationId: z.string(),
  status: z.enum(OUTBOX_STATUSES as [string, ...string[]]),
  subject: z.string(),
  to: z.array(z.object({ address: z.string(), name: z.string() })),
  cc: z.array(z.object({ address: z.string(), name: z.string() })),
  bcc: z.array(z.object({ address: z.string(), name: z.string() })).describe('Only shown to the author, admins and dispatchers.'),
  importance: z.enum(['high', 'normal', 'low']), readReceiptRequested: z.boolean(), connector: z.string(),
  composedBy: z.string(), createdAt: z.string(), sendAt: z.string().nullable(),
  attempts: z.number().int(), maxAttempts: z.number().int(),
  lastAttemptAt: z.string().nullable(), nextAttemptAt: z.string().nullable(), firstFailureAt: z.string().nullable(),
  lastError: z.string().nullable(), providerMessageId: z.string().nullable(), sentAt: z.string().nullable(),
  attachmentCount: z.number().int(),
  cancellable: z.boolean().describe('Still queued or waiting for a retry: POST .../cancel can stop it.'),
  retryable: z.boolean().describe('Failed or held by a disabled connector: POST .../retry queues another attempt.'),
  systemGenerated: z.boolean().describe('Mail Mailroom wrote itself (auto-acknowledgement, notification email).'),
  systemKind: z.enum(['auto-ack', 'mention', 'assignment']).nullable(),
  failedListedAt: z.string().nullable().describe('When it entered the failed-sends list; null when it is not on it.'),
  failedRecipients: z.array(z.string()).describe('Recipients that bounced, complained or were rejected.'),
  links: z.array(z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('case'), id: z.string().describe('The case id: GET /api/cases/{caseId}.'), reference: z.string().describe('C-<year>-<number>.') }),
    z.object({ kind: z.literal('record'), type: z.string().describe('Business record type: ticket, project, offer, booking, or one an admin added.'), id: z.string() }),
  ])).describe('The case and business records the message belonged to when it was composed (a snapshot: linking the conversation later does not change it).'),
  rawUrl: z.string(),
});

export type OutboxItem = z.infer<typeof outboxItemSchema>;
