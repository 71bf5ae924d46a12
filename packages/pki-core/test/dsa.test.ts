/**
 * Legacy DSA verification (crypto/dsa.ts through verifySignature): signatures made by OpenSSL
 * verify, tampered ones do not, parameters are inherited only when supplied, and DSA can never be
 * used to sign (it is not a SignatureAlgorithm).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVerifyAlgorithm } from '../src/crypto/algorithms.js';
import { OID_DSA, withInheritedDsaParameters } from '../src/crypto/dsa.js';
import { encodePublicKeyInfo, parsePublicKeyInfo } from '../src/crypto/keys.js';
import { verifySignature } from '../src/crypto/verify.js';
import { fromHex } from '../src/bytes.js';
import { pemDecode } from '../src/pem.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

describe('parseVerifyAlgorithm', () => {
  it('accepts id-dsa-with-sha1 and id-dsa-with-sha256 with absent parameters only', () => {
    expect(parseVerifyAlgorithm(fromHex('300906072a8648ce380403'))).toEqual({ name: 'DSA', hash: 'SHA-1' });
    expect(parseVerifyAlgorithm(fromHex('300b0609608648016503040302'))).toEqual({
      name: 'DSA',
      hash: 'SHA-256',
    });
    expect(() => parseVerifyAlgorithm(fromHex('300b06072a8648ce3804030500'))).toThrow(/absent parameters/);
    // Everything else behaves like parseSignatureAlgorithm.
    expect(parseVerifyAlgorithm(fromHex('300d06092a864886f70d01010b0500'))).toEqual({
      name: 'RSA-PKCS1',
      hash: 'SHA-256',
    });
  });
});

describe.skipIf(!requireTool('openssl'))('DSA signatures made by OpenSSL', () => {
  const dir = tmpDir();
  const key = path.join(dir, 'dsa.pem');
  const data = path.join(dir, 'data.bin');
  fs.writeFileSync(data, 'legacy DSA data');
  openssl(
    [
      'genpkey',
      '-genparam',
      '-algorithm',
      'DSA',
      '-pkeyopt',
      'dsa_paramgen_bits:2048',
      '-out',
      `${key}.params`,
    ],
    {
      check: true,
    },
  );
  openssl(['genpkey', '-paramfile', `${key}.params`, '-out', key], { check: true });
  const spkiDer = new Uint8Array(
    openssl(['pkey', '-in', key, '-pubout', '-outform', 'DER'], { check: true }).stdoutBuffer,
  );
  const sign = (md: string) =>
    new Uint8Array(openssl(['dgst', `-${md}`, '-sign', key, data], { check: true }).stdoutBuffer);
  const msg = new Uint8Array(fs.readFileSync(data));

  it('verifies SHA-256 and SHA-1 signatures and rejects tampered ones', async () => {
    const info = parsePublicKeyInfo(spkiDer);
    expect(info.algorithmOid).toBe(OID_DSA);
    const s256 = sign('sha256');
    expect(await verifySignature(info, { name: 'DSA', hash: 'SHA-256' }, msg, s256)).toBe(true);
    expect(await verifySignature(info, { name: 'DSA', hash: 'SHA-1' }, msg, s256)).toBe(false);
    expect(await verifySignature(info, { name: 'DSA', hash: 'SHA-1' }, msg, sign('sha1'))).toBe(true);
    const bad = s256.slice();
    bad[bad.length - 1]! ^= 1;
    expect(await verifySignature(info, { name: 'DSA', hash: 'SHA-256' }, msg, bad)).toBe(false);
    const other = Uint8Array.from(msg);
    other[0]! ^= 1;
    expect(await verifySignature(info, { name: 'DSA', hash: 'SHA-256' }, other, s256)).toBe(false);
    // Other algorithms with a DSA key: unsupported, never a pass.
    await expect(
      verifySignature(info, { name: 'RSA-PKCS1', hash: 'SHA-256' }, msg, s256),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_ALGORITHM' });
  });

  it('needs inherited parameters supplied when the key has none', async () => {
    const full = parsePublicKeyInfo(spkiDer);
    const bare = parsePublicKeyInfo(
      encodePublicKeyInfo({ algorithmOid: OID_DSA, publicKey: full.publicKey }),
    );
    const s = sign('sha256');
    await expect(verifySignature(bare, { name: 'DSA', hash: 'SHA-256' }, msg, s)).rejects.toMatchObject({
      code: 'UNSUPPORTED_ALGORITHM',
    });
    expect(
      await verifySignature(withInheritedDsaParameters(bare, full), { name: 'DSA', hash: 'SHA-256' }, msg, s),
    ).toBe(true);
  });

  it('openssl agrees the signature is valid (cross-check)', () => {
    const sig = path.join(dir, 'sig.bin');
    fs.writeFileSync(sig, sign('sha256'));
    const pub = path.join(dir, 'pub.pem');
    fs.writeFileSync(
      pub,
      `-----BEGIN PUBLIC KEY-----\n${Buffer.from(spkiDer).toString('base64')}\n-----END PUBLIC KEY-----\n`,
    );
    expect(openssl(['dgst', '-sha256', '-verify', pub, '-signature', sig, data]).status).toBe(0);
    expect(pemDecode(fs.readFileSync(pub, 'utf8')).der).toEqual(spkiDer);
  });
});
