/**
 * `kyso pdf sign` extras: Decree 30 appearances from the command line (--appearance person|seal|
 * stamp, --image, --page, --rect), folder signing with progress lines, usage errors (exit 2).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../../pki-core/test/helpers/tools.js';
import { pdfCommands } from '../src/cli/index.js';
import { PdfReader, verifyPdfIntegrity } from '../src/node/index.js';
import { Progress, parseRect } from '../src/sign/cli-support.node.js';
import { demoSealPng, demoSignaturePng } from '../src/samples/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

const sign = pdfCommands.find((c) => c.path[1] === 'sign')!;
async function run(positionals: string[], options: Record<string, string | boolean | string[]>) {
  let out = '';
  let err = '';
  const code = await sign.run({ positionals, options }, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('kyso pdf sign: appearances, folders', () => {
  let pki: PdfTestPki;
  let dir: string;
  let input: string;
  let keyOpts: Record<string, string>;
  beforeAll(async () => {
    pki = await makePdfTestPki();
    dir = tmpDir();
    const files = await pki.writeFiles(dir);
    keyOpts = { p12: files.p12, 'password-file': files.password };
    input = path.join(dir, 'in.pdf');
    fs.writeFileSync(input, await makeSamplePdf({ pages: 2 }));
    fs.writeFileSync(path.join(dir, 'sig.png'), demoSignaturePng());
    fs.writeFileSync(path.join(dir, 'seal.png'), demoSealPng());
  });

  const widget = (file: string) => {
    const r = PdfReader.open(new Uint8Array(fs.readFileSync(file)));
    const pages = r.pages();
    for (const [i, p] of pages.entries()) {
      for (const a of r.array(r.dict(p)?.get('Annots')) ?? []) {
        const d = r.dict(a);
        if (d?.name('FT') === 'Sig' || r.dict(d?.get('Parent'))?.name('FT') === 'Sig')
          return { page: i, rect: r.array(d?.get('Rect')) as number[], ap: r.dict(d?.get('AP')) };
      }
    }
    return undefined;
  };

  it('person with image on page 2 at --rect, then the seal over it: both signatures valid', async () => {
    const one = path.join(dir, 'person.pdf');
    const r1 = await run([input], {
      ...keyOpts,
      out: one,
      appearance: 'person',
      image: path.join(dir, 'sig.png'),
      title: ['KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC'],
      name: 'Nguyễn Văn An',
      page: '2',
      rect: '320,120,200,130',
    });
    expect(r1.code, r1.err).toBe(0);
    const w = widget(one)!;
    expect(w.page).toBe(1);
    expect(w.rect.map(Math.round)).toEqual([320, 120, 520, 250]);
    expect(w.ap?.has('N')).toBe(true);
    const two = path.join(dir, 'person-seal.pdf');
    const r2 = await run([one], {
      ...keyOpts,
      out: two,
      appearance: 'seal',
      image: path.join(dir, 'seal.png'),
      page: '2',
      rect: '300,150,100,100',
    });
    expect(r2.code, r2.err).toBe(0);
    const rep = await verifyPdfIntegrity(new Uint8Array(fs.readFileSync(two)));
    expect(rep.signatures.length).toBe(2);
    for (const s of rep.signatures) expect(s.intact && s.valid, JSON.stringify(s.checks)).toBe(true);
  });

  it('stamp (no image) at the top right of page 1', async () => {
    const out = path.join(dir, 'stamp.pdf');
    const r = await run([input], {
      ...keyOpts,
      out,
      appearance: 'stamp',
      agency: 'SỞ THÔNG TIN VÀ TRUYỀN THÔNG',
    });
    expect(r.code, r.err).toBe(0);
    const w = widget(out)!;
    expect(w.page).toBe(0);
    expect(w.rect[0]!).toBeGreaterThan(595 / 2);
    expect(w.rect[3]!).toBeGreaterThan(842 * 0.8);
    expect((await verifyPdfIntegrity(new Uint8Array(fs.readFileSync(out)))).ok).toBe(true);
  });

  it('usage errors exit 2', async () => {
    const out = path.join(dir, 'x.pdf');
    for (const [opts, msg] of [
      [{ appearance: 'seal' }, /needs --image/],
      [{ appearance: 'fancy' }, /person, seal or stamp/],
      [{ appearance: 'person', rect: '1,2,3' }, /--rect must be/],
      [{ appearance: 'person', page: '0' }, /--page/],
      [{ image: path.join(dir, 'sig.png') }, /--image needs --appearance/],
      [{ appearance: 'stamp' }, /--agency/],
    ] as const) {
      const r = await run([input], { ...keyOpts, out, ...opts });
      expect(r.code, JSON.stringify(opts)).toBe(2);
      expect(r.err).toMatch(msg);
    }
    const r = await run([path.join(dir, 'missing.pdf')], { ...keyOpts, out });
    expect(r.code).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a folder: every .pdf signed into --out, progress lines on stderr, failures reported (exit 1)', async () => {
    const src = path.join(dir, 'batch');
    fs.mkdirSync(src);
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(src, `doc${i}.pdf`), await makeSamplePdf());
    fs.writeFileSync(path.join(src, 'notes.txt'), 'not a pdf');
    const outDir = path.join(dir, 'batch-signed');
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    (process.stderr as { write: unknown }).write = (s: string) => {
      writes.push(String(s));
      return true;
    };
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run([src], { ...keyOpts, out: outDir });
    } finally {
      (process.stderr as { write: unknown }).write = orig;
    }
    expect(r.code, r.err).toBe(0);
    expect(fs.readdirSync(outDir).sort()).toEqual(['doc0.pdf', 'doc1.pdf', 'doc2.pdf']);
    for (const f of fs.readdirSync(outDir))
      expect((await verifyPdfIntegrity(new Uint8Array(fs.readFileSync(path.join(outDir, f))))).ok).toBe(true);
    if (!process.stderr.isTTY) expect(writes.join('')).toMatch(/signed 3\/3 doc2\.pdf/);
    // A broken file among them: the others are signed, the failure is reported, exit 1.
    fs.writeFileSync(path.join(src, 'broken.pdf'), 'not a pdf at all');
    const orig2 = process.stderr.write.bind(process.stderr);
    const w2: string[] = [];
    (process.stderr as { write: unknown }).write = (s: string) => {
      w2.push(String(s));
      return true;
    };
    try {
      r = await run([src], { ...keyOpts, out: path.join(dir, 'batch2') });
    } finally {
      (process.stderr as { write: unknown }).write = orig2;
    }
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/signed 3 of 4/);
    expect(fs.readdirSync(path.join(dir, 'batch2')).sort()).toEqual(['doc0.pdf', 'doc1.pdf', 'doc2.pdf']);
  });

  it('progress: a bar on a terminal, plain lines otherwise', () => {
    const tty: string[] = [];
    const p = new Progress(2, { isTTY: true, columns: 80, write: (s: string) => tty.push(s) });
    p.tick('a.pdf');
    p.tick('b.pdf', 'boom');
    expect(tty.join('')).toMatch(/\r\x1b\[K\[#+-*\] 1\/2/);
    expect(tty.join('')).toMatch(/b\.pdf: boom\n/);
    expect(p.failed).toBe(1);
    const plain: string[] = [];
    const q = new Progress(1, { isTTY: false, write: (s: string) => plain.push(s) });
    q.tick('c.pdf');
    expect(plain).toEqual(['signed 1/1 c.pdf\n']);
    expect(parseRect('10,20,30,40')).toEqual([10, 20, 40, 60]);
  });
});
