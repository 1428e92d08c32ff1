/**
 * SES event publishing records (delivery, bounce, complaint, delivery delay, reject) as they reach
 * EventBridge from the configuration set, and their translation into a delivery update.
 * Only the fields Mailroom uses are validated; everything else SES adds passes through.
 * See https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 * and https://docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html
 */
import * as z from 'zod';
import type { DeliveryUpdate } from './delivery.js';

/** Event types the configuration set publishes to Mailroom (its `MatchingEventTypes`). */
export const TRACKED_SES_EVENT_TYPES = ['DELIVERY', 'BOUNCE', 'COMPLAINT', 'DELIVERY_DELAY', 'REJECT'] as const;

/** EventBridge detail-types SES uses for them (source `aws.ses`). */
export const SES_DETAIL_TYPES = ['Email Delivered', 'Email Bounced', 'Email Complaint Received', 'Email Delivery Delayed', 'Email Rejected'] as const;

/**
 * The EventBridge rule pattern for one configuration set's tracked events (SES publishes to the
 * account's default bus only; the tag tells apart the configuration sets of several stages).
 * Used by the CDK construct and by the local stack's stand-in rule.
 */
export function sesDeliveryEventPattern(configurationSetName: string) {
  return {
    source: ['aws.ses'],
    'detail-type': [...SES_DETAIL_TYPES],
    detail: { mail: { tags: { 'ses:configuration-set': [configurationSetName] } } },
  };
}

/** EventBridge detail-type of each tracked SES event type. */
export const SES_DETAIL_TYPE_OF: Record<'Delivery' | 'Bounce' | 'Complaint' | 'DeliveryDelay' | 'Reject', (typeof SES_DETAIL_TYPES)[number]> = {
  Delivery: 'Email Delivered', Bounce: 'Email Bounced', Complaint: 'Email Complaint Received', DeliveryDelay: 'Email Delivery Delayed', Reject: 'Email Rejected',
};

const mail = z.object({
  timestamp: z.string(),
  /** The id SendEmail returned: Mailroom's `providerMessageId`. */
  messageId: z.string().min(1),
  destination: z.array(z.string()).default([]),
});

const recipient = z.object({
  emailAddress: z.string(),
  action: z.string().optional(),
  status: z.string().optional(),
  diagnosticCode: z.string().optional(),
});

export const sesEventSchema = z.discriminatedUnion('eventType', [
  z.object({
    eventType: z.literal('Delivery'), mail,
    delivery: z.object({ timestamp: z.string(), recipients: z.array(z.string()), smtpResponse: z.string().optional() }),
  }),
  z.object({
    eventType: z.literal('Bounce'), mail,
    bounce: z.object({
      bounceType: z.string().describe('Permanent, Transient or Undetermined.'),
      bounceSubType: z.string().optional(),
      bouncedRecipients: z.array(recipient),
      timestamp: z.string(),
      feedbackId: z.string().optional(),
    }),
  }),
  z.object({
    eventType: z.literal('Complaint'), mail,
    complaint: z.object({
      complainedRecipients: z.array(recipient),
      timestamp: z.string(),
      feedbackId: z.string().optional(),
      complaintFeedbackType: z.string().optional(),
    }),
  }),
  z.object({
    eventType: z.literal('DeliveryDelay'), mail,
    deliveryDelay: z.object({ timestamp: z.string(), delayType: z.string().optional(), delayedRecipients: z.array(recipient) }),
  }),
  z.object({ eventType: z.literal('Reject'), mail, reject: z.object({ reason: z.string().optional() }).default({}) }),
]);

export type SesEvent = z.infer<typeof sesEventSchema>;

/** The EventBridge envelope around an SES event; `detail` is the SES record. */
export const sesEventBridgeSchema = z.object({
  id: z.string(),
  source: z.literal('aws.ses'),
  'detail-type': z.string(),
  time: z.string().optional(),
  detail: sesEventSchema,
});

export type SesEventBridgeEvent = z.infer<typeof sesEventBridgeSchema>;

/** Normalises a timestamp to ISO-8601 UTC so facts compare in time order as strings. */
function iso(value: string): string {
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : new Date(t).toISOString();
}

function diagnosticOf(r: z.infer<typeof recipient>, fallback: string | null): string | null {
  return r.diagnosticCode ?? (r.status ? `status ${r.status}` : fallback);
}

/**
 * An SES event as a delivery update for the message SES knows as `mail.messageId`. The observation
 * id is the feedback id when SES gives one, else the message id with the event type and time:
 * the same record delivered twice gives the same id. A reject concerns every destination.
 */
export function updateFromSesEvent(event: SesEvent): { providerMessageId: string; update: DeliveryUpdate; permanent: boolean } {
  const providerMessageId = event.mail.messageId;
  const base = (at: string, feedbackId?: string) => ({ source: 'ses' as const, at: iso(at), observationId: feedbackId ?? `${providerMessageId}:${event.eventType}:${iso(at)}` });
  switch (event.eventType) {
    case 'Delivery':
      return {
        providerMessageId, permanent: false,
        update: { ...base(event.delivery.timestamp), recipients: event.delivery.recipients.map((address) => ({ address, status: 'delivered', diagnostic: event.delivery.smtpResponse ?? null })) },
      };
    case 'Bounce': {
      const kind = event.bounce.bounceSubType ? `${event.bounce.bounceType} (${event.bounce.bounceSubType})` : event.bounce.bounceType;
      return {
        providerMessageId, permanent: event.bounce.bounceType === 'Permanent',
        update: { ...base(event.bounce.timestamp, event.bounce.feedbackId), recipients: event.bounce.bouncedRecipients.map((r) => ({ address: r.emailAddress, status: 'bounced', diagnostic: diagnosticOf(r, `${kind} bounce`), permanent: event.bounce.bounceType === 'Permanent' })) },
      };
    }
    case 'Complaint':
      return {
        providerMessageId, permanent: true,
        update: { ...base(event.complaint.timestamp, event.complaint.feedbackId), recipients: event.complaint.complainedRecipients.map((r) => ({ address: r.emailAddress, status: 'complained', diagnostic: event.complaint.complaintFeedbackType ?? null, permanent: true })) },
      };
    case 'DeliveryDelay':
      return {
        providerMessageId, permanent: false,
        update: { ...base(event.deliveryDelay.timestamp), recipients: event.deliveryDelay.delayedRecipients.map((r) => ({ address: r.emailAddress, status: 'delayed', diagnostic: diagnosticOf(r, event.deliveryDelay.delayType ?? null) })) },
      };
    case 'Reject':
      return {
        providerMessageId, permanent: false,
        update: { ...base(event.mail.timestamp), recipients: event.mail.destination.map((address) => ({ address, status: 'rejected', diagnostic: event.reject.reason ?? 'Rejected by SES' })) },
      };
  }
}
