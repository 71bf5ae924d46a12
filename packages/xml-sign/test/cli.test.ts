import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { xmlCommands } from '@kyso/xml-sign/cli';
import { describe, expect, it } from 'vitest';
import { etsiSchemaErrors, etsiValues } from '../../pki-core/test/helpers/etsi.js';
import { requireTool } from '../../pki-core/test/helpers/tools.js';

const DEMO = path.resolve(__dirname, '../../../certs/demo/rsa');
const SAMPLE = path.resolve(
  __dirname,
  '../../../../shared/test-vectors/xmldsig/vn-einvoice/vnpay-test-invoice-K23TLL-226.xml',
);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kyso-'));
const cmd = (name: string) => xmlCommands.find((c) => c.path[1] === name)!;

async function run(
  name: string,
  positionals: string[],
  options: Record<string, string | boolean | string[]>,
) {
  let out = '';
  let err = '';
  const code = await cmd(name).run(
    { options, positionals },
    { out: (t) => (out += t), err: (t) => (err += t) },
  );
  return { code, out, err };
}

describe('kyso xml sign | verify | inspect', () => {
  const pw = path.join(tmp, 'pw');
  writeFileSync(pw, 'kyso-demo\n');
  const inv = path.join(tmp, 'invoice.xml');
  writeFileSync(
    inv,
    '<?xml version="1.0" encoding="UTF-8"?>\n<HDon><DLHDon Id="Id-9"><NDHDon><NBan><Ten>Công ty Kyso</Ten></NBan></NDHDon></DLHDon><DSCKS><NBan/></DSCKS></HDon>',
  );

  it('signs an e-invoice and verifies it: valid against the demo root, report in vi and en, JSON', async () => {
    const out = path.join(tmp, 'signed.xml');
    const s = await run('sign', [inv], {
      out,
      p12: path.join(DEMO, 'official.p12'),
      'password-file': pw,
      profile: 'einvoice',
    });
    expect(s.code, s.err).toBe(0);
    const v = await run('verify', [out], { trust: [path.join(DEMO, 'root.pem')], revocation: 'off' });
    expect(v.code, v.out).toBe(0);
    expect(v.out).toContain('Kết luận: HỢP LỆ');
    expect(v.out).toContain("HDon/DLHDon[@Id='Id-9']");
    expect(v.out).toContain('Vị trí: HDon/DSCKS/NBan');
    const en = await run('verify', [out], {
      trust: [path.join(DEMO, 'root.pem')],
      revocation: 'off',
      lang: 'en',
    });
    expect(en.out).toContain('Verdict: VALID');
    const j = await run('verify', [out], {
      trust: [path.join(DEMO, 'root.pem')],
      revocation: 'off',
      json: true,
    });
    const rep = JSON.parse(j.out);
    expect(rep.signatures[0].status).toBe('valid');
    expect(rep.signatures[0].signingTime.source).toBe('claimed-einvoice');
    // The EN 319 102-1 verdict next to valid/status.
    expect(rep.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    expect(rep.signatures[0].verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    expect(v.out).toContain('Kết luận (ETSI EN 319 102-1): HỢP LỆ — TOTAL-PASSED');
    if (requireTool('xmllint')) {
      const x = await run('verify', [out], {
        trust: [path.join(DEMO, 'root.pem')],
        revocation: 'off',
        report: 'etsi',
      });
      expect(x.code).toBe(0);
      expect(etsiSchemaErrors(x.out)).toBe('');
      expect(etsiValues(x.out, 'MainIndication')).toContain('urn:etsi:019102:mainindication:total-passed');
      expect(x.out).toContain('<vr:SignerCertificate VOReference="C-1"/>');
    }
    // Without revocation data, the default mode says so: not valid, indeterminate.
    const strict = await run('verify', [out], { trust: [path.join(DEMO, 'root.pem')], json: true });
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.out).status).toBe('indeterminate');
    expect(JSON.parse(strict.out).verdict).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'TRY_LATER',
    });
    // Tampered: invalid.
    writeFileSync(out, readFileSync(out, 'utf8').replace('Kyso', 'Kysq'));
    const bad = await run('verify', [out], {
      trust: [path.join(DEMO, 'root.pem')],
      revocation: 'off',
      json: true,
    });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).signatures[0].reasons).toContain('DIGEST_MISMATCH');
    expect(JSON.parse(bad.out).verdict).toEqual({
      indication: 'TOTAL-FAILED',
      subIndication: 'HASH_FAILURE',
      reasons: ['DIGEST_MISMATCH'],
    });
  });

  it('the public VN sample: crypto intact, certificate not trusted; MST shown', async () => {
    const v = await run('verify', [SAMPLE], {
      trust: [path.join(DEMO, 'root.pem')],
      revocation: 'off',
      json: true,
    });
    expect(v.code).toBe(1);
    const s = JSON.parse(v.out).signatures[0];
    expect(s.integrity.status).toBe('passed');
    expect(s.certificate.status).not.toBe('valid');
    expect(s.signer.identifiers).toContainEqual({ type: 'MST', value: '0102182292-998' });
    expect(s.warnings.join(' ')).toContain('SHA-1');
    // The Vietnamese report says why in Vietnamese (pki-core's shared sentences) and ends with the verdict.
    const vi = await run('verify', [SAMPLE], { trust: [path.join(DEMO, 'root.pem')], revocation: 'off' });
    expect(vi.out).toContain(`(${s.certificate.reason}: `);
    expect(vi.out).not.toContain(s.certificate.detail);
    expect(vi.out).toContain(
      `Kết luận (ETSI EN 319 102-1): CHƯA XÁC ĐỊNH — INDETERMINATE / ${JSON.parse(v.out).verdict.subIndication}`,
    );
  });

  // The signer options are pki-core's shared ones (issue 17): --key/--cert/--chain as for `pdf sign`,
  // and --trust takes a folder as for `pdf verify`.
  it('signs with --key/--cert/--chain; xmlsec1 and `xml verify --trust FOLDER` accept it', async () => {
    const out = path.join(tmp, 'signed-key.xml');
    const s = await run('sign', [inv], {
      out,
      key: path.join(DEMO, 'official.key.pem'),
      cert: path.join(DEMO, 'official.pem'),
      chain: [path.join(DEMO, 'issuing.pem')],
    });
    expect(s.code, s.err).toBe(0);
    expect(s.out).toContain(`signed at XML-DSig: ${out}`);
    // The chain is embedded: the leaf and the issuing CA.
    expect(readFileSync(out, 'utf8').match(/<ds:X509Certificate>/g)).toHaveLength(2);
    if (requireTool('xmlsec1')) {
      const x = spawnSync('xmlsec1', ['verify', '--trusted-pem', path.join(DEMO, 'root.pem'), out], {
        encoding: 'utf8',
      });
      expect(`${x.status} ${x.stderr}`).toMatch(/^0 OK/);
    }
    const anchors = path.join(tmp, 'anchors');
    mkdirSync(anchors);
    copyFileSync(path.join(DEMO, 'root.pem'), path.join(anchors, 'root.pem'));
    const v = await run('verify', [out], { trust: [anchors], revocation: 'off', json: true });
    expect(v.code, v.out).toBe(0);
    expect(JSON.parse(v.out).signatures[0].certificate.status).toBe('valid');
    // Without the anchor the certificate is not trusted: exit 1.
    const other = path.join(tmp, 'other-anchors');
    mkdirSync(other);
    copyFileSync(path.join(DEMO, 'tsa.pem'), path.join(other, 'tsa.pem'));
    expect((await run('verify', [out], { trust: [other], revocation: 'off', json: true })).code).toBe(1);
    // --key without --cert, and --p12 with --key: usage errors (exit 2), nothing written.
    const none = path.join(tmp, 'none.xml');
    const a = await run('sign', [inv], { out: none, key: path.join(DEMO, 'official.key.pem') });
    expect([a.code, a.err]).toEqual([2, 'usage: --key needs --cert\n']);
    const b = await run('sign', [inv], {
      out: none,
      key: path.join(DEMO, 'official.key.pem'),
      p12: path.join(DEMO, 'official.p12'),
      'password-file': pw,
    });
    expect(b.code).toBe(2);
    expect(b.err).toContain('give either --p12');
  });

  it('inspect lists signatures; usage errors exit 2', async () => {
    const i = await run('inspect', [SAMPLE], {});
    expect(i.code).toBe(0);
    expect(i.out).toContain('signatures: 1');
    expect(i.out).toContain('NBan-22884 in NBan');
    expect((await run('sign', [inv], { out: path.join(tmp, 'x.xml') })).code).toBe(2);
    expect(
      (
        await run('sign', [inv], {
          out: path.join(tmp, 'x.xml'),
          p12: 'a',
          'password-file': pw,
          level: 'B-LTA',
        })
      ).code,
    ).toBe(2);
    expect((await run('inspect', [path.join(tmp, 'missing.xml')], {})).code).toBe(2);
  });
});
