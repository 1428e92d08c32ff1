/**
 * Events the inbound function accepts, as SQS record bodies:
 * - the notification SES publishes (through SNS, raw message delivery) after its S3 action stored
 *   a received message: it carries the envelope recipients and the object location;
 * - an S3 `ObjectCreated` notification, for raw mail written by other producers (IMAP connectors),
 *   where the recipients come from the headers alone.
 * See https://docs.aws.amazon.com/ses/latest/dg/receiving-email-notifications-contents.html
 */
import * as z from 'zod';

export const sesReceivedNotificationSchema = z.object({
  notificationType: z.literal('Received'),
  mail: z.object({
    timestamp: z.string(),
    messageId: z.string(),
    source: z.string().optional(),
    destination: z.array(z.string()).optional(),
  }).loose(),
  receipt: z.object({
    recipients: z.array(z.string()),
    timestamp: z.string().optional(),
    spamVerdict: z.object({ status: z.string() }).optional(),
    virusVerdict: z.object({ status: z.string() }).optional(),
    action: z.object({
      type: z.literal('S3'),
      bucketName: z.string(),
      objectKey: z.string(),
    }).loose(),
  }).loose(),
}).loose();

export const s3ObjectCreatedSchema = z.object({
  Records: z.array(z.object({
    eventName: z.string().startsWith('ObjectCreated'),
    s3: z.object({
      bucket: z.object({ name: z.string() }).loose(),
      object: z.object({ key: z.string(), size: z.number().optional() }).loose(),
    }).loose(),
  }).loose()).min(1),
}).loose();

/** SNS envelope, when the subscription does not use raw message delivery. */
export const snsEnvelopeSchema = z.object({ Type: z.literal('Notification'), Message: z.string() }).loose();

export type SesReceivedNotification = z.infer<typeof sesReceivedNotificationSchema>;

/** What the use case needs to know about one stored raw message. */
export interface InboundObject {
  bucket: string;
  key: string;
  /** SMTP envelope recipients when known (SES), empty otherwise. */
  envelopeRecipients: string[];
  receivedAt: string | null;
  spamVerdict: string | null;
  virusVerdict: string | null;
}
