/**
 * Deployment settings read from CDK context (`cdk.json` "context", `cdk.context.json`, or
 * `npx cdk synth -c key=value`). Values given with `-c` arrive as strings, so lists accept JSON
 * (`'["a.com","b.com"]'`) or a comma-separated string and booleans accept "true"/"false".
 * Every key is described in infra/README.md.
 */
import type { Node } from 'constructs';

/** Context keys, with what each one controls. */
export const CONTEXT_KEYS = {
  /** Stage suffix of every name (`mailroom-<stage>` bus, stacks `Mailroom-<stage>-*`). Default `dev`. */
  stageName: 'stageName',
  /**
   * Domains SES accepts mail for (a leading dot matches every subdomain). Each must be verified in
   * SES and have an MX record pointing at SES's inbound endpoint. Default `["example.com"]`, which
   * synthesizes but receives nothing.
   */
  recipientDomains: 'recipientDomains',
  /** Days after which raw mail under `inbound/` expires. Default: unset, raw mail is kept forever. */
  rawMailRetentionDays: 'rawMailRetentionDays',
  /** Address subscribed (after confirmation) to the alarm topic. Default: no subscription. */
  alarmEmail: 'alarmEmail',
  /** Reject mail delivered without TLS (SES `TlsPolicy: Require`). Default `false`. */
  requireTls: 'requireTls',
  /**
   * Make this stage's receipt rule set the active one on deploy (and deactivate it on delete).
   * An account/region has one active rule set, so set `false` when another one must stay active.
   * Default `true`.
   */
  activateReceiptRuleSet: 'activateReceiptRuleSet',
  /** Origins allowed to call the API from a browser. Default `[]`: no CORS (same-origin web app). */
  corsAllowOrigins: 'corsAllowOrigins',
  /** OAuth redirect URLs of the web app client. Default `["http://localhost:5173/auth/callback"]`. */
  webCallbackUrls: 'webCallbackUrls',
  /** Sign-out redirect URLs of the web app client. Default `["http://localhost:5173/"]`. */
  webLogoutUrls: 'webLogoutUrls',
  /** Cognito hosted domain prefix (globally unique per region). Default `mailroom-<stage>-<account id>`. */
  authDomainPrefix: 'authDomainPrefix',
  /** Active X-Ray tracing on the functions. Default `false`. */
  xrayTracing: 'xrayTracing',
  /** Explicit target account and region. Default: environment-agnostic stacks (no lookups). */
  account: 'account',
  region: 'region',
} as const;

export interface MailroomConfig {
  stageName: string;
  recipientDomains: string[];
  /** True when `recipientDomains` was not given and the placeholder is in use. */
  recipientDomainsIsDefault: boolean;
  rawMailRetentionDays: number | undefined;
  alarmEmail: string | undefined;
  requireTls: boolean;
  activateReceiptRuleSet: boolean;
  corsAllowOrigins: string[];
  webCallbackUrls: string[];
  webLogoutUrls: string[];
  authDomainPrefix: string | undefined;
  xrayTracing: boolean;
  account: string | undefined;
  region: string | undefined;
}

export const DEFAULT_RECIPIENT_DOMAINS = ['example.com'];

/** Thrown at synth time for a context value that would produce a broken deployment. */
export class InvalidContextError extends Error {
  constructor(key: string, message: string) {
    super(`Invalid CDK context "${key}": ${message}`);
    this.name = 'InvalidContextError';
  }
}

const DOMAIN = /^\.?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const STAGE = /^[a-z][a-z0-9-]{0,15}$/;

function raw(node: Node, key: string): unknown {
  const value: unknown = node.tryGetContext(key);
  return value === '' ? undefined : value;
}

function stringList(node: Node, key: string): string[] | undefined {
  const value = raw(node, key);
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    if (!value.every((v): v is string => typeof v === 'string')) throw new InvalidContextError(key, 'expected a list of strings');
    return value.map((v) => v.trim()).filter((v) => v !== '');
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new InvalidContextError(key, 'expected a JSON list or a comma-separated string');
      }
      if (!Array.isArray(parsed) || !parsed.every((v): v is string => typeof v === 'string')) {
        throw new InvalidContextError(key, 'expected a list of strings');
      }
      return parsed.map((v) => v.trim()).filter((v) => v !== '');
    }
    return text.split(',').map((v) => v.trim()).filter((v) => v !== '');
  }
  throw new InvalidContextError(key, 'expected a list of strings');
}

function bool(node: Node, key: string, fallback: boolean): boolean {
  const value = raw(node, key);
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidContextError(key, 'expected true or false');
}

function optionalString(node: Node, key: string): string | undefined {
  const value = raw(node, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidContextError(key, 'expected a string');
  return value.trim();
}

/** Reads and validates every context key; throws {@link InvalidContextError} on the first bad one. */
export function readConfig(node: Node): MailroomConfig {
  const stageName = optionalString(node, CONTEXT_KEYS.stageName) ?? 'dev';
  if (!STAGE.test(stageName)) {
    throw new InvalidContextError(CONTEXT_KEYS.stageName, 'lower-case letters, digits and dashes, starting with a letter, at most 16 characters');
  }
  if (stageName === 'local') {
    // MAILROOM_STAGE=local turns on the development sign-in of the embedded local stack.
    throw new InvalidContextError(CONTEXT_KEYS.stageName, '"local" is reserved for the embedded local stack');
  }

  const givenDomains = stringList(node, CONTEXT_KEYS.recipientDomains);
  const recipientDomains = (givenDomains ?? DEFAULT_RECIPIENT_DOMAINS).map((d) => d.toLowerCase());
  if (recipientDomains.length === 0) throw new InvalidContextError(CONTEXT_KEYS.recipientDomains, 'at least one domain is required');
  // SES accepts at most 100 recipients per receipt rule.
  // See https://docs.aws.amazon.com/ses/latest/dg/quotas.html#quotas-receiving
  if (recipientDomains.length > 100) throw new InvalidContextError(CONTEXT_KEYS.recipientDomains, 'SES allows at most 100 recipients per rule');
  for (const domain of recipientDomains) {
    if (!DOMAIN.test(domain)) throw new InvalidContextError(CONTEXT_KEYS.recipientDomains, `"${domain}" is not a domain name`);
  }

  let rawMailRetentionDays: number | undefined;
  const retention = raw(node, CONTEXT_KEYS.rawMailRetentionDays);
  if (retention !== undefined && retention !== null) {
    const days = typeof retention === 'number' ? retention : Number(retention);
    if (!Number.isInteger(days) || days < 1) throw new InvalidContextError(CONTEXT_KEYS.rawMailRetentionDays, 'expected a positive whole number of days');
    rawMailRetentionDays = days;
  }

  const alarmEmail = optionalString(node, CONTEXT_KEYS.alarmEmail);
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) throw new InvalidContextError(CONTEXT_KEYS.alarmEmail, 'expected an email address');

  const corsAllowOrigins = stringList(node, CONTEXT_KEYS.corsAllowOrigins) ?? [];
  for (const origin of corsAllowOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new InvalidContextError(CONTEXT_KEYS.corsAllowOrigins, `"${origin}" is not an origin (scheme://host[:port], no path)`);
    }
  }

  const authDomainPrefix = optionalString(node, CONTEXT_KEYS.authDomainPrefix);
  if (authDomainPrefix !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(authDomainPrefix)) {
    throw new InvalidContextError(CONTEXT_KEYS.authDomainPrefix, 'lower-case letters, digits and dashes, at most 63 characters');
  }

  return {
    stageName,
    recipientDomains,
    recipientDomainsIsDefault: givenDomains === undefined,
    rawMailRetentionDays,
    alarmEmail,
    requireTls: bool(node, CONTEXT_KEYS.requireTls, false),
    activateReceiptRuleSet: bool(node, CONTEXT_KEYS.activateReceiptRuleSet, true),
    corsAllowOrigins,
    webCallbackUrls: stringList(node, CONTEXT_KEYS.webCallbackUrls) ?? ['http://localhost:5173/auth/callback'],
    webLogoutUrls: stringList(node, CONTEXT_KEYS.webLogoutUrls) ?? ['http://localhost:5173/'],
    authDomainPrefix,
    xrayTracing: bool(node, CONTEXT_KEYS.xrayTracing, false),
    account: optionalString(node, CONTEXT_KEYS.account),
    region: optionalString(node, CONTEXT_KEYS.region),
  };
}
