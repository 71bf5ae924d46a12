/**
 * The EN 319 102-1 verdict of a PDF signature and of a document (pki-core's one mapping, scope
 * 'pdf'). It reads the fields below of PdfSignatureReport (pades.ts), which fills in its
 * `verdict` with it: declared structurally so that pades.ts can import this module.
 */
import { type Verdict, makeVerdict, worstVerdict } from '@kyso/pki-core';

/** The fields of a signature report (PdfSignatureReport) the verdict reads. */
export interface PdfSignatureVerdictInput {
  /** The signature's status (`PdfSignatureReport.status`). */
  status: 'valid' | 'invalid' | 'indeterminate';
  /** Its stable reason codes, as the report lists them. */
  reasons: readonly string[];
  /** Its integrity check lines: the precise codes behind INTEGRITY. */
  integrity: { checks: readonly { status: string; reason?: string }[] };
  /** Its signature time-stamp: the precise code behind TIMESTAMP_INVALID / _INDETERMINATE. */
  timestamp?: { reason?: string };
}

/**
 * The reason codes behind a signature's status, most significant first: integrity, then the
 * signer's certificate, disallowed changes, the signature time-stamp (its absence of proof is
 * secondary to a chain that cannot be built), then changes that may hide signed content.
 * INTEGRITY and TIMESTAMP_* are preceded by the precise codes they stand for.
 */
function codesOf(s: PdfSignatureVerdictInput): string[] {
  const out: string[] = [];
  for (const r of s.reasons) {
    if (r === 'INTEGRITY')
      for (const c of s.integrity.checks) if (c.status !== 'passed' && c.reason) out.push(c.reason);
    if ((r === 'TIMESTAMP_INVALID' || r === 'TIMESTAMP_INDETERMINATE') && s.timestamp?.reason)
      out.push(s.timestamp.reason);
    out.push(r);
  }
  const integrity = new Set<string>([
    'INTEGRITY',
    ...s.integrity.checks.flatMap((c) => (c.reason ? [c.reason] : [])),
  ]);
  const rank = (c: string): number =>
    integrity.has(c)
      ? 0
      : c.startsWith('CERTIFICATE_')
        ? 1
        : c === 'DISALLOWED_CHANGES'
          ? 2
          : c.startsWith('TIMESTAMP_') || c === s.timestamp?.reason
            ? 3
            : 4;
  return out
    .map((c, i) => [c, i] as const)
    .sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1])
    .map(([c]) => c);
}

/** Verdict of one signature or document time-stamp. */
export function pdfSignatureVerdict(s: PdfSignatureVerdictInput): Verdict {
  return makeVerdict(s.status, codesOf(s), 'pdf');
}

/** Verdict of the document: the worst signature's; no signature is INDETERMINATE / SIGNED_DATA_NOT_FOUND. */
export function pdfVerdict(r: { signatures: readonly PdfSignatureVerdictInput[] }): Verdict {
  return worstVerdict(r.signatures.map(pdfSignatureVerdict));
}
