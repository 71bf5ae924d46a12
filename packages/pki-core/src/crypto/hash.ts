/**
 * Digests (node:crypto on Node, WebCrypto elsewhere: crypto/native-sign.ts), and the hash
 * AlgorithmIdentifiers used by X.509, CMS and RSASSA-PSS.
 */
import type { DerElement } from '../der.js';
import { DerReader, nul, oid, schemaError, seq, Tag } from '../der.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { nativeDigest } from './native-sign.js';
import type { HashAlgorithm } from './types.js';
import { bufferSource, subtle } from './util.js';

/** Every hash algorithm kyso knows, weakest first (SHA-1 only for verifying old data). */
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];

const HASH_TO_OID: Record<HashAlgorithm, string> = {
  'SHA-1': OID.sha1,
  'SHA-256': OID.sha256,
  'SHA-384': OID.sha384,
  'SHA-512': OID.sha512,
};

const OID_TO_HASH: ReadonlyMap<string, HashAlgorithm> = new Map(
  Object.entries(HASH_TO_OID).map(([k, v]) => [v, k as HashAlgorithm]),
);

/** Output length in bytes of each hash (the one table: the server's vault and PBE read it too). */
export const HASH_LEN: Readonly<Record<HashAlgorithm, number>> = {
  'SHA-1': 20,
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
};

/** Whether `x` is one of `HASH_ALGORITHMS` (for validating untrusted input such as a CLI option or JSON). */
export function isHashAlgorithm(x: unknown): x is HashAlgorithm {
  return typeof x === 'string' && Object.hasOwn(HASH_TO_OID, x);
}

/** Output length of the hash in bytes. */
export function hashLength(alg: HashAlgorithm): number {
  const n = HASH_LEN[alg];
  if (n === undefined) throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported hash ${String(alg)}`);
  return n;
}

/** OID of the hash algorithm. */
export function hashOid(alg: HashAlgorithm): string {
  const o = HASH_TO_OID[alg];
  if (o === undefined) throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported hash ${String(alg)}`);
  return o;
}

/** Hash algorithm for an OID; throws UNSUPPORTED_ALGORITHM for unknown (or MD5, SHA-224) OIDs. */
export function hashFromOid(o: string): HashAlgorithm {
  const h = OID_TO_HASH.get(o);
  if (h === undefined) throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported hash algorithm ${o}`);
  return h;
}

/**
 * Digest of `data` with `alg`: synchronous node:crypto `createHash` on Node (no trip through
 * WebCrypto's thread pool), WebCrypto elsewhere or after `setNativeSign(false)`.
 */
export async function digest(alg: HashAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  hashLength(alg); // validates alg
  return nativeDigest(alg, data) ?? new Uint8Array(await subtle().digest(alg, bufferSource(data)));
}

/**
 * DER AlgorithmIdentifier for a hash. By default the parameters are absent (RFC 5754 §2: the
 * preferred encoding for SHA-2 in CMS and elsewhere). `nullParams` emits an explicit NULL, which
 * RFC 4055 §2.1 uses inside RSASSA-PSS-params (and which OpenSSL and Go emit there).
 */
export function hashAlgorithmIdentifier(alg: HashAlgorithm, opts: { nullParams?: boolean } = {}): Uint8Array {
  return seq(oid(hashOid(alg)), opts.nullParams ? nul() : undefined);
}

/**
 * Parses a hash AlgorithmIdentifier. Parameters may be absent or NULL (both are legal, RFC 4055
 * §2.1 / RFC 5754 §2); anything else is an ASN1_SCHEMA error. Unknown hashes: UNSUPPORTED_ALGORITHM.
 */
export function parseHashAlgorithmIdentifier(input: DerElement | Uint8Array): HashAlgorithm {
  const el = input instanceof Uint8Array ? DerReader.single(input, Tag.SEQUENCE) : input;
  if (el.tag !== Tag.SEQUENCE) throw schemaError('hash AlgorithmIdentifier is not a SEQUENCE');
  const r = new DerReader(el.value, el.offset + el.raw.length - el.value.length);
  const o = r.readOid();
  if (!r.done) r.readNull();
  r.finish('unexpected data in hash AlgorithmIdentifier');
  return hashFromOid(o);
}
