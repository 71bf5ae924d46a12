import { beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes.js';
import { isKysoError } from '../src/errors.js';
import {
  algorithmIdentifiersEqual,
  assertStrongForSigning,
  defaultSignatureAlgorithm,
  encodeSignatureAlgorithm,
  parseSignatureAlgorithm,
  rsaPss,
  signatureAlgorithmsForKey,
} from '../src/crypto/algorithms.js';
import {
  digest,
  hashAlgorithmIdentifier,
  hashFromOid,
  hashLength,
  parseHashAlgorithmIdentifier,
} from '../src/crypto/hash.js';
import {
  encodePublicKeyInfo,
  exportJwk,
  exportPkcs8,
  exportPkcs8Pem,
  exportPublicJwk,
  exportSpki,
  exportSpkiPem,
  generateKeyPair,
  importJwk,
  importPrivateKey,
  importPublicJwk,
  importPublicKey,
  type KeyPair,
  keyIdentifier,
  parsePublicKeyInfo,
  privateKeyFromPkcs8,
} from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import type { KeySpec, SignatureAlgorithm } from '../src/crypto/types.js';
import {
  clearVerifyKeyCache,
  ecdsaDerToP1363,
  ecdsaP1363ToDer,
  verifyKeyCacheSize,
  verifySignature,
} from '../src/crypto/verify.js';

const data = new TextEncoder().encode('kyso: ký số cho nền hành chính không giấy tờ');

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(isKysoError(e), String(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    return;
  }
  throw new Error(`expected KysoError ${code}`);
}

describe('hash', () => {
  it('digests with known answers', async () => {
    const abc = new TextEncoder().encode('abc');
    expect(toHex(await digest('SHA-256', abc))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(toHex(await digest('SHA-1', abc))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect((await digest('SHA-384', abc)).length).toBe(48);
    expect((await digest('SHA-512', abc)).length).toBe(64);
    expect(hashLength('SHA-512')).toBe(64);
  });

  it('encodes AlgorithmIdentifier without params and parses absent or NULL', () => {
    expect(toHex(hashAlgorithmIdentifier('SHA-256'))).toBe('300b0609608648016503040201');
    expect(toHex(hashAlgorithmIdentifier('SHA-256', { nullParams: true }))).toBe(
      '300d06096086480165030402010500',
    );
    expect(parseHashAlgorithmIdentifier(fromHex('300b0609608648016503040201'))).toBe('SHA-256');
    expect(parseHashAlgorithmIdentifier(fromHex('300d06096086480165030402010500'))).toBe('SHA-256');
    expect(hashFromOid('1.3.14.3.2.26')).toBe('SHA-1');
  });

  it('rejects unknown hashes and bad params', async () => {
    await expectCode(() => hashFromOid('1.2.840.113549.2.5'), 'UNSUPPORTED_ALGORITHM'); // MD5
    await expectCode(
      () => parseHashAlgorithmIdentifier(fromHex('300e060960864801650304020104010a')),
      'ASN1_SCHEMA',
    );
    await expectCode(
      () => parseHashAlgorithmIdentifier(fromHex('300d0609608648016503040201050000')),
      'DER_MALFORMED',
    );
  });
});

describe('signature AlgorithmIdentifier', () => {
  const cases: [SignatureAlgorithm, string][] = [
    [{ name: 'RSA-PKCS1', hash: 'SHA-256' }, '300d06092a864886f70d01010b0500'],
    [{ name: 'RSA-PKCS1', hash: 'SHA-384' }, '300d06092a864886f70d01010c0500'],
    [{ name: 'RSA-PKCS1', hash: 'SHA-512' }, '300d06092a864886f70d01010d0500'],
    [{ name: 'ECDSA', hash: 'SHA-256' }, '300a06082a8648ce3d040302'],
    [{ name: 'ECDSA', hash: 'SHA-384' }, '300a06082a8648ce3d040303'],
    [{ name: 'ECDSA', hash: 'SHA-512' }, '300a06082a8648ce3d040304'],
    [{ name: 'Ed25519' }, '300506032b6570'],
    [
      { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 },
      '304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120',
    ],
  ];
  for (const [alg, hex] of cases) {
    it(`round-trips ${JSON.stringify(alg)}`, () => {
      expect(toHex(encodeSignatureAlgorithm(alg))).toBe(hex);
      expect(parseSignatureAlgorithm(fromHex(hex))).toEqual(alg);
    });
  }

  it('omits DEFAULT PSS fields and parses defaults as SHA-1/20 (parse only)', () => {
    expect(parseSignatureAlgorithm(fromHex('300d06092a864886f70d01010a3000'))).toEqual({
      name: 'RSA-PSS',
      hash: 'SHA-1',
      saltLength: 20,
    });
    const enc = encodeSignatureAlgorithm({ name: 'RSA-PSS', hash: 'SHA-256', saltLength: 20 });
    expect(toHex(enc)).not.toContain('a203');
    expect(parseSignatureAlgorithm(enc)).toEqual({ name: 'RSA-PSS', hash: 'SHA-256', saltLength: 20 });
    expect(() => encodeSignatureAlgorithm({ name: 'RSA-PSS', hash: 'SHA-1', saltLength: 20 })).toThrow(
      /SHA-1/,
    );
    expect(
      toHex(
        encodeSignatureAlgorithm({ name: 'RSA-PSS', hash: 'SHA-1', saltLength: 20 }, { allowSha1: true }),
      ),
    ).toBe('300d06092a864886f70d01010a3000');
  });

  it('parses SHA-1 algorithms for verification', () => {
    expect(parseSignatureAlgorithm(fromHex('300d06092a864886f70d0101050500'))).toEqual({
      name: 'RSA-PKCS1',
      hash: 'SHA-1',
    });
    expect(parseSignatureAlgorithm(fromHex('300906072a8648ce3d0401'))).toEqual({
      name: 'ECDSA',
      hash: 'SHA-1',
    });
  });

  it('is strict about parameters', async () => {
    // RSA PKCS#1 with absent parameters is accepted when parsing (Chromium, Go, OpenSSL do)...
    expect(parseSignatureAlgorithm(fromHex('300b06092a864886f70d01010b'))).toEqual({
      name: 'RSA-PKCS1',
      hash: 'SHA-256',
    });
    // ...but anything other than NULL or absent is not
    await expectCode(
      () => parseSignatureAlgorithm(fromHex('300e06092a864886f70d01010b020100')),
      'ASN1_SCHEMA',
    );
    // ECDSA with NULL
    await expectCode(() => parseSignatureAlgorithm(fromHex('300c06082a8648ce3d0403020500')), 'ASN1_SCHEMA');
    // Ed25519 with NULL
    await expectCode(() => parseSignatureAlgorithm(fromHex('300706032b65700500')), 'ASN1_SCHEMA');
    // PSS without params
    await expectCode(() => parseSignatureAlgorithm(fromHex('300b06092a864886f70d01010a')), 'ASN1_SCHEMA');
    // PSS with explicit default trailerField [3] INTEGER 1
    await expectCode(
      () => parseSignatureAlgorithm(fromHex('301206092a864886f70d01010a3005a303020101')),
      'ASN1_SCHEMA',
    );
    // PSS with trailerField 2
    await expectCode(
      () => parseSignatureAlgorithm(fromHex('301206092a864886f70d01010a3005a303020102')),
      'UNSUPPORTED_ALGORITHM',
    );
    // PSS with explicit default saltLength 20
    await expectCode(
      () => parseSignatureAlgorithm(fromHex('301206092a864886f70d01010a3005a203020114')),
      'ASN1_SCHEMA',
    );
    // PSS SHA-256 with MGF1-SHA-1 default (mismatch)
    await expectCode(
      () =>
        parseSignatureAlgorithm(
          fromHex('302306092a864886f70d01010a3016a00f300d06096086480165030402010500a203020120'),
        ),
      'UNSUPPORTED_ALGORITHM',
    );
    // md5WithRSAEncryption
    await expectCode(
      () => parseSignatureAlgorithm(fromHex('300d06092a864886f70d0101040500')),
      'UNSUPPORTED_ALGORITHM',
    );
    // trailing data
    await expectCode(() => parseSignatureAlgorithm(fromHex('300a06082a8648ce3d04030200')), 'DER_MALFORMED');
  });

  it('compares encodings byte for byte', () => {
    expect(
      algorithmIdentifiersEqual(
        fromHex('300d06092a864886f70d01010b0500'),
        encodeSignatureAlgorithm({ name: 'RSA-PKCS1', hash: 'SHA-256' }),
      ),
    ).toBe(true);
    expect(
      algorithmIdentifiersEqual(
        fromHex('300d06092a864886f70d01010b0500'),
        fromHex('300b06092a864886f70d01010b'),
      ),
    ).toBe(false);
  });

  it('picks defaults per key', () => {
    expect(defaultSignatureAlgorithm({ type: 'RSA', modulusLength: 3072 })).toEqual({
      name: 'RSA-PKCS1',
      hash: 'SHA-256',
    });
    expect(defaultSignatureAlgorithm({ type: 'EC', curve: 'P-256' })).toEqual({
      name: 'ECDSA',
      hash: 'SHA-256',
    });
    expect(defaultSignatureAlgorithm({ type: 'EC', curve: 'P-384' })).toEqual({
      name: 'ECDSA',
      hash: 'SHA-384',
    });
    expect(defaultSignatureAlgorithm({ type: 'EC', curve: 'P-521' })).toEqual({
      name: 'ECDSA',
      hash: 'SHA-512',
    });
    expect(defaultSignatureAlgorithm({ type: 'Ed25519' })).toEqual({ name: 'Ed25519' });
  });

  it('refuses weak algorithms for signing', async () => {
    await expectCode(
      () =>
        assertStrongForSigning({ name: 'RSA-PKCS1', hash: 'SHA-1' }, { type: 'RSA', modulusLength: 2048 }),
      'WEAK_ALGORITHM',
    );
    await expectCode(
      () => assertStrongForSigning({ name: 'ECDSA', hash: 'SHA-1' }, { type: 'EC', curve: 'P-256' }),
      'WEAK_ALGORITHM',
    );
    await expectCode(
      () => assertStrongForSigning(rsaPss('SHA-256'), { type: 'RSA', modulusLength: 1024 }),
      'WEAK_ALGORITHM',
    );
    await expectCode(
      () =>
        assertStrongForSigning({ name: 'RSA-PKCS1', hash: 'SHA-256' }, { type: 'RSA', modulusLength: 2047 }),
      'WEAK_ALGORITHM',
    );
    await expectCode(
      () =>
        assertStrongForSigning({ name: 'ECDSA', hash: 'SHA-256' }, { type: 'EC', curve: 'P-192' as 'P-256' }),
      'UNSUPPORTED_ALGORITHM',
    );
    await expectCode(
      () => assertStrongForSigning({ name: 'ECDSA', hash: 'SHA-256' }, { type: 'RSA', modulusLength: 2048 }),
      'KEY_INVALID',
    );
    expect(() =>
      assertStrongForSigning({ name: 'RSA-PKCS1', hash: 'SHA-256' }, { type: 'RSA', modulusLength: 2048 }),
    ).not.toThrow();
    await expectCode(generateKeyPair({ type: 'RSA', modulusLength: 1024 }), 'WEAK_ALGORITHM');
  });
});

const SPECS: KeySpec[] = [
  { type: 'RSA', modulusLength: 2048 },
  { type: 'EC', curve: 'P-256' },
  { type: 'EC', curve: 'P-384' },
  { type: 'EC', curve: 'P-521' },
  { type: 'Ed25519' },
];

describe('keys, signing and verification', () => {
  const keys = new Map<string, KeyPair>();
  const name = (s: KeySpec) =>
    s.type === 'RSA' ? `RSA-${s.modulusLength}` : s.type === 'EC' ? s.curve : s.type;
  beforeAll(async () => {
    for (const s of SPECS) keys.set(name(s), await generateKeyPair(s));
  });

  it('generates RSA 3072 and 4096 with the right spec', async () => {
    for (const modulusLength of [3072, 4096]) {
      const kp = await generateKeyPair({ type: 'RSA', modulusLength });
      expect(kp.spec).toEqual({ type: 'RSA', modulusLength });
      expect(parsePublicKeyInfo(kp.publicKeyInfo.der).spec).toEqual({ type: 'RSA', modulusLength });
      const s = new LocalSigner(kp);
      const sig = await s.sign(data, rsaPss('SHA-384'));
      expect(sig.length).toBe(modulusLength / 8);
      expect(await verifySignature(kp.publicKeyInfo, rsaPss('SHA-384'), data, sig)).toBe(true);
    }
  });

  for (const spec of SPECS) {
    describe(name(spec), () => {
      it('signs and verifies with every strong scheme; rejects tampering', async () => {
        const kp = keys.get(name(spec))!;
        expect(kp.spec).toEqual(spec);
        expect(kp.publicKeyInfo.spec).toEqual(spec);
        const signer = new LocalSigner(kp);
        expect(signer.algorithms[0]).toEqual(defaultSignatureAlgorithm(spec));
        expect(signer.algorithms).toEqual(signatureAlgorithmsForKey(spec));
        if (spec.type === 'RSA') expect(signer.algorithms.length).toBe(6);
        for (const alg of signer.algorithms) {
          const sig = await signer.sign(data, alg);
          expect(await verifySignature(kp.publicKeyInfo, alg, data, sig), JSON.stringify(alg)).toBe(true);
          expect(await verifySignature(kp.publicKeyInfo.der, alg, data, sig)).toBe(true);
          const bad = data.slice();
          bad[0]! ^= 1;
          expect(await verifySignature(kp.publicKeyInfo, alg, bad, sig)).toBe(false);
          const badSig = sig.slice();
          badSig[badSig.length - 1]! ^= 1;
          expect(await verifySignature(kp.publicKeyInfo, alg, data, badSig)).toBe(false);
          expect(await verifySignature(kp.publicKeyInfo, alg, data, sig.subarray(0, sig.length - 1))).toBe(
            false,
          );
        }
        // default algorithm
        expect(
          await verifySignature(kp.publicKeyInfo, signer.algorithms[0]!, data, await signer.sign(data)),
        ).toBe(true);
      });

      it('refuses SHA-1 for signing, still verifies SHA-1 (old data)', async () => {
        const kp = keys.get(name(spec))!;
        const signer = new LocalSigner(kp);
        if (spec.type === 'Ed25519') return;
        const sha1: SignatureAlgorithm =
          spec.type === 'RSA' ? { name: 'RSA-PKCS1', hash: 'SHA-1' } : { name: 'ECDSA', hash: 'SHA-1' };
        await expectCode(signer.sign(data, sha1), 'WEAK_ALGORITHM');
      });

      it('round-trips PKCS#8 DER/PEM, SPKI DER/PEM and JWK', async () => {
        const kp = keys.get(name(spec))!;
        const p8 = await exportPkcs8(kp);
        const fromDer = await privateKeyFromPkcs8(p8);
        expect(toHex(fromDer.publicKeyInfo.der)).toBe(toHex(kp.publicKeyInfo.der));
        const pem = await exportPkcs8Pem(kp);
        expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
        const fromPem = await importPrivateKey(pem);
        expect(toHex(fromPem.publicKeyInfo.der)).toBe(toHex(kp.publicKeyInfo.der));
        expect(toHex(await exportPkcs8(fromPem))).toBe(toHex(p8));

        const spkiPem = exportSpkiPem(kp);
        expect(toHex(importPublicKey(spkiPem).der)).toBe(toHex(exportSpki(kp)));
        expect(toHex(importPublicKey(exportSpki(kp)).der)).toBe(toHex(exportSpki(kp)));

        const jwk = await exportJwk(kp);
        expect(jwk.d).toBeTypeOf('string');
        expect(jwk.alg).toBeUndefined();
        const fromJwk = await importJwk(jwk);
        expect(toHex(fromJwk.publicKeyInfo.der)).toBe(toHex(kp.publicKeyInfo.der));
        const pubJwk = await exportPublicJwk(kp);
        expect(pubJwk.d).toBeUndefined();
        expect(await exportPublicJwk(kp.publicKeyInfo)).toEqual(pubJwk);
        expect(toHex((await importPublicJwk(pubJwk)).der)).toBe(toHex(kp.publicKeyInfo.der));
        await expectCode(importJwk(pubJwk), 'KEY_INVALID');

        // a re-imported key signs, the original verifies
        const alg = defaultSignatureAlgorithm(spec);
        const sig = await new LocalSigner(fromJwk).sign(data, alg);
        expect(await verifySignature(kp.publicKeyInfo, alg, data, sig)).toBe(true);
      });

      it('supports non-extractable keys', async () => {
        const kp = keys.get(name(spec))!;
        const ne = await privateKeyFromPkcs8(await exportPkcs8(kp), { extractable: false });
        expect(ne.privateKey.extractable).toBe(false);
        await expectCode(exportPkcs8(ne), 'KEY_INVALID');
        await expectCode(exportJwk(ne), 'KEY_INVALID');
        const signer = new LocalSigner(ne);
        for (const alg of signer.algorithms) {
          expect(await verifySignature(kp.publicKeyInfo, alg, data, await signer.sign(data, alg))).toBe(true);
        }
      });

      it('keeps private material out of JSON and strings', async () => {
        const kp = keys.get(name(spec))!;
        const jwk = await exportJwk(kp);
        const json = JSON.stringify({ kp, signer: new LocalSigner(kp) });
        expect(json).not.toContain(jwk.d!);
        expect(String(kp)).not.toContain(jwk.d!);
        const { inspect } = await import('node:util');
        expect(inspect(kp, { depth: 5 })).not.toContain(jwk.d!);
        expect(JSON.parse(json).kp.spki).toBeTypeOf('string');
      });
    });
  }

  it('generates a non-extractable key directly', async () => {
    for (const spec of [
      { type: 'RSA', modulusLength: 2048 },
      { type: 'EC', curve: 'P-256' },
    ] as KeySpec[]) {
      const kp = await generateKeyPair(spec, { extractable: false });
      expect(kp.privateKey.extractable).toBe(false);
      const s = new LocalSigner(kp);
      const alg = s.algorithms.at(-1)!;
      expect(await verifySignature(kp.publicKeyInfo, alg, data, await s.sign(data, alg))).toBe(true);
    }
  });

  it('returns false for an algorithm that does not fit the key', async () => {
    const rsa = keys.get('RSA-2048')!;
    const ec = keys.get('P-256')!;
    const sig = await new LocalSigner(ec).sign(data);
    expect(await verifySignature(rsa.publicKeyInfo, { name: 'ECDSA', hash: 'SHA-256' }, data, sig)).toBe(
      false,
    );
    const rsaSig = await new LocalSigner(rsa).sign(data);
    // PKCS#1 v1.5 signature presented as PSS
    expect(await verifySignature(rsa.publicKeyInfo, rsaPss('SHA-256'), data, rsaSig)).toBe(false);
    // wrong key
    expect(
      await verifySignature(keys.get('P-384')!.publicKeyInfo, { name: 'ECDSA', hash: 'SHA-256' }, data, sig),
    ).toBe(false);
  });

  it('honours the PSS salt length and the key restrictions of id-RSASSA-PSS keys', async () => {
    const rsa = keys.get('RSA-2048')!;
    const signer = new LocalSigner(rsa);
    const salt0: SignatureAlgorithm = { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 0 };
    const sig0 = await signer.sign(data, salt0);
    expect(await verifySignature(rsa.publicKeyInfo, salt0, data, sig0)).toBe(true);
    expect(await verifySignature(rsa.publicKeyInfo, rsaPss('SHA-256'), data, sig0)).toBe(false);
    // the same key labelled id-RSASSA-PSS with params (SHA-256, salt 32)
    const params = encodeSignatureAlgorithm(rsaPss('SHA-256')).subarray(13); // strip SEQ header + OID
    const pssSpki = encodePublicKeyInfo({
      algorithmOid: '1.2.840.113549.1.1.10',
      parameters: params,
      publicKey: rsa.publicKeyInfo.publicKey,
    });
    const info = parsePublicKeyInfo(pssSpki);
    expect(info.spec).toEqual({ type: 'RSA', modulusLength: 2048 });
    const sig32 = await signer.sign(data, rsaPss('SHA-256'));
    expect(await verifySignature(info, rsaPss('SHA-256'), data, sig32)).toBe(true);
    expect(await verifySignature(info, salt0, data, sig0)).toBe(false); // salt shorter than the key's
    expect(
      await verifySignature(info, { name: 'RSA-PKCS1', hash: 'SHA-256' }, data, await signer.sign(data)),
    ).toBe(false);
    const s384 = await signer.sign(data, rsaPss('SHA-384'));
    expect(await verifySignature(info, rsaPss('SHA-384'), data, s384)).toBe(false); // hash differs from the key's
    // without params: any PSS
    const bare = parsePublicKeyInfo(
      encodePublicKeyInfo({ algorithmOid: '1.2.840.113549.1.1.10', publicKey: rsa.publicKeyInfo.publicKey }),
    );
    expect(await verifySignature(bare, rsaPss('SHA-384'), data, s384)).toBe(true);
  });

  it('caches imported verification keys in a bounded LRU', async () => {
    clearVerifyKeyCache();
    const kp = keys.get('P-256')!;
    const s = new LocalSigner(kp);
    const sig = await s.sign(data);
    for (let i = 0; i < 5; i++)
      expect(await verifySignature(kp.publicKeyInfo, s.algorithms[0]!, data, sig)).toBe(true);
    expect(verifyKeyCacheSize()).toBe(1);
  });

  it('computes RFC 5280 method-1 key identifiers', async () => {
    const kp = keys.get('P-256')!;
    const kid = await keyIdentifier(kp.publicKeyInfo.der);
    expect(toHex(kid)).toBe(toHex(await digest('SHA-1', kp.publicKeyInfo.publicKey)));
    expect(kid.length).toBe(20);
  });
});

describe('ECDSA signature encodings', () => {
  it('converts both ways and is strict', async () => {
    const p = new Uint8Array(64);
    p[31] = 1;
    p[32] = 0x80;
    const der = ecdsaP1363ToDer(p);
    expect(toHex(der)).toBe(`3026020101022100${'80'}${'00'.repeat(31)}`);
    expect(toHex(ecdsaDerToP1363(der, 'P-256'))).toBe(toHex(p));
    // negative r
    await expectCode(() => ecdsaDerToP1363(fromHex('3006020180020101'), 'P-256'), 'SIGNATURE_INVALID');
    // zero r
    await expectCode(() => ecdsaDerToP1363(fromHex('3006020100020101'), 'P-256'), 'SIGNATURE_INVALID');
    // non-minimal integer
    await expectCode(() => ecdsaDerToP1363(fromHex('300702020001020101'), 'P-256'), 'DER_MALFORMED');
    // trailing data
    await expectCode(() => ecdsaDerToP1363(fromHex('300602010102010100'), 'P-256'), 'DER_MALFORMED');
    // too wide
    await expectCode(
      () => ecdsaDerToP1363(ecdsaP1363ToDer(new Uint8Array(66).fill(1)), 'P-256'),
      'SIGNATURE_INVALID',
    );
    // long-form length where short suffices
    await expectCode(() => ecdsaDerToP1363(fromHex('308106020101020101'), 'P-256'), 'DER_MALFORMED');
  });

  it('verify returns false for non-DER variants of a valid signature', async () => {
    const kp = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const alg: SignatureAlgorithm = { name: 'ECDSA', hash: 'SHA-256' };
    const sig = await new LocalSigner(kp).sign(data, alg);
    expect(await verifySignature(kp.publicKeyInfo, alg, data, sig)).toBe(true);
    const withTrailer = new Uint8Array([...sig, 0]);
    expect(await verifySignature(kp.publicKeyInfo, alg, data, withTrailer)).toBe(false);
    // BER long-form outer length
    const ber = new Uint8Array([0x30, 0x81, sig[1]!, ...sig.subarray(2)]);
    expect(await verifySignature(kp.publicKeyInfo, alg, data, ber)).toBe(false);
    // raw P1363 instead of DER
    expect(await verifySignature(kp.publicKeyInfo, alg, data, ecdsaDerToP1363(sig, 'P-256'))).toBe(false);
  });
});

describe('SubjectPublicKeyInfo parsing', () => {
  it('rejects explicit curve parameters and bad keys', async () => {
    const kp = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const explicitParams = encodePublicKeyInfo({
      algorithmOid: '1.2.840.10045.2.1',
      parameters: fromHex('3003020101'),
      publicKey: kp.publicKeyInfo.publicKey,
    });
    await expectCode(() => parsePublicKeyInfo(explicitParams), 'UNSUPPORTED_ALGORITHM');
    const badPoint = encodePublicKeyInfo({
      algorithmOid: '1.2.840.10045.2.1',
      parameters: kp.publicKeyInfo.parameters!,
      publicKey: kp.publicKeyInfo.publicKey.subarray(1),
    });
    await expectCode(() => parsePublicKeyInfo(badPoint), 'KEY_INVALID');
    const trailing = new Uint8Array([...kp.publicKeyInfo.der, 0]);
    await expectCode(() => parsePublicKeyInfo(trailing), 'DER_MALFORMED');
    const rsaNoNull = encodePublicKeyInfo({
      algorithmOid: '1.2.840.113549.1.1.1',
      publicKey: fromHex('3006020103020103'),
    });
    await expectCode(() => parsePublicKeyInfo(rsaNoNull), 'ASN1_SCHEMA');
    // unknown named curve: parses without a spec
    const k1 = parsePublicKeyInfo(
      encodePublicKeyInfo({
        algorithmOid: '1.2.840.10045.2.1',
        parameters: fromHex('06052b8104000a'),
        publicKey: kp.publicKeyInfo.publicKey,
      }),
    );
    expect(k1.spec).toBeUndefined();
    await expectCode(
      verifySignature(k1, { name: 'ECDSA', hash: 'SHA-256' }, data, new Uint8Array(8)),
      'UNSUPPORTED_ALGORITHM',
    );
  });

  it('derives RSA modulus size from the key', async () => {
    const kp = await generateKeyPair({ type: 'RSA', modulusLength: 2048 });
    expect(parsePublicKeyInfo(kp.publicKeyInfo.der).spec).toEqual({ type: 'RSA', modulusLength: 2048 });
    expect(kp.publicKeyInfo.parameters && toHex(kp.publicKeyInfo.parameters)).toBe('0500');
  });
});

describe('hostile input', () => {
  it('mutated SPKIs, AlgorithmIdentifiers and private keys throw only KysoError', async () => {
    const fc = await import('fast-check');
    const kps = await Promise.all([
      generateKeyPair({ type: 'RSA', modulusLength: 2048 }),
      generateKeyPair({ type: 'EC', curve: 'P-256' }),
      generateKeyPair({ type: 'Ed25519' }),
    ]);
    const spkis = kps.map((k) => k.publicKeyInfo.der);
    const algs = [
      encodeSignatureAlgorithm(rsaPss('SHA-512')),
      encodeSignatureAlgorithm({ name: 'RSA-PKCS1', hash: 'SHA-256' }),
      encodeSignatureAlgorithm({ name: 'ECDSA', hash: 'SHA-384' }),
    ];
    const mutate = (buf: Uint8Array, pos: number, val: number, cut: number) => {
      const b = buf.slice(0, Math.max(1, buf.length - cut));
      b[pos % b.length] = val;
      return b;
    };
    const onlyKyso = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (!isKysoError(e)) throw e;
      }
    };
    fc.assert(
      fc.property(
        fc.nat(2),
        fc.nat(4096),
        fc.integer({ min: 0, max: 255 }),
        fc.nat(3),
        (i, pos, val, cut) => {
          onlyKyso(() => parsePublicKeyInfo(mutate(spkis[i]!, pos, val, cut)));
          onlyKyso(() => parseSignatureAlgorithm(mutate(algs[i]!, pos, val, cut)));
        },
      ),
      { numRuns: 3000 },
    );
    const ec = kps[1]!;
    const sig = await new LocalSigner(ec).sign(data);
    await fc.assert(
      fc.asyncProperty(fc.nat(200), fc.integer({ min: 0, max: 255 }), async (pos, val) => {
        const s = sig.slice();
        const p = pos % s.length;
        if (s[p] === val) return;
        s[p] = val;
        expect(await verifySignature(ec.publicKeyInfo, { name: 'ECDSA', hash: 'SHA-256' }, data, s)).toBe(
          false,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('rejects malformed and encrypted private keys with typed errors', async () => {
    await expectCode(
      importPrivateKey('-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n'),
      'UNSUPPORTED_ALGORITHM',
    );
    await expectCode(
      importPrivateKey('-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n'),
      'PEM_MALFORMED',
    );
    await expectCode(importPrivateKey(fromHex('3003020102')), 'ASN1_SCHEMA');
    const kp = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const p8 = await exportPkcs8(kp);
    await expectCode(importPrivateKey(new Uint8Array([...p8, 0])), 'DER_MALFORMED');
    // an RSA key whose "private" part is garbage
    const bogus = fromHex('3016020100300d06092a864886f70d010101050004023000');
    await expectCode(importPrivateKey(bogus), 'DER_MALFORMED');
  });
});
