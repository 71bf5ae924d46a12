/**
 * Vitest setup file (vitest.config.ts `setupFiles`): in the signing server's test files, every
 * response received through `fetch` from a server on the loopback interface (the real-HTTP
 * suites: a listening server in process, `kyso-server` processes, the SDK and CLI code run in
 * process) is checked against the OpenAPI document, as `startTestServer` (helpers/env.ts) does
 * for `app.request`: the status must be documented for the operation and a JSON body must match
 * its schema (helpers/openapi-check.ts). A mismatch fails the test that received it (or the file,
 * for responses received in hooks). Requests made by Chromium itself (browser suites) do not go
 * through Node's fetch and are not seen here. Other packages' test files are left alone.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { OpenApiChecker } from '../helpers/openapi-check.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const original = globalThis.fetch;
let checker: OpenApiChecker | undefined;
let reported = 0;

function urlOf(input: RequestInfo | URL): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

function report(where: string): void {
  if (!checker || checker.violations.length === reported) return;
  const fresh = [...new Set(checker.violations.slice(reported))];
  reported = checker.violations.length;
  if (process.env.KYSO_OPENAPI_CHECK === '0') return;
  throw new Error(
    `responses not as documented in the OpenAPI document (${where}):\n${fresh.slice(0, 30).join('\n')}`,
  );
}

// biome-ignore lint/correctness/noEmptyPattern: vitest 4 wants a destructuring pattern before the suite argument
beforeAll(async ({}, suite) => {
  const s = suite as { filepath?: string; file?: { filepath?: string } };
  const file = s.filepath ?? s.file?.filepath;
  if (!file?.replaceAll('\\', '/').includes('/packages/signing-server/test/')) return;
  const { OpenApiChecker } = await import('../helpers/openapi-check.js');
  const c = new OpenApiChecker();
  checker = c;
  (globalThis as { kysoFetchChecker?: OpenApiChecker }).kysoFetchChecker = c;
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await original(input, init);
    const url = urlOf(input);
    let host: string | undefined;
    try {
      host = new URL(url).host.replace(/:\d+$/, '');
    } catch {
      host = undefined;
    }
    if (host && LOOPBACK.has(host)) {
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
      await c.check(method, url, res);
    }
    return res;
  };
});

afterEach(() => report('this test'));

afterAll(() => {
  globalThis.fetch = original;
  if (checker && process.env.KYSO_OPENAPI_CHECK_REPORT)
    console.log(`[kyso tests] OpenAPI check: ${checker.checked} loopback fetch responses checked`);
  report('in a hook of this file');
});
