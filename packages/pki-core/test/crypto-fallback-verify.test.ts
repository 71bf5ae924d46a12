/**
 * The pure-TypeScript fallback verifier (crypto/fallback-verify.ts) behind verifySignature:
 * signatures made by OpenSSL with SHA-224 / SHA-512/224 / SHA-512/256, RSASSA-PSS with a distinct
 * MGF1 hash and odd modulus sizes, and Ed448 verify; tampered ones do not. The fallback also agrees
 * with WebCrypto on the algorithms both support, and none of the verification-only algorithms can
 * ever be used for signing. (All Wycheproof vectors: test-vectors/wycheproof.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../src/bytes.js';
import { explicit, nul, oid, seq } from '../src/der.js';
import {
  assertStrongForSigning,
  encodeSignatureAlgorithm,
  parseSignatureAlgorithm,
  parseVerifyAlgorithm,
} from '../src/crypto/algorithms.js';
import { fallbackVerify, modPow, webCryptoVerifyAlgorithm } from '../src/crypto/fallback-verify.js';
import { encodePublicKeyInfo, generateKeyPair, parsePublicKeyInfo } from '../src/crypto/keys.js';
import { ML_DSA_SIZES, OID_ML_DSA_44, OID_ML_DSA_65, OID_ML_DSA_87 } from '../src/crypto/ml-dsa.js';
import { LocalSigner } from '../src/crypto/signer.js';
import type { SignatureAlgorithm, VerifyAlgorithm } from '../src/crypto/types.js';
import { verifySignature } from '../src/crypto/verify.js';
import { OID_SHA224 } from '../src/crypto/verify-hash.js';
import { isKysoError } from '../src/errors.js';
import { OID } from '../src/oids.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

const flip = (b: Uint8Array, i = b.length - 1): Uint8Array => {
  const c = b.slice();
  c[i]! ^= 1;
  return c;
};

describe('verification-only algorithm identifiers', () => {
  const sha256Id = seq(oid(OID.sha256), nul());
  const pssSha256Mgf1Sha1 = seq(oid(OID.rsassaPss), seq(explicit(0, sha256Id)));
  const pssSha224 = seq(
    oid(OID.rsassaPss),
    seq(
      explicit(0, seq(oid(OID_SHA224), nul())),
      explicit(1, seq(oid(OID.mgf1), seq(oid(OID_SHA224), nul()))),
    ),
  );

  it('parseVerifyAlgorithm accepts SHA-224/512-t RSA, Ed448 and PSS with a distinct MGF1 hash', () => {
    expect(parseVerifyAlgorithm(fromHex('300d06092a864886f70d01010e0500'))).toEqual({
      name: 'RSA-PKCS1',
      hash: 'SHA-224',
    });
    expect(parseVerifyAlgorithm(fromHex('300b06092a864886f70d01010e'))).toEqual({
      name: 'RSA-PKCS1',
      hash: 'SHA-224',
    });
    expect(parseVerifyAlgorithm(fromHex('300d06092a864886f70d01010f0500'))).toEqual({
      name: 'RSA-PKCS1',
      hash: 'SHA-512/224',
    });
    expect(parseVerifyAlgorithm(fromHex('300d06092a864886f70d0101100500'))).toEqual({
      name: 'RSA-PKCS1',
      hash: 'SHA-512/256',
    });
    expect(parseVerifyAlgorithm(fromHex('300506032b6571'))).toEqual({ name: 'Ed448' });
    expect(parseVerifyAlgorithm(pssSha256Mgf1Sha1)).toEqual({
      name: 'RSA-PSS',
      hash: 'SHA-256',
      saltLength: 20,
      mgf1Hash: 'SHA-1',
    });
    expect(parseVerifyAlgorithm(pssSha224)).toEqual({
      name: 'RSA-PSS',
      hash: 'SHA-224',
      saltLength: 20,
      mgf1Hash: 'SHA-224',
    });
    // Same hash for message and MGF1: the plain SignatureAlgorithm (stays on WebCrypto).
    expect(
      parseVerifyAlgorithm(
        seq(oid(OID.rsassaPss), seq(explicit(0, sha256Id), explicit(1, seq(oid(OID.mgf1), sha256Id)))),
      ),
    ).toEqual({ name: 'RSA-PSS', hash: 'SHA-256', saltLength: 20 });
    // Strictness kept: wrong parameters.
    expect(() => parseVerifyAlgorithm(fromHex('300706032b65710500'))).toThrow(/absent parameters/);
    expect(() => parseVerifyAlgorithm(fromHex('300e06092a864886f70d01010e020100'))).toThrow(/NULL or absent/);
  });

  it('parseSignatureAlgorithm (signing set) still refuses them', () => {
    for (const der of [
      fromHex('300d06092a864886f70d01010e0500'),
      fromHex('300506032b6571'),
      pssSha256Mgf1Sha1,
      pssSha224,
    ]) {
      try {
        parseSignatureAlgorithm(der);
        expect.unreachable();
      } catch (e) {
        expect(isKysoError(e, 'UNSUPPORTED_ALGORITHM')).toBe(true);
      }
    }
  });

  it('never signs or encodes with a verification-only hash', () => {
    const rsa = { type: 'RSA', modulusLength: 2048 } as const;
    for (const alg of [
      { name: 'RSA-PKCS1', hash: 'SHA-224' },
      { name: 'RSA-PSS', hash: 'SHA-512/256', saltLength: 32 },
    ]) {
      expect(() => assertStrongForSigning(alg as unknown as SignatureAlgorithm, rsa)).toThrow();
      expect(() => encodeSignatureAlgorithm(alg as unknown as SignatureAlgorithm)).toThrow();
    }
  });
});

describe('RSA public operation', () => {
  it('modPow matches small known values', () => {
    expect(modPow(4n, 13n, 497n)).toBe(445n);
    expect(modPow(2n, 0n, 7n)).toBe(1n);
    expect(modPow(5n, 3n, 1n)).toBe(0n);
  });
});

describe('fallback agrees with WebCrypto where both apply', () => {
  it('RSA PKCS#1 v1.5 and PSS, SHA-256/384/512, signatures from a kyso key', async () => {
    const kp = await generateKeyPair({ type: 'RSA', modulusLength: 2048 });
    const signer = new LocalSigner(kp);
    const data = new TextEncoder().encode('same answer both ways');
    const algs: SignatureAlgorithm[] = [
      { name: 'RSA-PKCS1', hash: 'SHA-256' },
      { name: 'RSA-PKCS1', hash: 'SHA-512' },
      { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 },
      { name: 'RSA-PSS', hash: 'SHA-384', saltLength: 0 },
    ];
    for (const alg of algs) {
      const sig = await signer.sign(data, alg);
      expect(webCryptoVerifyAlgorithm(kp.publicKeyInfo, alg)).toEqual(alg);
      expect(await fallbackVerify(kp.publicKeyInfo, alg, data, sig)).toBe(true);
      expect(await verifySignature(kp.publicKeyInfo, alg, data, sig)).toBe(true);
      expect(await fallbackVerify(kp.publicKeyInfo, alg, data, flip(sig))).toBe(false);
      expect(await fallbackVerify(kp.publicKeyInfo, alg, flip(data, 0), sig)).toBe(false);
      // The signature with the wrong length or >= n is rejected before RSAVP1.
      expect(await fallbackVerify(kp.publicKeyInfo, alg, data, sig.subarray(1))).toBe(false);
      expect(await fallbackVerify(kp.publicKeyInfo, alg, data, new Uint8Array(sig.length).fill(0xff))).toBe(
        false,
      );
    }
    // PSS with an explicit, equal MGF1 hash stays on WebCrypto.
    const same: VerifyAlgorithm = { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32, mgf1Hash: 'SHA-256' };
    expect(webCryptoVerifyAlgorithm(kp.publicKeyInfo, same)).toEqual({
      name: 'RSA-PSS',
      hash: 'SHA-256',
      saltLength: 32,
    });
  });
});

describe.skipIf(!requireTool('openssl'))('signatures made by OpenSSL, verified through the fallback', () => {
  const dir = tmpDir();
  const data = path.join(dir, 'data.bin');
  fs.writeFileSync(data, 'kyso fallback verification');
  const msg = new Uint8Array(fs.readFileSync(data));
  const rsaKey = (bits: number): { key: string; spki: Uint8Array } => {
    const key = path.join(dir, `rsa${bits}.pem`);
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', key], {
      check: true,
    });
    const spki = new Uint8Array(
      openssl(['pkey', '-in', key, '-pubout', '-outform', 'DER'], { check: true }).stdoutBuffer,
    );
    return { key, spki };
  };
  const sign = (key: string, md: string, ...sigopts: string[]): Uint8Array =>
    new Uint8Array(
      openssl(['dgst', `-${md}`, ...sigopts.flatMap((o) => ['-sigopt', o]), '-sign', key, data], {
        check: true,
      }).stdoutBuffer,
    );

  it('RSA PKCS#1 v1.5 with SHA-224, SHA-512/224 and SHA-512/256', async () => {
    const { key, spki } = rsaKey(2048);
    const cases = [
      ['sha224', 'SHA-224'],
      ['sha512-224', 'SHA-512/224'],
      ['sha512-256', 'SHA-512/256'],
    ] as const;
    for (const [md, hash] of cases) {
      const sig = sign(key, md);
      expect(await verifySignature(spki, { name: 'RSA-PKCS1', hash }, msg, sig)).toBe(true);
      expect(await verifySignature(spki, { name: 'RSA-PKCS1', hash }, msg, flip(sig))).toBe(false);
      expect(await verifySignature(spki, { name: 'RSA-PKCS1', hash }, flip(msg, 0), sig)).toBe(false);
      // Same digest length, other hash: the DigestInfo OID differs.
      const other = hash === 'SHA-224' ? 'SHA-512/224' : hash === 'SHA-512/224' ? 'SHA-224' : 'SHA-256';
      expect(await verifySignature(spki, { name: 'RSA-PKCS1', hash: other }, msg, sig)).toBe(false);
      // PSS with the same hash: a different encoding.
      expect(await verifySignature(spki, { name: 'RSA-PSS', hash, saltLength: 20 }, msg, sig)).toBe(false);
    }
  });

  it('RSASSA-PSS with a distinct MGF1 hash, SHA-512/t, and moduli that are not a multiple of 8 bits', async () => {
    for (const bits of [2048, 2049, 2055]) {
      const { key, spki } = rsaKey(bits);
      const cases = [
        ['sha256', 'sha1', 20, 'SHA-256', 'SHA-1'],
        ['sha512', 'sha256', 32, 'SHA-512', 'SHA-256'],
        ['sha512-256', 'sha512-256', 32, 'SHA-512/256', 'SHA-512/256'],
        ['sha224', 'sha224', 0, 'SHA-224', 'SHA-224'],
      ] as const;
      for (const [md, mgf, salt, hash, mgf1Hash] of cases) {
        const sig = sign(key, md, 'rsa_padding_mode:pss', `rsa_mgf1_md:${mgf}`, `rsa_pss_saltlen:${salt}`);
        const alg: VerifyAlgorithm = { name: 'RSA-PSS', hash, mgf1Hash, saltLength: salt };
        expect(await verifySignature(spki, alg, msg, sig), `${bits} ${md}/${mgf}`).toBe(true);
        expect(await verifySignature(spki, alg, msg, flip(sig))).toBe(false);
        expect(await verifySignature(spki, alg, flip(msg, 0), sig)).toBe(false);
        expect(await verifySignature(spki, { ...alg, saltLength: salt + 1 }, msg, sig)).toBe(false);
        const wrongMgf = mgf1Hash === 'SHA-1' ? 'SHA-256' : 'SHA-1';
        expect(await verifySignature(spki, { ...alg, mgf1Hash: wrongMgf }, msg, sig)).toBe(false);
      }
    }
  });

  it('an id-RSASSA-PSS key restricts the hash, the MGF1 hash and the minimum salt', async () => {
    const key = path.join(dir, 'pss.pem');
    openssl(
      [
        'genpkey',
        '-algorithm',
        'RSA-PSS',
        '-pkeyopt',
        'rsa_keygen_bits:2048',
        '-pkeyopt',
        'rsa_pss_keygen_md:sha256',
        '-pkeyopt',
        'rsa_pss_keygen_mgf1_md:sha1',
        '-pkeyopt',
        'rsa_pss_keygen_saltlen:20',
        '-out',
        key,
      ],
      { check: true },
    );
    const spki = new Uint8Array(
      openssl(['pkey', '-in', key, '-pubout', '-outform', 'DER'], { check: true }).stdoutBuffer,
    );
    const info = parsePublicKeyInfo(spki);
    expect(info.algorithmOid).toBe(OID.rsassaPss);
    const sig = sign(key, 'sha256', 'rsa_padding_mode:pss', 'rsa_mgf1_md:sha1', 'rsa_pss_saltlen:20');
    const alg: VerifyAlgorithm = { name: 'RSA-PSS', hash: 'SHA-256', mgf1Hash: 'SHA-1', saltLength: 20 };
    expect(await verifySignature(info, alg, msg, sig)).toBe(true);
    // The same RSA key relabelled by hand: signatures that verify under rsaEncryption are refused
    // when the id-RSASSA-PSS parameters do not allow them (other MGF1 hash, shorter salt).
    const { key: plain, spki: plainSpki } = rsaKey(2048);
    const plainInfo = parsePublicKeyInfo(plainSpki);
    const restricted = parsePublicKeyInfo(
      encodePublicKeyInfo({
        algorithmOid: OID.rsassaPss,
        parameters: seq(explicit(0, seq(oid(OID.sha256), nul()))),
        publicKey: plainInfo.publicKey,
      }),
    );
    const ok = sign(plain, 'sha256', 'rsa_padding_mode:pss', 'rsa_mgf1_md:sha1', 'rsa_pss_saltlen:20');
    expect(await verifySignature(restricted, alg, msg, ok)).toBe(true);
    const mgf256 = sign(plain, 'sha256', 'rsa_padding_mode:pss', 'rsa_mgf1_md:sha256', 'rsa_pss_saltlen:20');
    const alg256: VerifyAlgorithm = { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 20 };
    expect(await verifySignature(plainInfo, alg256, msg, mgf256)).toBe(true);
    expect(await verifySignature(restricted, alg256, msg, mgf256)).toBe(false);
    const salt10 = sign(plain, 'sha256', 'rsa_padding_mode:pss', 'rsa_mgf1_md:sha1', 'rsa_pss_saltlen:10');
    const alg10: VerifyAlgorithm = { ...alg, saltLength: 10 };
    expect(await verifySignature(plainInfo, alg10, msg, salt10)).toBe(true);
    expect(await verifySignature(restricted, alg10, msg, salt10)).toBe(false);
    // PKCS#1 v1.5 never with a PSS key.
    expect(await verifySignature(info, { name: 'RSA-PKCS1', hash: 'SHA-224' }, msg, sig)).toBe(false);
  });

  it('Ed448 (RFC 8032, pure)', async () => {
    const key = path.join(dir, 'ed448.pem');
    openssl(['genpkey', '-algorithm', 'ED448', '-out', key], { check: true });
    const spki = new Uint8Array(
      openssl(['pkey', '-in', key, '-pubout', '-outform', 'DER'], { check: true }).stdoutBuffer,
    );
    const sig = new Uint8Array(
      openssl(['pkeyutl', '-sign', '-rawin', '-inkey', key, '-in', data], { check: true }).stdoutBuffer,
    );
    expect(sig.length).toBe(114);
    expect(await verifySignature(spki, { name: 'Ed448' }, msg, sig)).toBe(true);
    expect(await verifySignature(spki, { name: 'Ed448' }, msg, flip(sig))).toBe(false);
    expect(await verifySignature(spki, { name: 'Ed448' }, flip(msg, 0), sig)).toBe(false);
    expect(await verifySignature(spki, { name: 'Ed448' }, msg, sig.subarray(1))).toBe(false);
    // Algorithm and key must fit, both ways.
    expect(await verifySignature(spki, { name: 'Ed25519' }, msg, sig)).toBe(false);
    const { spki: rsaSpki } = rsaKey(2048);
    expect(await verifySignature(rsaSpki, { name: 'Ed448' }, msg, sig)).toBe(false);
    // A key that is not a curve point is malformed input.
    const badKey = spki.slice();
    badKey.fill(0xff, badKey.length - 57);
    await expect(verifySignature(badKey, { name: 'Ed448' }, msg, sig)).rejects.toMatchObject({
      code: 'KEY_INVALID',
    });
  });
});

describe('ML-DSA (FIPS 204, RFC 9881): pure mode, empty context, parameters absent', () => {
  const sets = [
    ['ML-DSA-44', OID_ML_DSA_44, ml_dsa44],
    ['ML-DSA-65', OID_ML_DSA_65, ml_dsa65],
    ['ML-DSA-87', OID_ML_DSA_87, ml_dsa87],
  ] as const;
  const msg = new TextEncoder().encode('kyso ML-DSA verification');

  it('parseVerifyAlgorithm maps the three OIDs and refuses parameters', () => {
    for (const [set, o] of sets) {
      expect(parseVerifyAlgorithm(seq(oid(o)))).toEqual({ name: 'ML-DSA', parameterSet: set });
      expect(() => parseVerifyAlgorithm(seq(oid(o), nul()))).toThrow(/absent parameters/);
    }
  });

  for (const [set, o, impl] of sets) {
    it(`${set}: verifies its signatures and nothing else`, async () => {
      const seed = new Uint8Array(32).fill(set.length + o.length);
      const { publicKey, secretKey } = impl.keygen(seed);
      const spki = encodePublicKeyInfo({ algorithmOid: o, publicKey });
      const info = parsePublicKeyInfo(spki);
      expect(info.spec).toBeUndefined();
      const alg: VerifyAlgorithm = { name: 'ML-DSA', parameterSet: set };
      expect(webCryptoVerifyAlgorithm(info, alg)).toBeUndefined();
      const sig = impl.sign(msg, secretKey);
      expect(sig.length).toBe(ML_DSA_SIZES[set].signature);
      expect(await verifySignature(spki, alg, msg, sig)).toBe(true);
      expect(await verifySignature(spki, alg, msg, flip(sig, 10))).toBe(false);
      expect(await verifySignature(spki, alg, flip(msg, 0), sig)).toBe(false);
      expect(await verifySignature(spki, alg, msg, sig.subarray(1))).toBe(false);
      // A non-empty context (or HashML-DSA) is another message: X.509 and CMS use the empty one.
      const withCtx = impl.sign(msg, secretKey, { context: new Uint8Array([1]) });
      expect(await verifySignature(spki, alg, msg, withCtx)).toBe(false);
      // The key's parameter set must be the algorithm's; other algorithms do not fit the key.
      const other = sets.find((s) => s[0] !== set)![0];
      expect(await verifySignature(spki, { name: 'ML-DSA', parameterSet: other }, msg, sig)).toBe(false);
      expect(await verifySignature(spki, { name: 'Ed448' }, msg, sig)).toBe(false);
      expect(await verifySignature(spki, { name: 'RSA-PKCS1', hash: 'SHA-256' }, msg, sig)).toBe(false);
      // SPKI: parameters must be absent (RFC 9881 §4) and the key exactly the set's length.
      expect(() =>
        parsePublicKeyInfo(encodePublicKeyInfo({ algorithmOid: o, parameters: nul(), publicKey })),
      ).toThrow(/absent parameters/);
      expect(() =>
        parsePublicKeyInfo(encodePublicKeyInfo({ algorithmOid: o, publicKey: publicKey.subarray(1) })),
      ).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    });
  }
});
