/**
 * The EN 319 102-1 verdict of an XML validation report (pki-core's verdict model), and its ETSI
 * TS 119 102-2 XML validation report.
 */
import { type EtsiSignatureInput, type Verdict, etsiValidationReport } from '@kyso/pki-core';
import type { XmlValidationReport } from './report.js';
import { certCode, xmlSignatureVerdict, xmlVerdict } from './xml-verdict.js';

export { type XmlSignatureVerdictInput, xmlSignatureVerdict, xmlVerdict } from './xml-verdict.js';

/** ETSI TS 119 102-2 XML validation report of an XML signature validation. */
export function xmlEtsiReport(r: XmlValidationReport): string {
  const sigs = r.signatures.map((s): EtsiSignatureInput => {
    const checks: EtsiSignatureInput['checks'] = [
      ...s.integrity.references.map((ref, i) => ({
        check: `reference-${i}`,
        status: ref.valid ? ('passed' as const) : ('failed' as const),
        ...(ref.reason ? { reason: ref.reason } : {}),
      })),
      {
        check: 'signature',
        status: s.integrity.signatureValid ? ('passed' as const) : ('failed' as const),
        ...(s.result.error && !s.integrity.signatureValid ? { reason: s.result.error.reason } : {}),
      },
      {
        check: 'certificate',
        status:
          s.certificate.status === 'valid'
            ? ('passed' as const)
            : s.certificate.status === 'invalid'
              ? ('failed' as const)
              : ('indeterminate' as const),
        ...(s.certificate.reason ? { reason: certCode(s.certificate.reason) } : {}),
      },
    ];
    const leaf =
      s.result.key && 'certificate' in s.result.key
        ? s.result.key.certificate
        : s.result.keyInfo.certificates[0];
    const rest = s.result.keyInfo.certificates.filter((c) => c !== leaf);
    const input: EtsiSignatureInput = {
      verdict: xmlSignatureVerdict(s),
      scope: 'xml',
      checks,
      validationTime: new Date(r.validationTime),
      chain: leaf ? [leaf.der, ...rest.map((c) => c.der)] : [],
    };
    if (s.id !== undefined) input.daIdentifier = s.id;
    if (s.signingTime?.source === 'signature-timestamp') {
      input.bestSignatureTime = new Date(s.signingTime.time);
      input.signatureTimeStamp = new Date(s.signingTime.time);
    } else {
      if (s.signingTime) input.claimedSigningTime = new Date(s.signingTime.time);
      // B-LTA without a usable signature time-stamp: the archive time-stamp is the proof of existence.
      if (s.certificate.timeSource === 'archive-timestamp')
        input.bestSignatureTime = new Date(s.certificate.validatedAt);
    }
    if (s.signer) input.signer = s.signer.subject;
    return input;
  });
  return etsiValidationReport(sigs, new Date(r.validationTime));
}
