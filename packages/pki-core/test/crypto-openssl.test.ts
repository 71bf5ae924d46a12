/**
 * OpenSSL cross-checks for keys, signatures and algorithm encodings: OpenSSL reads what kyso writes
 * and verifies kyso's signatures; kyso reads OpenSSL's keys (PKCS#8, PKCS#1, SEC1; PEM and DER)
 * and verifies OpenSSL's signatures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { DerReader } from '../src/der.js';
import { isKysoError } from '../src/errors.js';
import { encodePssParams, rsaPss } from '../src/crypto/algorithms.js';
import {
  exportPkcs8Pem,
  exportSpkiPem,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  parsePublicKeyInfo,
} from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import type { KeySpec, SignatureAlgorithm } from '../src/crypto/types.js';
import { verifySignature } from '../src/crypto/verify.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

const data = new TextEncoder().encode('Cộng hòa xã hội chủ nghĩa Việt Nam — độc lập, tự do, hạnh phúc\n');

const mdFlag = (alg: SignatureAlgorithm): string =>
  alg.name === 'Ed25519' ? '' : `-${alg.hash.replace('-', '').toLowerCase()}`;

function pssOpts(alg: SignatureAlgorithm): string[] {
  return alg.name === 'RSA-PSS'
    ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', `rsa_pss_saltlen:${alg.saltLength}`]
    : [];
}

/** openssl verification of a kyso signature; returns true if OpenSSL says "Verified OK". */
function opensslVerify(dir: string, pubPem: string, alg: SignatureAlgorithm, sig: Uint8Array): boolean {
  const pub = path.join(dir, 'pub.pem');
  const sigFile = path.join(dir, 'sig.bin');
  const dataFile = path.join(dir, 'data.bin');
  fs.writeFileSync(pub, pubPem);
  fs.writeFileSync(sigFile, sig);
  fs.writeFileSync(dataFile, data);
  const r =
    alg.name === 'Ed25519'
      ? openssl([
          'pkeyutl',
          '-verify',
          '-pubin',
          '-inkey',
          pub,
          '-rawin',
          '-in',
          dataFile,
          '-sigfile',
          sigFile,
        ])
      : openssl(['dgst', mdFlag(alg), '-verify', pub, '-signature', sigFile, ...pssOpts(alg), dataFile]);
  return r.status === 0 && /Verified OK|Signature Verified Successfully/.test(r.stdout + r.stderr);
}

/** openssl signature over `data` with a PEM private key file. */
function opensslSign(dir: string, keyFile: string, alg: SignatureAlgorithm): Uint8Array {
  const dataFile = path.join(dir, 'data.bin');
  const sigFile = path.join(dir, `osig-${Math.random().toString(36).slice(2)}.bin`);
  fs.writeFileSync(dataFile, data);
  if (alg.name === 'Ed25519') {
    openssl(['pkeyutl', '-sign', '-inkey', keyFile, '-rawin', '-in', dataFile, '-out', sigFile], {
      check: true,
    });
  } else {
    openssl(['dgst', mdFlag(alg), '-sign', keyFile, ...pssOpts(alg), '-out', sigFile, dataFile], {
      check: true,
    });
  }
  return new Uint8Array(fs.readFileSync(sigFile));
}

const SPECS: KeySpec[] = [
  { type: 'RSA', modulusLength: 2048 },
  { type: 'EC', curve: 'P-256' },
  { type: 'EC', curve: 'P-384' },
  { type: 'EC', curve: 'P-521' },
  { type: 'Ed25519' },
];
const specName = (s: KeySpec) =>
  s.type === 'RSA' ? `RSA-${s.modulusLength}` : s.type === 'EC' ? s.curve : s.type;

describe.skipIf(!requireTool('openssl'))('crypto interop with OpenSSL', () => {
  for (const spec of SPECS) {
    it(`${specName(spec)}: OpenSSL reads kyso keys and verifies kyso signatures; kyso verifies OpenSSL's`, async () => {
      const dir = tmpDir();
      const kp = await generateKeyPair(spec);
      const keyFile = path.join(dir, 'key.pem');
      fs.writeFileSync(keyFile, await exportPkcs8Pem(kp));

      const check = openssl(['pkey', '-in', keyFile, '-check', '-noout']);
      expect(check.status, check.stderr).toBe(0);
      const pub = openssl(['pkey', '-in', keyFile, '-pubout', '-outform', 'DER'], { check: true });
      expect(toHex(pub.stdoutBuffer)).toBe(toHex(kp.publicKeyInfo.der));
      const pubPem = exportSpkiPem(kp);
      const pubText = openssl(['pkey', '-pubin', '-outform', 'DER'], { input: pubPem, check: true });
      expect(toHex(pubText.stdoutBuffer)).toBe(toHex(kp.publicKeyInfo.der));

      const signer = new LocalSigner(kp);
      for (const alg of signer.algorithms) {
        const sig = await signer.sign(data, alg);
        expect(opensslVerify(dir, pubPem, alg, sig), `OpenSSL verifies kyso ${JSON.stringify(alg)}`).toBe(
          true,
        );
        const tampered = sig.slice();
        tampered[tampered.length >> 1]! ^= 0x40;
        expect(opensslVerify(dir, pubPem, alg, tampered)).toBe(false);

        const osig = opensslSign(dir, keyFile, alg);
        expect(
          await verifySignature(kp.publicKeyInfo, alg, data, osig),
          `kyso verifies OpenSSL ${JSON.stringify(alg)}`,
        ).toBe(true);
      }
    });
  }

  it('imports OpenSSL-generated keys in PKCS#8, PKCS#1 and SEC1, PEM and DER', async () => {
    const dir = tmpDir();
    const f = (n: string) => path.join(dir, n);
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f('rsa8.pem')], {
      check: true,
    });
    openssl(['genrsa', '-traditional', '-out', f('rsa1.pem'), '2048'], { check: true });
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', f('ec8.pem')], {
      check: true,
    });
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-out', f('ecparam.pem')], { check: true });
    openssl(['ec', '-in', f('ec8.pem'), '-out', f('sec1.pem')], { check: true });
    openssl(['ec', '-in', f('ec8.pem'), '-no_public', '-out', f('sec1-nopub.pem')], { check: true });
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521', '-out', f('ec521.pem')], {
      check: true,
    });
    openssl(['genpkey', '-algorithm', 'ED25519', '-out', f('ed.pem')], { check: true });
    openssl(['pkey', '-in', f('rsa8.pem'), '-outform', 'DER', '-out', f('rsa8.der')], { check: true });
    openssl(['rsa', '-in', f('rsa8.pem'), '-traditional', '-outform', 'DER', '-out', f('rsa1.der')], {
      check: true,
    });
    openssl(['ec', '-in', f('ec8.pem'), '-outform', 'DER', '-out', f('sec1.der')], { check: true });

    const expectations: [string, string, KeySpec][] = [
      ['rsa8.pem', 'rsa8.pem', { type: 'RSA', modulusLength: 2048 }],
      ['rsa8.der', 'rsa8.pem', { type: 'RSA', modulusLength: 2048 }],
      ['rsa1.pem', 'rsa1.pem', { type: 'RSA', modulusLength: 2048 }],
      ['rsa1.der', 'rsa8.pem', { type: 'RSA', modulusLength: 2048 }],
      ['ec8.pem', 'ec8.pem', { type: 'EC', curve: 'P-384' }],
      ['ecparam.pem', 'ecparam.pem', { type: 'EC', curve: 'P-256' }],
      ['sec1.pem', 'ec8.pem', { type: 'EC', curve: 'P-384' }],
      ['sec1-nopub.pem', 'ec8.pem', { type: 'EC', curve: 'P-384' }],
      ['sec1.der', 'ec8.pem', { type: 'EC', curve: 'P-384' }],
      ['ec521.pem', 'ec521.pem', { type: 'EC', curve: 'P-521' }],
      ['ed.pem', 'ed.pem', { type: 'Ed25519' }],
    ];
    expect(fs.readFileSync(f('rsa1.pem'), 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
    expect(fs.readFileSync(f('sec1.pem'), 'utf8')).toContain('BEGIN EC PRIVATE KEY');
    expect(fs.readFileSync(f('ecparam.pem'), 'utf8')).toContain('BEGIN EC PARAMETERS');

    for (const [file, ref, spec] of expectations) {
      const kp = await importPrivateKey(new Uint8Array(fs.readFileSync(f(file))));
      expect(kp.spec, file).toEqual(spec);
      const osslPub = openssl(['pkey', '-in', f(ref), '-pubout', '-outform', 'DER'], {
        check: true,
      }).stdoutBuffer;
      expect(toHex(kp.publicKeyInfo.der), file).toBe(toHex(osslPub));
      // the public key OpenSSL prints parses the same
      expect(
        toHex(importPublicKey(openssl(['pkey', '-in', f(ref), '-pubout'], { check: true }).stdout).der),
      ).toBe(toHex(osslPub));
      // the imported key signs, OpenSSL verifies
      const signer = new LocalSigner(kp);
      const alg = signer.algorithms[0]!;
      expect(opensslVerify(dir, exportSpkiPem(kp), alg, await signer.sign(data, alg)), file).toBe(true);
      // and a PKCS#8 export of it is what OpenSSL has
      const reexport = path.join(dir, 'reexport.pem');
      fs.writeFileSync(reexport, await exportPkcs8Pem(kp));
      expect(openssl(['pkey', '-in', reexport, '-check', '-noout']).status, file).toBe(0);
    }
  });

  it('verifies SHA-1 signatures from OpenSSL (old data) but refuses to make them', async () => {
    const dir = tmpDir();
    for (const [algo, opt] of [
      ['RSA', 'rsa_keygen_bits:2048'],
      ['EC', 'ec_paramgen_curve:P-256'],
    ] as const) {
      const keyFile = path.join(dir, `${algo}.pem`);
      openssl(['genpkey', '-algorithm', algo, '-pkeyopt', opt, '-out', keyFile], { check: true });
      const kp = await importPrivateKey(fs.readFileSync(keyFile, 'utf8'));
      const alg: SignatureAlgorithm =
        algo === 'RSA' ? { name: 'RSA-PKCS1', hash: 'SHA-1' } : { name: 'ECDSA', hash: 'SHA-1' };
      const sig = opensslSign(dir, keyFile, alg);
      expect(await verifySignature(kp.publicKeyInfo, alg, data, sig)).toBe(true);
      await expect(new LocalSigner(kp).sign(data, alg)).rejects.toMatchObject({ code: 'WEAK_ALGORITHM' });
    }
  });

  it('verifies a 1024-bit RSA signature from OpenSSL but refuses to sign with that key', async () => {
    const dir = tmpDir();
    const keyFile = path.join(dir, 'rsa1024.pem');
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', keyFile], {
      check: true,
    });
    const kp = await importPrivateKey(fs.readFileSync(keyFile, 'utf8'));
    expect(kp.spec).toEqual({ type: 'RSA', modulusLength: 1024 });
    const alg: SignatureAlgorithm = { name: 'RSA-PKCS1', hash: 'SHA-256' };
    expect(await verifySignature(kp.publicKeyInfo, alg, data, opensslSign(dir, keyFile, alg))).toBe(true);
    expect(() => new LocalSigner(kp)).toThrow(expect.objectContaining({ code: 'WEAK_ALGORITHM' }));
  });

  it('reads OpenSSL RSASSA-PSS keys (id-RSASSA-PSS SPKI) and enforces their parameters', async () => {
    const dir = tmpDir();
    const keyFile = path.join(dir, 'pss.pem');
    openssl(
      [
        'genpkey',
        '-algorithm',
        'RSA-PSS',
        '-pkeyopt',
        'rsa_keygen_bits:2048',
        '-pkeyopt',
        'rsa_pss_keygen_md:sha256',
        '-pkeyopt',
        'rsa_pss_keygen_mgf1_md:sha256',
        '-pkeyopt',
        'rsa_pss_keygen_saltlen:32',
        '-out',
        keyFile,
      ],
      { check: true },
    );
    const spki = new Uint8Array(
      openssl(['pkey', '-in', keyFile, '-pubout', '-outform', 'DER'], { check: true }).stdoutBuffer,
    );
    const info = parsePublicKeyInfo(spki);
    expect(info.algorithmOid).toBe('1.2.840.113549.1.1.10');
    expect(info.spec).toEqual({ type: 'RSA', modulusLength: 2048 });
    // OpenSSL's DER encoding of the PSS parameters is byte-identical to ours
    expect(toHex(info.parameters!)).toBe(toHex(encodePssParams('SHA-256', 32)));
    const alg = rsaPss('SHA-256');
    const sig = opensslSign(dir, keyFile, alg);
    expect(await verifySignature(info, alg, data, sig)).toBe(true);
    expect(await verifySignature(info, { name: 'RSA-PKCS1', hash: 'SHA-256' }, data, sig)).toBe(false);
    // PSS-restricted private keys are not imported (documented limitation)
    await expect(importPrivateKey(fs.readFileSync(keyFile, 'utf8'))).rejects.toMatchObject({
      code: 'UNSUPPORTED_ALGORITHM',
    });
  });

  it('rejects OpenSSL keys with explicit curve parameters', async () => {
    const dir = tmpDir();
    const keyFile = path.join(dir, 'explicit.pem');
    openssl(
      ['ecparam', '-name', 'prime256v1', '-param_enc', 'explicit', '-genkey', '-noout', '-out', keyFile],
      {
        check: true,
      },
    );
    const spki = new Uint8Array(
      openssl(['pkey', '-in', keyFile, '-pubout', '-outform', 'DER'], { check: true }).stdoutBuffer,
    );
    // sanity: really explicit parameters (a SEQUENCE where the curve OID would be)
    const alg = new DerReader(new DerReader(DerReader.single(spki).value).read().value);
    alg.readOid();
    expect(alg.read().tag).toBe(0x30);
    expect(() => parsePublicKeyInfo(spki)).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_ALGORITHM' }),
    );
    try {
      await importPrivateKey(fs.readFileSync(keyFile, 'utf8'));
      throw new Error('expected a rejection');
    } catch (e) {
      expect(isKysoError(e, 'UNSUPPORTED_ALGORITHM'), String(e)).toBe(true);
    }
  });

  it('ECDSA verification is strict where OpenSSL alone would be lenient about encodings', async () => {
    const dir = tmpDir();
    const kp = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const alg: SignatureAlgorithm = { name: 'ECDSA', hash: 'SHA-256' };
    const sig = await new LocalSigner(kp).sign(data, alg);
    // a BER long-form length for the outer SEQUENCE
    const ber = new Uint8Array([0x30, 0x81, sig[1]!, ...sig.subarray(2)]);
    expect(await verifySignature(kp.publicKeyInfo, alg, data, ber)).toBe(false);
    // OpenSSL must at least accept the canonical one
    expect(opensslVerify(dir, exportSpkiPem(kp), alg, sig)).toBe(true);
  });
});
