/**
 * Signing a precomputed hash (CSC signHash), which WebCrypto cannot do: DigestInfo for RSA
 * PKCS#1 v1.5, EMSA-PSS encoding (RFC 8017 §9.1) for RSA-PSS over a raw RSA operation, and ECDSA
 * over the digest (SEC 1 v2 §4.1.3, FIPS 186-5 §6.4.1). Every signature is checked before it
 * leaves the vault (defence against fault attacks such as RSA-CRT faults).
 *
 * ECDSA over a digest (`node:crypto` cannot sign a prehash: it always hashes the message):
 * - e is the digest's leftmost bits, truncated to the order's bit length (as `ecdsaVerifyDigest`).
 * - Nonce k, hedged: HMAC-SHA-512 keyed by the private scalar d over (counter, fresh random bytes,
 *   digest), order length + 64 bits of output reduced mod n-1, plus 1 (bias below 2^-64, k in
 *   [1, n-1]). A broken RNG then still gives secret nonces distinct per digest.
 * - R = k·G natively: `ECDH.setPrivateKey(k)` runs OpenSSL's constant-time fixed-base scalar
 *   multiplication (P-256: the ecp_nistz256 table; P-384/P-521 in Node 20's OpenSSL 3.0: the
 *   generic Montgomery ladder, as slow as `crypto.sign`); r = x(R) mod n. One ECDH object per
 *   signer (reusing it halves the cost of a multiplication on P-256).
 * - s = k⁻¹(e + r·d) mod n in BigInt, computed with multiplicative blinding: a fresh random b in
 *   [1, n-1] and s = (b·k)⁻¹·(b·e + r·(b·d)), so the variable-time inversion (noble's extended
 *   Euclid) sees only the uniformly random b·k. JS BigInt arithmetic is NOT constant time; the
 *   blinding is the mitigation for the inversion; the other BigInt products and reductions are not
 *   constant time either (their time depends at least on operand lengths).
 *   DER (r, s) as before, s not normalised to low-S (noble `format: 'der', lowS: false`).
 *
 * ECDSA fault self-check, without a (slow, JS) verification with the public key Q:
 * (a) key binding, in `finish()` at the end of each batch, before any signature is released: d·G computed natively equals the stored public point Q
 *     (the published SPKI when the caller passes it), and the second copy of d (below) is still
 *     congruent to d.
 * (b) per signature: k' = s⁻¹(e + r·d) mod n, R' = k'·G natively, require x(R') mod n = r.
 * Why (b) given (a) is as strong as verifying with Q: verification computes w = s⁻¹,
 * X = (e·w)·G + (r·w)·Q and accepts iff x(X) mod n = r. With Q = d·G,
 * X = (e·w + r·w·d)·G = s⁻¹(e + r·d)·G = k'·G, so (b) evaluates the same equation and accepts
 * exactly the signatures that verify under Q, as long as the d in (b) is the d bound to Q by (a).
 * That is why (b) uses a separate copy of d (d + c·n, a different BigInt; same value mod n) from
 * the one s is computed with: a fault in d while signing (transient, or one that reverts before
 * `finish()`) makes (b) fail; a corruption of either copy that persists makes (a) fail at the end
 * of the batch, and `finish()` throws, so the batch returns no signature. A faulty k·G, r, s or k
 * makes k' or x(R') differ, so (b) fails. (b) multiplies by n - k' (x(-P) = x(P)), so a
 * value-dependent bug of the native multiplication for k would have to recur for n - k to slip
 * through. Residual: one fault changing both copies of d the same way and undone before
 * `finish()`, or the same wrong native result for k and n - k (a real verification with Q would
 * use other arithmetic there); the tests inject faults in k, r, s, d and the stored scalar.
 * Batches (`signAll`): the blinded b·k of all digests are inverted with one inversion
 * (Montgomery's trick: the product of random values), and so are the public s values of check (b).
 * Cost: two native fixed-base multiplications per signature plus two per batch (check (a)), and
 * two BigInt inversions per batch, instead of noble's JS sign + verify (P-256 on this machine:
 * ~36 µs per signature in a batch of 50 against ~800 µs, `crypto.sign` with hashing ~19 µs;
 * scripts/ecdsa-signhash-speed.mjs).
 */
import crypto from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import {
  der,
  hashAlgorithmIdentifier,
  parsePublicKeyInfo,
  type HashAlgorithm,
  type KeySpec,
  type SignatureAlgorithm,
  timingSafeEqual,
  HASH_LEN,
} from '@kyso/pki-core';

const NODE_HASH: Record<HashAlgorithm, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

/**
 * DER DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING digest } (RFC 8017 §9.2), the
 * value RSASSA-PKCS1-v1_5 pads and signs; the AlgorithmIdentifier has NULL parameters. The digest
 * length is not checked here.
 */
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

/**
 * EMSA-PSS-ENCODE (RFC 8017 §9.1.1) over an already computed mHash, MGF1 with the same hash and a
 * fresh random salt of `saltLen` bytes: the encoded message a raw RSA operation then signs.
 *
 * @param hash - the message hash (also MGF1's).
 * @param mHash - the digest, exactly the hash's length.
 * @param saltLen - salt length in bytes (CSC signAlgoParams; usually the hash length).
 * @param modBits - the RSA modulus length in bits.
 * @returns EM, ⌈(modBits − 1) / 8⌉ bytes.
 * @throws VaultError when mHash has the wrong length or the salt does not fit the key.
 */
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

/**
 * EMSA-PSS-VERIFY (RFC 8017 §9.1.2): whether `em` (the RSA public operation's output, without the
 * leading zero byte when modBits − 1 is a multiple of 8) encodes `mHash` with a salt of `saltLen`
 * bytes. Returns false, never throws, for any malformed input; the final comparison is
 * constant-time.
 */
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
  return timingSafeEqual(H2, H);
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
  return jwkPoint(pub.export({ format: 'jwk' }));
}

function jwkPoint(jwk: crypto.JsonWebKey): Uint8Array {
  return Buffer.concat([
    Buffer.of(4),
    Buffer.from(jwk.x as string, 'base64url'),
    Buffer.from(jwk.y as string, 'base64url'),
  ]);
}

/**
 * Signs digests with one unsealed key. Signatures may be released only after `finish()` returned
 * (end-of-batch key self-check); `destroy()` zeroes the private scalar copies it can and must be
 * called in every case (a `finally`).
 */
export interface DigestSigner {
  sign(digest: Uint8Array): Uint8Array;
  /** Signs (and self-checks) every digest; for ECDSA faster than one `sign` per digest. */
  signAll(digests: readonly Uint8Array[]): Uint8Array[];
  /** End-of-batch fault check; throws VaultError('signature self-check failed') if the key no longer matches. */
  finish(): void;
  destroy(): void;
}

const NODE_CURVE = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' } as const;

/** Big-endian unsigned bytes to BigInt. */
function os2ip(b: Uint8Array): bigint {
  return b.length ? BigInt(`0x${Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex')}`) : 0n;
}

/** BigInt in [0, 256^len) to big-endian bytes of length `len`. */
function i2osp(x: bigint, len: number): Buffer {
  const h = x.toString(16);
  if (x < 0n || h.length > 2 * len) throw new VaultError('integer too large');
  return Buffer.from(h.padStart(2 * len, '0'), 'hex');
}

/** Minimal DER INTEGER of a positive BigInt. */
function derUint(x: bigint): Uint8Array {
  let h = x.toString(16);
  if (h.length % 2) h = `0${h}`;
  return der.integerFromUnsigned(Buffer.from(h, 'hex'));
}

/** Where a test may inject a fault into the ECDSA signer ('key': persistent corruption of the stored scalar). */
export type EcdsaFaultStage = 'k' | 'r' | 's' | 'd' | 'key';

/**
 * Fault injection for tests only (not exported from the package index): when set, each stage's
 * value passes through `inject` (identity = no fault).
 */
export const ecdsaFaultInjection: { inject?: (stage: EcdsaFaultStage, v: bigint) => bigint } = {};

const selfCheckFailed = () => new VaultError('signature self-check failed');

/**
 * Hedged ECDSA nonce: HMAC-SHA-512 keyed by d over (counter, random, digest), `outLen` bytes
 * (order length + 8) reduced mod n-1, plus 1.
 */
function hedgedNonce(
  d: Uint8Array,
  random: Uint8Array,
  digest: Uint8Array,
  n: bigint,
  outLen: number,
): bigint {
  const out = Buffer.alloc(Math.ceil(outLen / 64) * 64);
  for (let i = 0; i * 64 < outLen; i++) {
    const block = crypto
      .createHmac('sha512', d)
      .update(Uint8Array.of(i))
      .update(random)
      .update(digest)
      .digest();
    block.copy(out, i * 64);
    block.fill(0);
  }
  const t = os2ip(out.subarray(0, outLen));
  out.fill(0);
  return (t % (n - 1n)) + 1n;
}

/**
 * One ECDH object per curve and thread, reused for every multiplication (creating one costs about
 * as much as a P-256 multiplication). Used synchronously only, so calls never interleave; it keeps
 * its last scalar until the next use, like the cached unsealed keys (software.ts).
 */
const ECDH_BY_CURVE = new Map<string, crypto.ECDH>();
function ecdhFor(curveName: keyof typeof CURVES): crypto.ECDH {
  let e = ECDH_BY_CURVE.get(curveName);
  if (!e) {
    e = crypto.createECDH(NODE_CURVE[curveName]);
    ECDH_BY_CURVE.set(curveName, e);
  }
  return e;
}

/**
 * x(k·G) mod n with the curve's native ECDH object, for the ECDSA signer (throws a self-check
 * failure if k is outside [1, n-1]).
 */
function baseXFor(curveName: keyof typeof CURVES): (k: bigint) => bigint {
  const Point = CURVES[curveName].Point;
  const n = Point.Fn.ORDER;
  const nBytes = Point.Fn.BYTES;
  const fieldBytes = Point.Fp.BYTES;
  const ecdh = ecdhFor(curveName);
  return (k: bigint): bigint => {
    const kb = i2osp(k, nBytes);
    try {
      ecdh.setPrivateKey(kb);
    } catch {
      throw selfCheckFailed();
    } finally {
      kb.fill(0);
    }
    return os2ip(ecdh.getPublicKey().subarray(1, 1 + fieldBytes)) % n;
  };
}

/** Inverses mod n of non-zero values with one inversion (Montgomery's trick). */
function invAllMod(xs: bigint[], n: bigint, inv1: (x: bigint) => bigint): bigint[] {
  const prefix: bigint[] = new Array(xs.length);
  let acc = 1n;
  for (let i = 0; i < xs.length; i++) prefix[i] = acc = (acc * xs[i]!) % n;
  let inv = inv1(acc);
  const out: bigint[] = new Array(xs.length);
  for (let i = xs.length - 1; i > 0; i--) {
    out[i] = (inv * prefix[i - 1]!) % n;
    inv = (inv * xs[i]!) % n;
  }
  out[0] = inv;
  return out;
}

/**
 * ECDSA over digests with a private scalar (big-endian, order length) bound to the public point
 * (uncompressed SEC 1): see the header for the algorithm and the self-checks. Takes ownership of
 * `dBytes` (zeroed by `destroy()`).
 */
function ecdsaDigestSigner(
  curveName: keyof typeof CURVES,
  dBytes: Buffer,
  point: Uint8Array,
  hash: HashAlgorithm,
): DigestSigner {
  const Fn = CURVES[curveName].Point.Fn;
  const n = Fn.ORDER;
  const nBytes = Fn.BYTES;
  const excess = (d: Uint8Array) => d.length * 8 - Fn.BITS;
  const ecdh = ecdhFor(curveName);
  const baseX = baseXFor(curveName);
  const fault = ecdsaFaultInjection.inject
    ? (st: EcdsaFaultStage, v: bigint) => ecdsaFaultInjection.inject?.(st, v) ?? v
    : null;

  if (dBytes.length !== nBytes) {
    dBytes.fill(0);
    throw new VaultError('EC private key has the wrong length');
  }
  let d = os2ip(dBytes);
  // Second copy of d for the per-signature check (same value mod n, a different BigInt).
  const c = os2ip(crypto.randomBytes(4)) + 1n;
  let dAlt = d + c * n;
  let live = true;

  /** (a) d·G = Q and the copies of d agree. */
  const keyCheck = () => {
    if (dAlt % n !== d || d <= 0n || d >= n) throw selfCheckFailed();
    const db = i2osp(d, nBytes);
    let P: Buffer;
    try {
      ecdh.setPrivateKey(db);
      P = ecdh.getPublicKey();
    } catch {
      throw selfCheckFailed();
    } finally {
      db.fill(0);
    }
    if (!timingSafeEqual(P, point)) throw selfCheckFailed();
  };
  const wipe = () => {
    live = false;
    dBytes.fill(0);
    d = 0n;
    dAlt = 0n;
    // The ECDH object keeps its last scalar (d after finish()) until it is garbage-collected, like
    // the unsealed KeyObject keeps d; replacing it would cost one more multiplication (~0.5 ms on
    // P-384).
  };
  // (a) runs in finish(), the gate every batch passes before its signatures are released; running it
  // at creation as well would cost one more multiplication per request and decide nothing more.

  const invAll = (xs: bigint[]): bigint[] => invAllMod(xs, n, (x) => Fn.inv(x));

  /**
   * Signs a batch: nonces and R = k·G one by one, then every s with one (blinded) batch inversion,
   * then the per-signature check (b) with one batch inversion of the s values. Returns nothing
   * unless every signature passed (b).
   */
  const signAll = (digests: readonly Uint8Array[]): Uint8Array[] => {
    if (!live) throw new VaultError('signer already destroyed');
    for (const digest of digests)
      if (digest.length !== HASH_LEN[hash])
        throw new VaultError('hash length does not match the hash algorithm');
    const m = digests.length;
    if (m === 0) return [];
    if (fault) {
      const d2 = fault('key', d);
      if (d2 !== d) {
        d = d2;
        dAlt = d2 + c * n;
      }
    }
    const per = 2 * nBytes + 8;
    const e: bigint[] = new Array(m);
    const k: bigint[] = new Array(m);
    const b: bigint[] = new Array(m);
    const r: bigint[] = new Array(m);
    const dS: bigint[] = new Array(m);
    const random = crypto.randomBytes(m * per); // one call for the batch (first attempts)
    for (let i = 0; i < m; i++) {
      const digest = digests[i]!;
      e[i] = os2ip(digest);
      if (excess(digest) > 0) e[i]! >>= BigInt(excess(digest));
      for (let attempt = 0; ; attempt++) {
        if (attempt === 16) throw new VaultError('ECDSA signing failed: no valid nonce');
        const rnd = attempt === 0 ? random.subarray(i * per, (i + 1) * per) : crypto.randomBytes(per);
        k[i] = hedgedNonce(dBytes, rnd.subarray(0, nBytes), digest, n, nBytes + 8);
        b[i] = (os2ip(rnd.subarray(nBytes)) % (n - 1n)) + 1n;
        rnd.fill(0);
        r[i] = baseX(k[i]!);
        if (r[i] !== 0n) break;
      }
      dS[i] = d;
      if (fault) {
        k[i] = fault('k', k[i]!);
        r[i] = fault('r', r[i]!);
        dS[i] = fault('d', d);
      }
    }
    random.fill(0);
    // s = (b·k)⁻¹·(b·e + r·(b·d)) mod n; the inversion sees only the random products b·k.
    const bkInv = invAll(k.map((ki, i) => (b[i]! * ki) % n));
    const s: bigint[] = new Array(m);
    const out: Uint8Array[] = new Array(m);
    const retry: number[] = [];
    for (let i = 0; i < m; i++) {
      const bd = (b[i]! * dS[i]!) % n;
      s[i] = (bkInv[i]! * ((b[i]! * e[i]! + r[i]! * bd) % n)) % n;
      if (fault) s[i] = fault('s', s[i]!);
      if (s[i] === 0n) retry.push(i); // probability ~1/n: sign that digest again with a new nonce
    }
    // Drop the references (BigInts cannot be wiped).
    k.fill(0n);
    b.fill(0n);
    dS.fill(0n);
    bkInv.fill(0n);
    // (b): k' = s⁻¹(e + r·d) with the other copy of d; x((n - k')·G) = x(k'·G) must be r.
    const idx = [...Array(m).keys()].filter((i) => s[i] !== 0n);
    const w = invAll(idx.map((i) => s[i]!));
    for (const [j, i] of idx.entries()) {
      const k2 = (w[j]! * ((e[i]! + r[i]! * dAlt) % n)) % n;
      if (k2 === 0n || baseX(n - k2) !== r[i]) throw selfCheckFailed();
      out[i] = der.seq(derUint(r[i]!), derUint(s[i]!));
    }
    for (const i of retry) out[i] = signAll([digests[i]!])[0]!;
    return out;
  };

  return {
    sign: (digest) => signAll([digest])[0]!,
    signAll,
    finish() {
      if (!live) throw new VaultError('signer already destroyed');
      try {
        keyCheck();
      } catch (err) {
        throw err instanceof VaultError
          ? new VaultError('signature self-check failed: the private key does not match the public key')
          : err;
      }
    },
    destroy: wipe,
  };
}

/** n and e of published RSA keys (OpenSSL's SPKI decoding costs ~100 µs), by SPKI; public data. */
const RSA_JWK_CACHE = new Map<string, { n: string; e: string }>();
function rsaJwkOf(spki: Uint8Array): { n: string; e: string } {
  const id = Buffer.from(spki).toString('base64');
  let v = RSA_JWK_CACHE.get(id);
  if (!v) {
    let jwk: crypto.JsonWebKey;
    try {
      jwk = crypto
        .createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
        .export({ format: 'jwk' });
    } catch {
      throw new VaultError('the published public key cannot be read');
    }
    if (jwk.kty !== 'RSA') throw new VaultError('the published public key is not an RSA key');
    v = { n: jwk.n as string, e: jwk.e as string };
    if (RSA_JWK_CACHE.size >= 256) RSA_JWK_CACHE.delete(RSA_JWK_CACHE.keys().next().value!);
    RSA_JWK_CACHE.set(id, v);
  }
  return v;
}

/**
 * Prepares signing with a software private key (node KeyObject) for one request. RSA: every
 * signature is verified with the public key before it is returned. ECDSA: native signing with the
 * self-checks described in the header, bound to `spki` (DER, the published public key) when
 * given, otherwise to the public point held with `key`.
 */
export function digestSigner(
  key: crypto.KeyObject,
  spec: KeySpec,
  alg: SignatureAlgorithm,
  spki?: Uint8Array,
): DigestSigner {
  if (alg.name === 'Ed25519') throw new VaultError('Ed25519 cannot sign a precomputed hash');
  const checkLength = (digest: Uint8Array) => {
    if (digest.length !== HASH_LEN[alg.hash])
      throw new VaultError('hash length does not match the hash algorithm');
  };
  if (alg.name === 'ECDSA') {
    if (spec.type !== 'EC') throw new VaultError('ECDSA needs an EC key');
    // JWK export and a JS SPKI parse: OpenSSL 3's DER decoder (createPublicKey) costs ~100 µs.
    const jwk = key.export({ format: 'jwk' });
    if (key.asymmetricKeyType !== 'ec' || jwk.crv !== spec.curve)
      throw new VaultError('EC key is not on the curve of its key spec');
    let point: Uint8Array;
    if (spki) {
      const info = parsePublicKeyInfo(spki);
      if (info.spec?.type !== 'EC' || info.spec.curve !== spec.curve)
        throw new VaultError('EC key is not on the curve of its key spec');
      point =
        info.publicKey[0] === 4
          ? info.publicKey
          : CURVES[spec.curve].Point.fromBytes(info.publicKey).toBytes(false);
    } else point = jwkPoint(jwk);
    return ecdsaDigestSigner(spec.curve, Buffer.from(jwk.d as string, 'base64url'), point, alg.hash);
  }
  const pub = crypto.createPublicKey(key);
  if (spec.type !== 'RSA') throw new VaultError('RSA signature needs an RSA key');
  if (spki) {
    // Bind the private key to the published key: every signature below is verified with the
    // private key's own public half, which must be the key of the SPKI (n and e).
    const mine = pub.export({ format: 'jwk' });
    const published = rsaJwkOf(spki);
    if (mine.n !== published.n || mine.e !== published.e)
      throw new VaultError('signature self-check failed: the private key does not match the public key');
  }
  const k = Math.ceil(spec.modulusLength / 8);
  const rsa = alg;
  const signer: DigestSigner = {
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
    finish() {
      // Every RSA signature was already verified with the public key.
    },
    destroy() {
      // The RSA key lives in an OpenSSL KeyObject, which cannot be wiped from JS; the caller drops it.
    },
    signAll: (digests) => digests.map((d) => signer.sign(d)),
  };
  return signer;
}

/**
 * Signs `digest` with a software private key (node KeyObject), self-checked (see `digestSigner`)
 * before it is returned: RSA PKCS#1 v1.5, RSASSA-PSS or ECDSA (DER, not low-S normalised).
 * No SAD is checked here: this is the raw primitive under the vault.
 *
 * @throws VaultError for Ed25519, a key that does not fit `spec` or `alg`, a digest of the wrong
 * length, or a failed self-check (no signature is returned then).
 */
export function signDigestWithKeyObject(
  key: crypto.KeyObject,
  spec: KeySpec,
  alg: SignatureAlgorithm,
  digest: Uint8Array,
): Uint8Array {
  const s = digestSigner(key, spec, alg);
  try {
    const sig = s.sign(digest);
    s.finish();
    return sig;
  } finally {
    s.destroy();
  }
}

/**
 * Independent verification of a hash signature with a public key (SPKI DER), used for PKCS#11
 * results: RSA PKCS#1 v1.5 (DigestInfo compared), RSASSA-PSS (`alg.saltLength`) and ECDSA (DER
 * signature). Returns false, never throws, for Ed25519, a key/algorithm mismatch or malformed input.
 */
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
