/**
 * PDF signing at 1, 10 and 200 MB (issue 6 performance goals), each operation in its own Node
 * process (bench/support/pdf-worker.mjs) so that its peak memory (getrusage maxrss) is its own:
 *
 * - kyso `signPdfFile` (file to file, B-B, RSA-2048 from a PKCS#12) against @signpdf
 *   (placeholder-plain + signer-p12, node-forge CMS; readFile, add placeholder, sign, writeFile),
 *   alternating rounds, medians. Goal at 10 MB: 5x faster (ratio <= 0.2), peak memory under the
 *   file size + 64 MB.
 * - 200 MB: kyso sign + verify (verifyPdfFile: the full verifier over a FileSource) against hashing the file once as a stream
 *   (and verify of the same file signed twice: the change analysis compares the two revisions'
 *   resolved object graphs, issue 12; the 200 MB image is compared by its span, not read)
 *   (createHash('sha256') over createReadStream) plus one RSA-2048 signature. Goal: ratio <= 2,
 *   peak memory under 256 MB for each.
 *
 * Inputs are generated once and cached under os.tmpdir()/kyso-bench-pdf (a classic-xref PDF whose
 * page shows one large uncompressed grey image of random bytes: @signpdf's placeholder-plain
 * handles only classic xref tables). Needs `npm run build` and the openssl CLI (test key + P12).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK, report } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const worker = path.join(here, 'support', 'pdf-worker.mjs');
const cache = path.join(os.tmpdir(), 'kyso-bench-pdf');
mkdirSync(cache, { recursive: true });
const work = path.join(cache, `run-${process.pid}`);
mkdirSync(work, { recursive: true });
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const MiB = 1024 * 1024;

/** Writes a one-page classic-xref PDF of about `size` bytes (streamed: never held in memory). */
function generatePdf(file, size) {
  if (existsSync(file) && Math.abs(statSync(file).size - size) < 4096) return;
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  let pos = 0;
  const offsets = [];
  const put = (s) => {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    writeSync(fd, b);
    pos += b.length;
  };
  const obj = (n, body) => {
    offsets[n] = pos;
    put(`${n} 0 obj\n${body}\nendobj\n`);
  };
  put('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
  obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  obj(
    3,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>',
  );
  const content = 'q 400 0 0 400 97 300 cm /Im1 Do Q';
  obj(4, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  const side = Math.max(1, Math.floor(Math.sqrt(Math.max(0, size - 1024))));
  const n = side * side;
  offsets[5] = pos;
  put(
    `5 0 obj\n<< /Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceGray /BitsPerComponent 8 /Length ${n} >>\nstream\n`,
  );
  const chunk = Buffer.alloc(MiB);
  for (let left = n; left > 0; left -= MiB) {
    randomFillSync(chunk);
    put(left >= MiB ? chunk : chunk.subarray(0, left));
  }
  put('\nendstream\nendobj\n');
  const xref = pos;
  let x = 'xref\n0 6\n0000000000 65535 f \n';
  for (let i = 1; i <= 5; i++) x += `${String(offsets[i]).padStart(10, '0')} 00000 n \n`;
  put(`${x}trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  closeSync(fd);
  renameSync(tmp, file);
}

function keyMaterial() {
  const key = path.join(cache, 'bench-key.pem');
  const cert = path.join(cache, 'bench-cert.pem');
  const p12 = path.join(cache, 'bench.p12');
  if (!existsSync(p12)) {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '3650',
        '-subj',
        '/CN=kyso bench signer/O=kyso',
      ],
      { stdio: 'ignore' },
    );
    // PBE-SHA1-3DES + SHA-1 MAC: what node-forge (@signpdf/signer-p12) reads.
    execFileSync(
      'openssl',
      [
        'pkcs12',
        '-export',
        '-inkey',
        key,
        '-in',
        cert,
        '-out',
        p12,
        '-passout',
        'pass:bench',
        '-certpbe',
        'PBE-SHA1-3DES',
        '-keypbe',
        'PBE-SHA1-3DES',
        '-macalg',
        'sha1',
      ],
      { stdio: 'ignore' },
    );
  }
  return { key, p12, password: 'bench' };
}

function run(op, args) {
  const r = spawnSync(process.execPath, ['--expose-gc', worker, op, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`${op} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const max = (xs) => Math.max(...xs);
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));

const { key, p12, password } = keyMaterial();
const warm = path.join(cache, 'warm.pdf');
generatePdf(warm, 2048);
const results = [];

for (const sizeMB of QUICK ? [1, 10] : [1, 10]) {
  const file = path.join(cache, `doc-${sizeMB}mb.pdf`);
  generatePdf(file, sizeMB * MiB);
  const rounds = QUICK ? 2 : 5;
  const k = [];
  const s = [];
  for (let i = 0; i < rounds; i++) {
    k.push(run('kyso-sign', [file, path.join(work, 'k.pdf'), p12, password, warm]));
    s.push(run('signpdf-sign', [file, path.join(work, 's.pdf'), p12, password, warm]));
  }
  const kt = median(k.map((x) => x.ms));
  const st = median(s.map((x) => x.ms));
  const is10 = sizeMB === 10;
  results.push({
    name: `PDF sign ${sizeMB} MB, file to file (B-B, RSA-2048)`,
    value: kt,
    unit: 'ms',
    baseline: '@signpdf placeholder-plain + signer-p12',
    baselineValue: st,
    ratio: kt / st,
    ...(is10 ? { goal: '≤ 0.2 (5x faster)', met: kt / st <= 0.2 } : {}),
    notes: `median of ${rounds} alternating rounds, one process each, timed after imports and a warm-up; speed-up ${fmt(st / kt)}x`,
  });
  const kPeak = max(k.map((x) => x.peakRssMB));
  const kAdded = max(k.map((x) => x.peakRssMB - x.startRssMB));
  const sPeak = max(s.map((x) => x.peakRssMB));
  const sAdded = max(s.map((x) => x.peakRssMB - x.startRssMB));
  const fileMB = statSync(file).size / MiB;
  results.push({
    name: `PDF sign ${sizeMB} MB, memory added by signing (peak RSS − RSS before)`,
    value: kAdded,
    unit: 'MB',
    baseline: '@signpdf, same measure',
    baselineValue: sAdded,
    ratio: kAdded / sAdded,
    ...(is10 ? { goal: `< file + 64 MB (${fmt(fileMB + 64)} MB)`, met: kAdded < fileMB + 64 } : {}),
    notes: `whole-process peak RSS: kyso ${fmt(kPeak)} MB, @signpdf ${fmt(sPeak)} MB (Node with kyso, its key and a warm-up already takes ~${fmt(median(k.map((x) => x.startRssMB)))} MB); ratio = memory ratio`,
  });
}

if (!QUICK) {
  const sizeMB = 200;
  const file = path.join(cache, `doc-${sizeMB}mb.pdf`);
  generatePdf(file, sizeMB * MiB);
  const signed = path.join(work, 'k200.pdf');
  const rounds = 3;
  const sign = [];
  const verify = [];
  const base = [];
  for (let i = 0; i < rounds; i++) {
    sign.push(run('kyso-sign', [file, signed, p12, password, warm]));
    verify.push(run('kyso-verify', [signed, warm]));
    base.push(run('hash-sign', [file, key]));
  }
  // A second signature: verifying it compares revision 2 with revision 1 (resolved graphs).
  const signed2 = path.join(work, 'k200-2.pdf');
  run('kyso-sign', [signed, signed2, p12, password, warm]);
  const verify2 = [];
  for (let i = 0; i < rounds; i++) verify2.push(run('kyso-verify', [signed2, warm]));
  const st = median(sign.map((x) => x.ms));
  const vt = median(verify.map((x) => x.ms));
  const bt = median(base.map((x) => x.ms));
  const v2 = median(verify2.map((x) => x.ms));
  results.push({
    name: 'PDF verify 200 MB signed twice (change analysis of the later revision)',
    value: v2,
    unit: 'ms',
    baseline: 'sha256 of the file (stream) + one RSA-2048 signature',
    baselineValue: bt,
    ratio: v2 / bt,
    goal: '≤ 2',
    met: v2 / bt <= 2,
    notes: `verifyPdfFile over two signatures (each range hashed) and the resolved-graph comparison of revision 2 with revision 1; peak RSS ${fmt(max(verify2.map((x) => x.peakRssMB)))} MB; medians of ${rounds} rounds`,
  });
  results.push({
    name: 'PDF sign + verify 200 MB',
    value: st + vt,
    unit: 'ms',
    baseline: 'sha256 of the file (stream) + one RSA-2048 signature',
    baselineValue: bt,
    ratio: (st + vt) / bt,
    goal: '≤ 2',
    met: (st + vt) / bt <= 2,
    notes: `sign ${fmt(st)} ms (ratio ${(st / bt).toFixed(2)}), verify ${fmt(vt)} ms (ratio ${(vt / bt).toFixed(2)}); medians of ${rounds} rounds`,
  });
  const sp = max(sign.map((x) => x.peakRssMB));
  const vp = max(verify.map((x) => x.peakRssMB));
  const bp = max(base.map((x) => x.peakRssMB));
  results.push({
    name: 'PDF sign 200 MB, peak RSS',
    value: sp,
    unit: 'MB',
    baseline: 'hash + signature peak RSS',
    baselineValue: bp,
    ratio: sp / bp,
    goal: '< 256 MB',
    met: sp < 256,
    notes: 'whole-process peak; ratio = memory ratio',
  });
  results.push({
    name: 'PDF verify 200 MB, peak RSS',
    value: vp,
    unit: 'MB',
    baseline: 'hash + signature peak RSS',
    baselineValue: bp,
    ratio: vp / bp,
    goal: '< 256 MB',
    met: vp < 256,
    notes: 'verifyPdfFile: read through a FileSource (objects on demand, signed ranges hashed as a stream)',
  });
  // @signpdf at 200 MB, once, for reference (it holds the file and its copies in memory).
  try {
    const r = run('signpdf-sign', [file, path.join(work, 's200.pdf'), p12, password, warm]);
    results.push({
      name: 'PDF sign 200 MB vs @signpdf (one round)',
      value: st,
      unit: 'ms',
      baseline: '@signpdf placeholder-plain + signer-p12',
      baselineValue: r.ms,
      ratio: st / r.ms,
      notes: `@signpdf peak RSS ${fmt(r.peakRssMB)} MB vs kyso ${fmt(sp)} MB`,
    });
  } catch (e) {
    results.push({
      name: 'PDF sign 200 MB vs @signpdf (one round)',
      value: st,
      unit: 'ms',
      baseline: '@signpdf placeholder-plain + signer-p12',
      baselineValue: Number.NaN,
      ratio: Number.NaN,
      notes: `@signpdf failed: ${String(e.message).split('\n')[0].slice(0, 120)}`,
    });
  }
}

rmSync(work, { recursive: true, force: true });
report(results);
