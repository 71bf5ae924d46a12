/**
 * RFC 5280 §6.1 processing of one candidate path whose signatures have already been verified
 * during building (build.ts). Produces check lines for every certificate and the path's most
 * specific failure. Pure and synchronous; revocation is run afterwards by build.ts.
 */
import { OID } from '../oids.js';
import type { Certificate } from '../x509/certificate.js';
import type { NameConstraints } from '../x509/extensions.js';
import type { Budget } from './budget.js';
import { checkNameConstraints, nameConstraintsProblem } from './name-constraints.js';
import { type PeerName, matchesPeerName } from './peer-name.js';
import { PolicyProcessor } from './policy.js';
import { type Profile, type Role, conformanceProblem } from './profile.js';
import {
  type CheckName,
  type CheckResult,
  type PolicyResult,
  type ValidationReason,
  reasonRank,
} from './report.js';
import type { TrustAnchor } from './trust-store.js';

/** Named purposes and the EKU OIDs that satisfy each (anyExtendedKeyUsage also does, except in 'webpki'). */
export const PURPOSES = {
  any: [],
  serverAuth: [OID.serverAuth],
  clientAuth: [OID.clientAuth],
  codeSigning: [OID.codeSigning],
  emailProtection: [OID.emailProtection],
  timeStamping: [OID.timeStamping],
  ocspSigning: [OID.ocspSigning],
  /**
   * Signing documents: id-kp-documentSigning (RFC 9336), Adobe "Authentic Documents Trust"
   * (1.2.840.113583.1.1.5), Microsoft document signing (1.3.6.1.4.1.311.10.3.12), and
   * emailProtection, which Vietnamese CAs put in signing certificates for citizens.
   */
  documentSigning: [
    OID.documentSigning,
    '1.2.840.113583.1.1.5',
    '1.3.6.1.4.1.311.10.3.12',
    OID.emailProtection,
  ],
} as const;
export type PurposeName = keyof typeof PURPOSES;
export type Purpose = PurposeName | { oid: string };

export function purposeOids(p: Purpose): readonly string[] {
  return typeof p === 'string' ? PURPOSES[p] : [p.oid];
}

export interface PathValidationOptions {
  time: Date;
  purpose?: Purpose;
  initialPolicies?: readonly string[];
  requireExplicitPolicy?: boolean;
  inhibitPolicyMapping?: boolean;
  inhibitAnyPolicy?: boolean;
  profile?: Profile;
  peerName?: PeerName;
  /**
   * Also require the purpose in intermediates' EKU when they carry one (what Chromium, Go and
   * Windows do; RFC 5280 does not). Default true when a purpose is given.
   */
  ekuChaining?: boolean;
}

export interface PathOutcome {
  checks: CheckResult[];
  failure: { reason: ValidationReason; detail: string; certIndex: number } | null;
  policy: PolicyResult | null;
}

/**
 * Validates `chain` (leaf first, anchor certificate last; a one-element chain is a trusted leaf).
 * `signatureChecks` are the check lines recorded during building (one per non-anchor cert).
 */
export function validatePath(
  chain: readonly Certificate[],
  anchor: TrustAnchor,
  opts: PathValidationOptions,
  budget: Budget,
  signatureChecks: CheckResult[],
): PathOutcome {
  const checks: CheckResult[] = [...signatureChecks];
  let failure: PathOutcome['failure'] = null;
  const profile = opts.profile ?? 'rfc5280';
  const line = (
    certIndex: number,
    check: CheckName,
    reason?: ValidationReason,
    detail?: string,
    indeterminate = false,
  ) => {
    const subject = chain[certIndex]?.subject.toString() ?? '';
    const r: CheckResult = {
      certIndex,
      subject,
      check,
      status: reason ? (indeterminate ? 'indeterminate' : 'failed') : 'passed',
    };
    if (reason) r.reason = reason;
    if (detail) r.detail = detail;
    checks.push(r);
    if (reason && !indeterminate && (!failure || reasonRank(reason) > reasonRank(failure.reason))) {
      failure = { reason, detail: detail ?? reason, certIndex };
    }
  };

  const n = chain.length - 1; // certificates below the anchor
  const ai = chain.length - 1;
  const anchorCert = chain[ai]!;
  const enforceAnchor = anchor.enforce === 'certificate' && n > 0;
  // Validation time floored to whole seconds: certificate times have second precision, and
  // 00:00:00.005 is still "within" a notAfter of 00:00:00 (x509-limbo validity cases).
  const time = Math.floor(opts.time.getTime() / 1000) * 1000;

  const checkValidity = (c: Certificate, i: number) => {
    if (time < c.notBefore.getTime())
      line(i, 'validity', 'CERT_NOT_YET_VALID', `not valid before ${c.notBefore.toISOString()}`);
    else if (time > c.notAfter.getTime())
      line(i, 'validity', 'CERT_EXPIRED', `expired at ${c.notAfter.toISOString()}`);
    else line(i, 'validity');
  };
  const checkCritical = (c: Certificate, i: number) => {
    const unknown = c.unknownCriticalExtensions;
    if (unknown.length > 0)
      line(
        i,
        'critical-extensions',
        'UNKNOWN_CRITICAL_EXTENSION',
        `unknown critical extension ${unknown.join(', ')}`,
      );
    else line(i, 'critical-extensions');
  };
  const checkConformance = (c: Certificate, i: number, role: Role) => {
    const p = conformanceProblem(c, role, profile);
    if (p) line(i, 'conformance', 'CERT_NONCONFORMANT', p);
    else line(i, 'conformance');
  };
  const checkIssuerRole = (c: Certificate, i: number) => {
    if (c.basicConstraints?.ca !== true) {
      line(
        i,
        'basic-constraints',
        'NOT_A_CA',
        c.basicConstraints ? 'basicConstraints cA is false' : 'basicConstraints missing',
      );
    } else line(i, 'basic-constraints');
    if (c.keyUsage && !c.keyUsage.includes('keyCertSign'))
      line(i, 'key-usage', 'KEY_USAGE_INVALID', 'keyCertSign not asserted');
    else line(i, 'key-usage');
  };

  // Anchor: its certificate's constraints are enforced unless the anchor is key-only.
  let maxPathLength = n;
  const constraints: { nc: NameConstraints; from: number }[] = [];
  if (anchor.constraints?.maxPathLength !== undefined)
    maxPathLength = Math.min(maxPathLength, anchor.constraints.maxPathLength);
  if (anchor.constraints?.nameConstraints)
    constraints.push({ nc: anchor.constraints.nameConstraints, from: ai });
  if (enforceAnchor) {
    checkValidity(anchorCert, ai);
    checkCritical(anchorCert, ai);
    checkConformance(anchorCert, ai, 'anchor');
    checkIssuerRole(anchorCert, ai);
    const pl = anchorCert.basicConstraints?.pathLenConstraint;
    if (pl !== undefined) maxPathLength = Math.min(maxPathLength, pl);
    if (anchorCert.nameConstraints) {
      const prob = nameConstraintsProblem(anchorCert.nameConstraints);
      if (prob) line(ai, 'name-constraints', 'NAME_CONSTRAINTS_VIOLATED', prob);
      constraints.push({ nc: anchorCert.nameConstraints, from: ai });
    }
  }

  const initialPolicies = anchor.constraints?.policies
    ? intersectPolicies(opts.initialPolicies, anchor.constraints.policies)
    : opts.initialPolicies;
  const policy = new PolicyProcessor(
    n,
    {
      ...(initialPolicies ? { initialPolicies } : {}),
      initialExplicitPolicy: opts.requireExplicitPolicy ?? false,
      initialPolicyMappingInhibit: opts.inhibitPolicyMapping ?? false,
      initialAnyPolicyInhibit: opts.inhibitAnyPolicy ?? false,
    },
    budget,
    enforceAnchor ? anchorCert : undefined,
  );
  let policyResult: PolicyResult | null = null;

  for (let k = n - 1; k >= 0; k--) {
    const c = chain[k]!;
    const issuer = chain[k + 1]!;
    const i = n - k; // RFC 5280 position, 1..n
    const isLeaf = k === 0;
    checkValidity(c, k);
    if (!c.issuer.equals(issuer.subject))
      line(k, 'name-chaining', 'NAME_CHAINING', 'issuer name differs from the issuer subject');
    else line(k, 'name-chaining');
    checkCritical(c, k);
    checkConformance(c, k, isLeaf ? 'leaf' : 'intermediate');

    // Name constraints of every CA above (self-issued intermediates are exempt, §6.1.3 (b)(c)).
    if (isLeaf || !c.isSelfIssued) {
      let ncFailed = false;
      for (const { nc } of constraints) {
        const r = checkNameConstraints(c, nc, budget);
        if (!r.ok) {
          line(k, 'name-constraints', 'NAME_CONSTRAINTS_VIOLATED', r.detail);
          ncFailed = true;
          break;
        }
      }
      if (!ncFailed && constraints.length > 0) line(k, 'name-constraints');
    }

    const pf = policy.process(i, c);
    if (pf) line(k, 'policy', 'POLICY_REQUIRED', pf.detail);

    if (!isLeaf) {
      checkIssuerRole(c, k);
      if (!c.isSelfIssued) {
        if (maxPathLength <= 0)
          line(k, 'path-length', 'PATH_LEN_EXCEEDED', 'more intermediates than a pathLenConstraint allows');
        else line(k, 'path-length');
        maxPathLength--;
      }
      const pl = c.basicConstraints?.pathLenConstraint;
      if (pl !== undefined && pl < maxPathLength) maxPathLength = pl;
      if (c.nameConstraints) {
        const prob = nameConstraintsProblem(c.nameConstraints);
        if (prob) line(k, 'name-constraints', 'NAME_CONSTRAINTS_VIOLATED', prob);
        constraints.push({ nc: c.nameConstraints, from: k });
      }
      if (
        opts.purpose !== undefined &&
        opts.purpose !== 'any' &&
        (opts.ekuChaining ?? true) &&
        c.extKeyUsage
      ) {
        const want = purposeOids(opts.purpose);
        if (!c.extKeyUsage.some((e) => want.includes(e) || e === OID.anyExtendedKeyUsage)) {
          line(
            k,
            'extended-key-usage',
            'EKU_MISMATCH',
            `CA extendedKeyUsage does not include the ${describePurpose(opts.purpose)} purpose`,
          );
        }
      }
    } else {
      if (opts.purpose !== undefined && opts.purpose !== 'any') {
        const want = purposeOids(opts.purpose);
        const eku = c.extKeyUsage;
        const anyOk = profile !== 'webpki';
        if (eku && !eku.some((e) => want.includes(e) || (anyOk && e === OID.anyExtendedKeyUsage))) {
          line(
            k,
            'extended-key-usage',
            'EKU_MISMATCH',
            `extendedKeyUsage does not include the ${describePurpose(opts.purpose)} purpose`,
          );
        } else line(k, 'extended-key-usage');
      }
      if (opts.peerName) {
        if (matchesPeerName(c, opts.peerName)) line(k, 'peer-name');
        else
          line(
            k,
            'peer-name',
            'PEER_NAME_MISMATCH',
            `no subjectAltName matches ${opts.peerName.kind} ${opts.peerName.value}`,
          );
      }
    }
  }

  if (n > 0) {
    const fin = policy.finish(chain[0]!);
    policyResult = fin.result;
    if (fin.failure) line(0, 'policy', 'POLICY_REQUIRED', fin.failure.detail);
    else line(0, 'policy');
  } else {
    // A directly trusted leaf: nothing to chain; its own validity and content still matter.
    checkValidity(chain[0]!, 0);
    checkCritical(chain[0]!, 0);
    checkConformance(chain[0]!, 0, 'leaf');
    if (opts.peerName && !matchesPeerName(chain[0]!, opts.peerName)) {
      line(
        0,
        'peer-name',
        'PEER_NAME_MISMATCH',
        `no subjectAltName matches ${opts.peerName.kind} ${opts.peerName.value}`,
      );
    }
  }
  return { checks, failure, policy: policyResult };
}

function describePurpose(p: Purpose): string {
  return typeof p === 'string' ? p : p.oid;
}

function intersectPolicies(a: readonly string[] | undefined, b: readonly string[]): string[] {
  if (!a || a.length === 0 || a.includes(OID.anyPolicy)) return [...b];
  if (b.includes(OID.anyPolicy)) return [...a];
  return a.filter((x) => b.includes(x));
}
