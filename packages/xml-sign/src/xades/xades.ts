/**
 * XAdES (ETSI EN 319 132-1) baseline B-B and B-T — partial.
 *
 * B-B: a ds:Object with xades:QualifyingProperties/SignedProperties (SigningTime,
 * SigningCertificateV2, DataObjectFormat) covered by a Reference of Type
 * `http://uri.etsi.org/01903#SignedProperties`.
 * B-T: xades:SignatureTimeStamp over the canonicalised ds:SignatureValue element, added as an
 * unsigned property; the upgrade inserts text after the signed content and touches nothing signed.
 * Not yet: B-LT (CertificateValues, RevocationValues), B-LTA (ArchiveTimeStamp, 1.4.1 namespace),
 * counter-signatures.
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
import { decodeBase64Loose, textOf } from '../dsig/reference.js';
import type { XmlSignatureResult } from '../dsig/verify.js';
import { C14N10, c14nAlgorithm, canonicalize } from '../xml/c14n.js';
import { type XmlElement, attr, childElements, descendants, firstChild } from '../xml/dom.js';
import { XmlError } from '../xml/errors.js';
import { parseXml } from '../xml/parser.js';

export const XADES_NS = 'http://uri.etsi.org/01903/v1.3.2#';
export const XADES141_NS = 'http://uri.etsi.org/01903/v1.4.1#';
export const SIGNED_PROPERTIES_TYPE = 'http://uri.etsi.org/01903#SignedProperties';

export type XadesLevel = 'B-B' | 'B-T' | 'B-LT';

export interface XadesSignedPropertiesInput {
  signatureId: string;
  signedPropertiesId: string;
  signingCertificate: Uint8Array;
  signingTime: Date;
  /** Data object formats: the data Reference's Id and its MIME type. */
  dataObjects: { referenceId: string; mimeType: string }[];
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

function qualifyingProperties(signature: XmlElement): XmlElement | undefined {
  for (const o of childElements(signature, DSIG_NS, 'Object')) {
    const q = firstChild(o, XADES_NS, 'QualifyingProperties');
    if (q) return q;
  }
  return undefined;
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
  const sig = opts.signatureId
    ? doc.ids.get(opts.signatureId)
    : [...descendants(doc)].find((e) => e.ns === DSIG_NS && e.local === 'Signature');
  if (!sig) throw new XmlError('XML_REFUSED', 'no signature to time-stamp');
  const qp = qualifyingProperties(sig);
  if (!qp || qp.contentEnd < 0)
    throw new XmlError('XML_REFUSED', 'not a XAdES signature (no QualifyingProperties)');
  const sv = firstChild(sig, DSIG_NS, 'SignatureValue');
  if (!sv) throw new XmlError('XML_MALFORMED', 'no SignatureValue');
  const hash = opts.hash ?? 'SHA-256';
  const imprint = digestSync(hash, canonicalize(sv, { method: '1.0', comments: false }));
  const token = await timeStamper(imprint, hash);
  const dsPrefix = sig.prefix ? `${sig.prefix}:` : 'ds:';
  const dsDecl = sig.prefix ? '' : ` xmlns:ds="${DSIG_NS}"`;
  const stamp = `<xades:SignatureTimeStamp${dsDecl} Id="TS-${[...globalThis.crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('')}"><${dsPrefix}CanonicalizationMethod Algorithm="${C14N10}"/><xades:EncapsulatedTimeStamp>${toBase64(token)}</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp>`;
  return appendUnsignedProperty(doc.text, qp, stamp);
}

/** Appends to UnsignedSignatureProperties (created if absent), after every signed byte. */
function appendUnsignedProperty(text: string, qp: XmlElement, xml: string): Uint8Array {
  const usp = [...descendants(qp)].find(
    (e) => e.ns === XADES_NS && e.local === 'UnsignedSignatureProperties',
  );
  let out: string;
  if (usp && usp.contentEnd >= 0) out = text.slice(0, usp.contentEnd) + xml + text.slice(usp.contentEnd);
  else {
    const px = qp.prefix ? `${qp.prefix}:` : '';
    out = `${text.slice(0, qp.contentEnd)}<${px}UnsignedProperties><${px}UnsignedSignatureProperties>${xml}</${px}UnsignedSignatureProperties></${px}UnsignedProperties>${text.slice(qp.contentEnd)}`;
  }
  return new TextEncoder().encode(out);
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
  },
): Uint8Array {
  const doc = parseXml(signedXml);
  const sig = [...descendants(doc)].find((e) => e.ns === DSIG_NS && e.local === 'Signature');
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
  const decl = qp.prefix === 'xades' ? '' : ` xmlns:xades="${XADES_NS}"`;
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
  if (!qp) return out;
  for (const e of descendants(qp)) {
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

export interface XadesTimeStampResult {
  genTime?: Date;
  status: 'passed' | 'failed' | 'indeterminate';
  detail?: string;
}

export interface XadesResult {
  /** Level reached by structure and checks (undefined: plain XML-DSig, no SignedProperties). */
  level?: XadesLevel;
  signedPropertiesCovered: boolean;
  signingTime?: Date;
  /** SigningCertificateV2 (or V1) digest matches the certificate that verified the signature. */
  signingCertificateMatches: boolean;
  dataObjectFormats: { objectReference: string; mimeType?: string }[];
  signatureTimeStamps: XadesTimeStampResult[];
  problems: string[];
}

/** XAdES checks on top of core validation (`core` from verifyXmlSignature on the same document). */
export async function verifyXades(
  core: XmlSignatureResult,
  opts: { trustStore?: TrustStore; certificates?: readonly Certificate[] } = {},
): Promise<XadesResult> {
  const out: XadesResult = {
    signedPropertiesCovered: false,
    signingCertificateMatches: false,
    dataObjectFormats: [],
    signatureTimeStamps: [],
    problems: [],
  };
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
  // Signature time-stamps.
  const sv = firstChild(core.signature, DSIG_NS, 'SignatureValue');
  const usp = [...descendants(qp)].find(
    (e) => e.ns === XADES_NS && e.local === 'UnsignedSignatureProperties',
  );
  for (const ts of usp ? childElements(usp, XADES_NS, 'SignatureTimeStamp') : []) {
    const cm = firstChild(ts, DSIG_NS, 'CanonicalizationMethod');
    const c = c14nAlgorithm(cm ? (attr(cm, 'Algorithm') ?? '') : C14N10) ?? {
      method: '1.0' as const,
      comments: false,
    };
    const et = firstChild(ts, XADES_NS, 'EncapsulatedTimeStamp');
    if (!et || !sv) {
      out.signatureTimeStamps.push({ status: 'failed', detail: 'no EncapsulatedTimeStamp' });
      continue;
    }
    try {
      const token = decodeBase64Loose(textOf(et));
      const data = canonicalize(sv, { method: c.method, comments: c.comments });
      const rep = await verifyTimeStampToken(token, {
        data,
        // Intermediates: the signature's own KeyInfo chain and whatever the caller adds.
        certificates: [...core.keyInfo.certificates, ...(opts.certificates ?? [])],
        ...(opts.trustStore ? { trustStore: opts.trustStore } : {}),
      });
      out.signatureTimeStamps.push({
        genTime: rep.genTime,
        status: rep.status,
        detail:
          rep.checks
            .filter((x) => x.status !== 'passed')
            .map((x) => `${x.check}: ${x.detail ?? x.reason}`)
            .join('; ') || undefined,
      });
    } catch (e) {
      out.signatureTimeStamps.push({ status: 'failed', detail: (e as Error).message });
    }
  }
  if (core.valid && out.signedPropertiesCovered && out.signingCertificateMatches) {
    const stamped = out.signatureTimeStamps.some((t) => t.status !== 'failed');
    const usp2 = [...descendants(qp)].find(
      (e) => e.ns === XADES_NS && e.local === 'UnsignedSignatureProperties',
    );
    const hasLt =
      !!usp2 &&
      childElements(usp2, XADES_NS, 'CertificateValues').length > 0 &&
      childElements(usp2, XADES_NS, 'RevocationValues').length > 0;
    out.level = stamped ? (hasLt ? 'B-LT' : 'B-T') : 'B-B';
  }
  return out;
}
