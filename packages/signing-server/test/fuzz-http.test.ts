/**
 * Hostile input against every route of the route table (issue 8): random JSON shapes, wrong
 * types, huge strings, deep nesting, invalid base64, oversize bodies, wrong content types, junk
 * path parameters, with valid credentials so requests reach the service layer. Every answer must
 * come within a time bound and never be a 5xx; a JSON route's 4xx carries a CSC error body
 * (`{"error","error_description"}`). Bounded for CI; KYSO_FUZZ_LONG=1 runs 20x more cases.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInvalidTextError } from '../src/http/app.js';
import { ROUTES, type RouteDoc } from '../src/http/routes.js';
import { authorize, type Fetcher, provision, SHA256_OID, token } from './helpers/client.js';
import { OtpDevice, startTestServer, type TestServer } from './helpers/env.js';

const LONG = process.env.KYSO_FUZZ_LONG === '1';
const RUNS = LONG ? 400 : 20;
const TIME_BOUND_MS = 10_000;

// --- hostile values ---------------------------------------------------------------------------

const b64 = (n: number) => crypto.randomBytes(n).toString('base64');
const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    '!!!!',
    '====',
    'YQ',
    'YQ=',
    'a'.repeat(43),
    b64(31),
    b64(33),
    b64(64),
    `${b64(32)}\n`,
    ' '.repeat(20),
    '\u0000',
    '\ud800',
    '../../etc/passwd',
    '%00',
    '1.2.840.10045.2.1',
    '2.16.840.1.101.3.4.2.1',
    '1.2.840.113549.1.1.10',
    '0.0',
    '9'.repeat(400),
    'x'.repeat(100_000),
    '__proto__',
  ),
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53 + 1, 1e308, -1e308, 1.5, 100_000, 1001),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(hostileString, { maxLength: 5 }),
  fc.constant(Array.from({ length: 2000 }, () => b64(32))),
  fc.constant([{ id: 'PIN', value: 1 }, { id: 'OTP' }]),
  fc.constant({ __proto__: { admin: true } }),
);

/** A JSON body text for a route: shapes derived from its schema, arbitrary JSON, or raw junk. */
function bodyText(route: RouteDoc, valid: Record<string, unknown> | undefined): fc.Arbitrary<string> {
  const keys = Object.keys(route.body?.properties ?? {});
  const fromSchema =
    keys.length > 0
      ? fc
          .dictionary(fc.constantFrom(...keys), hostileValue, { maxKeys: keys.length })
          .map((o) => JSON.stringify(o))
      : fc.constant('{}');
  const mutated = valid
    ? fc
        .tuple(fc.constantFrom(...Object.keys(valid), 'extra'), hostileValue)
        .map(([k, v]) => JSON.stringify({ ...valid, [k]: v }))
    : fromSchema;
  const raw = fc.oneof(
    fc.constantFrom(
      '',
      '{',
      '{"a":',
      'null',
      'true',
      '[]',
      '"x"',
      '1e999999',
      '{"__proto__":{"x":1}}',
      '{"constructor":{"prototype":{"x":1}}}',
      deepArray(50_000),
      deepObject(20_000),
      `{"hashes":${deepArray(10_000)}}`,
      `{"x":"${'y'.repeat(300_000)}"}`,
      '\ufeff{}',
      '{"a":1,"a":2}',
    ),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );
  return fc.oneof(
    { weight: 3, arbitrary: fromSchema },
    { weight: 3, arbitrary: mutated },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 2, arbitrary: raw },
  );
}

function formText(route: RouteDoc): fc.Arbitrary<string> {
  const keys = Object.keys(route.body?.properties ?? {});
  return fc.oneof(
    fc
      .dictionary(fc.constantFrom(...keys, 'x'), hostileString, { maxKeys: keys.length + 1 })
      .map((o) => new URLSearchParams(o as Record<string, string>).toString()),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom(
      '%',
      '%zz',
      '=&=&',
      'a=%FF%FE',
      `grant_type=client_credentials&client_id=${'x'.repeat(300_000)}`,
    ),
  );
}

const pathParam = (real: string[]) =>
  fc.oneof(
    fc.constantFrom(...real),
    fc.string({ maxLength: 30 }).map((s) => encodeURIComponent(s) || 'x'),
    fc.constantFrom('..%2F..%2Fetc', '%00', 'x'.repeat(5000), '%E0%A4%A', '1;DROP TABLE x', '0'),
  );

describe('hostile HTTP input on every route', () => {
  let s: TestServer;
  let f: Fetcher;
  let clientToken = '';
  const ids: Record<string, string[]> = {};
  const valid: Record<string, Record<string, unknown>> = {};
  beforeAll(async () => {
    s = await startTestServer('pglite', {
      KYSO_RATE_CLIENT_PER_MINUTE: '1000000',
      KYSO_RATE_CREDENTIAL_PER_MINUTE: '1000000',
    });
    f = (p, init) => Promise.resolve(s.kyso.app.request(p, init));
    const p = await provision(f, s.operatorKey);
    clientToken = await token(f, p.clientId, p.clientSecret);
    const h = crypto.createHash('sha256').update('fuzz').digest('base64');
    const sad = await authorize(f, clientToken, p.credentialId, [h], new OtpDevice(p.otpauthUri));
    ids.id = [p.subscriberId, p.clientId, p.credentialId];
    ids.file = ['x.cer', 'x.crl', '..', 'issuing.cer'];
    ids.request = [b64(80), 'MA==', '%2F'];
    const sign = {
      credentialID: p.credentialId,
      SAD: sad.body.SAD,
      hashes: [h],
      hashAlgorithmOID: SHA256_OID,
    };
    Object.assign(valid, {
      '/csc/v2/credentials/info': { credentialID: p.credentialId },
      '/csc/v2/credentials/authorize': {
        credentialID: p.credentialId,
        numSignatures: 1,
        hashes: [h],
        hashAlgorithmOID: SHA256_OID,
        authData: [
          { id: 'PIN', value: '000000' },
          { id: 'OTP', value: '123456' },
        ],
      },
      '/csc/v2/credentials/extendTransaction': sign,
      '/csc/v2/signatures/signHash': { ...sign, signAlgo: '1.2.840.10045.2.1' },
      '/csc/v2/signatures/timestamp': { hash: h, hashAlgo: SHA256_OID },
      '/admin/subscribers': {
        kind: 'citizen',
        name: 'Fuzz',
        cccd: '079200001235',
        pin: '246810',
        province: 'Thành phố Hồ Chí Minh',
      },
      '/admin/credentials': { subscriberId: p.subscriberId, key: { type: 'EC', curve: 'P-256' } },
      '/admin/clients/:id/grants': { credentialId: p.credentialId },
    });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  const routes = ROUTES.filter((r) => r.tag !== 'docs' && r.tag !== 'health');

  /**
   * NUL (which PostgreSQL text columns refuse) and lone surrogates in every path parameter and
   * every string field: refused at the HTTP edge with a 400 CSC error body, or on the
   * authorisation pages a 400 refusal page (this was a 500 when NUL reached the database: admin
   * routes, credentialID in CSC routes, oauth2/revoke client_id).
   */
  it('NUL and lone surrogates in path parameters, query and string fields are 400', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of ROUTES) {
      if (route.tag === 'pki') continue;
      const form = route.contentType === 'application/x-www-form-urlencoded';
      const base =
        valid[route.path] ??
        Object.fromEntries(Object.keys(route.body?.properties ?? {}).map((k) => [k, 'x']));
      // [path, body, holds bad text]
      const cases: [string, string | undefined, boolean][] = [];
      const clean = route.method === 'get' ? undefined : JSON.stringify(base);
      if (route.path.includes(':')) cases.push([route.path.replace(/:[a-z]+/g, 'a%00b'), clean, true]);
      cases.push([`${route.path.replace(/:[a-z]+/g, 'x')}?lang=a%00b`, clean, true]);
      if (route.method !== 'get') {
        const p = route.path.replace(/:[a-z]+/g, 'x');
        for (const k of Object.keys(base)) {
          cases.push([p, JSON.stringify({ ...base, [k]: 'a\u0000b' }), true]);
          // A lone surrogate survives JSON (as an escape) but not form encoding (becomes U+FFFD).
          if (!form) cases.push([p, JSON.stringify({ ...base, [k]: 'a\ud800b' }), true]);
        }
        // A body a route does not read is not checked (it never reaches a service).
        if (!form && route.body) cases.push([p, JSON.stringify({ ...base, 'k\u0000': 'x' }), true]);
      }
      for (const [path, body, bad] of cases) {
        const headers: Record<string, string> = {
          'content-type': form ? route.contentType! : 'application/json',
        };
        if (route.auth === 'operator') headers.authorization = `Bearer ${s.operatorKey}`;
        if (route.auth === 'client') headers.authorization = `Bearer ${clientToken}`;
        const b =
          form && body ? new URLSearchParams(JSON.parse(body) as Record<string, string>).toString() : body;
        const r = await s.kyso.app.request(path, { method: route.method.toUpperCase(), headers, body: b });
        const text = await r.text();
        const what = `${route.method} ${path} ${b?.slice(0, 120)} -> ${r.status} ${text.slice(0, 200)}`;
        checked++;
        if (r.status >= 500) failures.push(what);
        else if (bad && r.status !== 400) {
          // Refused by the operator/client authentication first is fine (401), anything else is not.
          if (r.status !== 401) failures.push(what);
        } else if (
          bad &&
          route.produces === 'text/html' &&
          r.headers.get('content-type')?.includes('text/html')
        ) {
          // The authorisation pages answer with a page of their own (issue 18), in a language.
          if (!text.includes('id="lang-switch"') || !text.includes('role="alert"')) failures.push(what);
        } else if (bad) {
          const e = JSON.parse(text) as { error?: unknown; error_description?: unknown };
          if (e.error !== 'invalid_request' || typeof e.error_description !== 'string') failures.push(what);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });
  it('maps PostgreSQL invalid-text errors (defence in depth behind the edge) to 400', async () => {
    const err = await s.kyso.ctx.db.query('SELECT $1::text AS t', ['a\u0000b']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    expect(isInvalidTextError(err)).toBe(true);
    expect(isInvalidTextError(new Error('x'))).toBe(false);
  });
  it('covers the CSC and admin routes', () => {
    expect(routes.filter((r) => r.tag === 'csc').length).toBeGreaterThanOrEqual(8);
    expect(routes.filter((r) => r.tag === 'admin').length).toBeGreaterThanOrEqual(15);
  });

  for (const route of routes) {
    it(`${route.method.toUpperCase()} ${route.path}`, { timeout: LONG ? 600_000 : 120_000 }, async () => {
      const params = route.path.match(/:[a-z]+/g) ?? [];
      const pathArb = fc
        .tuple(...params.map((p) => pathParam(ids[p.slice(1)] ?? ['x'])))
        .map((vals) => params.reduce((acc, p, i) => acc.replace(p, vals[i]!), route.path as string));
      const ct = route.contentType ?? 'application/json';
      const isForm = ct === 'application/x-www-form-urlencoded';
      const binary = route.tag === 'pki';
      const bodyArb: fc.Arbitrary<string | Uint8Array | undefined> =
        route.method === 'get'
          ? fc.constant(undefined)
          : binary
            ? fc.oneof(
                fc.uint8Array({ maxLength: 2000 }),
                fc.constant(new Uint8Array(300_000)),
                fc.constantFrom(
                  Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff),
                  new Uint8Array(Buffer.from(deepArray(0))),
                  // 5000 nested SEQUENCEs, indefinite-length
                  new Uint8Array([...Array.from({ length: 5000 }, () => [0x30, 0x80]).flat()]),
                ),
              )
            : isForm
              ? formText(route)
              : bodyText(route, valid[route.path]);
      const typeArb = fc.oneof(
        { weight: 8, arbitrary: fc.constant(ct) },
        fc.constantFrom(undefined, 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data'),
      );
      await fc.assert(
        fc.asyncProperty(pathArb, bodyArb, typeArb, fc.boolean(), async (p, body, type, withAuth) => {
          const headers: Record<string, string> = {};
          if (type) headers['content-type'] = type;
          if (withAuth || route.auth === 'operator' || route.auth === 'client') {
            if (route.auth === 'operator') headers.authorization = `Bearer ${withAuth ? s.operatorKey : 'x'}`;
            if (route.auth === 'client') headers.authorization = `Bearer ${withAuth ? clientToken : 'kyso'}`;
          }
          const t0 = Date.now();
          const r = await Promise.race([
            Promise.resolve(
              s.kyso.app.request(p, {
                method: route.method.toUpperCase(),
                headers,
                body: body as BodyInit | undefined,
              }),
            ),
            new Promise<never>((_, rej) =>
              setTimeout(() => rej(new Error(`no answer within ${TIME_BOUND_MS} ms`)), TIME_BOUND_MS),
            ),
          ]);
          const text = await r.text();
          const what = `${route.method} ${p} ${type} ${typeof body === 'string' ? body.slice(0, 200) : `${body?.length ?? 0} bytes`} -> ${r.status} ${text.slice(0, 300)}`;
          expect(r.status, what).toBeLessThan(500);
          expect(Date.now() - t0, what).toBeLessThan(TIME_BOUND_MS);
          const jsonRoute = !route.produces && !binary;
          if (r.status >= 400 && jsonRoute) {
            const e = JSON.parse(text) as { error?: unknown; error_description?: unknown };
            expect(typeof e.error, what).toBe('string');
            expect(typeof e.error_description, what).toBe('string');
          }
        }),
        { numRuns: RUNS, interruptAfterTimeLimit: LONG ? 500_000 : 90_000 },
      );
    });
  }
});
