/**
 * Downloads of raw messages and attachments. Their API paths need the bearer token, which a
 * plain `<a href>` cannot send, and answer with a redirect to a short-lived storage link, which a
 * page cannot read. So the app asks the API with the token for the link itself
 * (`Accept: application/json` -> `{ "url": ... }`) and sends the browser there: storage answers
 * with `Content-Disposition: attachment`, and the browser saves the file itself, however large,
 * without the app holding it in memory or storage needing CORS.
 *
 * An API that only redirects (the request comes back as an opaque redirect) cannot serve a
 * browser download: {@link DownloadBlockedError} says so in the UI.
 */
import type { ApiClient } from '../api/client';

export class DownloadBlockedError extends Error {
  constructor(readonly path: string) {
    super(`The API answered ${path} with a redirect only; a page cannot follow it with the sign-in token`);
    this.name = 'DownloadBlockedError';
  }
}

/** The short-lived storage link of an API file (also what an image preview shows). */
export async function linkFromApi(api: ApiClient, path: string): Promise<string> {
  const response = await api.fetchRaw(path, { headers: { accept: 'application/json' }, redirect: 'manual' });
  if (response.type === 'opaqueredirect') throw new DownloadBlockedError(path);
  const body = (await response.json().catch(() => null)) as { url?: unknown } | null;
  if (typeof body?.url !== 'string' || !/^https?:\/\//i.test(body.url)) throw new DownloadBlockedError(path);
  return body.url;
}

export async function downloadFromApi(api: ApiClient, path: string): Promise<void> {
  const url = await linkFromApi(api, path);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.rel = 'noopener noreferrer';
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
}
