/**
 * The EN 319 102-1 verdict of an XML signature and of a document (pki-core's one mapping, scope
 * 'xml'). It reads the fields below of XmlSignatureReport (report.ts), which fills in its
 * `verdict` with it: declared structurally so that report.ts can import this module.
 */
import { type Verdict, makeVerdict, worstVerdict } from '@kyso/pki-core';

/** The fields of a signature report (XmlSignatureReport) the verdict reads. */
export interface XmlSignatureVerdictInput {
  /** The signature's status (`XmlSignatureReport.status`). */
  status: 'valid' | 'invalid' | 'indeterminate';
  /** Its stable reason codes, as the report lists them. */
  reasons: readonly string[];
  /** Its certificate validation: a reason equal to this one is read in the CERTIFICATE_ namespace. */
  certificate: { reason?: string };
}

/** The certificate-level reason in the CERTIFICATE_ namespace of the mapping. */
export function certCode(reason: string): string {
  return reason.startsWith('CERTIFICATE_') ? reason : `CERTIFICATE_${reason}`;
}

/** Verdict of one XML signature. */
export function xmlSignatureVerdict(s: XmlSignatureVerdictInput): Verdict {
  const codes = s.reasons.map((r) => (r === s.certificate.reason ? certCode(r) : r));
  return makeVerdict(s.status, codes, 'xml');
}

/** Verdict of the document: the worst signature's; no signature is INDETERMINATE / SIGNED_DATA_NOT_FOUND. */
export function xmlVerdict(r: { signatures: readonly XmlSignatureVerdictInput[] }): Verdict {
  return worstVerdict(r.signatures.map(xmlSignatureVerdict));
}
