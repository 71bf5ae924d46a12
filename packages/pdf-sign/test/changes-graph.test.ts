/**
 * Revisions compared as a viewer resolves them (issue 12, classes 1, 2 and 4): a redefined object
 * stream, references dangling when signed and defined later, and objects reachable only through
 * /Parent. Each attack is a raw incremental update appended to a kyso-signed document; kyso must
 * name the change and never say VALID.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PdfDict, PdfName, PdfReader, PdfRef, PdfStream, dict } from '../src/index.js';
import {
  type ChangeFixture,
  appendRaw,
  bodyOf,
  changeFixture,
  codesOf,
  describeReport,
  edit,
  enc,
  sign,
  verify,
} from './helpers/changes.js';

/** Number of the page's font object (/F1 or the first font of page 1's resources). */
function fontOf(r: PdfReader): number {
  const res = r.dict(r.dict(r.pages()[0]!)!.get('Resources'))!;
  const fonts = r.dict(res.get('Font'))!;
  const ref = [...fonts.map.values()][0] as PdfRef;
  return ref.num;
}

describe('resolved object graph (object streams, dangling references, /Parent)', () => {
  let f: ChangeFixture;
  beforeAll(async () => {
    f = await changeFixture();
  });

  it('the signed documents themselves verify VALID with no change', async () => {
    for (const base of [f.plain, f.objstm]) {
      const r = await verify(f, await sign(f, base, 1));
      expect(r.status, describeReport(r)).toBe('valid');
      expect(codesOf(r)).toEqual([]);
    }
  });

  describe('class 1: an update redefining only an object stream', () => {
    for (const certify of [undefined, 1, 2] as const) {
      it(`a font inside the object stream gains /Differences (certify ${certify ?? 'none'})`, async () => {
        const signed = await sign(f, f.objstm, certify);
        const r = PdfReader.open(signed);
        const font = fontOf(r);
        const e = r.xref.get(font);
        expect(e?.type).toBe('compressed');
        const stm = (e as { stream: number }).stream;
        // Every member of the original object stream, the font changed.
        const orig = PdfReader.open(f.objstm);
        const members: number[] = [];
        for (const [n, x] of orig.xref) if (x.type === 'compressed' && x.stream === stm) members.push(n);
        members.sort(
          (a, b) =>
            (orig.xref.get(a) as { index: number }).index - (orig.xref.get(b) as { index: number }).index,
        );
        const attacked = appendRaw(signed, [], {
          objStm: {
            num: stm,
            declareMembers: false,
            members: members.map((n) => ({
              num: n,
              body:
                n === font
                  ? bodyOf(r, n).replace(/>>\s*$/, '/Encoding << /Differences [48 /nine] >> >>')
                  : bodyOf(r, n),
            })),
          },
        });
        // The update's xref declares only the object stream itself.
        const revs = PdfReader.open(attacked).revisions();
        const declared = revs[revs.length - 1]!.objects;
        expect(declared).toContain(stm);
        expect(declared.length).toBe(2); // the object stream and the xref stream
        const v = await verify(f, attacked);
        expect(v.status, describeReport(v)).toBe('invalid');
        expect(
          v.signatures[0]!.changes.findings.some((x) => x.objects?.includes(font) && x.level === 'OTHER'),
        ).toBe(true);
      });
    }

    it('the catalog inside the object stream gains /OpenAction (reported as a catalog change)', async () => {
      const signed = await sign(f, f.objstm, 2);
      const r = PdfReader.open(signed);
      const root = r.rootRef.num;
      // kyso's signature rewrote the catalog uncompressed: redefine it inside a new object stream.
      const attacked = appendRaw(signed, [], {
        objStm: {
          num: r.size + 5,
          members: [{ num: root, body: bodyOf(r, root).replace(/>>\s*$/, '/PageMode /UseOutlines >>') }],
        },
      });
      const v = await verify(f, attacked);
      expect(v.status).toBe('invalid');
      expect(codesOf(v)).toContain('CATALOG_CHANGED');
    });

    it('the same change to a plain object is caught (control)', async () => {
      const signed = await sign(f, f.plain, 2);
      const r = PdfReader.open(signed);
      const font = fontOf(r);
      const attacked = appendRaw(signed, [
        { num: font, body: bodyOf(r, font).replace(/>>\s*$/, '/Encoding << /Differences [48 /nine] >> >>') },
      ]);
      const v = await verify(f, attacked);
      expect(v.status).toBe('invalid');
      expect(codesOf(v)).toContain('OBJECT_OVERWRITTEN');
    });
  });

  describe('class 2: references dangling when signed, defined later', () => {
    /** A page that draws `/Ov Do` and lists an /Annots entry and a /Contents entry, all undefined. */
    async function danglingDoc(base: Uint8Array) {
      let xo = 0;
      let annot = 0;
      let content = 0;
      const prepared = edit(base, (w, r) => {
        const page = r.pages()[0]!;
        const pd = w.editDict(page);
        xo = r.size + 40;
        annot = r.size + 41;
        content = r.size + 42;
        const draw = w.add(new PdfStream(new PdfDict(), enc('q /Ov Do Q')));
        const cv = pd.get('Contents');
        pd.set('Contents', [...(Array.isArray(cv) ? cv : [cv!]), draw, new PdfRef(content, 0)]);
        const res = r.dict(pd.get('Resources'))!.clone();
        res.set('XObject', dict({ Ov: new PdfRef(xo, 0) }));
        pd.set('Resources', res);
        pd.set('Annots', [new PdfRef(annot, 0)]);
      });
      return { signed: await sign(f, prepared, 2), xo, annot, content };
    }

    it('an XObject defined later (white box and a new amount)', async () => {
      const d = await danglingDoc(f.plain);
      const box = '1 1 1 rg 0 0 600 850 re f 0 g BT /Helv 40 Tf 72 600 Td (9999) Tj ET';
      const attacked = appendRaw(d.signed, [
        {
          num: d.xo,
          body: `<< /Type /XObject /Subtype /Form /BBox [0 0 600 850] /Length ${box.length} >>\nstream\n${box}\nendstream`,
        },
      ]);
      const v = await verify(f, attacked);
      expect(v.status, describeReport(v)).toBe('invalid');
      expect(
        v.signatures[0]!.changes.findings.find((x) => x.code === 'DANGLING_REFERENCE_DEFINED'),
      ).toMatchObject({
        objects: [d.xo],
        level: 'OTHER',
        allowed: false,
      });
    });

    it('a /Contents entry and an /Annots entry (annotation without /AP) defined later', async () => {
      const d = await danglingDoc(f.plain);
      const c = 'BT /F1 30 Tf 72 500 Td (PAID) Tj ET';
      const attacked = appendRaw(d.signed, [
        { num: d.content, body: `<< /Length ${c.length} >>\nstream\n${c}\nendstream` },
        {
          num: d.annot,
          body: '<< /Type /Annot /Subtype /FreeText /Rect [72 400 400 450] /Contents (PAID) /DA (/Helv 20 Tf 0 g) >>',
        },
      ]);
      const v = await verify(f, attacked);
      expect(v.status).toBe('invalid');
      const objs = v.signatures[0]!.changes.findings.filter(
        (x) => x.code === 'DANGLING_REFERENCE_DEFINED',
      ).flatMap((x) => x.objects ?? []);
      expect(objs.sort()).toEqual([d.annot, d.content].sort());
    });

    it('in an xref-stream + object-stream file, defined inside a new object stream', async () => {
      const d = await danglingDoc(f.objstm);
      const r = PdfReader.open(d.signed);
      const attacked = appendRaw(d.signed, [], {
        objStm: {
          num: r.size + 60,
          members: [
            {
              num: d.annot,
              body: '<< /Type /Annot /Subtype /FreeText /Rect [72 400 400 450] /Contents (PAID) >>',
            },
          ],
        },
      });
      const v = await verify(f, attacked);
      expect(v.status).toBe('invalid');
      expect(codesOf(v)).toContain('DANGLING_REFERENCE_DEFINED');
    });
  });

  describe('class 4: objects reachable only through /Parent', () => {
    it('an inherited /Resources on a /Parent node outside the page tree, redefined', async () => {
      let node = 0;
      const prepared = edit(f.plain, (w, r) => {
        const page = r.pages()[0]!;
        const pd = w.editDict(page);
        const res = pd.get('Resources');
        pd.delete('Resources');
        const z = w.add(dict({ Type: PdfName.of('Pages'), Kids: [page], Count: 1, Resources: res }));
        node = z.num;
        pd.set('Parent', z);
      });
      const signed = await sign(f, prepared, 2);
      expect((await verify(f, signed)).status).toBe('valid');
      const r = PdfReader.open(signed);
      const attacked = appendRaw(signed, [
        {
          num: node,
          body: bodyOf(r, node).replace(
            /\/Resources/,
            '/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Courier >> >> >> /Old',
          ),
        },
      ]);
      const v = await verify(f, attacked);
      expect(v.status, describeReport(v)).toBe('invalid');
      expect(v.signatures[0]!.changes.findings.find((x) => x.objects?.includes(node))).toMatchObject({
        code: 'OBJECT_OVERWRITTEN',
        level: 'OTHER',
      });
    });
  });

  it('an object freed while in use is reported (OBJECT_FREED)', async () => {
    const signed = await sign(f, f.plain, 2);
    const font = fontOf(PdfReader.open(signed));
    const v = await verify(f, appendRaw(signed, [], { freed: [font] }));
    expect(v.status).toBe('invalid');
    expect(codesOf(v)).toContain('OBJECT_FREED');
  });
});
