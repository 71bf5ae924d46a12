/**
 * The agencies' SDK (`@kyso/signing-server/client`) and signDoc, over the Hono app (PGlite):
 * RemoteSigner (ECDSA, RSA PKCS#1 v1.5, RSA-PSS) in pdf-sign's two-step flow; signDoc with
 * documentDigests (CMS back) and with documents after prepareDoc (signed PDF back, B-B..B-LTA);
 * a digest the SAD does not cover is refused with invalid_hash and nothing is signed; the client
 * entry point imports no server or Node module.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedSignature, preparePdfSignature, signPreparedDigest, verifyPdfIntegrity } from '@kyso/pdf-sign';
import { congVanSample } from '../../pdf-sign/src/samples/index.js';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { spawnSync } from 'node:child_process';
import { CscClient, CscError, fromBase64, RemoteSigner, SHA256_OID } from '../src/client/index.js';
import { OtpDevice, startTestServer, type TestServer } from './helpers/env.js';
import { type Fetcher, provision } from './helpers/client.js';

const hasPdfsig = requireTool('pdfsig');

function pdfsigOk(pdf: Uint8Array): { ok: boolean; out: string } {
  const d = tmpDir();
  const f = path.join(d, 'signed.pdf');
  fs.writeFileSync(f, pdf);
  const r = spawnSync('pdfsig', ['-nocert', f], { encoding: 'utf8' });
  return { ok: r.status === 0 && /Signature is Valid/.test(r.stdout), out: r.stdout + r.stderr };
}

describe('SDK and signDoc (pglite)', () => {
  let s: TestServer;
  let f: Fetcher;
  let sample: Uint8Array;
  beforeAll(async () => {
    s = await startTestServer('pglite', { KYSO_DOCUMENT_LIMIT_BYTES: String(2 * 1024 * 1024) });
    f = (p, init) => Promise.resolve(s.kyso.app.request(p, init));
    sample = (await congVanSample()).bytes;
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  const fetchVia: typeof fetch = (input, init) =>
    Promise.resolve(s.kyso.app.request(typeof input === 'string' ? input : (input as Request).url, init));

  async function setup(key: { type: 'EC' | 'RSA'; curve?: string; modulusLength?: number }) {
    const p = await provision(f, s.operatorKey, key);
    const csc = new CscClient({
      baseUrl: 'http://kyso.test',
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      fetch: fetchVia,
    });
    return { p, csc, otp: new OtpDevice(p.otpauthUri) };
  }

  for (const [name, key, alg] of [
    ['ECDSA P-256', { type: 'EC', curve: 'P-256' }, undefined],
    ['RSA PKCS#1 v1.5', { type: 'RSA', modulusLength: 2048 }, { name: 'RSA-PKCS1', hash: 'SHA-256' }],
    ['RSA-PSS', { type: 'RSA', modulusLength: 2048 }, { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 }],
  ] as const) {
    it(`RemoteSigner (${name}) signs a PDF in three lines of pdf-sign's two-step flow`, async () => {
      const { p, csc, otp } = await setup(key);
      const seen: string[] = [];
      const signer = await RemoteSigner.open(csc, p.credentialId, {
        authorize: async (hashes) => {
          seen.push(...hashes);
          return csc.authorize({ credentialID: p.credentialId, hashes, pin: '246810', otp: otp.next() });
        },
      });
      const prepared = await preparePdfSignature(sample, { signerCertificate: signer.certificate });
      const signed = embedSignature(
        prepared,
        await signPreparedDigest(prepared, signer, alg ? { signatureAlgorithm: alg } : {}),
      );
      expect(seen).toHaveLength(1);
      const report = await verifyPdfIntegrity(signed);
      expect(report.ok, JSON.stringify(report.signatures[0]?.checks)).toBe(true);
      if (hasPdfsig) expect(pdfsigOk(signed).ok, pdfsigOk(signed).out).toBe(true);
    });
  }

  it('signDoc with documentDigests: the SAD must cover the digest; CMS back with a time-stamp and validation info', async () => {
    const { p, csc, otp } = await setup({ type: 'EC', curve: 'P-256' });
    const info = await csc.credentialInfo(p.credentialId);
    const leaf = fromBase64(info.cert.certificates[0]!);
    const { Certificate } = await import('@kyso/pki-core');
    const prepared = await preparePdfSignature(sample, {
      signerCertificate: Certificate.fromDer(leaf),
      placeholderSize: 24 * 1024,
    });
    const { SAD } = await csc.authorize({
      credentialID: p.credentialId,
      hashes: [prepared.digest],
      pin: '246810',
      otp: otp.next(),
    });
    // A different digest under this SAD: 403 invalid_hash, and the SAD is still usable.
    const other = new Uint8Array(prepared.digest);
    other[0]! ^= 1;
    await expect(
      csc.signDoc({ credentialID: p.credentialId, SAD, documentDigests: [{ hashes: [other] }] }),
    ).rejects.toMatchObject({ status: 403, error: 'invalid_hash' });
    const r = await csc.signDoc({
      credentialID: p.credentialId,
      SAD,
      documentDigests: [{ hashes: [prepared.digest], conformance_level: 'Ades-B-T' }],
      returnValidationInfo: true,
    });
    expect(r.SignatureObject).toHaveLength(1);
    expect(r.validationInfo!.ocsp.length).toBeGreaterThan(0);
    expect(r.validationInfo!.certificates.length).toBeGreaterThanOrEqual(3);
    const signed = embedSignature(prepared, fromBase64(r.SignatureObject![0]!));
    const report = await verifyPdfIntegrity(signed);
    expect(report.ok).toBe(true);
    expect(report.signatures[0]!.timestamp).toBeInstanceOf(Date);
    // Used once.
    await expect(
      csc.signDoc({ credentialID: p.credentialId, SAD, documentDigests: [{ hashes: [prepared.digest] }] }),
    ).rejects.toBeInstanceOf(CscError);
  });

  for (const level of ['Ades-B-B', 'Ades-B-LT', 'Ades-B-LTA'] as const) {
    it(`signDoc with documents (prepareDoc first), ${level}: the signed PDF verifies`, async () => {
      const { p, csc, otp } = await setup({ type: 'EC', curve: 'P-256' });
      const prep = await csc.prepareDoc({
        credentialID: p.credentialId,
        documents: [
          { document: sample, conformance_level: level, label: 'Công văn số 12', reason: 'Ký duyệt' },
        ],
      });
      expect(prep.documentDigests[0]!.label).toBe('Công văn số 12');
      // The digest is not the hash of the original file: it is the prepared document's ByteRange digest.
      const { SAD } = await csc.authorize({
        credentialID: p.credentialId,
        hashes: prep.documentDigests.map((d) => d.hash),
        pin: '246810',
        otp: otp.next(),
      });
      const r = await csc.signDoc({
        credentialID: p.credentialId,
        SAD,
        documents: [{ document: sample, conformance_level: level }],
      });
      const signed = fromBase64(r.DocumentWithSignature![0]!);
      expect(Buffer.from(signed.subarray(0, sample.length)).equals(Buffer.from(sample))).toBe(true);
      const report = await verifyPdfIntegrity(signed);
      expect(report.ok, JSON.stringify(report.signatures.map((x) => x.checks))).toBe(true);
      expect(report.signatures).toHaveLength(level === 'Ades-B-LTA' ? 2 : 1);
      const text = Buffer.from(signed).toString('latin1');
      if (level !== 'Ades-B-B') expect(text).toContain('/DSS');
      if (hasPdfsig) expect(pdfsigOk(signed).ok, pdfsigOk(signed).out).toBe(true);
    });
  }

  it('signDoc with documents: an unprepared or changed document and an uncovered SAD are refused', async () => {
    const { p, csc, otp } = await setup({ type: 'EC', curve: 'P-256' });
    const prep = await csc.prepareDoc({ credentialID: p.credentialId, documents: [{ document: sample }] });
    const { SAD } = await csc.authorize({
      credentialID: p.credentialId,
      hashes: [new Uint8Array(32).fill(7)],
      pin: '246810',
      otp: otp.next(),
    });
    await expect(
      csc.signDoc({ credentialID: p.credentialId, SAD, documents: [{ document: sample }] }),
    ).rejects.toMatchObject({ status: 403, error: 'invalid_hash' });
    const changed = new Uint8Array(sample);
    changed[changed.length - 10] = (changed[changed.length - 10] ?? 0) ^ 1;
    await expect(
      csc.signDoc({ credentialID: p.credentialId, SAD, documents: [{ document: changed }] }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      csc.signDoc({
        credentialID: p.credentialId,
        SAD,
        documents: [{ document: new TextEncoder().encode('not a pdf') }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(prep.hashAlgorithmOID).toBe(SHA256_OID);
  });

  it('documents larger than the document limit are refused with 413', async () => {
    const big = new Uint8Array(s.config.documentLimitBytes + 1024).fill(0x41);
    const r = await f('/csc/v2/signatures/signDoc', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      body: JSON.stringify({
        credentialID: 'c',
        documents: [{ document: Buffer.from(big).toString('base64') }],
      }),
    });
    expect(r.status).toBe(413);
  });

  it('the client entry point imports nothing from the server or Node', () => {
    const dir = path.join(import.meta.dirname, '../src/client');
    for (const file of fs.readdirSync(dir)) {
      const src = fs.readFileSync(path.join(dir, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const m of src.matchAll(/from '([^']+)'/g)) {
        const spec = m[1]!;
        expect(spec.startsWith('node:') || spec.startsWith('../'), `${file} imports ${spec}`).toBe(false);
        expect(['@kyso/pki-core'].includes(spec) || spec.startsWith('./'), `${file} imports ${spec}`).toBe(
          true,
        );
      }
      expect(src).not.toMatch(/\bBuffer\.|\bprocess\./);
    }
  });
});
