/**
 * Composing routes served by the compose function beside the outbox's (specs in
 * routes-outbox-spec.ts, `composeRouteSpecs`): send a draft, issue an upload link, and check
 * recipients against the suppression list while a message is written. The first two need what only
 * the compose function carries (the outbox's compose step, S3 credentials able to write
 * `uploads/`); the check sits with them because composing is its only use.
 */
import { ENV, requireEnv } from '../config/env.js';
import { endpointFor, getDocumentClient } from '../adapters/aws.js';
import { S3DownloadLinks, type UploadLinks } from '../adapters/s3-presigner.js';
import { loadCaller } from '../api/access.js';
import { problems } from '../api/problem.js';
import { implementRoute, type AnyRoute } from '../api/router.js';
import { composeRouteSpecs as specs, type OutboxItem } from '../api/routes-outbox-spec.js';
import type { OutboxRouteDeps } from '../api/routes-outbox.js';
import { ComposeRefusedError, composeMessage, type ComposeRequest } from '../outbox/compose.js';
import { suppressedAmong, suppressionSentence } from '../outbox/delivery-suppression.js';
import type { OutboxRecord } from '../outbox/outbox-store.js';
import { DraftStore, sendDraft, type Draft } from './drafts.js';
import { filenameOfUpload, isOwnUpload, newUploadKey, UPLOAD_LINK_SECONDS } from './uploads.js';

/** The outbox routes' own helpers, passed in so both answer alike. */
export interface ComposeRouteHelpers {
  view(record: OutboxRecord, showBcc: boolean): OutboxItem;
  refusal(error: unknown): unknown;
}

/** Upload links signed with the compose function's credentials (the DynamoDB client's provider chain). */
export function uploadLinksFromEnv(): UploadLinks {
  return new S3DownloadLinks({
    bucket: requireEnv(ENV.mailBucket), region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: getDocumentClient().config.credentials, endpoint: endpointFor('s3'),
  });
}

/** A draft as a compose request: its target, content and options. */
export function composeRequestOfDraft(draft: Draft, idempotencyKey: string): Omit<ComposeRequest, 'caller'> {
  return {
    target: draft.kind === 'new' || draft.conversationId === null
      ? { kind: 'new', mailboxId: draft.mailboxId }
      : { kind: draft.kind, conversationId: draft.conversationId, ...(draft.messageKey ? { messageKey: draft.messageKey } : {}) },
    ...(draft.to.length > 0 || draft.kind === 'new' || draft.kind === 'forward' ? { to: draft.to } : {}),
    ...(draft.cc.length > 0 ? { cc: draft.cc } : {}),
    ...(draft.bcc.length > 0 ? { bcc: draft.bcc } : {}),
    ...(draft.subject !== undefined ? { subject: draft.subject } : {}),
    ...(draft.html !== undefined ? { html: draft.html } : {}),
    ...(draft.text !== undefined ? { text: draft.text } : {}),
    importance: draft.importance, requestReadReceipt: draft.requestReadReceipt,
    ...(draft.requestDeliveryReceipt ? { requestDeliveryReceipt: true } : {}),
    ...(draft.signatureId !== undefined ? { signatureId: draft.signatureId } : {}),
    ...(draft.attachments.length > 0 ? { attachments: draft.attachments } : {}),
    ...(draft.caseDocuments.length > 0 ? { caseDocuments: draft.caseDocuments } : {}),
    ...(draft.senderName ? { senderName: draft.senderName } : {}),
    idempotencyKey,
  };
}

export function createComposeRoutes(deps: OutboxRouteDeps, helpers: ComposeRouteHelpers): AnyRoute[] {
  let uploads = deps.uploads;
  let drafts: DraftStore | undefined;
  return [
    implementRoute(specs.sendDraft, async ({ claims, params, body }) => {
      const caller = await loadCaller(claims, deps.directory);
      drafts ??= new DraftStore(deps.outbox.table);
      const outcome = await sendDraft(caller.email, params.draftId, body?.expectedVersion, {
        drafts,
        compose: (draft, idempotencyKey) => composeMessage({ ...composeRequestOfDraft(draft, idempotencyKey), caller }, deps.outbox),
        sent: async (messageKey) => {
          const record = await deps.outbox.outbox.get(messageKey);
          return record ? { created: false, record, warnings: [], sendAt: new Date(record.nextAttemptAt ?? record.createdAt) } : null;
        },
        isRefusal: (error) => error instanceof ComposeRefusedError,
        now: () => deps.outbox.clock.now(),
      }).catch((error: unknown) => { throw helpers.refusal(error); });
      switch (outcome.kind) {
        case 'not-found': throw problems.notFound('This draft');
        case 'stale': throw problems.conflict(`The draft changed since version ${body?.expectedVersion}: it is at version ${outcome.current.version}.`, { version: outcome.current.version });
        case 'sent': {
          const { result } = outcome;
          return {
            status: result.created && outcome.first ? 201 : 200,
            body: { message: helpers.view(result.record, true), created: result.created && outcome.first, warnings: result.warnings, draftId: params.draftId },
          };
        }
      }
    }),
    implementRoute(specs.createUpload, async ({ claims, params, body }) => {
      const caller = await loadCaller(claims, deps.directory);
      if (!Object.hasOwn(caller.roles, params.mailboxId)) throw problems.notFound('This mailbox');
      const uploadKey = newUploadKey(caller.orgId, caller.email, body.filename);
      uploads ??= uploadLinksFromEnv();
      const link = await uploads.uploadLink(uploadKey, { contentType: body.contentType, size: body.size, expiresInSeconds: UPLOAD_LINK_SECONDS });
      const expiresAt = new Date(deps.outbox.clock.now().getTime() + link.expiresInSeconds * 1000).toISOString();
      return { status: 201, body: { uploadKey, url: link.url, method: link.method, headers: link.headers, expiresAt } };
    }),
    implementRoute(specs.readUploads, async ({ claims, params, body }) => {
      const caller = await loadCaller(claims, deps.directory);
      if (!Object.hasOwn(caller.roles, params.mailboxId)) throw problems.notFound('This mailbox');
      uploads ??= uploadLinksFromEnv();
      const expiresAt = new Date(deps.outbox.clock.now().getTime() + UPLOAD_LINK_SECONDS * 1000).toISOString();
      const own = [...new Set(body.uploadKeys)].filter((key) => isOwnUpload(key, caller.orgId, caller.email));
      const links = await Promise.all(own.map(async (uploadKey) => ({
        uploadKey, expiresAt,
        url: await uploads!.link(uploadKey, { filename: filenameOfUpload(uploadKey), contentType: imageTypeOf(uploadKey), inline: true, expiresInSeconds: UPLOAD_LINK_SECONDS }),
      })));
      return { status: 200, body: { links } };
    }),
    implementRoute(specs.checkRecipients, async ({ claims, params, body }) => {
      const caller = await loadCaller(claims, deps.directory);
      if (!Object.hasOwn(caller.roles, params.mailboxId)) throw problems.notFound('This mailbox');
      const found = await suppressedAmong(deps.outbox.table, caller.orgId, body.addresses);
      const suppressed = [...found.values()].map((s) => ({
        address: s.address, reason: s.reason, diagnostic: s.diagnostic, at: s.at, message: `${suppressionSentence(s)}.`,
      }));
      return { status: 200, body: { suppressed } };
    }),
  ];
}

/** The image type of an upload by its name (the link names a type: S3 would otherwise answer its own). */
function imageTypeOf(key: string): string {
  const extension = /\.([a-z0-9]+)$/i.exec(key)?.[1]?.toLowerCase();
  const types: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };
  return (extension && types[extension]) || 'application/octet-stream';
}
