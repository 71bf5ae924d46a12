/**
 * Lint before issue: the TBSCertificate is linted before it is signed. An error-severity finding
 * refuses issuance (ISSUANCE_REFUSED naming the lint); warnings refuse only when the caller asks
 * (`warnings: 'refuse'`, what `kyso cert issue` and the signing server do unless an operator
 * overrides). Notices never refuse.
 */
import { KysoError } from '../errors.js';
import type { Name } from '../name.js';
import { OID } from '../oids.js';
import { lint } from './engine.js';
import type { LintProfile, LintReport, LintResult } from './types.js';

/**
 * How certificate issuance lints what it is about to sign (the issuance gate): errors always refuse
 * (KysoError `ISSUANCE_REFUSED`); warnings refuse only with `warnings: 'refuse'`.
 */
export interface IssuanceLintOptions {
  /** Lint profile; default from the issuance profile (person-signing with a T= title is `official`). */
  profile?: LintProfile;
  /** `accept` (default): warnings are reported through `onReport` but do not refuse. */
  warnings?: 'refuse' | 'accept';
  /** Called with the report when issuance goes ahead (for audit records of accepted warnings). */
  onReport?: (report: LintReport) => void;
}

/** The lint profile for an issuance profile and subject. */
export function issuanceLintProfile(profile: string, subject: Name): LintProfile {
  switch (profile) {
    case 'root-ca':
      return 'root';
    case 'sub-ca':
      return 'sub-ca';
    case 'person-signing':
      return subject.attributes.some((a) => a.type === OID.title) ? 'official' : 'person';
    case 'organization-signing':
      return 'organization';
    case 'ocsp-signer':
      return 'ocsp-signer';
    case 'tsa':
      return 'tsa';
    case 'tls-server':
      return 'tls-server';
    default:
      return 'auto';
  }
}

function describe(f: LintResult): string {
  return `${f.lint}: ${f.details ? `${f.details}; ` : ''}${f.description} (${f.clause})`;
}

/** Lints a TBSCertificate; throws ISSUANCE_REFUSED on an error (or a warning when `warnings: 'refuse'`). */
export function lintBeforeIssue(
  tbs: Uint8Array,
  profile: LintProfile,
  opts: IssuanceLintOptions = {},
): LintReport {
  const report = lint(tbs, { kind: 'tbsCertificate', profile: opts.profile ?? profile });
  const blocking = report.findings.filter(
    (f) => f.severity === 'error' || (f.severity === 'warning' && opts.warnings === 'refuse'),
  );
  if (blocking.length > 0) {
    const first = blocking[0]!;
    throw new KysoError('ISSUANCE_REFUSED', `lint ${describe(first)}`, {
      lint: first.lint,
      clause: first.clause,
      findings: blocking.map((f) => ({
        lint: f.lint,
        severity: f.severity,
        clause: f.clause,
        details: f.details,
      })),
      ...(blocking.every((f) => f.severity === 'warning') ? { overridable: true } : {}),
    });
  }
  opts.onReport?.(report);
  return report;
}
