/**
 * `@kyso/pki-core/lint`: certificate, CRL and OCSP lints: `lint(input, { profile })` (engine.ts)
 * returns a zlint/pkilint-shaped report; `lintBeforeIssue` (issue-gate.ts) gates issuance on it.
 *
 * @packageDocumentation
 */
export {
  type LintSeverity,
  type LintStatus,
  type LintTarget,
  LINT_PROFILES,
  type LintProfile,
  type LintSource,
  type LintInfo,
  type LintResult,
  type LintReport,
} from './types.js';
export {
  listLints,
  isLintProfile,
  detectProfile,
  lintParsedCertificate,
  lintOcspResponse,
  lintParsedCrl,
  lint,
  lintAll,
  type LintOptions,
  LINT_TARGETS,
} from './engine.js';
export { CERT_LINTS, type CertLint } from './cert-lints.js';
export { QC_LINTS, type QcLint } from './qc-lints.js';
export { CRL_LINTS, type CrlLint } from './crl-lints.js';
export { OCSP_LINTS, type OcspLint } from './ocsp-lints.js';
export { type IssuanceLintOptions, issuanceLintProfile, lintBeforeIssue } from './issue-gate.js';
export { isKysoError, type KysoErrorCode, KysoError } from '../errors.js';
