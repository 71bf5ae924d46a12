/**
 * Signature verification for what WebCrypto cannot do, in pure TypeScript (browser-safe):
 * - RSASSA-PSS with any (hash, MGF1 hash, salt length), hashes SHA-1/224/256/384/512/512-224/512-256;
 * - RSASSA-PKCS1-v1_5 with SHA-224, SHA-512/224 and SHA-512/256;
 * - Ed448 (RFC 8032 pure, empty context) through @noble/curves;
 * - ML-DSA-44/65/87 (FIPS 204 pure, empty context; RFC 9881/9882) through @noble/post-quantum.
 *
 * RSA is RSAVP1 (s^e mod n with bigint, RFC 8017 §5.2.2) followed by EMSA-PSS-VERIFY (§9.1.2) or a
 * byte-for-byte comparison with the EMSA-PKCS1-v1_5 encoding (§9.2, §8.2.2 step 3-4). Only public
 * data is processed, so the code need not be constant-time. Verification only: nothing here signs.
 *
 * `verifySignature` (crypto/verify.ts) imports this module (dynamically, on first use) only when
 * `webCryptoVerifyAlgorithm` (crypto/algorithms.ts) says WebCrypto cannot verify; the
 * common algorithms (P-256, RSA-2048 SHA-256...) stay on WebCrypto. @noble/curves' Ed448 and
 * @noble/post-quantum are imported on first use (an Ed448 or ML-DSA signature), not at load: they
 * would otherwise cost every `kyso verify chain` start tens of milliseconds.
 */
import { bytesEqual, bytesToBigint, concatBytes } from '../bytes.js';
import { DerReader, decodeInteger, nul, octetString, oid, seq, Tag } from '../der.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { parsePssParamsForVerify } from './algorithms.js';
import { mlDsaParameterSet, verifyMlDsa } from './ml-dsa.js';
import type { PublicKeyInfo, VerifyAlgorithm, VerifyHashAlgorithm } from './types.js';
import { verifyHashLength, verifyHashOid } from './verify-hash.js';
import { verifyHashDigest } from './verify-hash-digest.js';

// Where the routing lives now (crypto/algorithms.ts), so that verify.ts need not load this module.
export { webCryptoVerifyAlgorithm } from './algorithms.js';

/** Ed448 public key and signature sizes (RFC 8032 §5.2.5, RFC 8410 §3). */
export const ED448_PUBLIC_KEY_BYTES = 57;
export const ED448_SIGNATURE_BYTES = 114;

/**
 * Largest public exponent (bits) accepted for moduli above 3072 bits: the same bound OpenSSL
 * (and so Node's WebCrypto) applies, it keeps s^e mod n cheap on hostile keys.
 */
export const MAX_RSA_LARGE_MODULUS_EXPONENT_BITS = 64;

/** An RSA public key as integers. */
export interface RsaPublicNumbers {
  n: bigint;
  e: bigint;
  /** Modulus length in bits. */
  bits: number;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** n and e from an rsaEncryption or id-RSASSA-PSS SubjectPublicKeyInfo (RSAPublicKey, RFC 8017 A.1.1). */
export function rsaPublicNumbers(info: PublicKeyInfo): RsaPublicNumbers {
  const r = new DerReader(DerReader.single(info.publicKey, Tag.SEQUENCE).value);
  const n = decodeInteger(r.read(Tag.INTEGER));
  const e = decodeInteger(r.read(Tag.INTEGER));
  r.finish('unexpected data in RSAPublicKey');
  if (n <= 0n || (n & 1n) === 0n)
    throw new KysoError('KEY_INVALID', 'RSA modulus is not a positive odd integer');
  if (e < 3n || (e & 1n) === 0n || e >= n)
    throw new KysoError('KEY_INVALID', 'RSA public exponent is invalid');
  const bits = bitLength(n);
  if (bits > 3072 && bitLength(e) > MAX_RSA_LARGE_MODULUS_EXPONENT_BITS) {
    throw new KysoError('UNSUPPORTED_ALGORITHM', 'RSA public exponent too large for this modulus size');
  }
  return { n, e, bits };
}

/** b^e mod m (square-and-multiply, left to right). */
export function modPow(b: bigint, e: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  let result = 1n;
  const base = b % m;
  for (let i = bitLength(e) - 1; i >= 0; i--) {
    result = (result * result) % m;
    if ((e >> BigInt(i)) & 1n) result = (result * base) % m;
  }
  return result;
}

/** I2OSP (RFC 8017 §4.1); undefined when x does not fit in `len` octets. */
function i2osp(x: bigint, len: number): Uint8Array | undefined {
  const out = new Uint8Array(len);
  let v = x;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return v === 0n ? out : undefined;
}

/**
 * RSAVP1 (RFC 8017 §5.2.2) with the length check of §8.1.2 / §8.2.2 step 1: the signature must be
 * exactly k = ceil(modBits/8) octets and its integer below n. Returns m, or undefined (invalid).
 */
export function rsavp1(key: RsaPublicNumbers, signature: Uint8Array): bigint | undefined {
  if (signature.length !== Math.ceil(key.bits / 8)) return undefined;
  const s = bytesToBigint(signature);
  if (s >= key.n) return undefined;
  return modPow(s, key.e, key.n);
}

/** MGF1 (RFC 8017 B.2.1). */
export function mgf1(hash: VerifyHashAlgorithm, seed: Uint8Array, maskLen: number): Uint8Array {
  const hLen = verifyHashLength(hash);
  const out = new Uint8Array(maskLen);
  const block = new Uint8Array(seed.length + 4);
  block.set(seed);
  for (let counter = 0, off = 0; off < maskLen; counter++, off += hLen) {
    block[seed.length] = counter >>> 24;
    block[seed.length + 1] = (counter >>> 16) & 0xff;
    block[seed.length + 2] = (counter >>> 8) & 0xff;
    block[seed.length + 3] = counter & 0xff;
    out.set(verifyHashDigest(hash, block).subarray(0, Math.min(hLen, maskLen - off)), off);
  }
  return out;
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2): true for "consistent". */
export function emsaPssVerify(
  mHash: Uint8Array,
  em: Uint8Array,
  emBits: number,
  hash: VerifyHashAlgorithm,
  mgf1Hash: VerifyHashAlgorithm,
  sLen: number,
): boolean {
  const hLen = verifyHashLength(hash);
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || mHash.length !== hLen) return false;
  // Step 3.
  if (emLen < hLen + sLen + 2) return false;
  // Step 4.
  if (em[emLen - 1] !== 0xbc) return false;
  // Step 5.
  const dbLen = emLen - hLen - 1;
  const maskedDB = em.subarray(0, dbLen);
  const h = em.subarray(dbLen, dbLen + hLen);
  // Step 6: the leftmost 8emLen - emBits bits of maskedDB must be zero.
  const topBits = 8 * emLen - emBits;
  const topMask = (0xff >> topBits) & 0xff;
  if ((maskedDB[0]! & ~topMask & 0xff) !== 0) return false;
  // Steps 7-9.
  const db = mgf1(mgf1Hash, h, dbLen);
  for (let i = 0; i < dbLen; i++) db[i] = db[i]! ^ maskedDB[i]!;
  db[0] = db[0]! & topMask;
  // Step 10: PS (emLen - hLen - sLen - 2 zero octets) then 0x01.
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  // Steps 11-14.
  const salt = db.subarray(dbLen - sLen);
  const mPrime = concatBytes(new Uint8Array(8), mHash, salt);
  return bytesEqual(verifyHashDigest(hash, mPrime), h);
}

/**
 * EMSA-PKCS1-v1_5-ENCODE (RFC 8017 §9.2): 0x00 01 FF..FF 00 || DigestInfo, the DigestInfo with
 * NULL hash parameters (the encoding of the RFC's Note 1). Undefined if emLen is too short.
 */
export function emsaPkcs1v15Encode(
  hash: VerifyHashAlgorithm,
  mHash: Uint8Array,
  emLen: number,
): Uint8Array | undefined {
  const t = seq(seq(oid(verifyHashOid(hash)), nul()), octetString(mHash));
  if (emLen < t.length + 11) return undefined;
  const em = new Uint8Array(emLen);
  em[1] = 0x01;
  em.fill(0xff, 2, emLen - t.length - 1);
  em.set(t, emLen - t.length);
  return em;
}

/**
 * RFC 4055 §3.3: an id-RSASSA-PSS key with parameters only verifies PSS signatures with the same
 * hash and MGF1 hash and a salt at least as long; without parameters, any PSS signature.
 * rsaEncryption keys allow everything.
 */
function rsaKeyAllows(info: PublicKeyInfo, alg: VerifyAlgorithm, saltLength: number): boolean {
  if (info.algorithmOid === OID.rsaEncryption) return true;
  if (info.algorithmOid !== OID.rsassaPss || alg.name !== 'RSA-PSS') return false;
  if (!info.parameters) return true;
  const p = parsePssParamsForVerify(DerReader.single(info.parameters, Tag.SEQUENCE));
  const mgf1Hash = ('mgf1Hash' in alg ? alg.mgf1Hash : undefined) ?? alg.hash;
  return p.hash === alg.hash && p.mgf1Hash === mgf1Hash && saltLength >= p.saltLength;
}

type Ed448Module = typeof import('@noble/curves/ed448.js');
let ed448Module: Promise<Ed448Module> | undefined;
/** @noble/curves' Ed448, loaded once on first use. */
function loadEd448(): Promise<Ed448Module> {
  ed448Module ??= import('@noble/curves/ed448.js');
  return ed448Module;
}

async function verifyEd448(info: PublicKeyInfo, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (info.algorithmOid !== OID.ed448) return false;
  if (info.parameters) throw new KysoError('ASN1_SCHEMA', 'Ed448 public key must have absent parameters');
  if (info.publicKey.length !== ED448_PUBLIC_KEY_BYTES) {
    throw new KysoError('KEY_INVALID', `Ed448 public key must be ${ED448_PUBLIC_KEY_BYTES} bytes`);
  }
  const { ed448 } = await loadEd448();
  if (!ed448.utils.isValidPublicKey(info.publicKey, false)) {
    throw new KysoError('KEY_INVALID', 'Ed448 public key is not a valid curve point');
  }
  if (signature.length !== ED448_SIGNATURE_BYTES) return false;
  try {
    // zip215: false is RFC 8032 strict decoding (canonical R and A, S < L).
    return ed448.verify(signature, data, info.publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Verifies with the pure-TypeScript fallback. Same contract as `verifySignature`: false for a
 * wrong signature or an algorithm that does not fit the key; KysoError for a malformed key or an
 * unsupported algorithm.
 */
export async function fallbackVerify(
  info: PublicKeyInfo,
  alg: VerifyAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (alg.name === 'Ed448') return await verifyEd448(info, data, signature);
  const keyMlDsa = mlDsaParameterSet(info.algorithmOid);
  if (alg.name === 'ML-DSA') {
    // The key's parameter set must be the algorithm's (RFC 9881 §2-4).
    if (keyMlDsa !== alg.parameterSet) return false;
    if (info.parameters)
      throw new KysoError('ASN1_SCHEMA', `${keyMlDsa} public key must have absent parameters`);
    return await verifyMlDsa(keyMlDsa, info.publicKey, data, signature);
  }
  if (alg.name !== 'RSA-PKCS1' && alg.name !== 'RSA-PSS') {
    // Only reached for an Ed448 or ML-DSA key with another algorithm: it does not fit.
    if (info.algorithmOid === OID.ed448 || keyMlDsa) return false;
    throw new KysoError('UNSUPPORTED_ALGORITHM', `no fallback verifier for ${JSON.stringify(alg)}`);
  }
  if (info.algorithmOid !== OID.rsaEncryption && info.algorithmOid !== OID.rsassaPss) return false;
  const hLen = verifyHashLength(alg.hash);
  const mgf1Hash =
    alg.name === 'RSA-PSS' ? (('mgf1Hash' in alg ? alg.mgf1Hash : undefined) ?? alg.hash) : alg.hash;
  verifyHashLength(mgf1Hash);
  // A PSS salt length left out by the caller defaults to the hash length (as in signer.ts).
  const saltLength = alg.name === 'RSA-PSS' ? (alg.saltLength ?? hLen) : 0;
  if (!Number.isInteger(saltLength) || saltLength < 0) {
    throw new KysoError('INVALID_ARGUMENT', `invalid RSASSA-PSS salt length ${String(saltLength)}`);
  }
  const key = rsaPublicNumbers(info);
  if (!rsaKeyAllows(info, alg, saltLength)) return false;

  const m = rsavp1(key, signature);
  if (m === undefined) return false;
  const mHash = verifyHashDigest(alg.hash, data);
  if (mHash.length !== hLen) return false;

  if (alg.name === 'RSA-PSS') {
    // §8.1.2 step 2c: EM = I2OSP(m, emLen), emLen = ceil((modBits - 1) / 8).
    const emBits = key.bits - 1;
    const em = i2osp(m, Math.ceil(emBits / 8));
    if (!em) return false;
    return emsaPssVerify(mHash, em, emBits, alg.hash, mgf1Hash, saltLength);
  }
  // §8.2.2 steps 2c-4: EM = I2OSP(m, k) compared with the encoding of the message.
  const k = Math.ceil(key.bits / 8);
  const em = i2osp(m, k);
  const expected = emsaPkcs1v15Encode(alg.hash, mHash, k);
  return em !== undefined && expected !== undefined && bytesEqual(em, expected);
}
