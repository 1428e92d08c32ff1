import sanitizeHtml from 'sanitize-html';
import { sanitizeStyleAttribute, sanitizeStylesheet } from './css.js';

/**
 * Elements whose presence in a mail is an attack or a phishing aid rather than formatting: they run
 * code, embed other documents, post data somewhere, or redirect/rebase the document.
 */
const DANGEROUS_ELEMENTS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'form', 'input', 'button', 'select',
  'textarea', 'base', 'portal', 'keygen', 'isindex',
]);

/** Attributes that carry URLs a browser may follow or fetch. */
const URL_ATTRIBUTES = new Set([
  'href', 'src', 'action', 'formaction', 'background', 'lowsrc', 'dynsrc', 'data', 'codebase', 'xlink:href', 'poster',
  'srcset', 'cite', 'longdesc', 'usemap', 'ping',
]);

/** Schemes that execute or render attacker-controlled documents when followed. */
const SCRIPT_URL = /^(?:javascript|vbscript|livescript|mocha):|^data:(?!image\/(?:png|jpe?g|gif|webp|bmp);)/iu;

/** Only raster images are kept as `data:` URLs; `data:image/svg+xml` is a document with its own rules. */
const SAFE_DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp|bmp);base64,[a-z0-9+/=\s]*$/iu;

const LINK_REL = 'noopener noreferrer nofollow';

/** Where a blocked remote `<img src>` is kept, for the UI to restore when the user allows it. */
export const REMOTE_SRC_ATTRIBUTE = 'data-mr-remote-src';
/** Where a blocked remote `background` attribute (tables, cells) is kept, likewise. */
export const REMOTE_BACKGROUND_ATTRIBUTE = 'data-mr-remote-background';

const TABLE_ATTRIBUTES = [
  'align', 'valign', 'width', 'height', 'bgcolor', 'border', 'cellpadding', 'cellspacing', 'colspan', 'rowspan',
  'nowrap', 'abbr', 'scope', 'headers', 'summary', 'frame', 'rules', REMOTE_BACKGROUND_ATTRIBUTE,
];

/** Remove control characters and whitespace the way browsers do before reading a URL's scheme. */
function urlForSchemeCheck(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0020\u007f-\u009f]+/gu, '').toLowerCase();
}

function isRemoteUrl(value: string): boolean {
  return /^(?:https?:)?\/\//iu.test(urlForSchemeCheck(value));
}

function absoluteRemoteUrl(value: string): string {
  const trimmed = value.trim();
  return trimmed.startsWith('//') ? `https:${trimmed}` : trimmed;
}

function firstSrcsetUrl(srcset: string): string | null {
  const first = srcset.trim().split(/\s*,\s*/u)[0]?.split(/\s+/u)[0];
  return first !== undefined && first !== '' ? first : null;
}

/** What one run of the sanitiser observed. */
interface Findings {
  hostile: boolean;
  remoteImages: boolean;
  styles: string[];
}

function inspectRawTag(name: string, attribs: Record<string, string>, findings: Findings): void {
  if (DANGEROUS_ELEMENTS.has(name)) {
    findings.hostile = true;
  }
  if (name === 'meta') {
    const httpEquiv = (attribs['http-equiv'] ?? '').toLowerCase();
    if (httpEquiv === 'refresh' || httpEquiv === 'set-cookie') {
      findings.hostile = true;
    }
  }
  for (const [attribute, value] of Object.entries(attribs)) {
    const lower = attribute.toLowerCase();
    if (lower.startsWith('on')) {
      findings.hostile = true;
    } else if (URL_ATTRIBUTES.has(lower) && SCRIPT_URL.test(urlForSchemeCheck(value))) {
      if (!(name === 'img' && lower === 'src' && value.trim().toLowerCase().startsWith('data:image/'))) {
        findings.hostile = true;
      }
    }
  }
}

function transformAttributes(name: string, attribs: Record<string, string>, findings: Findings): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [attribute, value] of Object.entries(attribs)) {
    out[attribute.toLowerCase()] = value;
  }
  if (out.style !== undefined) {
    const style = sanitizeStyleAttribute(out.style);
    if (style.hostile) {
      findings.hostile = true;
    }
    if (style.css === '') {
      delete out.style;
    } else {
      out.style = style.css;
    }
  }
  if (out.background !== undefined) {
    const background = out.background;
    delete out.background;
    if (isRemoteUrl(background)) {
      out[REMOTE_BACKGROUND_ATTRIBUTE] = absoluteRemoteUrl(background);
      findings.remoteImages = true;
    } else if (/^cid:/iu.test(background.trim())) {
      out.background = background.trim();
    }
  }
  delete out[REMOTE_SRC_ATTRIBUTE];
  if (name === 'img') {
    const src = out.src;
    const srcset = out.srcset;
    delete out.src;
    delete out.srcset;
    const candidate = src ?? (srcset !== undefined ? firstSrcsetUrl(srcset) : null);
    if (candidate !== null && candidate !== undefined) {
      const trimmed = candidate.trim();
      if (isRemoteUrl(trimmed)) {
        out[REMOTE_SRC_ATTRIBUTE] = absoluteRemoteUrl(trimmed);
        findings.remoteImages = true;
      } else if (/^cid:/iu.test(trimmed) || SAFE_DATA_IMAGE.test(trimmed)) {
        out.src = trimmed;
      }
    }
  }
  if (name === 'a') {
    if (out.href !== undefined && !/^(?:https?|mailto):/iu.test(urlForSchemeCheck(out.href))) {
      delete out.href;
    }
    out.rel = LINK_REL;
    out.target = '_blank';
  }
  return out;
}

function buildOptions(findings: Findings): sanitizeHtml.IOptions {
  return {
    allowedTags: [
      'a', 'abbr', 'address', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption', 'center', 'cite', 'code', 'col',
      'colgroup', 'dd', 'del', 'dfn', 'div', 'dl', 'dt', 'em', 'font', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i',
      'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'style',
      'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'tt', 'u', 'ul', 'var', 'wbr',
    ],
    allowedAttributes: {
      '*': ['style', 'class', 'id', 'dir', 'lang', 'title', 'align', 'valign', 'width', 'height', 'bgcolor'],
      a: ['href', 'name', 'target', 'rel'],
      img: ['src', 'alt', 'border', 'hspace', 'vspace', REMOTE_SRC_ATTRIBUTE],
      font: ['color', 'face', 'size'],
      table: TABLE_ATTRIBUTES,
      thead: TABLE_ATTRIBUTES,
      tbody: TABLE_ATTRIBUTES,
      tfoot: TABLE_ATTRIBUTES,
      tr: TABLE_ATTRIBUTES,
      td: TABLE_ATTRIBUTES,
      th: TABLE_ATTRIBUTES,
      col: ['span', ...TABLE_ATTRIBUTES],
      colgroup: ['span', ...TABLE_ATTRIBUTES],
      div: [REMOTE_BACKGROUND_ATTRIBUTE],
      ol: ['start', 'type', 'reversed'],
      ul: ['type'],
      li: ['value', 'type'],
      hr: ['size', 'noshade', 'color'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['cid', 'data'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    allowVulnerableTags: true,
    parseStyleAttributes: false,
    disallowedTagsMode: 'discard',
    nonTextTags: [
      'script', 'textarea', 'option', 'noscript', 'title', 'svg', 'math', 'iframe', 'object', 'applet', 'noembed',
      'noframes', 'template', 'xmp', 'select', 'frameset',
    ],
    transformTags: {
      body: 'div',
      '*': (tagName, attribs) => ({ tagName, attribs: transformAttributes(tagName, attribs, findings) }),
    },
    onOpenTag: (name, attribs) => inspectRawTag(name, attribs, findings),
    exclusiveFilter: (frame) => {
      if (frame.tag === 'style') {
        findings.styles.push(frame.text);
        return true;
      }
      return false;
    },
  };
}

export interface SanitizedHtml {
  html: string;
  /** Something dangerous was removed: scripts, event handlers, script URLs, frames, forms, refresh/base. */
  hostile: boolean;
  /** Remote images were found and disabled (see {@link REMOTE_SRC_ATTRIBUTE}). */
  remoteImages: boolean;
}

/**
 * Makes mail HTML safe to render in a sandboxed frame, keeping what email layouts need (tables,
 * `font`, `center`, a safe subset of CSS, `cid:` images).
 *
 * - Scripts, frames, objects, forms, `base`, `link`, `meta`, SVG and MathML go, as do event
 *   handlers and every link that is not `http:`, `https:` or `mailto:`
 *   (OWASP XSS Prevention: https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html).
 * - `<style>` elements are kept because email HTML relies on them, but filtered through
 *   {@link sanitizeStylesheet}: only listed properties and functions, no `url()`, `@import` or
 *   `@font-face`, so CSS can neither run code nor load anything. They are gathered, in order, into
 *   one `<style>` at the top of the result; the cascade does not depend on where they stood.
 * - Remote images are not loaded: an `http(s)` `src` moves to `data-mr-remote-src`, a remote
 *   `background` attribute to `data-mr-remote-background`, for the UI to restore when the user
 *   asks (remote content reveals when and where a message is read: RFC 8058's context, and every
 *   mail client's default). CSS background images are dropped and cannot be restored.
 * - Links open in a new browsing context without referrer (`rel="noopener noreferrer nofollow"`).
 *
 * `hostile` reports dangerous content that was removed; harmless removals (fonts `<link>`s,
 * unknown tags, CSS `url()`) do not set it.
 */
export function sanitizeMailHtml(html: string): SanitizedHtml {
  const findings: Findings = { hostile: false, remoteImages: false, styles: [] };
  const body = sanitizeHtml(html, buildOptions(findings)).trim();
  const css: string[] = [];
  for (const style of findings.styles) {
    const result = sanitizeStylesheet(style);
    if (result.hostile) {
      findings.hostile = true;
    }
    if (result.css !== '') {
      css.push(result.css);
    }
  }
  const styleElement = css.length > 0 ? `<style>\n${css.join('\n')}\n</style>` : '';
  const out = [styleElement, body].filter((part) => part !== '').join('\n');
  return { html: out, hostile: findings.hostile, remoteImages: findings.remoteImages };
}
