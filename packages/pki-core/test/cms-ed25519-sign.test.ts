/**
 * `kyso cms sign` with Ed25519 keys (RFC 8419: pure Ed25519 over the DER signed attributes, the
 * id-sha512 digest). OpenSSL 3.0's `cms` cannot sign or verify Ed25519 SignedData ("eddsa_digest_
 * signverify_init: invalid digest"; OpenSSL 3.2 can), so OpenSSL checks the parts: `dgst -sha512`
 * recomputes the messageDigest and `pkeyutl -verify -rawin` verifies the Ed25519 signature over the
 * DER signed attributes with the certificate's key; BouncyCastle verifies the whole CMS in
 * pdf-sign's java-oracle.test.ts; kyso's verifier too. Key and certificate are made by OpenSSL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cmsCommands } from '../src/cli/cms.js';
import { parseCms } from '../src/cms/verify.js';
import { runCommands } from './helpers/cli.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

const kyso = (argv: string[]) => runCommands(cmsCommands, argv);

describe.skipIf(!requireTool('openssl'))('kyso cms sign with Ed25519', () => {
  let dir: string;
  let key: string;
  let cert: string;
  let data: string;
  beforeAll(() => {
    dir = tmpDir();
    key = path.join(dir, 'ed.key');
    cert = path.join(dir, 'ed.crt');
    data = path.join(dir, 'doc.txt');
    openssl(['genpkey', '-algorithm', 'ed25519', '-out', key], { check: true });
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        key,
        '-subj',
        '/C=VN/O=Kyso Test (TEST ONLY)/CN=Ed25519 signer',
        '-days',
        '30',
        '-out',
        cert,
      ],
      { check: true },
    );
    fs.writeFileSync(data, 'Công văn ký bằng Ed25519\n');
  });

  for (const detached of [true, false]) {
    it(`${detached ? 'detached' : 'attached'}: OpenSSL checks digest and Ed25519 signature, kyso verifies; id-sha512 + id-Ed25519`, async () => {
      const sig = path.join(dir, `ed-${detached}.p7s`);
      const s = await kyso([
        'cms',
        'sign',
        '--key',
        key,
        '--cert',
        cert,
        '--in',
        data,
        '--out',
        sig,
        ...(detached ? ['--detached'] : []),
      ]);
      expect(s.err).toBe('');
      expect(s.code).toBe(0);
      const sd = parseCms(new Uint8Array(fs.readFileSync(sig))).signedData;
      const si0 = sd.signerInfos[0]!;
      // OpenSSL recomputes the content digest and verifies the raw Ed25519 signature.
      const md = openssl(['dgst', '-sha512', '-binary', data]).stdoutBuffer;
      const mdAttr = si0.signedAttrs!.find((a) => a.type === '1.2.840.113549.1.9.4')!.values[0]!;
      expect(Buffer.from(mdAttr.subarray(2)).equals(md)).toBe(true);
      const tbs = path.join(dir, 'tbs.der');
      const sigFile = path.join(dir, 'sig.bin');
      const pub = path.join(dir, 'pub.pem');
      fs.writeFileSync(tbs, si0.signedAttrsDer!);
      fs.writeFileSync(sigFile, si0.signature);
      openssl(['x509', '-in', cert, '-pubkey', '-noout', '-out', pub], { check: true });
      const pk = openssl([
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        pub,
        '-rawin',
        '-in',
        tbs,
        '-sigfile',
        sigFile,
      ]);
      expect(pk.stdout + pk.stderr).toMatch(/Signature Verified Successfully/);
      // One changed byte of the signed attributes: OpenSSL refuses the signature.
      const bad = Buffer.from(si0.signedAttrsDer!);
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
      fs.writeFileSync(tbs, bad);
      const pk2 = openssl([
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        pub,
        '-rawin',
        '-in',
        tbs,
        '-sigfile',
        sigFile,
      ]);
      expect(pk2.status).not.toBe(0);
      const si = si0;
      expect(si.digestAlgorithm.oid).toBe('2.16.840.1.101.3.4.2.3');
      expect(si.signatureAlgorithm.oid).toBe('1.3.101.112');
      const v = await kyso([
        'cms',
        'verify',
        '--in',
        sig,
        ...(detached ? ['--content', data] : []),
        '--trust',
        cert,
      ]);
      expect(v.code, v.out + v.err).toBe(0);
    });
  }

  it('Ed25519 with another digest than SHA-512 is a usage error', async () => {
    const r = await kyso([
      'cms',
      'sign',
      '--key',
      key,
      '--cert',
      cert,
      '--in',
      data,
      '--out',
      path.join(dir, 'x.p7s'),
      '--hash',
      'sha256',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/sha512/);
  });
});
