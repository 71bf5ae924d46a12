/**
 * One PDF benchmark operation in a fresh process (so its peak memory is its own), for
 * bench/pdf.bench.mjs. Usage: node pdf-worker.mjs OP ARGS... ; prints one JSON line
 * { ms, peakRssMB, startRssMB } where ms times the operation alone (after imports and a warm-up
 * run on a small PDF), peakRssMB is the process's peak resident set (getrusage maxrss) and
 * startRssMB the resident set just before the timed operation.
 *
 *   kyso-sign IN OUT P12 PASSWORD WARMUP_PDF      signPdfFile (file to file, B-B)
 *   signpdf-sign IN OUT P12 PASSWORD WARMUP_PDF   @signpdf: readFile, plainAddPlaceholder, P12Signer, writeFile
 *   kyso-verify IN WARMUP_PDF                     verifyPdfFile (the full verifier, as `kyso pdf verify` runs it:
 *                                                 the file read through a FileSource, ranges hashed as a stream)
 *   hash-sign IN KEY_PEM                          sha256 of the file as a stream + one RSA signature
 */
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const [op, ...args] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const mb = (b) => b / 1024 / 1024;
const dist = (entry) => {
  const [pkg, sub] = entry.split('/');
  return new URL(`../../packages/${pkg}/dist/${sub ? `${sub}/` : ''}index.js`, import.meta.url).href;
};

async function timed(prepare, run, warm) {
  const ctx = await prepare();
  if (warm && process.env.KYSO_BENCH_NO_WARMUP !== '1') await warm(ctx);
  globalThis.gc?.();
  const startRss = process.memoryUsage().rss;
  const t0 = now();
  await run(ctx);
  const ms = now() - t0;
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ ms, peakRssMB: mb(peak), startRssMB: mb(startRss) })}\n`);
}

if (op === 'kyso-sign') {
  const [inPath, outPath, p12Path, password, warmPdf] = args;
  await timed(
    async () => {
      const { importPkcs12, pkcs12KeyForCertificate, privateKeyFromPkcs8, LocalSigner } = await import(
        dist('pki-core')
      );
      const { signPdfFile } = await import(dist('pdf-sign/node'));
      const c = await importPkcs12(new Uint8Array(readFileSync(p12Path)), password);
      const leaf = c.certificates.find((x) => pkcs12KeyForCertificate(c, x));
      const kp = await privateKeyFromPkcs8(pkcs12KeyForCertificate(c, leaf).pkcs8);
      return { signPdfFile, signer: new LocalSigner(kp, [leaf.der]) };
    },
    ({ signPdfFile, signer }) => signPdfFile(inPath, outPath, { signer }),
    ({ signPdfFile, signer }) => signPdfFile(warmPdf, `${outPath}.warm.pdf`, { signer }),
  );
} else if (op === 'signpdf-sign') {
  const [inPath, outPath, p12Path, password, warmPdf] = args;
  const require = createRequire(import.meta.url);
  await timed(
    () => {
      const { SignPdf } = require('@signpdf/signpdf');
      const { plainAddPlaceholder } = require('@signpdf/placeholder-plain');
      const { P12Signer } = require('@signpdf/signer-p12');
      const p12 = readFileSync(p12Path);
      const go = async (i, o) => {
        const pdf = await readFile(i);
        const withPlaceholder = plainAddPlaceholder({
          pdfBuffer: pdf,
          reason: 'bench',
          contactInfo: 'bench@kyso',
          name: 'bench',
          location: 'Ha Noi',
        });
        const signed = await new SignPdf().sign(
          withPlaceholder,
          new P12Signer(p12, { passphrase: password }),
        );
        await writeFile(o, signed);
      };
      return { go };
    },
    ({ go }) => go(inPath, outPath),
    ({ go }) => go(warmPdf, `${outPath}.warm.pdf`),
  );
} else if (op === 'kyso-verify') {
  const [inPath, warmPdf] = args;
  await timed(
    async () => {
      const { verifyPdfFile } = await import(dist('pdf-sign/node'));
      const go = async (f, mustBeValid) => {
        // No trust anchors are given: certificates are reported indeterminate; integrity (ByteRange,
        // digest, CMS signature), PAdES level and the modification analysis run in full.
        const rep = await verifyPdfFile(f);
        const intact =
          rep.signatures.length > 0 && rep.signatures.every((s) => s.integrity.status === 'passed');
        if (mustBeValid && !intact) throw new Error(`${f}: not intact`);
      };
      return { go };
    },
    ({ go }) => go(inPath, true),
    ({ go }) => go(warmPdf, false),
  );
} else if (op === 'hash-sign') {
  const [inPath, keyPem] = args;
  await timed(
    () => ({ key: createPrivateKey(readFileSync(keyPem)) }),
    async ({ key }) => {
      const h = createHash('sha256');
      for await (const chunk of createReadStream(inPath)) h.update(chunk);
      const digest = h.digest();
      sign('sha256', digest, key);
    },
    ({ key }) => sign('sha256', Buffer.alloc(32), key),
  );
} else {
  process.stderr.write(`unknown op ${op}\n`);
  process.exit(2);
}
