/**
 * What a repairing viewer would pick up (issue 12, class 3). kyso's reader follows the xref chain
 * and tolerates small defects; mupdf and poppler, when an offset misses, rebuild the xref by
 * scanning the file, where the last definition of each object wins. So the verifier reports, with
 * their own codes, every place where the two readings can part:
 *  - TRAILING_DATA: bytes after the last revision's %%EOF other than whitespace and comments
 *    (data no signature covers and no xref declares, which a repairing viewer reads);
 *  - XREF_CORRECTED: a startxref or /Prev that does not point exactly at an xref section (kyso's
 *    near-search found it; a viewer repairs instead);
 *  - XREF_REBUILT: the cross-reference information was unusable and rebuilt by scanning;
 *  - OBJECT_OUTSIDE_XREF: an object header inside an incremental update after a signature that
 *    the update's cross-reference section does not list at that offset (a second definition, or
 *    an object appended with no xref at all).
 * Never silently corrected: the reader keeps reading leniently, the verdict says so.
 *
 * Bounded: the scans are linear in the bytes after the first signed revision, and stop at the
 * first offending byte of the trailing data.
 */
import type { PdfReader, PdfRevision } from '../../pdf/reader.js';
import { latin1 } from '../../pdf/parser.js';
import { type ByteSource, scanSource } from '../../pdf/source.js';
import type { ModificationFinding } from './types.js';

/** Most object headers reported per update (the first ones are enough to say why). */
export const MAX_OUTSIDE_REPORTED = 16;
/** Window read while checking the trailing bytes. */
const TRAIL_CHUNK = 64 * 1024;

/** A view of `src` from `start` to `end`. */
function region(src: ByteSource, start: number, end: number): ByteSource {
  return {
    length: Math.max(0, end - start),
    read: (o, n) => src.read(start + Math.max(0, o), Math.max(0, Math.min(n, end - start - o))),
  };
}

/**
 * Offset of the first byte after `from` that is neither PDF whitespace nor part of a comment, or
 * undefined when there is none.
 */
export function firstDataAfter(src: ByteSource, from: number): number | undefined {
  let inComment = false;
  for (let off = from; off < src.length; off += TRAIL_CHUNK) {
    const b = src.read(off, TRAIL_CHUNK);
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (inComment) {
        if (c === 0x0a || c === 0x0d) inComment = false;
        continue;
      }
      if (c === 0x25) inComment = true;
      else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0x0c && c !== 0x00)
        return off + i;
    }
    if (b.length === 0) break;
  }
  return undefined;
}

const HEADER = /(?<![0-9A-Za-z.+-])(\d{1,7})[ \t\r\n\f\0]+(\d{1,5})[ \t\r\n\f\0]+obj(?![A-Za-z0-9])/g;

/** Object headers `N G obj` in [start, end) of `src`: [offset, number]. */
function headersIn(src: ByteSource, start: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  scanSource(region(src, start, end), 32, (b, base, from, to) => {
    const s = latin1(b);
    HEADER.lastIndex = from;
    for (let m = HEADER.exec(s); m && m.index < to; m = HEADER.exec(s))
      out.push([start + base + m.index, Number(m[1])]);
  });
  return out;
}

const STRUCTURE = /(?<![A-Za-z0-9])(?:obj|endobj|stream|trailer|xref|startxref)(?![A-Za-z0-9])/g;

/** Whether [start, end) of `src` holds an object header, a stream, a trailer or an xref keyword. */
function hasPdfStructure(src: ByteSource, start: number, end: number): boolean {
  let found = false;
  scanSource(region(src, start, end), 16, (b, _base, from, to) => {
    if (found) return;
    const s = latin1(b);
    STRUCTURE.lastIndex = from;
    const m = STRUCTURE.exec(s);
    if (m && m.index < to) found = true;
  });
  return found;
}

/** Headers in revision `k`'s bytes that its xref sections do not list there. */
function outsideXref(reader: PdfReader, revisions: readonly PdfRevision[], k: number): [number, number][] {
  const rev = revisions[k]!;
  const start = revisions[k - 1]!.end;
  const listed = new Map<number, number>(); // offset -> object number
  const spans: [number, number][] = [];
  for (const s of rev.sections) {
    for (const [n, e] of s.entries) if (e.type === 'offset' && e.offset >= start) listed.set(e.offset, n);
    for (const at of [s.offset, s.xrefStm]) {
      if (at === undefined || at < start) continue;
      // The xref stream object itself (its number is in its own entries, or nowhere).
      listed.set(at, -1);
    }
  }
  for (const at of listed.keys()) {
    try {
      const o = reader.parseAt(at, (p) => p.parseIndirect());
      spans.push([at, o.end]);
    } catch {
      spans.push([at, at]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  const inside = (p: number): boolean => {
    // The span starting at or before p (binary search), if it reaches past p.
    let lo = 0;
    let hi = spans.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (spans[mid]![0] <= p) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best >= 0 && spans[best]![0] < p && spans[best]![1] > p;
  };
  const out: [number, number][] = [];
  for (const [at, num] of headersIn(reader.source, start, rev.end)) {
    const l = listed.get(at);
    if (l !== undefined && (l === num || l === -1)) continue;
    if (inside(at)) continue;
    out.push([at, num]);
    if (out.length >= MAX_OUTSIDE_REPORTED) break;
  }
  return out;
}

/**
 * Findings about data a repairing viewer reads differently, for revisions after `firstSigned`
 * (the revision of the first signature). A finding's `revision` is the revision whose bytes hold
 * the defect; data after the last revision is `revisions.length`.
 */
export function repairFindings(
  reader: PdfReader,
  revisions: readonly PdfRevision[],
  firstSigned: number,
): ModificationFinding[] {
  const out: ModificationFinding[] = [];
  const src = reader.source;
  const n = revisions.length;
  const lastEnd = n > 0 ? revisions[n - 1]!.end : 0;
  const trailing = firstDataAfter(src, lastEnd);
  if (trailing !== undefined) {
    // Objects, a trailer or an xref there change what a repairing viewer displays: OTHER. Bytes
    // without any of them (transport junk) cannot, but they are not what was signed either.
    const structural = hasPdfStructure(src, trailing, src.length);
    out.push({
      revision: n,
      level: structural ? 'OTHER' : 'NONE',
      ...(structural ? {} : { indeterminate: true }),
      code: 'TRAILING_DATA',
      description: structural
        ? `${src.length - trailing} byte(s) after the last revision's %%EOF (offset ${trailing}) hold PDF objects, a trailer or an xref that no xref chain declares: a repairing viewer reads them`
        : `${src.length - trailing} byte(s) of unrecognised data after the last revision's %%EOF (offset ${trailing})`,
    });
  }
  if (reader.reconstructed)
    out.push({
      revision: n,
      level: 'NONE',
      indeterminate: true,
      code: 'XREF_REBUILT',
      description: 'the cross-reference information is unusable and was rebuilt by scanning the file',
    });
  for (const c of reader.corrections) {
    let revision = trailing !== undefined ? n : n - 1;
    if (c.kind === 'prev') {
      const i = revisions.findIndex((r) => r.sections.some((s) => s.offset === c.from));
      if (i >= 0) revision = i;
    }
    out.push({
      revision,
      level: 'NONE',
      indeterminate: true,
      code: 'XREF_CORRECTED',
      description: `${c.kind === 'prev' ? '/Prev' : 'startxref'} ${c.declared} does not point at an xref section (found at ${c.found}): a viewer repairs this file`,
    });
  }
  for (let k = Math.max(1, firstSigned + 1); k < n; k++) {
    const outside = outsideXref(reader, revisions, k);
    if (outside.length)
      out.push({
        revision: k,
        level: 'OTHER',
        code: 'OBJECT_OUTSIDE_XREF',
        description: `object(s) ${outside.map(([at, num]) => `${num} at ${at}`).join(', ')} written in revision ${k} but not listed by its cross-reference section there (a repairing viewer reads them)`,
        objects: [...new Set(outside.map(([, num]) => num))],
      });
  }
  return out;
}
