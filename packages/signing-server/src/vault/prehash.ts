/**
 * Signing a precomputed hash (CSC signHash), which WebCrypto cannot do: DigestInfo for RSA
 * PKCS#1 v1.5, EMSA-PSS encoding (RFC 8017 §9.1) for RSA-PSS over a raw RSA operation, and DER
 * conversion for ECDSA. Every signature is checked with an independent verification before it
 * leaves the vault (defence against fault attacks such as RSA-CRT faults).
 */
import crypto from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import {
  der,
  hashAlgorithmIdentifier,
  type HashAlgorithm,
  type KeySpec,
  type SignatureAlgorithm,
} from '@kyso/pki-core';

const NODE_HASH: Record<HashAlgorithm, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};
export const HASH_LEN: Record<HashAlgorithm, number> = {
  'SHA-1': 20,
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
};

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

/** DER DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING digest } (RFC 8017 §9.2). */
export function digestInfo(hash: HashAlgorithm, digest: Uint8Array): Uint8Array {
  return der.seq(hashAlgorithmIdentifier(hash, { nullParams: true }), der.octetString(digest));
}

function mgf1(hash: HashAlgorithm, seed: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let off = 0;
  for (let c = 0; off < len; c++) {
    const ctr = Buffer.alloc(4);
    ctr.writeUInt32BE(c);
    const h = crypto.createHash(NODE_HASH[hash]).update(seed).update(ctr).digest();
    out.set(h.subarray(0, Math.min(h.length, len - off)), off);
    off += h.length;
  }
  return out;
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) over an already computed mHash. */
export function emsaPssEncode(
  hash: HashAlgorithm,
  mHash: Uint8Array,
  saltLen: number,
  modBits: number,
): Uint8Array {
  const hLen = HASH_LEN[hash];
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (mHash.length !== hLen) throw new VaultError('hash length does not match the hash algorithm');
  if (emLen < hLen + saltLen + 2) throw new VaultError('encoding error: salt too long for the key');
  const salt = crypto.randomBytes(saltLen);
  const mPrime = Buffer.concat([Buffer.alloc(8), mHash, salt]);
  const H = crypto.createHash(NODE_HASH[hash]).update(mPrime).digest();
  const db = new Uint8Array(emLen - hLen - 1);
  db[emLen - saltLen - hLen - 2] = 0x01;
  db.set(salt, emLen - saltLen - hLen - 1);
  const mask = mgf1(hash, H, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const em = new Uint8Array(emLen);
  em.set(db, 0);
  em.set(H, db.length);
  em[emLen - 1] = 0xbc;
  return em;
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2). */
export function emsaPssVerify(
  hash: HashAlgorithm,
  mHash: Uint8Array,
  em: Uint8Array,
  saltLen: number,
  modBits: number,
): boolean {
  const hLen = HASH_LEN[hash];
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < hLen + saltLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const H = em.subarray(emLen - hLen - 1, emLen - 1);
  if ((maskedDb[0]! & ~(0xff >> (8 * emLen - emBits))) !== 0) return false;
  const mask = mgf1(hash, H, maskedDb.length);
  const db = maskedDb.map((b, i) => b ^ mask[i]!);
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const psLen = emLen - hLen - saltLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - saltLen);
  const H2 = crypto
    .createHash(NODE_HASH[hash])
    .update(Buffer.concat([Buffer.alloc(8), mHash, salt]))
    .digest();
  return crypto.timingSafeEqual(H2, H);
}

const CURVES = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
type Curve = (typeof CURVES)[keyof typeof CURVES];
type CurvePoint = ReturnType<Curve['Point']['fromBytes']>;

/**
 * Public points with a precomputed multiplication table (noble wNAF, window 8 for P-256, 6 for
 * the larger curves), by curve and point. Verification multiplies the signer's public point by a
 * public scalar: with the table this costs a fraction of noble's `verify`, which decodes the point
 * and builds its multiples again on every call. Public data only; a small LRU bounds the memory
 * (a P-256 window-8 table is several hundred KB).
 */
const POINT_CACHE = new Map<string, CurvePoint>();
const POINT_CACHE_SIZE = 32;

function precomputedPoint(curveName: keyof typeof CURVES, point: Uint8Array): CurvePoint {
  const id = `${curveName}:${Buffer.from(point).toString('hex')}`;
  let P = POINT_CACHE.get(id);
  if (P) {
    POINT_CACHE.delete(id);
  } else {
    P = CURVES[curveName].Point.fromBytes(point) as CurvePoint;
    P.precompute(curveName === 'P-256' ? 8 : 6, false);
    if (POINT_CACHE.size >= POINT_CACHE_SIZE) POINT_CACHE.delete(POINT_CACHE.keys().next().value!);
  }
  POINT_CACHE.set(id, P);
  return P;
}

/**
 * ECDSA verification of a DER signature over a precomputed digest (SEC 1 §4.1.4, FIPS 186-5
 * §6.4.2: the digest truncated to the order's bit length), with the public point's cached table.
 * Same answers as noble's `verify(sig, digest, point, { prehash: false, format: 'der', lowS: false })`.
 */
export function ecdsaVerifyDigest(
  curveName: keyof typeof CURVES,
  point: Uint8Array,
  sig: Uint8Array,
  digest: Uint8Array,
): boolean {
  const curve = CURVES[curveName];
  const Fn = curve.Point.Fn;
  try {
    const P = precomputedPoint(curveName, point);
    if (P.is0()) return false;
    const { r, s } = curve.Signature.fromBytes(sig, 'der'); // r, s in [1, n-1]
    let e = BigInt(`0x${Buffer.from(digest).toString('hex') || '0'}`);
    const excess = digest.length * 8 - Fn.BITS;
    if (excess > 0) e >>= BigInt(excess);
    const w = Fn.inv(s);
    const u1 = Fn.create(Fn.create(e) * w);
    const u2 = Fn.create(r * w);
    const R = (curve.Point.BASE.multiplyUnsafe(u1) as CurvePoint).add(P.multiplyUnsafe(u2) as CurvePoint);
    if (R.is0()) return false;
    return Fn.create(R.toAffine().x) === r;
  } catch {
    return false;
  }
}

/** Uncompressed SEC 1 point of an EC public key. */
function ecPoint(pub: crypto.KeyObject): Uint8Array {
  const jwk = pub.export({ format: 'jwk' });
  return Buffer.concat([
    Buffer.of(4),
    Buffer.from(jwk.x as string, 'base64url'),
    Buffer.from(jwk.y as string, 'base64url'),
  ]);
}

/** Signs digests with one unsealed key; `destroy()` zeroes the private scalar it holds. */
export interface DigestSigner {
  sign(digest: Uint8Array): Uint8Array;
  destroy(): void;
}

/**
 * Prepares signing with a software private key (node KeyObject) for one request: the public key,
 * and for ECDSA the private scalar and the public point, are derived once, then every digest is
 * signed and verified with the public key before it is returned (fault-attack self-check).
 */
export function digestSigner(key: crypto.KeyObject, spec: KeySpec, alg: SignatureAlgorithm): DigestSigner {
  if (alg.name === 'Ed25519') throw new VaultError('Ed25519 cannot sign a precomputed hash');
  const checkLength = (digest: Uint8Array) => {
    if (digest.length !== HASH_LEN[alg.hash])
      throw new VaultError('hash length does not match the hash algorithm');
  };
  const pub = crypto.createPublicKey(key);
  if (alg.name === 'ECDSA') {
    if (spec.type !== 'EC') throw new VaultError('ECDSA needs an EC key');
    const curve = CURVES[spec.curve];
    const d = Buffer.from(key.export({ format: 'jwk' }).d as string, 'base64url');
    const point = ecPoint(pub);
    let live = true;
    return {
      sign(digest) {
        if (!live) throw new VaultError('signer already destroyed');
        checkLength(digest);
        const sig = curve.sign(digest, d, { prehash: false, format: 'der', lowS: false });
        if (!ecdsaVerifyDigest(spec.curve, point, sig, digest))
          throw new VaultError('signature self-check failed');
        return sig;
      },
      destroy() {
        live = false;
        d.fill(0);
      },
    };
  }
  if (spec.type !== 'RSA') throw new VaultError('RSA signature needs an RSA key');
  const k = Math.ceil(spec.modulusLength / 8);
  const rsa = alg;
  return {
    sign(digest) {
      checkLength(digest);
      if (rsa.name === 'RSA-PKCS1') {
        const di = digestInfo(rsa.hash, digest);
        const sig = crypto.privateEncrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, di);
        const back = crypto.publicDecrypt({ key: pub, padding: crypto.constants.RSA_PKCS1_PADDING }, sig);
        if (!back.equals(Buffer.from(di))) throw new VaultError('signature self-check failed');
        return new Uint8Array(sig);
      }
      const em = emsaPssEncode(rsa.hash, digest, rsa.saltLength, spec.modulusLength);
      const padded = Buffer.concat([Buffer.alloc(k - em.length), em]);
      const sig = crypto.privateEncrypt({ key, padding: crypto.constants.RSA_NO_PADDING }, padded);
      padded.fill(0);
      const back = crypto.publicDecrypt({ key: pub, padding: crypto.constants.RSA_NO_PADDING }, sig);
      if (!emsaPssVerify(rsa.hash, digest, back.subarray(k - em.length), rsa.saltLength, spec.modulusLength))
        throw new VaultError('signature self-check failed');
      return new Uint8Array(sig);
    },
    destroy() {
      // The RSA key lives in an OpenSSL KeyObject, which cannot be wiped from JS; the caller drops it.
    },
  };
}

/**
 * Signs `digest` with a software private key (node KeyObject) and verifies the result with the
 * public key before returning it.
 */
export function signDigestWithKeyObject(
  key: crypto.KeyObject,
  spec: KeySpec,
  alg: SignatureAlgorithm,
  digest: Uint8Array,
): Uint8Array {
  const s = digestSigner(key, spec, alg);
  try {
    return s.sign(digest);
  } finally {
    s.destroy();
  }
}

/** Independent verification of a hash signature with a public key (SPKI DER), used for PKCS#11 results. */
export function verifyDigestSignature(
  spki: Uint8Array,
  spec: KeySpec,
  alg: SignatureAlgorithm,
  digest: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (alg.name === 'Ed25519') return false;
  const pub = crypto.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  try {
    if (alg.name === 'ECDSA') {
      if (spec.type !== 'EC') return false;
      return ecdsaVerifyDigest(spec.curve, ecPoint(pub), sig, digest);
    }
    if (spec.type !== 'RSA') return false;
    if (alg.name === 'RSA-PKCS1') {
      const back = crypto.publicDecrypt({ key: pub, padding: crypto.constants.RSA_PKCS1_PADDING }, sig);
      return back.equals(Buffer.from(digestInfo(alg.hash, digest)));
    }
    const k = Math.ceil(spec.modulusLength / 8);
    const back = crypto.publicDecrypt({ key: pub, padding: crypto.constants.RSA_NO_PADDING }, sig);
    const emLen = Math.ceil((spec.modulusLength - 1) / 8);
    return emsaPssVerify(alg.hash, digest, back.subarray(k - emLen), alg.saltLength, spec.modulusLength);
  } catch {
    return false;
  }
}
