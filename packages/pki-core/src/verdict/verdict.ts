/**
 * The verdict every kyso verifier reports next to its own fields: an EN 319 102-1 indication, a
 * sub-indication when it did not pass, and the stable UPPER_SNAKE reason codes (most significant
 * first) that led to it. The ranked check lines stay in each report beneath the verdict.
 *
 * The indication follows the verifier's own status (valid / passed → TOTAL-PASSED, invalid /
 * failed → TOTAL-FAILED, indeterminate → INDETERMINATE), so `verdict` never contradicts `valid`.
 * The sub-indication comes from the reasons through the one mapping (mapping.ts). kyso's policy
 * is stricter than the standard for a few chain defects (NOT_A_CA, EKU_MISMATCH, a CA signature
 * that does not verify, name constraints) and for disallowed PDF changes: it reports them
 * TOTAL-FAILED where EN 319 102-1 lists their sub-indication (CHAIN_CONSTRAINTS_FAILURE,
 * CERTIFICATE_CHAIN_GENERAL_FAILURE, SIG_CONSTRAINTS_FAILURE) under INDETERMINATE.
 */
import type { ValidationReason, ValidationReport } from '../path/report.js';
import {
  type CheckStatus,
  type Indication,
  SUB_INDICATIONS,
  type SubIndication,
  type Verdict,
} from './indication.js';
import { type ReasonScope, reasonEntry, subIndicationFor } from './mapping.js';

/**
 * What the verdict of a report is computed from: its status and check lines. (The verifiers'
 * report types are not imported here: they import this module to fill in their `verdict`.)
 */
interface CheckLine {
  check?: string;
  status: CheckStatus;
  reason?: string;
}

/** The fields of a path report the verdict reads (ValidationReport). */
export type PathVerdictInput = Pick<ValidationReport, 'valid' | 'reason' | 'checks'>;
/** The fields of an OCSP or time-stamp report the verdict reads (OcspVerifyReport, TimeStampVerifyReport). */
export interface CheckedVerdictInput {
  /** The report's overall status. */
  status: 'passed' | 'failed' | 'indeterminate';
  /** Its check lines (their reason codes make the sub-indication). */
  checks: readonly CheckLine[];
}
/** The fields of a CMS signer report the verdict reads (CmsSignerReport). */
export interface CmsSignerVerdictInput {
  /** Whether the signer verified. */
  valid: boolean;
  /** Its check lines. */
  checks: readonly CheckLine[];
  /** Its certificate path validation, when one ran. */
  path?: PathVerdictInput;
}

/** The statuses kyso's verifiers report (documents: valid/invalid/indeterminate; checks: passed/failed). */
export type VerdictStatus = 'valid' | 'invalid' | 'indeterminate' | 'passed' | 'failed';

function indicationOf(status: VerdictStatus): Indication {
  return status === 'valid' || status === 'passed'
    ? 'TOTAL-PASSED'
    : status === 'indeterminate'
      ? 'INDETERMINATE'
      : 'TOTAL-FAILED';
}

/**
 * A verdict from a status and reason codes of one scope. The sub-indication is that of the first
 * reason the standard lists under the indication, else that of the first reason, else GENERIC.
 */
export function makeVerdict(status: VerdictStatus, reasons: readonly string[], scope: ReasonScope): Verdict {
  const indication = indicationOf(status);
  if (indication === 'TOTAL-PASSED') return { indication, reasons: [] };
  const codes = [...new Set(reasons)].filter((c) => reasonEntry(c, scope) !== 'PASSED');
  const subs = codes
    .map((c) => subIndicationFor(c, scope, indication))
    .filter((s): s is SubIndication => s !== undefined);
  const allowed = subs.find((s) => (SUB_INDICATIONS[s] as readonly Indication[]).includes(indication));
  return { indication, subIndication: allowed ?? subs[0] ?? 'GENERIC', reasons: codes };
}

/**
 * Path reasons kyso treats as definitive (invalid, TOTAL-FAILED; see the module comment); every
 * other path failure leaves the certificate undetermined. The PDF and XML verifiers use it too.
 */
export const DEFINITIVE_PATH_REASONS: ReadonlySet<string> = new Set<ValidationReason>([
  'REVOKED',
  'SIGNATURE_INVALID',
  'NOT_A_CA',
  'NAME_CONSTRAINTS_VIOLATED',
  'EKU_MISMATCH',
]);

/** Verdict of a certification path (`buildAndValidatePath` / `validatePath`). */
export function pathVerdict(r: PathVerdictInput): Verdict {
  if (r.valid) return makeVerdict('valid', [], 'path');
  const definitive = DEFINITIVE_PATH_REASONS;
  const reason = r.reason ?? 'UNKNOWN_ISSUER';
  const failed = r.checks.filter((c) => c.status !== 'passed' && c.reason).map((c) => c.reason!);
  return makeVerdict(definitive.has(reason) ? 'invalid' : 'indeterminate', [reason, ...failed], 'path');
}

/** Verdict of an OCSP response (`verifyOcspResponse`). */
export function ocspVerdict(r: CheckedVerdictInput): Verdict {
  const bad = r.checks.filter((c) => c.status !== 'passed');
  const ordered = [...bad.filter((c) => c.status === 'failed'), ...bad.filter((c) => c.status !== 'failed')];
  return makeVerdict(
    r.status,
    ordered.flatMap((c) => (c.reason ? [c.reason] : [])),
    'ocsp',
  );
}

/** Verdict of an RFC 3161 token or response (`verifyTimeStampToken`, `verifyTimeStampResponse`). */
export function timeStampVerdict(r: CheckedVerdictInput): Verdict {
  const bad = r.checks.filter((c) => c.status !== 'passed');
  const ordered = [...bad.filter((c) => c.status === 'failed'), ...bad.filter((c) => c.status !== 'failed')];
  return makeVerdict(
    r.status,
    ordered.flatMap((c) => (c.reason ? [c.reason] : [])),
    'tsp',
  );
}

function cmsCodes(checks: readonly CheckLine[], path: PathVerdictInput | undefined): string[] {
  const out: string[] = [];
  for (const c of checks) {
    if (c.status === 'passed' || !c.reason) continue;
    if (c.reason === 'PATH_INVALID' && path?.reason) out.push(`CERTIFICATE_${path.reason}`);
    out.push(c.reason);
  }
  return out;
}

/** Verdict of one CMS signer (`verifyCms(...).signers[i]`). */
export function cmsSignerVerdict(s: CmsSignerVerdictInput): Verdict {
  if (s.valid) return makeVerdict('valid', [], 'cms');
  const codes = cmsCodes(s.checks, s.path);
  // Definitive: a failed check other than the path and the TSA's path, or a path kyso calls invalid.
  const fatal = s.checks.some((c) => {
    if (c.status !== 'failed') return false;
    if (c.check === 'certificate-path')
      return c.reason === 'PATH_INVALID' && !!s.path && pathVerdict(s.path).indication === 'TOTAL-FAILED';
    return c.reason !== 'TIMESTAMP_TSA_INVALID' && c.reason !== 'NO_TRUST_ANCHORS';
  });
  return makeVerdict(fatal ? 'invalid' : 'indeterminate', codes, 'cms');
}

/** Verdict of a whole CMS SignedData: TOTAL-PASSED when every signer passed, else the worst signer's. */
export function cmsVerdict(r: { signers: readonly CmsSignerVerdictInput[] }): Verdict {
  return worstVerdict(r.signers.map(cmsSignerVerdict));
}

/** The worst of several verdicts (TOTAL-FAILED over INDETERMINATE over TOTAL-PASSED); none at all is INDETERMINATE/SIGNED_DATA_NOT_FOUND. */
export function worstVerdict(vs: readonly Verdict[]): Verdict {
  if (vs.length === 0)
    return { indication: 'INDETERMINATE', subIndication: 'SIGNED_DATA_NOT_FOUND', reasons: [] };
  return (
    vs.find((v) => v.indication === 'TOTAL-FAILED') ??
    vs.find((v) => v.indication === 'INDETERMINATE') ?? { indication: 'TOTAL-PASSED', reasons: [] }
  );
}
