/**
 * Verifying from a file (verifyPdfFile / verifyPdfIntegrityFile over a FileSource) gives exactly
 * the in-memory report: over every shared test-vector PDF, over a two-signature B-LT/B-LTA
 * document, and over documents with a stream larger than LAZY_STREAM that a later revision
 * leaves alone, rewrites identically or changes (the stream's data is compared in the file).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Certificate, TrustStore } from '@kyso/pki-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vectorsDir } from '../../../test-vectors/location.js';
import {
  FileSource,
  IncrementalWriter,
  PdfDict,
  PdfReader,
  type PdfRef,
  PdfStream,
  eofEndAfter,
  findEofEnds,
  memorySource,
  name,
  signPdf,
} from '../src/node/index.js';
import {
  LAZY_STREAM,
  type PdfValidationReport,
  type VerifyPdfOptions,
  verifyPdf,
  verifyPdfFile,
  verifyPdfIntegrity,
  verifyPdfIntegrityFile,
} from '../src/node/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

const SHARED = vectorsDir;
const T2020 = new Date('2020-11-01T00:00:00Z');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function pdfsUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...pdfsUnder(p));
    else if (e.name.endsWith('.pdf')) out.push(p);
  }
  return out.sort();
}

/** The report, or the error it threw (message), as comparable JSON (CMS "now" times masked). */
async function outcome<T>(f: () => Promise<T>): Promise<string> {
  try {
    return JSON.stringify(await f()).replace(/"validationTime":"[^"]*"/g, '"validationTime":"T"');
  } catch (e) {
    return `throws ${(e as Error).message}`;
  }
}

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

function writeTmp(name: string, bytes: Uint8Array): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, bytes);
  return p;
}

async function same(file: string, given: VerifyPdfOptions): Promise<PdfValidationReport> {
  const opts = { time: new Date(), ...given };
  const bytes = new Uint8Array(fs.readFileSync(file));
  const mem = await verifyPdf(bytes, opts);
  const fromFile = await verifyPdfFile(file, opts);
  expect(JSON.stringify(fromFile)).toBe(JSON.stringify(mem));
  return fromFile;
}

describe('verifyPdfFile equals verifyPdf in memory', () => {
  let trust: TrustStore;
  beforeAll(() => {
    trust = new TrustStore();
    for (const d of [path.join(SHARED, 'pyhanko-pdf/pki/extracted'), path.join(SHARED, 'signpdf/certs')])
      for (const f of fs.existsSync(d) ? fs.readdirSync(d) : [])
        if (/^(root|selfsigned|certificate-signpdf|withpass)/.test(f))
          trust.add(Certificate.parseAll(fs.readFileSync(path.join(d, f))));
  });

  it('over every shared test-vector PDF (full report, integrity report, revisions)', async () => {
    const files = [
      ...pdfsUnder(path.join(SHARED, 'pyhanko-pdf/pdf')),
      ...pdfsUnder(path.join(SHARED, 'signpdf/pdf')),
    ];
    expect(files.length).toBeGreaterThan(50);
    const opts: VerifyPdfOptions = { trustStore: trust, time: T2020, revocation: 'off' };
    let signedCount = 0;
    for (const f of files) {
      const bytes = new Uint8Array(fs.readFileSync(f));
      const mem = await outcome(() => verifyPdf(bytes, opts));
      const file = await outcome(() => verifyPdfFile(f, opts));
      expect(file, f).toBe(mem);
      expect(await outcome(() => verifyPdfIntegrityFile(f)), f).toBe(
        await outcome(() => verifyPdfIntegrity(bytes)),
      );
      if (!mem.startsWith('throws') && (JSON.parse(mem) as PdfValidationReport).signatures.length > 0)
        signedCount++;
      // Revision ends found next to each section (from a file) equal a full scan for %%EOF.
      let r: PdfReader | undefined;
      try {
        r = PdfReader.open(bytes);
      } catch {
        continue;
      }
      const viaFile = await outcome(async () => {
        const src = new FileSource(f);
        try {
          return PdfReader.open(src)
            .revisions()
            .map((x) => [x.index, x.end, x.startxref, x.xrefKind]);
        } finally {
          src.close();
        }
      });
      const eofEnds = findEofEnds(bytes);
      const fullScanEnd = (end: number) => eofEnds.find((x) => x > end) ?? bytes.length;
      expect(viaFile, f).toBe(
        JSON.stringify(
          r
            .revisions()
            .map((x) => [
              x.index,
              Math.max(...x.sections.map((s) => fullScanEnd(s.end))),
              x.startxref,
              x.xrefKind,
            ]),
        ),
      );
    }
    expect(signedCount).toBeGreaterThan(30);
  }, 120_000);

  it('eofEndAfter finds the first %%EOF ending after an offset, across window boundaries', () => {
    const pad = 'x'.repeat(5000);
    const text = `${pad}%%EOF\r\n${pad}%%EOF\n${pad}%%EOF`;
    const src = memorySource(new TextEncoder().encode(text));
    const firstEnd = pad.length + 7;
    const secondEnd = 2 * pad.length + 7 + 6;
    expect(eofEndAfter(src, 0)).toBe(firstEnd);
    expect(eofEndAfter(src, firstEnd - 1)).toBe(firstEnd);
    expect(eofEndAfter(src, firstEnd)).toBe(secondEnd);
    expect(eofEndAfter(src, secondEnd)).toBe(text.length);
    expect(eofEndAfter(src, text.length)).toBe(text.length);
  });
});

describe('large streams are compared in the file (LAZY_STREAM)', () => {
  let pki: PdfTestPki;
  let trust: TrustStore;
  let signed: Uint8Array;
  let bigRef: PdfRef;
  const big = new Uint8Array(LAZY_STREAM + 12345);
  beforeAll(async () => {
    pki = await makePdfTestPki();
    trust = new TrustStore([pki.root]);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
    const base = await makeSamplePdf({ pages: 1 });
    // A large image XObject used by page 1 (in its resources and drawn by a second content stream).
    const withImage = update(base, (w, r) => {
      const page = r.pages()[0]!;
      const img = new PdfDict();
      img.set('Type', name('XObject'));
      img.set('Subtype', name('Image'));
      img.set('Width', 1);
      img.set('Height', big.length);
      img.set('ColorSpace', name('DeviceGray'));
      img.set('BitsPerComponent', 8);
      bigRef = w.add(new PdfStream(img, big));
      const pd = w.editDict(page);
      const res = r.dict(pd.get('Resources'))?.clone() ?? new PdfDict();
      const xo = new PdfDict();
      xo.set('BigImage', bigRef);
      res.set('XObject', xo);
      pd.set('Resources', res);
      const draw = w.add(
        new PdfStream(new PdfDict(), new TextEncoder().encode('q 10 0 0 10 0 0 cm /BigImage Do Q')),
      );
      const c = pd.get('Contents');
      pd.set('Contents', [...(Array.isArray(c) ? c : c ? [c] : []), draw]);
    });
    signed = (
      await signPdf(withImage, {
        signer: pki.official,
        level: 'B-LT',
        timeStamper: pki.timeStamper,
        revocation: pki.revocation,
      })
    ).pdf;
  });

  it('a B-LT document with a large image verifies the same from the file', async () => {
    const r = await same(writeTmp('big-signed.pdf', signed), { trustStore: trust });
    expect(r.valid).toBe(true);
  });

  it('the large stream rewritten with the same bytes: no change; one byte changed: content changed', async () => {
    const rewritten = update(signed, (w, r) => {
      const st = r.getObject(bigRef.num) as PdfStream;
      w.set(bigRef, new PdfStream(st.dict.clone(), big.slice()));
    });
    const r1 = await same(writeTmp('big-same.pdf', rewritten), { trustStore: trust });
    expect(r1.modifications.find((d) => d.revision === 4)?.findings).toEqual([]);
    expect(r1.valid).toBe(true);

    const changed = big.slice();
    changed[LAZY_STREAM + 100] = changed[LAZY_STREAM + 100]! ^ 1;
    const tampered = update(signed, (w, r) => {
      const st = r.getObject(bigRef.num) as PdfStream;
      w.set(bigRef, new PdfStream(st.dict.clone(), changed));
    });
    const r2 = await same(writeTmp('big-changed.pdf', tampered), { trustStore: trust });
    expect(r2.valid).toBe(false);
    expect(
      r2.signatures[0]!.changes.findings.some(
        (f) => f.code === 'CONTENT_CHANGED' && f.objects?.includes(bigRef.num),
      ),
      JSON.stringify(r2.signatures[0]!.changes),
    ).toBe(true);

    const shorter = update(signed, (w, r) => {
      const st = r.getObject(bigRef.num) as PdfStream;
      w.set(bigRef, new PdfStream(st.dict.clone(), big.subarray(0, LAZY_STREAM)));
    });
    const r3 = await same(writeTmp('big-shorter.pdf', shorter), { trustStore: trust });
    expect(r3.valid).toBe(false);
  }, 60_000);
});
