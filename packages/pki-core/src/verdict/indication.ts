/**
 * ETSI EN 319 102-1 (§5.1.3) validation status: a main indication and, when it is not
 * TOTAL-PASSED, a sub-indication. The URIs are those of ETSI TS 119 102-2 (validation report).
 */

/** The three main indications, best first. */
export const INDICATIONS = ['TOTAL-PASSED', 'INDETERMINATE', 'TOTAL-FAILED'] as const;
/** Main status indication of a signature (or of a certificate path, a time-stamp, an OCSP response). */
export type Indication = (typeof INDICATIONS)[number];

/**
 * The verdict of a signature, path, time-stamp or OCSP response (EN 319 102-1 §5.1.3), carried by
 * every report type of kyso (`verdict`) and computed by the one mapping (verdict/verdict.ts).
 */
export interface Verdict {
  /** TOTAL-PASSED, INDETERMINATE or TOTAL-FAILED (ETSI EN 319 102-1 §5.1.3). */
  indication: Indication;
  /** Absent for TOTAL-PASSED. */
  subIndication?: SubIndication;
  /** Stable reason codes behind the verdict, most significant first (empty for TOTAL-PASSED). */
  reasons: string[];
}

/** Outcome of one check line in a report (path, OCSP, TSP, CMS, PDF): the constraint's status. */
export type CheckStatus = 'passed' | 'failed' | 'indeterminate';

/**
 * The sub-indications of EN 319 102-1 and the main indication(s) the standard lists each under.
 * EXPIRED and NOT_YET_VALID appear under both.
 */
export const SUB_INDICATIONS = {
  FORMAT_FAILURE: ['TOTAL-FAILED'],
  HASH_FAILURE: ['TOTAL-FAILED'],
  SIG_CRYPTO_FAILURE: ['TOTAL-FAILED'],
  REVOKED: ['TOTAL-FAILED'],
  EXPIRED: ['TOTAL-FAILED', 'INDETERMINATE'],
  NOT_YET_VALID: ['TOTAL-FAILED', 'INDETERMINATE'],
  SIG_CONSTRAINTS_FAILURE: ['INDETERMINATE'],
  CHAIN_CONSTRAINTS_FAILURE: ['INDETERMINATE'],
  CERTIFICATE_CHAIN_GENERAL_FAILURE: ['INDETERMINATE'],
  CRYPTO_CONSTRAINTS_FAILURE: ['INDETERMINATE'],
  POLICY_PROCESSING_ERROR: ['INDETERMINATE'],
  SIGNATURE_POLICY_NOT_AVAILABLE: ['INDETERMINATE'],
  TIMESTAMP_ORDER_FAILURE: ['INDETERMINATE'],
  NO_SIGNING_CERTIFICATE_FOUND: ['INDETERMINATE'],
  NO_CERTIFICATE_CHAIN_FOUND: ['INDETERMINATE'],
  REVOKED_NO_POE: ['INDETERMINATE'],
  REVOKED_CA_NO_POE: ['INDETERMINATE'],
  OUT_OF_BOUNDS_NO_POE: ['INDETERMINATE'],
  OUT_OF_BOUNDS_NOT_REVOKED: ['INDETERMINATE'],
  CRYPTO_CONSTRAINTS_FAILURE_NO_POE: ['INDETERMINATE'],
  NO_POE: ['INDETERMINATE'],
  TRY_LATER: ['INDETERMINATE'],
  SIGNED_DATA_NOT_FOUND: ['INDETERMINATE'],
  GENERIC: ['INDETERMINATE'],
} as const satisfies Record<string, readonly Indication[]>;

/** A sub-indication of EN 319 102-1. */
export type SubIndication = keyof typeof SUB_INDICATIONS;

/** TS 119 102-2 URI of a main indication (`urn:etsi:019102:mainindication:total-passed`). */
export function indicationUri(i: Indication): string {
  return `urn:etsi:019102:mainindication:${i.toLowerCase()}`;
}

/** TS 119 102-2 URI of a sub-indication (`urn:etsi:019102:subindication:HASH_FAILURE`). */
export function subIndicationUri(s: SubIndication): string {
  return `urn:etsi:019102:subindication:${s}`;
}

/** TS 119 102-2 URI of the status of one constraint (`passed` / `failed` / `indeterminate`). */
export function constraintIndicationUri(status: CheckStatus): string {
  return `urn:etsi:019102:mainindication:${status}`;
}
