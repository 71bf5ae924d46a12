/**
 * Lexer and object parser (ISO 32000-1 §7.2, §7.3) over a byte array, position-based: it parses
 * one object where it is asked to, never the whole file.
 */
import {
  PdfDict,
  PdfName,
  type PdfObject,
  PdfRef,
  PdfStream,
  PdfString,
  malformed,
  PdfError,
} from './objects.js';

/** Deepest array/dictionary nesting accepted (real files stay far below; stops stack exhaustion). */
export const MAX_NESTING = 64;
/** Most elements in one array or dictionary (hostile input bound). */
export const MAX_CONTAINER_ENTRIES = 1_000_000;
/** Largest object number accepted (ISO 32000-1 Annex C suggests 8 388 607). */
export const MAX_OBJECT_NUMBER = 8_388_607;

const WS = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;

/** Whether byte `c` is a PDF white-space character (ISO 32000-1 §7.2.2 Table 1: NUL, HT, LF, FF, CR, SP). */
export const isWhite = (c: number | undefined): boolean => c !== undefined && WS[c] === 1;
/** Whether byte `c` is a PDF delimiter (ISO 32000-1 §7.2.2 Table 2: `( ) < > [ ] { } / %`). */
export const isDelim = (c: number | undefined): boolean => c !== undefined && DELIM[c] === 1;
const isRegular = (c: number | undefined): boolean => c !== undefined && WS[c] === 0 && DELIM[c] === 0;
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/**
 * Decodes bytes [start, end) one byte per character (ISO-8859-1), the usual way to read PDF keywords
 * and numbers; works in 8 KiB slices, so large ranges do not overflow the argument stack.
 */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  const e = Math.min(end, b.length);
  for (let i = start; i < e; i += 8192) {
    s += String.fromCharCode(...b.subarray(i, Math.min(e, i + 8192)));
  }
  return s;
}

/**
 * Encodes a string one byte per character (the low 8 bits of each UTF-16 code unit): for PDF keywords,
 * numbers and names built from ASCII text. Not a text encoder: non-Latin-1 characters are truncated.
 */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Finds `needle` in `hay` starting at `from` (forward), or -1. */
export function indexOf(hay: Uint8Array, needle: string, from = 0, to = hay.length): number {
  const n = ascii(needle);
  const first = n[0]!;
  const last = Math.min(to, hay.length) - n.length;
  for (let i = Math.max(0, from); i <= last; i++) {
    i = hay.indexOf(first, i);
    if (i < 0 || i > last) return -1;
    let ok = true;
    for (let j = 1; j < n.length; j++) {
      if (hay[i + j] !== n[j]) {
        ok = false;
        break;
      }
    }
    if (ok) return i;
  }
  return -1;
}

/** Finds the last `needle` in `hay` starting before `before`, or -1. */
export function lastIndexOf(hay: Uint8Array, needle: string, before = hay.length, notBefore = 0): number {
  const n = ascii(needle);
  for (let i = Math.min(before, hay.length) - n.length; i >= notBefore; i--) {
    if (hay[i] !== n[0]) continue;
    let ok = true;
    for (let j = 1; j < n.length; j++) {
      if (hay[i + j] !== n[j]) {
        ok = false;
        break;
      }
    }
    if (ok) return i;
  }
  return -1;
}

/** Resolves an indirect /Length while parsing a stream. */
export type LengthResolver = (ref: PdfRef) => number | undefined;

/** An indirect object `num gen obj … endobj` parsed by `Parser.parseIndirect`, with its file offsets. */
export interface IndirectObject {
  /** Object number. */
  num: number;
  /** Generation number. */
  gen: number;
  /** The object (a `PdfStream` for a stream). */
  value: PdfObject;
  /** Offset of the object header. */
  offset: number;
  /** Offset after `endobj` (or after the value when endobj is missing and tolerated). */
  end: number;
}

/**
 * A parse error caused by reaching the end of the buffer: when the buffer is a window of a larger
 * source, the reader retries with a larger window (`need`: bytes the window should hold at least).
 */
export function endOfData(msg: string, need?: number): PdfError {
  return malformed(msg, { endOfData: true, ...(need !== undefined ? { need } : {}) });
}

/**
 * Whether `e` is the `PDF_MALFORMED` error raised by `endOfData` (the parser ran off the end of its
 * buffer; a windowed reader retries with a larger window).
 */
export function isEndOfData(e: unknown): e is PdfError {
  return e instanceof PdfError && (e.detail as { endOfData?: boolean } | undefined)?.endOfData === true;
}

/**
 * Lexer and object parser over `buf` (ISO 32000-1 §7.2 lexical conventions, §7.3 objects), starting
 * at `pos`. It parses one object where asked (position-based), with the nesting bound `MAX_NESTING`
 * and the container bound `MAX_CONTAINER_ENTRIES`. Syntax errors throw `PdfError` `PDF_MALFORMED`
 * (KysoError `INVALID_ARGUMENT`); bounds throw `PDF_LIMIT` (`INPUT_TOO_LARGE`).
 */
export class Parser {
  /** Current position, an index into `buf` (add `base` for a file offset: `abs`). */
  pos: number;
  /**
   * Set when `buf` is a window of a larger source: a stream whose /Length runs past the window
   * asks for a larger window instead of searching for `endstream`.
   */
  partial = false;
  constructor(
    /** The bytes parsed (a whole file, or a window of it starting at file offset `base`). */
    readonly buf: Uint8Array,
    pos = 0,
    /** File offset of buf[0] (spans and object offsets are reported in file offsets). */
    readonly base = 0,
  ) {
    this.pos = pos;
  }

  /** The current position as a file offset. */
  get abs(): number {
    return this.base + this.pos;
  }

  /** Skips white space and comments (`%` to end of line). */
  skipWs(): void {
    const b = this.buf;
    for (;;) {
      const c = b[this.pos];
      if (c === undefined) return;
      if (WS[c]) this.pos++;
      else if (c === 0x25) {
        // comment to end of line
        while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
      } else return;
    }
  }

  /** Reads a regular-character token (keyword or number) without consuming delimiters. */
  readRegular(): string {
    const start = this.pos;
    while (isRegular(this.buf[this.pos])) this.pos++;
    return latin1(this.buf, start, this.pos);
  }

  /** Peeks whether the next token is `kw` (followed by a delimiter/whitespace/EOF). */
  peekKeyword(kw: string): boolean {
    const save = this.pos;
    this.skipWs();
    const t = this.readRegular();
    this.pos = save;
    return t === kw;
  }

  /** Reads the keyword `kw` or throws `PDF_MALFORMED`. */
  expectKeyword(kw: string): void {
    this.skipWs();
    const at = this.pos;
    const t = this.readRegular();
    if (t !== kw) throw malformed(`expected '${kw}' at offset ${at}, found '${t.slice(0, 20)}'`);
  }

  /** Reads a non-negative integer token, or undefined (position restored). */
  tryUint(): number | undefined {
    const save = this.pos;
    this.skipWs();
    const start = this.pos;
    while (isDigit(this.buf[this.pos])) this.pos++;
    if (this.pos === start || isRegular(this.buf[this.pos])) {
      this.pos = save;
      return undefined;
    }
    return Number(latin1(this.buf, start, this.pos));
  }

  /**
   * Parses one direct object at the current position (`num gen R` is read as a `PdfRef`). `depth` is the
   * current array/dictionary nesting; past `MAX_NESTING` it throws `PDF_LIMIT`.
   */
  parseObject(depth = 0): PdfObject {
    if (depth > MAX_NESTING) throw new PdfError('PDF_LIMIT', `nesting deeper than ${MAX_NESTING}`);
    this.skipWs();
    const b = this.buf;
    const c = b[this.pos];
    if (c === undefined) throw endOfData('unexpected end of data');
    switch (c) {
      case 0x2f: // /
        return this.parseName();
      case 0x28: // (
        return this.parseLiteralString();
      case 0x3c: // <
        if (b[this.pos + 1] === 0x3c) return this.parseDict(depth);
        return this.parseHexString();
      case 0x5b: {
        // [
        this.pos++;
        const arr: PdfObject[] = [];
        for (;;) {
          this.skipWs();
          const d = b[this.pos];
          if (d === undefined) throw endOfData('unterminated array');
          if (d === 0x5d) {
            this.pos++;
            return arr;
          }
          if (arr.length >= MAX_CONTAINER_ENTRIES) throw new PdfError('PDF_LIMIT', 'array too large');
          arr.push(this.parseObject(depth + 1));
        }
      }
      default:
        break;
    }
    const start = this.pos;
    const tok = this.readRegular();
    if (tok === '') throw malformed(`unexpected character 0x${c.toString(16)} at offset ${start}`);
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (tok === 'null') return null;
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(tok)) {
      const n = Number(tok);
      if (/^\d+$/.test(tok)) {
        // maybe "num gen R"
        const save = this.pos;
        const gen = this.tryUint();
        if (gen !== undefined) {
          this.skipWs();
          if (b[this.pos] === 0x52 && !isRegular(b[this.pos + 1])) {
            this.pos++;
            if (n > MAX_OBJECT_NUMBER) throw malformed(`object number ${n} too large`);
            return new PdfRef(n, gen);
          }
        }
        this.pos = save;
      }
      return n;
    }
    // Tolerate some malformed reals seen in the wild ("--1", "1.2.3" are not accepted).
    throw malformed(`unexpected token '${tok.slice(0, 30)}' at offset ${start}`);
  }

  /** Parses a name at the current position (the `/`), resolving `#xx` escapes (ISO 32000-1 §7.3.5). */
  parseName(): PdfName {
    const b = this.buf;
    this.pos++; // '/'
    const bytes: number[] = [];
    while (isRegular(b[this.pos])) {
      const c = b[this.pos]!;
      if (c === 0x23 && isHex(b[this.pos + 1]) && isHex(b[this.pos + 2])) {
        bytes.push(parseInt(String.fromCharCode(b[this.pos + 1]!, b[this.pos + 2]!), 16));
        this.pos += 3;
      } else {
        bytes.push(c);
        this.pos++;
      }
      if (bytes.length > 65_535) throw new PdfError('PDF_LIMIT', 'name too long');
    }
    return PdfName.of(String.fromCharCode(...bytes));
  }

  /** Parses a dictionary `<< … >>` at the current position (at most `MAX_CONTAINER_ENTRIES` entries). */
  parseDict(depth: number): PdfDict {
    const b = this.buf;
    this.pos += 2;
    const d = new PdfDict();
    for (;;) {
      this.skipWs();
      const c = b[this.pos];
      if (c === undefined) throw endOfData('unterminated dictionary');
      if (c === 0x3e && b[this.pos + 1] === 0x3e) {
        this.pos += 2;
        return d;
      }
      if (c !== 0x2f) throw malformed(`dictionary key expected at offset ${this.pos}`);
      const key = this.parseName().name;
      this.skipWs();
      if (b[this.pos] === 0x3e && b[this.pos + 1] === 0x3e) {
        // key without value: tolerated as null
        continue;
      }
      const v = this.parseObject(depth + 1);
      if (d.size >= MAX_CONTAINER_ENTRIES) throw new PdfError('PDF_LIMIT', 'dictionary too large');
      // ISO 32000-1 §7.3.7: a null value is equivalent to an absent entry.
      if (v !== null) d.set(key, v);
    }
  }

  /**
   * Parses a hexadecimal string `<…>` (ISO 32000-1 §7.3.4.3; an odd final digit is padded with 0), with
   * its byte span.
   */
  parseHexString(): PdfString {
    const b = this.buf;
    const start = this.pos;
    this.pos++;
    const end = b.indexOf(0x3e, this.pos);
    if (end < 0) throw endOfData('unterminated hex string');
    const out = new Uint8Array(Math.ceil((end - this.pos) / 2));
    let n = 0;
    let hi = -1;
    for (let i = this.pos; i < end; i++) {
      const c = b[i]!;
      if (WS[c]) continue;
      const v = hexVal(c);
      if (v < 0) throw malformed(`bad hex digit at offset ${i}`);
      if (hi < 0) hi = v;
      else {
        out[n++] = (hi << 4) | v;
        hi = -1;
      }
    }
    if (hi >= 0) out[n++] = hi << 4;
    this.pos = end + 1;
    return new PdfString(out.subarray(0, n), true, [this.base + start, this.base + this.pos]);
  }

  /**
   * Parses a literal string `(…)` (ISO 32000-1 §7.3.4.2: balanced parentheses, backslash escapes, octal
   * codes, line continuations), with its byte span.
   */
  parseLiteralString(): PdfString {
    const b = this.buf;
    const start = this.pos;
    this.pos++;
    const out: number[] = [];
    let depth = 1;
    for (;;) {
      const c = b[this.pos++];
      if (c === undefined) throw endOfData('unterminated literal string');
      if (c === 0x5c) {
        const e = b[this.pos++];
        if (e === undefined) throw endOfData('unterminated literal string');
        switch (e) {
          case 0x6e:
            out.push(0x0a);
            break;
          case 0x72:
            out.push(0x0d);
            break;
          case 0x74:
            out.push(0x09);
            break;
          case 0x62:
            out.push(0x08);
            break;
          case 0x66:
            out.push(0x0c);
            break;
          case 0x0d:
            if (b[this.pos] === 0x0a) this.pos++;
            break;
          case 0x0a:
            break;
          default:
            if (e >= 0x30 && e <= 0x37) {
              let v = e - 0x30;
              for (let k = 0; k < 2 && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x37; k++) {
                v = v * 8 + (b[this.pos++]! - 0x30);
              }
              out.push(v & 0xff);
            } else out.push(e);
        }
        continue;
      }
      if (c === 0x28) depth++;
      else if (c === 0x29) {
        depth--;
        if (depth === 0) break;
      }
      out.push(c);
    }
    return new PdfString(Uint8Array.from(out), false, [this.base + start, this.base + this.pos]);
  }

  /**
   * Parses `num gen obj ... endobj` at the current position. Streams take their /Length from the
   * dictionary (resolving an indirect length with `resolveLength`); a wrong length is tolerated by
   * searching for `endstream`.
   */
  parseIndirect(resolveLength?: LengthResolver): IndirectObject {
    this.skipWs();
    const offset = this.abs;
    const num = this.tryUint();
    const gen = this.tryUint();
    if (num === undefined || gen === undefined) throw malformed(`no object header at offset ${offset}`);
    this.expectKeyword('obj');
    let value = this.parseObject(0);
    this.skipWs();
    if (value instanceof PdfDict && this.peekKeyword('stream')) {
      value = this.parseStreamBody(value, resolveLength);
    }
    if (this.peekKeyword('endobj')) this.expectKeyword('endobj');
    return { num, gen, value, offset, end: this.abs };
  }

  /**
   * Parses the body of a stream whose dictionary `d` was just read (`stream` EOL data `endstream`), using
   * /Length when it is right and searching for `endstream` when it is not.
   */
  parseStreamBody(d: PdfDict, resolveLength?: LengthResolver): PdfStream {
    const b = this.buf;
    this.expectKeyword('stream');
    // EOL after 'stream': CRLF or LF (tolerate a lone CR and trailing spaces).
    while (b[this.pos] === 0x20) this.pos++;
    if (b[this.pos] === 0x0d) this.pos++;
    if (b[this.pos] === 0x0a) this.pos++;
    const dataStart = this.pos;
    let len: number | undefined;
    const l = d.get('Length');
    if (typeof l === 'number') len = l;
    else if (l instanceof PdfRef && resolveLength) len = resolveLength(l);
    if (
      this.partial &&
      len !== undefined &&
      Number.isInteger(len) &&
      len >= 0 &&
      dataStart + len + 32 > b.length
    ) {
      throw endOfData('stream runs past the window', dataStart + len + 1024);
    }
    const endsAt = (e: number): boolean => {
      const p = new Parser(b, e);
      p.skipWs();
      return p.readRegular() === 'endstream';
    };
    let dataEnd: number;
    if (
      len !== undefined &&
      Number.isInteger(len) &&
      len >= 0 &&
      dataStart + len <= b.length &&
      endsAt(dataStart + len)
    ) {
      dataEnd = dataStart + len;
    } else {
      const es = indexOf(b, 'endstream', dataStart);
      if (es < 0) throw endOfData(`stream at offset ${this.base + dataStart} has no endstream`);
      dataEnd = es;
      if (b[dataEnd - 1] === 0x0a) dataEnd--;
      if (b[dataEnd - 1] === 0x0d) dataEnd--;
    }
    this.pos = dataEnd;
    this.expectKeyword('endstream');
    return new PdfStream(d, b.subarray(dataStart, dataEnd));
  }
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && hexVal(c) >= 0;
}
function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}
