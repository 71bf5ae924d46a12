/**
 * Name comparison for path building and validation (RFC 5280 §7.1), the same answers as
 * `Name.equals` / `Name.comparisonKey`, computed with less work: byte-identical DER names are equal
 * without string preparation, and comparison keys are remembered by DER, so a CA's name is
 * prepared once per process however many certificates (each a new `Name` object) name it.
 */
import type { Name } from '../name.js';
import type { Certificate } from '../x509/certificate.js';

/** Bounded: cleared when full, so hostile input cannot grow it. */
const KEY_MEMO_SIZE = 4096;
const keyMemo = new Map<string, string>();

function latin1(der: Uint8Array): string {
  let s = '';
  for (let i = 0; i < der.length; i += 4096)
    s += String.fromCharCode.apply(null, der.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

/** `name.comparisonKey`, remembered by the name's DER. */
export function nameKey(name: Name): string {
  const d = latin1(name.der);
  let k = keyMemo.get(d);
  if (k === undefined) {
    k = name.comparisonKey;
    if (keyMemo.size >= KEY_MEMO_SIZE) keyMemo.clear();
    keyMemo.set(d, k);
  }
  return k;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `a.equals(b)`: RFC 5280 §7.1 name matching. */
export function namesEqual(a: Name, b: Name): boolean {
  if (a === b) return true;
  if (a.rdns.length !== b.rdns.length) return false;
  return sameBytes(a.der, b.der) || nameKey(a) === nameKey(b);
}

const selfIssuedMemo = new WeakMap<Certificate, boolean>();

/** `c.isSelfIssued` (subject equals issuer), once per certificate object. */
export function isSelfIssued(c: Certificate): boolean {
  let r = selfIssuedMemo.get(c);
  if (r === undefined) {
    r = namesEqual(c.subject, c.issuer);
    selfIssuedMemo.set(c, r);
  }
  return r;
}

const subjectText = new WeakMap<Certificate, string>();

/**
 * `c.subject.toString()`, printed once per certificate object: a report names the subject on every
 * check line, and warm intermediates appear in every validation.
 */
export function subjectOf(c: Certificate): string {
  let s = subjectText.get(c);
  if (s === undefined) {
    s = c.subject.toString();
    subjectText.set(c, s);
  }
  return s;
}
