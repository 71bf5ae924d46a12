/**
 * End to end over HTTP (Hono app.request): the full flow of issue 5 and the attack tests, on
 * PGlite, on PostgreSQL (fresh schema) and with the SoftHSM2 PKCS#11 vault.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Certificate, pemDecode, pemEncode } from '@kyso/pki-core';
import { createCertId, buildOcspRequest } from '../../pki-core/src/ocsp/request.js';
import { parseOcspResponse } from '../../pki-core/src/ocsp/response.js';
import { buildAndValidatePath, TrustStore } from '../../pki-core/src/path/index.js';
import { openssl, requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { Crl, serialHex as serialHexOf } from '@kyso/pki-core';
import { verifyAudit } from '../src/audit.js';
import {
  type Backend,
  OtpDevice,
  requirePostgres,
  requireSoftHsm,
  sha256,
  startTestServer,
  type TestServer,
} from './helpers/env.js';
import { authorize, call, type Fetcher, provision, SHA256_OID, token } from './helpers/client.js';

const hasOpenssl = requireTool('openssl');
const backends: Backend[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');
if (requireSoftHsm()) backends.push('softhsm');

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe.each(backends)('signing server over HTTP (%s)', (backend) => {
  let s: TestServer;
  let f: Fetcher;
  beforeAll(async () => {
    s = await startTestServer(backend);
    f = (p, init) => Promise.resolve(s.kyso.app.request(p, init));
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  async function ocspStatus(cert: Certificate): Promise<string> {
    const ca = s.kyso.ca.defaultCa;
    const req = buildOcspRequest({ certIds: [await createCertId(cert, ca.cert, 'SHA-256')], nonce: true });
    const r = await f('/pki/ocsp', {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body: Buffer.from(req.der),
    });
    expect(r.status).toBe(200);
    const resp = parseOcspResponse(new Uint8Array(await r.arrayBuffer()));
    expect(resp.status).toBe('successful');
    return resp.basic!.responses[0]!.certStatus.status;
  }

  function verifyWithOpenssl(certPem: string, hash: Buffer, sigB64: string, opts: string[]): boolean {
    const d = tmpDir();
    fs.writeFileSync(path.join(d, 'c.pem'), certPem);
    fs.writeFileSync(path.join(d, 'h.bin'), hash);
    fs.writeFileSync(path.join(d, 's.bin'), Buffer.from(sigB64, 'base64'));
    const r = openssl([
      'pkeyutl',
      '-verify',
      '-certin',
      '-inkey',
      path.join(d, 'c.pem'),
      '-in',
      path.join(d, 'h.bin'),
      '-sigfile',
      path.join(d, 's.bin'),
      ...opts,
    ]);
    return r.status === 0 && /Signature Verified Successfully/.test(r.stdout);
  }

  it('full flow: enrol, issue, list, authorize PIN+OTP, signHash, OpenSSL verify, chain, OCSP, revoke', async () => {
    const p = await provision(f, s.operatorKey);
    const otp = new OtpDevice(p.otpauthUri);
    const tok = await token(f, p.clientId, p.clientSecret);

    const list = await call(f, 'POST', '/csc/v2/credentials/list', {
      token: tok,
      json: { credentialInfo: true, certificates: 'chain', certInfo: true },
    });
    expect(list.status).toBe(200);
    expect(list.body.credentialIDs).toEqual([p.credentialId]);
    const info = await call(f, 'POST', '/csc/v2/credentials/info', {
      token: tok,
      json: { credentialID: p.credentialId, certificates: 'chain', certInfo: true },
    });
    expect(info.status).toBe(200);
    expect(info.body.SCAL).toBe('2');
    expect(info.body.auth.expression).toBe('PIN AND OTP');
    expect(info.body.cert.status).toBe('valid');
    const chain = (info.body.cert.certificates as string[]).map((c) =>
      Certificate.fromDer(new Uint8Array(Buffer.from(c, 'base64'))),
    );
    expect(chain).toHaveLength(3);
    const leaf = chain[0]!;
    expect(leaf.subject.toString()).toContain('Nguyễn Văn An');

    // Chain validates with the pki-core validator.
    const report = await buildAndValidatePath({
      leaf,
      intermediates: [chain[1]!],
      trustStore: new TrustStore([chain[2]!]),
      time: new Date(),
    });
    expect(report.valid, report.detail ?? '').toBe(true);

    // Authorise two hashes (SCAL2) and sign them in one call; order is kept.
    const docs = [sha256('tờ khai 1'), sha256('tờ khai 2')];
    const auth = await authorize(f, tok, p.credentialId, docs.map(b64), otp);
    expect(auth.status, JSON.stringify(auth.body)).toBe(200);
    expect(auth.body.expiresIn).toBe(300);
    const sig = await call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: tok,
      json: {
        credentialID: p.credentialId,
        SAD: auth.body.SAD,
        hashes: docs.map(b64),
        hashAlgorithmOID: SHA256_OID,
        signAlgo: '1.2.840.10045.4.3.2',
      },
    });
    expect(sig.status, JSON.stringify(sig.body)).toBe(200);
    expect(sig.body.signatures).toHaveLength(2);
    const certPem = pemEncode('CERTIFICATE', leaf.der);
    for (let i = 0; i < 2; i++) {
      // Independent check with node:crypto too (ECDSA over the prehash = verify with the raw digest).
      const pub = crypto.createPublicKey(certPem);
      expect(
        crypto.verify(
          null,
          docs[i]!,
          { key: pub, dsaEncoding: 'der' },
          Buffer.from(sig.body.signatures[i], 'base64'),
        ),
      ).toBe(false);
      if (hasOpenssl) expect(verifyWithOpenssl(certPem, docs[i]!, sig.body.signatures[i], [])).toBe(true);
      // swapped order must not verify
      if (hasOpenssl)
        expect(verifyWithOpenssl(certPem, docs[1 - i]!, sig.body.signatures[i], [])).toBe(false);
    }

    // OCSP good, then revoke: OCSP revoked and CRL lists it in the same request cycle.
    expect(await ocspStatus(leaf)).toBe('good');
    const rv = await call(f, 'POST', `/admin/credentials/${p.credentialId}/revoke`, {
      token: s.operatorKey,
      json: { reason: 'keyCompromise' },
    });
    expect(rv.status).toBe(200);
    expect(await ocspStatus(leaf)).toBe('revoked');
    const caId = s.kyso.ca.defaultCa.id;
    const crlRes = await f(`/pki/crl/${caId}.crl`);
    expect(crlRes.status).toBe(200);
    const crl = Crl.fromDer(new Uint8Array(await crlRes.arrayBuffer()));
    expect(crl.revoked.map((e) => serialHexOf(e.serialNumber))).toContain(leaf.serialHex);

    // Signing is refused with a revoked certificate (Decree 23/2025 Art. 15).
    const doc3 = [b64(sha256('tờ khai 3'))];
    const auth2 = await authorize(f, tok, p.credentialId, doc3, otp);
    expect(auth2.status).toBe(400);
    expect(auth2.body.error_description).toMatch(/revoked/);

    const audit = await verifyAudit(s.kyso.ctx.db);
    expect(audit.ok).toBe(true);
    const actions = (
      await s.kyso.ctx.db.query<{ action: string }>('SELECT action FROM audit_log ORDER BY seq')
    ).rows.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'subscriber.enrol',
        'key.generate',
        'certificate.issue',
        'authorize.success',
        'signature.create',
        'certificate.revoke',
      ]),
    );
  });

  it('RSA credential: PKCS#1 v1.5 and RSA-PSS signatures verify with OpenSSL', async () => {
    const p = await provision(f, s.operatorKey, { type: 'RSA', modulusLength: 2048 }, 'Trần Thị Bình');
    const otp = new OtpDevice(p.otpauthUri);
    const tok = await token(f, p.clientId, p.clientSecret);
    const h = [sha256('công văn'), sha256('quyết định')];
    const a = await authorize(f, tok, p.credentialId, h.map(b64), otp);
    expect(a.status).toBe(200);
    const pkcs1 = await call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: tok,
      json: {
        credentialID: p.credentialId,
        SAD: a.body.SAD,
        hashes: [b64(h[0]!)],
        hashAlgorithmOID: SHA256_OID,
        signAlgo: '1.2.840.113549.1.1.1',
      },
    });
    expect(pkcs1.status, JSON.stringify(pkcs1.body)).toBe(200);
    // PSS params: SHA-256, MGF1-SHA-256, salt 32.
    const pssParams = Buffer.from(
      '3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120',
      'hex',
    );
    const pss = await call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: tok,
      json: {
        credentialID: p.credentialId,
        SAD: a.body.SAD,
        hashes: [b64(h[1]!)],
        hashAlgorithmOID: SHA256_OID,
        signAlgo: '1.2.840.113549.1.1.10',
        signAlgoParams: pssParams.toString('base64'),
      },
    });
    expect(pss.status, JSON.stringify(pss.body)).toBe(200);
    if (hasOpenssl) {
      expect(
        verifyWithOpenssl(p.certificatePem, h[0]!, pkcs1.body.signatures[0], ['-pkeyopt', 'digest:sha256']),
      ).toBe(true);
      expect(
        verifyWithOpenssl(p.certificatePem, h[1]!, pss.body.signatures[0], [
          '-pkeyopt',
          'digest:sha256',
          '-pkeyopt',
          'rsa_padding_mode:pss',
          '-pkeyopt',
          'rsa_pss_saltlen:32',
        ]),
      ).toBe(true);
    }
  });

  it('attacks: replay, other hash, other client, other credential, expired SAD', async () => {
    const p = await provision(f, s.operatorKey, { type: 'EC', curve: 'P-256' }, 'Lê Văn Cường');
    const q = await provision(f, s.operatorKey, { type: 'EC', curve: 'P-256' }, 'Phạm Thị Dung');
    const otp = new OtpDevice(p.otpauthUri);
    const tok = await token(f, p.clientId, p.clientSecret);
    const tokQ = await token(f, q.clientId, q.clientSecret);
    const h = b64(sha256('hồ sơ'));
    const sign = (t: string, cred: string, sad: string, hashes: string[]) =>
      call(f, 'POST', '/csc/v2/signatures/signHash', {
        token: t,
        json: {
          credentialID: cred,
          SAD: sad,
          hashes,
          hashAlgorithmOID: SHA256_OID,
          signAlgo: '1.2.840.10045.4.3.2',
        },
      });

    const a = await authorize(f, tok, p.credentialId, [h], otp);
    expect(a.status).toBe(200);
    // other hash
    const other = await sign(tok, p.credentialId, a.body.SAD, [b64(sha256('tampered'))]);
    expect(other.status).toBe(400);
    expect(other.body).toEqual({
      error: 'invalid_request',
      error_description: 'Hash is not authorized by the SAD',
    });
    // other client (q's client is not granted p's credential; and using its own credential the SAD does not match)
    expect((await sign(tokQ, p.credentialId, a.body.SAD, [h])).status).toBe(400);
    expect((await sign(tokQ, q.credentialId, a.body.SAD, [h])).body.error_description).toBe('Invalid SAD');
    // legit use, then replay
    expect((await sign(tok, p.credentialId, a.body.SAD, [h])).status).toBe(200);
    const replay = await sign(tok, p.credentialId, a.body.SAD, [h]);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_request');
    // other credential of the same client
    await call(f, 'POST', `/admin/clients/${p.clientId}/grants`, {
      token: s.operatorKey,
      json: { credentialId: q.credentialId },
    });
    const h2 = b64(sha256('hồ sơ 2'));
    const a2 = await authorize(f, tok, p.credentialId, [h2], otp);
    expect((await sign(tok, q.credentialId, a2.body.SAD, [h2])).body.error_description).toBe('Invalid SAD');
    // expired SAD: move its expiry into the past (as if 5 minutes had passed)
    await s.kyso.ctx.db.query(
      "UPDATE sads SET expires_at = now() - interval '1 second' WHERE sad_hash = $1",
      [new Uint8Array(sha256(a2.body.SAD))],
    );
    const exp = await sign(tok, p.credentialId, a2.body.SAD, [h2]);
    expect(exp.status).toBe(400);
    expect(exp.body.error_description).toBe('SAD expired');
    // every refusal is audited
    const refused = await s.kyso.ctx.db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM audit_log WHERE action = 'signature.refused'",
    );
    expect(Number(refused.rows[0]!.n)).toBeGreaterThanOrEqual(4);
  });

  it('50 parallel signHash with a count-1 SAD: exactly one succeeds', async () => {
    const p = await provision(f, s.operatorKey, { type: 'EC', curve: 'P-256' }, 'Võ Văn Em');
    const otp = new OtpDevice(p.otpauthUri);
    const tok = await token(f, p.clientId, p.clientSecret);
    const h = b64(sha256('một lần'));
    const a = await authorize(f, tok, p.credentialId, [h], otp);
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call(f, 'POST', '/csc/v2/signatures/signHash', {
          token: tok,
          json: {
            credentialID: p.credentialId,
            SAD: a.body.SAD,
            hashes: [h],
            hashAlgorithmOID: SHA256_OID,
            signAlgo: '1.2.840.10045.4.3.2',
          },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(49);
    const n = await s.kyso.ctx.db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM audit_log WHERE action = 'signature.create' AND subject = $1",
      [p.credentialId],
    );
    expect(n.rows[0]!.n).toBe('1');
  });

  it('PIN brute force locks the subscriber after 5 failures; operator unlocks', async () => {
    const p = await provision(f, s.operatorKey, { type: 'EC', curve: 'P-256' }, 'Đỗ Thị Giang');
    const otp = new OtpDevice(p.otpauthUri);
    const tok = await token(f, p.clientId, p.clientSecret);
    const h = [b64(sha256('brute'))];
    const guesses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => authorize(f, tok, p.credentialId, h, otp, `00000${i}`)),
    );
    expect(guesses.every((g) => g.status === 400)).toBe(true);
    const right = await authorize(f, tok, p.credentialId, h, otp);
    expect(right.status).toBe(400);
    expect(right.body.error_description).toMatch(/locked/);
    const st = await call(f, 'GET', `/admin/subscribers/${p.subscriberId}`, { token: s.operatorKey });
    expect(st.body.locked).toBe(true);
    // wrong OTP also counts, and an OTP is single-use
    expect(
      (await call(f, 'POST', `/admin/subscribers/${p.subscriberId}/unlock`, { token: s.operatorKey })).status,
    ).toBe(200);
    const code = otp.next();
    const body = (otpv: string) => ({
      credentialID: p.credentialId,
      numSignatures: 1,
      hashes: h,
      hashAlgorithmOID: SHA256_OID,
      authData: [
        { id: 'PIN', value: '246810' },
        { id: 'OTP', value: otpv },
      ],
    });
    expect(
      (await call(f, 'POST', '/csc/v2/credentials/authorize', { token: tok, json: body(code) })).status,
    ).toBe(200);
    const reuse = await call(f, 'POST', '/csc/v2/credentials/authorize', { token: tok, json: body(code) });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_otp');
  });

  it('bad input is a 4xx CSC error, never a 500', async () => {
    const p = await provision(f, s.operatorKey, { type: 'EC', curve: 'P-256' }, 'Hoàng Văn Hải');
    const tok = await token(f, p.clientId, p.clientSecret);
    const cases: [string, RequestInit][] = [
      [
        '/csc/v2/signatures/signHash',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
          body: '{"credentialID":',
        },
      ],
      [
        '/csc/v2/signatures/signHash',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
          body: JSON.stringify({ credentialID: 1, SAD: 'x', hashes: 'no', signAlgo: 'x' }),
        },
      ],
      [
        '/csc/v2/signatures/signHash',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
          body: JSON.stringify({
            credentialID: p.credentialId,
            SAD: 'x',
            hashes: ['!!!!!!!!!!!!!!!!'],
            signAlgo: '1.2.3',
          }),
        },
      ],
      [
        '/csc/v2/signatures/signHash',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
          body: JSON.stringify({
            credentialID: p.credentialId,
            SAD: 'x',
            hashes: [b64(sha256('a'))],
            hashAlgorithmOID: SHA256_OID,
            signAlgo: '1.2.840.113549.1.1.10',
            signAlgoParams: 'AAAA',
          }),
        },
      ],
      [
        '/csc/v2/credentials/authorize',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
          body: JSON.stringify({
            credentialID: p.credentialId,
            numSignatures: 1,
            hashes: [b64(sha256('a'))],
            hashAlgorithmOID: '1.3.14.3.2.26',
          }),
        },
      ],
      [
        '/csc/v2/credentials/authorize',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
          body: '[]',
        },
      ],
      [
        '/csc/v2/credentials/info',
        {
          method: 'POST',
          headers: { 'content-type': 'text/plain', authorization: `Bearer ${tok}` },
          body: 'x',
        },
      ],
      [
        '/csc/v2/credentials/info',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      ],
      [
        '/csc/v2/oauth2/token',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&client_id=x&client_secret=y',
        },
      ],
      [
        '/csc/v2/oauth2/token',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=password',
        },
      ],
      [
        '/admin/subscribers',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${s.operatorKey}` },
          body: JSON.stringify({ kind: 'alien', name: 'x', pin: '123456' }),
        },
      ],
      ['/admin/subscribers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
      [
        '/pki/ocsp',
        { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: 'garbage' },
      ],
      ['/pki/crl/nope.crl', { method: 'GET' }],
      ['/nowhere', { method: 'GET' }],
    ];
    for (const [url, init] of cases) {
      const r = await f(url, init);
      const ct = r.headers.get('content-type') ?? '';
      if (url === '/pki/ocsp') {
        // OCSP answers malformedRequest inside a 200 OCSPResponse, as RFC 6960 says.
        expect(r.status).toBe(200);
        expect(Buffer.from(await r.arrayBuffer()).toString('hex')).toBe('30030a0101');
        continue;
      }
      expect(r.status, `${url} ${String(init.body)}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${url} ${String(init.body)}`).toBeLessThan(500);
      expect(ct).toContain('application/json');
      const b = (await r.json()) as Record<string, string>;
      expect(typeof b.error).toBe('string');
      expect(typeof b.error_description).toBe('string');
    }
    const big = await f('/csc/v2/signatures/signHash', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
      body: JSON.stringify({
        credentialID: p.credentialId,
        SAD: 'x',
        hashes: Array.from({ length: 20000 }, () => b64(sha256('x'))),
        signAlgo: '1.2.840.10045.4.3.2',
      }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toBe('invalid_request');
  });
});
