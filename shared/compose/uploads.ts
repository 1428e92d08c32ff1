/**
 * Attachments and inline images the author uploads. API Gateway caps a request at 10 MB and a
 * Lambda payload at 6 MB, so files never go through the API: the author asks for an upload link
 * (a presigned S3 PUT for one key, one size, one content type), PUTs the file to S3, then names
 * the key in the message (`attachments: [{ uploadKey }]`). Compose reads it from S3.
 *
 * Keys are `uploads/<orgId>/<author email>/<random>/<file name>`: the prefix says whose file it
 * is, so compose accepts only the author's own uploads (another member's key is refused as if it
 * did not exist), and a lifecycle rule on `uploads/` can expire abandoned ones.
 */
import { createHash, randomBytes } from 'node:crypto';

export const UPLOADS_PREFIX = 'uploads/';

/** Per file: comfortably under SES's 40 MB message limit once base64 adds a third. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** All attachments of one message together (before MIME encoding). */
export const MAX_MESSAGE_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/** Lifetime of an upload link. */
export const UPLOAD_LINK_SECONDS = 900;

/** A file of the author's named in a compose request or a draft. */
export interface UploadRef {
  uploadKey: string;
  /** Sent as an inline part (an image shown in the body) rather than an attachment. */
  inline?: boolean;
  /** Content-ID the HTML uses as `cid:<contentId>`; derived from the key when absent. */
  contentId?: string;
}

export function uploadPrefix(orgId: string, email: string): string {
  return `${UPLOADS_PREFIX}${orgId}/${email.toLowerCase()}/`;
}

/** A file name safe as the last key segment and as a MIME filename: no path, no control characters. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\p{Cc}"]/gu, '').replace(/\s+/g, ' ').trim().slice(0, 200);
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}

export function newUploadKey(orgId: string, email: string, filename: string, random: () => string = () => randomBytes(9).toString('base64url')): string {
  return `${uploadPrefix(orgId, email)}${random()}/${safeFilename(filename)}`;
}

/** Whether the key is one of this author's uploads (and not a path trick). */
export function isOwnUpload(key: string, orgId: string, email: string): boolean {
  const prefix = uploadPrefix(orgId, email);
  if (!key.startsWith(prefix)) return false;
  const rest = key.slice(prefix.length).split('/');
  return rest.length === 2 && rest.every((part) => part !== '' && part !== '.' && part !== '..');
}

export function filenameOfUpload(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** A stable Content-ID for an inline upload: the same key always gives the same id. */
export function contentIdFor(key: string): string {
  return `u${createHash('sha256').update(key).digest('hex').slice(0, 20)}@mailroom`;
}

/** Content types an upload may declare: `type/subtype`, no parameters that could smuggle headers. */
export const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

function decodeEntities(value: string): string {
  return value.replace(/&amp;/g, '&').replace(/&#x2F;/gi, '/').replace(/&#47;/g, '/');
}

/**
 * Points `<img src>` values that name an upload (its URL, presigned or not, or the bare key) at
 * the inline part instead: `src="cid:<contentId>"`.
 */
export function rewriteUploadSources(html: string, inline: { uploadKey: string; contentId: string }[]): string {
  if (inline.length === 0) return html;
  return html.replace(/(<img\b[^>]*?\ssrc=")([^"]*)(")/gi, (whole, before: string, src: string, after: string) => {
    const value = decodeEntities(src);
    let path = value;
    try {
      path = decodeURIComponent(new URL(value, 'https://x.invalid/').pathname);
    } catch {
      // Not a URL: compare as written.
    }
    const match = inline.find((i) => value === i.uploadKey || path.endsWith(`/${i.uploadKey}`));
    return match ? `${before}cid:${match.contentId}${after}` : whole;
  });
}
