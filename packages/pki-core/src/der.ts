/**
 * Strict DER (X.690 §10) reader and writer.
 *
 * The reader accepts only DER: definite minimal lengths, low-tag-number form where possible,
 * minimal INTEGERs, canonical BOOLEAN, BIT STRING padding bits zero, no trailing bytes. It is a
 * cursor in the style of Go's cryptobyte: parsers walk the structure they expect, so there is no
 * recursive generic decode of untrusted input (except `parseTree`, which is depth-bounded).
 */
import { bytesToBigint, toHex, utf8Decode, utf8Encode } from './bytes.js';
import { KysoError } from './errors.js';

/** Hard cap on a single DER object we will parse (64 MiB): bounds memory on hostile input. */
export const MAX_DER_SIZE = 64 * 1024 * 1024;
/** Nesting cap for generic tree walks (real PKI objects nest < 20 deep). */
export const MAX_DER_DEPTH = 64;

/**
 * Identifier octets of the universal ASN.1 types kyso reads and writes (X.680 §8.4): `Tag.SEQUENCE`
 * is 0x30 (constructed), `Tag.INTEGER` 0x02... Context tags: `ctxTag`.
 */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
} as const;

/** Context-specific tag byte: [n] primitive or constructed (n < 31). */
export const ctxTag = (n: number, constructed: boolean): number => 0x80 | (constructed ? 0x20 : 0) | n;

/** One TLV read by `DerReader`: its tag, its full encoding, its content octets and where it was. */
export interface DerElement {
  /** Identifier octet (first byte; high tag numbers are rejected except through `tagNumber`). */
  tag: number;
  /** The full TLV encoding. */
  raw: Uint8Array;
  /** The content octets. */
  value: Uint8Array;
  /** Offset of the TLV within the outermost buffer handed to the reader. */
  offset: number;
}

function malformed(msg: string, offset?: number): KysoError {
  return new KysoError('DER_MALFORMED', offset === undefined ? msg : `${msg} at offset ${offset}`);
}

/** A KysoError `ASN1_SCHEMA`: well-formed DER that is not the structure expected. */
export function schemaError(msg: string): KysoError {
  return new KysoError('ASN1_SCHEMA', msg);
}

const TAG_NAMES = new Map<number, string>([
  [0x01, 'BOOLEAN'],
  [0x02, 'INTEGER'],
  [0x03, 'BIT STRING'],
  [0x04, 'OCTET STRING'],
  [0x05, 'NULL'],
  [0x06, 'OBJECT IDENTIFIER'],
  [0x0a, 'ENUMERATED'],
  [0x0c, 'UTF8String'],
  [0x12, 'NumericString'],
  [0x13, 'PrintableString'],
  [0x14, 'T61String'],
  [0x16, 'IA5String'],
  [0x17, 'UTCTime'],
  [0x18, 'GeneralizedTime'],
  [0x1a, 'VisibleString'],
  [0x1c, 'UniversalString'],
  [0x1e, 'BMPString'],
  [0x30, 'SEQUENCE'],
  [0x31, 'SET'],
]);

/** A readable name for an identifier octet (`SEQUENCE`, `INTEGER`, `[0] constructed`...), for messages. */
export function tagName(tag: number): string {
  const name = TAG_NAMES.get(tag);
  if (name) return name;
  if ((tag & 0xc0) === 0x80) return `[${tag & 0x1f}]${tag & 0x20 ? ' constructed' : ''}`;
  return `tag 0x${tag.toString(16)}`;
}

/**
 * Universal tag numbers whose DER encoding must be primitive (X.690 §10.2: DER uses the primitive
 * form for strings; BOOLEAN, INTEGER, NULL, OID, REAL, ENUMERATED, RELATIVE-OID and times are
 * always primitive). SEQUENCE (16) and SET (17) must be constructed.
 */
const UNIVERSAL_PRIMITIVE = new Set([
  1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30,
]);

/** Reads one TLV header+body at `pos` within `buf[.. end]`; returns element and next position. */
function readTlv(buf: Uint8Array, pos: number, end: number, base: number): [DerElement, number] {
  if (pos >= end) throw malformed('unexpected end of data', base + pos);
  const start = pos;
  const tag = buf[pos++]!;
  if ((tag & 0x1f) === 0x1f) {
    // High-tag-number form: not used by any structure we parse; reject rather than mis-read.
    throw malformed('high-tag-number form not supported', base + start);
  }
  if ((tag & 0xc0) === 0) {
    const num = tag & 0x1f;
    const constructed = (tag & 0x20) !== 0;
    // Tag 0 is BER's end-of-contents marker (indefinite lengths); it never appears in DER.
    if (num === 0) throw malformed('universal tag 0 (end-of-contents) is not DER', base + start);
    if (constructed && UNIVERSAL_PRIMITIVE.has(num)) {
      throw malformed(`constructed encoding of ${tagName(num)} is not DER`, base + start);
    }
    if (!constructed && (num === 16 || num === 17)) {
      throw malformed(`primitive encoding of ${num === 16 ? 'SEQUENCE' : 'SET'} is not DER`, base + start);
    }
  }
  if (pos >= end) throw malformed('missing length', base + pos);
  let len = buf[pos++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw malformed('indefinite length is not DER', base + start);
    if (n > 4) throw malformed('length too large', base + start);
    if (pos + n > end) throw malformed('truncated length', base + start);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos++]!;
    if (buf[pos - n] === 0) throw malformed('non-minimal length (leading zero)', base + start);
    if (len < 128) throw malformed('non-minimal length (long form for short length)', base + start);
  }
  if (len > end - pos) throw malformed('length exceeds available data', base + start);
  const el: DerElement = {
    tag,
    raw: buf.subarray(start, pos + len),
    value: buf.subarray(pos, pos + len),
    offset: base + start,
  };
  return [el, pos + len];
}

/**
 * A cursor over a sequence of DER elements (the content of a SEQUENCE/SET, or a whole buffer).
 */
export class DerReader {
  private pos = 0;
  private readonly end: number;
  constructor(
    private readonly buf: Uint8Array,
    private readonly base = 0,
  ) {
    if (buf.length > MAX_DER_SIZE)
      throw new KysoError('INPUT_TOO_LARGE', `DER input exceeds ${MAX_DER_SIZE} bytes`);
    this.end = buf.length;
  }

  /** Reader over exactly one top-level element: trailing bytes are an error (DER_MALFORMED). */
  static single(buf: Uint8Array, expectedTag: number = Tag.SEQUENCE): DerElement {
    const r = new DerReader(buf);
    const el = r.read(expectedTag);
    if (!r.done) throw malformed('trailing data after top-level element', r.base + r.pos);
    return el;
  }

  /** Whether every element of this reader's content has been read. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The tag of the next element without reading it (undefined at the end). */
  peekTag(): number | undefined {
    return this.pos < this.end ? this.buf[this.pos] : undefined;
  }

  /** Reads the next element, which must have `expectedTag` if given. */
  read(expectedTag?: number): DerElement {
    const [el, next] = readTlv(this.buf, this.pos, this.end, this.base);
    if (expectedTag !== undefined && el.tag !== expectedTag) {
      throw schemaError(`expected ${tagName(expectedTag)}, found ${tagName(el.tag)} at offset ${el.offset}`);
    }
    this.pos = next;
    return el;
  }

  /** Reads the next element only if its tag matches. */
  readOptional(tag: number): DerElement | undefined {
    return this.peekTag() === tag ? this.read(tag) : undefined;
  }

  /** Reads a constructed element and returns a reader over its content. */
  enter(expectedTag: number = Tag.SEQUENCE): DerReader {
    const el = this.read(expectedTag);
    if (!(el.tag & 0x20)) throw schemaError(`${tagName(el.tag)} is not constructed`);
    return new DerReader(el.value, el.offset + (el.raw.length - el.value.length));
  }

  /** A reader over the next element's content when it has `tag` (it is consumed), else undefined. */
  enterOptional(tag: number): DerReader | undefined {
    return this.peekTag() === tag ? this.enter(tag) : undefined;
  }

  /** Asserts the reader is exhausted. */
  finish(message = 'unexpected trailing data'): void {
    if (this.pos !== this.end) throw schemaError(`${message} at offset ${this.base + this.pos}`);
  }

  /** All remaining elements. */
  readAll(): DerElement[] {
    const out: DerElement[] = [];
    while (!this.done) out.push(this.read());
    return out;
  }

  /** Reads an INTEGER (minimal encoding checked). */
  readInteger(): bigint {
    return decodeInteger(this.read(Tag.INTEGER));
  }

  /** INTEGER as raw two's-complement bytes (for serial numbers, which may be large). */
  readIntegerBytes(): Uint8Array {
    const el = this.read(Tag.INTEGER);
    checkInteger(el);
    return el.value;
  }

  /**
   * A CertificateSerialNumber INTEGER, the one place kyso tolerates a non-minimal encoding
   * (RFC 5280 §4.1.2.2: certificate users SHOULD gracefully handle non-conforming serial
   * numbers; Chromium, rustls-webpki and OpenSSL read them). The content bytes are returned as
   * encoded (check `isMinimalInteger`); an empty INTEGER is still refused. Use only for
   * tbsCertificate.serialNumber and CertID.serialNumber; every other INTEGER stays strict DER.
   */
  readSerialNumberBytes(): Uint8Array {
    const el = this.read(Tag.INTEGER);
    if (el.value.length === 0) throw malformed('empty INTEGER', el.offset);
    return el.value;
  }

  /** Reads an INTEGER that must fit a safe JS number; KysoError `ASN1_SCHEMA` otherwise. */
  readSmallInteger(): number {
    const v = this.readInteger();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw schemaError('integer out of range');
    }
    return Number(v);
  }

  /** Reads a BOOLEAN (0x00 or 0xFF). */
  readBoolean(): boolean {
    return decodeBoolean(this.read(Tag.BOOLEAN));
  }

  /** Reads an OBJECT IDENTIFIER, in dotted form. */
  readOid(): string {
    return decodeOid(this.read(Tag.OID));
  }

  /** Reads an OCTET STRING's content. */
  readOctetString(): Uint8Array {
    return this.read(Tag.OCTET_STRING).value;
  }

  /** Reads a BIT STRING (unused bits checked zero). */
  readBitString(): BitString {
    return decodeBitString(this.read(Tag.BIT_STRING));
  }

  /** Reads a NULL. */
  readNull(): void {
    decodeNull(this.read(Tag.NULL));
  }

  /** Reads a UTCTime or GeneralizedTime in DER form; KysoError `ASN1_SCHEMA` for anything else. */
  readTime(): Date {
    const t = this.peekTag();
    if (t === Tag.UTC_TIME) return decodeUtcTime(this.read());
    if (t === Tag.GENERALIZED_TIME) return decodeGeneralizedTime(this.read());
    throw schemaError(`expected a time, found ${t === undefined ? 'end of data' : tagName(t)}`);
  }
}

/**
 * Checks INTEGER content octets: non-empty and minimal (X.690 §8.3.2); throws KysoError
 * `DER_MALFORMED` otherwise.
 */
export function checkInteger(el: DerElement): void {
  const v = el.value;
  if (v.length === 0) throw malformed('empty INTEGER', el.offset);
  if (!isMinimalInteger(v)) throw malformed('non-minimal INTEGER', el.offset);
}

/** Whether INTEGER content bytes are the minimal two's-complement encoding (X.690 §8.3.2). */
export function isMinimalInteger(v: Uint8Array): boolean {
  return !(v.length > 1 && ((v[0] === 0 && !(v[1]! & 0x80)) || (v[0] === 0xff && v[1]! & 0x80)));
}

/**
 * The minimal encoding of INTEGER content bytes (redundant leading 00 / FF octets removed): the
 * same value, the only DER form. Returns `v` itself when it is already minimal.
 */
export function minimalIntegerBytes(v: Uint8Array): Uint8Array {
  let i = 0;
  while (i < v.length - 1 && ((v[i] === 0 && !(v[i + 1]! & 0x80)) || (v[i] === 0xff && v[i + 1]! & 0x80)))
    i++;
  return i === 0 ? v : v.subarray(i);
}

/**
 * A serial number (INTEGER content bytes) as lowercase hex of its minimal encoding with a
 * sign-padding 00 removed: the form `openssl` prints ("05", never "0005"); a non-minimal
 * encoding (a certificate's 00 05) prints like the minimal one. The one serial-to-text function.
 */
export function serialHex(serial: Uint8Array): string {
  const m = minimalIntegerBytes(serial);
  return toHex(m.length > 1 && m[0] === 0 ? m.subarray(1) : m);
}

/**
 * Whether two INTEGER contents (two's complement, possibly non-minimal) hold the same value.
 * Serial numbers are matched this way: one value has one minimal encoding, so a different
 * serial never matches, and a certificate's non-minimal serial still finds its CRL entry.
 */
export function integerBytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const x = minimalIntegerBytes(a);
  const y = minimalIntegerBytes(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The value of an INTEGER (two's complement), checked by `checkInteger`. */
export function decodeInteger(el: DerElement): bigint {
  checkInteger(el);
  const v = el.value;
  const u = bytesToBigint(v);
  return v[0]! & 0x80 ? u - (1n << BigInt(v.length * 8)) : u;
}

/** The value of a BOOLEAN: one octet, 0x00 or 0xFF in DER (X.690 §11.1); `DER_MALFORMED` otherwise. */
export function decodeBoolean(el: DerElement): boolean {
  if (el.value.length !== 1) throw malformed('BOOLEAN length must be 1', el.offset);
  if (el.value[0] === 0) return false;
  if (el.value[0] === 0xff) return true;
  throw malformed('BOOLEAN must be 0x00 or 0xFF in DER', el.offset);
}

/** Checks that a NULL is empty; `DER_MALFORMED` otherwise. */
export function decodeNull(el: DerElement): void {
  if (el.value.length !== 0) throw malformed('NULL must be empty', el.offset);
}

/** Longest OID content we read or write (real OIDs are < 40 bytes; UUID arcs 2.25.x about 20). */
export const MAX_OID_BYTES = 128;

/** Decoded OIDs by encoding: certificates repeat a few dozen OIDs, so parsing hits this cache. */
const OID_CACHE = new Map<string, string>();
/** Bound on cached OIDs (each entry is a short string; hostile input cannot grow it further). */
const OID_CACHE_MAX = 4096;

/**
 * The dotted form of an OBJECT IDENTIFIER (`1.2.840.113549.1.1.11`); `DER_MALFORMED` for an empty,
 * over-long (`MAX_OID_BYTES`) or non-minimal encoding.
 */
export function decodeOid(el: DerElement): string {
  const v = el.value;
  if (v.length === 0) throw malformed('empty OBJECT IDENTIFIER', el.offset);
  if (v.length > MAX_OID_BYTES) throw malformed('OBJECT IDENTIFIER too long', el.offset);
  const key = String.fromCharCode.apply(null, v as unknown as number[]);
  const hit = OID_CACHE.get(key);
  if (hit !== undefined) return hit;
  const arcs: bigint[] = [];
  let cur = 0n;
  let started = false;
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    if (!started && b === 0x80) throw malformed('non-minimal OID arc', el.offset);
    started = true;
    cur = (cur << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(cur);
      cur = 0n;
      started = false;
    }
  }
  if (started) throw malformed('truncated OID arc', el.offset);
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  const dotted = [...head, ...arcs.slice(1)].join('.');
  if (OID_CACHE.size >= OID_CACHE_MAX) OID_CACHE.clear();
  OID_CACHE.set(key, dotted);
  return dotted;
}

/** A BIT STRING's content: the bytes and the number of unused bits in the last one (0–7). */
export interface BitString {
  /** The content bytes (after the unused-bits octet). */
  bytes: Uint8Array;
  /** Unused bits in the last byte, 0–7. */
  unusedBits: number;
}

/**
 * A BIT STRING's bytes and unused-bit count; `DER_MALFORMED` unless the unused bits are 0–7 and zero
 * (X.690 §11.2).
 */
export function decodeBitString(el: DerElement): BitString {
  const v = el.value;
  if (v.length === 0) throw malformed('empty BIT STRING', el.offset);
  const unused = v[0]!;
  if (unused > 7) throw malformed('BIT STRING unused bits > 7', el.offset);
  if (v.length === 1 && unused !== 0) throw malformed('empty BIT STRING with unused bits', el.offset);
  if (unused && v[v.length - 1]! & ((1 << unused) - 1))
    throw malformed('BIT STRING padding bits not zero', el.offset);
  return { bytes: v.subarray(1), unusedBits: unused };
}

/** Named-bit list (KeyUsage, ReasonFlags...): bit i set => i in the result. */
export function bitStringToFlags(bs: BitString): number[] {
  const out: number[] = [];
  const total = bs.bytes.length * 8 - bs.unusedBits;
  for (let i = 0; i < total; i++) if (bs.bytes[i >> 3]! & (0x80 >> (i & 7))) out.push(i);
  return out;
}

const DIGITS = /^[0-9]+$/;

/**
 * A UTCTime in the DER form `YYMMDDHHMMSSZ` (RFC 5280 §4.1.2.5.1: years 50–99 are 19xx, 00–49 20xx);
 * `DER_MALFORMED` for any other form.
 */
export function decodeUtcTime(el: DerElement): Date {
  const s = ascii(el);
  // DER: YYMMDDHHMMSSZ exactly (RFC 5280 4.1.2.5.1).
  if (s.length !== 13 || s[12] !== 'Z' || !DIGITS.test(s.slice(0, 12))) {
    throw malformed(`UTCTime not in DER form: ${JSON.stringify(s)}`, el.offset);
  }
  const yy = Number(s.slice(0, 2));
  return makeDate(yy >= 50 ? 1900 + yy : 2000 + yy, s.slice(2, 12), el);
}

/**
 * GeneralizedTime in DER: YYYYMMDDHHMMSS[.fff]Z, fraction without trailing zeros.
 * Certificates forbid the fraction (RFC 5280); callers that need that check use `allowFraction=false`.
 */
export function decodeGeneralizedTime(el: DerElement, allowFraction = true): Date {
  const s = ascii(el);
  const m = /^(\d{4})(\d{10})(?:\.(\d*[1-9]))?Z$/.exec(s);
  if (!m || (!allowFraction && m[3] !== undefined)) {
    throw malformed(`GeneralizedTime not in DER form: ${JSON.stringify(s)}`, el.offset);
  }
  const d = makeDate(Number(m[1]), m[2]!, el);
  // Milliseconds from the first three fraction digits (truncated; no float rounding).
  if (m[3]) d.setUTCMilliseconds(Number(m[3].slice(0, 3).padEnd(3, '0')));
  return d;
}

function makeDate(year: number, rest: string, el: DerElement): Date {
  const mo = Number(rest.slice(0, 2));
  const d = Number(rest.slice(2, 4));
  const h = Number(rest.slice(4, 6));
  const mi = Number(rest.slice(6, 8));
  const sec = Number(rest.slice(8, 10));
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999 (leap years differ).
  date.setUTCFullYear(year, mo - 1, d);
  date.setUTCHours(h, mi, sec, 0);
  if (
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    h > 23 ||
    mi > 59 ||
    sec > 59 ||
    date.getUTCDate() !== d ||
    date.getUTCMonth() !== mo - 1
  ) {
    throw malformed('invalid date', el.offset);
  }
  return date;
}

function ascii(el: DerElement): string {
  let s = '';
  for (const b of el.value) {
    if (b > 0x7e || b < 0x20) throw malformed('non-printable character in time', el.offset);
    s += String.fromCharCode(b);
  }
  return s;
}

/** PrintableString alphabet (X.680 §41.4): A-Z a-z 0-9 space ' ( ) + , - . / : = ? */
const PRINTABLE = (() => {
  const t = new Uint8Array(256);
  for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")
    t[c.charCodeAt(0)] = 1;
  return t;
})();

/** Bytes as code points 0..255 (chunked: spreading a large array into fromCharCode overflows the stack). */
function latin1(v: Uint8Array): string {
  let s = '';
  for (let i = 0; i < v.length; i += 8192) s += String.fromCharCode(...v.subarray(i, i + 8192));
  return s;
}

/** Decodes an ASN.1 character string of any directory-string type into a JS string. */
export function decodeString(el: DerElement): string {
  const v = el.value;
  try {
    switch (el.tag) {
      case Tag.UTF8_STRING:
        return utf8Decode(v);
      case Tag.PRINTABLE_STRING:
        for (const b of v) if (!PRINTABLE[b]) throw malformed('invalid PrintableString character', el.offset);
        return latin1(v);
      case Tag.NUMERIC_STRING:
        for (const b of v) {
          if (b !== 0x20 && (b < 0x30 || b > 0x39))
            throw malformed('invalid NumericString character', el.offset);
        }
        return latin1(v);
      case Tag.IA5_STRING:
      case Tag.VISIBLE_STRING:
        for (const b of v) if (b > 0x7f) throw malformed('invalid character in ASCII string', el.offset);
        return latin1(v);
      case Tag.T61_STRING:
        // Treated as Latin-1, as most implementations do.
        return latin1(v);
      case Tag.BMP_STRING: {
        if (v.length % 2) throw malformed('odd BMPString length', el.offset);
        let s = '';
        for (let i = 0; i < v.length; i += 2) {
          const cu = (v[i]! << 8) | v[i + 1]!;
          // BMPString is UCS-2: surrogate code units are not characters.
          if (cu >= 0xd800 && cu <= 0xdfff) throw malformed('surrogate in BMPString', el.offset);
          s += String.fromCharCode(cu);
        }
        return s;
      }
      case Tag.UNIVERSAL_STRING: {
        if (v.length % 4) throw malformed('bad UniversalString length', el.offset);
        let s = '';
        for (let i = 0; i < v.length; i += 4) {
          const cp = ((v[i]! << 24) | (v[i + 1]! << 16) | (v[i + 2]! << 8) | v[i + 3]!) >>> 0;
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            throw malformed('bad UniversalString code point', el.offset);
          }
          s += String.fromCodePoint(cp);
        }
        return s;
      }
      default:
        throw schemaError(`${tagName(el.tag)} is not a string type`);
    }
  } catch (e) {
    // utf8Decode's INVALID_ARGUMENT is, inside DER, a malformed string.
    if (e instanceof KysoError && e.code !== 'INVALID_ARGUMENT') throw e;
    throw malformed('invalid string encoding', el.offset);
  }
}

/**
 * One node of `parseTree`'s generic tree (for dumps and tests): tag, offset, content length, and the
 * children of a constructed element or the content of a primitive one.
 */
export interface DerTreeNode {
  /** The identifier octet. */
  tag: number;
  /** Offset of the element in the parsed buffer. */
  offset: number;
  /** Length of its content octets. */
  length: number;
  /** The elements inside a constructed element. */
  children?: DerTreeNode[];
  /** The content octets of a primitive element. */
  value?: Uint8Array;
}

/**
 * Checks that the content of a primitive universal element is DER for its type (minimal INTEGER,
 * canonical BOOLEAN, BIT STRING padding, time formats, string character sets...). Context-specific
 * and application tags are opaque here (their type is only known to a schema).
 */
export function checkPrimitiveContent(el: DerElement): void {
  switch (el.tag) {
    case Tag.BOOLEAN:
      decodeBoolean(el);
      return;
    case Tag.INTEGER:
    case Tag.ENUMERATED:
      checkInteger(el);
      return;
    case Tag.BIT_STRING:
      decodeBitString(el);
      return;
    case Tag.NULL:
      decodeNull(el);
      return;
    case Tag.OID:
      decodeOid(el);
      return;
    case Tag.UTC_TIME:
      decodeUtcTime(el);
      return;
    case Tag.GENERALIZED_TIME:
      decodeGeneralizedTime(el);
      return;
    case Tag.UTF8_STRING:
    case Tag.PRINTABLE_STRING:
    case Tag.IA5_STRING:
    case Tag.NUMERIC_STRING:
    case Tag.VISIBLE_STRING:
    case Tag.BMP_STRING:
    case Tag.UNIVERSAL_STRING:
      decodeString(el);
      return;
    default:
      return;
  }
}

/**
 * Generic, depth-bounded decode of a complete DER buffer (for display and fuzzing checks). Every
 * element must be DER, including the content of universal primitive types (`checkPrimitiveContent`).
 */
export function parseTree(buf: Uint8Array, maxDepth = MAX_DER_DEPTH): DerTreeNode {
  const walk = (el: DerElement, depth: number): DerTreeNode => {
    if (depth > maxDepth) throw new KysoError('DER_MALFORMED', `nesting deeper than ${maxDepth}`);
    const node: DerTreeNode = { tag: el.tag, offset: el.offset, length: el.value.length };
    if (el.tag & 0x20) {
      const r = new DerReader(el.value, el.offset + el.raw.length - el.value.length);
      node.children = [];
      while (!r.done) node.children.push(walk(r.read(), depth + 1));
    } else {
      checkPrimitiveContent(el);
      node.value = el.value;
    }
    return node;
  };
  const r = new DerReader(buf);
  const top = r.read();
  if (!r.done) throw malformed('trailing data after top-level element', top.raw.length);
  return walk(top, 0);
}

// ---------------------------------------------------------------------------------------------
// Writer: build DER from small composable values. Every function returns encoded bytes.
// ---------------------------------------------------------------------------------------------

/** DER bytes, as every writer function returns them. */
export type Der = Uint8Array;

function encodeLength(n: number): number[] {
  if (n < 128) return [n];
  const out: number[] = [];
  while (n > 0) {
    out.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return [0x80 | out.length, ...out];
}

/** One TLV: `tag`, the definite minimal length (X.690 §10.1) and `value`. */
export function tlv(tag: number, value: Uint8Array): Der {
  const len = encodeLength(value.length);
  const out = new Uint8Array(1 + len.length + value.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(value, 1 + len.length);
  return out;
}

function cat(parts: (Der | undefined | null | false)[]): Uint8Array {
  const ps = parts.filter((p): p is Der => p instanceof Uint8Array);
  let n = 0;
  for (const p of ps) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of ps) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * TLV around the concatenation of `parts` (falsy ones skipped), written in one allocation: no
 * intermediate buffer per nesting level (large encodings, e.g. a token carrying certificates, are
 * otherwise copied twice per level).
 */
function tlvOf(tag: number, parts: readonly (Der | undefined | null | false)[]): Der {
  let n = 0;
  for (const p of parts) if (p instanceof Uint8Array) n += p.length;
  const len = encodeLength(n);
  const out = new Uint8Array(1 + len.length + n);
  out[0] = tag;
  out.set(len, 1);
  let o = 1 + len.length;
  for (const p of parts) {
    if (!(p instanceof Uint8Array)) continue;
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** SEQUENCE; undefined/null/false children are skipped (handy for OPTIONAL fields). */
export const seq = (...children: (Der | undefined | null | false)[]): Der => tlvOf(Tag.SEQUENCE, children);

/** SET OF with DER ordering (elements sorted by their encodings). */
export function setOf(...children: Der[]): Der {
  const sorted = [...children].sort(compareBytes);
  return tlvOf(Tag.SET, sorted);
}

/** Byte-wise comparison (negative, 0, positive), the order of DER SET OF elements (X.690 §11.6). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** An INTEGER in minimal two's-complement form. */
export function integer(v: bigint | number): Der {
  const n = BigInt(v);
  let len = 1;
  // Smallest two's-complement length that holds n.
  while (n >= 1n << BigInt(len * 8 - 1) || n < -(1n << BigInt(len * 8 - 1))) len++;
  let u = n < 0n ? n + (1n << BigInt(len * 8)) : n;
  const bytes = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    bytes[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return tlv(Tag.INTEGER, bytes);
}

/** INTEGER from unsigned big-endian magnitude bytes (adds/strips leading zeros as DER needs). */
export function integerFromUnsigned(mag: Uint8Array): Der {
  let i = 0;
  while (i < mag.length - 1 && mag[i] === 0) i++;
  const m = mag.subarray(i);
  return tlv(
    Tag.INTEGER,
    m.length && m[0]! & 0x80 ? cat([Uint8Array.of(0), m]) : m.length ? m : Uint8Array.of(0),
  );
}

/** A BOOLEAN (TRUE is 0xFF in DER). */
export const bool = (v: boolean): Der => tlv(Tag.BOOLEAN, Uint8Array.of(v ? 0xff : 0));
/** A NULL. */
export const nul = (): Der => Uint8Array.of(Tag.NULL, 0);
/** An OCTET STRING. */
export const octetString = (v: Uint8Array): Der => tlv(Tag.OCTET_STRING, v);
/** A UTF8String. */
export const utf8String = (s: string): Der => tlv(Tag.UTF8_STRING, utf8Encode(s));
/** An IA5String (ASCII); KysoError `INVALID_ARGUMENT` for a non-ASCII character. */
export const ia5String = (s: string): Der => {
  if (/[^\x00-\x7f]/.test(s))
    throw new KysoError('INVALID_ARGUMENT', `not an IA5String: ${JSON.stringify(s)}`);
  return tlv(Tag.IA5_STRING, utf8Encode(s));
};
/** A PrintableString (X.680 §41.4 characters); KysoError `INVALID_ARGUMENT` for any other. */
export const printableString = (s: string): Der => {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s))
    throw new KysoError('INVALID_ARGUMENT', `not a PrintableString: ${JSON.stringify(s)}`);
  return tlv(Tag.PRINTABLE_STRING, utf8Encode(s));
};
/** An ENUMERATED (encoded like an INTEGER). */
export const enumerated = (v: number): Der => {
  const i = integer(v);
  i[0] = Tag.ENUMERATED;
  return i;
};

/** A BIT STRING of `bytes` with `unusedBits` unused bits in the last byte (0 by default). */
export function bitString(bytes: Uint8Array, unusedBits = 0): Der {
  return tlv(Tag.BIT_STRING, cat([Uint8Array.of(unusedBits), bytes]));
}

/** Named-bit BIT STRING (DER: trailing zero bits removed). */
export function flagsToBitString(bits: number[]): Der {
  if (bits.length === 0) return bitString(new Uint8Array(0));
  const max = Math.max(...bits);
  const bytes = new Uint8Array((max >> 3) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  const unused = 7 - (max & 7);
  return bitString(bytes, unused);
}

/** Encoded OIDs (bounded): hot paths (OCSP, TSA, CMS) encode the same few OIDs per signature. */
const OID_DER_CACHE = new Map<string, Der>();

/**
 * An OBJECT IDENTIFIER from its dotted form; KysoError `INVALID_ARGUMENT` for a malformed one or
 * one over `MAX_OID_BYTES`.
 */
export function oid(dotted: string): Der {
  const hit = OID_DER_CACHE.get(dotted);
  if (hit) return hit.slice(); // a copy: callers may own and mutate what they get
  const der = encodeOid(dotted);
  if (OID_DER_CACHE.size < 1024) OID_DER_CACHE.set(dotted, der.slice());
  return der;
}

function encodeOid(dotted: string): Der {
  const parts = dotted.split('.').map((p) => {
    if (!/^\d+$/.test(p)) throw new KysoError('INVALID_ARGUMENT', `bad OID ${dotted}`);
    return BigInt(p);
  });
  if (parts.length < 2 || parts[0]! > 2n || (parts[0]! < 2n && parts[1]! >= 40n)) {
    throw new KysoError('INVALID_ARGUMENT', `bad OID ${dotted}`);
  }
  const arcs = [parts[0]! * 40n + parts[1]!, ...parts.slice(2)];
  const bytes: number[] = [];
  for (const a of arcs) {
    const chunk: number[] = [Number(a & 0x7fn)];
    let x = a >> 7n;
    while (x > 0n) {
      chunk.unshift(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    bytes.push(...chunk);
  }
  // Same cap as decodeOid: never write what the reader refuses.
  if (bytes.length > MAX_OID_BYTES)
    throw new KysoError('INVALID_ARGUMENT', `OID longer than ${MAX_OID_BYTES} bytes`);
  return tlv(Tag.OID, Uint8Array.from(bytes));
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** RFC 5280: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(d: Date): Der {
  const y = d.getUTCFullYear();
  return y >= 1950 && y < 2050 ? utcTime(d) : generalizedTime(d);
}

/** A UTCTime (`YYMMDDHHMMSSZ`, UTC, seconds); KysoError `INVALID_ARGUMENT` outside 1950–2049. */
export function utcTime(d: Date): Der {
  const y = d.getUTCFullYear();
  if (!(y >= 1950 && y < 2050)) throw new KysoError('INVALID_ARGUMENT', `UTCTime cannot hold year ${y}`);
  const s = `${pad2(d.getUTCFullYear() % 100)}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}Z`;
  return tlv(Tag.UTC_TIME, utf8Encode(s));
}

/**
 * A GeneralizedTime (`YYYYMMDDHHMMSS[.fff]Z`, UTC; milliseconds with `withMillis`, trailing zeros
 * dropped as DER requires); KysoError `INVALID_ARGUMENT` for a year it cannot hold.
 */
export function generalizedTime(d: Date, withMillis = false): Der {
  const y = d.getUTCFullYear();
  if (!(y >= 0 && y <= 9999))
    throw new KysoError('INVALID_ARGUMENT', `GeneralizedTime cannot hold year ${y}`);
  let s = `${String(d.getUTCFullYear()).padStart(4, '0')}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`;
  if (withMillis && d.getUTCMilliseconds())
    s += `.${String(d.getUTCMilliseconds()).padStart(3, '0').replace(/0+$/, '')}`;
  return tlv(Tag.GENERALIZED_TIME, utf8Encode(`${s}Z`));
}

/** [n] EXPLICIT: wraps a complete encoding. */
export const explicit = (n: number, inner: Der): Der => tlv(ctxTag(n, true), inner);

/** [n] IMPLICIT: retags an encoding, keeping its constructed bit. */
export function implicit(n: number, inner: Der): Der {
  const out = inner.slice();
  out[0] = ctxTag(n, (inner[0]! & 0x20) !== 0);
  return out;
}

/** Re-tag an element's content with a context tag (for IMPLICIT fields built from raw content). */
export const contextPrimitive = (n: number, value: Uint8Array): Der => tlv(ctxTag(n, false), value);
/** A context-specific constructed element `[n]` holding `children` (falsy children skipped). */
export const contextConstructed = (n: number, ...children: (Der | undefined | false)[]): Der =>
  tlvOf(ctxTag(n, true), children);
/** A SET of `children` in the order given (use `setOf` for DER SET OF ordering). */
export const setRaw = (...children: Der[]): Der => tlvOf(Tag.SET, children);
