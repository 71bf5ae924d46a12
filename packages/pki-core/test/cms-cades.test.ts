/**
 * CAdES baseline levels: B-B, B-T with an OpenSSL TSA (`openssl ts -reply`) plugged in as the
 * TimeStamper, B-LT with validation data in SignedData.certificates/crls; verified by kyso and by
 * `openssl cms -verify`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex, utf8Encode } from '../src/bytes.js';
import { type TimeStamper, addSignatureTimeStamp, addValidationData, signCades } from '../src/cms/cades.js';
import { parseSignedDataContentInfo } from '../src/cms/signed-data.js';
import { signCms } from '../src/cms/sign.js';
import { verifyCms } from '../src/cms/verify.js';
import { TrustStore } from '../src/path/trust-store.js';
import { cmsSignerVerdict, cmsVerdict } from '../src/verdict/verdict.js';
import { type TestPki, makeTestPki } from './helpers/cms-pki.js';
import { openssl, requireTool } from './helpers/tools.js';

const CONTENT = utf8Encode('Quyết định số 45/QĐ-UBND\n');

describe.skipIf(!requireTool('openssl'))('CAdES baseline levels', () => {
  let pki: TestPki;
  let trust: TrustStore;
  let tsa: TimeStamper;
  let crl: Uint8Array;
  let calls = 0;
  beforeAll(async () => {
    pki = await makeTestPki();
    trust = new TrustStore([pki.root]);
    const d = pki.dir;
    fs.writeFileSync(
      path.join(d, 'ts.cnf'),
      `[tsa]\ndefault_tsa=t\n[t]\nserial=${d}/tsaserial\nsigner_cert=${pki.tsa.certFile}\nsigner_key=${pki.tsa.keyFile}\n` +
        `signer_digest=sha256\ndefault_policy=1.2.3.4.1\ndigests=sha256,sha384,sha512\naccuracy=secs:1\n` +
        `ess_cert_id_alg=sha256\ncerts=${pki.rootFile}\n`,
    );
    fs.writeFileSync(path.join(d, 'tsaserial'), '01\n');
    tsa = async (digest, hashAlgorithm) => {
      calls++;
      const q = path.join(d, 'q.tsq');
      const t = path.join(d, 't.tst');
      const md = `-${hashAlgorithm.replace('-', '').toLowerCase()}`;
      openssl(['ts', '-query', '-digest', toHex(digest), md, '-cert', '-no_nonce', '-out', q], {
        check: true,
      });
      openssl(['ts', '-reply', '-config', path.join(d, 'ts.cnf'), '-queryfile', q, '-token_out', '-out', t], {
        check: true,
      });
      return new Uint8Array(fs.readFileSync(t));
    };
    // A CRL from the root (empty), for B-LT.
    fs.writeFileSync(path.join(d, 'index.txt'), '');
    fs.writeFileSync(path.join(d, 'crlnumber'), '01\n');
    fs.writeFileSync(
      path.join(d, 'ca.cnf'),
      `[ca]\ndefault_ca=c\n[c]\ndatabase=${d}/index.txt\ncrlnumber=${d}/crlnumber\ndefault_md=sha256\ndefault_crl_days=7\n`,
    );
    const rootKey = path.join(d, 'Root.key');
    openssl(
      [
        'ca',
        '-gencrl',
        '-config',
        path.join(d, 'ca.cnf'),
        '-keyfile',
        rootKey,
        '-cert',
        pki.rootFile,
        '-out',
        path.join(d, 'root.crl'),
      ],
      { check: true },
    );
    crl = new Uint8Array(
      openssl(['crl', '-in', path.join(d, 'root.crl'), '-outform', 'DER'], { check: true }).stdoutBuffer,
    );
  }, 90_000);

  const opensslVerify = (sig: Uint8Array) => {
    const f = path.join(pki.dir, 'cades.der');
    fs.writeFileSync(f, sig);
    return openssl([
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
      path.join(pki.dir, 'out.bin'),
    ]);
  };

  it('B-B: signingTime and signing-certificate-v2', async () => {
    const cms = await signCades({ signer: pki.rsa.signer, content: CONTENT, level: 'B-B' });
    const r = await verifyCms(cms, { trustStore: trust, requireSigningCertificate: true });
    expect(r.valid).toBe(true);
    expect(r.signers[0]!.level).toBe('B-B');
    // The reports carry the verdicts `kyso cms verify --json` prints (the one mapping).
    expect(r.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    expect(r.signers[0]!.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    expect(r.signers[0]!.path!.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    expect(r.signers[0]!.signingTime).toBeInstanceOf(Date);
    expect(opensslVerify(cms).status).toBe(0);
  });

  it('B-T: signature time-stamp from an OpenSSL TSA; validation at genTime', async () => {
    const cms = await signCades({ signer: pki.ec.signer, content: CONTENT, level: 'B-T', timeStamper: tsa });
    const r = await verifyCms(cms, { trustStore: trust, requireSigningCertificate: true });
    const s = r.signers[0]!;
    expect(s.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(r.valid).toBe(true);
    expect(s.level).toBe('B-T');
    expect(s.timestamp!.valid).toBe(true);
    expect(s.timestamp!.tsaCertificate!.subject.toString()).toContain('tsa');
    expect(s.validationTime).toEqual(s.timestamp!.genTime);
    expect(opensslVerify(cms).status).toBe(0);
    // The token itself verifies with openssl ts -verify against the signature value.
    const sd = parseSignedDataContentInfo(cms);
    const token = sd.signerInfos[0]!.unsignedAttrs![0]!.values[0]!;
    const tf = path.join(pki.dir, 'tok.der');
    fs.writeFileSync(tf, token);
    const sigFile = path.join(pki.dir, 'sigvalue.bin');
    fs.writeFileSync(sigFile, sd.signerInfos[0]!.signature);
    const v = openssl(['ts', '-verify', '-data', sigFile, '-in', tf, '-token_in', '-CAfile', pki.rootFile]);
    expect(v.stdout).toContain('Verification: OK');
  });

  it('B-T: a token over another signature is reported (imprint mismatch), not valid', async () => {
    const cms = await signCms({ signer: pki.rsa.signer, content: CONTENT, signingTime: new Date() });
    const wrong: TimeStamper = async (_d, h) => tsa(new Uint8Array(32).fill(1), h);
    const bad = await addSignatureTimeStamp(cms, wrong);
    const r = await verifyCms(bad, { trustStore: trust });
    expect(r.valid).toBe(false);
    const line = r.signers[0]!.checks.find((c) => c.check === 'signature-time-stamp')!;
    expect(line.reason).toBe('TIMESTAMP_IMPRINT_MISMATCH');
    expect(r.signers[0]!.timestamp!.valid).toBe(false);
    expect(r.signers[0]!.verdict).toEqual({
      indication: 'TOTAL-FAILED',
      subIndication: 'HASH_FAILURE',
      reasons: ['TIMESTAMP_IMPRINT_MISMATCH'],
    });
    expect(r.verdict).toEqual(cmsVerdict(r));
  });

  it('B-T: an untrusted TSA makes the time-stamp invalid', async () => {
    const cms = await signCades({ signer: pki.rsa.signer, content: CONTENT, level: 'B-T', timeStamper: tsa });
    // Trust a store where the root is absent: both paths fail; the time-stamp line says why.
    const r = await verifyCms(cms, { trustStore: new TrustStore([]) });
    expect(r.valid).toBe(false);
    expect(r.signers[0]!.checks.find((c) => c.check === 'signature-time-stamp')!.reason).toBe(
      'TIMESTAMP_TSA_INVALID',
    );
    expect(r.verdict.indication).toBe('INDETERMINATE');
    expect(r.verdict.reasons).toEqual(expect.arrayContaining(['TIMESTAMP_TSA_INVALID']));
    expect(r.verdict).toEqual(cmsSignerVerdict(r.signers[0]!));
  });

  it('B-LT: validation data in SignedData.certificates and crls; signed bytes unchanged', async () => {
    const before = calls;
    const cms = await signCades({
      signer: pki.rsa.signer,
      content: CONTENT,
      detached: true,
      level: 'B-LT',
      timeStamper: tsa,
      validationData: { certificates: [pki.tsa.cert.der], crls: [crl] },
    });
    expect(calls).toBe(before + 1);
    const sd = parseSignedDataContentInfo(cms);
    expect(sd.crls).toHaveLength(1);
    expect(sd.certificates.some((c) => c.length === pki.tsa.cert.der.length)).toBe(true);
    const r = await verifyCms(cms, { trustStore: trust, content: CONTENT, requireSigningCertificate: true });
    expect(r.valid).toBe(true);
    expect(r.signers[0]!.level).toBe('B-LT');
    // Adding the same data again is idempotent.
    expect(addValidationData(cms, { crls: [crl] })).toEqual(cms);
    const f = path.join(pki.dir, 'lt.der');
    fs.writeFileSync(f, cms);
    fs.writeFileSync(path.join(pki.dir, 'c.txt'), CONTENT);
    const v = openssl([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      f,
      '-content',
      path.join(pki.dir, 'c.txt'),
      '-CAfile',
      pki.rootFile,
      '-purpose',
      'any',
      '-crl_check',
    ]);
    expect(v.stderr).toContain('Verification successful');
  });

  it('B-T upgrade of an OpenSSL -cades signature keeps its signed bytes', async () => {
    const out = path.join(pki.dir, 'os-cades.der');
    const data = path.join(pki.dir, 'os-data.txt');
    fs.writeFileSync(data, CONTENT);
    openssl(
      [
        'cms',
        '-sign',
        '-binary',
        '-cades',
        '-md',
        'sha256',
        '-nodetach',
        '-in',
        data,
        '-signer',
        pki.rsa.certFile,
        '-inkey',
        pki.rsa.keyFile,
        '-outform',
        'DER',
        '-out',
        out,
      ],
      { check: true },
    );
    const orig = new Uint8Array(fs.readFileSync(out));
    const bt = await addSignatureTimeStamp(orig, tsa);
    const a = parseSignedDataContentInfo(orig).signerInfos[0]!;
    const b = parseSignedDataContentInfo(bt).signerInfos[0]!;
    expect(b.signedAttrsDer).toEqual(a.signedAttrsDer);
    expect(b.signature).toEqual(a.signature);
    const r = await verifyCms(bt, { trustStore: trust, requireSigningCertificate: true });
    expect(r.valid).toBe(true);
    expect(r.signers[0]!.level).toBe('B-T');
    expect(opensslVerify(bt).status).toBe(0);
  });

  it('B-LTA without validation data is refused (B-LTA itself: cms-lta.test.ts)', async () => {
    await expect(
      signCades({ signer: pki.rsa.signer, content: CONTENT, level: 'B-LTA', timeStamper: tsa }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('B-LTA over an OpenSSL TSA: archive token verifies, openssl cms -verify still accepts', async () => {
    const cms = await signCades({
      signer: pki.ec.signer,
      content: CONTENT,
      level: 'B-LTA',
      timeStamper: tsa,
      validationData: { crls: [crl] },
    });
    const r = await verifyCms(cms, { trustStore: trust, requireSigningCertificate: true });
    expect(r.signers[0]!.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(r.signers[0]!.level).toBe('B-LTA');
    expect(opensslVerify(cms).status).toBe(0);
  });
});
