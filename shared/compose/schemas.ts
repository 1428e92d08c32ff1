/**
 * Request and response schemas of composing (uploads, signatures choice, drafts), shared by the
 * API function's routes and the compose function's route specs. Light on purpose (zod and
 * constants only): route specs import it, and the API bundle must not carry the outbox.
 */
import * as z from 'zod';
import { id } from '../api/schemas.js';
import { CONTENT_TYPE, MAX_UPLOAD_BYTES } from './uploads.js';

/** A reference to one of the author's uploads (`POST /api/mailboxes/{mailboxId}/uploads`). */
export const uploadRefSchema = z.strictObject({
  uploadKey: z.string().min(1).max(1024).describe('The key the upload link was issued for.'),
  inline: z.boolean().optional().describe('An image shown in the body (`<img src="cid:...">` or the upload URL) rather than an attachment.'),
  contentId: z.string().regex(/^[A-Za-z0-9._@-]{1,100}$/, 'letters, digits, . _ @ - only').optional()
    .describe('Content-ID the HTML refers to as cid:<contentId>; derived from the key when absent.'),
});

/** A document of a case (shared/cases), attached by reference: its bytes are already stored. */
export const caseDocumentRefSchema = z.strictObject({ caseId: id, documentId: id });

export const composeExtraFields = {
  signatureId: z.string().min(1).max(64).nullable().optional()
    .describe("A signature of the mailbox; null for none; absent: the author's default signature in the mailbox."),
  attachments: z.array(uploadRefSchema).max(20).optional().describe('Uploaded files to attach or show inline.'),
  requestDeliveryReceipt: z.boolean().optional().describe("Ask to be told of delivery (from the provider's delivery events)."),
  caseDocuments: z.array(caseDocumentRefSchema).max(20).optional().describe("Documents of the organisation's cases to attach."),
  senderName: z.string().trim().max(120).regex(/^[^\p{Cc}]*$/u, 'no control characters').optional()
    .describe("Display name of the From address (a template's sender name); default: the mailbox's name."),
};

export const uploadRequestSchema = z.strictObject({
  filename: z.string().min(1).max(255).regex(/^[^\p{Cc}]+$/u, 'no control characters'),
  contentType: z.string().regex(CONTENT_TYPE, 'a MIME type such as image/png').transform((v) => v.toLowerCase()),
  size: z.number().int().min(1).max(MAX_UPLOAD_BYTES).describe(`Exact size in bytes (at most ${MAX_UPLOAD_BYTES}); the link accepts only this size.`),
});

export const uploadResponseSchema = z.object({
  uploadKey: z.string().describe('Name it in `attachments: [{ uploadKey }]` when composing.'),
  url: z.string().describe('PUT the file here, with exactly the headers below.'),
  method: z.literal('PUT'),
  headers: z.object({ 'content-type': z.string(), 'content-length': z.string() }),
  expiresAt: z.string(),
});
