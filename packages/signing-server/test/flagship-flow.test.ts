/**
 * README's flagship flow, end to end, as an agency would run it (issue 13): the built signing
 * server (`npm start`'s bin/kyso-server.js) on a non-default port with a fresh data directory, then
 * the README's shell lines run as written by `sh` with `npx kyso` (the built bin/kyso.js): the
 * official signs with a person appearance at B-B, the agency seals at B-LTA with the server's TSA,
 * both with the demo PKCS#12 files the server made in its data directory. Only the port, the data
 * directory and the repository paths are substituted. Then, offline (no --fetch, no --soft-fail):
 * `kyso pdf verify --trust root --json` must say VALID at B-LTA for both signatures, and pdfsig
 * (with an NSS database that trusts only the demo root) must call both signatures valid.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { congVanSample } from '../../pdf-sign/src/samples/index.js';
import { java, requireJava } from '../../pdf-sign/test/helpers/java.js';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { buildServer, freePort, ROOT } from './helpers/procs.js';

const hasTools = requireTool('pdfsig') && requireTool('certutil');
const hasJava = requireJava();

/** The README's flagship lines: from `echo kyso-demo > pw.txt` through the `pdf verify` line. */
function readmeFlow(): string[] {
  const md = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = md.indexOf('echo kyso-demo > pw.txt');
  const verify = md.indexOf('npx kyso pdf verify sealed.pdf', start);
  if (start < 0 || verify < 0) throw new Error('README no longer has the flagship flow');
  const text = md.slice(start, md.indexOf('\n', verify));
  // Logical lines: backslash-newline continues a command, as in sh.
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'));
}

interface VerifyJson {
  valid: boolean;
  status: string;
  revocationMode: string;
  signatures: {
    field: string;
    kind: 'signature' | 'doc-timestamp';
    status: string;
    level: string;
    reasons: string[];
    revocationSource: string;
    signer?: { subject?: string };
  }[];
}

describe.runIf(hasTools)("README's flagship flow against the built server on a non-default port", () => {
  let server: ChildProcess | undefined;
  let serverLog = '';
  let url = '';
  let dataDir = '';
  let work = '';
  let shimDir = '';
  let lines: string[] = [];

  /** Runs one README line in `work` with sh; `npx kyso` is the built bin/kyso.js. */
  function sh(line: string): { status: number | null; stdout: string; stderr: string } {
    const cmd = line
      .replaceAll('http://127.0.0.1:8080', url)
      .replace(/(^|\s)data\//g, `$1${dataDir}/`)
      .replace(/(^|\s)packages\//g, `$1${ROOT}packages/`);
    const r = spawnSync('sh', ['-c', cmd], {
      cwd: work,
      env: { ...process.env, PATH: `${shimDir}:${process.env.PATH}` },
      encoding: 'utf8',
      timeout: 180_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  beforeAll(async () => {
    buildServer();
    const port = await freePort();
    expect(port).not.toBe(8080);
    url = `http://127.0.0.1:${port}`;
    dataDir = tmpDir('kyso-flagship-data-');
    work = tmpDir('kyso-flagship-');
    shimDir = tmpDir('kyso-npx-');
    fs.writeFileSync(
      path.join(shimDir, 'npx'),
      `#!/bin/sh\n[ "$1" = kyso ] || { echo "npx shim: only kyso" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${ROOT}packages/signing-server/bin/kyso.js" "$@"\n`,
      { mode: 0o755 },
    );
    // The công văn README describes: both places reserved as empty signature fields.
    const cv = await congVanSample({ emptyFields: true });
    expect(cv.signature.fields).toEqual({ person: 'ChuKyNguoiCoThamQuyen', agency: 'ChuKyCoQuan' });
    fs.writeFileSync(path.join(work, 'cong-van.pdf'), cv.bytes);
    lines = readmeFlow();
    // What `npm start` runs, with no KYSO_DEMO_CA_DIR and no KYSO_PUBLIC_URL: the server makes its
    // demo hierarchy in the data directory with its own address in every URL.
    const logFile = path.join(dataDir, 'server.log');
    const fd = fs.openSync(logFile, 'w');
    server = spawn(process.execPath, [path.join(ROOT, 'packages/signing-server/bin/kyso-server.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        KYSO_DATA_DIR: dataDir,
        KYSO_KEK: crypto.randomBytes(32).toString('base64'),
        KYSO_DEMO_CA_DIR: '',
        KYSO_PUBLIC_URL: '',
        DATABASE_URL: '',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    const t0 = Date.now();
    for (;;) {
      serverLog = fs.readFileSync(logFile, 'utf8');
      if (/kyso signing server listening/.test(serverLog)) break;
      if (server.exitCode !== null || Date.now() - t0 > 120_000)
        throw new Error(`server did not start:\n${serverLog.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 600_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
  });

  it('the README creates the password file and signs with the demo files of the server it talks to', () => {
    expect(lines[0]).toMatch(/^echo kyso-demo > pw\.txt/);
    expect(lines.filter((l) => l.startsWith('npx kyso pdf sign'))).toHaveLength(2);
    for (const l of lines.filter((x) => x.includes('--p12')))
      expect(l).toMatch(/--p12 data\/demo-ca\/ecdsa\//);
    expect(fs.existsSync(path.join(dataDir, 'demo-ca', 'ecdsa', 'official.p12'))).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-ca', 'manifest.json'), 'utf8'));
    expect(manifest.baseUrl).toBe(url);
  });

  it('signs (B-B person appearance), seals (B-LTA, server TSA) and verifies offline: VALID at B-LTA for both', () => {
    const results = lines.map((l) => ({ line: l, ...sh(l) }));
    const [pw, official, agency, verify] = results;
    for (const r of [pw!, official!, agency!])
      expect(r.status, `${r.line}\n${r.stdout}\n${r.stderr}`).toBe(0);
    expect(fs.readFileSync(path.join(work, 'pw.txt'), 'utf8').trim()).toBe('kyso-demo');
    expect(official!.stdout).toMatch(/signed field \S+ at B-B/);
    expect(agency!.stdout).toMatch(/signed field \S+ at B-LTA/);
    // The README's own verify line (Vietnamese report) exits 0 = valid.
    expect(verify!.status, `${verify!.stdout}\n${verify!.stderr}`).toBe(0);

    // The same verification with --json: offline (the DSS only), the demo root as the only anchor.
    const j = sh(`${verify!.line.replace(/\s+#.*$/, '')} --json`);
    const report = JSON.parse(j.stdout) as VerifyJson;
    expect(report.revocationMode).toBe('dss-only');
    const sigs = report.signatures.filter((s) => s.kind === 'signature');
    expect(sigs).toHaveLength(2);
    for (const s of sigs) {
      expect({ field: s.field, status: s.status, level: s.level, reasons: s.reasons }).toEqual({
        field: s.field,
        status: 'valid',
        level: 'B-LTA',
        reasons: [],
      });
      expect(s.revocationSource).toBe('embedded');
    }
    expect(sigs.map((s) => s.field)).toEqual(['ChuKyNguoiCoThamQuyen', 'ChuKyCoQuan']);
    expect(sigs[0]!.signer?.subject).toMatch(/Trần Thị Bình/);
    expect(sigs[1]!.signer?.subject).toMatch(/0400101556/);
    expect(report.signatures.filter((s) => s.kind === 'doc-timestamp').length).toBeGreaterThanOrEqual(1);
    expect({ valid: report.valid, status: report.status }).toEqual({ valid: true, status: 'valid' });

    // pdfsig agrees: an NSS database that trusts only the server's demo root.
    const nss = tmpDir('kyso-nss-');
    execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
    execFileSync('certutil', [
      '-A',
      '-d',
      `sql:${nss}`,
      '-n',
      'kyso-demo-root',
      '-t',
      'CT,C,C',
      '-i',
      path.join(dataDir, 'demo-ca', 'ecdsa', 'root.pem'),
    ]);
    const p = spawnSync('pdfsig', ['-nssdir', `sql:${nss}`, path.join(work, 'sealed.pdf')], {
      encoding: 'utf8',
    });
    const blocks = p.stdout.split(/^Signature #/m).slice(1);
    const get = (b: string, label: string) => b.match(new RegExp(`- ${label}: (.*)`))?.[1]?.trim();
    expect(blocks.length, p.stdout + p.stderr).toBe(report.signatures.length);
    const signatures = blocks.filter((b) => get(b, 'Signature Type') === 'ETSI.CAdES.detached');
    expect(signatures.map((b) => get(b, 'Signature Field Name'))).toEqual(sigs.map((s) => s.field));
    for (const b of signatures) {
      expect(get(b, 'Signature Validation'), b).toBe('Signature is Valid.');
      expect(get(b, 'Certificate Validation'), b).toBe('Certificate is Trusted.');
    }
    // The document time-stamp covers the whole file (poppler 22 does not validate RFC 3161
    // document time-stamps: it says so; kyso's verdict on it is checked above).
    const dts = blocks.filter((b) => !signatures.includes(b));
    expect(dts.length).toBeGreaterThanOrEqual(1);
    expect(/Total document signed/.test(dts[dts.length - 1]!)).toBe(true);
    expect(blocks.filter((b) => /Total document signed/.test(b))).toHaveLength(1);
  }, 600_000);

  it.runIf(hasJava)(
    'the Java oracle (BouncyCastle + PDFBox) agrees on every structural point at B-LTA',
    () => {
      const sealed = path.join(work, 'sealed.pdf');
      expect(fs.existsSync(sealed)).toBe(true);
      const r = java('KysoOracle', ['pdf', sealed, 'B-LTA'], false);
      expect(r.status === 0 || r.status === 1, `${r.stdout}\n${r.stderr}`).toBe(true);
      const lines = r.stdout.split('\n');
      const pass = lines.filter((l) => l.startsWith('PASS ')).map((l) => l.slice(5));
      const fail = lines.filter((l) => l.startsWith('FAIL ')).map((l) => l.slice(5));
      // The official's B-B signature has no signature time-stamp of its own: the agency's document
      // time-stamp over it is its B-T time-stamp (EN 319 142-1 6.3 allows either; the oracle agrees).
      expect(fail, r.stdout).toEqual([]);
      expect(r.status, r.stdout).toBe(0);
      for (const check of ['lta.doc-timestamp', 'lta.covers-dss', 'dss.present'])
        expect(
          pass.some((l) => l.startsWith(`${check} `)),
          `${check}\n${r.stdout}`,
        ).toBe(true);
      for (const who of ['Trần Thị Bình', 'UID=MST:0400101556'])
        expect(
          pass.some((l) => l.startsWith('dss.status ') && l.includes(who) && /OCSP good/.test(l)),
          who,
        ).toBe(true);
      for (const sig of ['sig0', 'sig1']) {
        for (const check of ['byte-range', 'signature', 'signing-certificate-v2.match', 'no-signing-time'])
          expect(
            pass.some((l) => l.startsWith(`${sig}(ETSI.CAdES.detached).${check} `)),
            `${sig} ${check}`,
          ).toBe(true);
      }
      expect(pass.some((l) => l.startsWith('sig2(ETSI.RFC3161).doc-timestamp.imprint '))).toBe(true);
    },
    600_000,
  );
});
