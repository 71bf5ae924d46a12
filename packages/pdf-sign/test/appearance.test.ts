import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isKysoError } from '@kyso/pki-core';
import {
  FontSubsetter,
  checkCoverage,
  decodePng,
  embedImage,
  encodePng,
  fitImage,
  formatVietnamTime,
  layoutPerson,
  mm,
  personImageRect,
  sealRectFor,
  sealSize,
  shippedFont,
  stampLines,
  textWidth,
  upperVi,
  wrapText,
} from '../src/appearance/index.js';
import { PdfDict, type PdfObject, PdfRef, PdfStream } from '../src/pdf/objects.js';

const collector = () => {
  const objects: PdfObject[] = [];
  const add = (o: PdfObject) => {
    objects.push(o);
    return new PdfRef(objects.length, 0);
  };
  return { objects, add };
};

describe('time format (Decree 30: ISO 8601 with the Vietnam offset)', () => {
  it('renders the signing time in +07:00', () => {
    expect(formatVietnamTime(new Date('2026-11-23T03:15:00Z'))).toBe('2026-11-23T10:15:00+07:00');
    expect(formatVietnamTime(new Date('2026-12-31T20:00:05Z'))).toBe('2027-01-01T03:00:05+07:00');
    expect(formatVietnamTime(new Date('2026-03-05T07:30:05Z'), 'vgca')).toBe('05.03.2026 14:30:05 +07:00');
    expect(() => formatVietnamTime(new Date('x'))).toThrow();
  });
});

describe('fonts', () => {
  it('subsets only the used glyphs and maps every CID back to its text', () => {
    const f = new FontSubsetter(shippedFont('serif-bold'));
    const hex = f.encode('PHÓ GIÁM ĐỐC');
    // 12 characters -> 12 CIDs of 4 hex digits; repeated letters share a CID.
    expect(hex).toMatch(/^<([0-9a-f]{4}){12}>$/);
    const cids = hex.slice(1, -1).match(/.{4}/g)!;
    // P H Ó _ G I Á M _ Đ Ố C: the two spaces share a CID.
    expect(cids[3]).toBe(cids[8]);
    expect(new Set(cids).size).toBe(11);
    expect(f.glyphCount).toBe(11);
    const cmap = new TextDecoder().decode(f.toUnicodeCMap());
    expect(cmap).toContain(`<${cids[2]}> <00d3>`); // Ó
    expect(cmap).toContain(`<${cids[9]}> <0110>`); // Đ
    expect(cmap).toContain(`<${cids[10]}> <1ed0>`); // Ố
    const subset = f.subsetBytes();
    expect(subset.length).toBeLessThan(shippedFont('serif-bold').bytes.length / 20);
    // A TrueType (0x00010000) font program.
    expect([...subset.subarray(0, 4)]).toEqual([0, 1, 0, 0]);
  });

  it('normalises decomposed input (NFD) to the precomposed letters', () => {
    const f = new FontSubsetter(shippedFont('serif'));
    const nfd = 'Nguyễn'.normalize('NFD');
    expect(nfd.length).toBeGreaterThan('Nguyễn'.length);
    expect(f.encode(nfd)).toBe(new FontSubsetter(shippedFont('serif')).encode('Nguyễn'));
  });

  it('embeds a Type0 / CIDFontType2 font with Identity-H, /W, FontFile2 and ToUnicode', () => {
    const f = new FontSubsetter(shippedFont('serif'));
    f.encode('Thời gian ký: 2026-11-23T10:15:00+07:00');
    const { objects, add } = collector();
    const ref = f.embed(add);
    const type0 = objects[ref.num - 1] as PdfDict;
    expect(type0.name('Subtype')).toBe('Type0');
    expect(type0.name('Encoding')).toBe('Identity-H');
    const base = type0.name('BaseFont')!;
    expect(base).toMatch(/^[A-Z]{6}\+LiberationSerif$/);
    const cid = objects[(type0.get('DescendantFonts') as PdfRef[])[0]!.num - 1] as PdfDict;
    expect(cid.name('Subtype')).toBe('CIDFontType2');
    expect(cid.name('CIDToGIDMap')).toBe('Identity');
    const w = cid.get('W') as PdfObject[];
    expect(w.length).toBeGreaterThan(0);
    const desc = objects[(cid.get('FontDescriptor') as PdfRef).num - 1] as PdfDict;
    expect(desc.name('FontName')).toBe(base);
    const ff = objects[(desc.get('FontFile2') as PdfRef).num - 1] as PdfStream;
    expect(ff).toBeInstanceOf(PdfStream);
    expect(ff.dict.get('Length1')).toBeGreaterThan(1000);
    expect(type0.get('ToUnicode')).toBeInstanceOf(PdfRef);
    // Embedding twice returns the same font; encoding after embedding is refused.
    expect(f.embed(add)).toBe(ref);
    expect(() => f.encode('x')).toThrow();
  });

  it('refuses characters the font cannot show instead of writing .notdef', () => {
    expect(() => checkCoverage(shippedFont('serif'), 'Hà Nội 中')).toThrow(/U\+4E2D/);
    try {
      new FontSubsetter(shippedFont('serif')).encode('漢');
      expect.unreachable();
    } catch (e) {
      expect(isKysoError(e)).toBe(true);
    }
  });

  it('measures with the same advances as /W (Times metrics)', () => {
    // Liberation Serif = Times New Roman metrics: 'M' is 889/1000 em.
    expect(textWidth(shippedFont('serif'), 'M', 10)).toBeCloseTo(8.89, 2);
    expect(textWidth(shippedFont('serif'), '', 10)).toBe(0);
  });
});

describe('layout', () => {
  it('wraps at spaces and breaks over-long words', () => {
    const style = { font: shippedFont('serif'), size: 10 };
    const lines = wrapText(style, 'SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH AN LẠC', 100);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(' ')).toBe('SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH AN LẠC');
    for (const l of lines) expect(textWidth(style.font, l, 10)).toBeLessThanOrEqual(100);
    const long = wrapText(style, 'x'.repeat(80), 50);
    expect(long.join('')).toBe('x'.repeat(80));
    expect(wrapText(style, 'a\n\nb', 100)).toEqual(['a', '', 'b']);
  });

  it('upper-cases Vietnamese titles', () => {
    expect(upperVi('kt. giám đốc')).toBe('KT. GIÁM ĐỐC');
    expect(upperVi('phó chủ tịch ủy ban')).toBe('PHÓ CHỦ TỊCH ỦY BAN');
  });

  it('puts the image between the title lines and the name (box 7c)', () => {
    const rect: [number, number, number, number] = [300, 200, 520, 350];
    const l = layoutPerson(rect, { titleLines: ['KT. Giám đốc', 'Phó giám đốc'], name: 'Nguyễn Văn An' });
    expect(l.titleLines.map((t) => t.text)).toEqual(['KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC']);
    const lastTitleBaseline = rect[1] + l.titleLines[1]!.y;
    const nameBaseline = rect[1] + l.name!.y;
    expect(l.imageArea[3]).toBeLessThan(lastTitleBaseline);
    expect(l.imageArea[1]).toBeGreaterThan(nameBaseline);
    const img = personImageRect(
      rect,
      { titleLines: ['KT. Giám đốc', 'Phó giám đốc'], name: 'Nguyễn Văn An' },
      { width: 600, height: 240 },
    );
    // Centred horizontally in the block, aspect ratio kept.
    expect((img[0] + img[2]) / 2).toBeCloseTo((rect[0] + rect[2]) / 2, 6);
    expect((img[2] - img[0]) / (img[3] - img[1])).toBeCloseTo(2.5, 6);
    expect(() => layoutPerson([0, 0, 200, 40], { titleLines: ['A', 'B'], name: 'C' })).toThrow(/no room/);
  });

  it('fits an image in an area keeping its aspect ratio', () => {
    expect(fitImage([0, 0, 100, 100], 200, 100)).toEqual([0, 25, 100, 75]);
    expect(fitImage([0, 0, 100, 100], 200, 100, 20)).toEqual([30, 40, 70, 60]);
  });
});

describe('seal placement (Phụ lục I II.8(a))', () => {
  it('covers the left third of the signature image, vertically centred, at real size', () => {
    const image: [number, number, number, number] = [300, 300, 510, 384];
    const size = mm(36);
    const r = sealRectFor(image, size);
    expect(r[2] - r[0]).toBeCloseTo(size, 9);
    expect(r[3] - r[1]).toBeCloseTo(size, 9);
    const overlap = r[2] - image[0];
    expect(overlap / (image[2] - image[0])).toBeCloseTo(1 / 3, 9);
    expect((r[1] + r[3]) / 2).toBeCloseTo(342, 9);
    expect(sealRectFor(image, 60, 0.5)[2]).toBeCloseTo(405, 9);
  });

  it('takes the real size from options, else from the PNG pHYs, else 36 mm', () => {
    expect(sealSize({ width: 600, height: 600 }, 40).width).toBeCloseTo(mm(40), 9);
    expect(sealSize({ width: 600, height: 600 }).width).toBeCloseTo(mm(36), 9);
    expect(sealSize({ width: 600, height: 600, physicalSize: { width: 120, height: 120 } }).width).toBe(120);
    expect(() => sealSize({ width: 1, height: 1 }, 0)).toThrow();
  });
});

describe('stamp text (appendix and copy)', () => {
  const t = new Date('2026-11-23T03:15:00Z');
  it('default lines', () => {
    expect(
      stampLines({ kind: 'appendix', agency: 'SỞ KHOA HỌC VÀ CÔNG NGHỆ', documentNumber: '125/QĐ-SKHCN' }, t),
    ).toEqual(['SỞ KHOA HỌC VÀ CÔNG NGHỆ', 'Số: 125/QĐ-SKHCN', 'Thời gian ký: 2026-11-23T10:15:00+07:00']);
    expect(stampLines({ kind: 'copy', copyForm: 'TRÍCH SAO', agency: 'VĂN PHÒNG SỞ' }, t)).toEqual([
      'TRÍCH SAO',
      'VĂN PHÒNG SỞ',
      'Thời gian ký: 2026-11-23T10:15:00+07:00',
    ]);
  });
  it('configurable lines and time format', () => {
    expect(
      stampLines(
        {
          kind: 'appendix',
          agency: 'A',
          documentNumber: '1/B',
          timeFormat: 'vgca',
          lines: ['Cơ quan: {agency}', '{number} – {time}'],
        },
        t,
      ),
    ).toEqual(['Cơ quan: A', '1/B – 23.11.2026 10:15:00 +07:00']);
  });
});

// ------------------------------------------------------------------------------------------
// PNG

/** A PNG with raw scanlines (filter 0), any colour type/depth, optionally Adam7-interlaced. */
function rawPng(opts: {
  width: number;
  height: number;
  colorType: number;
  depth: number;
  /** Packs one pixel's samples. */
  samples: (x: number, y: number) => number[];
  plte?: number[];
  trns?: number[];
  interlace?: boolean;
}): Uint8Array {
  const { width, height, colorType, depth } = opts;
  const rows: number[] = [];
  const passes = opts.interlace
    ? [
        [0, 0, 8, 8],
        [4, 0, 8, 8],
        [0, 4, 4, 8],
        [2, 0, 4, 4],
        [0, 2, 2, 4],
        [1, 0, 2, 2],
        [0, 1, 1, 2],
      ]
    : [[0, 0, 1, 1]];
  for (const [x0, y0, dx, dy] of passes as [number, number, number, number][]) {
    for (let y = y0; y < height; y += dy) {
      const bits: number[] = [];
      for (let x = x0; x < width; x += dx) for (const s of opts.samples(x, y)) bits.push(s);
      if (bits.length === 0) continue;
      rows.push(0);
      if (depth === 16) for (const s of bits) rows.push(s >> 8, s & 0xff);
      else if (depth === 8) rows.push(...bits);
      else {
        let acc = 0;
        let n = 0;
        for (const s of bits) {
          acc = (acc << depth) | s;
          n += depth;
          if (n === 8) {
            rows.push(acc);
            acc = 0;
            n = 0;
          }
        }
        if (n > 0) rows.push(acc << (8 - n));
      }
    }
  }
  const crcT = Array.from({ length: 256 }, (_, k) => {
    let c = k;
    for (let i = 0; i < 8; i++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const chunk = (type: string, data: number[] | Uint8Array) => {
    const body = [...Buffer.from(type, 'latin1'), ...data];
    let c = 0xffffffff;
    for (const b of body) c = crcT[(c ^ b) & 0xff]! ^ (c >>> 8);
    c = (c ^ 0xffffffff) >>> 0;
    const len = data.length;
    return [
      (len >>> 24) & 255,
      (len >>> 16) & 255,
      (len >>> 8) & 255,
      len & 255,
      ...body,
      c >>> 24,
      (c >>> 16) & 255,
      (c >>> 8) & 255,
      c & 255,
    ];
  };
  const be = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  return Uint8Array.from([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...chunk('IHDR', [...be(width), ...be(height), depth, colorType, 0, 0, opts.interlace ? 1 : 0]),
    ...(opts.plte ? chunk('PLTE', opts.plte) : []),
    ...(opts.trns ? chunk('tRNS', opts.trns) : []),
    ...chunk('IDAT', deflateSync(Uint8Array.from(rows))),
    ...chunk('IEND', []),
  ]);
}

const px = (img: { width: number; rgba: Uint8Array }, x: number, y: number) => [
  ...img.rgba.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4),
];

describe('PNG decoding', () => {
  it('round-trips RGBA through encodePng, keeping pHYs', () => {
    const rgba = new Uint8Array(7 * 5 * 4).map((_, i) => (i * 37) & 0xff);
    const png = encodePng({ width: 7, height: 5, rgba, pixelsPerMetre: { x: 11811, y: 11811 } });
    const back = decodePng(png);
    expect(back.width).toBe(7);
    expect(back.height).toBe(5);
    expect(Buffer.from(back.rgba).equals(Buffer.from(rgba))).toBe(true);
    expect(back.pixelsPerMetre).toEqual({ x: 11811, y: 11811 });
  });

  it('grey 16-bit, RGB with tRNS, palette 4-bit with tRNS, grey+alpha, 1-bit', () => {
    const g16 = decodePng(
      rawPng({ width: 3, height: 2, colorType: 0, depth: 16, samples: (x) => [x * 0x7fff] }),
    );
    expect(px(g16, 2, 1)).toEqual([0xff, 0xff, 0xff, 255]);
    expect(px(g16, 1, 0)).toEqual([0x7f, 0x7f, 0x7f, 255]);
    const rgb = decodePng(
      rawPng({
        width: 2,
        height: 1,
        colorType: 2,
        depth: 8,
        samples: (x) => (x ? [1, 2, 3] : [9, 9, 9]),
        trns: [0, 1, 0, 2, 0, 3],
      }),
    );
    expect(px(rgb, 0, 0)).toEqual([9, 9, 9, 255]);
    expect(px(rgb, 1, 0)[3]).toBe(0);
    const pal = decodePng(
      rawPng({
        width: 5,
        height: 1,
        colorType: 3,
        depth: 4,
        samples: (x) => [x % 3],
        plte: [255, 0, 0, 0, 255, 0, 0, 0, 255],
        trns: [128],
      }),
    );
    expect(px(pal, 0, 0)).toEqual([255, 0, 0, 128]);
    expect(px(pal, 1, 0)).toEqual([0, 255, 0, 255]);
    expect(px(pal, 4, 0)).toEqual([0, 255, 0, 255]);
    const ga = decodePng(rawPng({ width: 1, height: 1, colorType: 4, depth: 8, samples: () => [200, 10] }));
    expect(px(ga, 0, 0)).toEqual([200, 200, 200, 10]);
    const bw = decodePng(rawPng({ width: 10, height: 1, colorType: 0, depth: 1, samples: (x) => [x & 1] }));
    expect(px(bw, 0, 0)[0]).toBe(0);
    expect(px(bw, 9, 0)[0]).toBe(255);
  });

  it('Adam7 interlaced equals the same image non-interlaced', () => {
    const samples = (x: number, y: number) => [(x * 13) & 255, (y * 29) & 255, (x * y) & 255, 255 - x];
    const a = decodePng(rawPng({ width: 11, height: 9, colorType: 6, depth: 8, samples }));
    const b = decodePng(rawPng({ width: 11, height: 9, colorType: 6, depth: 8, samples, interlace: true }));
    expect(Buffer.from(b.rgba).equals(Buffer.from(a.rgba))).toBe(true);
    const tiny = decodePng(
      rawPng({ width: 1, height: 1, colorType: 2, depth: 8, samples: () => [1, 2, 3], interlace: true }),
    );
    expect(px(tiny, 0, 0)).toEqual([1, 2, 3, 255]);
  });

  it('rejects malformed PNGs with a KysoError', () => {
    const good = encodePng({ width: 2, height: 2, rgba: new Uint8Array(16) });
    const bad: Uint8Array[] = [
      new Uint8Array([1, 2, 3]),
      good.subarray(0, good.length - 20),
      (() => {
        const c = good.slice();
        c[20] = (c[20]! + 1) & 255; // inside IHDR: CRC mismatch
        return c;
      })(),
      rawPng({ width: 2, height: 1, colorType: 3, depth: 8, samples: () => [5], plte: [0, 0, 0] }),
      rawPng({ width: 2, height: 1, colorType: 2, depth: 4, samples: () => [1, 1, 1] }),
    ];
    for (const b of bad) {
      try {
        decodePng(b);
        expect.unreachable();
      } catch (e) {
        expect(isKysoError(e), String(e)).toBe(true);
      }
    }
  });

  it('makes an RGB image XObject with the alpha channel as /SMask, grey images as DeviceGray', () => {
    const rgba = new Uint8Array(4 * 4 * 4);
    for (let i = 0; i < 16; i++) rgba.set([20, 50, 170, i * 16], i * 4);
    const { objects, add } = collector();
    const img = embedImage(
      encodePng({ width: 4, height: 4, rgba, pixelsPerMetre: { x: 3937, y: 3937 } }),
      add,
    );
    expect(img.hasAlpha).toBe(true);
    const x = objects[img.ref.num - 1] as PdfStream;
    expect(x.dict.name('ColorSpace')).toBe('DeviceRGB');
    const smask = objects[(x.dict.get('SMask') as PdfRef).num - 1] as PdfStream;
    expect(smask.dict.name('ColorSpace')).toBe('DeviceGray');
    expect(img.physicalSize!.width).toBeCloseTo(mm((4 / 3937) * 1000), 6);
    const opaque = collector();
    const g = embedImage({ width: 1, height: 1, rgba: Uint8Array.from([7, 7, 7, 255]) }, opaque.add);
    expect(g.hasAlpha).toBe(false);
    expect(opaque.objects.length).toBe(1);
    expect((opaque.objects[0] as PdfStream).dict.name('ColorSpace')).toBe('DeviceGray');
    expect(new PdfDict().size).toBe(0);
  });
});
