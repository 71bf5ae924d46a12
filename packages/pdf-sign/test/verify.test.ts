/**
 * The full verifier (verifyPdf): trust, time-stamps, DSS revocation data, PAdES level and the
 * modification analysis, over documents signed with the project's own signing API and an offline
 * test PKI (helpers/pki.ts). Valid cases are compared with poppler's pdfsig.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type RevocationChecker, TrustStore, fixedClock } from '@kyso/pki-core';
import { loadVietnamRoots } from '../../pki-core/src/path/trust-store.node.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import {
  IncrementalWriter,
  PdfDict,
  PdfName,
  PdfReader,
  PdfRef,
  PdfStream,
  dict,
  findSignatures,
  signPdf,
} from '../src/index.js';
import {
  type PdfValidationReport,
  pdfSignatureVerdict,
  pdfVerdict,
  renderReport,
  verifyPdf,
} from '../src/verify/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { pdfsig } from './helpers/interop.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

const YEAR = 365 * 86_400_000;
const enc = (s: string) => new TextEncoder().encode(s);

/** Appends an incremental update made by `edit` (writer helpers) to `pdf`. */
function update(pdf: Uint8Array, edit: (w: IncrementalWriter, r: PdfReader) => void): Uint8Array {
  const r = PdfReader.open(pdf);
  const w = new IncrementalWriter(r);
  edit(w, r);
  const out = w.write();
  const full = new Uint8Array(out.length);
  full.set(pdf, 0);
  full.set(out.appended, pdf.length);
  return full;
}

const summary = (r: PdfValidationReport) =>
  JSON.stringify(
    r.signatures.map((s) => ({
      f: s.field,
      st: s.status,
      why: s.reasons,
      cert: [s.certificate.reason, s.certificate.detail],
      ts: s.timestamp && [s.timestamp.status, s.timestamp.reason, s.timestamp.detail],
      ch: s.changes.findings.map((f) => `${f.code}:${f.allowed}:${f.description}`),
    })),
    null,
    1,
  );

describe('verifyPdf: two signatures (official certifies P=2 at B-LT, agency approves at B-LTA)', () => {
  let pki: PdfTestPki;
  let trust: TrustStore;
  let base: Uint8Array;
  let signed: Uint8Array;
  let first: Uint8Array;
  beforeAll(async () => {
    pki = await makePdfTestPki();
    trust = new TrustStore([pki.root]);
    base = await makeSamplePdf({ pages: 2 });
    first = (
      await signPdf(base, {
        signer: pki.official,
        certify: 2,
        level: 'B-LT',
        timeStamper: pki.timeStamper,
        revocation: pki.revocation,
        reason: 'Ký ban hành',
        location: 'Hà Nội',
      })
    ).pdf;
    signed = (
      await signPdf(first, {
        signer: pki.seal,
        level: 'B-LTA',
        timeStamper: pki.timeStamper,
        revocation: pki.revocation,
        reason: 'Đóng dấu',
      })
    ).pdf;
  });

  it('reports both signatures and the document time-stamp valid, the change between them allowed', async () => {
    const r = await verifyPdf(signed, { trustStore: trust });
    expect(r.valid, summary(r)).toBe(true);
    expect(r.signatures.map((s) => s.kind)).toEqual(['signature', 'signature', 'doc-timestamp']);
    const [s1, s2, dts] = r.signatures as [
      (typeof r.signatures)[0],
      (typeof r.signatures)[0],
      (typeof r.signatures)[0],
    ];
    expect(r.certification).toEqual({ field: s1.field, p: 2 });
    expect(s1.signer?.commonName).toBe('Nguyễn Văn An');
    expect(s2.signer?.commonName).toBe('Ủy ban nhân dân Phường Bến Nghé');
    expect(s1.signingTime?.source).toBe('signature-timestamp');
    expect(s1.certificate.timeSource).toBe('signature-timestamp');
    expect(s1.certificate.revocation.every((l) => l.status === 'good' && l.origin === 'embedded')).toBe(true);
    expect(s1.revocationSource).toBe('embedded');
    expect(s1.integrity.coverage).toBe('revision');
    expect(dts.integrity.coverage).toBe('whole-file');
    expect(s1.level).toBe('B-LTA');
    expect(s2.level).toBe('B-LTA');
    // Between the two signatures: DSS (LTA_UPDATES), the agency's signature field (FORM_FILLING).
    expect(s1.changes.level).toBe('FORM_FILLING');
    expect(s1.changes.allowed).toBe(true);
    const codes = new Set(s1.changes.findings.map((f) => f.code));
    expect(codes).toEqual(new Set(['DSS_UPDATED', 'SIGNATURE_ADDED', 'DOC_TIMESTAMP_ADDED']));
    expect(s2.changes.level).toBe('LTA_UPDATES');
    expect(dts.changes.findings).toEqual([]);
    // The readable reports.
    const vi = renderReport(r, 'vi');
    expect(vi).toMatch(/Kết luận: HỢP LỆ/);
    expect(vi).toMatch(/Người ký: Nguyễn Văn An/);
    expect(vi).toMatch(
      /Thời điểm ký: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00 \(theo dấu thời gian của chữ ký\)/,
    );
    expect(vi).toMatch(/Toàn vẹn: Nội dung được ký không bị thay đổi/);
    const en = renderReport(r, 'en');
    expect(en).toMatch(/Result: VALID/);
    expect(en).toMatch(/PAdES level: B-LTA, DocMDP P=2/);
  });

  it('the intermediate B-LT document: level B-LT, no document time-stamp', async () => {
    const r = await verifyPdf(first, { trustStore: trust });
    expect(r.valid, summary(r)).toBe(true);
    expect(r.signatures.length).toBe(1);
    expect(r.signatures[0]!.level).toBe('B-LT');
    expect(r.signatures[0]!.changes.level).toBe('LTA_UPDATES');
  });

  it('still valid offline from the DSS alone years after the signer certificate expired', async () => {
    const later = new Date(pki.officialCert.notAfter.getTime() + 2 * YEAR);
    const r = await verifyPdf(signed, { trustStore: trust, time: later, revocation: 'dss-only' });
    expect(r.valid, summary(r)).toBe(true);
    for (const s of r.signatures) {
      expect(new Date(s.certificate.validatedAt).getTime()).toBeLessThan(pki.officialCert.notAfter.getTime());
      expect(s.revocationSource === 'embedded' || s.kind === 'doc-timestamp').toBe(true);
    }
  });

  it('without the time-stamp proof, an expired signer is not valid (B-B, years later)', async () => {
    const bb = (await signPdf(base, { signer: pki.official })).pdf;
    const later = new Date(pki.officialCert.notAfter.getTime() + YEAR);
    const r = await verifyPdf(bb, { trustStore: trust, time: later });
    expect(r.valid).toBe(false);
    expect(r.signatures[0]!.certificate.reason).toBe('CERT_EXPIRED');
    expect(r.signatures[0]!.status).toBe('indeterminate');
    // And now, with no revocation data in the document: indeterminate, said so; soft-fail passes.
    const now = await verifyPdf(bb, { trustStore: trust });
    expect(now.signatures[0]!.certificate.reason).toBe('REVOCATION_UNKNOWN');
    expect(now.valid).toBe(false);
    const soft = await verifyPdf(bb, { trustStore: trust, revocation: 'soft-fail' });
    expect(soft.valid).toBe(true);
    expect(soft.signatures[0]!.level).toBe('B-B');
    expect(soft.signatures[0]!.revocationSource).toBe('none');
  });

  it('an injected RevocationChecker settles what the document does not; an injected Clock sets "now"', async () => {
    const bb = (await signPdf(base, { signer: pki.official })).pdf;
    const asked: string[] = [];
    const revoked: RevocationChecker = {
      async check(cert, _issuer, ctx) {
        asked.push(`${cert.subject.toString()}@${ctx.time.toISOString()}`);
        return { status: 'revoked', source: 'ocsp', revocationTime: new Date(0), detail: 'test double' };
      },
    };
    const at = new Date(pki.officialCert.notBefore.getTime() + 86_400_000);
    const r = await verifyPdf(bb, { trustStore: trust, revocationChecker: revoked, clock: fixedClock(at) });
    expect(r.valid).toBe(false);
    expect(r.signatures[0]!.certificate.reason).toBe('REVOKED');
    // The report carries the verdicts `kyso pdf verify --json` prints (the one mapping).
    expect(r.verdict).toMatchObject({ indication: 'TOTAL-FAILED', subIndication: 'REVOKED' });
    expect(r.signatures[0]!.verdict.reasons).toContain('CERTIFICATE_REVOKED');
    expect(r.verdict).toEqual(pdfVerdict(r));
    expect(r.signatures[0]!.verdict).toEqual(pdfSignatureVerdict(r.signatures[0]!));
    // The checker was asked at the clock's time, and only for what the document left unknown.
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((a) => a.endsWith(`@${at.toISOString()}`))).toBe(true);
    const good: RevocationChecker = { check: async () => ({ status: 'good', source: 'ocsp' }) };
    const ok = await verifyPdf(bb, { trustStore: trust, revocationChecker: good, clock: fixedClock(at) });
    expect(ok.valid).toBe(true);
    expect(ok.signatures[0]!.revocationSource).toBe('fetched');
    expect(ok.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    expect(ok.signatures[0]!.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
  });

  it('an unknown root: indeterminate, never valid', async () => {
    const r = await verifyPdf(signed, { trustStore: loadVietnamRoots() });
    expect(r.valid).toBe(false);
    expect(r.status).toBe('indeterminate');
    expect(r.signatures[0]!.certificate.reason).toBe('UNKNOWN_ISSUER');
    // A different root with the same name: the signature on the issuing CA does not verify.
    const other = await makePdfTestPki({ leafSpec: { type: 'EC', curve: 'P-256' } });
    const o = await verifyPdf(signed, { trustStore: new TrustStore([other.root]) });
    expect(o.valid).toBe(false);
    expect(o.signatures[0]!.certificate.reason).toBe('SIGNATURE_INVALID');
    const none = await verifyPdf(signed);
    expect(none.status).toBe('indeterminate');
    expect(none.signatures[0]!.certificate.reason).toBe('NO_TRUST_ANCHORS');
  });

  describe('tampering is reported invalid', () => {
    it('a changed byte in the signed content', async () => {
      const t = signed.slice();
      const at = Buffer.from(t).indexOf('/BaseFont /Helvetica') + 11;
      expect(at).toBeGreaterThan(11);
      t[at] = 'h'.charCodeAt(0);
      const r = await verifyPdf(t, { trustStore: trust });
      expect(r.valid).toBe(false);
      for (const s of r.signatures) {
        expect(s.status).toBe('invalid');
        expect(s.integrity.intact).toBe(false);
        expect(s.reasons[0]).toBe('INTEGRITY');
      }
    });

    it('an appended update rewriting the page content (new stream, and the same object overwritten)', async () => {
      const newStream = update(signed, (w, r) => {
        const page = r.pages()[0]!;
        const pd = w.editDict(page);
        pd.set('Contents', w.add(new PdfStream(new PdfDict(), enc('BT /F1 24 Tf 72 700 Td (PAID) Tj ET'))));
      });
      const r1 = await verifyPdf(newStream, { trustStore: trust });
      expect(r1.valid).toBe(false);
      for (const s of r1.signatures) {
        expect(s.status, summary(r1)).toBe('invalid');
        expect(s.changes.allowed).toBe(false);
        expect(s.changes.level).toBe('OTHER');
        expect(
          s.changes.findings.some(
            (f) => f.code === 'CONTENT_CHANGED' && /page 1: \/Contents/.test(f.description),
          ),
        ).toBe(true);
        expect(s.integrity.status).toBe('passed');
      }
      const overwritten = update(signed, (w, r) => {
        const cv = r.dict(r.pages()[0]!)!.get('Contents');
        const c = (Array.isArray(cv) ? cv[0] : cv) as PdfRef;
        expect(c).toBeInstanceOf(PdfRef);
        w.set(c, new PdfStream(new PdfDict(), enc('BT /F1 24 Tf 72 700 Td (VOID) Tj ET')));
      });
      const r2 = await verifyPdf(overwritten, { trustStore: trust });
      expect(r2.valid).toBe(false);
      expect(
        r2.signatures[0]!.changes.findings.some(
          (f) => f.code === 'CONTENT_CHANGED' && /content of page 1/.test(f.description),
        ),
        summary(r2),
      ).toBe(true);
    });

    it('a shifted ByteRange', async () => {
      const t = signed.slice();
      const s = findSignatures(PdfReader.open(t))[1]!; // the agency signature
      const br = s.byteRange!;
      const text = Buffer.from(t).toString('latin1');
      const m = /\/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
      let found: RegExpExecArray | null = null;
      for (let x = m.exec(text); x; x = m.exec(text)) if (Number(x[1]) === br[1]) found = x;
      expect(found).not.toBeNull();
      const oldText = found![0];
      const shifted = oldText
        .replace(String(br[1]), String(br[1]! + 1).padStart(String(br[1]).length, '0'))
        .replace(String(br[2]), String(br[2]! + 1).padStart(String(br[2]).length, '0'));
      expect(shifted.length).toBe(oldText.length);
      t.set(enc(shifted), found!.index);
      const r = await verifyPdf(t, { trustStore: trust });
      expect(r.valid).toBe(false);
      const agency = r.signatures[1]!;
      expect(agency.status).toBe('invalid');
      expect(agency.integrity.checks.some((c) => c.reason === 'BYTE_RANGE_NOT_AT_CONTENTS')).toBe(true);
    });

    it('a shadow-style overlay (annotation with a covering appearance) after a P=2 certification', async () => {
      const overlay = (pdf: Uint8Array, subtype: string) =>
        update(pdf, (w, r) => {
          const page = r.pages()[0]!;
          const ap = w.add(
            new PdfStream(
              dict({ Type: PdfName.of('XObject'), Subtype: PdfName.of('Form'), BBox: [0, 0, 600, 850] }),
              enc('1 1 1 rg 0 0 600 850 re f 0 0 0 rg BT /Helv 30 Tf 72 700 Td (Khong co gia tri) Tj ET'),
            ),
          );
          const annot = w.add(
            dict({
              Type: PdfName.of('Annot'),
              Subtype: PdfName.of(subtype),
              Rect: [0, 0, 600, 850],
              F: 4,
              AP: dict({ N: ap }),
              P: page,
            }),
          );
          const pd = w.editDict(page);
          const annots = r.array(pd.get('Annots')) ?? [];
          pd.set('Annots', [...annots, annot]);
        });
      const shadow = overlay(first, 'Square');
      const r = await verifyPdf(shadow, { trustStore: trust });
      expect(r.valid).toBe(false);
      const s1 = r.signatures[0]!;
      expect(s1.status).toBe('invalid');
      expect(s1.changes.findings.find((f) => f.code === 'ANNOTATION_ADDED')).toMatchObject({
        level: 'ANNOTATIONS',
        allowed: false,
      });
      expect(renderReport(r, 'vi')).toMatch(/KHÔNG được phép/);
      // A widget that belongs to no field is worse: OTHER.
      const widget = await verifyPdf(overlay(first, 'Widget'), { trustStore: trust });
      expect(widget.signatures[0]!.changes.findings.some((f) => f.code === 'WIDGET_WITHOUT_FIELD')).toBe(
        true,
      );
      const p3 = (
        await signPdf(base, {
          signer: pki.official,
          certify: 3,
          level: 'B-LT',
          timeStamper: pki.timeStamper,
          revocation: pki.revocation,
        })
      ).pdf;
      // The same annotation after a P=3 certification is an allowed change, but it covers the
      // signed page: INDETERMINATE, never VALID (issue 12; this test asserted VALID before).
      const ok = await verifyPdf(overlay(p3, 'Square'), { trustStore: trust });
      expect(ok.status, summary(ok)).toBe('indeterminate');
      expect(ok.signatures[0]!.changes.allowed).toBe(true);
      expect(ok.signatures[0]!.changes.level).toBe('ANNOTATIONS');
      expect(ok.signatures[0]!.reasons).toEqual(['OVERLAYS_SIGNED_CONTENT']);
      // P=1: even a second signature is not allowed; the DSS is.
      const p1 = (
        await signPdf(base, {
          signer: pki.official,
          certify: 1,
          level: 'B-LT',
          timeStamper: pki.timeStamper,
          revocation: pki.revocation,
        })
      ).pdf;
      expect((await verifyPdf(p1, { trustStore: trust })).valid).toBe(true);
      // (pdf-sign refuses to sign a P=1 document, so the second signature is added through a fresh
      // approval of a copy whose DocMDP was certified P=2 first: compare levels instead.)
      const p1r = await verifyPdf(p1, { trustStore: trust });
      expect(p1r.signatures[0]!.changes.allowedLevel).toBe('LTA_UPDATES');
    });

    it('overwriting the earlier signature dictionary (e.g. a new /Reason) is not allowed', async () => {
      const t = update(signed, (w, r) => {
        const s = findSignatures(r)[0]!;
        const d = w.editDict(new PdfRef(s.objectNumber!, 0));
        d.set('Reason', PdfName.of('Forged'));
      });
      const r = await verifyPdf(t, { trustStore: trust });
      expect(r.valid).toBe(false);
    });
  });

  it.skipIf(!requireTool('pdfsig'))('pdfsig agrees on the valid document', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'two.pdf');
    fs.writeFileSync(file, signed);
    const ps = pdfsig(file);
    const mine = await verifyPdf(signed, { trustStore: trust });
    const cms = ps.signatures.filter((s) => s.type === 'ETSI.CAdES.detached');
    expect(cms.length).toBe(2);
    for (const s of cms) expect(s.validation, s.raw).toBe('Signature is Valid.');
    expect(
      mine.signatures.filter((s) => s.kind === 'signature' && s.integrity.status === 'passed').length,
    ).toBe(2);
    // Tampered: pdfsig and kyso both refuse.
    const t = signed.slice();
    t[Buffer.from(t).indexOf('/BaseFont /Helvetica') + 11] = 'h'.charCodeAt(0);
    fs.writeFileSync(file, t);
    const bad = pdfsig(file).signatures.filter((s) => s.type === 'ETSI.CAdES.detached');
    for (const s of bad) expect(s.validation).not.toBe('Signature is Valid.');
  });
});
