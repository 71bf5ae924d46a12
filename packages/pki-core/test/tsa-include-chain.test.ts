/**
 * The TSA can ship its issuing chain in the token's certificates (`includeChain`, issue 13; the
 * signing server turns it on): a validator holding only the root then builds the TSA's path.
 * OpenSSL `ts -verify` with only the root as -CAfile is the independent check.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import { pemEncode } from '../src/pem.js';
import { buildTimeStampReq } from '../src/tsp/request.js';
import { parseTimeStampResp } from '../src/tsp/response.js';
import { TimeStampAuthority } from '../src/tsp/tsa.js';
import { parseTimeStampToken } from '../src/tsp/verify.js';
import { issueCertificate } from '../src/x509/issue.js';
import { Name } from '../src/name.js';
import type { Certificate } from '../src/x509/certificate.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

describe('TSA tokens with the issuing chain (includeChain)', () => {
  let root: Certificate;
  let issuing: Certificate;
  let tsaCert: Certificate;
  let tsaSigner: LocalSigner;
  let dir: string;
  const data = new TextEncoder().encode('time-stamped with the chain\n');

  beforeAll(async () => {
    dir = tmpDir();
    const n = (cn: string) =>
      Name.fromAttributes([
        ['O', 'Kyso TSA Test (TEST ONLY)'],
        ['CN', cn],
      ]);
    const rk = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const rs = new LocalSigner(rk);
    root = await issueCertificate({
      profile: 'root-ca',
      subject: n('Root'),
      publicKey: rk.publicKeyInfo,
      signer: rs,
      validityDays: 30,
    });
    const ik = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const is = new LocalSigner(ik);
    issuing = await issueCertificate({
      profile: 'sub-ca',
      subject: n('Issuing'),
      publicKey: ik.publicKeyInfo,
      issuer: { certificate: root, signer: rs },
      validityDays: 30,
    });
    const tk = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    tsaCert = await issueCertificate({
      profile: 'tsa',
      subject: n('TSA'),
      publicKey: tk.publicKeyInfo,
      issuer: { certificate: issuing, signer: is },
      validityDays: 30,
    });
    tsaSigner = new LocalSigner(tk, [tsaCert.der]);
    fs.writeFileSync(path.join(dir, 'root.pem'), pemEncode('CERTIFICATE', root.der));
    fs.writeFileSync(path.join(dir, 'data.txt'), data);
  });

  const token = async (includeChain: boolean | undefined, certReq = true) => {
    const tsa = new TimeStampAuthority({
      certificate: tsaCert,
      chain: [issuing, root],
      signer: tsaSigner,
      policyOid: '1.3.6.1.4.1.99999.2.1',
      ...(includeChain === undefined ? {} : { includeChain }),
    });
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    const { der } = await buildTimeStampReq({ digest, hashAlgorithm: 'SHA-256', certReq, nonce: true });
    const resp = await tsa.respond(der);
    const t = parseTimeStampResp(resp).token!;
    return { resp, token: t, certs: parseTimeStampToken(t).signedData.certificates };
  };

  it('includeChain: the TSA certificate and its issuers; default: the TSA certificate only; no certReq: none', async () => {
    // CertificateSet is a DER SET OF: compared as sets.
    const sameAs = (a: Uint8Array[], b: Certificate[]) =>
      expect(a.map((x) => Buffer.from(x).toString('hex')).sort()).toEqual(
        b.map((c) => Buffer.from(c.der).toString('hex')).sort(),
      );
    sameAs((await token(true)).certs, [tsaCert, issuing, root]);
    sameAs((await token(undefined)).certs, [tsaCert]);
    sameAs((await token(false)).certs, [tsaCert]);
    expect((await token(true, false)).certs).toEqual([]);
  });

  it.skipIf(!requireTool('openssl'))(
    'OpenSSL ts -verify with only the root: passes with the chain, fails without',
    async () => {
      for (const [includeChain, ok] of [
        [true, true],
        [false, false],
      ] as const) {
        const f = path.join(dir, `resp-${includeChain}.tsr`);
        fs.writeFileSync(f, (await token(includeChain)).resp);
        const r = openssl([
          'ts',
          '-verify',
          '-in',
          f,
          '-data',
          path.join(dir, 'data.txt'),
          '-CAfile',
          path.join(dir, 'root.pem'),
        ]);
        expect(r.status === 0, r.stdout + r.stderr).toBe(ok);
        if (ok) expect(r.stdout).toMatch(/Verification: OK/);
      }
    },
  );
});
