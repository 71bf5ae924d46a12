import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ocspCommands, parseOpensslIndex } from '../src/cli/ocsp.js';
import { parseOcspRequest } from '../src/ocsp/request.js';
import { openssl, requireTool } from './helpers/tools.js';
import { makeTestPki, type TestPki } from './ocsp-tsp-fixtures.js';
import { runCommands } from './helpers/cli.js';

const kyso = (argv: string[]) => runCommands(ocspCommands, argv);

describe.skipIf(!requireTool('openssl'))('kyso ocsp CLI', () => {
  let pki: TestPki;
  const f = (n: string) => path.join(pki.dir, n);

  beforeAll(() => {
    pki = makeTestPki();
    fs.writeFileSync(
      f('index.txt'),
      'V\t301231000000Z\t\t1001\tunknown\t/O=kyso test/CN=leaf\nR\t301231000000Z\t240101000000Z,keyCompromise\t1002\tunknown\t/O=kyso test/CN=revoked\n',
    );
  }, 60_000);

  it('parses an OpenSSL index', () => {
    const m = parseOpensslIndex(fs.readFileSync(f('index.txt'), 'utf8'));
    expect(m.get('1001')).toEqual({ status: 'good' });
    expect(m.get('1002')).toEqual({
      status: 'revoked',
      revocationTime: new Date('2024-01-01T00:00:00Z'),
      reason: 'keyCompromise',
    });
    expect(() => parseOpensslIndex('X\t1\t\t10\tu\t/CN=x')).toThrow(/unknown status/);
  });

  it('request -> respond (delegated) -> verify, and OpenSSL agrees', async () => {
    const q = await kyso([
      'ocsp',
      'request',
      '--issuer',
      f('ca.pem'),
      '--cert',
      f('revoked.pem'),
      '--out',
      f('q.der'),
      '--url',
      'http://ocsp.test',
      '--json',
    ]);
    expect(q.code).toBe(0);
    const info = JSON.parse(q.out);
    expect(info.serials).toEqual(['1002']);
    expect(info.getUrl).toMatch(/^http:\/\/ocsp\.test\//);
    expect(parseOcspRequest(new Uint8Array(fs.readFileSync(f('q.der')))).nonce).toBeDefined();

    const r = await kyso([
      'ocsp',
      'respond',
      '--issuer',
      f('ca.pem'),
      '--key',
      f('ocsp.key'),
      '--signer-cert',
      f('ocsp.pem'),
      '--index',
      f('index.txt'),
      '--in',
      f('q.der'),
      '--out',
      f('r.der'),
    ]);
    expect(r.code, r.err).toBe(0);
    const o = openssl([
      'ocsp',
      '-respin',
      f('r.der'),
      '-CAfile',
      f('ca.pem'),
      '-issuer',
      f('ca.pem'),
      '-reqin',
      f('q.der'),
      '-verify_other',
      f('ocsp.pem'),
    ]);
    expect(o.stdout + o.stderr).toMatch(/Response verify OK/);

    const v = await kyso([
      'ocsp',
      'verify',
      '--in',
      f('r.der'),
      '--issuer',
      f('ca.pem'),
      '--cert',
      f('revoked.pem'),
      '--request',
      f('q.der'),
      '--json',
    ]);
    expect(v.code).toBe(1); // revoked
    const rep = JSON.parse(v.out);
    expect(rep.certStatus).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });
    // The EN 319 102-1 verdict next to `status`: a revoked certificate is TOTAL-FAILED / REVOKED.
    expect(rep.verdict).toEqual({
      indication: 'TOTAL-FAILED',
      subIndication: 'REVOKED',
      reasons: ['REVOKED'],
    });
    expect(rep.status).toBe('failed');
    expect(rep.checks.find((c: { check: string }) => c.check === 'nonce').status).toBe('passed');
    expect(rep.checks.find((c: { check: string }) => c.check === 'signature').status).toBe('passed');
    // The readable report's verdict line, in English by default and in Vietnamese with --lang vi.
    const args = ['ocsp', 'verify', '--in', f('r.der'), '--issuer', f('ca.pem'), '--cert', f('revoked.pem')];
    const en = await kyso(args);
    expect(en.out).toContain(
      'Verdict (ETSI EN 319 102-1): INVALID — TOTAL-FAILED / REVOKED: the certificate was revoked',
    );
    const vi = await kyso([...args, '--lang', 'vi']);
    expect(vi.code).toBe(1);
    expect(vi.out).toContain(
      'Kết luận (ETSI EN 319 102-1): KHÔNG HỢP LỆ — TOTAL-FAILED / REVOKED: chứng thư đã bị thu hồi',
    );

    await kyso([
      'ocsp',
      'request',
      '--issuer',
      f('ca.pem'),
      '--serial',
      '1001',
      '--hash',
      'sha256',
      '--out',
      f('q2.der'),
    ]);
    await kyso([
      'ocsp',
      'respond',
      '--issuer',
      f('ca.pem'),
      '--key',
      f('ca.key'),
      '--index',
      f('index.txt'),
      '--in',
      f('q2.der'),
      '--out',
      f('r2.der'),
    ]);
    const good = await kyso([
      'ocsp',
      'verify',
      '--in',
      f('r2.der'),
      '--issuer',
      f('ca.pem'),
      '--cert',
      f('leaf.pem'),
    ]);
    expect(good.code, good.out).toBe(0);
    expect(good.out).toMatch(/OCSP response: PASSED[\s\S]*certificate status: good/);
  });

  it('usage errors exit 2, garbage requests get malformedRequest (exit 1)', async () => {
    expect((await kyso(['ocsp', 'request', '--issuer', f('ca.pem')])).code).toBe(2);
    expect((await kyso(['ocsp', 'request', '--issuer', f('ca.pem'), '--serial', 'zz'])).code).toBe(2);
    fs.writeFileSync(f('junk.der'), 'not der');
    const r = await kyso([
      'ocsp',
      'respond',
      '--issuer',
      f('ca.pem'),
      '--key',
      f('ca.key'),
      '--index',
      f('index.txt'),
      '--in',
      f('junk.der'),
      '--out',
      f('rj.der'),
    ]);
    expect(r.code).toBe(1);
    expect(openssl(['ocsp', '-respin', f('rj.der'), '-resp_text', '-noverify']).stdout).toMatch(
      /malformedrequest/i,
    );
  });
});
