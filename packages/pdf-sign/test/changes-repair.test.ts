/**
 * Data a repairing viewer reads (issue 12, class 3): bytes after the last %%EOF, a startxref that
 * misses its section, objects outside every xref. kyso keeps reading leniently but names each one
 * (TRAILING_DATA, XREF_CORRECTED, OBJECT_OUTSIDE_XREF) and never says VALID over them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PdfReader, serialize, signPdf } from '../src/index.js';
import { firstDataAfter } from '../src/verify/changes/repair.js';
import { memorySource } from '../src/pdf/source.js';
import {
  type ChangeFixture,
  appendRaw,
  changeFixture,
  codesOf,
  concat,
  describeReport,
  enc,
  sign,
  text,
  verify,
} from './helpers/changes.js';

/** Number of page 1's (first) content stream. */
function contentOf(r: PdfReader): number {
  const c = r.dict(r.pages()[0]!)!.get('Contents');
  const ref = Array.isArray(c) ? c[0] : c;
  return (ref as { num: number }).num;
}

const paid = (num: number) => {
  const c = '1 1 1 rg 0 0 600 850 re f 0 g BT /F1 40 Tf 72 600 Td (PAID 9999) Tj ET';
  return `${num} 0 obj\n<< /Length ${c.length} >>\nstream\n${c}\nendstream\nendobj\n`;
};

describe('repairable-viewer data', () => {
  let f: ChangeFixture;
  beforeAll(async () => {
    f = await changeFixture();
  });

  for (const variant of ['plain', 'objstm'] as const) {
    it(`appended data with a startxref 2 bytes into the signed section (${variant})`, async () => {
      const signed = await sign(f, f[variant], 2);
      const r = PdfReader.open(signed);
      expect(r.corrections).toEqual([]);
      const tail = `${paid(contentOf(r))}startxref\n${r.startxref + 2}\n%%EOF\n`;
      const attacked = concat(signed, enc(tail));
      const r2 = PdfReader.open(attacked);
      // The reader still reads the signed section (lenient), but says it corrected the offset.
      expect(r2.startxref).toBe(r.startxref);
      expect(r2.corrections).toEqual([{ kind: 'startxref', declared: r.startxref + 2, found: r.startxref }]);
      const v = await verify(f, attacked);
      expect(v.status, describeReport(v)).toBe('invalid');
      expect(codesOf(v)).toEqual(expect.arrayContaining(['TRAILING_DATA', 'XREF_CORRECTED']));
      expect(v.signatures[0]!.reasons).toContain('DISALLOWED_CHANGES');
    });
  }

  it('a signed xref entry 3 bytes off, the object appended later with no xref at all', async () => {
    // Before signing: page 1's content entry in the xref table points 3 bytes past its header.
    const base = f.plain;
    const r0 = PdfReader.open(base);
    const c = contentOf(r0);
    const off = (r0.xref.get(c) as { offset: number }).offset;
    const s = text(base);
    const entry = `${String(off).padStart(10, '0')} 00000 n`;
    expect(s.indexOf(entry)).toBeGreaterThan(0);
    const broken = enc(s.replace(entry, `${String(off + 3).padStart(10, '0')} 00000 n`));
    const signed = await sign(f, broken, 2);
    expect((await verify(f, signed)).status).toBe('valid');
    // The object appended after the %%EOF: a repairing viewer takes this last definition.
    const attacked = concat(signed, enc(paid(c)));
    const v = await verify(f, attacked);
    expect(v.status).toBe('invalid');
    expect(codesOf(v)).toContain('TRAILING_DATA');
    // Then an ordinary later update (a second signature) hides it between revisions.
    const later = (await signPdf(attacked, { signer: f.pki.seal })).pdf;
    const v2 = await verify(f, later);
    expect(v2.signatures[0]!.status, describeReport(v2)).toBe('invalid');
    const first = v2.signatures[0]!.changes.findings;
    expect(first.some((x) => x.code === 'OBJECT_OUTSIDE_XREF' && x.objects?.includes(c))).toBe(true);
    // kyso's own (lenient) reader now resolves the content to the appended definition too.
    expect(first.some((x) => x.objects?.includes(c) && x.code === 'CONTENT_CHANGED')).toBe(true);
  });

  it('an update writing a second, unlisted definition of an object (OBJECT_OUTSIDE_XREF)', async () => {
    const signed = await sign(f, f.plain, 2);
    const r = PdfReader.open(signed);
    const c = contentOf(r);
    const attacked = appendRaw(signed, [{ num: r.size + 3, body: '<< /Kyso (unused) >>' }], {
      unlisted: [{ num: c, body: paid(c).replace(/^\d+ 0 obj\n|\nendobj\n$/g, '') }],
    });
    const v = await verify(f, attacked);
    expect(v.status).toBe('invalid');
    expect(v.signatures[0]!.changes.findings.find((x) => x.code === 'OBJECT_OUTSIDE_XREF')).toMatchObject({
      objects: [c],
      level: 'OTHER',
    });
  });

  it('a hybrid update whose /XRefStm names a new definition the table overrides (OBJECT_OUTSIDE_XREF)', async () => {
    const signed = await sign(f, f.objstm, 2);
    const r = PdfReader.open(signed);
    const c = contentOf(r);
    const old = r.xref.get(c)!;
    expect(old.type).toBe('offset');
    const id = r.trailer.get('ID') ? ` /ID ${text(serialize(r.trailer.get('ID')!))}` : '';
    let s = text(signed);
    if (!s.endsWith('\n')) s += '\n';
    const objAt = s.length;
    s += paid(c);
    const xsAt = s.length;
    const row = String.fromCharCode(
      1,
      (objAt >>> 24) & 255,
      (objAt >>> 16) & 255,
      (objAt >>> 8) & 255,
      objAt & 255,
      0,
      0,
    );
    s += `${r.size} 0 obj\n<< /Type /XRef /Size ${r.size + 1} /W [1 4 2] /Index [${c} 1] /Length 7 >>\nstream\n${row}\nendstream\nendobj\n`;
    const xrefAt = s.length;
    s += `xref\n${c} 1\n${String((old as { offset: number }).offset).padStart(10, '0')} 00000 n\r\ntrailer\n<< /Size ${r.size + 1} /Root ${r.rootRef.num} 0 R${id} /Prev ${r.startxref} /XRefStm ${xsAt} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
    const v = await verify(f, enc(s));
    expect(v.status, describeReport(v)).toBe('invalid');
    expect(v.signatures[0]!.changes.findings.find((x) => x.code === 'OBJECT_OUTSIDE_XREF')).toMatchObject({
      objects: [c],
    });
  });

  it('a startxref off by two in a harmless update: INDETERMINATE (XREF_CORRECTED), not VALID', async () => {
    const signed = await sign(f, f.plain, 2);
    const r = PdfReader.open(signed);
    const v = await verify(
      f,
      appendRaw(signed, [{ num: r.size + 1, body: '<< /Kyso (unused) >>' }], { startxref: (x) => x - 2 }),
    );
    expect(v.status, describeReport(v)).toBe('indeterminate');
    expect(v.signatures[0]!.reasons).toEqual(['XREF_CORRECTED']);
    expect(v.signatures[0]!.changes.findings.find((x) => x.code === 'XREF_CORRECTED')).toMatchObject({
      level: 'NONE',
      indeterminate: true,
      allowed: true,
    });
  });

  it('unrecognised bytes after the %%EOF (no object, trailer or xref): INDETERMINATE, not VALID', async () => {
    const signed = await sign(f, f.plain, 2);
    const v = await verify(f, concat(signed, new Uint8Array([0x1a, 0xff, 0x41, 0x42])));
    expect(v.status, describeReport(v)).toBe('indeterminate');
    expect(v.signatures[0]!.changes.findings.find((x) => x.code === 'TRAILING_DATA')).toMatchObject({
      level: 'NONE',
      indeterminate: true,
    });
    // A bare trailer naming another catalog is structure: INVALID.
    const t = await verify(f, concat(signed, enc('trailer\n<< /Root 1 0 R >>\n')));
    expect(t.status).toBe('invalid');
    expect(codesOf(t)).toContain('TRAILING_DATA');
  });

  it('whitespace, NULs and comments after the %%EOF are not data (still VALID)', async () => {
    const signed = await sign(f, f.plain, 2);
    const v = await verify(f, concat(signed, enc('\r\n  \0\0\n% a comment\n%%EOF\n\n')));
    expect(v.status, describeReport(v)).toBe('valid');
    expect(firstDataAfter(memorySource(enc('  % x\n\t y')), 0)).toBe(8);
    expect(firstDataAfter(memorySource(enc('  % x\n\t ')), 0)).toBeUndefined();
  });
});
