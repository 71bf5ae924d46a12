/**
 * XAdES (ETSI EN 319 132-1) baseline B-B, B-T, B-LT and B-LTA, and counter-signatures.
 *
 * B-B: a ds:Object with xades:QualifyingProperties/SignedProperties (SigningTime,
 * SigningCertificateV2, DataObjectFormat) covered by a Reference of Type
 * `http://uri.etsi.org/01903#SignedProperties`.
 * B-T: xades:SignatureTimeStamp over the canonicalised ds:SignatureValue element, added as an
 * unsigned property; the upgrade inserts text after the signed content and touches nothing signed.
 * B-LT: xades:CertificateValues and xades:RevocationValues.
 * B-LTA: xades141:ArchiveTimeStamp (EN 319 132-1 5.5.2, v1.4.1 namespace) over the references'
 * data, SignedInfo, SignatureValue, KeyInfo, the unsigned signature properties before it and the
 * ds:Objects other than the QualifyingProperties one. XAdES 1.3.2 xades:ArchiveTimeStamp is
 * verified too (its ds:Object rule: only Objects no Reference points to).
 * Counter-signatures (xades:CounterSignature): a ds:Signature whose Reference covers the
 * countersigned ds:SignatureValue element; made by `counterSignXml` (sign/prepare.ts).
 */
import {
  Certificate,
  type HashAlgorithm,
  type TimeStamper,
  type TrustStore,
  der,
  toBase64,
  verifyTimeStampToken,
} from '@kyso/pki-core';
import { DIGEST_URI, DIGEST_URI_OF, DSIG_NS, digestSync } from '../dsig/algorithms.js';
import {
  type DetachedResolver,
  type ReferenceContext,
  applyTransforms,
  decodeBase64Loose,
  dereference,
  textOf,
} from '../dsig/reference.js';
import type { XmlSignatureResult } from '../dsig/verify.js';
import { C14N10, type C14nAlgorithm, c14nAlgorithm, canonicalize } from '../xml/c14n.js';
import {
  type XmlDocument,
  type XmlElement,
  attr,
  childElements,
  descendants,
  firstChild,
  ownerDocument,
} from '../xml/dom.js';
import { XmlError } from '../xml/errors.js';
import { type ParseXmlOptions, parseXml } from '../xml/parser.js';

/**
 * XAdES 1.3.2 namespace (ETSI EN 319 132-1, `xades:`), of QualifyingProperties, SignedProperties,
 * SignatureTimeStamp, CertificateValues, RevocationValues, CounterSignature...
 */
export const XADES_NS = 'http://uri.etsi.org/01903/v1.3.2#';
/** XAdES 1.4.1 namespace (ETSI EN 319 132-1, `xades141:`), of ArchiveTimeStamp (B-LTA, §5.5.2). */
export const XADES141_NS = 'http://uri.etsi.org/01903/v1.4.1#';
/**
 * The Type of the ds:Reference that covers xades:SignedProperties (ETSI EN 319 132-1, a requirement
 * of every baseline signature).
 */
export const SIGNED_PROPERTIES_TYPE = 'http://uri.etsi.org/01903#SignedProperties';

/**
 * The Type of a counter-signature's ds:Reference to the countersigned ds:SignatureValue (ETSI EN 319
 * 132-1 §5.2.7).
 */
export const COUNTERSIGNED_SIGNATURE_TYPE = 'http://uri.etsi.org/01903#CountersignedSignature';

/**
 * A XAdES baseline level (ETSI EN 319 132-1 §6): `B-B` (signed properties: SigningTime,
 * SigningCertificateV2, DataObjectFormat), `B-T` (+ SignatureTimeStamp), `B-LT` (+ CertificateValues
 * and RevocationValues proving every certificate's status), `B-LTA` (+ ArchiveTimeStamp).
 */
export type XadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

/** What `xadesObjectXml` writes into xades:SignedProperties (ETSI EN 319 132-1 §5.2). */
export interface XadesSignedPropertiesInput {
  /** Id of the ds:Signature (QualifyingProperties/@Target points to it). */
  signatureId: string;
  /** Id of xades:SignedProperties (the SignedProperties Reference points to it). */
  signedPropertiesId: string;
  /** The signer's certificate, DER (SigningCertificateV2: its digest and IssuerSerialV2, §5.2.2). */
  signingCertificate: Uint8Array;
  /** xades:SigningTime (§5.2.1), written in UTC to the second. */
  signingTime: Date;
  /** Data object formats: the data Reference's Id and its MIME type. */
  dataObjects: { referenceId: string; mimeType: string }[];
  /** Digest of SigningCertificateV2's CertDigest (default SHA-256). */
  digest?: Exclude<HashAlgorithm, 'SHA-1'>;
}

/** DER IssuerSerial { GeneralNames { directoryName [4] Name }, serialNumber } (RFC 5035). */
function issuerSerialV2(cert: Certificate): Uint8Array {
  return der.seq(der.seq(der.explicit(4, cert.issuer.der)), der.integerFromUnsigned(cert.serialNumber));
}

/** The ds:Object holding QualifyingProperties with SignedProperties (prefix `xades:`, ds as `ds:`). */
export function xadesObjectXml(p: string, input: XadesSignedPropertiesInput): string {
  const cert = Certificate.fromDer(input.signingCertificate);
  const hash = input.digest ?? 'SHA-256';
  const ds = p === '' ? 'ds:' : p;
  const dsDecl = p === '' ? ` xmlns:ds="${DSIG_NS}"` : '';
  const dof = input.dataObjects
    .map(
      (d) =>
        `<xades:DataObjectFormat ObjectReference="#${d.referenceId}"><xades:MimeType>${d.mimeType}</xades:MimeType></xades:DataObjectFormat>`,
    )
    .join('');
  return (
    `<${p}Object><xades:QualifyingProperties xmlns:xades="${XADES_NS}"${dsDecl} Target="#${input.signatureId}">` +
    `<xades:SignedProperties Id="${input.signedPropertiesId}"><xades:SignedSignatureProperties>` +
    `<xades:SigningTime>${input.signingTime.toISOString().replace(/\.\d{3}Z$/, 'Z')}</xades:SigningTime>` +
    `<xades:SigningCertificateV2><xades:Cert><xades:CertDigest><${ds}DigestMethod Algorithm="${DIGEST_URI_OF[hash]}"/>` +
    `<${ds}DigestValue>${toBase64(digestSync(hash, cert.der))}</${ds}DigestValue></xades:CertDigest>` +
    `<xades:IssuerSerialV2>${toBase64(issuerSerialV2(cert))}</xades:IssuerSerialV2></xades:Cert></xades:SigningCertificateV2>` +
    `</xades:SignedSignatureProperties>${dof ? `<xades:SignedDataObjectProperties>${dof}</xades:SignedDataObjectProperties>` : ''}` +
    `</xades:SignedProperties></xades:QualifyingProperties></${p}Object>`
  );
}

/** The signature's own xades:QualifyingProperties (in one of its ds:Objects). */
export function qualifyingProperties(signature: XmlElement): XmlElement | undefined {
  for (const o of childElements(signature, DSIG_NS, 'Object')) {
    const q = firstChild(o, XADES_NS, 'QualifyingProperties');
    if (q) return q;
  }
  return undefined;
}

/** QualifyingProperties/UnsignedProperties/UnsignedSignatureProperties (not a nested signature's). */
export function unsignedSignatureProperties(qp: XmlElement): XmlElement | undefined {
  const up = firstChild(qp, XADES_NS, 'UnsignedProperties');
  return up ? firstChild(up, XADES_NS, 'UnsignedSignatureProperties') : undefined;
}

/** The signature a counter-signature countersigns (its nearest ds:Signature ancestor), if it is one. */
export function counterSignedSignature(sig: XmlElement): XmlElement | undefined {
  const cs = sig.parent;
  if (cs.kind !== 'element' || cs.ns !== XADES_NS || cs.local !== 'CounterSignature') return undefined;
  let n: XmlElement | XmlDocument = cs.parent;
  while (n.kind === 'element') {
    if (n.ns === DSIG_NS && n.local === 'Signature') return n;
    n = n.parent;
  }
  return undefined;
}

/** Namespace declarations an element inserted under `parent` needs for these prefixes. */
export function missingDecls(parent: XmlElement, want: Record<string, string>): string {
  const scope = inScopeOf(parent);
  let out = '';
  for (const [p, ns] of Object.entries(want)) if (scope.get(p) !== ns) out += ` xmlns:${p}="${ns}"`;
  return out;
}

function inScopeOf(el: XmlElement): Map<string, string> {
  const chain: XmlElement[] = [];
  let n: XmlElement | XmlDocument = el;
  while (n.kind === 'element') {
    chain.push(n);
    n = n.parent;
  }
  const m = new Map<string, string>();
  for (let i = chain.length - 1; i >= 0; i--) for (const [p, u] of chain[i]!.nsDecls) m.set(p, u);
  return m;
}

function randomHex(): string {
  return [...globalThis.crypto.getRandomValues(new Uint8Array(8))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

/** The ds:Signature with Id `signatureId`, or the document's first ds:Signature (document order). */
export function findSignature(doc: XmlDocument, signatureId: string | undefined): XmlElement | undefined {
  if (signatureId) {
    const el = doc.ids.get(signatureId);
    return el && el.ns === DSIG_NS && el.local === 'Signature' ? el : undefined;
  }
  return [...descendants(doc)].find((e) => e.ns === DSIG_NS && e.local === 'Signature');
}

/** Options of `archiveTimeStampInput` (ETSI EN 319 132-1 §5.5.2 archive time-stamp input). */
export interface ArchiveTimeStampInputOptions {
  /** Detached content: the References' data is part of the input. */
  resolveDetached?: DetachedResolver;
  /** Parser limits, when a transform parses octets. */
  parseOptions?: ParseXmlOptions;
  /** XAdES 1.3.2 xades:ArchiveTimeStamp: ds:Objects a Reference points to are left out. */
  xades132?: boolean;
  /**
   * Reused between the archive time-stamps of one signature: the part before the unsigned
   * properties (References' data, SignedInfo, SignatureValue, KeyInfo) per canonicalisation.
   */
  cache?: Map<string, Uint8Array[]>;
}

/** Archive time-stamps checked per signature (each re-reads the signed data: bounded work). */
export const MAX_ARCHIVE_TIMESTAMPS = 16;
/** Signature time-stamps checked per signature. */
export const MAX_SIGNATURE_TIMESTAMPS = 16;

/**
 * The octets an ArchiveTimeStamp's message imprint covers (EN 319 132-1 5.5.2.2, implicit
 * mechanism): each Reference's data after its transforms (a node-set canonicalised with `c14n`),
 * then ds:SignedInfo, ds:SignatureValue, ds:KeyInfo, the unsigned signature properties before
 * `ats` (all of them when `ats` is undefined: a new time-stamp goes last), and the ds:Objects
 * other than the one holding QualifyingProperties, each canonicalised with `c14n`.
 */
export function archiveTimeStampInput(
  signature: XmlElement,
  ats: XmlElement | undefined,
  c14n: C14nAlgorithm,
  opts: ArchiveTimeStampInputOptions = {},
): Uint8Array {
  const doc = ownerDocument(signature);
  const ctx: ReferenceContext = {
    doc,
    signature,
    resolveDetached: opts.resolveDetached,
    parseOptions: opts.parseOptions,
  };
  const si = firstChild(signature, DSIG_NS, 'SignedInfo');
  if (!si) throw new XmlError('XML_MALFORMED', 'Signature without SignedInfo');
  const c = (el: XmlElement): Uint8Array =>
    canonicalize(el, { method: c14n.method, comments: c14n.comments });
  const referenced = new Set<string>();
  for (const ref of childElements(si, DSIG_NS, 'Reference')) {
    const uri = attr(ref, 'URI');
    if (uri?.startsWith('#')) referenced.add(decodeURIComponent(uri.slice(1)));
  }
  const key = `${c14n.method}|${c14n.comments}`;
  const cached = opts.cache?.get(key);
  const parts: Uint8Array[] = cached ? [...cached] : [];
  for (const ref of cached ? [] : childElements(si, DSIG_NS, 'Reference')) {
    const uri = attr(ref, 'URI');
    const tr = firstChild(ref, DSIG_NS, 'Transforms');
    const d = applyTransforms(dereference(uri, ctx), tr ? childElements(tr, DSIG_NS, 'Transform') : [], ctx);
    parts.push(
      d.kind === 'octets'
        ? d.bytes
        : canonicalize(d.node, {
            method: c14n.method,
            comments: c14n.comments && d.comments,
            exclude: d.exclude,
          }),
    );
  }
  if (!cached) {
    parts.push(c(si));
    const sv = firstChild(signature, DSIG_NS, 'SignatureValue');
    if (sv) parts.push(c(sv));
    const ki = firstChild(signature, DSIG_NS, 'KeyInfo');
    if (ki) parts.push(c(ki));
    opts.cache?.set(key, [...parts]);
  }
  const qp = qualifyingProperties(signature);
  const usp = qp ? unsignedSignatureProperties(qp) : undefined;
  for (const p of usp ? childElements(usp) : []) {
    if (p === ats) break;
    parts.push(c(p));
  }
  for (const o of childElements(signature, DSIG_NS, 'Object')) {
    if (firstChild(o, XADES_NS, 'QualifyingProperties')) continue;
    if (opts.xades132) {
      const id = attr(o, 'Id') ?? attr(o, 'ID') ?? attr(o, 'id');
      if (id !== undefined && referenced.has(id)) continue;
    }
    parts.push(c(o));
  }
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * B-LT → B-LTA: adds a xades141:ArchiveTimeStamp (v1.4.1 namespace) after every other unsigned
 * property. Run it again later to renew the archive time-stamp (each covers the ones before it).
 * Nothing signed changes, and neither does any property an earlier time-stamp covers.
 */
export async function addXadesArchiveTimeStamp(
  signedXml: Uint8Array | string,
  timeStamper: TimeStamper,
  opts: {
    signatureId?: string;
    hash?: Exclude<HashAlgorithm, 'SHA-1'>;
    resolveDetached?: DetachedResolver;
    parseOptions?: ParseXmlOptions;
  } = {},
): Promise<Uint8Array> {
  const doc = parseXml(signedXml, opts.parseOptions);
  const sig = findSignature(doc, opts.signatureId);
  if (!sig) throw new XmlError('XML_REFUSED', 'no signature to time-stamp');
  const qp = qualifyingProperties(sig);
  if (!qp || qp.contentEnd < 0)
    throw new XmlError('XML_REFUSED', 'not a XAdES signature (no QualifyingProperties)');
  const hash = opts.hash ?? 'SHA-256';
  const input = archiveTimeStampInput(
    sig,
    undefined,
    { method: '1.0', comments: false },
    {
      ...(opts.resolveDetached ? { resolveDetached: opts.resolveDetached } : {}),
      ...(opts.parseOptions ? { parseOptions: opts.parseOptions } : {}),
    },
  );
  const token = await timeStamper(digestSync(hash, input), hash);
  const parent = unsignedSignatureProperties(qp) ?? qp;
  const decls = missingDecls(parent, { xades141: XADES141_NS, xades: XADES_NS, ds: DSIG_NS });
  const stamp = `<xades141:ArchiveTimeStamp${decls} Id="ATS-${randomHex()}"><ds:CanonicalizationMethod Algorithm="${C14N10}"/><xades:EncapsulatedTimeStamp>${toBase64(token)}</xades:EncapsulatedTimeStamp></xades141:ArchiveTimeStamp>`;
  return appendUnsignedProperty(doc.text, qp, stamp);
}

/**
 * B-B → B-T: time-stamps the canonical ds:SignatureValue and adds xades:SignatureTimeStamp as an
 * unsigned property. The bytes before the insertion point (everything signed) are unchanged.
 */
export async function addXadesSignatureTimeStamp(
  signedXml: Uint8Array | string,
  timeStamper: TimeStamper,
  opts: { signatureId?: string; hash?: Exclude<HashAlgorithm, 'SHA-1'> } = {},
): Promise<Uint8Array> {
  const doc = parseXml(signedXml);
  const sig = findSignature(doc, opts.signatureId);
  if (!sig) throw new XmlError('XML_REFUSED', 'no signature to time-stamp');
  const qp = qualifyingProperties(sig);
  if (!qp || qp.contentEnd < 0)
    throw new XmlError('XML_REFUSED', 'not a XAdES signature (no QualifyingProperties)');
  const sv = firstChild(sig, DSIG_NS, 'SignatureValue');
  if (!sv) throw new XmlError('XML_MALFORMED', 'no SignatureValue');
  const hash = opts.hash ?? 'SHA-256';
  const imprint = digestSync(hash, canonicalize(sv, { method: '1.0', comments: false }));
  const token = await timeStamper(imprint, hash);
  const decls = missingDecls(unsignedSignatureProperties(qp) ?? qp, { xades: XADES_NS, ds: DSIG_NS });
  const stamp = `<xades:SignatureTimeStamp${decls} Id="TS-${randomHex()}"><ds:CanonicalizationMethod Algorithm="${C14N10}"/><xades:EncapsulatedTimeStamp>${toBase64(token)}</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp>`;
  return appendUnsignedProperty(doc.text, qp, stamp);
}

/** Appends to UnsignedSignatureProperties (created if absent), after every signed byte. */
export function appendUnsignedProperty(text: string, qp: XmlElement, xml: string): Uint8Array {
  return new TextEncoder().encode(insertUnsignedProperty(text, qp, xml).text);
}

/** Inserts `xml` as the last unsigned signature property; returns the text and the insertion offset. */
export function insertUnsignedProperty(
  text: string,
  qp: XmlElement,
  xml: string,
): { text: string; at: number } {
  const usp = unsignedSignatureProperties(qp);
  if (usp && usp.contentEnd >= 0)
    return { text: text.slice(0, usp.contentEnd) + xml + text.slice(usp.contentEnd), at: usp.contentEnd };
  if (usp) throw new XmlError('XML_REFUSED', 'empty-element UnsignedSignatureProperties is not extended');
  const up = firstChild(qp, XADES_NS, 'UnsignedProperties');
  const px = qp.prefix ? `${qp.prefix}:` : '';
  if (up && up.contentEnd >= 0) {
    const open = `<${px}UnsignedSignatureProperties>`;
    return {
      text: `${text.slice(0, up.contentEnd)}${open}${xml}</${px}UnsignedSignatureProperties>${text.slice(up.contentEnd)}`,
      at: up.contentEnd + open.length,
    };
  }
  if (up) throw new XmlError('XML_REFUSED', 'empty-element UnsignedProperties is not extended');
  const open = `<${px}UnsignedProperties><${px}UnsignedSignatureProperties>`;
  return {
    text: `${text.slice(0, qp.contentEnd)}${open}${xml}</${px}UnsignedSignatureProperties></${px}UnsignedProperties>${text.slice(qp.contentEnd)}`,
    at: qp.contentEnd + open.length,
  };
}

/**
 * B-T → B-LT: adds xades:CertificateValues (the chain and the time-stamp authorities' certificates)
 * and xades:RevocationValues (DER CRLs and OCSP responses) as unsigned properties. The caller
 * collects the data (pki-core's revocation fetcher or its own sources); nothing signed changes.
 */
export function addXadesValidationData(
  signedXml: Uint8Array | string,
  data: {
    certificates: readonly Uint8Array[];
    crls?: readonly Uint8Array[];
    ocspResponses?: readonly Uint8Array[];
    /** The signature to extend (default: the first of the document). */
    signatureId?: string;
  },
): Uint8Array {
  const doc = parseXml(signedXml);
  const sig = findSignature(doc, data.signatureId);
  const qp = sig ? qualifyingProperties(sig) : undefined;
  if (!qp || qp.contentEnd < 0)
    throw new XmlError('XML_REFUSED', 'not a XAdES signature (no QualifyingProperties)');
  const certs = data.certificates
    .map((c) => `<xades:EncapsulatedX509Certificate>${toBase64(c)}</xades:EncapsulatedX509Certificate>`)
    .join('');
  const crls = (data.crls ?? [])
    .map((c) => `<xades:EncapsulatedCRLValue>${toBase64(c)}</xades:EncapsulatedCRLValue>`)
    .join('');
  const ocsps = (data.ocspResponses ?? [])
    .map((o) => `<xades:EncapsulatedOCSPValue>${toBase64(o)}</xades:EncapsulatedOCSPValue>`)
    .join('');
  const rv =
    (crls ? `<xades:CRLValues>${crls}</xades:CRLValues>` : '') +
    (ocsps ? `<xades:OCSPValues>${ocsps}</xades:OCSPValues>` : '');
  const decl = missingDecls(unsignedSignatureProperties(qp) ?? qp, { xades: XADES_NS });
  return appendUnsignedProperty(
    doc.text,
    qp,
    `<xades:CertificateValues${decl}>${certs}</xades:CertificateValues><xades:RevocationValues${decl}>${rv}</xades:RevocationValues>`,
  );
}

/** CRLs, OCSP responses and certificates carried in the B-LT unsigned properties. */
export function xadesValidationData(signature: XmlElement): {
  certificates: Uint8Array[];
  crls: Uint8Array[];
  ocspResponses: Uint8Array[];
} {
  const out = {
    certificates: [] as Uint8Array[],
    crls: [] as Uint8Array[],
    ocspResponses: [] as Uint8Array[],
  };
  const qp = qualifyingProperties(signature);
  const usp = qp ? unsignedSignatureProperties(qp) : undefined;
  if (!usp) return out;
  // Every property but counter-signatures (their data belongs to them).
  const props = childElements(usp).filter((e) => !(e.ns === XADES_NS && e.local === 'CounterSignature'));
  for (const e of props.flatMap((p) => [...descendants(p, true)])) {
    if (e.ns !== XADES_NS) continue;
    try {
      if (e.local === 'EncapsulatedX509Certificate') out.certificates.push(decodeBase64Loose(textOf(e)));
      else if (e.local === 'EncapsulatedCRLValue') out.crls.push(decodeBase64Loose(textOf(e)));
      else if (e.local === 'EncapsulatedOCSPValue') out.ocspResponses.push(decodeBase64Loose(textOf(e)));
    } catch {
      // unreadable entries are not usable validation data
    }
  }
  return out;
}

/**
 * The verification of one XAdES time-stamp (SignatureTimeStamp §5.3, ArchiveTimeStamp §5.5.2): an RFC
 * 3161 token whose imprint must cover the canonicalised data the property defines.
 */
export interface XadesTimeStampResult {
  /** The token's genTime. */
  genTime?: Date;
  /**
   * The RFC 3161 token's verification status (pki-core `verifyTimeStampToken`): `failed` on a broken
   * imprint, signature or token, `indeterminate` when the TSA certificate cannot be validated.
   */
  status: 'passed' | 'failed' | 'indeterminate';
  /** The token's message imprint matches the data it must cover (DSS "message imprint intact"). */
  imprintIntact?: boolean;
  /** The TSA's signature over the token verifies (DSS "signature intact"). */
  signatureIntact?: boolean;
  /** Archive time-stamps: '1.4.1' (xades141:ArchiveTimeStamp) or '1.3.2' (xades:ArchiveTimeStamp). */
  namespace?: '1.3.2' | '1.4.1';
  /** Why, when not `passed`. */
  detail?: string;
}

/**
 * The XAdES part of a signature's verification (ETSI EN 319 132-1): the level its structure reaches
 * and the checks of its signed and unsigned properties.
 */
export interface XadesResult {
  /** Level reached by structure and checks (undefined: plain XML-DSig, no SignedProperties). */
  level?: XadesLevel;
  /** A valid Reference of Type `SIGNED_PROPERTIES_TYPE` covers the signature's SignedProperties. */
  signedPropertiesCovered: boolean;
  /** xades:SigningTime (claimed by the signer, not proof). */
  signingTime?: Date;
  /** SigningCertificateV2 (or V1) digest matches the certificate that verified the signature. */
  signingCertificateMatches: boolean;
  /** xades:DataObjectFormat entries: the Reference they describe and its MIME type. */
  dataObjectFormats: { objectReference: string; mimeType?: string }[];
  /** Each xades:SignatureTimeStamp, in document order. */
  signatureTimeStamps: XadesTimeStampResult[];
  /** Each archive time-stamp (xades141 or xades 1.3.2), in document order. */
  archiveTimeStamps: XadesTimeStampResult[];
  /** Number of xades:CounterSignature properties (each reported as a signature of its own). */
  counterSignatures: number;
  /**
   * When this signature is a counter-signature: the countersigned signature's Id, and whether a
   * valid Reference of this signature covers that signature's very ds:SignatureValue element.
   */
  counterSignatureOf?: { signatureId?: string; countersignedValueCovered: boolean };
  /** XAdES deviations found, in words (missing or mismatching properties, checks skipped past limits). */
  problems: string[];
}

/** Options of `verifyXades`: what the time-stamps' TSA certificates are validated against. */
export interface VerifyXadesOptions {
  /** Trust anchors for the TSA certificates (without it time-stamps are at best `indeterminate`). */
  trustStore?: TrustStore;
  /** Further certificates for the TSA paths (e.g. from xades:CertificateValues). */
  certificates?: readonly Certificate[];
  /** Detached content (archive time-stamps re-process the References). */
  resolveDetached?: DetachedResolver;
  /** Parser limits, when a transform parses octets. */
  parseOptions?: ParseXmlOptions;
}

async function checkTimeStamp(
  ts: XmlElement,
  data: () => Uint8Array,
  certificates: Certificate[],
  trustStore: TrustStore | undefined,
): Promise<XadesTimeStampResult> {
  const et = firstChild(ts, XADES_NS, 'EncapsulatedTimeStamp');
  if (!et) return { status: 'failed', detail: 'no EncapsulatedTimeStamp' };
  try {
    const token = decodeBase64Loose(textOf(et));
    const rep = await verifyTimeStampToken(token, {
      data: data(),
      certificates,
      ...(trustStore ? { trustStore } : {}),
    });
    const check = (name: string) => rep.checks.find((x) => x.check === name)?.status;
    return {
      genTime: rep.genTime,
      status: rep.status,
      imprintIntact: check('message-imprint') === 'passed',
      signatureIntact: check('signature') === 'passed',
      detail:
        rep.checks
          .filter((x) => x.status !== 'passed')
          .map((x) => `${x.check}: ${x.detail ?? x.reason}`)
          .join('; ') || undefined,
    };
  } catch (e) {
    return { status: 'failed', detail: (e as Error).message };
  }
}

function c14nOf(ts: XmlElement): C14nAlgorithm {
  const cm = firstChild(ts, DSIG_NS, 'CanonicalizationMethod');
  // Absent or empty Algorithm: the XML-DSig default (inclusive C14N 1.0).
  return c14nAlgorithm(cm ? (attr(cm, 'Algorithm') ?? '') : C14N10) ?? { method: '1.0', comments: false };
}

/** XAdES checks on top of core validation (`core` from verifyXmlSignature on the same document). */
export async function verifyXades(
  core: XmlSignatureResult,
  opts: VerifyXadesOptions = {},
): Promise<XadesResult> {
  const out: XadesResult = {
    signedPropertiesCovered: false,
    signingCertificateMatches: false,
    dataObjectFormats: [],
    signatureTimeStamps: [],
    archiveTimeStamps: [],
    counterSignatures: 0,
    problems: [],
  };
  const master = counterSignedSignature(core.signature);
  if (master) {
    const msv = firstChild(master, DSIG_NS, 'SignatureValue');
    const covered =
      !!msv &&
      core.references.some((r) => r.valid && r.signed?.kind === 'element' && r.signed.element === msv);
    out.counterSignatureOf = {
      ...(attr(master, 'Id') ? { signatureId: attr(master, 'Id') } : {}),
      countersignedValueCovered: covered,
    };
    if (!covered)
      out.problems.push('the counter-signature does not cover the countersigned ds:SignatureValue');
  }
  const qp = qualifyingProperties(core.signature);
  if (!qp) return out;
  const sp = firstChild(qp, XADES_NS, 'SignedProperties');
  if (!sp) {
    out.problems.push('QualifyingProperties without SignedProperties');
    return out;
  }
  const spRef = core.references.find((r) => r.type === SIGNED_PROPERTIES_TYPE);
  out.signedPropertiesCovered =
    !!spRef?.valid && spRef.signed?.kind === 'element' && spRef.signed.element === sp;
  if (!out.signedPropertiesCovered)
    out.problems.push('SignedProperties not covered by a valid Reference of type SignedProperties');
  const ssp = firstChild(sp, XADES_NS, 'SignedSignatureProperties');
  const st = ssp ? firstChild(ssp, XADES_NS, 'SigningTime') : undefined;
  if (st) {
    const d = new Date(textOf(st).trim());
    if (Number.isNaN(d.getTime())) out.problems.push('SigningTime is not a date');
    else out.signingTime = d;
  }
  const signer = core.key && 'certificate' in core.key ? core.key.certificate : undefined;
  const sc = ssp
    ? (firstChild(ssp, XADES_NS, 'SigningCertificateV2') ?? firstChild(ssp, XADES_NS, 'SigningCertificate'))
    : undefined;
  if (sc && signer) {
    for (const c of childElements(sc, XADES_NS, 'Cert')) {
      const cd = firstChild(c, XADES_NS, 'CertDigest');
      const dm = cd ? firstChild(cd, DSIG_NS, 'DigestMethod') : undefined;
      const dv = cd ? firstChild(cd, DSIG_NS, 'DigestValue') : undefined;
      const alg = dm ? DIGEST_URI[attr(dm, 'Algorithm') ?? ''] : undefined;
      if (!alg || !dv) continue;
      let want: Uint8Array;
      try {
        want = decodeBase64Loose(textOf(dv));
      } catch {
        out.problems.push('SigningCertificate digest is not base64');
        continue;
      }
      const got = digestSync(alg, signer.der);
      if (want.length === got.length && want.every((b, i) => b === got[i]))
        out.signingCertificateMatches = true;
    }
  }
  if (!out.signingCertificateMatches)
    out.problems.push('no SigningCertificate(V2) entry matches the signing certificate');
  const sdop = firstChild(sp, XADES_NS, 'SignedDataObjectProperties');
  for (const d of sdop ? childElements(sdop, XADES_NS, 'DataObjectFormat') : []) {
    const mt = firstChild(d, XADES_NS, 'MimeType');
    out.dataObjectFormats.push({
      objectReference: attr(d, 'ObjectReference') ?? '',
      mimeType: mt ? textOf(mt).trim() : undefined,
    });
  }
  // Unsigned properties: time-stamps (signature, archive), validation data, counter-signatures.
  const sv = firstChild(core.signature, DSIG_NS, 'SignatureValue');
  const usp = unsignedSignatureProperties(qp);
  const props = usp ? childElements(usp) : [];
  // Intermediates for the TSAs: the signature's own KeyInfo chain, its B-LT certificate values and
  // whatever the caller adds.
  const lt = xadesValidationData(core.signature);
  const ltCerts = lt.certificates.flatMap((d) => {
    try {
      return [Certificate.fromDer(d)];
    } catch {
      return [];
    }
  });
  const pool = [...core.keyInfo.certificates, ...ltCerts, ...(opts.certificates ?? [])];
  let hasLt = false;
  let hasRv = false;
  const cache = new Map<string, Uint8Array[]>();
  let tooMany = false;
  for (const p of props) {
    if (p.ns === XADES_NS && p.local === 'SignatureTimeStamp') {
      if (out.signatureTimeStamps.length >= MAX_SIGNATURE_TIMESTAMPS) {
        tooMany = true;
        continue;
      }
      if (!sv) {
        out.signatureTimeStamps.push({ status: 'failed', detail: 'no SignatureValue' });
        continue;
      }
      const c = c14nOf(p);
      out.signatureTimeStamps.push(await checkTimeStamp(p, () => canonicalize(sv, c), pool, opts.trustStore));
    } else if (p.local === 'ArchiveTimeStamp' && (p.ns === XADES141_NS || p.ns === XADES_NS)) {
      if (out.archiveTimeStamps.length >= MAX_ARCHIVE_TIMESTAMPS) {
        tooMany = true;
        continue;
      }
      const xades132 = p.ns === XADES_NS;
      const c = c14nOf(p);
      let input: Uint8Array | undefined;
      let why: string | undefined;
      try {
        input = archiveTimeStampInput(core.signature, p, c, {
          xades132,
          cache,
          ...(opts.resolveDetached ? { resolveDetached: opts.resolveDetached } : {}),
          ...(opts.parseOptions ? { parseOptions: opts.parseOptions } : {}),
        });
      } catch (e) {
        if (!(e instanceof XmlError)) throw e;
        why = e.message;
      }
      const r = input
        ? await checkTimeStamp(p, () => input, pool, opts.trustStore)
        : ({ status: 'failed', detail: `archive time-stamp data: ${why}` } as XadesTimeStampResult);
      out.archiveTimeStamps.push({ ...r, namespace: xades132 ? '1.3.2' : '1.4.1' });
    } else if (p.ns === XADES_NS && p.local === 'CertificateValues') hasLt = true;
    else if (p.ns === XADES_NS && p.local === 'RevocationValues') hasRv = true;
    else if (p.ns === XADES_NS && p.local === 'CounterSignature') out.counterSignatures++;
  }
  if (tooMany)
    out.problems.push(
      `more than ${MAX_SIGNATURE_TIMESTAMPS} signature or ${MAX_ARCHIVE_TIMESTAMPS} archive time-stamps: the rest were not checked`,
    );
  if (core.valid && out.signedPropertiesCovered && out.signingCertificateMatches) {
    const stamped = out.signatureTimeStamps.some((t) => t.status !== 'failed');
    const archived =
      out.archiveTimeStamps.length > 0 && out.archiveTimeStamps.every((t) => t.status !== 'failed');
    out.level = stamped ? (hasLt && hasRv ? (archived ? 'B-LTA' : 'B-LT') : 'B-T') : 'B-B';
  }
  return out;
}
