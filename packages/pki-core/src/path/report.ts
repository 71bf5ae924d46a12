/**
 * The validation report (DESIGN.md: validation returns a report, never throws for "invalid").
 * Every check is a line with a status and, when it did not pass, a stable reason code.
 */
import type { CheckStatus, Verdict } from '../verdict/indication.js';
import type { Certificate } from '../x509/certificate.js';
import type { CertRevocationReport } from './revocation-types.js';

/**
 * Stable reason codes. Ordered from least to most specific: when no path validates, the failure
 * reported is the most specific one seen across all candidate paths (rustls-webpki style), so a
 * user sees "CERT_EXPIRED on the intermediate" rather than "UNKNOWN_ISSUER" from a dead end.
 */
export const REASONS = [
  /** No path from the leaf to a trust anchor could be built. */
  'UNKNOWN_ISSUER',
  /** A path would exceed the maximum depth. */
  'MAX_DEPTH_EXCEEDED',
  /** The work budget (signatures, build calls, constraint comparisons, policy nodes) ran out. */
  'BUDGET_EXCEEDED',
  /** Signature or public-key algorithm not supported (DSA, Ed448, explicit curves...). */
  'UNSUPPORTED_ALGORITHM',
  /** A key or signature algorithm the caller's policy refuses (minRsaModulusBits, allowSha1Signatures). */
  'WEAK_ALGORITHM',
  /** The issuer's signature over a certificate does not verify. */
  'SIGNATURE_INVALID',
  /** Subject/issuer names do not chain (only for explicitly given paths). */
  'NAME_CHAINING',
  /** An issuer is not a CA (basicConstraints absent or cA false). */
  'NOT_A_CA',
  /** An issuer lacks the keyCertSign key usage. */
  'KEY_USAGE_INVALID',
  /** basicConstraints pathLenConstraint (or the anchor's max path length) exceeded. */
  'PATH_LEN_EXCEEDED',
  /** The certificate violates an RFC 5280 §4 requirement (or the chosen profile's). */
  'CERT_NONCONFORMANT',
  /** A critical extension kyso does not understand. */
  'UNKNOWN_CRITICAL_EXTENSION',
  /** Name constraints of an issuer exclude (or do not permit) a name of a later certificate. */
  'NAME_CONSTRAINTS_VIOLATED',
  /** The valid policy tree became empty while an explicit policy was required. */
  'POLICY_REQUIRED',
  /** The leaf's extended key usage does not allow the requested purpose. */
  'EKU_MISMATCH',
  /** The leaf does not carry the expected peer name (DNS / IP / email). */
  'PEER_NAME_MISMATCH',
  /** notBefore is after the validation time. */
  'CERT_NOT_YET_VALID',
  /** notAfter is before the validation time. */
  'CERT_EXPIRED',
  /** Revocation status could not be established and the checker's policy makes that fatal. */
  'REVOCATION_UNKNOWN',
  /** A certificate of the path is revoked. */
  'REVOKED',
] as const;
/** A stable reason code of a path validation (one of REASONS). */
export type ValidationReason = (typeof REASONS)[number];

/**
 * Rank of a reason code in REASONS (higher = more specific); picks the failure reported across candidate
 * paths.
 */
export function reasonRank(r: ValidationReason): number {
  return REASONS.indexOf(r);
}

/** The name of one check line of a validation report. */
export type CheckName =
  | 'build'
  | 'signature'
  | 'algorithm'
  | 'validity'
  | 'name-chaining'
  | 'basic-constraints'
  | 'path-length'
  | 'key-usage'
  | 'extended-key-usage'
  | 'name-constraints'
  | 'policy'
  | 'critical-extensions'
  | 'conformance'
  | 'peer-name'
  | 'revocation'
  | 'budget';

/** One check line of a validation report: which certificate, which check, its status and reason. */
export interface CheckResult {
  /** Index in `chain` (0 = leaf); -1 for checks about the whole search. */
  certIndex: number;
  /** Subject of that certificate (RFC 4514 string). */
  subject: string;
  /** Which check (a stable name). */
  check: CheckName;
  /** `passed`, `failed` or `indeterminate`. */
  status: CheckStatus;
  /** Stable reason code when the check did not pass. */
  reason?: ValidationReason;
  /** Human-readable detail (not stable: do not script against it). */
  detail?: string;
}

/**
 * The certificate policy outcome of a path (RFC 5280 §6.1.5): constrained policy sets and the
 * valid_policy_tree.
 */
export interface PolicyResult {
  /** OIDs of the authorities-constrained policy set (anyPolicy '2.5.29.32.0' if unrestricted). */
  authorityConstrainedPolicies: string[];
  /** OIDs of the user-constrained policy set (intersection with the caller's initial set). */
  userConstrainedPolicies: string[];
  /** False when the valid policy tree ended NULL (no policy holds for the path). */
  treeNonEmpty: boolean;
  /** Whether an explicit policy was required at the end of processing. */
  explicitPolicyRequired: boolean;
}

/**
 * The outcome of path building and validation: valid or not, the chosen chain, every check line, policies,
 * revocation and work done.
 */
export interface ValidationReport {
  /** True when a path to a trust anchor was found and every check of it passed at the validation time. */
  valid: boolean;
  /**
   * Why the best candidate path failed (stable code; null when valid). Its EN 319 102-1
   * sub-indication comes from the verdict model's mapping.
   */
  reason: ValidationReason | null;
  /** Human-readable explanation of `reason`. */
  detail: string | null;
  /** The validated path (or the best failed candidate), leaf first, trust anchor last. */
  chain: Certificate[];
  /** Every check line of the chosen (or best failed) path, in order. */
  checks: CheckResult[];
  /** The certificate policy outcome (RFC 5280 §6.1.5), null when policy processing did not run. */
  policy: PolicyResult | null;
  /** One line per certificate of the chain except the anchor (status 'not-checked' when no checker). */
  revocation: CertRevocationReport[];
  /** Work spent (signature verifications, build calls...), for tests and benchmarks. */
  work: { signatures: number; buildCalls: number; nameConstraintComparisons: number; pathsTried: number };
  /** The EN 319 102-1 verdict of the path (`pathVerdict`), as `kyso verify chain --json` prints it. */
  verdict: Verdict;
}
