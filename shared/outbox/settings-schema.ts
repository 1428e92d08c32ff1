/**
 * The shape and limits of a mailbox's outbox settings, apart from settings.ts so the API's route
 * specs can validate them without importing the table adapter. Every limit is enforced on write
 * (a 400 naming the field) and again on read, so a hand-edited item cannot make the sender wait
 * for a day or retry forever.
 */
import * as z from 'zod';
import { MAX_DELAY_SECONDS } from './env.js';

export const OUTBOX_SETTINGS_LIMITS = {
  maxAttempts: { min: 1, max: 20 },
  baseDelaySeconds: { min: 1, max: 3600 },
  maxDelaySeconds: { min: 1, max: 24 * 3600 },
  undoSeconds: { min: 0, max: MAX_DELAY_SECONDS },
  autoAckWindowHours: { min: 1, max: 7 * 24 },
  autoAckSubject: 200,
  autoAckText: 5000,
} as const;

/** How random a retry delay is: full (0..cap), equal (cap/2..cap) or none (always the cap). */
export const JITTER_MODES = ['full', 'equal', 'none'] as const;
export type JitterMode = (typeof JITTER_MODES)[number];

const L = OUTBOX_SETTINGS_LIMITS;
const noControl = /^[^\p{Cc}]*$/u;

export const retrySettingsSchema = z.strictObject({
  maxAttempts: z.number().int().min(L.maxAttempts.min).max(L.maxAttempts.max).nullable().default(null)
    .describe('Attempts per message, the first included; null: the deployment default.'),
  baseDelaySeconds: z.number().int().min(L.baseDelaySeconds.min).max(L.baseDelaySeconds.max).nullable().default(null)
    .describe('Cap of the first retry delay, doubling per attempt; null: the deployment default.'),
  maxDelaySeconds: z.number().int().min(L.maxDelaySeconds.min).max(L.maxDelaySeconds.max).nullable().default(null)
    .describe('Longest retry delay; null: the deployment default.'),
  jitter: z.enum(JITTER_MODES).default('full').describe('full: random between 0 and the cap; equal: between half and the cap; none: the cap.'),
});

export const autoAckSettingsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  subject: z.string().trim().min(1).max(L.autoAckSubject).regex(noControl, 'no control characters')
    .default('Re: {{subject}}').describe('`{{subject}}` is replaced by the subject of the message acknowledged.'),
  text: z.string().trim().min(1).max(L.autoAckText)
    .default('Hello,\n\nWe have received your message and will answer as soon as we can.\n\nBonjour,\n\nNous avons bien reçu votre message et vous répondrons dès que possible.')
    .describe('Plain text of the acknowledgement.'),
  windowHours: z.number().int().min(L.autoAckWindowHours.min).max(L.autoAckWindowHours.max).default(24)
    .describe('At most one acknowledgement per sender address and mailbox in this many hours.'),
});

export const outboxSettingsSchema = z.strictObject({
  connectorEnabled: z.boolean().default(true).describe('Off: new messages are held as "connector disabled" instead of sent.'),
  undoSeconds: z.number().int().min(L.undoSeconds.min).max(L.undoSeconds.max).nullable().default(null)
    .describe('Undo-send window; null: the deployment default.'),
  retry: retrySettingsSchema.default(() => retrySettingsSchema.parse({})),
  autoAck: autoAckSettingsSchema.default(() => autoAckSettingsSchema.parse({})),
}).superRefine((value, ctx) => {
  const { baseDelaySeconds, maxDelaySeconds } = value.retry;
  if (baseDelaySeconds !== null && maxDelaySeconds !== null && maxDelaySeconds < baseDelaySeconds) {
    ctx.addIssue({ code: 'custom', path: ['retry', 'maxDelaySeconds'], message: 'must not be shorter than baseDelaySeconds' });
  }
});

export type OutboxSettings = z.output<typeof outboxSettingsSchema>;
export type RetrySettings = OutboxSettings['retry'];
export type AutoAckSettings = OutboxSettings['autoAck'];
