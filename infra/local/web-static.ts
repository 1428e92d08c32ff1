/**
 * The web app on the local stack: `web/dist` at `/`, as S3 behind CloudFront serves it when
 * deployed. Hashed files under `/assets/` are cached for good; every other path that is not a
 * file gets `index.html` (the app routes in the browser), except under `/api` and `/local`,
 * which the gateway answers itself.
 */
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `web/dist` of this checkout (`npm run build:web`, or `npm start` builds it when needed). */
export const DEFAULT_WEB_ROOT = resolve(fileURLToPath(new URL('../../web/dist/', import.meta.url)));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Mailroom: web app not built</title>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>The web app is not built yet</h1>
<p>This server found no <code>web/dist/index.html</code>. Build it with <code>npm run build:web</code>
(<code>npm start</code> builds it when it is missing or older than <code>web/src</code>), then reload.</p>
<p>The API is up: <a href="/api/openapi.json">/api/openapi.json</a>.</p></body></html>`;

function isFile(path: string): { size: number; mtime: Date } | null {
  try {
    const stat = statSync(path);
    return stat.isFile() ? { size: stat.size, mtime: stat.mtime } : null;
  } catch {
    return null;
  }
}

function send(response: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
  response.end(body);
}

/** Whether the gateway should hand this request to {@link serveWeb}. */
export function isWebRequest(method: string, pathname: string): boolean {
  return (method === 'GET' || method === 'HEAD') && !/^\/(api|local)(\/|$)/.test(pathname);
}

export function serveWeb(request: IncomingMessage, response: ServerResponse, pathname: string, root = DEFAULT_WEB_ROOT): void {
  const head = request.method === 'HEAD';
  const indexPath = join(root, 'index.html');
  const index = isFile(indexPath);
  if (index === null) return send(response, 503, 'text/html; charset=utf-8', head ? '' : NOT_BUILT);

  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return send(response, 400, 'text/plain; charset=utf-8', 'Bad path');
  }
  const candidate = resolve(root, `.${decoded}`);
  const inside = candidate === root || candidate.startsWith(root + sep);
  const file = inside && !decoded.includes('\0') ? isFile(candidate) : null;

  let path: string;
  let stat: { size: number; mtime: Date };
  if (file !== null) {
    path = candidate;
    stat = file;
  } else if (decoded.startsWith('/assets/') || extname(decoded) !== '') {
    // A missing script or image is a 404, not the app's HTML under the wrong type.
    return send(response, 404, 'text/plain; charset=utf-8', 'Not found');
  } else {
    path = indexPath;
    stat = index;
  }
  const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string | number> = {
    'content-type': type,
    'content-length': stat.size,
    'last-modified': stat.mtime.toUTCString(),
    'x-content-type-options': 'nosniff',
    // Hashed names change with their content; everything else is checked on every load.
    'cache-control': path.startsWith(join(root, 'assets') + sep) ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (type.startsWith('text/html')) {
    headers['x-frame-options'] = 'DENY';
    headers['referrer-policy'] = 'same-origin';
  }
  response.writeHead(200, headers);
  if (head) {
    response.end();
    return;
  }
  createReadStream(path).on('error', () => response.destroy()).pipe(response);
}
