/**
 * `kyso cms sign|verify` end to end: exit codes, OpenSSL accepting the output, and B-T through an
 * HTTP TSA (a local server answering with `openssl ts -reply`).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmsCommands } from '../src/cli/cms.js';
import { type TestPki, makeTestPki } from './helpers/cms-pki.js';
import { etsiSchemaErrors, etsiValues } from './helpers/etsi.js';
import { openssl, requireTool } from './helpers/tools.js';
import { runCommands } from './helpers/cli.js';

const kyso = (argv: string[]) => runCommands(cmsCommands, argv);

describe.skipIf(!requireTool('openssl'))('kyso cms CLI', () => {
  let pki: TestPki;
  let data: string;
  let server: http.Server;
  let tsaUrl: string;
  beforeAll(async () => {
    pki = await makeTestPki();
    data = path.join(pki.dir, 'doc.txt');
    fs.writeFileSync(data, 'Tờ trình số 7/TTr-SNV\n');
    const d = pki.dir;
    fs.writeFileSync(
      path.join(d, 'ts.cnf'),
      `[tsa]\ndefault_tsa=t\n[t]\nserial=${d}/tsaserial\nsigner_cert=${pki.tsa.certFile}\nsigner_key=${pki.tsa.keyFile}\n` +
        `signer_digest=sha256\ndefault_policy=1.2.3.4.1\ndigests=sha256,sha384,sha512\naccuracy=secs:1\ness_cert_id_alg=sha256\n`,
    );
    fs.writeFileSync(path.join(d, 'tsaserial'), '01\n');
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const q = path.join(d, 'http.tsq');
        fs.writeFileSync(q, Buffer.concat(chunks));
        const r = openssl(['ts', '-reply', '-config', path.join(d, 'ts.cnf'), '-queryfile', q]);
        res.writeHead(r.status === 0 ? 200 : 500, { 'content-type': 'application/timestamp-reply' });
        res.end(r.stdoutBuffer);
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    tsaUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  }, 60_000);
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('sign detached (ECDSA) -> openssl and kyso verify; wrong content -> exit 1', async () => {
    const sig = path.join(pki.dir, 'doc.p7s');
    const s = await kyso([
      'cms',
      'sign',
      '--key',
      pki.ec.keyFile,
      '--cert',
      pki.ec.certFile,
      '--in',
      data,
      '--out',
      sig,
      '--detached',
    ]);
    expect(s.err).toBe('');
    expect(s.code).toBe(0);
    const o = openssl([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      sig,
      '-content',
      data,
      '-CAfile',
      pki.rootFile,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    expect(o.stderr).toContain('Verification successful');
    const v = await kyso([
      'cms',
      'verify',
      '--in',
      sig,
      '--content',
      data,
      '--trust',
      pki.rootFile,
      '--json',
    ]);
    expect(v.code).toBe(0);
    const ok = JSON.parse(v.out);
    expect(ok.valid).toBe(true);
    expect(ok.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    expect(ok.signers[0].verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    const other = path.join(pki.dir, 'other.txt');
    fs.writeFileSync(other, 'changed');
    const bad = await kyso(['cms', 'verify', '--in', sig, '--content', other, '--trust', pki.rootFile]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('MESSAGE_DIGEST_MISMATCH');
    expect(bad.out).toContain('Verdict (ETSI EN 319 102-1): INVALID — TOTAL-FAILED / HASH_FAILURE');
    // --lang vi: the verdict line through the one vi/en renderer, as `pdf verify --lang vi`.
    const vi = await kyso([
      'cms',
      'verify',
      '--in',
      sig,
      '--content',
      other,
      '--trust',
      pki.rootFile,
      '--lang',
      'vi',
    ]);
    expect(vi.code).toBe(1);
    expect(vi.out).toContain('Kết luận (ETSI EN 319 102-1): KHÔNG HỢP LỆ — TOTAL-FAILED / HASH_FAILURE');
    expect(vi.out).not.toContain('Verdict (ETSI');
    const badLang = await kyso(['cms', 'verify', '--in', sig, '--trust', pki.rootFile, '--lang', 'fr']);
    expect(badLang.code).toBe(2);
    const badJson = JSON.parse(
      (await kyso(['cms', 'verify', '--in', sig, '--content', other, '--trust', pki.rootFile, '--json'])).out,
    );
    expect(badJson.valid).toBe(false);
    expect(badJson.verdict).toMatchObject({ indication: 'TOTAL-FAILED', subIndication: 'HASH_FAILURE' });
    expect(badJson.verdict.reasons).toContain('MESSAGE_DIGEST_MISMATCH');
    expect(badJson.signers[0].verdict).toEqual(badJson.verdict);
    const untrusted = await kyso([
      'cms',
      'verify',
      '--in',
      sig,
      '--content',
      data,
      '--trust',
      pki.otherRootFile,
    ]);
    expect(untrusted.code).toBe(1);
    const untrustedJson = JSON.parse(
      (await kyso(['cms', 'verify', '--in', sig, '--content', data, '--trust', pki.otherRootFile, '--json']))
        .out,
    );
    expect(untrustedJson.verdict).toEqual({
      indication: 'INDETERMINATE',
      subIndication: 'NO_CERTIFICATE_CHAIN_FOUND',
      reasons: ['CERTIFICATE_UNKNOWN_ISSUER', 'PATH_INVALID'],
    });
    // The ETSI TS 119 102-2 report of the same verification (xmllint: well-formed, valid against the subset).
    if (requireTool('xmllint')) {
      const etsi = await kyso([
        'cms',
        'verify',
        '--in',
        sig,
        '--content',
        data,
        '--trust',
        pki.rootFile,
        '--report',
        'etsi',
      ]);
      expect(etsi.code).toBe(0);
      expect(etsiSchemaErrors(etsi.out)).toBe('');
      expect(etsiValues(etsi.out, 'MainIndication')).toContain('urn:etsi:019102:mainindication:total-passed');
      expect(etsi.out).toContain('<vr:SignerCertificate VOReference="C-1"/>');
      expect(etsi.out).toContain('<vr:TrustAnchor VOReference=');
      const etsiBad = await kyso([
        'cms',
        'verify',
        '--in',
        sig,
        '--content',
        other,
        '--trust',
        pki.rootFile,
        '--report',
        'etsi',
      ]);
      expect(etsiBad.code).toBe(1);
      expect(etsiSchemaErrors(etsiBad.out)).toBe('');
      expect(etsiValues(etsiBad.out, 'SubIndication')).toContain(
        'urn:etsi:019102:subindication:HASH_FAILURE',
      );
      expect(
        (await kyso(['cms', 'verify', '--in', sig, '--trust', pki.rootFile, '--report', 'pdf'])).code,
      ).toBe(2);
    }
  });

  it('sign attached RSA-PSS as PEM, B-T through an HTTP TSA', async () => {
    const sig = path.join(pki.dir, 'doc.pem');
    const s = await kyso([
      'cms',
      'sign',
      '--key',
      pki.rsa.keyFile,
      '--cert',
      pki.rsa.certFile,
      '--in',
      data,
      '--out',
      sig,
      '--pss',
      '--pem',
      '--level',
      'B-T',
      '--tsa-url',
      tsaUrl,
    ]);
    expect(s.err).toBe('');
    expect(s.code).toBe(0);
    expect(fs.readFileSync(sig, 'utf8')).toContain('-----BEGIN CMS-----');
    const v = await kyso(['cms', 'verify', '--in', sig, '--trust', pki.rootFile, '--require-ess', '--json']);
    const rep = JSON.parse(v.out);
    expect(rep.signers[0].level).toBe('B-T');
    expect(rep.signers[0].timestamp.valid).toBe(true);
    expect(v.code).toBe(0);
    const o = openssl([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'PEM',
      '-in',
      sig,
      '-CAfile',
      pki.rootFile,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    expect(o.stderr).toContain('Verification successful');
  });

  it('usage errors and unreadable or malformed input exit 2', async () => {
    expect((await kyso(['cms', 'verify', '--in', data])).code).toBe(2); // --trust missing
    expect(
      (await kyso(['cms', 'sign', '--key', pki.ec.keyFile, '--cert', pki.ec.certFile, '--level', 'B-T']))
        .code,
    ).toBe(2);
    expect(
      (await kyso(['cms', 'verify', '--in', path.join(pki.dir, 'nope'), '--trust', pki.rootFile])).code,
    ).toBe(2);
    expect((await kyso(['cms', 'verify', '--in', data, '--trust', pki.rootFile])).code).toBe(2); // not CMS
  });
});
