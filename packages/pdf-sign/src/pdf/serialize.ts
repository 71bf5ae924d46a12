/** Serialises PDF objects (ISO 32000-1 §7.3) for the incremental writer. */
import {
  PdfDict,
  PdfName,
  type PdfObject,
  PdfRaw,
  PdfRef,
  PdfStream,
  PdfString,
  PdfError,
} from './objects.js';
import { ascii } from './parser.js';

/** Formats a number without exponent notation (PDF has none). */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new PdfError('PDF_MALFORMED', 'non-finite number');
  if (Number.isInteger(n)) return String(n);
  let s = n.toFixed(6);
  s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

function nameBytes(n: string): string {
  let s = '/';
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || '()<>[]{}/%#'.includes(n[i]!)) s += `#${c.toString(16).padStart(2, '0')}`;
    else s += n[i];
  }
  return s;
}

function literal(b: Uint8Array): string {
  let s = '(';
  for (const c of b) {
    if (c === 0x28 || c === 0x29 || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else if (c === 0x0d) s += '\\r';
    else if (c === 0x0a) s += '\\n';
    else if (c < 0x20 || c > 0x7e) s += `\\${c.toString(8).padStart(3, '0')}`;
    else s += String.fromCharCode(c);
  }
  return `${s})`;
}

function hex(b: Uint8Array): string {
  let s = '<';
  for (const c of b) s += c.toString(16).padStart(2, '0');
  return `${s}>`;
}

/** Appends the serialisation of `o` to `out` (strings of latin1 chars and raw byte chunks). */
function write(o: PdfObject, out: (string | Uint8Array)[], depth: number): void {
  if (depth > 64) throw new PdfError('PDF_LIMIT', 'object nesting too deep to write');
  if (o === null) out.push('null');
  else if (typeof o === 'boolean') out.push(o ? 'true' : 'false');
  else if (typeof o === 'number') out.push(formatNumber(o));
  else if (o instanceof PdfName) out.push(nameBytes(o.name));
  else if (o instanceof PdfString) out.push(o.hex ? hex(o.bytes) : literal(o.bytes));
  else if (o instanceof PdfRef) out.push(`${o.num} ${o.gen} R`);
  else if (o instanceof PdfRaw) out.push(o.bytes);
  else if (Array.isArray(o)) {
    out.push('[');
    o.forEach((x, i) => {
      if (i > 0) out.push(' ');
      write(x, out, depth + 1);
    });
    out.push(']');
  } else if (o instanceof PdfDict) {
    out.push('<<');
    for (const [k, v] of o.map) {
      out.push(nameBytes(k), ' ');
      write(v, out, depth + 1);
    }
    out.push('>>');
  } else if (o instanceof PdfStream) {
    const d = o.dict.clone();
    d.set('Length', o.raw.length);
    write(d, out, depth);
    out.push('\nstream\n', o.raw, '\nendstream');
  }
}

function join(parts: (string | Uint8Array)[]): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'string' ? ascii(p) : p));
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let i = 0;
  for (const c of chunks) {
    out.set(c, i);
    i += c.length;
  }
  return out;
}

/**
 * Serialises a direct object to PDF syntax (ISO 32000-1 §7.3): names escaped with `#xx`, strings as
 * given (`hex` or literal with escapes), numbers without exponents, streams with their raw data and
 * a /Length matching it. `PdfRaw` bytes are copied verbatim.
 */
export function serialize(o: PdfObject): Uint8Array {
  const out: (string | Uint8Array)[] = [];
  write(o, out, 0);
  return join(out);
}

/** Serialises an indirect object: `num gen obj` EOL, the object, EOL `endobj` EOL. */
export function serializeIndirect(num: number, gen: number, o: PdfObject): Uint8Array {
  const out: (string | Uint8Array)[] = [`${num} ${gen} obj\n`];
  write(o, out, 0);
  out.push('\nendobj\n');
  return join(out);
}
