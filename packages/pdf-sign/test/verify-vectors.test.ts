/**
 * The full verifier over ../shared/test-vectors (pyHanko and @signpdf): the expectations of
 * pyhanko-pdf/SOURCE.md (modification levels, coverage anomalies, invalid-by-design files) and
 * signpdf/SOURCE.md. Trust anchors are the certificates SOURCE.md lists; the clock is pinned to
 * upstream's 2020-11-01 (2021-01-05 for the Adobe Reader files); revocation checking is off as in
 * upstream's tests, except where the document carries its own data (PAdES LTA files).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Certificate, TrustStore } from '@kyso/pki-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PdfValidationReport, verifyPdf } from '../src/verify/index.js';
import { vectorsDir } from '../../../test-vectors/location.js';

const SHARED = vectorsDir;
const PY = path.join(SHARED, 'pyhanko-pdf/pdf');
const SP = path.join(SHARED, 'signpdf/pdf');
const load = (p: string) => new Uint8Array(fs.readFileSync(p));
const T2020 = new Date('2020-11-01T00:00:00Z');
const T2021 = new Date('2021-01-05T00:00:00Z');

let trust: TrustStore;
beforeAll(() => {
  trust = new TrustStore();
  for (const d of [path.join(SHARED, 'pyhanko-pdf/pki/extracted'), path.join(SHARED, 'signpdf/certs')])
    for (const f of fs.readdirSync(d))
      if (/^(root|selfsigned|certificate-signpdf|withpass)/.test(f))
        trust.add(Certificate.parseAll(fs.readFileSync(path.join(d, f))));
});

const verify = (file: string, time = T2020) =>
  verifyPdf(load(file), { trustStore: trust, time, revocation: 'off' });
const brief = (r: PdfValidationReport) =>
  JSON.stringify(
    r.signatures.map((s) => [s.field, s.status, s.reasons, s.changes.findings.map((f) => f.description)]),
  );

describe('pyHanko: modification analysis as upstream expects', () => {
  // Sig1 followed by allowed changes (upstream: FORM_FILLING); Sig2 unchanged.
  const allowed: [string, Date][] = [
    ['extensions-direct.pdf', T2020],
    ['extensions-indirect.pdf', T2020],
    ['extensions-update-direct.pdf', T2020],
    ['extensions-update-indirect.pdf', T2020],
    ['form-update-no-override-appearance-stream-ap-indirect.pdf', T2020],
    ['form-update-original-ap-type-wrong.pdf', T2020],
    ['form-update-override-appearance-stream-ap-indirect.pdf', T2020],
    ['form-update-override-appearance-stream.pdf', T2020],
    ['minimal-signed-twice-no-sig-type.pdf', T2020],
    ['separate-annots-kids-indir.pdf', T2020],
    ['minimal-signed-twice-both-created.pdf', T2021],
    ['minimal-signed-twice-second-created.pdf', T2021],
    ['minimal-two-fields-signed-twice.pdf', T2021],
  ];
  for (const [f, t] of allowed) {
    it(`${f}: the first signature is followed by FORM_FILLING changes only`, async () => {
      const r = await verify(path.join(PY, f), t);
      const [s1, s2] = r.signatures;
      expect(r.signatures.length).toBe(2);
      expect(s1!.changes.level, brief(r)).toBe('FORM_FILLING');
      expect(s1!.changes.allowed).toBe(true);
      expect(s2!.changes.level).toBe('NONE');
      for (const s of r.signatures) expect(s.integrity.status).toBe('passed');
      // Upstream: trusted at the pinned time (the Adobe files carry time-stamps from a TSA
      // outside the listed anchors: their time-stamp is indeterminate, so only integrity counts there).
      if (t === T2020) expect(r.valid, brief(r)).toBe(true);
    });
  }

  // Upstream: SuspiciousModification / ModificationLevel.OTHER.
  const disallowed: [string, RegExp][] = [
    ['extensions-indirect-not-all-paths.pdf', /DontOverrideMe/],
    ['form-update-ap-indirect-sneaky-trailer.pdf', /FooBar/],
    ['form-update-no-override-appearance-stream-ap-indirect-sneaky.pdf', /FooBar/],
    ['form-update-override-appearance-stream-ap-indirect-sneaky.pdf', /FooBar/],
    ['form-update-override-appearance-stream-sneaky.pdf', /FooBar/],
  ];
  for (const [f, mention] of disallowed) {
    it(`${f}: disallowed modification after the first signature`, async () => {
      const r = await verify(path.join(PY, f));
      const s1 = r.signatures[0]!;
      expect(s1.integrity.status).toBe('passed');
      expect(s1.changes.level).toBe('OTHER');
      expect(s1.changes.allowed).toBe(false);
      expect(s1.status).toBe('invalid');
      expect(
        s1.changes.findings.some((x) => mention.test(x.description)),
        brief(r),
      ).toBe(true);
      expect(r.valid).toBe(false);
      expect(r.signatures[1]!.status).toBe('valid');
    });
  }

  it('certified-with-indirect-refs-in-dir.pdf: certification, trusted, whole file, no changes', async () => {
    const r = await verify(path.join(PY, 'certified-with-indirect-refs-in-dir.pdf'));
    expect(r.valid, brief(r)).toBe(true);
    expect(r.certification?.p).toBeDefined();
    expect(r.signatures[0]!.integrity.coverage).toBe('whole-file');
    expect(r.signatures[0]!.changes.level).toBe('NONE');
  });

  it('pades-lta-dss-indirect-arrs-test(-2).pdf: signatures and document time-stamp valid; DSS updates allowed', async () => {
    const r = await verify(path.join(PY, 'pades-lta-dss-indirect-arrs-test.pdf'));
    expect(r.valid, brief(r)).toBe(true);
    expect(r.signatures.map((s) => s.kind)).toEqual(['signature', 'doc-timestamp']);
    expect(r.signatures[0]!.changes.level).toBe('LTA_UPDATES');
    expect(r.signatures[0]!.signingTime?.source).toBe('signature-timestamp');
    const r2 = await verify(path.join(PY, 'pades-lta-dss-indirect-arrs-test-2.pdf'));
    expect(r2.valid, brief(r2)).toBe(true);
    expect(r2.signatures.length).toBe(3);
  });

  it('old-style ESS signing-certificate (v1) PAdES files: trusted, B-B', async () => {
    for (const f of [
      'pades-with-old-style-signing-cert-attr.pdf',
      'pades-with-old-style-signing-cert-attr-issser.pdf',
    ]) {
      const r = await verify(path.join(PY, f));
      expect(r.valid, brief(r)).toBe(true);
      expect(r.signatures[0]!.level).toBe('B-B');
    }
  });

  it('sig-no-signed-attrs.pdf and sig-with-ski-sid.pdf: intact and valid', async () => {
    for (const f of ['sig-no-signed-attrs.pdf', 'sig-with-ski-sid.pdf']) {
      const r = await verify(path.join(PY, f));
      expect(r.signatures[0]!.integrity.status, brief(r)).toBe('passed');
    }
  });

  it('ed448-shake256-nolen.pdf: Ed448 + id-shake256 intact and signature valid; trusted inside the signer validity', async () => {
    const f = path.join(PY, 'ed448-shake256-nolen.pdf');
    const r = await verify(f);
    const s = r.signatures[0]!;
    expect(r.signatures.length).toBe(1);
    expect(s.integrity.status, brief(r)).toBe('passed');
    expect(r.valid, brief(r)).toBe(true);
    expect(s.status).toBe('valid');
    // Upstream accepts it untrusted: without anchors integrity still passes, trust does not.
    const u = await verifyPdf(load(f), { time: T2020, revocation: 'off' });
    expect(u.signatures[0]!.integrity.status, brief(u)).toBe('passed');
    expect(u.valid).toBe(false);
  });

  it('coverage anomalies, encapsulated content and Ed448 with SHA-512 are never valid', async () => {
    for (const f of [
      'coverage-anomalies/one-byterange.pdf',
      'coverage-anomalies/signature-gap-too-big.pdf',
      'coverage-anomalies/weird-byterange.pdf',
      'coverage-anomalies/tail-uncovered.pdf',
      'coverage-anomalies/base.pdf',
      'pdf-sig-with-econtent.pdf',
      'ed448-disallowed-hash.pdf',
    ]) {
      const r = await verify(path.join(PY, f));
      expect(r.valid, f).toBe(false);
      expect(r.signatures[0]!.status, f).toBe('invalid');
      expect(r.signatures[0]!.reasons[0], f).toBe('INTEGRITY');
    }
  });
});

describe('@signpdf vectors', () => {
  it('single signatures by the self-signed signpdf certificate: valid (adbe.pkcs7.detached, not PAdES)', async () => {
    for (const f of [
      'signed.pdf',
      'signed-once.pdf',
      'incrementally_signed.pdf',
      'issue-209-reason-includes-trailer-word.pdf',
    ]) {
      const r = await verifyPdf(load(path.join(SP, f)), {
        trustStore: trust,
        time: new Date('2024-03-01T00:00:00Z'),
        revocation: 'off',
      });
      expect(r.valid, `${f} ${brief(r)}`).toBe(true);
      expect(r.signatures[0]!.level).toBe('none');
      expect(r.signatures[0]!.conformance.map((c) => c.code)).toContain('NOT_PADES');
    }
  });

  it('signed-twice.pdf: the second signer certificate expired before it signed: not valid; the change after the first is allowed', async () => {
    const r = await verifyPdf(load(path.join(SP, 'signed-twice.pdf')), {
      trustStore: trust,
      time: new Date('2019-11-01T00:00:00Z'),
      revocation: 'off',
    });
    expect(r.signatures[0]!.status).toBe('valid');
    expect(r.signatures[0]!.changes.level).toBe('FORM_FILLING');
    expect(r.signatures[1]!.certificate.reason).toBe('CERT_EXPIRED');
    expect(r.valid).toBe(false);
  });

  it('with-placeholder.pdf (unfilled): invalid', async () => {
    const r = await verifyPdf(load(path.join(SP, 'with-placeholder.pdf')), { trustStore: trust });
    expect(r.valid).toBe(false);
    expect(r.signatures[0]!.status).toBe('invalid');
  });
});
