/**
 * Stream decoding for what the signer and verifier need (xref streams, object streams, DSS
 * entries): FlateDecode with PNG/TIFF predictors, ASCIIHexDecode. Bounded: the output of one
 * stream is capped (absolute size and expansion ratio), so decompression bombs are refused.
 */
import { InflateLimitError, inflate } from '../platform.js';
import { PdfDict, PdfName, type PdfObject, PdfError, type PdfStream } from './objects.js';

/** Largest decoded stream (xref/object streams are small; 64 MiB leaves room for huge xrefs). */
export const MAX_DECODED_STREAM = 64 * 1024 * 1024;
/** Largest expansion ratio accepted for Flate once the output exceeds 1 MiB (zlib max is ~1032). */
export const MAX_FLATE_RATIO = 1100;

/** Bounds for `decodeStream`. */
export interface DecodeLimits {
  /** Largest decoded size in bytes; default `MAX_DECODED_STREAM` (64 MiB). Beyond it: `PDF_LIMIT`. */
  maxBytes?: number;
}

function flate(data: Uint8Array, max: number): Uint8Array {
  const cap = Math.min(max, Math.max(1024 * 1024, data.length * MAX_FLATE_RATIO));
  try {
    return inflate(data, cap);
  } catch (e) {
    const err = e as Error;
    if (err instanceof InflateLimitError) {
      throw new PdfError('PDF_LIMIT', `decompressed stream exceeds ${cap} bytes (refusing a possible bomb)`);
    }
    // Truncated streams are common in the wild: try a lenient inflate (Z_SYNC_FLUSH).
    try {
      return inflate(data, cap, true);
    } catch (e2) {
      if (e2 instanceof InflateLimitError)
        throw new PdfError(
          'PDF_LIMIT',
          `decompressed stream exceeds ${cap} bytes (refusing a possible bomb)`,
        );
      throw new PdfError('PDF_MALFORMED', `bad Flate data: ${err.message}`);
    }
  }
}

function asciiHex(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let hi = -1;
  for (const c of data) {
    if (c === 0x3e) break;
    const v =
      c >= 0x30 && c <= 0x39
        ? c - 0x30
        : c >= 0x41 && c <= 0x46
          ? c - 55
          : c >= 0x61 && c <= 0x66
            ? c - 87
            : -1;
    if (v < 0) continue;
    if (hi < 0) hi = v;
    else {
      out.push((hi << 4) | v);
      hi = -1;
    }
  }
  if (hi >= 0) out.push(hi << 4);
  return Uint8Array.from(out);
}

function num(d: PdfDict | undefined, k: string, dflt: number): number {
  const v = d?.get(k);
  return typeof v === 'number' ? v : dflt;
}

/** PNG (10..15) and TIFF (2) predictors (ISO 32000-1 §7.4.4.4). */
export function unpredict(data: Uint8Array, parms: PdfDict | undefined): Uint8Array {
  const predictor = num(parms, 'Predictor', 1);
  if (predictor === 1) return data;
  const colors = num(parms, 'Colors', 1);
  const bpc = num(parms, 'BitsPerComponent', 8);
  const columns = num(parms, 'Columns', 1);
  if (colors < 1 || colors > 32 || ![1, 2, 4, 8, 16].includes(bpc) || columns < 1 || columns > 1 << 24) {
    throw new PdfError('PDF_MALFORMED', 'bad predictor parameters');
  }
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLen = Math.ceil((colors * bpc * columns) / 8);
  if (predictor === 2) {
    if (bpc !== 8) throw new PdfError('PDF_UNSUPPORTED', 'TIFF predictor with bpc != 8');
    const out = data.slice();
    for (let r = 0; r + rowLen <= out.length; r += rowLen) {
      for (let i = bpp; i < rowLen; i++) out[r + i] = (out[r + i]! + out[r + i - bpp]!) & 0xff;
    }
    return out;
  }
  if (predictor < 10) throw new PdfError('PDF_UNSUPPORTED', `predictor ${predictor}`);
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = new Uint8Array(rows * rowLen);
  let prev = new Uint8Array(rowLen);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLen + 1)]!;
    const src = data.subarray(r * (rowLen + 1) + 1, (r + 1) * (rowLen + 1));
    const cur = out.subarray(r * rowLen, (r + 1) * rowLen);
    for (let i = 0; i < rowLen; i++) {
      const a = i >= bpp ? cur[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      const x = src[i]!;
      let v: number;
      switch (type) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new PdfError('PDF_MALFORMED', `bad PNG row filter ${type}`);
      }
      cur[i] = v & 0xff;
    }
    prev = cur;
  }
  return out;
}

const asList = (v: PdfObject | undefined): PdfObject[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Decodes a stream's data (filters resolved to direct names by the caller). Unsupported filters
 * throw PDF_UNSUPPORTED.
 */
export function decodeStream(s: PdfStream, limits: DecodeLimits = {}): Uint8Array {
  const max = limits.maxBytes ?? MAX_DECODED_STREAM;
  const filters = asList(s.dict.get('Filter'));
  const parms = asList(s.dict.get('DecodeParms'));
  let data = s.raw;
  filters.forEach((f, i) => {
    if (!(f instanceof PdfName)) throw new PdfError('PDF_MALFORMED', 'stream /Filter is not a name');
    const p = parms[i];
    const pd = p instanceof PdfDict ? p : undefined;
    switch (f.name) {
      case 'FlateDecode':
      case 'Fl':
        data = unpredict(flate(data, max), pd);
        break;
      case 'ASCIIHexDecode':
      case 'AHx':
        data = asciiHex(data);
        break;
      default:
        throw new PdfError('PDF_UNSUPPORTED', `stream filter ${f.name}`);
    }
    if (data.length > max) throw new PdfError('PDF_LIMIT', `decoded stream exceeds ${max} bytes`);
  });
  return data;
}
