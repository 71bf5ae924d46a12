/**
 * The hashes kyso accepts when VERIFYING signatures: its signing set (SHA-1 for old data, SHA-256,
 * SHA-384, SHA-512) plus SHA-224, SHA-512/224 and SHA-512/256, which WebCrypto does not offer.
 * This module holds their names, OIDs and lengths only; the pure-JavaScript digests
 * (@noble/hashes, so crypto/fallback-verify.ts can run RSA encodings synchronously in any
 * environment) are in crypto/verify-hash-digest.ts, loaded only when a fallback verification or a
 * SHAKE256 digest needs them. Nothing here may be used for new signatures:
 * `assertStrongForSigning` only knows `HashAlgorithm`.
 */
import type { DerElement } from '../der.js';
import { DerReader, schemaError, Tag } from '../der.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { digest, hashFromOid } from './hash.js';
import type { CmsDigestAlgorithm, HashAlgorithm, VerifyHashAlgorithm } from './types.js';

/** Verification-only hash OIDs (NIST CSOR 2.16.840.1.101.3.4.2.x). */
export const OID_SHA224 = '2.16.840.1.101.3.4.2.4';
export const OID_SHA512_224 = '2.16.840.1.101.3.4.2.5';
export const OID_SHA512_256 = '2.16.840.1.101.3.4.2.6';

interface HashEntry {
  oid: string;
  length: number;
}

const HASHES: Record<VerifyHashAlgorithm, HashEntry> = {
  'SHA-1': { oid: OID.sha1, length: 20 },
  'SHA-224': { oid: OID_SHA224, length: 28 },
  'SHA-256': { oid: OID.sha256, length: 32 },
  'SHA-384': { oid: OID.sha384, length: 48 },
  'SHA-512': { oid: OID.sha512, length: 64 },
  'SHA-512/224': { oid: OID_SHA512_224, length: 28 },
  'SHA-512/256': { oid: OID_SHA512_256, length: 32 },
};

const BY_OID: ReadonlyMap<string, VerifyHashAlgorithm> = new Map(
  Object.entries(HASHES).map(([name, e]) => [e.oid, name as VerifyHashAlgorithm]),
);

/** Hashes WebCrypto (and kyso's signing code) support; the others go through the fallback. */
const WEBCRYPTO_HASHES: ReadonlySet<string> = new Set<HashAlgorithm>([
  'SHA-1',
  'SHA-256',
  'SHA-384',
  'SHA-512',
]);

export function isVerifyHashAlgorithm(x: unknown): x is VerifyHashAlgorithm {
  return typeof x === 'string' && Object.hasOwn(HASHES, x);
}

/** True for SHA-1/256/384/512 (the hashes WebCrypto and kyso's signers know). */
export function isWebCryptoHash(h: VerifyHashAlgorithm): h is HashAlgorithm {
  return WEBCRYPTO_HASHES.has(h);
}

/** The entry of a verification hash; UNSUPPORTED_ALGORITHM for anything else. */
export function verifyHashEntry(alg: VerifyHashAlgorithm): HashEntry {
  const e = Object.hasOwn(HASHES, alg) ? HASHES[alg] : undefined;
  if (!e) throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported hash ${String(alg)}`);
  return e;
}

/** Output length in bytes. */
export function verifyHashLength(alg: VerifyHashAlgorithm): number {
  return verifyHashEntry(alg).length;
}

/** OID of a verification hash. */
export function verifyHashOid(alg: VerifyHashAlgorithm): string {
  return verifyHashEntry(alg).oid;
}

/** Hash for an OID; UNSUPPORTED_ALGORITHM for anything else (MD5, SHA-3...). */
export function verifyHashFromOid(o: string): VerifyHashAlgorithm {
  const h = BY_OID.get(o);
  if (h === undefined) throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported hash algorithm ${o}`);
  return h;
}

/**
 * Parses a hash AlgorithmIdentifier with the verification hash set; parameters absent or NULL
 * (RFC 4055 §2.1, RFC 5754 §2), anything else ASN1_SCHEMA.
 */
export function parseVerifyHashAlgorithmIdentifier(input: DerElement | Uint8Array): VerifyHashAlgorithm {
  const el = input instanceof Uint8Array ? DerReader.single(input, Tag.SEQUENCE) : input;
  if (el.tag !== Tag.SEQUENCE) throw schemaError('hash AlgorithmIdentifier is not a SEQUENCE');
  const r = new DerReader(el.value, el.offset + el.raw.length - el.value.length);
  const o = r.readOid();
  if (!r.done) r.readNull();
  r.finish('unexpected data in hash AlgorithmIdentifier');
  return verifyHashFromOid(o);
}

// --- SHAKE256 as a CMS message digest (verification only) ------------------------------------

/** id-shake256 (RFC 8419 §2.3: parameters absent, 512-bit output in CMS). */
export const OID_SHAKE256 = '2.16.840.1.101.3.4.2.12';
/** id-shake256-len (RFC 8702 §2, parameters: the output length in bits as an INTEGER). */
export const OID_SHAKE256_LEN = '2.16.840.1.101.3.4.2.18';
/** Output length of SHAKE256 as a CMS digest (RFC 8419 §2.3), in bytes. */
export const SHAKE256_CMS_LENGTH = 64;

/** True for the digests `cmsDigest` computes. */
export function isCmsDigestAlgorithm(x: unknown): x is CmsDigestAlgorithm {
  return x === 'SHAKE256' || x === 'SHA-1' || x === 'SHA-256' || x === 'SHA-384' || x === 'SHA-512';
}

/** Output length in bytes of a CMS digest. */
export function cmsDigestLength(alg: CmsDigestAlgorithm): number {
  return alg === 'SHAKE256' ? SHAKE256_CMS_LENGTH : verifyHashLength(alg);
}

/**
 * Digest of `data` for a CMS messageDigest: SHA-* through WebCrypto, SHAKE256 in pure JS
 * (crypto/verify-hash-digest.ts, imported on first use).
 */
export async function cmsDigest(alg: CmsDigestAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  return alg === 'SHAKE256'
    ? (await import('./verify-hash-digest.js')).shake256Digest(data)
    : digest(alg, data);
}

/**
 * The digest of a CMS digestAlgorithm AlgorithmIdentifier given as OID and raw parameters (DER
 * of the parameters element, absent = undefined):
 *  - SHA-1/256/384/512: parameters absent or NULL (RFC 5754 §2); other parameters ASN1_SCHEMA;
 *  - id-shake256: parameters absent (RFC 8419 §2.3); anything else ASN1_SCHEMA;
 *  - id-shake256-len: parameters an INTEGER that must be 512 (bits; RFC 8419's output length),
 *    another length UNSUPPORTED_ALGORITHM.
 * Any other OID: UNSUPPORTED_ALGORITHM.
 */
export function cmsDigestFromAlgorithm(o: string, parameters?: Uint8Array): CmsDigestAlgorithm {
  if (o === OID_SHAKE256) {
    if (parameters) throw schemaError('id-shake256 must have absent parameters (RFC 8419)');
    return 'SHAKE256';
  }
  if (o === OID_SHAKE256_LEN) {
    if (!parameters) throw schemaError('id-shake256-len requires the output length');
    const r = new DerReader(parameters);
    const bits = r.readInteger();
    r.finish('unexpected data after the id-shake256-len output length');
    if (bits !== BigInt(SHAKE256_CMS_LENGTH * 8)) {
      throw new KysoError(
        'UNSUPPORTED_ALGORITHM',
        `SHAKE256 with a ${bits}-bit output (only 512 is accepted)`,
      );
    }
    return 'SHAKE256';
  }
  if (parameters && !(parameters.length === 2 && parameters[0] === 5 && parameters[1] === 0)) {
    throw new KysoError('ASN1_SCHEMA', 'digest AlgorithmIdentifier with non-NULL parameters');
  }
  return hashFromOid(o);
}
