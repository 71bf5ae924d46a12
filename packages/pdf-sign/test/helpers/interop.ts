/** Independent checks of signed PDFs with poppler's pdfsig, qpdf, mutool and openssl. */
import fs from 'node:fs';
import path from 'node:path';
import { openssl, run, toolPath } from '../../../pki-core/test/helpers/tools.js';

export interface PdfsigSignature {
  index: number;
  field?: string;
  type?: string;
  validation?: string;
  certificate?: string;
  totalDocument: boolean;
  ranges?: string;
  raw: string;
}

/** Runs `pdfsig -nocert FILE` and parses each "Signature #n" block (pdfsig exits 0 even when invalid). */
export function pdfsig(file: string): {
  signatures: PdfsigSignature[];
  stdout: string;
  stderr: string;
  status: number | null;
} {
  const r = run(toolPath('pdfsig') ?? 'pdfsig', ['-nocert', file]);
  const blocks = r.stdout.split(/^Signature #/m).slice(1);
  const signatures = blocks.map((b, i) => {
    const get = (label: string) => b.match(new RegExp(`- ${label}: (.*)`))?.[1]?.trim();
    const s: PdfsigSignature = { index: i + 1, totalDocument: /Total document signed/.test(b), raw: b };
    const f = get('Signature Field Name');
    if (f) s.field = f;
    const t = get('Signature Type');
    if (t) s.type = t;
    const v = get('Signature Validation');
    if (v) s.validation = v;
    const c = get('Certificate Validation');
    if (c) s.certificate = c;
    const g = get('Signed Ranges');
    if (g) s.ranges = g;
    return s;
  });
  return { signatures, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** `qpdf --check`: returns the exit status (0 clean, 2 errors, 3 warnings) and output. */
export function qpdfCheck(file: string): { status: number | null; output: string } {
  const r = run(toolPath('qpdf') ?? 'qpdf', ['--check', file]);
  return { status: r.status, output: r.stdout + r.stderr };
}

/** `mutool sign -v FILE`: output text. */
export function mutoolVerify(file: string): string {
  const r = run(toolPath('mutool') ?? 'mutool', ['sign', '-v', file]);
  return r.stdout + r.stderr;
}

/** Extracts each signature's CMS and signed ranges and runs `openssl cms -verify -binary` on them. */
export function opensslVerifyAll(
  bytes: Uint8Array,
  sigs: { byteRange: number[]; contents: Uint8Array }[],
  dir: string,
): { ok: boolean; output: string }[] {
  return sigs.map((s, i) => {
    const cmsFile = path.join(dir, `sig${i}.der`);
    const dataFile = path.join(dir, `sig${i}.bin`);
    fs.writeFileSync(cmsFile, s.contents);
    const [a, b, c, d] = s.byteRange as [number, number, number, number];
    fs.writeFileSync(dataFile, Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]));
    const r = openssl([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      cmsFile,
      '-content',
      dataFile,
      '-noverify',
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    return { ok: r.status === 0 && /Verification successful/.test(r.stderr), output: r.stderr };
  });
}
