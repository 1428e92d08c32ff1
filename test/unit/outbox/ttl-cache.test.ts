/** The per-container cache the sender keeps its mailbox settings and connector choices in, on a fake clock. */
import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../../shared/adapters/ttl-cache.js';

function counting<V>(values: V[]) {
  let calls = 0;
  return {
    load: async () => values[Math.min(calls++, values.length - 1)]!,
    get calls() { return calls; },
  };
}

describe('TtlCache', () => {
  it('loads on a miss, then serves the value without loading until it expires', async () => {
    // Prepare
    let now = 1_000;
    const cache = new TtlCache<string>({ ttlMs: 30_000, now: () => now });
    const source = counting(['first', 'second']);

    // Act / Assess
    expect(await cache.get('support', source.load)).toBe('first');
    now += 29_999;
    expect(await cache.get('support', source.load)).toBe('first');
    expect(source.calls).toBe(1);
    now += 1;
    expect(await cache.get('support', source.load)).toBe('second');
    expect(source.calls).toBe(2);
  });

  it('keeps keys apart', async () => {
    const cache = new TtlCache<string>({ ttlMs: 30_000, now: () => 0 });
    expect(await cache.get('a', async () => 'A')).toBe('A');
    expect(await cache.get('b', async () => 'B')).toBe('B');
    expect(await cache.get('a', async () => 'other')).toBe('A');
  });

  it('shares one load between concurrent lookups of a key', async () => {
    const cache = new TtlCache<number>({ ttlMs: 30_000, now: () => 0 });
    let calls = 0;
    const load = () => new Promise<number>((resolve) => setTimeout(() => resolve(++calls), 5));
    expect(await Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)])).toEqual([1, 1, 1]);
    expect(calls).toBe(1);
  });

  it('forgets a failed load, so the next lookup tries again', async () => {
    const cache = new TtlCache<string>({ ttlMs: 30_000, now: () => 0 });
    await expect(cache.get('k', async () => { throw new Error('DynamoDB unreachable'); })).rejects.toThrow('unreachable');
    await expect(cache.get('k', () => { throw new Error('thrown before any promise'); })).rejects.toThrow('thrown before');
    expect(await cache.get('k', async () => 'loaded')).toBe('loaded');
    expect(cache.size).toBe(1);
  });

  it('reloads a key after delete or clear', async () => {
    const cache = new TtlCache<string>({ ttlMs: 30_000, now: () => 0 });
    const source = counting(['v1', 'v2', 'v3']);
    await cache.get('k', source.load);
    cache.delete('k');
    expect(await cache.get('k', source.load)).toBe('v2');
    cache.clear();
    expect(await cache.get('k', source.load)).toBe('v3');
  });

  it('caches nothing with a time to live of 0', async () => {
    const cache = new TtlCache<string>({ ttlMs: 0, now: () => 0 });
    const source = counting(['v1', 'v2']);
    await cache.get('k', source.load);
    expect(await cache.get('k', source.load)).toBe('v2');
    expect(cache.size).toBe(0);
  });

  it('drops the oldest entries beyond its bound', async () => {
    const cache = new TtlCache<string>({ ttlMs: 30_000, maxEntries: 2, now: () => 0 });
    await cache.get('a', async () => 'A');
    await cache.get('b', async () => 'B');
    await cache.get('c', async () => 'C');
    expect(cache.size).toBe(2);
    expect(await cache.get('a', async () => 'A again')).toBe('A again');
    expect(await cache.get('c', async () => 'C again')).toBe('C');
  });
});
