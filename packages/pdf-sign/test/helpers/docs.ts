/** Sample PDFs for tests, made with pdf-lib (classic xref) and converted with qpdf. */
import fs from 'node:fs';
import path from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { run, toolPath } from '../../../pki-core/test/helpers/tools.js';

export async function makeSamplePdf(
  opts: { pages?: number; title?: string; bulk?: number } = {},
): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(opts.title ?? 'kyso sample');
  doc.setProducer('kyso tests (pdf-lib)');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < (opts.pages ?? 1); i++) {
    const page = doc.addPage([595.28, 841.89]);
    page.drawText(`Sample page ${i + 1}`, { x: 72, y: 760, size: 18, font });
    for (let k = 0; k < (opts.bulk ?? 0); k++)
      page.drawText(`line ${k} ${'x'.repeat(60)}`, { x: 72, y: 700 - (k % 60) * 10, size: 8, font });
  }
  return doc.save({ useObjectStreams: false });
}

/** Runs qpdf with `args` over `input`, returning the output bytes. */
export function qpdfConvert(input: Uint8Array, args: string[], dir: string, name: string): Uint8Array {
  const inFile = path.join(dir, `${name}.in.pdf`);
  const outFile = path.join(dir, `${name}.pdf`);
  fs.writeFileSync(inFile, input);
  const r = run(toolPath('qpdf') ?? 'qpdf', [...args, inFile, outFile]);
  if (r.status !== 0 && r.status !== 3) throw new Error(`qpdf failed: ${r.stderr}`);
  return new Uint8Array(fs.readFileSync(outFile));
}
