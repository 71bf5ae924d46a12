/**
 * X.509 v3 certificate parsing (RFC 5280 §4.1), strict DER with one deliberate exception: a
 * non-minimal serialNumber INTEGER is accepted and flagged (see `serialNumber`). The parsed model keeps the raw
 * encodings that signatures cover (`tbs`, `der`), and the typed extensions validation needs.
 */
import { bytesToBigint, toHex } from '../bytes.js';
import {
  type DerElement,
  DerReader,
  Tag,
  ctxTag,
  decodeGeneralizedTime,
  decodeUtcTime,
  isMinimalInteger,
  serialHex,
} from '../der.js';
import { KysoError } from '../errors.js';
import { Name } from '../name.js';
import { OID } from '../oids.js';
import { derOrPem } from '../pem.js';
import { formatGeneralName, type GeneralName } from './general-name.js';
import {
  type AccessDescription,
  type AuthorityKeyIdentifier,
  type BasicConstraints,
  type DistributionPoint,
  type Extension,
  type KeyUsage,
  type NameConstraints,
  type PolicyConstraints,
  type PolicyInformation,
  type PolicyMapping,
  parseAuthorityKeyIdentifier,
  parseBasicConstraints,
  parseCertificatePolicies,
  parseCrlDistributionPoints,
  parseExtKeyUsage,
  parseGeneralNamesExtension,
  parseInfoAccess,
  parseInhibitAnyPolicy,
  parseKeyUsage,
  parseNameConstraints,
  parseNull,
  parsePolicyConstraints,
  parsePolicyMappings,
  parseSubjectKeyIdentifier,
} from './extensions.js';

/** Certificates larger than this are refused (real ones are a few KiB). */
export const MAX_CERTIFICATE_SIZE = 1024 * 1024;
/** Cap on extensions per certificate. */
export const MAX_EXTENSIONS = 64;

/** Extensions this implementation understands (others, if critical, fail validation). */
export const KNOWN_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.subjectAltName,
  OID.issuerAltName,
  OID.cRLDistributionPoints,
  OID.freshestCRL,
  OID.authorityInfoAccess,
  OID.subjectInfoAccess,
  OID.certificatePolicies,
  OID.policyMappings,
  OID.policyConstraints,
  OID.inhibitAnyPolicy,
  OID.nameConstraints,
  OID.ocspNoCheck,
]);

/**
 * A parsed X.509 certificate (RFC 5280), strict DER: the fields, the extensions kyso understands and the raw
 * DER. Immutable.
 */
export class Certificate {
  /** Complete DER encoding. */
  readonly der: Uint8Array;
  /** DER of tbsCertificate (what the issuer signed). */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  /**
   * Serial number INTEGER content bytes (two's complement), exactly as encoded. The serial is the
   * one field parsed leniently: a non-minimal encoding (e.g. 00 05) is accepted and flagged in
   * `serialNumberNonMinimal` (RFC 5280 §4.1.2.2 asks certificate users to handle non-conforming
   * serials gracefully); the validation profiles decide whether such a certificate is usable
   * ('rfc5280' and 'webpki' report it, 'chromium' accepts it). Compare serials by value
   * (`integerBytesEqual` in der.ts), never by these bytes.
   */
  readonly serialNumber: Uint8Array;
  /** The serialNumber INTEGER is not minimally encoded (not DER; X.690 §8.3.2). */
  readonly serialNumberNonMinimal: boolean;
  /** DER of the tbsCertificate.signature AlgorithmIdentifier. */
  readonly tbsSignatureAlgorithm: Uint8Array;
  /** DER of the outer signatureAlgorithm (byte-equal to the TBS one, enforced at parse). */
  readonly signatureAlgorithm: Uint8Array;
  /** OID of the signature algorithm. */
  readonly signatureAlgorithmOid: string;
  /** The issuer distinguished name (RFC 5280 §4.1.2.4). */
  readonly issuer: Name;
  /** The subject distinguished name (RFC 5280 §4.1.2.6); empty when the identity is in subjectAltName. */
  readonly subject: Name;
  /** Start of the validity period (RFC 5280 §4.1.2.5), inclusive. */
  readonly notBefore: Date;
  /** End of the validity period (RFC 5280 §4.1.2.5), inclusive. */
  readonly notAfter: Date;
  /** DER of SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** OID of the public key algorithm. */
  readonly publicKeyAlgorithmOid: string;
  /** signatureValue bit string content (no unused-bits octet). */
  readonly signatureValue: Uint8Array;
  /** Every extension, in certificate order (no duplicates: a duplicate is refused at parse). */
  readonly extensions: readonly Extension[];
  /** issuerUniqueID (RFC 5280 §4.1.2.8), bit string content; deprecated, rarely present. */
  readonly issuerUniqueId?: Uint8Array;
  /** subjectUniqueID (RFC 5280 §4.1.2.8), bit string content; deprecated, rarely present. */
  readonly subjectUniqueId?: Uint8Array;

  // Typed extensions (undefined when absent).
  /** basicConstraints (RFC 5280 §4.2.1.9): cA and pathLenConstraint. */
  readonly basicConstraints?: BasicConstraints;
  /** keyUsage bits set (RFC 5280 §4.2.1.3), by name. */
  readonly keyUsage?: KeyUsage[];
  /** extKeyUsage purpose OIDs (RFC 5280 §4.2.1.12). */
  readonly extKeyUsage?: string[];
  /** subjectKeyIdentifier (RFC 5280 §4.2.1.2). */
  readonly subjectKeyIdentifier?: Uint8Array;
  /** authorityKeyIdentifier (RFC 5280 §4.2.1.1): which issuer key signed it. */
  readonly authorityKeyIdentifier?: AuthorityKeyIdentifier;
  /** subjectAltName (RFC 5280 §4.2.1.6). */
  readonly subjectAltName?: GeneralName[];
  /** issuerAltName (RFC 5280 §4.2.1.7). */
  readonly issuerAltName?: GeneralName[];
  /** cRLDistributionPoints (RFC 5280 §4.2.1.13): where its CRLs are. */
  readonly crlDistributionPoints?: DistributionPoint[];
  /** freshestCRL (RFC 5280 §4.2.1.15): where the delta CRLs are. */
  readonly freshestCrl?: DistributionPoint[];
  /** authorityInfoAccess (RFC 5280 §4.2.2.1): OCSP responders and caIssuers URLs. */
  readonly authorityInfoAccess?: AccessDescription[];
  /** subjectInfoAccess (RFC 5280 §4.2.2.2). */
  readonly subjectInfoAccess?: AccessDescription[];
  /** certificatePolicies (RFC 5280 §4.2.1.4). */
  readonly certificatePolicies?: PolicyInformation[];
  /** policyMappings (RFC 5280 §4.2.1.5), in CA certificates. */
  readonly policyMappings?: PolicyMapping[];
  /** policyConstraints (RFC 5280 §4.2.1.11), in CA certificates. */
  readonly policyConstraints?: PolicyConstraints;
  /** inhibitAnyPolicy SkipCerts (RFC 5280 §4.2.1.14), in CA certificates. */
  readonly inhibitAnyPolicy?: number;
  /** nameConstraints (RFC 5280 §4.2.1.10), in CA certificates. */
  readonly nameConstraints?: NameConstraints;
  /**
   * id-pkix-ocsp-nocheck present (RFC 6960 §4.2.2.2.1): a delegated OCSP responder's own status need
   * not be checked.
   */
  readonly ocspNoCheck: boolean;

  private constructor(der: Uint8Array) {
    if (der.length > MAX_CERTIFICATE_SIZE) throw new KysoError('INPUT_TOO_LARGE', 'certificate too large');
    const top = new DerReader(der);
    const cert = top.enter(Tag.SEQUENCE);
    top.finish('trailing data after certificate');
    this.der = der;

    const tbsEl = cert.read(Tag.SEQUENCE);
    this.tbs = tbsEl.raw;
    const sigAlg = cert.read(Tag.SEQUENCE);
    this.signatureAlgorithm = sigAlg.raw;
    const sig = cert.readBitString();
    if (sig.unusedBits !== 0) throw new KysoError('CERT_INVALID', 'signatureValue has unused bits');
    this.signatureValue = sig.bytes;
    cert.finish('trailing data in certificate');

    const t = new DerReader(tbsEl.value, tbsEl.offset + tbsEl.raw.length - tbsEl.value.length);
    let version = 1;
    const v = t.enterOptional(ctxTag(0, true));
    if (v) {
      const n = v.readInteger();
      v.finish();
      if (n === 0n) throw new KysoError('DER_MALFORMED', 'version v1 must not be encoded explicitly');
      if (n !== 1n && n !== 2n)
        throw new KysoError('CERT_INVALID', `unsupported certificate version ${n + 1n}`);
      version = Number(n) + 1;
    }
    this.version = version;
    this.serialNumber = t.readSerialNumberBytes();
    this.serialNumberNonMinimal = !isMinimalInteger(this.serialNumber);
    const tbsSig = t.read(Tag.SEQUENCE);
    this.tbsSignatureAlgorithm = tbsSig.raw;
    if (toHex(tbsSig.raw) !== toHex(sigAlg.raw)) {
      throw new KysoError('CERT_INVALID', 'signatureAlgorithm differs from tbsCertificate.signature');
    }
    this.signatureAlgorithmOid = new DerReader(tbsSig.value).readOid();
    this.issuer = Name.fromDer(t.read(Tag.SEQUENCE));
    const validity = t.enter(Tag.SEQUENCE);
    this.notBefore = readCertTime(validity);
    this.notAfter = readCertTime(validity);
    validity.finish();
    this.subject = Name.fromDer(t.read(Tag.SEQUENCE));
    const spki = t.read(Tag.SEQUENCE);
    this.spki = spki.raw;
    const spkiR = new DerReader(spki.value);
    this.publicKeyAlgorithmOid = spkiR.enter(Tag.SEQUENCE).readOid();
    spkiR.readBitString();
    spkiR.finish();

    const iuid = t.readOptional(ctxTag(1, false));
    const suid = t.readOptional(ctxTag(2, false));
    if ((iuid || suid) && version < 2)
      throw new KysoError('CERT_INVALID', 'unique identifiers need v2 or v3');
    if (iuid) this.issuerUniqueId = iuid.value;
    if (suid) this.subjectUniqueId = suid.value;

    const exts: Extension[] = [];
    const extsWrap = t.enterOptional(ctxTag(3, true));
    if (extsWrap) {
      if (version !== 3) throw new KysoError('CERT_INVALID', 'extensions need a v3 certificate');
      const list = extsWrap.enter(Tag.SEQUENCE);
      extsWrap.finish();
      exts.push(...parseExtensionList(list));
      if (exts.length === 0) throw new KysoError('CERT_INVALID', 'empty extensions');
    }
    t.finish('trailing data in tbsCertificate');
    this.extensions = exts;

    let ocspNoCheck = false;
    for (const e of exts) {
      try {
        switch (e.oid) {
          case OID.basicConstraints:
            this.basicConstraints = parseBasicConstraints(e.value);
            break;
          case OID.keyUsage:
            this.keyUsage = parseKeyUsage(e.value);
            break;
          case OID.extKeyUsage:
            this.extKeyUsage = parseExtKeyUsage(e.value);
            break;
          case OID.subjectKeyIdentifier:
            this.subjectKeyIdentifier = parseSubjectKeyIdentifier(e.value);
            break;
          case OID.authorityKeyIdentifier:
            this.authorityKeyIdentifier = parseAuthorityKeyIdentifier(e.value);
            break;
          case OID.subjectAltName:
            this.subjectAltName = parseGeneralNamesExtension(e.value);
            break;
          case OID.issuerAltName:
            this.issuerAltName = parseGeneralNamesExtension(e.value);
            break;
          case OID.cRLDistributionPoints:
            this.crlDistributionPoints = parseCrlDistributionPoints(e.value);
            break;
          case OID.freshestCRL:
            this.freshestCrl = parseCrlDistributionPoints(e.value);
            break;
          case OID.authorityInfoAccess:
            this.authorityInfoAccess = parseInfoAccess(e.value);
            break;
          case OID.subjectInfoAccess:
            this.subjectInfoAccess = parseInfoAccess(e.value);
            break;
          case OID.certificatePolicies:
            this.certificatePolicies = parseCertificatePolicies(e.value);
            break;
          case OID.policyMappings:
            this.policyMappings = parsePolicyMappings(e.value);
            break;
          case OID.policyConstraints:
            this.policyConstraints = parsePolicyConstraints(e.value);
            break;
          case OID.inhibitAnyPolicy:
            this.inhibitAnyPolicy = parseInhibitAnyPolicy(e.value);
            break;
          case OID.nameConstraints:
            this.nameConstraints = parseNameConstraints(e.value);
            break;
          case OID.ocspNoCheck:
            ocspNoCheck = parseNull(e.value);
            break;
        }
      } catch (err) {
        if (err instanceof KysoError) {
          throw new KysoError(
            err.code,
            `extension ${e.oid}: ${err.message}`,
            { extension: e.oid },
            { cause: err },
          );
        }
        throw err;
      }
    }
    this.ocspNoCheck = ocspNoCheck;
  }

  /** Parses one certificate from DER or PEM ("CERTIFICATE"). */
  static parse(data: Uint8Array | string): Certificate {
    const ders = derOrPem(data, 'CERTIFICATE');
    return new Certificate(ders[0]!);
  }

  /**
   * Parses one DER certificate strictly (RFC 5280 §4.1, X.690 DER); throws KysoError `DER_MALFORMED`,
   * `ASN1_SCHEMA` or `CERT_INVALID`, `INPUT_TOO_LARGE` past `MAX_CERTIFICATE_SIZE`.
   */
  static fromDer(der: Uint8Array): Certificate {
    return new Certificate(der);
  }

  /** Parses every certificate in a PEM bundle (or one DER). */
  static parseAll(data: Uint8Array | string): Certificate[] {
    return derOrPem(data, 'CERTIFICATE').map((d) => new Certificate(d));
  }

  /**
   * Serial number as lowercase hex of its minimal INTEGER encoding, a sign-padding 00 stripped
   * (the form `openssl` prints); a non-minimal encoding gives the same text as the minimal one.
   */
  get serialHex(): string {
    return serialHex(this.serialNumber);
  }

  /** The serial number's value (two's complement: a non-conforming negative serial stays negative). */
  get serialBigInt(): bigint {
    const s = this.serialNumber;
    const u = bytesToBigint(s);
    return s[0]! & 0x80 ? u - (1n << BigInt(s.length * 8)) : u;
  }

  /**
   * Whether subject and issuer are the same name (RFC 5280 §6.1: self-issued; not necessarily self-signed).
   */
  get isSelfIssued(): boolean {
    return this.subject.equals(this.issuer);
  }

  /** Whether basicConstraints says cA (RFC 5280 §4.2.1.9). */
  get isCA(): boolean {
    return this.basicConstraints?.ca === true;
  }

  /** The extension with that OID, if present. */
  extension(oid: string): Extension | undefined {
    return this.extensions.find((e) => e.oid === oid);
  }

  /** Critical extensions not understood by kyso (RFC 5280: such certificates must be rejected). */
  get unknownCriticalExtensions(): string[] {
    return this.extensions.filter((e) => e.critical && !KNOWN_EXTENSIONS.has(e.oid)).map((e) => e.oid);
  }

  /** OCSP responder URLs from AIA. */
  get ocspUrls(): string[] {
    return (this.authorityInfoAccess ?? [])
      .filter((a) => a.method === OID.ocsp && a.location.type === 'uri')
      .map((a) => (a.location as { value: string }).value);
  }

  /** caIssuers URLs from AIA. */
  get caIssuersUrls(): string[] {
    return (this.authorityInfoAccess ?? [])
      .filter((a) => a.method === OID.caIssuers && a.location.type === 'uri')
      .map((a) => (a.location as { value: string }).value);
  }

  /** CRL URLs from the CRL distribution points. */
  get crlUrls(): string[] {
    return (this.crlDistributionPoints ?? []).flatMap((dp) =>
      (dp.distributionPoint?.fullName ?? [])
        .filter((g) => g.type === 'uri')
        .map((g) => (g as { value: string }).value),
    );
  }

  /** Time validity check (inclusive bounds, RFC 5280 §4.1.2.5). */
  isValidAt(t: Date): boolean {
    return t.getTime() >= this.notBefore.getTime() && t.getTime() <= this.notAfter.getTime();
  }

  /** SHA-256 fingerprint, hex. */
  async fingerprint(hash: 'SHA-256' | 'SHA-1' = 'SHA-256'): Promise<string> {
    const d = await globalThis.crypto.subtle.digest(hash, this.der as Uint8Array<ArrayBuffer>);
    return toHex(new Uint8Array(d));
  }

  /** A one-line summary (subject, issuer, serial), for logs. */
  toString(): string {
    return `Certificate(subject=${this.subject}, issuer=${this.issuer}, serial=${this.serialHex})`;
  }

  /** A JSON-friendly summary (names, serial, validity, subjectAltName). */
  toJSON(): Record<string, unknown> {
    return {
      subject: this.subject.toString(),
      issuer: this.issuer.toString(),
      serialNumber: this.serialHex,
      notBefore: this.notBefore.toISOString(),
      notAfter: this.notAfter.toISOString(),
      subjectAltName: this.subjectAltName?.map(formatGeneralName),
    };
  }
}

/** Parses an Extensions SEQUENCE: strict, no duplicates, bounded. */
export function parseExtensionList(list: DerReader): Extension[] {
  const exts: Extension[] = [];
  const seen = new Set<string>();
  while (!list.done) {
    if (exts.length >= MAX_EXTENSIONS) throw new KysoError('INPUT_TOO_LARGE', 'too many extensions');
    const e = list.enter(Tag.SEQUENCE);
    const oid = e.readOid();
    let critical = false;
    if (e.peekTag() === Tag.BOOLEAN) {
      critical = e.readBoolean();
      if (!critical)
        throw new KysoError('DER_MALFORMED', `extension ${oid}: critical FALSE must be omitted in DER`);
    }
    const value = e.readOctetString();
    e.finish();
    if (seen.has(oid)) throw new KysoError('CERT_INVALID', `duplicate extension ${oid}`);
    seen.add(oid);
    exts.push({ oid, critical, value });
  }
  return exts;
}

/** Validity time: UTCTime for 1950-2049, GeneralizedTime (no fraction) otherwise (RFC 5280 §4.1.2.5). */
export function readCertTime(r: DerReader): Date {
  const t = r.peekTag();
  if (t === Tag.UTC_TIME) return decodeUtcTime(r.read());
  if (t === Tag.GENERALIZED_TIME) {
    const el: DerElement = r.read();
    const d = decodeGeneralizedTime(el, false);
    return d;
  }
  throw new KysoError('ASN1_SCHEMA', 'expected UTCTime or GeneralizedTime');
}
