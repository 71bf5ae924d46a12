/**
 * Document time-stamps and invisible signatures without /AP (issue 13): a zero-size widget needs
 * no appearance (ISO 32000-2 §12.5.5, ISO 19005-2 §6.3.3), and pyHanko rates anything under a new
 * signature field's /AP as form filling, so a P=1 certified B-LTA document with an /AP on its
 * time-stamp widget is refused there. `invisibleAppearanceStream` keeps the empty /AP for producers
 * that want one; kyso's verifier accepts both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TrustStore } from '@kyso/pki-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { PdfReader, type PdfString, findSignatures, signPdf } from '../src/index.js';
import { verifyPdf } from '../src/verify/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { pdfsig, qpdfCheck } from './helpers/interop.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

/** The widget dictionary of each signature field, by field name. */
function widgets(pdf: Uint8Array) {
  const r = PdfReader.open(pdf);
  const out = new Map<string, { rect?: number[]; hasAp: boolean }>();
  for (const ref of r.array(r.dict(r.catalog().get('AcroForm'))?.get('Fields')) ?? []) {
    const d = r.dict(ref);
    if (d?.name('FT') !== 'Sig') continue;
    const rect = r.array(d.get('Rect'))?.map((x) => (typeof x === 'number' ? x : Number.NaN));
    out.set((r.resolve(d.get('T')) as PdfString).text(), { ...(rect ? { rect } : {}), hasAp: d.has('AP') });
  }
  return out;
}

describe('document time-stamps and invisible signatures without /AP', () => {
  let pki: PdfTestPki;
  let base: Uint8Array;
  let trust: TrustStore;
  let dir: string;
  beforeAll(async () => {
    pki = await makePdfTestPki();
    base = await makeSamplePdf();
    trust = new TrustStore();
    trust.add(pki.root);
    dir = tmpDir();
  });

  const sign = (extra: Record<string, unknown> = {}) =>
    signPdf(base, {
      signer: pki.official,
      certify: 1,
      level: 'B-LTA',
      timeStamper: pki.timeStamper,
      revocation: pki.revocation,
      ...extra,
    });

  it('a P=1 certified B-LTA document: zero-size widgets without /AP, VALID with LTA updates only', async () => {
    const res = await sign();
    expect(res.level).toBe('B-LTA');
    const ws = [...widgets(res.pdf).values()];
    expect(ws.length).toBe(2); // the certification signature and the document time-stamp
    for (const w of ws) {
      expect(w.rect).toEqual([0, 0, 0, 0]);
      expect(w.hasAp).toBe(false);
    }
    const sigs = findSignatures(PdfReader.open(res.pdf));
    expect(sigs.map((s) => s.kind)).toEqual(['signature', 'doc-timestamp']);
    const v = await verifyPdf(res.pdf, { trustStore: trust });
    expect(v.status).toBe('valid');
    expect(v.certification?.p).toBe(1);
    const cert = v.signatures[0]!;
    expect(cert.level).toBe('B-LTA');
    expect(cert.changes.allowed).toBe(true);
    expect(cert.changes.level).toBe('LTA_UPDATES');
    expect(cert.changes.findings.every((f) => f.level === 'LTA_UPDATES')).toBe(true);
    const f = path.join(dir, 'p1-blta.pdf');
    fs.writeFileSync(f, res.pdf);
    if (requireTool('qpdf')) expect(qpdfCheck(f).status).toBe(0);
    // poppler verifies the signature; it lists the ETSI.RFC3161 time-stamp without verifying it.
    if (requireTool('pdfsig')) expect(pdfsig(f).signatures[0]!.validation).toBe('Signature is Valid.');
  });

  it('invisibleAppearanceStream keeps an empty /AP (PDF/A producers); the verifier accepts it too', async () => {
    const res = await sign({ invisibleAppearanceStream: true, certify: undefined });
    const ws = [...widgets(res.pdf).values()];
    expect(ws.length).toBe(2);
    for (const w of ws) {
      expect(w.rect).toEqual([0, 0, 0, 0]);
      expect(w.hasAp).toBe(true);
    }
    const v = await verifyPdf(res.pdf, { trustStore: trust });
    expect(v.status).toBe('valid');
    expect(v.signatures[0]!.level).toBe('B-LTA');
    expect(v.signatures[0]!.changes.allowed).toBe(true);
  });
});
