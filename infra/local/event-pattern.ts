/**
 * EventBridge event-pattern matching for the local bus: the subset the stack's rules use.
 *
 * Supported, as EventBridge defines them
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
 * - nested objects: every key of the pattern must match the same key of the event;
 * - a leaf is an array of alternatives: exact values (string, number, boolean, null) or operators;
 * - `{ prefix: "..." }`, `{ suffix: "..." }`;
 * - `{ "anything-but": value | [values] | { prefix: "..." } }`;
 * - `{ exists: true | false }`;
 * - when the event value is an array, the leaf matches if any element matches.
 *
 * Not supported (throws `EventPatternError` when a rule is added, so a pattern that would behave
 * differently on AWS is noticed at once): numeric ranges, `cidr`, `equals-ignore-case`, `wildcard`,
 * `$or`.
 */

export type EventPattern = { readonly [key: string]: EventPattern | readonly PatternValue[] };

export type PatternValue =
  | string
  | number
  | boolean
  | null
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly 'anything-but': string | number | readonly (string | number)[] | { readonly prefix: string } }
  | { readonly exists: boolean };

/** A rule pattern the local bus cannot evaluate the way EventBridge would. */
export class EventPatternError extends Error {
  override readonly name = 'EventPatternError';
}

const SUPPORTED_OPERATORS = new Set(['prefix', 'suffix', 'anything-but', 'exists']);

/**
 * Checks a pattern once, when a rule is added: an unsupported operator or a malformed leaf would
 * otherwise silently never match.
 */
export function validateEventPattern(pattern: unknown, path = '$'): asserts pattern is EventPattern {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) {
    throw new EventPatternError(`${path}: a pattern must be an object`);
  }
  for (const [key, value] of Object.entries(pattern)) {
    const here = `${path}.${key}`;
    if (key === '$or') throw new EventPatternError(`${here}: $or is not supported by the local bus`);
    if (Array.isArray(value)) {
      if (value.length === 0) throw new EventPatternError(`${here}: an empty array never matches`);
      for (const leaf of value) validateLeaf(leaf, here);
    } else {
      validateEventPattern(value, here);
    }
  }
}

function validateLeaf(leaf: unknown, path: string): void {
  if (leaf === null || ['string', 'number', 'boolean'].includes(typeof leaf)) return;
  if (typeof leaf !== 'object' || Array.isArray(leaf)) {
    throw new EventPatternError(`${path}: unsupported pattern value ${JSON.stringify(leaf)}`);
  }
  const keys = Object.keys(leaf);
  const operator = keys[0];
  if (keys.length !== 1 || operator === undefined || !SUPPORTED_OPERATORS.has(operator)) {
    throw new EventPatternError(`${path}: unsupported operator ${JSON.stringify(leaf)} (supported: ${[...SUPPORTED_OPERATORS].join(', ')})`);
  }
  const operand = (leaf as Record<string, unknown>)[operator];
  if ((operator === 'prefix' || operator === 'suffix') && typeof operand !== 'string') {
    throw new EventPatternError(`${path}: ${operator} takes a string`);
  }
  if (operator === 'exists' && typeof operand !== 'boolean') {
    throw new EventPatternError(`${path}: exists takes true or false`);
  }
  if (operator === 'anything-but') {
    const ok =
      typeof operand === 'string' ||
      typeof operand === 'number' ||
      (Array.isArray(operand) && operand.every((v) => typeof v === 'string' || typeof v === 'number')) ||
      (typeof operand === 'object' && operand !== null && !Array.isArray(operand) &&
        Object.keys(operand).length === 1 && typeof (operand as { prefix?: unknown }).prefix === 'string');
    if (!ok) throw new EventPatternError(`${path}: anything-but takes a value, a list of values or { prefix }`);
  }
}

/** True when `event` (an EventBridge envelope, `detail` included) matches `pattern`. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    const present = isRecord(event) && Object.hasOwn(event, key);
    const actual = present ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchesLeaf(expected as readonly PatternValue[], present, actual)) return false;
    } else {
      if (!present || !isRecord(actual)) return false;
      if (!matchesEventPattern(expected as EventPattern, actual)) return false;
    }
  }
  return true;
}

function matchesLeaf(alternatives: readonly PatternValue[], present: boolean, actual: unknown): boolean {
  for (const alternative of alternatives) {
    if (isRecord(alternative) && 'exists' in alternative) {
      // `exists` is about the field, not its values: an empty array counts as absent on AWS.
      const exists = present && !(Array.isArray(actual) && actual.length === 0) && !isRecord(actual);
      if (exists === alternative.exists) return true;
      continue;
    }
    if (!present) continue;
    const values: unknown[] = Array.isArray(actual) ? actual : [actual];
    if (values.some((value) => matchesValue(alternative, value))) return true;
  }
  return false;
}

function matchesValue(alternative: PatternValue, value: unknown): boolean {
  if (alternative === null || typeof alternative !== 'object') return value === alternative;
  if ('prefix' in alternative) return typeof value === 'string' && value.startsWith(alternative.prefix);
  if ('suffix' in alternative) return typeof value === 'string' && value.endsWith(alternative.suffix);
  if ('anything-but' in alternative) {
    const excluded = alternative['anything-but'];
    if (isRecord(excluded)) {
      return typeof value === 'string' && !value.startsWith((excluded as { prefix: string }).prefix);
    }
    const list: readonly unknown[] = Array.isArray(excluded) ? excluded : [excluded];
    // anything-but matches only values of a comparable kind (strings or numbers), never null.
    return (typeof value === 'string' || typeof value === 'number') && !list.includes(value);
  }
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
