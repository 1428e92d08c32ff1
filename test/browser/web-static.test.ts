/**
 * The local stack's static serving of web/dist (infra/local/web-static.ts): files with their
 * types and cache headers, the app's HTML for client-side routes, no escape from the directory,
 * and a clear page when the app is not built.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWebRequest, serveWeb } from '../../infra/local/web-static.js';

let root: string;
let server: Server;
let base: string;
let servedRoot: string;

beforeAll(async () => {
  // Prepare
  root = mkdtempSync(join(tmpdir(), 'mailroom-web-static-'));
  mkdirSync(join(root, 'dist', 'assets'), { recursive: true });
  writeFileSync(join(root, 'dist', 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, 'dist', 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'dist', 'favicon.svg'), '<svg/>');
  writeFileSync(join(root, 'secret.txt'), 'outside');
  servedRoot = join(root, 'dist');
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://local');
    if (!isWebRequest(request.method ?? 'GET', url.pathname)) {
      response.writeHead(404).end('gateway');
      return;
    }
    serveWeb(request, response, url.pathname, servedRoot);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

describe('serving web/dist on the local stack', () => {
  it('serves hashed assets for good and the app for every client-side route', async () => {
    // Act
    const asset = await fetch(`${base}/assets/index-abc.js`);
    const route = await fetch(`${base}/mailboxes/support/conversations/c1?status=todo`);
    const icon = await fetch(`${base}/favicon.svg`);
    // Assess
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await route.text()).toContain('<title>app</title>');
    expect(route.headers.get('cache-control')).toBe('no-cache');
    expect(route.headers.get('x-frame-options')).toBe('DENY');
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('answers 404 for a missing file rather than the app under the wrong type', async () => {
    expect((await fetch(`${base}/assets/gone.js`)).status).toBe(404);
    expect((await fetch(`${base}/robots.txt`)).status).toBe(404);
  });

  it('never serves a file outside web/dist', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const response = await fetch(`${base}${path}`);
      expect(await response.text()).not.toContain('outside');
    }
  });

  it('leaves /api and /local to the gateway, and other methods too', () => {
    expect(isWebRequest('GET', '/api/me')).toBe(false);
    expect(isWebRequest('GET', '/api')).toBe(false);
    expect(isWebRequest('GET', '/local/health')).toBe(false);
    expect(isWebRequest('POST', '/mailboxes/support')).toBe(false);
    expect(isWebRequest('GET', '/apiary')).toBe(true);
  });

  it('says how to build the app when web/dist is missing', async () => {
    servedRoot = join(root, 'not-built');
    try {
      const response = await fetch(`${base}/`);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('npm run build:web');
    } finally {
      servedRoot = join(root, 'dist');
    }
  });
});
