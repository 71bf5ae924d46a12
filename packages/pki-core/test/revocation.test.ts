import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Crl, issueCrl } from '../src/crl.js';
import { generateKeyPair } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import { isKysoError } from '../src/errors.js';
import { createCertId } from '../src/ocsp/request.js';
import { buildBasicOcspResponse } from '../src/ocsp/response.js';
import { KysoRevocationChecker, type RevocationPolicy } from '../src/revocation/checker.js';
import { RevocationFetcher } from '../src/revocation/fetcher.js';
import type { Certificate } from '../src/x509/certificate.js';
import { issueCertificate } from '../src/x509/issue.js';

const T = new Date('2026-03-10T12:00:00Z');
const DAY = 86400_000;
const at = (days: number) => new Date(T.getTime() + days * DAY);

interface Pki {
  root: Certificate;
  rootSigner: LocalSigner;
  ca: Certificate;
  caSigner: LocalSigner;
  leaf: Certificate;
  other: Certificate;
  ocsp: Certificate;
  ocspSigner: LocalSigner;
}

let pki: Pki;
let server: http.Server;
let base = '';
/** Routes of the local test server: path -> handler. */
const routes = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>();
let hits = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits++;
    const h = routes.get(req.url ?? '');
    if (h) h(req, res);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const rootKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const rootSigner = new LocalSigner(rootKey);
  const nb = at(-30);
  const root = await issueCertificate({
    profile: 'root-ca',
    subject: 'CN=Revocation Test Root,O=Kyso,C=VN',
    publicKey: rootKey.publicKeyInfo,
    signer: rootSigner,
    notBefore: nb,
    validityDays: 3650,
  });
  const caKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const caSigner = new LocalSigner(caKey);
  const ca = await issueCertificate({
    profile: 'sub-ca',
    subject: 'CN=Revocation Test CA,O=Kyso,C=VN',
    publicKey: caKey.publicKeyInfo,
    issuer: { certificate: root, signer: rootSigner },
    notBefore: nb,
    validityDays: 1000,
    crlUrls: [`${base}/root.crl`],
  });
  const mk = async (cn: string) => {
    const k = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    return issueCertificate({
      profile: 'person-signing',
      subject: `CN=${cn},C=VN`,
      publicKey: k.publicKeyInfo,
      issuer: { certificate: ca, signer: caSigner },
      notBefore: nb,
      validityDays: 365,
      crlUrls: [`${base}/ca.crl`],
      ocspUrls: [`${base}/ocsp`],
    });
  };
  const ocspKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const ocsp = await issueCertificate({
    profile: 'ocsp-signer',
    subject: 'CN=Revocation Test OCSP,C=VN',
    publicKey: ocspKey.publicKeyInfo,
    issuer: { certificate: ca, signer: caSigner },
    notBefore: nb,
    validityDays: 365,
  });
  pki = {
    root,
    rootSigner,
    ca,
    caSigner,
    leaf: await mk('Nguyen Van A'),
    other: await mk('Tran Thi B'),
    ocsp,
    ocspSigner: new LocalSigner(ocspKey, [ocsp.der]),
  };
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const ctx = (time = T) => ({ time, path: [pki.leaf, pki.ca, pki.root], index: 0 });

function caCrl(opts: Partial<Parameters<typeof issueCrl>[0]> = {}): Promise<Crl> {
  return issueCrl({
    issuer: pki.ca,
    signer: pki.caSigner,
    thisUpdate: at(-1),
    nextUpdate: at(6),
    crlNumber: 10,
    ...opts,
  });
}

function checker(
  policy: RevocationPolicy,
  sources: ConstructorParameters<typeof KysoRevocationChecker>[1] = {},
) {
  return new KysoRevocationChecker(policy, sources);
}

describe('CRL checks', () => {
  it('good, with the CRL number, issuer and dates in the result', async () => {
    const crl = await caCrl({ entries: [{ serial: pki.other, revocationDate: at(-2) }] });
    const r = await checker({ mode: 'require' }, { crls: [crl.der] }).check(pki.leaf, pki.ca, ctx());
    expect(r.status).toBe('good');
    expect(r.source).toBe('crl');
    expect(r.crlNumber).toBe('10');
    expect(r.crlIssuer).toBe(pki.ca.subject.toString());
    expect(r.thisUpdate).toEqual(at(-1));
    expect(r.nextUpdate).toEqual(at(6));
  });

  it('revoked, with time and reason; certificateHold is reported as a revocation reason', async () => {
    const crl = await caCrl({
      entries: [
        { serial: pki.leaf, revocationDate: at(-2), reason: 'keyCompromise' },
        { serial: pki.other, revocationDate: at(-3), reason: 'certificateHold' },
      ],
    });
    const c = checker({ mode: 'require' }, { crls: [crl.toPem()] });
    const r = await c.check(pki.leaf, pki.ca, ctx());
    expect(r).toMatchObject({ status: 'revoked', source: 'crl', revocationReason: 'keyCompromise' });
    expect(r.revocationTime).toEqual(at(-2));
    const h = await c.check(pki.other, pki.ca, { ...ctx(), path: [pki.other, pki.ca, pki.root] });
    expect(h).toMatchObject({ status: 'revoked', revocationReason: 'certificateHold' });
  });

  it('freshness: expired and future CRLs are unknown; allowStaleCrls and maxCrlAge', async () => {
    const crl = await caCrl();
    const expired = await checker({ mode: 'require' }, { crls: [crl.der] }).check(
      pki.leaf,
      pki.ca,
      ctx(at(7)),
    );
    expect(expired).toMatchObject({ status: 'unknown', fatal: true, reason: 'CRL_EXPIRED' });
    const future = await checker({ mode: 'require' }, { crls: [crl.der] }).check(
      pki.leaf,
      pki.ca,
      ctx(at(-2)),
    );
    expect(future).toMatchObject({ status: 'unknown', reason: 'CRL_NOT_YET_VALID' });
    const stale = await checker({ mode: 'require', allowStaleCrls: true }, { crls: [crl.der] }).check(
      pki.leaf,
      pki.ca,
      ctx(at(7)),
    );
    expect(stale.status).toBe('good');
    const old = await checker({ mode: 'require', maxCrlAge: 3600 }, { crls: [crl.der] }).check(
      pki.leaf,
      pki.ca,
      ctx(),
    );
    expect(old).toMatchObject({ status: 'unknown', reason: 'CRL_TOO_OLD' });
  });

  it('a CRL from another issuer does not answer', async () => {
    const rootCrl = await issueCrl({
      issuer: pki.root,
      signer: pki.rootSigner,
      thisUpdate: at(-1),
      nextUpdate: at(6),
      crlNumber: 1,
    });
    // Root's CRL does not cover the leaf (issuer mismatch).
    const r = await checker({ mode: 'require' }, { crls: [rootCrl.der] }).check(pki.leaf, pki.ca, ctx());
    expect(r).toMatchObject({ status: 'unknown', reason: 'CRL_ISSUER_MISMATCH' });
  });

  it('delta CRLs: a revocation added in the delta, and removeFromCRL lifting a hold', async () => {
    const full = await caCrl({
      crlNumber: 20,
      entries: [{ serial: pki.other, revocationDate: at(-3), reason: 'certificateHold' }],
    });
    const delta = await caCrl({
      crlNumber: 21,
      deltaOf: 20,
      entries: [
        { serial: pki.leaf, revocationDate: at(-0.5), reason: 'superseded' },
        { serial: pki.other, revocationDate: at(-0.5), reason: 'removeFromCRL' },
      ],
    });
    const c = checker({ mode: 'require' }, { crls: [delta.der, full.der] });
    const r = await c.check(pki.leaf, pki.ca, ctx());
    expect(r).toMatchObject({
      status: 'revoked',
      revocationReason: 'superseded',
      crlNumber: '20',
      deltaCrlNumber: '21',
    });
    const o = await c.check(pki.other, pki.ca, { ...ctx(), path: [pki.other, pki.ca, pki.root] });
    expect(o).toMatchObject({ status: 'good', deltaCrlNumber: '21' });
    // Without deltas the hold stands.
    const nd = await checker({ mode: 'require', useDeltaCrls: false }, { crls: [delta.der, full.der] }).check(
      pki.other,
      pki.ca,
      { ...ctx(), path: [pki.other, pki.ca, pki.root] },
    );
    expect(nd).toMatchObject({ status: 'revoked', revocationReason: 'certificateHold' });
  });

  it('IDP scope: a CA-only CRL does not answer for an end entity', async () => {
    const crl = await caCrl({ idp: { onlyContainsCACerts: true } });
    const r = await checker({ mode: 'require' }, { crls: [crl.der] }).check(pki.leaf, pki.ca, ctx());
    expect(r).toMatchObject({ status: 'unknown', reason: 'CRL_SCOPE_MISMATCH' });
  });
});

describe('policy modes', () => {
  it("'off' checks nothing and says so", async () => {
    const r = await checker({ mode: 'off' }).check(pki.leaf, pki.ca, ctx());
    expect(r).toMatchObject({ status: 'not-checked', source: 'none' });
  });

  it("no data: 'require' is fatal, 'soft-fail' is not; both say why", async () => {
    const req = await checker({ mode: 'require' }).check(pki.leaf, pki.ca, ctx());
    expect(req).toMatchObject({ status: 'unknown', fatal: true, reason: 'NO_REVOCATION_DATA' });
    const soft = await checker({ mode: 'soft-fail' }).check(pki.leaf, pki.ca, ctx());
    expect(soft).toMatchObject({ status: 'unknown', fatal: false, reason: 'NO_REVOCATION_DATA' });
  });

  it('unparseable inputs are reported, not thrown', async () => {
    const c = checker({ mode: 'require' }, { crls: [new Uint8Array([0x30, 0x03, 0x02, 0x01])] });
    expect(c.inputErrors).toHaveLength(1);
    const r = await c.check(pki.leaf, pki.ca, ctx());
    expect(r.status).toBe('unknown');
    expect(r.attempts.join('\n')).toMatch(/input not usable: CRL/);
  });

  it("'prefer-ocsp' answers from OCSP even when a CRL is present; 'require' from the CRL", async () => {
    const crl = await caCrl();
    const resp = await buildBasicOcspResponse({
      signer: pki.ocspSigner,
      producedAt: at(-0.1),
      responses: [
        {
          certId: await createCertId(pki.leaf, pki.ca),
          certStatus: { status: 'revoked', revocationTime: at(-1), reason: 'keyCompromise' },
          thisUpdate: at(-0.1),
          nextUpdate: at(1),
        },
      ],
    });
    const ocspDer = await wrapSuccessful(resp);
    // The delegated responder's certificate is delivered out of band (not embedded in the response).
    const sources = { crls: [crl.der], ocspResponses: [ocspDer], certificates: [pki.ocsp] };
    const p = await checker({ mode: 'prefer-ocsp' }, sources).check(pki.leaf, pki.ca, ctx());
    expect(p).toMatchObject({ status: 'revoked', source: 'ocsp', revocationReason: 'keyCompromise' });
    expect(p.responder).toMatch(/Revocation Test OCSP.*\(delegated\)/);
    const q = await checker({ mode: 'require' }, sources).check(pki.leaf, pki.ca, ctx());
    expect(q).toMatchObject({ status: 'good', source: 'crl' });
  });

  it('an OCSP responder certificate with ocsp-nocheck is not checked', async () => {
    const r = await checker({ mode: 'require' }).check(pki.ocsp, pki.ca, {
      ...ctx(),
      path: [pki.ocsp, pki.ca, pki.root],
    });
    expect(r).toMatchObject({ status: 'not-checked', reason: 'OCSP_NOCHECK' });
  });
});

/** buildBasicOcspResponse gives the BasicOCSPResponse; wrap it into a successful OCSPResponse. */
async function wrapSuccessful(basic: Uint8Array): Promise<Uint8Array> {
  const { seq, enumerated, explicit, oid, octetString } = await import('../src/der.js');
  return seq(enumerated(0), explicit(0, seq(oid('1.3.6.1.5.5.7.48.1.1'), octetString(basic))));
}

describe('HTTP fetching (local server)', () => {
  it('fetches the CRL from the CDP, caches it until nextUpdate, and answers', async () => {
    const crl = await caCrl({
      entries: [{ serial: pki.leaf, revocationDate: at(-2), reason: 'affiliationChanged' }],
    });
    let served = 0;
    routes.set('/ca.crl', (_req, res) => {
      served++;
      res.setHeader('content-type', 'application/pkix-crl');
      res.end(Buffer.from(crl.der));
    });
    let now = T.getTime();
    const fetcher = new RevocationFetcher({ now: () => now });
    const c = checker({ mode: 'require' }, { fetcher });
    const r = await c.check(pki.leaf, pki.ca, ctx());
    expect(r).toMatchObject({ status: 'revoked', source: 'crl', revocationReason: 'affiliationChanged' });
    await c.check(pki.other, pki.ca, { ...ctx(), path: [pki.other, pki.ca, pki.root] });
    expect(served).toBe(1);
    expect(fetcher.cacheSize).toBe(1);
    now = at(7).getTime(); // past nextUpdate: fetched again
    await c.check(pki.leaf, pki.ca, ctx());
    expect(served).toBe(2);
  });

  it('fetches OCSP by POST to the AIA URL', async () => {
    const resp = await wrapSuccessful(
      await buildBasicOcspResponse({
        signer: pki.caSigner,
        responderCertificate: pki.ca,
        producedAt: at(-0.1),
        responses: [
          {
            certId: await createCertId(pki.leaf, pki.ca),
            certStatus: { status: 'good' },
            thisUpdate: at(-0.1),
            nextUpdate: at(1),
          },
        ],
      }),
    );
    let method = '';
    let contentType = '';
    routes.set('/ca.crl', (_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    routes.set('/ocsp', (req, res) => {
      method = req.method ?? '';
      contentType = String(req.headers['content-type']);
      req.resume();
      req.on('end', () => res.end(Buffer.from(resp)));
    });
    const c = checker({ mode: 'require' }, { fetcher: new RevocationFetcher() });
    const r = await c.check(pki.leaf, pki.ca, ctx());
    expect(r).toMatchObject({ status: 'good', source: 'ocsp' });
    expect(r.attempts.join('\n')).toMatch(/HTTP 503/);
    expect(method).toBe('POST');
    expect(contentType).toBe('application/ocsp-request');
  });

  it('enforces the size limit while streaming and the timeout', async () => {
    routes.set('/big.crl', (_req, res) => {
      res.write(Buffer.alloc(4096));
      res.end(Buffer.alloc(4096));
    });
    routes.set('/slow.crl', () => {
      // never answers
    });
    const f = new RevocationFetcher({ maxCrlBytes: 5000, timeoutMs: 300 });
    const big = await f.fetchCrl(`${base}/big.crl`).catch((e: unknown) => e);
    expect(isKysoError(big, 'INPUT_TOO_LARGE')).toBe(true);
    const t0 = Date.now();
    const slow = await f.fetchCrl(`${base}/slow.crl`).catch((e: unknown) => e);
    expect(isKysoError(slow, 'FETCH_FAILED')).toBe(true);
    expect((slow as Error).message).toMatch(/timed out/);
    expect(Date.now() - t0).toBeLessThan(5000);
    const scheme = await f.fetchCrl('ldap://example/crl').catch((e: unknown) => e);
    expect(isKysoError(scheme, 'FETCH_FAILED')).toBe(true);
  });

  it('an injected fetch needs no network', async () => {
    const crl = await caCrl();
    const calls: string[] = [];
    const fetcher = new RevocationFetcher({
      fetch: async (url) => {
        calls.push(url);
        return {
          status: 200,
          headers: { get: () => null },
          body: new ReadableStream<Uint8Array>({
            start(c) {
              c.enqueue(crl.der);
              c.close();
            },
          }),
        };
      },
    });
    const before = hits;
    const r = await checker({ mode: 'require' }, { fetcher }).check(pki.leaf, pki.ca, ctx());
    expect(r.status).toBe('good');
    expect(calls).toEqual([`${base}/ca.crl`]);
    expect(hits).toBe(before);
  });
});
