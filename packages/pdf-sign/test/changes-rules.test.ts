/**
 * The modification rules one by one (changes/rules/*.ts), each applied alone to a ChangeContext
 * over two revisions of a small document, then the policy as callers compose it (verifyPdf
 * `modificationPolicy`), and the codes only the comparison itself reports (limits, failures,
 * a rebuilt xref).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ChangeRule,
  ChangeContext,
  DEFAULT_CHANGE_RULES,
  PdfDict,
  PdfName,
  PdfReader,
  PdfRef,
  PdfStream,
  PdfString,
  acroFormRule,
  catalogRule,
  defaultModificationPolicy,
  dict,
  diffRevision,
  fieldsRule,
  overlayRule,
  pagesRule,
  trailerRule,
  verifyPdf,
} from '../src/index.js';
import { repairFindings } from '../src/verify/changes/repair.js';
import { reportUnexplained } from '../src/verify/changes/rules/unexplained.js';
import {
  type ChangeFixture,
  changeFixture,
  codesOf,
  describeReport,
  edit,
  enc,
  sign,
  text,
  verify,
  withForm,
} from './helpers/changes.js';

/** The comparison of the last revision of `pdf` with the one before. */
function contextOf(pdf: Uint8Array, maxGraphObjects?: number): ChangeContext {
  const revs = PdfReader.open(pdf).revisions();
  const i = revs.length - 1;
  const before = PdfReader.open(pdf.subarray(0, revs[i - 1]!.end));
  const after = PdfReader.open(pdf.subarray(0, revs[i]!.end));
  return new ChangeContext(i, before, after, revs[i]!, maxGraphObjects);
}

/** Findings of `rule` alone: [code, level] pairs. */
function only(rule: ChangeRule, pdf: Uint8Array): string[] {
  const a = contextOf(pdf);
  rule.apply(a);
  return a.findings.map((f) => `${f.code}:${f.level}`);
}

const fieldRef = (r: PdfReader, i: number) =>
  r.array(r.dict(r.catalog().get('AcroForm'))!.get('Fields'))![i] as PdfRef;

/** Adds a signature field (its widget on page 1) with the given /V and widget entries. */
function addSigField(
  pdf: Uint8Array,
  value: PdfDict | undefined,
  widget: Record<string, unknown> = {},
): Uint8Array {
  return edit(pdf, (w, r) => {
    const page = r.pages()[0]!;
    const f = w.add(
      dict({
        Type: PdfName.of('Annot'),
        Subtype: PdfName.of('Widget'),
        FT: PdfName.of('Sig'),
        T: PdfString.text(`Sig${r.size}`),
        Rect: [0, 0, 0, 0],
        F: 132,
        P: page,
        ...(value ? { V: w.add(value) } : {}),
        ...(widget as Record<string, PdfStream>),
      }),
    );
    const pd = w.editDict(page);
    pd.set('Annots', [...(r.array(pd.get('Annots')) ?? []), f]);
    const acroV = r.catalog().get('AcroForm');
    if (acroV instanceof PdfRef) {
      const acro = w.editDict(acroV);
      acro.set('Fields', [...(r.array(acro.get('Fields')) ?? []), f]);
    } else w.editDict(r.rootRef).set('AcroForm', dict({ Fields: [f], SigFlags: 3 }));
  });
}

const dts = () =>
  dict({
    Type: PdfName.of('DocTimeStamp'),
    Filter: PdfName.of('Adobe.PPKLite'),
    SubFilter: PdfName.of('ETSI.RFC3161'),
    Contents: PdfString.bytes(new Uint8Array(16)),
  });
const sig = () =>
  dict({
    Type: PdfName.of('Sig'),
    Filter: PdfName.of('Adobe.PPKLite'),
    SubFilter: PdfName.of('ETSI.CAdES.detached'),
    Contents: PdfString.bytes(new Uint8Array(16)),
  });
const emptyAp = () =>
  new PdfStream(
    dict({ Type: PdfName.of('XObject'), Subtype: PdfName.of('Form'), BBox: [0, 0, 0, 0] }),
    new Uint8Array(0),
  );

describe('modification rules, each alone', () => {
  let f: ChangeFixture;
  let form: Uint8Array;
  beforeAll(async () => {
    f = await changeFixture();
    form = withForm(f.plain);
  });

  it('trailerRule: /Info updated (INFO_UPDATED), /Encrypt changed (TRAILER_CHANGED)', () => {
    const info = edit(f.plain, (w, r) => {
      w.editDict(r.trailer.get('Info') as PdfRef).set('Title', PdfString.text('changed'));
    });
    expect(only(trailerRule, info)).toEqual(['INFO_UPDATED:LTA_UPDATES']);
    // An /Encrypt entry appears in the new trailer (raw, kyso's writer refuses encryption).
    const r = PdfReader.open(f.plain);
    const s = text(f.plain);
    const enc2 = `${s}\n${r.size} 0 obj\n<< /Filter /Standard >>\nendobj\nxref\n${r.size} 1\n${String(s.length + 1).padStart(10, '0')} 00000 n\r\ntrailer\n<< /Size ${r.size + 1} /Root ${r.rootRef.num} 0 R /Info ${(r.trailer.get('Info') as PdfRef).num} 0 R /Encrypt ${r.size} 0 R /Prev ${r.startxref} >>\nstartxref\n${s.length + 1 + `${r.size} 0 obj\n<< /Filter /Standard >>\nendobj\n`.length}\n%%EOF\n`;
    expect(only(trailerRule, enc(enc2))).toContain('TRAILER_CHANGED:OTHER');
  });

  it('the catalog replaced (/Root to another object): TRAILER_CHANGED, no rule runs', () => {
    const t = edit(f.plain, (w, r) => {
      const copy = w.add(r.catalog().clone());
      (w as unknown as { reader: PdfReader }).reader.trailer.set('Root', copy);
    });
    const a = contextOf(t);
    expect(a.state).toBeUndefined();
    expect(a.findings.map((x) => x.code)).toEqual(['TRAILER_CHANGED']);
    expect(diffRevision(t, PdfReader.open(t).revisions(), 1).level).toBe('OTHER');
  });

  it('catalogRule: /Metadata, /Extensions, /Version, /DSS are LTA_UPDATES; /OpenAction is CATALOG_CHANGED', () => {
    const cat = (k: string, v: (w: import('../src/index.js').IncrementalWriter) => unknown) =>
      edit(f.plain, (w, r) => {
        w.editDict(r.rootRef).set(k, v(w) as PdfDict);
      });
    expect(
      only(
        catalogRule,
        cat('Metadata', (w) => w.add(new PdfStream(dict({ Type: PdfName.of('Metadata') }), enc('<x/>')))),
      ),
    ).toEqual(['METADATA_UPDATED:LTA_UPDATES']);
    expect(
      only(
        catalogRule,
        cat('Extensions', () => dict({ ESIC: dict({ BaseVersion: PdfName.of('1.7'), ExtensionLevel: 2 }) })),
      ),
    ).toEqual(['EXTENSIONS_UPDATED:LTA_UPDATES']);
    expect(
      only(
        catalogRule,
        cat('Version', () => PdfName.of('2.0')),
      ),
    ).toEqual(['EXTENSIONS_UPDATED:LTA_UPDATES']);
    expect(
      only(
        catalogRule,
        cat('DSS', (w) => dict({ Certs: [w.add(new PdfStream(new PdfDict(), enc('x')))] })),
      ),
    ).toEqual(['DSS_UPDATED:LTA_UPDATES']);
    expect(
      only(
        catalogRule,
        cat('OpenAction', () => [0]),
      ),
    ).toEqual(['CATALOG_CHANGED:OTHER']);
  });

  it('acroFormRule: form defaults (ACROFORM_UPDATED), /NeedAppearances (NEED_APPEARANCES_SET), other keys, a field dropped', () => {
    const acro = (fn: (d: PdfDict, r: PdfReader) => void) =>
      edit(form, (w, r) => fn(w.editDict(r.catalog().get('AcroForm') as PdfRef), r));
    expect(
      only(
        acroFormRule,
        acro((d) => d.set('DA', PdfString.text('/Helv 10 Tf 0 g'))),
      ),
    ).toEqual(['ACROFORM_UPDATED:FORM_FILLING']);
    expect(
      only(
        acroFormRule,
        acro((d) => d.set('NeedAppearances', true)),
      ),
    ).toEqual(['ACROFORM_UPDATED:FORM_FILLING', 'NEED_APPEARANCES_SET:FORM_FILLING']);
    expect(
      only(
        acroFormRule,
        acro((d) => d.set('XFA', [])),
      ),
    ).toEqual(['CATALOG_CHANGED:OTHER']);
    expect(
      only(
        acroFormRule,
        acro((d, r) => d.set('Fields', [fieldRef(r, 0)])),
      ),
    ).toEqual(['FIELD_REMOVED:OTHER']);
  });

  it('fieldsRule: a document time-stamp with or without /AP is LTA_UPDATES; an invisible signature without /AP is SIGNATURE_ADDED', () => {
    expect(only(fieldsRule, addSigField(f.plain, dts()))).toEqual(['DOC_TIMESTAMP_ADDED:LTA_UPDATES']);
    const t2 = addSigField(f.plain, dts());
    const t3 = edit(f.plain, (w, r) => {
      // The same with an (empty) appearance stream.
      const page = r.pages()[0]!;
      const fld = w.add(
        dict({
          Type: PdfName.of('Annot'),
          Subtype: PdfName.of('Widget'),
          FT: PdfName.of('Sig'),
          T: PdfString.text('DTS'),
          Rect: [0, 0, 0, 0],
          F: 132,
          P: page,
          V: w.add(dts()),
          AP: dict({ N: w.add(emptyAp()) }),
        }),
      );
      w.editDict(page).set('Annots', [fld]);
      w.editDict(r.rootRef).set('AcroForm', dict({ Fields: [fld], SigFlags: 3 }));
    });
    expect(only(fieldsRule, t3)).toEqual(['DOC_TIMESTAMP_ADDED:LTA_UPDATES']);
    // Through the whole default policy: the page /Annots and the AcroForm are explained too.
    for (const t of [t2, t3]) {
      const d = diffRevision(t, PdfReader.open(t).revisions(), 1);
      expect(d.level, JSON.stringify(d.findings)).toBe('LTA_UPDATES');
    }
    const invisible = addSigField(f.plain, sig());
    expect(only(fieldsRule, invisible)).toEqual(['SIGNATURE_ADDED:FORM_FILLING']);
    expect(diffRevision(invisible, PdfReader.open(invisible).revisions(), 1).level).toBe('FORM_FILLING');
  });

  it('fieldsRule: an empty signature field signed later (SIGNATURE_FIELD_SIGNED), a signed one changed (SIGNED_FIELD_CHANGED)', () => {
    const empty = addSigField(f.plain, undefined);
    const signed = edit(empty, (w, r) => {
      const fld = r.array(r.dict(r.catalog().get('AcroForm'))!.get('Fields'))![0] as PdfRef;
      w.editDict(fld).set('V', w.add(sig()));
    });
    expect(only(fieldsRule, signed)).toEqual(['SIGNATURE_FIELD_SIGNED:FORM_FILLING']);
    const changed = edit(signed, (w, r) => {
      const fld = r.array(r.dict(r.catalog().get('AcroForm'))!.get('Fields'))![0] as PdfRef;
      w.editDict(fld).set('V', w.add(sig()));
    });
    expect(only(fieldsRule, changed)).toEqual(['SIGNED_FIELD_CHANGED:OTHER']);
  });

  it('fieldsRule: a text field added (FIELD_ADDED), a filled field with other keys changed (FIELD_CHANGED), a field removed', () => {
    const added = edit(form, (w, r) => {
      const t = w.add(dict({ FT: PdfName.of('Tx'), T: PdfString.text('extra') }));
      const acro = w.editDict(r.catalog().get('AcroForm') as PdfRef);
      acro.set('Fields', [...(r.array(acro.get('Fields')) ?? []), t]);
    });
    expect(only(fieldsRule, added)).toEqual(['FIELD_ADDED:OTHER']);
    const ff = edit(form, (w, r) => {
      const d = w.editDict(fieldRef(r, 0));
      d.set('V', PdfString.text('1'));
      d.set('Ff', 1);
    });
    expect(only(fieldsRule, ff)).toEqual(['FORM_FIELD_FILLED:FORM_FILLING', 'FIELD_CHANGED:OTHER']);
    const removed = edit(form, (w, r) => {
      w.editDict(r.catalog().get('AcroForm') as PdfRef).set('Fields', [fieldRef(r, 0)]);
    });
    expect(only(fieldsRule, removed)).toEqual(['FIELD_REMOVED:OTHER']);
  });

  it('pagesRule: pages added, a page key changed, annotations added / changed / removed, a widget of no field', () => {
    const page = (fn: (d: PdfDict, r: PdfReader) => void) =>
      edit(form, (w, r) => fn(w.editDict(r.pages()[0]!), r));
    expect(
      only(
        pagesRule,
        page((d) => d.set('Rotate', 90)),
      ),
    ).toEqual(['PAGE_CHANGED:OTHER']);
    expect(
      only(
        pagesRule,
        page((d) => d.set('Annots', [])),
      ),
    ).toEqual(['ANNOTATION_REMOVED:OTHER', 'ANNOTATION_REMOVED:OTHER']);
    const more = edit(form, (w, r) => {
      const pagesRef = r.catalog().get('Pages') as PdfRef;
      const pages = w.editDict(pagesRef);
      const np = w.add(dict({ Type: PdfName.of('Page'), Parent: pagesRef, MediaBox: [0, 0, 100, 100] }));
      pages.set('Kids', [...(r.array(pages.get('Kids')) ?? []), np]);
      pages.set('Count', (r.resolve(pages.get('Count')) as number) + 1);
    });
    expect(only(pagesRule, more)).toContain('PAGES_CHANGED:OTHER');
    const withNote = edit(form, (w, r) => {
      const a = w.add(
        dict({
          Type: PdfName.of('Annot'),
          Subtype: PdfName.of('Text'),
          Rect: [10, 10, 20, 20],
          Contents: PdfString.text('a'),
        }),
      );
      const d = w.editDict(r.pages()[0]!);
      d.set('Annots', [...(r.array(d.get('Annots')) ?? []), a]);
    });
    expect(only(pagesRule, withNote)).toEqual(['ANNOTATION_ADDED:ANNOTATIONS']);
    const noteChanged = edit(withNote, (w, r) => {
      const annots = r.array(r.dict(r.pages()[0]!)!.get('Annots'))!;
      w.editDict(annots[annots.length - 1] as PdfRef).set('Contents', PdfString.text('b'));
    });
    expect(only(pagesRule, noteChanged)).toEqual(['ANNOTATION_MODIFIED:ANNOTATIONS']);
    const widget = edit(form, (w, r) => {
      const a = w.add(
        dict({ Type: PdfName.of('Annot'), Subtype: PdfName.of('Widget'), Rect: [10, 10, 20, 20] }),
      );
      const d = w.editDict(r.pages()[0]!);
      d.set('Annots', [...(r.array(d.get('Annots')) ?? []), a]);
    });
    expect(only(pagesRule, widget)).toEqual(['WIDGET_WITHOUT_FIELD:OTHER']);
    // The page content replaced: CONTENT_CHANGED.
    expect(
      only(
        pagesRule,
        page((d, r) => d.set('Contents', new PdfRef(r.size - 1, 0))),
      ),
    ).toEqual(['CONTENT_CHANGED:OTHER']);
  });

  it('overlayRule alone: a note over the signed text, nothing for one in a blank area', () => {
    const note = (rect: number[]) =>
      edit(f.plain, (w, r) => {
        const a = w.add(dict({ Type: PdfName.of('Annot'), Subtype: PdfName.of('Square'), Rect: rect }));
        w.editDict(r.pages()[0]!).set('Annots', [a]);
      });
    expect(only(overlayRule, note([60, 750, 260, 790]))).toEqual(['OVERLAYS_SIGNED_CONTENT:ANNOTATIONS']);
    expect(only(overlayRule, note([300, 100, 500, 160]))).toEqual([]);
  });
});

describe('what no policy decides', () => {
  let f: ChangeFixture;
  beforeAll(async () => {
    f = await changeFixture();
  });

  it('an unexplained change is OTHER even under an empty policy; a graph beyond the limit is ANALYSIS_LIMIT', async () => {
    const info = edit(f.plain, (w, r) => {
      w.editDict(r.trailer.get('Info') as PdfRef).set('Title', PdfString.text('changed'));
    });
    const d = diffRevision(info, PdfReader.open(info).revisions(), 1, new Map(), { rules: [] });
    expect(d.findings.map((x) => x.code)).toEqual(['OBJECT_OVERWRITTEN']);
    expect(d.level).toBe('OTHER');
    const a = contextOf(info, 3);
    for (const rule of DEFAULT_CHANGE_RULES) rule.apply(a);
    reportUnexplained(a);
    expect(a.findings.map((x) => x.code)).toContain('ANALYSIS_LIMIT');
  });

  it('a page tree that cannot be read: ANALYSIS_FAILED', () => {
    const loop = edit(f.plain, (w, r) => {
      const pagesRef = r.catalog().get('Pages') as PdfRef;
      w.editDict(pagesRef).set('Kids', [pagesRef]);
    });
    const d = diffRevision(loop, PdfReader.open(loop).revisions(), 1);
    expect(d.findings.map((x) => x.code)).toContain('ANALYSIS_FAILED');
    expect(d.level).toBe('OTHER');
  });

  it('a rebuilt xref: XREF_REBUILT (INDETERMINATE)', () => {
    const s = text(f.plain).replace(/startxref\s+\d+/, 'startxref\n999999999');
    const r = PdfReader.open(enc(s));
    expect(r.reconstructed).toBe(true);
    expect(repairFindings(r, r.revisions(), 0).find((x) => x.code === 'XREF_REBUILT')).toMatchObject({
      indeterminate: true,
    });
  });

  it('verifyPdf takes a caller policy: without the overlay rule a P=3 overlay is VALID again', async () => {
    const signed = await sign(f, f.plain, 3);
    const t = edit(signed, (w, r) => {
      const a = w.add(
        dict({ Type: PdfName.of('Annot'), Subtype: PdfName.of('Square'), Rect: [60, 750, 260, 790] }),
      );
      const d = w.editDict(r.pages()[0]!);
      d.set('Annots', [...(r.array(d.get('Annots')) ?? []), a]);
    });
    const strict = await verify(f, t);
    expect(strict.status, describeReport(strict)).toBe('indeterminate');
    const relaxed = await verifyPdf(t, {
      trustStore: f.trust,
      revocation: 'off',
      modificationPolicy: { rules: defaultModificationPolicy.rules.filter((x) => x.name !== 'overlayRule') },
    });
    expect(relaxed.status, describeReport(relaxed)).toBe('valid');
    expect(codesOf(relaxed)).toEqual(['ANNOTATION_ADDED']);
    // Every default rule names its codes.
    expect(DEFAULT_CHANGE_RULES.map((x) => x.name)).toEqual([
      'trailerRule',
      'catalogRule',
      'acroFormRule',
      'fieldsRule',
      'pagesRule',
      'overlayRule',
    ]);
  });
});
