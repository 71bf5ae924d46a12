/** PEM armour (RFC 7468), strict: matching labels, base64 body, bounded size. */
import { fromBase64, toBase64 } from './bytes.js';
import { KysoError } from './errors.js';

/** One PEM block (RFC 7468): its label and the decoded DER. */
export interface PemBlock {
  /** The PEM label (`CERTIFICATE`, `X509 CRL`, `PRIVATE KEY`...). */
  label: string;
  /** The decoded base64 content. */
  der: Uint8Array;
}

/** Cap on a PEM text we will scan (bounds work on hostile input). */
export const MAX_PEM_SIZE = 64 * 1024 * 1024;

const BEGIN = '-----BEGIN ';
const END = '-----END ';
/** Encapsulation boundary after its '-----BEGIN ' / '-----END ': label, dashes, optional line break. */
const BEGIN_TAIL = /^([A-Z0-9 #]{1,64})-----[ \t]*\r?\n/;
const END_TAIL = /^([A-Z0-9 #]{1,64})-----/;

/**
 * All PEM blocks in the text, in order. Text outside blocks is ignored (RFC 7468 explanatory text).
 * A block whose END label differs, that has headers, that is not base64 or that never ends is a
 * PEM_MALFORMED error. Linear time: the scanner never rescans (a backtracking regular expression
 * over many unterminated BEGIN lines took quadratic time).
 */
export function pemDecodeAll(text: string): PemBlock[] {
  if (text.length > MAX_PEM_SIZE) throw new KysoError('INPUT_TOO_LARGE', 'PEM text too large');
  const out: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    const b = text.indexOf(BEGIN, pos);
    if (b < 0) break;
    const head = BEGIN_TAIL.exec(text.slice(b + BEGIN.length, b + BEGIN.length + 80));
    if (!head) {
      // Not a boundary line (e.g. prose mentioning BEGIN); keep scanning after it.
      pos = b + BEGIN.length;
      continue;
    }
    const label = head[1]!;
    const bodyStart = b + BEGIN.length + head[0].length;
    const e = text.indexOf(END, bodyStart);
    if (e < 0) throw new KysoError('PEM_MALFORMED', `PEM BEGIN ${label} has no END line`);
    const tail = END_TAIL.exec(text.slice(e + END.length, e + END.length + 80));
    if (!tail) throw new KysoError('PEM_MALFORMED', `PEM ${label}: malformed END line`);
    const endLabel = tail[1]!;
    if (label !== endLabel)
      throw new KysoError('PEM_MALFORMED', `PEM BEGIN ${label} ended by END ${endLabel}`);
    const body = text.slice(bodyStart, e);
    // RFC 7468 allows explanatory headers only in legacy encrypted PEM; we reject them.
    if (/^[A-Za-z-]+:/m.test(body))
      throw new KysoError('PEM_MALFORMED', `PEM ${label} has headers (legacy encryption?)`);
    try {
      out.push({ label, der: fromBase64(body) });
    } catch {
      throw new KysoError('PEM_MALFORMED', `PEM ${label} body is not valid base64`);
    }
    pos = e + END.length + tail[0].length;
  }
  return out;
}

/** Decodes the first block with one of the given labels (any label if none given). */
export function pemDecode(text: string, ...labels: string[]): PemBlock {
  const blocks = pemDecodeAll(text).filter((b) => labels.length === 0 || labels.includes(b.label));
  if (blocks.length === 0) {
    throw new KysoError(
      'PEM_MALFORMED',
      `no PEM block${labels.length ? ` labelled ${labels.join(' or ')}` : ''}`,
    );
  }
  return blocks[0]!;
}

/** Encodes DER as one PEM block with `label` (base64 in 64-character lines). */
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
  if (blocks.length === 0)
    throw new KysoError('PEM_MALFORMED', `no PEM block labelled ${labels.join(' or ')}`);
  return blocks.map((b) => b.der);
}
