/**
 * Certificate / CRL linter types. The result shape follows zlint (one result per lint: pass, error,
 * warn, notice, NA) and pkilint (a finding carries the validator name, severity and a message);
 * every lint names the clause it enforces.
 */

/** How bad a failed lint is. `error`: a MUST (or MUST NOT) is broken; `warning`: a SHOULD; `notice`: advice. */
export type LintSeverity = 'error' | 'warning' | 'notice';

/** Outcome of one lint on one input: `pass`, `fail` (at the lint's severity) or `na` (not applicable). */
export type LintStatus = 'pass' | 'fail' | 'na';

/** What a lint reads. */
export type LintTarget = 'certificate' | 'crl' | 'ocsp';

/**
 * Lint profiles. `auto` picks one from the certificate (CA / self-signed, EKU, subject attributes);
 * the others check the expectations of that kind of certificate on top of RFC 5280.
 */
export const LINT_PROFILES = [
  'auto',
  'root',
  'sub-ca',
  'person',
  'official',
  'organization',
  'ocsp-signer',
  'tsa',
  'tls-server',
  'rfc5280',
] as const;
/** A linter profile (one of LINT_PROFILES) choosing which lints apply. */
export type LintProfile = (typeof LINT_PROFILES)[number];

/** The source document family a lint enforces. */
export type LintSource =
  | 'RFC 5280'
  | 'RFC 3279'
  | 'RFC 5480'
  | 'RFC 6960'
  | 'RFC 3161'
  | 'X.690'
  | 'ETSI EN 319 412-1'
  | 'ETSI EN 319 412-2'
  | 'ETSI EN 319 412-3'
  | 'ETSI EN 319 412-5'
  | 'CA/B Forum BR'
  | 'Circular 16/2019/TT-BTTTT'
  | 'Circular 15/2025/TT-BKHCN'
  | 'Decree 23/2025/NĐ-CP'
  | 'VN practice';

/**
 * Description of one lint: stable name, severity, source document and clause, what it checks and on which
 * target.
 */
export interface LintInfo {
  /** Stable name: `e_…` (error), `w_…` (warning), `n_…` (notice), zlint style. */
  name: string;
  /** How bad a failure is. */
  severity: LintSeverity;
  /** The document the lint enforces. */
  source: LintSource;
  /** Section / article, e.g. "§4.2.1.9". */
  clause: string;
  /** One line: what the lint requires. */
  description: string;
  /** What it reads: a certificate, a CRL or an OCSP response. */
  target: LintTarget;
}

/** The result of one lint on one target: status, severity, clause and details. */
export interface LintResult {
  /** The lint's stable name. */
  lint: string;
  /** `pass`, `fail` or `na`. */
  status: LintStatus;
  /** The lint's severity (what a `fail` means). */
  severity: LintSeverity;
  /** `source` + `clause`, e.g. "RFC 5280 §4.2.1.9". */
  clause: string;
  /** What the lint checks. */
  description: string;
  /** For a failure: what was found. */
  details?: string;
}

/** The outcome of linting a certificate, CRL or OCSP response: the profile used and every lint result. */
export interface LintReport {
  /** What was linted. */
  target: LintTarget | 'tbsCertificate';
  /** The profile the lints ran under (`auto` resolved). */
  profile: LintProfile;
  /** Every lint's result, in registry order. */
  results: LintResult[];
  /** The failed results only. */
  findings: LintResult[];
  /** Failed lints of severity `error`. */
  errors: number;
  /** Failed lints of severity `warning`. */
  warnings: number;
  /** Failed lints of severity `notice`. */
  notices: number;
  /** No error-severity finding. */
  ok: boolean;
}
