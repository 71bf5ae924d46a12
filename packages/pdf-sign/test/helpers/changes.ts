/**
 * Builders for the change-analysis tests: kyso-signed sample documents (classic xref, or xref
 * stream + object streams through qpdf) and raw incremental updates appended byte by byte, as an
 * attacker would write them (nothing here goes through kyso's writer, so the updates can declare
 * only what the attack needs).
 */
import { TrustStore } from '@kyso/pki-core';
import {
  IncrementalWriter,
  PdfName,
  type PdfObject,
  PdfReader,
  PdfRef,
  PdfStream,
  PdfString,
  dict,
  latin1,
  serialize,
  signPdf,
} from '../../src/index.js';
import { type PdfValidationReport, verifyPdf } from '../../src/verify/index.js';
import { tmpDir } from '../../../pki-core/test/helpers/tools.js';
import { makeSamplePdf, qpdfConvert } from './docs.js';
import { type PdfTestPki, makePdfTestPki } from './pki.js';

export const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
export const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One object of a raw update: its number and body (what goes between `N 0 obj` and `endobj`). */
export interface RawObject {
  num: number;
  body: string | Uint8Array;
}

export interface RawUpdateOptions {
  /** Cross-reference kind (default: table; an object stream forces a stream). */
  kind?: 'table' | 'stream';
  /** An object stream written in the update (its members listed as compressed entries). */
  objStm?: { num: number; members: { num: number; body: string }[]; declareMembers?: boolean };
  /** Numbers declared free. */
  freed?: number[];
  /** The startxref value written (default: the real offset of the new section). */
  startxref?: (real: number) => number;
  /** Objects written without any xref entry (before the declared ones). */
  unlisted?: RawObject[];
}

/** Appends an incremental update written by hand. */
export function appendRaw(pdf: Uint8Array, objects: RawObject[], opts: RawUpdateOptions = {}): Uint8Array {
  const r = PdfReader.open(pdf);
  const root = r.trailer.get('Root') as PdfRef;
  let size = r.size;
  const chunks: Uint8Array[] = [pdf];
  let pos = pdf.length;
  const push = (b: Uint8Array | string) => {
    const x = typeof b === 'string' ? enc(b) : b;
    chunks.push(x);
    pos += x.length;
  };
  if (pdf[pdf.length - 1] !== 0x0a) push('\n');
  const rows: [number, number, number, number][] = []; // num, type, f1, f2
  const writeObj = (o: RawObject, listed: boolean) => {
    const at = pos;
    push(`${o.num} 0 obj\n`);
    push(o.body);
    push('\nendobj\n');
    if (listed) rows.push([o.num, 1, at, 0]);
    size = Math.max(size, o.num + 1);
  };
  for (const o of opts.unlisted ?? []) writeObj(o, false);
  for (const o of objects) writeObj(o, true);
  if (opts.objStm) {
    const { num, members } = opts.objStm;
    let head = '';
    let body = '';
    for (const m of members) {
      head += `${m.num} ${body.length} `;
      body += `${m.body}\n`;
    }
    const data = head + body;
    writeObj(
      {
        num,
        body: `<< /Type /ObjStm /N ${members.length} /First ${head.length} /Length ${data.length} >>\nstream\n${data}\nendstream`,
      },
      true,
    );
    if (opts.objStm.declareMembers !== false)
      members.forEach((m, i) => {
        rows.push([m.num, 2, num, i]);
        size = Math.max(size, m.num + 1);
      });
  }
  for (const n of opts.freed ?? []) rows.push([n, 0, 0, 1]);
  const kind = opts.objStm ? 'stream' : (opts.kind ?? 'table');
  const xrefAt = pos;
  const sx = opts.startxref ? opts.startxref(xrefAt) : xrefAt;
  rows.sort((a, b) => a[0] - b[0]);
  const groups: [number, typeof rows][] = [];
  for (const row of rows) {
    const g = groups[groups.length - 1];
    if (g && g[0] + g[1].length === row[0]) g[1].push(row);
    else groups.push([row[0], [row]]);
  }
  const idPart = (() => {
    const id = r.trailer.get('ID');
    return id ? ` /ID ${text(serialize(id as PdfObject))}` : '';
  })();
  if (kind === 'table') {
    let s = 'xref\n';
    for (const [start, g] of groups) {
      s += `${start} ${g.length}\n`;
      for (const [, t, f1, f2] of g)
        s += `${String(t === 0 ? 0 : f1).padStart(10, '0')} ${String(t === 0 ? 65535 : f2).padStart(5, '0')} ${t === 0 ? 'f' : 'n'}\r\n`;
    }
    push(s);
    push(`trailer\n<< /Size ${size} /Root ${root.num} ${root.gen} R /Prev ${r.startxref}${idPart} >>\n`);
  } else {
    const self = size++;
    rows.push([self, 1, xrefAt, 0]);
    groups.push([self, [[self, 1, xrefAt, 0]]]);
    const bytes: number[] = [];
    const index: number[] = [];
    for (const [start, g] of groups) {
      index.push(start, g.length);
      for (const [, t, f1, f2] of g)
        bytes.push(
          t,
          (f1 >>> 24) & 255,
          (f1 >>> 16) & 255,
          (f1 >>> 8) & 255,
          f1 & 255,
          (f2 >> 8) & 255,
          f2 & 255,
        );
    }
    push(
      `${self} 0 obj\n<< /Type /XRef /Size ${size} /Root ${root.num} ${root.gen} R /Prev ${r.startxref}${idPart} /W [1 4 2] /Index [${index.join(' ')}] /Length ${bytes.length} >>\nstream\n`,
    );
    push(Uint8Array.from(bytes));
    push('\nendstream\nendobj\n');
  }
  push(`startxref\n${sx}\n%%EOF\n`);
  return concat(...chunks);
}

/** Serialised body of object `num` as `r` reads it (for object streams rewritten by a test). */
export function bodyOf(r: PdfReader, num: number): string {
  return text(serialize(r.getObject(num)));
}

/** An unsigned edit made with kyso's writer before signing (to prepare a signed document's shape). */
export function edit(pdf: Uint8Array, fn: (w: IncrementalWriter, r: PdfReader) => void): Uint8Array {
  const r = PdfReader.open(pdf);
  const w = new IncrementalWriter(r);
  fn(w, r);
  return concat(pdf, w.write().appended);
}

export interface ChangeFixture {
  pki: PdfTestPki;
  trust: TrustStore;
  /** Two-page sample, classic xref table. */
  plain: Uint8Array;
  /** The same as an xref stream + object stream file (qpdf --object-streams=generate). */
  objstm: Uint8Array;
}

let fixture: Promise<ChangeFixture> | undefined;

/** Shared PKI and base documents (made once per test file). */
export function changeFixture(): Promise<ChangeFixture> {
  fixture ??= (async () => {
    const pki = await makePdfTestPki();
    const plain = await makeSamplePdf({ pages: 2 });
    const objstm = qpdfConvert(plain, ['--object-streams=generate'], tmpDir(), 'objstm');
    return { pki, trust: new TrustStore([pki.root]), plain, objstm };
  })();
  return fixture;
}

/** Signs `pdf` (B-B) as the official, certifying with `certify` when given. */
export async function sign(f: ChangeFixture, pdf: Uint8Array, certify?: 1 | 2 | 3): Promise<Uint8Array> {
  return (await signPdf(pdf, { signer: f.pki.official, ...(certify ? { certify } : {}) })).pdf;
}

export async function verify(f: ChangeFixture, pdf: Uint8Array): Promise<PdfValidationReport> {
  return verifyPdf(pdf, { trustStore: f.trust, revocation: 'off' });
}

/** Change codes reported against the first signature. */
export function codesOf(r: PdfValidationReport, sig = 0): string[] {
  return (r.signatures[sig]?.changes.findings ?? []).map((x) => x.code);
}

export const describeReport = (r: PdfValidationReport): string =>
  JSON.stringify(
    r.signatures.map((s) => ({
      f: s.field,
      st: s.status,
      why: s.reasons,
      ch: s.changes.findings.map((x) => `${x.code}:${x.level}:${x.allowed}:${x.description}`),
    })),
    null,
    1,
  );

export { latin1, PdfRef };

/** Page 1's first font (its reference). */
export function pageFont(r: PdfReader): PdfRef {
  const res = r.dict(r.dict(r.pages()[0]!)!.get('Resources'))!;
  return [...r.dict(res.get('Font'))!.map.values()][0] as PdfRef;
}

/** Appearance stream drawing `value` with /Helv = `font` (the /DR font shared with the page). */
export function textAppearance(font: PdfRef, value: string, w = 200, h = 20): PdfStream {
  return new PdfStream(
    dict({
      Type: PdfName.of('XObject'),
      Subtype: PdfName.of('Form'),
      BBox: [0, 0, w, h],
      Resources: dict({ Font: dict({ Helv: font }) }),
    }),
    enc(`/Tx BMC q BT /Helv 12 Tf 0 g 2 5 Td (${value}) Tj ET Q EMC`),
  );
}

/**
 * The sample with a form: a text field 'amount' (widget on page 1 at `rect`) whose appearance
 * uses the AcroForm /DR font, the same font object the page draws with; and a check box 'ok'
 * whose /On appearance is prepared but not selected.
 */
export function withForm(
  pdf: Uint8Array,
  rect: [number, number, number, number] = [300, 600, 500, 620],
): Uint8Array {
  return edit(pdf, (w, r) => {
    const page = r.pages()[0]!;
    const font = pageFont(r);
    const field = w.allocate();
    w.set(
      field,
      dict({
        Type: PdfName.of('Annot'),
        Subtype: PdfName.of('Widget'),
        FT: PdfName.of('Tx'),
        T: PdfString.text('amount'),
        V: PdfString.text(''),
        DA: PdfString.text('/Helv 12 Tf 0 g'),
        Rect: rect,
        F: 4,
        P: page,
        AP: dict({ N: w.add(textAppearance(font, '', rect[2] - rect[0], rect[3] - rect[1])) }),
      }),
    );
    const on = w.add(
      new PdfStream(
        dict({ Type: PdfName.of('XObject'), Subtype: PdfName.of('Form'), BBox: [0, 0, 12, 12] }),
        enc('0 g 2 2 8 8 re f'),
      ),
    );
    const off = w.add(
      new PdfStream(
        dict({ Type: PdfName.of('XObject'), Subtype: PdfName.of('Form'), BBox: [0, 0, 12, 12] }),
        enc(''),
      ),
    );
    const box = w.add(
      dict({
        Type: PdfName.of('Annot'),
        Subtype: PdfName.of('Widget'),
        FT: PdfName.of('Btn'),
        T: PdfString.text('ok'),
        V: PdfName.of('Off'),
        AS: PdfName.of('Off'),
        Rect: [72, 560, 84, 572],
        F: 4,
        P: page,
        AP: dict({ N: dict({ On: on, Off: off }) }),
      }),
    );
    const pd = w.editDict(page);
    pd.set('Annots', [field, box]);
    const cat = w.editDict(r.rootRef);
    cat.set(
      'AcroForm',
      w.add(
        dict({
          Fields: [field, box],
          DA: PdfString.text('/Helv 12 Tf 0 g'),
          DR: dict({ Font: dict({ Helv: font }) }),
        }),
      ),
    );
  });
}
