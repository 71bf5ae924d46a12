/**
 * Pure-JavaScript digests (@noble/hashes) for verification only: the hashes of crypto/verify-hash.ts
 * synchronously (crypto/fallback-verify.ts's RSA encodings, in any environment) and SHAKE256 as a
 * CMS digest. Kept apart from verify-hash.ts so that only a fallback verification or a SHAKE256
 * digest loads @noble/hashes (path validation of common algorithms never does).
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512, sha512_224, sha512_256 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import type { VerifyHashAlgorithm } from './types.js';
import { SHAKE256_CMS_LENGTH, verifyHashEntry } from './verify-hash.js';

const FN: Record<VerifyHashAlgorithm, (data: Uint8Array) => Uint8Array> = {
  'SHA-1': sha1,
  'SHA-224': sha224,
  'SHA-256': sha256,
  'SHA-384': sha384,
  'SHA-512': sha512,
  'SHA-512/224': sha512_224,
  'SHA-512/256': sha512_256,
};

/** Synchronous pure-JS digest (@noble/hashes); UNSUPPORTED_ALGORITHM outside the verification set. */
export function verifyHashDigest(alg: VerifyHashAlgorithm, data: Uint8Array): Uint8Array {
  verifyHashEntry(alg);
  return FN[alg](data);
}

/** SHAKE256 with a 64-byte output (@noble/hashes, pure JS). */
export function shake256Digest(data: Uint8Array): Uint8Array {
  return shake256(data, { dkLen: SHAKE256_CMS_LENGTH });
}

/** Incremental SHAKE256 (64-byte output) for callers hashing data in pieces. */
export function shake256Hasher(): { update(data: Uint8Array): void; digest(): Uint8Array } {
  const h = shake256.create({ dkLen: SHAKE256_CMS_LENGTH });
  return {
    update(data: Uint8Array) {
      h.update(data);
    },
    digest: () => h.digest(),
  };
}
