/**
 * A CSS filter for mail HTML. Email layouts depend on CSS (Outlook's `MsoNormal` classes,
 * responsive newsletters' `@media` rules), but CSS can load remote resources (`url()`,
 * `image-set()`, `@import`, `@font-face`), which leaks that and when a message was read, and old
 * engines ran code from it (`expression()`, `behavior`, `-moz-binding`).
 *
 * The filter is an allowlist over a tokenisation that follows CSS Syntax Level 3
 * (https://www.w3.org/TR/css-syntax-3/#tokenization) where structure is concerned: comments,
 * strings, escapes and the nesting of `()`, `[]` and `{}`. The output is rebuilt from the kept
 * tokens only; it contains no comments, no escapes in property values, no function other than the
 * listed ones, and never a `<`, so it can be placed inside a `<style>` element.
 */

type Token =
  | { kind: 'ws' }
  | { kind: 'string'; raw: string; clean: boolean }
  | { kind: 'open'; char: '(' | '[' | '{' }
  | { kind: 'close'; char: ')' | ']' | '}' }
  | { kind: 'function'; name: string; escaped: boolean }
  | { kind: 'at'; name: string; escaped: boolean }
  | { kind: 'semicolon' }
  | { kind: 'colon' }
  | { kind: 'comma' }
  | { kind: 'word'; value: string; escaped: boolean };

const MIRROR = { '(': ')', '[': ']', '{': '}' } as const;
const WORD_END = new Set([' ', '\t', '\n', '\r', '\f', '"', "'", '(', ')', '[', ']', '{', '}', ';', ':', ',', '@']);

function tokenize(css: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = css.length;
  const pushWs = (): void => {
    if (tokens[tokens.length - 1]?.kind !== 'ws') {
      tokens.push({ kind: 'ws' });
    }
  };
  while (i < n) {
    const c = css[i] as string;
    if (c === '/' && css[i + 1] === '*') {
      const end = css.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      pushWs();
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      while (i < n && /[ \t\n\r\f]/u.test(css[i] as string)) {
        i++;
      }
      pushWs();
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let clean = true;
      let closed = false;
      while (j < n) {
        const d = css[j] as string;
        if (d === '\\') {
          clean = false;
          j += 2;
          continue;
        }
        if (d === '\n' || d === '\r' || d === '\f') {
          break;
        }
        j++;
        if (d === c) {
          closed = true;
          break;
        }
      }
      const raw = css.slice(i, Math.min(j, n));
      tokens.push({ kind: 'string', raw, clean: clean && closed && !raw.includes('<') });
      i = Math.min(j, n);
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      tokens.push({ kind: 'open', char: c });
      i++;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      tokens.push({ kind: 'close', char: c });
      i++;
      continue;
    }
    if (c === ';') {
      tokens.push({ kind: 'semicolon' });
      i++;
      continue;
    }
    if (c === ':') {
      tokens.push({ kind: 'colon' });
      i++;
      continue;
    }
    if (c === ',') {
      tokens.push({ kind: 'comma' });
      i++;
      continue;
    }
    const start = c === '@' ? i + 1 : i;
    let j = start;
    let escaped = false;
    while (j < n && !WORD_END.has(css[j] as string) && !(css[j] === '/' && css[j + 1] === '*')) {
      if (css[j] === '\\') {
        escaped = true;
        j += 2;
        continue;
      }
      j++;
    }
    j = Math.min(j, n);
    const value = css.slice(start, j);
    if (c === '@') {
      if (value === '') {
        tokens.push({ kind: 'word', value: '@', escaped: false });
        i++;
        continue;
      }
      tokens.push({ kind: 'at', name: value.toLowerCase(), escaped });
    } else if (css[j] === '(') {
      tokens.push({ kind: 'function', name: value.toLowerCase(), escaped });
      j++;
    } else {
      tokens.push({ kind: 'word', value, escaped });
    }
    i = j;
  }
  return tokens;
}

/** Index just past the block opened at `start` (an `open` or `function` token), per CSS nesting rules. */
function blockEnd(tokens: Token[], start: number, end: number): number {
  const first = tokens[start];
  const expected: string[] = [first?.kind === 'open' ? MIRROR[first.char] : ')'];
  let i = start + 1;
  while (i < end && expected.length > 0) {
    const token = tokens[i] as Token;
    if (token.kind === 'open') {
      expected.push(MIRROR[token.char]);
    } else if (token.kind === 'function') {
      expected.push(')');
    } else if (token.kind === 'close' && token.char === expected[expected.length - 1]) {
      expected.pop();
    }
    i++;
  }
  return i;
}

/** Properties that style a message without positioning it over the UI or loading anything. */
const ALLOWED_PROPERTIES = new Set([
  'background', 'background-color', 'background-image', 'background-position', 'background-repeat', 'background-size',
  'border', 'border-bottom', 'border-bottom-color', 'border-bottom-left-radius', 'border-bottom-right-radius',
  'border-bottom-style', 'border-bottom-width', 'border-collapse', 'border-color', 'border-left', 'border-left-color',
  'border-left-style', 'border-left-width', 'border-radius', 'border-right', 'border-right-color', 'border-right-style',
  'border-right-width', 'border-spacing', 'border-style', 'border-top', 'border-top-color', 'border-top-left-radius',
  'border-top-right-radius', 'border-top-style', 'border-top-width', 'border-width',
  'box-shadow', 'box-sizing', 'caption-side', 'clear', 'color', 'column-count', 'column-gap', 'cursor', 'direction',
  'display', 'empty-cells', 'float', 'font', 'font-family', 'font-size', 'font-stretch', 'font-style', 'font-variant',
  'font-weight', 'height', 'letter-spacing', 'line-height', 'list-style', 'list-style-position', 'list-style-type',
  'margin', 'margin-bottom', 'margin-left', 'margin-right', 'margin-top', 'max-height', 'max-width', 'min-height',
  'min-width', 'opacity', 'outline', 'overflow', 'overflow-wrap', 'overflow-x', 'overflow-y', 'padding',
  'padding-bottom', 'padding-left', 'padding-right', 'padding-top', 'table-layout', 'text-align', 'text-decoration',
  'text-decoration-color', 'text-decoration-line', 'text-decoration-style', 'text-indent', 'text-overflow',
  'text-shadow', 'text-size-adjust', 'text-transform', 'unicode-bidi', 'vertical-align', 'visibility', 'white-space',
  'width', 'word-break', 'word-spacing', 'word-wrap', '-webkit-text-size-adjust', '-ms-text-size-adjust',
  '-webkit-font-smoothing', '-moz-osx-font-smoothing',
]);

/** Functions that compute a value; none of them can reference a resource. */
const ALLOWED_FUNCTIONS = new Set([
  'rgb', 'rgba', 'hsl', 'hsla', 'calc', 'min', 'max', 'clamp',
  'linear-gradient', 'radial-gradient', 'repeating-linear-gradient', 'repeating-radial-gradient',
]);

/** At-rules whose blocks hold ordinary rules; every other at-rule is dropped with its block. */
const NESTING_AT_RULES = new Set(['media', 'supports']);

/** Outlook's own properties (`mso-line-height-rule`, `mso-table-lspace`…) are inert elsewhere. */
const MSO_PROPERTY = /^mso-[a-z-]+$/u;

/** Markers of CSS that runs code or hides script URLs, checked on the source with escapes decoded. */
const HOSTILE_CSS = /expression\s*\(|javascript\s*:|vbscript\s*:|-moz-binding|(?:^|[;{\s])behavior\s*:/iu;

function decodeEscapes(css: string): string {
  return css.replace(/\\([0-9a-fA-F]{1,6})\s?|\\(.)/gsu, (_match, hex: string | undefined, char: string | undefined) => {
    if (hex !== undefined) {
      const code = Number.parseInt(hex, 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return char ?? '';
  });
}

function isHostileCss(css: string): boolean {
  return HOSTILE_CSS.test(decodeEscapes(css.replace(/\/\*[\s\S]*?(?:\*\/|$)/gu, '')));
}

function serialize(tokens: Token[]): string {
  let out = '';
  for (const token of tokens) {
    switch (token.kind) {
      case 'ws':
        out += ' ';
        break;
      case 'string':
        out += token.raw;
        break;
      case 'open':
        out += token.char;
        break;
      case 'close':
        out += token.char;
        break;
      case 'function':
        out += `${token.name}(`;
        break;
      case 'at':
        out += `@${token.name}`;
        break;
      case 'semicolon':
        out += ';';
        break;
      case 'colon':
        out += ':';
        break;
      case 'comma':
        out += ',';
        break;
      case 'word':
        out += token.value;
        break;
    }
  }
  return out.replace(/\s+/gu, ' ').trim();
}

/** A declaration value: words, strings, commas and allowed functions with balanced parentheses. */
function isSafeValue(tokens: Token[]): boolean {
  let depth = 0;
  for (const token of tokens) {
    switch (token.kind) {
      case 'ws':
      case 'comma':
        break;
      case 'word':
        if (token.escaped || token.value.includes('<') || token.value.includes('\\')) {
          return false;
        }
        break;
      case 'string':
        if (!token.clean) {
          return false;
        }
        break;
      case 'function':
        if (token.escaped || !ALLOWED_FUNCTIONS.has(token.name)) {
          return false;
        }
        depth++;
        break;
      case 'open':
        if (token.char !== '(' || depth === 0) {
          return false;
        }
        depth++;
        break;
      case 'close':
        if (token.char !== ')' || depth === 0) {
          return false;
        }
        depth--;
        break;
      default:
        return false;
    }
  }
  return depth === 0;
}

function sanitizeDeclaration(tokens: Token[]): string | null {
  let i = 0;
  while (tokens[i]?.kind === 'ws') {
    i++;
  }
  const name = tokens[i];
  if (name?.kind !== 'word' || name.escaped) {
    return null;
  }
  const property = name.value.toLowerCase();
  if (!ALLOWED_PROPERTIES.has(property) && !MSO_PROPERTY.test(property)) {
    return null;
  }
  i++;
  while (tokens[i]?.kind === 'ws') {
    i++;
  }
  if (tokens[i]?.kind !== 'colon') {
    return null;
  }
  const valueTokens = tokens.slice(i + 1);
  if (!isSafeValue(valueTokens)) {
    return null;
  }
  const value = serialize(valueTokens);
  return value === '' ? null : `${property}: ${value}`;
}

function sanitizeDeclarations(tokens: Token[], start: number, end: number): string[] {
  const declarations: string[] = [];
  let i = start;
  let itemStart = start;
  let hasBlock = false;
  const flush = (itemEnd: number): void => {
    if (!hasBlock) {
      const declaration = sanitizeDeclaration(tokens.slice(itemStart, itemEnd));
      if (declaration !== null) {
        declarations.push(declaration);
      }
    }
    hasBlock = false;
  };
  while (i < end) {
    const token = tokens[i] as Token;
    if (token.kind === 'semicolon') {
      flush(i);
      i++;
      itemStart = i;
      continue;
    }
    if (token.kind === 'open' || token.kind === 'function') {
      if (token.kind === 'open' && token.char === '{') {
        hasBlock = true;
      }
      i = blockEnd(tokens, i, end);
      continue;
    }
    i++;
  }
  flush(end);
  return declarations;
}

/** A selector or an `@media`/`@supports` condition: structure only, no escapes in functions. */
function isSafePrelude(tokens: Token[], allowStrings: boolean): boolean {
  let nonWs = 0;
  for (const token of tokens) {
    switch (token.kind) {
      case 'ws':
        break;
      case 'word':
        if (token.value.includes('<')) {
          return false;
        }
        nonWs++;
        break;
      case 'string':
        if (!allowStrings || !token.clean) {
          return false;
        }
        nonWs++;
        break;
      case 'function':
        if (token.escaped) {
          return false;
        }
        nonWs++;
        break;
      case 'open':
      case 'close':
        if (token.char === '{' || token.char === '}') {
          return false;
        }
        nonWs++;
        break;
      case 'colon':
      case 'comma':
        nonWs++;
        break;
      default:
        return false;
    }
  }
  return nonWs > 0;
}

function sanitizeRules(tokens: Token[], start: number, end: number): string[] {
  const rules: string[] = [];
  let i = start;
  while (i < end) {
    const token = tokens[i] as Token;
    if (token.kind === 'ws' || token.kind === 'semicolon' || token.kind === 'close') {
      i++;
      continue;
    }
    if (token.kind === 'word' && (token.value === '<!--' || token.value === '-->')) {
      i++;
      continue;
    }
    const preludeStart = token.kind === 'at' ? i + 1 : i;
    let j = preludeStart;
    while (j < end) {
      const current = tokens[j] as Token;
      if (current.kind === 'open' && current.char === '{') {
        break;
      }
      if (token.kind === 'at' && current.kind === 'semicolon') {
        break;
      }
      j = current.kind === 'open' || current.kind === 'function' ? blockEnd(tokens, j, end) : j + 1;
    }
    const opener = tokens[j];
    if (opener?.kind !== 'open' || opener.char !== '{') {
      i = j + 1;
      continue;
    }
    const close = blockEnd(tokens, j, end);
    const bodyEnd = tokens[close - 1]?.kind === 'close' ? close - 1 : close;
    const prelude = tokens.slice(preludeStart, j);
    if (token.kind === 'at') {
      if (!token.escaped && NESTING_AT_RULES.has(token.name) && isSafePrelude(prelude, false)) {
        const inner = sanitizeRules(tokens, j + 1, bodyEnd);
        if (inner.length > 0) {
          rules.push(`@${token.name} ${serialize(prelude)} { ${inner.join(' ')} }`);
        }
      }
    } else if (isSafePrelude(prelude, true)) {
      const declarations = sanitizeDeclarations(tokens, j + 1, bodyEnd);
      if (declarations.length > 0) {
        rules.push(`${serialize(prelude)} { ${declarations.join('; ')} }`);
      }
    }
    i = close;
  }
  return rules;
}

export interface CssResult {
  css: string;
  /** Code-running CSS was present (`expression()`, `behavior`, `-moz-binding`, script URLs). */
  hostile: boolean;
}

/** Filters the content of a `<style>` element. */
export function sanitizeStylesheet(css: string): CssResult {
  const tokens = tokenize(css);
  return { css: sanitizeRules(tokens, 0, tokens.length).join('\n'), hostile: isHostileCss(css) };
}

/** Filters the value of a `style` attribute. */
export function sanitizeStyleAttribute(style: string): CssResult {
  const tokens = tokenize(style);
  return { css: sanitizeDeclarations(tokens, 0, tokens.length).join('; '), hostile: isHostileCss(style) };
}
