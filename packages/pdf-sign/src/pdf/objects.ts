/**
 * The PDF object model (ISO 32000-1 §7.3), kept deliberately small: the reader parses only the
 * objects it is asked for, and the incremental writer serialises only new or changed ones.
 *
 * Numbers are JS numbers; strings keep their raw bytes (never re-encoded when untouched) and, when
 * parsed from a file, the byte span of their token (the verifier needs the /Contents position).
 */
import { KysoError, type KysoErrorCode } from '@kyso/pki-core';

/** Precise reasons for PDF failures (the KysoError `code` stays one of pki-core's union). */
export type PdfErrorReason =
  /** The bytes are not a PDF we can read (syntax, xref, trailer). */
  | 'PDF_MALFORMED'
  /** A limit (nesting, object count, decompressed size, file size) was reached. */
  | 'PDF_LIMIT'
  /** A valid PDF feature that kyso does not handle (encryption, unknown filter). */
  | 'PDF_UNSUPPORTED'
  /** The CMS did not fit the reserved /Contents region. */
  | 'PLACEHOLDER_TOO_SMALL'
  /** The document state does not allow the operation (field already signed, DocMDP P=1...). */
  | 'PDF_REFUSED';

const BASE_CODE: Record<PdfErrorReason, KysoErrorCode> = {
  PDF_MALFORMED: 'INVALID_ARGUMENT',
  PDF_LIMIT: 'INPUT_TOO_LARGE',
  PDF_UNSUPPORTED: 'UNSUPPORTED_ALGORITHM',
  PLACEHOLDER_TOO_SMALL: 'INPUT_TOO_LARGE',
  PDF_REFUSED: 'INVALID_ARGUMENT',
};

/** A KysoError with a PDF-specific `reason`. */
export class PdfError extends KysoError {
  readonly reason: PdfErrorReason;
  constructor(reason: PdfErrorReason, message: string, detail?: Record<string, unknown>) {
    super(BASE_CODE[reason], `${reason}: ${message}`, { reason, ...(detail ?? {}) });
    this.name = 'PdfError';
    this.reason = reason;
  }
}

export const malformed = (msg: string, detail?: Record<string, unknown>): PdfError =>
  new PdfError('PDF_MALFORMED', msg, detail);

export class PdfName {
  static readonly #interned = new Map<string, PdfName>();
  private constructor(readonly name: string) {}
  /** Interned: `PdfName.of('Type') === PdfName.of('Type')`. */
  static of(name: string): PdfName {
    let n = PdfName.#interned.get(name);
    if (!n) {
      n = new PdfName(name);
      if (PdfName.#interned.size < 100_000) PdfName.#interned.set(name, n);
    }
    return n;
  }
  toString(): string {
    return `/${this.name}`;
  }
}

export class PdfString {
  constructor(
    readonly bytes: Uint8Array,
    /** Written as <hex> (true) or (literal) (false). */
    readonly hex = false,
    /** Byte span [start, end) of the token in the file it was parsed from. */
    readonly span?: readonly [number, number],
  ) {}
  /** Text string (ISO 32000-1 §7.9.2): UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding (~latin1). */
  text(): string {
    const b = this.bytes;
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
      let s = '';
      for (let i = 2; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
      return s;
    }
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
      return new TextDecoder().decode(b.subarray(3));
    }
    let s = '';
    for (const c of b) s += String.fromCharCode(c);
    return s;
  }
  /** A text string: PDFDocEncoding-safe ASCII stays literal, anything else is UTF-16BE with BOM. */
  static text(s: string): PdfString {
    if (/^[\x20-\x7e]*$/.test(s)) return new PdfString(new TextEncoder().encode(s));
    const out = new Uint8Array(2 + s.length * 2);
    out[0] = 0xfe;
    out[1] = 0xff;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      out[2 + 2 * i] = c >> 8;
      out[3 + 2 * i] = c & 0xff;
    }
    return new PdfString(out);
  }
  static bytes(b: Uint8Array, hex = true): PdfString {
    return new PdfString(b, hex);
  }
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
  get key(): string {
    return `${this.num} ${this.gen}`;
  }
  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
}

export class PdfDict {
  readonly map: Map<string, PdfObject>;
  constructor(entries?: Iterable<[string, PdfObject]>) {
    this.map = new Map(entries ?? []);
  }
  get(key: string): PdfObject | undefined {
    return this.map.get(key);
  }
  set(key: string, value: PdfObject | undefined): this {
    if (value === undefined) this.map.delete(key);
    else this.map.set(key, value);
    return this;
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  delete(key: string): boolean {
    return this.map.delete(key);
  }
  /** The value if it is a name (direct only). */
  name(key: string): string | undefined {
    const v = this.map.get(key);
    return v instanceof PdfName ? v.name : undefined;
  }
  /** A shallow copy (values shared). */
  clone(): PdfDict {
    return new PdfDict(this.map);
  }
  get size(): number {
    return this.map.size;
  }
}

export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    /** The encoded (filtered) stream data. */
    readonly raw: Uint8Array,
  ) {}
}

/** Bytes written verbatim by the serialiser (placeholders the signer patches in place). */
export class PdfRaw {
  constructor(readonly bytes: Uint8Array) {}
}

export type PdfObject =
  | PdfRaw
  | null
  | boolean
  | number
  | PdfName
  | PdfString
  | PdfObject[]
  | PdfDict
  | PdfRef
  | PdfStream;

export const name = (n: string): PdfName => PdfName.of(n);
export const dict = (entries: Record<string, PdfObject | undefined>): PdfDict => {
  const d = new PdfDict();
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) d.set(k, v);
  return d;
};
