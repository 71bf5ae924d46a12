/**
 * PKCS#12 written by NSS (`pk12util -o`, as Firefox and Thunderbird back up certificates):
 * indefinite-length BER with constructed OCTET STRINGs at every level (issue 15). The DER reader
 * stays strict; importPkcs12 reads these files through the bounded BER normaliser. Fixtures are
 * made here: OpenSSL makes a key, certificate and PKCS#12, `pk12util -i` loads it into a fresh NSS
 * database (`certutil -N`), `pk12util -o` exports it again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkiCoreCommands } from '../src/cli/commands.js';
import { DerReader } from '../src/der.js';
import { KysoError } from '../src/errors.js';
import { exportSpki, importPkcs12, importPrivateKey, pemDecode } from '../src/index.js';
import { runCommands } from './helpers/cli.js';
import { openssl, requireTool, run, tmpDir } from './helpers/tools.js';

const ok = requireTool('openssl') && requireTool('certutil') && requireTool('pk12util');
const P12_PASSWORD = 'Mật khẩu NSS 1';

describe.skipIf(!ok)('PKCS#12 exported by NSS pk12util (BER)', () => {
  const d = tmpDir();
  const files: Record<string, { p12: Uint8Array; cert: Uint8Array; keyPem: string }> = {};

  beforeAll(() => {
    const db = path.join(d, 'nssdb');
    run('mkdir', [db], { check: true });
    writeFileSync(path.join(d, 'db.pw'), 'nss-db-password\n');
    writeFileSync(path.join(d, 'p12.pw'), `${P12_PASSWORD}\n`);
    run('certutil', ['-N', '-d', `sql:${db}`, '-f', path.join(d, 'db.pw')], { check: true });
    for (const [name, keyArgs] of [
      ['ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
      ['rsa', ['-newkey', 'rsa:2048']],
    ] as const) {
      const key = path.join(d, `${name}.key.pem`);
      const cert = path.join(d, `${name}.pem`);
      openssl(
        [
          'req',
          '-x509',
          ...keyArgs,
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '30',
          '-subj',
          `/CN=NSS ${name}/O=Kyso Test`,
        ],
        { check: true },
      );
      const input = path.join(d, `${name}.in.p12`);
      openssl(
        [
          'pkcs12',
          '-export',
          '-inkey',
          key,
          '-in',
          cert,
          '-name',
          `nss-${name}`,
          '-out',
          input,
          '-passout',
          'pass:in',
        ],
        {
          check: true,
        },
      );
      run('pk12util', ['-i', input, '-d', `sql:${db}`, '-k', path.join(d, 'db.pw'), '-W', 'in'], {
        check: true,
      });
      const out = path.join(d, `${name}.nss.p12`);
      run(
        'pk12util',
        [
          '-o',
          out,
          '-n',
          `nss-${name}`,
          '-d',
          `sql:${db}`,
          '-k',
          path.join(d, 'db.pw'),
          '-w',
          path.join(d, 'p12.pw'),
        ],
        {
          check: true,
        },
      );
      files[name] = {
        p12: new Uint8Array(readFileSync(out)),
        cert: pemDecode(readFileSync(cert, 'utf8'), 'CERTIFICATE').der,
        keyPem: readFileSync(key, 'utf8'),
      };
    }
  }, 120_000);

  it('the files are BER (indefinite length) and the strict DER reader refuses them', () => {
    for (const f of Object.values(files)) {
      expect([f.p12[0], f.p12[1]]).toEqual([0x30, 0x80]);
      expect(() => DerReader.single(f.p12)).toThrow(KysoError);
      // OpenSSL reads them (the reference for "valid PKCS#12").
    }
    const r = openssl([
      'pkcs12',
      '-in',
      path.join(d, 'ec.nss.p12'),
      '-passin',
      `file:${path.join(d, 'p12.pw')}`,
      '-nokeys',
    ]);
    expect(r.status).toBe(0);
  });

  it('importPkcs12 verifies the MAC and returns the key and certificate', async () => {
    // NSS uses 600 000 KDF iterations: one import per file (the RSA file goes through the CLI).
    {
      const f = files.ec!;
      const c = await importPkcs12(f.p12, P12_PASSWORD);
      expect(c.mac).toMatch(/^PKCS12-KDF\/SHA-256$|^PBMAC1/);
      expect(c.certificates).toHaveLength(1);
      expect(Buffer.from(c.certificates[0]!.der).equals(Buffer.from(f.cert))).toBe(true);
      expect(c.keys).toHaveLength(1);
      const key = await importPrivateKey(c.keys[0]!.pkcs8);
      const want = await importPrivateKey(f.keyPem);
      expect(Buffer.from(exportSpki(key)).equals(Buffer.from(exportSpki(want)))).toBe(true);
      expect(c.keys[0]!.localKeyId).toEqual(c.certificates[0]!.localKeyId);
    }
  });

  it('a wrong password and a cut file are refused', async () => {
    const f = files.ec!;
    await expect(importPkcs12(f.p12, 'wrong')).rejects.toMatchObject({ code: 'PKCS12_BAD_PASSWORD' });
    await expect(importPkcs12(f.p12.subarray(0, f.p12.length - 40), P12_PASSWORD)).rejects.toMatchObject({
      code: 'DER_MALFORMED',
    });
  });

  it('kyso p12 import reads the NSS file', async () => {
    const keyOut = path.join(d, 'k.pem');
    const certOut = path.join(d, 'c.pem');
    const r = await runCommands(pkiCoreCommands, [
      'p12',
      'import',
      path.join(d, 'rsa.nss.p12'),
      '--password-file',
      path.join(d, 'p12.pw'),
      '--key-out',
      keyOut,
      '--cert-out',
      certOut,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('keys: 1');
    expect(readFileSync(certOut, 'utf8')).toContain('BEGIN CERTIFICATE');
    // OpenSSL agrees the exported key is the certificate's.
    const a = openssl(['pkey', '-in', keyOut, '-pubout'], { check: true }).stdout;
    const b = openssl(['x509', '-in', certOut, '-pubkey', '-noout'], { check: true }).stdout;
    expect(a).toBe(b);
  });
});
