/**
 * html-to-text as the Lambda bundles ship it: the same functions, loaded on first call.
 *
 * mailparser imports html-to-text (with htmlparser2 10, its own entities, selderee, parseley…, ~110 KB
 * of minified code) but only calls it to derive `text` from HTML, which Mailroom's
 * `skipHtmlToText` turns off (`shared/mail/html-text.ts` does that job). Keeping the package out of
 * `index.mjs` saves parsing and initialising it on every cold start.
 *
 * Bundles only: `infra/constructs/bundling.ts` aliases `html-to-text` to this module and builds the
 * package itself into `lazy/html-to-text.cjs` beside `index.mjs`, where the `require` below finds it
 * (the bundle's `require` resolves from `index.mjs`). See https://github.com/html-to-text/node-html-to-text
 */

type Convert = (html: string, options?: object, metadata?: object) => string;

interface HtmlToText {
  convert: Convert;
  htmlToText: Convert;
  compile(options?: object): (html: string, metadata?: object) => string;
}

let loaded: HtmlToText | undefined;

function load(): HtmlToText {
  loaded ??= require('./lazy/html-to-text.cjs') as HtmlToText;
  return loaded;
}

export function convert(html: string, options?: object, metadata?: object): string {
  return load().convert(html, options, metadata);
}

export function htmlToText(html: string, options?: object, metadata?: object): string {
  return load().htmlToText(html, options, metadata);
}

export function compile(options?: object): (html: string, metadata?: object) => string {
  return load().compile(options);
}
