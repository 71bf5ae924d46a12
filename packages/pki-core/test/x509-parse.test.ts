import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Certificate, KysoError, OID, toHex } from '../src/index.js';
import { vectorsDir } from '../../../test-vectors/location.js';

const VECTORS = vectorsDir;

function certFiles(): string[] {
  const dirs = [
    path.join(VECTORS, 'pkits/certs'),
    path.join(VECTORS, 'vn-roots/roots'),
    path.join(VECTORS, 'vn-roots/intermediates'),
  ];
  return dirs.flatMap((d) => readdirSync(d).map((f) => path.join(d, f)));
}

describe('Certificate parsing against Node/OpenSSL', () => {
  it('parses every PKITS and Vietnamese certificate like OpenSSL does', () => {
    const files = certFiles();
    expect(files.length).toBeGreaterThan(100);
    let parsed = 0;
    for (const f of files) {
      const data = readFileSync(f);
      let c: Certificate;
      try {
        c = Certificate.parse(data);
      } catch (e) {
        // PKITS has a few deliberately broken encodings; they must be typed errors.
        expect(e, f).toBeInstanceOf(KysoError);
        continue;
      }
      parsed++;
      const n = new X509Certificate(data);
      const ns = n.serialNumber;
      const expected = ns.startsWith('-') ? -BigInt(`0x${ns.slice(1)}`) : BigInt(`0x${ns}`);
      expect(c.serialBigInt, f).toBe(expected);
      expect(c.notAfter.getTime(), f).toBe(new Date(n.validTo).getTime());
      expect(toHex(c.der)).toBe(toHex(new Uint8Array(n.raw)));
    }
    expect(parsed).toBeGreaterThan(files.length * 0.95);
  });

  it('reads Vietnamese roots with their subjects', () => {
    const root = Certificate.parse(
      readFileSync(path.join(VECTORS, 'vn-roots/roots/vnrca256-vietnam-national-root-ca.pem')),
    );
    expect(root.subject.commonName).toMatch(/Vietnam National Root CA/);
    expect(root.isCA).toBe(true);
    expect(root.isSelfIssued).toBe(true);
    expect(root.subject.get('C')).toEqual(['VN']);
    expect(root.extension(OID.basicConstraints)?.critical).toBe(true);
  });

  it('rejects trailing data and truncation with typed errors', () => {
    const der = Certificate.parse(
      readFileSync(path.join(VECTORS, 'vn-roots/roots/vnrca256-vietnam-national-root-ca.pem')),
    ).der;
    const withTrailer = new Uint8Array([...der, 0]);
    expect(() => Certificate.fromDer(withTrailer)).toThrow(KysoError);
    expect(() => Certificate.fromDer(der.subarray(0, der.length - 1))).toThrow(KysoError);
  });
});
