/**
 * Native ECDSA over a precomputed digest (prehash.ts digestSigner / SoftwareVault.signDigests):
 * signatures verify with the OpenSSL CLI (pkeyutl over the digest, dgst over the message),
 * node:crypto (OpenSSL in process), noble and ecdsaVerifyDigest, on P-256/384/521 with
 * SHA-256/384/512 digests (truncation of a longer digest, shorter digest on P-521); nonces differ;
 * s is not normalised (same format as before); injected faults are caught and the batch returns
 * nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import type { HashAlgorithm, KeySpec, SignatureAlgorithm } from '@kyso/pki-core';
import { afterEach, describe, expect, it } from 'vitest';
import { openssl, requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import {
  digestSigner,
  ecdsaFaultInjection,
  ecdsaVerifyDigest,
  signDigestWithKeyObject,
  type EcdsaFaultStage,
} from '../src/vault/prehash.js';
import { SoftwareVault } from '../src/vault/software.js';
import type { StoredKey } from '../src/vault/types.js';

const NOBLE = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
type Curve = keyof typeof NOBLE;
const CURVES = ['P-256', 'P-384', 'P-521'] as const;
const HASHES = [
  ['SHA-256', 'sha256'],
  ['SHA-384', 'sha384'],
  ['SHA-512', 'sha512'],
] as const;

function point(spki: Uint8Array): Uint8Array {
  const j = crypto
    .createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
    .export({ format: 'jwk' });
  return Buffer.concat([Buffer.of(4), Buffer.from(j.x!, 'base64url'), Buffer.from(j.y!, 'base64url')]);
}

function pubKey(key: StoredKey): crypto.KeyObject {
  return crypto.createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' });
}

/** (r, s) from a DER signature, strictly (noble rejects non-minimal DER). */
function rs(curve: Curve, sig: Uint8Array): { r: bigint; s: bigint } {
  const { r, s } = NOBLE[curve].Signature.fromBytes(sig, 'der');
  return { r, s };
}

const vault = new SoftwareVault(crypto.randomBytes(32));
const keys = new Map<Curve, StoredKey>();
async function ecKey(curve: Curve): Promise<StoredKey> {
  let k = keys.get(curve);
  if (!k) {
    k = await vault.generate(`k-${curve}`, { type: 'EC', curve });
    keys.set(curve, k);
  }
  return k;
}

afterEach(() => {
  ecdsaFaultInjection.inject = undefined;
});

describe('native ECDSA signHash: interoperability', () => {
  for (const curve of CURVES) {
    it(`${curve}: SHA-256/384/512 digests verify with node:crypto, noble and ecdsaVerifyDigest`, async () => {
      const key = await ecKey(curve);
      const pub = pubKey(key);
      const pt = point(key.spki);
      for (const [hash, node] of HASHES) {
        const msgs = Array.from({ length: 4 }, () => crypto.randomBytes(80));
        const digests = msgs.map((m) => new Uint8Array(crypto.createHash(node).update(m).digest()));
        const sigs = await vault.signDigests(key, { name: 'ECDSA', hash }, digests);
        expect(sigs).toHaveLength(4);
        for (const [i, sig] of sigs.entries()) {
          // OpenSSL hashes the message itself and truncates the digest to the order's bit length.
          expect(crypto.verify(node, msgs[i]!, pub, sig)).toBe(true);
          expect(ecdsaVerifyDigest(curve, pt, sig, digests[i]!)).toBe(true);
          expect(
            NOBLE[curve].verify(sig, digests[i]!, pt, { prehash: false, format: 'der', lowS: false }),
          ).toBe(true);
          // And the signature is bound to the digest.
          const other = Buffer.from(digests[i]!);
          other[0]! ^= 1; // the leading bits (a longer digest is truncated to the order's length)
          expect(ecdsaVerifyDigest(curve, pt, sig, other)).toBe(false);
        }
      }
    });
  }

  describe.skipIf(!requireTool('openssl'))('OpenSSL CLI', () => {
    for (const curve of CURVES) {
      it(`${curve}: openssl pkeyutl -verify over the digest and dgst -verify over the message`, async () => {
        const key = await ecKey(curve);
        const dir = tmpDir();
        const pem = path.join(dir, 'pub.pem');
        fs.writeFileSync(pem, pubKey(key).export({ format: 'pem', type: 'spki' }));
        for (const [hash, node] of HASHES) {
          const msg = crypto.randomBytes(200);
          const digest = new Uint8Array(crypto.createHash(node).update(msg).digest());
          const [sig] = await vault.signDigests(key, { name: 'ECDSA', hash }, [digest]);
          const dig = path.join(dir, `${hash}.dig`);
          const sigFile = path.join(dir, `${hash}.sig`);
          const msgFile = path.join(dir, `${hash}.msg`);
          fs.writeFileSync(dig, digest);
          fs.writeFileSync(sigFile, sig!);
          fs.writeFileSync(msgFile, msg);
          const pk = openssl([
            'pkeyutl',
            '-verify',
            '-pubin',
            '-inkey',
            pem,
            '-in',
            dig,
            '-sigfile',
            sigFile,
          ]);
          expect(pk.status, `${curve} ${hash}: ${pk.stdout}${pk.stderr}`).toBe(0);
          expect(pk.stdout).toMatch(/Signature Verified Successfully/);
          const dg = openssl(['dgst', `-${node}`, '-verify', pem, '-signature', sigFile, msgFile]);
          expect(dg.status, `${curve} ${hash}: ${dg.stdout}${dg.stderr}`).toBe(0);
          expect(dg.stdout).toMatch(/Verified OK/);
          // Negative control: another digest does not verify.
          const bad = Buffer.from(digest);
          bad[0]! ^= 0x80;
          fs.writeFileSync(dig, bad);
          const no = openssl([
            'pkeyutl',
            '-verify',
            '-pubin',
            '-inkey',
            pem,
            '-in',
            dig,
            '-sigfile',
            sigFile,
          ]);
          expect(no.status).not.toBe(0);
        }
      });
    }
  });
});

describe('native ECDSA signHash: many signatures, nonces, format', () => {
  it('P-256: 200 signatures in one batch all verify; r never repeats; s is not normalised to low-S', async () => {
    const key = await ecKey('P-256');
    const pub = pubKey(key);
    const pt = point(key.spki);
    const msgs = Array.from({ length: 200 }, () => crypto.randomBytes(40));
    const digests = msgs.map((m) => new Uint8Array(crypto.createHash('sha256').update(m).digest()));
    const sigs = await vault.signDigests(key, { name: 'ECDSA', hash: 'SHA-256' }, digests);
    const rValues = new Set<bigint>();
    let highS = 0;
    const half = p256.Point.Fn.ORDER >> 1n;
    for (const [i, sig] of sigs.entries()) {
      expect(crypto.verify('sha256', msgs[i]!, pub, sig)).toBe(true);
      expect(ecdsaVerifyDigest('P-256', pt, sig, digests[i]!)).toBe(true);
      const { r, s } = rs('P-256', sig);
      rValues.add(r);
      if (s > half) highS++;
    }
    expect(rValues.size).toBe(200);
    // Same output format as noble's lowS: false: about half the signatures have a high s.
    expect(highS).toBeGreaterThan(50);
    expect(highS).toBeLessThan(150);
  });

  for (const curve of ['P-384', 'P-521'] as const) {
    it(`${curve}: 30 signatures in one batch all verify`, async () => {
      const key = await ecKey(curve);
      const pub = pubKey(key);
      const msgs = Array.from({ length: 30 }, () => crypto.randomBytes(40));
      const digests = msgs.map((m) => new Uint8Array(crypto.createHash('sha384').update(m).digest()));
      const sigs = await vault.signDigests(key, { name: 'ECDSA', hash: 'SHA-384' }, digests);
      for (const [i, sig] of sigs.entries()) expect(crypto.verify('sha384', msgs[i]!, pub, sig)).toBe(true);
    });
  }

  it('the same digest signed twice gets two different nonces (different r), both valid', async () => {
    for (const curve of CURVES) {
      const key = await ecKey(curve);
      const digest = new Uint8Array(crypto.randomBytes(32));
      const [a, b] = await vault.signDigests(key, { name: 'ECDSA', hash: 'SHA-256' }, [digest, digest]);
      const c = await vault.signDigest(key, { name: 'ECDSA', hash: 'SHA-256' }, digest);
      const ra = rs(curve, a!).r;
      const rb = rs(curve, b!).r;
      const rc = rs(curve, c).r;
      expect(new Set([ra, rb, rc]).size).toBe(3);
      for (const sig of [a!, b!, c])
        expect(ecdsaVerifyDigest(curve, point(key.spki), sig, digest)).toBe(true);
    }
  });

  it('digest length must match the hash algorithm; a destroyed signer refuses', async () => {
    const kp = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spec: KeySpec = { type: 'EC', curve: 'P-256' };
    const alg: SignatureAlgorithm = { name: 'ECDSA', hash: 'SHA-384' };
    expect(() => signDigestWithKeyObject(kp.privateKey, spec, alg, new Uint8Array(32))).toThrow(
      /hash length/,
    );
    const sig = signDigestWithKeyObject(kp.privateKey, spec, alg, new Uint8Array(48).fill(7));
    const spki = kp.publicKey.export({ format: 'der', type: 'spki' });
    expect(ecdsaVerifyDigest('P-256', point(spki), sig, new Uint8Array(48).fill(7))).toBe(true);
    const s = digestSigner(kp.privateKey, spec, alg);
    s.destroy();
    expect(() => s.sign(new Uint8Array(48))).toThrow(/destroyed/);
    expect(() => s.finish()).toThrow(/destroyed/);
  });
});

describe('native ECDSA signHash: fault self-check', () => {
  const alg = (hash: HashAlgorithm): SignatureAlgorithm => ({ name: 'ECDSA', hash });

  for (const stage of ['k', 'r', 's', 'd'] as const satisfies readonly EcdsaFaultStage[]) {
    it(`a fault in ${stage} is caught per signature; the batch returns nothing`, async () => {
      for (const curve of CURVES) {
        const key = await ecKey(curve);
        const digests = Array.from({ length: 3 }, () => new Uint8Array(crypto.randomBytes(32)));
        let calls = 0;
        // Fault on the second signature only (a transient fault).
        ecdsaFaultInjection.inject = (st, v) => (st === stage && ++calls === 2 ? v + 1n : v);
        await expect(vault.signDigests(key, alg('SHA-256'), digests)).rejects.toThrow(
          /signature self-check failed/,
        );
        expect(calls).toBeGreaterThanOrEqual(2);
        ecdsaFaultInjection.inject = undefined;
        expect(await vault.signDigests(key, alg('SHA-256'), digests)).toHaveLength(3);
      }
    });
  }

  it('s = 0 (forced once) signs that digest again with a new nonce; the batch still verifies', async () => {
    const key = await ecKey('P-256');
    const digests = Array.from({ length: 4 }, () => new Uint8Array(crypto.randomBytes(32)));
    let calls = 0;
    ecdsaFaultInjection.inject = (st, v) => (st === 's' && ++calls === 3 ? 0n : v);
    const sigs = await vault.signDigests(key, alg('SHA-256'), digests);
    expect(calls).toBe(5); // 4 in the batch + the retried digest
    for (const [i, sig] of sigs.entries())
      expect(ecdsaVerifyDigest('P-256', point(key.spki), sig, digests[i]!)).toBe(true);
  });

  it('a fault flipping one bit of k·G (r) is caught', async () => {
    const key = await ecKey('P-256');
    ecdsaFaultInjection.inject = (st, v) => (st === 'r' ? v ^ (1n << 77n) : v);
    await expect(vault.signDigests(key, alg('SHA-256'), [new Uint8Array(32)])).rejects.toThrow(
      /signature self-check failed/,
    );
  });

  it('the private scalar corrupted after creation: signatures self-consistent, but finish() throws', async () => {
    for (const curve of CURVES) {
      const key = await ecKey(curve);
      const n = NOBLE[curve].Point.Fn.ORDER;
      // Persistent corruption of the stored scalar (both copies), e.g. a bit flip in memory, once.
      let flipped = false;
      ecdsaFaultInjection.inject = (st, v) => {
        if (st !== 'key' || flipped) return v;
        flipped = true;
        return (v ^ 4n) % n;
      };
      await expect(
        vault.signDigests(key, alg('SHA-256'), [new Uint8Array(32), new Uint8Array(32).fill(1)]),
      ).rejects.toThrow(/signature self-check failed/);

      // The same with the signer itself: sign() passes its own check (the signature is valid for
      // the corrupted key, not for the published one), finish() refuses the batch.
      const kp = crypto.generateKeyPairSync('ec', { namedCurve: curve });
      const spki = kp.publicKey.export({ format: 'der', type: 'spki' });
      flipped = false;
      const s = digestSigner(kp.privateKey, { type: 'EC', curve }, alg('SHA-256'), spki);
      try {
        const digest = new Uint8Array(crypto.randomBytes(32));
        const sig = s.sign(digest);
        expect(ecdsaVerifyDigest(curve, point(spki), sig, digest)).toBe(false);
        expect(() => s.finish()).toThrow(/signature self-check failed/);
      } finally {
        s.destroy();
      }
    }
  });

  it('a private key that does not match the published public key: finish() refuses the batch', () => {
    const kp = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = other.publicKey.export({ format: 'der', type: 'spki' });
    const s = digestSigner(kp.privateKey, { type: 'EC', curve: 'P-256' }, alg('SHA-256'), spki);
    s.signAll([new Uint8Array(crypto.randomBytes(32))]);
    expect(() => s.finish()).toThrow(
      /signature self-check failed: the private key does not match the public key/,
    );
    s.destroy();
    const p384key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(() =>
      digestSigner(
        kp.privateKey,
        { type: 'EC', curve: 'P-256' },
        alg('SHA-256'),
        p384key.publicKey.export({ format: 'der', type: 'spki' }),
      ),
    ).toThrow(/curve/);
  });

  it('without a fault the hook sees every stage and changes nothing', async () => {
    const key = await ecKey('P-256');
    const seen = new Set<EcdsaFaultStage>();
    ecdsaFaultInjection.inject = (st, v) => {
      seen.add(st);
      return v;
    };
    const digest = new Uint8Array(crypto.randomBytes(32));
    const [sig] = await vault.signDigests(key, alg('SHA-256'), [digest]);
    expect([...seen].sort()).toEqual(['d', 'k', 'key', 'r', 's']);
    expect(ecdsaVerifyDigest('P-256', point(key.spki), sig!, digest)).toBe(true);
  });
});
