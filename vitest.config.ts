import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@kyso/pki-core': src('pki-core'),
      '@kyso/pdf-sign': src('pdf-sign'),
      '@kyso/signing-server': src('signing-server'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test-vectors/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
