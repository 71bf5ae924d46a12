/**
 * Visible-signature appearances per Decree 30/2020/NĐ-CP, Phụ lục I (see
 * shared/reference/vn-regulation.md §2 and items 22–28):
 *
 * - `personAppearance`: the competent official (boxes 7a/7b/7c): authority and title lines
 *   (UPPERCASE, bold, 13–14 pt), the blue transparent signature PNG centred between the title
 *   lines and the name, the name (bold) below.
 * - `sealAppearance`: the agency (box 8): the red transparent seal PNG at its real size; place it
 *   with `sealRectFor(personImageRect)` so it covers about the left third of the person's
 *   signature image.
 * - `stampAppearance`: appendix / separate attachment / electronic copy (box 14): no image, a text
 *   block at the top right of page 1 (agency, number and symbol or copy form, signing time as
 *   ISO 8601 with +07:00), Times 10 pt regular black. The text is configurable.
 *
 * All text uses an embedded, subset TrueType font (Liberation Serif by default: Times metrics,
 * full Vietnamese coverage) with a ToUnicode map; nothing references a standard-14 font.
 *
 * Placement: `rect` in the options, else the rectangle of the prepare call (`options.rect` of
 * `preparePdfSignature`, or the existing field's /Rect). The stamp defaults to the top right of
 * the page.
 */
import { PdfDict, PdfError, type PdfRef, name } from '../pdf/objects.js';
import { formatNumber } from '../pdf/serialize.js';
import type { AppearanceContext, AppearanceProvider, AppearanceResult, Rect } from '../sign/appearance.js';
import { type FontProgram, FontSubsetter, normalizeText, shippedFont } from './fonts.js';
import { embedImage, mm } from './images.js';
import {
  type Align,
  type TextStyle,
  alignOffset,
  ascentAt,
  descentAt,
  lineHeight,
  measure,
  wrapText,
} from './layout.js';

/** Fonts for the appearances (default: the shipped Liberation Serif regular and bold). */
export interface AppearanceFonts {
  /**
   * Regular face (the stamp's text). Default: Liberation Serif regular (Times metrics, Vietnamese coverage).
   */
  regular?: FontProgram;
  /** Bold face (the person block's title lines and name). Default: Liberation Serif bold. */
  bold?: FontProgram;
}

const n = (v: number): string => formatNumber(Math.round(v * 1000) / 1000);

/** Builds a Form XObject content stream and its resources. */
class ContentBuilder {
  readonly ops: string[] = [];
  readonly #fonts = new Map<FontProgram, { key: string; subsetter: FontSubsetter }>();
  readonly #images: [string, PdfRef][] = [];

  font(program: FontProgram): { key: string; subsetter: FontSubsetter } {
    let f = this.#fonts.get(program);
    if (!f) {
      f = { key: `F${this.#fonts.size + 1}`, subsetter: new FontSubsetter(program) };
      this.#fonts.set(program, f);
    }
    return f;
  }

  /** One line of text with its baseline start at (x, y), in black unless `rgb` is given. */
  text(style: TextStyle, s: string, x: number, y: number, rgb: [number, number, number] = [0, 0, 0]): void {
    const f = this.font(style.font);
    const hex = f.subsetter.encode(s);
    const color = rgb.every((c) => c === 0) ? '0 g' : `${rgb.map(n).join(' ')} rg`;
    this.ops.push(`BT ${color} /${f.key} ${n(style.size)} Tf ${n(x)} ${n(y)} Td ${hex} Tj ET`);
  }

  image(ref: PdfRef, x: number, y: number, w: number, h: number): void {
    const key = `Im${this.#images.length + 1}`;
    this.#images.push([key, ref]);
    this.ops.push(`q ${n(w)} 0 0 ${n(h)} ${n(x)} ${n(y)} cm /${key} Do Q`);
  }

  finish(ctx: AppearanceContext, rect: Rect): AppearanceResult {
    const resources = new PdfDict();
    if (this.#fonts.size > 0) {
      const fonts = new PdfDict();
      for (const { key, subsetter } of this.#fonts.values())
        fonts.set(
          key,
          subsetter.embed((o) => ctx.addObject(o)),
        );
      resources.set('Font', fonts);
    }
    if (this.#images.length > 0) {
      const xo = new PdfDict();
      for (const [key, ref] of this.#images) xo.set(key, ref);
      resources.set('XObject', xo);
    }
    resources.set('ProcSet', [name('PDF'), name('Text'), name('ImageB'), name('ImageC')]);
    const w = rect[2] - rect[0];
    const h = rect[3] - rect[1];
    return {
      rect,
      bbox: [0, 0, w, h],
      resources,
      content: new TextEncoder().encode(`${this.ops.join('\n')}\n`),
    };
  }
}

function normRect(r: Rect): Rect {
  return [Math.min(r[0], r[2]), Math.min(r[1], r[3]), Math.max(r[0], r[2]), Math.max(r[1], r[3])];
}

function requireRect(ctx: AppearanceContext, own: Rect | undefined, what: string): Rect {
  const r = own ?? ctx.requestedRect;
  if (!r || r[2] === r[0] || r[3] === r[1]) {
    throw new PdfError(
      'PDF_REFUSED',
      `the ${what} appearance needs a rectangle (options.rect, the prepare rect or an existing field)`,
    );
  }
  return normRect(r);
}

/** Vietnamese upper case (authority and title lines are written in capitals). */
export const upperVi = (s: string): string => normalizeText(s).toLocaleUpperCase('vi');

// ---------------------------------------------------------------------------------------------
// Time

/**
 * How the stamp writes the signing time (Vietnam time, UTC+07:00, see `formatVietnamTime`): `iso`
 * (ISO 8601, `2026-11-23T10:15:00+07:00`, what Decree 30/2020 Phụ lục I asks for) or `vgca`
 * (`23.11.2026 10:15:00 +07:00`, the dotted form of VGCA-style tools).
 */
export type TimeFormat = 'iso' | 'vgca';

/**
 * The signing time in Vietnam time (UTC+07:00, no DST): 'iso' = 2026-11-23T10:15:00+07:00
 * (default), 'vgca' = 23.11.2026 10:15:00 +07:00 (the dotted form of VGCA-style tools).
 */
export function formatVietnamTime(d: Date, format: TimeFormat = 'iso'): string {
  if (Number.isNaN(d.getTime())) throw new PdfError('PDF_REFUSED', 'invalid signing time');
  const t = new Date(d.getTime() + 7 * 3600_000);
  const p = (v: number, w = 2) => String(v).padStart(w, '0');
  const Y = p(t.getUTCFullYear(), 4);
  const M = p(t.getUTCMonth() + 1);
  const D = p(t.getUTCDate());
  const hms = `${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}`;
  return format === 'vgca' ? `${D}.${M}.${Y} ${hms} +07:00` : `${Y}-${M}-${D}T${hms}+07:00`;
}

// ---------------------------------------------------------------------------------------------
// Person (competent official)

/**
 * Options of `personAppearance`: the competent official's block of Decree 30/2020/NĐ-CP Phụ lục I
 * (boxes 7a/7b/7c).
 */
export interface PersonAppearanceOptions {
  /**
   * Authority and title lines, top to bottom, e.g. ['KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC'] or
   * ['TM. ỦY BAN NHÂN DÂN', 'CHỦ TỊCH']. Written in upper case, bold.
   */
  titleLines: string[];
  /** The signer's name, e.g. 'Nguyễn Văn An' (bold, as given). Default: ctx.signerName, else the certificate CN. */
  name?: string;
  /** The handwritten signature image: PNG (blue, transparent background). Optional (space kept). */
  signatureImage?: Uint8Array;
  /** Widget rectangle in page space; default: the rect of the prepare call or the existing field. */
  rect?: Rect;
  /** Title and name size in points (Decree 30: 13–14). Default 13. */
  fontSize?: number;
  /** Largest image height in points (default: all the room between the title and the name). */
  maxImageHeight?: number;
  /** Fonts (default: the shipped Liberation Serif, embedded as a subset with a ToUnicode map). */
  fonts?: AppearanceFonts;
}

/**
 * Where `layoutPerson` puts the person block's parts: title lines and name baselines in the widget's
 * local coordinates (points from its lower-left corner), the image area in page space.
 */
export interface PersonLayout {
  /** The widget rectangle (page space, normalised). */
  rect: Rect;
  /** Title lines after wrapping, with baselines (local coordinates). */
  titleLines: { text: string; x: number; y: number }[];
  /** The name line and its baseline start (local coordinates), when there is a name. */
  name?: { text: string; x: number; y: number };
  /** The area between title and name (page space). */
  imageArea: Rect;
  /** Title and name size in points. */
  fontSize: number;
}

function personFonts(o: { fonts?: AppearanceFonts }): { regular: FontProgram; bold: FontProgram } {
  return {
    regular: o.fonts?.regular ?? shippedFont('serif'),
    bold: o.fonts?.bold ?? shippedFont('serif-bold'),
  };
}

/** Lays out the person block in `rect` (page space). Pure: use it to plan the seal's position. */
export function layoutPerson(
  rect: Rect,
  options: Omit<PersonAppearanceOptions, 'rect' | 'signatureImage'>,
  signerName?: string,
): PersonLayout {
  const r = normRect(rect);
  const w = r[2] - r[0];
  const h = r[3] - r[1];
  const size = options.fontSize ?? 13;
  const style: TextStyle = { font: personFonts(options).bold, size };
  const lh = lineHeight(size);
  const pad = 2;
  const lines = options.titleLines.flatMap((l) => wrapText(style, upperVi(l), w - 2 * pad));
  const ascent = ascentAt(style);
  const titleLines = lines.map((text, i) => ({
    text,
    x: pad + alignOffset('center', measure(style, text), w - 2 * pad),
    y: h - pad - ascent - i * lh,
  }));
  const titleBottom =
    lines.length > 0 ? h - pad - ascent - (lines.length - 1) * lh - descentAt(style) : h - pad;
  const nameText = options.name ?? signerName;
  let nameTop = pad;
  let nameLine: PersonLayout['name'];
  if (nameText) {
    const t = normalizeText(nameText);
    const y = pad + descentAt(style);
    nameLine = { text: t, x: pad + alignOffset('center', measure(style, t), w - 2 * pad), y };
    nameTop = y + ascentAt(style);
  }
  const gap = 2;
  const top = titleBottom - gap;
  const bottom = nameTop + gap;
  if (top - bottom < 10) {
    throw new PdfError(
      'PDF_REFUSED',
      `the person signature rectangle (${n(w)} x ${n(h)} pt) leaves no room for the signature image`,
    );
  }
  return {
    rect: r,
    titleLines,
    ...(nameLine ? { name: nameLine } : {}),
    imageArea: [r[0] + pad, r[1] + bottom, r[2] - pad, r[1] + top],
    fontSize: size,
  };
}

/** Fits an image of `iw` x `ih` pixels into `area`, centred, aspect kept. */
export function fitImage(area: Rect, iw: number, ih: number, maxHeight?: number): Rect {
  const aw = area[2] - area[0];
  let ah = area[3] - area[1];
  if (maxHeight !== undefined) ah = Math.min(ah, maxHeight);
  const s = Math.min(aw / iw, ah / ih);
  const w = iw * s;
  const h = ih * s;
  const cx = (area[0] + area[2]) / 2;
  const cy = (area[1] + area[3]) / 2;
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

/** The person provider; `lastImageRect` (page space) is set after each render. */
export interface PersonAppearanceProvider extends AppearanceProvider {
  /**
   * Page-space rectangle of the signature image drawn by the last render (undefined when no image):
   * pass it to `sealRectFor` or `SealAppearanceOptions.personImageRect` to place the agency's seal.
   */
  lastImageRect?: Rect;
  /** The layout of the last render. */
  lastLayout?: PersonLayout;
}

/**
 * The competent official's visible signature (Decree 30/2020/NĐ-CP Art. 13(7), Phụ lục I II.7, boxes
 * 7a/7b/7c): the authority and title lines in capitals, bold, 13–14 pt, centred; the blue transparent
 * signature PNG centred between the title and the name; the name, bold, below. The rectangle is
 * `options.rect`, else the prepare call's `rect` or the existing field's /Rect; the name defaults to
 * the prepare call's `signerName`, else the certificate's CN.
 *
 * Rendering throws `PdfError` `PDF_REFUSED` (KysoError `INVALID_ARGUMENT`) without a rectangle or when
 * the rectangle leaves no room for the image (under 10 pt between title and name), and
 * `PDF_MALFORMED` for an unreadable PNG; the signing then stops with the document unchanged.
 */
export function personAppearance(options: PersonAppearanceOptions): PersonAppearanceProvider {
  const provider: PersonAppearanceProvider = {
    render(ctx) {
      const rect = requireRect(ctx, options.rect, 'person');
      const signer = ctx.signerName ?? ctx.signerCertificate?.subject.commonName;
      const layout = layoutPerson(rect, options, signer);
      const style: TextStyle = { font: personFonts(options).bold, size: layout.fontSize };
      const b = new ContentBuilder();
      for (const l of layout.titleLines) b.text(style, l.text, l.x, l.y);
      if (layout.name) b.text(style, layout.name.text, layout.name.x, layout.name.y);
      provider.lastImageRect = undefined;
      if (options.signatureImage) {
        const img = embedImage(options.signatureImage, (o) => ctx.addObject(o));
        const ir = fitImage(layout.imageArea, img.width, img.height, options.maxImageHeight);
        b.image(img.ref, ir[0] - rect[0], ir[1] - rect[1], ir[2] - ir[0], ir[3] - ir[1]);
        provider.lastImageRect = ir;
      }
      provider.lastLayout = layout;
      return b.finish(ctx, rect);
    },
  };
  return provider;
}

/** The page-space rectangle the person's signature image will occupy (for planning the seal). */
export function personImageRect(
  rect: Rect,
  options: Omit<PersonAppearanceOptions, 'rect'>,
  imageSize: { width: number; height: number },
  signerName?: string,
): Rect {
  const layout = layoutPerson(rect, options, signerName);
  return fitImage(layout.imageArea, imageSize.width, imageSize.height, options.maxImageHeight);
}

// ---------------------------------------------------------------------------------------------
// Seal (agency)

/** Default seal diameter when neither the options nor the PNG (pHYs) give it: 36 mm. */
export const DEFAULT_SEAL_DIAMETER_MM = 36;

/**
 * The seal rectangle (page space) for a seal of `sizePt` (width; height = width * aspect) placed
 * over the left `overlap` (default 1/3) of the person's signature image: the seal's right edge is
 * at image.left + overlap * image.width and it is vertically centred on the image.
 */
export function sealRectFor(
  personImage: Rect,
  sizePt: number | { width: number; height: number },
  overlap = 1 / 3,
): Rect {
  const r = normRect(personImage);
  const sw = typeof sizePt === 'number' ? sizePt : sizePt.width;
  const sh = typeof sizePt === 'number' ? sizePt : sizePt.height;
  const right = r[0] + overlap * (r[2] - r[0]);
  const cy = (r[1] + r[3]) / 2;
  return [right - sw, cy - sh / 2, right, cy + sh / 2];
}

/**
 * Options of `sealAppearance`: the agency's seal (Decree 30/2020/NĐ-CP Phụ lục I II.8(a), box 8).
 * Give `personImageRect` (usually the person provider's `lastImageRect`) or `rect`.
 */
export interface SealAppearanceOptions {
  /** The seal: PNG, red, transparent background. */
  sealImage: Uint8Array;
  /** Real diameter (width) of the seal in mm; default: from the PNG's pHYs, else 36 mm. */
  sizeMm?: number;
  /** Explicit rectangle (page space); the image is drawn at real size centred in it. */
  rect?: Rect;
  /** Or: the person's signature image rectangle (page space): the seal goes over its left third. */
  personImageRect?: Rect;
  /** Fraction of the person's image the seal covers (default 1/3). */
  overlap?: number;
}

/** Real size in points of a seal PNG (from options.sizeMm, else pHYs, else 36 mm wide). */
export function sealSize(
  image: { width: number; height: number; physicalSize?: { width: number; height: number } },
  sizeMm?: number,
): { width: number; height: number } {
  if (sizeMm !== undefined) {
    if (!(sizeMm > 0 && sizeMm < 200))
      throw new PdfError('PDF_REFUSED', `seal size ${sizeMm} mm out of range`);
    const w = mm(sizeMm);
    return { width: w, height: (w * image.height) / image.width };
  }
  if (image.physicalSize) return image.physicalSize;
  const w = mm(DEFAULT_SEAL_DIAMETER_MM);
  return { width: w, height: (w * image.height) / image.width };
}

/**
 * The agency's visible signature (Decree 30/2020/NĐ-CP Art. 14(3), Phụ lục I II.8(a), box 8): the
 * red transparent seal PNG at its real size (`sizeMm`, else the PNG's pHYs, else 36 mm wide), over
 * the left third of the competent person's signature image (`personImageRect`) or centred in `rect`.
 * No text (Decree 30 gives none for this signature).
 *
 * Rendering throws `PdfError` `PDF_REFUSED` (KysoError `INVALID_ARGUMENT`) without a rectangle or
 * for a `sizeMm` outside (0, 200), and `PDF_MALFORMED` / `PDF_LIMIT` for an unreadable or oversized
 * PNG.
 */
export function sealAppearance(options: SealAppearanceOptions): AppearanceProvider {
  return {
    render(ctx) {
      const img = embedImage(options.sealImage, (o) => ctx.addObject(o));
      const size = sealSize(img, options.sizeMm);
      let rect: Rect;
      if (options.personImageRect) rect = sealRectFor(options.personImageRect, size, options.overlap);
      else {
        const given = requireRect(ctx, options.rect, 'seal');
        const cx = (given[0] + given[2]) / 2;
        const cy = (given[1] + given[3]) / 2;
        rect = [cx - size.width / 2, cy - size.height / 2, cx + size.width / 2, cy + size.height / 2];
      }
      const b = new ContentBuilder();
      b.image(img.ref, 0, 0, size.width, size.height);
      return b.finish(ctx, rect);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Stamp (appendix / attachment / electronic copy): text only

/**
 * The form of an electronic copy (Decree 30/2020/NĐ-CP Phụ lục I Part II.I): a full copy
 * (`SAO Y`), a copy of a copy (`SAO LỤC`) or an extract (`TRÍCH SAO`).
 */
export type CopyForm = 'SAO Y' | 'SAO LỤC' | 'TRÍCH SAO';

/**
 * Options of `stampAppearance`: the text-only agency signature on a separate-file appendix or
 * attachment (Phụ lục I II.8(b)) or on an electronic copy (box 14).
 */
export interface StampAppearanceOptions {
  /** 'appendix' (separate-file appendix or attachment) or 'copy' (electronic copy). */
  kind: 'appendix' | 'copy';
  /** The signing agency (appendix) or the copying agency (copy). */
  agency: string;
  /** Number and symbol of the document, e.g. '123/QĐ-STTTT' (appendix). */
  documentNumber?: string;
  /** Copy form (copy). Default 'SAO Y'. */
  copyForm?: CopyForm;
  /** Time format; the time is always ctx.signingTime (the same clock as /M). Default 'iso'. */
  timeFormat?: TimeFormat;
  /** Label before the time. Default 'Thời gian ký: '. */
  timeLabel?: string;
  /**
   * Replaces the default lines. Each line may use {agency}, {number}, {copyForm}, {time}.
   * Default appendix: ['{agency}', 'Số: {number}', 'Thời gian ký: {time}'];
   * copy: ['{copyForm}', '{agency}', 'Thời gian ký: {time}'].
   */
  lines?: string[];
  /** Explicit rectangle; default: top right of the page (15 mm from the right, 5 mm from the top, inside a 20–25 mm top margin). */
  rect?: Rect;
  /** Max width of the block in points (default 240); lines wrap. */
  maxWidth?: number;
  /** Default 10 (Decree 30). */
  fontSize?: number;
  /** Alignment of the lines in the block (default `left`). */
  align?: Align;
  /** Fonts (the regular face is used; default the shipped Liberation Serif regular). */
  fonts?: AppearanceFonts;
}

/** The stamp's lines for a signing time. */
export function stampLines(options: StampAppearanceOptions, signingTime: Date): string[] {
  const time = formatVietnamTime(signingTime, options.timeFormat ?? 'iso');
  const label = options.timeLabel ?? 'Thời gian ký: ';
  const defaults =
    options.kind === 'copy'
      ? ['{copyForm}', '{agency}', `${label}{time}`]
      : options.documentNumber !== undefined
        ? ['{agency}', 'Số: {number}', `${label}{time}`]
        : ['{agency}', `${label}{time}`];
  const vars: Record<string, string> = {
    agency: options.agency,
    number: options.documentNumber ?? '',
    copyForm: options.copyForm ?? 'SAO Y',
    time,
  };
  return (options.lines ?? defaults).map((l) =>
    normalizeText(l.replace(/\{(agency|number|copyForm|time)\}/g, (_, k: string) => vars[k]!)),
  );
}

/**
 * The agency's text-only signature block (Decree 30/2020/NĐ-CP Phụ lục I II.8(b) appendices and
 * attachments in a separate file, box 14 electronic copies): no image; the agency, the number and
 * symbol or the copy form, and the signing time in Vietnam time (ISO 8601 with +07:00 by default),
 * 10 pt regular black, top right of the page (15 mm from the right edge, 5 mm from the top) unless a
 * rectangle is given. The time is the signature's /M time (`ctx.signingTime`).
 *
 * Rendering throws `PdfError` `PDF_REFUSED` for an invalid signing time.
 */
export function stampAppearance(options: StampAppearanceOptions): AppearanceProvider {
  return {
    render(ctx) {
      const size = options.fontSize ?? 10;
      const style: TextStyle = { font: options.fonts?.regular ?? shippedFont('serif'), size };
      const pad = 2;
      const maxWidth = options.maxWidth ?? 240;
      const lines = stampLines(options, ctx.signingTime).flatMap((l) =>
        wrapText(style, l, maxWidth - 2 * pad),
      );
      const lh = lineHeight(size);
      const textW = Math.max(...lines.map((l) => measure(style, l)));
      const natural = {
        w: Math.ceil(textW + 2 * pad),
        h: Math.ceil(2 * pad + ascentAt(style) + descentAt(style) + (lines.length - 1) * lh),
      };
      let rect: Rect;
      const given = options.rect ?? ctx.requestedRect;
      if (given && given[2] !== given[0] && given[3] !== given[1]) rect = normRect(given);
      else {
        const mb = normRect(ctx.mediaBox);
        const x2 = mb[2] - mm(15);
        const y2 = mb[3] - mm(5);
        rect = [x2 - natural.w, y2 - natural.h, x2, y2];
      }
      const w = rect[2] - rect[0];
      const h = rect[3] - rect[1];
      const b = new ContentBuilder();
      const ascent = ascentAt(style);
      lines.forEach((l, i) => {
        const lw = measure(style, l);
        b.text(
          style,
          l,
          pad + alignOffset(options.align ?? 'left', lw, w - 2 * pad),
          h - pad - ascent - i * lh,
        );
      });
      return b.finish(ctx, rect);
    },
  };
}
