/**
 * A small in-memory cache whose entries expire after a fixed time to live. It is meant to be built
 * once per Lambda container, with the function's other dependencies, for configuration a function
 * reads on every invocation but that changes rarely (a mailbox's outbox settings, which connector
 * serves a mailbox): a warm container then skips those requests, and a change made elsewhere
 * applies everywhere within the time to live. Only for values whose staleness is harmless for that
 * long; never for state a conditional write depends on.
 *
 * The value is cached as a promise, so concurrent lookups of one key share one load; a load that
 * fails is forgotten, so the next lookup tries again. The number of entries is bounded: beyond
 * `maxEntries`, the oldest entry goes first.
 */
export interface TtlCacheOptions {
  /** How long a loaded value is reused; 0 disables caching. */
  ttlMs: number;
  /** Entries kept at most (oldest dropped first). */
  maxEntries?: number;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number;
}

interface Entry<V> {
  value: Promise<V>;
  expiresAt: number;
}

const DEFAULT_MAX_ENTRIES = 1000;

export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: TtlCacheOptions) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
  }

  /** The cached value of `key` while it is fresh, else what `load` gives (then cached). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    this.entries.delete(key);
    const value = new Promise<V>((resolve) => resolve(load()));
    if (this.ttlMs <= 0) return value;
    const entry: Entry<V> = { value, expiresAt: now + this.ttlMs };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  /** Forgets `key`: the next lookup loads it again (e.g. after this container changed it). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Entries held, fresh or not yet evicted. */
  get size(): number {
    return this.entries.size;
  }
}
