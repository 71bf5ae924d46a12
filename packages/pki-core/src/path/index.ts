/** Certification path building and validation (RFC 5280 §6). */
export * from './budget.js';
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
export * from './report.js';
export type * from './revocation-types.js';
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
