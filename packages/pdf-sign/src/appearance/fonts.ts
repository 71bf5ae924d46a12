/**
 * Embedded TrueType fonts for appearance streams: parsed and subset with fontkit, embedded as a
 * Type0 font over a CIDFontType2 with /Encoding /Identity-H, /CIDToGIDMap /Identity, /W widths,
 * a FontDescriptor with /FontFile2 (the subset, Flate-compressed) and a /ToUnicode CMap, so text
 * extraction (pdftotext, copy-paste, screen readers) returns the exact Vietnamese text.
 *
 * kyso ships Liberation Serif (Times New Roman metrics, full Vietnamese coverage, SIL OFL 1.1) in
 * `assets/fonts/`; no standard-14 font is ever referenced.
 *
 *   const font = new FontSubsetter(loadFontProgram(regularBytes));
 *   const hex = font.encode('PHÓ GIÁM ĐỐC');   // '<0001000200...>' for a Tj operator
 *   const ref = font.embed(ctx.addObject);      // once, after all text was encoded
 */
import * as fontkit from 'fontkit';
import { PdfError, type PdfObject, type PdfRef, PdfStream, PdfString, dict, name } from '../pdf/objects.js';
import { deflate, readShippedFont } from '../platform.js';

/** A parsed TrueType font program (kept with its bytes for hashing and reuse). */
export interface FontProgram {
  /** The parsed font (fontkit). */
  readonly font: fontkit.Font;
  /** The font file as given (TrueType). */
  readonly bytes: Uint8Array;
  /** The PostScript name (the embedded subset's /BaseFont is it with a six-letter subset tag). */
  readonly postscriptName: string;
  /** Font units per em (glyph metrics are in these units). */
  readonly unitsPerEm: number;
  /** Whether OS/2 usWeightClass is 600 or more. */
  readonly bold: boolean;
}

/** Parses a TrueType (glyf) font. Collections and CFF-flavoured OpenType are refused. */
export function loadFontProgram(bytes: Uint8Array): FontProgram {
  let f: fontkit.Font | fontkit.FontCollection;
  try {
    f = fontkit.create(bytes as Buffer);
  } catch (e) {
    throw new PdfError('PDF_UNSUPPORTED', `cannot parse the font: ${(e as Error).message}`);
  }
  if (!('unitsPerEm' in f))
    throw new PdfError('PDF_UNSUPPORTED', 'font collections are not supported; pass a single font');
  const tables = (f as unknown as { directory: { tables: Record<string, unknown> } }).directory.tables;
  if (!tables.glyf || !tables.loca)
    throw new PdfError('PDF_UNSUPPORTED', 'only TrueType (glyf) fonts can be embedded as FontFile2');
  const os2 = f['OS/2'] as { usWeightClass?: number } | undefined;
  return {
    font: f,
    bytes,
    postscriptName: (f.postscriptName || 'Font').replace(/[^\x21-\x7e]|[()<>[\]{}/%#]/g, ''),
    unitsPerEm: f.unitsPerEm,
    bold: (os2?.usWeightClass ?? 400) >= 600,
  };
}

const cache = new Map<string, FontProgram>();

/** The fonts kit ships (Liberation Serif 2.1, SIL OFL 1.1; metric-compatible with Times New Roman). */
export type ShippedFont = 'serif' | 'serif-bold' | 'serif-italic' | 'serif-bold-italic';

const SHIPPED: Record<ShippedFont, string> = {
  serif: 'LiberationSerif-Regular.ttf',
  'serif-bold': 'LiberationSerif-Bold.ttf',
  'serif-italic': 'LiberationSerif-Italic.ttf',
  'serif-bold-italic': 'LiberationSerif-BoldItalic.ttf',
};

/** File name of a shipped font in the package's assets/fonts/ (`@kyso/pdf-sign/fonts/<name>`). */
export function shippedFontFile(which: ShippedFont): string {
  return SHIPPED[which];
}

/**
 * Supplies a shipped font's bytes (in the browser, where nothing is read from disk): fetch
 * `@kyso/pdf-sign/fonts/LiberationSerif-Regular.ttf` (and -Bold for headings) and register them
 * before drawing a Decree 30 appearance. In Node the fonts are read from the package on first use.
 */
export function registerShippedFont(which: ShippedFont, bytes: Uint8Array): void {
  cache.set(which, loadFontProgram(bytes));
}

/** A shipped font, parsed once per process. */
export function shippedFont(which: ShippedFont): FontProgram {
  let p = cache.get(which);
  if (!p) {
    const bytes = readShippedFont(SHIPPED[which]);
    if (!bytes)
      throw new PdfError(
        'PDF_UNSUPPORTED',
        `font "${which}" is not loaded: fetch @kyso/pdf-sign/fonts/${SHIPPED[which]} and pass its bytes to registerShippedFont('${which}', bytes), or give the appearance its own fonts`,
      );
    p = loadFontProgram(bytes);
    cache.set(which, p);
  }
  return p;
}

/** The text as the layout sees it: NFC (precomposed Vietnamese letters, TCVN 6909 / Unicode). */
export const normalizeText = (s: string): string => s.normalize('NFC');

/** Advance width of `text` in text-space units (1/1000 em) with the font's cmap, no kerning. */
export function textWidth(program: FontProgram, text: string, size: number): number {
  let w = 0;
  for (const ch of normalizeText(text)) {
    const g = program.font.glyphForCodePoint(ch.codePointAt(0)!);
    w += g.advanceWidth;
  }
  return (w / program.unitsPerEm) * size;
}

/** Throws when the font lacks a glyph for a character of `text`. */
export function checkCoverage(program: FontProgram, text: string): void {
  for (const ch of normalizeText(text)) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && !program.font.hasGlyphForCodePoint(cp)) {
      throw new PdfError(
        'PDF_UNSUPPORTED',
        `font ${program.postscriptName} has no glyph for U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${ch}'`,
      );
    }
  }
}

function utf16beHex(s: string): string {
  let h = '';
  for (let i = 0; i < s.length; i++) h += s.charCodeAt(i).toString(16).padStart(4, '0');
  return h;
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** Deterministic six-letter subset tag (ISO 32000-1 §9.6.4) from the font name and glyph set. */
function subsetTag(seed: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let tag = '';
  for (let i = 0; i < 6; i++) {
    tag += String.fromCharCode(65 + (h % 26));
    h = Math.floor(h / 26);
  }
  return tag;
}

/** fontkit's TTF subset (its typings say includeGlyph returns boolean; it returns the new glyph id). */
interface GlyphSubset {
  includeGlyph(glyph: number): number;
  encode(): Uint8Array;
}

/**
 * Collects the glyphs a set of strings needs and embeds one subset font. CIDs are the glyph ids of
 * the subset (CIDToGIDMap /Identity), two bytes each (Identity-H).
 */
export class FontSubsetter {
  readonly #subset: GlyphSubset;
  /** subset gid -> { advance (font units), unicode text } */
  readonly #glyphs = new Map<number, { advance: number; text: string }>();
  #embedded: PdfRef | undefined;

  constructor(
    /** The font being subset. */
    readonly program: FontProgram,
  ) {
    this.#subset = program.font.createSubset() as unknown as GlyphSubset;
  }

  /** Encodes `text` as a hex string operand for Tj (glyphs are added to the subset). */
  encode(text: string): string {
    if (this.#embedded) throw new Error('FontSubsetter: the font was already embedded');
    checkCoverage(this.program, text);
    let out = '<';
    for (const ch of normalizeText(text)) {
      const g = this.program.font.glyphForCodePoint(ch.codePointAt(0)!);
      const cid = this.#subset.includeGlyph(g.id);
      if (!this.#glyphs.has(cid)) this.#glyphs.set(cid, { advance: g.advanceWidth, text: ch });
      out += hex4(cid);
    }
    return `${out}>`;
  }

  /** Width of `text` at `size` (same metrics as the embedded /W). */
  width(text: string, size: number): number {
    return textWidth(this.program, text, size);
  }

  /** Glyphs used so far (excluding .notdef). */
  get glyphCount(): number {
    return this.#glyphs.size;
  }

  /** The subset font program (TrueType). */
  subsetBytes(): Uint8Array {
    const out = new Uint8Array(this.#subset.encode());
    // fontkit writes Apple's 'true' sfnt tag; use the OpenType/Windows 0x00010000 that every
    // PDF consumer accepts (the tag is outside every table checksum).
    if (out[0] === 0x74 && out[1] === 0x72 && out[2] === 0x75 && out[3] === 0x65) out.set([0, 1, 0, 0], 0);
    return out;
  }

  /**
   * Adds the font objects through `addObject` and returns the Type0 font reference. Call once,
   * after every string was encoded.
   */
  embed(addObject: (o: PdfObject) => PdfRef): PdfRef {
    if (this.#embedded) return this.#embedded;
    const p = this.program;
    const f = p.font;
    const scale = 1000 / p.unitsPerEm;
    const s = (v: number) => Math.round(v * scale);
    const cids = [...this.#glyphs.keys()].sort((a, b) => a - b);
    const baseName = `${subsetTag(`${p.postscriptName}:${cids.map((c) => this.#glyphs.get(c)!.text).join('')}`)}+${p.postscriptName}`;

    const program = this.subsetBytes();
    const fontFile = addObject(
      new PdfStream(dict({ Filter: name('FlateDecode'), Length1: program.length }), deflate(program)),
    );
    const bb = f.bbox;
    const italic = f.italicAngle !== 0;
    const descriptor = addObject(
      dict({
        Type: name('FontDescriptor'),
        FontName: name(baseName),
        // Serif (2) + Nonsymbolic (32) (+ Italic 64); ForceBold is not used for TrueType.
        Flags: 2 + 32 + (italic ? 64 : 0),
        FontBBox: [s(bb.minX), s(bb.minY), s(bb.maxX), s(bb.maxY)],
        ItalicAngle: f.italicAngle,
        Ascent: s(f.ascent),
        Descent: s(f.descent),
        CapHeight: s(f.capHeight || f.ascent),
        XHeight: f.xHeight ? s(f.xHeight) : undefined,
        StemV: p.bold ? 140 : 80,
        FontFile2: fontFile,
      }),
    );

    // /W: runs of consecutive CIDs -> [c [w1 w2 ...]]
    const w: PdfObject[] = [];
    let run: number[] = [];
    let runStart = -1;
    let prev = -2;
    for (const c of cids) {
      if (c !== prev + 1 && run.length > 0) {
        w.push(runStart, run);
        run = [];
      }
      if (run.length === 0) runStart = c;
      run.push(s(this.#glyphs.get(c)!.advance));
      prev = c;
    }
    if (run.length > 0) w.push(runStart, run);

    const cidFont = addObject(
      dict({
        Type: name('Font'),
        Subtype: name('CIDFontType2'),
        BaseFont: name(baseName),
        CIDSystemInfo: dict({
          Registry: PdfString.text('Adobe'),
          Ordering: PdfString.text('Identity'),
          Supplement: 0,
        }),
        FontDescriptor: descriptor,
        DW: s(f.getGlyph(0).advanceWidth),
        W: w,
        CIDToGIDMap: name('Identity'),
      }),
    );

    const toUnicode = addObject(
      new PdfStream(dict({ Filter: name('FlateDecode') }), deflate(this.toUnicodeCMap(cids))),
    );

    this.#embedded = addObject(
      dict({
        Type: name('Font'),
        Subtype: name('Type0'),
        BaseFont: name(baseName),
        Encoding: name('Identity-H'),
        DescendantFonts: [cidFont],
        ToUnicode: toUnicode,
      }),
    );
    return this.#embedded;
  }

  /** The ToUnicode CMap (ISO 32000-1 §9.10.3) for the used CIDs. */
  toUnicodeCMap(cids: number[] = [...this.#glyphs.keys()].sort((a, b) => a - b)): Uint8Array {
    const lines = [
      '/CIDInit /ProcSet findresource begin',
      '12 dict begin',
      'begincmap',
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
      '/CMapName /Adobe-Identity-UCS def',
      '/CMapType 2 def',
      '1 begincodespacerange',
      '<0000> <FFFF>',
      'endcodespacerange',
    ];
    for (let i = 0; i < cids.length; i += 100) {
      const chunk = cids.slice(i, i + 100);
      lines.push(`${chunk.length} beginbfchar`);
      for (const c of chunk) lines.push(`<${hex4(c)}> <${utf16beHex(this.#glyphs.get(c)!.text)}>`);
      lines.push('endbfchar');
    }
    lines.push('endcmap', 'CMapName currentdict /CMap defineresource pop', 'end', 'end', '');
    return new TextEncoder().encode(lines.join('\n'));
  }
}
