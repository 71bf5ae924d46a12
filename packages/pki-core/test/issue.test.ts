import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, type KeyPair } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import type { KeySpec } from '../src/crypto/types.js';
import { CertificationRequest, createCsr } from '../src/csr.js';
import {
  Certificate,
  citizenSubject,
  isKysoError,
  KysoError,
  Name,
  OID,
  officialSubject,
  organizationSubject,
  pemEncode,
} from '../src/index.js';
import { issueCertificate, PROFILES } from '../src/x509/issue.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

const hasOpenssl = requireTool('openssl');

async function ca(spec: KeySpec) {
  const rootKey = await generateKeyPair(spec);
  const rootSigner = new LocalSigner(rootKey);
  const root = await issueCertificate({
    profile: 'root-ca',
    subject: 'CN=Kyso Test Root,O=Kyso,C=VN',
    publicKey: rootKey.publicKeyInfo,
    signer: rootSigner,
  });
  const subKey = await generateKeyPair(spec);
  const sub = await issueCertificate({
    profile: 'sub-ca',
    subject: 'CN=Kyso Test Issuing CA,O=Kyso,C=VN',
    publicKey: subKey.publicKeyInfo,
    issuer: { certificate: root, signer: rootSigner },
    notAfter: new Date(root.notAfter.getTime() - 86_400_000),
    crlUrls: ['http://ca.kyso.test/crl/root.crl'],
    ocspUrls: ['http://ca.kyso.test/ocsp'],
    caIssuersUrls: ['http://ca.kyso.test/root.cer'],
    policies: [{ oid: '1.3.6.1.4.1.99999.1.1', cpsUri: 'https://ca.kyso.test/cps' }],
  });
  return { root, rootSigner, sub, subSigner: new LocalSigner(subKey, [sub.der, root.der]), subKey };
}

const SPECS: [string, KeySpec][] = [
  ['ECDSA P-256', { type: 'EC', curve: 'P-256' }],
  ['RSA-2048', { type: 'RSA', modulusLength: 2048 }],
];

describe.each(SPECS)('issuance with %s', (_label, spec) => {
  let h: Awaited<ReturnType<typeof ca>>;
  let leafKey: KeyPair;
  beforeAll(async () => {
    h = await ca(spec);
    leafKey = await generateKeyPair(spec);
  });

  it('builds a root and sub-CA with the right extensions', () => {
    expect(h.root.isCA).toBe(true);
    expect(h.root.isSelfIssued).toBe(true);
    expect(h.root.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(h.sub.basicConstraints).toEqual({ ca: true, pathLenConstraint: 0 });
    expect(h.sub.authorityKeyIdentifier?.keyIdentifier).toEqual(h.root.subjectKeyIdentifier);
    expect(h.sub.crlUrls).toEqual(['http://ca.kyso.test/crl/root.crl']);
    expect(h.sub.ocspUrls).toEqual(['http://ca.kyso.test/ocsp']);
    expect(h.sub.caIssuersUrls).toEqual(['http://ca.kyso.test/root.cer']);
    expect(h.sub.certificatePolicies?.[0]?.qualifiers?.[0]?.cpsUri).toBe('https://ca.kyso.test/cps');
    expect(h.root.serialNumber.length).toBe(16);
    expect(h.root.serialNumber[0]! & 0x80).toBe(0);
  });

  it.each(PROFILES.filter((p) => p !== 'root-ca' && p !== 'sub-ca'))(
    'issues %s and OpenSSL verifies it',
    async (profile) => {
      const subject =
        profile === 'person-signing'
          ? citizenSubject({ name: 'Nguyễn Văn An', cccd: '079123456789', province: 'Thành phố Hồ Chí Minh' })
          : profile === 'organization-signing'
            ? organizationSubject({
                name: 'Sở Y tế',
                organization: 'Ủy ban nhân dân thành phố Đà Nẵng',
                taxCode: '0400260612',
                budgetCode: '1047665',
              })
            : Name.parse(`CN=${profile}.kyso.test,O=Kyso,C=VN`);
      const leaf = await issueCertificate({
        profile,
        subject,
        publicKey: leafKey.publicKeyInfo,
        issuer: { certificate: h.sub, signer: h.subSigner },
        subjectAltName:
          profile === 'tls-server'
            ? [{ type: 'dns', value: 'tls-server.kyso.test' }]
            : [
                { type: 'email', value: 'an@example.vn' },
                { type: 'uri', value: 'https://kyso.test/u/1' },
              ],
        ocspUrls: ['http://ca.kyso.test/ocsp'],
        crlUrls: ['http://ca.kyso.test/crl/issuing.crl'],
      });
      expect(leaf.issuer.equals(h.sub.subject)).toBe(true);
      if (profile === 'ocsp-signer') {
        expect(leaf.ocspNoCheck).toBe(true);
        expect(leaf.extKeyUsage).toEqual([OID.ocspSigning]);
      }
      if (profile === 'tsa') expect(leaf.extension(OID.extKeyUsage)?.critical).toBe(true);
      if (profile === 'person-signing') expect(leaf.keyUsage).toEqual(['digitalSignature', 'nonRepudiation']);
      if (!hasOpenssl) return;
      const d = tmpDir();
      writeFileSync(path.join(d, 'root.pem'), pemEncode('CERTIFICATE', h.root.der));
      writeFileSync(path.join(d, 'sub.pem'), pemEncode('CERTIFICATE', h.sub.der));
      writeFileSync(path.join(d, 'leaf.pem'), pemEncode('CERTIFICATE', leaf.der));
      const text = openssl(['x509', '-in', path.join(d, 'leaf.pem'), '-noout', '-text', '-nameopt', 'utf8'], {
        check: true,
      });
      expect(text.stdout).toContain('Authority Key Identifier');
      if (profile === 'person-signing') {
        expect(text.stdout).toContain('Nguyễn Văn An');
        expect(text.stdout).toContain('CCCD:079123456789');
        expect(text.stdout).toMatch(/Digital Signature, Non Repudiation/);
      }
      if (profile === 'tsa')
        expect(text.stdout).toMatch(/X509v3 Extended Key Usage: critical\s+Time Stamping/);
      if (profile === 'ocsp-signer') expect(text.stdout).toContain('OCSP No Check');
      const purpose =
        profile === 'tls-server'
          ? ['-purpose', 'sslserver']
          : profile === 'tsa'
            ? ['-purpose', 'timestampsign']
            : [];
      const v = openssl([
        'verify',
        ...purpose,
        '-CAfile',
        path.join(d, 'root.pem'),
        '-untrusted',
        path.join(d, 'sub.pem'),
        path.join(d, 'leaf.pem'),
      ]);
      expect(v.stdout + v.stderr).toContain(': OK');
      expect(v.status).toBe(0);
    },
  );

  it('creates CSRs that OpenSSL verifies and reads OpenSSL CSRs', async () => {
    const signer = new LocalSigner(leafKey);
    const csr = await createCsr({
      subject: officialSubject({
        name: 'Trần Thị Bình',
        title: 'Phó Giám đốc',
        organization: 'Sở Tư pháp',
        cccd: '001234567890',
      }),
      signer,
      subjectAltName: [{ type: 'email', value: 'binh@stp.gov.vn' }],
    });
    expect(await csr.verify()).toBe(true);
    expect(csr.subject.get('T')).toEqual(['Phó Giám đốc']);
    expect(csr.subjectAltName).toEqual([{ type: 'email', value: 'binh@stp.gov.vn' }]);
    if (!hasOpenssl) return;
    const d = tmpDir();
    const f = path.join(d, 'req.pem');
    writeFileSync(f, pemEncode('CERTIFICATE REQUEST', csr.der));
    const r = openssl(['req', '-in', f, '-verify', '-noout', '-text', '-nameopt', 'utf8']);
    expect(r.stdout + r.stderr).toMatch(/verify OK/i);
    expect(r.stdout).toContain('Trần Thị Bình');

    const keyFile = path.join(d, 'k.pem');
    const ossl = openssl(
      [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        keyFile,
        '-subj',
        '/C=VN/CN=OpenSSL CSR/UID=CCCD:012345678901',
        '-addext',
        'subjectAltName=DNS:x.kyso.test',
        '-outform',
        'DER',
      ],
      { check: true },
    );
    const parsed = CertificationRequest.parse(new Uint8Array(ossl.stdoutBuffer));
    expect(await parsed.verify()).toBe(true);
    expect(parsed.subject.vnIdentifiers).toEqual([{ prefix: 'CCCD', value: '012345678901' }]);
    expect(parsed.subjectAltName).toEqual([{ type: 'dns', value: 'x.kyso.test' }]);
    // Tampering breaks proof of possession.
    const bad = parsed.der.slice();
    bad[bad.length - 5]! ^= 1;
    const tampered = CertificationRequest.parse(bad);
    expect(await tampered.verify()).toBe(false);
  });

  it('refuses what the issuer may not issue', async () => {
    const issuer = { certificate: h.sub, signer: h.subSigner };
    const expectRefused = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => null,
        (x: unknown) => x,
      );
      expect(isKysoError(e, 'ISSUANCE_REFUSED'), String(e)).toBe(true);
    };
    // beyond the issuer's validity
    await expectRefused(
      issueCertificate({
        profile: 'person-signing',
        subject: 'CN=x',
        publicKey: leafKey.publicKeyInfo,
        issuer,
        notAfter: new Date(h.sub.notAfter.getTime() + 1000),
      }),
    );
    // pathLen 0 issuer cannot issue a CA
    await expectRefused(
      issueCertificate({ profile: 'sub-ca', subject: 'CN=y', publicKey: leafKey.publicKeyInfo, issuer }),
    );
    // a leaf cannot issue
    const leaf = await issueCertificate({
      profile: 'person-signing',
      subject: 'CN=z',
      publicKey: leafKey.publicKeyInfo,
      issuer,
    });
    await expectRefused(
      issueCertificate({
        profile: 'person-signing',
        subject: 'CN=w',
        publicKey: leafKey.publicKeyInfo,
        issuer: { certificate: leaf, signer: new LocalSigner(leafKey) },
      }),
    );
    // signer not matching the issuer certificate
    await expectRefused(
      issueCertificate({
        profile: 'person-signing',
        subject: 'CN=v',
        publicKey: leafKey.publicKeyInfo,
        issuer: { certificate: h.sub, signer: h.rootSigner },
      }),
    );
  });
});

describe('issuer constraints', () => {
  it('enforces name constraints and path length of the issuer', async () => {
    const key = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const s = new LocalSigner(key);
    const root = await issueCertificate({
      profile: 'root-ca',
      subject: 'CN=NC Root,C=VN',
      publicKey: key.publicKeyInfo,
      signer: s,
      pathLength: 1,
    });
    const ncCa = await issueCertificate({
      profile: 'sub-ca',
      subject: 'CN=Bo Y te CA,O=Bo Y te,C=VN',
      publicKey: key.publicKeyInfo,
      issuer: { certificate: root, signer: s },
      notAfter: root.notAfter,
      nameConstraints: {
        permittedSubtrees: [
          { base: { type: 'directoryName', value: Name.parse('O=Bo Y te,C=VN') }, minimum: 0 },
          { base: { type: 'email', value: '.moh.gov.vn' }, minimum: 0 },
        ],
      },
    });
    expect(ncCa.basicConstraints?.pathLenConstraint).toBe(0);
    const issuer = { certificate: ncCa, signer: s };
    const ok = await issueCertificate({
      profile: 'person-signing',
      subject: 'C=VN/O=Bo Y te/CN=A'.replace(/^/, '/'),
      publicKey: key.publicKeyInfo,
      issuer,
      subjectAltName: [{ type: 'email', value: 'a@kcb.moh.gov.vn' }],
    });
    expect(ok.subject.toString()).toBe('CN=A,O=Bo Y te,C=VN');
    await expect(
      issueCertificate({
        profile: 'person-signing',
        subject: '/C=VN/O=Bo Tai chinh/CN=B',
        publicKey: key.publicKeyInfo,
        issuer,
      }),
    ).rejects.toThrow(/name constraints/);
    await expect(
      issueCertificate({
        profile: 'person-signing',
        subject: '/C=VN/O=Bo Y te/CN=C',
        publicKey: key.publicKeyInfo,
        issuer,
        subjectAltName: [{ type: 'email', value: 'c@gmail.com' }],
      }),
    ).rejects.toThrow(KysoError);
    await expect(
      issueCertificate({
        profile: 'sub-ca',
        subject: 'CN=Too deep',
        publicKey: key.publicKeyInfo,
        issuer: { certificate: root, signer: s },
        pathLength: 1,
      }),
    ).rejects.toThrow(/pathLength/);
  });

  it('refuses to write a name constraint its own validator would call malformed', async () => {
    const key = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const s = new LocalSigner(key);
    const root = await issueCertificate({
      profile: 'root-ca',
      subject: 'CN=NC Root 2,C=VN',
      publicKey: key.publicKeyInfo,
      signer: s,
    });
    const sub = (value: string) =>
      issueCertificate({
        profile: 'sub-ca',
        subject: 'CN=Sub,C=VN',
        publicKey: key.publicKeyInfo,
        issuer: { certificate: root, signer: s },
        notAfter: root.notAfter,
        nameConstraints: { permittedSubtrees: [{ base: { type: 'dns', value }, minimum: 0 }] },
      });
    // RFC 5280 §4.2.1.10 defines no leading period for dNSName constraints (x509-limbo
    // rfc5280::nc::invalid-dnsname-leading-period): refused at issuance with a typed error.
    await expect(sub('.gov.vn')).rejects.toThrow(/invalid name constraints/);
    await expect(sub('.gov.vn')).rejects.toBeInstanceOf(KysoError);
    const ok = await sub('gov.vn');
    expect(ok.der.length).toBeGreaterThan(0);
  });

  it('refuses weak keys and SHA-1', async () => {
    const key = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const s = new LocalSigner(key);
    await expect(
      issueCertificate({
        profile: 'root-ca',
        subject: 'CN=R',
        publicKey: key.publicKeyInfo,
        signer: s,
        signatureAlgorithm: { name: 'ECDSA', hash: 'SHA-1' },
      }),
    ).rejects.toSatisfy((e: unknown) => isKysoError(e, 'WEAK_ALGORITHM'));
  });

  it('parses what it issues identically', async () => {
    const key = await generateKeyPair({ type: 'Ed25519' });
    const s = new LocalSigner(key);
    const root = await issueCertificate({
      profile: 'root-ca',
      subject: 'CN=Ed Root,C=VN',
      publicKey: key.publicKeyInfo,
      signer: s,
    });
    const again = Certificate.parse(pemEncode('CERTIFICATE', root.der));
    expect(again.subject.equals(root.subject)).toBe(true);
    expect(again.der).toEqual(root.der);
  });
});
