/**
 * pdf-sign over ../shared/test-vectors/pyhanko-pdf and ../shared/test-vectors/signpdf: signed files
 * verify (integrity) as their SOURCE.md expects; unsigned, hybrid and xref-stream files can be
 * signed, and the result is accepted by our verifier, pdfsig and qpdf.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, tmpDir } from '../packages/pki-core/test/helpers/tools.js';
import { signPdf, verifyPdfIntegrity } from '../packages/pdf-sign/src/index.js';
import { pdfsig, qpdfCheck } from '../packages/pdf-sign/test/helpers/interop.js';
import { type PdfTestPki, makePdfTestPki } from '../packages/pdf-sign/test/helpers/pki.js';
import { vectorsDir } from './location.js';

const SHARED = vectorsDir;
const PY = path.join(SHARED, 'pyhanko-pdf/pdf');
const SP = path.join(SHARED, 'signpdf/pdf');
const load = (p: string) => new Uint8Array(fs.readFileSync(p));

/** Signed files whose every signature is intact and valid (integrity) per SOURCE.md. */
const VALID_SIGNED: [string, number][] = [
  ['certified-with-indirect-refs-in-dir.pdf', 1],
  ['extensions-direct.pdf', 2],
  ['extensions-indirect.pdf', 2],
  ['extensions-update-direct.pdf', 2],
  ['extensions-update-indirect.pdf', 2],
  ['extensions-indirect-not-all-paths.pdf', 2],
  ['form-update-ap-indirect-sneaky-trailer.pdf', 2],
  ['form-update-no-override-appearance-stream-ap-indirect.pdf', 2],
  ['form-update-override-appearance-stream.pdf', 2],
  ['minimal-signed-twice-both-created.pdf', 2],
  ['minimal-signed-twice-no-sig-type.pdf', 2],
  ['minimal-signed-twice-second-created.pdf', 2],
  ['minimal-two-fields-signed-twice.pdf', 2],
  ['pades-lta-dss-indirect-arrs-test.pdf', 2],
  ['pades-lta-dss-indirect-arrs-test-2.pdf', 3],
  ['pades-with-old-style-signing-cert-attr.pdf', 1],
  ['pades-with-old-style-signing-cert-attr-issser.pdf', 1],
  ['separate-annots-kids-indir.pdf', 2],
  ['sig-no-signed-attrs.pdf', 1],
  ['sig-with-ski-sid.pdf', 1],
];
const SIGNPDF_SIGNED: [string, number][] = [
  ['signed.pdf', 1],
  ['signed-once.pdf', 1],
  ['signed-twice.pdf', 2],
  ['incrementally_signed.pdf', 1],
  ['issue-209-reason-includes-trailer-word.pdf', 1],
];

describe('signed vectors verify as SOURCE.md expects', () => {
  for (const [f, n] of [
    ...VALID_SIGNED.map(([f, n]) => [path.join(PY, f), n] as const),
    ...SIGNPDF_SIGNED.map(([f, n]) => [path.join(SP, f), n] as const),
  ]) {
    it(path.basename(f), async () => {
      const rep = await verifyPdfIntegrity(load(f));
      expect(rep.signatures.length).toBe(n);
      for (const s of rep.signatures)
        expect(s.intact && s.valid && s.coverageOk, JSON.stringify(s.checks)).toBe(true);
      expect(rep.ok).toBe(true);
    });
  }

  it('pades-lta-dss-indirect-arrs-test.pdf: signature then document time-stamp', async () => {
    const rep = await verifyPdfIntegrity(load(path.join(PY, 'pades-lta-dss-indirect-arrs-test.pdf')));
    expect(rep.signatures.map((s) => s.signature.kind)).toEqual(['signature', 'doc-timestamp']);
    // The time-stamp covers revision 3; a later DSS update (revision 4) follows it.
    expect(rep.signatures[1]!.revision).toBe(3);
    expect(rep.signatures[1]!.coversWholeFile).toBe(false);
  });

  it('coverage anomalies are never reported OK', async () => {
    const expectReason: Record<string, string> = {
      'one-byterange.pdf': 'BYTE_RANGE_MALFORMED',
      'signature-gap-too-big.pdf': 'BYTE_RANGE_NOT_AT_CONTENTS',
      'weird-byterange.pdf': 'BYTE_RANGE_NOT_AT_CONTENTS',
      'tail-uncovered.pdf': 'COVERAGE_PARTIAL',
    };
    for (const [f, reason] of Object.entries(expectReason)) {
      const rep = await verifyPdfIntegrity(load(path.join(PY, 'coverage-anomalies', f)));
      expect(rep.ok, f).toBe(false);
      expect(
        rep.signatures[0]!.checks.some((c) => c.reason === reason),
        `${f}: ${JSON.stringify(rep.signatures[0]!.checks)}`,
      ).toBe(true);
    }
    expect((await verifyPdfIntegrity(load(path.join(PY, 'coverage-anomalies', 'base.pdf')))).ok).toBe(false);
  });

  it('ed448-shake256-nolen.pdf: Ed448 with id-shake256 (64-byte digest, RFC 8419) is intact and valid', async () => {
    const rep = await verifyPdfIntegrity(load(path.join(PY, 'ed448-shake256-nolen.pdf')));
    expect(rep.signatures.length).toBe(1);
    const s = rep.signatures[0]!;
    expect(s.intact && s.valid && s.coverageOk, JSON.stringify(s.checks)).toBe(true);
    expect(s.digestAlgorithm).toBe('SHAKE256');
    expect(s.cms?.signers[0]?.signatureAlgorithm).toBe('Ed448');
    expect(rep.ok).toBe(true);
  });

  it('ed448-disallowed-hash.pdf: Ed448 with SHA-512 fails the signature check (RFC 8419 pairing)', async () => {
    const s = (await verifyPdfIntegrity(load(path.join(PY, 'ed448-disallowed-hash.pdf')))).signatures[0]!;
    expect(s.intact).toBe(true); // the SHA-512 messageDigest matches; the pairing is what is refused
    expect(s.valid).toBe(false);
    const sig = s.cms?.signers[0]?.checks.find((c) => c.check === 'signature');
    expect(sig?.status).toBe('failed');
    expect(sig?.detail).toMatch(/Ed448 requires the SHAKE256 digest/);
  });

  it('invalid by design: encapsulated content, Ed448 with SHA-512, an unfilled placeholder', async () => {
    const econ = await verifyPdfIntegrity(load(path.join(PY, 'pdf-sig-with-econtent.pdf')));
    expect(econ.ok).toBe(false);
    expect(econ.signatures[0]!.checks.some((c) => /encapsulated/.test(c.detail ?? ''))).toBe(true);
    expect((await verifyPdfIntegrity(load(path.join(PY, 'ed448-disallowed-hash.pdf')))).ok).toBe(false);
    expect((await verifyPdfIntegrity(load(path.join(SP, 'with-placeholder.pdf')))).ok).toBe(false);
  });
});

const tools = ['pdfsig', 'qpdf'].every((t) => requireTool(t));

describe.skipIf(!tools)('unsigned, hybrid, xref-stream and already-signed vectors can be signed', () => {
  let pki: PdfTestPki;
  let dir: string;
  beforeAll(async () => {
    pki = await makePdfTestPki({ leafSpec: { type: 'EC', curve: 'P-256' } });
    dir = tmpDir();
  });
  const inputs = [
    ...[
      'minimal.pdf',
      'minimal-xref.pdf',
      'minimal-hybrid-xref.pdf',
      'minimal-hybrid-xref-mswordstyle.pdf',
      'minimal-hybrid-xref-weirdgen.pdf',
      'minimal-with-field.pdf',
      'minimal-with-field-tagged.pdf',
      'minimal-two-fields.pdf',
      'minimal-two-fields-tagged.pdf',
      'minimal-one-field-indir-annots.pdf',
      'minimal-two-pages.pdf',
      'empty-a4.pdf',
      'fontembed.pdf',
      'minimal-pdf-ua-and-a.pdf',
      'info-bin-producer-string.pdf',
      'uncompressed-objstream-sample.pdf',
      'minimal-signed-twice-both-created.pdf',
      'pades-lta-dss-indirect-arrs-test.pdf',
    ].map((f) => path.join(PY, f)),
    ...[
      'w3dummy.pdf',
      'w3dummy-different-trailer.pdf',
      'contributing.pdf',
      'formexample.pdf',
      'including-a-link.pdf',
      'issue-158-test.pdf',
      'no-annotations.pdf',
      'no-metadata.pdf',
      'signed-once.pdf',
    ].map((f) => path.join(SP, f)),
  ];
  for (const f of inputs) {
    it(`${path.basename(path.dirname(path.dirname(f)))}/${path.basename(f)}`, async () => {
      const input = load(f);
      const before = (await verifyPdfIntegrity(input)).signatures.length;
      const { pdf } = await signPdf(input, { signer: pki.official, reason: 'kyso test' });
      expect(Buffer.from(pdf.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
      const rep = await verifyPdfIntegrity(pdf);
      expect(rep.signatures.length).toBe(before + 1);
      const mine = rep.signatures[rep.signatures.length - 1]!;
      expect(mine.intact && mine.valid && mine.coversWholeFile, JSON.stringify(mine.checks)).toBe(true);
      for (const s of rep.signatures.slice(0, -1))
        expect(s.intact && s.valid, JSON.stringify(s.checks)).toBe(true);
      const out = path.join(dir, `${path.basename(f)}`);
      fs.writeFileSync(out, pdf);
      const ps = pdfsig(out);
      const last = ps.signatures[ps.signatures.length - 1];
      expect(last?.validation, ps.stdout + ps.stderr).toBe('Signature is Valid.');
      expect(qpdfCheck(out).status, qpdfCheck(out).output).not.toBe(2);
    });
  }
});
