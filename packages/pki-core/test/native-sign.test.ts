/**
 * The node:crypto signing and digest fast path (crypto/native-sign.ts) and the OCSP responder and
 * TSA on it: responses and tokens made on each backend (node:crypto and WebCrypto, chosen
 * explicitly with setNativeSign) are checked by `openssl ocsp -respin` and `openssl ts -verify`,
 * for P-256 and RSA-2048 keys; the backend actually used is observed through a counting Signer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { HASH_ALGORITHMS, digest } from '../src/crypto/hash.js';
import { generateKeyPair, importPrivateKey, type KeyPair } from '../src/crypto/keys.js';
import { nativeSignActive, setNativeSign } from '../src/crypto/native-sign.js';
import { setNativeVerify } from '../src/crypto/native-verify.js';
import { LocalSigner } from '../src/crypto/signer.js';
import type { KeySpec, SignatureAlgorithm, Signer } from '../src/crypto/types.js';
import { verifySignature } from '../src/crypto/verify.js';
import { isKysoError } from '../src/errors.js';
import { OcspResponder, type RevocationLookup } from '../src/ocsp/responder.js';
import { parseOcspResponse } from '../src/ocsp/response.js';
import { TimeStampAuthority } from '../src/tsp/tsa.js';
import { Certificate } from '../src/x509/certificate.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

/** Runs `fn` with the signing fast path on or off, restoring the previous state. */
async function withNative<T>(on: boolean, fn: () => Promise<T>): Promise<T> {
  const was = setNativeSign(on);
  try {
    return await fn();
  } finally {
    setNativeSign(was);
  }
}

/** A Signer that counts which of its methods produced the signature. */
class CountingSigner implements Signer {
  syncSigned = 0;
  asyncSigned = 0;
  constructor(readonly inner: LocalSigner) {}
  get publicKey() {
    return this.inner.publicKey;
  }
  get certificateChain() {
    return this.inner.certificateChain;
  }
  get algorithms() {
    return this.inner.algorithms;
  }
  signSync(data: Uint8Array, alg?: SignatureAlgorithm): Uint8Array | undefined {
    const s = this.inner.signSync(data, alg);
    if (s) this.syncSigned++;
    return s;
  }
  async sign(data: Uint8Array, alg?: SignatureAlgorithm): Promise<Uint8Array> {
    this.asyncSigned++;
    return this.inner.sign(data, alg);
  }
}

describe('node:crypto signing and digests', () => {
  it('is active on this Node and can be turned off', () => {
    expect(nativeSignActive()).toBe(true);
    const was = setNativeSign(false);
    try {
      expect(nativeSignActive()).toBe(false);
    } finally {
      setNativeSign(was);
    }
  });

  it('digests the same on both backends', async () => {
    const data = new TextEncoder().encode('Giấy chứng nhận đăng ký doanh nghiệp');
    for (const h of HASH_ALGORITHMS) {
      const fast = await digest(h, data);
      const web = await withNative(false, () => digest(h, data));
      expect(fast).toBeInstanceOf(Uint8Array);
      expect(Buffer.isBuffer(fast)).toBe(false);
      expect(toHex(fast)).toBe(toHex(web));
    }
    expect(toHex(await digest('SHA-256', new Uint8Array()))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  const cases: [string, KeySpec, SignatureAlgorithm[]][] = [
    [
      'P-256',
      { type: 'EC', curve: 'P-256' },
      [
        { name: 'ECDSA', hash: 'SHA-256' },
        { name: 'ECDSA', hash: 'SHA-384' },
      ],
    ],
    ['P-384', { type: 'EC', curve: 'P-384' }, [{ name: 'ECDSA', hash: 'SHA-384' }]],
    [
      'RSA-2048',
      { type: 'RSA', modulusLength: 2048 },
      [
        { name: 'RSA-PKCS1', hash: 'SHA-256' },
        { name: 'RSA-PKCS1', hash: 'SHA-512' },
        { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 },
        { name: 'RSA-PSS', hash: 'SHA-384', saltLength: 20 },
      ],
    ],
    ['Ed25519', { type: 'Ed25519' }, [{ name: 'Ed25519' }]],
  ];

  for (const [label, spec, algs] of cases) {
    it(`${label}: node:crypto signatures verify on WebCrypto and WebCrypto's on node:crypto`, async () => {
      for (const extractable of [true, false]) {
        const kp = await generateKeyPair(spec, { extractable });
        const signer = new LocalSigner(kp);
        const data = new TextEncoder().encode(`${label} ${extractable}`);
        for (const alg of algs) {
          const fast = signer.signSync(data, alg);
          expect(fast, `${label} ${JSON.stringify(alg)} signs synchronously`).toBeInstanceOf(Uint8Array);
          expect(Buffer.isBuffer(fast)).toBe(false);
          const web = await withNative(false, async () => {
            expect(signer.signSync(data, alg)).toBeUndefined();
            return signer.sign(data, alg);
          });
          if (alg.name === 'ECDSA') expect(fast![0]).toBe(0x30); // DER Ecdsa-Sig-Value on both
          if (alg.name === 'ECDSA') expect(web[0]).toBe(0x30);
          // Each backend's signature checked by the other backend's verifier.
          const wasVerify = setNativeVerify(false);
          try {
            expect(await verifySignature(kp.publicKeyInfo, alg, data, fast!)).toBe(true);
          } finally {
            setNativeVerify(wasVerify);
          }
          expect(await verifySignature(kp.publicKeyInfo, alg, data, web)).toBe(true);
          const bad = data.slice();
          bad[0]! ^= 1;
          expect(await verifySignature(kp.publicKeyInfo, alg, bad, fast!)).toBe(false);
          // sign() takes the fast path too, with the same output format.
          const viaSign = await signer.sign(data, alg);
          expect(await verifySignature(kp.publicKeyInfo, alg, data, viaSign)).toBe(true);
        }
      }
    });
  }

  it('makes the same checks as the WebCrypto path: weak and mismatched algorithms are refused', async () => {
    const ec = new LocalSigner(await generateKeyPair({ type: 'EC', curve: 'P-256' }));
    const data = new Uint8Array([1, 2, 3]);
    const code = (f: () => unknown) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return isKysoError(e) ? e.code : String(e);
      }
    };
    expect(code(() => ec.signSync(data, { name: 'ECDSA', hash: 'SHA-1' }))).toBe('WEAK_ALGORITHM');
    expect(code(() => ec.signSync(data, { name: 'RSA-PKCS1', hash: 'SHA-256' }))).toBe('KEY_INVALID');
    await expect(ec.sign(data, { name: 'Ed25519' })).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });
});

const EXT = `
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
[ocsp]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning
noCheck=ignored
[tsa]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
`;

const KEYS = {
  'P-256': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'RSA-2048': ['-newkey', 'rsa:2048'],
} as const;

const lookup: RevocationLookup = async (serial) =>
  serial === 0x1001n
    ? { status: 'good' }
    : serial === 0x1002n
      ? { status: 'revoked', revocationTime: new Date('2025-01-01T00:00:00Z'), reason: 'keyCompromise' }
      : { status: 'unknown' };

describe.skipIf(!requireTool('openssl'))('OCSP responder and TSA on both backends, OpenSSL as judge', () => {
  let dir: string;
  const o = (args: string[]) => openssl(args, { cwd: dir });
  const oc = (args: string[]) => openssl(args, { cwd: dir, check: true });
  const w = (name: string, data: Uint8Array | string) => fs.writeFileSync(path.join(dir, name), data);
  const r = (name: string) => new Uint8Array(fs.readFileSync(path.join(dir, name)));
  const cert = (name: string) => Certificate.parse(fs.readFileSync(path.join(dir, `${name}.pem`), 'utf8'));
  const key = (name: string): Promise<KeyPair> =>
    importPrivateKey(fs.readFileSync(path.join(dir, `${name}.key`), 'utf8'));

  beforeAll(() => {
    dir = tmpDir('kyso-native-sign-');
    w('ext.cnf', EXT);
    w('data.txt', 'Hồ sơ số 42\n');
    oc([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-subj',
      '/O=kyso test/CN=Kyso native-sign root',
      '-days',
      '3650',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    let serial = 0x1001;
    const issue = (name: string, keyArgs: readonly string[], ext: string) => {
      oc([
        'req',
        '-new',
        ...keyArgs,
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/O=kyso test/CN=${name}`,
      ]);
      oc([
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        `0x${(serial++).toString(16)}`,
        '-days',
        '365',
        '-out',
        `${name}.pem`,
        '-extfile',
        'ext.cnf',
        '-extensions',
        ext,
      ]);
    };
    issue('leaf', KEYS['P-256'], 'leaf'); // 0x1001: good
    issue('revoked', KEYS['P-256'], 'leaf'); // 0x1002: revoked
    for (const [k, args] of Object.entries(KEYS)) {
      issue(`ocsp-${k}`, args, 'ocsp');
      issue(`tsa-${k}`, args, 'tsa');
    }
  }, 120_000);

  afterAll(() => {
    setNativeSign(true);
  });

  for (const k of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
    for (const native of [true, false]) {
      const backend = native ? 'node:crypto' : 'WebCrypto';

      it(`OCSP, ${k} delegated responder, ${backend}: openssl ocsp verifies (nonce, good and revoked)`, async () => {
        await withNative(native, async () => {
          const signer = new CountingSigner(new LocalSigner(await key(`ocsp-${k}`), [cert(`ocsp-${k}`).der]));
          const responder = new OcspResponder({ issuer: cert('ca'), signer, lookup });
          for (const [leaf, status] of [
            ['leaf', /leaf\.pem: good/],
            ['revoked', /revoked\.pem: revoked[\s\S]*Reason: keyCompromise/],
          ] as const) {
            const q = `q-${k}-${backend}-${leaf}.der`.replace(':', '');
            const s = q.replace(/^q-/, 's-');
            oc(['ocsp', '-issuer', 'ca.pem', '-sha256', '-cert', `${leaf}.pem`, '-reqout', q]);
            const resp = await responder.respond(r(q));
            expect(parseOcspResponse(resp).status).toBe('successful');
            w(s, resp);
            // -reqin: OpenSSL checks the response's nonce against the original request's.
            const n = o([
              'ocsp',
              '-respin',
              s,
              '-reqin',
              q,
              '-CAfile',
              'ca.pem',
              '-verify_other',
              `ocsp-${k}.pem`,
            ]);
            expect(n.stdout + n.stderr).toMatch(/Response verify OK/);
            expect(n.stdout + n.stderr).not.toMatch(/nonce/i);
            // -cert: the status for the certificate (a new request object, so no nonce to compare).
            const v = o([
              'ocsp',
              '-respin',
              s,
              '-CAfile',
              'ca.pem',
              '-issuer',
              'ca.pem',
              '-sha256',
              '-cert',
              `${leaf}.pem`,
              '-verify_other',
              `ocsp-${k}.pem`,
              '-no_nonce',
            ]);
            expect(v.stdout + v.stderr).toMatch(/Response verify OK/);
            expect(v.stdout + v.stderr).toMatch(status);
            const text = o(['ocsp', '-respin', s, '-resp_text', '-noverify']).stdout;
            expect(text).toMatch(
              k === 'P-256'
                ? /Signature Algorithm: ecdsa-with-SHA256/
                : /Signature Algorithm: sha256WithRSAEncryption/,
            );
          }
          // The backend really used: node:crypto signs synchronously, WebCrypto through sign().
          expect(signer.syncSigned).toBe(native ? 2 : 0);
          expect(signer.asyncSigned).toBe(native ? 0 : 2);
        });
      });

      it(`TSA, ${k}, ${backend}: openssl ts -verify accepts the token (data and query file)`, async () => {
        await withNative(native, async () => {
          const tsaCert = cert(`tsa-${k}`);
          const signer = new CountingSigner(new LocalSigner(await key(`tsa-${k}`), [tsaCert.der]));
          const tsa = new TimeStampAuthority({
            certificate: tsaCert,
            chain: [cert('ca')],
            signer,
            policyOid: '1.3.6.1.4.1.99999.1.1',
          });
          const q = `ts-${k}-${native ? 'node' : 'web'}.tsq`;
          const s = q.replace(/\.tsq$/, '.tsr');
          oc(['ts', '-query', '-data', 'data.txt', '-sha256', '-cert', '-out', q]);
          w(s, await tsa.respond(r(q)));
          for (const src of [
            ['-data', 'data.txt'],
            ['-queryfile', q],
          ]) {
            const v = o(['ts', '-verify', '-in', s, ...src, '-CAfile', 'ca.pem']);
            expect(v.stdout + v.stderr).toMatch(/Verification: OK/);
          }
          // A different document does not verify against the token.
          w('other.txt', 'another document\n');
          const bad = o(['ts', '-verify', '-in', s, '-data', 'other.txt', '-CAfile', 'ca.pem']);
          expect(bad.stdout + bad.stderr).not.toMatch(/Verification: OK/);
          expect(signer.syncSigned).toBe(native ? 1 : 0);
          expect(signer.asyncSigned).toBe(native ? 0 : 1);
        });
      });
    }
  }
});
