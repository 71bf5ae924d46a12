/**
 * Path building: one recursive, backtracking search from the leaf towards a trust anchor over an
 * unordered pool (cross-certificates and several candidates per issuer welcome). Candidates are
 * tried in a deterministic order (anchors before intermediates; AKI/SKI matches first; insertion
 * order), each signature is verified once and charged to a shared Budget, and every complete
 * candidate path is validated in full (validate.ts) before the next is tried. The first valid
 * path wins; if none, the most specific failure seen anywhere is reported.
 */
import { KysoError } from '../errors.js';
import { bytesEqual } from '../bytes.js';
import type { Certificate } from '../x509/certificate.js';
import { Budget, BudgetExhausted, type BudgetLimits, MAX_PATH_DEPTH } from './budget.js';
import {
  type CheckResult,
  type PolicyResult,
  type ValidationReason,
  type ValidationReport,
  reasonRank,
} from './report.js';
import type { CertRevocationReport, RevocationChecker } from './revocation-types.js';
import { SignatureChecker, needsInheritedDsaParameters, workingPublicKey } from './signature.js';
import {
  CertificatePool,
  type CertificateInput,
  type TrustAnchor,
  type TrustStore,
  toCertificates,
} from './trust-store.js';
import { type PathValidationOptions, requireValidationTime, validatePath } from './validate.js';
import { isSelfIssued, namesEqual, subjectOf } from './names.js';
import { pathVerdict } from '../verdict/verdict.js';

/** A report with its EN 319 102-1 verdict (the one mapping, verdict/verdict.ts). */
function withVerdict(r: Omit<ValidationReport, 'verdict'>): ValidationReport {
  return { ...r, verdict: pathVerdict(r) };
}

/**
 * Options of `buildAndValidatePath`: the certificate to validate, the certificates that may complete
 * its path, the trust anchors and revocation checker, plus the RFC 5280 §6.1.1 validation inputs.
 */
export interface BuildOptions extends PathValidationOptions {
  /** The end-entity certificate (DER, PEM or a `Certificate`). */
  leaf: CertificateInput;
  /** Candidate intermediate CA certificates (e.g. those a CMS or a PDF DSS carries), in any order. */
  intermediates?: CertificatePool | readonly CertificateInput[];
  /** The trust anchors (RFC 5280 §6.1.1 (d)). */
  trustStore: TrustStore;
  /** Checks each certificate's status (CRL/OCSP); without one revocation is not checked. */
  revocation?: RevocationChecker;
  /** Bounds on the path search (signature checks, candidate paths), against hostile certificate sets. */
  budget?: Budget | BudgetLimits;
  /** Maximum certificates in a path, anchor included (default MAX_PATH_DEPTH). */
  maxDepth?: number;
  /**
   * A leaf that is itself in the trust store: 'allow' (default) validates it directly; 'deny'
   * requires a path to another anchor (an anchor is not a usable end-entity, Chromium's
   * TRUSTED_ANCHOR); 'require-self-signed' accepts it directly only if its subject equals its
   * issuer and its signature verifies with its own key.
   */
  trustedLeaf?: 'allow' | 'deny' | 'require-self-signed';
}

interface Failure {
  reason: ValidationReason;
  detail: string;
  chain: Certificate[];
  checks: CheckResult[];
  policy: PolicyResult | null;
  revocation: CertRevocationReport[];
}

const NOT_ASKED = 'no revocation source was given (no CRL, OCSP response, fetching or checker)';
const PATH_FAILED = 'the path failed validation first, so revocation was not looked at';

function notChecked(chain: readonly Certificate[], detail: string): CertRevocationReport[] {
  return chain.slice(0, -1).map((c, i) => ({
    certIndex: i,
    subject: subjectOf(c),
    status: 'not-checked',
    source: 'none',
    detail,
  }));
}

/**
 * The revocation phase of a path that passed every other check: each certificate but the anchor
 * asked of `opts.revocation` at `opts.time` (a line each, appended to `checks`); without a checker,
 * every certificate is not-checked. Returns the per-certificate reports and the worst failure.
 */
async function checkPathRevocation(
  chain: Certificate[],
  opts: BuildOptions,
  checks: CheckResult[],
): Promise<{
  revocation: CertRevocationReport[];
  revFailure: { reason: ValidationReason; detail: string } | null;
}> {
  let revocation = notChecked(chain, NOT_ASKED);
  let revFailure: { reason: ValidationReason; detail: string } | null = null;
  if (opts.revocation) {
    revocation = [];
    for (let k = 0; k < chain.length - 1; k++) {
      const c = chain[k]!;
      const r = await opts.revocation.check(c, chain[k + 1]!, { time: opts.time, path: chain, index: k });
      revocation.push({ ...r, certIndex: k, subject: subjectOf(c) });
      const line: CheckResult = {
        certIndex: k,
        subject: subjectOf(c),
        check: 'revocation',
        status: 'passed',
      };
      if (r.detail) line.detail = `${r.source}: ${r.detail}`;
      if (r.status === 'revoked') {
        line.status = 'failed';
        line.reason = 'REVOKED';
        const why = `revoked${r.revocationReason ? ` (${r.revocationReason})` : ''}${r.revocationTime ? ` at ${r.revocationTime.toISOString()}` : ''}`;
        line.detail = r.detail ? `${why}: ${r.detail}` : why;
        if (!revFailure || reasonRank('REVOKED') > reasonRank(revFailure.reason))
          revFailure = { reason: 'REVOKED', detail: line.detail };
      } else if (r.status === 'unknown' || r.status === 'not-checked') {
        line.status = r.fatal ? 'failed' : 'indeterminate';
        line.reason = 'REVOCATION_UNKNOWN';
        if (r.fatal && !revFailure)
          revFailure = {
            reason: 'REVOCATION_UNKNOWN',
            // Name the certificate: the missing CRL is often an intermediate's, not the leaf's.
            detail: `[${k}] ${subjectOf(c)}: ${r.detail ?? 'revocation status unknown'}`,
          };
      }
      checks.push(line);
    }
  }
  return { revocation, revFailure };
}

/** The report when path building ran out of budget (the best chain tried so far named). */
function budgetExceeded(
  chain: Certificate[],
  e: BudgetExhausted,
  work: ValidationReport['work'],
): ValidationReport {
  return withVerdict({
    valid: false,
    reason: 'BUDGET_EXCEEDED',
    detail: `path building gave up: ${e.kind} budget exhausted`,
    chain,
    checks: [
      {
        certIndex: -1,
        subject: '',
        check: 'budget',
        status: 'failed',
        reason: 'BUDGET_EXCEEDED',
        detail: e.message,
      },
    ],
    policy: null,
    revocation: notChecked(chain, PATH_FAILED),
    work,
  });
}

/** The report when no path validated: the best-ranked failure, or UNKNOWN_ISSUER when none was tried. */
function noValidPath(
  leaf: Certificate,
  best: Failure | null,
  work: ValidationReport['work'],
): ValidationReport {
  const f: Failure = best ?? {
    reason: 'UNKNOWN_ISSUER',
    detail: `no issuer found for "${leaf.issuer.toString()}" among the trust anchors and intermediates`,
    chain: [leaf],
    checks: [
      {
        certIndex: 0,
        subject: subjectOf(leaf),
        check: 'build',
        status: 'failed',
        reason: 'UNKNOWN_ISSUER',
      },
    ],
    policy: null,
    revocation: [],
  };
  return withVerdict({
    valid: false,
    reason: f.reason,
    detail: f.detail,
    chain: f.chain,
    checks: f.checks,
    policy: f.policy,
    revocation: f.revocation.length > 0 ? f.revocation : notChecked(f.chain, PATH_FAILED),
    work,
  });
}

/** A passed signature line for certificate `k` of `chain` (verified while building). */
function sigLine(chain: readonly Certificate[], k: number): CheckResult {
  return { certIndex: k, subject: subjectOf(chain[k]!), check: 'signature', status: 'passed' };
}

/** Whether `c` is already in `path` (same object, same key and subject, or same encoding). */
function inPath(path: readonly Certificate[], c: Certificate): boolean {
  return path.some(
    (p) =>
      p === c || (bytesEqual(p.spki, c.spki) && namesEqual(p.subject, c.subject)) || bytesEqual(p.der, c.der),
  );
}

/** A branch cut while building (too deep, or an issuer that fails a cheap check). */
function pruned(chain: Certificate[], reason: ValidationReason, detail: string, line?: CheckResult): Failure {
  return { reason, detail, chain, checks: line ? [line] : [], policy: null, revocation: [] };
}

/**
 * Signatures by DSA keys that inherit their parameters can only be checked once the path above
 * is known: checked here for a complete path; the failure, or null.
 */
async function inheritedDsaFailure(chain: Certificate[], sigs: SignatureChecker): Promise<Failure | null> {
  for (let k = 0; k < chain.length - 1; k++) {
    if (!needsInheritedDsaParameters(chain[k]!, chain[k + 1]!)) continue;
    const key = workingPublicKey(chain, k + 1);
    const s = key
      ? await sigs.check(chain[k]!, chain[k + 1]!, key)
      : ({
          ok: false,
          reason: 'UNSUPPORTED_ALGORITHM',
          detail: 'issuer DSA key inherits parameters, but no DSA key above it has them',
        } as const);
    if (!s.ok) return sigFailure(chain, k, s.reason, s.detail);
  }
  return null;
}

/** trustedLeaf 'require-self-signed': why the trusted leaf is not self-signed, or null. */
async function selfSignedFailure(leaf: Certificate, sigs: SignatureChecker): Promise<Failure | null> {
  if (!isSelfIssued(leaf))
    return sigFailure(
      [leaf],
      0,
      'NAME_CHAINING',
      'trusted leaf is not self-signed: subject differs from issuer',
    );
  const s = await sigs.check(leaf, leaf);
  return s.ok ? null : sigFailure([leaf], 0, s.reason, `trusted leaf is not self-signed: ${s.detail}`);
}

/**
 * Builds and validates a certification path for `leaf` at `time`. Never throws for an invalid
 * certificate or path (that is a report); throws KysoError only for malformed input (an
 * unparseable leaf) and for programming errors.
 */
export async function buildAndValidatePath(opts: BuildOptions): Promise<ValidationReport> {
  const leaf = toCertificates(opts.leaf)[0];
  if (!leaf) throw new KysoError('INVALID_ARGUMENT', 'leaf certificate required');
  requireValidationTime(opts.time);
  const pool =
    opts.intermediates instanceof CertificatePool
      ? opts.intermediates
      : new CertificatePool(opts.intermediates ?? []);
  const budget = opts.budget instanceof Budget ? opts.budget : new Budget(opts.budget);
  const start = {
    signatures: budget.signatures,
    buildCalls: budget.buildCalls,
    nc: budget.nameConstraintComparisons,
  };
  const maxDepth = opts.maxDepth ?? MAX_PATH_DEPTH;
  const sigs = new SignatureChecker(budget);
  const store = opts.trustStore;
  let best: Failure | null = null;
  let pathsTried = 0;

  const record = (f: Failure) => {
    if (!best || reasonRank(f.reason) > reasonRank(best.reason)) best = f;
  };
  const work = () => ({
    signatures: start.signatures - budget.signatures,
    buildCalls: start.buildCalls - budget.buildCalls,
    nameConstraintComparisons: start.nc - budget.nameConstraintComparisons,
    pathsTried,
  });

  /**
   * Full validation of a complete path (signatures already verified): the valid report, or null
   * after recording why this path failed.
   */
  const complete = async (chain: Certificate[], anchor: TrustAnchor): Promise<ValidationReport | null> => {
    pathsTried++;
    const dsa = await inheritedDsaFailure(chain, sigs);
    if (dsa) {
      record(dsa);
      return null;
    }
    const sigChecks = chain.slice(0, -1).map((_, k) => sigLine(chain, k));
    const out = validatePath(chain, anchor, opts, budget, sigChecks);
    if (out.failure) {
      record({
        ...out.failure,
        chain,
        checks: out.checks,
        policy: out.policy,
        revocation: notChecked(chain, PATH_FAILED),
      });
      return null;
    }
    // Revocation, only for an otherwise valid path.
    const checks = out.checks;
    const { revocation, revFailure } = await checkPathRevocation(chain, opts, checks);
    if (revFailure) {
      const idx = checks.find((c) => c.check === 'revocation' && c.status === 'failed')?.certIndex ?? 0;
      record({ ...revFailure, chain, checks, policy: out.policy, revocation, ...{ certIndex: idx } });
      return null;
    }
    return withVerdict({
      valid: true,
      reason: null,
      detail: null,
      chain,
      checks,
      policy: out.policy,
      revocation,
      work: work(),
    });
  };

  /** Depth-first search above `path`: the first valid report, or null when no path validates. */
  const extend = async (path: Certificate[]): Promise<ValidationReport | null> => {
    budget.consume('buildCalls');
    const cur = path[path.length - 1]!;
    for (const anchor of store.issuersOf(cur)) {
      const a = anchor.certificate;
      const chain = [...path, a];
      if (path.length > 1 && inPath(path.slice(1), a)) continue;
      const s = needsInheritedDsaParameters(cur, a) ? { ok: true as const } : await sigs.check(cur, a);
      if (!s.ok) {
        record(sigFailure(chain, path.length - 1, s.reason, s.detail));
        continue;
      }
      const found = await complete(chain, anchor);
      if (found) return found;
    }
    for (const cand of pool.issuersOf(cur)) {
      if (inPath(path, cand) || store.anchorFor(cand)) continue;
      const chain = [...path, cand];
      if (chain.length + 1 > maxDepth) {
        record(pruned(chain, 'MAX_DEPTH_EXCEEDED', `paths are limited to ${maxDepth} certificates`));
        continue;
      }
      // A DSA issuer key without parameters is checked in complete(), once the path above is known.
      const s = needsInheritedDsaParameters(cur, cand) ? { ok: true as const } : await sigs.check(cur, cand);
      if (!s.ok) {
        record(sigFailure(chain, path.length - 1, s.reason, s.detail));
        continue;
      }
      // Cheap issuer checks prune dead branches before spending more signatures on them.
      const early = issuerProblem(cand, opts.time);
      if (early) {
        record(
          pruned(chain, early.reason, early.detail, {
            certIndex: path.length,
            subject: subjectOf(cand),
            check: early.check,
            status: 'failed',
            reason: early.reason,
            detail: early.detail,
          }),
        );
        continue;
      }
      const found = await extend(chain);
      if (found) return found;
    }
    return null;
  };

  try {
    // A leaf in the trust store: validated directly unless trustedLeaf says otherwise.
    const direct = store.anchorFor(leaf);
    const mode = opts.trustedLeaf ?? 'allow';
    const notSelfSigned =
      direct && mode === 'require-self-signed' ? await selfSignedFailure(leaf, sigs) : null;
    if (notSelfSigned) record(notSelfSigned);
    else if (direct && mode !== 'deny') {
      const found = await complete([leaf], direct);
      if (found) return found;
    }
    const found = await extend([leaf]);
    if (found) return found;
  } catch (e) {
    if (e instanceof BudgetExhausted)
      return budgetExceeded(best ? (best as Failure).chain : [leaf], e, work());
    throw e;
  }
  return noValidPath(leaf, best, work());
}

function sigFailure(chain: Certificate[], k: number, reason: ValidationReason, detail: string): Failure {
  return {
    reason,
    detail,
    chain,
    checks: [
      {
        certIndex: k,
        subject: subjectOf(chain[k]!),
        check: 'signature',
        status: 'failed',
        reason,
        detail,
      },
    ],
    policy: null,
    revocation: [],
  };
}

function issuerProblem(
  c: Certificate,
  time: Date,
): { reason: ValidationReason; detail: string; check: CheckResult['check'] } | null {
  if (c.basicConstraints?.ca !== true)
    return { reason: 'NOT_A_CA', detail: 'issuer is not a CA', check: 'basic-constraints' };
  if (c.keyUsage && !c.keyUsage.includes('keyCertSign')) {
    return { reason: 'KEY_USAGE_INVALID', detail: 'keyCertSign not asserted', check: 'key-usage' };
  }
  const t = Math.floor(time.getTime() / 1000) * 1000;
  if (t > c.notAfter.getTime())
    return { reason: 'CERT_EXPIRED', detail: `expired at ${c.notAfter.toISOString()}`, check: 'validity' };
  if (t < c.notBefore.getTime()) {
    return {
      reason: 'CERT_NOT_YET_VALID',
      detail: `not valid before ${c.notBefore.toISOString()}`,
      check: 'validity',
    };
  }
  return null;
}
