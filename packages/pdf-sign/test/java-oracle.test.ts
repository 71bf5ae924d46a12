/**
 * The independent Java oracle (issue 13), both ways:
 *  (a) PDFBox 2 + BouncyCastle sign PDFs as PDFBox's external-signing example does (BER CMS from
 *      CMSSignedData.getEncoded() in a zero-padded /Contents): adbe.pkcs7.detached and
 *      ETSI.CAdES.detached, RSA and ECDSA, invisible and visible, then an incremental annotation;
 *      kyso must call them VALID (the annotation: ANNOTATIONS under an approval signature).
 *  (b) see the "kyso → Java" block below.
 * Sources: test/java/*.java, compiled with javac (helpers/java.ts); Debian packages only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TrustStore } from '@kyso/pki-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { PdfReader, findSignatures, signPdf } from '../src/index.js';
import { verifyPdf } from '../src/verify/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { pdfsig } from './helpers/interop.js';
import { java, requireJava } from './helpers/java.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

const hasJava = requireJava();

describe.skipIf(!hasJava)('Java oracle (a): PDFBox + BouncyCastle sign, kyso verifies', () => {
  let dir: string;
  let base: string;
  const pkis: Record<'RSA' | 'ECDSA', { pki: PdfTestPki; key: string; chain: string; trust: TrustStore }> =
    {} as never;

  beforeAll(async () => {
    dir = tmpDir();
    base = path.join(dir, 'base.pdf');
    fs.writeFileSync(base, await makeSamplePdf({ pages: 2 }));
    for (const [name, spec] of [
      ['RSA', { type: 'RSA', modulusLength: 2048 }],
      ['ECDSA', { type: 'EC', curve: 'P-256' }],
    ] as const) {
      const pki = await makePdfTestPki({ leafSpec: spec });
      const sub = path.join(dir, name);
      fs.mkdirSync(sub);
      const f = await pki.writeFiles(sub);
      const chain = path.join(sub, 'fullchain.pem');
      fs.writeFileSync(chain, fs.readFileSync(f.cert, 'utf8') + fs.readFileSync(f.chain, 'utf8'));
      const trust = new TrustStore();
      trust.add(pki.root);
      pkis[name] = { pki, key: f.key, chain, trust };
    }
  }, 300_000);

  const cases = [] as ['adbe' | 'cades', 'RSA' | 'ECDSA', 'visible' | 'invisible'][];
  for (const kind of ['adbe', 'cades'] as const)
    for (const alg of ['RSA', 'ECDSA'] as const)
      for (const vis of ['invisible', 'visible'] as const) cases.push([kind, alg, vis]);

  for (const [kind, alg, vis] of cases) {
    it(`${kind === 'adbe' ? 'adbe.pkcs7.detached' : 'ETSI.CAdES.detached'}, ${alg}, ${vis}: VALID; a later annotation is rated ANNOTATIONS`, async () => {
      const p = pkis[alg];
      const out = path.join(dir, `pdfbox-${kind}-${alg}-${vis}.pdf`);
      java('PdfBoxSign', ['sign', base, out, p.key, p.chain, kind, vis]);
      const bytes = new Uint8Array(fs.readFileSync(out));
      const [sig] = findSignatures(PdfReader.open(bytes));
      expect(sig!.subFilter).toBe(kind === 'adbe' ? 'adbe.pkcs7.detached' : 'ETSI.CAdES.detached');
      // PDFBox writes BouncyCastle's BER: indefinite lengths, then zero padding.
      expect([...sig!.contents.subarray(0, 2)]).toEqual([0x30, 0x80]);
      expect(sig!.trailingDataAt).toBeUndefined();
      const rep = await verifyPdf(bytes, { trustStore: p.trust, revocation: 'off' });
      const s = rep.signatures[0]!;
      expect(s.integrity.checks.filter((c) => c.status !== 'passed')).toEqual([]);
      expect(s.certificate.status, JSON.stringify(s.certificate)).toBe('valid');
      expect(s.status, JSON.stringify(s.reasons)).toBe('valid');
      expect(rep.status).toBe('valid');
      if (vis === 'visible') {
        // The widget has a real rectangle on the page.
        const r = PdfReader.open(bytes);
        const page = r.dict(r.array(r.dict(r.catalog().get('Pages'))!.get('Kids'))![0]);
        expect(r.array(page!.get('Annots'))?.length).toBeGreaterThan(0);
      }
      if (requireTool('pdfsig')) expect(pdfsig(out).signatures[0]!.validation).toBe('Signature is Valid.');

      // PDFBox adds a text annotation in an incremental update.
      const annotated = path.join(dir, `pdfbox-${kind}-${alg}-${vis}-annot.pdf`);
      java('PdfBoxSign', ['annotate', out, annotated]);
      const a = await verifyPdf(new Uint8Array(fs.readFileSync(annotated)), {
        trustStore: p.trust,
        revocation: 'off',
      });
      expect(a.revisions).toBe(rep.revisions + 1);
      const as = a.signatures[0]!;
      expect(as.coversWholeFile).toBe(false);
      expect(as.changes.level).toBe('ANNOTATIONS');
      expect(as.changes.findings.map((f) => f.code)).toEqual(['ANNOTATION_ADDED']);
      // kyso's documented rule: without a certification signature the document is held to P=2
      // (an annotation may overlay signed content, the shadow attack), so the change is reported
      // as not allowed; the signature itself still verifies. Under P=3 the same update is VALID
      // (next test).
      expect(as.changes.allowedLevel).toBe('FORM_FILLING');
      expect(as.integrity.status).toBe('passed');
      expect(as.certificate.status).toBe('valid');
    });
  }

  it('kyso certifies with P=3, PDFBox adds an annotation: VALID with ANNOTATIONS allowed', async () => {
    const p = pkis.RSA;
    const signed = await signPdf(new Uint8Array(fs.readFileSync(base)), {
      signer: p.pki.official,
      certify: 3,
      level: 'B-B',
    });
    const f = path.join(dir, 'kyso-p3.pdf');
    fs.writeFileSync(f, signed.pdf);
    const annotated = path.join(dir, 'kyso-p3-annot.pdf');
    java('PdfBoxSign', ['annotate', f, annotated]);
    const a = await verifyPdf(new Uint8Array(fs.readFileSync(annotated)), {
      trustStore: p.trust,
      revocation: 'off',
    });
    const s = a.signatures[0]!;
    expect(s.changes.level).toBe('ANNOTATIONS');
    expect(s.changes.allowedLevel).toBe('ANNOTATIONS');
    expect(s.changes.allowed).toBe(true);
    expect(s.status, JSON.stringify(s.reasons)).toBe('valid');
    expect(a.status).toBe('valid');
  });
});
