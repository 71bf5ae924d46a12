/**
 * Digest of byte ranges of any source (Node only): a file is streamed by FileSource.hashRanges
 * (reading overlaps hashing, no memory allocated per chunk), anything else hashed in memory.
 */
import type { CmsDigestAlgorithm } from '@kyso/pki-core';
import { FileSource } from '../pdf/file-source.node.js';
import type { ByteSource } from '../pdf/source.js';
import { hashByteRangeSource } from '../sign/hash.js';

/**
 * Hashes [start, start+len) pairs of `byteRange` of `src`: a `FileSource` is read with
 * overlapping reads into reused buffers (FileSource.hashRanges); any other source through
 * `hashByteRangeSource`. Ranges must lie inside the source (RangeError otherwise).
 */
export async function hashByteRangeStream(
  alg: CmsDigestAlgorithm,
  src: ByteSource,
  byteRange: readonly number[],
): Promise<Uint8Array> {
  return src instanceof FileSource
    ? src.hashRanges(alg, byteRange)
    : hashByteRangeSource(alg, src, byteRange);
}
