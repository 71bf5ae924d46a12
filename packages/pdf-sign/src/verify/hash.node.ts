/**
 * Streaming digest of byte ranges of a file (Node only): two reused buffers, the next chunk read
 * by the thread pool while the current one is hashed, so reading overlaps hashing and no memory
 * is allocated per chunk (the verifier's cost for a large document is about one hash of it).
 */
import { read } from 'node:fs';
import type { CmsDigestAlgorithm } from '@kyso/pki-core';
import { FileSource } from '../pdf/file-source.node.js';
import type { ByteSource } from '../pdf/source.js';
import { createDigestHash, hashByteRangeSource } from '../sign/hash.js';

/** Bytes read per chunk. */
const CHUNK = 1024 * 1024;

/**
 * Hashes [start, start+len) pairs of `byteRange` of `src`: a `FileSource` is read with
 * overlapping reads into reused buffers; any other source through `hashByteRangeSource`. Ranges
 * must lie inside the source (RangeError otherwise).
 */
export async function hashByteRangeStream(
  alg: CmsDigestAlgorithm,
  src: ByteSource,
  byteRange: readonly number[],
): Promise<Uint8Array> {
  if (!(src instanceof FileSource)) return hashByteRangeSource(alg, src, byteRange);
  const chunks: [number, number][] = [];
  for (let i = 0; i + 1 < byteRange.length; i += 2) {
    const start = byteRange[i]!;
    const end = start + byteRange[i + 1]!;
    if (start < 0 || end > src.length) throw new RangeError('byte range outside the source');
    for (let p = start; p < end; p += CHUNK) chunks.push([p, Math.min(CHUNK, end - p)]);
  }
  const h = createDigestHash(alg);
  if (chunks.length === 0) return h.digest();
  const fd = src.fd;
  const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  /** Reads chunk `i` whole into its buffer (resolves the byte count). */
  const load = (i: number): Promise<number> => {
    const [pos, len] = chunks[i]!;
    const buf = bufs[i % 2]!;
    return new Promise((resolve, reject) => {
      const step = (got: number) =>
        read(fd, buf, got, len - got, pos + got, (err, n) => {
          if (err) reject(err);
          else if (n === 0 || got + n >= len) resolve(got + n);
          else step(got + n);
        });
      step(0);
    });
  };
  let next: Promise<number> | undefined = load(0);
  for (let i = 0; i < chunks.length; i++) {
    const n = await next!;
    if (n !== chunks[i]![1]) throw new RangeError('byte range outside the source');
    next = i + 1 < chunks.length ? load(i + 1) : undefined;
    h.update(bufs[i % 2]!.subarray(0, n));
  }
  return h.digest();
}
