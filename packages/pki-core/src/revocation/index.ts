/** Revocation checking: CRL processing (RFC 5280 §6.3), OCSP matching, HTTP fetching, the checker. */
export {
  findCrlSigner,
  checkWithCrls,
  CRL_UNKNOWN_REASONS,
  type CrlUnknownReason,
  type CrlCheckOptions,
  type CrlCheckOutcome,
} from './crl-check.js';
export {
  type FetchFunction,
  type FetcherOptions,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_MAX_CRL_BYTES,
  DEFAULT_MAX_OCSP_BYTES,
  RevocationFetcher,
} from './fetcher.js';
export {
  checkWithOcsp,
  type RevocationMode,
  type RevocationPolicy,
  type RevocationSources,
  type DetailedRevocationResult,
  type Answer,
  KysoRevocationChecker,
  type OcspCheckOptions,
} from './checker.js';
export {
  requireLevel,
  collectValidationData,
  onlineRevocationFetcher,
  type RevocationDataFetcher,
  type ValidationDataProblem,
  type CollectedValidationData,
  LevelNotReachedError,
} from './collect.js';

import type { Crl } from '../crl.js';
import type { OcspResponse } from '../ocsp/response.js';
import type { Certificate } from '../x509/certificate.js';
import { KysoRevocationChecker, type RevocationMode, type RevocationPolicy } from './checker.js';
import { RevocationFetcher } from './fetcher.js';

/**
 * Options of newRevocationChecker: revocation data, fetching and the policy (a mode name or a full policy).
 */
export interface NewRevocationCheckerOptions {
  /** CRLs to use: parsed, DER, or PEM (several blocks allowed). */
  crls?: readonly (Crl | Uint8Array | string)[];
  /** OCSP responses to use (DER or parsed). */
  ocspResponses?: readonly (Uint8Array | OcspResponse)[];
  /** Extra certificates: separate CRL signers, delegated OCSP responders. */
  certificates?: readonly (Certificate | Uint8Array | string)[];
  /** true: fetch from CDP / AIA with a default fetcher; or a configured fetcher. */
  fetch?: boolean | RevocationFetcher;
  /** A mode name, or a full policy. */
  policy: RevocationMode | RevocationPolicy;
}

/**
 * Convenience factory: a checker over supplied CRLs / OCSP responses / certificates (and optionally
 * HTTP). For PKITS-style inputs pass the test's CRLs as `crls` and its non-anchor certificates as
 * `certificates` (separate CRL signers and indirect CRL issuers are found there).
 */
export function newRevocationChecker(opts: NewRevocationCheckerOptions): KysoRevocationChecker {
  const policy: RevocationPolicy = typeof opts.policy === 'string' ? { mode: opts.policy } : opts.policy;
  const fetcher = opts.fetch === true ? new RevocationFetcher() : opts.fetch || undefined;
  return new KysoRevocationChecker(policy, {
    ...(opts.crls ? { crls: opts.crls } : {}),
    ...(opts.ocspResponses ? { ocspResponses: opts.ocspResponses } : {}),
    ...(opts.certificates ? { certificates: opts.certificates } : {}),
    ...(fetcher ? { fetcher } : {}),
  });
}
