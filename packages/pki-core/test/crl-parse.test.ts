import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Crl } from '../src/crl.js';
import { bitString, explicit, integer, oid, seq, utcTime, nul } from '../src/der.js';
import { isKysoError } from '../src/errors.js';
import { Name } from '../src/name.js';
import { pemDecodeAll } from '../src/pem.js';
import { vectorsDir } from '../../../test-vectors/location.js';

const DIR = path.join(vectorsDir, 'boringssl-pki/crl_unittest');
const crlOf = (f: string) =>
  pemDecodeAll(fs.readFileSync(path.join(DIR, f), 'utf8')).find((b) => b.label === 'CRL')!.der;

const alg = seq(oid('1.2.840.113549.1.1.11'), nul());
const issuer = Name.parse('CN=Parse Test CA').der;
const t0 = utcTime(new Date('2026-01-01T00:00:00Z'));
const t1 = utcTime(new Date('2026-01-08T00:00:00Z'));
const sig = bitString(new Uint8Array(4));
const entry = (serial: number, ...exts: Uint8Array[]) =>
  seq(integer(serial), t0, exts.length ? seq(...exts) : undefined);
const crlNumberExt = seq(oid('2.5.29.20'), new Uint8Array([0x04, 0x03, 0x02, 0x01, 0x07]));
const build = (...tbs: (Uint8Array | undefined)[]) => seq(seq(...tbs), alg, sig);

describe('CRL parsing: strict DER and RFC 5280 §5 rules', () => {
  it('parses v1 and v2 CRLs, with a Map lookup by serial', () => {
    const v1 = Crl.fromDer(build(alg, issuer, t0, t1, seq(entry(5), entry(0x1234))));
    expect(v1.version).toBe(1);
    expect(v1.isRevoked(5n)).toBeDefined();
    expect(v1.isRevoked('1234')).toBeDefined();
    expect(v1.isRevoked(6n)).toBeUndefined();
    const v2 = Crl.fromDer(build(integer(1), alg, issuer, t0, t1, undefined, explicit(0, seq(crlNumberExt))));
    expect(v2.version).toBe(2);
    expect(v2.crlNumber).toBe(7n);
    expect(v2.revoked).toHaveLength(0);
  });

  it.each([
    [
      'v1 with crlExtensions',
      build(alg, issuer, t0, t1, undefined, explicit(0, seq(crlNumberExt))),
      'CERT_INVALID',
    ],
    ['explicit v1', build(integer(0), alg, issuer, t0, t1), 'CERT_INVALID'],
    ['v3', build(integer(2), alg, issuer, t0, t1), 'CERT_INVALID'],
    ['empty revokedCertificates', build(alg, issuer, t0, t1, seq()), 'CERT_INVALID'],
    [
      'v1 entry extensions',
      build(alg, issuer, t0, t1, seq(entry(1, seq(oid('2.5.29.21'), new Uint8Array([4, 3, 10, 1, 1]))))),
      'CERT_INVALID',
    ],
    ['trailing bytes', new Uint8Array([...build(alg, issuer, t0, t1), 0]), 'DER_MALFORMED'],
    [
      'mismatched algorithms',
      seq(seq(seq(oid('1.2.840.10045.4.3.2')), issuer, t0, t1), alg, sig),
      'CERT_INVALID',
    ],
  ])('rejects %s', (_name, der, code) => {
    let err: unknown;
    try {
      Crl.fromDer(der);
    } catch (e) {
      err = e;
    }
    expect(isKysoError(err, code as 'CERT_INVALID')).toBe(true);
  });

  it('flags unknown critical CRL and entry extensions instead of failing', () => {
    const crit = seq(oid('1.2.3.4'), new Uint8Array([0x01, 0x01, 0xff]), new Uint8Array([0x04, 0x00]));
    const c = Crl.fromDer(
      build(integer(1), alg, issuer, t0, t1, seq(entry(1, crit)), explicit(0, seq(crit))),
    );
    expect(c.unknownCriticalExtensions).toEqual(['1.2.3.4']);
    expect(c.unknownCriticalEntryExtensions).toEqual(['1.2.3.4']);
    expect(c.hasUnknownCriticalExtensions).toBe(true);
  });

  it.skipIf(!fs.existsSync(DIR))('every BoringSSL invalid_garbage_* CRL is a typed error', () => {
    const files = fs.readdirSync(DIR).filter((f) => f.startsWith('invalid_garbage'));
    expect(files.length).toBe(17);
    for (const f of files) {
      let err: unknown;
      try {
        Crl.fromDer(crlOf(f));
      } catch (e) {
        err = e;
      }
      expect(isKysoError(err), f).toBe(true);
    }
  });
});
