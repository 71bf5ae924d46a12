/**
 * RFC 4134 "Examples of S/MIME Messages", SignedData cases (../shared/test-vectors/
 * bouncycastle-cms-tsp/rfc4134). Expected outcomes from its SOURCE.md (OpenSSL `cms -verify
 * -noverify`): 4.1, 4.2, 4.3 (detached, with ExContent.bin), 4.4, 4.5 (BER), 4.7 (SKI), 4.10
 * verify; 4.6 has one signer failing (DSA parameter inheritance); 4.11 is certificates-only.
 * Like `-noverify`, signature-level checks are asserted here; the certificate path is validated
 * separately for the RSA examples with CarlRSASelf as anchor.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CmsSignerReport, verifyCms } from '../packages/pki-core/src/cms/verify.js';
import { TrustStore } from '../packages/pki-core/src/path/trust-store.js';
import { Certificate } from '../packages/pki-core/src/x509/certificate.js';
import { vectorsDir } from './harness.js';

const dir = path.join(vectorsDir, 'bouncycastle-cms-tsp', 'rfc4134');
const read = (f: string) => new Uint8Array(fs.readFileSync(path.join(dir, f)));
const content = read('ExContent.bin');

/** Everything but the certificate path passed (the `-noverify` view). */
function signatureLevelOk(s: CmsSignerReport): boolean {
  return s.checks.filter((c) => c.check !== 'certificate-path').every((c) => c.status === 'passed');
}

describe('RFC 4134 SignedData examples', () => {
  const verifying: [string, number, 'DER' | 'BER', boolean][] = [
    ['4.1', 1, 'DER', false], // DSA, SHA-1
    ['4.2', 1, 'DER', false], // RSA, SHA-1
    ['4.3', 1, 'DER', true], // DSA, detached
    ['4.4', 1, 'DER', false], // DSA with signed attributes and a countersignature
    ['4.5', 1, 'BER', false], // RSA, indefinite-length BER
    ['4.7', 1, 'DER', false], // DSA, signer identified by subjectKeyIdentifier
    ['4.10', 1, 'DER', false], // DSA, many signed attributes
  ];
  for (const [name, signers, encoding, detached] of verifying) {
    it(`${name} verifies`, async () => {
      const r = await verifyCms(read(`${name}.bin`), detached ? { content } : {});
      expect(r.encoding).toBe(encoding);
      expect(r.detached).toBe(detached);
      expect(r.signers).toHaveLength(signers);
      for (const s of r.signers) {
        expect(s.checks.filter((c) => c.status !== 'passed' && c.check !== 'certificate-path')).toEqual([]);
        expect(s.checks.find((c) => c.check === 'signature')!.status).toBe('passed');
        // Without anchors the path is indeterminate, so the overall verdict is not "valid".
        expect(s.checks.find((c) => c.check === 'certificate-path')!.reason).toBe('NO_TRUST_ANCHORS');
      }
      expect(r.valid).toBe(false);
      if (!detached) expect(r.content).toEqual(content);
    });
  }

  it('4.3 without its detached content is indeterminate; with other content it fails', async () => {
    const none = await verifyCms(read('4.3.bin'));
    expect(none.signers[0]!.checks.find((c) => c.check === 'signature')!.reason).toBe('CONTENT_MISSING');
    const other = await verifyCms(read('4.3.bin'), { content: content.slice(1) });
    expect(other.signers[0]!.checks.find((c) => c.check === 'signature')!.status).toBe('failed');
  });

  it('4.6: one signer verifies, the other (inherited DSA parameters) does not', async () => {
    const r = await verifyCms(read('4.6.bin'));
    expect(r.signers).toHaveLength(2);
    expect(r.signers.filter(signatureLevelOk)).toHaveLength(1);
    const bad = r.signers.find((s) => !signatureLevelOk(s))!;
    expect(bad.checks.find((c) => c.check === 'signature')!.status).not.toBe('passed');
  });

  it('4.11 is certificates-only: no signer, not valid', async () => {
    const r = await verifyCms(read('4.11.bin'));
    expect(r.signers).toHaveLength(0);
    expect(r.certificates.length).toBeGreaterThan(0);
    expect(r.valid).toBe(false);
  });

  it('tampered signatures fail (RSA 4.2, DSA 4.1)', async () => {
    for (const name of ['4.1', '4.2']) {
      const orig = read(`${name}.bin`);
      const r0 = await verifyCms(orig);
      const sig = r0.signers[0]!;
      expect(sig.checks.find((c) => c.check === 'signature')!.status).toBe('passed');
      // Flip a byte of the content "This is some sample content." inside eContent.
      const bytes = orig.slice();
      const at = findBytes(bytes, content);
      expect(at).toBeGreaterThan(0);
      bytes[at]! ^= 0x01;
      const r = await verifyCms(bytes);
      expect(r.valid).toBe(false);
      expect(r.signers[0]!.checks.find((c) => c.check === 'signature')!.reason).toBe('SIGNATURE_INVALID');
    }
  });

  it('4.2 and 4.5 (RSA) validate to CarlRSASelf at a time inside the certificates’ validity', async () => {
    const trustStore = new TrustStore([Certificate.parse(read('CarlRSASelf.cer'))]);
    for (const name of ['4.2', '4.5']) {
      const r = await verifyCms(read(`${name}.bin`), { trustStore, time: new Date('2010-06-01T00:00:00Z') });
      const s = r.signers[0]!;
      expect(s.checks.filter((c) => c.status !== 'passed')).toEqual([]);
      expect(r.valid).toBe(true);
      // Under an unrelated anchor the path fails.
      const other = await verifyCms(read(`${name}.bin`), {
        trustStore: new TrustStore([Certificate.parse(read('CarlDSSSelf.cer'))]),
        time: new Date('2010-06-01T00:00:00Z'),
      });
      expect(other.valid).toBe(false);
    }
  });
});

function findBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
