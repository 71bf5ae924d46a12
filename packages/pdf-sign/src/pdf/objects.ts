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
  /** The PDF-specific reason (the KysoError `code` is the pki-core code it maps to). */
  readonly reason: PdfErrorReason;
  constructor(reason: PdfErrorReason, message: string, detail?: Record<string, unknown>) {
    super(BASE_CODE[reason], `${reason}: ${message}`, { reason, ...(detail ?? {}) });
    this.name = 'PdfError';
    this.reason = reason;
  }
}

/**
 * A `PdfError` with reason `PDF_MALFORMED` (KysoError code `INVALID_ARGUMENT`): the bytes are not a PDF
 * kyso can read. `detail` is merged into the error's `detail`.
 */
export const malformed = (msg: string, detail?: Record<string, unknown>): PdfError =>
  new PdfError('PDF_MALFORMED', msg, detail);

/**
 * A PDF name object (ISO 32000-1 §7.3.5), interned so names compare with `===`. `name` is the decoded
 * name without the leading slash (`#xx` escapes already resolved). Create with `PdfName.of` or `name()`.
 */
export class PdfName {
  static readonly #interned = new Map<string, PdfName>();
  private constructor(
    /** The name without the leading slash, `#xx` escapes resolved (`Type`, `Sig`). */
    readonly name: string,
  ) {}
  /** Interned: `PdfName.of('Type') === PdfName.of('Type')`. */
  static of(name: string): PdfName {
    let n = PdfName.#interned.get(name);
    if (!n) {
      n = new PdfName(name);
      if (PdfName.#interned.size < 100_000) PdfName.#interned.set(name, n);
    }
    return n;
  }
  /** The name as written in a PDF (`/Type`), without `#xx` escaping; for diagnostics, not serialisation. */
  toString(): string {
    return `/${this.name}`;
  }
}

/**
 * A PDF string object (ISO 32000-1 §7.3.4). The raw bytes are kept as parsed (escapes resolved), so a
 * string is written back byte-identical; `text()` decodes a text string for display.
 */
export class PdfString {
  constructor(
    /** The string's bytes as parsed (escapes resolved) or as given; never re-encoded. */
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
  /** A byte string (binary data such as /Contents or an ID), written as `<hex>` by default. */
  static bytes(b: Uint8Array, hex = true): PdfString {
    return new PdfString(b, hex);
  }
}

/** An indirect reference `num gen R` (ISO 32000-1 §7.3.10). */
export class PdfRef {
  constructor(
    /** Object number. */
    readonly num: number,
    /** Generation number (0 for objects written by kyso). */
    readonly gen: number,
  ) {}
  /** `"num gen"`: the key of the object in the reader's caches and the writer's update map. */
  get key(): string {
    return `${this.num} ${this.gen}`;
  }
  /** The reference as written in a PDF: `12 0 R`. */
  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
}

/**
 * A PDF dictionary (ISO 32000-1 §7.3.7). Keys are names without the slash (`'Type'`), in insertion
 * order (the serialiser writes them in that order). Values may be indirect references: resolve them
 * with `PdfReader.resolve`.
 */
export class PdfDict {
  /** The entries, keys without the slash, in insertion order (direct access; prefer `get` / `set`). */
  readonly map: Map<string, PdfObject>;
  constructor(entries?: Iterable<[string, PdfObject]>) {
    this.map = new Map(entries ?? []);
  }
  /** The value under `key` as stored (a `PdfRef` is not resolved), or undefined. */
  get(key: string): PdfObject | undefined {
    return this.map.get(key);
  }
  /** Sets `key`; `undefined` deletes the entry (so optional entries can be written inline). Chainable. */
  set(key: string, value: PdfObject | undefined): this {
    if (value === undefined) this.map.delete(key);
    else this.map.set(key, value);
    return this;
  }
  /** Whether `key` is present (even with a `null` value). */
  has(key: string): boolean {
    return this.map.has(key);
  }
  /** Removes `key`; true if it was present. */
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
  /** Number of entries. */
  get size(): number {
    return this.map.size;
  }
}

/**
 * A stream object (ISO 32000-1 §7.3.8): its dictionary and the encoded bytes between `stream` and
 * `endstream`. Decode with `decodeStream` (FlateDecode with PNG/TIFF predictors and ASCIIHexDecode;
 * other filters throw `PDF_UNSUPPORTED`).
 */
export class PdfStream {
  constructor(
    /** The stream dictionary (/Length, /Filter, /DecodeParms, /Type...). */
    readonly dict: PdfDict,
    /** The encoded (filtered) stream data. */
    readonly raw: Uint8Array,
  ) {}
}

/** Bytes written verbatim by the serialiser (placeholders the signer patches in place). */
export class PdfRaw {
  constructor(
    /** The bytes to write, verbatim. */
    readonly bytes: Uint8Array,
  ) {}
}

/**
 * Any PDF object (ISO 32000-1 §7.3): `null`, booleans and numbers are JS values, arrays are JS arrays,
 * the rest are the classes above. `PdfRaw` only appears in objects built for writing.
 */
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

/** Shorthand for `PdfName.of(n)`: `name('Sig')` is the name `/Sig`. */
export const name = (n: string): PdfName => PdfName.of(n);
/**
 * Builds a `PdfDict` from an object literal, skipping `undefined` values (so optional entries can be
 * written inline): `dict({ Type: name('Annot'), P: pageRef })`.
 */
export const dict = (entries: Record<string, PdfObject | undefined>): PdfDict => {
  const d = new PdfDict();
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) d.set(k, v);
  return d;
};
