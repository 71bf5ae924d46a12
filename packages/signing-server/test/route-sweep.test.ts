/**
 * Route sweep (issue 14): walks the app's route table (Hono `app.routes`, every route of every
 * sub-app) and checks that authentication holds on each route by itself, whatever the order the
 * route groups were mounted in: every `/admin/*` route answers 401 without a key and with a wrong
 * key; every CSC route answers 401 without a token before looking at the body (`{}`); the
 * OAuth 2.0 endpoints answer 401 invalid_client without client credentials. Also: the route table
 * (ROUTES, which the OpenAPI document is made from) lists exactly the routes the app serves, and
 * no two HTTP modules import each other.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../src/http/routes.js';
import { fetchChecker, OpenApiChecker } from './helpers/openapi-check.js';
import {
  type Backend,
  requirePostgres,
  requireSoftHsm,
  startTestServer,
  type TestServer,
} from './helpers/env.js';

const backends: Backend[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');
if (requireSoftHsm()) backends.push('softhsm');

/** CSC routes that are public by design (discovery, the authorisation page's own sign-in). */
const CSC_PUBLIC = new Set([
  'POST /csc/v2/info',
  'GET /csc/v2/oauth2/authorize',
  'POST /csc/v2/oauth2/authorize',
]);
/** OAuth 2.0 endpoints authenticating the client itself (RFC 6749 §2.3). */
const CLIENT_SECRET = new Set(['POST /csc/v2/oauth2/token', 'POST /csc/v2/oauth2/revoke']);

/** Every (method, path) the app serves, from Hono's route table (middleware entries excluded). */
function servedRoutes(app: {
  routes: { method: string; path: string }[];
}): { method: string; path: string }[] {
  const seen = new Map<string, { method: string; path: string }>();
  for (const r of app.routes) {
    if (r.method === 'ALL' || r.path.endsWith('*')) continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

/** A concrete URL for a Hono path (`:id` → a value, `:request{.+}` → a value). */
const concrete = (p: string) => p.replace(/:([A-Za-z]+)(\{[^}]*\})?/g, 'x1');

describe.each(backends)('route sweep (%s)', (backend) => {
  let s: TestServer;
  let routes: { method: string; path: string }[];
  beforeAll(async () => {
    s = await startTestServer(backend);
    routes = servedRoutes(s.kyso.app as never);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  const send = (method: string, p: string, headers: Record<string, string> = {}) =>
    Promise.resolve(
      s.kyso.app.request(concrete(p), {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(method === 'GET' ? {} : { body: '{}' }),
      }),
    );

  it('the route table is what the app serves (and what OpenAPI documents)', () => {
    const served = routes.map((r) => `${r.method} ${r.path.replace(/\{[^}]*\}/g, '')}`).sort();
    const documented = ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    expect(served).toEqual(documented);
    // Each documented auth kind matches the sweep's expectation below.
    for (const r of ROUTES) {
      const k = `${r.method.toUpperCase()} ${r.path}`;
      if (r.path.startsWith('/admin/')) expect(r.auth, k).toBe('operator');
      else if (CLIENT_SECRET.has(k)) expect(r.auth, k).toBe('clientSecret');
      else if (r.path.startsWith('/csc/v2/') && !CSC_PUBLIC.has(k)) expect(r.auth, k).toBe('client');
    }
  });

  it('every /admin/* route answers 401 without a key and with a wrong key', async () => {
    const admin = routes.filter((r) => r.path.startsWith('/admin/'));
    expect(admin.length).toBeGreaterThanOrEqual(20);
    for (const r of admin) {
      const none = await send(r.method, r.path);
      expect(none.status, `${r.method} ${r.path} without a key`).toBe(401);
      expect(none.headers.get('www-authenticate'), r.path).toMatch(/^Bearer /);
      const wrongKeys: Record<string, string>[] = [
        { authorization: 'Bearer kyso_op_0000000000000000000000000000000000000000' },
        { 'x-api-key': 'kyso_op_wrong' },
        { authorization: `Basic ${Buffer.from(`${s.operatorKey}:x`).toString('base64')}` },
      ];
      for (const h of wrongKeys) {
        const wrong = await send(r.method, r.path, h);
        expect(wrong.status, `${r.method} ${r.path} with ${JSON.stringify(h)}`).toBe(401);
        expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      }
    }
    // The key itself works (so the 401s above are about the key, not the route).
    const ok = await s.kyso.app.request('/admin/audit/verify', {
      headers: { authorization: `bearer ${s.operatorKey}` },
    });
    expect(ok.status).toBe(200);
  });

  it('every CSC route answers 401 without a token, before looking at the body', async () => {
    const csc = routes.filter((r) => r.path.startsWith('/csc/v2/'));
    expect(csc.length).toBeGreaterThanOrEqual(12);
    let checked = 0;
    for (const r of csc) {
      const k = `${r.method} ${r.path}`;
      if (CSC_PUBLIC.has(k)) continue;
      const res = await send(r.method, r.path);
      const b = (await res.json()) as { error: string };
      expect(res.status, `${k} without a token, body {}`).toBe(401);
      if (CLIENT_SECRET.has(k)) {
        expect(b.error, k).toBe('invalid_client');
      } else {
        expect(b.error, k).toBe('invalid_token');
        expect(res.headers.get('www-authenticate'), k).toBe('Bearer realm="kyso"');
        const bad = await send(r.method, r.path, { authorization: 'Bearer not-a-token' });
        expect(bad.status, `${k} with a wrong token`).toBe(401);
        expect(bad.headers.get('www-authenticate'), k).toBe('Bearer realm="kyso", error="invalid_token"');
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(11);
    // Every one of these responses went past the OpenAPI check (status and body as documented).
    expect(s.openapi.checked).toBeGreaterThan(100);
  });
});

it('no import cycles among the server modules', () => {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../src');
  const files = new Map<string, string[]>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        const src = fs.readFileSync(p, 'utf8');
        // Static imports only (type-only imports included: they still tie the modules together).
        const deps = [...src.matchAll(/^(?:import|export)[^'"]*from '(\.{1,2}\/[^']+)\.js';/gm)].map((m) =>
          path.resolve(path.dirname(p), `${m[1]}.ts`),
        );
        files.set(p, deps);
      }
    }
  };
  walk(root);
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      cycles.push([...stack.slice(stack.indexOf(f)), f].map((x) => path.relative(root, x)).join(' → '));
      return;
    }
    state.set(f, 'open');
    stack.push(f);
    for (const d of files.get(f) ?? []) if (files.has(d)) visit(d);
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files.keys()) visit(f);
  expect(cycles, cycles.join('\n')).toEqual([]);
  expect(files.size).toBeGreaterThan(30);
});

it('SQL on the credentials table only in db/credentials.ts, on the sads table only in db/sads.ts', () => {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../src');
  const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  const naming = (re: RegExp) => files.filter((f) => re.test(fs.readFileSync(path.join(root, f), 'utf8')));
  expect(naming(/\b(?:FROM|JOIN|UPDATE|INTO|TABLE)\s+credentials\b/)).toEqual(['db/credentials.ts']);
  expect(naming(/\b(?:FROM|JOIN|UPDATE|INTO|TABLE)\s+sads\b/)).toEqual(['db/sads.ts']);
  // The consuming UPDATE is written once (consumeSadSql); the fast path embeds it, never restates it.
  expect(naming(/remaining = remaining -|used_hashes \|\|/)).toEqual(['db/sads.ts']);
});

it('the OpenAPI response check (every suite, test/helpers/env.ts) catches undocumented statuses and bodies', async () => {
  const c = new OpenApiChecker();
  const res = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  await c.check('POST', '/admin/clients', res(201, { clientId: 'c', clientSecret: 's' }));
  await c.check('POST', '/csc/v2/credentials/authorize', res(202, { handle: 'h', expiresIn: 300 }));
  await c.check(
    'POST',
    '/admin/clients/x/grants/revoke',
    res(401, { error: 'invalid_token', error_description: 'x' }),
  );
  expect(c.violations).toEqual([]);
  await c.check('POST', '/admin/clients', res(200, { clientId: 'c', clientSecret: 's' }));
  await c.check('POST', '/admin/clients', res(201, { clientId: 'c' }));
  await c.check('POST', '/csc/v2/signatures/signHash', res(200, { signatures: [1] }));
  await c.check('POST', '/csc/v2/oauth2/revoke', res(200, {}));
  await c.check('POST', '/csc/v2/info', res(401, { error: 'invalid_token' }));
  expect(c.violations).toHaveLength(5);
  expect(c.checked).toBe(8);
});

it('real HTTP too: every loopback fetch response is checked (test/setup/openapi-fetch.ts)', async () => {
  const c = fetchChecker();
  expect(c, 'the setup file is active in signing-server test files').toBeDefined();
  // A stand-in listening server that answers like a wrong server would.
  const srv = http.createServer((req, res) => {
    const [status, body] = req.url === '/healthz' ? [200, { status: 'ok' }] : [418, { error: 'teapot' }];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  const before = { checked: c!.checked, violations: c!.violations.length };
  try {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/csc/v2/info`, { method: 'POST', body: '{}' })).status).toBe(418);
    expect(c!.checked - before.checked).toBe(2);
    expect(c!.violations.slice(before.violations)).toEqual([
      'POST /csc/v2/info → 418: status not documented',
    ]);
  } finally {
    // Taken back, so this deliberate violation does not fail the test (afterEach of the setup file).
    c!.violations.length = before.violations;
    await new Promise((r) => srv.close(r));
  }
});
