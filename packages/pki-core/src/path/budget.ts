/**
 * Work limits for path building (DESIGN.md: "no limit on path building work" is a peer mistake).
 * A hostile pool of certificates (cycles, many same-named issuers, huge name-constraint lists)
 * must not make validation spin: every unit of work is charged to one Budget shared by the whole
 * search, and running out is a fatal, named failure (BUDGET_EXCEEDED), never a silent "invalid".
 */

/** Signature verifications per validation (same figure as Go's maxChainSignatureChecks). */
export const MAX_SIGNATURE_CHECKS = 100;
/**
 * Recursive issuer searches per validation. rustls-webpki uses 200 000; we try candidates in a
 * cheap, cached order, so a lower cap still finds every legitimate path in the suites we run.
 */
export const MAX_BUILD_CALLS = 20_000;
/**
 * Name-vs-constraint comparisons per validation: the worst case of every (certificate, CA
 * constraints) check is charged before comparing, and one check may not exceed
 * MAX_NAME_CONSTRAINT_CHECKS (2^20, Chromium's bound) in path/name-constraints.ts. Four such
 * checks' worth bounds the search as a whole (backtracking, several constrained CAs); the nc-dos
 * limbo cases and BoringSSL's many-names/toomany-* exceed the per-check bound.
 */
export const MAX_NAME_CONSTRAINT_COMPARISONS = 4 << 20;
/** Nodes alive in the RFC 5280 valid_policy_tree (bounds policy-mapping explosions, CVE-2023-0464). */
export const MAX_POLICY_NODES = 10_000;
/** Certificates in a path, anchor included (deep enough for any real PKI; Go and webpki use similar). */
export const MAX_PATH_DEPTH = 16;

/** A kind of work path validation counts against its budget. */
export type BudgetKind = 'signatures' | 'buildCalls' | 'nameConstraintComparisons' | 'policyNodes';

/** Limits of a Budget per kind of work (defaults: the MAX_* constants above). */
export interface BudgetLimits {
  /** Signature verifications (default `MAX_SIGNATURE_CHECKS`, 100). */
  signatures?: number;
  /** Recursive issuer searches (default `MAX_BUILD_CALLS`, 20 000). */
  buildCalls?: number;
  /** Name-vs-constraint comparisons (default `MAX_NAME_CONSTRAINT_COMPARISONS`, 4 × 2^20). */
  nameConstraintComparisons?: number;
  /** Nodes alive in the valid_policy_tree (default `MAX_POLICY_NODES`, 10 000). */
  policyNodes?: number;
}

/** Thrown inside the search only; buildAndValidatePath turns it into a BUDGET_EXCEEDED report. */
export class BudgetExhausted extends Error {
  /** Which kind of work ran out. */
  readonly kind: BudgetKind;
  constructor(kind: BudgetKind) {
    super(`path validation budget exhausted: ${kind}`);
    this.name = 'BudgetExhausted';
    this.kind = kind;
  }
}

/** Work done by one path building and validation; consume() throws BudgetExhausted past a limit. */
export class Budget {
  /** Signature verifications left. */
  signatures: number;
  /** Issuer searches left. */
  buildCalls: number;
  /** Name-constraint comparisons left. */
  nameConstraintComparisons: number;
  /** Policy-tree nodes left. */
  policyNodes: number;

  constructor(limits: BudgetLimits = {}) {
    this.signatures = limits.signatures ?? MAX_SIGNATURE_CHECKS;
    this.buildCalls = limits.buildCalls ?? MAX_BUILD_CALLS;
    this.nameConstraintComparisons = limits.nameConstraintComparisons ?? MAX_NAME_CONSTRAINT_COMPARISONS;
    this.policyNodes = limits.policyNodes ?? MAX_POLICY_NODES;
  }

  /**
   * Charges `n` units of `kind`; throws `BudgetExhausted` (reported as BUDGET_EXCEEDED) when fewer are left.
   */
  consume(kind: BudgetKind, n = 1): void {
    if (this[kind] < n) {
      this[kind] = 0;
      throw new BudgetExhausted(kind);
    }
    this[kind] -= n;
  }
}
