/**
 * Bounded BER-to-DER normaliser for the CMS container only.
 *
 * Why: CMS in the wild is often BER. OpenSSL `cms -sign` in streaming mode, Java/BC streaming
 * generators, RFC 3161 tokens from several TSAs and RFC 4134 example 4.5 use indefinite lengths and
 * constructed OCTET STRINGs. RFC 5652 only requires DER for the signed attributes (and the
 * certificates are DER because they are signed). So kyso keeps its DER reader strict everywhere
 * and, for CMS input only, first rewrites the transfer encoding:
 *  - indefinite lengths become definite; non-minimal long-form lengths become minimal;
 *  - constructed OCTET STRINGs and character/time strings become primitive (segments concatenated);
 *  - nothing else changes: element order is kept (SET OF is NOT re-sorted), so signed attributes
 *    keep the byte order they were signed in, and a definite-length DER subtree (a certificate, a
 *    DER SignerInfo) comes out byte-identical.
 * Everything parsed afterwards goes through the strict DER parsers; certificates are never
 * normalised on their own (a BER certificate inside a CMS stays an error at X.509 level only if its
 * bytes changed, since its signature then fails).
 *
 * Bounded: nesting depth, element count and input size are capped; constructed BIT STRINGs and
 * high tag numbers are refused.
 */
import { MAX_DER_SIZE } from '../der.js';
import { KysoError } from '../errors.js';

/** Nesting cap (a SignedData with a time-stamp token nests < 30 deep). */
export const MAX_BER_DEPTH = 64;
/** Element cap: bounds work on hostile input (a large CMS has a few thousand elements). */
export const MAX_BER_ELEMENTS = 200_000;

/** Universal string/time types whose constructed BER form is folded to primitive. */
const FOLDABLE = new Set([4, 12, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30]);

function bad(msg: string, off: number): KysoError {
  return new KysoError('DER_MALFORMED', `BER: ${msg} at offset ${off}`);
}

/** One element's identifier and length octets, read and checked the same way for every walker. */
interface Header {
  tag: number;
  /** Position of the content. */
  pos: number;
  /** Content length, or -1 for an indefinite length (constructed elements only). */
  len: number;
}

function readHeader(input: Uint8Array, pos: number, end: number): Header {
  if (pos >= end) throw bad('unexpected end of data', pos);
  const start = pos;
  const tag = input[pos++]!;
  if ((tag & 0x1f) === 0x1f) throw bad('high-tag-number form not supported', start);
  if (tag === 0) throw bad('unexpected end-of-contents', start);
  if (pos >= end) throw bad('missing length', pos);
  let len = input[pos++]!;
  if (len === 0x80) {
    if ((tag & 0x20) === 0) throw bad('indefinite length on a primitive element', start);
    return { tag, pos, len: -1 };
  }
  if (len & 0x80) {
    const k = len & 0x7f;
    if (k > 4) throw bad('length too large', start);
    if (pos + k > end) throw bad('truncated length', start);
    len = 0;
    for (let i = 0; i < k; i++) len = len * 256 + input[pos++]!;
  }
  if (len > end - pos) throw bad('length exceeds available data', start);
  return { tag, pos, len };
}

interface Node {
  tag: number;
  /** Primitive content, or undefined for constructed. */
  value?: Uint8Array;
  children?: Node[];
  /** Total encoded size (cached). */
  size?: number;
}

function lengthBytes(n: number): number {
  if (n < 128) return 1;
  let k = 0;
  while (n > 0) {
    k++;
    n = Math.floor(n / 256);
  }
  return 1 + k;
}

function contentSize(n: Node): number {
  if (n.value) return n.value.length;
  let s = 0;
  for (const c of n.children!) s += encodedSize(c);
  return s;
}

function encodedSize(n: Node): number {
  if (n.size === undefined) {
    const c = contentSize(n);
    n.size = 1 + lengthBytes(c) + c;
  }
  return n.size;
}

function write(n: Node, out: Uint8Array, pos: number): number {
  out[pos++] = n.tag;
  const len = contentSize(n);
  if (len < 128) out[pos++] = len;
  else {
    const k = lengthBytes(len) - 1;
    out[pos++] = 0x80 | k;
    for (let i = k - 1; i >= 0; i--) out[pos++] = Math.floor(len / 256 ** i) & 0xff;
  }
  if (n.value) {
    out.set(n.value, pos);
    return pos + n.value.length;
  }
  for (const c of n.children!) pos = write(c, out, pos);
  return pos;
}

/**
 * Encoded length of the first BER (or DER) element of `input`, walking indefinite-length
 * constructed elements down to their end-of-contents octets; whatever follows the element (e.g. the
 * zero padding of a PDF /Contents) is not looked at. Bounded like `normalizeBer` (depth, element
 * count, input size); throws DER_MALFORMED when the element does not end inside `input`.
 */
export function berElementLength(input: Uint8Array): number {
  let count = 0;
  const limitAll = Math.min(input.length, MAX_DER_SIZE);
  // Returns the position after the element starting at `pos`.
  const skip = (pos: number, end: number, depth: number): number => {
    if (depth > MAX_BER_DEPTH) throw bad(`nesting deeper than ${MAX_BER_DEPTH}`, pos);
    if (++count > MAX_BER_ELEMENTS)
      throw new KysoError('INPUT_TOO_LARGE', `more than ${MAX_BER_ELEMENTS} BER elements`);
    const start = pos;
    const h = readHeader(input, pos, end);
    // Definite-length content is skipped whole: BER inside it is the normaliser's business.
    if (h.len >= 0) return h.pos + h.len;
    for (let p = h.pos; ; ) {
      if (p + 1 < end && input[p] === 0 && input[p + 1] === 0) return p + 2;
      if (p >= end) throw bad('missing end-of-contents', start);
      p = skip(p, end, depth + 1);
    }
  };
  return skip(0, limitAll, 0);
}

/** Rewrites one BER element (the whole input) as DER transfer encoding; see the module comment. */
export function normalizeBer(input: Uint8Array): Uint8Array {
  if (input.length > MAX_DER_SIZE)
    throw new KysoError('INPUT_TOO_LARGE', `CMS input exceeds ${MAX_DER_SIZE} bytes`);
  let count = 0;

  // Returns [node, nextPos]. `end` bounds the parent; indefinite elements end at their EOC.
  const parse = (pos: number, end: number, depth: number): [Node, number] => {
    if (depth > MAX_BER_DEPTH) throw bad(`nesting deeper than ${MAX_BER_DEPTH}`, pos);
    if (++count > MAX_BER_ELEMENTS)
      throw new KysoError('INPUT_TOO_LARGE', `more than ${MAX_BER_ELEMENTS} BER elements`);
    const start = pos;
    const h = readHeader(input, pos, end);
    const tag = h.tag;
    const constructed = (tag & 0x20) !== 0;
    const indefinite = h.len < 0;
    const len = h.len;
    pos = h.pos;

    if (!constructed) {
      return [{ tag, value: input.subarray(pos, pos + len) }, pos + len];
    }
    const children: Node[] = [];
    const limit = indefinite ? end : pos + len;
    for (;;) {
      if (indefinite) {
        if (pos + 1 < limit && input[pos] === 0 && input[pos + 1] === 0) {
          pos += 2;
          break;
        }
        if (pos >= limit) throw bad('missing end-of-contents', start);
      } else if (pos >= limit) break;
      const [c, next] = parse(pos, limit, depth + 1);
      children.push(c);
      pos = next;
    }
    const universal = (tag & 0xc0) === 0;
    const num = tag & 0x1f;
    if (universal && num === 3) throw bad('constructed BIT STRING not supported', start);
    if (universal && FOLDABLE.has(num)) {
      // Fold segments: each must be a primitive (after folding) of the same universal type.
      const parts: Uint8Array[] = [];
      let total = 0;
      for (const c of children) {
        // Nested constructed segments were folded to primitive `num` by the recursive call.
        if (c.tag !== num || !c.value) throw bad('constructed string segment of another type', start);
        const v = c.value;
        parts.push(v);
        total += v.length;
        if (total > MAX_DER_SIZE) throw new KysoError('INPUT_TOO_LARGE', 'folded string too large');
      }
      const value = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        value.set(p, o);
        o += p.length;
      }
      return [{ tag: num, value }, pos];
    }
    return [{ tag, children }, pos];
  };

  const [root, next] = parse(0, input.length, 0);
  if (next !== input.length) throw bad('trailing data after top-level element', next);
  const out = new Uint8Array(encodedSize(root));
  write(root, out, 0);
  return out;
}
