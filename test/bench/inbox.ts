/**
 * npm run bench:inbox [-- --count 10000] [-- --count 100000] [-- --runs 50]
 *
 * Fills one mailbox of a dynalite table (in a child process, so this process's event loop is the
 * API's alone) with `--count` conversations written directly with BatchWriteItem, as the inbound
 * and workflow paths store them (every list index key, the list projection), plus their search
 * postings. Then measures, for each list the inbox offers (default, mine, unassigned, status,
 * label, date range, combined filters, a deep page) and for search queries of one, two and three
 * words: latency p50/p95/p99 of the use case (Query/BatchGetItem round trips included), DynamoDB
 * requests and read units per call (as dynalite reports them), items returned, and for search the
 * postings read and checked. Last, the indexer's write cost and storage per message, measured on
 * the repository's real mail fixtures and on 5 KB chunks of English prose (this README).
 *
 * The bulk postings use a synthetic vocabulary (a Zipf-distributed 20,000-word one plus three
 * words of known frequency: 30%, 2% and 0.1% of conversations) so that loading 100,000
 * conversations takes minutes; a query's cost depends on the lengths of its terms' posting lists,
 * which these words fix, not on the vocabulary's size.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoMeter, Table, type Item } from '../../shared/adapters/dynamodb-table.js';
import { conversationItem, encodeBody, MailStore } from '../../shared/inbound/mail-store.js';
import { parseMail } from '../../shared/mail/parse.js';
import { keys } from '../../shared/model/keys.js';
import { createTableInput } from '../../shared/model/table.js';
import type { ConversationRecord, ConversationStatus } from '../../shared/model/types.js';
import { indexMessage, messageTerms } from '../../shared/search/indexer.js';
import { postingKey, postingSort } from '../../shared/search/postings.js';
import { searchConversations } from '../../shared/search/search.js';
import { listConversations, type ListFilters, type ListPosition } from '../../shared/workflow/list-plan.js';
import { Directory, mailboxItem, userItem } from '../../shared/org/directory.js';
import { ConversationRepository } from '../../shared/workflow/conversation-repository.js';
import { ConversationWorkflow } from '../../shared/workflow/conversation-workflow.js';
import type { Actor } from '../../shared/workflow/rules.js';
import { MemoryBlobStore } from '../helpers/fakes.js';
import { prng } from './generate.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '10000' }, runs: { type: 'string', default: '50' } } });
const count = Number(args.count);
const runs = Number(args.runs);
const MAILBOX = 'bench';
const AGENTS = ['agent1@acme.test', 'agent2@acme.test', 'agent3@acme.test', 'agent4@acme.test', 'agent5@acme.test'];
const dispatcher: Actor = { email: 'dispatch@acme.test', role: 'dispatcher' };
const agent: Actor = { email: AGENTS[0]!, role: 'agent' };
const VOCABULARY = 20_000;
const ZIPF_TERMS = 5;
const KNOWN = [{ term: 'commande', share: 0.3 }, { term: 'remboursement', share: 0.02 }, { term: 'zeppelin', share: 0.001 }];
const SPAN_DAYS = 730;
const END = Date.UTC(2026, 10, 20);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

async function startDynalite(): Promise<{ endpoint: string; stop: () => void }> {
  const script = "import dynalite from 'dynalite'; const s = dynalite({ createTableMs: 0 }); s.listen(0, '127.0.0.1', () => console.log(s.address().port)); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));";
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'], cwd: process.cwd() });
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
  });
  return { endpoint: `http://127.0.0.1:${port.trim()}`, stop: () => child.stdin!.end() };
}

/** Zipf-distributed word rank (s = 1) by inverse transform on the harmonic numbers' approximation. */
function zipf(random: () => number): number {
  const h = Math.log(VOCABULARY) + 0.5772;
  return Math.min(VOCABULARY - 1, Math.floor(Math.exp(random() * h - 0.5772)));
}

function conversation(n: number, random: () => number): { record: ConversationRecord; extra: Item; terms: string[] } {
  const last = END - Math.floor(random() * SPAN_DAYS * 86_400_000);
  const created = last - Math.floor(random() * 7 * 86_400_000);
  const r = random();
  const status: ConversationStatus = r < 0.15 ? 'unassigned' : r < 0.3 ? 'assigned' : r < 0.4 ? 'in_progress' : r < 0.5 ? 'todo' : 'closed';
  const assignee = status === 'unassigned' || (status === 'closed' && random() < 0.2) ? null : AGENTS[Math.floor(random() * AGENTS.length)]!;
  const labels = [...(random() < 0.05 ? ['urgent'] : []), ...(random() < 0.1 ? ['facturation'] : [])];
  const conversationId = `cb${String(n).padStart(7, '0')}`;
  const record: ConversationRecord = {
    conversationId, mailboxId: MAILBOX, orgId: 'bench', subject: `Demande ${n} commande ${1000 + n}`, subjectKey: `demande ${n}`,
    snippet: 'Bonjour, nous avons bien reçu votre demande concernant la commande, livraison prévue semaine prochaine…',
    from: { address: `client${n % 5000}@client.test`, name: `Client ${n % 5000}` }, participants: [`client${n % 5000}@client.test`],
    status, assignee, isNew: random() < 0.1, labels, flags: [], messageCount: 1 + Math.floor(random() * 6), hasAttachments: random() < 0.1,
    createdAt: new Date(created).toISOString(), lastActivityAt: new Date(last).toISOString(), lastMessageKey: `m${n}`,
    messageRefs: [`${new Date(created).toISOString()}#m${n}`], version: 1,
  };
  const terms = new Set<string>();
  for (let i = 0; i < ZIPF_TERMS; i += 1) terms.add(`w${zipf(random)}`);
  for (const known of KNOWN) if (random() < known.share) terms.add(known.term);
  return { record, extra: random() < 0.03 ? { qualification: 'devis' } : {}, terms: [...terms] };
}

async function load(table: Table): Promise<{ conversations: number; postings: number; ms: number }> {
  const random = prng(42);
  const started = performance.now();
  let postings = 0;
  const pending: Promise<void>[] = [];
  let batch: Item[] = [];
  const flush = () => {
    const items = batch;
    batch = [];
    pending.push(table.batchPut(items));
  };
  for (let n = 0; n < count; n += 1) {
    const { record, extra, terms } = conversation(n, random);
    batch.push({ ...conversationItem(record), ...extra });
    const sort = postingSort(record.createdAt, record.conversationId);
    for (const term of terms) batch.push({ ...postingKey(MAILBOX, term, sort) });
    postings += terms.length;
    if (batch.length >= 500) flush();
    if (pending.length >= 8) await Promise.all(pending.splice(0));
    if (n > 0 && n % 20_000 === 0) process.stderr.write(`  loaded ${n} conversations…\n`);
  }
  flush();
  await Promise.all(pending);
  return { conversations: count, postings, ms: performance.now() - started };
}

interface Measure { name: string; latencies: number[]; requests: number[]; readUnits: number[]; items: number[]; extra: Record<string, number[]> }

async function measure(name: string, meter: DynamoMeter, call: () => Promise<{ items: number; extra?: Record<string, number> }>): Promise<Measure> {
  const result: Measure = { name, latencies: [], requests: [], readUnits: [], items: [], extra: {} };
  await call(); // warm-up
  for (let i = 0; i < runs; i += 1) {
    meter.reset();
    const started = performance.now();
    const out = await call();
    result.latencies.push(performance.now() - started);
    result.requests.push(meter.requests);
    result.readUnits.push(meter.readUnits);
    result.items.push(out.items);
    for (const [k, v] of Object.entries(out.extra ?? {})) (result.extra[k] ??= []).push(v);
  }
  return result;
}

function row(m: Measure): string {
  const extra = Object.entries(m.extra).map(([k, v]) => `${k} ${mean(v).toFixed(0)}`).join(', ');
  return `| ${m.name} | ${percentile(m.latencies, 50).toFixed(1)} | ${percentile(m.latencies, 95).toFixed(1)} | ${percentile(m.latencies, 99).toFixed(1)} | ${mean(m.requests).toFixed(1)} | ${mean(m.readUnits).toFixed(1)} | ${mean(m.items).toFixed(0)} | ${extra} |`;
}

async function writeCost(table: Table, meter: DynamoMeter): Promise<string[]> {
  const store = new MailStore(table, new MemoryBlobStore());
  const samples: { name: string; body: string; subject: string }[] = [];
  const fixtures = join(import.meta.dirname, '..', 'fixtures', 'mail');
  for (const dir of ['plain', 'replies', 'french', 'bulk']) {
    for (const file of readdirSync(join(fixtures, dir)).filter((f) => f.endsWith('.eml'))) {
      const parsed = await parseMail(readFileSync(join(fixtures, dir, file)), { sink: async (meta) => ({ storageKey: `bench/${meta.index}` }) });
      samples.push({ name: `${dir}/${file}`, subject: parsed.subject ?? '', body: parsed.text ?? '' });
    }
  }
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8').replace(/[`|#*-]/g, ' ');
  for (let i = 0; i < 4; i += 1) samples.push({ name: `prose 5 KB #${i + 1}`, subject: 'Question about the deployment', body: readme.slice(i * 5120, (i + 1) * 5120) });
  const lines: string[] = ['| message | body bytes | terms | write units | posting bytes (storage) |', '|---|---|---|---|---|'];
  let n = 0;
  for (const sample of samples) {
    n += 1;
    const at = new Date(END).toISOString();
    const record: ConversationRecord = {
      conversationId: `cw${n}`, mailboxId: 'cost', orgId: 'bench', subject: sample.subject, subjectKey: '', snippet: '',
      from: { address: 'lea@client.test', name: 'Léa Martin' }, participants: [], status: 'unassigned', assignee: null, isNew: true,
      labels: [], flags: [], messageCount: 1, hasAttachments: false, createdAt: at, lastActivityAt: at, lastMessageKey: `mw${n}`, messageRefs: [], version: 1,
    };
    await table.put(conversationItem(record));
    const message = { subject: sample.subject, from: record.from, to: [{ address: 'support@acme.test', name: 'Support' }], cc: [], attachments: [] };
    await table.put({ ...keys.message(`mw${n}`), type: 'message', messageKey: `mw${n}`, ...message, body: encodeBody({ text: sample.body, html: null }) });
    const terms = messageTerms(message, { text: sample.body, html: null });
    meter.reset();
    await indexMessage({ messageKey: `mw${n}`, placements: [{ mailboxId: 'cost', conversationId: `cw${n}` }] }, { table, store });
    // Item size as DynamoDB bills storage: attribute names and values, plus 100 bytes of overhead per item.
    const sort = postingSort(at, `cw${n}`);
    const bytes = terms.reduce((sum, term) => sum + 2 + Buffer.byteLength(postingKey('cost', term, sort).PK) + 2 + Buffer.byteLength(sort) + 100, 0);
    lines.push(`| ${sample.name} | ${Buffer.byteLength(sample.body)} | ${terms.length} | ${meter.writeUnits} | ${bytes} |`);
  }
  return lines;
}

/** The mailbox and its members, so an assignment finds the assignee's role as the API would. */
async function seedAssignees(table: Table): Promise<void> {
  const mailbox = { mailboxId: MAILBOX, orgId: 'demo', name: 'Bench', kind: 'shared' as const, addresses: ['bench@acme.test'], owner: null, department: null, labelRules: [] };
  const users = [dispatcher.email, ...AGENTS].map((email) => userItem(
    { email, orgId: 'demo', name: email, orgAdmin: false, locale: 'fr', primaryMailboxId: MAILBOX },
    { [MAILBOX]: email === dispatcher.email ? 'dispatcher' : 'agent' },
  ));
  await table.batchPut([mailboxItem(mailbox), ...users]);
}

async function main(): Promise<void> {
  const dynalite = await startDynalite();
  const raw = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  await raw.send(new CreateTableCommand(createTableInput('bench')));
  const meter = new DynamoMeter();
  const table = new Table(client, 'bench', meter);
  try {
    console.log(`# bench:inbox — ${count.toLocaleString('en')} conversations in one mailbox, ${runs} runs per line`);
    const loaded = await load(new Table(client, 'bench'));
    console.log(`loaded ${loaded.conversations.toLocaleString('en')} conversations and ${loaded.postings.toLocaleString('en')} postings in ${(loaded.ms / 1000).toFixed(1)} s\n`);

    const month = { from: '2026-06-01T00:00:00.000Z', to: '2026-06-30T23:59:59.999Z' };
    const lists: [string, Actor, ListFilters][] = [
      ['default (GSI1)', dispatcher, {}],
      ['mine, agent (GSI4)', agent, {}],
      ['unassigned (GSI2)', dispatcher, { assignee: 'unassigned' }],
      ['status todo (GSI2)', dispatcher, { status: 'todo' }],
      ['label urgent (filter)', dispatcher, { label: 'urgent' }],
      ['date range, one month (key condition)', dispatcher, month],
      ['closed + facturation + attachment + 3 months', dispatcher, { status: 'closed', label: 'facturation', hasAttachments: true, from: '2026-04-01T00:00:00.000Z', to: month.to }],
      ['agent + in_progress + urgent', agent, { status: 'in_progress', label: 'urgent' }],
    ];
    const results: Measure[] = [];
    for (const [name, actor, filters] of lists) {
      results.push(await measure(name, meter, async () => {
        const page = await listConversations(table, actor, MAILBOX, filters, 25);
        return { items: page.kind === 'page' ? page.items.length : 0 };
      }));
    }
    // A deep page: the cursor of page 40 (items 1,001 to 1,025).
    let deep: ListPosition | undefined;
    for (let page = 0; page < 40; page += 1) {
      const out = await listConversations(table, dispatcher, MAILBOX, {}, 25, deep);
      if (out.kind !== 'page' || out.last === null) break;
      deep = out.last;
    }
    results.push(await measure('default, page 41 (cursor)', meter, async () => {
      const page = await listConversations(table, dispatcher, MAILBOX, {}, 25, deep);
      return { items: page.kind === 'page' ? page.items.length : 0 };
    }));
    console.log('## Lists (first page of 25 unless said)\n');
    console.log('| list | p50 ms | p95 ms | p99 ms | requests | read units | items |  |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const m of results) console.log(row(m));

    const queries: [string, string, Actor][] = [
      ['1 word, 30% of conversations', 'commande', dispatcher],
      ['1 word, 2%', 'remboursement', dispatcher],
      ['1 word, 0.1%', 'zeppelin', dispatcher],
      ['2 words, 30% + 2%', 'commande remboursement', dispatcher],
      ['2 words, 30% + most frequent', 'commande w0', dispatcher],
      ['3 words, 30% + 2% + most frequent', 'commande remboursement w0', dispatcher],
      ['3 words, agent', 'commande remboursement w0', agent],
    ];
    const searches: Measure[] = [];
    for (const [name, q, actor] of queries) {
      searches.push(await measure(`${name}: "${q}"`, meter, async () => {
        const out = await searchConversations(table, { mailboxId: MAILBOX, actor, q, limit: 25 });
        if (out.kind !== 'results') return { items: 0 };
        return { items: out.items.length, extra: { 'postings read': out.stats.postingsRead, 'keys checked': out.stats.postingsChecked, 'conversations read': out.stats.conversationsRead } };
      }));
    }
    console.log('\n## Search (first page of 25)\n');
    console.log('| query | p50 ms | p95 ms | p99 ms | requests | read units | items | postings |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const m of searches) console.log(row(m));

    // An assignment through the workflow use case, as the API does it: caller, conversation, the
    // assignee's user item and the mailbox settings read, then one conditional update, the
    // history entry and the event. Each run assigns another conversation to the next agent.
    await seedAssignees(table);
    const workflow = new ConversationWorkflow({
      repository: new ConversationRepository(table), directory: new Directory(table), events: { publish: async () => undefined }, clock: { now: () => new Date() },
    });
    const caller = { email: dispatcher.email, name: 'Dispatch', orgId: 'demo', orgAdmin: false, locale: 'fr', primaryMailboxId: MAILBOX, roles: { [MAILBOX]: 'dispatcher' as const } };
    const targets = await listConversations(table, dispatcher, MAILBOX, { assignee: 'unassigned' }, 100);
    const ids = targets.kind === 'page' ? targets.items.map((c) => c.conversationId) : [];
    let turn = 0;
    const assignment = await measure('assign an unassigned conversation', meter, async () => {
      const conversationId = ids[turn % ids.length]!;
      const assignee = AGENTS[turn % AGENTS.length]!;
      turn += 1;
      const outcome = await workflow.change({ caller, conversationId, action: { kind: 'assign', assignee, message: null } });
      return { items: outcome.kind === 'changed' || outcome.kind === 'unchanged' ? 1 : 0, extra: { 'write units': meter.writeUnits } };
    });
    console.log('\n## Assignment\n');
    console.log('| change | p50 ms | p95 ms | p99 ms | requests | read units | done |  |');
    console.log('|---|---|---|---|---|---|---|---|');
    console.log(row(assignment));

    console.log('\n## Indexing cost per message\n');
    for (const line of await writeCost(table, meter)) console.log(line);
  } finally {
    raw.destroy();
    dynalite.stop();
  }
}

await main();
