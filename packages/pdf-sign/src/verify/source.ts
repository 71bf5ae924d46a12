/**
 * What the verifier reads: a document in memory or behind a `ByteSource` (a file opened with
 * `FileSource`), never the whole file at once when it is a file. Helpers: a source cut at a
 * revision's end (a reader "as of" that revision), and the revisions of a reader whose ends are
 * found next to each xref section instead of by scanning the whole document.
 */
import { PdfError } from '../pdf/objects.js';
import { indexOf } from '../pdf/parser.js';
import type { PdfReader, PdfRevision, XrefSection } from '../pdf/reader.js';
import { type ByteSource, isByteSource, memorySource } from '../pdf/source.js';

/** A document to verify: its bytes, or a source (e.g. `new FileSource(path)`). */
export type PdfInput = Uint8Array | ByteSource;

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

/** Window read forward from an xref section's end while looking for its `%%EOF`. */
const EOF_WINDOW = 4096;

/**
 * Offset just after the first `%%EOF` (and its end-of-line) ending after `from`, or the source's
 * length. Reads forward in windows from `from`: usually a few bytes, at worst up to the end.
 */
export function eofEndAfter(src: ByteSource, from: number): number {
  // The marker may start a little before `from` only if it overlapped the section's end; start
  // a few bytes earlier so that a marker ending after `from` is never missed.
  let off = Math.max(0, from - 6);
  while (off < src.length) {
    const b = src.read(off, EOF_WINDOW + 8);
    for (let i = indexOf(b, '%%EOF'); i >= 0; i = indexOf(b, '%%EOF', i + 1)) {
      let e = i + 5;
      if (e + 2 > b.length && off + b.length < src.length) break; // end-of-line may be cut: re-read
      if (b[e] === 0x0d) e++;
      if (b[e] === 0x0a) e++;
      if (off + e > from) return off + e;
    }
    if (off + b.length >= src.length) break;
    off += Math.max(1, b.length - 8);
  }
  return src.length;
}

/**
 * `reader.revisions()` without scanning the whole document for `%%EOF` markers: each section's
 * revision ends after the first `%%EOF` following it (what `revisions()` computes from a full
 * scan). Same grouping of sections into revisions as the reader.
 */
export function revisionsOf(reader: PdfReader): PdfRevision[] {
  const src = reader.source;
  if (src.bytes) return reader.revisions();
  const ends = new Map<XrefSection, number>();
  const endFor = (sec: XrefSection): number => {
    let e = ends.get(sec);
    if (e === undefined) {
      e = eofEndAfter(src, sec.end);
      ends.set(sec, e);
    }
    return e;
  };
  const chain = [...reader.sections]; // newest first
  const groups: XrefSection[][] = [];
  for (let i = chain.length - 1; i >= 0; i--) {
    const s = chain[i]!;
    const older = chain[i + 1];
    if (older && s.prev !== undefined && s.prev > s.offset && groups.length > 0)
      groups[groups.length - 1]!.push(s);
    else groups.push([s]);
  }
  const startxrefs = [reader.startxref, ...chain.map((s) => s.prev)].filter(
    (x): x is number => x !== undefined,
  );
  return groups.map((secs, index) => {
    const last = secs[secs.length - 1]!;
    const objects: number[] = [];
    const freed: number[] = [];
    for (const s of secs) {
      for (const [n, e] of s.entries) {
        if (e.type === 'free') {
          if (n !== 0) freed.push(n);
        } else objects.push(n);
      }
    }
    const kinds = secs.map((s) => (s.kind === 'table' && s.xrefStm !== undefined ? 'hybrid' : s.kind));
    return {
      index,
      sections: secs,
      trailer: last.trailer,
      startxref: startxrefs.find((x) => secs.some((s) => s.offset === x)) ?? last.offset,
      end: Math.max(...secs.map(endFor)),
      objects: [...new Set(objects)].sort((a, b) => a - b),
      freed: [...new Set(freed)].sort((a, b) => a - b),
      xrefKind: kinds.includes('hybrid') ? 'hybrid' : (kinds[0] as 'table' | 'stream'),
    };
  });
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
