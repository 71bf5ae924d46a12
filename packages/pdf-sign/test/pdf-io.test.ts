import fs from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import {
  IncrementalWriter,
  MAX_NESTING,
  Parser,
  type PdfDict,
  PdfReader,
  PdfRef,
  PdfStream,
  PdfString,
  decodeStream,
  dict,
  name,
  serialize,
} from '../src/index.js';
import { makeSamplePdf, qpdfConvert } from './helpers/docs.js';
import { qpdfCheck } from './helpers/interop.js';
import { vectorsDir } from '../../../test-vectors/location.js';

const PYHANKO = path.join(vectorsDir, 'pyhanko-pdf/pdf');
const vec = (f: string) => new Uint8Array(fs.readFileSync(path.join(PYHANKO, f)));
const enc = (s: string) => new TextEncoder().encode(s);

describe('parser', () => {
  it('parses the object syntax and round-trips it', () => {
    const p = new Parser(enc('<< /A 1 /B [2 0 R (x\\(y\\)) <414 2>] /C#20D -3.5 /E true /N null >>'));
    const d = p.parseObject() as PdfDict;
    expect(d.get('A')).toBe(1);
    const arr = d.get('B') as unknown[];
    expect(arr[0]).toBeInstanceOf(PdfRef);
    expect((arr[1] as PdfString).text()).toBe('x(y)');
    expect((arr[2] as PdfString).bytes).toEqual(new Uint8Array([0x41, 0x42]));
    expect(d.get('C D')).toBe(-3.5);
    expect(d.has('N')).toBe(false);
    const again = new Parser(serialize(d)).parseObject() as PdfDict;
    expect(again.get('C D')).toBe(-3.5);
    expect((again.get('B') as unknown[]).length).toBe(3);
  });

  it('refuses nesting deeper than the limit', () => {
    const deep = '['.repeat(MAX_NESTING + 5) + ']'.repeat(MAX_NESTING + 5);
    expect(() => new Parser(enc(deep)).parseObject()).toThrow(/PDF_LIMIT/);
  });

  it('writes Vietnamese text strings as UTF-16BE and reads them back', () => {
    const s = PdfString.text('Hà Nội, Ủy ban');
    expect([...s.bytes.subarray(0, 2)]).toEqual([0xfe, 0xff]);
    expect((new Parser(serialize(s)).parseObject() as PdfString).text()).toBe('Hà Nội, Ủy ban');
  });

  it('refuses a Flate bomb', () => {
    const bomb = deflateSync(Buffer.alloc(40 * 1024 * 1024));
    const s = new PdfStream(dict({ Filter: name('FlateDecode') }), new Uint8Array(bomb));
    expect(() => decodeStream(s, { maxBytes: 8 * 1024 * 1024 })).toThrow(/PDF_LIMIT/);
  });
});

describe('reader', () => {
  it('reads classic, xref-stream, hybrid and linearized pyHanko vectors', () => {
    for (const f of [
      'minimal.pdf',
      'minimal-xref.pdf',
      'minimal-hybrid-xref.pdf',
      'minimal-two-fields-signed-twice.pdf',
    ]) {
      const r = PdfReader.open(vec(f));
      expect(r.pages().length, f).toBe(1);
      expect(r.catalog().name('Type'), f).toBe('Catalog');
    }
    expect(PdfReader.open(vec('minimal-xref.pdf')).lastXrefKind).toBe('stream');
    const hy = PdfReader.open(vec('minimal-hybrid-xref.pdf'));
    expect(hy.revisions().map((r) => r.xrefKind)).toEqual(['table', 'hybrid']);
  });

  it('models revisions (oldest first, ends at %%EOF)', () => {
    const b = vec('pades-lta-dss-indirect-arrs-test.pdf');
    const revs = PdfReader.open(b).revisions();
    expect(revs.map((r) => r.end)).toEqual([739, 1393, 25853, 46212, 46884]);
    // a reader "as of" a revision
    const r1 = PdfReader.open(b.subarray(0, revs[1]!.end));
    expect(r1.revisions().length).toBe(2);
  });

  it('strict mode reports broken object streams; tolerant mode yields null', () => {
    expect(() => PdfReader.open(vec('broken-objstream1.pdf'), { strict: true }).getObject(4)).toThrow(
      /does not contain index/,
    );
    expect(PdfReader.open(vec('broken-objstream1.pdf')).getObject(4)).toBeNull();
    expect(() => PdfReader.open(vec('broken-objstream5.pdf')).getObject(9)).toThrow(/forbidden object type/);
  });

  it('refuses a circular page tree', () => {
    expect(() => PdfReader.open(vec('circular-page-tree.pdf')).pages()).toThrow(/circular/);
  });
});

describe.skipIf(!requireTool('qpdf'))('incremental writer', () => {
  let dir: string;
  let classic: Uint8Array;
  beforeAll(async () => {
    dir = tmpDir();
    classic = await makeSamplePdf();
  });

  const update = (input: Uint8Array) => {
    const r = PdfReader.open(input);
    const w = new IncrementalWriter(r);
    const cat = w.editDict(r.rootRef);
    cat.set('KysoTest', w.add(dict({ Type: name('KysoTest') })));
    const out = w.write();
    const full = new Uint8Array([...input, ...out.appended]);
    return { r, full, r2: PdfReader.open(full) };
  };

  for (const [label, args] of [
    ['classic', [] as string[]],
    ['object streams', ['--object-streams=generate']],
    ['linearized', ['--linearize']],
  ] as const) {
    it(`appends a ${label} update that qpdf accepts, same xref kind, /ID[0], /Info kept`, () => {
      const input = args.length ? qpdfConvert(classic, [...args], dir, label.replace(' ', '-')) : classic;
      const { r, full, r2 } = update(input);
      expect(Buffer.from(full.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
      expect(r2.lastXrefKind).toBe(r.lastXrefKind);
      expect(r2.trailer.get('Prev')).toBe(r.startxref);
      const oldId = r.resolve(r.trailer.get('ID')) as PdfString[] | null;
      const newId = r2.trailer.get('ID') as PdfString[];
      expect(newId.length).toBe(2);
      if (oldId) expect(newId[0]!.bytes).toEqual(oldId[0]!.bytes);
      expect((r2.trailer.get('Info') as PdfRef).num).toBe((r.trailer.get('Info') as PdfRef).num);
      expect(r2.dict(r2.catalog().get('KysoTest'))!.name('Type')).toBe('KysoTest');
      const file = path.join(dir, `upd-${label}.pdf`);
      fs.writeFileSync(file, full);
      const q = qpdfCheck(file);
      expect(q.status, q.output).toBe(0);
    });
  }

  it('a hybrid file gets a plain table without a stale /XRefStm', () => {
    const input = vec('minimal-hybrid-xref.pdf');
    const { full, r2 } = update(input);
    expect(r2.lastXrefKind).toBe('table');
    expect(r2.trailer.has('XRefStm')).toBe(false);
    const file = path.join(dir, 'hybrid.pdf');
    fs.writeFileSync(file, full);
    expect(qpdfCheck(file).status).not.toBe(2);
    expect(r2.pages().length).toBe(1);
  });
});
