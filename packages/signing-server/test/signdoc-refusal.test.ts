/**
 * signDoc refuses a long-term level it cannot reach before the SAD is spent (docs/server.md,
 * "signDoc (PAdES)"), on PGlite, PostgreSQL and the SoftHSM2 vault:
 * - B-LT/B-LTA for a credential whose certificate's status the server cannot prove (an imported
 *   certificate from an external CA that publishes no OCSP or CRL): 400 invalid_request naming the
 *   certificate, audit shows no signature, and the same SAD then signs at B-T;
 * - the signer's status proved but the time-stamping authority's own status data missing after
 *   signing (its OCSP answer and the CA's CRL made unavailable): 503 temporarily_unavailable, and
 *   that SAD is spent (the signature was made).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CertificationRequest,
  generateKeyPair,
  issueCertificate,
  LocalSigner,
  Name,
  pemEncode,
} from '@kyso/pki-core';
import { congVanSample } from '../../pdf-sign/src/samples/index.js';
import { authorize, call, type Fetcher, provision, SHA256_OID, token } from './helpers/client.js';
import {
  type Backend,
  OtpDevice,
  requirePostgres,
  requireSoftHsm,
  startTestServer,
  type TestServer,
} from './helpers/env.js';

const backends: Backend[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');
if (requireSoftHsm()) backends.push('softhsm');

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const DAY = 86_400_000;

describe.each(backends)('signDoc refuses an unreachable level before the SAD is spent (%s)', (backend) => {
  let s: TestServer;
  let f: Fetcher;
  beforeAll(async () => {
    s = await startTestServer(backend);
    f = (p, init) => Promise.resolve(s.kyso.app.request(p, init));
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });
  const admin = (p: string, json: unknown) => call(f, 'POST', `/admin${p}`, { token: s.operatorKey, json });
  const signedAudits = async (credentialId: string) =>
    (
      await s.kyso.ctx.db.query<{ action: string }>(
        "SELECT action FROM audit_log WHERE subject = $1 AND action LIKE 'signature.%' ORDER BY id",
        [credentialId],
      )
    ).rows.map((r) => r.action);

  it('B-LT / B-LTA without obtainable validation data: 400, no signature, the SAD then signs at B-T', async () => {
    // An external CA (in memory) with no OCSP responder or CRL the server could fetch.
    const extKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const extSigner = new LocalSigner(extKey);
    const extRoot = await issueCertificate({
      profile: 'root-ca',
      subject: Name.fromAttributes([
        ['C', 'VN'],
        ['O', 'External Trust Provider (TEST)'],
        ['CN', 'External Root CA'],
      ]),
      publicKey: extKey.publicKeyInfo,
      signer: extSigner,
      notBefore: new Date(Date.now() - 10 * DAY),
      validityDays: 3650,
    });
    const sub = await admin('/subscribers', {
      kind: 'citizen',
      name: 'Lê Thị Ngoại',
      cccd: '001088009876',
      pin: '246810',
    });
    expect(sub.status).toBe(201);
    const cred = await admin('/credentials', {
      subscriberId: sub.body.id,
      key: { type: 'EC', curve: 'P-256' },
      issue: false,
    });
    expect(cred.status).toBe(201);
    const csr = CertificationRequest.parse(cred.body.csr);
    const cert = await issueCertificate({
      profile: 'person-signing',
      subject: csr.subject,
      publicKey: csr.publicKey,
      issuer: { certificate: extRoot, signer: extSigner },
      validityDays: 365,
    });
    const imp = await admin(`/credentials/${cred.body.credentialId}/certificate`, {
      certificate: pemEncode('CERTIFICATE', cert.der),
      chain: [pemEncode('CERTIFICATE', extRoot.der)],
    });
    expect(imp.status, JSON.stringify(imp.body)).toBe(201);
    const cl = await admin('/clients', { name: 'Cổng thử nghiệm' });
    await admin(`/clients/${cl.body.clientId}/grants`, { credentialId: cred.body.credentialId });
    const tok = await token(f, cl.body.clientId, cl.body.clientSecret);
    const otp = new OtpDevice(sub.body.otpauthUri);
    const credentialID = cred.body.credentialId as string;

    const digest = b64(crypto.randomBytes(32));
    const sad = await authorize(f, tok, credentialID, [digest], otp);
    expect(sad.status, JSON.stringify(sad.body)).toBe(200);
    const signDoc = (level: string) =>
      call(f, 'POST', '/csc/v2/signatures/signDoc', {
        token: tok,
        json: {
          credentialID,
          SAD: sad.body.SAD,
          signature_format: 'P',
          documentDigests: [{ hashes: [digest], hashAlgorithmOID: SHA256_OID, conformance_level: level }],
        },
      });
    for (const level of ['Ades-B-LT', 'Ades-B-LTA']) {
      const r = await signDoc(level);
      expect(r.status, `${level}: ${r.body.error_description ?? 'signed'}`).toBe(400);
      expect(r.body.error).toBe('invalid_request');
      // The refusal names the certificate whose status cannot be proved.
      expect(r.body.error_description).toContain('Lê Thị Ngoại');
    }
    expect(await signedAudits(credentialID)).toEqual([]);
    // The SAD was not spent: it signs at a level that needs no validation data (once).
    const ok = await signDoc('Ades-B-T');
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.SignatureObject).toHaveLength(1);
    expect(await signedAudits(credentialID)).toEqual(['signature.create']);
    const again = await signDoc('Ades-B-T');
    expect(again.status).toBe(400);
    expect(again.body.error_description).toBe('SAD already used up');
  });

  it("the TSA's status data missing after signing: 503 temporarily_unavailable, and the SAD is spent", async () => {
    const p = await provision(f, s.operatorKey);
    const tok = await token(f, p.clientId, p.clientSecret);
    const otp = new OtpDevice(p.otpauthUri);
    const pdf = b64((await congVanSample()).bytes);
    const prep = await call(f, 'POST', '/csc/v2/signatures/prepareDoc', {
      token: tok,
      json: { credentialID: p.credentialId, documents: [{ document: pdf, conformance_level: 'Ades-B-LT' }] },
    });
    expect(prep.status, JSON.stringify(prep.body)).toBe(200);
    const digest = prep.body.documentDigests[0].hash as string;
    const sad = await authorize(f, tok, p.credentialId, [digest], otp);
    expect(sad.status).toBe(200);

    // Fault: the TSA's OCSP answers and every CRL become unavailable (the signer's own status is
    // still proved by OCSP, so the check before the SAD is spent passes).
    const ca = s.kyso.ca;
    const tsa = ca.defaultCa.tsa!.certificate;
    const tsaSerial = Buffer.from(tsa.serialHex.replace(/^(00)+/, ''), 'hex');
    const ocsp = ca.ocsp.bind(ca);
    const currentCrl = ca.currentCrl.bind(ca);
    ca.ocsp = async (der: Uint8Array) =>
      Buffer.from(der).includes(tsaSerial) ? new Uint8Array(0) : ocsp(der);
    ca.currentCrl = async () => {
      throw new Error('CRL unavailable (test fault)');
    };
    try {
      const r = await call(f, 'POST', '/csc/v2/signatures/signDoc', {
        token: tok,
        json: {
          credentialID: p.credentialId,
          SAD: sad.body.SAD,
          documents: [{ document: pdf, conformance_level: 'Ades-B-LT' }],
        },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(503);
      expect(r.body.error).toBe('temporarily_unavailable');
      expect(r.body.error_description).toMatch(/^the signature was made but /);
    } finally {
      ca.ocsp = ocsp;
      ca.currentCrl = currentCrl;
    }
    // The signature was made, so the SAD is spent.
    expect(await signedAudits(p.credentialId)).toEqual(['signature.create']);
    const again = await call(f, 'POST', '/csc/v2/signatures/signDoc', {
      token: tok,
      json: {
        credentialID: p.credentialId,
        SAD: sad.body.SAD,
        documents: [{ document: pdf, conformance_level: 'Ades-B-LT' }],
      },
    });
    expect(again.status).toBe(400);
    expect(again.body.error_description).toBe('SAD already used up');
  });
});
