/**
 * Certificate and CRL extensions: encode -> parse round trips for every extension in
 * src/x509/extensions.ts, exact DER for edge cases, strict rejection of DER and RFC 5280 violations,
 * fuzzing of every parser, and cross-checks with OpenSSL in both directions.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes.js';
import { generateKeyPair, type KeyPair } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import {
  bitString,
  bool,
  contextConstructed,
  ctxTag,
  enumerated,
  generalizedTime,
  ia5String,
  implicit,
  integer,
  nul,
  octetString,
  oid,
  seq,
  tlv,
  utf8String,
} from '../src/der.js';
import { KysoError } from '../src/errors.js';
import { Name } from '../src/name.js';
import { OID } from '../src/oids.js';
import { pemEncode } from '../src/pem.js';
import { Certificate } from '../src/x509/certificate.js';
import {
  type DistributionPoint,
  encodeAuthorityKeyIdentifier,
  encodeBasicConstraints,
  encodeCertificatePolicies,
  encodeCrlDistributionPoints,
  encodeCrlNumber,
  encodeCrlReason,
  encodeExtension,
  encodeExtKeyUsage,
  encodeGeneralNamesExtension,
  encodeInfoAccess,
  encodeInhibitAnyPolicy,
  encodeInvalidityDate,
  encodeIssuingDistributionPoint,
  encodeKeyUsage,
  encodeNameConstraints,
  encodePolicyConstraints,
  encodePolicyMappings,
  encodeSubjectKeyIdentifier,
  type Extension,
  KEY_USAGES,
  type KeyUsage,
  parseAuthorityKeyIdentifier,
  parseBasicConstraints,
  parseCertificatePolicies,
  parseCrlDistributionPoints,
  parseCrlNumber,
  parseCrlReason,
  parseExtKeyUsage,
  parseGeneralizedTimeExt,
  parseGeneralNamesExtension,
  parseInfoAccess,
  parseInhibitAnyPolicy,
  parseIssuingDistributionPoint,
  parseKeyUsage,
  parseNameConstraints,
  parseNull,
  parsePolicyConstraints,
  parsePolicyMappings,
  parseSubjectKeyIdentifier,
  REASON_FLAGS,
} from '../src/x509/extensions.js';
import { type GeneralName, parseIp } from '../src/x509/general-name.js';
import { buildCertificate } from '../src/x509/issue.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

const hasOpenssl = requireTool('openssl');
const RUNS = Number(process.env.KYSO_FUZZ_RUNS ?? 300);

function expectKyso(fn: () => unknown, code?: string, label?: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, label ?? 'expected a KysoError').toBeInstanceOf(KysoError);
  if (code) expect((err as KysoError).code, label).toBe(code);
}

const ALL_NAMES: GeneralName[] = [
  { type: 'otherName', typeId: '1.3.6.1.4.1.311.20.2.3', value: utf8String('an@kyso.vn') },
  { type: 'email', value: 'an@kyso.vn' },
  { type: 'dns', value: 'kyso.vn' },
  { type: 'directoryName', value: Name.parse('UID=CCCD:001234567890,CN=Nguyễn Văn An,O=Bộ Y tế,C=VN') },
  { type: 'uri', value: 'https://kyso.vn/an' },
  { type: 'ip', value: parseIp('192.0.2.7') },
  { type: 'ip', value: parseIp('2001:db8::7') },
  { type: 'registeredId', value: '1.3.6.1.4.1.99999.2' },
];

// ------------------------------------------------------------------------------------------------
// Round trips
// ------------------------------------------------------------------------------------------------

describe('basicConstraints', () => {
  it('round-trips and encodes DER exactly', () => {
    expect(toHex(encodeBasicConstraints({ ca: false }))).toBe('3000');
    expect(toHex(encodeBasicConstraints({ ca: true }))).toBe('30030101ff');
    expect(toHex(encodeBasicConstraints({ ca: true, pathLenConstraint: 0 }))).toBe('30060101ff020100');
    expect(toHex(encodeBasicConstraints({ ca: true, pathLenConstraint: 200 }))).toBe('30070101ff020200c8');
    for (const bc of [
      { ca: false },
      { ca: true },
      { ca: true, pathLenConstraint: 0 },
      { ca: true, pathLenConstraint: 7 },
    ]) {
      expect(parseBasicConstraints(encodeBasicConstraints(bc))).toEqual(bc);
    }
  });

  it('rejects explicit cA FALSE, negative pathLen, wrong order, trailing data', () => {
    expectKyso(() => parseBasicConstraints(fromHex('3003010100')), 'DER_MALFORMED');
    expectKyso(() => parseBasicConstraints(fromHex('30060101ff0201ff')));
    expectKyso(() => parseBasicConstraints(fromHex('30060201000101ff')));
    expectKyso(() => parseBasicConstraints(fromHex('30030101ff00')));
    expectKyso(() => parseBasicConstraints(fromHex('30030101ff3000')));
    expectKyso(() => parseBasicConstraints(fromHex('3003010101'))); // BOOLEAN not 0xFF
    expectKyso(() => parseBasicConstraints(fromHex('30070101ff02020001'))); // non-minimal INTEGER
    expectKyso(() => parseBasicConstraints(fromHex('3100')));
  });
});

describe('keyUsage', () => {
  it('encodes named bits minimally (decipherOnly is bit 8)', () => {
    expect(toHex(encodeKeyUsage(['digitalSignature']))).toBe('03020780');
    expect(toHex(encodeKeyUsage(['digitalSignature', 'nonRepudiation']))).toBe('030206c0');
    expect(toHex(encodeKeyUsage(['keyCertSign', 'cRLSign']))).toBe('03020106');
    expect(toHex(encodeKeyUsage(['encipherOnly']))).toBe('03020001');
    expect(toHex(encodeKeyUsage(['decipherOnly']))).toBe('0303070080');
    expect(toHex(encodeKeyUsage(['keyAgreement', 'decipherOnly']))).toBe('0303070880');
    expect(toHex(encodeKeyUsage([...KEY_USAGES]))).toBe('030307ff80');
    expectKyso(() => encodeKeyUsage([]), 'INVALID_ARGUMENT');
  });

  it('round-trips every single bit and all bits', () => {
    for (const u of KEY_USAGES) expect(parseKeyUsage(encodeKeyUsage([u]))).toEqual([u]);
    expect(parseKeyUsage(encodeKeyUsage([...KEY_USAGES].reverse()))).toEqual([...KEY_USAGES]);
    const some: KeyUsage[] = ['cRLSign', 'digitalSignature', 'keyEncipherment'];
    expect(parseKeyUsage(encodeKeyUsage(some))).toEqual(['digitalSignature', 'keyEncipherment', 'cRLSign']);
  });

  it('rejects non-DER bit strings and an empty key usage', () => {
    expectKyso(() => parseKeyUsage(fromHex('03020781')), 'DER_MALFORMED'); // padding bit set
    expectKyso(() => parseKeyUsage(fromHex('03020880')), 'DER_MALFORMED'); // unused > 7
    expectKyso(() => parseKeyUsage(fromHex('03020080')), 'DER_MALFORMED'); // trailing zero bits kept
    expectKyso(() => parseKeyUsage(fromHex('0303008000')), 'DER_MALFORMED'); // trailing zero octet
    expectKyso(() => parseKeyUsage(fromHex('030100')), 'CERT_INVALID'); // no bit set
    expectKyso(() => parseKeyUsage(fromHex('03020700')), 'DER_MALFORMED'); // '03020700': all bits zero + unused
    expectKyso(() => parseKeyUsage(fromHex('0302078000'))); // trailing data
    expectKyso(() => parseKeyUsage(fromHex('040107')));
  });
});

describe('extKeyUsage', () => {
  it('round-trips', () => {
    const eku = [OID.timeStamping, OID.ocspSigning, '1.3.6.1.4.1.99999.3.1'];
    expect(parseExtKeyUsage(encodeExtKeyUsage(eku))).toEqual(eku);
  });
  it('rejects an empty SEQUENCE and non-OIDs', () => {
    expectKyso(() => parseExtKeyUsage(fromHex('3000')), 'CERT_INVALID');
    expectKyso(() => parseExtKeyUsage(seq(utf8String('x'))));
    expectKyso(() => parseExtKeyUsage(new Uint8Array([...seq(oid(OID.timeStamping)), 0])));
  });
});

describe('key identifiers', () => {
  it('SKI round-trips', () => {
    const k = fromHex('0102030405060708090a0b0c0d0e0f1011121314');
    expect(toHex(parseSubjectKeyIdentifier(encodeSubjectKeyIdentifier(k)))).toBe(toHex(k));
    expectKyso(() => parseSubjectKeyIdentifier(seq(octetString(k))));
  });

  it('AKI round-trips with keyIdentifier, issuer and serial', () => {
    const aki = {
      keyIdentifier: fromHex('a1b2c3'),
      authorityCertIssuer: [
        { type: 'directoryName', value: Name.parse('CN=Kyso Root CA,O=Kyso,C=VN') } as GeneralName,
      ],
      authorityCertSerialNumber: fromHex('00ff01'),
    };
    const der = encodeAuthorityKeyIdentifier(aki);
    const back = parseAuthorityKeyIdentifier(der);
    expect(toHex(back.keyIdentifier!)).toBe('a1b2c3');
    expect(toHex(back.authorityCertSerialNumber!)).toBe('00ff01');
    expect(back.authorityCertIssuer?.[0]?.type).toBe('directoryName');
    expect(toHex(encodeAuthorityKeyIdentifier(back))).toBe(toHex(der));
    // keyIdentifier only, and the empty AKI
    expect(
      toHex(
        parseAuthorityKeyIdentifier(encodeAuthorityKeyIdentifier({ keyIdentifier: fromHex('01') }))
          .keyIdentifier!,
      ),
    ).toBe('01');
    expect(parseAuthorityKeyIdentifier(fromHex('3000'))).toEqual({});
  });

  it('AKI: issuer and serial go together; serial is a minimal INTEGER; fields in order', () => {
    const issuer = contextConstructed(1, contextConstructed(4, Name.parse('C=VN').der));
    const serial = tlv(ctxTag(2, false), fromHex('01'));
    expectKyso(() => parseAuthorityKeyIdentifier(seq(issuer)), 'CERT_INVALID');
    expectKyso(() => parseAuthorityKeyIdentifier(seq(serial)), 'CERT_INVALID');
    expect(parseAuthorityKeyIdentifier(seq(issuer, serial)).authorityCertSerialNumber).toEqual(fromHex('01'));
    expectKyso(
      () => parseAuthorityKeyIdentifier(seq(issuer, tlv(ctxTag(2, false), fromHex('0001')))),
      'DER_MALFORMED',
    );
    expectKyso(
      () => parseAuthorityKeyIdentifier(seq(issuer, tlv(ctxTag(2, false), new Uint8Array(0)))),
      'DER_MALFORMED',
    );
    expectKyso(() => parseAuthorityKeyIdentifier(seq(serial, issuer)));
    expectKyso(() => parseAuthorityKeyIdentifier(seq(contextConstructed(1), serial)), 'CERT_INVALID'); // empty GeneralNames
    expectKyso(() => parseAuthorityKeyIdentifier(seq(tlv(ctxTag(0, true), fromHex('0401aa')))));
  });
});

describe('subjectAltName / issuerAltName', () => {
  it('round-trips every GeneralName type, including IPv6 and directoryName', () => {
    const der = encodeGeneralNamesExtension(ALL_NAMES);
    const back = parseGeneralNamesExtension(der);
    expect(back.map((g) => g.type)).toEqual(ALL_NAMES.map((g) => g.type));
    expect(toHex(encodeGeneralNamesExtension(back))).toBe(toHex(der));
    expect((back[3] as { value: Name }).value.toString()).toBe(
      'UID=CCCD:001234567890,CN=Nguyễn Văn An,O=Bộ Y tế,C=VN',
    );
    expect(toHex((back[6] as { value: Uint8Array }).value)).toBe('20010db8000000000000000000000007');
  });
  it('rejects an empty SEQUENCE and trailing data', () => {
    expectKyso(() => parseGeneralNamesExtension(fromHex('3000')), 'CERT_INVALID');
    const der = encodeGeneralNamesExtension([{ type: 'dns', value: 'a.vn' }]);
    expectKyso(() => parseGeneralNamesExtension(new Uint8Array([...der, 0x30, 0x00])));
  });
});

describe('CRL distribution points / freshest CRL', () => {
  it('round-trips full names, reasons, cRLIssuer and nameRelativeToCRLIssuer', () => {
    const dps: DistributionPoint[] = [
      {
        distributionPoint: {
          fullName: [
            { type: 'uri', value: 'http://ca.kyso.vn/crl/1.crl' },
            { type: 'uri', value: 'ldap://ldap.kyso.vn/cn=CA' },
          ],
        },
      },
      {
        distributionPoint: {
          fullName: [{ type: 'directoryName', value: Name.parse('CN=CRL1,O=Kyso,C=VN') }],
        },
        reasons: ['keyCompromise', 'cACompromise', 'aACompromise'],
        cRLIssuer: [{ type: 'directoryName', value: Name.parse('CN=Kyso CRL Issuer,O=Kyso,C=VN') }],
      },
      { cRLIssuer: [{ type: 'uri', value: 'http://ca.kyso.vn/' }] },
      {
        distributionPoint: { nameRelativeToCRLIssuer: Name.parse('CN=partition 7').der.subarray(2) },
        reasons: ['superseded'],
      },
    ];
    const der = encodeCrlDistributionPoints(dps);
    const back = parseCrlDistributionPoints(der);
    expect(back.length).toBe(4);
    expect(back[0]!.distributionPoint!.fullName).toEqual(dps[0]!.distributionPoint!.fullName);
    expect(back[1]!.reasons).toEqual(['keyCompromise', 'cACompromise', 'aACompromise']);
    expect((back[1]!.cRLIssuer![0] as { value: Name }).value.toString()).toBe(
      'CN=Kyso CRL Issuer,O=Kyso,C=VN',
    );
    expect(back[2]!.distributionPoint).toBeUndefined();
    expect(toHex(back[3]!.distributionPoint!.nameRelativeToCRLIssuer!)).toBe(
      toHex(Name.parse('CN=partition 7').der.subarray(2)),
    );
    expect(toHex(encodeCrlDistributionPoints(back))).toBe(toHex(der));
    // reasons: bit 8 (aACompromise) needs two octets
    expect(
      toHex(
        encodeCrlDistributionPoints([
          { cRLIssuer: [{ type: 'dns', value: 'a' }], reasons: ['aACompromise'] },
        ]),
      ),
    ).toContain('8103070080');
  });

  it('rejects empty, reasons-only and malformed points', () => {
    expectKyso(() => parseCrlDistributionPoints(fromHex('3000')), 'CERT_INVALID');
    expectKyso(() => parseCrlDistributionPoints(fromHex('30023000')), 'CERT_INVALID'); // empty DistributionPoint
    expectKyso(
      () => parseCrlDistributionPoints(seq(seq(tlv(ctxTag(1, false), fromHex('0640'))))),
      'CERT_INVALID',
    );
    // fullName must not be empty
    expectKyso(
      () => parseCrlDistributionPoints(seq(seq(contextConstructed(0, contextConstructed(0))))),
      'CERT_INVALID',
    );
    // DistributionPointName must be exactly one CHOICE
    const uri = implicit(6, ia5String('http://a'));
    expectKyso(() =>
      parseCrlDistributionPoints(
        seq(seq(contextConstructed(0, contextConstructed(0, uri), contextConstructed(0, uri)))),
      ),
    );
    expectKyso(() => parseCrlDistributionPoints(seq(seq(contextConstructed(0, contextConstructed(2, uri))))));
    // nameRelativeToCRLIssuer must be an RDN
    expectKyso(() =>
      parseCrlDistributionPoints(seq(seq(contextConstructed(0, contextConstructed(1, utf8String('x')))))),
    );
    expectKyso(() => parseCrlDistributionPoints(seq(seq(contextConstructed(0, contextConstructed(1))))));
    // non-minimal reasons
    expectKyso(
      () =>
        parseCrlDistributionPoints(
          seq(seq(contextConstructed(0, contextConstructed(0, uri)), tlv(ctxTag(1, false), fromHex('0040')))),
        ),
      'DER_MALFORMED',
    );
    // wrong order: cRLIssuer before distributionPoint
    expectKyso(() =>
      parseCrlDistributionPoints(
        seq(seq(contextConstructed(2, uri), contextConstructed(0, contextConstructed(0, uri)))),
      ),
    );
  });
});

describe('issuingDistributionPoint (CRL)', () => {
  it('round-trips', () => {
    const idp = {
      distributionPoint: {
        fullName: [{ type: 'uri', value: 'http://ca.kyso.vn/crl/users.crl' } as GeneralName],
      },
      onlyContainsUserCerts: true,
      onlyContainsCACerts: false,
      onlySomeReasons: ['keyCompromise', 'superseded'] as ('keyCompromise' | 'superseded')[],
      indirectCRL: true,
      onlyContainsAttributeCerts: false,
    };
    const der = encodeIssuingDistributionPoint(idp);
    expect(parseIssuingDistributionPoint(der)).toEqual(idp);
    expect(
      parseIssuingDistributionPoint(encodeIssuingDistributionPoint({ onlyContainsCACerts: true })),
    ).toEqual({
      onlyContainsUserCerts: false,
      onlyContainsCACerts: true,
      indirectCRL: false,
      onlyContainsAttributeCerts: false,
    });
    expect(toHex(encodeIssuingDistributionPoint({ onlyContainsUserCerts: true }))).toBe('30038101ff');
  });

  it('rejects an empty IDP, explicit FALSE, and two onlyContains flags', () => {
    expectKyso(() => parseIssuingDistributionPoint(fromHex('3000')), 'CERT_INVALID');
    expectKyso(() => parseIssuingDistributionPoint(fromHex('3003810100')), 'DER_MALFORMED');
    expectKyso(() => parseIssuingDistributionPoint(fromHex('30068101ff8201ff')), 'CERT_INVALID');
    expectKyso(() => parseIssuingDistributionPoint(fromHex('30038101aa')), 'DER_MALFORMED');
    expectKyso(() => parseIssuingDistributionPoint(fromHex('30068401ff8101ff'))); // out of order
  });
});

describe('authority / subject information access', () => {
  it('round-trips', () => {
    const aia = [
      { method: OID.ocsp, location: { type: 'uri', value: 'http://ocsp.kyso.vn' } as GeneralName },
      { method: OID.caIssuers, location: { type: 'uri', value: 'http://ca.kyso.vn/ca.crt' } as GeneralName },
      {
        method: OID.caIssuers,
        location: { type: 'directoryName', value: Name.parse('CN=Kyso CA,C=VN') } as GeneralName,
      },
    ];
    const der = encodeInfoAccess(aia);
    const back = parseInfoAccess(der);
    expect(back.slice(0, 2)).toEqual(aia.slice(0, 2));
    expect(toHex(encodeInfoAccess(back))).toBe(toHex(der));
  });
  it('rejects empty and malformed', () => {
    expectKyso(() => parseInfoAccess(fromHex('3000')), 'CERT_INVALID');
    expectKyso(() => parseInfoAccess(seq(seq(oid(OID.ocsp)))));
    expectKyso(() =>
      parseInfoAccess(
        seq(seq(oid(OID.ocsp), implicit(6, ia5String('http://a')), implicit(6, ia5String('http://b')))),
      ),
    );
  });
});

describe('certificate policies', () => {
  it('round-trips policies with CPS and user notice qualifiers', () => {
    const der = encodeCertificatePolicies([
      {
        oid: '1.3.6.1.4.1.99999.1.1',
        cpsUri: 'https://ca.kyso.vn/cps',
        userNotice: 'Chứng thư số dùng cho thử nghiệm',
      },
      { oid: OID.anyPolicy },
      { oid: '2.16.704.1.1.1', cpsUri: 'https://rootca.gov.vn/cps' },
    ]);
    const back = parseCertificatePolicies(der);
    expect(back.map((p) => p.policyIdentifier)).toEqual([
      '1.3.6.1.4.1.99999.1.1',
      OID.anyPolicy,
      '2.16.704.1.1.1',
    ]);
    expect(back[0]!.qualifiers!.map((q) => [q.oid, q.cpsUri, q.explicitText])).toEqual([
      [OID.cpsQualifier, 'https://ca.kyso.vn/cps', undefined],
      [OID.userNoticeQualifier, undefined, 'Chứng thư số dùng cho thử nghiệm'],
    ]);
    expect(back[1]!.qualifiers).toBeUndefined();
    expect(back[2]!.qualifiers![0]!.cpsUri).toBe('https://rootca.gov.vn/cps');
  });

  it('reads a user notice with a noticeRef and with each DisplayText type', () => {
    const noticeRef = seq(utf8String('Kyso'), seq(integer(1), integer(2)));
    for (const text of [
      utf8String('Văn bản'),
      ia5String('text'),
      tlv(0x1a, fromHex('6869')),
      tlv(0x1e, fromHex('00560103')),
    ]) {
      const der = seq(seq(oid('1.2.3'), seq(seq(oid(OID.userNoticeQualifier), seq(noticeRef, text)))));
      const q = parseCertificatePolicies(der)[0]!.qualifiers![0]!;
      expect(q.explicitText).toBeDefined();
    }
    const onlyRef = seq(seq(oid('1.2.3'), seq(seq(oid(OID.userNoticeQualifier), seq(noticeRef)))));
    expect(parseCertificatePolicies(onlyRef)[0]!.qualifiers![0]!.explicitText).toBeUndefined();
    // an empty UserNotice is valid
    const empty = seq(seq(oid('1.2.3'), seq(seq(oid(OID.userNoticeQualifier), seq()))));
    expect(parseCertificatePolicies(empty)[0]!.qualifiers![0]!.explicitText).toBeUndefined();
  });

  it('rejects empty lists, duplicates, bad qualifiers', () => {
    expectKyso(() => parseCertificatePolicies(fromHex('3000')), 'CERT_INVALID');
    expectKyso(() => parseCertificatePolicies(seq(seq(oid('1.2.3'), seq()))), 'CERT_INVALID'); // empty qualifiers
    expectKyso(() => parseCertificatePolicies(seq(seq(oid('1.2.3')), seq(oid('1.2.3')))), 'CERT_INVALID');
    expectKyso(() =>
      parseCertificatePolicies(
        seq(seq(oid('1.2.3'), seq(seq(oid(OID.cpsQualifier), utf8String('https://x'))))),
      ),
    );
    expectKyso(() =>
      parseCertificatePolicies(
        seq(seq(oid('1.2.3'), seq(seq(oid(OID.userNoticeQualifier), utf8String('x'))))),
      ),
    );
    // explicitText must be a DisplayText (not a PrintableString), and nothing after it
    expectKyso(() =>
      parseCertificatePolicies(
        seq(seq(oid('1.2.3'), seq(seq(oid(OID.userNoticeQualifier), seq(tlv(0x13, fromHex('41'))))))),
      ),
    );
    expectKyso(() =>
      parseCertificatePolicies(
        seq(seq(oid('1.2.3'), seq(seq(oid(OID.userNoticeQualifier), seq(utf8String('a'), utf8String('b')))))),
      ),
    );
    expectKyso(() =>
      parseCertificatePolicies(
        seq(seq(oid('1.2.3'), seq(seq(oid(OID.cpsQualifier), ia5String('x'))), nul())),
      ),
    );
  });
});

describe('policy mappings, policy constraints, inhibitAnyPolicy', () => {
  it('round-trips policy mappings', () => {
    const m = [
      { issuerDomainPolicy: '1.2.3.1', subjectDomainPolicy: '1.2.4.1' },
      { issuerDomainPolicy: '1.2.3.2', subjectDomainPolicy: '1.2.4.2' },
    ];
    expect(parsePolicyMappings(encodePolicyMappings(m))).toEqual(m);
    expectKyso(() => parsePolicyMappings(fromHex('3000')), 'CERT_INVALID');
    expectKyso(() => parsePolicyMappings(seq(seq(oid('1.2.3')))));
    expectKyso(() => parsePolicyMappings(seq(seq(oid('1.2.3'), oid('1.2.4'), oid('1.2.5')))));
  });

  it('round-trips policy constraints', () => {
    for (const pc of [
      { requireExplicitPolicy: 0 },
      { inhibitPolicyMapping: 3 },
      { requireExplicitPolicy: 2, inhibitPolicyMapping: 0 },
    ]) {
      expect(parsePolicyConstraints(encodePolicyConstraints(pc))).toEqual(pc);
    }
    expect(toHex(encodePolicyConstraints({ requireExplicitPolicy: 0 }))).toBe('3003800100');
    expectKyso(() => parsePolicyConstraints(fromHex('3000')), 'CERT_INVALID');
    expectKyso(() => parsePolicyConstraints(fromHex('30038001ff')), 'CERT_INVALID'); // negative
    expectKyso(() => parsePolicyConstraints(fromHex('300480020001')), 'DER_MALFORMED'); // non-minimal
    expectKyso(() => parsePolicyConstraints(fromHex('3006810100800100'))); // wrong order
  });

  it('round-trips inhibitAnyPolicy', () => {
    expect(parseInhibitAnyPolicy(encodeInhibitAnyPolicy(0))).toBe(0);
    expect(parseInhibitAnyPolicy(encodeInhibitAnyPolicy(5))).toBe(5);
    expectKyso(() => parseInhibitAnyPolicy(fromHex('0201ff')), 'CERT_INVALID');
    expectKyso(() => parseInhibitAnyPolicy(fromHex('02020005')), 'DER_MALFORMED');
    expectKyso(() => parseInhibitAnyPolicy(fromHex('020100ff')));
  });
});

describe('name constraints', () => {
  it('round-trips DNS, email, URI, IP masks (v4/v6) and directoryName subtrees', () => {
    const nc = {
      permittedSubtrees: [
        { base: { type: 'dns', value: '.kyso.vn' } as GeneralName, minimum: 0 },
        { base: { type: 'email', value: 'kyso.vn' } as GeneralName, minimum: 0 },
        { base: { type: 'uri', value: '.gov.vn' } as GeneralName, minimum: 0 },
        { base: { type: 'ip', value: parseIp('192.168.0.0/16') } as GeneralName, minimum: 0 },
        { base: { type: 'ip', value: parseIp('2001:db8::/32') } as GeneralName, minimum: 0 },
        { base: { type: 'directoryName', value: Name.parse('O=Bộ Y tế,C=VN') } as GeneralName, minimum: 0 },
      ],
      excludedSubtrees: [{ base: { type: 'dns', value: 'secret.kyso.vn' } as GeneralName, minimum: 0 }],
    };
    const der = encodeNameConstraints(nc);
    const back = parseNameConstraints(der);
    expect(back.permittedSubtrees!.length).toBe(6);
    expect(back.permittedSubtrees![0]).toEqual(nc.permittedSubtrees[0]);
    expect(toHex((back.permittedSubtrees![3]!.base as { value: Uint8Array }).value)).toBe('c0a80000ffff0000');
    expect(toHex((back.permittedSubtrees![4]!.base as { value: Uint8Array }).value)).toBe(
      `20010db8${'0'.repeat(24)}ffffffff${'0'.repeat(24)}`,
    );
    expect(back.excludedSubtrees).toEqual(nc.excludedSubtrees);
    expect(toHex(encodeNameConstraints(back))).toBe(toHex(der));
    // only excluded
    expect(parseNameConstraints(encodeNameConstraints({ excludedSubtrees: nc.excludedSubtrees }))).toEqual({
      excludedSubtrees: nc.excludedSubtrees,
    });
    // minimum/maximum (not used by RFC 5280 CAs, but parsed)
    const mm = parseNameConstraints(
      encodeNameConstraints({
        permittedSubtrees: [{ base: { type: 'dns', value: 'a' }, minimum: 1, maximum: 2 }],
      }),
    );
    expect(mm.permittedSubtrees![0]).toEqual({ base: { type: 'dns', value: 'a' }, minimum: 1, maximum: 2 });
  });

  it('rejects empty and malformed name constraints', () => {
    const dns = implicit(2, ia5String('a.vn'));
    expectKyso(() => parseNameConstraints(fromHex('3000')), 'CERT_INVALID');
    expectKyso(() => parseNameConstraints(seq(contextConstructed(0))), 'CERT_INVALID');
    expectKyso(
      () => parseNameConstraints(seq(contextConstructed(0, seq(dns, tlv(ctxTag(0, false), fromHex('00')))))),
      'DER_MALFORMED',
    );
    expectKyso(() =>
      parseNameConstraints(seq(contextConstructed(0, seq(dns, tlv(ctxTag(0, false), fromHex('ff')))))),
    );
    expectKyso(() =>
      parseNameConstraints(seq(contextConstructed(0, seq(dns, tlv(ctxTag(1, false), fromHex('ff')))))),
    );
    expectKyso(() =>
      parseNameConstraints(seq(contextConstructed(1, seq(dns)), contextConstructed(0, seq(dns)))),
    ); // order
    expectKyso(() => parseNameConstraints(seq(contextConstructed(0, seq()))));
  });
});

describe('CRL entry and CRL extensions', () => {
  it('CRL reason round-trips every code and rejects unused7 / out of range', () => {
    for (const r of [
      'unspecified',
      'keyCompromise',
      'cACompromise',
      'affiliationChanged',
      'superseded',
      'cessationOfOperation',
      'certificateHold',
      'removeFromCRL',
      'privilegeWithdrawn',
      'aACompromise',
    ] as const) {
      expect(parseCrlReason(encodeCrlReason(r))).toBe(r);
    }
    expect(toHex(encodeCrlReason('keyCompromise'))).toBe('0a0101');
    expect(toHex(encodeCrlReason('aACompromise'))).toBe('0a010a');
    expectKyso(() => parseCrlReason(enumerated(7)), 'CERT_INVALID');
    expectKyso(() => parseCrlReason(enumerated(11)), 'CERT_INVALID');
    expectKyso(() => parseCrlReason(enumerated(-1)), 'CERT_INVALID');
    expectKyso(() => parseCrlReason(integer(1)));
    expectKyso(() => parseCrlReason(fromHex('0a020001')), 'DER_MALFORMED');
  });

  it('CRL number round-trips up to 20 octets', () => {
    expect(parseCrlNumber(encodeCrlNumber(0))).toBe(0n);
    expect(parseCrlNumber(encodeCrlNumber(12345n))).toBe(12345n);
    const max = (1n << 159n) - 1n;
    expect(parseCrlNumber(encodeCrlNumber(max))).toBe(max);
    expectKyso(() => parseCrlNumber(encodeCrlNumber(1n << 160n)), 'CERT_INVALID');
    expectKyso(() => parseCrlNumber(encodeCrlNumber(-1)), 'CERT_INVALID');
    expectKyso(() => parseCrlNumber(fromHex('02020001')), 'DER_MALFORMED');
  });

  it('invalidity date round-trips and refuses fractions', () => {
    const d = new Date('2025-03-04T05:06:07Z');
    expect(parseGeneralizedTimeExt(encodeInvalidityDate(d)).getTime()).toBe(d.getTime());
    expectKyso(() => parseGeneralizedTimeExt(generalizedTime(new Date('2025-03-04T05:06:07.5Z'), true)));
    expectKyso(() => parseGeneralizedTimeExt(fromHex('170d3235303330343035303630375a')));
  });

  it('OCSP no-check is NULL', () => {
    expect(parseNull(nul())).toBe(true);
    expectKyso(() => parseNull(fromHex('050100')));
    expectKyso(() => parseNull(fromHex('3000')));
  });

  it('extension wrapper: critical FALSE is omitted', () => {
    expect(toHex(encodeExtension({ oid: OID.keyUsage, critical: false, value: fromHex('03020780') }))).toBe(
      '300b0603551d0f040403020780',
    );
    expect(toHex(encodeExtension({ oid: OID.keyUsage, critical: true, value: fromHex('03020780') }))).toBe(
      '300e0603551d0f0101ff040403020780',
    );
  });
});

// ------------------------------------------------------------------------------------------------
// Fuzz every parser: mutated valid values either parse or throw KysoError
// ------------------------------------------------------------------------------------------------

describe('parsers never throw untyped errors (property)', () => {
  const samples: [string, (v: Uint8Array) => unknown, Uint8Array][] = [
    ['basicConstraints', parseBasicConstraints, encodeBasicConstraints({ ca: true, pathLenConstraint: 3 })],
    ['keyUsage', parseKeyUsage, encodeKeyUsage(['digitalSignature', 'decipherOnly'])],
    ['extKeyUsage', parseExtKeyUsage, encodeExtKeyUsage([OID.timeStamping, OID.serverAuth])],
    ['ski', parseSubjectKeyIdentifier, encodeSubjectKeyIdentifier(fromHex('0102'))],
    [
      'aki',
      parseAuthorityKeyIdentifier,
      encodeAuthorityKeyIdentifier({
        keyIdentifier: fromHex('0102'),
        authorityCertIssuer: [{ type: 'directoryName', value: Name.parse('CN=A,C=VN') }],
        authorityCertSerialNumber: fromHex('05'),
      }),
    ],
    ['san', parseGeneralNamesExtension, encodeGeneralNamesExtension(ALL_NAMES)],
    [
      'cdp',
      parseCrlDistributionPoints,
      encodeCrlDistributionPoints([
        {
          distributionPoint: { fullName: [{ type: 'uri', value: 'http://a/c.crl' }] },
          reasons: ['keyCompromise'],
          cRLIssuer: [{ type: 'dns', value: 'a' }],
        },
        { distributionPoint: { nameRelativeToCRLIssuer: Name.parse('CN=p').der.subarray(2) } },
      ]),
    ],
    [
      'idp',
      parseIssuingDistributionPoint,
      encodeIssuingDistributionPoint({
        distributionPoint: { fullName: [{ type: 'uri', value: 'http://a' }] },
        onlyContainsUserCerts: true,
        onlySomeReasons: ['superseded'],
        indirectCRL: true,
      }),
    ],
    [
      'aia',
      parseInfoAccess,
      encodeInfoAccess([{ method: OID.ocsp, location: { type: 'uri', value: 'http://o' } }]),
    ],
    [
      'policies',
      parseCertificatePolicies,
      encodeCertificatePolicies([
        { oid: '1.2.3', cpsUri: 'https://c', userNotice: 'Thông báo' },
        { oid: '1.2.4' },
      ]),
    ],
    [
      'policyMappings',
      parsePolicyMappings,
      encodePolicyMappings([{ issuerDomainPolicy: '1.2.3', subjectDomainPolicy: '1.2.4' }]),
    ],
    [
      'policyConstraints',
      parsePolicyConstraints,
      encodePolicyConstraints({ requireExplicitPolicy: 1, inhibitPolicyMapping: 2 }),
    ],
    ['inhibitAnyPolicy', parseInhibitAnyPolicy, encodeInhibitAnyPolicy(1)],
    [
      'nameConstraints',
      parseNameConstraints,
      encodeNameConstraints({
        permittedSubtrees: [{ base: { type: 'ip', value: parseIp('10.0.0.0/8') }, minimum: 0 }],
        excludedSubtrees: [
          { base: { type: 'directoryName', value: Name.parse('O=X,C=VN') }, minimum: 0, maximum: 1 },
        ],
      }),
    ],
    ['crlReason', parseCrlReason, encodeCrlReason('superseded')],
    ['crlNumber', parseCrlNumber, encodeCrlNumber(99)],
    ['invalidityDate', parseGeneralizedTimeExt, encodeInvalidityDate(new Date('2025-01-01T00:00:00Z'))],
  ];

  it.each(samples)('%s', (_label, parse, good) => {
    parse(good); // the sample is valid
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }).map(({ at, xor }) => {
            const b = good.slice();
            b[at % b.length]! ^= xor;
            return b;
          }),
          fc.nat().map((n) => good.slice(0, n % good.length)),
          fc.integer({ min: 0, max: 255 }).map((v) => new Uint8Array([...good, v])),
          fc.uint8Array({ maxLength: 40 }),
        ),
        (bad) => {
          try {
            parse(bad);
          } catch (e) {
            if (!(e instanceof KysoError)) throw new Error(`untyped error ${String(e)}`);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

// ------------------------------------------------------------------------------------------------
// OpenSSL cross-checks
// ------------------------------------------------------------------------------------------------

describe.skipIf(!hasOpenssl)('OpenSSL reads kyso extensions', () => {
  let key: KeyPair;
  let signer: LocalSigner;
  let dir: string;
  beforeAll(async () => {
    key = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    signer = new LocalSigner(key);
    dir = tmpDir();
  });

  async function certText(extensions: Extension[]): Promise<string> {
    const cert = await buildCertificate({
      subject: 'CN=Kyso Ext Test,O=Kyso,C=VN',
      issuer: 'CN=Kyso Ext Test,O=Kyso,C=VN',
      publicKey: key.publicKeyInfo,
      signer,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2030-01-01T00:00:00Z'),
      extensions,
    });
    const f = path.join(dir, `c-${Math.random().toString(36).slice(2)}.pem`);
    writeFileSync(f, pemEncode('CERTIFICATE', cert.der));
    const r = openssl(['x509', '-in', f, '-noout', '-text', '-nameopt', 'RFC2253,-esc_msb'], { check: true });
    expect(r.stdout).not.toMatch(/error|Unable|<Parse/i);
    // OpenSSL's own re-encoding of the certificate is byte-identical (nothing it had to fix up).
    const der = openssl(['x509', '-in', f, '-outform', 'DER'], { check: true }).stdoutBuffer;
    expect(toHex(new Uint8Array(der))).toBe(toHex(cert.der));
    return r.stdout.replace(/\s+/g, ' ');
  }

  it('basic constraints, key usage with decipherOnly, EKU, SKI, AKI with issuer and serial', async () => {
    const t = await certText([
      {
        oid: OID.basicConstraints,
        critical: true,
        value: encodeBasicConstraints({ ca: true, pathLenConstraint: 2 }),
      },
      {
        oid: OID.keyUsage,
        critical: true,
        value: encodeKeyUsage(['digitalSignature', 'nonRepudiation', 'keyAgreement', 'decipherOnly']),
      },
      {
        oid: OID.extKeyUsage,
        critical: false,
        value: encodeExtKeyUsage([OID.timeStamping, OID.ocspSigning, OID.emailProtection]),
      },
      {
        oid: OID.subjectKeyIdentifier,
        critical: false,
        value: encodeSubjectKeyIdentifier(fromHex('0a0b0c')),
      },
      {
        oid: OID.authorityKeyIdentifier,
        critical: false,
        value: encodeAuthorityKeyIdentifier({
          keyIdentifier: fromHex('0a0b0c'),
          authorityCertIssuer: [{ type: 'directoryName', value: Name.parse('CN=Kyso Root,C=VN') }],
          authorityCertSerialNumber: fromHex('1234'),
        }),
      },
    ]);
    expect(t).toContain('X509v3 Basic Constraints: critical CA:TRUE, pathlen:2');
    expect(t).toContain(
      'X509v3 Key Usage: critical Digital Signature, Non Repudiation, Key Agreement, Decipher Only',
    );
    expect(t).toContain('X509v3 Extended Key Usage: Time Stamping, OCSP Signing, E-mail Protection');
    expect(t).toContain('X509v3 Subject Key Identifier: 0A:0B:0C');
    expect(t).toContain(
      'X509v3 Authority Key Identifier: keyid:0A:0B:0C DirName:/C=VN/CN=Kyso Root serial:12:34',
    );
  });

  it('subjectAltName with every printable type and issuerAltName', async () => {
    const t = await certText([
      { oid: OID.subjectAltName, critical: false, value: encodeGeneralNamesExtension(ALL_NAMES) },
      {
        oid: OID.issuerAltName,
        critical: false,
        value: encodeGeneralNamesExtension([{ type: 'uri', value: 'https://ca.kyso.vn' }]),
      },
    ]);
    expect(t).toContain('email:an@kyso.vn');
    expect(t).toContain('DNS:kyso.vn');
    // OpenSSL prints a DirName in its one-line form with UTF-8 bytes as \xHH.
    expect(t).toContain(
      'DirName:/C=VN/O=B\\xE1\\xBB\\x99 Y t\\xE1\\xBA\\xBF/CN=Nguy\\xE1\\xBB\\x85n V\\xC4\\x83n An/UID=CCCD:001234567890,',
    );
    expect(t).toContain('URI:https://kyso.vn/an');
    expect(t).toContain('IP Address:192.0.2.7');
    expect(t).toContain('IP Address:2001:DB8:0:0:0:0:0:7');
    expect(t).toContain('Registered ID:1.3.6.1.4.1.99999.2');
    expect(t).toContain('othername: UPN::an@kyso.vn');
    expect(t).toContain('X509v3 Issuer Alternative Name: URI:https://ca.kyso.vn');
  });

  it('CRL distribution points with reasons and cRLIssuer, freshest CRL, AIA', async () => {
    const t = await certText([
      {
        oid: OID.cRLDistributionPoints,
        critical: false,
        value: encodeCrlDistributionPoints([
          { distributionPoint: { fullName: [{ type: 'uri', value: 'http://ca.kyso.vn/a.crl' }] } },
          {
            distributionPoint: { fullName: [{ type: 'uri', value: 'http://ca.kyso.vn/b.crl' }] },
            reasons: ['keyCompromise', 'cACompromise', 'aACompromise'],
            cRLIssuer: [{ type: 'directoryName', value: Name.parse('CN=Kyso CRL,C=VN') }],
          },
          {
            distributionPoint: { nameRelativeToCRLIssuer: Name.parse('CN=part 1').der.subarray(2) },
            cRLIssuer: [{ type: 'directoryName', value: Name.parse('CN=Kyso CRL,C=VN') }],
          },
        ]),
      },
      {
        oid: OID.freshestCRL,
        critical: false,
        value: encodeCrlDistributionPoints([
          { distributionPoint: { fullName: [{ type: 'uri', value: 'http://ca.kyso.vn/delta.crl' }] } },
        ]),
      },
      {
        oid: OID.authorityInfoAccess,
        critical: false,
        value: encodeInfoAccess([
          { method: OID.ocsp, location: { type: 'uri', value: 'http://ocsp.kyso.vn' } },
          { method: OID.caIssuers, location: { type: 'uri', value: 'http://ca.kyso.vn/ca.crt' } },
        ]),
      },
    ]);
    expect(t).toContain('X509v3 CRL Distribution Points: Full Name: URI:http://ca.kyso.vn/a.crl');
    expect(t).toContain(
      'Full Name: URI:http://ca.kyso.vn/b.crl Reasons: Key Compromise, CA Compromise, AA Compromise CRL Issuer: DirName:C = VN, CN = Kyso CRL',
    );
    expect(t).toContain('Relative Name: CN = part 1 CRL Issuer: DirName:C = VN, CN = Kyso CRL');
    expect(t).toContain('X509v3 Freshest CRL: Full Name: URI:http://ca.kyso.vn/delta.crl');
    expect(t).toContain(
      'Authority Information Access: OCSP - URI:http://ocsp.kyso.vn CA Issuers - URI:http://ca.kyso.vn/ca.crt',
    );
  });

  it('certificate policies, policy mappings, policy constraints, inhibitAnyPolicy, name constraints', async () => {
    const t = await certText([
      {
        oid: OID.certificatePolicies,
        critical: false,
        value: encodeCertificatePolicies([
          {
            oid: '1.3.6.1.4.1.99999.1.1',
            cpsUri: 'https://ca.kyso.vn/cps',
            userNotice: 'Chứng thư thử nghiệm',
          },
          { oid: OID.anyPolicy },
        ]),
      },
      {
        oid: OID.policyMappings,
        critical: true,
        value: encodePolicyMappings([{ issuerDomainPolicy: '1.2.3.1', subjectDomainPolicy: '1.2.4.1' }]),
      },
      {
        oid: OID.policyConstraints,
        critical: true,
        value: encodePolicyConstraints({ requireExplicitPolicy: 0, inhibitPolicyMapping: 1 }),
      },
      { oid: OID.inhibitAnyPolicy, critical: true, value: encodeInhibitAnyPolicy(0) },
      {
        oid: OID.nameConstraints,
        critical: true,
        value: encodeNameConstraints({
          permittedSubtrees: [
            { base: { type: 'dns', value: '.kyso.vn' }, minimum: 0 },
            { base: { type: 'email', value: '.kyso.vn' }, minimum: 0 },
            { base: { type: 'ip', value: parseIp('192.168.0.0/16') }, minimum: 0 },
            { base: { type: 'ip', value: parseIp('2001:db8::/32') }, minimum: 0 },
            { base: { type: 'directoryName', value: Name.parse('O=Kyso,C=VN') }, minimum: 0 },
          ],
          excludedSubtrees: [{ base: { type: 'uri', value: 'evil.kyso.vn' }, minimum: 0 }],
        }),
      },
    ]);
    expect(t).toContain(
      'Policy: 1.3.6.1.4.1.99999.1.1 CPS: https://ca.kyso.vn/cps User Notice: Explicit Text: Chứng thư thử nghiệm',
    );
    expect(t).toContain('Policy: X509v3 Any Policy');
    expect(t).toContain('X509v3 Policy Mappings: critical 1.2.3.1:1.2.4.1');
    expect(t).toContain(
      'X509v3 Policy Constraints: critical Require Explicit Policy:0, Inhibit Policy Mapping:1',
    );
    expect(t).toContain('X509v3 Inhibit Any Policy: critical 0');
    expect(t).toContain(
      'X509v3 Name Constraints: critical Permitted: DNS:.kyso.vn email:.kyso.vn IP:192.168.0.0/255.255.0.0 IP:2001:DB8:0:0:0:0:0:0/FFFF:FFFF:0:0:0:0:0:0 DirName:C = VN, O = Kyso Excluded: URI:evil.kyso.vn',
    );
  });
});

describe.skipIf(!hasOpenssl)('kyso reads OpenSSL extensions byte-for-byte', () => {
  it('parses and re-encodes every extension of an OpenSSL-made certificate identically', () => {
    const dir = tmpDir();
    const keyFile = path.join(dir, 'k.pem');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile], {
      check: true,
    });
    const cnf = path.join(dir, 'ext.cnf');
    writeFileSync(
      cnf,
      [
        '[req]',
        'distinguished_name = dn',
        'x509_extensions = ext',
        'utf8 = yes',
        '[dn]',
        '[ext]',
        'basicConstraints = critical, CA:TRUE, pathlen:3',
        'keyUsage = critical, digitalSignature, keyCertSign, cRLSign, decipherOnly',
        'extendedKeyUsage = serverAuth, clientAuth, timeStamping, 1.3.6.1.4.1.99999.5',
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid:always',
        'subjectAltName = email:an@kyso.vn, DNS:kyso.vn, URI:https://kyso.vn, IP:10.1.2.3, IP:2001:db8::5, RID:1.2.3.4, dirName:dir_sect, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:an@kyso.vn',
        'issuerAltName = URI:https://ca.kyso.vn',
        'crlDistributionPoints = cdp1, cdp2',
        'authorityInfoAccess = OCSP;URI:http://ocsp.kyso.vn, caIssuers;URI:http://ca.kyso.vn/ca.crt',
        'certificatePolicies = @pol1, 2.5.29.32.0',
        'policyMappings = 1.2.3.1:1.2.4.1, 1.2.3.2:1.2.4.2',
        'policyConstraints = critical, requireExplicitPolicy:0, inhibitPolicyMapping:2',
        'inhibitAnyPolicy = critical, 1',
        'nameConstraints = critical, permitted;DNS:.kyso.vn, permitted;email:kyso.vn, permitted;IP:192.168.0.0/255.255.0.0, permitted;IP:2001:db8::/ffff:ffff::, permitted;dirName:nc_dir, excluded;URI:.evil.vn',
        '[dir_sect]',
        'C = VN',
        // OpenSSL reads dirName sections as Latin-1, so keep them ASCII.
        'O = Bo Y te',
        'CN = Nguyen Van An',
        '[nc_dir]',
        'C = VN',
        'O = Kyso',
        '[cdp1]',
        'fullname = URI:http://ca.kyso.vn/a.crl',
        'reasons = keyCompromise, CACompromise, AACompromise',
        'CRLissuer = dirName:crl_iss',
        '[cdp2]',
        'relativename = rel_sect',
        'CRLissuer = dirName:crl_iss',
        '[rel_sect]',
        'CN = partition 2',
        '[crl_iss]',
        'C = VN',
        'CN = Kyso CRL',
        '[pol1]',
        'policyIdentifier = 1.3.6.1.4.1.99999.1.1',
        'CPS.1 = https://ca.kyso.vn/cps',
        'userNotice.1 = @notice',
        '[notice]',
        'explicitText = UTF8:Chứng thư thử nghiệm',
        'organization = Kyso',
        'noticeNumbers = 1, 2',
      ].join('\n'),
    );
    const out = path.join(dir, 'c.der');
    openssl(
      [
        'req',
        '-new',
        '-x509',
        '-key',
        keyFile,
        '-subj',
        '/C=VN/O=Kyso/CN=Kyso OpenSSL',
        '-utf8',
        '-config',
        cnf,
        '-days',
        '30',
        '-outform',
        'DER',
        '-out',
        out,
      ],
      { check: true },
    );
    const c = Certificate.fromDer(new Uint8Array(readFileSync(out)));
    expect(c.basicConstraints).toEqual({ ca: true, pathLenConstraint: 3 });
    expect(c.keyUsage).toEqual(['digitalSignature', 'keyCertSign', 'cRLSign', 'decipherOnly']);
    expect(c.extKeyUsage).toEqual([OID.serverAuth, OID.clientAuth, OID.timeStamping, '1.3.6.1.4.1.99999.5']);
    expect(c.authorityKeyIdentifier?.keyIdentifier).toEqual(c.subjectKeyIdentifier);
    expect(c.subjectAltName?.map((g) => g.type)).toEqual([
      'email',
      'dns',
      'uri',
      'ip',
      'ip',
      'registeredId',
      'directoryName',
      'otherName',
    ]);
    expect((c.subjectAltName![6] as { value: Name }).value.toString()).toBe(
      'CN=Nguyen Van An,O=Bo Y te,C=VN',
    );
    expect(c.crlDistributionPoints?.[0]?.reasons).toEqual(['keyCompromise', 'cACompromise', 'aACompromise']);
    expect(c.crlDistributionPoints?.[1]?.distributionPoint?.nameRelativeToCRLIssuer).toBeDefined();
    expect(c.ocspUrls).toEqual(['http://ocsp.kyso.vn']);
    expect(c.certificatePolicies?.[0]?.qualifiers?.map((q) => q.cpsUri ?? q.explicitText)).toEqual([
      'https://ca.kyso.vn/cps',
      'Chứng thư thử nghiệm',
    ]);
    expect(c.policyMappings?.length).toBe(2);
    expect(c.policyConstraints).toEqual({ requireExplicitPolicy: 0, inhibitPolicyMapping: 2 });
    expect(c.inhibitAnyPolicy).toBe(1);
    expect(c.nameConstraints?.permittedSubtrees?.length).toBe(5);
    expect(c.nameConstraints?.excludedSubtrees?.[0]?.base).toEqual({ type: 'uri', value: '.evil.vn' });

    // Re-encoding what kyso parsed gives OpenSSL's exact bytes.
    const reencode: Record<string, (v: Uint8Array) => Uint8Array> = {
      [OID.basicConstraints]: (v) => encodeBasicConstraints(parseBasicConstraints(v)),
      [OID.keyUsage]: (v) => encodeKeyUsage(parseKeyUsage(v)),
      [OID.extKeyUsage]: (v) => encodeExtKeyUsage(parseExtKeyUsage(v)),
      [OID.subjectKeyIdentifier]: (v) => encodeSubjectKeyIdentifier(parseSubjectKeyIdentifier(v)),
      [OID.authorityKeyIdentifier]: (v) => encodeAuthorityKeyIdentifier(parseAuthorityKeyIdentifier(v)),
      [OID.subjectAltName]: (v) => encodeGeneralNamesExtension(parseGeneralNamesExtension(v)),
      [OID.issuerAltName]: (v) => encodeGeneralNamesExtension(parseGeneralNamesExtension(v)),
      [OID.cRLDistributionPoints]: (v) => encodeCrlDistributionPoints(parseCrlDistributionPoints(v)),
      [OID.authorityInfoAccess]: (v) => encodeInfoAccess(parseInfoAccess(v)),
      [OID.policyMappings]: (v) => encodePolicyMappings(parsePolicyMappings(v)),
      [OID.policyConstraints]: (v) => encodePolicyConstraints(parsePolicyConstraints(v)),
      [OID.inhibitAnyPolicy]: (v) => encodeInhibitAnyPolicy(parseInhibitAnyPolicy(v)),
      [OID.nameConstraints]: (v) => encodeNameConstraints(parseNameConstraints(v)),
    };
    let checked = 0;
    for (const e of c.extensions) {
      const f = reencode[e.oid];
      if (!f) continue;
      expect(toHex(f(e.value)), e.oid).toBe(toHex(e.value));
      checked++;
    }
    expect(checked).toBe(13);
    // Policies: kyso writes UTF8String notices without noticeRef, so compare the parsed model only.
    expect(
      parseCertificatePolicies(c.extension(OID.certificatePolicies)!.value).map((p) => p.policyIdentifier),
    ).toEqual(['1.3.6.1.4.1.99999.1.1', OID.anyPolicy]);
  });
});

describe('REASON_FLAGS', () => {
  it('has the RFC 5280 bit order', () => {
    expect(REASON_FLAGS.indexOf('keyCompromise')).toBe(1);
    expect(REASON_FLAGS.indexOf('aACompromise')).toBe(8);
  });
  it('bitString helper sanity', () => {
    expect(toHex(bitString(fromHex('80'), 7))).toBe('03020780');
    expect(toHex(bool(true))).toBe('0101ff');
  });
});
