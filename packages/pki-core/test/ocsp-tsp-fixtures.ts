/**
 * Test PKI for the OCSP and TSP suites, made with the openssl CLI in a temp dir: an RSA root CA,
 * two EC leaves (one to be revoked), a delegated OCSP signer (OCSPSigning + noCheck), a TSA
 * (critical timeStamping EKU) and a few deliberately wrong certificates.
 */
import fs from 'node:fs';
import fc from 'fast-check';
import path from 'node:path';
import { importPrivateKey } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import type { Signer } from '../src/crypto/types.js';
import { Certificate } from '../src/x509/certificate.js';
import { openssl, tmpDir } from './helpers/tools.js';

const EXT = `
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
[ocsp]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning
noCheck=ignored
[ocsp_nonocheck]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning
[tsa]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
[tsa_noncritical]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=timeStamping
[tsa_extra]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping,codeSigning
`;

export interface TestPki {
  dir: string;
  file(name: string): string;
  cert(name: string): Certificate;
  signer(name: string, withChain?: boolean): Promise<Signer>;
}

/** Names: ca, leaf (serial 1001), revoked (1002), ocsp (2001), ocsp-nonocheck, other-ca, tsa, tsa-noncritical, tsa-extra. */
export function makeTestPki(): TestPki {
  const dir = tmpDir('kyso-ocsptsp-');
  const f = (n: string) => path.join(dir, n);
  fs.writeFileSync(f('ext.cnf'), EXT);
  const o = (args: string[]) => openssl(args, { cwd: dir, check: true });
  for (const ca of ['ca', 'other-ca']) {
    o([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-subj',
      `/O=kyso test/CN=Kyso ${ca} root`,
      '-days',
      '3650',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }
  const issue = (name: string, serial: string, ext: string, ca = 'ca') => {
    o([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/O=kyso test/CN=${name}`,
    ]);
    o([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-set_serial',
      `0x${serial}`,
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
  issue('leaf', '1001', 'leaf');
  issue('revoked', '1002', 'leaf');
  issue('ocsp', '2001', 'ocsp');
  issue('ocsp-nonocheck', '2002', 'ocsp_nonocheck');
  issue('ocsp-foreign', '2003', 'ocsp', 'other-ca');
  issue('tsa', '3001', 'tsa');
  issue('tsa-noncritical', '3002', 'tsa_noncritical');
  issue('tsa-extra', '3003', 'tsa_extra');
  return {
    dir,
    file: f,
    cert: (n) => Certificate.parse(fs.readFileSync(f(`${n}.pem`), 'utf8')),
    signer: async (n, withChain = true) => {
      const kp = await importPrivateKey(fs.readFileSync(f(`${n}.key`), 'utf8'));
      const chain = withChain ? [Certificate.parse(fs.readFileSync(f(`${n}.pem`), 'utf8')).der] : [];
      return new LocalSigner(kp, chain);
    },
  };
}

/** A byte-level mutation of a valid blob: flip, set, insert, delete, truncate, splice a length byte. */
export const mutation = (len: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(len - 1), bit: fc.nat(7) }),
    fc.record({
      kind: fc.constant('set' as const),
      at: fc.nat(len - 1),
      v: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(len), v: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(len - 1) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(len - 1) }),
  );

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; v: number }
  | { kind: 'insert'; at: number; v: number }
  | { kind: 'delete'; at: number }
  | { kind: 'truncate'; at: number };

export function mutate(b: Uint8Array, ms: Mutation[]): Uint8Array {
  let out = b.slice();
  for (const m of ms) {
    if (out.length === 0) break;
    const at = Math.min(m.at, out.length - 1);
    switch (m.kind) {
      case 'flip':
        out[at] = out[at]! ^ (1 << m.bit);
        break;
      case 'set':
        out[at] = m.v;
        break;
      case 'insert':
        out = new Uint8Array([...out.subarray(0, at), m.v, ...out.subarray(at)]);
        break;
      case 'delete':
        out = new Uint8Array([...out.subarray(0, at), ...out.subarray(at + 1)]);
        break;
      case 'truncate':
        out = out.slice(0, at);
        break;
    }
  }
  return out;
}
