import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkgs = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run on TypeScript sources: `@kyso/x` -> packages/x/src/index.ts and the subpath
    // exports `@kyso/x/sub` -> packages/x/src/sub/index.ts (`@kyso/pki-core/cli` -> src/cli/main.ts).
    alias: [
      { find: /^@kyso\/pki-core\/cli$/, replacement: `${pkgs}pki-core/src/cli/main.ts` },
      { find: /^@kyso\/pki-core\/cli\/([a-z-]+)$/, replacement: `${pkgs}pki-core/src/cli/$1.ts` },
      { find: /^@kyso\/(pki-core|pdf-sign|xml-sign|signing-server)$/, replacement: `${pkgs}$1/src/index.ts` },
      {
        find: /^@kyso\/(pki-core|pdf-sign|xml-sign|signing-server)\/([a-z0-9-]+)$/,
        replacement: `${pkgs}$1/src/$2/index.ts`,
      },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test-vectors/**/*.test.ts'],
    // Signing server test files only (it checks the file path): every loopback fetch response
    // is validated against the OpenAPI document.
    setupFiles: ['packages/signing-server/test/setup/openapi-fetch.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
