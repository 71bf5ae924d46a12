/**
 * The four packages as a new user gets them (issue 15): `npm pack` the workspaces, install the
 * tarballs into an empty folder outside the repository (their dependencies come from the npm
 * registry), and there:
 *  - `kyso server start` (embedded PGlite, a free port) answers /readyz;
 *  - `npx kyso pdf sign` signs a sample (fonts read from the installed package) and
 *    `npx kyso pdf verify --vn-roots` finds the Vietnamese roots shipped in pki-core's trust/;
 *  - `npx kyso xml sign` / `xml verify` (@kyso/xml-sign, a dependency of the binary's package);
 *  - every entry point in the packages' "exports" imports from plain Node ESM;
 *  - pki-core's subpath entries (/der, /crypto, /path, /cms) validate a path and sign / verify CMS,
 *    and share their classes with the root entry (one module graph);
 *  - a TS file using the public types (the root and the /der, /path, /cms subpaths) compiles with
 *    `tsc` (strict, skipLibCheck false);
 *  - esbuild bundles pki-core (root and subpaths), pdf-sign and the client for the browser with no
 *    node:* left.
 * Install scripts are not run (pkcs11js builds only for the PKCS#11 vault, not used here).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../../pki-core/test/helpers/tools.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = ['pki-core', 'pdf-sign', 'xml-sign', 'signing-server'] as const;
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);

function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}, timeout = 300_000) {
  return execFileSync(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Runs a command that may exit non-zero; returns code and output. */
function run(cmd: string, args: string[], cwd: string) {
  try {
    return { code: 0, out: sh(cmd, args, cwd, {}, 120_000), err: '' };
  } catch (e) {
    const x = e as { status: number | null; stdout: string; stderr: string };
    return { code: x.status, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

describe('npm pack → npm install in an empty folder', () => {
  let dir = '';
  let server: ChildProcess | undefined;

  beforeAll(() => {
    sh(
      process.execPath,
      [
        path.join(root, 'node_modules/typescript/bin/tsc'),
        '-b',
        ...PACKAGES.map((p) => `packages/${p}/tsconfig.build.json`),
      ],
      root,
    );
    dir = tmpDir();
    expect(path.relative(root, dir).startsWith('..')).toBe(true);
    const packed = JSON.parse(
      sh(
        'npm',
        ['pack', '--json', '--pack-destination', dir, ...PACKAGES.flatMap((p) => ['-w', `@kyso/${p}`])],
        root,
      ),
    ) as { filename: string; files: { path: string }[] }[];
    expect(packed.map((p) => p.filename).sort()).toEqual([
      'kyso-pdf-sign-0.1.0.tgz',
      'kyso-pki-core-0.1.0.tgz',
      'kyso-signing-server-0.1.0.tgz',
      'kyso-xml-sign-0.1.0.tgz',
    ]);
    const files = packed.flatMap((p) => p.files.map((f) => `${p.filename}:${f.path}`));
    // What the packages read at run time is in the tarballs.
    expect(files).toContain('kyso-signing-server-0.1.0.tgz:migrations/001_init.sql');
    expect(files.some((f) => f.startsWith('kyso-pki-core-0.1.0.tgz:trust/vn/'))).toBe(true);
    expect(files).toContain('kyso-pdf-sign-0.1.0.tgz:assets/fonts/LiberationSerif-Regular.ttf');
    expect(files).toContain('kyso-xml-sign-0.1.0.tgz:dist/index.js');
    expect(files).toContain('kyso-xml-sign-0.1.0.tgz:dist/cli/index.d.ts');
    // Only what runs or documents: no tests, no build configuration.
    expect(files.filter((f) => /^kyso-xml-sign-0\.1\.0\.tgz:(test\/|tsconfig)/.test(f))).toEqual([]);
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'kyso-pack-check', private: true, type: 'module' }),
    );
    const types = JSON.parse(
      fs.readFileSync(path.join(root, 'node_modules/@types/node/package.json'), 'utf8'),
    );
    sh(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--prefer-offline',
        ...packed.map((p) => `./${p.filename}`),
        `@types/node@${types.version}`,
      ],
      dir,
    );
  }, 600_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
  });

  it('kyso server start (PGlite, a free port) answers /readyz', async () => {
    server = spawn(path.join(dir, 'node_modules/.bin/kyso'), ['server', 'start'], {
      cwd: dir,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', KYSO_DATA_DIR: path.join(dir, 'data') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no "listening" within 120 s:\n${out}`)), 120_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /"url":"(http:\/\/[^"]+)".*listening/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      };
      server!.stdout!.on('data', onData);
      server!.stderr!.on('data', onData);
      server!.once('exit', (code) => reject(new Error(`server exited ${code}:\n${out}`)));
    });
    let ready: Response | undefined;
    for (let i = 0; i < 60 && ready?.status !== 200; i++) {
      ready = await fetch(`${url}/readyz`).catch(() => undefined);
      if (ready?.status !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    expect(ready?.status).toBe(200);
    server.kill('SIGTERM');
    const code = await new Promise((r) => server!.once('exit', r));
    expect(code).toBe(0);
  }, 180_000);

  it('npx kyso pdf sign, then pdf verify --trust and --vn-roots', () => {
    const demo = path.join(root, 'certs/demo/ecdsa');
    fs.writeFileSync(path.join(dir, 'pw.txt'), 'kyso-demo\n');
    sh(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { congVanSample } from '@kyso/pdf-sign/samples'; import fs from 'node:fs'; fs.writeFileSync('cong-van.pdf', (await congVanSample()).bytes);",
      ],
      dir,
    );
    sh(
      'npx',
      [
        'kyso',
        'pdf',
        'sign',
        'cong-van.pdf',
        '--out',
        'signed.pdf',
        '--p12',
        path.join(demo, 'official.p12'),
        '--password-file',
        'pw.txt',
        '--appearance',
        'person',
        '--rect',
        '330,120,200,110',
        '--name',
        'Trần Thị Bình',
      ],
      dir,
    );
    const trusted = run(
      'npx',
      [
        'kyso',
        'pdf',
        'verify',
        'signed.pdf',
        '--trust',
        path.join(demo, 'root.pem'),
        '--soft-fail',
        '--json',
      ],
      dir,
    );
    expect(trusted.err).toBe('');
    expect(JSON.parse(trusted.out).signatures[0].signer.commonName).toBeTruthy();
    expect(trusted.code).toBe(0);
    const vn = run('npx', ['kyso', 'pdf', 'verify', 'signed.pdf', '--vn-roots', '--lang', 'en'], dir);
    expect(vn.err).not.toMatch(/not found/);
    expect(vn.code).toBe(1); // the demo signer does not chain to a Vietnamese root
    expect(vn.out).toMatch(/UNKNOWN_ISSUER/);
  }, 180_000);

  it('npx kyso xml sign, then xml verify --trust (valid) and on a changed copy (invalid)', () => {
    const demo = path.join(root, 'certs/demo/ecdsa');
    fs.writeFileSync(path.join(dir, 'pw.txt'), 'kyso-demo\n');
    fs.writeFileSync(
      path.join(dir, 'hoa-don.xml'),
      '<?xml version="1.0" encoding="UTF-8"?>\n<HDon><DLHDon Id="data"><SHDon>7</SHDon></DLHDon></HDon>\n',
    );
    sh(
      'npx',
      [
        'kyso',
        'xml',
        'sign',
        'hoa-don.xml',
        '--out',
        'hoa-don.signed.xml',
        '--p12',
        path.join(demo, 'official.p12'),
        '--password-file',
        'pw.txt',
      ],
      dir,
    );
    const verify = (file: string) =>
      run(
        'npx',
        [
          'kyso',
          'xml',
          'verify',
          file,
          '--trust',
          path.join(demo, 'root.pem'),
          '--revocation',
          'off',
          '--json',
        ],
        dir,
      );
    const ok = verify('hoa-don.signed.xml');
    expect(ok.err).toBe('');
    expect(JSON.parse(ok.out).valid).toBe(true);
    expect(ok.code).toBe(0);
    fs.writeFileSync(
      path.join(dir, 'hoa-don.changed.xml'),
      fs.readFileSync(path.join(dir, 'hoa-don.signed.xml'), 'utf8').replace('<SHDon>7<', '<SHDon>8<'),
    );
    const bad = verify('hoa-don.changed.xml');
    expect(JSON.parse(bad.out).valid).toBe(false);
    expect(bad.code).toBe(1);
  }, 180_000);

  it('every entry point in "exports" imports from plain Node ESM', () => {
    const specifiers: string[] = [];
    for (const p of PACKAGES) {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, 'packages', p, 'package.json'), 'utf8'));
      for (const key of Object.keys(pkg.exports as Record<string, unknown>)) {
        if (key.includes('*') || key === './package.json') continue;
        specifiers.push(key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`);
      }
    }
    expect(specifiers).toContain('@kyso/pdf-sign/node');
    expect(specifiers).toContain('@kyso/pdf-sign/cli');
    expect(specifiers).toContain('@kyso/signing-server/client');
    // pki-core's subpath entries per concern (issue 17)
    expect(specifiers).toEqual(
      expect.arrayContaining(['@kyso/pki-core/path', '@kyso/pki-core/cms', '@kyso/pki-core/der']),
    );
    expect(specifiers).toEqual(expect.arrayContaining(['@kyso/xml-sign', '@kyso/xml-sign/cli']));
    const out = sh(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `for (const s of ${JSON.stringify(specifiers)}) { const m = await import(s); console.log(s, Object.keys(m).length); }`,
      ],
      dir,
    );
    for (const s of specifiers) expect(out).toMatch(new RegExp(`^${s} [1-9]\\d*$`, 'm'));
  }, 120_000);

  it('the pki-core subpaths /der, /crypto, /path, /cms work together from plain Node ESM', () => {
    const demo = path.join(root, 'certs/demo/ecdsa');
    const script = [
      "import fs from 'node:fs';",
      "import * as all from '@kyso/pki-core';",
      "import { DerReader, KysoError, Tag, pemDecodeAll } from '@kyso/pki-core/der';",
      "import { LocalSigner, importPrivateKey } from '@kyso/pki-core/crypto';",
      "import { TrustStore, buildAndValidatePath } from '@kyso/pki-core/path';",
      "import { signCms, verifyCms } from '@kyso/pki-core/cms';",
      `const demo = ${JSON.stringify(demo)};`,
      "const chain = pemDecodeAll(fs.readFileSync(demo + '/official.chain.pem', 'utf8')).map((b) => b.der);",
      'const trustStore = new TrustStore();',
      "trustStore.add(fs.readFileSync(demo + '/root.pem', 'utf8'));",
      'const path = await buildAndValidatePath({ leaf: chain[0], intermediates: chain.slice(1), trustStore, time: new Date() });',
      "const key = await importPrivateKey(fs.readFileSync(demo + '/official.key.pem', 'utf8'));",
      "const content = new TextEncoder().encode('công văn số 17');",
      'const cms = await signCms({ signer: new LocalSigner(key, chain), content, detached: true });',
      'const ok = await verifyCms(cms, { content, trustStore });',
      "const bad = await verifyCms(cms, { content: new TextEncoder().encode('công văn số 18'), trustStore });",
      'let strict = null;',
      'try { DerReader.single(Uint8Array.of(0x30, 0x81, 0x01, 0x00)); } catch (e) { strict = e instanceof KysoError ? e.code : String(e); }',
      'console.log(JSON.stringify({',
      '  path: path.valid, cms: ok.valid, tampered: bad.valid, tag: DerReader.single(cms).tag === Tag.SEQUENCE,',
      '  strict, same: all.TrustStore === TrustStore && all.verifyCms === verifyCms && all.KysoError === KysoError,',
      '}));',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'subpaths.mjs'), script);
    const out = JSON.parse(sh(process.execPath, ['subpaths.mjs'], dir));
    expect(out).toEqual({
      path: true,
      cms: true,
      tampered: false,
      tag: true,
      strict: expect.any(String),
      same: true,
    });
    // A non-minimal length (0x81 for 1) is refused by the strict DER reader with a KysoError code.
    expect(out.strict).toMatch(/^[A-Z_]+$/);
  }, 120_000);

  it('tsc (strict, skipLibCheck false) compiles a file using the public types', () => {
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['check.ts'],
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'check.ts'),
      [
        "import { Certificate, type Profile } from '@kyso/pki-core';",
        "import { DerReader, Tag, type DerElement } from '@kyso/pki-core/der';",
        "import { TrustStore, buildAndValidatePath, type ValidationReport, type RevocationChecker } from '@kyso/pki-core/path';",
        "import { signCms, verifyCms, type CmsVerifyReport } from '@kyso/pki-core/cms';",
        "import { main } from '@kyso/pki-core/cli';",
        "import { preparePdfSignature, registerShippedFont, type PdfValidationReport } from '@kyso/pdf-sign';",
        "import { signPdfFile, verifyPdfFile } from '@kyso/pdf-sign/node';",
        "import { congVanSample } from '@kyso/pdf-sign/samples';",
        "import { CscClient } from '@kyso/signing-server/client';",
        "import { signXml, verifyXml, type XmlValidationReport } from '@kyso/xml-sign';",
        "import { xmlCommands } from '@kyso/xml-sign/cli';",
        "import { startServer, type Config } from '@kyso/signing-server';",
        'export const fns = [Certificate.parse, main, preparePdfSignature, registerShippedFont, signPdfFile, verifyPdfFile, congVanSample, startServer, signXml, verifyXml];',
        'export const xml = xmlCommands.map((c) => c.path.join(" "));',
        'export type T = [Profile, PdfValidationReport, Config, CscClient, XmlValidationReport];',
        'export const pki = [DerReader.single, Tag.SEQUENCE, TrustStore, buildAndValidatePath, signCms, verifyCms] as const;',
        'export type P = [DerElement, ValidationReport, RevocationChecker, CmsVerifyReport];',
        'export const valid = async (r: Promise<CmsVerifyReport>): Promise<boolean> => (await r).valid;',
        '',
      ].join('\n'),
    );
    const r = run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], dir);
    expect(r.out + r.err).toBe('');
    expect(r.code).toBe(0);
  }, 180_000);

  it('esbuild bundles pki-core (root, /der, /path, /cms), pdf-sign and the client for the browser: no node:* left', () => {
    fs.writeFileSync(
      path.join(dir, 'browser.mjs'),
      [
        "import * as pki from '@kyso/pki-core';",
        "import * as pdf from '@kyso/pdf-sign';",
        "import * as client from '@kyso/signing-server/client';",
        "import * as der from '@kyso/pki-core/der';",
        "import * as path from '@kyso/pki-core/path';",
        "import * as cms from '@kyso/pki-core/cms';",
        'globalThis.kyso = { pki, pdf, client, der, path, cms };',
        '',
      ].join('\n'),
    );
    const r = run(
      bin('esbuild'),
      [
        'browser.mjs',
        '--bundle',
        '--platform=browser',
        '--format=esm',
        '--outfile=bundle.js',
        '--log-level=warning',
      ],
      dir,
    );
    expect(r.err).not.toMatch(/Could not resolve/);
    expect(r.code).toBe(0);
    const js = fs.readFileSync(path.join(dir, 'bundle.js'), 'utf8');
    expect(js.length).toBeGreaterThan(100_000);
    // No import/require of a node: built-in (pki-core's guarded process.getBuiltinModule lookup is not one).
    expect(js).not.toMatch(
      /\bfrom\s*["']node:|\bimport\s*\(\s*["']node:|\brequire\s*\(\s*["']node:|\bimport\s*["']node:/,
    );
    expect(js).toContain('platformName = "browser"');
  }, 120_000);
});
