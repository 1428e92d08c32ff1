/**
 * Conditional GETs (shared/api/router.ts): a 200 without a route ETag gets a weak ETag of its
 * body, `If-None-Match` with it answers 304 with no body, and a route's own ETag (its resource
 * version, for If-Match) is left alone.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { createRoutedHandler, defineRoute } from '../../../shared/api/router.js';

let items = ['a'];

const handler = createRoutedHandler([
  defineRoute({
    method: 'GET', path: '/api/things', operationId: 'listThings', tags: ['test'], summary: 'Things.',
    response: { status: 200, schema: z.object({ items: z.array(z.string()) }), description: 'Things.' },
    handle: async () => ({ status: 200, body: { items } }),
  }),
  defineRoute({
    method: 'GET', path: '/api/versioned', operationId: 'getVersioned', tags: ['test'], summary: 'A versioned thing.',
    response: { status: 200, schema: z.object({ v: z.number() }), description: 'It.' },
    handle: async () => ({ status: 200, body: { v: 3 }, headers: { etag: '"3"' } }),
  }),
  defineRoute({
    method: 'POST', path: '/api/things', operationId: 'addThing', tags: ['test'], summary: 'Add.',
    response: { status: 200, schema: z.object({ items: z.array(z.string()) }), description: 'Things.' },
    handle: async () => ({ status: 200, body: { items } }),
  }),
]);

function event(method: string, path: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0', routeKey: `${method} ${path}`, rawPath: path, rawQueryString: '', headers, isBase64Encoded: false,
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      authorizer: { jwt: { claims: { email: 'camille@acme.test', sub: 's' }, scopes: [] } },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

describe('conditional GET', () => {
  it('answers 304 without a body while the body is unchanged, and 200 with a new ETag once it changes', async () => {
    // Prepare
    items = ['a'];
    const first = await handler(event('GET', '/api/things'));
    const etag = first.headers!['etag'] as string;
    // Act
    const unchanged = await handler(event('GET', '/api/things', { 'if-none-match': etag }));
    items = ['a', 'b'];
    const changed = await handler(event('GET', '/api/things', { 'if-none-match': etag }));
    // Assess
    expect(etag).toMatch(/^W\/"[\w-]{27}"$/);
    expect(unchanged.statusCode).toBe(304);
    expect(unchanged.body).toBeUndefined();
    expect(unchanged.headers).toMatchObject({ etag, 'cache-control': 'no-store' });
    expect(changed.statusCode).toBe(200);
    expect(JSON.parse(String(changed.body))).toEqual({ items: ['a', 'b'] });
    expect(changed.headers!['etag']).not.toBe(etag);
  });

  it('compares weakly, in a list, and honours *', async () => {
    items = ['x'];
    const etag = (await handler(event('GET', '/api/things'))).headers!['etag'] as string;
    const strong = etag.replace(/^W\//, '');
    expect((await handler(event('GET', '/api/things', { 'if-none-match': `"other", ${strong}` }))).statusCode).toBe(304);
    expect((await handler(event('GET', '/api/things', { 'if-none-match': '*' }))).statusCode).toBe(304);
    expect((await handler(event('GET', '/api/things', { 'if-none-match': '"other"' }))).statusCode).toBe(200);
  });

  it("keeps a route's own ETag and never answers 304 for it, nor for other methods", async () => {
    const versioned = await handler(event('GET', '/api/versioned', { 'if-none-match': '"3"' }));
    const post = await handler(event('POST', '/api/things', { 'if-none-match': '*' }));
    expect(versioned.statusCode).toBe(200);
    expect(versioned.headers!['etag']).toBe('"3"');
    expect(post.statusCode).toBe(200);
    expect(post.headers!['etag']).toBeUndefined();
  });
});
