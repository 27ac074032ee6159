import preact from '@preact/preset-vite';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** The receiver serves dist/dashboard at /dashboard (apps/receiver/src/dashboard). */
export default defineConfig({
  root: here,
  base: '/dashboard/',
  plugins: [preact({ devtoolsInProd: false, prefreshEnabled: false })],
  resolve: {
    // The contract's TypeScript source, so only what the app uses is bundled.
    alias: { '@cis490/contract': resolve(root, 'libs/contract/src/index.ts') },
  },
  build: {
    outDir: resolve(root, 'dist/dashboard'),
    emptyOutDir: true,
    target: 'es2022',
    // Every browser that runs this app has native module preloading.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  // `vite dev` against a receiver on its default port.
  server: { proxy: { '/v1': 'http://127.0.0.1:8471' } },
});
