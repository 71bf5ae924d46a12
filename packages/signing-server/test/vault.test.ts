/**
 * Software vault batch signing and the precomputed-table ECDSA verification used as the
 * fault-attack self-check: cross-checked against noble's verify and OpenSSL (node:crypto).
 */
import crypto from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import type { SignatureAlgorithm } from '@kyso/pki-core';
import { describe, expect, it } from 'vitest';
import { ecdsaVerifyDigest } from '../src/vault/prehash.js';
import { SoftwareVault } from '../src/vault/software.js';

const NOBLE = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
const NODE_CURVE = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' } as const;

function point(pub: crypto.KeyObject): Uint8Array {
  const j = pub.export({ format: 'jwk' });
  return Buffer.concat([Buffer.of(4), Buffer.from(j.x!, 'base64url'), Buffer.from(j.y!, 'base64url')]);
}

describe('ecdsaVerifyDigest (cached precomputed public point)', () => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
    it(`${curve}: same answers as noble verify and OpenSSL`, () => {
      const kp = crypto.generateKeyPairSync('ec', { namedCurve: NODE_CURVE[curve] });
      const other = point(crypto.generateKeyPairSync('ec', { namedCurve: NODE_CURVE[curve] }).publicKey);
      const pt = point(kp.publicKey);
      for (const [hash, len] of [
        ['sha256', 32],
        ['sha384', 48],
        ['sha512', 64],
      ] as const) {
        const data = crypto.randomBytes(100);
        const digest = crypto.createHash(hash).update(data).digest();
        expect(digest.length).toBe(len);
        // OpenSSL signs the message; our verifier sees only the digest (truncation rules included).
        const sig = crypto.sign(hash, data, kp.privateKey);
        expect(ecdsaVerifyDigest(curve, pt, sig, digest)).toBe(true);
        expect(NOBLE[curve].verify(sig, digest, pt, { prehash: false, format: 'der', lowS: false })).toBe(
          true,
        );
        const bad = Buffer.from(digest);
        bad[0]! ^= 1;
        expect(ecdsaVerifyDigest(curve, pt, sig, bad)).toBe(false);
        expect(ecdsaVerifyDigest(curve, other, sig, digest)).toBe(false);
        const tampered = Buffer.from(sig);
        tampered[tampered.length - 1]! ^= 1;
        expect(ecdsaVerifyDigest(curve, pt, tampered, digest)).toBe(
          NOBLE[curve].verify(tampered, digest, pt, { prehash: false, format: 'der', lowS: false }),
        );
        expect(ecdsaVerifyDigest(curve, pt, tampered, digest)).toBe(false);
      }
      // Malformed inputs: false, never a throw.
      expect(ecdsaVerifyDigest(curve, pt, new Uint8Array([0x30, 0]), new Uint8Array(32))).toBe(false);
      expect(ecdsaVerifyDigest(curve, new Uint8Array(65), new Uint8Array(8), new Uint8Array(32))).toBe(false);
    });
  }
});

describe('SoftwareVault.signDigests', () => {
  const vault = new SoftwareVault(crypto.randomBytes(32));
  const digests = Array.from({ length: 5 }, () => new Uint8Array(crypto.randomBytes(32)));

  it('P-256: every signature verifies with OpenSSL over the digest', async () => {
    const key = await vault.generate('k-ec', { type: 'EC', curve: 'P-256' });
    const pub = crypto.createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' });
    const alg: SignatureAlgorithm = { name: 'ECDSA', hash: 'SHA-256' };
    const sigs = await vault.signDigests(key, alg, digests);
    expect(sigs).toHaveLength(5);
    for (const [i, s] of sigs.entries()) {
      expect(ecdsaVerifyDigest('P-256', point(pub), s, digests[i]!)).toBe(true);
      expect(p256.verify(s, digests[i]!, point(pub), { prehash: false, format: 'der', lowS: false })).toBe(
        true,
      );
    }
    const one = await vault.signDigest(key, alg, digests[0]!);
    expect(ecdsaVerifyDigest('P-256', point(pub), one, digests[0]!)).toBe(true);
  });

  it('RSA PKCS#1 v1.5 and PSS: OpenSSL verifies; a wrong-length digest is refused', async () => {
    const key = await vault.generate('k-rsa', { type: 'RSA', modulusLength: 2048 });
    const pub = crypto.createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' });
    const data = Array.from({ length: 3 }, () => crypto.randomBytes(50));
    const ds = data.map((d) => new Uint8Array(crypto.createHash('sha256').update(d).digest()));
    const pk = await vault.signDigests(key, { name: 'RSA-PKCS1', hash: 'SHA-256' }, ds);
    for (const [i, s] of pk.entries()) expect(crypto.verify('sha256', data[i]!, pub, s)).toBe(true);
    const pss = await vault.signDigests(key, { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 }, ds);
    for (const [i, s] of pss.entries())
      expect(
        crypto.verify(
          'sha256',
          data[i]!,
          { key: pub, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
          s,
        ),
      ).toBe(true);
    await expect(
      vault.signDigests(key, { name: 'RSA-PKCS1', hash: 'SHA-256' }, [ds[0]!, new Uint8Array(31)]),
    ).rejects.toThrow(/hash length/);
  });

  it('refuses a key wrapped under another KEK', async () => {
    const key = await new SoftwareVault(crypto.randomBytes(32)).generate('k-x', {
      type: 'EC',
      curve: 'P-256',
    });
    await expect(vault.signDigests(key, { name: 'ECDSA', hash: 'SHA-256' }, digests)).rejects.toThrow(/KEK/);
  });
});

describe('SoftwareVault unsealed-key cache', () => {
  const alg: SignatureAlgorithm = { name: 'ECDSA', hash: 'SHA-256' };
  const d = new Uint8Array(crypto.randomBytes(32));
  const pubPoint = (spki: Uint8Array) =>
    point(crypto.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }));

  it('reuses a key only for the very blob it was unsealed from, and drops it when idle or closed', async () => {
    const kek = crypto.randomBytes(32);
    const vault = new SoftwareVault(kek, { keyCacheSeconds: 1 });
    const a = await vault.generate('same-id', { type: 'EC', curve: 'P-256' });
    expect(vault.cachedKeyCount).toBe(0);
    expect(ecdsaVerifyDigest('P-256', pubPoint(a.spki), (await vault.signDigests(a, alg, [d]))[0]!, d)).toBe(
      true,
    );
    expect(vault.cachedKeyCount).toBe(1);
    // Same id, another key (a rekey that kept the id): the cached key must not sign for it.
    const b = await vault.generate('same-id', { type: 'EC', curve: 'P-256' });
    const sb = (await vault.signDigests(b, alg, [d]))[0]!;
    expect(ecdsaVerifyDigest('P-256', pubPoint(b.spki), sb, d)).toBe(true);
    expect(ecdsaVerifyDigest('P-256', pubPoint(a.spki), sb, d)).toBe(false);
    // A tampered blob is refused even though a key with that id is cached.
    const forged = { ...b, blob: { ...b.blob, sealedPrivateKey: a.blob.sealedPrivateKey! } };
    await expect(vault.signDigests(forged, alg, [d])).rejects.toThrow(/authenticate|self-check/);
    // Idle past the lifetime: gone.
    await new Promise((r) => setTimeout(r, 1300));
    await vault.signDigests(b, alg, [d]);
    expect(vault.cachedKeyCount).toBe(1);
    await vault.close();
    expect(vault.cachedKeyCount).toBe(0);
    const off = new SoftwareVault(kek, { keyCacheSeconds: 0 });
    await off.signDigests(b, alg, [d]);
    expect(off.cachedKeyCount).toBe(0);
  });

  it('an idle key leaves memory on the sweep, without another request', async () => {
    const vault = new SoftwareVault(crypto.randomBytes(32), { keyCacheSeconds: 1 });
    const k = await vault.generate('idle', { type: 'EC', curve: 'P-256' });
    await vault.signDigests(k, alg, [d]);
    expect(vault.cachedKeyCount).toBe(1);
    await new Promise((r) => setTimeout(r, 2300));
    expect(vault.cachedKeyCount).toBe(0);
    await vault.close();
  });
});

describe('SoftwareVault signing worker threads', () => {
  it('splits a batch over the workers, keeps the order, verifies every signature, and fails whole', async () => {
    const kek = crypto.randomBytes(32);
    const vault = new SoftwareVault(kek, { signWorkers: 2, poolMinDigests: 4 });
    try {
      for (const spec of [
        { type: 'EC', curve: 'P-256' },
        { type: 'RSA', modulusLength: 2048 },
      ] as const) {
        const key = await vault.generate(`pool-${spec.type}`, spec);
        const pub = crypto.createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' });
        const alg: SignatureAlgorithm =
          spec.type === 'EC' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSA-PKCS1', hash: 'SHA-256' };
        const data = Array.from({ length: 11 }, () => crypto.randomBytes(40));
        const ds = data.map((x) => new Uint8Array(crypto.createHash('sha256').update(x).digest()));
        const sigs = await vault.signDigests(key, alg, ds);
        expect(sigs).toHaveLength(11);
        for (const [i, s] of sigs.entries()) {
          expect(crypto.verify('sha256', data[i]!, { key: pub, dsaEncoding: 'der' }, s), `sig ${i}`).toBe(
            true,
          );
          expect(crypto.verify('sha256', data[(i + 1) % 11]!, { key: pub, dsaEncoding: 'der' }, s)).toBe(
            false,
          );
        }
      }
      // A key wrapped under another KEK: the whole batch is refused, nothing partial comes back.
      const foreign = await new SoftwareVault(crypto.randomBytes(32)).generate('foreign', {
        type: 'EC',
        curve: 'P-256',
      });
      const ds = Array.from({ length: 6 }, () => new Uint8Array(crypto.randomBytes(32)));
      await expect(vault.signDigests(foreign, { name: 'ECDSA', hash: 'SHA-256' }, ds)).rejects.toThrow(/KEK/);
      // A wrong digest length in one chunk fails the batch.
      const key = await vault.generate('pool-len', { type: 'EC', curve: 'P-256' });
      await expect(
        vault.signDigests(key, { name: 'ECDSA', hash: 'SHA-256' }, [...ds, new Uint8Array(31)]),
      ).rejects.toThrow(/hash length/);
    } finally {
      await vault.close();
    }
    await expect(
      vault.signDigests(
        await new SoftwareVault(kek).generate('after', { type: 'EC', curve: 'P-256' }),
        { name: 'ECDSA', hash: 'SHA-256' },
        Array.from({ length: 8 }, () => new Uint8Array(32)),
      ),
    ).rejects.toThrow(/closed/);
  });
});

describe('RSA key bound to the published key', () => {
  it('refuses to sign when the private key is not the published SPKI; signs when it is', async () => {
    const { digestSigner } = await import('../src/vault/prehash.js');
    const kp = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spec = { type: 'RSA', modulusLength: 2048 } as const;
    const alg: SignatureAlgorithm = { name: 'RSA-PKCS1', hash: 'SHA-256' };
    const own = new Uint8Array(kp.publicKey.export({ format: 'der', type: 'spki' }));
    const foreign = new Uint8Array(other.publicKey.export({ format: 'der', type: 'spki' }));
    expect(() => digestSigner(kp.privateKey, spec, alg, foreign)).toThrow(/does not match the public key/);
    const d = new Uint8Array(crypto.createHash('sha256').update('x').digest());
    const s = digestSigner(kp.privateKey, spec, alg, own);
    const sig = s.sign(d);
    s.finish();
    expect(crypto.verify('sha256', Buffer.from('x'), kp.publicKey, sig)).toBe(true);
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() =>
      digestSigner(
        kp.privateKey,
        spec,
        alg,
        new Uint8Array(ec.publicKey.export({ format: 'der', type: 'spki' })),
      ),
    ).toThrow(/not an RSA key/);
  });
});
