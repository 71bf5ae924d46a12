/**
 * The HTTP edge every request crosses (http/app.ts, http/request.ts, http/schema.ts), over real
 * HTTP on @hono/node-server as the server runs it and through `app.request`: the body limit
 * judged from Content-Length and counted for chunked bodies, X-Request-Id (echoed when it is a
 * short token, a fresh UUID otherwise), the URL text check, the access-log line (fixed fields, no
 * secrets) and the schema and NUL checks' messages. The services behind the routes are stubs:
 * what is tested is what the edge lets through and what it answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type Services } from '../src/http/app.js';
import { createLogger } from '../src/log.js';

const LIMIT = 4096;
const SIG = Buffer.alloc(64, 1).toString('base64');
const HASH = Buffer.alloc(32, 2).toString('base64');
const SAD = 'sad-secret-value-0123456789';
const TOKEN = 'tok-secret-value-0123456789';
let logged = '';
let served: { close: (cb: () => void) => void; address: () => AddressInfo | string | null };
let base = '';
const calls: string[] = [];

function stubServices(): Services {
  const sink = new Writable({
    write(chunk, _e, cb) {
      logged += chunk.toString();
      cb();
    },
  });
  const refuse = (name: string) =>
    new Proxy(
      {},
      {
        get: (_, k) =>
          k === 'then'
            ? undefined
            : () => {
                throw new Error(`${name}.${String(k)} was not expected`);
              },
      },
    );
  const csc = {
    async signHashFast(token: string | undefined, input: { hashes: string[] }) {
      calls.push(`fast ${token}`);
      return token ? { signatures: input.hashes.map(() => SIG) } : undefined;
    },
    async authenticate(token: string | undefined) {
      calls.push(`authenticate ${token}`);
      return 'client-1';
    },
    async signHash() {
      calls.push('signHash');
      return { signatures: [SIG] };
    },
  };
  const authz = { credentialToken: async () => undefined };
  return {
    ctx: {
      log: createLogger('info', sink as never),
      config: { bodyLimitBytes: LIMIT, publicBaseUrl: 'http://127.0.0.1' },
    },
    admin: refuse('admin'),
    ca: refuse('ca'),
    csc,
    authz,
    signDoc: refuse('signDoc'),
  } as unknown as Services;
}

const app = createApp(stubServices());
const signHashBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    credentialID: 'cred-1',
    SAD,
    hashes: [HASH],
    hashAlgorithmOID: '2.16.840.1.101.3.4.2.1',
    signAlgo: '1.2.840.10045.2.1',
    ...extra,
  });

/** A raw node:http request (chunked when `chunks` is given), for what fetch cannot send. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  chunks: string[] = [],
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

beforeAll(async () => {
  await new Promise<void>((resolve) => {
    served = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve()) as never;
  });
  base = `http://127.0.0.1:${(served.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => served.close(() => r()));
});

describe('body limit', () => {
  it('refuses a body over the limit from its Content-Length, before any service runs', async () => {
    calls.length = 0;
    const big = signHashBody({ description: 'x'.repeat(LIMIT) });
    const r = await fetch(`${base}/csc/v2/signatures/signHash`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: big,
    });
    expect(r.status).toBe(413);
    expect(await r.json()).toEqual({
      error: 'invalid_request',
      error_description: `request body larger than ${LIMIT} bytes`,
    });
    expect(calls).toEqual([]);
  });

  it('counts a chunked body as it arrives: over the limit 413, under it the route answers', async () => {
    calls.length = 0;
    const headers = {
      'content-type': 'application/json',
      authorization: `Bearer ${TOKEN}`,
      'transfer-encoding': 'chunked',
    };
    const big = signHashBody({ description: 'y'.repeat(LIMIT) });
    const over = await raw('POST', '/csc/v2/signatures/signHash', headers, [
      big.slice(0, 1000),
      big.slice(1000),
    ]);
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body).error).toBe('invalid_request');
    expect(calls).toEqual([]);
    const small = signHashBody();
    const ok = await raw('POST', '/csc/v2/signatures/signHash', headers, [
      small.slice(0, 20),
      small.slice(20),
    ]);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ signatures: [SIG] });
    expect(calls).toEqual([`fast ${TOKEN}`]);
  });

  it('a body at the limit with its Content-Length passes', async () => {
    const body = signHashBody({ description: '' });
    const padded = signHashBody({ description: 'z'.repeat(LIMIT - body.length) });
    expect(Buffer.byteLength(padded)).toBe(LIMIT);
    const r = await fetch(`${base}/csc/v2/signatures/signHash`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: padded,
    });
    expect(r.status).toBe(200);
  });
});

describe('X-Request-Id', () => {
  const post = (headers: Record<string, string>) =>
    fetch(`${base}/csc/v2/signatures/signHash`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
      body: signHashBody(),
    });
  it('echoes a short token the client sent and logs it', async () => {
    logged = '';
    const r = await post({ 'x-request-id': 'trace-42_ab=' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-request-id')).toBe('trace-42_ab=');
    const line = JSON.parse(logged.trim().split('\n').at(-1)!);
    expect(line).toMatchObject({
      msg: 'request',
      requestId: 'trace-42_ab=',
      method: 'POST',
      path: '/csc/v2/signatures/signHash',
      status: 200,
    });
  });
  it('replaces a missing, over-long or odd one with a fresh UUID (also on errors)', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const sent of [undefined, 'a'.repeat(256), 'has space', 'semi;colon']) {
      const r = await post(sent === undefined ? {} : { 'x-request-id': sent });
      expect(r.headers.get('x-request-id')).toMatch(uuid);
    }
    const missing = await raw('GET', '/no/such/endpoint', {});
    expect(missing.status).toBe(404);
    expect(missing.headers['x-request-id']).toMatch(uuid);
    const inProcess = await app.request('/no/such/endpoint', { headers: { 'x-request-id': 'abc-1' } });
    expect(inProcess.headers.get('x-request-id')).toBe('abc-1');
  });
  it('the access line holds no token, SAD or body', async () => {
    logged = '';
    await post({});
    expect(logged).toContain('"msg":"request"');
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain(SAD);
    expect(logged).not.toContain(HASH);
  });
});

describe('URL and body text checks', () => {
  it('refuses NUL or ill-formed Unicode in the path or query, lets plain and well-formed URLs through', async () => {
    for (const [p, where] of [
      ['/pki/ca/a%00b', 'path'],
      ['/health?x=%00', 'query'],
      ['/health?a=1&x%00=2', 'query'],
    ] as const) {
      const r = await raw('GET', p, {});
      expect(r.status, p).toBe(400);
      expect(JSON.parse(r.body).error_description).toBe(
        `the request ${where} contains NUL or ill-formed Unicode`,
      );
    }
    for (const p of ['/no/such', '/no/s%C3%BCch?q=%C3%A9+x', '/no/such?q=a+b&r=~!$']) {
      const r = await raw('GET', p, {});
      expect(r.status, p).toBe(404);
    }
  });
  it('schema and NUL problems are named by their location', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ hashes: [HASH, 7] }, 'hashes[1] must be a string'],
      [{ hashes: ['not-base64-at-all!!!'] }, 'hashes[0] has an invalid format'],
      [{ hashes: [] }, 'hashes needs at least 1 items'],
      [{ credentialID: 'a\u0000b' }, 'credentialID contains NUL or ill-formed Unicode'],
      [{ hashes: [HASH, 'x\uD800'] }, 'hashes[1] contains NUL or ill-formed Unicode'],
    ];
    for (const [extra, message] of cases) {
      const r = await fetch(`${base}/csc/v2/signatures/signHash`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: signHashBody(extra),
      });
      expect(r.status, message).toBe(400);
      expect(((await r.json()) as { error_description: string }).error_description).toBe(message);
    }
    const noCred = await fetch(`${base}/csc/v2/signatures/signHash`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ SAD, hashes: [HASH], signAlgo: '1.2.840.10045.2.1' }),
    });
    expect(((await noCred.json()) as { error_description: string }).error_description).toBe(
      'credentialID is required',
    );
  });
});
