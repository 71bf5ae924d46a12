import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DemoManifest, generateDemoHierarchy, DEMO_P12_PASSWORD } from '../src/cli/demo-certs.js';
import { Certificate, Crl } from '../src/index.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

const hasOpenssl = requireTool('openssl');

describe('demo hierarchy (certs/)', () => {
  let dir: string;
  let m: DemoManifest;
  beforeAll(async () => {
    dir = tmpDir();
    m = await generateDemoHierarchy(dir);
  }, 120_000);

  it('has every entity the issue asks for, in ECDSA and RSA', () => {
    expect(m.variants.map((v) => v.variant)).toEqual(['ecdsa', 'rsa']);
    for (const v of m.variants) {
      expect(v.entities.map((e) => e.id).sort()).toEqual(
        ['agency-seal', 'citizen', 'expired', 'ocsp-signer', 'official', 'revoked', 'tsa'].sort(),
      );
      const get = (id: string) =>
        Certificate.parse(readFileSync(path.join(dir, v.entities.find((e) => e.id === id)!.certificate)));
      expect(get('citizen').subject.vnIdentifiers[0]?.prefix).toBe('CCCD');
      expect(get('official').subject.get('T')).toEqual(['Giám đốc']);
      expect(get('agency-seal').subject.vnIdentifiers.map((i) => i.prefix)).toEqual(['MST', 'MNS']);
      expect(get('ocsp-signer').ocspNoCheck).toBe(true);
      expect(get('expired').notAfter.getTime()).toBeLessThan(Date.now());
      const crl = Crl.parse(readFileSync(path.join(dir, v.crl)));
      const revoked = get('revoked');
      expect(crl.isRevoked(revoked.serialNumber)).toBeTruthy();
      expect(crl.isRevoked(get('citizen').serialNumber)).toBeFalsy();
    }
  });

  it.skipIf(!hasOpenssl)('OpenSSL verifies the chains, the CRL, and sees revoked/expired subscribers', () => {
    for (const v of m.variants) {
      const root = path.join(dir, v.root);
      const issuing = path.join(dir, v.issuing);
      const crl = path.join(dir, v.crl);
      for (const e of v.entities) {
        const cert = path.join(dir, e.certificate);
        const r = openssl([
          'verify',
          '-CAfile',
          root,
          '-untrusted',
          issuing,
          '-CRLfile',
          crl,
          '-crl_check',
          cert,
        ]);
        const out = r.stdout + r.stderr;
        if (e.status === 'valid') expect(out, `${v.variant}/${e.id}`).toContain(': OK');
        if (e.status === 'revoked') expect(out).toContain('certificate revoked');
        if (e.status === 'expired') expect(out).toContain('certificate has expired');
      }
      const c2 = openssl(['crl', '-in', crl, '-CAfile', issuing, '-noout', '-verify', '-text']);
      expect(c2.stdout + c2.stderr).toContain('verify OK');
      expect(c2.stdout).toContain('Key Compromise');
      expect(c2.stdout).toMatch(/X509v3 CRL Number:\s+1/);
      for (const e of v.entities.filter((x) => x.p12)) {
        const info = openssl([
          'pkcs12',
          '-info',
          '-in',
          path.join(dir, e.p12!),
          '-passin',
          `pass:${DEMO_P12_PASSWORD}`,
          '-noenc',
        ]);
        expect(info.status, info.stderr).toBe(0);
        expect(info.stdout).toContain('PRIVATE KEY');
        expect((info.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length).toBe(3);
      }
    }
  });
});
