/**
 * The seam between path validation and revocation checking (DESIGN.md: "time and revocation are
 * inputs"). The path validator calls a `RevocationChecker` once per certificate of a candidate
 * path (leaf first, anchor excluded) after every other check of that path has passed, records
 * what it returns in the report, and:
 *  - fails the path with `REVOKED` on status 'revoked';
 *  - fails the path with `REVOCATION_UNKNOWN` on status 'unknown' when `fatal` is true;
 *  - otherwise keeps the path valid and says in the report exactly what was (not) checked.
 * The policy (require / prefer OCSP / soft-fail, which sources to use) lives in the checker.
 * Checkers report outcomes; they throw only for programming errors.
 */
import type { Certificate } from '../x509/certificate.js';

/**
 * A certificate's revocation status as a checker found it ('not-checked': revocation was off or out of
 * scope).
 */
export type RevocationStatus = 'good' | 'revoked' | 'unknown' | 'not-checked';
/** Where a revocation answer came from. */
export type RevocationSourceKind = 'crl' | 'ocsp' | 'none';

/** What a RevocationChecker found for one certificate: status, source, dates and reason codes. */
export interface RevocationResult {
  /** The certificate's status: good, revoked, unknown (or not-checked when no checker ran). */
  status: RevocationStatus;
  /** Where the answer came from ('none' when no source gave one). */
  source: RevocationSourceKind;
  /** For 'unknown': whether the checker's policy makes this fatal for the path. Default false. */
  fatal?: boolean;
  /** Human-readable explanation (which CRL / responder, why unknown...). */
  detail?: string;
  /** Stable reason code for 'unknown' (e.g. 'CRL_EXPIRED', 'OCSP_RESPONDER_UNAUTHORIZED'). */
  reason?: string;
  /** For 'revoked'. */
  revocationTime?: Date;
  /** For 'revoked': RFC 5280 CRLReason name (e.g. 'keyCompromise'). */
  revocationReason?: string;
  /** thisUpdate / nextUpdate of the data used, when known. */
  thisUpdate?: Date;
  /** nextUpdate of the CRL or OCSP response used. */
  nextUpdate?: Date;
}

/** What a revocation checker is given with each certificate: validation time and the candidate path. */
export interface RevocationContext {
  /** Validation time (the same T the path is validated at). */
  time: Date;
  /** The full candidate path, leaf first, trust anchor last. */
  path: readonly Certificate[];
  /** Index of `cert` in `path` (0 = leaf). The issuer is `path[index + 1]`. */
  index: number;
}

/** The revocation seam of path validation: answers the status of one certificate of a candidate path. */
export interface RevocationChecker {
  /**
   * The status of `cert`, issued by `issuer`, at `ctx.time`. Should not throw for missing or invalid
   * revocation data: answer `unknown` (with `fatal` per policy) and say why in `detail` / `reason`.
   */
  check(cert: Certificate, issuer: Certificate, ctx: RevocationContext): Promise<RevocationResult>;
}

/** The per-certificate revocation line of a validation report. */
export interface CertRevocationReport extends RevocationResult {
  /** Index of the certificate in the report's chain (0 = leaf). */
  certIndex: number;
  /** Its subject (RFC 4514 string). */
  subject: string;
}
