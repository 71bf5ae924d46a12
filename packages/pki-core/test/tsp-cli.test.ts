import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tsCommands } from '../src/cli/ts.js';
import { openssl, requireTool } from './helpers/tools.js';
import { makeTestPki, type TestPki } from './ocsp-tsp-fixtures.js';
import { runCommands } from './helpers/cli.js';

const kyso = (argv: string[]) => runCommands(tsCommands, argv);

describe.skipIf(!requireTool('openssl'))('kyso ts CLI', () => {
  let pki: TestPki;
  const f = (n: string) => path.join(pki.dir, n);

  beforeAll(() => {
    pki = makeTestPki();
    fs.writeFileSync(f('doc.txt'), 'văn bản cần đóng dấu thời gian\n');
  }, 60_000);

  it('request -> respond -> verify (trusting the CA), and openssl ts -verify agrees', async () => {
    expect(
      (await kyso(['ts', 'request', '--data', f('doc.txt'), '--cert-req', '--out', f('q.tsq')])).code,
    ).toBe(0);
    const r = await kyso([
      'ts',
      'respond',
      '--key',
      f('tsa.key'),
      '--cert',
      f('tsa.pem'),
      '--policy',
      '1.3.6.1.4.1.99999.1.1',
      '--accuracy',
      '1',
      '--in',
      f('q.tsq'),
      '--out',
      f('r.tsr'),
    ]);
    expect(r.code, r.err).toBe(0);
    const o = openssl(['ts', '-verify', '-in', f('r.tsr'), '-queryfile', f('q.tsq'), '-CAfile', f('ca.pem')]);
    expect(o.stdout + o.stderr).toMatch(/Verification: OK/);

    const v = await kyso([
      'ts',
      'verify',
      '--in',
      f('r.tsr'),
      '--request',
      f('q.tsq'),
      '--trust',
      f('ca.pem'),
      '--json',
    ]);
    expect(v.code, v.out).toBe(0);
    const rep = JSON.parse(v.out);
    expect(rep.status).toBe('passed');
    expect(rep.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    expect(rep.checks.find((c: { check: string }) => c.check === 'chain').status).toBe('passed');
    expect(rep.checks.every((c: { reason: string }) => /^[A-Z][A-Z0-9_]*$/.test(c.reason))).toBe(true);

    const d = await kyso([
      'ts',
      'verify',
      '--in',
      f('r.tsr'),
      '--data',
      f('doc.txt'),
      '--trust',
      f('ca.pem'),
    ]);
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/time-stamp: PASSED/);
    // Without a trust anchor the chain is indeterminate: exit 1.
    expect((await kyso(['ts', 'verify', '--in', f('r.tsr'), '--data', f('doc.txt')])).code).toBe(1);
    // Wrong data: failed.
    fs.writeFileSync(f('other.txt'), 'x');
    const bad = await kyso([
      'ts',
      'verify',
      '--in',
      f('r.tsr'),
      '--data',
      f('other.txt'),
      '--trust',
      f('ca.pem'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/failed\s+message-imprint: IMPRINT_MISMATCH/);
    expect(bad.out).toContain('Verdict (ETSI EN 319 102-1): INVALID — TOTAL-FAILED / HASH_FAILURE');
    const vi = await kyso([
      'ts',
      'verify',
      '--in',
      f('r.tsr'),
      '--data',
      f('other.txt'),
      '--trust',
      f('ca.pem'),
      '--lang',
      'vi',
    ]);
    expect(vi.code).toBe(1);
    expect(vi.out).toContain('Kết luận (ETSI EN 319 102-1): KHÔNG HỢP LỆ — TOTAL-FAILED / HASH_FAILURE');
    expect(vi.out).not.toContain('Verdict (ETSI');
    const badJson = JSON.parse(
      (
        await kyso([
          'ts',
          'verify',
          '--in',
          f('r.tsr'),
          '--data',
          f('other.txt'),
          '--trust',
          f('ca.pem'),
          '--json',
        ])
      ).out,
    );
    expect(badJson.verdict).toEqual({
      indication: 'TOTAL-FAILED',
      subIndication: 'HASH_FAILURE',
      reasons: ['IMPRINT_MISMATCH'],
    });
    // No trust anchor: the chain is not validated, INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND.
    const noTrust = JSON.parse(
      (await kyso(['ts', 'verify', '--in', f('r.tsr'), '--data', f('doc.txt'), '--json'])).out,
    );
    expect(noTrust.verdict).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'NO_CERTIFICATE_CHAIN_FOUND',
    });
  });

  it('a TSA certificate without critical timeStamping is refused (exit 1, CERT_INVALID)', async () => {
    await kyso(['ts', 'request', '--data', f('doc.txt'), '--out', f('q2.tsq')]);
    const r = await kyso([
      'ts',
      'respond',
      '--key',
      f('tsa-noncritical.key'),
      '--cert',
      f('tsa-noncritical.pem'),
      '--policy',
      '1.2.3',
      '--in',
      f('q2.tsq'),
      '--out',
      f('r2.tsr'),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/CERT_INVALID/);
  });
});
