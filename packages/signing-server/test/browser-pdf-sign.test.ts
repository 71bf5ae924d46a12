/**
 * @kyso/pdf-sign in a browser (issue 15): esbuild bundles the built packages for the browser
 * (platform browser, so pdf-sign's platform.browser.ts: fflate and @noble/hashes), a page served
 * on localhost loads the bundle in Debian's Chromium (playwright-core, never a downloaded browser),
 * imports the demo official's key into WebCrypto (non-extractable), registers the shipped fonts
 * fetched over HTTP and signs a công văn with a visible Decree 30 signature. The PDF the page
 * returns is then verified in Node: `kyso pdf verify` (in-process), pdfsig and qpdf --check.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfCommands } from '@kyso/pdf-sign/cli';
import type { PdfValidationReport } from '@kyso/pdf-sign/node';
import { congVanSample } from '../../pdf-sign/src/samples/index.js';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { launchChromium } from '../src/demo/browser.js';

const hasChromium = requireTool('chromium');
const hasPdfsig = requireTool('pdfsig');
const hasQpdf = requireTool('qpdf');
const root = fileURLToPath(new URL('../../../', import.meta.url));
const demo = path.join(root, 'certs/demo/ecdsa');

const PAGE = `<!doctype html><meta charset="utf-8"><title>kyso in the browser</title>
<script type="module">
import * as kyso from '/bundle.js';
window.kyso = kyso;
window.kysoReady = true;
</script>`;

describe.skipIf(!hasChromium)('pdf-sign bundled for the browser, signing in Chromium', () => {
  let server: http.Server;
  let base = '';
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let bundle = '';
  const dir = tmpDir();

  beforeAll(async () => {
    const tsc = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules/typescript/bin/tsc'),
        '-b',
        'packages/pki-core/tsconfig.build.json',
        'packages/pdf-sign/tsconfig.build.json',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    // The entry sits outside the repository's tsconfig, so the packages resolve as published (dist/).
    fs.writeFileSync(
      path.join(dir, 'entry.mjs'),
      "export * as pki from '@kyso/pki-core';\nexport * as pdf from '@kyso/pdf-sign';\n",
    );
    const { build } = await import('esbuild');
    const r = await build({
      entryPoints: [path.join(dir, 'entry.mjs')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      nodePaths: [path.join(root, 'node_modules')],
      logLevel: 'silent',
    });
    bundle = r.outputFiles[0]!.text;
    const files: Record<string, [string, string | Uint8Array]> = {
      '/': ['text/html; charset=utf-8', PAGE],
      '/bundle.js': ['text/javascript', bundle],
      '/cong-van.pdf': ['application/pdf', (await congVanSample()).bytes],
      '/official.key.pem': ['text/plain', fs.readFileSync(path.join(demo, 'official.key.pem'))],
      '/official.chain.pem': ['text/plain', fs.readFileSync(path.join(demo, 'official.chain.pem'))],
    };
    for (const f of ['LiberationSerif-Regular.ttf', 'LiberationSerif-Bold.ttf'])
      files[`/fonts/${f}`] = [
        'font/ttf',
        fs.readFileSync(path.join(root, 'packages/pdf-sign/assets/fonts', f)),
      ];
    server = http.createServer((req, res) => {
      const f = files[new URL(req.url ?? '/', 'http://x').pathname];
      if (!f) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': f[0] }).end(f[1]);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://localhost:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  it('the bundle has no node:* import and carries the browser platform', () => {
    expect(bundle).not.toMatch(/\bfrom\s*["']node:|\bimport\s*\(\s*["']node:|\brequire\s*\(\s*["']node:/);
    expect(bundle).toContain('platformName = "browser"');
  });

  it('signs in the page with a WebCrypto key; kyso, pdfsig and qpdf accept the result', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => (window as unknown as { kysoReady?: boolean }).kysoReady === true);
    const result = await page.evaluate(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: the bundle's namespace, typed in Node only
      const { pki, pdf } = (window as any).kyso;
      const bytes = async (p: string) => new Uint8Array(await (await fetch(p)).arrayBuffer());
      const text = async (p: string) => (await fetch(p)).text();
      const key = await pki.importPrivateKey(await text('/official.key.pem'), { extractable: false });
      const chain = pki
        .pemDecodeAll(await text('/official.chain.pem'))
        .map((b: { der: Uint8Array }) => b.der);
      const signer = new pki.LocalSigner(key, chain);
      let fontError = '';
      try {
        pdf.shippedFont('serif-bold');
      } catch (e) {
        fontError = (e as Error).message;
      }
      pdf.registerShippedFont('serif', await bytes('/fonts/LiberationSerif-Regular.ttf'));
      pdf.registerShippedFont('serif-bold', await bytes('/fonts/LiberationSerif-Bold.ttf'));
      const signed = await pdf.signPdf(await bytes('/cong-van.pdf'), {
        signer,
        signerCertificate: pki.Certificate.parse(chain[0]),
        reason: 'Ký trong trình duyệt',
        rect: [330, 120, 530, 230],
        appearance: pdf.personAppearance({
          titleLines: ['KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC'],
          name: 'Trần Thị Bình',
        }),
      });
      let b64 = '';
      const out: Uint8Array = signed.pdf;
      for (let i = 0; i < out.length; i += 0x8000) b64 += String.fromCharCode(...out.subarray(i, i + 0x8000));
      return {
        pdf: btoa(b64),
        platform: pdf.platformName as string,
        keyType: key.privateKey.constructor.name as string,
        extractable: key.privateKey.extractable as boolean,
        hasProcess: typeof (globalThis as { process?: unknown }).process !== 'undefined',
        fontError,
      };
    });
    await page.close();
    expect(errors).toEqual([]);
    expect(result.platform).toBe('browser');
    expect(result.keyType).toBe('CryptoKey');
    expect(result.extractable).toBe(false);
    expect(result.hasProcess).toBe(false);
    expect(result.fontError).toContain("registerShippedFont('serif-bold', bytes)");

    const file = path.join(dir, 'browser-signed.pdf');
    fs.writeFileSync(file, Buffer.from(result.pdf, 'base64'));
    const verify = pdfCommands.find((c) => c.path.join(' ') === 'pdf verify')!;
    let out = '';
    let err = '';
    const code = await verify.run(
      {
        positionals: [file],
        options: { json: true, trust: [path.join(demo, 'root.pem')], 'soft-fail': true },
      },
      { out: (t) => (out += t), err: (t) => (err += t) },
    );
    const report = JSON.parse(out) as PdfValidationReport;
    expect(err).toBe('');
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]!.signer?.commonName).toBe('Trần Thị Bình');
    expect(report.valid).toBe(true);
    expect(code).toBe(0);

    if (hasPdfsig) {
      const p = spawnSync('pdfsig', [file], { encoding: 'utf8' });
      expect(p.stdout).toMatch(/Signature Validation: Signature is Valid\./);
      expect(p.stdout).toMatch(/Total document signed/);
    }
    if (hasQpdf) {
      const q = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
      expect(q.status, q.stdout + q.stderr).toBe(0);
    }
  }, 180_000);
});
