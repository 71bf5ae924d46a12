/**
 * ETSI TS 119 102-2 validation report (XML, namespace http://uri.etsi.org/19102/v1.2.1#), built
 * from kyso's verdicts: one SignatureValidationReport per signature with its identifier, one
 * ValidationConstraint per check line, the validation time and best signature time, the claimed
 * signing time and time-stamp, the signer, and the SignatureValidationStatus (main indication,
 * sub-indication, certificate chain); the certificates are SignatureValidationObjects.
 *
 * The element order follows the schema (1910202xmlSchema.xsd). The schema file itself is not
 * shipped with kyso: it is not in the npm registry or Debian, the only sources this project
 * installs from, so tests check the report against a structural subset written for kyso
 * (test/fixtures/etsi-19102-2-subset.xsd) rather than the official XSD (docs/verdict.md).
 */
import { bytesEqual, toBase64 } from '../bytes.js';
import {
  type CheckStatus,
  type SubIndication,
  constraintIndicationUri,
  indicationUri,
  subIndicationUri,
} from './indication.js';
import { type ReasonScope, subIndicationFor } from './mapping.js';
import type { Verdict } from './indication.js';

/** Namespace of the TS 119 102-2 validation report (schema version 1.2.1). */
export const ETSI_VR_NS = 'http://uri.etsi.org/19102/v1.2.1#';

/** One check line of a verifier, reported as a ValidationConstraint. */
export interface EtsiCheckLine {
  /** The check's stable name. */
  check: string;
  /** `passed`, `failed` or `indeterminate`. */
  status: CheckStatus;
  /** Stable reason code, when not passed. */
  reason?: string;
  /** Human-readable detail (not stable: do not script against it). */
  detail?: string;
}

/** What the report says about one signature (built by pdfEtsiReport, cmsEtsiReport, xmlEtsiReport). */
export interface EtsiSignatureInput {
  /** Identifier of the signature inside the document (PDF field name, XML Signature Id, CMS signer index). */
  daIdentifier?: string;
  /** The signature's EN 319 102-1 indication and sub-indication. */
  verdict: Verdict;
  /** Scope of the reason codes of `checks` (for each constraint's sub-indication). */
  scope: ReasonScope;
  /** Its check lines, one ValidationConstraint each. */
  checks: readonly EtsiCheckLine[];
  /** The validation time. */
  validationTime: Date;
  /** The time the signature is proven to have existed at (a valid time-stamp), else the validation time. */
  bestSignatureTime?: Date;
  /** Claimed signing time (CMS signingTime, PDF /M, XAdES SigningTime). */
  claimedSigningTime?: Date;
  /** genTime of the signature time-stamp. */
  signatureTimeStamp?: Date;
  /** PDF: the signature dictionary's SubFilter and Reason. */
  subFilter?: string;
  /** PDF: the signature dictionary's /Reason. */
  reason?: string;
  /** The signer's subject (RFC 4514 string). */
  signer?: string;
  /** DER certificates: the signer's first, then the rest of the chain, the trust anchor last. */
  chain?: readonly Uint8Array[];
  /** Whether the last certificate of `chain` is the trust anchor the path ended at. */
  chainEndsAtAnchor?: boolean;
}

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');
}

function time(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Builds the XML report (UTF-8 text with declaration); `validationTime` is used when there is no signature. */
export function etsiValidationReport(
  input: readonly EtsiSignatureInput[],
  validationTime = new Date(),
): string {
  // The schema wants at least one SignatureValidationReport: a document without signatures says so.
  const signatures: readonly EtsiSignatureInput[] = input.length
    ? input
    : [
        {
          verdict: { indication: 'INDETERMINATE', subIndication: 'SIGNED_DATA_NOT_FOUND', reasons: [] },
          scope: 'cms',
          checks: [],
          validationTime,
        },
      ];
  const objects: { id: string; der: Uint8Array }[] = [];
  const objectId = (der: Uint8Array): string => {
    const seen = objects.find((o) => bytesEqual(o.der, der));
    if (seen) return seen.id;
    const id = `C-${objects.length + 1}`;
    objects.push({ id, der });
    return id;
  };
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<vr:ValidationReport xmlns:vr="${ETSI_VR_NS}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">`);
  signatures.forEach((s, i) => {
    out.push('  <vr:SignatureValidationReport>');
    out.push(`    <vr:SignatureIdentifier id="S-${i + 1}">`);
    out.push('      <vr:HashOnly>false</vr:HashOnly>', '      <vr:DocHashOnly>false</vr:DocHashOnly>');
    if (s.daIdentifier !== undefined)
      out.push(`      <vr:DAIdentifier>${esc(s.daIdentifier)}</vr:DAIdentifier>`);
    out.push('    </vr:SignatureIdentifier>');
    if (s.checks.length > 0) {
      out.push('    <vr:ValidationConstraintsEvaluationReport>');
      for (const c of s.checks) {
        out.push('      <vr:ValidationConstraint>');
        out.push(
          `        <vr:ValidationConstraintIdentifier>urn:kyso:constraint:${esc(c.check)}</vr:ValidationConstraintIdentifier>`,
        );
        out.push(
          '        <vr:ConstraintStatus><vr:Status>urn:etsi:019102:constraintStatus:applied</vr:Status></vr:ConstraintStatus>',
        );
        out.push('        <vr:ValidationStatus>');
        out.push(`          <vr:MainIndication>${constraintIndicationUri(c.status)}</vr:MainIndication>`);
        const sub: SubIndication | undefined =
          c.status !== 'passed' && c.reason
            ? subIndicationFor(c.reason, s.scope, c.status === 'failed' ? 'TOTAL-FAILED' : 'INDETERMINATE')
            : undefined;
        if (sub) out.push(`          <vr:SubIndication>${subIndicationUri(sub)}</vr:SubIndication>`);
        out.push('        </vr:ValidationStatus>');
        out.push('      </vr:ValidationConstraint>');
      }
      out.push('    </vr:ValidationConstraintsEvaluationReport>');
    }
    out.push('    <vr:ValidationTimeInfo>');
    out.push(`      <vr:ValidationTime>${time(s.validationTime)}</vr:ValidationTime>`);
    out.push('      <vr:BestSignatureTime>');
    out.push(`        <vr:POETime>${time(s.bestSignatureTime ?? s.validationTime)}</vr:POETime>`);
    out.push('        <vr:TypeOfProof>urn:etsi:019102:poetype:validation</vr:TypeOfProof>');
    out.push('      </vr:BestSignatureTime>');
    out.push('    </vr:ValidationTimeInfo>');
    const attrs: string[] = [];
    if (s.claimedSigningTime)
      attrs.push(
        `      <vr:SigningTime Signed="true"><vr:Time>${time(s.claimedSigningTime)}</vr:Time></vr:SigningTime>`,
      );
    if (s.signatureTimeStamp)
      attrs.push(
        `      <vr:SignatureTimeStamp><vr:TimeStampValue>${time(s.signatureTimeStamp)}</vr:TimeStampValue></vr:SignatureTimeStamp>`,
      );
    if (s.reason !== undefined)
      attrs.push(
        `      <vr:Reason Signed="true"><vr:ReasonElement>${esc(s.reason)}</vr:ReasonElement></vr:Reason>`,
      );
    if (s.subFilter !== undefined)
      attrs.push(
        `      <vr:SubFilter Signed="true"><vr:SubFilterElement>${esc(s.subFilter)}</vr:SubFilterElement></vr:SubFilter>`,
      );
    if (attrs.length) out.push('    <vr:SignatureAttributes>', ...attrs, '    </vr:SignatureAttributes>');
    const chain = s.chain ?? [];
    const ids = chain.map(objectId);
    if (ids[0]) {
      out.push('    <vr:SignerInformation>');
      out.push(`      <vr:SignerCertificate VOReference="${ids[0]}"/>`);
      if (s.signer !== undefined) out.push(`      <vr:Signer>${esc(s.signer)}</vr:Signer>`);
      out.push('    </vr:SignerInformation>');
    }
    out.push('    <vr:SignatureValidationStatus>');
    out.push(`      <vr:MainIndication>${indicationUri(s.verdict.indication)}</vr:MainIndication>`);
    if (s.verdict.subIndication)
      out.push(`      <vr:SubIndication>${subIndicationUri(s.verdict.subIndication)}</vr:SubIndication>`);
    if (ids[0]) {
      const anchor = s.chainEndsAtAnchor && ids.length > 1 ? ids[ids.length - 1] : undefined;
      const middle = ids.slice(1, anchor ? -1 : undefined);
      out.push('      <vr:AssociatedValidationReportData>');
      out.push('        <vr:CertificateChain>');
      out.push(`          <vr:SigningCertificate VOReference="${ids[0]}"/>`);
      for (const m of middle) out.push(`          <vr:IntermediateCertificate VOReference="${m}"/>`);
      if (anchor) out.push(`          <vr:TrustAnchor VOReference="${anchor}"/>`);
      out.push('        </vr:CertificateChain>');
      out.push('      </vr:AssociatedValidationReportData>');
    }
    out.push('    </vr:SignatureValidationStatus>');
    out.push('  </vr:SignatureValidationReport>');
  });
  if (objects.length > 0) {
    out.push('  <vr:SignatureValidationObjects>');
    for (const o of objects) {
      out.push(`    <vr:ValidationObject id="${o.id}">`);
      out.push('      <vr:ObjectType>urn:etsi:019102:validationObject:certificate</vr:ObjectType>');
      out.push(
        `      <vr:ValidationObjectRepresentation><vr:base64>${toBase64(o.der)}</vr:base64></vr:ValidationObjectRepresentation>`,
      );
      out.push('    </vr:ValidationObject>');
    }
    out.push('  </vr:SignatureValidationObjects>');
  }
  out.push('</vr:ValidationReport>');
  return `${out.join('\n')}\n`;
}
