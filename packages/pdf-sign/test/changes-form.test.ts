/**
 * Form filling with the AcroForm /DR font shared with the page (issue 12's false positive): the
 * earlier appearance used the shared font; filling replaces the appearance, not the font, so it
 * stays FORM_FILLING. By hand (kyso's writer) and by MuPDF's own form filler (`mutool run` with
 * setTextValue and an incremental save). Overwriting the shared font itself is still reported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, run, tmpDir, toolPath } from '../../pki-core/test/helpers/tools.js';
import { PdfReader, type PdfRef, PdfString } from '../src/index.js';
import {
  type ChangeFixture,
  appendRaw,
  bodyOf,
  changeFixture,
  codesOf,
  describeReport,
  edit,
  pageFont,
  sign,
  textAppearance,
  verify,
  withForm,
} from './helpers/changes.js';

describe('form filling with the /DR font shared with the page', () => {
  let f: ChangeFixture;
  beforeAll(async () => {
    f = await changeFixture();
  });

  for (const certify of [undefined, 2] as const) {
    it(`by hand: FORM_FILLING and VALID (${certify ? `certified P=${certify}` : 'approval signature'})`, async () => {
      const signed = await sign(f, withForm(f.plain), certify);
      const filled = edit(signed, (w, r) => {
        const field = r.array(r.dict(r.catalog().get('AcroForm'))!.get('Fields'))![0] as PdfRef;
        const d = w.editDict(field);
        d.set('V', PdfString.text('1200'));
        const ap = r.dict(d.get('AP'))!.clone();
        ap.set('N', w.add(textAppearance(pageFont(r), '1200')));
        d.set('AP', ap);
      });
      const v = await verify(f, filled);
      expect(v.status, describeReport(v)).toBe('valid');
      expect(codesOf(v)).toEqual(['FORM_FIELD_FILLED']);
      expect(v.signatures[0]!.changes.level).toBe('FORM_FILLING');
    });
  }

  it.skipIf(!requireTool('mutool'))('by mutool run (setTextValue, incremental save): VALID', async () => {
    const dir = tmpDir();
    const signed = await sign(f, withForm(f.plain), 2);
    const inFile = path.join(dir, 'signed.pdf');
    const outFile = path.join(dir, 'filled.pdf');
    const script = path.join(dir, 'fill.js');
    fs.writeFileSync(inFile, signed);
    fs.writeFileSync(
      script,
      [
        'var doc = new PDFDocument(scriptArgs[0]);',
        'var page = doc.loadPage(0);',
        'var ws = page.getWidgets();',
        'for (var i = 0; i < ws.length; i++) {',
        '  if (ws[i].getFieldType() === "text") { ws[i].setTextValue("1200"); ws[i].update(); }',
        '}',
        'doc.save(scriptArgs[1], "incremental");',
      ].join('\n'),
    );
    const res = run(toolPath('mutool') ?? 'mutool', ['run', script, inFile, outFile]);
    expect(res.status, res.stderr).toBe(0);
    const filled = new Uint8Array(fs.readFileSync(outFile));
    expect(filled.length).toBeGreaterThan(signed.length);
    expect(Buffer.from(filled.subarray(0, signed.length)).equals(Buffer.from(signed))).toBe(true);
    const r = PdfReader.open(filled);
    const field = r.array(r.dict(r.catalog().get('AcroForm'))!.get('Fields'))![0] as PdfRef;
    expect((r.dict(field)!.get('V') as PdfString).text()).toBe('1200');
    const v = await verify(f, filled);
    expect(v.status, describeReport(v)).toBe('valid');
    expect(codesOf(v)).toContain('FORM_FIELD_FILLED');
    expect(codesOf(v)).not.toContain('SHARED_OBJECT_OVERWRITTEN');
  });

  it('overwriting the shared font itself is still reported (SHARED_OBJECT_OVERWRITTEN / OTHER)', async () => {
    const signed = await sign(f, withForm(f.plain), 2);
    const r = PdfReader.open(signed);
    const font = pageFont(r).num;
    // A fill whose update also redefines the font the old appearance and the page share.
    const filled = fillByHandRaw(
      signed,
      font,
      bodyOf(r, font).replace(/>>\s*$/, '/Encoding << /Differences [48 /nine] >> >>'),
    );
    const v = await verify(f, filled);
    expect(v.status, describeReport(v)).toBe('invalid');
    expect(
      v.signatures[0]!.changes.findings.some((x) => x.objects?.includes(font) && x.level === 'OTHER'),
    ).toBe(true);
  });
});

/** A raw update filling 'amount' and redefining object `font`. */
function fillByHandRaw(pdf: Uint8Array, font: number, fontBody: string): Uint8Array {
  const r = PdfReader.open(pdf);
  const field = r.array(r.dict(r.catalog().get('AcroForm'))!.get('Fields'))![0] as PdfRef;
  const ap = r.size + 1;
  const body = bodyOf(r, field.num).replace(/\/V\s*\(\)/, '/V (1200)');
  const c = '/Tx BMC BT /Helv 12 Tf 2 5 Td (1200) Tj ET EMC';
  return appendRaw(pdf, [
    { num: field.num, body: body.replace(/\/AP\s*<<\s*\/N\s*\d+ 0 R\s*>>/, `/AP << /N ${ap} 0 R >>`) },
    {
      num: ap,
      body: `<< /Type /XObject /Subtype /Form /BBox [0 0 200 20] /Resources << /Font << /Helv ${font} 0 R >> >> /Length ${c.length} >>\nstream\n${c}\nendstream`,
    },
    { num: font, body: fontBody },
  ]);
}
