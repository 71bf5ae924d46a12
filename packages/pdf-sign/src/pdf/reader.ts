/**
 * PDF reader: cross-reference tables, cross-reference streams, hybrid files (/XRefStm), the /Prev
 * chain of incremental updates, object streams and linearized files (ISO 32000-1 §7.5). It keeps
 * the file bytes and parses an object only when asked, caching a bounded number of them; it never
 * builds a model of the whole document.
 */
import { decodeStream } from './filters.js';
import { PdfDict, PdfError, PdfName, type PdfObject, PdfRef, PdfStream, malformed } from './objects.js';
import { MAX_OBJECT_NUMBER, Parser, indexOf, lastIndexOf, latin1 } from './parser.js';

/** Most xref sections followed through /Prev (each incremental update adds one or two). */
export const MAX_XREF_SECTIONS = 4096;
/** Largest /Size (object count) accepted. */
export const MAX_OBJECTS = MAX_OBJECT_NUMBER + 1;
/** Most objects in one object stream. */
export const MAX_OBJSTM_OBJECTS = 100_000;
/** Parsed objects kept in the cache (cleared beyond that). */
export const OBJECT_CACHE_SIZE = 20_000;
/** Longest reference chain followed by `resolve` (a ref to a ref to ...). */
export const MAX_REF_CHAIN = 32;
/** Bytes searched backwards from the end of the file for `startxref`. */
export const STARTXREF_SEARCH = 64 * 1024;

export type XrefEntry =
  | { type: 'free'; gen: number }
  | { type: 'offset'; offset: number; gen: number }
  | { type: 'compressed'; stream: number; index: number };

export interface XrefSection {
  /** Offset of the `xref` keyword or of the xref stream object. */
  offset: number;
  kind: 'table' | 'stream';
  trailer: PdfDict;
  /** Entries of this section (for a hybrid table: its /XRefStm entries fill the gaps). */
  entries: Map<number, XrefEntry>;
  /** /XRefStm offset of a hybrid-reference table section. */
  xrefStm?: number;
  prev?: number;
  /** Offset just after the section (after the trailer dictionary or the stream's endobj). */
  end: number;
}

export interface PdfRevision {
  /** 0 = the original document. */
  index: number;
  /** Xref sections of this revision (a linearized original has two). */
  sections: XrefSection[];
  /** The trailer of the revision (of its last-written section). */
  trailer: PdfDict;
  /** The startxref value that names this revision. */
  startxref: number;
  /** Byte length of the document as of this revision (after %%EOF and its end-of-line). */
  end: number;
  /** Object numbers defined (in use) by this revision's sections. */
  objects: number[];
  /** Object numbers freed by this revision. */
  freed: number[];
  xrefKind: 'table' | 'stream' | 'hybrid';
}

export interface ReaderOptions {
  /** Refuse tolerated defects (broken object streams, wrong object numbers). Default false. */
  strict?: boolean;
}

export class PdfReader {
  readonly bytes: Uint8Array;
  readonly strict: boolean;
  /** Newest first. */
  readonly sections: XrefSection[] = [];
  readonly xref = new Map<number, XrefEntry>();
  readonly startxref: number;
  readonly #cache = new Map<number, PdfObject>();
  readonly #objStmCache = new Map<
    number,
    { offsets: Map<number, number>; order: number[]; data: Uint8Array; first: number }
  >();
  #scan?: Map<number, number>;

  private constructor(bytes: Uint8Array, opts: ReaderOptions) {
    this.bytes = bytes;
    this.strict = opts.strict === true;
    this.startxref = findStartxref(bytes);
    this.#readChain();
  }

  static open(bytes: Uint8Array, opts: ReaderOptions = {}): PdfReader {
    if (bytes.length < 8 || indexOf(bytes, '%PDF-', 0, 1024) < 0)
      throw malformed('no %PDF- header in the first 1024 bytes');
    return new PdfReader(bytes, opts);
  }

  /** Trailer of the newest section (for a hybrid file, the table trailer). */
  get trailer(): PdfDict {
    return this.sections[0]!.trailer;
  }

  /** Kind of the newest section: what an incremental update must write. */
  get lastXrefKind(): 'table' | 'stream' {
    return this.sections[0]!.kind;
  }

  get encrypted(): boolean {
    return this.trailer.has('Encrypt');
  }

  get size(): number {
    let max = 0;
    for (const s of this.sections) {
      const v = s.trailer.get('Size');
      if (typeof v === 'number' && v > max) max = v;
    }
    for (const k of this.xref.keys()) if (k + 1 > max) max = k + 1;
    return max;
  }

  get version(): string {
    const i = indexOf(this.bytes, '%PDF-', 0, 1024);
    return latin1(this.bytes, i + 5, i + 8);
  }

  /** True when the first object is a linearization parameter dictionary. */
  get linearized(): boolean {
    const i = indexOf(this.bytes, '%PDF-', 0, 1024);
    const p = new Parser(this.bytes, i);
    // skip header line and binary comment
    try {
      p.skipWs();
      const o = p.parseIndirect();
      return o.value instanceof PdfDict && o.value.has('Linearized');
    } catch {
      return false;
    }
  }

  #readChain(): void {
    const seen = new Set<number>();
    let next: number | undefined = this.startxref;
    while (next !== undefined) {
      if (seen.has(next)) throw malformed(`xref /Prev loop at offset ${next}`);
      if (seen.size >= MAX_XREF_SECTIONS) throw new PdfError('PDF_LIMIT', 'too many xref sections');
      seen.add(next);
      const sec = this.#readSection(next);
      this.sections.push(sec);
      next = sec.prev;
    }
    // Newest section wins.
    for (const s of this.sections) {
      for (const [n, e] of s.entries) if (!this.xref.has(n)) this.xref.set(n, e);
    }
    if (!(this.trailer.get('Root') instanceof PdfRef)) throw malformed('trailer has no /Root reference');
  }

  #readSection(offset: number): XrefSection {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.bytes.length) {
      throw malformed(`xref offset ${offset} outside the file`);
    }
    const p = new Parser(this.bytes, offset);
    p.skipWs();
    if (p.peekKeyword('xref')) return this.#readTable(offset);
    return this.#readStreamSection(offset, false);
  }

  #readTable(offset: number): XrefSection {
    const b = this.bytes;
    const p = new Parser(b, offset);
    p.expectKeyword('xref');
    const entries = new Map<number, XrefEntry>();
    for (;;) {
      const start = p.tryUint();
      if (start === undefined) break;
      const count = p.tryUint();
      if (count === undefined) throw malformed(`bad xref subsection header at ${p.pos}`);
      if (start + count > MAX_OBJECTS) throw new PdfError('PDF_LIMIT', 'xref subsection too large');
      for (let i = 0; i < count; i++) {
        const e = readTableEntry(p);
        if (!entries.has(start + i)) entries.set(start + i, e);
      }
    }
    p.expectKeyword('trailer');
    const trailer = p.parseObject();
    if (!(trailer instanceof PdfDict)) throw malformed('trailer is not a dictionary');
    const sec: XrefSection = { offset, kind: 'table', trailer, entries, end: p.pos };
    const prev = trailer.get('Prev');
    if (typeof prev === 'number') sec.prev = prev;
    const xs = trailer.get('XRefStm');
    if (typeof xs === 'number') {
      sec.xrefStm = xs;
      try {
        const hidden = this.#readStreamSection(xs, true);
        // Hybrid (ISO 32000-1 §7.5.8.4): stream entries fill what the table leaves free or absent.
        for (const [n, e] of hidden.entries) {
          const t = entries.get(n);
          if (t === undefined || t.type === 'free') entries.set(n, e);
        }
      } catch (e) {
        if (this.strict) throw e;
      }
    }
    // Object 0 is always the head of the free list; some writers leave it out or give it a bad gen.
    return sec;
  }

  #readStreamSection(offset: number, hidden: boolean): XrefSection {
    const p = new Parser(this.bytes, offset);
    const obj = p.parseIndirect();
    if (!(obj.value instanceof PdfStream)) throw malformed(`no xref table or stream at offset ${offset}`);
    const d = obj.value.dict;
    if (d.name('Type') !== 'XRef' && (this.strict || hidden))
      throw malformed(`object at ${offset} is not /Type /XRef`);
    const data = decodeStream(obj.value);
    const w = d.get('W');
    if (!Array.isArray(w) || w.length !== 3 || !w.every((x) => typeof x === 'number' && x >= 0 && x <= 8)) {
      throw malformed('xref stream /W is not three small integers');
    }
    const [w0, w1, w2] = w as [number, number, number];
    const size = d.get('Size');
    if (typeof size !== 'number' || size < 0 || size > MAX_OBJECTS)
      throw malformed('xref stream /Size missing or too large');
    const index = d.get('Index') ?? [0, size];
    if (!Array.isArray(index) || index.length % 2 !== 0) throw malformed('xref stream /Index malformed');
    const rowLen = w0 + w1 + w2;
    if (rowLen === 0) throw malformed('xref stream /W is all zero');
    const entries = new Map<number, XrefEntry>();
    let pos = 0;
    const field = (width: number): number => {
      let v = 0;
      for (let i = 0; i < width; i++) v = v * 256 + data[pos++]!;
      return v;
    };
    for (let i = 0; i < index.length; i += 2) {
      const start = index[i];
      const count = index[i + 1];
      if (
        typeof start !== 'number' ||
        typeof count !== 'number' ||
        start < 0 ||
        count < 0 ||
        start + count > MAX_OBJECTS
      ) {
        throw malformed('xref stream /Index entry malformed');
      }
      for (let k = 0; k < count; k++) {
        if (pos + rowLen > data.length) {
          if (this.strict) throw malformed('xref stream data too short');
          break;
        }
        const type = w0 === 0 ? 1 : field(w0);
        const f1 = field(w1);
        const f2 = field(w2);
        const n = start + k;
        if (entries.has(n)) continue;
        if (type === 0) entries.set(n, { type: 'free', gen: f2 });
        else if (type === 1) entries.set(n, { type: 'offset', offset: f1, gen: f2 });
        else if (type === 2) entries.set(n, { type: 'compressed', stream: f1, index: f2 });
        // other types: treat as null object (ISO 32000-1 Table 18)
      }
    }
    const sec: XrefSection = { offset, kind: 'stream', trailer: d, entries, end: obj.end };
    const prev = d.get('Prev');
    if (typeof prev === 'number') sec.prev = prev;
    return sec;
  }

  /** Parses the object `num` (any generation). Missing or free objects are null. */
  getObject(num: number): PdfObject {
    const c = this.#cache.get(num);
    if (c !== undefined) return c;
    const v = this.#load(num);
    if (this.#cache.size >= OBJECT_CACHE_SIZE) this.#cache.clear();
    this.#cache.set(num, v);
    return v;
  }

  /** Offset of an uncompressed object, when it has one. */
  offsetOf(num: number): number | undefined {
    const e = this.xref.get(num);
    return e?.type === 'offset' ? e.offset : undefined;
  }

  #load(num: number): PdfObject {
    const e = this.xref.get(num);
    if (!e || e.type === 'free') return null;
    if (e.type === 'offset') return this.#loadAt(num, e.offset);
    return this.#loadCompressed(num, e.stream, e.index);
  }

  #lengthResolver = (ref: PdfRef): number | undefined => {
    const e = this.xref.get(ref.num);
    if (e?.type !== 'offset') return undefined;
    try {
      const p = new Parser(this.bytes, e.offset);
      const o = p.parseIndirect();
      return typeof o.value === 'number' ? o.value : undefined;
    } catch {
      return undefined;
    }
  };

  #loadAt(num: number, offset: number): PdfObject {
    let o: ReturnType<Parser['parseIndirect']> | undefined;
    try {
      o = new Parser(this.bytes, offset).parseIndirect(this.#lengthResolver);
    } catch (err) {
      if (this.strict) throw err;
    }
    if (o && o.num === num) return o.value;
    if (this.strict)
      throw malformed(`xref entry of object ${num} points to ${o ? `object ${o.num}` : 'no object'}`);
    // Tolerant: find the object by scanning the file.
    const at = this.#scanFor(num);
    if (at === undefined) return null;
    const o2 = new Parser(this.bytes, at).parseIndirect(this.#lengthResolver);
    return o2.value;
  }

  #scanFor(num: number): number | undefined {
    if (!this.#scan) {
      this.#scan = new Map();
      const s = latin1(this.bytes);
      const re = /(?:^|[\r\n\s])(\d{1,7})\s+(\d{1,5})\s+obj\b/g;
      for (let m = re.exec(s); m; m = re.exec(s)) {
        const at = m.index + (m[0].length - m[0].trimStart().length);
        this.#scan.set(Number(m[1]), at); // last definition wins
      }
    }
    return this.#scan.get(num);
  }

  #objStm(stream: number) {
    let s = this.#objStmCache.get(stream);
    if (s) return s;
    const e = this.xref.get(stream);
    if (e?.type !== 'offset') throw malformed(`object stream ${stream} is not an uncompressed object`);
    const st = this.#loadAt(stream, e.offset);
    if (!(st instanceof PdfStream) || st.dict.name('Type') !== 'ObjStm')
      throw malformed(`object ${stream} is not an object stream`);
    const n = st.dict.get('N');
    const first = st.dict.get('First');
    if (typeof n !== 'number' || typeof first !== 'number' || n < 0 || n > MAX_OBJSTM_OBJECTS || first < 0) {
      throw malformed(`object stream ${stream}: bad /N or /First`);
    }
    const data = decodeStream(this.#resolveFilters(st));
    if (first > data.length) throw malformed(`object stream ${stream}: /First beyond the data`);
    const p = new Parser(data.subarray(0, first), 0);
    const offsets = new Map<number, number>();
    const order: number[] = [];
    for (let i = 0; i < n; i++) {
      const on = p.tryUint();
      const off = p.tryUint();
      if (on === undefined || off === undefined) {
        if (this.strict) throw malformed(`object stream ${stream} header possibly corrupted`);
        break;
      }
      if (first + off > data.length) {
        if (this.strict) throw malformed(`object stream ${stream} header possibly corrupted`);
        continue;
      }
      order.push(on);
      if (!offsets.has(on)) offsets.set(on, off);
    }
    s = { offsets, order, data, first };
    if (this.#objStmCache.size >= 64) this.#objStmCache.clear();
    this.#objStmCache.set(stream, s);
    return s;
  }

  #loadCompressed(num: number, stream: number, index: number): PdfObject {
    const s = this.#objStm(stream);
    if (this.strict && s.order[index] !== num) {
      throw malformed(
        index >= s.order.length
          ? `object stream ${stream} does not contain index ${index}`
          : `object ${num} is in the wrong index of stream ${stream}`,
      );
    }
    const off = s.offsets.get(num);
    if (off === undefined) {
      if (this.strict) throw malformed(`object ${num} not found in stream ${stream}`);
      return null;
    }
    const p = new Parser(s.data, s.first + off);
    let v: PdfObject;
    try {
      v = p.parseObject();
    } catch (e) {
      if (this.strict) throw e;
      return null;
    }
    p.skipWs();
    if (p.peekKeyword('stream')) {
      throw malformed(`object ${num}: a stream is a forbidden object type inside an object stream`);
    }
    return v;
  }

  /** Streams may carry indirect /Filter, /DecodeParms or /Length: returns a copy with them direct. */
  #resolveFilters(st: PdfStream): PdfStream {
    const f = st.dict.get('Filter');
    const dp = st.dict.get('DecodeParms');
    if (!(f instanceof PdfRef) && !(dp instanceof PdfRef)) return st;
    const d = st.dict.clone();
    if (f instanceof PdfRef) d.set('Filter', this.resolve(f));
    if (dp instanceof PdfRef) d.set('DecodeParms', this.resolve(dp));
    return new PdfStream(d, st.raw);
  }

  /** Follows references to a direct object (null when missing). */
  resolve(o: PdfObject | undefined): PdfObject {
    let v: PdfObject | undefined = o;
    for (let i = 0; v instanceof PdfRef; i++) {
      if (i >= MAX_REF_CHAIN) throw malformed('reference chain too long');
      v = this.getObject(v.num);
    }
    return v ?? null;
  }

  dict(o: PdfObject | undefined): PdfDict | undefined {
    const v = this.resolve(o);
    if (v instanceof PdfDict) return v;
    if (v instanceof PdfStream) return v.dict;
    return undefined;
  }

  array(o: PdfObject | undefined): PdfObject[] | undefined {
    const v = this.resolve(o);
    return Array.isArray(v) ? v : undefined;
  }

  /** Decoded data of a stream object (bounded). */
  streamData(o: PdfObject | undefined): Uint8Array {
    const v = this.resolve(o);
    if (!(v instanceof PdfStream)) throw malformed('expected a stream');
    return decodeStream(this.#resolveFilters(v));
  }

  get rootRef(): PdfRef {
    return this.trailer.get('Root') as PdfRef;
  }

  catalog(): PdfDict {
    const c = this.dict(this.rootRef);
    if (!c) throw malformed('document catalog missing');
    return c;
  }

  /** Page references in document order (cycle-safe). */
  pages(): PdfRef[] {
    const out: PdfRef[] = [];
    const seen = new Set<number>();
    const walk = (node: PdfObject | undefined, depth: number): void => {
      if (!(node instanceof PdfRef)) {
        if (this.strict) throw malformed('page tree node is not an indirect reference');
        return;
      }
      if (seen.has(node.num)) throw malformed('circular page tree');
      if (depth > 64) throw new PdfError('PDF_LIMIT', 'page tree too deep');
      seen.add(node.num);
      const d = this.dict(node);
      if (!d) return;
      const type = d.name('Type');
      const kids = this.array(d.get('Kids'));
      if (type === 'Pages' || (type === undefined && kids)) {
        for (const k of kids ?? []) walk(k, depth + 1);
      } else out.push(node);
    };
    walk(this.catalog().get('Pages'), 0);
    return out;
  }

  /** Revisions, oldest first (see PdfRevision). */
  revisions(): PdfRevision[] {
    const eofEnds = findEofEnds(this.bytes);
    const endFor = (sec: XrefSection): number => {
      const e = eofEnds.find((x) => x > sec.end);
      return e ?? this.bytes.length;
    };
    // Group sections: a section whose /Prev points forward is a linearized first-page section and
    // belongs to the revision of its /Prev.
    const chain = [...this.sections]; // newest first
    const groups: XrefSection[][] = [];
    for (let i = chain.length - 1; i >= 0; i--) {
      const s = chain[i]!;
      const older = chain[i + 1];
      if (older && s.prev !== undefined && s.prev > s.offset && groups.length > 0)
        groups[groups.length - 1]!.push(s);
      else groups.push([s]);
    }
    const startxrefs = [this.startxref, ...chain.map((s) => s.prev)].filter(
      (x): x is number => x !== undefined,
    );
    return groups.map((secs, index) => {
      const last = secs[secs.length - 1]!; // newest-written of the group in chain terms
      const objects: number[] = [];
      const freed: number[] = [];
      for (const s of secs) {
        for (const [n, e] of s.entries) {
          if (e.type === 'free') {
            if (n !== 0) freed.push(n);
          } else objects.push(n);
        }
      }
      const ends = secs.map(endFor);
      const kinds = secs.map((s) => (s.kind === 'table' && s.xrefStm !== undefined ? 'hybrid' : s.kind));
      return {
        index,
        sections: secs,
        trailer: last.trailer,
        startxref: startxrefs.find((x) => secs.some((s) => s.offset === x)) ?? last.offset,
        end: Math.max(...ends),
        objects: [...new Set(objects)].sort((a, b) => a - b),
        freed: [...new Set(freed)].sort((a, b) => a - b),
        xrefKind: kinds.includes('hybrid') ? 'hybrid' : (kinds[0] as 'table' | 'stream'),
      };
    });
  }
}

function readTableEntry(p: Parser): XrefEntry {
  const b = p.buf;
  // Fast path: "nnnnnnnnnn ggggg n\r\n" (20 bytes).
  let i = p.pos;
  while (b[i] === 0x20 || b[i] === 0x0d || b[i] === 0x0a) i++;
  if (i + 18 <= b.length && b[i + 10] === 0x20 && b[i + 16] === 0x20) {
    let off = 0;
    let gen = 0;
    let ok = true;
    for (let k = 0; k < 10; k++) {
      const c = b[i + k]!;
      if (c < 0x30 || c > 0x39) ok = false;
      off = off * 10 + (c - 0x30);
    }
    for (let k = 11; k < 16; k++) {
      const c = b[i + k]!;
      if (c < 0x30 || c > 0x39) ok = false;
      gen = gen * 10 + (c - 0x30);
    }
    const t = b[i + 17];
    if (ok && (t === 0x6e || t === 0x66)) {
      p.pos = i + 18;
      return t === 0x6e ? { type: 'offset', offset: off, gen } : { type: 'free', gen };
    }
  }
  const off = p.tryUint();
  const gen = p.tryUint();
  p.skipWs();
  const t = p.readRegular();
  if (off === undefined || gen === undefined || (t !== 'n' && t !== 'f'))
    throw malformed(`bad xref entry near offset ${p.pos}`);
  return t === 'n' ? { type: 'offset', offset: off, gen } : { type: 'free', gen };
}

function findStartxref(b: Uint8Array): number {
  const at = lastIndexOf(b, 'startxref', b.length, Math.max(0, b.length - STARTXREF_SEARCH));
  if (at < 0) throw malformed('no startxref near the end of the file');
  const p = new Parser(b, at + 9);
  const v = p.tryUint();
  if (v === undefined) throw malformed('startxref is not followed by an offset');
  return v;
}

/** Offsets just after each `%%EOF` marker and its end-of-line. */
export function findEofEnds(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = indexOf(b, '%%EOF'); i >= 0; i = indexOf(b, '%%EOF', i + 5)) {
    let e = i + 5;
    if (b[e] === 0x0d) e++;
    if (b[e] === 0x0a) e++;
    out.push(e);
  }
  return out;
}

export { PdfName };
