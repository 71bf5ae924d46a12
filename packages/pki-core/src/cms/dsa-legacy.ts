/**
 * DSA signature verification (FIPS 186-4 §4.7), verify-only, for legacy CMS such as the RFC 4134
 * examples. WebCrypto has no DSA, so this is plain bigint arithmetic; it is never used to sign.
 * Inherited DSA parameters (a key without Dss-Parms) are not supported: callers report that
 * signature as indeterminate.
 */
import { bytesToBigint } from '../bytes.js';
import { DerReader, Tag, decodeInteger } from '../der.js';
import { KysoError } from '../errors.js';

export const OID_DSA = '1.2.840.10040.4.1';
export const OID_DSA_WITH_SHA1 = '1.2.840.10040.4.3';
export const OID_DSA_WITH_SHA256 = '2.16.840.1.101.3.4.3.2';

/** Largest DSA prime we accept (bits): bounds modular exponentiation cost on hostile input. */
export const MAX_DSA_P_BITS = 3072;

export interface DsaPublicKey {
  p: bigint;
  q: bigint;
  g: bigint;
  y: bigint;
}

function bits(n: bigint): number {
  return n.toString(2).length;
}

/** Parses a DSA SubjectPublicKeyInfo's parts. Throws UNSUPPORTED_ALGORITHM when parameters are inherited. */
export function parseDsaPublicKey(parameters: Uint8Array | undefined, publicKey: Uint8Array): DsaPublicKey {
  if (!parameters || parameters[0] === Tag.NULL) {
    throw new KysoError('UNSUPPORTED_ALGORITHM', 'DSA key with inherited parameters is not supported');
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
    bits(q) > 512
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

function modInv(a: bigint, m: bigint): bigint {
  let [r0, r1] = [a % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new KysoError('SIGNATURE_INVALID', 'DSA: s not invertible');
  return ((s0 % m) + m) % m;
}

/** Verifies a DER Dss-Sig-Value over a message digest. Returns false for any bad signature. */
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
  const u1 = (z * w) % q;
  const u2 = (r * w) % q;
  const v = ((modPow(g, u1, p) * modPow(y, u2, p)) % p) % q;
  return v === r;
}
