/**
 * SHAKE256 as a verification-only CMS digest (RFC 8419): known answers for the 64-byte output,
 * the digest AlgorithmIdentifier forms (id-shake256 without parameters, id-shake256-len with 512),
 * Ed448 + SHAKE256 SignedData verifying, and the RFC 8419 pairing refused (Ed448 with SHA-512,
 * Ed25519 with SHA-256, SHAKE256 with RSA). The SignedData are built here (OpenSSL 3.0 cannot sign
 * Ed448 CMS) with node:crypto keys and certificates made by the OpenSSL CLI; the pyHanko vectors
 * ed448-shake256-nolen.pdf / ed448-disallowed-hash.pdf are checked through their CMS too.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, sign as nodeSign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../src/bytes.js';
import { verifyCms } from '../src/cms/verify.js';
import {
  OID_SHAKE256,
  OID_SHAKE256_LEN,
  cmsDigest,
  cmsDigestFromAlgorithm,
} from '../src/crypto/verify-hash.js';
import { shake256Digest, shake256Hasher } from '../src/crypto/verify-hash-digest.js';
import { implicit, integer, nul, octetString, oid, seq, setOf, utcTime } from '../src/der.js';
import { OID } from '../src/oids.js';
import { Certificate } from '../src/x509/certificate.js';
import { vectorsDir } from '../../../test-vectors/location.js';
import { requireTool } from './helpers/tools.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const enc = (s: string) => new TextEncoder().encode(s);

describe('SHAKE256 (64-byte output) known answers', () => {
  // FIPS 202 SHAKE256, d = 512 bits (also what Python hashlib.shake_256(..).hexdigest(64) gives).
  const KAT: [string, string][] = [
    [
      '',
      '46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762fd75dc4ddd8c0f200cb05019d67b592f6fc821c49479ab48640292eacb3b7c4be',
    ],
    [
      'abc',
      '483366601360a8771c6863080cc4114d8db44530f8f1e1ee4f94ea37e78b5739d5a15bef186a5386c75744c0527e1faa9f8726e462a12a4feb06bd8801e751e4',
    ],
  ];
  it('shake256Digest, cmsDigest and the incremental hasher', async () => {
    for (const [msg, want] of KAT) {
      expect(hex(shake256Digest(enc(msg)))).toBe(want);
      expect(hex(await cmsDigest('SHAKE256', enc(msg)))).toBe(want);
      const h = shake256Hasher();
      for (const ch of msg) h.update(enc(ch));
      expect(hex(h.digest())).toBe(want);
    }
    // Agrees with node:crypto (OpenSSL) on a longer input, and differs from SHA-512.
    const big = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
    const node = createHash('shake256', { outputLength: 64 }).update(big).digest('hex');
    expect(hex(shake256Digest(big))).toBe(node);
    expect(hex(await cmsDigest('SHA-512', big))).toBe(createHash('sha512').update(big).digest('hex'));
  });

  it('digest AlgorithmIdentifiers: id-shake256 absent params, id-shake256-len 512 only', () => {
    expect(OID_SHAKE256).toBe('2.16.840.1.101.3.4.2.12');
    expect(cmsDigestFromAlgorithm(OID_SHAKE256)).toBe('SHAKE256');
    expect(cmsDigestFromAlgorithm(OID_SHAKE256_LEN, integer(512))).toBe('SHAKE256');
    expect(() => cmsDigestFromAlgorithm(OID_SHAKE256_LEN, integer(256))).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_ALGORITHM' }),
    );
    expect(() => cmsDigestFromAlgorithm(OID_SHAKE256_LEN)).toThrow(
      expect.objectContaining({ code: 'ASN1_SCHEMA' }),
    );
    expect(() => cmsDigestFromAlgorithm(OID_SHAKE256, nul())).toThrow(
      expect.objectContaining({ code: 'ASN1_SCHEMA' }),
    );
    expect(cmsDigestFromAlgorithm(OID.sha512, nul())).toBe('SHA-512');
    expect(cmsDigestFromAlgorithm(OID.sha256)).toBe('SHA-256');
    // SHAKE128 and SHA3 stay unsupported.
    expect(() => cmsDigestFromAlgorithm('2.16.840.1.101.3.4.2.11')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_ALGORITHM' }),
    );
  });
});

/** A SignedData with encapsulated content signed over DER signed attributes. */
function buildSignedData(opts: {
  cert: Certificate;
  keyPem: string;
  digestAlgDer: Uint8Array;
  digestAlg: 'SHAKE256' | 'SHA-256' | 'SHA-512';
  sigAlgOid: string;
  content: Uint8Array;
}): Uint8Array {
  const md =
    opts.digestAlg === 'SHAKE256'
      ? shake256Digest(opts.content)
      : new Uint8Array(
          createHash(opts.digestAlg.replace('-', '').toLowerCase()).update(opts.content).digest(),
        );
  const attrs = setOf(
    seq(oid(OID.contentType), setOf(oid(OID.data))),
    seq(oid(OID.signingTime), setOf(utcTime(new Date('2024-01-01T00:00:00Z')))),
    seq(oid(OID.messageDigest), setOf(octetString(md))),
  );
  const key = createPrivateKey(opts.keyPem);
  const isEd = opts.sigAlgOid === OID.ed448 || opts.sigAlgOid === OID.ed25519;
  const sig = isEd
    ? new Uint8Array(nodeSign(null, attrs, key))
    : new Uint8Array(nodeSign('sha256', attrs, key));
  const signerInfo = seq(
    integer(1),
    seq(opts.cert.issuer.der, integerFromCert(opts.cert)),
    opts.digestAlgDer,
    implicit(0, attrs),
    seq(oid(opts.sigAlgOid)),
    octetString(sig),
  );
  const sd = seq(
    integer(1),
    setOf(opts.digestAlgDer),
    seq(oid(OID.data), implicitExplicit0(octetString(opts.content))),
    implicit(0, seq(opts.cert.der)),
    setOf(signerInfo),
  );
  return seq(oid(OID.signedData), implicitExplicit0(sd));
}
/** [0] EXPLICIT. */
function implicitExplicit0(inner: Uint8Array): Uint8Array {
  const len = inner.length;
  const head =
    len < 0x80 ? [0xa0, len] : len < 0x100 ? [0xa0, 0x81, len] : [0xa0, 0x82, len >> 8, len & 0xff];
  return new Uint8Array([...head, ...inner]);
}
function integerFromCert(c: Certificate): Uint8Array {
  const v = c.serialNumber;
  return new Uint8Array([0x02, v.length, ...v]);
}

const haveOpenssl = requireTool('openssl');

describe.skipIf(!haveOpenssl)('CMS: Ed448 + SHAKE256 verifies; the RFC 8419 pairing is enforced', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-'));
  const mk = (name: string, alg: string[]) => {
    const k = path.join(dir, `${name}.key`);
    const c = path.join(dir, `${name}.pem`);
    execFileSync(
      'openssl',
      ['req', '-x509', ...alg, '-nodes', '-keyout', k, '-out', c, '-subj', `/CN=${name}`, '-days', '30'],
      { stdio: 'pipe' },
    );
    return { keyPem: fs.readFileSync(k, 'utf8'), cert: Certificate.parseAll(fs.readFileSync(c))[0]! };
  };
  const ed448 = haveOpenssl ? mk('ed448', ['-newkey', 'ed448']) : undefined;
  const ed25519 = haveOpenssl ? mk('ed25519', ['-newkey', 'ed25519']) : undefined;
  const rsa = haveOpenssl ? mk('rsa', ['-newkey', 'rsa:2048']) : undefined;
  const content = enc('kyso SHAKE256 test content');
  const shakeNoLen = seq(oid(OID_SHAKE256));
  const shakeLen512 = seq(oid(OID_SHAKE256_LEN), integer(512));
  const sha = (o: string) => seq(oid(o));
  const signerChecks = async (der: Uint8Array) => {
    const rep = await verifyCms(der);
    const s = rep.signers[0]!;
    return { s, by: (n: string) => s.checks.find((c) => c.check === n) };
  };

  it('Ed448 with id-shake256 (absent parameters) and with id-shake256-len 512: message digest and signature pass', async () => {
    for (const digestAlgDer of [shakeNoLen, shakeLen512]) {
      const der = buildSignedData({
        ...ed448!,
        digestAlgDer,
        digestAlg: 'SHAKE256',
        sigAlgOid: OID.ed448,
        content,
      });
      const { s, by } = await signerChecks(der);
      expect(s.digestAlgorithm).toBe('SHAKE256');
      expect(s.signatureAlgorithm).toBe('Ed448');
      expect(by('message-digest')?.status, JSON.stringify(s.checks)).toBe('passed');
      expect(by('signature')?.status, JSON.stringify(s.checks)).toBe('passed');
      // Tampered content: the SHAKE256 digest no longer matches.
      const bad = der.slice();
      const at = Buffer.from(bad).indexOf(Buffer.from('kyso SHAKE256'));
      expect(at).toBeGreaterThan(0);
      bad[at] = bad[at]! ^ 1;
      const t = await signerChecks(bad);
      expect(t.by('message-digest')?.reason).toBe('MESSAGE_DIGEST_MISMATCH');
    }
  });

  it('Ed448 with SHA-512 is refused (failed, not indeterminate) although the digest matches', async () => {
    const der = buildSignedData({
      ...ed448!,
      digestAlgDer: sha(OID.sha512),
      digestAlg: 'SHA-512',
      sigAlgOid: OID.ed448,
      content,
    });
    const { s, by } = await signerChecks(der);
    expect(by('message-digest')?.status).toBe('passed');
    expect(by('signature')).toMatchObject({ status: 'failed', reason: 'UNSUPPORTED_ALGORITHM' });
    expect(by('signature')?.detail).toMatch(/Ed448 requires the SHAKE256 digest/);
    expect(s.valid).toBe(false);
  });

  it('Ed25519 requires SHA-512: SHA-256 refused, SHA-512 accepted', async () => {
    const good = await signerChecks(
      buildSignedData({
        ...ed25519!,
        digestAlgDer: sha(OID.sha512),
        digestAlg: 'SHA-512',
        sigAlgOid: OID.ed25519,
        content,
      }),
    );
    expect(good.by('signature')?.status, JSON.stringify(good.s.checks)).toBe('passed');
    const bad = await signerChecks(
      buildSignedData({
        ...ed25519!,
        digestAlgDer: sha(OID.sha256),
        digestAlg: 'SHA-256',
        sigAlgOid: OID.ed25519,
        content,
      }),
    );
    expect(bad.by('message-digest')?.status).toBe('passed');
    expect(bad.by('signature')).toMatchObject({ status: 'failed', reason: 'UNSUPPORTED_ALGORITHM' });
    expect(bad.by('signature')?.detail).toMatch(/Ed25519 requires the SHA-512 digest/);
  });

  it('SHAKE256 with an RSA signer is refused', async () => {
    const { by } = await signerChecks(
      buildSignedData({
        ...rsa!,
        digestAlgDer: shakeNoLen,
        digestAlg: 'SHAKE256',
        sigAlgOid: OID.sha256WithRSAEncryption,
        content,
      }),
    );
    expect(by('signature')).toMatchObject({ status: 'failed', reason: 'UNSUPPORTED_ALGORITHM' });
  });
});

describe('pyHanko Ed448 vectors through verifyCms (ByteRange digest via contentDigest)', () => {
  const PY = path.join(vectorsDir, 'pyhanko-pdf/pdf');
  const extract = (f: string) => {
    const pdf = fs.readFileSync(path.join(PY, f));
    const br = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(pdf.toString('latin1'))!;
    const [a, b, c, d] = br.slice(1).map(Number) as [number, number, number, number];
    const hexStr = pdf.subarray(a + b + 1, c - 1).toString('latin1');
    const cms = fromHex(hexStr);
    const signed = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
    return { cms, signed };
  };
  const contentDigest =
    (signed: Uint8Array) => (alg: 'SHAKE256' | 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512') =>
      cmsDigest(alg, signed);

  it('ed448-shake256-nolen.pdf: message digest and Ed448 signature pass', async () => {
    const { cms, signed } = extract('ed448-shake256-nolen.pdf');
    const rep = await verifyCms(trimDer(cms), { contentDigest: contentDigest(signed) });
    const s = rep.signers[0]!;
    expect(s.digestAlgorithm).toBe('SHAKE256');
    expect(s.checks.find((c) => c.check === 'message-digest')?.status, JSON.stringify(s.checks)).toBe(
      'passed',
    );
    expect(s.checks.find((c) => c.check === 'signature')?.status, JSON.stringify(s.checks)).toBe('passed');
    expect(s.checks.find((c) => c.check === 'algorithm-protection')?.status).toBe('passed');
  });

  it('ed448-disallowed-hash.pdf: Ed448 with SHA-512 refused', async () => {
    const { cms, signed } = extract('ed448-disallowed-hash.pdf');
    const rep = await verifyCms(trimDer(cms), { contentDigest: contentDigest(signed) });
    const sig = rep.signers[0]!.checks.find((c) => c.check === 'signature');
    expect(sig).toMatchObject({ status: 'failed', reason: 'UNSUPPORTED_ALGORITHM' });
    expect(rep.valid).toBe(false);
  });
});

/** The /Contents string is zero padded: keep exactly the outer DER element. */
function trimDer(b: Uint8Array): Uint8Array {
  if (b[0] !== 0x30) throw new Error('not a SEQUENCE');
  const l = b[1]!;
  if (l < 0x80) return b.subarray(0, 2 + l);
  const n = l & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  return b.subarray(0, 2 + n + len);
}
