/**
 * Certificate and CRL extensions (RFC 5280 §4.2, §5.2, §5.3): typed models, strict parsers and
 * DER encoders. Parsers take the extnValue octets; encoders return them.
 */
import { utf8Decode } from '../bytes.js';
import {
  type BitString,
  DerReader,
  Tag,
  bitStringToFlags,
  checkInteger,
  bool,
  ctxTag,
  decodeString,
  enumerated,
  flagsToBitString,
  ia5String,
  implicit,
  integer,
  integerFromUnsigned,
  octetString,
  oid,
  seq,
  tlv,
  utf8String,
  contextConstructed,
  generalizedTime,
} from '../der.js';
import * as DerBits from '../der.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { Name } from '../name.js';
import { type GeneralName, encodeGeneralName, parseGeneralName, parseGeneralNames } from './general-name.js';

/** One certificate, CRL or OCSP extension (RFC 5280 §4.1): OID, criticality and the DER of its value. */
export interface Extension {
  /** The extension's OID (extnID). */
  oid: string;
  /**
   * Whether it is critical: a certificate user that does not understand it must reject the certificate
   * (RFC 5280 §4.2).
   */
  critical: boolean;
  /** extnValue contents (the DER of the extension's own value). */
  value: Uint8Array;
}

/** Cap on list sizes inside extensions (policies, subtrees, distribution points...). */
export const MAX_EXTENSION_ITEMS = 512;

/**
 * Cap on permitted or excluded subtrees in one NameConstraints. Larger than MAX_EXTENSION_ITEMS:
 * real constrained CAs list hundreds; the work of checking names against them is bounded
 * separately (path/name-constraints.ts, path/budget.ts).
 */
export const MAX_NAME_CONSTRAINT_SUBTREES = 4096;

function bounded<T>(arr: T[]): T[] {
  if (arr.length > MAX_EXTENSION_ITEMS) throw new KysoError('INPUT_TOO_LARGE', 'too many items in extension');
  return arr;
}

function reader(value: Uint8Array): DerReader {
  return new DerReader(value);
}

/** Parses a value that must be exactly one element of `tag`, returning a reader over its content. */
function single(value: Uint8Array, tag: number = Tag.SEQUENCE): DerReader {
  const r = reader(value);
  const inner = r.enter(tag);
  r.finish('trailing data in extension');
  return inner;
}

/** Encodes an Extension SEQUENCE (criticality omitted when false, as DER requires). */
export function encodeExtension(e: Extension): Uint8Array {
  return seq(oid(e.oid), e.critical ? bool(true) : undefined, octetString(e.value));
}

/**
 * Named-bit list (KeyUsage, ReasonFlags): DER removes trailing zero bits (X.690 §11.2.2), so the
 * last bit of a non-empty value must be set.
 */
function namedBits(bs: BitString, what: string): number[] {
  if (bs.bytes.length > 0 && !(bs.bytes[bs.bytes.length - 1]! & (1 << bs.unusedBits))) {
    throw new KysoError('DER_MALFORMED', `${what}: trailing zero bits in a named bit list are not DER`);
  }
  return bitStringToFlags(bs);
}

/** A small non-negative INTEGER (SkipCerts, BaseDistance, pathLenConstraint...). */
function smallUint(
  el: { value: Uint8Array; raw: Uint8Array; offset: number; tag: number },
  what: string,
): number {
  const n = DerBits.decodeInteger({ ...el, tag: Tag.INTEGER });
  if (n < 0n || n > 0xffffn) throw new KysoError('CERT_INVALID', `${what} out of range`);
  return Number(n);
}

// --- Basic constraints ------------------------------------------------------------------------

/** basicConstraints (RFC 5280 §4.2.1.9): whether the subject is a CA, and its path length limit. */
export interface BasicConstraints {
  /** cA: the subject is a CA (may sign certificates, with keyCertSign). */
  ca: boolean;
  /** Most non-self-issued intermediate certificates that may follow this one in a path (absent: no limit). */
  pathLenConstraint?: number;
}

/** Parses the extnValue contents of basicConstraints (RFC 5280 §4.2.1.9). */
export function parseBasicConstraints(v: Uint8Array): BasicConstraints {
  const r = single(v);
  let ca = false;
  if (r.peekTag() === Tag.BOOLEAN) {
    ca = r.readBoolean();
    if (!ca) throw new KysoError('DER_MALFORMED', 'basicConstraints cA FALSE must be omitted in DER');
  }
  let pathLenConstraint: number | undefined;
  if (r.peekTag() === Tag.INTEGER) {
    const n = r.readInteger();
    if (n < 0n || n > 0xffffn) throw new KysoError('CERT_INVALID', 'pathLenConstraint out of range');
    pathLenConstraint = Number(n);
  }
  r.finish();
  return pathLenConstraint === undefined ? { ca } : { ca, pathLenConstraint };
}

/** Encodes the extnValue contents of basicConstraints. */
export function encodeBasicConstraints(bc: BasicConstraints): Uint8Array {
  return seq(
    bc.ca ? bool(true) : undefined,
    bc.pathLenConstraint !== undefined && integer(bc.pathLenConstraint),
  );
}

// --- Key usage --------------------------------------------------------------------------------

/** The keyUsage bits of RFC 5280 §4.2.1.3, in bit order. */
export const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
/** One keyUsage bit by name (digitalSignature, keyCertSign, ...). */
export type KeyUsage = (typeof KEY_USAGES)[number];

/** Parses the extnValue contents of keyUsage (RFC 5280 §4.2.1.3): the names of the bits set. */
export function parseKeyUsage(v: Uint8Array): KeyUsage[] {
  const r = reader(v);
  const bits = namedBits(r.readBitString(), 'keyUsage');
  r.finish();
  // RFC 5280 §4.2.1.3: when the extension is present, at least one bit must be set.
  if (bits.length === 0) throw new KysoError('CERT_INVALID', 'keyUsage with no bit set');
  const out = bits.filter((b) => b < KEY_USAGES.length).map((b) => KEY_USAGES[b]!);
  return out;
}

/** Encodes the extnValue contents of keyUsage from bit names (minimal DER BIT STRING). */
export function encodeKeyUsage(usages: readonly KeyUsage[]): Uint8Array {
  if (usages.length === 0) throw new KysoError('INVALID_ARGUMENT', 'keyUsage needs at least one bit');
  return flagsToBitString(usages.map((u) => KEY_USAGES.indexOf(u)));
}

// --- Extended key usage -----------------------------------------------------------------------

/** Parses the extnValue contents of extKeyUsage (RFC 5280 §4.2.1.12): the key purpose OIDs. */
export function parseExtKeyUsage(v: Uint8Array): string[] {
  const r = single(v);
  const out: string[] = [];
  while (!r.done) out.push(r.readOid());
  if (out.length === 0) throw new KysoError('CERT_INVALID', 'empty extKeyUsage');
  return bounded(out);
}

/** Encodes the extnValue contents of extKeyUsage from key purpose OIDs. */
export function encodeExtKeyUsage(oids: readonly string[]): Uint8Array {
  return seq(...oids.map(oid));
}

// --- Key identifiers --------------------------------------------------------------------------

/**
 * Parses the extnValue contents of subjectKeyIdentifier (RFC 5280 §4.2.1.2): the key identifier bytes.
 */
export function parseSubjectKeyIdentifier(v: Uint8Array): Uint8Array {
  const r = reader(v);
  const k = r.readOctetString();
  r.finish();
  return k;
}

/** Encodes the extnValue contents of subjectKeyIdentifier (an OCTET STRING of `kid`). */
export const encodeSubjectKeyIdentifier = (kid: Uint8Array): Uint8Array => octetString(kid);

/**
 * authorityKeyIdentifier (RFC 5280 §4.2.1.1): the issuer key identifier and/or issuer name and serial.
 */
export interface AuthorityKeyIdentifier {
  /** The issuer key's identifier (matches the issuer's subjectKeyIdentifier). */
  keyIdentifier?: Uint8Array;
  /** The issuer's issuer name (with `authorityCertSerialNumber`; rarely used). */
  authorityCertIssuer?: GeneralName[];
  /** Raw INTEGER content bytes. */
  authorityCertSerialNumber?: Uint8Array;
}

/** Parses the extnValue contents of authorityKeyIdentifier (RFC 5280 §4.2.1.1). */
export function parseAuthorityKeyIdentifier(v: Uint8Array): AuthorityKeyIdentifier {
  const r = single(v);
  const out: AuthorityKeyIdentifier = {};
  const kid = r.readOptional(ctxTag(0, false));
  if (kid) out.keyIdentifier = kid.value;
  const iss = r.enterOptional(ctxTag(1, true));
  if (iss) out.authorityCertIssuer = parseGeneralNames(iss);
  const ser = r.readOptional(ctxTag(2, false));
  if (ser) {
    checkInteger(ser); // minimal, non-empty INTEGER
    out.authorityCertSerialNumber = ser.value;
  }
  r.finish();
  if ((out.authorityCertIssuer === undefined) !== (out.authorityCertSerialNumber === undefined)) {
    throw new KysoError(
      'CERT_INVALID',
      'authorityCertIssuer and authorityCertSerialNumber must appear together',
    );
  }
  return out;
}

/** Encodes the extnValue contents of authorityKeyIdentifier. */
export function encodeAuthorityKeyIdentifier(a: AuthorityKeyIdentifier): Uint8Array {
  return seq(
    a.keyIdentifier && tlv(ctxTag(0, false), a.keyIdentifier),
    a.authorityCertIssuer && contextConstructed(1, ...a.authorityCertIssuer.map(encodeGeneralName)),
    a.authorityCertSerialNumber && implicit(2, integerFromUnsigned(a.authorityCertSerialNumber)),
  );
}

// --- Alternative names ------------------------------------------------------------------------

/**
 * Parses the extnValue contents of a GeneralNames extension (subjectAltName, issuerAltName,
 * certificateIssuer).
 */
export function parseGeneralNamesExtension(v: Uint8Array): GeneralName[] {
  return parseGeneralNames(single(v));
}

/** Encodes the extnValue contents of a GeneralNames extension (subjectAltName, issuerAltName). */
export function encodeGeneralNamesExtension(names: readonly GeneralName[]): Uint8Array {
  return seq(...names.map(encodeGeneralName));
}

// --- CRL distribution points / freshest CRL -----------------------------------------------------

/** The ReasonFlags bits of RFC 5280 §4.2.1.13, in bit order. */
export const REASON_FLAGS = [
  'unused',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
/** One ReasonFlags bit by name (keyCompromise, cACompromise, ...). */
export type ReasonFlag = (typeof REASON_FLAGS)[number];

/** DistributionPointName (RFC 5280 §4.2.1.13): full names, or a name relative to the CRL issuer. */
export interface DistributionPointName {
  /** The full names of the distribution point (usually http or ldap URIs). */
  fullName?: GeneralName[];
  /** RelativeDistinguishedName (DER of the SET), appended to the CRL issuer's name. */
  nameRelativeToCRLIssuer?: Uint8Array;
}

/** One entry of cRLDistributionPoints (RFC 5280 §4.2.1.13). */
export interface DistributionPoint {
  /** Where the CRL is: full names (URIs) or a name relative to the CRL issuer. */
  distributionPoint?: DistributionPointName;
  /** The revocation reasons the CRLs there cover (absent: all). */
  reasons?: ReasonFlag[];
  /** The CRL issuer when it is not the certificate issuer (an indirect CRL). */
  cRLIssuer?: GeneralName[];
}

function parseDistributionPointName(r: DerReader): DistributionPointName {
  const t = r.peekTag();
  if (t === ctxTag(0, true)) return { fullName: parseGeneralNames(r.enter(ctxTag(0, true))) };
  if (t === ctxTag(1, true)) {
    const el = r.read(ctxTag(1, true));
    const rdn = tlv(Tag.SET, el.value);
    // Must be one RelativeDistinguishedName: parse it as a one-RDN Name (strict, non-empty).
    Name.fromDer(seq(rdn));
    return { nameRelativeToCRLIssuer: rdn };
  }
  throw new KysoError('ASN1_SCHEMA', 'bad DistributionPointName');
}

function encodeDistributionPointName(n: DistributionPointName): Uint8Array {
  if (n.fullName) return contextConstructed(0, ...n.fullName.map(encodeGeneralName));
  if (n.nameRelativeToCRLIssuer) return implicit(1, n.nameRelativeToCRLIssuer);
  throw new KysoError('INVALID_ARGUMENT', 'empty DistributionPointName');
}

function parseReasons(el: { value: Uint8Array; raw: Uint8Array; offset: number; tag: number }): ReasonFlag[] {
  const bits = namedBits(DerBits.decodeBitString({ ...el, tag: Tag.BIT_STRING }), 'ReasonFlags');
  return bits.filter((b) => b < REASON_FLAGS.length).map((b) => REASON_FLAGS[b]!);
}

/** Parses the extnValue contents of cRLDistributionPoints (RFC 5280 §4.2.1.13). */
export function parseCrlDistributionPoints(v: Uint8Array): DistributionPoint[] {
  const r = single(v);
  const out: DistributionPoint[] = [];
  while (!r.done) {
    const dp = r.enter();
    const p: DistributionPoint = {};
    const dpn = dp.enterOptional(ctxTag(0, true));
    if (dpn) {
      p.distributionPoint = parseDistributionPointName(dpn);
      dpn.finish();
    }
    const reasons = dp.readOptional(ctxTag(1, false));
    if (reasons) p.reasons = parseReasons(reasons);
    const issuer = dp.enterOptional(ctxTag(2, true));
    if (issuer) p.cRLIssuer = parseGeneralNames(issuer);
    dp.finish();
    if (!p.distributionPoint && !p.cRLIssuer) {
      throw new KysoError('CERT_INVALID', 'DistributionPoint has neither distributionPoint nor cRLIssuer');
    }
    out.push(p);
  }
  if (out.length === 0) throw new KysoError('CERT_INVALID', 'empty CRLDistributionPoints');
  return bounded(out);
}

/** Encodes the extnValue contents of cRLDistributionPoints. */
export function encodeCrlDistributionPoints(dps: readonly DistributionPoint[]): Uint8Array {
  return seq(
    ...dps.map((p) =>
      seq(
        p.distributionPoint && contextConstructed(0, encodeDistributionPointName(p.distributionPoint)),
        p.reasons && implicit(1, flagsToBitString(p.reasons.map((x) => REASON_FLAGS.indexOf(x)))),
        p.cRLIssuer && contextConstructed(2, ...p.cRLIssuer.map(encodeGeneralName)),
      ),
    ),
  );
}

/** Convenience: CDP with one URI per point. */
export function crlDistributionPointUris(uris: readonly string[]): DistributionPoint[] {
  return uris.map((u) => ({ distributionPoint: { fullName: [{ type: 'uri', value: u }] } }));
}

// --- Issuing distribution point (CRL) -----------------------------------------------------------

/** issuingDistributionPoint of a CRL (RFC 5280 §5.2.5): the CRL's scope. */
export interface IssuingDistributionPoint {
  /** The distribution point this CRL is for (a partitioned CRL), if any. */
  distributionPoint?: DistributionPointName;
  /** The CRL only lists end-entity certificates. */
  onlyContainsUserCerts: boolean;
  /** The CRL only lists CA certificates. */
  onlyContainsCACerts: boolean;
  /** The reasons the CRL covers (absent: all). */
  onlySomeReasons?: ReasonFlag[];
  /** The CRL may list certificates of other issuers (certificateIssuer entry extension, RFC 5280 §5.3.3). */
  indirectCRL: boolean;
  /** The CRL only lists attribute certificates (kyso does not use such CRLs). */
  onlyContainsAttributeCerts: boolean;
}

/** Parses the extnValue contents of a CRL issuingDistributionPoint (RFC 5280 §5.2.5). */
export function parseIssuingDistributionPoint(v: Uint8Array): IssuingDistributionPoint {
  const r = single(v);
  const out: IssuingDistributionPoint = {
    onlyContainsUserCerts: false,
    onlyContainsCACerts: false,
    indirectCRL: false,
    onlyContainsAttributeCerts: false,
  };
  const dpn = r.enterOptional(ctxTag(0, true));
  if (dpn) {
    out.distributionPoint = parseDistributionPointName(dpn);
    dpn.finish();
  }
  const flag = (n: number): boolean => {
    const el = r.readOptional(ctxTag(n, false));
    if (!el) return false;
    const { decodeBoolean } = DerBits;
    const b = decodeBoolean({ ...el, tag: Tag.BOOLEAN });
    if (!b) throw new KysoError('DER_MALFORMED', 'DEFAULT FALSE boolean encoded explicitly');
    return b;
  };
  out.onlyContainsUserCerts = flag(1);
  out.onlyContainsCACerts = flag(2);
  const reasons = r.readOptional(ctxTag(3, false));
  if (reasons) out.onlySomeReasons = parseReasons(reasons);
  out.indirectCRL = flag(4);
  out.onlyContainsAttributeCerts = flag(5);
  r.finish();
  const exclusive = [
    out.onlyContainsUserCerts,
    out.onlyContainsCACerts,
    out.onlyContainsAttributeCerts,
  ].filter(Boolean);
  if (exclusive.length > 1) throw new KysoError('CERT_INVALID', 'IDP: at most one onlyContains* may be set');
  if (!out.distributionPoint && exclusive.length === 0 && !out.onlySomeReasons && !out.indirectCRL) {
    throw new KysoError('CERT_INVALID', 'empty IssuingDistributionPoint');
  }
  return out;
}

/** Encodes the extnValue contents of a CRL issuingDistributionPoint (DEFAULT FALSE flags omitted). */
export function encodeIssuingDistributionPoint(i: Partial<IssuingDistributionPoint>): Uint8Array {
  const t = (n: number, b: boolean | undefined) => b && tlv(ctxTag(n, false), Uint8Array.of(0xff));
  return seq(
    i.distributionPoint && contextConstructed(0, encodeDistributionPointName(i.distributionPoint)),
    t(1, i.onlyContainsUserCerts),
    t(2, i.onlyContainsCACerts),
    i.onlySomeReasons && implicit(3, flagsToBitString(i.onlySomeReasons.map((x) => REASON_FLAGS.indexOf(x)))),
    t(4, i.indirectCRL),
    t(5, i.onlyContainsAttributeCerts),
  );
}

// --- Authority information access -------------------------------------------------------------

/**
 * One AccessDescription of authorityInfoAccess / subjectInfoAccess (RFC 5280 §4.2.2.1): method OID and
 * location.
 */
export interface AccessDescription {
  /** accessMethod OID: id-ad-ocsp (1.3.6.1.5.5.7.48.1) or id-ad-caIssuers (1.3.6.1.5.5.7.48.2) in AIA. */
  method: string;
  /** accessLocation, usually a URI. */
  location: GeneralName;
}

/**
 * Parses the extnValue contents of authorityInfoAccess or subjectInfoAccess (RFC 5280 §4.2.2.1/§4.2.2.2).
 */
export function parseInfoAccess(v: Uint8Array): AccessDescription[] {
  const r = single(v);
  const out: AccessDescription[] = [];
  while (!r.done) {
    const ad = r.enter();
    const method = ad.readOid();
    const location = parseGeneralName(ad.read());
    ad.finish();
    out.push({ method, location });
  }
  if (out.length === 0) throw new KysoError('CERT_INVALID', 'empty AuthorityInfoAccess');
  return bounded(out);
}

/** Encodes the extnValue contents of authorityInfoAccess or subjectInfoAccess. */
export function encodeInfoAccess(ads: readonly AccessDescription[]): Uint8Array {
  return seq(...ads.map((a) => seq(oid(a.method), encodeGeneralName(a.location))));
}

// --- Certificate policies ---------------------------------------------------------------------

/** A policy qualifier of certificatePolicies (RFC 5280 §4.2.1.4): CPS URI, user notice text, raw DER. */
export interface PolicyQualifier {
  /** policyQualifierId: id-qt-cps or id-qt-unotice. */
  oid: string;
  /** For id-qt-cps. */
  cpsUri?: string;
  /** For id-qt-unotice: explicitText. */
  explicitText?: string;
  /** Raw qualifier value DER. */
  raw: Uint8Array;
}

/** One policy of certificatePolicies (RFC 5280 §4.2.1.4) with its qualifiers. */
export interface PolicyInformation {
  /** The certificate policy OID (anyPolicy is 2.5.29.32.0). */
  policyIdentifier: string;
  /** Policy qualifiers (CPS pointer, user notice). */
  qualifiers?: PolicyQualifier[];
}

/** Parses the extnValue contents of certificatePolicies (RFC 5280 §4.2.1.4). */
export function parseCertificatePolicies(v: Uint8Array): PolicyInformation[] {
  const r = single(v);
  const out: PolicyInformation[] = [];
  const seen = new Set<string>();
  while (!r.done) {
    const pi = r.enter();
    const policyIdentifier = pi.readOid();
    if (seen.has(policyIdentifier))
      throw new KysoError('CERT_INVALID', `duplicate policy ${policyIdentifier}`);
    seen.add(policyIdentifier);
    const info: PolicyInformation = { policyIdentifier };
    const qs = pi.enterOptional(Tag.SEQUENCE);
    if (qs) {
      info.qualifiers = [];
      while (!qs.done) {
        const q = qs.enter();
        const qid = q.readOid();
        const val = q.read();
        q.finish();
        const pq: PolicyQualifier = { oid: qid, raw: val.raw };
        if (qid === OID.cpsQualifier) {
          if (val.tag !== Tag.IA5_STRING) throw new KysoError('CERT_INVALID', 'CPS URI must be IA5String');
          pq.cpsUri = decodeString(val);
        } else if (qid === OID.userNoticeQualifier) {
          if (val.tag !== Tag.SEQUENCE) throw new KysoError('CERT_INVALID', 'UserNotice must be a SEQUENCE');
          const un = new DerReader(val.value, val.offset + val.raw.length - val.value.length);
          const ref = un.enterOptional(Tag.SEQUENCE); // noticeRef
          if (ref) {
            displayText(ref.read());
            const numbers = ref.enter(Tag.SEQUENCE);
            let count = 0;
            while (!numbers.done) {
              numbers.readInteger();
              if (++count > MAX_EXTENSION_ITEMS)
                throw new KysoError('INPUT_TOO_LARGE', 'too many notice numbers');
            }
            ref.finish();
          }
          if (!un.done) pq.explicitText = displayText(un.read());
          un.finish();
        }
        info.qualifiers.push(pq);
      }
      if (info.qualifiers.length === 0) throw new KysoError('CERT_INVALID', 'empty policyQualifiers');
    }
    pi.finish();
    out.push(info);
  }
  if (out.length === 0) throw new KysoError('CERT_INVALID', 'empty certificatePolicies');
  return bounded(out);
}

const DISPLAY_TEXT_TAGS: ReadonlySet<number> = new Set([
  Tag.IA5_STRING,
  Tag.VISIBLE_STRING,
  Tag.BMP_STRING,
  Tag.UTF8_STRING,
]);

/** DisplayText ::= CHOICE { ia5String, visibleString, bmpString, utf8String }. */
function displayText(el: { value: Uint8Array; raw: Uint8Array; offset: number; tag: number }): string {
  if (!DISPLAY_TEXT_TAGS.has(el.tag)) {
    throw new KysoError(
      'CERT_INVALID',
      'DisplayText must be IA5String, VisibleString, BMPString or UTF8String',
    );
  }
  return decodeString(el);
}

/** A policy to issue: its OID and optionally a CPS URI and a user notice text. */
export interface PolicyInput {
  /** The policy OID. */
  oid: string;
  /** A CPS pointer qualifier (the URL of the certification practice statement). */
  cpsUri?: string;
  /** A user notice qualifier with this explicit text. */
  userNotice?: string;
}

/** Encodes the extnValue contents of certificatePolicies (CPS and user notice qualifiers). */
export function encodeCertificatePolicies(policies: readonly PolicyInput[]): Uint8Array {
  return seq(
    ...policies.map((p) => {
      const qs: Uint8Array[] = [];
      if (p.cpsUri) qs.push(seq(oid(OID.cpsQualifier), ia5String(p.cpsUri)));
      if (p.userNotice) qs.push(seq(oid(OID.userNoticeQualifier), seq(utf8String(p.userNotice))));
      return seq(oid(p.oid), qs.length > 0 && seq(...qs));
    }),
  );
}

// --- Policy mappings / constraints / inhibitAnyPolicy -----------------------------------------

/** One policyMappings pair (RFC 5280 §4.2.1.5): issuer domain policy to subject domain policy. */
export interface PolicyMapping {
  /** The issuing CA's policy OID. */
  issuerDomainPolicy: string;
  /** The subject CA's policy OID considered equivalent. */
  subjectDomainPolicy: string;
}

/** Parses the extnValue contents of policyMappings (RFC 5280 §4.2.1.5). */
export function parsePolicyMappings(v: Uint8Array): PolicyMapping[] {
  const r = single(v);
  const out: PolicyMapping[] = [];
  while (!r.done) {
    const m = r.enter();
    out.push({ issuerDomainPolicy: m.readOid(), subjectDomainPolicy: m.readOid() });
    m.finish();
  }
  if (out.length === 0) throw new KysoError('CERT_INVALID', 'empty policyMappings');
  return bounded(out);
}

/** Encodes the extnValue contents of policyMappings. */
export function encodePolicyMappings(ms: readonly PolicyMapping[]): Uint8Array {
  return seq(...ms.map((m) => seq(oid(m.issuerDomainPolicy), oid(m.subjectDomainPolicy))));
}

/**
 * policyConstraints (RFC 5280 §4.2.1.11): SkipCerts before an explicit policy is required / mapping is
 * inhibited.
 */
export interface PolicyConstraints {
  /** SkipCerts before an explicit policy is required (RFC 5280 §4.2.1.11). */
  requireExplicitPolicy?: number;
  /** SkipCerts before policy mapping is no longer allowed. */
  inhibitPolicyMapping?: number;
}

function skipCerts(el: { value: Uint8Array; raw: Uint8Array; offset: number; tag: number }): number {
  return smallUint(el, 'SkipCerts');
}

/** Parses the extnValue contents of policyConstraints (RFC 5280 §4.2.1.11). */
export function parsePolicyConstraints(v: Uint8Array): PolicyConstraints {
  const r = single(v);
  const out: PolicyConstraints = {};
  const a = r.readOptional(ctxTag(0, false));
  if (a) out.requireExplicitPolicy = skipCerts(a);
  const b = r.readOptional(ctxTag(1, false));
  if (b) out.inhibitPolicyMapping = skipCerts(b);
  r.finish();
  if (!a && !b) throw new KysoError('CERT_INVALID', 'empty policyConstraints');
  return out;
}

/** Encodes the extnValue contents of policyConstraints. */
export function encodePolicyConstraints(p: PolicyConstraints): Uint8Array {
  return seq(
    p.requireExplicitPolicy !== undefined && implicit(0, integer(p.requireExplicitPolicy)),
    p.inhibitPolicyMapping !== undefined && implicit(1, integer(p.inhibitPolicyMapping)),
  );
}

/** Parses the extnValue contents of inhibitAnyPolicy (RFC 5280 §4.2.1.14): the SkipCerts value. */
export function parseInhibitAnyPolicy(v: Uint8Array): number {
  const r = reader(v);
  const n = r.readInteger();
  r.finish();
  if (n < 0n || n > 0xffffn) throw new KysoError('CERT_INVALID', 'inhibitAnyPolicy out of range');
  return Number(n);
}

/** Encodes the extnValue contents of inhibitAnyPolicy (an INTEGER). */
export const encodeInhibitAnyPolicy = (n: number): Uint8Array => integer(n);

// --- Name constraints -------------------------------------------------------------------------

/** One subtree of nameConstraints (RFC 5280 §4.2.1.10): a base name and its distances. */
export interface GeneralSubtree {
  /** The subtree root: a DNS name, e-mail, URI domain, IP range or directory name. */
  base: GeneralName;
  /** BaseDistance minimum as encoded: RFC 5280 §4.2.1.10 requires 0 (path validation refuses others). */
  minimum: number;
  /** BaseDistance maximum: RFC 5280 §4.2.1.10 requires it absent (path validation refuses it). */
  maximum?: number;
}

/** nameConstraints (RFC 5280 §4.2.1.10): permitted and excluded subtrees. */
export interface NameConstraints {
  /** Names below the CA must lie within one of these (per name type). */
  permittedSubtrees?: GeneralSubtree[];
  /** Names below the CA must lie within none of these. */
  excludedSubtrees?: GeneralSubtree[];
}

function parseSubtrees(r: DerReader): GeneralSubtree[] {
  const out: GeneralSubtree[] = [];
  while (!r.done) {
    const st = r.enter();
    const base = parseGeneralName(st.read());
    let minimum = 0;
    const min = st.readOptional(ctxTag(0, false));
    if (min) {
      minimum = smallUint(min, 'BaseDistance minimum');
      if (minimum === 0) throw new KysoError('DER_MALFORMED', 'DEFAULT minimum 0 encoded explicitly');
    }
    const max = st.readOptional(ctxTag(1, false));
    st.finish();
    const sub: GeneralSubtree = { base, minimum };
    if (max) sub.maximum = smallUint(max, 'BaseDistance maximum');
    out.push(sub);
  }
  if (out.length === 0) throw new KysoError('CERT_INVALID', 'empty GeneralSubtrees');
  if (out.length > MAX_NAME_CONSTRAINT_SUBTREES)
    throw new KysoError('INPUT_TOO_LARGE', 'too many subtrees in nameConstraints');
  return out;
}

/**
 * Parses the extnValue contents of nameConstraints (RFC 5280 §4.2.1.10), at most MAX_NAME_CONSTRAINT_SUBTREES
 * subtrees.
 */
export function parseNameConstraints(v: Uint8Array): NameConstraints {
  const r = single(v);
  const out: NameConstraints = {};
  const p = r.enterOptional(ctxTag(0, true));
  if (p) out.permittedSubtrees = parseSubtrees(p);
  const e = r.enterOptional(ctxTag(1, true));
  if (e) out.excludedSubtrees = parseSubtrees(e);
  r.finish();
  if (!p && !e) throw new KysoError('CERT_INVALID', 'empty nameConstraints');
  return out;
}

/** Encodes the extnValue contents of nameConstraints. */
export function encodeNameConstraints(nc: NameConstraints): Uint8Array {
  const subtrees = (ss: GeneralSubtree[]) =>
    ss.map((s) =>
      seq(
        encodeGeneralName(s.base),
        s.minimum ? implicit(0, integer(s.minimum)) : undefined,
        s.maximum !== undefined && implicit(1, integer(s.maximum)),
      ),
    );
  return seq(
    nc.permittedSubtrees && contextConstructed(0, ...subtrees(nc.permittedSubtrees)),
    nc.excludedSubtrees && contextConstructed(1, ...subtrees(nc.excludedSubtrees)),
  );
}

// --- CRL-specific -----------------------------------------------------------------------------

/** CRLReason values of RFC 5280 §5.3.1, indexed by their ENUMERATED value (7 is unused). */
export const CRL_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'unused7',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
/** A CRL entry reason code by name (RFC 5280 §5.3.1). */
export type CrlReason = Exclude<(typeof CRL_REASONS)[number], 'unused7'>;

/**
 * Parses the extnValue contents of a CRL entry reasonCode (RFC 5280 §5.3.1); value 7 and unknown values are
 * refused.
 */
export function parseCrlReason(v: Uint8Array): CrlReason {
  const r = reader(v);
  const el = r.read(Tag.ENUMERATED);
  r.finish();
  const n = Number(DerBits.decodeInteger({ ...el, tag: Tag.INTEGER }));
  const reason = CRL_REASONS[n];
  if (reason === undefined || reason === 'unused7')
    throw new KysoError('CERT_INVALID', `bad CRL reason ${n}`);
  return reason;
}

/** Encodes the extnValue contents of a CRL entry reasonCode (ENUMERATED). */
export function encodeCrlReason(reason: CrlReason): Uint8Array {
  return enumerated(CRL_REASONS.indexOf(reason));
}

/** Parses the extnValue contents of cRLNumber or deltaCRLIndicator (RFC 5280 §5.2.3): 0 ≤ n < 2^160. */
export function parseCrlNumber(v: Uint8Array): bigint {
  const r = reader(v);
  const n = r.readInteger();
  r.finish();
  if (n < 0n || n >= 1n << 160n) throw new KysoError('CERT_INVALID', 'CRL number out of range');
  return n;
}

/** Encodes the extnValue contents of cRLNumber (an INTEGER). */
export const encodeCrlNumber = (n: bigint | number): Uint8Array => integer(n);

/** Parses the extnValue contents of a GeneralizedTime extension (invalidityDate, RFC 5280 §5.3.2). */
export function parseGeneralizedTimeExt(v: Uint8Array): Date {
  const r = reader(v);
  const el = r.read(Tag.GENERALIZED_TIME);
  r.finish();
  return DerBits.decodeGeneralizedTime(el, false);
}

/** Encodes the extnValue contents of invalidityDate (RFC 5280 §5.3.2, GeneralizedTime). */
export const encodeInvalidityDate = (d: Date): Uint8Array => generalizedTime(d);

/** id-pkix-ocsp-nocheck: value must be NULL. */
export function parseNull(v: Uint8Array): true {
  const r = reader(v);
  r.readNull();
  r.finish();
  return true;
}

/** The bytes of an IA5String extension value decoded as text, for display. */
export function describeIa5(v: Uint8Array): string {
  return utf8Decode(v);
}
