import { describe, expect, it } from 'vitest';
import { fromHex } from '../src/bytes.js';
import {
  buildSignedAttributes,
  decodeContentTypeValue,
  decodeMessageDigestValue,
  decodeSigningTimeValue,
  encodeContentInfo,
  encodeSignedData,
  encodeSignerInfo,
  encodeSigningCertificateV1,
  encodeSigningCertificateV2,
  parseSignedData,
  parseSignedDataContentInfo,
  parseSigningCertificateV1,
  parseSigningCertificateV2,
  singleAttributeValue,
  cmsAlgorithmProtectionAttribute,
  parseCmsAlgorithmProtection,
  OID_RI_OCSP_RESPONSE,
} from '../src/cms/signed-data.js';
import { hashAlgorithmIdentifier } from '../src/crypto/hash.js';
import { encodeSignatureAlgorithm } from '../src/crypto/algorithms.js';
import { Name } from '../src/name.js';
import { OID } from '../src/oids.js';
import { isKysoError } from '../src/errors.js';
import { seq, integer, octetString } from '../src/der.js';

const issuer = Name.parse('CN=Test CA,O=kyso,C=VN');
const serial = fromHex('0102');

describe('signed attributes', () => {
  it('are DER-sorted and parse back', () => {
    const md = new Uint8Array(32).fill(7);
    const t = new Date('2025-01-02T03:04:05Z');
    const sc = encodeSigningCertificateV2([
      {
        hashAlgorithm: 'SHA-256',
        certHash: new Uint8Array(32).fill(1),
        issuerSerial: { issuer, serialNumber: serial },
      },
    ]);
    const sa = buildSignedAttributes({
      contentType: OID.data,
      messageDigest: md,
      signingTime: t,
      signingCertificateV2: sc,
    });
    expect(sa.der[0]).toBe(0x31);
    const sd = encodeSignedData({
      digestAlgorithmsDer: [hashAlgorithmIdentifier('SHA-256')],
      eContentType: OID.data,
      eContent: new Uint8Array([1, 2, 3]),
      signerInfos: [
        encodeSignerInfo({
          sid: { type: 'issuerAndSerialNumber', issuer, serialNumber: serial },
          digestAlgorithmDer: hashAlgorithmIdentifier('SHA-256'),
          signedAttrsDer: sa.der,
          signatureAlgorithmDer: encodeSignatureAlgorithm({ name: 'ECDSA', hash: 'SHA-256' }),
          signature: new Uint8Array([9, 9]),
        }),
      ],
    });
    const parsed = parseSignedDataContentInfo(encodeContentInfo(OID.signedData, sd));
    expect(parsed.version).toBe(1);
    expect(parsed.eContent).toEqual(new Uint8Array([1, 2, 3]));
    const si = parsed.signerInfos[0]!;
    expect(si.signedAttrsDer).toEqual(sa.der);
    expect(decodeContentTypeValue(singleAttributeValue(si.signedAttrs, OID.contentType)!)).toBe(OID.data);
    expect(decodeMessageDigestValue(singleAttributeValue(si.signedAttrs, OID.messageDigest)!)).toEqual(md);
    expect(decodeSigningTimeValue(singleAttributeValue(si.signedAttrs, OID.signingTime)!)).toEqual(t);
    const ess = parseSigningCertificateV2(singleAttributeValue(si.signedAttrs, OID.signingCertificateV2)!);
    expect(ess.certs[0]!.hashAlgorithm).toBe('SHA-256');
    expect(ess.certs[0]!.issuerSerial!.issuer.equals(issuer)).toBe(true);
    expect(ess.certs[0]!.issuerSerial!.serialNumber).toEqual(serial);
    // The attributes in the SignerInfo are in DER (sorted) order.
    const encs = si.signedAttrs!.map((a) => a.type);
    expect(encs).toHaveLength(4);
  });

  it('refuses duplicate attributes and SHA-1 in v2', () => {
    expect(() =>
      buildSignedAttributes({
        contentType: OID.data,
        messageDigest: new Uint8Array(32),
        extra: [{ type: OID.signingTime, values: [integer(1)] }],
        signingTime: new Date(),
      }),
    ).toThrow(/given twice/);
    expect(() =>
      encodeSigningCertificateV2([{ hashAlgorithm: 'SHA-1', certHash: new Uint8Array(20) }]),
    ).toThrow();
  });

  it('ESS v2 with SHA-512 carries the algorithm; v1 parses', () => {
    const v2 = parseSigningCertificateV2(
      encodeSigningCertificateV2([{ hashAlgorithm: 'SHA-512', certHash: new Uint8Array(64) }]),
    );
    expect(v2.certs[0]!.hashAlgorithm).toBe('SHA-512');
    const v1 = parseSigningCertificateV1(
      encodeSigningCertificateV1([
        { certHash: new Uint8Array(20), issuerSerial: { issuer, serialNumber: serial } },
      ]),
    );
    expect(v1.version).toBe(1);
    expect(v1.certs[0]!.hashAlgorithm).toBe('SHA-1');
  });

  it('CMSAlgorithmProtection round-trips', () => {
    const sig = encodeSignatureAlgorithm({ name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 });
    const a = cmsAlgorithmProtectionAttribute(hashAlgorithmIdentifier('SHA-256'), sig);
    const p = parseCmsAlgorithmProtection(a.values[0]!);
    expect(p.digestAlgorithm.oid).toBe(OID.sha256);
    expect(p.signatureAlgorithm!.der).toEqual(sig);
  });
});

describe('SignedData', () => {
  it('detached, with CRLs and OCSP other revocation info, version 5', () => {
    const sd = encodeSignedData({
      digestAlgorithmsDer: [hashAlgorithmIdentifier('SHA-256'), hashAlgorithmIdentifier('SHA-256')],
      eContentType: OID.data,
      crls: [seq(integer(1))],
      otherRevocationInfo: [{ format: OID_RI_OCSP_RESPONSE, info: seq(octetString(new Uint8Array(3))) }],
      signerInfos: [],
    });
    const p = parseSignedData(sd);
    expect(p.version).toBe(5);
    expect(p.eContent).toBeUndefined();
    expect(p.digestAlgorithms).toHaveLength(1);
    expect(p.crls).toHaveLength(1);
    expect(p.otherRevocationInfo[0]!.format).toBe(OID_RI_OCSP_RESPONSE);
  });

  it('rejects trailing data and wrong content type', () => {
    const sd = encodeSignedData({ digestAlgorithmsDer: [], eContentType: OID.data, signerInfos: [] });
    const ci = encodeContentInfo(OID.signedData, sd);
    const bad = new Uint8Array([...ci, 0]);
    expect(() => parseSignedDataContentInfo(bad)).toThrow();
    try {
      parseSignedDataContentInfo(encodeContentInfo(OID.data, octetString(new Uint8Array(1))));
      expect.unreachable();
    } catch (e) {
      expect(isKysoError(e, 'ASN1_SCHEMA')).toBe(true);
    }
  });
});
