/**
 * CAdES B-LTA: archive-time-stamp-v3 with ats-hash-index-v3 (EN 319 122-1 §5.5.2-5.5.3), made with
 * kyso's own TimeStampAuthority behind a local node:http server (port 0, clock under test control).
 * Checked by kyso's verifier (positive and tampered cases), by `openssl cms -verify` (the upgraded
 * blob still verifies) and by `openssl ts -verify` (the archive token against the imprint kyso
 * computes), and through `kyso cms sign --level B-LTA`.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, toHex, utf8Encode } from '../src/bytes.js';
import { cmsCommands } from '../src/cli/cms.js';
import { runCli } from '../src/cli/framework.js';
import {
  OID_ARCHIVE_TIMESTAMP_V3,
  OID_ATS_HASH_INDEX_V3,
  archiveTimeStampV3Imprint,
  parseAtsHashIndexV3,
} from '../src/cms/archive.js';
import { type TimeStamper, addValidationData, signCades, upgradeToLta } from '../src/cms/cades.js';
import { httpTimeStamper } from '../src/cms/http-tsa.js';
import {
  encodeContentInfo,
  encodeSignedData,
  encodeSignerInfo,
  findAttributes,
  parseSignedDataContentInfo,
  singleAttributeValue,
} from '../src/cms/signed-data.js';
import { type CmsVerifyReport, verifyCms } from '../src/cms/verify.js';
import { issueCrl } from '../src/crl.js';
import { oid } from '../src/der.js';
import { digest } from '../src/crypto/hash.js';
import { importPrivateKey } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import { OID } from '../src/oids.js';
import { TrustStore } from '../src/path/trust-store.js';
import { TimeStampAuthority } from '../src/tsp/tsa.js';
import type { Certificate } from '../src/x509/certificate.js';
import { type TestPki, makeTestPki } from './helpers/cms-pki.js';
import { openssl, requireTool } from './helpers/tools.js';

const CONTENT = utf8Encode('Công văn số 12/CV-STTTT về lưu trữ dài hạn\n');
const MIN = 60_000;
const DAY = 86_400_000;

function failing(r: CmsVerifyReport) {
  return r.signers.flatMap((s) => s.checks.filter((c) => c.status !== 'passed'));
}

describe.skipIf(!requireTool('openssl'))('CAdES B-LTA (archive-time-stamp-v3)', () => {
  let pki: TestPki;
  let trust: TrustStore;
  let rootSigner: LocalSigner;
  let server: http.Server;
  let tsaUrl: string;
  let tsa: TimeStamper;
  const t0 = Date.now();
  /** The TSA's clock, moved by the tests. */
  let now = new Date(t0 + MIN);
  let crlNumber = 1;

  const crlFor = async (thisUpdate: Date, entries: { cert: Certificate; at: Date }[] = []) =>
    (
      await issueCrl({
        issuer: pki.root,
        signer: rootSigner,
        thisUpdate,
        nextUpdate: new Date(thisUpdate.getTime() + 7 * DAY),
        crlNumber: crlNumber++,
        entries: entries.map((e) => ({ serial: e.cert, revocationDate: e.at })),
      })
    ).der;

  beforeAll(async () => {
    pki = await makeTestPki();
    trust = new TrustStore([pki.root]);
    const rootKey = await importPrivateKey(fs.readFileSync(path.join(pki.dir, 'Root.key'), 'utf8'));
    rootSigner = new LocalSigner(rootKey, [pki.root.der]);
    const authority = new TimeStampAuthority({
      certificate: pki.tsa.cert,
      signer: pki.tsa.signer,
      policyOid: '1.3.6.1.4.1.99999.7.1',
      clock: () => now,
    });
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        authority.respond(new Uint8Array(Buffer.concat(chunks))).then(
          (resp) => {
            res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
            res.end(resp);
          },
          () => {
            res.writeHead(500);
            res.end();
          },
        );
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    tsaUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
    tsa = httpTimeStamper(tsaUrl);
  }, 90_000);
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  /** B-T at t0+1min, B-LT data (a CRL issued at t0+90s), B-LTA at t0+2min. */
  async function makeLta(opts: { detached?: boolean; crlEntries?: { cert: Certificate; at: Date }[] } = {}) {
    now = new Date(t0 + MIN);
    const bt = await signCades({
      signer: pki.rsa.signer,
      content: CONTENT,
      level: 'B-T',
      timeStamper: tsa,
      ...(opts.detached ? { detached: true } : {}),
    });
    const crl = await crlFor(new Date(t0 + 90_000), opts.crlEntries);
    const lt = addValidationData(bt, { certificates: [pki.tsa.cert.der], crls: [crl] });
    now = new Date(t0 + 2 * MIN);
    const lta = await upgradeToLta(lt, { timeStamper: tsa, ...(opts.detached ? { content: CONTENT } : {}) });
    return { bt, lt, lta, crl };
  }

  function atsToken(cms: Uint8Array, i = 0): Uint8Array {
    const si = parseSignedDataContentInfo(cms).signerInfos[0]!;
    return findAttributes(si.unsignedAttrs, OID_ARCHIVE_TIMESTAMP_V3).flatMap((a) => a.values)[i]!;
  }

  it('upgradeToLta adds archive-time-stamp-v3 without touching the signed bytes; kyso verifies B-LTA', async () => {
    const { lt, lta } = await makeLta();
    const a = parseSignedDataContentInfo(lt);
    const b = parseSignedDataContentInfo(lta);
    const sa = a.signerInfos[0]!;
    const sb = b.signerInfos[0]!;
    expect(sb.signedAttrsDer).toEqual(sa.signedAttrsDer);
    expect(sb.signature).toEqual(sa.signature);
    expect(b.eContent).toEqual(a.eContent);
    expect(b.certificates).toEqual(a.certificates);
    expect(b.crls).toEqual(a.crls);
    // The token carries ats-hash-index-v3 (one certificate / CRL / unsigned-attribute hash per element).
    const token = parseSignedDataContentInfo(atsToken(lta));
    const idx = parseAtsHashIndexV3(
      singleAttributeValue(token.signerInfos[0]!.unsignedAttrs, OID_ATS_HASH_INDEX_V3)!,
    );
    expect(idx.explicitAlgorithm).toBe(true);
    expect(idx.certificates).toHaveLength(a.certificates.length);
    expect(idx.crls).toHaveLength(1);
    expect(idx.unsignedAttrValues).toHaveLength(1); // the signature time-stamp token
    expect(idx.unsignedAttrValues[0]).toEqual(
      await digest('SHA-256', concatBytes(oid(OID.timeStampToken), sa.unsignedAttrs![0]!.values[0]!)),
    );

    const r = await verifyCms(lta, { trustStore: trust, requireSigningCertificate: true });
    expect(failing(r)).toEqual([]);
    expect(r.valid).toBe(true);
    const s = r.signers[0]!;
    expect(s.level).toBe('B-LTA');
    expect(s.archiveTimestamps).toHaveLength(1);
    expect(s.archiveTimestamps![0]!.genTime!.getTime()).toBe(t0 + 2 * MIN);
    // Proof of existence: the embedded CRL (issued after the signature time-stamp) answers.
    expect(s.revocationSource).toBe('embedded');
    expect(s.validationTime).toEqual(s.timestamp!.genTime);
    expect(s.path!.revocation?.[0]).toMatchObject({ status: 'good', source: 'crl' });
    // Without the archive time-stamp, B-LT does not use the embedded data (no proof it existed).
    const rl = await verifyCms(lt, { trustStore: trust });
    expect(rl.signers[0]!.level).toBe('B-LT');
    expect(rl.signers[0]!.revocationSource).toBe('none');
  });

  it("OpenSSL: cms -verify accepts the B-LTA blob; ts -verify accepts the archive token for kyso's imprint", async () => {
    const { lta } = await makeLta();
    const f = path.join(pki.dir, 'lta.der');
    fs.writeFileSync(f, lta);
    const v = openssl([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      f,
      '-CAfile',
      pki.rootFile,
      '-purpose',
      'any',
      '-out',
      path.join(pki.dir, 'lta.out'),
    ]);
    expect(v.stderr).toContain('Verification successful');
    expect(fs.readFileSync(path.join(pki.dir, 'lta.out'))).toEqual(Buffer.from(CONTENT));

    const sd = parseSignedDataContentInfo(lta);
    const si = sd.signerInfos[0]!;
    const tokenDer = atsToken(lta);
    const token = parseSignedDataContentInfo(tokenDer);
    const indexDer = singleAttributeValue(token.signerInfos[0]!.unsignedAttrs, OID_ATS_HASH_INDEX_V3)!;
    const imprint = await archiveTimeStampV3Imprint(
      sd,
      si,
      'SHA-256',
      await digest('SHA-256', CONTENT),
      indexDer,
    );
    const tf = path.join(pki.dir, 'ats.tst');
    fs.writeFileSync(tf, tokenDer);
    const ts = (hex: string) =>
      openssl([
        'ts',
        '-verify',
        '-digest',
        hex,
        '-sha256',
        '-in',
        tf,
        '-token_in',
        '-CAfile',
        pki.rootFile,
        '-untrusted',
        pki.tsa.certFile,
      ]);
    const ok = ts(toHex(imprint));
    expect(ok.stdout + ok.stderr).toContain('Verification: OK');
    const wrong = imprint.slice();
    wrong[0]! ^= 1;
    expect(ts(toHex(wrong)).status).not.toBe(0);
  });

  it('signCades level B-LTA, detached: content needed to verify; renewal adds a second archive time-stamp', async () => {
    now = new Date(t0 + 3 * MIN);
    const crl = await crlFor(new Date(t0 + 2 * MIN));
    const lta = await signCades({
      signer: pki.ec.signer,
      content: CONTENT,
      detached: true,
      level: 'B-LTA',
      timeStamper: tsa,
      validationData: { crls: [crl] },
    });
    const ok = await verifyCms(lta, { trustStore: trust, content: CONTENT, requireSigningCertificate: true });
    expect(failing(ok)).toEqual([]);
    expect(ok.signers[0]!.level).toBe('B-LTA');
    const noContent = await verifyCms(lta, { trustStore: trust });
    expect(noContent.valid).toBe(false);
    expect(noContent.signers[0]!.checks.find((c) => c.check === 'archive-time-stamp')).toMatchObject({
      status: 'indeterminate',
      reason: 'CONTENT_MISSING',
    });
    expect(noContent.signers[0]!.level).toBe('B-LT');
    await expect(upgradeToLta(lta, { timeStamper: tsa })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    now = new Date(t0 + 5 * MIN);
    const renewed = await upgradeToLta(lta, { timeStamper: tsa, content: CONTENT });
    const r = await verifyCms(renewed, { trustStore: trust, content: CONTENT });
    expect(failing(r)).toEqual([]);
    expect(r.signers[0]!.archiveTimestamps).toHaveLength(2);
    expect(r.signers[0]!.level).toBe('B-LTA');
    // The second index covers the first archive token (two unsigned attribute values).
    const tokens = [atsToken(renewed, 0), atsToken(renewed, 1)].map((t) => parseSignedDataContentInfo(t));
    const counts = tokens.map(
      (t) =>
        parseAtsHashIndexV3(singleAttributeValue(t.signerInfos[0]!.unsignedAttrs, OID_ATS_HASH_INDEX_V3)!)
          .unsignedAttrValues.length,
    );
    expect(counts.sort()).toEqual([1, 2]);
    const f = path.join(pki.dir, 'renewed.der');
    fs.writeFileSync(f, renewed);
    fs.writeFileSync(path.join(pki.dir, 'content.txt'), CONTENT);
    const v = openssl([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      f,
      '-content',
      path.join(pki.dir, 'content.txt'),
      '-CAfile',
      pki.rootFile,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    expect(v.stderr).toContain('Verification successful');
  });

  it('tampering is reported: removed validation data, content, swapped archive token', async () => {
    const { lta } = await makeLta({ detached: true });
    // Other content: message digest and archive imprint both fail.
    const other = await verifyCms(lta, { trustStore: trust, content: utf8Encode('khác') });
    expect(other.valid).toBe(false);
    expect(other.signers[0]!.checks.find((c) => c.check === 'archive-time-stamp')!.reason).toBe(
      'TIMESTAMP_IMPRINT_MISMATCH',
    );
    // The indexed CRL removed (and an OCSP-looking entry of another CRL added so the level stays B-LT).
    const sd = parseSignedDataContentInfo(lta);
    const otherCrl = await crlFor(new Date(t0 + 100_000));
    const stripped = encodeContentInfo(
      OID.signedData,
      encodeSignedData({
        digestAlgorithmsDer: sd.digestAlgorithms.map((a) => a.der),
        eContentType: sd.eContentType,
        certificates: sd.certificates,
        crls: [otherCrl],
        signerInfos: sd.signerInfos.map((s) => s.raw),
      }),
    );
    const r = await verifyCms(stripped, { trustStore: trust, content: CONTENT });
    expect(r.valid).toBe(false);
    expect(r.signers[0]!.level).toBe('B-LT');
    const line = r.signers[0]!.checks.find((c) => c.check === 'archive-time-stamp')!;
    expect(line).toMatchObject({ status: 'failed', reason: 'ATS_HASH_INDEX_INVALID' });
    expect(line.detail).toContain('crlsHashIndex');
    // Extra data added after the archive time-stamp is fine (not covered, not contradicting).
    const added = addValidationData(lta, { crls: [otherCrl] });
    expect((await verifyCms(added, { trustStore: trust, content: CONTENT })).signers[0]!.level).toBe('B-LTA');
    // An archive token of another signature: imprint mismatch.
    const { lta: another } = await makeLta({ detached: true });
    const si = sd.signerInfos[0]!;
    const swappedSi = {
      ...si,
      unsignedAttrs: si.unsignedAttrs!.map((a) =>
        a.type === OID_ARCHIVE_TIMESTAMP_V3 ? { type: a.type, values: [atsToken(another)] } : a,
      ),
    };
    const swapped = encodeContentInfo(
      OID.signedData,
      encodeSignedData({
        digestAlgorithmsDer: sd.digestAlgorithms.map((a) => a.der),
        eContentType: sd.eContentType,
        certificates: sd.certificates,
        crls: sd.crls,
        signerInfos: [
          encodeSignerInfo({
            sid: si.sid,
            digestAlgorithmDer: si.digestAlgorithm.der,
            signedAttrsDer: si.signedAttrsDer!,
            signatureAlgorithmDer: si.signatureAlgorithm.der,
            signature: si.signature,
            unsignedAttrs: swappedSi.unsignedAttrs,
          }),
        ],
      }),
    );
    const rs = await verifyCms(swapped, { trustStore: trust, content: CONTENT });
    expect(rs.valid).toBe(false);
    expect(rs.signers[0]!.level).toBe('B-LT');
    expect(rs.signers[0]!.checks.find((c) => c.check === 'archive-time-stamp')!.status).toBe('failed');
  });

  it('proof of existence: signer certificate expired at verification time; revocations after the time-stamp do not count, earlier ones do', async () => {
    // Revoked after the signature time-stamp (t0+1min) but before the CRL: still valid.
    const late = await makeLta({ crlEntries: [{ cert: pki.rsa.cert, at: new Date(t0 + 80_000) }] });
    const future = new Date(pki.rsa.cert.notAfter.getTime() + 10 * DAY);
    const r = await verifyCms(late.lta, { trustStore: trust, time: future });
    expect(failing(r)).toEqual([]);
    expect(r.signers[0]!.level).toBe('B-LTA');
    expect(r.signers[0]!.path!.revocation?.[0]?.detail).toContain('after');
    // Revoked before the signature time-stamp: the embedded CRL says revoked.
    const early = await makeLta({ crlEntries: [{ cert: pki.rsa.cert, at: new Date(t0 + 30_000) }] });
    const re = await verifyCms(early.lta, { trustStore: trust, time: future });
    expect(re.valid).toBe(false);
    expect(re.signers[0]!.checks.find((c) => c.check === 'certificate-path')!.detail).toMatch(/REVOKED/);
    // Archive time-stamp but no validation data: refused up front.
    const bt = await signCades({ signer: pki.rsa.signer, content: CONTENT, level: 'B-T', timeStamper: tsa });
    await expect(upgradeToLta(bt, { timeStamper: tsa })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('kyso cms sign --level B-LTA --tsa-url --crl; kyso cms verify reports B-LTA', async () => {
    now = new Date(t0 + 4 * MIN);
    const crlFile = path.join(pki.dir, 'cli.crl');
    fs.writeFileSync(crlFile, await crlFor(new Date(t0 + 3 * MIN)));
    const data = path.join(pki.dir, 'cli.txt');
    fs.writeFileSync(data, CONTENT);
    const sig = path.join(pki.dir, 'cli.p7s');
    let out = '';
    let err = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
    const code = await runCli(
      cmsCommands,
      [
        'cms',
        'sign',
        '--key',
        pki.ec.keyFile,
        '--cert',
        pki.ec.certFile,
        '--in',
        data,
        '--out',
        sig,
        '--detached',
        '--level',
        'B-LTA',
        '--tsa-url',
        tsaUrl,
        '--crl',
        crlFile,
      ],
      io,
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    out = '';
    const vcode = await runCli(
      cmsCommands,
      ['cms', 'verify', '--in', sig, '--content', data, '--trust', pki.rootFile, '--json'],
      io,
    );
    const rep = JSON.parse(out);
    expect(rep.signers[0].level).toBe('B-LTA');
    expect(vcode).toBe(0);
    err = '';
    expect(
      await runCli(
        cmsCommands,
        [
          'cms',
          'sign',
          '--key',
          pki.ec.keyFile,
          '--cert',
          pki.ec.certFile,
          '--in',
          data,
          '--level',
          'B-LTA',
          '--crl',
          crlFile,
        ],
        io,
      ),
    ).toBe(2);
    expect(
      await runCli(
        cmsCommands,
        [
          'cms',
          'sign',
          '--key',
          pki.ec.keyFile,
          '--cert',
          pki.ec.certFile,
          '--in',
          data,
          '--level',
          'B-LTA',
          '--tsa-url',
          tsaUrl,
        ],
        io,
      ),
    ).toBe(2);
  });
});
