/**
 * The web app's upload helpers (web/src/lib/uploads.ts) against the API's side of the contract:
 * an inline image inserted by the editor, once made ready to send, is one the API's
 * `rewriteUploadSources` turns into `cid:`, for a link signed as the API signs it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { S3DownloadLinks } from '../../../shared/adapters/s3-presigner.js';
import { contentIdFor, MAX_UPLOAD_BYTES as API_MAX_UPLOAD_BYTES, rewriteUploadSources } from '../../../shared/compose/uploads.js';
import {
  bodyForSending, checkFile, contentTypeOf, inlineImageHtml, inlineSource, isImage, MAX_UPLOAD_BYTES, putFile, showsUpload, toUploadError, UploadError, type UploadLink,
} from '../../../web/src/lib/uploads.js';

const links = new S3DownloadLinks({
  bucket: 'mail', region: 'eu-west-3', credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
});
const key = 'uploads/org-1/alex@acme.test/Ab3_x/plan du site (v2).png';

describe('checks before uploading', () => {
  it('refuses a file over the API cap or empty, and accepts one at the cap', () => {
    // Prepare / Act / Assess
    expect(MAX_UPLOAD_BYTES).toBe(API_MAX_UPLOAD_BYTES);
    expect(checkFile({ size: MAX_UPLOAD_BYTES + 1 })).toBe('too-large');
    expect(checkFile({ size: 0 })).toBe('empty');
    expect(checkFile({ size: MAX_UPLOAD_BYTES })).toBeNull();
  });

  it('sends a content type the API accepts, whatever the browser gave', () => {
    expect(contentTypeOf({ type: 'Application/PDF' })).toBe('application/pdf');
    expect(contentTypeOf({ type: 'text/plain;charset=utf-8' })).toBe('text/plain');
    expect(contentTypeOf({ type: '' })).toBe('application/octet-stream');
    expect(contentTypeOf({ type: 'bad type/x' })).toBe('application/octet-stream');
    expect(isImage({ type: 'image/png' })).toBe(true);
    expect(isImage({ type: 'image/svg+xml' })).toBe(false);
  });
});

describe('inline images', () => {
  it('become cid: images on the API side once made ready to send', async () => {
    // Prepare: a link signed as the API signs it, and the image as the editor holds it
    const link = await links.uploadLink(key, { contentType: 'image/png', size: 10 });
    const source = inlineSource(link.url);
    const editorHtml = `<p>Voir le plan&nbsp;:</p>${inlineImageHtml('data:image/png;base64,iVBORw0KGgo=', source, 'plan du site (v2).png')}<p>Merci</p>`;

    // Act
    const html = bodyForSending(editorHtml);

    // Assess: no signature and no preview left; the API finds the upload by its path
    expect(source).not.toContain('X-Amz-Signature');
    expect(html).not.toContain('data:image');
    expect(html).not.toContain('data-mr-upload');
    expect(html).toContain(`src="${source}"`);
    expect(showsUpload(html, key)).toBe(true);
    expect(showsUpload(editorHtml, key)).toBe(true);
    expect(showsUpload('<p>image deleted</p>', key)).toBe(false);
    const rewritten = rewriteUploadSources(html, [{ uploadKey: key, contentId: contentIdFor(key) }]);
    expect(rewritten).toContain(`src="cid:${contentIdFor(key)}"`);
    expect(rewritten).toContain('alt="plan du site (v2).png"');
  });

  it('leaves other images alone', () => {
    const html = '<p><img src="https://cdn.example/logo.png" alt="logo"></p>';
    expect(bodyForSending(html)).toBe(html);
  });
});

describe('errors in plain categories', () => {
  it('tells a lost connection from a refusal with the API words', () => {
    // The shape of the app's ApiError (api/client.ts), which needs the DOM library to import.
    expect(toUploadError({ kind: 'network', status: 0, problem: null }).failure).toBe('network');
    expect(toUploadError({ kind: 'timeout', status: 0, problem: null }).failure).toBe('network');
    const refused = toUploadError({
      kind: 'http', status: 400,
      problem: { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Invalid body', errors: [{ field: 'body.size', message: 'Too big: expected number to be <=10485760' }] },
    });
    expect(refused).toMatchObject({ failure: 'refused', status: 400, detail: 'Too big: expected number to be <=10485760' });
  });
});

/** Just enough of XMLHttpRequest for putFile: records the request, then answers `status`. */
function fakeXhr(status: number | 'network') {
  const sent: { method?: string; url?: string; headers: Record<string, string>; body?: unknown } = { headers: {} };
  class FakeXhr {
    status = 0;
    upload: { onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    open(method: string, url: string) {
      sent.method = method;
      sent.url = url;
    }
    setRequestHeader(name: string, value: string) {
      sent.headers[name] = value;
    }
    abort() {
      this.onabort?.();
    }
    send(body: unknown) {
      sent.body = body;
      queueMicrotask(() => {
        this.upload.onprogress?.({ lengthComputable: true, loaded: 5, total: 10 });
        if (status === 'network') return this.onerror?.();
        this.status = status;
        this.onload?.();
      });
    }
  }
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
  return sent;
}

describe('putFile', () => {
  const link: UploadLink = {
    uploadKey: key, url: 'https://mail.s3.eu-west-3.amazonaws.com/uploads/x?X-Amz-Signature=abc', method: 'PUT',
    headers: { 'content-type': 'image/png', 'content-length': '10' }, expiresAt: '2026-01-01T00:00:00.000Z',
  };
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('PUTs the file with the signed type and reports progress up to 1', async () => {
    // Prepare
    const sent = fakeXhr(200);
    const progress: number[] = [];
    const file = new Blob(['0123456789']);

    // Act
    await putFile(link, file, (fraction) => progress.push(fraction));

    // Assess
    expect(sent).toMatchObject({ method: 'PUT', url: link.url, headers: { 'content-type': 'image/png' }, body: file });
    expect(progress).toEqual([0.5, 1]);
  });

  it('turns a refused PUT into a storage error with its status, and no answer into a network error', async () => {
    fakeXhr(403);
    await expect(putFile(link, new Blob(['x']), () => undefined)).rejects.toMatchObject({ failure: 'storage', status: 403 });
    fakeXhr('network');
    const failure = await putFile(link, new Blob(['x']), () => undefined).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UploadError);
    expect(failure).toMatchObject({ failure: 'network' });
  });
});
