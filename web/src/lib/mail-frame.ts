/**
 * The document a message's sanitised HTML is shown in. It goes into an iframe with `sandbox=""`
 * (no scripts, an opaque origin: the message can neither run code nor reach the app or its
 * token) through `srcdoc`, with a Content-Security-Policy of its own as a second lock: nothing
 * loads but images, and remote images only once the user asks for them.
 *
 * https://html.spec.whatwg.org/multipage/iframe-embed-object.html#attr-iframe-sandbox
 * https://www.w3.org/TR/CSP3/#meta-element
 */

export const MAIL_FRAME_CSP = "default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline'";

/** Attributes under which the API keeps remote image URLs it disabled (shared/mail/sanitize.ts). */
const REMOTE_SRC = 'data-mr-remote-src';
const REMOTE_BACKGROUND = 'data-mr-remote-background';

const FRAME_CSS = [
  'html{color-scheme:light}',
  'body{margin:0;padding:12px 16px;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1b1b1f;background:#fff;overflow-wrap:anywhere}',
  'img{max-width:100%;height:auto}',
  'pre{white-space:pre-wrap}',
  'table{max-width:100%}',
  'blockquote{margin:0 0 0 .5em;padding-left:.75em;border-left:3px solid #c4c7d0;color:#44474f}',
  'a{color:#0b57d0}',
].join('');

export function hasRemoteImages(html: string | null): boolean {
  return html !== null && (html.includes(REMOTE_SRC) || html.includes(REMOTE_BACKGROUND));
}

/**
 * Puts the remote image URLs back. The HTML is parsed by DOMParser, which builds an inert
 * document: nothing in it runs or loads; only `http(s)` URLs are restored.
 */
export function restoreRemoteImages(html: string): string {
  const doc = new DOMParser().parseFromString(`<!doctype html><html><head></head><body>${html}</body></html>`, 'text/html');
  for (const element of doc.querySelectorAll(`[${REMOTE_SRC}]`)) {
    const url = element.getAttribute(REMOTE_SRC) ?? '';
    if (/^https?:\/\//i.test(url)) element.setAttribute('src', url);
    element.removeAttribute(REMOTE_SRC);
  }
  for (const element of doc.querySelectorAll(`[${REMOTE_BACKGROUND}]`)) {
    const url = element.getAttribute(REMOTE_BACKGROUND) ?? '';
    if (/^https?:\/\//i.test(url)) element.setAttribute('background', url);
    element.removeAttribute(REMOTE_BACKGROUND);
  }
  return doc.body.innerHTML;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function buildSrcdoc(html: string, options: { showRemoteImages: boolean; lang?: string }): string {
  const body = options.showRemoteImages ? restoreRemoteImages(html) : html;
  return '<!doctype html><html' + (options.lang ? ` lang="${escapeAttribute(options.lang)}"` : '') + '><head><meta charset="utf-8">'
    + `<meta http-equiv="Content-Security-Policy" content="${MAIL_FRAME_CSP}">`
    + '<meta name="referrer" content="no-referrer">'
    // Links open outside the frame, never inside it (the sandbox blocks new windows: see the note under each message).
    + '<base target="_blank">'
    + `<style>${FRAME_CSS}</style></head><body>${body}</body></html>`;
}

/**
 * The sandbox gives the parent no access to the frame's document, so its height cannot be
 * measured: estimate it from the text version, and let the user resize the frame.
 */
export function estimateFrameHeight(text: string, widthChars = 90): number {
  let lines = 0;
  for (const line of text.split('\n')) lines += Math.max(1, Math.ceil(line.length / widthChars));
  return Math.round(Math.min(640, Math.max(140, lines * 23 + 48)));
}
