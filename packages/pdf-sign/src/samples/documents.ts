/**
 * Sample Vietnamese administrative documents (fictitious) for tests and demos, laid out after
 * Decree 30/2020/NĐ-CP Phụ lục I: A4 portrait, margins 25 mm top, 20 mm bottom, 30 mm left, 15 mm right,
 * Times-metric font (the shipped Liberation Serif, embedded and subset through pdf-lib +
 * @pdf-lib/fontkit), quốc hiệu and tiêu ngữ, agency, số/ký hiệu, place and date, subject,
 * body, nơi nhận and a signature block left empty for the visible signatures:
 *
 *   const { bytes, signature } = await congVanSample();
 *   // signature.person: where personAppearance goes (title lines, image, name);
 *   // signature.seal: where sealAppearance goes (over the left third of the person's image).
 *
 * pdf-lib is a devDependency of @kyso/pdf-sign: this module is for tests, demos and the
 * benchmark, not for the signing path.
 */
import fontkit from '@pdf-lib/fontkit';
import { type PDFFont, type PDFPage, PDFDocument, PDFString, rgb } from 'pdf-lib';
import { personImageRect, sealRectFor, sealSize } from '../appearance/decree30.js';
import { type ShippedFont, normalizeText, shippedFont } from '../appearance/fonts.js';
import { mm } from '../appearance/images.js';
import { wrapWith } from '../appearance/layout.js';
import type { Rect } from '../sign/appearance.js';

/**
 * The header of a sample document, as Decree 30/2020/NĐ-CP Phụ lục I lays it out: cơ quan chủ
 * quản, cơ quan ban hành, số và ký hiệu, địa danh and date. All values are fictitious by default.
 */
export interface SampleHeader {
  /** Cơ quan chủ quản (upper case). Default 'ỦY BAN NHÂN DÂN TỈNH AN LẠC' (fictitious). */
  parentAgency?: string;
  /** Cơ quan ban hành (upper case, bold). Default 'SỞ KHOA HỌC VÀ CÔNG NGHỆ'. */
  agency?: string;
  /** Số và ký hiệu (without 'Số: '). */
  number?: string;
  /** Địa danh. Default 'An Lạc'. */
  place?: string;
  /** Date of the document (Vietnam time). Default 2026-11-23. */
  date?: Date;
}

/**
 * The signature block of a sample document (Phụ lục I boxes 7a/7b/7c and 8), left empty by default
 * for `personAppearance` and `sealAppearance` to fill.
 */
export interface SampleSignatureBlock {
  /** Authority/title lines of the official (drawn by the person appearance, not by the sample). */
  titleLines?: string[];
  /** The official's name (drawn by the person appearance). */
  signerName?: string;
  /** Also write the title lines and the name into the page content (default false: left empty). */
  drawText?: boolean;
  /** Add empty signature fields over the person and seal rectangles (default false). */
  emptyFields?: boolean;
}

/** Options of `congVanSample` and `quyetDinhSample`: header, body and signature block. */
export interface SampleOptions extends SampleHeader, SampleSignatureBlock {
  /** Subject (trích yếu). */
  subject?: string;
  /** Body paragraphs (each may start with a bold lead such as 'Điều 1.' via `{ bold, text }`). */
  paragraphs?: (string | { bold: string; text: string })[];
  /** Nơi nhận lines (without the 'Nơi nhận:' heading). */
  recipients?: string[];
  /** Kính gửi (công văn). */
  addressee?: string;
  /** Write object streams / an xref stream (default false: classic xref table). */
  useObjectStreams?: boolean;
  /** Extra empty lines of body text to push the signature block to page 2 (testing). */
  extraParagraphs?: number;
}

/**
 * A generated sample PDF and where its visible signatures go, in page space (points, origin at the
 * lower left of the page), ready for `preparePdfSignature`'s `rect`.
 */
export interface SampleDocument {
  /** The PDF (A4 portrait, Liberation Serif embedded, one revision). */
  bytes: Uint8Array;
  /** Number of pages (the signature block may push to page 2, see `extraParagraphs`). */
  pageCount: number;
  /** Where the visible signatures go (page space of `page`, 0-based). */
  signature: {
    page: number;
    /** The official's block: rect for `personAppearance` (title lines, image, name). */
    person: Rect;
    /** Where the demo signature image lands inside `person` (with the default title lines). */
    personImage: Rect;
    /** Rect for `sealAppearance` (36 mm seal over the left third of `personImage`). */
    seal: Rect;
    /** The title lines used (for the person appearance). */
    titleLines: string[];
    /** The official's name used (for the person appearance). */
    signerName: string;
    /** Names of the empty signature fields, when `emptyFields` was set. */
    fields?: { person: string; agency: string };
  };
  /** The header values used (for assertions). */
  header: Required<Omit<SampleHeader, 'date'>> & { dateLine: string };
}

const PAGE: [number, number] = [595.28, 841.89];
const MARGIN = { top: mm(25), bottom: mm(20), left: mm(30), right: mm(15) };
const BLACK = rgb(0, 0, 0);

/** The demo signature image's pixel size (assets/demo/demo-signature.png). */
const DEMO_SIGNATURE_SIZE = { width: 600, height: 240 };
const DEMO_SEAL_MM = 36;

/** 'An Lạc, ngày 05 tháng 02 năm 2026' (Phụ lục I: day < 10 and months 1–2 take a leading zero). */
export function placeDateLine(place: string, d: Date): string {
  const t = new Date(d.getTime() + 7 * 3600_000);
  const day = t.getUTCDate();
  const month = t.getUTCMonth() + 1;
  return `${place}, ngày ${String(day).padStart(2, '0')} tháng ${month <= 2 ? String(month).padStart(2, '0') : month} năm ${t.getUTCFullYear()}`;
}

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  italic: PDFFont;
  boldItalic: PDFFont;
}

class PageWriter {
  page: PDFPage;
  y: number;
  constructor(
    readonly doc: PDFDocument,
    readonly fonts: Fonts,
  ) {
    this.page = doc.addPage(PAGE);
    this.y = PAGE[1] - MARGIN.top;
  }

  get width(): number {
    return PAGE[0] - MARGIN.left - MARGIN.right;
  }

  text(s: string, x: number, y: number, font: PDFFont, size: number): void {
    this.page.drawText(normalizeText(s), { x, y, font, size, color: BLACK });
  }

  centered(s: string, cx: number, y: number, font: PDFFont, size: number): number {
    const t = normalizeText(s);
    const w = font.widthOfTextAtSize(t, size);
    this.text(t, cx - w / 2, y, font, size);
    return w;
  }

  /** Wrapped centred lines in a column; returns the y below the last line. */
  centeredBlock(
    s: string,
    cx: number,
    width: number,
    y: number,
    font: PDFFont,
    size: number,
    leading = 1.2,
  ): number {
    let yy = y;
    for (const line of wrapWith((t) => font.widthOfTextAtSize(t, size), s, width)) {
      this.centered(line, cx, yy, font, size);
      yy -= size * leading;
    }
    return yy;
  }

  hline(x1: number, x2: number, y: number, thickness = 0.6): void {
    this.page.drawLine({ start: { x: x1, y }, end: { x: x2, y }, thickness, color: BLACK });
  }

  ensure(height: number): void {
    if (this.y - height < MARGIN.bottom) {
      this.page = this.doc.addPage(PAGE);
      this.y = PAGE[1] - MARGIN.top;
    }
  }

  /** A body paragraph: first-line indent 1 cm, optional bold lead, 13 pt, line height 1.25. */
  paragraph(p: string | { bold: string; text: string }, font: PDFFont = this.fonts.regular, size = 13): void {
    const lead = typeof p === 'string' ? '' : normalizeText(p.bold);
    const body = normalizeText(typeof p === 'string' ? p : p.text);
    const lh = size * 1.25;
    const indent = mm(10);
    // Words with their fonts; the lead is bold.
    const words: { w: string; f: PDFFont }[] = [
      ...lead
        .split(/ +/)
        .filter(Boolean)
        .map((w) => ({ w, f: this.fonts.bold })),
      ...body
        .split(/ +/)
        .filter(Boolean)
        .map((w) => ({ w, f: font })),
    ];
    const space = font.widthOfTextAtSize(' ', size);
    let line: { w: string; f: PDFFont }[] = [];
    let lineW = 0;
    let first = true;
    const flush = () => {
      this.ensure(lh);
      this.y -= lh;
      let x = MARGIN.left + (first ? indent : 0);
      // Merge consecutive words of one font into one run (one Tj per run).
      let run = '';
      let runFont: PDFFont | undefined;
      const drawRun = () => {
        if (runFont && run) {
          this.text(run, x, this.y, runFont, size);
          x += runFont.widthOfTextAtSize(run, size);
        }
      };
      for (const [i, { w, f }] of line.entries()) {
        const piece = i === 0 ? w : ` ${w}`;
        if (f !== runFont) {
          drawRun();
          run = piece;
          runFont = f;
        } else run += piece;
      }
      drawRun();
      first = false;
      line = [];
      lineW = 0;
    };
    for (const word of words) {
      const ww = word.f.widthOfTextAtSize(word.w, size);
      const avail = this.width - (first ? indent : 0);
      if (line.length > 0 && lineW + space + ww > avail) flush();
      lineW += (line.length > 0 ? space : 0) + ww;
      line.push(word);
    }
    if (line.length > 0) flush();
    this.y -= 6;
  }
}

async function loadFonts(doc: PDFDocument): Promise<Fonts> {
  doc.registerFontkit(fontkit);
  // pdf-lib names subsets 'Name-1234'; PDF wants a six-letter tag ('ABCDEF+Name', ISO 32000-1
  // §9.6.4) so that tools (pdffonts 'sub', preflight) recognise the subset.
  const load = (f: ShippedFont, tag: string, psName: string) =>
    doc.embedFont(shippedFont(f).bytes, { subset: true, customName: `${tag}+${psName}` });
  return {
    regular: await load('serif', 'KYSOAA', 'LiberationSerif'),
    bold: await load('serif-bold', 'KYSOAB', 'LiberationSerif-Bold'),
    italic: await load('serif-italic', 'KYSOAC', 'LiberationSerif-Italic'),
    boldItalic: await load('serif-bold-italic', 'KYSOAD', 'LiberationSerif-BoldItalic'),
  };
}

interface Kind {
  kind: 'cong-van' | 'quyet-dinh';
  title: string;
}

async function build(k: Kind, o: SampleOptions): Promise<SampleDocument> {
  const doc = await PDFDocument.create();
  const date = o.date ?? new Date('2026-11-23T03:00:00Z');
  doc.setTitle(k.title);
  doc.setAuthor(o.agency ?? 'SỞ KHOA HỌC VÀ CÔNG NGHỆ');
  doc.setSubject(o.subject ?? '');
  doc.setProducer('kyso sample documents (pdf-lib)');
  doc.setCreator('kyso');
  doc.setCreationDate(date);
  doc.setModificationDate(date);
  doc.setLanguage('vi-VN');
  const fonts = await loadFonts(doc);
  const w = new PageWriter(doc, fonts);

  const header = {
    parentAgency: o.parentAgency ?? 'ỦY BAN NHÂN DÂN TỈNH AN LẠC',
    agency: o.agency ?? 'SỞ KHOA HỌC VÀ CÔNG NGHỆ',
    number: o.number ?? (k.kind === 'quyet-dinh' ? '125/QĐ-SKHCN' : '1234/SKHCN-VP'),
    place: o.place ?? 'An Lạc',
    dateLine: placeDateLine(o.place ?? 'An Lạc', date),
  };

  // Header: agency on the left, quốc hiệu and tiêu ngữ on the right (Phụ lục I, boxes 1–4).
  const left = { x1: mm(18), x2: mm(93) };
  const right = { x1: mm(93), x2: PAGE[0] - mm(12) };
  const cxL = (left.x1 + left.x2) / 2;
  const cxR = (right.x1 + right.x2) / 2;
  let yL = w.y - 12;
  let yR = w.y - 12;
  yL = w.centeredBlock(header.parentAgency, cxL, left.x2 - left.x1, yL, fonts.regular, 12.5, 1.15);
  yL = w.centeredBlock(header.agency, cxL, left.x2 - left.x1, yL, fonts.bold, 12.5, 1.15);
  const agencyW = Math.min(
    fonts.bold.widthOfTextAtSize(normalizeText(header.agency), 12.5),
    left.x2 - left.x1,
  );
  w.hline(cxL - agencyW / 6, cxL + agencyW / 6, yL + 7.5);
  w.centered('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', cxR, yR, fonts.bold, 12.5);
  yR -= 15;
  const mottoW = w.centered('Độc lập - Tự do - Hạnh phúc', cxR, yR, fonts.bold, 13.5);
  w.hline(cxR - mottoW / 2, cxR + mottoW / 2, yR - 3.5);
  yL -= 10;
  yR = Math.min(yR - 28, yL);
  w.centered(`Số: ${header.number}`, cxL, yL, fonts.regular, 13);
  w.centered(header.dateLine, cxR, yR, fonts.italic, 13);
  yL -= 16;
  if (k.kind === 'cong-van') {
    yL = w.centeredBlock(
      o.subject ?? 'V/v triển khai ký số văn bản điện tử theo Nghị định 30/2020/NĐ-CP',
      cxL,
      left.x2 - left.x1 - mm(10),
      yL,
      fonts.regular,
      12,
      1.15,
    );
  }
  w.y = Math.min(yL, yR) - 14;

  if (k.kind === 'quyet-dinh') {
    w.y -= 10;
    w.centered('QUYẾT ĐỊNH', PAGE[0] / 2 + (MARGIN.left - MARGIN.right) / 2, w.y, fonts.bold, 14);
    w.y -= 17;
    const cx = MARGIN.left + w.width / 2;
    w.y = w.centeredBlock(
      o.subject ?? 'Ban hành Quy chế sử dụng chữ ký số trong hoạt động của Sở Khoa học và Công nghệ',
      cx,
      w.width - mm(20),
      w.y,
      fonts.bold,
      14,
      1.2,
    );
    w.hline(cx - mm(20), cx + mm(20), w.y + 10);
    w.y -= 12;
    w.centered(`GIÁM ĐỐC ${header.agency}`, cx, w.y, fonts.bold, 14);
    w.y -= 8;
    const can = [
      'Căn cứ Luật Giao dịch điện tử ngày 22 tháng 6 năm 2023;',
      'Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;',
      'Căn cứ Nghị định số 23/2025/NĐ-CP của Chính phủ quy định về chữ ký điện tử và dịch vụ tin cậy;',
      'Theo đề nghị của Chánh Văn phòng Sở.',
    ];
    for (const c of can) w.paragraph(c, fonts.italic);
    w.y -= 4;
    w.centered('QUYẾT ĐỊNH:', cx, w.y - 14, fonts.bold, 14);
    w.y -= 22;
    const paras = o.paragraphs ?? [
      {
        bold: 'Điều 1.',
        text: 'Ban hành kèm theo Quyết định này Quy chế sử dụng chữ ký số trong hoạt động của Sở Khoa học và Công nghệ tỉnh An Lạc.',
      },
      {
        bold: 'Điều 2.',
        text: 'Quyết định này có hiệu lực kể từ ngày ký. Văn bản điện tử được ký số bởi người có thẩm quyền và ký số của cơ quan theo đúng thể thức quy định tại Phụ lục I Nghị định số 30/2020/NĐ-CP.',
      },
      {
        bold: 'Điều 3.',
        text: 'Chánh Văn phòng Sở, Trưởng các phòng, đơn vị trực thuộc Sở và các cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này./.',
      },
    ];
    for (const p of paras) w.paragraph(p);
  } else {
    w.y -= 12;
    const kg = normalizeText(`Kính gửi: ${o.addressee ?? 'Các phòng, đơn vị trực thuộc Sở.'}`);
    w.centered(kg, MARGIN.left + w.width / 2, w.y, fonts.regular, 14);
    w.y -= 12;
    const paras = o.paragraphs ?? [
      'Thực hiện Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư, Sở Khoa học và Công nghệ đề nghị các phòng, đơn vị trực thuộc triển khai ký số văn bản điện tử như sau:',
      '1. Văn bản điện tử do người có thẩm quyền ký số; hình ảnh chữ ký số là chữ ký tay màu xanh, định dạng PNG nền trong suốt, đặt canh giữa giữa chức vụ và họ tên người ký.',
      '2. Văn thư cơ quan ký số của cơ quan: hình ảnh con dấu màu đỏ, kích thước bằng kích thước thực tế của con dấu, trùm lên khoảng 1/3 hình ảnh chữ ký số của người có thẩm quyền về bên trái.',
      '3. Phụ lục và bản sao điện tử: ký số của cơ quan tại góc trên bên phải trang đầu, không hiển thị hình ảnh; thông tin gồm số và ký hiệu văn bản, thời gian ký theo tiêu chuẩn ISO 8601.',
      'Đề nghị các phòng, đơn vị nghiêm túc thực hiện./.',
    ];
    for (const p of paras) w.paragraph(p);
  }
  for (let i = 0; i < (o.extraParagraphs ?? 0); i++) {
    w.paragraph(
      'Nội dung bổ sung của văn bản mẫu, dùng để kiểm thử văn bản có nhiều trang và vị trí chữ ký ở trang sau.',
    );
  }

  // Signature block (boxes 7a–7c, 8) on the right, nơi nhận (box 9) on the left.
  const titleLines = o.titleLines ?? ['KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC'];
  const signerName = normalizeText(o.signerName ?? 'Nguyễn Văn An');
  const blockH = 150;
  w.ensure(blockH + 10);
  const top = w.y - 6;
  const blockW = 220;
  const person: Rect = [cxR - blockW / 2, top - blockH, cxR + blockW / 2, top];
  const personImage = personImageRect(person, { titleLines, name: signerName }, DEMO_SIGNATURE_SIZE);
  const seal = sealRectFor(personImage, sealSize({ width: 600, height: 600 }, DEMO_SEAL_MM));
  const recipients =
    o.recipients ??
    (k.kind === 'quyet-dinh'
      ? ['Như Điều 3;', 'UBND tỉnh (để b/c);', 'Lưu: VT, VP.']
      : ['Như trên;', 'Giám đốc Sở (để b/c);', 'Lưu: VT, VP.']);
  let yn = top - 12;
  w.text('Nơi nhận:', MARGIN.left, yn, fonts.boldItalic, 12);
  for (const r of recipients) {
    yn -= 13;
    w.text(`- ${r}`, MARGIN.left, yn, fonts.regular, 11);
  }
  if (o.drawText) {
    let yt = top - 13;
    for (const t of titleLines) {
      w.centered(t.toLocaleUpperCase('vi'), cxR, yt, fonts.bold, 13);
      yt -= 15;
    }
    w.centered(signerName, cxR, person[1] + 4, fonts.bold, 13);
  }
  const pageIndex = doc.getPageCount() - 1;
  let fields: SampleDocument['signature']['fields'];
  if (o.emptyFields) {
    fields = { person: 'ChuKyNguoiCoThamQuyen', agency: 'ChuKyCoQuan' };
    const form = doc.catalog.getOrCreateAcroForm();
    for (const [fname, rect] of [
      [fields.person, person],
      [fields.agency, seal],
    ] as const) {
      const widget = doc.context.obj({
        Type: 'Annot',
        Subtype: 'Widget',
        FT: 'Sig',
        T: PDFString.of(fname),
        Rect: rect.map((v) => Math.round(v * 100) / 100),
        F: 4,
        P: w.page.ref,
      });
      const ref = doc.context.register(widget);
      w.page.node.addAnnot(ref);
      form.addField(ref);
    }
  }

  const bytes = await doc.save({
    useObjectStreams: o.useObjectStreams ?? false,
    updateFieldAppearances: false,
  });
  return {
    bytes,
    pageCount: doc.getPageCount(),
    signature: {
      page: pageIndex,
      person,
      personImage,
      seal,
      titleLines,
      signerName,
      ...(fields ? { fields } : {}),
    },
    header: {
      parentAgency: header.parentAgency,
      agency: header.agency,
      number: header.number,
      place: header.place,
      dateLine: header.dateLine,
    },
  };
}

/** A công văn (official letter), fictitious, with an empty signature block. */
export function congVanSample(options: SampleOptions = {}): Promise<SampleDocument> {
  return build({ kind: 'cong-van', title: 'Công văn (mẫu)' }, options);
}

/** A quyết định (decision), fictitious, with an empty signature block. */
export function quyetDinhSample(options: SampleOptions = {}): Promise<SampleDocument> {
  return build({ kind: 'quyet-dinh', title: 'Quyết định (mẫu)' }, options);
}
