/**
 * CMS SignedData (RFC 5652 §5): strict DER parse and encode of ContentInfo, SignedData, SignerInfo
 * and attributes, plus the ESS signing-certificate attributes (RFC 2634 §5.4, RFC 5035).
 *
 * This module is shared by CMS/CAdES signing and verification (src/cms) and by RFC 3161
 * time-stamp tokens (src/tsp), which are SignedData with eContentType id-ct-TSTInfo.
 *
 * Model choices:
 * - Algorithm identifiers are kept as `AlgorithmId` (OID + raw DER) and resolved by the verifier,
 *   so parsing never fails on an algorithm kyso cannot verify (that becomes an "indeterminate" line).
 * - `SignerInfo.signedAttrsDer` is the DER of the signed attributes with the SET OF tag (0x31):
 *   exactly the bytes a signature over signed attributes covers (RFC 5652 §5.4).
 * - Certificates and CRLs are kept as raw DER; callers parse them with the strict X.509 parsers.
 * Parsing is strict DER (src/der.ts). BER input is handled by `normalizeBer` (ber.ts) before
 * calling these parsers, never here.
 */
import { bytesEqual } from '../bytes.js';
import {
  type DerElement,
  DerReader,
  Tag,
  ctxTag,
  decodeOid,
  explicit,
  implicit,
  integer,
  contextConstructed,
  minimalIntegerBytes,
  octetString,
  oid,
  schemaError,
  seq,
  setOf,
  tlv,
  time as derTime,
} from '../der.js';
import { KysoError } from '../errors.js';
import { Name } from '../name.js';
import { OID } from '../oids.js';
import { hashAlgorithmIdentifier, hashFromOid } from '../crypto/hash.js';
import type { HashAlgorithm } from '../crypto/types.js';

/** Limits on hostile input: real SignedData has a handful of each. */
export const MAX_SIGNERS = 64;
/** Most certificates read from one SignedData.certificates. */
export const MAX_CMS_CERTIFICATES = 512;
/** Most entries read from one SignedData.crls (CRLs and other revocation info). */
export const MAX_CMS_CRLS = 512;
/** Most attributes in one signed or unsigned attribute set. */
export const MAX_ATTRIBUTES = 256;
/** Most values in one attribute. */
export const MAX_ATTRIBUTE_VALUES = 64;
/** Most entries in SignedData.digestAlgorithms. */
export const MAX_DIGEST_ALGORITHMS = 32;
/** Most ESSCertID(v2) entries in one SigningCertificate(V2). */
export const MAX_ESS_CERT_IDS = 64;

/** id-ri-ocsp-response (RFC 5940 §3): an OCSPResponse carried in SignedData.crls. */
export const OID_RI_OCSP_RESPONSE = OID.riOcspResponse;

// ---------------------------------------------------------------------------------------------
// Small types
// ---------------------------------------------------------------------------------------------

/** An AlgorithmIdentifier kept raw: `der` is the full SEQUENCE, `parameters` the raw params TLV. */
export interface AlgorithmId {
  /** The algorithm OID. */
  oid: string;
  /** DER of the parameters, when present (absent and NULL are told apart). */
  parameters?: Uint8Array;
  /** DER of the whole AlgorithmIdentifier. */
  der: Uint8Array;
}

/** SignerIdentifier (RFC 5652 §5.3): issuer and serial number, or subject key identifier. */
export type SignerIdentifier =
  | { type: 'issuerAndSerialNumber'; issuer: Name; serialNumber: Uint8Array }
  | { type: 'subjectKeyIdentifier'; keyIdentifier: Uint8Array };

/** Attribute ::= SEQUENCE { attrType OID, attrValues SET OF AttributeValue }. */
export interface Attribute {
  /** The attribute type OID. */
  type: string;
  /** Raw DER of each AttributeValue. */
  values: Uint8Array[];
}

/** One SignerInfo (RFC 5652 §5.3) as parsed: identifier, algorithms, attributes and signature. */
export interface SignerInfo {
  /** DER of the whole SignerInfo. */
  raw: Uint8Array;
  /** CMSVersion of the SignerInfo: 1 (issuerAndSerialNumber) or 3 (subjectKeyIdentifier), RFC 5652 §5.3. */
  version: number;
  /** Which certificate signed: issuer and serial number, or subject key identifier. */
  sid: SignerIdentifier;
  /** The digest algorithm of the content and signed attributes. */
  digestAlgorithm: AlgorithmId;
  /** Parsed signed attributes (undefined when absent). */
  signedAttrs?: Attribute[];
  /** The signed attributes as `SET OF` DER (tag 0x31): the bytes the signature covers. */
  signedAttrsDer?: Uint8Array;
  /** The signature algorithm. */
  signatureAlgorithm: AlgorithmId;
  /** The signature value. */
  signature: Uint8Array;
  /** Unsigned attributes (signature time-stamps, CAdES validation data, archive time-stamps). */
  unsignedAttrs?: Attribute[];
}

/**
 * An OtherRevocationInfoFormat entry of SignedData.crls (RFC 5652 §10.2.1), e.g. an OCSP response (RFC 5940).
 */
export interface OtherRevocationInfo {
  /** otherRevInfoFormat OID (e.g. id-ri-ocsp-response, RFC 5940). */
  format: string;
  /** Raw DER of otherRevInfo. */
  info: Uint8Array;
}

/** SignedData (RFC 5652 §5.1) as parsed, with the raw DER of certificates and CRLs. */
export interface SignedData {
  /** DER of the SignedData SEQUENCE. */
  raw: Uint8Array;
  /** CMSVersion of SignedData (RFC 5652 §5.1). */
  version: number;
  /** digestAlgorithms declared (the signers' digest algorithms). */
  digestAlgorithms: AlgorithmId[];
  /** The encapsulated content type OID (id-data, id-ct-TSTInfo...). */
  eContentType: string;
  /** Content octets; undefined for a detached signature. */
  eContent?: Uint8Array;
  /** DER of every X.509 Certificate in `certificates` (other choices are skipped, counted below). */
  certificates: Uint8Array[];
  /** Number of non-X.509 CertificateChoices (attribute certificates, other formats). */
  otherCertificateCount: number;
  /** DER of every CertificateList in `crls`. */
  crls: Uint8Array[];
  /** OtherRevocationInfoFormat entries (e.g. OCSP responses, RFC 5940). */
  otherRevocationInfo: OtherRevocationInfo[];
  /** One SignerInfo per signer. */
  signerInfos: SignerInfo[];
}

/** ContentInfo (RFC 5652 §3): content type and the DER of the content. */
export interface ContentInfo {
  /** The content type OID (id-signedData for a CMS signature). */
  contentType: string;
  /** DER of the content (the element inside `[0] EXPLICIT`). */
  content: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

function inner(el: DerElement): DerReader {
  return new DerReader(el.value, el.offset + el.raw.length - el.value.length);
}

function bounded<T>(arr: T[], max: number, what: string): void {
  if (arr.length > max) throw new KysoError('INPUT_TOO_LARGE', `too many ${what} (limit ${max})`);
}

/** Parses an AlgorithmIdentifier element, keeping its DER and raw parameters. */
export function parseAlgorithmId(el: DerElement): AlgorithmId {
  if (el.tag !== Tag.SEQUENCE) throw schemaError('AlgorithmIdentifier is not a SEQUENCE');
  const r = inner(el);
  const o = r.readOid();
  const params = r.done ? undefined : r.read();
  r.finish('unexpected data in AlgorithmIdentifier');
  const a: AlgorithmId = { oid: o, der: el.raw };
  if (params) a.parameters = params.raw;
  return a;
}

/** Parses ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }. Strict DER. */
export function parseContentInfo(der: Uint8Array): ContentInfo {
  const top = DerReader.single(der, Tag.SEQUENCE);
  const r = inner(top);
  const contentType = r.readOid();
  const wrap = r.enter(ctxTag(0, true));
  const content = wrap.read();
  wrap.finish('unexpected data in ContentInfo content');
  r.finish('unexpected data in ContentInfo');
  return { contentType, content: content.raw };
}

/** Parses a ContentInfo holding SignedData (the usual `.p7s` / `.p7m` / TimeStampToken form). */
export function parseSignedDataContentInfo(der: Uint8Array): SignedData {
  const ci = parseContentInfo(der);
  if (ci.contentType !== OID.signedData) {
    throw schemaError(`ContentInfo content type ${ci.contentType} is not id-signedData`);
  }
  return parseSignedData(ci.content);
}

function parseAttributes(r: DerReader, what: string): Attribute[] {
  const out: Attribute[] = [];
  while (!r.done) {
    const a = r.enter(Tag.SEQUENCE);
    const type = a.readOid();
    const vs = a.enter(Tag.SET);
    a.finish(`unexpected data in ${what} attribute`);
    const values = vs.readAll().map((v) => v.raw);
    if (values.length === 0) throw schemaError(`${what} attribute ${type} has no values`);
    bounded(values, MAX_ATTRIBUTE_VALUES, `values in attribute ${type}`);
    out.push({ type, values });
    bounded(out, MAX_ATTRIBUTES, `${what} attributes`);
  }
  if (out.length === 0) throw schemaError(`empty ${what} attributes`);
  return out;
}

function parseSignerIdentifier(r: DerReader): SignerIdentifier {
  const t = r.peekTag();
  if (t === Tag.SEQUENCE) {
    const s = r.enter(Tag.SEQUENCE);
    const issuer = Name.fromDer(s.read(Tag.SEQUENCE));
    const serialNumber = s.readIntegerBytes();
    s.finish('unexpected data in IssuerAndSerialNumber');
    return { type: 'issuerAndSerialNumber', issuer, serialNumber };
  }
  if (t === ctxTag(0, false)) {
    return { type: 'subjectKeyIdentifier', keyIdentifier: r.read().value };
  }
  throw schemaError('SignerIdentifier is neither IssuerAndSerialNumber nor [0] SubjectKeyIdentifier');
}

/** Parses one SignerInfo element (strict DER). */
export function parseSignerInfo(el: DerElement): SignerInfo {
  if (el.tag !== Tag.SEQUENCE) throw schemaError('SignerInfo is not a SEQUENCE');
  const r = inner(el);
  const version = r.readSmallInteger();
  const sid = parseSignerIdentifier(r);
  if (version === 1 && sid.type !== 'issuerAndSerialNumber')
    throw schemaError('SignerInfo v1 requires issuerAndSerialNumber');
  if (version === 3 && sid.type !== 'subjectKeyIdentifier')
    throw schemaError('SignerInfo v3 requires subjectKeyIdentifier');
  if (version !== 1 && version !== 3) throw schemaError(`unsupported SignerInfo version ${version}`);
  const digestAlgorithm = parseAlgorithmId(r.read(Tag.SEQUENCE));
  const si: SignerInfo = {
    raw: el.raw,
    version,
    sid,
    digestAlgorithm,
    signatureAlgorithm: undefined as unknown as AlgorithmId,
    signature: new Uint8Array(0),
  };
  const sa = r.readOptional(ctxTag(0, true));
  if (sa) {
    si.signedAttrs = parseAttributes(inner(sa), 'signed');
    // RFC 5652 §5.4: the signature covers the DER of the SET OF, i.e. the same content with tag 0x31.
    si.signedAttrsDer = tlv(Tag.SET, sa.value);
  }
  si.signatureAlgorithm = parseAlgorithmId(r.read(Tag.SEQUENCE));
  si.signature = r.readOctetString();
  const ua = r.readOptional(ctxTag(1, true));
  if (ua) si.unsignedAttrs = parseAttributes(inner(ua), 'unsigned');
  r.finish('unexpected data in SignerInfo');
  return si;
}

/** Parses the SignedData SEQUENCE (the content of a ContentInfo of type id-signedData). */
export function parseSignedData(der: Uint8Array): SignedData {
  const top = DerReader.single(der, Tag.SEQUENCE);
  const r = inner(top);
  const version = r.readSmallInteger();
  if (version < 1 || version > 5 || version === 2)
    throw schemaError(`unsupported SignedData version ${version}`);
  const da = r.enter(Tag.SET);
  const digestAlgorithms: AlgorithmId[] = [];
  while (!da.done) {
    digestAlgorithms.push(parseAlgorithmId(da.read(Tag.SEQUENCE)));
    bounded(digestAlgorithms, MAX_DIGEST_ALGORITHMS, 'digest algorithms');
  }
  const eci = r.enter(Tag.SEQUENCE);
  const eContentType = eci.readOid();
  let eContent: Uint8Array | undefined;
  const ec = eci.enterOptional(ctxTag(0, true));
  if (ec) {
    eContent = ec.readOctetString();
    ec.finish('unexpected data in eContent');
  }
  eci.finish('unexpected data in EncapsulatedContentInfo');

  const certificates: Uint8Array[] = [];
  let otherCertificateCount = 0;
  const cs = r.enterOptional(ctxTag(0, true));
  if (cs) {
    while (!cs.done) {
      const c = cs.read();
      if (c.tag === Tag.SEQUENCE) certificates.push(c.raw);
      else if (
        c.tag === ctxTag(0, true) ||
        c.tag === ctxTag(1, true) ||
        c.tag === ctxTag(2, true) ||
        c.tag === ctxTag(3, true)
      ) {
        otherCertificateCount++;
      } else throw schemaError('unexpected CertificateChoices element');
      if (certificates.length + otherCertificateCount > MAX_CMS_CERTIFICATES) {
        throw new KysoError('INPUT_TOO_LARGE', `too many certificates (limit ${MAX_CMS_CERTIFICATES})`);
      }
    }
  }
  const crls: Uint8Array[] = [];
  const otherRevocationInfo: OtherRevocationInfo[] = [];
  const rs = r.enterOptional(ctxTag(1, true));
  if (rs) {
    while (!rs.done) {
      const c = rs.read();
      if (c.tag === Tag.SEQUENCE) crls.push(c.raw);
      else if (c.tag === ctxTag(1, true)) {
        const o = inner(c);
        const format = o.readOid();
        const info = o.read();
        o.finish('unexpected data in OtherRevocationInfoFormat');
        otherRevocationInfo.push({ format, info: info.raw });
      } else throw schemaError('unexpected RevocationInfoChoice element');
      if (crls.length + otherRevocationInfo.length > MAX_CMS_CRLS) {
        throw new KysoError('INPUT_TOO_LARGE', `too many revocation entries (limit ${MAX_CMS_CRLS})`);
      }
    }
  }
  const sis = r.enter(Tag.SET);
  const signerInfos: SignerInfo[] = [];
  while (!sis.done) {
    signerInfos.push(parseSignerInfo(sis.read(Tag.SEQUENCE)));
    bounded(signerInfos, MAX_SIGNERS, 'signers');
  }
  r.finish('unexpected data in SignedData');
  const sd: SignedData = {
    raw: top.raw,
    version,
    digestAlgorithms,
    eContentType,
    certificates,
    otherCertificateCount,
    crls,
    otherRevocationInfo,
    signerInfos,
  };
  if (eContent !== undefined) sd.eContent = eContent;
  return sd;
}

// ---------------------------------------------------------------------------------------------
// Attributes: lookup helpers
// ---------------------------------------------------------------------------------------------

/** All attributes of `type` (an attribute type should appear once; callers check). */
export function findAttributes(attrs: readonly Attribute[] | undefined, type: string): Attribute[] {
  return (attrs ?? []).filter((a) => a.type === type);
}

/**
 * The single value of an attribute that RFC 5652 §11 requires to appear once with one value
 * (contentType, messageDigest, signingTime, ESS signing certificates). Returns undefined when
 * absent; throws ASN1_SCHEMA if it appears twice or with several values.
 */
export function singleAttributeValue(
  attrs: readonly Attribute[] | undefined,
  type: string,
): Uint8Array | undefined {
  const found = findAttributes(attrs, type);
  if (found.length === 0) return undefined;
  if (found.length > 1) throw schemaError(`attribute ${type} appears more than once`);
  if (found[0]!.values.length !== 1) throw schemaError(`attribute ${type} must have exactly one value`);
  return found[0]!.values[0]!;
}

/** Decodes a contentType attribute value (an OID, RFC 5652 §11.1). */
export function decodeContentTypeValue(v: Uint8Array): string {
  return decodeOid(DerReader.single(v, Tag.OID));
}

/** Decodes a messageDigest attribute value (the digest octets, RFC 5652 §11.2). */
export function decodeMessageDigestValue(v: Uint8Array): Uint8Array {
  return DerReader.single(v, Tag.OCTET_STRING).value;
}

/** Decodes a signingTime attribute value (UTCTime or GeneralizedTime, RFC 5652 §11.3). */
export function decodeSigningTimeValue(v: Uint8Array): Date {
  const r = new DerReader(v);
  const d = r.readTime();
  r.finish('trailing data after signingTime');
  return d;
}

// ---------------------------------------------------------------------------------------------
// Attributes: encoding
// ---------------------------------------------------------------------------------------------

/** DER of one Attribute (values sorted as a DER SET OF). */
export function encodeAttribute(a: Attribute): Uint8Array {
  if (a.values.length === 0) throw new KysoError('INVALID_ARGUMENT', `attribute ${a.type} needs a value`);
  return seq(oid(a.type), setOf(...a.values));
}

/** DER `SET OF Attribute` in DER order (tag 0x31): the to-be-signed form of signed attributes. */
export function encodeAttributeSet(attrs: readonly Attribute[]): Uint8Array {
  const types = new Set<string>();
  for (const a of attrs) {
    if (types.has(a.type)) throw new KysoError('INVALID_ARGUMENT', `attribute ${a.type} given twice`);
    types.add(a.type);
  }
  return setOf(...attrs.map(encodeAttribute));
}

/**
 * RFC 5652 §11.1-11.3 attribute values. CMS signingTime: UTCTime for 1950-2049, GeneralizedTime
 * otherwise (§11.3), whole seconds.
 */
export const contentTypeAttribute = (contentType: string): Attribute => ({
  type: OID.contentType,
  values: [oid(contentType)],
});
/** The messageDigest attribute (RFC 5652 §11.2) for a content digest. */
export const messageDigestAttribute = (d: Uint8Array): Attribute => ({
  type: OID.messageDigest,
  values: [octetString(d)],
});
/** The signingTime attribute (RFC 5652 §11.3): UTCTime for 1950-2049, GeneralizedTime otherwise. */
export const signingTimeAttribute = (t: Date): Attribute => ({ type: OID.signingTime, values: [derTime(t)] });

/**
 * CMSAlgorithmProtection (RFC 6211): binds the digest and signature algorithms into the signed
 * attributes. `signatureAlgorithmDer` is the SignerInfo.signatureAlgorithm encoding.
 */
export function cmsAlgorithmProtectionAttribute(
  digestAlgorithmDer: Uint8Array,
  signatureAlgorithmDer: Uint8Array,
): Attribute {
  return {
    type: OID.cmsAlgorithmProtection,
    values: [seq(digestAlgorithmDer, implicit(1, signatureAlgorithmDer))],
  };
}

/**
 * A CMSAlgorithmProtection attribute value (RFC 6211): the digest and signature algorithms the signer used.
 */
export interface CmsAlgorithmProtection {
  /** The digest algorithm the signer used. */
  digestAlgorithm: AlgorithmId;
  /** The signature algorithm the signer used (`[1]`, re-tagged as a SEQUENCE). */
  signatureAlgorithm?: { oid: string; der: Uint8Array };
}

/** Parses a CMSAlgorithmProtection value; `signatureAlgorithm.der` is re-tagged as a SEQUENCE. */
export function parseCmsAlgorithmProtection(v: Uint8Array): CmsAlgorithmProtection {
  const r = inner(DerReader.single(v, Tag.SEQUENCE));
  const out: CmsAlgorithmProtection = { digestAlgorithm: parseAlgorithmId(r.read(Tag.SEQUENCE)) };
  const s = r.readOptional(ctxTag(1, true));
  if (s) {
    const der = tlv(Tag.SEQUENCE, s.value);
    out.signatureAlgorithm = { oid: parseAlgorithmId(DerReader.single(der)).oid, der };
  }
  r.readOptional(ctxTag(2, true));
  r.finish('unexpected data in CMSAlgorithmProtection');
  return out;
}

/** Input of buildSignedAttributes: content type, digest and the optional attributes. */
export interface BuildSignedAttributesInput {
  /** eContentType (id-data for ordinary signatures, id-ct-TSTInfo for time-stamp tokens). */
  contentType: string;
  /** Digest of the content octets. */
  messageDigest: Uint8Array;
  /** CMS signingTime (omit for PAdES B-B, where the time is the PDF /M entry). */
  signingTime?: Date;
  /** ESS signing-certificate-v2 value (from `encodeSigningCertificateV2`). */
  signingCertificateV2?: Uint8Array;
  /** CMSAlgorithmProtection (RFC 6211), from `cmsAlgorithmProtectionAttribute`. */
  algorithmProtection?: Attribute;
  /** Further attributes (content hints, commitment types, TSP signing-certificate...). */
  extra?: readonly Attribute[];
}

/** Signed attributes built by buildSignedAttributes: the list and the DER SET OF that is signed. */
export interface SignedAttributes {
  /** The attributes, in the order given. */
  attributes: Attribute[];
  /** DER SET OF (tag 0x31) in DER order: what is signed. */
  der: Uint8Array;
}

/** Builds the signed attributes set. Duplicate attribute types are refused (INVALID_ARGUMENT). */
export function buildSignedAttributes(input: BuildSignedAttributesInput): SignedAttributes {
  const attributes: Attribute[] = [
    contentTypeAttribute(input.contentType),
    messageDigestAttribute(input.messageDigest),
  ];
  if (input.signingTime) attributes.push(signingTimeAttribute(input.signingTime));
  if (input.signingCertificateV2)
    attributes.push({ type: OID.signingCertificateV2, values: [input.signingCertificateV2] });
  if (input.algorithmProtection) attributes.push(input.algorithmProtection);
  for (const a of input.extra ?? []) {
    if (a.type === OID.contentType || a.type === OID.messageDigest) {
      throw new KysoError('INVALID_ARGUMENT', `attribute ${a.type} is computed and cannot be given as extra`);
    }
    attributes.push(a);
  }
  return { attributes, der: encodeAttributeSet(attributes) };
}

// ---------------------------------------------------------------------------------------------
// SignerInfo / SignedData / ContentInfo encoding
// ---------------------------------------------------------------------------------------------

/**
 * Input of encodeSignerInfo: identifier, algorithms (DER), signed attributes, signature, unsigned attributes.
 */
export interface EncodeSignerInfoInput {
  /** Which certificate signs (issuer and serial number, or subject key identifier). */
  sid: SignerIdentifier;
  /** DER AlgorithmIdentifier of the digest (e.g. `hashAlgorithmIdentifier('SHA-256')`). */
  digestAlgorithmDer: Uint8Array;
  /** Signed attributes as produced by `buildSignedAttributes(...).der` (SET OF, tag 0x31). */
  signedAttrsDer?: Uint8Array;
  /** DER AlgorithmIdentifier of the signature. */
  signatureAlgorithmDer: Uint8Array;
  /** The signature value. */
  signature: Uint8Array;
  /** Unsigned attributes (e.g. a signature time-stamp). */
  unsignedAttrs?: readonly Attribute[];
}

/** Encodes a SignerIdentifier (issuerAndSerialNumber, or [0] subjectKeyIdentifier). */
export function encodeSignerIdentifier(sid: SignerIdentifier): Uint8Array {
  if (sid.type === 'issuerAndSerialNumber') {
    return seq(sid.issuer.der, tlv(Tag.INTEGER, sid.serialNumber));
  }
  return tlv(ctxTag(0, false), sid.keyIdentifier);
}

/** Encodes a SignerInfo (version 1 for issuerAndSerialNumber, 3 for subjectKeyIdentifier). */
export function encodeSignerInfo(i: EncodeSignerInfoInput): Uint8Array {
  if (i.signedAttrsDer && i.signedAttrsDer[0] !== Tag.SET) {
    throw new KysoError('INVALID_ARGUMENT', 'signedAttrsDer must be a DER SET OF (tag 0x31)');
  }
  return seq(
    integer(i.sid.type === 'issuerAndSerialNumber' ? 1 : 3),
    encodeSignerIdentifier(i.sid),
    i.digestAlgorithmDer,
    i.signedAttrsDer ? implicit(0, i.signedAttrsDer) : undefined,
    i.signatureAlgorithmDer,
    octetString(i.signature),
    i.unsignedAttrs?.length ? implicit(1, encodeAttributeSet(i.unsignedAttrs)) : undefined,
  );
}

/** Input of encodeSignedData: content, digest algorithms, certificates, CRLs and SignerInfos. */
export interface EncodeSignedDataInput {
  /** DER digest AlgorithmIdentifiers (deduplicated and DER-sorted here). */
  digestAlgorithmsDer: readonly Uint8Array[];
  /** The encapsulated content type OID (id-data for a plain signature). */
  eContentType: string;
  /** Content octets; omit for a detached signature. */
  eContent?: Uint8Array;
  /** X.509 certificates (DER); order is DER SET order in the output. */
  certificates?: readonly Uint8Array[];
  /** CRLs (DER CertificateList). */
  crls?: readonly Uint8Array[];
  /** Other revocation info (e.g. OCSP responses with OID_RI_OCSP_RESPONSE). */
  otherRevocationInfo?: readonly OtherRevocationInfo[];
  /** Encoded SignerInfos (from `encodeSignerInfo`). */
  signerInfos: readonly Uint8Array[];
}

function dedupe(items: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const x of items) if (!out.some((y) => bytesEqual(x, y))) out.push(x);
  return out;
}

/** SignedData version (RFC 5652 §5.1) for what we emit: X.509 certs, CRLs, OCSP as other revocation info. */
function signedDataVersion(i: EncodeSignedDataInput): number {
  if ((i.otherRevocationInfo?.length ?? 0) > 0) return 5;
  const anyV3 = i.signerInfos.some((s) => {
    // SignerInfo version is the first INTEGER inside: 30 len 02 01 vv
    const r = new DerReader(DerReader.single(s).value);
    return r.readSmallInteger() === 3;
  });
  if (i.eContentType !== OID.data || anyV3) return 3;
  return 1;
}

/** Encodes SignedData (the SEQUENCE; wrap with `encodeContentInfo(OID.signedData, ...)`). */
export function encodeSignedData(i: EncodeSignedDataInput): Uint8Array {
  const certs = dedupe(i.certificates ?? []);
  const crls = dedupe(i.crls ?? []);
  const others = (i.otherRevocationInfo ?? []).map((o) => explicitOther(o));
  return seq(
    integer(signedDataVersion(i)),
    setOf(...dedupe(i.digestAlgorithmsDer)),
    seq(oid(i.eContentType), i.eContent ? explicit(0, octetString(i.eContent)) : undefined),
    certs.length ? implicit(0, setOf(...certs)) : undefined,
    crls.length || others.length ? implicit(1, setOf(...crls, ...others)) : undefined,
    setOf(...i.signerInfos),
  );
}

function explicitOther(o: OtherRevocationInfo): Uint8Array {
  // [1] IMPLICIT OtherRevocationInfoFormat ::= SEQUENCE { otherRevInfoFormat OID, otherRevInfo ANY }
  return contextConstructed(1, oid(o.format), o.info);
}

/** Encodes ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content }. */
export function encodeContentInfo(contentType: string, contentDer: Uint8Array): Uint8Array {
  return seq(oid(contentType), explicit(0, contentDer));
}

// ---------------------------------------------------------------------------------------------
// ESS signing certificate (RFC 2634 §5.4 v1, RFC 5035 v2)
// ---------------------------------------------------------------------------------------------

/** IssuerSerial of an ESSCertID (RFC 5035): issuer name and serial number. */
export interface IssuerSerial {
  /** The issuer as a directoryName (other GeneralName forms are kept out: kyso never emits them). */
  issuer: Name;
  /** The certificate's serial number (INTEGER content bytes). */
  serialNumber: Uint8Array;
}

/** One ESSCertID / ESSCertIDv2 (RFC 2634 §5.4, RFC 5035): certificate hash and optional issuer/serial. */
export interface EssCertId {
  /** Hash of the whole certificate DER. SHA-1 for v1 (ESSCertID). */
  hashAlgorithm: HashAlgorithm | { unsupported: string };
  /** The hash of the whole certificate. */
  certHash: Uint8Array;
  /** The certificate's issuer and serial number, when given. */
  issuerSerial?: IssuerSerial;
}

/** A SigningCertificate (v1) or SigningCertificateV2 attribute value as parsed. */
export interface SigningCertificate {
  /** 1: SigningCertificate (RFC 2634, SHA-1); 2: SigningCertificateV2 (RFC 5035). */
  version: 1 | 2;
  /** The certificates named, the signer's first. */
  certs: EssCertId[];
  /** Raw DER of the policies SEQUENCE, if present. */
  policies?: Uint8Array;
}

function encodeIssuerSerial(is: IssuerSerial): Uint8Array {
  // GeneralNames with one directoryName ([4] EXPLICIT Name: Name is a CHOICE).
  return seq(seq(explicit(4, is.issuer.der)), tlv(Tag.INTEGER, is.serialNumber));
}

/**
 * SigningCertificateV2 value with one ESSCertIDv2 per certificate (signer first). The hash
 * AlgorithmIdentifier is omitted for SHA-256 (its DEFAULT, X.690 §11.5).
 */
export function encodeSigningCertificateV2(
  certs: readonly { hashAlgorithm: HashAlgorithm; certHash: Uint8Array; issuerSerial?: IssuerSerial }[],
): Uint8Array {
  if (certs.length === 0)
    throw new KysoError('INVALID_ARGUMENT', 'signing-certificate-v2 needs a certificate');
  return seq(
    seq(
      ...certs.map((c) => {
        if (c.hashAlgorithm === 'SHA-1')
          throw new KysoError('WEAK_ALGORITHM', 'ESSCertIDv2 with SHA-1: use v1');
        return seq(
          c.hashAlgorithm === 'SHA-256' ? undefined : hashAlgorithmIdentifier(c.hashAlgorithm),
          octetString(c.certHash),
          c.issuerSerial ? encodeIssuerSerial(c.issuerSerial) : undefined,
        );
      }),
    ),
  );
}

/** SigningCertificate (v1) value; certHash is SHA-1 by definition. For TSAs that need it. */
export function encodeSigningCertificateV1(
  certs: readonly { certHash: Uint8Array; issuerSerial?: IssuerSerial }[],
): Uint8Array {
  if (certs.length === 0) throw new KysoError('INVALID_ARGUMENT', 'signing-certificate needs a certificate');
  return seq(
    seq(
      ...certs.map((c) =>
        seq(octetString(c.certHash), c.issuerSerial ? encodeIssuerSerial(c.issuerSerial) : undefined),
      ),
    ),
  );
}

function parseIssuerSerial(r: DerReader): IssuerSerial {
  const names = r.enter(Tag.SEQUENCE);
  let issuer: Name | undefined;
  let count = 0;
  while (!names.done) {
    const g = names.read();
    if (++count > 16) throw new KysoError('INPUT_TOO_LARGE', 'too many GeneralNames in IssuerSerial');
    if (g.tag === ctxTag(4, true) && !issuer) {
      const gr = inner(g);
      issuer = Name.fromDer(gr.read(Tag.SEQUENCE));
      gr.finish('unexpected data in directoryName');
    }
  }
  if (count === 0) throw schemaError('IssuerSerial with empty GeneralNames');
  const serialNumber = r.readIntegerBytes();
  r.finish('unexpected data in IssuerSerial');
  if (!issuer)
    throw new KysoError('UNSUPPORTED_ALGORITHM', 'IssuerSerial without a directoryName is not supported');
  return { issuer, serialNumber };
}

function hashOrUnsupported(o: string): HashAlgorithm | { unsupported: string } {
  try {
    return hashFromOid(o);
  } catch {
    return { unsupported: o };
  }
}

/** Parses a SigningCertificateV2 attribute value (RFC 5035). */
export function parseSigningCertificateV2(v: Uint8Array): SigningCertificate {
  const r = inner(DerReader.single(v, Tag.SEQUENCE));
  const list = r.enter(Tag.SEQUENCE);
  const certs: EssCertId[] = [];
  while (!list.done) {
    const c = list.enter(Tag.SEQUENCE);
    let hashAlgorithm: EssCertId['hashAlgorithm'] = 'SHA-256';
    if (c.peekTag() === Tag.SEQUENCE) {
      // Parameters may be absent or NULL; an explicitly encoded SHA-256 default is tolerated
      // (common in the wild; the signature covers whatever was encoded).
      hashAlgorithm = hashOrUnsupported(parseAlgorithmId(c.read(Tag.SEQUENCE)).oid);
    }
    const certHash = c.readOctetString();
    const id: EssCertId = { hashAlgorithm, certHash };
    if (!c.done) id.issuerSerial = parseIssuerSerial(c.enter(Tag.SEQUENCE));
    c.finish('unexpected data in ESSCertIDv2');
    certs.push(id);
    bounded(certs, MAX_ESS_CERT_IDS, 'ESSCertIDv2 entries');
  }
  if (certs.length === 0) throw schemaError('SigningCertificateV2 with no certificates');
  const out: SigningCertificate = { version: 2, certs };
  if (!r.done) out.policies = r.read(Tag.SEQUENCE).raw;
  r.finish('unexpected data in SigningCertificateV2');
  return out;
}

/** Parses a SigningCertificate (v1, RFC 2634 §5.4) attribute value; hashes are SHA-1. */
export function parseSigningCertificateV1(v: Uint8Array): SigningCertificate {
  const r = inner(DerReader.single(v, Tag.SEQUENCE));
  const list = r.enter(Tag.SEQUENCE);
  const certs: EssCertId[] = [];
  while (!list.done) {
    const c = list.enter(Tag.SEQUENCE);
    const certHash = c.readOctetString();
    const id: EssCertId = { hashAlgorithm: 'SHA-1', certHash };
    if (!c.done) id.issuerSerial = parseIssuerSerial(c.enter(Tag.SEQUENCE));
    c.finish('unexpected data in ESSCertID');
    certs.push(id);
    bounded(certs, MAX_ESS_CERT_IDS, 'ESSCertID entries');
  }
  if (certs.length === 0) throw schemaError('SigningCertificate with no certificates');
  const out: SigningCertificate = { version: 1, certs };
  if (!r.done) out.policies = r.read(Tag.SEQUENCE).raw;
  r.finish('unexpected data in SigningCertificate');
  return out;
}

/** IssuerSerial for a certificate given its issuer name and serial INTEGER bytes (DER: minimal). */
export function issuerSerialOf(cert: { issuer: Name; serialNumber: Uint8Array }): IssuerSerial {
  return { issuer: cert.issuer, serialNumber: minimalIntegerBytes(cert.serialNumber) };
}
