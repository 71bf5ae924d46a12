/**
 * `@kyso/pki-core/path`: certification path building and validation (RFC 5280 §6), trust stores,
 * validation profiles, and the revocation checker path validation takes (CRL processing, OCSP
 * matching, HTTP fetching, validation-data collection).
 *
 * @packageDocumentation
 */
export {
  MAX_SIGNATURE_CHECKS,
  MAX_BUILD_CALLS,
  MAX_NAME_CONSTRAINT_COMPARISONS,
  MAX_POLICY_NODES,
  MAX_PATH_DEPTH,
  type BudgetKind,
  type BudgetLimits,
  BudgetExhausted,
  Budget,
} from './budget.js';
export { buildAndValidatePath, type BuildOptions } from './build.js';
export { checkNameConstraints, isValidDnsName, nameConstraintsProblem } from './name-constraints.js';
export { matchesPeerName, type PeerName } from './peer-name.js';
export { ANY_POLICY, PolicyProcessor, type PolicyInputs } from './policy.js';
export {
  VALIDATION_PROFILES,
  conformanceProblem,
  type ValidationProfile,
  rsaEncryptionKeysOnly,
  verifyOptionsForProfile,
} from './profile.js';
export {
  reasonRank,
  REASONS,
  type ValidationReason,
  type CheckName,
  type CheckResult,
  type PolicyResult,
  type ValidationReport,
} from './report.js';
export type {
  RevocationStatus,
  RevocationSourceKind,
  RevocationResult,
  RevocationContext,
  RevocationChecker,
  CertRevocationReport,
} from './revocation-types.js';
export {
  type AddAnchorOptions,
  type AnchorConstraints,
  CertificatePool,
  type CertificateInput,
  type TrustAnchor,
  TrustStore,
  clearParseCache,
  parseCertificateCached,
  toCertificates,
} from './trust-store.js';
export {
  PURPOSES,
  type PathValidationOptions,
  type Purpose,
  type PurposeName,
  purposeOids,
  validatePath,
} from './validate.js';
// Revocation checking (the RevocationChecker validatePath takes): CRLs, OCSP, fetching, collection
export {
  newRevocationChecker,
  findCrlSigner,
  checkWithCrls,
  CRL_UNKNOWN_REASONS,
  type CrlUnknownReason,
  type CrlCheckOptions,
  type CrlCheckOutcome,
  type FetchFunction,
  type FetcherOptions,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_MAX_CRL_BYTES,
  DEFAULT_MAX_OCSP_BYTES,
  RevocationFetcher,
  checkWithOcsp,
  type RevocationMode,
  type RevocationPolicy,
  type RevocationSources,
  type DetailedRevocationResult,
  type Answer,
  KysoRevocationChecker,
  type OcspCheckOptions,
  requireLevel,
  collectValidationData,
  onlineRevocationFetcher,
  type RevocationDataFetcher,
  type ValidationDataProblem,
  type CollectedValidationData,
  LevelNotReachedError,
  type NewRevocationCheckerOptions,
} from '../revocation/index.js';
export { fixedClock, type Clock, systemClock } from '../clock.js';
export { isKysoError, type KysoErrorCode, KysoError } from '../errors.js';
