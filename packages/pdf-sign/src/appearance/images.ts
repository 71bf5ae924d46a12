/**
 * PNG images for appearance streams: a strict, bounded PNG decoder (all colour types, bit depths
 * 1..16, palette + tRNS, Adam7), conversion to a PDF image XObject (DeviceRGB or DeviceGray,
 * 8 bits, FlateDecode) with the alpha channel as a /SMask, and a small RGBA PNG encoder (used for
 * the demo assets).
 */
import { PdfError, type PdfObject, type PdfRef, PdfStream, dict, name } from '../pdf/objects.js';
import { deflate, inflate } from '../platform.js';

/** A decoded image: 8-bit non-premultiplied RGBA pixels, row by row from the top left. */
export interface RgbaImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** width * height * 4 bytes, non-premultiplied RGBA, 8 bits per channel. */
  rgba: Uint8Array;
  /** Pixels per metre from pHYs (unit = metre), when present. */
  pixelsPerMetre?: { x: number; y: number };
}

/** Largest decoded image accepted (pixels). */
export const MAX_IMAGE_PIXELS = 40_000_000;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const bad = (msg: string): PdfError => new PdfError('PDF_MALFORMED', `PNG: ${msg}`);

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) for (const x of p) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Whether `bytes` start with the PNG signature (ISO/IEC 15948 §5.2: 89 50 4E 47 0D 0A 1A 0A). Checks
 * nothing else: `decodePng` validates the rest.
 */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((v, i) => bytes[i] === v);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses PNG scanline filters in place; returns the raw rows (without filter bytes). */
function unfilter(data: Uint8Array, offset: number, rowBytes: number, rows: number, bpp: number): Uint8Array {
  const out = new Uint8Array(rowBytes * rows);
  for (let y = 0; y < rows; y++) {
    const ft = data[offset + y * (rowBytes + 1)];
    if (ft === undefined) throw bad('truncated image data');
    const src = offset + y * (rowBytes + 1) + 1;
    const row = y * rowBytes;
    const prev = row - rowBytes;
    for (let x = 0; x < rowBytes; x++) {
      const raw = data[src + x];
      if (raw === undefined) throw bad('truncated image data');
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[prev + x]! : 0;
      const c = x >= bpp && y > 0 ? out[prev + x - bpp]! : 0;
      let v: number;
      switch (ft) {
        case 0:
          v = raw;
          break;
        case 1:
          v = raw + a;
          break;
        case 2:
          v = raw + b;
          break;
        case 3:
          v = raw + ((a + b) >> 1);
          break;
        case 4:
          v = raw + paeth(a, b, c);
          break;
        default:
          throw bad(`unknown filter type ${ft}`);
      }
      out[row + x] = v & 0xff;
    }
  }
  return out;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** The chunks of a PNG (CRCs checked): the IHDR fields, PLTE, tRNS, pHYs and the IDAT data. */
function readPngChunks(bytes: Uint8Array) {
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let interlace = 0;
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  let phys: RgbaImage['pixelsPerMetre'];
  const idat: Uint8Array[] = [];
  let ended = false;
  while (pos + 12 <= bytes.length) {
    const len = u32(bytes, pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > bytes.length) throw bad(`chunk ${type} runs past the end`);
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (crc32([bytes.subarray(pos + 4, pos + 8), data]) !== u32(bytes, pos + 8 + len))
      throw bad(`bad CRC in chunk ${type}`);
    pos += 12 + len;
    if (type === 'IHDR') {
      if (len !== 13) throw bad('bad IHDR');
      width = u32(data, 0);
      height = u32(data, 4);
      depth = data[8]!;
      colorType = data[9]!;
      interlace = data[12]!;
      if (data[10] !== 0 || data[11] !== 0 || interlace > 1)
        throw bad('unknown compression, filter or interlace method');
      const okDepth: Record<number, number[]> = {
        0: [1, 2, 4, 8, 16],
        2: [8, 16],
        3: [1, 2, 4, 8],
        4: [8, 16],
        6: [8, 16],
      };
      if (!okDepth[colorType]?.includes(depth))
        throw bad(`invalid colour type ${colorType} / bit depth ${depth}`);
      if (width === 0 || height === 0) throw bad('empty image');
      if (width * height > MAX_IMAGE_PIXELS)
        throw new PdfError('PDF_LIMIT', `PNG of ${width}x${height} pixels is too large`);
    } else if (type === 'PLTE') palette = data.slice();
    else if (type === 'tRNS') trns = data.slice();
    else if (type === 'pHYs' && len === 9 && data[8] === 1) phys = { x: u32(data, 0), y: u32(data, 4) };
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (colorType < 0) throw bad('missing IHDR');
  if (!ended) throw bad('missing IEND');
  if (idat.length === 0) throw bad('missing IDAT');
  if (colorType === 3 && !palette) throw bad('palette image without PLTE');
  return { width, height, depth, colorType, interlace, palette, trns, phys, idat };
}

/** Decodes a PNG to 8-bit RGBA. Chunk CRCs are checked; malformed input throws PDF_MALFORMED. */
export function decodePng(bytes: Uint8Array): RgbaImage {
  if (!isPng(bytes)) throw bad('not a PNG file');
  const { width, height, depth, colorType, interlace, palette, trns, phys, idat } = readPngChunks(bytes);

  const channels = CHANNELS[colorType]!;
  const bitsPerPixel = channels * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  // Expected decompressed size bounds the inflate.
  const passes = interlace ? ADAM7 : ([[0, 0, 1, 1]] as const);
  const dims = passes.map(([x0, y0, dx, dy]) => {
    const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    return { w, h, rowBytes: Math.ceil((w * bitsPerPixel) / 8) };
  });
  const expected = dims.reduce((n, d) => n + (d.w && d.h ? (d.rowBytes + 1) * d.h : 0), 0);
  let raw: Uint8Array;
  try {
    const total = idat.reduce((n, c) => n + c.length, 0);
    const joined = new Uint8Array(total);
    let o = 0;
    for (const c of idat) {
      joined.set(c, o);
      o += c.length;
    }
    raw = inflate(joined, expected + 1);
  } catch (e) {
    throw bad(`bad image data: ${(e as Error).message}`);
  }
  if (raw.length !== expected) throw bad(`image data has ${raw.length} bytes, expected ${expected}`);

  const rgba = new Uint8Array(width * height * 4);
  const max = (1 << depth) - 1;
  const sample = (row: Uint8Array, rowOff: number, i: number): number => {
    if (depth === 8) return row[rowOff + i]!;
    if (depth === 16) return row[rowOff + 2 * i]!; // high byte
    const bit = i * depth;
    const v = (row[rowOff + (bit >> 3)]! >> (8 - depth - (bit & 7))) & max;
    return colorType === 3 ? v : Math.round((v * 255) / max);
  };
  const sample16 = (row: Uint8Array, rowOff: number, i: number): number =>
    depth === 16
      ? (row[rowOff + 2 * i]! << 8) | row[rowOff + 2 * i + 1]!
      : depth === 8
        ? row[rowOff + i]!
        : -1;
  const trnsGray = trns && colorType === 0 && trns.length >= 2 ? (trns[0]! << 8) | trns[1]! : -1;
  const trnsRgb =
    trns && colorType === 2 && trns.length >= 6
      ? [(trns[0]! << 8) | trns[1]!, (trns[2]! << 8) | trns[3]!, (trns[4]! << 8) | trns[5]!]
      : undefined;

  let off = 0;
  passes.forEach(([x0, y0, dx, dy], p) => {
    const { w, h, rowBytes } = dims[p]!;
    if (w === 0 || h === 0) return;
    const data = unfilter(raw, off, rowBytes, h, bpp);
    off += (rowBytes + 1) * h;
    for (let y = 0; y < h; y++) {
      const rowOff = y * rowBytes;
      for (let x = 0; x < w; x++) {
        const o = ((y0 + y * dy) * width + (x0 + x * dx)) * 4;
        let r: number;
        let g: number;
        let b: number;
        let a = 255;
        if (colorType === 0) {
          r = g = b = sample(data, rowOff, x);
          const rawV =
            depth === 16 ? sample16(data, rowOff, x) : depth === 8 ? data[rowOff + x]! : (r * max) / 255;
          if (rawV === trnsGray) a = 0;
        } else if (colorType === 2) {
          r = sample(data, rowOff, 3 * x);
          g = sample(data, rowOff, 3 * x + 1);
          b = sample(data, rowOff, 3 * x + 2);
          if (trnsRgb) {
            const s = [0, 1, 2].map((k) =>
              depth === 16 ? sample16(data, rowOff, 3 * x + k) : sample(data, rowOff, 3 * x + k),
            );
            if (s[0] === trnsRgb[0] && s[1] === trnsRgb[1] && s[2] === trnsRgb[2]) a = 0;
          }
        } else if (colorType === 3) {
          const idx = sample(data, rowOff, x);
          if (3 * idx + 2 >= palette!.length) throw bad('palette index out of range');
          r = palette![3 * idx]!;
          g = palette![3 * idx + 1]!;
          b = palette![3 * idx + 2]!;
          if (trns && idx < trns.length) a = trns[idx]!;
        } else if (colorType === 4) {
          r = g = b = sample(data, rowOff, 2 * x);
          a = sample(data, rowOff, 2 * x + 1);
        } else {
          r = sample(data, rowOff, 4 * x);
          g = sample(data, rowOff, 4 * x + 1);
          b = sample(data, rowOff, 4 * x + 2);
          a = sample(data, rowOff, 4 * x + 3);
        }
        rgba[o] = r;
        rgba[o + 1] = g;
        rgba[o + 2] = b;
        rgba[o + 3] = a;
      }
    }
  });
  return { width, height, rgba, ...(phys ? { pixelsPerMetre: phys } : {}) };
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const t = new TextEncoder().encode(type);
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(t, 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32([t, data]));
  return out;
}

/** Encodes 8-bit RGBA as a PNG (colour type 6, filter Sub/Up chosen per row), with optional pHYs. */
export function encodePng(img: RgbaImage): Uint8Array {
  const { width, height, rgba } = img;
  const stride = width * 4;
  const filtered = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const o = y * (stride + 1);
    // Up filter (2) compresses the mostly-transparent demo images well; row 0 uses None.
    filtered[o] = y === 0 ? 0 : 2;
    for (let x = 0; x < stride; x++) {
      const v = rgba[row + x]!;
      filtered[o + 1 + x] = y === 0 ? v : (v - rgba[row - stride + x]!) & 0xff;
    }
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const parts = [Uint8Array.from(SIGNATURE), chunk('IHDR', ihdr)];
  if (img.pixelsPerMetre) {
    const p = new Uint8Array(9);
    const pv = new DataView(p.buffer);
    pv.setUint32(0, img.pixelsPerMetre.x);
    pv.setUint32(4, img.pixelsPerMetre.y);
    p[8] = 1;
    parts.push(chunk('pHYs', p));
  }
  parts.push(chunk('IDAT', deflate(filtered, 9)), chunk('IEND', new Uint8Array(0)));
  const total = parts.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let i = 0;
  for (const c of parts) {
    out.set(c, i);
    i += c.length;
  }
  return out;
}

/** An image added to the update by `embedImage`: its XObject reference and size. */
export interface EmbeddedImage {
  /** Reference of the image XObject (with its /SMask when the image has transparency). */
  ref: PdfRef;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Physical size in points from pHYs, when the PNG has it. */
  physicalSize?: { width: number; height: number };
  /** Whether a non-opaque alpha channel was written as a /SMask. */
  hasAlpha: boolean;
}

/**
 * Adds a PNG (or decoded RGBA) as an image XObject: DeviceRGB (DeviceGray when every pixel is
 * grey), 8 bits, Flate; a non-opaque alpha channel becomes a DeviceGray /SMask.
 */
export function embedImage(
  image: Uint8Array | RgbaImage,
  addObject: (o: PdfObject) => PdfRef,
): EmbeddedImage {
  const img = image instanceof Uint8Array ? decodePng(image) : image;
  const { width, height, rgba } = img;
  const n = width * height;
  let gray = true;
  let opaque = true;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    if (rgba[o] !== rgba[o + 1] || rgba[o] !== rgba[o + 2]) gray = false;
    if (rgba[o + 3] !== 255) opaque = false;
  }
  const comps = gray ? 1 : 3;
  const color = new Uint8Array(n * comps);
  const alpha = opaque ? undefined : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    if (gray) color[i] = rgba[o]!;
    else {
      color[3 * i] = rgba[o]!;
      color[3 * i + 1] = rgba[o + 1]!;
      color[3 * i + 2] = rgba[o + 2]!;
    }
    if (alpha) alpha[i] = rgba[o + 3]!;
  }
  const base = (cs: string, data: Uint8Array, extra: Record<string, PdfObject> = {}) =>
    new PdfStream(
      dict({
        Type: name('XObject'),
        Subtype: name('Image'),
        Width: width,
        Height: height,
        ColorSpace: name(cs),
        BitsPerComponent: 8,
        Filter: name('FlateDecode'),
        ...extra,
      }),
      deflate(data),
    );
  const smask = alpha ? addObject(base('DeviceGray', alpha)) : undefined;
  const ref = addObject(base(gray ? 'DeviceGray' : 'DeviceRGB', color, smask ? { SMask: smask } : {}));
  const ppm = img.pixelsPerMetre;
  return {
    ref,
    width,
    height,
    hasAlpha: !opaque,
    ...(ppm && ppm.x > 0 && ppm.y > 0
      ? {
          physicalSize: {
            width: (width / ppm.x) * (72000 / 25.4),
            height: (height / ppm.y) * (72000 / 25.4),
          },
        }
      : {}),
  };
}

/** Millimetres to PDF points (1 pt = 1/72 in). */
export const mm = (v: number): number => (v * 72) / 25.4;
