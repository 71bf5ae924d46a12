import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool, run, tmpDir, toolPath } from '../../pki-core/test/helpers/tools.js';
import { decodePng, mm } from '../src/appearance/index.js';
import { PdfReader } from '../src/pdf/reader.js';
import { signatureFields } from '../src/sign/fields.js';
import {
  congVanSample,
  demoAssetPath,
  demoSealPng,
  demoSignaturePng,
  drawDemoSeal,
  drawDemoSignature,
  placeDateLine,
  quyetDinhSample,
  writeDemoImages,
} from '../src/samples/index.js';

const tools = ['pdftotext', 'pdffonts', 'pdftoppm', 'qpdf'].every((t) => requireTool(t));
const tool = (name: string, args: string[]) => run(toolPath(name) ?? name, args);

describe('place and date line (Phụ lục I)', () => {
  it('pads days below 10 and months 1–2, in Vietnam time', () => {
    expect(placeDateLine('Hà Nội', new Date('2026-02-04T18:00:00Z'))).toBe(
      'Hà Nội, ngày 05 tháng 02 năm 2026',
    );
    expect(placeDateLine('An Lạc', new Date('2026-11-23T03:00:00Z'))).toBe(
      'An Lạc, ngày 23 tháng 11 năm 2026',
    );
    expect(placeDateLine('Huế', new Date('2026-03-09T00:00:00Z'))).toBe('Huế, ngày 09 tháng 3 năm 2026');
  });
});

describe.skipIf(!tools)('sample documents', () => {
  const check = (name: string, bytes: Uint8Array) => {
    const dir = tmpDir();
    const file = path.join(dir, `${name}.pdf`);
    fs.writeFileSync(file, bytes);
    const q = tool('qpdf', ['--check', file]);
    expect(q.status, q.stdout + q.stderr).toBe(0);
    const fonts = tool('pdffonts', [file])
      .stdout.split('\n')
      .slice(2)
      .filter((l) => l.trim());
    expect(fonts.length).toBe(4);
    for (const l of fonts) {
      // name type... emb sub uni object gen
      const c = l.trim().split(/\s+/);
      expect(c[0]).toMatch(/^KYSOA[A-D]\+LiberationSerif/);
      expect(c.slice(-5, -2), l).toEqual(['yes', 'yes', 'yes']);
    }
    const raw = Buffer.from(bytes).toString('latin1');
    expect(raw).not.toMatch(/NeedAppearances|\/BaseFont\s*\/(Times|Helvetica|Courier)/);
    return { file, text: tool('pdftotext', ['-layout', file, '-']).stdout };
  };

  it('công văn: quốc hiệu, tiêu ngữ, agency, số, date, V/v subject, Kính gửi, body, nơi nhận', async () => {
    const doc = await congVanSample();
    expect(doc.pageCount).toBe(1);
    const { text } = check('cong-van', doc.bytes);
    const flat = text.replace(/\s+/g, ' ');
    for (const s of [
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      'ỦY BAN NHÂN DÂN TỈNH AN LẠC',
      'SỞ KHOA HỌC VÀ CÔNG NGHỆ',
      'Số: 1234/SKHCN-VP',
      'An Lạc, ngày 23 tháng 11 năm 2026',
      'V/v triển khai ký số văn bản điện tử',
      'Kính gửi: Các phòng, đơn vị trực thuộc Sở.',
      'Nơi nhận:',
      '- Lưu: VT, VP.',
      'nghiêm túc thực hiện./.',
    ]) {
      expect(flat, s).toContain(s);
    }
    // The signature block is left empty: no title or name in the content.
    expect(flat).not.toContain('Nguyễn Văn An');
  });

  it('quyết định: title, subject, issuing authority, căn cứ, articles', async () => {
    const doc = await quyetDinhSample({
      number: '7/QĐ-UBND',
      agency: 'ỦY BAN NHÂN DÂN XÃ BÌNH MINH',
      parentAgency: 'ỦY BAN NHÂN DÂN HUYỆN AN PHÚ',
    });
    const { text } = check('quyet-dinh', doc.bytes);
    const flat = text.replace(/\s+/g, ' ');
    for (const s of [
      'Số: 7/QĐ-UBND',
      'QUYẾT ĐỊNH',
      'QUYẾT ĐỊNH:',
      'GIÁM ĐỐC ỦY BAN NHÂN DÂN XÃ BÌNH MINH',
      'Căn cứ Nghị định số 30/2020/NĐ-CP',
      'Điều 1.',
      'Điều 3.',
      'Nơi nhận:',
      '- Như Điều 3;',
    ]) {
      expect(flat, s).toContain(s);
    }
    expect(doc.header.number).toBe('7/QĐ-UBND');
  });

  it('the suggested signature rectangles are inside the page, blank, and the seal overlaps the image third', async () => {
    const doc = await congVanSample({ emptyFields: true });
    const { file } = check('fields', doc.bytes);
    const s = doc.signature;
    for (const r of [s.person, s.seal]) {
      expect(r[0]).toBeGreaterThan(0);
      expect(r[1]).toBeGreaterThan(mm(20) - 1);
      expect(r[2]).toBeLessThan(595.28);
      expect(r[3]).toBeLessThan(841.89);
    }
    expect(s.seal[2] - s.personImage[0]).toBeCloseTo((s.personImage[2] - s.personImage[0]) / 3, 6);
    // Empty fields exist, unsigned, with the suggested rectangles.
    const fields = signatureFields(PdfReader.open(doc.bytes));
    expect(fields.map((f) => f.name).sort()).toEqual([s.fields!.agency, s.fields!.person].sort());
    expect(fields.every((f) => f.value === undefined)).toBe(true);
    // The person block renders blank (white) before signing.
    const ppm = run(toolPath('pdftoppm') ?? 'pdftoppm', ['-r', '50', '-f', '1', '-l', '1', '-gray', file], {
      check: true,
    }).stdoutBuffer;
    const header = ppm.subarray(0, 20).toString('latin1').split(/\s+/);
    expect(header[0]).toBe('P5');
    const [w, h] = [Number(header[1]), Number(header[2])];
    const data = ppm.subarray(ppm.length - w * h);
    const k = 50 / 72;
    let dark = 0;
    for (let y = Math.ceil((841.89 - s.person[3]) * k); y < Math.floor((841.89 - s.person[1]) * k); y++) {
      for (let x = Math.ceil(s.person[0] * k); x < Math.floor(s.person[2] * k); x++)
        if (data[y * w + x]! < 128) dark++;
    }
    expect(dark).toBe(0);
  });

  it('drawText writes the title and the name; xref streams on request; long bodies flow to more pages', async () => {
    const doc = await quyetDinhSample({
      drawText: true,
      useObjectStreams: true,
      extraParagraphs: 25,
      signerName: 'Trần Thị Bình',
      titleLines: ['TM. Ủy ban nhân dân', 'Chủ tịch'],
    });
    expect(doc.pageCount).toBeGreaterThan(1);
    expect(doc.signature.page).toBe(doc.pageCount - 1);
    const { text } = check('drawn', doc.bytes);
    expect(text).toContain('TM. ỦY BAN NHÂN DÂN');
    expect(text).toContain('CHỦ TỊCH');
    expect(text).toContain('Trần Thị Bình');
    expect(Buffer.from(doc.bytes).toString('latin1')).toMatch(/\/Type\s*\/XRef/);
  });
});

describe('demo images', () => {
  it('the shipped PNGs are exactly what the code draws (regenerate with KYSO_WRITE_DEMO_ASSETS=1)', () => {
    if (process.env.KYSO_WRITE_DEMO_ASSETS) writeDemoImages(path.dirname(demoAssetPath('seal')));
    const seal = decodePng(demoSealPng());
    const sig = decodePng(demoSignaturePng());
    expect(Buffer.from(seal.rgba).equals(Buffer.from(drawDemoSeal().rgba))).toBe(true);
    expect(Buffer.from(sig.rgba).equals(Buffer.from(drawDemoSignature().rgba))).toBe(true);
    expect(fs.existsSync(path.join(path.dirname(demoAssetPath('seal')), 'README.md'))).toBe(true);
  });

  it('seal: red ink on transparent, round, pHYs = 36 mm; signature: blue ink on transparent', () => {
    const seal = decodePng(demoSealPng());
    expect(seal.width).toBe(seal.height);
    expect((seal.width / seal.pixelsPerMetre!.x) * 1000).toBeCloseTo(36, 1);
    const stats = (img: ReturnType<typeof decodePng>) => {
      let inked = 0;
      let clear = 0;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let i = 0; i < img.width * img.height; i++) {
        const a = img.rgba[i * 4 + 3]!;
        if (a === 0) clear++;
        if (a > 200) {
          inked++;
          r += img.rgba[i * 4]!;
          g += img.rgba[i * 4 + 1]!;
          b += img.rgba[i * 4 + 2]!;
        }
      }
      return { inked, clear, r: r / inked, g: g / inked, b: b / inked };
    };
    const s = stats(seal);
    expect(s.r).toBeGreaterThan(180);
    expect(s.g + s.b).toBeLessThan(100);
    expect(s.clear / (seal.width * seal.height)).toBeGreaterThan(0.5);
    // Corners are transparent (round seal), the ring at the top centre is inked.
    expect(seal.rgba[3]).toBe(0);
    expect(seal.rgba[(10 * seal.width + seal.width / 2) * 4 + 3]).toBeGreaterThan(200);
    const sig = stats(decodePng(demoSignaturePng()));
    expect(sig.b).toBeGreaterThan(150);
    expect(sig.r + sig.g).toBeLessThan(100);
    expect(sig.inked).toBeGreaterThan(2000);
  });
});
