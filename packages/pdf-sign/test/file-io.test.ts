/**
 * File-backed reading and signing: the reader over a source that is not in memory (windowed
 * positioned reads) agrees with the in-memory reader on every test-vector PDF; signing a file
 * (`signPdfFile`, the two-step file API, B-LTA in place) gives the same document structure as in
 * memory and passes pdfsig and qpdf; signing reads a few KB of a large file, not the file.
 * Broken xref: off-by-one / unusable startxref files open (corrected or rebuilt) and can be signed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import {
  type ByteSource,
  FileSource,
  PdfReader,
  addDocumentTimeStamp,
  addDocumentTimeStampFile,
  embedSignatureFile,
  findSignatures,
  prepareSignatureUpdate,
  preparePdfSignature,
  preparePdfSignatureFile,
  serializeIndirect,
  signPdfFile,
  signPreparedDigest,
  verifyPdfIntegrity,
} from '../src/node/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { pdfsig, qpdfCheck } from './helpers/interop.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';
import { vectorsDir } from '../../../test-vectors/location.js';

const SHARED = vectorsDir;
const PY = path.join(SHARED, 'pyhanko-pdf/pdf');
const SP = path.join(SHARED, 'signpdf/pdf');

/** A source that is not in memory for the reader (no `bytes`), counting what is read. */
function countingSource(bytes: Uint8Array): ByteSource & { readBytes: number; reads: number } {
  const s = {
    length: bytes.length,
    readBytes: 0,
    reads: 0,
    read(offset: number, length: number) {
      const out = bytes.slice(Math.max(0, offset), Math.min(bytes.length, offset + length));
      s.readBytes += out.length;
      s.reads++;
      return out;
    },
  };
  return s;
}

const allPdfs = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.pdf'))
    .map((f) => path.join(dir, f))
    .sort();

const describeObjects = (r: PdfReader): string[] => {
  const out: string[] = [];
  for (const n of [...r.xref.keys()].sort((a, b) => a - b)) {
    let v: string;
    try {
      v = Buffer.from(serializeIndirect(n, 0, r.getObject(n))).toString('latin1');
    } catch (e) {
      v = `error ${(e as Error).message}`;
    }
    out.push(v);
  }
  return out;
};

describe('file-backed reader agrees with the in-memory reader', () => {
  const files = [...allPdfs(PY), ...allPdfs(SP)];
  it(`every test-vector PDF (${files.length}), windows from 64 bytes`, () => {
    let compared = 0;
    for (const f of files) {
      const bytes = new Uint8Array(fs.readFileSync(f));
      let mem: PdfReader;
      try {
        mem = PdfReader.open(bytes);
      } catch {
        expect(() => PdfReader.open(countingSource(bytes), { initialWindow: 64 }), f).toThrow();
        continue;
      }
      const win = PdfReader.open(countingSource(bytes), { initialWindow: 64 });
      expect(win.startxref, f).toBe(mem.startxref);
      expect(win.reconstructed, f).toBe(mem.reconstructed);
      expect([...win.xref.entries()], f).toEqual([...mem.xref.entries()]);
      expect(
        win.sections.map((s) => [s.offset, s.end, s.kind]),
        f,
      ).toEqual(mem.sections.map((s) => [s.offset, s.end, s.kind]));
      expect(describeObjects(win), f).toEqual(describeObjects(mem));
      expect(JSON.stringify(win.revisions().map((r) => [r.end, r.objects])), f).toBe(
        JSON.stringify(mem.revisions().map((r) => [r.end, r.objects])),
      );
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('string spans (the verifier locates /Contents by them) are file offsets', () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(PY, 'minimal-signed-twice-both-created.pdf')));
    const mem = PdfReader.open(bytes);
    const win = PdfReader.open(countingSource(bytes), { initialWindow: 64 });
    const spans = (r: PdfReader) =>
      [...r.xref.keys()].flatMap((n) => {
        const d = r.dict(r.getObject(n));
        const c = d?.get('Contents');
        return c && typeof c === 'object' && 'span' in c ? [c.span] : [];
      });
    expect(spans(win).length).toBe(2);
    expect(spans(win)).toEqual(spans(mem));
  });
});

describe('bounds hold through windowed reads', () => {
  it('deep nesting is refused at once (PDF_LIMIT), not retried with ever larger windows', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const body = `%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /X ${deep} >>\nendobj\n`;
    const xref = body.length;
    const pdf = new Uint8Array(
      Buffer.from(
        `${body}xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
        'latin1',
      ),
    );
    const src = countingSource(pdf);
    const r = PdfReader.open(src, { initialWindow: 64 });
    const before = src.readBytes;
    expect(() => r.getObject(1)).toThrow(/nesting deeper/);
    expect(src.readBytes - before).toBeLessThan(64 * 1024);
  });
});

describe('broken startxref: corrected nearby or xref rebuilt by scanning', () => {
  const names = [1, 2, 3, 4, 5, 6].map((i) => `minimal-startxref-obo${i}.pdf`);
  names.push('minimal-startxref-same-line.pdf');
  const hopeless = ['', '2', '3'].map((s) => `minimal-startxref-hopeless${s}.pdf`);
  it('off-by-one/two and same-line: the section is found near the declared offset', () => {
    for (const f of names) {
      const bytes = new Uint8Array(fs.readFileSync(path.join(PY, f)));
      const r = PdfReader.open(bytes);
      expect(r.reconstructed, f).toBe(false);
      expect(Math.abs(r.startxref - (r.declaredStartxref ?? -99)), f).toBeLessThanOrEqual(64);
      expect(r.pages().length, f).toBe(1);
      expect(() => PdfReader.open(bytes, { strict: true }), f).toSatisfy((fn: () => unknown) => {
        try {
          const s = fn() as PdfReader;
          return s.startxref === s.declaredStartxref; // strict only accepts an exact offset
        } catch {
          return true;
        }
      });
    }
  });
  it('hopeless startxref: the xref is rebuilt from object headers and the trailer', () => {
    for (const f of hopeless) {
      const bytes = new Uint8Array(fs.readFileSync(path.join(PY, f)));
      const r = PdfReader.open(bytes);
      expect(r.pages().length, f).toBe(1);
      if (r.reconstructed) expect(r.warnings.join(' '), f).toMatch(/rebuilt/);
      // hopeless2 repeats the (right) offset on a second line: tolerated even in strict mode.
      if (!f.includes('2')) expect(() => PdfReader.open(bytes, { strict: true }), f).toThrow();
    }
  });
  it('a file without any xref or startxref is rebuilt, also through a windowed source', () => {
    const base = new Uint8Array(fs.readFileSync(path.join(PY, 'minimal.pdf')));
    const s = Buffer.from(base).toString('latin1');
    const cut = new Uint8Array(Buffer.from(s.slice(0, s.indexOf('xref')), 'latin1'));
    for (const r of [PdfReader.open(cut), PdfReader.open(countingSource(cut), { initialWindow: 64 })]) {
      expect(r.reconstructed).toBe(true);
      expect(r.pages().length).toBe(1);
    }
  });

  const tools = ['pdfsig', 'qpdf'].every((t) => requireTool(t));
  describe.skipIf(!tools)('and can be signed (pdfsig valid, qpdf --check clean)', () => {
    let pki: PdfTestPki;
    let dir: string;
    beforeAll(async () => {
      pki = await makePdfTestPki({ leafSpec: { type: 'EC', curve: 'P-256' } });
      dir = tmpDir();
    });
    for (const f of [...names, ...hopeless]) {
      it(f, async () => {
        const inFile = path.join(PY, f);
        const out = path.join(dir, f);
        await signPdfFile(inFile, out, { signer: pki.official });
        const input = fs.readFileSync(inFile);
        const pdf = new Uint8Array(fs.readFileSync(out));
        expect(Buffer.from(pdf.subarray(0, input.length)).equals(input)).toBe(true);
        const r = PdfReader.open(pdf, { strict: true });
        expect(r.reconstructed).toBe(false);
        const rep = await verifyPdfIntegrity(pdf);
        expect(rep.signatures.length).toBe(1);
        expect(rep.ok, JSON.stringify(rep.signatures[0]?.checks)).toBe(true);
        const ps = pdfsig(out);
        expect(ps.signatures[0]?.validation, ps.stdout + ps.stderr).toBe('Signature is Valid.');
        const q = qpdfCheck(out);
        expect(q.status, q.output).toBe(0);
      });
    }
  });
});

const tools = ['pdfsig', 'qpdf'].every((t) => requireTool(t));

describe('a value that outgrows the estimated placeholder is prepared again with room', () => {
  /** A time-stamper answering a 20 000-byte DER SEQUENCE (more than the estimate of 10 KiB). */
  function bigStamper() {
    const token = new Uint8Array(20_000);
    token.set([0x30, 0x82, (19_996 >> 8) & 0xff, 19_996 & 0xff]);
    const calls: number[] = [];
    const stamp = async () => {
      calls.push(1);
      return token;
    };
    return { token, calls, stamp };
  }

  it('in memory and in a file (the first update is cut off before the second)', async () => {
    const pdf = await makeSamplePdf();
    const mem = bigStamper();
    const out = await addDocumentTimeStamp(pdf, mem.stamp);
    expect(mem.calls.length).toBe(2);
    const r = PdfReader.open(out);
    expect(r.revisions().length).toBe(2);
    expect(findSignatures(r).map((s) => s.contents)).toEqual([mem.token]);

    const file = path.join(tmpDir(), 'dts.pdf');
    fs.writeFileSync(file, pdf);
    const onDisk = bigStamper();
    await addDocumentTimeStampFile(file, onDisk.stamp);
    expect(onDisk.calls.length).toBe(2);
    expect(fs.statSync(file).size).toBe(out.length);
    const rf = PdfReader.open(new Uint8Array(fs.readFileSync(file)));
    expect(rf.revisions().length).toBe(2);
    expect(findSignatures(rf).map((s) => s.contents)).toEqual([onDisk.token]);
  });

  it('a placeholder size given by the caller is kept: the value is refused', async () => {
    const pdf = await makeSamplePdf();
    const mem = bigStamper();
    await expect(addDocumentTimeStamp(pdf, mem.stamp, { placeholderSize: 10_000 })).rejects.toThrow();
    expect(mem.calls.length).toBe(1);
  });
});

describe.skipIf(!tools)('signing files', () => {
  let pki: PdfTestPki;
  let dir: string;
  beforeAll(async () => {
    pki = await makePdfTestPki();
    dir = tmpDir();
  });

  it('signPdfFile equals the in-memory structure; the input is untouched; pdfsig and qpdf agree', async () => {
    const input = await makeSamplePdf({ pages: 3 });
    const inFile = path.join(dir, 'in.pdf');
    fs.writeFileSync(inFile, input);
    const out = path.join(dir, 'out.pdf');
    const res = await signPdfFile(inFile, out, { signer: pki.official, reason: 'file' });
    expect(Buffer.from(fs.readFileSync(inFile)).equals(Buffer.from(input))).toBe(true);
    const pdf = new Uint8Array(fs.readFileSync(out));
    expect(Buffer.from(pdf.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
    const rep = await verifyPdfIntegrity(pdf);
    expect(rep.ok && rep.signatures[0]!.coversWholeFile).toBe(true);
    expect(rep.signatures[0]!.signature.fieldName).toBe(res.fieldName);
    const ps = pdfsig(out);
    expect(ps.signatures[0]?.validation, ps.stdout).toBe('Signature is Valid.');
    expect(qpdfCheck(out).status).toBe(0);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.kyso-'))).toEqual([]);
    // The same update as in memory (up to /M, /ID and the CMS): same length, same ByteRange.
    const signingTime = new Date('2026-01-02T03:04:05Z');
    const idSecond = new Uint8Array(16);
    void idSecond;
    const mem = await preparePdfSignature(input, { signingTime, placeholderSize: 8192 });
    const f2 = path.join(dir, 'prep.pdf');
    const prep = await preparePdfSignatureFile(inFile, f2, { signingTime, placeholderSize: 8192 });
    expect(prep.byteRange).toEqual(mem.byteRange);
    expect(prep.length).toBe(mem.document.length);
  });

  it('two-step file API: prepare -> sign the digest -> embed; the digest covers the ByteRange', async () => {
    const input = await makeSamplePdf({ pages: 1 });
    const inFile = path.join(dir, 'two.pdf');
    fs.writeFileSync(inFile, input);
    const out = path.join(dir, 'two-signed.pdf');
    const prepared = await preparePdfSignatureFile(inFile, out, { reason: 'two-step' });
    const doc = new Uint8Array(fs.readFileSync(out));
    const [a, b, c, d] = prepared.byteRange;
    const h = (await import('node:crypto')).createHash('sha256');
    h.update(doc.subarray(a, a + b));
    h.update(doc.subarray(c, c + d));
    expect(Buffer.from(prepared.digest).equals(h.digest())).toBe(true);
    const cms = await signPreparedDigest(prepared, pki.official);
    await expect(embedSignatureFile(prepared, new Uint8Array(prepared.capacity + 1))).rejects.toThrow(
      /PLACEHOLDER_TOO_SMALL/,
    );
    await embedSignatureFile(prepared, cms);
    const rep = await verifyPdfIntegrity(new Uint8Array(fs.readFileSync(out)));
    expect(rep.ok).toBe(true);
    expect(pdfsig(out).signatures[0]?.validation).toBe('Signature is Valid.');
  });

  it('B-LTA by file (DSS and document time-stamp appended in place), then a second signer', async () => {
    const input = await makeSamplePdf({ pages: 2 });
    const inFile = path.join(dir, 'lta.pdf');
    fs.writeFileSync(inFile, input);
    const out = path.join(dir, 'lta-signed.pdf');
    const res = await signPdfFile(inFile, out, {
      signer: pki.official,
      level: 'B-LTA',
      timeStamper: pki.timeStamper,
      revocation: pki.revocation,
    });
    expect(res.validationData?.certs.length).toBeGreaterThan(0);
    const out2 = path.join(dir, 'lta-signed-2.pdf');
    await signPdfFile(out, out2, { signer: pki.seal });
    const pdf = new Uint8Array(fs.readFileSync(out2));
    const rep = await verifyPdfIntegrity(pdf);
    expect(rep.signatures.map((s) => s.signature.kind)).toEqual(['signature', 'doc-timestamp', 'signature']);
    for (const s of rep.signatures) expect(s.intact && s.valid, JSON.stringify(s.checks)).toBe(true);
    const r = PdfReader.open(pdf, { strict: true });
    expect(r.dict(r.catalog().get('DSS'))).toBeDefined();
    expect(qpdfCheck(out2).status).toBe(0);
    const ps = pdfsig(out2);
    expect(ps.signatures.filter((s) => s.validation === 'Signature is Valid.').length).toBe(2);
  });

  it('signing a large file reads a few KB of it, not the file', async () => {
    const input = await makeSamplePdf({ pages: 2 });
    // Pad with a 4 MB stream object in an incremental update (objects the signer never reads).
    const r0 = PdfReader.open(input);
    const { IncrementalWriter, PdfStream, PdfDict } = await import('../src/index.js');
    const w = new IncrementalWriter(r0);
    w.add(new PdfStream(new PdfDict(), new Uint8Array(4 * 1024 * 1024).fill(0x41)));
    const upd = w.write();
    const big = new Uint8Array(input.length + upd.appended.length);
    big.set(input);
    big.set(upd.appended, input.length);
    const src = countingSource(big);
    const u = await prepareSignatureUpdate(PdfReader.open(src), {});
    expect(u.originalLength).toBe(big.length);
    expect(src.readBytes).toBeLessThan(256 * 1024);
    const f = path.join(dir, 'big.pdf');
    fs.writeFileSync(f, big);
    const fsrc = new FileSource(f);
    try {
      const r = PdfReader.open(fsrc);
      expect(r.pages().length).toBe(2);
      expect(() => r.bytes).toThrow(/not in memory/);
    } finally {
      fsrc.close();
    }
  });

  it('refuses to sign an output over its own input name through a different path only safely', async () => {
    const input = await makeSamplePdf({ pages: 1 });
    const f = path.join(dir, 'same.pdf');
    fs.writeFileSync(f, input);
    await signPdfFile(f, path.join(dir, '.', 'same.pdf'), { signer: pki.official });
    const pdf = new Uint8Array(fs.readFileSync(f));
    expect(Buffer.from(pdf.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
    expect((await verifyPdfIntegrity(pdf)).ok).toBe(true);
  });
});
