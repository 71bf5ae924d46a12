/**
 * Byte helpers that work the same in Node and in browsers (no Buffer). Malformed input (hex,
 * base64, UTF-8) throws KysoError INVALID_ARGUMENT, like every other parser of the package.
 */
import { KysoError } from './errors.js';

/** The parts joined into one new array (the inputs are not modified). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Whether `a` and `b` hold the same bytes. Not constant-time: for secrets use `timingSafeEqual`. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Constant-time comparison for secrets (MACs, hashes of secrets). Length is not secret. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hexadecimal, two digits per byte, no separators (`0a1b`). */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

/**
 * Bytes of a hexadecimal string; white space and `:` separators are ignored (`0a:1b`, `0A 1B`).
 * Throws KysoError `INVALID_ARGUMENT` for an odd number of digits or a non-hex character.
 */
export function fromHex(h: string): Uint8Array {
  const s = h.replace(/[\s:]/g, '');
  if (s.length % 2 !== 0 || /[^0-9a-fA-F]/.test(s))
    throw new KysoError('INVALID_ARGUMENT', 'invalid hex string');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_REV = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_REV[B64.charCodeAt(i)] = i;

/** Standard base64 with padding (RFC 4648 §4). */
export function toBase64(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    s += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    s += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}${B64[(n >> 6) & 63]!}=`;
  }
  return s;
}

/**
 * Strict base64 decode: standard alphabet, padding required, padding bits zero (canonical
 * encoding only, RFC 4648 §3.5); whitespace ignored. Throws KysoError INVALID_ARGUMENT.
 */
export function fromBase64(str: string): Uint8Array {
  const s = str.replace(/[\s]/g, '');
  if (s.length % 4 !== 0) throw new KysoError('INVALID_ARGUMENT', 'invalid base64 length');
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const c0 = B64_REV[s.charCodeAt(i)]!;
    const c1 = B64_REV[s.charCodeAt(i + 1)]!;
    const last = i + 4 === s.length;
    const c2 = last && pad === 2 ? 0 : B64_REV[s.charCodeAt(i + 2)]!;
    const c3 = last && pad >= 1 ? 0 : B64_REV[s.charCodeAt(i + 3)]!;
    if (c0 < 0 || c1 < 0 || c2 < 0 || c3 < 0)
      throw new KysoError('INVALID_ARGUMENT', 'invalid base64 character');
    if (last && ((pad === 2 && c1 & 15) || (pad === 1 && c2 & 3)))
      throw new KysoError('INVALID_ARGUMENT', 'non-zero base64 padding bits');
    const n = (c0 << 18) | (c1 << 12) | (c2 << 6) | c3;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** base64url without padding (RFC 4648 §5, as in JWK/JWS and CSC `hashes`). */
export function toBase64Url(b: Uint8Array): string {
  return toBase64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url without padding (RFC 4648 §5, as in JWK/JWS); '+', '/' and '=' are rejected. */
export function fromBase64Url(s: string): Uint8Array {
  if (/[+/=]/.test(s)) throw new KysoError('INVALID_ARGUMENT', 'invalid base64url character');
  const t = s.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(t + '='.repeat((4 - (t.length % 4)) % 4));
}

const enc = new TextEncoder();
// ignoreBOM: keep a leading U+FEFF as data (the default silently strips it, losing a character).
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as TextEncoder does). */
export const utf8Encode = (s: string): Uint8Array => enc.encode(s);
/**
 * Fatal UTF-8 decode: an invalid sequence throws KysoError INVALID_ARGUMENT. Short pure-ASCII
 * input (most name attributes, URLs, e-mail addresses) is decoded directly: TextDecoder's per-call
 * cost dominates for a few dozen bytes, and ASCII is always valid UTF-8 with the same code points.
 */
export function utf8Decode(b: Uint8Array): string {
  if (b.length <= 64) {
    let s = '';
    let ascii = true;
    for (let i = 0; i < b.length && ascii; i++) {
      const x = b[i]!;
      if (x > 0x7f) ascii = false;
      else s += String.fromCharCode(x);
    }
    if (ascii) return s;
  }
  try {
    return dec.decode(b);
  } catch (e) {
    throw new KysoError('INVALID_ARGUMENT', 'invalid UTF-8', undefined, { cause: e });
  }
}

/**
 * Big-endian unsigned bytes of a non-negative bigint, minimal length (`0n` is one zero byte).
 * Throws KysoError `INVALID_ARGUMENT` for a negative value.
 */
export function bigintToBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new KysoError('INVALID_ARGUMENT', 'bigintToBytes: negative value');
  let h = n.toString(16);
  if (h.length % 2) h = `0${h}`;
  return fromHex(h);
}

/** The non-negative bigint of big-endian unsigned bytes (`0n` for an empty array). */
export function bytesToBigint(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${toHex(b)}`);
}

/** Random bytes from the platform CSPRNG (WebCrypto; available in Node 20 and browsers). */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536)
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}
