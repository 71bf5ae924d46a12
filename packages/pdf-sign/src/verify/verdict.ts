/**
 * The EN 319 102-1 verdict of a PDF validation report (pki-core's verdict model): per signature
 * and for the document, and the report with `verdict` fields added next to the existing ones
 * (what `kyso pdf verify --json` prints), and the TS 119 102-2 XML report.
 */
import {
  Certificate,
  type EtsiSignatureInput,
  type Verdict,
  etsiValidationReport,
  parseCms,
} from '@kyso/pki-core';
import { PdfReader } from '../pdf/reader.js';
import type { PdfSignatureReport, PdfValidationReport } from './pades.js';
import { pdfSignatureVerdict, pdfVerdict } from './pdf-verdict.js';
import { findSignatures } from './signatures.js';

export { type PdfSignatureVerdictInput, pdfSignatureVerdict, pdfVerdict } from './pdf-verdict.js';
import { type PdfInput, toSource } from './source.js';

/** A signature's report with its verdict. */
export type PdfSignatureReportWithVerdict = PdfSignatureReport & { verdict: Verdict };
/** The report `kyso pdf verify --json` prints: the validation report with verdicts. */
export type PdfValidationReportWithVerdict = Omit<PdfValidationReport, 'signatures'> & {
  verdict: Verdict;
  signatures: PdfSignatureReportWithVerdict[];
};

/** The report with `verdict` next to `valid`/`status`, for the document and each signature. */
export function withVerdicts(r: PdfValidationReport): PdfValidationReportWithVerdict {
  const { signatures, ...rest } = r;
  return {
    ...rest,
    verdict: pdfVerdict(r),
    signatures: signatures.map((s) => ({ ...s, verdict: pdfSignatureVerdict(s) })),
  };
}

/**
 * The certificates (DER) a PDF carries, by signature field: those of the field's CMS (or
 * time-stamp token), then those of the DSS. Unreadable entries are skipped.
 */
export function pdfCertificates(input: PdfInput): Map<string, Uint8Array[]> {
  const r = PdfReader.open(toSource(input));
  const dss: Uint8Array[] = [];
  const d = r.dict(r.catalog().get('DSS'));
  for (const s of (d && r.array(d.get('Certs'))) ?? []) {
    try {
      dss.push(r.streamData(s));
    } catch {
      // an unreadable DSS entry names no certificate
    }
  }
  const out = new Map<string, Uint8Array[]>();
  for (const sig of findSignatures(r)) {
    let certs: Uint8Array[] = [];
    try {
      certs = parseCms(sig.contents).signedData.certificates;
    } catch {
      // a malformed CMS names no certificate
    }
    out.set(sig.fieldName, [...certs, ...dss]);
  }
  return out;
}

/** The signature's chain as DER, leaf first, from the certificates the document carries. */
function chainOf(
  s: PdfSignatureReport,
  carried: readonly Uint8Array[] | undefined,
): { chain: Uint8Array[]; complete: boolean } {
  const certs = (carried ?? []).flatMap((d) => {
    try {
      return [Certificate.fromDer(d)];
    } catch {
      return [];
    }
  });
  const subjects = s.certificate.chain.length ? s.certificate.chain : s.signer ? [s.signer.subject] : [];
  const chain: Uint8Array[] = [];
  for (const [i, subject] of subjects.entries()) {
    const c = certs.find(
      (x) =>
        x.subject.toString() === subject &&
        (i > 0 ||
          !s.signer ||
          (x.serialHex === s.signer.serialNumber && x.issuer.toString() === s.signer.issuer)),
    );
    if (!c) break;
    chain.push(c.der);
  }
  return { chain, complete: chain.length === s.certificate.chain.length && chain.length > 0 };
}

/**
 * ETSI TS 119 102-2 XML validation report of a PDF validation. With `certificates` (from
 * `pdfCertificates` over the same document) it names the signer and its chain as validation objects.
 */
export function pdfEtsiReport(
  r: PdfValidationReport,
  certificates?: ReadonlyMap<string, readonly Uint8Array[]>,
): string {
  const sigs: EtsiSignatureInput[] = r.signatures.map((s) => {
    const checks = [
      ...s.integrity.checks.map((c) => ({
        check: `integrity:${c.check}`,
        status: c.status,
        ...(c.reason ? { reason: c.reason } : {}),
      })),
      {
        check: 'certificate',
        status:
          s.certificate.status === 'valid'
            ? ('passed' as const)
            : s.certificate.status === 'invalid'
              ? ('failed' as const)
              : ('indeterminate' as const),
        ...(s.certificate.reason ? { reason: `CERTIFICATE_${s.certificate.reason}` } : {}),
      },
      ...(s.timestamp
        ? [
            {
              check: 'signature-time-stamp',
              status:
                s.timestamp.status === 'valid'
                  ? ('passed' as const)
                  : s.timestamp.status === 'invalid'
                    ? ('failed' as const)
                    : ('indeterminate' as const),
              ...(s.timestamp.reason ? { reason: s.timestamp.reason } : {}),
            },
          ]
        : []),
      {
        check: 'changes',
        status: !s.changes.allowed
          ? ('failed' as const)
          : s.changes.findings.some((f) => f.allowed && f.indeterminate)
            ? ('indeterminate' as const)
            : ('passed' as const),
        ...(!s.changes.allowed ? { reason: 'DISALLOWED_CHANGES' } : {}),
      },
    ];
    const ts =
      s.signingTime?.source === 'signature-timestamp' || s.signingTime?.source === 'document-timestamp';
    const input: EtsiSignatureInput = {
      daIdentifier: s.field,
      verdict: pdfSignatureVerdict(s),
      scope: 'pdf',
      checks,
      validationTime: new Date(r.validationTime),
    };
    if (ts && s.signingTime) input.bestSignatureTime = new Date(s.signingTime.time);
    if (s.claimedTime) input.claimedSigningTime = new Date(s.claimedTime);
    if (s.timestamp?.genTime) input.signatureTimeStamp = new Date(s.timestamp.genTime);
    if (s.subFilter !== undefined) input.subFilter = s.subFilter;
    if (s.reason !== undefined) input.reason = s.reason;
    if (certificates) {
      const { chain, complete } = chainOf(s, certificates.get(s.field));
      if (chain.length > 0) {
        input.chain = chain;
        input.chainEndsAtAnchor = complete && s.certificate.status === 'valid';
        if (s.signer) input.signer = s.signer.subject;
      }
    }
    return input;
  });
  return etsiValidationReport(sigs, new Date(r.validationTime));
}
