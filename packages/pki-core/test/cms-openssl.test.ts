/**
 * CMS interoperability with OpenSSL in both directions, and the two-step flow with the private key
 * operation done outside kyso (openssl pkeyutl over the digest, as an HSM or a CSC service would).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { utf8Encode } from '../src/bytes.js';
import { assembleCmsSignature, prepareCmsSignature, signCms } from '../src/cms/sign.js';
import { verifyCms } from '../src/cms/verify.js';
import { digest } from '../src/crypto/hash.js';
import type { SignatureAlgorithm } from '../src/crypto/types.js';
import { TrustStore } from '../src/path/trust-store.js';
import { type TestIdentity, type TestPki, makeTestPki } from './helpers/cms-pki.js';
import { openssl, requireTool } from './helpers/tools.js';

const CONTENT = utf8Encode('Công văn số 123/UBND-VP: nội dung ký số.\n');

describe.skipIf(!requireTool('openssl'))('CMS interop with OpenSSL', () => {
  let pki: TestPki;
  let trust: TrustStore;
  let dataFile: string;
  beforeAll(async () => {
    pki = await makeTestPki();
    trust = new TrustStore([pki.root]);
    dataFile = path.join(pki.dir, 'data.txt');
    fs.writeFileSync(dataFile, CONTENT);
  }, 60_000);

  const opensslVerify = (sig: Uint8Array, detached: boolean, caFile = pki.rootFile) => {
    const f = path.join(pki.dir, `sig-${Math.random().toString(36).slice(2)}.der`);
    fs.writeFileSync(f, sig);
    const args = [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      f,
      '-CAfile',
      caFile,
      '-purpose',
      'any',
    ];
    if (detached) args.push('-content', dataFile);
    return openssl(args);
  };

  const cases: [string, () => TestIdentity, SignatureAlgorithm | undefined][] = [
    ['RSA PKCS#1 v1.5 SHA-256', () => pki.rsa, { name: 'RSA-PKCS1', hash: 'SHA-256' }],
    ['RSA PKCS#1 v1.5 SHA-512', () => pki.rsa, { name: 'RSA-PKCS1', hash: 'SHA-512' }],
    ['RSA-PSS SHA-256', () => pki.rsa, { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 }],
    ['ECDSA P-256 SHA-256', () => pki.ec, { name: 'ECDSA', hash: 'SHA-256' }],
    ['ECDSA P-256 SHA-384', () => pki.ec, { name: 'ECDSA', hash: 'SHA-384' }],
  ];

  for (const [label, who, alg] of cases) {
    for (const detached of [false, true]) {
      it(`openssl cms -verify accepts kyso ${label} (${detached ? 'detached' : 'attached'})`, async () => {
        const id = who();
        const sig = await signCms({
          signer: id.signer,
          content: CONTENT,
          detached,
          ...(alg ? { signatureAlgorithm: alg } : {}),
          signingTime: new Date(),
        });
        const r = opensslVerify(sig, detached);
        expect(r.stderr).toContain('Verification successful');
        expect(r.status).toBe(0);
        expect(r.stdoutBuffer.toString('utf8')).toBe(new TextDecoder().decode(CONTENT));
        // And kyso agrees.
        const rep = await verifyCms(sig, {
          trustStore: trust,
          requireSigningCertificate: true,
          ...(detached ? { content: CONTENT } : {}),
        });
        expect(rep.signers[0]!.checks.filter((c) => c.status !== 'passed')).toEqual([]);
        expect(rep.valid).toBe(true);
        expect(rep.signers[0]!.level).toBe('B-B');
      });
    }
  }

  it('openssl rejects kyso output under another root, and tampered content', async () => {
    const sig = await signCms({ signer: pki.rsa.signer, content: CONTENT, detached: true });
    expect(opensslVerify(sig, true, pki.otherRootFile).status).not.toBe(0);
    const f = path.join(pki.dir, 'tampered.txt');
    fs.writeFileSync(f, utf8Encode('Công văn số 124'));
    const sf = path.join(pki.dir, 'd.der');
    fs.writeFileSync(sf, sig);
    const r = openssl([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      sf,
      '-CAfile',
      pki.rootFile,
      '-purpose',
      'any',
      '-content',
      f,
    ]);
    expect(r.status).not.toBe(0);
  });

  const opensslSign = (id: TestIdentity, extra: string[]): Uint8Array => {
    const out = path.join(pki.dir, `os-${Math.random().toString(36).slice(2)}.der`);
    openssl(
      [
        'cms',
        '-sign',
        '-binary',
        '-md',
        'sha256',
        '-in',
        dataFile,
        '-signer',
        id.certFile,
        '-inkey',
        id.keyFile,
        '-outform',
        'DER',
        '-out',
        out,
        ...extra,
      ],
      { check: true },
    );
    return new Uint8Array(fs.readFileSync(out));
  };

  const osCases: [string, () => TestIdentity, string[], boolean][] = [
    ['RSA attached', () => pki.rsa, ['-nodetach'], false],
    ['RSA detached', () => pki.rsa, [], true],
    ['RSA attached -noattr', () => pki.rsa, ['-nodetach', '-noattr'], false],
    ['RSA detached -noattr', () => pki.rsa, ['-noattr'], true],
    ['ECDSA attached', () => pki.ec, ['-nodetach'], false],
    ['ECDSA detached', () => pki.ec, [], true],
    ['ECDSA attached -noattr', () => pki.ec, ['-nodetach', '-noattr'], false],
    ['RSA-PSS attached', () => pki.rsa, ['-nodetach', '-keyopt', 'rsa_padding_mode:pss'], false],
    ['RSA -cades attached', () => pki.rsa, ['-nodetach', '-cades'], false],
    ['ECDSA -cades detached', () => pki.ec, ['-cades'], true],
    ['RSA attached streaming BER', () => pki.rsa, ['-nodetach', '-stream'], false],
  ];
  for (const [label, who, extra, detached] of osCases) {
    it(`kyso verifies openssl cms -sign ${label}`, async () => {
      const sig = opensslSign(who(), extra);
      const cades = extra.includes('-cades');
      const rep = await verifyCms(sig, {
        trustStore: trust,
        requireSigningCertificate: cades,
        ...(detached ? { content: CONTENT } : {}),
      });
      expect(rep.signers[0]!.checks.filter((c) => c.status !== 'passed')).toEqual([]);
      expect(rep.valid).toBe(true);
      expect(rep.detached).toBe(detached);
      if (extra.includes('-stream')) expect(rep.encoding).toBe('BER');
      if (cades) expect(rep.signers[0]!.level).toBe('B-B');
      if (!detached) expect(rep.content).toEqual(CONTENT);
      // Wrong detached content / no trust / tampered signature are reported, not thrown.
      if (detached) {
        const bad = await verifyCms(sig, { trustStore: trust, content: utf8Encode('other') });
        expect(bad.valid).toBe(false);
        const line = bad.signers[0]!.checks.find((c) => c.status === 'failed')!;
        expect(line.reason).toBe(extra.includes('-noattr') ? 'SIGNATURE_INVALID' : 'MESSAGE_DIGEST_MISMATCH');
      }
      const untrusted = await verifyCms(sig, {
        trustStore: new TrustStore([]),
        ...(detached ? { content: CONTENT } : {}),
      });
      expect(untrusted.valid).toBe(false);
      expect(untrusted.signers[0]!.checks.find((c) => c.check === 'certificate-path')!.status).toBe('failed');
    });
  }

  it('two-step: kyso prepares, openssl pkeyutl signs the digest, kyso assembles, openssl verifies', async () => {
    for (const id of [pki.rsa, pki.ec]) {
      const alg: SignatureAlgorithm =
        id === pki.rsa ? { name: 'RSA-PKCS1', hash: 'SHA-256' } : { name: 'ECDSA', hash: 'SHA-256' };
      const prepared = await prepareCmsSignature({
        content: CONTENT,
        detached: true,
        signerCertificate: id.cert,
        chain: [pki.root],
        digestAlgorithm: 'SHA-256',
        signatureAlgorithm: alg,
      });
      // Serialisable between the steps.
      const roundTrip = JSON.parse(
        JSON.stringify(prepared, (_k, v) => (v instanceof Uint8Array ? { $b: Array.from(v) } : v)),
        (_k, v) => (v && typeof v === 'object' && '$b' in v ? Uint8Array.from(v.$b as number[]) : v),
      );
      const dfile = path.join(pki.dir, 'tbs.digest');
      fs.writeFileSync(dfile, prepared.digestOfToBeSigned);
      const r = openssl(
        ['pkeyutl', '-sign', '-inkey', id.keyFile, '-in', dfile, '-pkeyopt', 'digest:sha256'],
        { check: true },
      );
      const cms = await assembleCmsSignature(roundTrip, new Uint8Array(r.stdoutBuffer));
      const v = opensslVerify(cms, true);
      expect(v.stderr).toContain('Verification successful');
      const rep = await verifyCms(cms, { trustStore: trust, content: CONTENT });
      expect(rep.valid).toBe(true);
      // A signature over something else is refused at assembly.
      await expect(
        assembleCmsSignature(prepared, new Uint8Array(r.stdoutBuffer).reverse()),
      ).rejects.toMatchObject({
        code: 'SIGNATURE_INVALID',
      });
    }
  });

  it('PAdES-style: contentDigest, no signingTime, detached', async () => {
    const md = await digest('SHA-256', CONTENT);
    const prepared = await prepareCmsSignature({
      contentDigest: md,
      signerCertificate: pki.ec.cert,
      digestAlgorithm: 'SHA-256',
      signatureAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    const sig = await pki.ec.signer.sign(prepared.toBeSigned, { name: 'ECDSA', hash: 'SHA-256' });
    const cms = await assembleCmsSignature(prepared, sig);
    const rep = await verifyCms(cms, {
      trustStore: trust,
      contentDigest: async () => md,
      requireSigningCertificate: true,
    });
    expect(rep.valid).toBe(true);
    expect(rep.signers[0]!.signingTime).toBeUndefined();
    expect(opensslVerify(cms, true).status).toBe(0);
  });
});
