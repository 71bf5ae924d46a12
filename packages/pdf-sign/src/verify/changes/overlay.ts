/**
 * Where a signed page draws, and whether a later annotation or widget lies over it (issue 12:
 * allowed changes that visibly overlay signed content).
 *
 * The page's content streams are read as a viewer runs them, enough to bound what they draw: the
 * current transformation (q, Q, cm), the text state (BT, Tf, Td, TD, Tm, T*, TL, Tz, Ts) and text
 * shown (Tj, TJ, ', "), XObjects (Do: an image is the unit square under the CTM; a form is its
 * /BBox under its /Matrix and the CTM, not entered) and inline images. Text width is estimated
 * from the font's /Widths when it has them, else 0.6 em per byte (an over-estimate for most fonts:
 * conservative). Paths are kept apart: form boxes, rules and cell shading are drawn as paths, and
 * counting them against widgets would flag every ordinary form fill, so only filled paths (f, F, f*,
 * B, B*, b, b*) are recorded, in `fills`, and the overlay rule holds them against annotations other
 * than widgets (a seal or signature drawn as vector graphics, text converted to outlines).
 *
 * Bounded: at most MAX_CONTENT_BYTES of decoded content and MAX_CONTENT_OPERATORS operators per
 * page; beyond that, or when the content cannot be read, the whole page (its /MediaBox) counts as
 * signed content, so a page too large to analyse is never reported as blank.
 */
import { type PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, PdfString } from '../../pdf/objects.js';
import { Parser } from '../../pdf/parser.js';
import type { PdfReader } from '../../pdf/reader.js';

/** Most decoded content bytes interpreted per page. */
export const MAX_CONTENT_BYTES = 16 * 1024 * 1024;
/** Most content operators interpreted per page. */
export const MAX_CONTENT_OPERATORS = 500_000;
/** Most marks (text runs, images, forms) kept per page (the rest merge into one box). */
export const MAX_MARKS = 20_000;
/** Deepest /Parent chain followed for inherited page attributes. */
const MAX_INHERIT = 32;

/** [x0, y0, x1, y1] with x0 <= x1, y0 <= y1, in default user space. */
export type Box = [number, number, number, number];
type Matrix = [number, number, number, number, number, number];

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];
const mul = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[1] * n[2],
  m[0] * n[1] + m[1] * n[3],
  m[2] * n[0] + m[3] * n[2],
  m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4],
  m[4] * n[1] + m[5] * n[3] + n[5],
];

function transformBox(b: Box, m: Matrix): Box {
  const pts = [
    [b[0], b[1]],
    [b[2], b[1]],
    [b[0], b[3]],
    [b[2], b[3]],
  ].map(([x, y]) => [x! * m[0] + y! * m[2] + m[4], x! * m[1] + y! * m[3] + m[5]] as const);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

export function normBox(v: PdfObject | undefined): Box | undefined {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    return undefined;
  const [a, b, c, d] = v as number[];
  return [Math.min(a!, c!), Math.min(b!, d!), Math.max(a!, c!), Math.max(b!, d!)];
}

/** Whether two boxes share an area (touching edges do not count). */
export function overlaps(a: Box, b: Box): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

const isMatrix = (v: PdfObject | undefined): v is number[] =>
  Array.isArray(v) && v.length === 6 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** A page attribute, inherited through /Parent (ISO 32000-1 §7.7.3.4). */
export function inherited(r: PdfReader, page: PdfDict, key: string): PdfObject | undefined {
  let d: PdfDict | undefined = page;
  for (let i = 0; d && i < MAX_INHERIT; i++) {
    if (d.has(key)) return d.get(key);
    d = r.dict(d.get('Parent'));
  }
  return undefined;
}

export interface PageMarks {
  /** Boxes of text runs, images and forms drawn by the page content. */
  boxes: Box[];
  /** Boxes of filled paths (vector drawings: a seal, outlined text, shading). */
  fills: Box[];
  /** False when the content could not be fully read (the media box is then one of the boxes). */
  complete: boolean;
}

/** One box around many (the union), for a list that went past MAX_MARKS. */
function unionBox(boxes: Box[]): Box[] {
  if (boxes.length <= MAX_MARKS) return boxes;
  return [
    boxes.reduce<Box>(
      (m, b) => [Math.min(m[0], b[0]), Math.min(m[1], b[1]), Math.max(m[2], b[2]), Math.max(m[3], b[3])],
      boxes[0]!,
    ),
  ];
}

/** What the page content of `page` (as `r` reads it) draws. */
export function pageMarks(r: PdfReader, pageRef: PdfRef): PageMarks {
  const page = r.dict(pageRef);
  const media = normBox(r.resolve(page ? inherited(r, page, 'MediaBox') : undefined)) ?? [0, 0, 612, 792];
  if (!page) return { boxes: [media], fills: [media], complete: false };
  const boxes: Box[] = [];
  const fills: Box[] = [];
  let complete = true;
  try {
    const res = r.dict(inherited(r, page, 'Resources'));
    const cv = r.resolve(page.get('Contents'));
    const parts = Array.isArray(cv) ? cv : cv === null ? [] : [page.get('Contents')!];
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (const part of parts) {
      const v = r.resolve(part);
      if (!(v instanceof PdfStream)) continue;
      const data = r.streamData(part);
      total += data.length + 1;
      if (total > MAX_CONTENT_BYTES) throw new Error('content too large');
      chunks.push(data, new Uint8Array([0x0a]));
    }
    const all = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) {
      all.set(c, o);
      o += c.length;
    }
    complete = interpret(r, all, res, boxes, fills);
  } catch {
    complete = false;
  }
  if (!complete) {
    boxes.push(media);
    fills.push(media);
  }
  return { boxes: unionBox(boxes), fills: unionBox(fills), complete };
}

/** Average glyph width (text space, 1 = 1 em) of a simple font with /Widths, else 0.6. */
function fontWidth(r: PdfReader, font: PdfDict | undefined): { perByte: number; twoByte: boolean } {
  if (!font) return { perByte: 0.6, twoByte: false };
  const twoByte = font.name('Subtype') === 'Type0';
  const widths = r.array(font.get('Widths'));
  if (widths && widths.length > 0) {
    const nums = widths.map((w) => r.resolve(w)).filter((w): w is number => typeof w === 'number' && w > 0);
    if (nums.length > 0) return { perByte: Math.max(...nums) / 1000, twoByte };
  }
  return { perByte: twoByte ? 1 : 0.6, twoByte };
}

/** Whether a content-stream byte starts an operand (number, name, string, array). */
function isOperandStart(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2b ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x2f ||
    c === 0x28 ||
    c === 0x3c ||
    c === 0x5b
  );
}

/** Device-space box of a Do operand's XObject (an image: the unit square; a form: its /BBox). */
function xobjectMark(r: PdfReader, xo: PdfObject | undefined, ctm: Matrix): Box | undefined {
  if (!(xo instanceof PdfStream)) return undefined;
  if (xo.dict.name('Subtype') === 'Image') return transformBox([0, 0, 1, 1], ctm);
  const bbox = normBox(r.resolve(xo.dict.get('BBox')));
  const m = r.resolve(xo.dict.get('Matrix'));
  return bbox ? transformBox(bbox, mul(isMatrix(m) ? (m as Matrix) : IDENTITY, ctm)) : undefined;
}

/**
 * After BI: skips an inline image's dictionary and data (to whitespace + EI + whitespace); false
 * when the data runs to the end of the stream.
 */
function skipInlineImage(p: Parser, data: Uint8Array): boolean {
  for (let k = 0; k < 256; k++) {
    p.skipWs();
    if (p.peekKeyword('ID')) break;
    p.parseObject();
  }
  p.expectKeyword('ID');
  let i = p.pos + 1;
  for (;;) {
    if (i + 2 > data.length) return false;
    if (
      data[i] === 0x45 &&
      data[i + 1] === 0x49 &&
      (i === 0 || data[i - 1] === 0x20 || data[i - 1] === 0x0a || data[i - 1] === 0x0d) &&
      (i + 2 === data.length || data[i + 2] === 0x20 || data[i + 2] === 0x0a || data[i + 2] === 0x0d)
    )
      break;
    i++;
  }
  p.pos = i + 2;
  return true;
}

/**
 * A path operator: adds the points of a construction operator (m l c v y re) with `add`; 'fill'
 * for the operators that fill the path, 'end' for those that end it unfilled; undefined otherwise.
 */
function pathOp(
  op: string,
  num: (i: number) => number,
  add: (x: number, y: number) => void,
): 'fill' | 'end' | undefined {
  switch (op) {
    case 'm':
    case 'l':
      add(num(2), num(1));
      return undefined;
    case 'c':
      add(num(6), num(5));
      add(num(4), num(3));
      add(num(2), num(1));
      return undefined;
    case 'v':
    case 'y':
      add(num(4), num(3));
      add(num(2), num(1));
      return undefined;
    case 're':
      add(num(4), num(3));
      add(num(4) + num(2), num(3) + num(1));
      return undefined;
    case 'f':
    case 'F':
    case 'f*':
    case 'B':
    case 'B*':
    case 'b':
    case 'b*':
      return 'fill';
    case 'S':
    case 's':
    case 'n':
      return 'end';
    default:
      return undefined;
  }
}

/** Runs the content; returns false when it stopped early (limits, syntax). */
function interpret(
  r: PdfReader,
  data: Uint8Array,
  res: PdfDict | undefined,
  out: Box[],
  fills: Box[],
): boolean {
  const p = new Parser(data, 0);
  const ops: PdfObject[] = [];
  let ctm: Matrix = IDENTITY;
  const stack: Matrix[] = [];
  let tm: Matrix = IDENTITY;
  let tlm: Matrix = IDENTITY;
  let size = 12;
  let leading = 0;
  let hscale = 1;
  let rise = 0;
  let font = { perByte: 0.6, twoByte: false };
  const fonts = r.dict(res?.get('Font'));
  const xobjects = r.dict(res?.get('XObject'));
  const num = (i: number): number => {
    const v = ops[ops.length - i];
    return typeof v === 'number' ? v : 0;
  };
  const showText = (bytes: number, adjust: number) => {
    const n = font.twoByte ? bytes / 2 : bytes;
    const w = (n * font.perByte * size - (adjust / 1000) * size) * hscale;
    const box: Box = [Math.min(0, w), -0.3 * size + rise, Math.max(0, w), 1.1 * size + rise];
    if (n > 0) out.push(transformBox(box, mul(tm, ctm)));
    tm = mul([1, 0, 0, 1, w, 0], tm);
  };
  // The current path's bounds in device space (undefined: no path under construction).
  let path: Box | undefined;
  const addPoint = (x: number, y: number) => {
    const b = transformBox([x, y, x, y], ctm);
    path = path
      ? [Math.min(path[0], b[0]), Math.min(path[1], b[1]), Math.max(path[2], b[2]), Math.max(path[3], b[3])]
      : b;
  };
  const nextLine = (tx: number, ty: number) => {
    tlm = mul([1, 0, 0, 1, tx, ty], tlm);
    tm = tlm;
  };
  for (let count = 0; ; count++) {
    if (count > MAX_CONTENT_OPERATORS) return false;
    p.skipWs();
    const c = data[p.pos];
    if (c === undefined) return true;
    if (isOperandStart(c)) {
      ops.push(p.parseObject());
      if (ops.length > 64) return false;
      continue;
    }
    const op = p.readRegular();
    if (op === '') return false; // a stray delimiter: stop, conservatively
    if (op === 'true' || op === 'false' || op === 'null') {
      ops.push(op === 'null' ? null : op === 'true');
      continue;
    }
    switch (op) {
      case 'q':
        if (stack.length > 256) return false;
        stack.push(ctm);
        break;
      case 'Q':
        ctm = stack.pop() ?? IDENTITY;
        break;
      case 'cm':
        ctm = mul([num(6), num(5), num(4), num(3), num(2), num(1)], ctm);
        break;
      case 'BT':
        tm = IDENTITY;
        tlm = IDENTITY;
        break;
      case 'Tf': {
        size = num(1);
        const fname = ops[ops.length - 2];
        font = fontWidth(r, fname instanceof PdfName ? r.dict(fonts?.get(fname.name)) : undefined);
        break;
      }
      case 'TL':
        leading = num(1);
        break;
      case 'Tz':
        hscale = num(1) / 100;
        break;
      case 'Ts':
        rise = num(1);
        break;
      case 'Td':
        nextLine(num(2), num(1));
        break;
      case 'TD':
        leading = -num(1);
        nextLine(num(2), num(1));
        break;
      case 'Tm':
        tlm = [num(6), num(5), num(4), num(3), num(2), num(1)];
        tm = tlm;
        break;
      case 'T*':
        nextLine(0, -leading);
        break;
      case 'Tj':
      case "'":
      case '"': {
        if (op !== 'Tj') nextLine(0, -leading);
        const s = ops[ops.length - 1];
        if (s instanceof PdfString) showText(s.bytes.length, 0);
        break;
      }
      case 'TJ': {
        const a = ops[ops.length - 1];
        if (Array.isArray(a))
          for (const x of a) {
            if (x instanceof PdfString) showText(x.bytes.length, 0);
            else if (typeof x === 'number') showText(0, x);
          }
        break;
      }
      case 'Do': {
        const n = ops[ops.length - 1];
        const mark = n instanceof PdfName ? xobjectMark(r, r.resolve(xobjects?.get(n.name)), ctm) : undefined;
        if (mark) out.push(mark);
        break;
      }
      case 'BI':
        if (!skipInlineImage(p, data)) return false;
        out.push(transformBox([0, 0, 1, 1], ctm));
        break;
      default: {
        const painted = pathOp(op, num, addPoint);
        if (painted === 'fill' && path) {
          if (fills.length >= MAX_MARKS * 2) return false;
          fills.push(path);
        }
        if (painted) path = undefined;
        break;
      }
    }
    ops.length = 0;
  }
}

/** Rectangle of an annotation that is displayed (not hidden, not zero-area), else undefined. */
export function shownRect(r: PdfReader, annot: PdfDict): Box | undefined {
  const flags = r.resolve(annot.get('F'));
  if (typeof flags === 'number' && (flags & 2 || flags & 32)) return undefined; // Hidden, NoView
  const rect = normBox(r.resolve(annot.get('Rect')));
  if (!rect || rect[2] - rect[0] <= 0 || rect[3] - rect[1] <= 0) return undefined;
  return rect;
}

/** Rectangles of the displayed annotations of a page, by object number. */
export function annotRects(r: PdfReader, pageRef: PdfRef): Map<number, Box> {
  const out = new Map<number, Box>();
  const page = r.dict(pageRef);
  for (const a of r.array(page?.get('Annots')) ?? []) {
    if (!(a instanceof PdfRef)) continue;
    const d = r.dict(a);
    const rect = d && shownRect(r, d);
    if (rect) out.set(a.num, rect);
  }
  return out;
}
