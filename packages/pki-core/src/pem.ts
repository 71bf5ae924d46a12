/** PEM armour (RFC 7468), strict: matching labels, base64 body, bounded size. */
import { fromBase64, toBase64 } from './bytes.js';
import { KysoError } from './errors.js';

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** Cap on a PEM text we will scan (bounds work on hostile input). */
export const MAX_PEM_SIZE = 64 * 1024 * 1024;

const BLOCK = /-----BEGIN ([A-Z0-9 #]+)-----\r?\n([\s\S]*?)-----END ([A-Z0-9 #]+)-----/g;

export function pemDecodeAll(text: string): PemBlock[] {
  if (text.length > MAX_PEM_SIZE) throw new KysoError('INPUT_TOO_LARGE', 'PEM text too large');
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const [, label, body, endLabel] = m;
    if (label !== endLabel) throw new KysoError('PEM_MALFORMED', `PEM BEGIN ${label} ended by END ${endLabel}`);
    // RFC 7468 allows explanatory headers only in legacy encrypted PEM; we reject them.
    if (/^[A-Za-z-]+:/m.test(body!)) throw new KysoError('PEM_MALFORMED', `PEM ${label} has headers (legacy encryption?)`);
    try {
      out.push({ label: label!, der: fromBase64(body!) });
    } catch {
      throw new KysoError('PEM_MALFORMED', `PEM ${label} body is not valid base64`);
    }
  }
  return out;
}

/** Decodes exactly one block with one of the given labels. */
export function pemDecode(text: string, ...labels: string[]): PemBlock {
  const blocks = pemDecodeAll(text).filter((b) => labels.length === 0 || labels.includes(b.label));
  if (blocks.length === 0) {
    throw new KysoError('PEM_MALFORMED', `no PEM block${labels.length ? ` labelled ${labels.join(' or ')}` : ''}`);
  }
  return blocks[0]!;
}

export function pemEncode(label: string, der: Uint8Array): string {
  const b64 = toBase64(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** True if the bytes look like PEM text rather than DER. */
export function looksLikePem(data: Uint8Array | string): boolean {
  const s = typeof data === 'string' ? data : new TextDecoder().decode(data.subarray(0, 4096));
  return s.includes('-----BEGIN ');
}

/**
 * Accepts DER bytes or PEM text (bytes or string) and returns DER blocks with the given labels.
 * DER input is returned as a single block with label ''.
 */
export function derOrPem(data: Uint8Array | string, ...labels: string[]): Uint8Array[] {
  if (typeof data !== 'string' && !looksLikePem(data)) return [data];
  const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
  const blocks = pemDecodeAll(text).filter((b) => labels.length === 0 || labels.includes(b.label));
  if (blocks.length === 0) throw new KysoError('PEM_MALFORMED', `no PEM block labelled ${labels.join(' or ')}`);
  return blocks.map((b) => b.der);
}
