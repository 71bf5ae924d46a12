/**
 * Decree 30 appearances rendered into the sample documents through the real signing path
 * (preparePdfSignature / signPdf), checked with poppler (pdftotext, pdffonts, pdftoppm, pdfsig),
 * qpdf and mutool.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, run, tmpDir, toolPath } from '../../pki-core/test/helpers/tools.js';
import { personAppearance, sealAppearance, stampAppearance } from '../src/appearance/index.js';
import { signPdf } from '../src/sign/pades.js';
import { preparePdfSignature } from '../src/sign/prepare.js';
import type { Rect } from '../src/sign/appearance.js';
import {
  type SampleDocument,
  congVanSample,
  demoSealPng,
  demoSignaturePng,
  quyetDinhSample,
} from '../src/samples/index.js';
import { pdfsig } from './helpers/interop.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

const tools = ['pdftotext', 'pdffonts', 'pdftoppm', 'qpdf', 'mutool', 'pdfsig'].every((t) => requireTool(t));

const tool = (name: string, args: string[]) => run(toolPath(name) ?? name, args);

/** Parses binary PPM (P6) output of pdftoppm. */
function readPpm(buf: Buffer): { width: number; height: number; data: Buffer } {
  const header: string[] = [];
  let i = 0;
  while (header.length < 4) {
    while (buf[i] === 0x20 || buf[i] === 0x0a) i++;
    let tok = '';
    while (buf[i] !== 0x20 && buf[i] !== 0x0a) tok += String.fromCharCode(buf[i++]!);
    header.push(tok);
  }
  i++;
  expect(header[0]).toBe('P6');
  return { width: Number(header[1]), height: Number(header[2]), data: buf.subarray(i) };
}

interface Counts {
  blue: number;
  red: number;
  dark: number;
  total: number;
}

/** Counts pixel classes inside a page-space rect of a page rendered at `dpi`. */
function countPixels(img: ReturnType<typeof readPpm>, pageHeight: number, r: Rect, dpi: number): Counts {
  const s = dpi / 72;
  const x0 = Math.ceil(r[0] * s);
  const x1 = Math.floor(r[2] * s);
  const y0 = Math.ceil((pageHeight - r[3]) * s);
  const y1 = Math.floor((pageHeight - r[1]) * s);
  const c: Counts = { blue: 0, red: 0, dark: 0, total: 0 };
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const o = (y * img.width + x) * 3;
      const [R, G, B] = [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
      c.total++;
      if (B > 120 && B > R + 60 && B > G + 40) c.blue++;
      if (R > 150 && G < 110 && B < 110) c.red++;
      if (R < 90 && G < 90 && B < 90) c.dark++;
    }
  }
  return c;
}

function render(file: string, dpi: number, page = 1): ReturnType<typeof readPpm> {
  const r = run(
    toolPath('pdftoppm') ?? 'pdftoppm',
    ['-r', String(dpi), '-f', String(page), '-l', String(page), file],
    { check: true },
  );
  return readPpm(r.stdoutBuffer);
}

function fontsOf(file: string): { name: string; type: string; emb: string; sub: string; uni: string }[] {
  const out = tool('pdffonts', [file])
    .stdout.split('\n')
    .slice(2)
    .filter((l) => l.trim());
  return out.map((l) => {
    const cols = l.trim().split(/\s+/);
    // name type... encoding emb sub uni objnum gen
    const n = cols.length;
    return {
      name: cols[0]!,
      type: cols.slice(1, n - 6).join(' '),
      emb: cols[n - 5]!,
      sub: cols[n - 4]!,
      uni: cols[n - 3]!,
    };
  });
}

function checkStructure(file: string): void {
  const q = tool('qpdf', ['--check', file]);
  expect(q.status, q.stdout + q.stderr).toBe(0);
  expect(q.stdout).toMatch(/No syntax or stream encoding errors found/);
  const m = tool('mutool', ['draw', '-q', '-o', path.join(path.dirname(file), 'mu-%d.png'), file]);
  expect(m.status, m.stderr).toBe(0);
  expect(m.stderr.replace(/warning: ICC support is not available\n?/g, '')).not.toMatch(/error|warning/i);
  const fonts = fontsOf(file);
  expect(fonts.length).toBeGreaterThan(0);
  for (const f of fonts) {
    expect(f.emb, `${f.name} embedded`).toBe('yes');
    expect(f.sub, `${f.name} subset`).toBe('yes');
    expect(f.uni, `${f.name} ToUnicode`).toBe('yes');
    expect(f.name).toMatch(/^[A-Z]{6}\+LiberationSerif/);
  }
}

describe.skipIf(!tools)('Decree 30 appearances in signed sample documents', () => {
  let pki: PdfTestPki;
  let dir: string;
  let cv: SampleDocument;
  let signed: Uint8Array;
  let file: string;
  let personImage: Rect;
  const t1 = new Date('2026-11-23T03:15:00Z');

  beforeAll(async () => {
    pki = await makePdfTestPki();
    dir = tmpDir();
    cv = await congVanSample({ emptyFields: true });
    const s = cv.signature;
    const person = personAppearance({
      titleLines: s.titleLines,
      name: s.signerName,
      signatureImage: demoSignaturePng(),
    });
    const first = await signPdf(cv.bytes, {
      signer: pki.official,
      fieldName: s.fields!.person,
      signingTime: t1,
      appearance: person,
    });
    personImage = person.lastImageRect!;
    const second = await signPdf(first.pdf, {
      signer: pki.seal,
      fieldName: s.fields!.agency,
      signingTime: new Date(t1.getTime() + 5 * 60_000),
      appearance: sealAppearance({ sealImage: demoSealPng(), personImageRect: personImage }),
    });
    signed = second.pdf;
    file = path.join(dir, 'cong-van-signed.pdf');
    fs.writeFileSync(file, signed);
  }, 60_000);

  it('both signatures are valid for pdfsig; the file is clean for qpdf and mutool; fonts embedded and subset', () => {
    const ps = pdfsig(file);
    expect(ps.signatures.length, ps.stdout).toBe(2);
    for (const sig of ps.signatures) expect(sig.validation, sig.raw).toBe('Signature is Valid.');
    checkStructure(file);
    // No NeedAppearances anywhere, no standard-14 font reference.
    const text = Buffer.from(signed).toString('latin1');
    expect(text).not.toMatch(/NeedAppearances/);
    expect(text).not.toMatch(/\/BaseFont\s*\/(Times|Helvetica|Courier|Symbol|ZapfDingbats)/);
  });

  it('the person image lies where the sample planned it, and the seal covers its left third', () => {
    // The field /Rect the sample wrote is rounded to 0.01 pt.
    for (let i = 0; i < 4; i++) expect(personImage[i]).toBeCloseTo(cv.signature.personImage[i]!, 1);
  });

  it('pdftotext extracts the Vietnamese title lines and name exactly', () => {
    const out = tool('pdftotext', ['-layout', file, '-']).stdout;
    expect(out).toContain('KT. GIÁM ĐỐC');
    expect(out).toContain('PHÓ GIÁM ĐỐC');
    expect(out).toContain('Nguyễn Văn An');
    // The sample's own text, too.
    expect(out).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(out).toContain('Độc lập - Tự do - Hạnh phúc');
  });

  it('renders the signature blue and the seal red, at the planned places (pdftoppm, 100 dpi)', () => {
    const img = render(file, 100);
    const H = 841.89;
    const seal = cv.signature.seal;
    // Signature image area right of the seal: blue ink, no red.
    const sigOnly: Rect = [seal[2] + 2, personImage[1], personImage[2], personImage[3]];
    const a = countPixels(img, H, sigOnly, 100);
    expect(a.blue, JSON.stringify(a)).toBeGreaterThan(150);
    expect(a.red).toBe(0);
    // Seal area left of the signature image: red, no blue.
    const sealOnly: Rect = [seal[0], seal[1], personImage[0] - 2, seal[3]];
    const b = countPixels(img, H, sealOnly, 100);
    expect(b.red, JSON.stringify(b)).toBeGreaterThan(300);
    expect(b.blue).toBe(0);
    // Overlap region (left third of the image): the seal is drawn over the signature.
    const overlap = countPixels(
      img,
      H,
      [personImage[0] + 1, personImage[1], seal[2] - 1, personImage[3]],
      100,
    );
    expect(overlap.red).toBeGreaterThan(50);
    // Transparency: the body text above the block is untouched (black pixels, no colour).
    const body = countPixels(img, H, [85, 480, 560, 700], 100);
    expect(body.dark).toBeGreaterThan(1000);
    expect(body.blue + body.red).toBe(0);
  });

  it('the seal is at real size (36 mm) and the transparent background keeps the text under it visible', async () => {
    const seal = cv.signature.seal;
    expect(seal[2] - seal[0]).toBeCloseTo((36 * 72) / 25.4, 1);
    // The seal was placed on top of "Nơi nhận" lines? No: it sits right of them; check the title
    // lines (black) just above the image are intact.
    const img = render(file, 100);
    const title = countPixels(
      img,
      841.89,
      [cv.signature.person[0], personImage[3] + 2, cv.signature.person[2], cv.signature.person[3]],
      100,
    );
    expect(title.dark).toBeGreaterThan(200);
  });
});

describe.skipIf(!tools)(
  'stamp appearance (appendix / electronic copy): text only, top right of page 1',
  () => {
    it('appendix stamp: agency, number, ISO 8601 +07:00 time, Times 10 pt, in the top-right corner', async () => {
      const dir = tmpDir();
      const qd = await quyetDinhSample();
      const prepared = await preparePdfSignature(qd.bytes, {
        signingTime: new Date('2026-11-23T03:15:00Z'),
        appearance: stampAppearance({
          kind: 'appendix',
          agency: 'SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH AN LẠC',
          documentNumber: qd.header.number,
        }),
      });
      const file = path.join(dir, 'appendix.pdf');
      fs.writeFileSync(file, prepared.document);
      checkStructure(file);
      // Text inside the top-right region only (x > 300 pt, top 60 pt).
      const crop = tool('pdftotext', [
        '-f',
        '1',
        '-l',
        '1',
        '-x',
        '300',
        '-y',
        '0',
        '-W',
        '296',
        '-H',
        '55',
        '-layout',
        file,
        '-',
      ]).stdout;
      expect(crop).toContain('SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH AN LẠC');
      expect(crop).toContain('Số: 125/QĐ-SKHCN');
      expect(crop).toContain('Thời gian ký: 2026-11-23T10:15:00+07:00');
      // Black text, no image: only dark/grey pixels in the region, no colour.
      const img = render(file, 100);
      const c = countPixels(img, 841.89, [300, 841.89 - 55, 595, 841.89], 100);
      expect(c.dark).toBeGreaterThan(100);
      expect(c.red + c.blue).toBe(0);
      // 10 pt: the font size in the appearance stream.
      const raw = Buffer.from(prepared.document).toString('latin1');
      expect(raw).toMatch(/\/F1 10 Tf/);
    });

    it('copy stamp with configured lines, and a signed copy stays valid for pdfsig', async () => {
      const dir = tmpDir();
      const pki = await makePdfTestPki();
      const cv = await congVanSample();
      const { pdf } = await signPdf(cv.bytes, {
        signer: pki.seal,
        signingTime: new Date('2026-11-23T03:15:00Z'),
        appearance: stampAppearance({
          kind: 'copy',
          copyForm: 'SAO Y',
          agency: 'VĂN PHÒNG SỞ KHOA HỌC VÀ CÔNG NGHỆ',
          lines: ['{copyForm} – {agency}', 'Thời gian ký: {time}'],
        }),
      });
      const file = path.join(dir, 'copy.pdf');
      fs.writeFileSync(file, pdf);
      const ps = pdfsig(file);
      expect(ps.signatures[0]?.validation, ps.stdout).toBe('Signature is Valid.');
      checkStructure(file);
      const out = tool('pdftotext', [
        '-f',
        '1',
        '-l',
        '1',
        '-x',
        '250',
        '-y',
        '0',
        '-W',
        '346',
        '-H',
        '55',
        file,
        '-',
      ]).stdout.replace(/\s+/g, ' ');
      expect(out).toContain('SAO Y – VĂN PHÒNG SỞ KHOA HỌC VÀ CÔNG NGHỆ');
      expect(out).toContain('Thời gian ký: 2026-11-23T10:15:00+07:00');
    }, 60_000);

    it('placement by an explicit page and rectangle (page 2 of a two-page document)', async () => {
      const dir = tmpDir();
      const doc = await congVanSample({ extraParagraphs: 30 });
      expect(doc.pageCount).toBeGreaterThanOrEqual(2);
      // In the bottom margin of page 2 (the body text fills the page above it).
      const rect: Rect = [100, 12, 400, 54];
      const prepared = await preparePdfSignature(doc.bytes, {
        page: 1,
        rect,
        signingTime: new Date('2026-11-23T03:15:00Z'),
        appearance: stampAppearance({
          kind: 'appendix',
          agency: 'CƠ QUAN THỬ NGHIỆM',
          documentNumber: '9/TN',
        }),
      });
      const file = path.join(dir, 'p2.pdf');
      fs.writeFileSync(file, prepared.document);
      checkStructure(file);
      const p2 = tool('pdftotext', [
        '-f',
        '2',
        '-l',
        '2',
        '-x',
        '100',
        '-y',
        String(Math.floor(841.89 - 54)),
        '-W',
        '300',
        '-H',
        '50',
        file,
        '-',
      ]).stdout;
      expect(p2).toContain('CƠ QUAN THỬ NGHIỆM');
      expect(p2).toContain('Số: 9/TN');
      const p1 = tool('pdftotext', ['-f', '1', '-l', '1', file, '-']).stdout;
      expect(p1).not.toContain('CƠ QUAN THỬ NGHIỆM');
    });
  },
);
