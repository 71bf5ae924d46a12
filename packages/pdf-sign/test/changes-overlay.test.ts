/**
 * Allowed changes that may hide what was signed (issue 12): annotations and widgets over signed
 * content (OVERLAYS_SIGNED_CONTENT), /NeedAppearances set after signing, a field whose appearance
 * changes without its value, a check box switched to a prepared appearance. The first three make
 * the verdict INDETERMINATE; the last is named and stays VALID (docs/conformance.md, "Changes
 * after signing: what makes a verdict INDETERMINATE").
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AppearanceProvider,
  PdfDict,
  PdfName,
  PdfReader,
  PdfRef,
  PdfStream,
  PdfString,
  dict,
  signPdf,
} from '../src/index.js';
import { overlaps, pageMarks } from '../src/verify/changes/overlay.js';
import { renderReport } from '../src/verify/index.js';
import {
  type ChangeFixture,
  changeFixture,
  codesOf,
  describeReport,
  edit,
  enc,
  pageFont,
  sign,
  verify,
  withForm,
} from './helpers/changes.js';

/** Adds an annotation with an opaque appearance at `rect` on page 1. */
function annotate(pdf: Uint8Array, subtype: string, rect: [number, number, number, number]): Uint8Array {
  return edit(pdf, (w, r) => {
    const page = r.pages()[0]!;
    const ap = w.add(
      new PdfStream(
        dict({
          Type: PdfName.of('XObject'),
          Subtype: PdfName.of('Form'),
          BBox: [0, 0, rect[2] - rect[0], rect[3] - rect[1]],
        }),
        enc(`1 1 1 rg 0 0 ${rect[2] - rect[0]} ${rect[3] - rect[1]} re f`),
      ),
    );
    const annot = w.add(
      dict({
        Type: PdfName.of('Annot'),
        Subtype: PdfName.of(subtype),
        Rect: rect,
        F: 4,
        AP: dict({ N: ap }),
        P: page,
      }),
    );
    const pd = w.editDict(page);
    pd.set('Annots', [...(r.array(pd.get('Annots')) ?? []), annot]);
  });
}

/** A visible signature appearance: an opaque white box. */
const whiteBox = (rect: [number, number, number, number]): AppearanceProvider => ({
  render: () => ({
    rect,
    bbox: [0, 0, rect[2] - rect[0], rect[3] - rect[1]],
    resources: new PdfDict(),
    content: enc(`1 1 1 rg 0 0 ${rect[2] - rect[0]} ${rect[3] - rect[1]} re f`),
  }),
});

/** Over "Sample page 1" (drawn at 72, 760 in 18 pt) and a blank area. */
const OVER_TEXT: [number, number, number, number] = [60, 750, 260, 790];
const BLANK: [number, number, number, number] = [300, 100, 500, 160];

function field(r: PdfReader, i: number): PdfRef {
  return r.array(r.dict(r.catalog().get('AcroForm'))!.get('Fields'))![i] as PdfRef;
}

describe('overlays and appearance changes after signing', () => {
  let f: ChangeFixture;
  beforeAll(async () => {
    f = await changeFixture();
  });

  it('pageMarks bounds the text the sample page draws (and nothing in its blank areas)', () => {
    const r = PdfReader.open(f.plain);
    const m = pageMarks(r, r.pages()[0]!);
    expect(m.complete).toBe(true);
    expect(m.boxes.length).toBeGreaterThan(0);
    expect(m.boxes.some((b) => overlaps(b, OVER_TEXT))).toBe(true);
    expect(m.boxes.some((b) => overlaps(b, BLANK))).toBe(false);
    // A page whose content cannot be read counts as drawn everywhere.
    const broken = edit(f.plain, (w, rr) => {
      const pd = w.editDict(rr.pages()[0]!);
      pd.set(
        'Contents',
        w.add(new PdfStream(dict({ Filter: PdfName.of('FlateDecode') }), enc('not deflate'))),
      );
    });
    const rb = PdfReader.open(broken);
    const mb = pageMarks(rb, rb.pages()[0]!);
    expect(mb.complete).toBe(false);
    expect(mb.boxes.some((b) => overlaps(b, BLANK))).toBe(true);
  });

  it('pageMarks follows cm/q/Q, Tm and TJ, image and form XObjects, inline images', () => {
    const t = edit(f.plain, (w, r) => {
      const pd = w.editDict(r.pages()[0]!);
      const im = w.add(
        new PdfStream(
          dict({
            Type: PdfName.of('XObject'),
            Subtype: PdfName.of('Image'),
            Width: 1,
            Height: 1,
            BitsPerComponent: 8,
            ColorSpace: PdfName.of('DeviceGray'),
          }),
          new Uint8Array([0]),
        ),
      );
      const fo = w.add(
        new PdfStream(
          dict({
            Type: PdfName.of('XObject'),
            Subtype: PdfName.of('Form'),
            BBox: [0, 0, 10, 10],
            Matrix: [2, 0, 0, 2, 0, 0],
          }),
          enc('0 0 10 10 re f'),
        ),
      );
      pd.set('Resources', dict({ XObject: dict({ Im1: im, Fm1: fo }) }));
      pd.set(
        'Contents',
        w.add(
          new PdfStream(
            new PdfDict(),
            enc(
              'q 100 0 0 50 300 400 cm /Im1 Do Q q 1 0 0 1 500 500 cm /Fm1 Do Q BT /F1 10 Tf 1 0 0 1 50 50 Tm [(AB) -500 (C)] TJ ET ' +
                'q 20 0 0 20 200 200 cm BI /W 1 /H 1 /BPC 8 /CS /G ID x EI Q 0 0 600 800 re S',
            ),
          ),
        ),
      );
    });
    const r = PdfReader.open(t);
    const m = pageMarks(r, r.pages()[0]!);
    expect(m.complete).toBe(true);
    const round = (b: number[]) => b.map((x) => Math.round(x));
    expect(m.boxes.map(round)).toEqual(
      expect.arrayContaining([
        [300, 400, 400, 450], // the image: the unit square under the CTM
        [500, 500, 520, 520], // the form: its /BBox under /Matrix and the CTM
        [200, 200, 220, 220], // the inline image
      ]),
    );
    // Text: starts at the text matrix origin, 0.6 em per byte (no /Widths), TJ adjustment moves on.
    const text = m.boxes.filter((b) => Math.round(b[0]) === 50);
    expect(text.length).toBe(1);
    expect(text[0]![2]).toBeGreaterThan(60);
    expect(
      m.boxes.some((b) => Math.round(b[0]) > 60 && Math.round(b[0]) < 90 && Math.round(b[1]) === 47),
    ).toBe(true);
    // The stroked page frame (a path) is not a mark.
    expect(m.boxes.some((b) => b[2] - b[0] >= 600)).toBe(false);
    expect(m.fills.some((b) => b[2] - b[0] >= 600)).toBe(false);
  });

  it('pageMarks records filled paths apart (under the CTM), stroked and unpainted paths not at all', () => {
    const t = edit(f.plain, (w, r) => {
      const pd = w.editDict(r.pages()[0]!);
      pd.set(
        'Contents',
        w.add(
          new PdfStream(
            new PdfDict(),
            enc(
              'q 2 0 0 2 100 100 cm 0 0 m 10 0 l 10 10 l h f Q ' + // a filled triangle, scaled by 2
                '300 300 50 50 re S ' + // stroked: not recorded
                '400 400 20 20 re W n ' + // a clip, not painted
                '10 700 m 20 750 30 760 40 700 c b', // a filled and stroked curve
            ),
          ),
        ),
      );
    });
    const r = PdfReader.open(t);
    const m = pageMarks(r, r.pages()[0]!);
    expect(m.complete).toBe(true);
    const round = (b: number[]) => b.map((x) => Math.round(x));
    expect(m.fills.map(round)).toEqual([
      [100, 100, 120, 120],
      [10, 700, 40, 760],
    ]);
    expect(m.boxes).toEqual([]);
  });

  it('pageMarks never throws on hostile content (fuzz): it stops and counts the whole page', () => {
    const tokens = [
      'q',
      'Q',
      'cm',
      'BT',
      'ET',
      'Tf',
      'Td',
      'TD',
      'Tm',
      'T*',
      'Tj',
      'TJ',
      "'",
      '"',
      'Do',
      'BI',
      'ID',
      'EI',
      '1',
      '-2.5',
      '/F1',
      '/Im1',
      '(x)',
      '<41>',
      '[',
      ']',
      '<<',
      '>>',
      '{',
      ')',
      '%',
      '\n',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 4 })), { maxLength: 60 }),
        (parts) => {
          const t = edit(f.plain, (w, r) => {
            w.editDict(r.pages()[0]!).set(
              'Contents',
              w.add(new PdfStream(new PdfDict(), enc(parts.join(' ')))),
            );
          });
          const r = PdfReader.open(t);
          const m = pageMarks(r, r.pages()[0]!);
          expect(Array.isArray(m.boxes)).toBe(true);
          if (!m.complete) expect(m.boxes.some((b) => b[2] - b[0] >= 595)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  for (const sub of ['FreeText', 'Stamp', 'Square'] as const) {
    it(`P=3: a /${sub} annotation over signed text is INDETERMINATE, in a blank area VALID`, async () => {
      const signed = await sign(f, f.plain, 3);
      const over = await verify(f, annotate(signed, sub, OVER_TEXT));
      expect(over.status, describeReport(over)).toBe('indeterminate');
      expect(codesOf(over)).toEqual(['ANNOTATION_ADDED', 'OVERLAYS_SIGNED_CONTENT']);
      expect(over.signatures[0]!.reasons).toEqual(['OVERLAYS_SIGNED_CONTENT']);
      const blank = await verify(f, annotate(signed, sub, BLANK));
      expect(blank.status, describeReport(blank)).toBe('valid');
      expect(codesOf(blank)).toEqual(['ANNOTATION_ADDED']);
    });
  }

  it('P=2: a second visible signature over signed text is INDETERMINATE, over the first signature only named; an unsigned signature field (SSA) INDETERMINATE', async () => {
    const signed = await sign(f, f.plain, 2);
    const over = (await signPdf(signed, { signer: f.pki.seal, appearance: whiteBox(OVER_TEXT) })).pdf;
    const v = await verify(f, over);
    expect(v.signatures[0]!.status, describeReport(v)).toBe('indeterminate');
    expect(codesOf(v)).toEqual(['SIGNATURE_ADDED', 'OVERLAYS_SIGNED_CONTENT']);
    expect(v.signatures[1]!.status).toBe('valid');
    // The Decree 30 layout: a seal over the first (visible) signature's appearance, not over text.
    const first = (
      await signPdf(f.plain, { signer: f.pki.official, certify: 2, appearance: whiteBox(BLANK) })
    ).pdf;
    const seal = (await signPdf(first, { signer: f.pki.seal, appearance: whiteBox([250, 90, 350, 170]) }))
      .pdf;
    const vs = await verify(f, seal);
    expect(vs.status, describeReport(vs)).toBe('valid');
    expect(codesOf(vs)).toEqual(['SIGNATURE_ADDED', 'OVERLAYS_SIGNED_CONTENT']);
    expect(vs.signatures[0]!.changes.findings[1]!.indeterminate).toBeUndefined();
    expect(renderReport(vs, 'en')).toMatch(
      /ⓘ .*lies over signed annotation \d+ \(a later signature over an earlier signature's appearance\)/,
    );
    // Sneaky Signature Attack: a new signature field, never signed, whose appearance covers the text.
    const ssa = edit(signed, (w, r) => {
      const page = r.pages()[0]!;
      const ap = w.add(
        new PdfStream(
          dict({ Type: PdfName.of('XObject'), Subtype: PdfName.of('Form'), BBox: [0, 0, 200, 40] }),
          enc('1 1 1 rg 0 0 200 40 re f'),
        ),
      );
      const fld = w.add(
        dict({
          Type: PdfName.of('Annot'),
          Subtype: PdfName.of('Widget'),
          FT: PdfName.of('Sig'),
          T: PdfString.text('Sneaky'),
          Rect: OVER_TEXT,
          F: 4,
          P: page,
          AP: dict({ N: ap }),
        }),
      );
      const pd = w.editDict(page);
      pd.set('Annots', [...(r.array(pd.get('Annots')) ?? []), fld]);
      const acroV = r.catalog().get('AcroForm');
      const acro = acroV instanceof PdfRef ? w.editDict(acroV) : r.dict(acroV)!.clone();
      if (!(acroV instanceof PdfRef)) w.editDict(r.rootRef).set('AcroForm', acro);
      acro.set('Fields', [...(r.array(acro.get('Fields')) ?? []), fld]);
    });
    const s = await verify(f, ssa);
    expect(s.status, describeReport(s)).toBe('indeterminate');
    expect(codesOf(s)).toEqual(['SIGNATURE_ADDED', 'OVERLAYS_SIGNED_CONTENT']);
    expect(s.signatures[0]!.reasons).toEqual(['OVERLAYS_SIGNED_CONTENT']);
    const en = renderReport(s, 'en');
    expect(en).toMatch(/Result: INDETERMINATE/);
    expect(en).toMatch(/⚠ .*lies over text or images the signed page draws/);
    expect(en).toMatch(/may hide or alter what was signed/);
    const vi = renderReport(s, 'vi');
    expect(vi).toMatch(/Kết luận: CHƯA XÁC ĐỊNH/);
    expect(vi).toMatch(/có thể che hoặc thay đổi nội dung đã ký/);
    // Placed in a blank area: VALID, nothing named.
    const ok = (await signPdf(signed, { signer: f.pki.seal, appearance: whiteBox(BLANK) })).pdf;
    const vo = await verify(f, ok);
    expect(vo.status).toBe('valid');
    expect(codesOf(vo)).toEqual(['SIGNATURE_ADDED']);
    // An invisible signature never overlays.
    const inv = (await signPdf(signed, { signer: f.pki.seal })).pdf;
    expect((await verify(f, inv)).status).toBe('valid');
  });

  it('a field filled over the signed amount is INDETERMINATE (FORM_FIELD_FILLED + OVERLAYS_SIGNED_CONTENT)', async () => {
    const signed = await sign(f, withForm(f.plain, OVER_TEXT), 2);
    const filled = edit(signed, (w, r) => {
      const d = w.editDict(field(r, 0));
      d.set('V', PdfString.text('9999'));
      const ap = r.dict(d.get('AP'))!.clone();
      ap.set(
        'N',
        w.add(
          new PdfStream(
            dict({
              Type: PdfName.of('XObject'),
              Subtype: PdfName.of('Form'),
              BBox: [0, 0, 200, 40],
              Resources: dict({ Font: dict({ Helv: pageFont(r) }) }),
            }),
            enc('1 1 1 rg 0 0 200 40 re f 0 g BT /Helv 20 Tf 2 10 Td (9999) Tj ET'),
          ),
        ),
      );
      d.set('AP', ap);
    });
    const v = await verify(f, filled);
    expect(v.status, describeReport(v)).toBe('indeterminate');
    expect(codesOf(v)).toEqual(['FORM_FIELD_FILLED', 'OVERLAYS_SIGNED_CONTENT']);
  });

  it('a check box switched to its prepared /On appearance: PREPARED_APPEARANCE_SELECTED, still VALID', async () => {
    const signed = await sign(f, withForm(f.plain), 2);
    const ticked = edit(signed, (w, r) => {
      const d = w.editDict(field(r, 1));
      d.set('V', PdfName.of('On'));
      d.set('AS', PdfName.of('On'));
    });
    const v = await verify(f, ticked);
    expect(v.status, describeReport(v)).toBe('valid');
    expect(codesOf(v)).toEqual(['FORM_FIELD_FILLED', 'PREPARED_APPEARANCE_SELECTED']);
  });

  it("a filled field's font changed without a /V change: FIELD_APPEARANCE_CHANGED, INDETERMINATE", async () => {
    const signed = await sign(f, withForm(f.plain), 2);
    const restyled = edit(signed, (w, r) => {
      const d = w.editDict(field(r, 0));
      const font = w.add(
        dict({ Type: PdfName.of('Font'), Subtype: PdfName.of('Type1'), BaseFont: PdfName.of('Courier') }),
      );
      const ap = r.dict(d.get('AP'))!.clone();
      ap.set(
        'N',
        w.add(
          new PdfStream(
            dict({
              Type: PdfName.of('XObject'),
              Subtype: PdfName.of('Form'),
              BBox: [0, 0, 200, 20],
              Resources: dict({ Font: dict({ Helv: font }) }),
            }),
            enc('BT /Helv 12 Tf 2 5 Td (0) Tj ET'),
          ),
        ),
      );
      d.set('AP', ap);
    });
    const v = await verify(f, restyled);
    expect(v.status, describeReport(v)).toBe('indeterminate');
    expect(codesOf(v)).toEqual(['FIELD_APPEARANCE_CHANGED']);
    expect(v.signatures[0]!.reasons).toEqual(['FIELD_APPEARANCE_CHANGED']);
  });

  it('/NeedAppearances set to true after signing: NEED_APPEARANCES_SET, INDETERMINATE', async () => {
    const signed = await sign(f, withForm(f.plain), 2);
    const t = edit(signed, (w, r) => {
      const acro = r.catalog().get('AcroForm') as PdfRef;
      w.editDict(acro).set('NeedAppearances', true);
    });
    const v = await verify(f, t);
    expect(v.status, describeReport(v)).toBe('indeterminate');
    expect(codesOf(v)).toEqual(['ACROFORM_UPDATED', 'NEED_APPEARANCES_SET']);
    // Under P=1 the same change is not allowed at all.
    const p1 = await sign(f, withForm(f.plain), 1);
    const t1 = edit(p1, (w, r) => {
      w.editDict(r.catalog().get('AcroForm') as PdfRef).set('NeedAppearances', true);
    });
    expect((await verify(f, t1)).status).toBe('invalid');
  });
});
