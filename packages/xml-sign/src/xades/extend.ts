/**
 * Raising an existing XAdES signature's level (EN 319 132-1 baseline): B-B → B-T → B-LT → B-LTA,
 * each step an unsigned property appended after everything signed and everything an earlier
 * time-stamp covers, so the signed bytes never change.
 *
 * B-LT's validation data (certificates, OCSP responses, CRLs) is collected for the signer's chain
 * (the signature's KeyInfo) and the signature time-stamps' TSAs by pki-core's collector, which keeps
 * only data proving a status; certificates left unproven are a LevelNotReachedError unless
 * `acceptLowerLevel` (then the data found is still added and the problems returned).
 * B-LTA on a signature that already has an archive time-stamp adds a new one (renewal).
 */
import {
  type HashAlgorithm,
  type RevocationDataFetcher,
  type TimeStamper,
  type ValidationDataProblem,
  collectValidationData,
  parseCms,
  requireLevel,
} from '@kyso/pki-core';
import { DSIG_NS } from '../dsig/algorithms.js';
import { type DetachedResolver, decodeBase64Loose, textOf } from '../dsig/reference.js';
import { childElements, descendants, firstChild } from '../xml/dom.js';
import { XmlError } from '../xml/errors.js';
import { parseXml } from '../xml/parser.js';
import {
  XADES141_NS,
  XADES_NS,
  type XadesLevel,
  addXadesArchiveTimeStamp,
  addXadesSignatureTimeStamp,
  addXadesValidationData,
  findSignature,
  qualifyingProperties,
  unsignedSignatureProperties,
} from './xades.js';

/**
 * Options of `extendXades`: the level to reach (ETSI EN 319 132-1 §6) and where the time-stamps and
 * validation data come from.
 */
export interface ExtendXadesOptions {
  /** The level to reach: B-T, B-LT or B-LTA. */
  level: Exclude<XadesLevel, 'B-B'>;
  /** The TSA for the SignatureTimeStamp (B-T) and ArchiveTimeStamp (B-LTA) (RFC 3161). */
  timeStamper: TimeStamper;
  /** Where B-LT's OCSP responses and CRLs come from (needed for B-LT and B-LTA). */
  revocation?: RevocationDataFetcher;
  /** B-LT/B-LTA: add the data found even if it does not prove every certificate's status. */
  acceptLowerLevel?: boolean;
  /** Intermediates the document does not carry. */
  extraCertificates?: readonly Uint8Array[];
  /** The signature to extend (default: the document's first). */
  signatureId?: string;
  /** Imprint hash of the time-stamp requests (default SHA-256). */
  hash?: Exclude<HashAlgorithm, 'SHA-1'>;
  /** Detached content of a detached signature (the archive time-stamp covers the References' data). */
  resolveDetached?: DetachedResolver;
}

/**
 * The result of `extendXades`: the document with the unsigned properties added (the signed bytes
 * unchanged), what was added and what could not be proven.
 */
export interface ExtendXadesResult {
  /** The extended document (UTF-8). */
  xml: Uint8Array;
  /** Properties added, in order: SignatureTimeStamp, CertificateValues+RevocationValues, ArchiveTimeStamp. */
  added: string[];
  /** Certificates whose status the added validation data does not prove (with acceptLowerLevel). */
  problems: ValidationDataProblem[];
}

/** Which unsigned properties a signature already has. */
export function xadesUnsignedState(
  signedXml: Uint8Array | string,
  signatureId?: string,
): { signatureTimeStamps: Uint8Array[]; validationData: boolean; archiveTimeStamps: number } {
  const sig = findSignature(parseXml(signedXml), signatureId);
  if (!sig) throw new XmlError('XML_REFUSED', 'no signature to extend');
  const qp = qualifyingProperties(sig);
  if (!qp || qp.contentEnd < 0)
    throw new XmlError('XML_REFUSED', 'not a XAdES signature (no QualifyingProperties)');
  const usp = unsignedSignatureProperties(qp);
  const props = usp ? childElements(usp) : [];
  const tokens: Uint8Array[] = [];
  for (const p of props.filter((e) => e.ns === XADES_NS && e.local === 'SignatureTimeStamp')) {
    const et = firstChild(p, XADES_NS, 'EncapsulatedTimeStamp');
    if (et) tokens.push(decodeBase64Loose(textOf(et)));
  }
  return {
    signatureTimeStamps: tokens,
    validationData: props.some((e) => e.ns === XADES_NS && e.local === 'CertificateValues'),
    archiveTimeStamps: props.filter(
      (e) => e.local === 'ArchiveTimeStamp' && (e.ns === XADES141_NS || e.ns === XADES_NS),
    ).length,
  };
}

/** The certificates in the signature's ds:KeyInfo/ds:X509Data (DER). */
function keyInfoCertificates(signedXml: Uint8Array, signatureId: string | undefined): Uint8Array[] {
  const sig = findSignature(parseXml(signedXml), signatureId);
  const ki = sig ? firstChild(sig, DSIG_NS, 'KeyInfo') : undefined;
  if (!ki) return [];
  return [...descendants(ki, true)]
    .filter((e) => e.ns === DSIG_NS && e.local === 'X509Certificate')
    .map((e) => decodeBase64Loose(textOf(e)));
}

/** Raises the signature to `opts.level`; steps already present are kept (B-LTA always adds one). */
export async function extendXades(
  signedXml: Uint8Array | string,
  opts: ExtendXadesOptions,
): Promise<ExtendXadesResult> {
  const id = opts.signatureId;
  let xml = typeof signedXml === 'string' ? new TextEncoder().encode(signedXml) : signedXml;
  const added: string[] = [];
  let problems: ValidationDataProblem[] = [];
  let state = xadesUnsignedState(xml, id);
  if (state.signatureTimeStamps.length === 0) {
    xml = await addXadesSignatureTimeStamp(xml, opts.timeStamper, {
      ...(id ? { signatureId: id } : {}),
      ...(opts.hash ? { hash: opts.hash } : {}),
    });
    added.push('SignatureTimeStamp');
    state = xadesUnsignedState(xml, id);
  }
  if (opts.level !== 'B-T' && !state.validationData) {
    if (!opts.revocation) throw new XmlError('XML_REFUSED', `${opts.level} needs a revocation data source`);
    const tsaCerts = state.signatureTimeStamps.flatMap((t) => parseCms(t).signedData.certificates);
    const data = await collectValidationData(
      [...keyInfoCertificates(xml, id), ...tsaCerts],
      opts.revocation,
      opts.extraCertificates ? { extra: opts.extraCertificates } : {},
    );
    requireLevel(data, opts.level, { acceptLowerLevel: opts.acceptLowerLevel === true });
    problems = data.problems;
    xml = addXadesValidationData(xml, {
      certificates: data.certs,
      crls: data.crls,
      ocspResponses: data.ocsps,
      ...(id ? { signatureId: id } : {}),
    });
    added.push('CertificateValues', 'RevocationValues');
  }
  if (opts.level === 'B-LTA') {
    xml = await addXadesArchiveTimeStamp(xml, opts.timeStamper, {
      ...(id ? { signatureId: id } : {}),
      ...(opts.hash ? { hash: opts.hash } : {}),
      ...(opts.resolveDetached ? { resolveDetached: opts.resolveDetached } : {}),
    });
    added.push('ArchiveTimeStamp');
  }
  return { xml, added, problems };
}
