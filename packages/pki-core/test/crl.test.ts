import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Crl, issueCrl, verifyCrlSignature } from '../src/crl.js';
import { importPrivateKey } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import { type KysoError, isKysoError } from '../src/errors.js';
import { Certificate } from '../src/x509/certificate.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';
import { vectorsDir } from '../../../test-vectors/location.js';

const hasOpenssl = requireTool('openssl');

interface OpensslCa {
  dir: string;
  caPem: string;
  keyPem: string;
  cert: Certificate;
}

/** A self-signed CA made by OpenSSL (keyUsage as given). */
function makeCa(kind: 'ec' | 'rsa', keyUsage = 'critical,keyCertSign,cRLSign'): OpensslCa {
  const dir = tmpDir();
  const key = path.join(dir, 'ca.key');
  const crt = path.join(dir, 'ca.pem');
  const keyArgs =
    kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  openssl(
    [
      'req',
      '-x509',
      ...keyArgs,
      '-nodes',
      '-keyout',
      key,
      '-out',
      crt,
      '-days',
      '30',
      '-subj',
      '/C=VN/O=Kyso Test/CN=Kyso CRL Test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      `keyUsage=${keyUsage}`,
      '-addext',
      'subjectKeyIdentifier=hash',
    ],
    { check: true },
  );
  const caPem = fs.readFileSync(crt, 'utf8');
  return { dir, caPem, keyPem: fs.readFileSync(key, 'utf8'), cert: Certificate.parse(caPem) };
}

async function signerFor(ca: OpensslCa): Promise<LocalSigner> {
  return new LocalSigner(await importPrivateKey(ca.keyPem), [ca.cert.der]);
}

const T0 = new Date('2026-01-10T00:00:00Z');
const T1 = new Date('2026-01-17T00:00:00Z');

describe.skipIf(!hasOpenssl)('kyso CRLs accepted by OpenSSL', () => {
  for (const kind of ['ec', 'rsa'] as const) {
    it(`${kind}: openssl crl -verify accepts a kyso CRL and shows its fields`, async () => {
      const ca = makeCa(kind);
      const crl = await issueCrl({
        issuer: ca.cert,
        signer: await signerFor(ca),
        thisUpdate: T0,
        nextUpdate: T1,
        crlNumber: 42,
        entries: [
          {
            serial: 0x1234n,
            revocationDate: new Date('2026-01-05T10:00:00Z'),
            reason: 'keyCompromise',
            invalidityDate: new Date('2026-01-04T08:30:00Z'),
          },
          {
            serial: 'ABCDEF0123',
            revocationDate: new Date('2026-01-06T00:00:00Z'),
            reason: 'cessationOfOperation',
          },
          { serial: 7n, revocationDate: new Date('2026-01-07T00:00:00Z') },
        ],
      });
      const file = path.join(ca.dir, 'crl.pem');
      fs.writeFileSync(file, crl.toPem());
      const v = openssl(['crl', '-verify', '-CAfile', path.join(ca.dir, 'ca.pem'), '-in', file, '-noout']);
      expect(v.status).toBe(0);
      expect(v.stderr + v.stdout).toMatch(/verify OK/);
      const text = openssl(['crl', '-in', file, '-noout', '-text'], { check: true }).stdout;
      expect(text).toMatch(/Version 2/);
      expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*42/);
      expect(text).toMatch(/X509v3 Authority Key Identifier/);
      expect(text).toMatch(
        /Serial Number: 1234[\s\S]*Key Compromise[\s\S]*Invalidity Date:\s*\n\s*Jan {2}4 08:30:00 2026 GMT/,
      );
      expect(text).toMatch(/Serial Number: ABCDEF0123[\s\S]*Cessation Of Operation/);
      expect(text).toMatch(/Serial Number: 07/);
      expect(text).toMatch(/Next Update: Jan 17 00:00:00 2026 GMT/);
      // The AKI equals the issuer's SKI.
      expect(crl.authorityKeyIdentifier?.keyIdentifier).toEqual(ca.cert.subjectKeyIdentifier);
      expect(await verifyCrlSignature(crl, ca.cert)).toBe(true);
    });
  }

  it('a delta CRL with an IDP is accepted and displayed by OpenSSL', async () => {
    const ca = makeCa('ec');
    const crl = await issueCrl({
      issuer: ca.cert,
      signer: await signerFor(ca),
      thisUpdate: T0,
      nextUpdate: T1,
      crlNumber: 43,
      deltaOf: 42,
      idp: { distributionPoint: { fullName: [{ type: 'uri', value: 'http://crl.example.vn/delta.crl' }] } },
      entries: [{ serial: 9n, revocationDate: T0, reason: 'removeFromCRL' }],
    });
    const file = path.join(ca.dir, 'delta.pem');
    fs.writeFileSync(file, crl.toPem());
    const v = openssl(['crl', '-verify', '-CAfile', path.join(ca.dir, 'ca.pem'), '-in', file, '-noout']);
    expect(v.stderr + v.stdout).toMatch(/verify OK/);
    const text = openssl(['crl', '-in', file, '-noout', '-text'], { check: true }).stdout;
    expect(text).toMatch(/X509v3 Delta CRL Indicator: critical\s*\n\s*42/);
    expect(text).toMatch(
      /X509v3 Issuing Distribution Point: critical[\s\S]*URI:http:\/\/crl\.example\.vn\/delta\.crl/,
    );
    expect(text).toMatch(/Remove From CRL/);
    const parsed = Crl.parse(crl.toPem());
    expect(parsed.isDelta).toBe(true);
    expect(parsed.deltaCrlIndicator).toBe(42n);
    expect(parsed.crlNumber).toBe(43n);
  });

  it('a tampered kyso CRL is rejected by OpenSSL and by kyso', async () => {
    const ca = makeCa('ec');
    const crl = await issueCrl({
      issuer: ca.cert,
      signer: await signerFor(ca),
      thisUpdate: T0,
      nextUpdate: T1,
      crlNumber: 1,
      entries: [{ serial: 5n, revocationDate: T0 }],
    });
    const der = crl.der.slice();
    // Flip a bit of the revoked serial (5 -> 4), inside the signed TBS.
    const i = der.findIndex((_, k) => der[k] === 0x02 && der[k + 1] === 0x01 && der[k + 2] === 0x05);
    expect(i).toBeGreaterThan(0);
    der[i + 2] = 0x04;
    const bad = Crl.fromDer(der);
    expect(await verifyCrlSignature(bad, ca.cert)).toBe(false);
    const file = path.join(ca.dir, 'bad.der');
    fs.writeFileSync(file, der);
    const v = openssl([
      'crl',
      '-verify',
      '-CAfile',
      path.join(ca.dir, 'ca.pem'),
      '-inform',
      'DER',
      '-in',
      file,
      '-noout',
    ]);
    expect(v.stderr + v.stdout).not.toMatch(/verify OK/);
  });

  it('refuses to issue for an issuer whose keyUsage lacks cRLSign', async () => {
    const ca = makeCa('ec', 'critical,keyCertSign');
    const err = await issueCrl({
      issuer: ca.cert,
      signer: await signerFor(ca),
      thisUpdate: T0,
      nextUpdate: T1,
      crlNumber: 1,
    }).catch((e: unknown) => e);
    expect(isKysoError(err, 'ISSUANCE_REFUSED')).toBe(true);
  });

  it("refuses a signer whose key is not the issuer's, and bad dates", async () => {
    const a = makeCa('ec');
    const b = makeCa('ec');
    const wrongKey = await issueCrl({
      issuer: a.cert,
      signer: await signerFor(b),
      thisUpdate: T0,
      nextUpdate: T1,
      crlNumber: 1,
    }).catch((e: unknown) => e);
    expect((wrongKey as KysoError).code).toBe('ISSUANCE_REFUSED');
    const badDates = await issueCrl({
      issuer: a.cert,
      signer: await signerFor(a),
      thisUpdate: T1,
      nextUpdate: T0,
      crlNumber: 1,
    }).catch((e: unknown) => e);
    expect((badDates as KysoError).code).toBe('ISSUANCE_REFUSED');
  });
});

describe.skipIf(!hasOpenssl)('kyso parses CRLs made by openssl ca -gencrl', () => {
  it('reads the revoked entry, reason, invalidity date, CRL number and AKI; signature verifies', async () => {
    const dir = tmpDir();
    const ca = makeCa('rsa');
    fs.copyFileSync(path.join(ca.dir, 'ca.pem'), path.join(dir, 'ca.pem'));
    fs.copyFileSync(path.join(ca.dir, 'ca.key'), path.join(dir, 'ca.key'));
    fs.writeFileSync(path.join(dir, 'index.txt'), '');
    fs.writeFileSync(path.join(dir, 'serial'), '1001\n');
    fs.writeFileSync(path.join(dir, 'crlnumber'), '0101\n');
    fs.mkdirSync(path.join(dir, 'newcerts'));
    const cnf = path.join(dir, 'ca.cnf');
    fs.writeFileSync(
      cnf,
      `[ ca ]
default_ca = test_ca
[ test_ca ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 10
default_crl_days = 7
policy = any_policy
crl_extensions = crl_ext
unique_subject = no
[ any_policy ]
commonName = supplied
[ crl_ext ]
authorityKeyIdentifier = keyid:always
`,
    );
    for (const name of ['alice', 'bob']) {
      openssl(
        [
          'req',
          '-new',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          path.join(dir, `${name}.key`),
          '-out',
          path.join(dir, `${name}.csr`),
          '-subj',
          `/CN=${name}`,
        ],
        { check: true },
      );
      openssl(
        [
          'ca',
          '-batch',
          '-config',
          cnf,
          '-in',
          path.join(dir, `${name}.csr`),
          '-out',
          path.join(dir, `${name}.pem`),
        ],
        { check: true },
      );
    }
    openssl(
      [
        'ca',
        '-config',
        cnf,
        '-revoke',
        path.join(dir, 'alice.pem'),
        '-crl_reason',
        'keyCompromise',
        '-crl_compromise',
        '20260101120000Z',
      ],
      { check: true },
    );
    openssl(['ca', '-config', cnf, '-gencrl', '-out', path.join(dir, 'crl.pem')], { check: true });

    const crl = Crl.parse(fs.readFileSync(path.join(dir, 'crl.pem'), 'utf8'));
    const alice = Certificate.parse(fs.readFileSync(path.join(dir, 'alice.pem'), 'utf8'));
    const bob = Certificate.parse(fs.readFileSync(path.join(dir, 'bob.pem'), 'utf8'));
    expect(crl.version).toBe(2);
    expect(crl.issuer.equals(ca.cert.subject)).toBe(true);
    expect(crl.crlNumber).toBe(0x0101n);
    expect(crl.authorityKeyIdentifier?.keyIdentifier).toEqual(ca.cert.subjectKeyIdentifier);
    expect(crl.revoked).toHaveLength(1);
    const entry = crl.isRevoked(alice);
    expect(entry?.reason).toBe('keyCompromise');
    expect(entry?.invalidityDate?.toISOString()).toBe('2026-01-01T12:00:00.000Z');
    expect(crl.isRevoked(bob)).toBeUndefined();
    expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(7 * 86400_000);
    expect(await verifyCrlSignature(crl, ca.cert)).toBe(true);
    // A kyso-issued CRL from the same OpenSSL CA key verifies with the same certificate.
    const kysoCrl = await issueCrl({
      issuer: ca.cert,
      signer: await signerFor(ca),
      thisUpdate: T0,
      nextUpdate: T1,
      crlNumber: 0x0102n,
      entries: [{ serial: alice, revocationDate: T0, reason: 'superseded' }],
    });
    expect(kysoCrl.isRevoked(alice.serialNumber)?.reason).toBe('superseded');
  });
});

const PKITS_CRLS = path.join(vectorsDir, 'pkits/crls');

describe('PKITS CRLs parse', () => {
  it.skipIf(!fs.existsSync(PKITS_CRLS))(
    'all 173 parse except the one with a malformed signature BIT STRING',
    () => {
      const failures: string[] = [];
      let n = 0;
      for (const f of fs.readdirSync(PKITS_CRLS)) {
        n++;
        try {
          Crl.fromDer(new Uint8Array(fs.readFileSync(path.join(PKITS_CRLS, f))));
        } catch {
          failures.push(f);
        }
      }
      expect(n).toBe(173);
      // NIST corrupts this CRL's signature in a way that leaves BIT STRING padding bits set.
      expect(failures).toEqual(['BadCRLSignatureCACRL.crl']);
      const unknown = Crl.fromDer(
        new Uint8Array(fs.readFileSync(path.join(PKITS_CRLS, 'UnknownCRLExtensionCACRL.crl'))),
      );
      expect(unknown.unknownCriticalExtensions).toEqual(['2.16.840.1.101.2.1.12.2']);
      const entryExt = Crl.fromDer(
        new Uint8Array(fs.readFileSync(path.join(PKITS_CRLS, 'UnknownCRLEntryExtensionCACRL.crl'))),
      );
      expect(entryExt.unknownCriticalEntryExtensions).toHaveLength(1);
      const delta = Crl.fromDer(
        new Uint8Array(fs.readFileSync(path.join(PKITS_CRLS, 'deltaCRLCA1deltaCRL.crl'))),
      );
      expect(delta.isDelta).toBe(true);
    },
  );
});
