/**
 * Pre-produced OCSP responses (issue 21): nonce-less requests are answered from responses kept in
 * the database, with RFC 5019 §6.2 caching headers on GET; a revocation re-produces the serial's
 * responses before the call returns; two server instances on one PostgreSQL share the responses
 * and never produce one twice (SKIP LOCKED in the job, the row lock on a miss). Responses are
 * checked with `openssl ocsp -respin`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  buildOcspRequest,
  Certificate,
  Crl,
  createCertId,
  type HashAlgorithm,
  ocspGetUrl,
  parseOcspResponse,
  pemEncode,
} from '@kyso/pki-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createKyso, type Kyso } from '../src/server.js';
import { call, type Fetcher, provision } from './helpers/client.js';
import { demoCaDir, requirePostgres, startTestServer, type TestServer, testEnv } from './helpers/env.js';

const hasOpenssl = requireTool('openssl');

async function getUrl(k: Kyso, cert: Certificate, hash: HashAlgorithm, nonce = false) {
  const req = buildOcspRequest({ certIds: [await createCertId(cert, k.ca.defaultCa.cert, hash)], nonce });
  return { url: ocspGetUrl('/pki/ocsp', req.der), nonce: req.nonce };
}

/** `openssl ocsp -respin` over the response: verification result and the status line. */
function opensslCheck(k: Kyso, leaf: Certificate, der: Uint8Array, hash: HashAlgorithm = 'SHA-1'): string {
  const d = tmpDir('kyso-ocsp-');
  const ca = k.ca.defaultCa;
  fs.writeFileSync(path.join(d, 'resp.der'), der);
  fs.writeFileSync(path.join(d, 'issuer.pem'), pemEncode('CERTIFICATE', ca.cert.der));
  fs.writeFileSync(path.join(d, 'leaf.pem'), pemEncode('CERTIFICATE', leaf.der));
  fs.writeFileSync(
    path.join(d, 'chain.pem'),
    [ca.cert, ...ca.chain].map((c) => pemEncode('CERTIFICATE', c.der)).join(''),
  );
  const r = openssl([
    'ocsp',
    '-respin',
    path.join(d, 'resp.der'),
    '-issuer',
    path.join(d, 'issuer.pem'),
    hash === 'SHA-1' ? '-sha1' : '-sha256',
    '-cert',
    path.join(d, 'leaf.pem'),
    '-CAfile',
    path.join(d, 'chain.pem'),
    '-no_nonce',
  ]);
  return `${r.stdout}${r.stderr}`;
}

async function body(r: Response): Promise<Uint8Array> {
  return new Uint8Array(await r.arrayBuffer());
}

describe('OCSP configuration', () => {
  it('defaults inside CA/B Forum BR §4.9.10; bad values are listed at start', () => {
    const c = loadConfig({});
    expect(c.ocsp.validitySeconds).toBeGreaterThanOrEqual(8 * 3600);
    expect(c.ocsp.validitySeconds).toBeLessThan(10 * 86400);
    expect(c.ocsp.nonce).toBe('fresh');
    expect(() =>
      loadConfig({ KYSO_OCSP_NONCE: 'sometimes', KYSO_OCSP_VALIDITY_SECONDS: String(10 * 86400) }),
    ).toThrow(/KYSO_OCSP_VALIDITY_SECONDS must be between 1 and 863999[\s\S]*KYSO_OCSP_NONCE must be/);
  });
});

describe('pre-produced OCSP on PGlite (one process)', () => {
  let s: TestServer;
  let f: Fetcher;
  let leaf: Certificate;
  let credentialId: string;
  beforeAll(async () => {
    s = await startTestServer('pglite');
    f = (p, init) => Promise.resolve(s.kyso.app.request(p, init));
    const p = await provision(f, s.operatorKey);
    leaf = Certificate.parse(p.certificatePem);
    credentialId = p.credentialId;
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('the job pre-produces SHA-1 and SHA-256 responses for every unexpired certificate, once', async () => {
    const store = s.kyso.ca.ocspStore;
    const made = await store.refresh();
    const certs = await s.kyso.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM certificates WHERE ca_id IS NOT NULL AND not_after > now()',
    );
    expect(certs.rows[0]!.n).toBeGreaterThan(3);
    expect(made).toBe(2 * certs.rows[0]!.n);
    const rows = await s.kyso.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ocsp_responses');
    expect(rows.rows[0]!.n).toBe(made);
    // Nothing due: a second pass signs nothing.
    expect(await store.refresh()).toBe(0);
  });

  it.skipIf(!hasOpenssl)(
    'a nonce-less GET is answered from the store with RFC 5019 caching headers',
    async () => {
      const store = s.kyso.ca.ocspStore;
      await store.refresh();
      const before = store.produced;
      for (const hash of ['SHA-1', 'SHA-256'] as const) {
        const { url } = await getUrl(s.kyso, leaf, hash);
        const r = await f(url);
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toBe('application/ocsp-response');
        const der = await body(r);
        const stored = await s.kyso.ctx.db.query<{ der: Uint8Array }>(
          'SELECT der FROM ocsp_responses WHERE serial = $1 AND hash_alg = $2',
          [leaf.serialHex, hash],
        );
        expect(Buffer.from(der).equals(Buffer.from(stored.rows[0]!.der))).toBe(true);
        const single = parseOcspResponse(der).basic!.responses[0]!;
        expect(single.certStatus.status).toBe('good');
        const validity = s.config.ocsp.validitySeconds;
        expect(single.nextUpdate!.getTime() - single.thisUpdate.getTime()).toBe(validity * 1000);
        const cc = /^max-age=(\d+), public, no-transform, must-revalidate$/.exec(
          r.headers.get('cache-control') ?? '',
        );
        expect(cc, r.headers.get('cache-control') ?? '').not.toBeNull();
        const maxAge = Number(cc![1]);
        // Never past nextUpdate.
        expect(Date.now() + maxAge * 1000).toBeLessThanOrEqual(single.nextUpdate!.getTime() + 1000);
        expect(maxAge).toBeGreaterThan(validity - 120);
        expect(r.headers.get('last-modified')).toBe(single.thisUpdate.toUTCString());
        expect(r.headers.get('expires')).toBe(single.nextUpdate!.toUTCString());
        const etag = r.headers.get('etag')!;
        expect(etag).toBe(`"${crypto.createHash('sha256').update(der).digest('base64url').slice(0, 27)}"`);
        const out = opensslCheck(s.kyso, leaf, der, hash);
        expect(out).toMatch(/Response verify OK/);
        expect(out).toMatch(/leaf\.pem: good/);
        // A conditional GET with the ETag, or a date not before thisUpdate: 304, same headers.
        const c1 = await f(url, { headers: { 'if-none-match': etag } });
        expect(c1.status).toBe(304);
        expect(c1.headers.get('etag')).toBe(etag);
        const c2 = await f(url, { headers: { 'if-modified-since': single.thisUpdate.toUTCString() } });
        expect(c2.status).toBe(304);
        const c3 = await f(url, {
          headers: { 'if-modified-since': new Date(single.thisUpdate.getTime() - 1000).toUTCString() },
        });
        expect(c3.status).toBe(200);
      }
      // The POST form without a nonce gets the same pre-produced bytes, not a new signature.
      const req = buildOcspRequest({
        certIds: [await createCertId(leaf, s.kyso.ca.defaultCa.cert, 'SHA-256')],
      });
      const post = await f('/pki/ocsp', {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request' },
        body: Buffer.from(req.der),
      });
      expect(post.headers.get('cache-control')).toBe('max-age=0');
      const stored = await s.kyso.ctx.db.query<{ der: Uint8Array }>(
        "SELECT der FROM ocsp_responses WHERE serial = $1 AND hash_alg = 'SHA-256'",
        [leaf.serialHex],
      );
      expect(Buffer.from(await body(post)).equals(Buffer.from(stored.rows[0]!.der))).toBe(true);
      expect(store.produced).toBe(before);
    },
  );

  it.skipIf(!hasOpenssl)(
    'a request with a nonce gets a fresh response echoing it (or, configured, the stored one)',
    async () => {
      const { url, nonce } = await getUrl(s.kyso, leaf, 'SHA-256', true);
      const r = await f(url);
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toBe('max-age=0');
      expect(r.headers.get('etag')).toBeNull();
      const der = await body(r);
      const basic = parseOcspResponse(der).basic!;
      expect(basic.nonce && Buffer.from(basic.nonce).equals(Buffer.from(nonce!))).toBe(true);
      expect(opensslCheck(s.kyso, leaf, der, 'SHA-256')).toMatch(/Response verify OK/);
      // KYSO_OCSP_NONCE=preproduced: the stored response (RFC 5019 §2.2.1 lets a responder ignore it).
      s.kyso.ctx.config.ocsp.nonce = 'preproduced';
      try {
        const r2 = await f((await getUrl(s.kyso, leaf, 'SHA-256', true)).url);
        expect(r2.headers.get('etag')).not.toBeNull();
        expect(parseOcspResponse(await body(r2)).basic!.nonce).toBeUndefined();
      } finally {
        s.kyso.ctx.config.ocsp.nonce = 'fresh';
      }
    },
  );

  it('an unknown serial is signed afresh and not stored', async () => {
    const fake = { serialNumber: Uint8Array.of(0x7f, 0x01, 0x02, 0x03) };
    const req = buildOcspRequest({
      certIds: [await createCertId(fake, s.kyso.ca.defaultCa.cert, 'SHA-256')],
    });
    const r = await f(ocspGetUrl('/pki/ocsp', req.der));
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBeNull();
    expect(parseOcspResponse(await body(r)).basic!.responses[0]!.certStatus.status).toBe('unknown');
    const rows = await s.kyso.ctx.db.query("SELECT 1 FROM ocsp_responses WHERE serial = '7f010203'");
    expect(rows.rows).toHaveLength(0);
    // Malformed: malformedRequest inside a 200, not cacheable.
    const bad = await f('/pki/ocsp/AAAA');
    expect(bad.status).toBe(200);
    expect(parseOcspResponse(await body(bad)).status).toBe('malformedRequest');
  });

  it.skipIf(!hasOpenssl)(
    'a revocation re-produces the responses before the revoke call returns',
    async () => {
      const { url } = await getUrl(s.kyso, leaf, 'SHA-1');
      expect(parseOcspResponse(await body(await f(url))).basic!.responses[0]!.certStatus.status).toBe('good');
      const rv = await call(f, 'POST', `/admin/credentials/${credentialId}/revoke`, {
        token: s.operatorKey,
        json: { reason: 'keyCompromise' },
      });
      expect(rv.status).toBe(200);
      const rows = await s.kyso.ctx.db.query<{ hash_alg: string; status: string }>(
        'SELECT hash_alg, status FROM ocsp_responses WHERE serial = $1 ORDER BY hash_alg',
        [leaf.serialHex],
      );
      expect(rows.rows).toEqual([
        { hash_alg: 'SHA-1', status: 'revoked' },
        { hash_alg: 'SHA-256', status: 'revoked' },
      ]);
      const der = await body(await f(url));
      const out = opensslCheck(s.kyso, leaf, der);
      expect(out).toMatch(/Response verify OK/);
      expect(out).toMatch(/leaf\.pem: revoked/);
      expect(out).toMatch(/Reason: keyCompromise/);
    },
  );

  it('a job pass ends even with a one-second validity window (what it produced is not due again)', async () => {
    const cfg = s.kyso.ctx.config.ocsp;
    const store = s.kyso.ca.ocspStore;
    const saved = cfg.validitySeconds;
    cfg.validitySeconds = 1;
    try {
      await s.kyso.ctx.db.query('DELETE FROM ocsp_responses');
      const n1 = await store.refresh();
      expect(n1).toBeGreaterThan(0);
      const rows = await s.kyso.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ocsp_responses');
      expect(rows.rows[0]!.n).toBe(n1);
      await new Promise((r) => setTimeout(r, 1100));
      // All of them are due again a second later, once.
      expect(await store.refresh()).toBe(n1);
    } finally {
      cfg.validitySeconds = saved;
      await s.kyso.ctx.db.query('DELETE FROM ocsp_responses');
      await store.refresh();
    }
  });

  it('CRLs carry caching headers from their own thisUpdate and nextUpdate', async () => {
    const id = s.kyso.ca.defaultCa.id;
    const r = await f(`/pki/crl/${id}.crl`);
    expect(r.status).toBe(200);
    const crl = Crl.fromDer(await body(r));
    expect(r.headers.get('last-modified')).toBe(crl.thisUpdate.toUTCString());
    expect(r.headers.get('expires')).toBe(crl.nextUpdate!.toUTCString());
    const maxAge = Number(
      /^max-age=(\d+), public, no-transform, must-revalidate$/.exec(r.headers.get('cache-control')!)![1],
    );
    expect(maxAge).toBeLessThanOrEqual(s.config.crlRefreshSeconds);
    expect(maxAge).toBeGreaterThan(0);
    const etag = r.headers.get('etag')!;
    expect((await f(`/pki/crl/${id}.crl`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });
});

describe.skipIf(!requirePostgres())('pre-produced OCSP shared by two server instances on PostgreSQL', () => {
  let a: TestServer;
  let b: Kyso;
  let fa: Fetcher;
  let fb: Fetcher;
  const leaves: Certificate[] = [];
  const creds: string[] = [];
  beforeAll(async () => {
    const kek = crypto.randomBytes(32).toString('base64');
    a = await startTestServer('postgres', { KYSO_KEK: kek });
    const env = testEnv('postgres', {
      KYSO_KEK: kek,
      KYSO_DEMO_CA_DIR: await demoCaDir(),
      DATABASE_SCHEMA: a.schema!,
      KYSO_OCSP_MEMORY_CACHE_MS: '0',
    });
    const cfg = loadConfig(env);
    b = await createKyso(cfg, { log: createLogger(cfg.logLevel) });
    fa = (p, init) => Promise.resolve(a.kyso.app.request(p, init));
    fb = (p, init) => Promise.resolve(b.app.request(p, init));
    for (let i = 0; i < 3; i++) {
      const p = await provision(fa, a.operatorKey, { type: 'EC', curve: 'P-256' }, `Người ký ${i}`);
      leaves.push(Certificate.parse(p.certificatePem));
      creds.push(p.credentialId);
    }
  }, 180_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('two concurrent job passes produce every response exactly once', async () => {
    await a.kyso.ctx.db.query('DELETE FROM ocsp_responses');
    const before = a.kyso.ca.ocspStore.produced + b.ca.ocspStore.produced;
    const [na, nb] = await Promise.all([a.kyso.ca.ocspStore.refresh(), b.ca.ocspStore.refresh()]);
    const rows = await a.kyso.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ocsp_responses');
    const certs = await a.kyso.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM certificates WHERE ca_id IS NOT NULL AND not_after > now()',
    );
    expect(rows.rows[0]!.n).toBe(2 * certs.rows[0]!.n);
    expect(na + nb).toBe(rows.rows[0]!.n);
    expect(a.kyso.ca.ocspStore.produced + b.ca.ocspStore.produced - before).toBe(rows.rows[0]!.n);
  });

  it('concurrent GETs on both instances for a missing response produce it once', async () => {
    const leaf = leaves[0]!;
    await a.kyso.ctx.db.query('DELETE FROM ocsp_responses WHERE serial = $1', [leaf.serialHex]);
    const before = a.kyso.ca.ocspStore.produced + b.ca.ocspStore.produced;
    const { url } = await getUrl(a.kyso, leaf, 'SHA-256');
    const all = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 ? fa : fb)(url).then((r) => body(r))),
    );
    expect(a.kyso.ca.ocspStore.produced + b.ca.ocspStore.produced - before).toBe(1);
    for (const der of all) expect(Buffer.from(der).equals(Buffer.from(all[0]!))).toBe(true);
  });

  it('a revocation through one instance is answered by the other at once (no memory cache there)', async () => {
    const leaf = leaves[1]!;
    const { url } = await getUrl(a.kyso, leaf, 'SHA-1');
    const status = async (f: Fetcher) =>
      parseOcspResponse(await body(await f(url))).basic!.responses[0]!.certStatus.status;
    expect(await status(fb)).toBe('good');
    const rv = await call(fa, 'POST', `/admin/credentials/${creds[1]}/revoke`, {
      token: a.operatorKey,
      json: { reason: 'superseded' },
    });
    expect(rv.status).toBe(200);
    expect(await status(fb)).toBe('revoked');
    expect(await status(fa)).toBe('revoked');
  });
});
