/**
 * Splits a V8 CPU profile into where the time went: the AWS SDK, socket writes, the mail parsing
 * libraries, Mailroom's own code. Native frames count toward the nearest JavaScript caller's
 * category, except socket writes, which are shown apart (their cost depends on the machine).
 */
interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
export interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Time the profiler attributes to the benchmark's own frames (starting and stopping it). */
export const HARNESS = 'benchmark harness';

const PARSE_LIBRARIES = ['mailparser', 'libmime', 'mailsplit', 'iconv-lite', 'libqp', 'libbase64', 'html-to-text', 'htmlparser2', 'sanitize-html', 'postcss', 'entities', 'linkify', 'tlds', '/he/', 'encoding-japanese', 'punycode'];

function category(url: string): string | null {
  if (url.includes('@smithy/') || url.includes('@aws-sdk/')) return 'AWS SDK (JavaScript)';
  if (PARSE_LIBRARIES.some((name) => url.includes(name)) || url.includes('/shared/mail/')) return 'mail parsing and sanitising';
  if (url.includes('/zod/')) return 'zod';
  if (url.includes('/test/bench/')) return HARNESS;
  if (url.includes('/shared/') || url.includes('/functions/')) return 'Mailroom code';
  if (url.startsWith('node:') || url === '') return null;
  return `other (${url.replace(/^.*node_modules\//, '').split('/')[0]})`;
}

/** Milliseconds per category, divided by `units` (e.g. messages). */
export function breakdown(profile: CpuProfile, units: number): [string, number][] {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id)!;
    const name = node.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') return;
    let label = /^(writev|writeLatin1String|writeUtf8String|writeBuffer)$/.test(name) ? 'socket writes (native)' : category(node.callFrame.url);
    if (name === '(garbage collector)') label = 'garbage collection';
    for (let at: number | undefined = id; label === null && at !== undefined; at = parent.get(at)) label = category(nodes.get(at)!.callFrame.url);
    const key = label ?? 'Node.js internals';
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000 / units);
  });
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}
