/**
 * Deliverability check of an SES account's domain: SPF, DKIM and DMARC, each with its state in DNS
 * and the record to publish. Lookups go through node:dns with a timeout; a lookup that cannot be
 * answered (offline, resolver down) reports `unknown`, never a false `missing`.
 * See https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication.html
 */
import { Resolver } from 'node:dns/promises';

export type DnsState = 'ok' | 'missing' | 'unknown';

export interface DnsRecordCheck {
  /** What it is for, in plain words. */
  purpose: string;
  type: 'TXT' | 'CNAME';
  name: string;
  /** The value to publish. */
  value: string;
  state: DnsState;
  /** What DNS answers now (for the admin to compare). */
  found: string[];
}

export interface DeliverabilityReport {
  domain: string;
  spf: DnsRecordCheck;
  dkim: DnsRecordCheck[];
  dmarc: DnsRecordCheck;
}

/** The two lookups the check needs; null = no answer could be obtained (timeout, no resolver). */
export interface DnsLookup {
  txt(name: string): Promise<string[] | null>;
  cname(name: string): Promise<string[] | null>;
}

const NO_RECORD = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

/** node:dns with one resolver per lookup and a hard timeout (`servers`: the system's by default). */
export function nodeDnsLookup(timeoutMs = 3000, servers?: string[]): DnsLookup {
  const run = async (query: (r: Resolver) => Promise<string[]>): Promise<string[] | null> => {
    const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
    if (servers !== undefined) resolver.setServers(servers);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        query(resolver),
        new Promise<null>((resolve) => { timer = setTimeout(() => { resolver.cancel(); resolve(null); }, timeoutMs); }),
      ]);
    } catch (error) {
      return NO_RECORD.has((error as NodeJS.ErrnoException).code ?? '') ? [] : null;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    txt: (name) => run(async (r) => (await r.resolveTxt(name)).map((parts) => parts.join(''))),
    cname: (name) => run((r) => r.resolveCname(name)),
  };
}

const norm = (value: string) => value.trim().toLowerCase().replace(/\.$/, '');

export async function checkDeliverability(domain: string, dkimTokens: string[], dns: DnsLookup): Promise<DeliverabilityReport> {
  const [txt, dmarcTxt, ...cnames] = await Promise.all([
    dns.txt(domain), dns.txt(`_dmarc.${domain}`), ...dkimTokens.map((t) => dns.cname(`${t}._domainkey.${domain}`)),
  ]);
  const spfFound = txt === null ? null : txt.filter((r) => /^v=spf1\b/i.test(r));
  const spfValue = spfFound && spfFound[0] && !/include:amazonses\.com/i.test(spfFound[0])
    ? spfFound[0].replace(/\s+([~?-]all)\s*$/i, ' include:amazonses.com $1')
    : 'v=spf1 include:amazonses.com ~all';
  const dmarcFound = dmarcTxt === null ? null : dmarcTxt.filter((r) => /^v=DMARC1\b/i.test(r));
  return {
    domain,
    spf: {
      purpose: 'SPF: allows SES to send for the domain (the envelope sender of a custom MAIL FROM domain also needs it).',
      type: 'TXT', name: domain, value: spfValue,
      state: spfFound === null ? 'unknown' : spfFound.some((r) => /include:amazonses\.com/i.test(r)) ? 'ok' : 'missing',
      found: spfFound ?? [],
    },
    dkim: dkimTokens.map((token, n) => {
      const found = cnames[n] ?? null;
      const value = `${token}.dkim.amazonses.com`;
      return {
        purpose: 'DKIM: SES signs outgoing mail with the key this record points to.', type: 'CNAME' as const,
        name: `${token}._domainkey.${domain}`, value,
        state: found === null ? 'unknown' as const : found.map(norm).includes(value) ? 'ok' as const : 'missing' as const,
        found: found ?? [],
      };
    }),
    dmarc: {
      purpose: 'DMARC: tells receivers what to do with mail that fails SPF and DKIM, and where to report. Start with p=none, then tighten.',
      type: 'TXT', name: `_dmarc.${domain}`, value: dmarcFound?.[0] ?? `v=DMARC1; p=none; rua=mailto:dmarc@${domain}`,
      state: dmarcFound === null ? 'unknown' : dmarcFound.length > 0 ? 'ok' : 'missing',
      found: dmarcFound ?? [],
    },
  };
}
