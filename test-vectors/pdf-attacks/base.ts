/**
 * The base "công văn": one page (420 x 297 pt) with a header, an amount ("So tien: 900 dong"), a
 * line hidden under an overlay (shadow hide), a hidden optional-content layer, a reference to an
 * XObject, a /Contents entry and an /Annots entry that do not exist (dangling), a page that
 * inherits /Resources from a /Parent outside the page tree, an empty signature field, a text field
 * whose appearance uses the AcroForm /DR font (the page's font), a text field lying over the
 * amount, and an unreferenced shadow catalog / page tree. Written by raw.ts only.
 *
 * Two revisions: rev 0 (everything, overlay 31 empty) and rev 1 (overlay 31 draws the white box),
 * so an older definition of 31 sits in the signed bytes for the shadow-hide attack.
 */
import { type Body, appendUpdate, latin1, stream, writeDocument } from './raw.js';

export type XrefVariant = 'table' | 'objstm';

/** Object numbers of the base document (the attacks refer to them). */
export const OBJ = {
  catalog: 1,
  pages: 2,
  page: 3,
  content: 4,
  font: 5,
  ocg: 6,
  ocProperties: 7,
  acroForm: 10,
  sigField: 11,
  noteField: 12,
  noteAp: 13,
  amountField: 15,
  amountAp: 16,
  parentNode: 20,
  resources: 21,
  overlay: 31,
  shadowCatalog: 35,
  shadowPages: 36,
  shadowPage: 37,
  shadowContent: 38,
  danglingXObject: 41,
  danglingContent: 42,
  danglingAnnot: 43,
  hiddenAnnot: 44,
  checkBox: 45,
  checkOffAp: 46,
  checkOnAp: 47,
  hiddenAnnotAp: 48,
  objStm: 100,
} as const;

/** Page geometry shared by the attacks. */
export const PAGE = { w: 420, h: 297 } as const;
/** Rectangle of the amount line ("So tien: 900 dong"), in page space. */
export const AMOUNT_RECT = [25, 192, 260, 218] as const;

export const CONTENT = [
  'BT /F1 16 Tf 30 255 Td (CONG VAN SO 12/UBND-VP) Tj ET',
  'BT /F1 14 Tf 30 200 Td (So tien: 900 dong) Tj ET',
  'BT /F1 14 Tf 30 160 Td (Ghi chu: DA THANH TOAN 9999) Tj ET',
  '/OC /oc1 BDC BT /F1 18 Tf 280 200 Td (HUY BO) Tj ET EMC',
  'q /Ov Do Q',
  '% a seal drawn as vector graphics (a path, no text or image)',
  'q 0.8 0 0 rg 290 60 90 40 re f Q',
].join('\n');

/** The vector "seal" of the content stream, in page space. */
export const SEAL_RECT = [290, 60, 380, 100] as const;

const AW = AMOUNT_RECT[2] - AMOUNT_RECT[0];
const AH = AMOUNT_RECT[3] - AMOUNT_RECT[1];
/** A prepared appearance over AMOUNT_RECT that hides the amount and shows another one. */
export const coverStream = (): Uint8Array =>
  stream(
    `/Type /XObject /Subtype /Form /BBox [0 0 ${AW} ${AH}] /Resources << /Font << /Helv ${OBJ.font} 0 R >> >>`,
    `q 1 g 0 0 ${AW} ${AH} re f Q BT /Helv 14 Tf 0 g 5 8 Td (So tien: 9999 dong) Tj ET`,
  );

/** Objects a viewer may keep in an object stream (dictionaries), by number. */
export function dictObjects(opts: { danglingContents?: boolean } = {}): { num: number; body: string }[] {
  const r = (n: number) => `${n} 0 R`;
  return [
    {
      num: OBJ.catalog,
      body: `<< /Type /Catalog /Pages ${r(OBJ.pages)} /OCProperties ${r(OBJ.ocProperties)} /AcroForm ${r(OBJ.acroForm)} >>`,
    },
    {
      num: OBJ.pages,
      body: `<< /Type /Pages /Kids [${r(OBJ.page)}] /Count 1 /Resources ${r(OBJ.resources)} >>`,
    },
    {
      num: OBJ.page,
      body: `<< /Type /Page /Parent ${r(OBJ.parentNode)} /MediaBox [0 0 ${PAGE.w} ${PAGE.h}] /Contents [${r(OBJ.content)} ${r(OBJ.overlay)}${opts.danglingContents ? ` ${r(OBJ.danglingContent)}` : ''}] /Annots [${r(OBJ.sigField)} ${r(OBJ.noteField)} ${r(OBJ.amountField)} ${r(OBJ.hiddenAnnot)} ${r(OBJ.checkBox)} ${r(OBJ.danglingAnnot)}] >>`,
    },
    {
      num: OBJ.font,
      body: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    },
    { num: OBJ.ocg, body: '<< /Type /OCG /Name (Lop an) >>' },
    {
      num: OBJ.ocProperties,
      body: `<< /OCGs [${r(OBJ.ocg)}] /D << /Order [${r(OBJ.ocg)}] /OFF [${r(OBJ.ocg)}] >> >>`,
    },
    {
      num: OBJ.acroForm,
      body: `<< /Fields [${r(OBJ.sigField)} ${r(OBJ.noteField)} ${r(OBJ.amountField)} ${r(OBJ.checkBox)}] /DR << /Font << /Helv ${r(OBJ.font)} >> >> /DA (/Helv 0 Tf 0 g) >>`,
    },
    {
      num: OBJ.sigField,
      body: `<< /FT /Sig /T (ChuKy1) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /P ${r(OBJ.page)} >>`,
    },
    {
      num: OBJ.noteField,
      body: `<< /FT /Tx /T (GhiChu) /V (chua nhan) /DA (/Helv 10 Tf 0 g) /Type /Annot /Subtype /Widget /Rect [30 20 390 45] /F 4 /P ${r(OBJ.page)} /AP << /N ${r(OBJ.noteAp)} >> >>`,
    },
    {
      num: OBJ.amountField,
      body: `<< /FT /Tx /T (SoTien) /DA (/Helv 14 Tf 0 g) /Type /Annot /Subtype /Widget /Rect [${AMOUNT_RECT.join(' ')}] /F 4 /P ${r(OBJ.page)} /AP << /N ${r(OBJ.amountAp)} >> >>`,
    },
    {
      num: OBJ.hiddenAnnot,
      body: `<< /Type /Annot /Subtype /Stamp /Rect [${AMOUNT_RECT.join(' ')}] /F 2 /P ${r(OBJ.page)} /AP << /N ${r(OBJ.hiddenAnnotAp)} >> >>`,
    },
    {
      num: OBJ.checkBox,
      body: `<< /FT /Btn /T (DaDuyet) /V /Off /AS /Off /Type /Annot /Subtype /Widget /Rect [${AMOUNT_RECT.join(' ')}] /F 4 /P ${r(OBJ.page)} /AP << /N << /Off ${r(OBJ.checkOffAp)} /On ${r(OBJ.checkOnAp)} >> >> >>`,
    },
    {
      num: OBJ.parentNode,
      body: `<< /Type /Pages /Kids [${r(OBJ.page)}] /Count 1 /Resources ${r(OBJ.resources)} >>`,
    },
    {
      num: OBJ.resources,
      body: `<< /Font << /F1 ${r(OBJ.font)} >> /Properties << /oc1 ${r(OBJ.ocg)} >> /XObject << /Ov ${r(OBJ.danglingXObject)} >> >>`,
    },
    {
      num: OBJ.shadowCatalog,
      body: `<< /Type /Catalog /Pages ${r(OBJ.shadowPages)} /AcroForm ${r(OBJ.acroForm)} >>`,
    },
    { num: OBJ.shadowPages, body: `<< /Type /Pages /Kids [${r(OBJ.shadowPage)}] /Count 1 >>` },
    {
      num: OBJ.shadowPage,
      body: `<< /Type /Page /Parent ${r(OBJ.shadowPages)} /MediaBox [0 0 ${PAGE.w} ${PAGE.h}] /Resources ${r(OBJ.resources)} /Contents ${r(OBJ.shadowContent)} >>`,
    },
  ];
}

export const noteAppearance = (value: string, ap = OBJ.noteAp): { num: number; body: Body } => ({
  num: ap,
  body: stream(
    `/Type /XObject /Subtype /Form /BBox [0 0 360 25] /Resources << /Font << /Helv ${OBJ.font} 0 R >> >>`,
    `/Tx BMC q BT /Helv 10 Tf 0 g 2 8 Td (${value}) Tj ET Q EMC`,
  ),
});

function streamObjects(): { num: number; body: Body }[] {
  return [
    { num: OBJ.content, body: stream('', CONTENT) },
    noteAppearance('chua nhan'),
    {
      num: OBJ.amountAp,
      body: stream('/Type /XObject /Subtype /Form /BBox [0 0 235 26]', '/Tx BMC EMC'),
    },
    { num: OBJ.overlay, body: stream('', '% overlay (empty in rev 0)') },
    { num: OBJ.checkOffAp, body: stream(`/Type /XObject /Subtype /Form /BBox [0 0 ${AW} ${AH}]`, '') },
    { num: OBJ.checkOnAp, body: coverStream() },
    { num: OBJ.hiddenAnnotAp, body: coverStream() },
    {
      num: OBJ.shadowContent,
      body: stream('', 'BT /F1 14 Tf 30 200 Td (So tien: 9999 dong) Tj ET'),
    },
  ];
}

/** The overlay of rev 1: a white box over the "Ghi chu" line. */
export const OVERLAY_REV1 = '1 g 25 150 380 32 re f';

export interface BaseOptions {
  variant: XrefVariant;
  /** Write the content stream's xref offset 3 bytes off (class 3b). */
  skewContent?: boolean;
  /**
   * The page's /Contents array also names 42 0 R, which is not defined (class 2). Only in its own
   * flavour: poppler then draws none of the page content ("Weird page contents").
   */
  danglingContents?: boolean;
}

/** The unsigned base document (two revisions). */
export function makeBase(opts: BaseOptions): Uint8Array {
  const rev0 = writeDocument({
    xref: opts.variant === 'table' ? 'table' : 'stream',
    objects: streamObjects(),
    compressed: dictObjects({ danglingContents: opts.danglingContents === true }),
    objStmNum: OBJ.objStm,
    root: `${OBJ.catalog} 0 R`,
    id: 'C0C0A0B0C0D0E0F00112233445566778',
    minSize: 50,
    ...(opts.skewContent ? { skew: { num: OBJ.content, delta: 3 } } : {}),
  });
  return appendUpdate(rev0, {
    xref: opts.variant === 'table' ? 'table' : 'stream',
    objects: [{ num: OBJ.overlay, body: stream('', OVERLAY_REV1) }],
  });
}

export { latin1 };
