/** ETSI TS 119 102-2 XML validation report of a CMS / CAdES verification (`kyso cms verify --report etsi`). */
import type { CmsVerifyReport } from '../cms/verify.js';
import { type EtsiSignatureInput, etsiValidationReport } from './etsi-report.js';
import { cmsSignerVerdict } from './verdict.js';

/** The TS 119 102-2 report of `verifyCms`: one SignatureValidationReport per signer, its path as validation objects. */
export function cmsEtsiReport(r: CmsVerifyReport, validationTime = new Date()): string {
  const sigs = r.signers.map((s): EtsiSignatureInput => {
    const checks = s.checks.map((c) => {
      const reason =
        c.reason === 'PATH_INVALID' && s.path?.reason ? `CERTIFICATE_${s.path.reason}` : c.reason;
      return { check: c.check, status: c.status, ...(reason ? { reason } : {}) };
    });
    const chain =
      s.path && s.path.chain.length > 0 ? s.path.chain : s.signerCertificate ? [s.signerCertificate] : [];
    const input: EtsiSignatureInput = {
      daIdentifier: `signer-${s.index}`,
      verdict: cmsSignerVerdict(s),
      scope: 'cms',
      checks,
      validationTime,
      bestSignatureTime: s.validationTime,
      chain: chain.map((c) => c.der),
      chainEndsAtAnchor: !!s.path?.valid,
    };
    if (s.signingTime) input.claimedSigningTime = s.signingTime;
    if (s.timestamp?.genTime) input.signatureTimeStamp = s.timestamp.genTime;
    if (s.signerCertificate) input.signer = s.signerCertificate.subject.toString();
    return input;
  });
  return etsiValidationReport(sigs, validationTime);
}
