/**
 * Streaming digests of PDF byte ranges (incremental, no concatenation of ranges): node:crypto in
 * Node, @noble/hashes in the browser (platform.ts / platform.browser.ts).
 */
import type { CmsDigestAlgorithm, HashAlgorithm } from '@kyso/pki-core';
import { type Hasher, createHasher } from '../platform.js';

export type { Hasher } from '../platform.js';

const NODE_NAMES: Record<HashAlgorithm, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/**
 * A hasher for a digest kyso verifies: the signing hashes, plus SHAKE256 with the 64-byte output
 * of RFC 8419 (Ed448 signatures; verification only, never offered for signing).
 */
export function createDigestHash(alg: CmsDigestAlgorithm): Hasher {
  return createHasher(alg);
}

/** Chunk hashed at a time (keeps the hash loop cache-friendly; no copy is made). */
const CHUNK = 4 * 1024 * 1024;

/** Hashes `bytes` over [start, start+len) pairs of `byteRange` (no copy). */
export function hashByteRange(
  alg: HashAlgorithm,
  bytes: Uint8Array,
  byteRange: readonly number[],
): Uint8Array {
  const h = createHasher(alg);
  for (let i = 0; i + 1 < byteRange.length; i += 2) {
    const start = byteRange[i]!;
    const end = start + byteRange[i + 1]!;
    for (let p = start; p < end; p += CHUNK) h.update(bytes.subarray(p, Math.min(end, p + CHUNK)));
  }
  return h.digest();
}

/** Incremental hasher over several buffers (prepared document = original + appended). */
export function hashParts(alg: HashAlgorithm, parts: readonly Uint8Array[]): Uint8Array {
  const h = createHasher(alg);
  for (const p of parts)
    for (let i = 0; i < p.length; i += CHUNK) h.update(p.subarray(i, Math.min(p.length, i + CHUNK)));
  return h.digest();
}

/**
 * Hashes [start, start+len) pairs of `byteRange` read from a `ByteSource` in chunks (a file is
 * never held whole). Ranges must lie inside the source.
 */
export function hashByteRangeSource(
  alg: CmsDigestAlgorithm,
  source: { readonly length: number; read(offset: number, length: number): Uint8Array },
  byteRange: readonly number[],
): Uint8Array {
  const h = createDigestHash(alg);
  for (let i = 0; i + 1 < byteRange.length; i += 2) {
    const start = byteRange[i]!;
    const end = start + byteRange[i + 1]!;
    for (let p = start; p < end; p += CHUNK) {
      const b = source.read(p, Math.min(end, p + CHUNK) - p);
      if (b.length !== Math.min(end, p + CHUNK) - p) throw new RangeError('byte range outside the source');
      h.update(b);
    }
  }
  return h.digest();
}

/** Node's name of a hash algorithm (for callers streaming data into node:crypto themselves). */
export function nodeHashName(alg: HashAlgorithm): string {
  return NODE_NAMES[alg];
}
