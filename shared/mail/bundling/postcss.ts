/**
 * postcss as the Lambda bundles ship it: only `parse`, loaded on first call.
 *
 * sanitize-html requires postcss (with source-map-js, ~95 KB of minified code) to parse `style`
 * attributes, which Mailroom turns off (`parseStyleAttributes: false`; `shared/mail/css.ts` filters
 * styles instead). sanitize-html takes nothing from postcss but `parse`, read when it is imported, so
 * that is what this module offers; the bundle test checks that sanitize-html stays its only importer.
 *
 * Bundles only: `infra/constructs/bundling.ts` aliases `postcss` to this module and builds the
 * package itself into `lazy/postcss.cjs` beside `index.mjs`, where the `require` below finds it
 * (the bundle's `require` resolves from `index.mjs`). See https://postcss.org/api/#postcss-parse
 */
import type { parse as postcssParse } from 'postcss';

let loaded: { parse: typeof postcssParse } | undefined;

export function parse(...args: Parameters<typeof postcssParse>): ReturnType<typeof postcssParse> {
  loaded ??= require('./lazy/postcss.cjs') as { parse: typeof postcssParse };
  return loaded.parse(...args);
}
