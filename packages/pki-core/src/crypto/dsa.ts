/**
 * DSA signature verification (FIPS 186-4 §4.7), verify-only, for legacy data: old certificates and
 * CRLs (NIST PKITS 4.1.4-4.1.6), legacy CMS such as the RFC 4134 examples. WebCrypto has no DSA,
 * so this is plain bigint arithmetic. kyso never creates DSA signatures (FIPS 186-5 withdrew DSA).
 *
 * Parameter inheritance (RFC 3279 §2.3.2, RFC 5280 §6.1.4 (e)-(f)): a DSA subjectPublicKeyInfo
 * may omit Dss-Parms, in which case the parameters are those of the issuer's key. Callers that
 * know the path supply them with `withInheritedDsaParameters`.
 */
import { bytesToBigint } from '../bytes.js';
import { DerReader, Tag, decodeInteger } from '../der.js';
import { OID } from '../oids.js';
import { KysoError } from '../errors.js';
import type { PublicKeyInfo } from './types.js';

export const OID_DSA = OID.dsa;
export const OID_DSA_WITH_SHA1 = OID.dsaWithSHA1;
export const OID_DSA_WITH_SHA256 = OID.dsaWithSHA256;

/** Largest DSA prime we accept (bits): bounds modular exponentiation cost on hostile input. */
export const MAX_DSA_P_BITS = 3072;
/** Largest DSA subgroup order we accept (bits). */
export const MAX_DSA_Q_BITS = 512;

export interface DsaPublicKey {
  p: bigint;
  q: bigint;
  g: bigint;
  y: bigint;
}

function bits(n: bigint): number {
  return n.toString(2).length;
}

/** True for a DSA key that carries no Dss-Parms (it inherits its issuer's). */
export function dsaKeyInheritsParameters(info: PublicKeyInfo): boolean {
  return info.algorithmOid === OID_DSA && (!info.parameters || info.parameters[0] === Tag.NULL);
}

/** True for a DSA key with its own Dss-Parms. */
export function dsaKeyHasParameters(info: PublicKeyInfo): boolean {
  return info.algorithmOid === OID_DSA && !dsaKeyInheritsParameters(info);
}

/**
 * The same key with the Dss-Parms of `from` (the issuer's DSA key): what RFC 5280 §6.1.4 (f) calls
 * working_public_key_parameters. `der` is unchanged (it is the certificate's own SPKI).
 */
export function withInheritedDsaParameters(info: PublicKeyInfo, from: PublicKeyInfo): PublicKeyInfo {
  if (!dsaKeyInheritsParameters(info) || !dsaKeyHasParameters(from)) return info;
  return { ...info, parameters: from.parameters! };
}

/**
 * Parses a DSA SubjectPublicKeyInfo's parts: Dss-Parms (p, q, g) and the public value y.
 * UNSUPPORTED_ALGORITHM when the parameters are absent (inherited and not supplied);
 * KEY_INVALID when a value is out of range.
 */
export function parseDsaPublicKey(parameters: Uint8Array | undefined, publicKey: Uint8Array): DsaPublicKey {
  if (!parameters || parameters[0] === Tag.NULL) {
    throw new KysoError('UNSUPPORTED_ALGORITHM', 'DSA key with inherited parameters that were not supplied');
  }
  const r = new DerReader(DerReader.single(parameters, Tag.SEQUENCE).value);
  const p = r.readInteger();
  const q = r.readInteger();
  const g = r.readInteger();
  r.finish('unexpected data in Dss-Parms');
  const y = decodeInteger(DerReader.single(publicKey, Tag.INTEGER));
  if (
    p <= 2n ||
    q <= 1n ||
    g <= 1n ||
    g >= p ||
    y <= 1n ||
    y >= p ||
    bits(p) > MAX_DSA_P_BITS ||
    bits(q) > MAX_DSA_Q_BITS ||
    q >= p
  ) {
    throw new KysoError('KEY_INVALID', 'DSA public key parameters out of range');
  }
  return { p, q, g, y };
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    e >>= 1n;
    b = (b * b) % m;
  }
  return r;
}

/** Modular inverse, or undefined when `a` is not invertible modulo `m`. */
function modInv(a: bigint, m: bigint): bigint | undefined {
  let [r0, r1] = [a % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) return undefined;
  return ((s0 % m) + m) % m;
}

/**
 * Verifies a DER Dss-Sig-Value over a message digest (FIPS 186-4 §4.7): r, s in (0, q),
 * w = s^-1 mod q, u1 = z·w, u2 = r·w, v = (g^u1 · y^u2 mod p) mod q, valid iff v = r; z is the
 * leftmost min(N, outlen) bits of the digest. Returns false for any bad or malformed signature.
 */
export function verifyDsa(key: DsaPublicKey, messageDigest: Uint8Array, signature: Uint8Array): boolean {
  let r: bigint;
  let s: bigint;
  try {
    const rd = new DerReader(DerReader.single(signature, Tag.SEQUENCE).value);
    r = rd.readInteger();
    s = rd.readInteger();
    rd.finish();
  } catch {
    return false;
  }
  const { p, q, g, y } = key;
  if (r <= 0n || r >= q || s <= 0n || s >= q) return false;
  const n = bits(q);
  let z = bytesToBigint(messageDigest);
  const hb = messageDigest.length * 8;
  if (hb > n) z >>= BigInt(hb - n);
  const w = modInv(s, q);
  if (w === undefined) return false;
  const u1 = (z * w) % q;
  const u2 = (r * w) % q;
  const v = ((modPow(g, u1, p) * modPow(y, u2, p)) % p) % q;
  return v === r;
}
