/**
 * Counts the AWS requests a piece of code makes, per service and operation, by a middleware on
 * each SDK client it holds. Benchmarks find the clients by walking the dependencies a function
 * was wired with (the production wiring, untouched), so nothing in `functions/` or `shared/`
 * knows it is measured. The middleware sits in the `deserialize` step, inside the SDK's retry
 * loop: it counts HTTP requests, retries included, as AWS bills them.
 */

/** What the counters need of an SDK v3 client (structural: every client and the DocumentClient fit). */
interface SdkClientLike {
  send: (...args: never[]) => unknown;
  config: unknown;
  middlewareStack: {
    add(middleware: Middleware, options: { step: 'initialize' | 'deserialize'; name: string; priority?: 'high' | 'normal' | 'low'; override?: boolean }): void;
  };
}
type Handler = (args: { input?: unknown }) => Promise<unknown>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;

/** Who made a request (`null`: not counted), from the request's input (e.g. its `QueueUrl`). */
export type Attribution = (input: Record<string, unknown>) => string | null;

export function isSdkClient(value: unknown): value is SdkClientLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<SdkClientLike>;
  return typeof candidate.send === 'function' && typeof candidate.config === 'object' && typeof candidate.middlewareStack?.add === 'function';
}

/** `SQS` -> `sqs`, `SESv2` -> `ses`, from the client's `serviceId` (class names do not survive minifying). */
export function serviceOf(client: SdkClientLike): string {
  const id = (client.config as { serviceId?: unknown }).serviceId;
  const name = typeof id === 'string' ? id.toLowerCase().replace(/\s+/g, '') : client.constructor.name.replace(/Client$/, '').toLowerCase();
  return name.startsWith('sesv2') ? 'ses' : name;
}

/** Request counts keyed `who|service|operation`; plain data, so child processes can send theirs. */
export type RequestCounts = Record<string, number>;

export class RequestCounter {
  readonly counts: RequestCounts = {};
  private readonly stacks = new WeakSet<object>();

  /** Adds the counting middleware once per middleware stack (a DocumentClient shares its client's). */
  instrument(client: unknown, who: Attribution): void {
    if (!isSdkClient(client)) throw new Error('not an AWS SDK v3 client');
    if (this.stacks.has(client.middlewareStack)) return;
    this.stacks.add(client.middlewareStack);
    const service = serviceOf(client);
    client.middlewareStack.add((next, context) => async (args) => {
      const label = who((args.input ?? {}) as Record<string, unknown>);
      if (label !== null) {
        const key = `${label}|${service}|${context.commandName?.replace(/Command$/, '') ?? '?'}`;
        this.counts[key] = (this.counts[key] ?? 0) + 1;
      }
      return next(args);
    }, { step: 'deserialize', name: 'benchRequestCounter', priority: 'low', override: true });
  }

  /** Instruments every SDK client reachable from `root` (own properties, private ones included); returns them. */
  instrumentAll(root: unknown, who: Attribution): SdkClientLike[] {
    const found = findClients(root);
    for (const client of found) this.instrument(client, who);
    return found;
  }
}

/** SDK clients reachable from `root` through object properties, up to `depth` levels down. */
export function findClients(root: unknown, depth = 5): SdkClientLike[] {
  const seen = new WeakSet<object>();
  const found: SdkClientLike[] = [];
  const visit = (value: unknown, level: number): void => {
    if (typeof value !== 'object' || value === null || seen.has(value) || level > depth) return;
    seen.add(value);
    if (isSdkClient(value)) {
      found.push(value);
      return;
    }
    if (value instanceof Map || value instanceof Set || ArrayBuffer.isView(value)) return;
    for (const child of Object.values(value)) visit(child, level + 1);
  };
  visit(root, 0);
  return found;
}

/** Time spent inside SDK calls: CPU (user + system, µs) and wall time, overlapping calls counted once. */
export class CallTimer {
  cpuUs = 0;
  wallMs = 0;
  calls = 0;
  private active = 0;
  private cpuAtStart: NodeJS.CpuUsage | undefined;
  private wallAtStart = 0;

  /**
   * Times the calls of `client`. Exact only where nothing else runs meanwhile in the process: a
   * sender container handles one invocation at a time, and its records one after another, as on
   * Lambda.
   */
  time(client: unknown): void {
    if (!isSdkClient(client)) throw new Error('not an AWS SDK v3 client');
    client.middlewareStack.add((next) => async (args) => {
      if (this.active++ === 0) {
        this.cpuAtStart = process.cpuUsage();
        this.wallAtStart = performance.now();
      }
      this.calls += 1;
      try {
        return await next(args);
      } finally {
        if (--this.active === 0) {
          const spent = process.cpuUsage(this.cpuAtStart);
          this.cpuUs += spent.user + spent.system;
          this.wallMs += performance.now() - this.wallAtStart;
        }
      }
    }, { step: 'initialize', name: 'benchCallTimer', priority: 'high', override: true });
  }

  reset(): void {
    this.cpuUs = 0;
    this.wallMs = 0;
    this.calls = 0;
  }

  figures(): { cpuUs: number; wallMs: number; calls: number } {
    return { cpuUs: this.cpuUs, wallMs: this.wallMs, calls: this.calls };
  }
}

/** Adds `from` into `into`. */
export function mergeCounts(into: RequestCounts, from: RequestCounts): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

/** Sum of the counts matching `who` and `service` (either `*`). */
export function total(counts: RequestCounts, who: string, service: string): number {
  let sum = 0;
  for (const [key, n] of Object.entries(counts)) {
    const [w, s] = key.split('|');
    if ((who === '*' || w === who) && (service === '*' || s === service)) sum += n;
  }
  return sum;
}

/** `GetItem 2.00, UpdateItem 3.00` per message, for one caller and service. */
export function operations(counts: RequestCounts, who: string, service: string, per: number): string {
  return Object.entries(counts)
    .filter(([key]) => key.startsWith(`${who}|${service}|`))
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key.split('|')[2]} ${(n / per).toFixed(2)}`)
    .join(', ');
}
