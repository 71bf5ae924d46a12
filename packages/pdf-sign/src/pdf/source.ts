/**
 * Where the reader gets its bytes: a `ByteSource` answers positioned reads. The in-memory source
 * (browser-capable) wraps a Uint8Array and reads without copying; the file source
 * (`file-source.node.ts`, Node only) reads from a file handle, so a large document is never held
 * in memory: the reader only reads its tail (startxref, xref sections) and the objects it needs.
 */
import type { CmsDigestAlgorithm } from '@kyso/pki-core';

/**
 * Positioned read access to a PDF's bytes: what `PdfReader` and the verifier read from. Use
 * `memorySource` for bytes in memory or `fileSource` (`@kyso/pdf-sign/node`) for a file on disk;
 * any object with `length` and `read` works (e.g. a range-request client).
 */
export interface ByteSource {
  /** Total length in bytes. */
  readonly length: number;
  /**
   * Bytes [offset, offset + length) clipped to the source (shorter at the end). The result may be
   * a view of a shared buffer: do not modify it.
   */
  read(offset: number, length: number): Uint8Array;
  /** The whole content when it is in memory (lets the reader skip windowed reads). */
  readonly bytes?: Uint8Array;
  /**
   * Digest of [start, start+len) pairs of `byteRange`, when the source has a faster way than
   * chunked `read`s (the Node file source overlaps reading and hashing). Ranges must lie inside.
   */
  hashRanges?(alg: CmsDigestAlgorithm, byteRange: readonly number[]): Promise<Uint8Array>;
}

/** A source over bytes in memory (no copy). */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    length: bytes.length,
    bytes,
    read: (offset, length) =>
      bytes.subarray(Math.max(0, offset), Math.min(bytes.length, Math.max(0, offset) + Math.max(0, length))),
  };
}

/** Whether `x` is a `ByteSource` (an object with `read()` and a numeric `length`, not a Uint8Array). */
export function isByteSource(x: unknown): x is ByteSource {
  return (
    typeof x === 'object' &&
    x !== null &&
    !(x instanceof Uint8Array) &&
    typeof (x as ByteSource).read === 'function' &&
    typeof (x as ByteSource).length === 'number'
  );
}

/** Chunk size used to scan a source from start to end. */
export const SCAN_CHUNK = 1024 * 1024;

/**
 * Scans the source in chunks: `fn(chunk, base, from, to)` gets bytes starting at file offset
 * `base` and owns matches starting at chunk indices [from, to); the chunk extends `margin` bytes
 * on both sides of the owned region, so a token of at most `margin` bytes is whole and its
 * preceding bytes are visible (for look-behind). In memory: one call over the whole buffer.
 */
export function scanSource(
  src: ByteSource,
  margin: number,
  fn: (chunk: Uint8Array, base: number, from: number, to: number) => void,
  chunkSize = SCAN_CHUNK,
): void {
  if (src.bytes) {
    fn(src.bytes, 0, 0, src.bytes.length);
    return;
  }
  for (let off = 0; off < src.length; off += chunkSize) {
    const start = Math.max(0, off - margin);
    const chunk = src.read(start, off + chunkSize + margin - start);
    fn(chunk, start, off - start, Math.min(chunk.length, off + chunkSize - start));
  }
}
