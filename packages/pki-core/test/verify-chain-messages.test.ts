/**
 * `kyso verify chain` says what it found and what to do (issue 15): the certificate whose
 * revocation data is missing is named (often the intermediate's CRL is the missing one), the
 * "not checked" revocation lines say why, and the policies line shows the policies the path holds.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkiCoreCommands } from '../src/cli/commands.js';
import { runCommands } from './helpers/cli.js';
import { tmpDir } from './helpers/tools.js';

const kyso = (...argv: string[]) => runCommands(pkiCoreCommands, argv);

describe('kyso verify chain wording', () => {
  const d = tmpDir();
  const ca = path.join(d, 'ca');
  const leaf = path.join(d, 'leaf.pem');
  const crl = path.join(d, 'issuing.crl');
  beforeAll(async () => {
    expect((await kyso('ca', 'init', '--dir', ca, '--name', 'Kyso Msg Test')).code).toBe(0);
    const key = path.join(d, 'leaf.key.pem');
    const pub = path.join(d, 'leaf.pub.pem');
    expect((await kyso('key', 'gen', '--out', key, '--pubout', pub)).code).toBe(0);
    const issued = await kyso(
      'cert',
      'issue',
      '--profile',
      'person-signing',
      '--ca-cert',
      path.join(ca, 'issuing.pem'),
      '--ca-key',
      path.join(ca, 'issuing.key.pem'),
      '--pubkey',
      pub,
      '--subject',
      'UID=CCCD:048190005680,CN=Lê Văn Cường,C=VN',
      '--policy',
      '1.3.6.1.4.1.99999.1.2',
      '--out',
      leaf,
    );
    expect(issued.err).toBe('');
    const c = await kyso(
      'crl',
      'issue',
      '--ca-cert',
      path.join(ca, 'issuing.pem'),
      '--ca-key',
      path.join(ca, 'issuing.key.pem'),
      '--number',
      '1',
      '--out',
      crl,
    );
    expect(c.code).toBe(0);
  }, 60_000);

  it('the intermediate missing revocation data is named, with what to do', async () => {
    // The issuing CA's CRL covers the leaf; nothing covers the issuing CA itself (the root's CRL).
    const r = await kyso(
      'verify',
      'chain',
      leaf,
      '--trust',
      path.join(ca, 'root.pem'),
      '--untrusted',
      path.join(ca, 'issuing.pem'),
      '--crl',
      crl,
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('INVALID: REVOCATION_UNKNOWN ([1] ');
    expect(r.out).toContain('Kyso Msg Test Issuing CA');
    expect(r.out).toContain(
      'CRL issuer CN=Kyso Msg Test Issuing CA,O=Kyso Msg Test,C=VN is not CN=Kyso Msg Test Root CA',
    );
    // With no revocation data at all, the message names the CA whose CRL is missing.
    const none = await kyso(
      'verify',
      'chain',
      leaf,
      '--trust',
      path.join(ca, 'root.pem'),
      '--untrusted',
      path.join(ca, 'issuing.pem'),
      '--revocation',
      'require',
    );
    expect(none.out).toContain(
      'INVALID: REVOCATION_UNKNOWN ([0] UID=CCCD:048190005680,CN=Lê Văn Cường,C=VN: no CRL from "Kyso Msg Test Issuing CA" and no OCSP response for "Lê Văn Cường" was supplied or fetched)',
    );
    expect(r.out).toContain('What to do: give the CRL of each issuing CA with --crl');
    expect(r.out).toContain(
      'Verdict (ETSI EN 319 102-1): INDETERMINATE — INDETERMINATE / TRY_LATER: the revocation status could not be established [REVOCATION_UNKNOWN]',
    );
    // --lang vi: the same verdict through the one vi/en renderer.
    const vi = await kyso(
      'verify',
      'chain',
      leaf,
      '--trust',
      path.join(ca, 'root.pem'),
      '--untrusted',
      path.join(ca, 'issuing.pem'),
      '--crl',
      crl,
      '--lang',
      'vi',
    );
    expect(vi.out).toContain(
      'Kết luận (ETSI EN 319 102-1): CHƯA XÁC ĐỊNH — INDETERMINATE / TRY_LATER: không xác định được tình trạng thu hồi [REVOCATION_UNKNOWN]',
    );
    expect(r.out).not.toContain('no revocation checker was supplied');
  });

  it('without revocation inputs the lines say none was given; policies show what the path holds', async () => {
    const r = await kyso(
      'verify',
      'chain',
      leaf,
      '--trust',
      path.join(ca, 'root.pem'),
      '--untrusted',
      path.join(ca, 'issuing.pem'),
    );
    expect(r.out).toContain('no revocation source was given');
    // The leaf asserts a policy but the CAs assert none, so no policy holds for the path (RFC 5280 6.1).
    expect(r.out).toContain('Policies: no certificate policy holds for the whole path');
    expect(r.out).not.toContain('Policies: (none)');
  });

  it('--json carries the EN 319 102-1 verdict next to valid/reason', async () => {
    const base = [leaf, '--trust', path.join(ca, 'root.pem'), '--untrusted', path.join(ca, 'issuing.pem')];
    const ok = JSON.parse((await kyso('verify', 'chain', ...base, '--json')).out);
    expect(ok.valid).toBe(true);
    expect(ok.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    const missing = JSON.parse(
      (await kyso('verify', 'chain', ...base, '--revocation', 'require', '--json')).out,
    );
    expect(missing.valid).toBe(false);
    expect(missing.reason).toBe('REVOCATION_UNKNOWN');
    expect(missing.verdict).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER' });
    expect(missing.verdict.reasons[0]).toBe('REVOCATION_UNKNOWN');
    const late = JSON.parse(
      (await kyso('verify', 'chain', ...base, '--at', '2199-01-01T00:00:00Z', '--json')).out,
    );
    expect(late.reason).toBe('CERT_EXPIRED');
    expect(late.verdict).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'OUT_OF_BOUNDS_NO_POE',
    });
  });
});
