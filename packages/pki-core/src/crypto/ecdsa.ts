/**
 * ECDSA signature encodings: WebCrypto uses IEEE P1363 (r || s, fixed width); X.509, CMS and TLS
 * use DER Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3).
 */
import { checkInteger, DerReader, integerFromUnsigned, seq, Tag } from '../der.js';
import { KysoError } from '../errors.js';
import { CURVE_BYTES } from './algorithms.js';
import type { NamedCurve } from './types.js';

function invalid(msg: string): KysoError {
  return new KysoError('SIGNATURE_INVALID', `ECDSA signature: ${msg}`);
}

/**
 * Strict DER Ecdsa-Sig-Value to P1363 for a curve (or a field size in bytes). Throws KysoError
 * (DER_MALFORMED / ASN1_SCHEMA / SIGNATURE_INVALID) for BER, trailing data, non-minimal or
 * negative integers, zero values and values wider than the field.
 */
export function ecdsaDerToP1363(der: Uint8Array, curveOrSize: NamedCurve | number): Uint8Array {
  const size = typeof curveOrSize === 'number' ? curveOrSize : CURVE_BYTES[curveOrSize];
  if (!size) throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported curve ${String(curveOrSize)}`);
  const r = new DerReader(DerReader.single(der, Tag.SEQUENCE).value);
  const out = new Uint8Array(2 * size);
  for (let i = 0; i < 2; i++) {
    const el = r.read(Tag.INTEGER);
    checkInteger(el);
    let v = el.value;
    if (v[0]! & 0x80) throw invalid('negative integer');
    if (v[0] === 0) v = v.subarray(1); // DER minimality guarantees at most one sign octet
    if (v.length === 0) throw invalid('zero integer');
    if (v.length > size) throw invalid('integer wider than the curve order');
    out.set(v, (i + 1) * size - v.length);
  }
  r.finish('unexpected data in Ecdsa-Sig-Value');
  return out;
}

/** P1363 (r || s) to DER Ecdsa-Sig-Value. */
export function ecdsaP1363ToDer(p1363: Uint8Array): Uint8Array {
  if (p1363.length === 0 || p1363.length % 2 !== 0)
    throw invalid('P1363 signature has an odd or zero length');
  const h = p1363.length / 2;
  return seq(integerFromUnsigned(p1363.subarray(0, h)), integerFromUnsigned(p1363.subarray(h)));
}
