/**
 * Vite configuration of the web app (`vite build web`; `vite web` for development).
 *
 * Preact through the automatic JSX runtime and no framework plugin: one transform (oxc) plus
 * bundling, and the initial JS stays far below the 200 KB gzip budget that
 * `scripts/bundle-size.ts` checks after every build.
 *
 * In development (`npm run dev:web`), `/api` and `/local` go to a local stack started with
 * `npm start` (MAILROOM_DEV_API, default http://127.0.0.1:3000).
 */
import { defineConfig } from 'vite';

const devApi = process.env['MAILROOM_DEV_API'] ?? 'http://127.0.0.1:3000';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    modulePreload: { polyfill: false },
    // scripts/bundle-size.ts measures and enforces the budget instead.
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': devApi, '/local': devApi } },
  preview: { proxy: { '/api': devApi, '/local': devApi } },
});
