/**
 * What the verifier reads: a document in memory or behind a `ByteSource` (a file opened with
 * `FileSource`), never the whole file at once when it is a file. Helpers: a source cut at a
 * revision's end (a reader "as of" that revision), reads of bytes and byte ranges.
 */
import { PdfError } from '../pdf/objects.js';
import { type ByteSource, isByteSource, memorySource } from '../pdf/source.js';

/** A document to verify: its bytes, or a source (e.g. `new FileSource(path)`). */
export type PdfInput = Uint8Array | ByteSource;

/** `input` as a `ByteSource`: a source is returned as is, bytes are wrapped without copying. */
export function toSource(input: PdfInput): ByteSource {
  return isByteSource(input) ? input : memorySource(input);
}

/** The first `end` bytes of `src` (no copy; reads go to `src`). */
export function sliceSource(src: ByteSource, end: number): ByteSource {
  const len = Math.max(0, Math.min(end, src.length));
  if (len === src.length) return src;
  if (src.bytes) return memorySource(src.bytes.subarray(0, len));
  return {
    length: len,
    read: (offset, length) => {
      const start = Math.max(0, offset);
      const n = Math.min(Math.max(0, length), len - start);
      return n > 0 ? src.read(start, n) : new Uint8Array(0);
    },
  };
}

/** Byte at `offset` (undefined outside the source). */
export function byteAt(src: ByteSource, offset: number): number | undefined {
  if (offset < 0 || offset >= src.length) return undefined;
  return src.bytes ? src.bytes[offset] : src.read(offset, 1)[0];
}

/** Concatenation of [start, len) pairs of `ranges` (bounded by the caller). */
export function readRanges(src: ByteSource, ranges: readonly number[]): Uint8Array {
  let total = 0;
  for (let i = 1; i < ranges.length; i += 2) total += ranges[i]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (let i = 0; i + 1 < ranges.length; i += 2) {
    const b = src.read(ranges[i]!, ranges[i + 1]!);
    if (b.length !== ranges[i + 1]) throw new PdfError('PDF_MALFORMED', 'byte range outside the document');
    out.set(b, o);
    o += b.length;
  }
  return out;
}
