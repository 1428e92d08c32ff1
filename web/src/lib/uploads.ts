/**
 * Files the author attaches or shows in the body. They never go through the API (API Gateway
 * takes at most 10 MB, a Lambda 6 MB): the app asks for an upload link
 * (`POST /api/mailboxes/{id}/uploads`, a presigned PUT for one key, size and type), PUTs the file
 * there with progress, then names the key when sending (`attachments: [{ uploadKey }]`).
 *
 * Inline images are shown in the editor from a `data:` URL (the app's CSP allows no `blob:`, and
 * the storage link cannot be read back) and carry the upload's address in `data-mr-upload`;
 * {@link bodyForSending} swaps it in, and the API turns that address into `cid:` (its
 * `rewriteUploadSources`: the path ends with the upload key).
 */

/**
 * What this module needs of the API client (`api/client.ts`) and of XMLHttpRequest. Written out
 * rather than imported so the module has no imports and type-checks without the DOM library,
 * which lets its tests run with the API's own code (test/unit/web/uploads.test.ts).
 */
export interface UploadApi {
  send<T>(method: 'POST', path: string, body?: unknown): Promise<T>;
}

interface Xhr {
  status: number;
  upload: { onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  abort(): void;
  send(body: Blob): void;
}

/** The API's cap per file (shared/compose/uploads.ts), checked here before asking for a link. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** The attribute that carries an inline image's upload address inside the editor. */
export const UPLOAD_ATTRIBUTE = 'data-mr-upload';

/** `POST /api/mailboxes/{mailboxId}/uploads`. */
export interface UploadLink {
  uploadKey: string;
  url: string;
  method: 'PUT';
  headers: { 'content-type': string; 'content-length': string };
  expiresAt: string;
}

/**
 * Why an upload failed, in terms the UI words: the file itself (`too-large`, `empty`), the API
 * refusing the link (`refused`, with its words), the storage refusing the PUT (`storage`, e.g. an
 * expired link), or no answer (`network`). All but the file's own faults can be retried.
 */
export type UploadFailure = 'too-large' | 'empty' | 'refused' | 'storage' | 'network';

export class UploadError extends Error {
  constructor(readonly failure: UploadFailure, readonly status = 0, readonly detail: string | null = null) {
    super(detail ?? `upload failed: ${failure}${status ? ` (${status})` : ''}`);
    this.name = 'UploadError';
  }
}

/** The API's shape for content types (`type/subtype`, no parameters). */
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

/** The type the browser gave, without parameters, or `application/octet-stream` when it gave none usable. */
export function contentTypeOf(file: { type: string }): string {
  const type = file.type.split(';')[0]!.trim().toLowerCase();
  return CONTENT_TYPE.test(type) ? type : 'application/octet-stream';
}

/** What is wrong with the file before anything is sent, or null. */
export function checkFile(file: { size: number }): 'too-large' | 'empty' | null {
  if (file.size > MAX_UPLOAD_BYTES) return 'too-large';
  if (file.size === 0) return 'empty';
  return null;
}

export function isImage(file: { type: string }): boolean {
  return /^image\/(png|jpe?g|gif|webp)$/.test(contentTypeOf(file));
}

/**
 * The address an inline image names in the HTML: the upload link without its query (the
 * signature is short-lived and must not leak into the sent mail). The API matches it by its path.
 */
export function inlineSource(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? url : url.slice(0, at);
}

/** `data-mr-upload` images get their upload address back as `src`; the `data:` preview is dropped. */
export function bodyForSending(html: string): string {
  if (!html.includes(UPLOAD_ATTRIBUTE)) return html;
  return html.replace(/<img\b[^>]*>/gi, (tag) => {
    const upload = new RegExp(`\\s${UPLOAD_ATTRIBUTE}="([^"]*)"`, 'i').exec(tag);
    if (!upload) return tag;
    const withoutMark = tag.replace(upload[0], '');
    return /\ssrc="[^"]*"/i.test(withoutMark)
      ? withoutMark.replace(/\ssrc="[^"]*"/i, ` src="${upload[1]}"`)
      : withoutMark.replace(/^<img\b/i, `<img src="${upload[1]}"`);
  });
}

/** Escapes a value for a double-quoted HTML attribute. */
function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** The `<img>` the editor shows for an inline upload: a `data:` preview that remembers its address. */
export function inlineImageHtml(preview: string, source: string, alt: string): string {
  return `<img src="${attribute(preview)}" ${UPLOAD_ATTRIBUTE}="${attribute(source)}" alt="${attribute(alt)}">`;
}

/** A key as it appears in the path of its upload link (RFC 3986, per segment, as S3 signs it). */
export function keyInPath(uploadKey: string): string {
  return uploadKey.split('/').map((part) => encodeURIComponent(part).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}

/** Whether the HTML still shows this inline upload (the author may have deleted the image). */
export function showsUpload(html: string, uploadKey: string): boolean {
  return html.includes(`/${keyInPath(uploadKey)}"`) || html.includes(`/${uploadKey}"`);
}

/** The inline uploads among `keys` that the HTML shows by their bare address (a draft saved earlier). */
export function inlineKeysShown(html: string, keys: string[]): string[] {
  return keys.filter((key) => showsUpload(html, key) && !html.includes(`${UPLOAD_ATTRIBUTE}="`));
}

/**
 * Shows each inline upload of a restored draft from a read link (its bare address cannot be
 * read), remembering the address so the body sent names it as before.
 */
export function withReadLinks(html: string, links: { uploadKey: string; url: string }[]): string {
  if (links.length === 0) return html;
  return html.replace(/<img\b[^>]*>/gi, (tag) => {
    if (tag.includes(UPLOAD_ATTRIBUTE)) return tag;
    const src = /\ssrc="([^"]*)"/i.exec(tag);
    if (!src) return tag;
    const link = links.find((l) => src[1]!.endsWith(`/${keyInPath(l.uploadKey)}`) || src[1]!.endsWith(`/${l.uploadKey}`));
    return link ? tag.replace(src[0], ` src="${attribute(link.url)}" ${UPLOAD_ATTRIBUTE}="${src[1]}"`) : tag;
  });
}

export async function requestUploadLink(api: UploadApi, mailboxId: string, file: { name: string; size: number; type: string }): Promise<UploadLink> {
  return api.send<UploadLink>('POST', `/api/mailboxes/${encodeURIComponent(mailboxId)}/uploads`, {
    filename: file.name, contentType: contentTypeOf(file), size: file.size,
  });
}

/**
 * PUTs the file to its link with XMLHttpRequest, the one browser API that reports upload
 * progress. `Content-Length` is the browser's to set (a forbidden header): it is the file's size,
 * which the link was signed for.
 */
export function putFile(link: UploadLink, file: Blob, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new (globalThis as unknown as { XMLHttpRequest: new () => Xhr }).XMLHttpRequest();
    xhr.open('PUT', link.url);
    xhr.setRequestHeader('content-type', link.headers['content-type']);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else {
        reject(new UploadError('storage', xhr.status));
      }
    };
    xhr.onerror = () => reject(new UploadError('network'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** The two steps together, with every failure as an {@link UploadError}. */
export async function uploadFile(
  api: UploadApi, mailboxId: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal,
): Promise<UploadLink> {
  const fault = checkFile(file);
  if (fault) throw new UploadError(fault);
  let link: UploadLink;
  try {
    link = await requestUploadLink(api, mailboxId, file);
  } catch (error) {
    throw toUploadError(error);
  }
  await putFile(link, file, onProgress, signal);
  return link;
}

/** An API failure as an {@link UploadError}: no answer is `network`, a 4xx/5xx is `refused` with the API's words. */
export function toUploadError(error: unknown): UploadError {
  if (error instanceof UploadError) return error;
  const failure = error as { kind?: string; status?: number; problem?: { detail?: string; title?: string } | null };
  if (failure.kind === 'network' || failure.kind === 'timeout') return new UploadError('network');
  const status = typeof failure.status === 'number' ? failure.status : 0;
  const firstError = (failure.problem as { errors?: { message: string }[] } | null | undefined)?.errors?.[0]?.message;
  return new UploadError('refused', status, firstError ?? failure.problem?.detail ?? failure.problem?.title ?? null);
}
