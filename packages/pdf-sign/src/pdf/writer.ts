/**
 * Incremental update writer (ISO 32000-1 §7.5.6): the original bytes are never touched; only new
 * or changed objects are appended, followed by a cross-reference section of the same kind as the
 * file's last one (a table, or a stream when the file uses xref streams) and a trailer with /Prev,
 * /Size, the same /Root, /Info and /ID (first element unchanged). A hybrid file's /XRefStm is not
 * copied into the new trailer (it would be stale): the new section is a plain table. When the
 * reader had to rebuild a broken xref by scanning, the new section lists every object (a complete
 * xref, no /Prev), so the updated file reads without reconstruction.
 */
import { deflate } from '../platform.js';
import { PdfDict, PdfError, PdfName, type PdfObject, PdfRef, PdfStream, PdfString } from './objects.js';
import { ascii } from './parser.js';
import type { PdfReader } from './reader.js';
import { serializeIndirect } from './serialize.js';

/**
 * The result of `IncrementalWriter.write`: the bytes to append to the original document and where
 * each written object landed (the signer uses the offsets to locate /Contents and /ByteRange).
 */
export interface WrittenUpdate {
  /** The appended bytes (the new revision); the full document is original + appended. */
  appended: Uint8Array;
  /** Offset of each written object in the full document, by object number. */
  offsets: Map<number, { start: number; end: number }>;
  /** Length of the full document. */
  length: number;
}

/** Options of `IncrementalWriter`. */
export interface IncrementalWriterOptions {
  /** Force the kind of the new xref section (default: the kind of the file's last section). */
  xrefKind?: 'table' | 'stream';
  /** Second element of the new /ID (default: 16 random bytes). */
  idSecond?: Uint8Array;
}

/**
 * Writes an incremental update (ISO 32000-1 §7.5.6) on top of the document read by `reader`: the
 * original bytes are never modified; new and changed objects, a cross-reference section of the same
 * kind as the file's last one and a trailer with /Prev are appended by `write`.
 *
 * Throws `PdfError` `PDF_UNSUPPORTED` (KysoError `UNSUPPORTED_ALGORITHM`) for an encrypted document.
 */
export class IncrementalWriter {
  readonly #objects = new Map<number, { gen: number; value: PdfObject }>();
  #next: number;

  constructor(
    /** The document the update applies to. */
    readonly reader: PdfReader,
    /** Options of the new cross-reference section and /ID. */
    readonly options: IncrementalWriterOptions = {},
  ) {
    if (reader.encrypted)
      throw new PdfError('PDF_UNSUPPORTED', 'encrypted documents cannot be updated by kyso yet');
    this.#next = reader.size;
  }

  /** Reserves a new object number. */
  allocate(): PdfRef {
    return new PdfRef(this.#next++, 0);
  }

  /** Adds a new object and returns its reference. */
  add(value: PdfObject): PdfRef {
    const ref = this.allocate();
    this.#objects.set(ref.num, { gen: 0, value });
    return ref;
  }

  /** Sets (new or changed) object `ref`. */
  set(ref: PdfRef, value: PdfObject): void {
    this.#objects.set(ref.num, { gen: ref.gen, value });
  }

  /** Whether `ref` is already added or changed in this update. */
  has(ref: PdfRef): boolean {
    return this.#objects.has(ref.num);
  }

  /** The pending value of `ref`, else the reader's. */
  get(ref: PdfRef): PdfObject {
    return this.#objects.get(ref.num)?.value ?? this.reader.getObject(ref.num);
  }

  /**
   * A copy of dictionary object `ref` registered as changed (edit it in place before `write`).
   * For a stream object, the copy shares the data.
   */
  editDict(ref: PdfRef): PdfDict {
    const pending = this.#objects.get(ref.num)?.value;
    if (pending instanceof PdfDict) return pending;
    if (pending instanceof PdfStream) return pending.dict;
    const v = this.reader.getObject(ref.num);
    if (v instanceof PdfDict) {
      const c = v.clone();
      this.set(ref, c);
      return c;
    }
    if (v instanceof PdfStream) {
      const s = new PdfStream(v.dict.clone(), v.raw);
      this.set(ref, s);
      return s.dict;
    }
    throw new PdfError('PDF_MALFORMED', `object ${ref.num} is not a dictionary`);
  }

  /** Number of objects the update will write. */
  get pendingCount(): number {
    return this.#objects.size;
  }

  /**
   * Serialises the pending objects, the cross-reference section (complete, without /Prev, when the
   * reader rebuilt a broken xref) and the trailer (/Size, /Prev, /Root, /Info and /ID with a new second
   * element), then `startxref` and `%%EOF`. Nothing is written to the reader's source: the caller
   * concatenates original + `appended`.
   */
  write(): WrittenUpdate {
    const r = this.reader;
    const base = r.length;
    const parts: Uint8Array[] = [];
    let len = 0;
    const push = (b: Uint8Array) => {
      parts.push(b);
      len += b.length;
    };
    const last = r.source.read(base - 1, 1)[0];
    if (last !== 0x0a && last !== 0x0d) push(ascii('\n'));
    const offsets = new Map<number, { start: number; end: number }>();
    const entries: XrefRow[] = []; // num, offset, gen (type 1) or num, stream, index (type 2)
    const nums = [...this.#objects.keys()].sort((a, b) => a - b);
    for (const n of nums) {
      const o = this.#objects.get(n)!;
      const start = base + len;
      push(serializeIndirect(n, o.gen, o.value));
      offsets.set(n, { start, end: base + len });
      entries.push([n, start, o.gen, 1]);
    }
    if (r.reconstructed) {
      // Complete xref: every object the reader found, object 0 heading the free list.
      entries.push([0, 0, 65535, 0]);
      for (const [n, e] of r.xref) {
        if (n === 0 || this.#objects.has(n)) continue;
        if (e.type === 'offset') entries.push([n, e.offset, e.gen, 1]);
        else if (e.type === 'compressed') entries.push([n, e.stream, e.index, 2]);
      }
    }
    const hasCompressed = entries.some((e) => e[3] === 2);
    const kind = hasCompressed ? 'stream' : (this.options.xrefKind ?? r.lastXrefKind);
    const old = r.trailer;
    const trailer = new PdfDict();
    const root = old.get('Root');
    trailer.set('Root', root);
    if (old.get('Info') !== undefined) trailer.set('Info', old.get('Info'));
    const oldId = r.resolve(old.get('ID'));
    const second = this.options.idSecond ?? globalThis.crypto.getRandomValues(new Uint8Array(16));
    let first: PdfString;
    if (Array.isArray(oldId) && oldId[0] instanceof PdfString) first = oldId[0];
    else first = new PdfString(globalThis.crypto.getRandomValues(new Uint8Array(16)), true);
    trailer.set('ID', [new PdfString(first.bytes, true), new PdfString(second, true)]);
    if (!r.reconstructed) trailer.set('Prev', r.startxref);
    const xrefStart = base + len;
    if (kind === 'table') {
      trailer.set('Size', Math.max(this.#next, r.size));
      let s = 'xref\n';
      for (const [start, group] of subsections(entries)) {
        s += `${start} ${group.length}\n`;
        for (const [, off, gen, type] of group)
          s += `${String(off).padStart(10, '0')} ${String(gen).padStart(5, '0')} ${type === 0 ? 'f' : 'n'}\r\n`;
      }
      push(ascii(s));
      push(ascii('trailer\n'));
      push(serializeTrailer(trailer));
      push(ascii(`\nstartxref\n${xrefStart}\n%%EOF\n`));
    } else {
      const self = this.allocate();
      entries.push([self.num, xrefStart, 0, 1]);
      trailer.set('Size', Math.max(this.#next, r.size));
      const maxOff = entries.reduce((m, e) => Math.max(m, e[1]), 0);
      const w1 = maxOff < 2 ** 32 ? 4 : 6;
      const rows: number[] = [];
      const index: number[] = [];
      for (const [start, group] of subsections(entries)) {
        index.push(start, group.length);
        for (const [, off, gen, type] of group) {
          rows.push(type);
          for (let k = w1 - 1; k >= 0; k--) rows.push(Math.floor(off / 256 ** k) % 256);
          rows.push((gen >> 8) & 0xff, gen & 0xff);
        }
      }
      trailer.set('Type', PdfName.of('XRef'));
      trailer.set('W', [1, w1, 2]);
      trailer.set('Index', index);
      trailer.set('Filter', PdfName.of('FlateDecode'));
      const data = deflate(Uint8Array.from(rows));
      push(serializeIndirect(self.num, 0, new PdfStream(trailer, data)));
      push(ascii(`startxref\n${xrefStart}\n%%EOF\n`));
    }
    const appended = new Uint8Array(len);
    let i = 0;
    for (const p of parts) {
      appended.set(p, i);
      i += p.length;
    }
    return { appended, offsets, length: base + len };
  }
}

function serializeTrailer(d: PdfDict): Uint8Array {
  const full = serializeIndirect(0, 0, d);
  // strip "0 0 obj\n" and "\nendobj\n"
  return full.subarray(8, full.length - 8);
}

type XrefRow = [num: number, field1: number, field2: number, type: 0 | 1 | 2];

function subsections(entries: XrefRow[]): [number, XrefRow[]][] {
  const sorted = [...entries].sort((a, b) => a[0] - b[0]);
  const out: [number, XrefRow[]][] = [];
  for (const e of sorted) {
    const g = out[out.length - 1];
    if (g && g[0] + g[1].length === e[0]) g[1].push(e);
    else out.push([e[0], [e]]);
  }
  return out;
}
