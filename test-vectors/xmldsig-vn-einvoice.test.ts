/**
 * The public Vietnamese e-invoice sample in ../shared/test-vectors/xmldsig/vn-einvoice (SHAPE.md):
 * its signature verifies cryptographically; trust fails (self-signed, expired, RSA-1024).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TrustStore, buildAndValidatePath } from '@kyso/pki-core';
import { findSignatures, parseXml, verifyXmlSignature } from '@kyso/xml-sign';
import { describe, expect, it } from 'vitest';
import { vectorsDir } from './location.js';

const FILE = path.join(vectorsDir, 'xmldsig/vn-einvoice/vnpay-test-invoice-K23TLL-226.xml');

describe('VN e-invoice public sample', () => {
  it('verifies cryptographically (2/2 references, SHA-1 flagged legacy) and returns DLHDon itself', () => {
    const doc = parseXml(readFileSync(FILE));
    const sigs = findSignatures(doc);
    expect(sigs.length).toBe(1);
    const r = verifyXmlSignature(doc, sigs[0]!);
    expect(r.valid, r.error?.message).toBe(true);
    expect(r.references.map((x) => x.valid)).toEqual([true, true]);
    expect(
      r.signedElements.map((e) => `${e.local}#${e.attributes.find((a) => a.local === 'Id')?.value}`),
    ).toEqual(['DLHDon#Id-22884', 'Object#SigningTime-22884']);
    expect(r.warnings.some((w) => w.includes('SHA-1'))).toBe(true);
    // DLQRCode sits beside the signed data and is not covered.
    expect(r.signedElements.some((e) => e.local === 'DLQRCode')).toBe(false);
  });

  it('fails trust: self-signed, expired, RSA-1024, SHA-1', async () => {
    const doc = parseXml(readFileSync(FILE));
    const r = verifyXmlSignature(doc, findSignatures(doc)[0]!);
    const cert = r.keyInfo.certificates[0]!;
    expect(cert.isSelfIssued).toBe(true);
    expect(cert.notAfter.toISOString().slice(0, 10)).toBe('2023-11-01');
    // No Vietnamese root trusts it; even trusting it as its own anchor it is expired today.
    const untrusted = await buildAndValidatePath({
      leaf: cert,
      trustStore: new TrustStore(),
      time: new Date('2026-12-07T00:00:00Z'),
    });
    expect(untrusted.valid).toBe(false);
    expect(untrusted.reason).toBe('UNKNOWN_ISSUER');
    const self = await buildAndValidatePath({
      leaf: cert,
      trustStore: new TrustStore([cert]),
      time: new Date('2026-12-07T00:00:00Z'),
    });
    expect(self.valid).toBe(false);
    expect(self.reason).toBe('CERT_EXPIRED');
    const strict = await buildAndValidatePath({
      leaf: cert,
      trustStore: new TrustStore([cert]),
      time: new Date('2023-10-19T04:11:51Z'),
      minRsaModulusBits: 2048,
      allowSha1Signatures: false,
    });
    expect(strict.valid).toBe(false);
    // At its signing time it is in validity, but not a conformant anchor / strong enough.
    expect(strict.reason).not.toBeNull();
  });
});
