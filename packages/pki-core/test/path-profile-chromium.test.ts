/**
 * The 'chromium' validation profile and the rules around it, each with a case that passes and one
 * that fails, against the strict default 'rfc5280' (and 'webpki' where it shares the rule):
 * - serial numbers: Certificate.fromDer tolerates a non-minimal serialNumber INTEGER (flagged) and
 *   nothing else non-minimal; 'rfc5280'/'webpki' report it, 'chromium' accepts it (and negative /
 *   zero / 21-octet serials); CRL and OCSP matching by value, never a different serial;
 * - a leaf with keyCertSign without cA; a critical Microsoft application-policies extension next
 *   to an EKU; id-RSASSA-PSS public keys (verifySignature option and path validation);
 * - `kyso verify chain --profile`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/framework.js';
import { verifyChainCommand } from '../src/cli/verify-chain.js';
import { Crl, issueCrl } from '../src/crl.js';
import { encodeSignatureAlgorithm, rsaPss } from '../src/crypto/algorithms.js';
import { type KeyPair, generateKeyPair, keyIdentifier, parsePublicKeyInfo } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import { verifySignature } from '../src/crypto/verify.js';
import {
  DerReader,
  Tag,
  bitString,
  bool,
  enumerated,
  explicit,
  integer,
  integerBytesEqual,
  minimalIntegerBytes,
  octetString,
  oid,
  seq,
  time,
  tlv,
} from '../src/der.js';
import { KysoError } from '../src/errors.js';
import { Name } from '../src/name.js';
import { createCertId } from '../src/ocsp/request.js';
import { buildBasicOcspResponse } from '../src/ocsp/response.js';
import { OID } from '../src/oids.js';
import { pemEncode } from '../src/pem.js';
import { type BuildOptions, buildAndValidatePath } from '../src/path/build.js';
import type { ValidationProfile } from '../src/path/profile.js';
import { verifyOptionsForProfile } from '../src/path/profile.js';
import { CertificatePool, TrustStore } from '../src/path/trust-store.js';
import { OID_MS_APPLICATION_POLICIES } from '../src/path/validate.js';
import { KysoRevocationChecker } from '../src/revocation/checker.js';
import { Certificate } from '../src/x509/certificate.js';
import {
  type Extension,
  type KeyUsage,
  encodeAuthorityKeyIdentifier,
  encodeBasicConstraints,
  encodeExtKeyUsage,
  encodeExtension,
  encodeKeyUsage,
  encodeSubjectKeyIdentifier,
} from '../src/x509/extensions.js';
import { buildCertificate } from '../src/x509/issue.js';
import { tmpDir } from './helpers/tools.js';

const T = new Date('2026-06-01T00:00:00Z');
const NB = new Date('2025-01-01T00:00:00Z');
const NA = new Date('2030-01-01T00:00:00Z');
const ROOT = 'CN=Profile Root,O=kyso,C=VN';
const ICA = 'CN=Profile CA,O=kyso,C=VN';
const LEAF = 'CN=leaf.kyso.test,O=kyso,C=VN';

let rootKey: KeyPair;
let leafKey: KeyPair;
let root: Certificate;

interface LeafSpec {
  /** Raw serialNumber INTEGER content (default 01 23). */
  serial?: Uint8Array;
  /** basicConstraints: absent (false, default for leaves), cA false, or cA true. */
  bc?: false | { ca: boolean };
  ku?: KeyUsage[];
  eku?: string[];
  extra?: Extension[];
  /** Leave out the default authorityKeyIdentifier (a test supplies its own). */
  noAki?: boolean;
  subject?: string;
  issuerName?: string;
  issuerKey?: KeyPair;
  /** SubjectPublicKeyInfo DER (default the leaf key's). */
  spki?: Uint8Array;
}

/**
 * A certificate assembled by hand (kyso's issuer refuses non-minimal or non-positive serials) and
 * signed for real with the issuer key (ECDSA P-256 / SHA-256 unless the issuer key is RSA).
 */
async function makeCertDer(s: LeafSpec): Promise<Uint8Array> {
  const issuerKey = s.issuerKey ?? rootKey;
  const spki = s.spki ?? leafKey.publicKeyInfo.der;
  const ext: Extension[] = [];
  if (s.bc) ext.push({ oid: OID.basicConstraints, critical: true, value: encodeBasicConstraints(s.bc) });
  ext.push({ oid: OID.keyUsage, critical: true, value: encodeKeyUsage(s.ku ?? ['digitalSignature']) });
  if (s.eku) ext.push({ oid: OID.extKeyUsage, critical: false, value: encodeExtKeyUsage(s.eku) });
  ext.push({
    oid: OID.subjectKeyIdentifier,
    critical: false,
    value: encodeSubjectKeyIdentifier(await keyIdentifier(parsePublicKeyInfo(spki))),
  });
  if (!s.noAki)
    ext.push({
      oid: OID.authorityKeyIdentifier,
      critical: false,
      value: encodeAuthorityKeyIdentifier({ keyIdentifier: await keyIdentifier(issuerKey.publicKeyInfo) }),
    });
  ext.push(...(s.extra ?? []));
  const signer = new LocalSigner(issuerKey);
  const alg = signer.algorithms[0]!;
  const algDer = encodeSignatureAlgorithm(alg);
  const tbs = seq(
    explicit(0, integer(2)),
    tlv(Tag.INTEGER, s.serial ?? Uint8Array.of(0x01, 0x23)),
    algDer,
    Name.from(s.issuerName ?? ROOT).der,
    seq(time(NB), time(NA)),
    Name.from(s.subject ?? LEAF).der,
    spki,
    explicit(3, seq(...ext.map(encodeExtension))),
  );
  return seq(tbs, algDer, bitString(await signer.sign(tbs, alg)));
}

async function makeCert(s: LeafSpec): Promise<Certificate> {
  return Certificate.fromDer(await makeCertDer(s));
}

async function rootCert(key: KeyPair, name = ROOT, spki?: Uint8Array, pss = false): Promise<Certificate> {
  const ski = await keyIdentifier(key.publicKeyInfo);
  return buildCertificate({
    subject: name,
    issuer: name,
    publicKey: spki ?? key.publicKeyInfo.der,
    signer: new LocalSigner(key),
    ...(pss ? { signatureAlgorithm: rsaPss('SHA-256') } : {}),
    notBefore: NB,
    notAfter: NA,
    extensions: [
      { oid: OID.basicConstraints, critical: true, value: encodeBasicConstraints({ ca: true }) },
      { oid: OID.keyUsage, critical: true, value: encodeKeyUsage(['keyCertSign', 'cRLSign']) },
      { oid: OID.subjectKeyIdentifier, critical: false, value: encodeSubjectKeyIdentifier(ski) },
    ],
  });
}

async function validate(
  leaf: Certificate,
  profile: ValidationProfile | undefined,
  extra: Partial<BuildOptions> & { anchor?: Certificate } = {},
) {
  const store = new TrustStore();
  store.add(extra.anchor ?? root, { enforce: 'key' });
  const { anchor: _a, ...rest } = extra;
  return buildAndValidatePath({
    leaf,
    trustStore: store,
    time: T,
    intermediates: new CertificatePool([]),
    ...(profile ? { profile } : {}),
    ...rest,
  });
}

beforeAll(async () => {
  rootKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  leafKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  root = await rootCert(rootKey);
});

describe('serial numbers: lenient parse, flagged, judged by the profile', () => {
  it('a non-minimal serial (00 05) parses, keeps its bytes and is flagged; a minimal one is not', async () => {
    const c = await makeCert({ serial: Uint8Array.of(0x00, 0x05) });
    expect(c.serialNumberNonMinimal).toBe(true);
    expect([...c.serialNumber]).toEqual([0x00, 0x05]);
    expect(c.serialHex).toBe('05');
    expect(c.serialBigInt).toBe(5n);
    const m = await makeCert({ serial: Uint8Array.of(0x00, 0x85) });
    expect(m.serialNumberNonMinimal).toBe(false);
    expect(m.serialHex).toBe('85');
    const neg = await makeCert({ serial: Uint8Array.of(0xff, 0xff, 0x85) });
    expect(neg.serialNumberNonMinimal).toBe(true);
    expect(neg.serialBigInt).toBe(-123n);
  });

  it('a non-minimal INTEGER anywhere else in the certificate is still refused (DER_MALFORMED)', async () => {
    const good = await makeCert({});
    const r = new DerReader(DerReader.single(good.tbs, Tag.SEQUENCE).value);
    const parts = r.readAll().map((e) => e.raw);
    const rebuild = (tbsParts: Uint8Array[]) =>
      seq(seq(...tbsParts), good.signatureAlgorithm, bitString(good.signatureValue));
    const refused = (der: Uint8Array) => {
      try {
        Certificate.fromDer(der);
      } catch (e) {
        expect(e).toBeInstanceOf(KysoError);
        return (e as KysoError).code;
      }
      return 'parsed';
    };
    // Sanity: the unmodified parts reassemble into a certificate that parses.
    expect(refused(rebuild(parts))).toBe('parsed');
    // version [0] INTEGER 00 02
    expect(refused(rebuild([explicit(0, tlv(Tag.INTEGER, Uint8Array.of(0, 2))), ...parts.slice(1)]))).toBe(
      'DER_MALFORMED',
    );
    // serial with a non-minimal LENGTH (02 81 02 00 05): only the INTEGER content is lenient.
    expect(
      refused(rebuild([parts[0]!, Uint8Array.of(0x02, 0x81, 0x02, 0x00, 0x05), ...parts.slice(2)])),
    ).toBe('DER_MALFORMED');
    // an empty serial INTEGER
    expect(refused(rebuild([parts[0]!, Uint8Array.of(0x02, 0x00), ...parts.slice(2)]))).toBe('DER_MALFORMED');
    // basicConstraints pathLenConstraint 00 01 and AKI authorityCertSerialNumber 00 07
    const withExt = async (e: Extension) =>
      refused(await makeCertDer({ extra: [e], noAki: e.oid === OID.authorityKeyIdentifier }));
    expect(
      await withExt({
        oid: OID.basicConstraints,
        critical: true,
        value: seq(bool(true), tlv(Tag.INTEGER, Uint8Array.of(0, 1))),
      }),
    ).toBe('DER_MALFORMED');
    expect(
      await withExt({
        oid: OID.authorityKeyIdentifier,
        critical: false,
        value: seq(
          tlv(0x80, Uint8Array.of(1, 2)),
          tlv(0xa1, tlv(0xa4, Name.from(ROOT).der)),
          tlv(0x82, Uint8Array.of(0, 7)),
        ),
      }),
    ).toBe('DER_MALFORMED');
    // The same extensions with minimal INTEGERs parse.
    expect(
      await withExt({ oid: OID.basicConstraints, critical: true, value: seq(bool(true), integer(1)) }),
    ).toBe('parsed');
    expect(
      await withExt({
        oid: OID.authorityKeyIdentifier,
        critical: false,
        value: seq(
          tlv(0x80, Uint8Array.of(1, 2)),
          tlv(0xa1, tlv(0xa4, Name.from(ROOT).der)),
          tlv(0x82, Uint8Array.of(7)),
        ),
      }),
    ).toBe('parsed');
  });

  it("'rfc5280' and 'webpki' refuse a non-minimal serial, 'chromium' accepts it", async () => {
    const c = await makeCert({ serial: Uint8Array.of(0x00, 0x05) });
    const strict = await validate(c, undefined);
    expect(strict.valid).toBe(false);
    expect(strict.reason).toBe('CERT_NONCONFORMANT');
    expect(strict.detail).toMatch(/not minimally encoded/);
    const web = await validate(c, 'webpki');
    expect(web.valid).toBe(false);
    expect(
      web.checks.some((k) => k.check === 'conformance' && /not minimally encoded/.test(k.detail ?? '')),
    ).toBe(true);
    const chromium = await validate(c, 'chromium');
    expect(chromium.valid, chromium.detail ?? '').toBe(true);
  });

  it("'chromium' also accepts negative, zero and 21-octet serials; 'rfc5280' does not", async () => {
    for (const serial of [Uint8Array.of(0x85), Uint8Array.of(0), new Uint8Array(21).fill(0x11)]) {
      const c = await makeCert({ serial });
      expect(c.serialNumberNonMinimal).toBe(false);
      expect((await validate(c, 'rfc5280')).reason).toBe('CERT_NONCONFORMANT');
      expect((await validate(c, 'chromium')).valid).toBe(true);
    }
  });

  it('serials compare by value: same value matches whatever the encoding, a different value never', () => {
    const b = (...x: number[]) => Uint8Array.from(x);
    expect(integerBytesEqual(b(0, 5), b(5))).toBe(true);
    expect(integerBytesEqual(b(0, 0, 5), b(0, 5))).toBe(true);
    expect(integerBytesEqual(b(0xff, 0x85), b(0x85))).toBe(true);
    expect(integerBytesEqual(b(0, 0x85), b(0x85))).toBe(false); // 133 vs -123
    expect(integerBytesEqual(b(0, 5), b(6))).toBe(false);
    expect(integerBytesEqual(b(5, 0), b(5))).toBe(false);
    expect(integerBytesEqual(b(1, 5), b(5))).toBe(false);
    expect([...minimalIntegerBytes(b(0, 0, 0x80))]).toEqual([0, 0x80]);
    expect([...minimalIntegerBytes(b(0xff, 0xff, 0x7f))]).toEqual([0xff, 0x7f]);
    expect([...minimalIntegerBytes(b(0))]).toEqual([0]);
  });

  it('a CRL entry for serial 5 revokes the certificate encoded 00 05, not 00 06 or 01 05', async () => {
    const crl = await issueCrl({
      issuer: root,
      signer: new LocalSigner(rootKey),
      thisUpdate: new Date('2026-05-01T00:00:00Z'),
      nextUpdate: new Date('2026-07-01T00:00:00Z'),
      crlNumber: 1,
      entries: [{ serial: 5n, revocationDate: new Date('2026-05-01T00:00:00Z') }],
    });
    const c5 = await makeCert({ serial: Uint8Array.of(0, 5) });
    expect(crl.isRevoked(c5)).toBeDefined();
    expect(crl.isRevoked(await makeCert({ serial: Uint8Array.of(0, 6) }))).toBeUndefined();
    expect(crl.isRevoked(await makeCert({ serial: Uint8Array.of(1, 5) }))).toBeUndefined();
    // Through the revocation checker as well.
    const checker = new KysoRevocationChecker({ mode: 'require' }, { crls: [crl.der] });
    const r = await checker.check(c5, root, { time: T, path: [c5, root], index: 0 });
    expect(r.status).toBe('revoked');
    // Issuing a CRL entry from such a certificate writes the minimal (DER) encoding.
    const crl2 = await issueCrl({
      issuer: root,
      signer: new LocalSigner(rootKey),
      thisUpdate: new Date('2026-05-01T00:00:00Z'),
      nextUpdate: new Date('2026-07-01T00:00:00Z'),
      crlNumber: 2,
      entries: [{ serial: c5, revocationDate: new Date('2026-05-01T00:00:00Z') }],
    });
    const reparsed = Crl.fromDer(crl2.der);
    expect([...reparsed.revoked[0]!.serialNumber]).toEqual([5]);
    expect(reparsed.isRevoked(c5)).toBeDefined();
  });

  it('OCSP: a CertID for 05 or 00 05 answers for the certificate encoded 00 05, never for 00 06', async () => {
    const c5 = await makeCert({ serial: Uint8Array.of(0, 5) });
    const c6 = await makeCert({ serial: Uint8Array.of(0, 6) });
    const response = async (serialNumber: Uint8Array) => {
      const basic = await buildBasicOcspResponse({
        signer: new LocalSigner(rootKey),
        responderCertificate: root,
        producedAt: new Date('2026-05-31T00:00:00Z'),
        responses: [
          {
            certId: await createCertId({ serialNumber }, root),
            certStatus: { status: 'revoked', revocationTime: new Date('2026-05-01T00:00:00Z') },
            thisUpdate: new Date('2026-05-31T00:00:00Z'),
            nextUpdate: new Date('2026-06-07T00:00:00Z'),
          },
        ],
      });
      return seq(enumerated(0), explicit(0, seq(oid(OID.ocspBasic), octetString(basic))));
    };
    const status = async (c: Certificate, der: Uint8Array) => {
      const checker = new KysoRevocationChecker({ mode: 'require' }, { ocspResponses: [der] });
      expect(checker.inputErrors).toEqual([]);
      const r = await checker.check(c, root, { time: T, path: [c, root], index: 0 });
      return r.status === 'unknown' ? r.reason : r.status;
    };
    const minimal = await response(Uint8Array.of(5));
    const asEncoded = await response(Uint8Array.of(0, 5));
    expect(await status(c5, minimal)).toBe('revoked');
    expect(await status(c5, asEncoded)).toBe('revoked');
    expect(await status(c6, minimal)).toBe('OCSP_NO_MATCHING_RESPONSE');
    expect(await status(c6, asEncoded)).toBe('OCSP_NO_MATCHING_RESPONSE');
    // The request repeats the certificate's serial as the certificate encodes it (as Chromium does).
    expect([...(await createCertId(c5, root)).serialNumber]).toEqual([0, 5]);
  });
});

describe("'chromium' profile rules", () => {
  it('a leaf with keyCertSign and no basicConstraints: refused by rfc5280, accepted by chromium', async () => {
    const leaf = await makeCert({ ku: ['digitalSignature', 'keyCertSign'] });
    const strict = await validate(leaf, 'rfc5280');
    expect(strict.reason).toBe('CERT_NONCONFORMANT');
    expect(strict.detail).toMatch(/keyCertSign asserted without basicConstraints cA/);
    expect((await validate(leaf, 'chromium')).valid).toBe(true);
    // cA false, keyCertSign (x509-limbo rfc5280::leaf-ku-keycertsign): the same two answers.
    const caFalse = await makeCert({ bc: { ca: false }, ku: ['digitalSignature', 'keyCertSign'] });
    expect((await validate(caFalse, 'rfc5280')).valid).toBe(false);
    expect((await validate(caFalse, 'chromium')).valid).toBe(true);
  });

  it('an intermediate with keyCertSign but no cA is still NOT_A_CA under chromium', async () => {
    const icaKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const ica = await makeCert({
      subject: ICA,
      spki: icaKey.publicKeyInfo.der,
      ku: ['keyCertSign', 'cRLSign'],
    });
    const leaf = await makeCert({ issuerName: ICA, issuerKey: icaKey });
    const r = await validate(leaf, 'chromium', { intermediates: new CertificatePool([ica]) });
    expect(r.valid).toBe(false);
    expect(r.reason).toBe('NOT_A_CA');
  });

  it('critical Microsoft application policies: consumed next to an EKU under chromium only', async () => {
    // SEQUENCE OF PolicyInformation { policyIdentifier serverAuth }, as Windows writes it.
    const msap: Extension = {
      oid: OID_MS_APPLICATION_POLICIES,
      critical: true,
      value: seq(seq(oid(OID.serverAuth))),
    };
    const withEku = await makeCert({ eku: [OID.serverAuth], extra: [msap] });
    const strict = await validate(withEku, 'rfc5280', { purpose: 'serverAuth' });
    expect(strict.reason).toBe('UNKNOWN_CRITICAL_EXTENSION');
    expect((await validate(withEku, 'chromium', { purpose: 'serverAuth' })).valid).toBe(true);
    // The EKU still decides the purpose.
    expect((await validate(withEku, 'chromium', { purpose: 'clientAuth' })).reason).toBe('EKU_MISMATCH');
    const noEku = await makeCert({ extra: [msap] });
    expect((await validate(noEku, 'chromium', { purpose: 'serverAuth' })).reason).toBe(
      'UNKNOWN_CRITICAL_EXTENSION',
    );
    // Another unknown critical extension next to an EKU is still refused.
    const other = await makeCert({
      eku: [OID.serverAuth],
      extra: [{ oid: '1.3.6.1.4.1.311.21.7', critical: true, value: seq() }],
    });
    expect((await validate(other, 'chromium')).reason).toBe('UNKNOWN_CRITICAL_EXTENSION');
  });
});

describe('id-RSASSA-PSS public keys', () => {
  let rsa: KeyPair;
  let pssSpki: Uint8Array;
  beforeAll(async () => {
    rsa = await generateKeyPair({ type: 'RSA', modulusLength: 2048 });
    // The same RSA key as an RFC 4055 id-RSASSA-PSS SubjectPublicKeyInfo (parameters absent).
    pssSpki = seq(
      seq(oid(OID.rsassaPss)),
      tlv(Tag.BIT_STRING, new Uint8Array([0, ...rsa.publicKeyInfo.publicKey])),
    );
    expect(parsePublicKeyInfo(pssSpki).algorithmOid).toBe(OID.rsassaPss);
  });

  it('verifySignature: accepted by default, refused with rsaEncryptionKeysOnly (webpki, chromium)', async () => {
    const data = new TextEncoder().encode('kyso');
    const alg = rsaPss('SHA-256');
    const sig = await new LocalSigner(rsa).sign(data, alg);
    const key = parsePublicKeyInfo(pssSpki);
    expect(await verifySignature(key, alg, data, sig)).toBe(true);
    expect(await verifySignature(key, alg, data, sig, verifyOptionsForProfile('rfc5280'))).toBe(true);
    for (const p of ['webpki', 'chromium'] as const) {
      await expect(verifySignature(key, alg, data, sig, verifyOptionsForProfile(p))).rejects.toMatchObject({
        code: 'UNSUPPORTED_ALGORITHM',
      });
      // The rsaEncryption form of the same key still verifies.
      expect(await verifySignature(rsa.publicKeyInfo, alg, data, sig, verifyOptionsForProfile(p))).toBe(true);
    }
  });

  it('a leaf with an id-RSASSA-PSS key: valid under rfc5280, refused under chromium and webpki', async () => {
    const leaf = await makeCert({ spki: pssSpki });
    expect((await validate(leaf, 'rfc5280')).valid).toBe(true);
    const c = await validate(leaf, 'chromium');
    expect(c.reason).toBe('UNSUPPORTED_ALGORITHM');
    expect(c.detail).toMatch(/id-RSASSA-PSS/);
    const w = await validate(leaf, 'webpki');
    expect(w.valid).toBe(false);
    expect(w.checks.some((k) => k.check === 'algorithm' && /id-RSASSA-PSS/.test(k.detail ?? ''))).toBe(true);
  });

  it('a key-only anchor with an id-RSASSA-PSS key: valid under rfc5280, refused under chromium', async () => {
    const pssRoot = await rootCert(rsa, 'CN=PSS Root,C=VN', pssSpki, true);
    expect(pssRoot.publicKeyAlgorithmOid).toBe(OID.rsassaPss);
    const leaf = await buildCertificate({
      subject: LEAF,
      issuer: 'CN=PSS Root,C=VN',
      publicKey: leafKey.publicKeyInfo,
      signer: new LocalSigner(rsa),
      signatureAlgorithm: rsaPss('SHA-256'),
      notBefore: NB,
      notAfter: NA,
      extensions: [
        { oid: OID.keyUsage, critical: true, value: encodeKeyUsage(['digitalSignature']) },
        {
          oid: OID.authorityKeyIdentifier,
          critical: false,
          value: encodeAuthorityKeyIdentifier({ keyIdentifier: await keyIdentifier(rsa.publicKeyInfo) }),
        },
      ],
    });
    const ok = await validate(leaf, 'rfc5280', { anchor: pssRoot });
    expect(ok.valid, ok.detail ?? '').toBe(true);
    const refused = await validate(leaf, 'chromium', { anchor: pssRoot });
    expect(refused.reason).toBe('UNSUPPORTED_ALGORITHM');
    expect(refused.checks.find((k) => k.reason === 'UNSUPPORTED_ALGORITHM')?.certIndex).toBe(1);
  });
});

describe('kyso verify chain --profile', () => {
  it('rfc5280 (default) | webpki | chromium; anything else is a usage error', async () => {
    const dir = tmpDir();
    const write = (n: string, c: Certificate) => {
      const f = path.join(dir, `${n}.pem`);
      fs.writeFileSync(f, pemEncode('CERTIFICATE', c.der));
      return f;
    };
    const rootF = write('root', root);
    const leafF = write('leaf', await makeCert({ ku: ['digitalSignature', 'keyCertSign'] }));
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    const run = (...extra: string[]) =>
      runCli(
        [verifyChainCommand],
        ['verify', 'chain', leafF, '--trust', rootF, '--at', T.toISOString(), ...extra],
        io,
      );
    expect(await run()).toBe(1);
    expect(await run('--profile', 'rfc5280')).toBe(1);
    out.length = 0;
    expect(await run('--profile', 'chromium', '--json')).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ valid: true, profile: 'chromium' });
    out.length = 0;
    expect(await run('--profile', 'bogus')).toBe(2);
    expect(out.join('\n')).toMatch(/rfc5280, webpki, chromium/);
  });
});
