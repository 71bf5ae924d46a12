/**
 * Revoking a subordinate CA through the admin API: the parent's CRL lists it at once (checked by
 * OpenSSL), its subscribers can neither authorise nor sign, it issues nothing, and a root or an
 * already revoked CA is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Crl, pemEncode, serialHex as serialHexOf } from '@kyso/pki-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { verifyAudit } from '../src/audit.js';
import { authorize, call, type Fetcher, provision, SHA256_OID, token } from './helpers/client.js';
import { OtpDevice, sha256, startTestServer, type TestServer } from './helpers/env.js';

const hasOpenssl = requireTool('openssl');
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe('admin: revoke a subordinate CA', () => {
  let s: TestServer;
  let f: Fetcher;
  beforeAll(async () => {
    s = await startTestServer('pglite');
    f = (p, init) => Promise.resolve(s.kyso.app.request(p, init));
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it.skipIf(!hasOpenssl)('revokes under the parent, stops authorisation, signing and issuance', async () => {
    const issuing = s.kyso.ca.defaultCa;
    const root = [...s.kyso.ca.cas.values()].find((c) => !c.isDefault)!;
    const p = await provision(f, s.operatorKey);
    const otp = new OtpDevice(p.otpauthUri);
    const tok = await token(f, p.clientId, p.clientSecret);
    const h = [b64(sha256('trước thu hồi'))];
    const a = await authorize(f, tok, p.credentialId, h, otp);
    expect(a.status).toBe(200);
    const op = (path: string, json?: unknown) =>
      call(f, 'POST', `/admin${path}`, { token: s.operatorKey, json });

    expect((await op(`/cas/${root.id}/revoke`, { reason: 'keyCompromise' })).status).toBe(409);
    expect((await op(`/cas/${issuing.id}/revoke`, { reason: 'nonsense' })).status).toBe(400);
    expect((await op('/cas/no-such-ca/revoke', {})).status).toBe(404);
    const r = await op(`/cas/${issuing.id}/revoke`, { reason: 'cACompromise' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ revoked: issuing.id, serial: issuing.cert.serialHex });
    expect((await op(`/cas/${issuing.id}/revoke`, {})).status).toBe(409);

    // The root's CRL lists the issuing CA, and OpenSSL refuses the issuing CA with it.
    const crlResp = await f(`/pki/crl/${root.id}.crl`);
    expect(crlResp.status).toBe(200);
    const crlDer = new Uint8Array(await crlResp.arrayBuffer());
    const crl = Crl.fromDer(crlDer);
    expect(
      new Map(crl.revoked.map((e) => [serialHexOf(e.serialNumber), e.reason])).get(issuing.cert.serialHex),
    ).toBe('cACompromise');
    const d = tmpDir();
    fs.writeFileSync(path.join(d, 'root.pem'), pemEncode('CERTIFICATE', root.cert.der));
    fs.writeFileSync(path.join(d, 'issuing.pem'), pemEncode('CERTIFICATE', issuing.cert.der));
    fs.writeFileSync(path.join(d, 'root.crl'), pemEncode('X509 CRL', crlDer));
    const v = openssl([
      'verify',
      '-crl_check',
      '-CAfile',
      path.join(d, 'root.pem'),
      '-CRLfile',
      path.join(d, 'root.crl'),
      path.join(d, 'issuing.pem'),
    ]);
    expect(v.status).not.toBe(0);
    expect(`${v.stdout}${v.stderr}`).toMatch(/certificate revoked/);

    // The SAD given before is over; no new authorisation, no new credential under this CA.
    const sig = await call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: tok,
      json: {
        credentialID: p.credentialId,
        SAD: a.body.SAD,
        hashes: h,
        hashAlgorithmOID: SHA256_OID,
        signAlgo: '1.2.840.10045.2.1',
      },
    });
    expect(sig.status).toBe(400);
    const again = await authorize(f, tok, p.credentialId, [b64(sha256('sau thu hồi'))], otp);
    expect(again.status).toBe(400);
    expect(again.body.error_description).toMatch(/issuing CA certificate is revoked/);
    const sub = await call(f, 'POST', '/admin/subscribers', {
      token: s.operatorKey,
      json: {
        kind: 'citizen',
        name: 'Người Mới',
        cccd: '079200009999',
        pin: '246810',
        province: 'Thành phố Hồ Chí Minh',
      },
    });
    expect(sub.status).toBe(201);
    const cred = await call(f, 'POST', '/admin/credentials', {
      token: s.operatorKey,
      json: { subscriberId: sub.body.id, key: { type: 'EC', curve: 'P-256' } },
    });
    expect(cred.status).toBe(409);
    expect(cred.body.error_description).toMatch(/issues nothing/);

    const rec = (
      await s.kyso.ctx.db.query<{ details: Record<string, unknown> }>(
        "SELECT details FROM audit_log WHERE action = 'ca.revoke' AND subject = $1",
        [issuing.id],
      )
    ).rows;
    expect(rec).toHaveLength(1);
    expect(rec[0]!.details).toMatchObject({ reason: 'cACompromise', parent: root.id, sadsEnded: 1 });
    expect((await verifyAudit(s.kyso.ctx.db)).ok).toBe(true);
  });
});
