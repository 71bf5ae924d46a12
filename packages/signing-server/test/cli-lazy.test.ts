/**
 * The `kyso` binary loads a command's module only when that command runs (issue 15): the manifest
 * matches the command tables, `kyso --help` loads no command module, `kyso verify chain` loads
 * path validation but not the server, the PDF module or fonts. Module loads are recorded with a
 * Node module hook around the built binary; neither loads @noble's post-quantum, Ed448 or pure-JS
 * hash code (imported only when such a signature is met). `kyso xml sign|verify|inspect` run through
 * the binary and load @kyso/xml-sign only. Also `--version` and `completion bash|zsh`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { buildCliManifest } from '../src/cli-lazy.js';
import { CLI_MANIFEST } from '../src/cli-manifest.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(root, 'packages/signing-server/bin/kyso.js');
const demo = path.join(root, 'certs/demo/ecdsa');

/** Runs the built `kyso` with a hook recording every file module loaded. */
function kyso(args: string[], dir: string) {
  const log = path.join(dir, `loads-${args.join('-').replace(/[^a-z-]/g, '')}.txt`);
  const hooks = path.join(dir, 'hooks.mjs');
  const reg = path.join(dir, 'register.mjs');
  fs.writeFileSync(
    hooks,
    `import fs from 'node:fs';\nexport async function load(url, ctx, next) {\n  if (url.startsWith('file:')) fs.appendFileSync(${JSON.stringify(log)}, url + '\\n');\n  return next(url, ctx);\n}\n`,
  );
  fs.writeFileSync(
    reg,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(reg).href, bin, ...args], {
    encoding: 'utf8',
    cwd: dir,
    timeout: 60_000,
  });
  const loaded = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  return { code: r.status, out: r.stdout, err: r.stderr, loaded };
}

/** Data only (no functions), Infinity kept distinct from null. */
const plain = (x: unknown) =>
  JSON.parse(JSON.stringify(x, (_k, v) => (v === Number.POSITIVE_INFINITY ? 'Infinity' : v)));

const HEAVY = [
  /\/pdf-sign\//,
  /\/fontkit\//,
  /\/@electric-sql\/pglite\//,
  /\/hono\//,
  /\/pino\//,
  /\/signing-server\/dist\/index\.js$/,
  /\/xml-sign\//,
  /\/@noble\//,
];

describe('kyso CLI: lazy command loading', () => {
  const dir = tmpDir();
  beforeAll(() => {
    execFileSync(
      process.execPath,
      [
        path.join(root, 'node_modules/typescript/bin/tsc'),
        '-b',
        'packages/signing-server/tsconfig.build.json',
      ],
      { cwd: root, stdio: 'pipe' },
    );
  }, 180_000);

  it('the manifest describes exactly the commands of the tables (regenerate: scripts/cli-manifest.js)', async () => {
    expect(plain(CLI_MANIFEST)).toEqual(plain(await buildCliManifest()));
    expect(CLI_MANIFEST.map((c) => c.path.join(' '))).toEqual(
      expect.arrayContaining([
        'verify chain',
        'server start',
        'pdf sign',
        'pdf verify',
        'p12 import',
        'xml sign',
        'xml verify',
        'xml inspect',
        'xml extend',
        'xml countersign',
      ]),
    );
  });

  it('kyso --help lists every command and loads no command module', () => {
    const r = kyso(['--help'], dir);
    expect(r.code).toBe(0);
    for (const c of CLI_MANIFEST) expect(r.out).toContain(c.path.join(' '));
    expect(r.loaded.some((u) => u.endsWith('/pki-core/dist/cli/framework.js'))).toBe(true);
    const commandModules = r.loaded.filter((u) =>
      /\/cli\/(pki|crl|verify-chain|cms|ocsp|ts|ers|demo-certs|lint)\.js$/.test(u),
    );
    expect(commandModules).toEqual([]);
    for (const h of HEAVY) expect(r.loaded.filter((u) => h.test(u))).toEqual([]);
  });

  it('kyso verify chain loads path validation only (no server, PDF or fonts)', () => {
    const r = kyso(
      [
        'verify',
        'chain',
        path.join(demo, 'official.pem'),
        '--trust',
        path.join(demo, 'root.pem'),
        '--untrusted',
        path.join(demo, 'issuing.pem'),
        '--json',
      ],
      dir,
    );
    expect(r.err).toBe('');
    expect(JSON.parse(r.out).chain).toHaveLength(3);
    expect(r.loaded.some((u) => u.endsWith('/pki-core/dist/cli/verify-chain.js'))).toBe(true);
    expect(r.loaded.some((u) => u.endsWith('/pki-core/dist/cli/pki.js'))).toBe(false);
    // No revocation input: the CRL / OCSP code is not loaded either.
    expect(r.loaded.filter((u) => /\/pki-core\/dist\/(revocation|ocsp)\//.test(u))).toEqual([]);
    for (const h of HEAVY) expect(r.loaded.filter((u) => h.test(u))).toEqual([]);
  });

  it('kyso xml sign, xml verify and xml inspect run through the binary (loading xml-sign, not pdf-sign or the server)', () => {
    const xml = path.join(dir, 'hoa-don.xml');
    fs.writeFileSync(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?>\n<HDon><DLHDon Id="data"><TTChung><SHDon>42</SHDon></TTChung><NDHDon><NBan><Ten>Công ty Kyso</Ten></NBan></NDHDon></DLHDon></HDon>\n',
    );
    const pw = path.join(dir, 'pw.txt');
    fs.writeFileSync(pw, 'kyso-demo\n');
    const signed = path.join(dir, 'hoa-don.signed.xml');
    const sign = kyso(
      ['xml', 'sign', xml, '--out', signed, '--p12', path.join(demo, 'official.p12'), '--password-file', pw],
      dir,
    );
    expect(sign.err).toBe('');
    expect(sign.code).toBe(0);
    expect(fs.readFileSync(signed, 'utf8')).toContain('SignatureValue');
    // An existing output is not replaced without --force.
    const again = kyso(
      ['xml', 'sign', xml, '--out', signed, '--p12', path.join(demo, 'official.p12'), '--password-file', pw],
      dir,
    );
    expect(again.code).toBe(2);
    expect(again.err).toContain('already exists: pass --force to overwrite it');

    // Checked by an independent implementation too.
    if (requireTool('xmlsec1')) {
      const x = spawnSync(
        'xmlsec1',
        [
          'verify',
          '--trusted-pem',
          path.join(demo, 'root.pem'),
          '--untrusted-pem',
          path.join(demo, 'issuing.pem'),
          signed,
        ],
        { encoding: 'utf8' },
      );
      expect(`${x.status} ${x.stderr}`).toMatch(/^0 /);
    }

    const verify = kyso(
      ['xml', 'verify', signed, '--trust', path.join(demo, 'root.pem'), '--revocation', 'off', '--json'],
      dir,
    );
    expect(verify.err).toBe('');
    expect(verify.code).toBe(0);
    const report = JSON.parse(verify.out);
    expect(report.valid).toBe(true);
    expect(verify.loaded.some((u) => u.endsWith('/xml-sign/dist/cli/index.js'))).toBe(true);
    for (const h of HEAVY.filter((h) => !/xml-sign|noble/.test(h.source)))
      expect(verify.loaded.filter((u) => h.test(u))).toEqual([]);

    // One changed character in the signed content: not valid, exit 1.
    const tampered = path.join(dir, 'hoa-don.tampered.xml');
    fs.writeFileSync(tampered, fs.readFileSync(signed, 'utf8').replace('<SHDon>42<', '<SHDon>43<'));
    const bad = kyso(
      ['xml', 'verify', tampered, '--trust', path.join(demo, 'root.pem'), '--lang', 'en'],
      dir,
    );
    expect(bad.code).toBe(1);

    const inspect = kyso(['xml', 'inspect', signed], dir);
    expect(inspect.code).toBe(0);
    expect(inspect.out).toMatch(/signatures: 1;/);
  });

  it('kyso --version prints the package version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'packages/signing-server/package.json'), 'utf8'));
    const r = kyso(['--version'], dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`kyso ${pkg.version}\n`);
  });

  it('kyso completion bash completes commands and options; zsh loads through bashcompinit', () => {
    const bash = kyso(['completion', 'bash'], dir);
    expect(bash.code).toBe(0);
    const script = path.join(dir, 'kyso.bash');
    fs.writeFileSync(script, bash.out);
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kyso; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter(Boolean);
    expect(complete(['kyso', 've'])).toEqual(['verify']);
    expect(complete(['kyso', 'verify', ''])).toEqual(['chain']);
    expect(complete(['kyso', 'verify', 'chain', '--tr'])).toEqual(['--trust']);
    expect(complete(['kyso', 'pdf', 'verify', '--vn'])).toEqual(['--vn-roots']);
    expect(complete(['kyso', 'xm'])).toEqual(['xml']);
    expect(complete(['kyso', 'xml', '']).sort()).toEqual([
      'countersign',
      'extend',
      'inspect',
      'sign',
      'verify',
    ]);
    expect(complete(['kyso', 'xml', 'extend', '--al'])).toEqual(['--allow-lower-level']);
    expect(complete(['kyso', 'xml', 'verify', '--tr'])).toEqual(['--trust']);
    const zsh = kyso(['completion', 'zsh'], dir);
    expect(zsh.code).toBe(0);
    expect(zsh.out).toContain('bashcompinit');
    const bad = kyso(['completion', 'fish'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('`kyso completion bash` or `kyso completion zsh`');
  });
});
