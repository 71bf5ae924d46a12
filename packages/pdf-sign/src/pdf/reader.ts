/**
 * PDF reader: cross-reference tables, cross-reference streams, hybrid files (/XRefStm), the /Prev
 * chain of incremental updates, object streams and linearized files (ISO 32000-1 §7.5). It keeps
 * the file bytes and parses an object only when asked, caching a bounded number of them; it never
 * builds a model of the whole document.
 */
import { decodeStream } from './filters.js';
import { PdfDict, PdfError, PdfName, type PdfObject, PdfRef, PdfStream, malformed } from './objects.js';
import { MAX_OBJECT_NUMBER, Parser, indexOf, isEndOfData, lastIndexOf, latin1 } from './parser.js';
import { type ByteSource, isByteSource, memorySource, scanSource } from './source.js';

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
/** First window read to parse one object or xref section from a file-backed source. */
export const PARSE_WINDOW = 16 * 1024;
/** Largest window read for one object or xref section (a bigger object is refused). */
export const MAX_PARSE_WINDOW = 256 * 1024 * 1024;
/** How far (bytes, either side) a startxref or /Prev offset that misses is searched for its section. */
export const XREF_NEAR_SEARCH = 64;
/** Most object headers collected when rebuilding a broken xref by scanning the file. */
export const MAX_RECONSTRUCTED_OBJECTS = 2_000_000;
/** Bytes after the window end a successful windowed parse must leave (else the window grows). */
const WINDOW_MARGIN = 256;

/**
 * One cross-reference entry (ISO 32000-1 §7.5.4 tables, §7.5.8 streams): a free entry, an object at a
 * byte offset, or object number `index` inside the object stream `stream` (§7.5.7).
 */
export type XrefEntry =
  | { type: 'free'; gen: number }
  | { type: 'offset'; offset: number; gen: number }
  | { type: 'compressed'; stream: number; index: number };

/**
 * One cross-reference section as read from the file: a classic `xref` table with its trailer, or a
 * cross-reference stream (ISO 32000-1 §7.5.4, §7.5.8). Offsets are byte offsets in the file.
 */
export interface XrefSection {
  /** Offset of the `xref` keyword or of the xref stream object. */
  offset: number;
  /** `table`: an `xref` keyword and trailer dictionary; `stream`: a /Type /XRef stream object. */
  kind: 'table' | 'stream';
  /** The trailer dictionary (for a stream: the stream's dictionary). */
  trailer: PdfDict;
  /** Entries of this section (for a hybrid table: its /XRefStm entries fill the gaps). */
  entries: Map<number, XrefEntry>;
  /** /XRefStm offset of a hybrid-reference table section. */
  xrefStm?: number;
  /** /Prev: offset of the previous section (the revision before), absent in the first one. */
  prev?: number;
  /** Offset just after the section (after the trailer dictionary or the stream's endobj). */
  end: number;
}

/**
 * One revision of the document: the original (index 0) or one incremental update (ISO 32000-1 §7.5.6),
 * with the objects it defines or frees. The verifier compares revisions to judge the changes made
 * after a signature (ISO 32000-2 §12.8.2.2 DocMDP).
 */
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
  /** How the revision wrote its cross-reference: a table, a stream, or a table with /XRefStm (hybrid). */
  xrefKind: 'table' | 'stream' | 'hybrid';
}

/** Options of `PdfReader.open`. */
export interface ReaderOptions {
  /**
   * Refuse tolerated defects (broken object streams, wrong object numbers, a startxref that misses
   * its section, a broken xref rebuilt by scanning). Default false.
   */
  strict?: boolean;
  /** First window (bytes) read per object from a source not in memory (default PARSE_WINDOW). */
  initialWindow?: number;
}

/**
 * Lazy PDF reader (ISO 32000-1 §7.5 file structure): reads startxref and the /Prev chain of xref
 * sections (tables, streams, hybrid files, object streams, linearized files) and parses an object
 * only when asked, caching at most `OBJECT_CACHE_SIZE`. Open with `PdfReader.open`.
 *
 * Tolerated defects (non-strict) are listed in `warnings` and `corrections`; in strict mode and for
 * any limit (`MAX_*` constants) the reader throws `PdfError`: `PDF_MALFORMED` (KysoError
 * `INVALID_ARGUMENT`), `PDF_LIMIT` (`INPUT_TOO_LARGE`). An encrypted document opens (see `encrypted`)
 * but kyso does not decrypt it.
 */
export class PdfReader {
  /** Where the bytes come from (memory or a file). */
  readonly source: ByteSource;
  /** Whether tolerated defects were refused (`ReaderOptions.strict`). */
  readonly strict: boolean;
  readonly #window: number;
  /** Newest first. */
  readonly sections: XrefSection[] = [];
  /** The merged cross-reference: for each object number, the newest entry (what `getObject` reads). */
  readonly xref = new Map<number, XrefEntry>();
  /**
   * Offset of the newest xref section: the file's last startxref value, corrected when it missed
   * its section by a few bytes; -1 when the xref was rebuilt (`reconstructed`).
   */
  readonly startxref: number;
  /** The startxref value as written in the file (undefined when none could be read). */
  readonly declaredStartxref: number | undefined;
  /**
   * True when the cross-reference information was unusable and was rebuilt by scanning the file
   * for object headers and trailers; an update then writes a complete xref without /Prev.
   */
  readonly reconstructed: boolean = false;
  /** Problems tolerated while reading (non-strict mode). */
  readonly warnings: string[] = [];
  /**
   * Offsets the reader corrected (non-strict mode): a startxref or /Prev that did not point at an
   * xref section, whose section was found a few bytes away (XREF_NEAR_SEARCH). `from` is the
   * offset of the section whose /Prev missed (undefined for the file's startxref). A verifier must
   * report these: a viewer repairs such a file by scanning it and may display other objects.
   */
  readonly corrections: { kind: 'startxref' | 'prev'; declared: number; found: number; from?: number }[] = [];
  readonly #cache = new Map<number, PdfObject>();
  readonly #objStmCache = new Map<
    number,
    { offsets: Map<number, number>; order: number[]; data: Uint8Array; first: number }
  >();
  #scan?: Map<number, { offset: number; gen: number }>;
  /** Set by #readSectionNear when the section was found by the near-search. */
  #nearFound = false;

  private constructor(source: ByteSource, opts: ReaderOptions) {
    this.source = source;
    this.strict = opts.strict === true;
    this.#window = Math.max(16, opts.initialWindow ?? PARSE_WINDOW);
    let declared: number | undefined;
    let failure: unknown;
    try {
      declared = findStartxref(source);
    } catch (e) {
      failure = e;
    }
    this.declaredStartxref = declared;
    if (declared !== undefined) {
      try {
        this.startxref = this.#readChain(declared);
        return;
      } catch (e) {
        failure = e;
      }
    }
    if (this.strict || (failure instanceof PdfError && failure.reason === 'PDF_LIMIT')) throw failure;
    // Tolerant: rebuild the xref by scanning the file (bounded; see #reconstruct).
    this.warnings.push(`xref unusable (${(failure as Error).message}); rebuilt by scanning the file`);
    this.sections.length = 0;
    this.corrections.length = 0;
    this.xref.clear();
    this.#cache.clear();
    this.#objStmCache.clear();
    this.#reconstruct();
    this.reconstructed = true;
    this.startxref = -1;
  }

  /**
   * Opens a PDF held in memory (Uint8Array) or behind a `ByteSource` (e.g. a file opened with
   * `fileSource(path)` from `file-source.node.ts`: only the parts needed are read).
   */
  static open(input: Uint8Array | ByteSource, opts: ReaderOptions = {}): PdfReader {
    const source = isByteSource(input) ? input : memorySource(input);
    if (source.length < 8 || indexOf(source.read(0, 1024), '%PDF-') < 0)
      throw malformed('no %PDF- header in the first 1024 bytes');
    return new PdfReader(source, opts);
  }

  /** The whole document, when the reader is over bytes in memory (throws for a file source). */
  get bytes(): Uint8Array {
    const b = this.source.bytes;
    if (!b) throw new PdfError('PDF_UNSUPPORTED', 'this reader reads a file: its bytes are not in memory');
    return b;
  }

  /** Length of the document in bytes. */
  get length(): number {
    return this.source.length;
  }

  /**
   * Runs `parse` on a parser positioned at file offset `offset`. In memory it parses the whole
   * buffer; from a file it reads a window and grows it when the parse needs more bytes.
   */
  parseAt<T>(offset: number, parse: (p: Parser) => T): T {
    const src = this.source;
    if (src.bytes) return parse(new Parser(src.bytes, offset));
    let size = this.#window;
    for (;;) {
      const buf = src.read(offset, size);
      const atEnd = offset + buf.length >= src.length;
      const p = new Parser(buf, 0, offset);
      p.partial = !atEnd;
      let need: number | undefined;
      try {
        const v = parse(p);
        if (atEnd || p.pos + WINDOW_MARGIN <= buf.length) return v;
      } catch (e) {
        if (atEnd || !(e instanceof PdfError) || e.reason === 'PDF_LIMIT') throw e;
        if (!isEndOfData(e) && p.pos + WINDOW_MARGIN <= buf.length) throw e;
        const n = (e.detail as { need?: number } | undefined)?.need;
        if (typeof n === 'number') need = n;
        if (size >= MAX_PARSE_WINDOW) throw e;
      }
      size = Math.min(MAX_PARSE_WINDOW, Math.max(size * 4, need ?? 0));
    }
  }

  /** Trailer of the newest section (for a hybrid file, the table trailer). */
  get trailer(): PdfDict {
    return this.sections[0]!.trailer;
  }

  /** Kind of the newest section: what an incremental update must write. */
  get lastXrefKind(): 'table' | 'stream' {
    return this.sections[0]!.kind;
  }

  /**
   * Whether the trailer has /Encrypt (ISO 32000-1 §7.6). kyso does not decrypt: strings and streams of
   * an encrypted document are read as stored, and `IncrementalWriter` refuses to update it.
   */
  get encrypted(): boolean {
    return this.trailer.has('Encrypt');
  }

  /**
   * The number of object numbers in use: the largest trailer /Size, or the highest object number + 1
   * when the xref holds more. A new object of an incremental update gets this number.
   */
  get size(): number {
    let max = 0;
    for (const s of this.sections) {
      const v = s.trailer.get('Size');
      if (typeof v === 'number' && v > max) max = v;
    }
    for (const k of this.xref.keys()) if (k + 1 > max) max = k + 1;
    return max;
  }

  /**
   * The header version (`'1.7'`, `'2.0'`) from `%PDF-x.y` in the first 1024 bytes. The catalog's
   * /Version, which may override it, is not consulted.
   */
  get version(): string {
    const head = this.source.read(0, 1024);
    const i = indexOf(head, '%PDF-');
    return latin1(head, i + 5, i + 8);
  }

  /** True when the first object is a linearization parameter dictionary. */
  get linearized(): boolean {
    const i = indexOf(this.source.read(0, 1024), '%PDF-');
    // skip header line and binary comment
    try {
      return this.parseAt(i, (p) => {
        p.skipWs();
        const o = p.parseIndirect();
        return o.value instanceof PdfDict && o.value.has('Linearized');
      });
    } catch {
      return false;
    }
  }

  /** Reads the /Prev chain from `start`; returns the (possibly corrected) offset of the newest section. */
  #readChain(start: number): number {
    const seen = new Set<number>();
    let next: number | undefined = start;
    let first: number | undefined;
    while (next !== undefined) {
      if (seen.has(next)) throw malformed(`xref /Prev loop at offset ${next}`);
      if (seen.size >= MAX_XREF_SECTIONS) throw new PdfError('PDF_LIMIT', 'too many xref sections');
      seen.add(next);
      const sec = this.#readSectionNear(next);
      if (sec.offset !== next && this.#nearFound) {
        const prevOf = this.sections[this.sections.length - 1];
        this.corrections.push({
          kind: prevOf ? 'prev' : 'startxref',
          declared: next,
          found: sec.offset,
          ...(prevOf ? { from: prevOf.offset } : {}),
        });
      }
      first ??= sec.offset;
      this.sections.push(sec);
      next = sec.prev;
    }
    // Newest section wins.
    for (const s of this.sections) {
      for (const [n, e] of s.entries) if (!this.xref.has(n)) this.xref.set(n, e);
    }
    if (!(this.trailer.get('Root') instanceof PdfRef)) throw malformed('trailer has no /Root reference');
    return first!;
  }

  /**
   * The section at `offset`; when nothing readable is there (non-strict), the nearest `xref`
   * keyword or xref stream header within XREF_NEAR_SEARCH bytes (writers off by one or two).
   */
  #readSectionNear(offset: number): XrefSection {
    let err: unknown;
    this.#nearFound = false;
    try {
      return this.#readSection(offset);
    } catch (e) {
      if (this.strict || (e instanceof PdfError && e.reason === 'PDF_LIMIT')) throw e;
      err = e;
    }
    if (!Number.isInteger(offset) || offset < 0) throw err;
    const from = Math.max(0, offset - XREF_NEAR_SEARCH);
    const win = this.source.read(from, 2 * XREF_NEAR_SEARCH + 32);
    const candidates: number[] = [];
    const text = latin1(win);
    const re = /(?<![0-9A-Za-z])(?:xref|\d{1,7}[ \t\r\n\f\0]+\d{1,5}[ \t\r\n\f\0]+obj)(?![A-Za-z0-9])/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const at = from + m.index;
      if (at !== offset && Math.abs(at - offset) <= XREF_NEAR_SEARCH) candidates.push(at);
    }
    candidates.sort((a, b) => Math.abs(a - offset) - Math.abs(b - offset));
    for (const at of candidates) {
      try {
        const sec = this.#readSection(at);
        this.warnings.push(`xref section expected at ${offset} found at ${at}`);
        this.#nearFound = true;
        return sec;
      } catch {
        // next candidate
      }
    }
    throw err;
  }

  #readSection(offset: number): XrefSection {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.length) {
      throw malformed(`xref offset ${offset} outside the file`);
    }
    // The section's real offset: past any whitespace (an offset landing there is off by some bytes).
    const { at, isTable } = this.parseAt(offset, (p) => {
      p.skipWs();
      return { at: p.abs, isTable: p.peekKeyword('xref') };
    });
    if (at !== offset && this.strict) throw malformed(`startxref/Prev ${offset} does not point at a section`);
    if (isTable) return this.#readTable(at);
    return this.#readStreamSection(at, false);
  }

  #readTable(offset: number): XrefSection {
    return this.parseAt(offset, (p) => this.#parseTable(p, offset));
  }

  #parseTable(p: Parser, offset: number): XrefSection {
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
    const sec: XrefSection = { offset, kind: 'table', trailer, entries, end: p.abs };
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
    const obj = this.parseAt(offset, (p) => p.parseIndirect());
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
      const o = this.parseAt(e.offset, (p) => p.parseIndirect());
      return typeof o.value === 'number' ? o.value : undefined;
    } catch {
      return undefined;
    }
  };

  #loadAt(num: number, offset: number): PdfObject {
    let o: ReturnType<Parser['parseIndirect']> | undefined;
    try {
      o = this.parseAt(offset, (p) => p.parseIndirect(this.#lengthResolver));
    } catch (err) {
      if (this.strict || (err instanceof PdfError && err.reason === 'PDF_LIMIT')) throw err;
    }
    if (o && o.num === num) return o.value;
    if (this.strict)
      throw malformed(`xref entry of object ${num} points to ${o ? `object ${o.num}` : 'no object'}`);
    // Tolerant: find the object by scanning the file.
    const at = this.#scanFor(num);
    if (at === undefined || at === offset) return null;
    try {
      const o2 = this.parseAt(at, (p) => p.parseIndirect(this.#lengthResolver));
      return o2.num === num ? o2.value : null;
    } catch (err) {
      if (err instanceof PdfError && err.reason === 'PDF_LIMIT') throw err;
      return null;
    }
  }

  #scanFor(num: number): number | undefined {
    this.#scan ??= scanObjects(this.source).objects;
    return this.#scan.get(num)?.offset;
  }

  /**
   * Rebuilds the xref from the object headers found by scanning the file (last definition of a
   * number wins), the objects of the object streams found, and the last trailer (or xref stream
   * dictionary) naming a /Root; failing that, the last /Type /Catalog object. Bounded by
   * MAX_RECONSTRUCTED_OBJECTS and the reader's other limits.
   */
  #reconstruct(): void {
    const scan = scanObjects(this.source);
    this.#scan = scan.objects;
    const entries = new Map<number, XrefEntry>();
    for (const [n, o] of scan.objects) entries.set(n, { type: 'offset', offset: o.offset, gen: o.gen });
    this.xref.clear();
    for (const [n, e] of entries) this.xref.set(n, e);
    // Objects inside object streams (not defined uncompressed).
    let trailer: PdfDict | undefined;
    const catalogs: number[] = [];
    for (const [n, o] of [...scan.objects].sort((a, b) => a[1].offset - b[1].offset)) {
      let v: PdfObject;
      try {
        v = this.parseAt(o.offset, (p) => p.parseIndirect(this.#lengthResolver)).value;
      } catch {
        continue;
      }
      const d = v instanceof PdfStream ? v.dict : v instanceof PdfDict ? v : undefined;
      if (!d) continue;
      if (d.name('Type') === 'Catalog') catalogs.push(n);
      if (v instanceof PdfStream && d.name('Type') === 'XRef' && d.get('Root') instanceof PdfRef) trailer = d;
      if (v instanceof PdfStream && d.name('Type') === 'ObjStm') {
        try {
          const s = this.#objStm(n);
          s.order.forEach((on, index) => {
            if (!entries.has(on)) {
              const e: XrefEntry = { type: 'compressed', stream: n, index };
              entries.set(on, e);
              this.xref.set(on, e);
            }
          });
        } catch {
          // unreadable object stream: its objects stay missing
        }
      }
    }
    for (const at of scan.trailers) {
      try {
        const d = this.parseAt(at, (p) => {
          p.expectKeyword('trailer');
          return p.parseObject();
        });
        if (d instanceof PdfDict && d.get('Root') instanceof PdfRef) trailer = d; // last wins
      } catch {
        // unreadable trailer
      }
    }
    const t = new PdfDict();
    const rootOk = (r: PdfObject | undefined) =>
      r instanceof PdfRef && this.dict(r)?.name('Type') === 'Catalog';
    if (trailer && rootOk(trailer.get('Root'))) {
      for (const k of ['Root', 'Info', 'ID', 'Encrypt']) if (trailer.has(k)) t.set(k, trailer.get(k));
    } else {
      const c = catalogs[catalogs.length - 1];
      if (c === undefined) throw malformed('no usable xref and no document catalog found by scanning');
      t.set('Root', new PdfRef(c, scan.objects.get(c)!.gen));
      if (trailer?.has('Info')) t.set('Info', trailer.get('Info'));
      if (trailer?.has('ID')) t.set('ID', trailer.get('ID'));
    }
    let size = 0;
    for (const n of entries.keys()) size = Math.max(size, n + 1);
    t.set('Size', size);
    this.sections.push({ offset: -1, kind: 'table', trailer: t, entries, end: this.length });
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

  /**
   * Resolves `o` and returns it if it is a dictionary (a stream's dictionary for a stream), else undefined.
   */
  dict(o: PdfObject | undefined): PdfDict | undefined {
    const v = this.resolve(o);
    if (v instanceof PdfDict) return v;
    if (v instanceof PdfStream) return v.dict;
    return undefined;
  }

  /** Resolves `o` and returns it if it is an array, else undefined. */
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

  /** The trailer's /Root reference (the document catalog). */
  get rootRef(): PdfRef {
    return this.trailer.get('Root') as PdfRef;
  }

  /**
   * The document catalog (ISO 32000-1 §7.7.2); throws `PDF_MALFORMED` when /Root does not resolve to a
   * dictionary.
   */
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
      const kinds = secs.map((s) => (s.kind === 'table' && s.xrefStm !== undefined ? 'hybrid' : s.kind));
      return {
        index,
        sections: secs,
        trailer: last.trailer,
        startxref: startxrefs.find((x) => secs.some((s) => s.offset === x)) ?? last.offset,
        // A section's revision ends after the first %%EOF that follows it (read forward from the
        // section: the whole file is not scanned).
        end: Math.max(...secs.map((s) => eofEndAfter(this.source, s.end))),
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

function findStartxref(src: ByteSource): number {
  const from = Math.max(0, src.length - STARTXREF_SEARCH);
  const b = src.read(from, src.length - from);
  const at = lastIndexOf(b, 'startxref');
  if (at < 0) throw malformed('no startxref near the end of the file');
  const p = new Parser(b, at + 9);
  const v = p.tryUint();
  if (v === undefined) throw malformed('startxref is not followed by an offset');
  return v;
}

/** Window read forward from an xref section's end while looking for its `%%EOF`. */
const EOF_WINDOW = 4096;

/**
 * Offset just after the first `%%EOF` (and its end-of-line) ending after `from`, or the source's
 * length: the first of `findEofEnds(src)` greater than `from`, without scanning the whole source.
 * Reads forward in windows from `from`: usually a few bytes, at worst up to the end.
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

/** Offsets just after each `%%EOF` marker and its end-of-line (scans the whole source). */
export function findEofEnds(input: Uint8Array | ByteSource): number[] {
  const src = isByteSource(input) ? input : memorySource(input);
  const out: number[] = [];
  scanSource(src, 16, (b, base, from, to) => {
    for (let i = indexOf(b, '%%EOF', from); i >= 0 && i < to; i = indexOf(b, '%%EOF', i + 5)) {
      let e = i + 5;
      if (b[e] === 0x0d) e++;
      if (b[e] === 0x0a) e++;
      out.push(base + e);
    }
  });
  return out;
}

/**
 * The result of `scanObjects`: object headers and `trailer` keywords found by scanning a file whose
 * cross-reference information is unusable.
 */
export interface ObjectScan {
  /** Object number -> offset of its last `N G obj` header, and its generation. */
  objects: Map<number, { offset: number; gen: number }>;
  /** Offsets of `trailer` keywords. */
  trailers: number[];
}

/**
 * Scans the whole source for `N G obj` headers and `trailer` keywords (in chunks: the file is
 * never held whole). Stops collecting after MAX_RECONSTRUCTED_OBJECTS headers.
 */
export function scanObjects(src: ByteSource): ObjectScan {
  const objects = new Map<number, { offset: number; gen: number }>();
  const trailers: number[] = [];
  let headers = 0;
  const re =
    /(?<![0-9A-Za-z.+-])(\d{1,7})[ \t\r\n\f\0]+(\d{1,5})[ \t\r\n\f\0]+obj(?![A-Za-z0-9])|(?<![A-Za-z0-9])trailer(?![A-Za-z0-9])/g;
  scanSource(src, 64, (b, base, from, to) => {
    const s = latin1(b);
    re.lastIndex = from;
    for (let m = re.exec(s); m && m.index < to; m = re.exec(s)) {
      const at = base + m.index;
      if (m[1] === undefined) {
        trailers.push(at);
        continue;
      }
      const num = Number(m[1]);
      if (num > MAX_OBJECT_NUMBER) continue;
      if (++headers > MAX_RECONSTRUCTED_OBJECTS)
        throw new PdfError('PDF_LIMIT', 'too many object headers while rebuilding the xref');
      const prev = objects.get(num);
      if (!prev || prev.offset < at) objects.set(num, { offset: at, gen: Number(m[2]) }); // last wins
    }
  });
  return { objects, trailers };
}

export { PdfName };
