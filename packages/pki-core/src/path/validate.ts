/**
 * RFC 5280 §6.1 processing of one candidate path whose signatures have already been verified
 * during building (build.ts). Produces check lines for every certificate and the path's most
 * specific failure. Pure and synchronous; revocation is run afterwards by build.ts.
 */
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import type { Certificate } from '../x509/certificate.js';
import { publicKeyOf, signatureAlgorithmOf } from './signature.js';
import type { KeyUsage, NameConstraints } from '../x509/extensions.js';
import type { Budget } from './budget.js';
import { checkNameConstraints, nameConstraintsProblem } from './name-constraints.js';
import { type PeerName, matchesPeerName } from './peer-name.js';
import { PolicyProcessor } from './policy.js';
import { type Role, type ValidationProfile, conformanceProblem, rsaEncryptionKeysOnly } from './profile.js';
import {
  type CheckName,
  type CheckResult,
  type PolicyResult,
  type ValidationReason,
  reasonRank,
} from './report.js';
import type { TrustAnchor } from './trust-store.js';
import { isSelfIssued, namesEqual, subjectOf } from './names.js';

/** id-kp-rcsMlsClient (GSMA RCS Universal Profile, MLS client certificates). */
export const OID_KP_RCS_MLS_CLIENT = '2.23.146.2.1.3';

/** Rules of purposes that are a certificate profile rather than "the EKU names the purpose". */
interface PurposeProfile {
  /** anyExtendedKeyUsage never satisfies it; these EKUs may not appear in the leaf. */
  prohibitedLeafEkus: readonly string[];
  /** CA certificates' EKU: not chained ('ignore') or exactly the purpose OID, required ('exact'). */
  caEku: 'ignore' | 'exact';
  /** The leaf's EKU must be exactly the purpose OID. */
  exactLeafEku?: boolean;
  /** The leaf's keyUsage must be exactly these bits. */
  leafKeyUsage?: readonly KeyUsage[];
  /** Critical extensions of the profile, processed by the application (leaf only). */
  leafCriticalExtensions?: readonly string[];
}

const PURPOSE_PROFILES: Readonly<Record<string, PurposeProfile>> = {
  c2paManifest: {
    prohibitedLeafEkus: [OID.anyExtendedKeyUsage, OID.timeStamping, OID.ocspSigning],
    caEku: 'ignore',
  },
  c2paTimestamping: { prohibitedLeafEkus: [OID.anyExtendedKeyUsage, OID.ocspSigning], caEku: 'ignore' },
  rcsMlsClient: {
    prohibitedLeafEkus: [],
    caEku: 'exact',
    exactLeafEku: true,
    leafKeyUsage: ['digitalSignature'],
    leafCriticalExtensions: ['2.23.146.2.1.4', '2.23.146.2.1.5'],
  },
};

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
  /**
   * C2PA claim (manifest) signing (C2PA Technical Specification, certificate profile; Chromium's
   * C2PA_MANIFEST): the leaf must carry an EKU with emailProtection or id-kp-documentSigning, and
   * not anyExtendedKeyUsage, timeStamping or OCSPSigning; CA certificates' EKU is not chained.
   */
  c2paManifest: [OID.emailProtection, OID.documentSigning],
  /**
   * C2PA time-stamping authority (Chromium's C2PA_TIMESTAMPING): the leaf must carry an EKU with
   * timeStamping and not anyExtendedKeyUsage or OCSPSigning; CA certificates' EKU is not chained.
   */
  c2paTimestamping: [OID.timeStamping],
  /**
   * GSMA RCS MLS client authentication (id-kp-rcsMlsClient, 2.23.146.2.1.3; Chromium's
   * RCS_MLS_CLIENT_AUTH): the leaf and every CA certificate must carry an EKU that is exactly
   * id-kp-rcsMlsClient, the leaf's keyUsage must be exactly digitalSignature, and the profile's two
   * critical leaf extensions (2.23.146.2.1.4, 2.23.146.2.1.5) are left to the MLS application.
   */
  rcsMlsClient: [OID_KP_RCS_MLS_CLIENT],
} as const;
/**
 * A named key purpose (`PURPOSES`): `documentSigning` for document signatures, `timeStamping` for
 * TSAs, `ocspSigning` for OCSP responders, the TLS ones, and the C2PA and RCS profiles.
 */
export type PurposeName = keyof typeof PURPOSES;
/**
 * The purpose a certificate path is validated for: a name from `PURPOSES`, or any extendedKeyUsage OID
 * (RFC 5280 §4.2.1.12).
 */
export type Purpose = PurposeName | { oid: string };

/** The EKU OIDs that satisfy `p` (empty for `any`). */
export function purposeOids(p: Purpose): readonly string[] {
  return typeof p === 'string' ? PURPOSES[p] : [p.oid];
}

/**
 * The validation inputs of RFC 5280 §6.1.1 and the checks kyso adds on top (EKU chaining, key sizes,
 * SHA-1, profiles).
 */
export interface PathValidationOptions {
  /**
   * The validation time: every certificate must be valid then (RFC 5280 §6.1.3 (a)(2)); for a signature,
   * the proven signing time.
   */
  time: Date;
  /** The key purpose required of the leaf (extendedKeyUsage, RFC 5280 §4.2.1.12); default: none. */
  purpose?: Purpose;
  /** user-initial-policy-set (RFC 5280 §6.1.1 (c)); default anyPolicy. */
  initialPolicies?: readonly string[];
  /** initial-explicit-policy (RFC 5280 §6.1.1 (g)); default false. */
  requireExplicitPolicy?: boolean;
  /** initial-policy-mapping-inhibit (RFC 5280 §6.1.1 (e)); default false. */
  inhibitPolicyMapping?: boolean;
  /** initial-any-policy-inhibit (RFC 5280 §6.1.1 (f)); default false. */
  inhibitAnyPolicy?: boolean;
  /**
   * Extra rules of a validation profile (`VALIDATION_PROFILES`: 'rfc5280', 'webpki', 'chromium');
   * default 'rfc5280'.
   */
  profile?: ValidationProfile;
  /** A DNS name, IP address or e-mail address the leaf must be valid for (its subjectAltName, RFC 6125). */
  peerName?: PeerName;
  /**
   * Also require the purpose in intermediates' EKU when they carry one (what Chromium, Go and
   * Windows do; RFC 5280 does not). Default true when a purpose is given.
   */
  ekuChaining?: boolean;
  /**
   * Chromium's strict EKU modes (key purposes *_STRICT and *_STRICT_LEAF), for callers that want
   * the CA/B Forum-era rules rather than RFC 5280's:
   * - 'strict-leaf': the leaf must carry an EKU that names the purpose (anyExtendedKeyUsage is
   *   not enough), none of codeSigning / OCSPSigning / timeStamping, and must not be a CA;
   * - 'strict': the same, and every CA certificate's EKU must name the purpose explicitly (a CA
   *   without EKU is accepted for serverAuth only).
   * Default 'default': RFC 5280 plus EKU chaining (see `ekuChaining`).
   */
  ekuStrictness?: 'default' | 'strict' | 'strict-leaf';
  /**
   * Smallest RSA modulus (bits) accepted for any key of the path, anchor included (Chromium: 1024).
   * Default: no minimum (old chains stay checkable; the signing policy is separate).
   */
  minRsaModulusBits?: number;
  /** Accept certificate signatures that use SHA-1. Default true (verification of old data). */
  allowSha1Signatures?: boolean;
}

/**
 * Microsoft application policies (szOID_APPLICATION_CERT_POLICIES, 1.3.6.1.4.1.311.21.10): under
 * the 'chromium' profile a critical one is consumed when the certificate also has an EKU.
 */
export const OID_MS_APPLICATION_POLICIES = '1.3.6.1.4.1.311.21.10';

/** EKUs Chromium's strict modes refuse in a TLS leaf next to serverAuth / clientAuth. */
const STRICT_PROHIBITED_EKUS: readonly string[] = [OID.codeSigning, OID.ocspSigning, OID.timeStamping];
/** Policy qualifiers kyso understands (RFC 5280 §4.2.1.4). */
const KNOWN_POLICY_QUALIFIERS: readonly string[] = ['1.3.6.1.5.5.7.2.1', '1.3.6.1.5.5.7.2.2'];

export interface PathOutcome {
  checks: CheckResult[];
  failure: { reason: ValidationReason; detail: string; certIndex: number } | null;
  policy: PolicyResult | null;
}

/**
 * The check recorder of one path validation (RFC 5280 §6.1): every check line in order, the worst
 * failure by reason rank, and the per-certificate checks validatePath runs in its phases.
 */
class PathChecks {
  readonly checks: CheckResult[];
  failure: PathOutcome['failure'] = null;
  readonly profile: ValidationProfile;
  readonly rsaEncryptionOnly: boolean;
  /** Validation time floored to whole seconds: certificate times have second precision, and
   * 00:00:00.005 is still "within" a notAfter of 00:00:00 (x509-limbo validity cases). */
  readonly time: number;
  readonly purposeProfile: PurposeProfile | undefined;
  readonly strict: NonNullable<PathValidationOptions['ekuStrictness']>;
  readonly wantsPurpose: boolean;

  constructor(
    readonly chain: readonly Certificate[],
    readonly opts: PathValidationOptions,
    signatureChecks: CheckResult[],
  ) {
    this.checks = [...signatureChecks];
    this.profile = opts.profile ?? 'rfc5280';
    this.rsaEncryptionOnly = rsaEncryptionKeysOnly(this.profile);
    requireValidationTime(opts.time);
    this.time = Math.floor(opts.time.getTime() / 1000) * 1000;
    this.purposeProfile = typeof opts.purpose === 'string' ? PURPOSE_PROFILES[opts.purpose] : undefined;
    this.strict = opts.ekuStrictness ?? 'default';
    this.wantsPurpose = opts.purpose !== undefined && opts.purpose !== 'any';
  }

  line(
    certIndex: number,
    check: CheckName,
    reason?: ValidationReason,
    detail?: string,
    indeterminate = false,
  ): void {
    const c = this.chain[certIndex];
    const subject = c ? subjectOf(c) : '';
    const r: CheckResult = {
      certIndex,
      subject,
      check,
      status: reason ? (indeterminate ? 'indeterminate' : 'failed') : 'passed',
    };
    if (reason) r.reason = reason;
    if (detail) r.detail = detail;
    this.checks.push(r);
    if (reason && !indeterminate && (!this.failure || reasonRank(reason) > reasonRank(this.failure.reason))) {
      this.failure = { reason, detail: detail ?? reason, certIndex };
    }
  }

  validity(c: Certificate, i: number): void {
    if (this.time < c.notBefore.getTime())
      this.line(i, 'validity', 'CERT_NOT_YET_VALID', `not valid before ${c.notBefore.toISOString()}`);
    else if (this.time > c.notAfter.getTime())
      this.line(i, 'validity', 'CERT_EXPIRED', `expired at ${c.notAfter.toISOString()}`);
    else this.line(i, 'validity');
  }

  critical(c: Certificate, i: number): void {
    const consumed: string[] = i === 0 ? [...(this.purposeProfile?.leafCriticalExtensions ?? [])] : [];
    // Chromium consumes Microsoft application policies next to an EKU (profile.ts, 'chromium' b.).
    if (this.profile === 'chromium' && c.extKeyUsage) consumed.push(OID_MS_APPLICATION_POLICIES);
    const unknown = [...c.unknownCriticalExtensions].filter((o) => !consumed.includes(o));
    // A critical certificatePolicies whose qualifiers kyso cannot interpret is not fully processed.
    if (
      c.extension(OID.certificatePolicies)?.critical &&
      c.certificatePolicies?.some((p) => p.qualifiers?.some((q) => !KNOWN_POLICY_QUALIFIERS.includes(q.oid)))
    )
      unknown.push(`${OID.certificatePolicies} (unknown policy qualifier)`);
    if (unknown.length > 0)
      this.line(
        i,
        'critical-extensions',
        'UNKNOWN_CRITICAL_EXTENSION',
        `unknown critical extension ${unknown.join(', ')}`,
      );
    else this.line(i, 'critical-extensions');
  }

  conformance(c: Certificate, i: number, role: Role): void {
    const p = conformanceProblem(c, role, this.profile);
    if (p) this.line(i, 'conformance', 'CERT_NONCONFORMANT', p);
    else this.line(i, 'conformance');
  }

  /** The caller's algorithm policy (key sizes, SHA-1) for certificate i's key and signature. */
  algorithms(c: Certificate, i: number, signed: boolean): void {
    if (this.rsaEncryptionOnly && c.publicKeyAlgorithmOid === OID.rsassaPss)
      this.line(
        i,
        'algorithm',
        'UNSUPPORTED_ALGORITHM',
        `RSA public key encoded as id-RSASSA-PSS: the ${this.profile} profile accepts only rsaEncryption RSA keys`,
      );
    // The key is parsed only when a size policy asks for it (the leaf's key is never used otherwise).
    const key = this.opts.minRsaModulusBits !== undefined ? publicKeyOf(c) : undefined;
    const spec = key && 'value' in key ? key.value.spec : undefined;
    if (
      this.opts.minRsaModulusBits !== undefined &&
      spec?.type === 'RSA' &&
      spec.modulusLength < this.opts.minRsaModulusBits
    ) {
      this.line(
        i,
        'algorithm',
        'WEAK_ALGORITHM',
        `RSA key of ${spec.modulusLength} bits (minimum ${this.opts.minRsaModulusBits})`,
      );
    }
    if (signed && this.opts.allowSha1Signatures === false) {
      const alg = signatureAlgorithmOf(c);
      if ('value' in alg && 'hash' in alg.value && alg.value.hash === 'SHA-1')
        this.line(i, 'algorithm', 'WEAK_ALGORITHM', 'signature uses SHA-1');
    }
  }

  /** EKU of a CA certificate (intermediate or enforced anchor) for the requested purpose. */
  caEku(c: Certificate, i: number): void {
    const purposeProfile = this.purposeProfile;
    if (!this.wantsPurpose) return;
    if (purposeProfile) {
      if (purposeProfile.caEku === 'ignore') return;
      const eku = c.extKeyUsage;
      const want = purposeOids(this.opts.purpose!);
      if (eku?.length !== 1 || !want.includes(eku[0]!))
        this.line(
          i,
          'extended-key-usage',
          'EKU_MISMATCH',
          `${describePurpose(this.opts.purpose!)}: a CA certificate's extendedKeyUsage must be exactly ${want.join(', ')}`,
        );
      return;
    }
    if (!(this.opts.ekuChaining ?? true)) return;
    const want = purposeOids(this.opts.purpose!);
    const eku = c.extKeyUsage;
    if (!eku) {
      if (this.strict === 'strict' && this.opts.purpose !== 'serverAuth')
        this.line(
          i,
          'extended-key-usage',
          'EKU_MISMATCH',
          'strict mode: CA certificate without extendedKeyUsage',
        );
      return;
    }
    const anyOk = this.strict !== 'strict';
    if (!eku.some((e) => want.includes(e) || (anyOk && e === OID.anyExtendedKeyUsage))) {
      this.line(
        i,
        'extended-key-usage',
        'EKU_MISMATCH',
        `CA extendedKeyUsage does not include the ${describePurpose(this.opts.purpose!)} purpose`,
      );
    }
  }

  /** EKU (and, in strict modes, CA-ness) of the leaf for the requested purpose. */
  leafEku(c: Certificate, k: number): void {
    const purposeProfile = this.purposeProfile;
    if (!this.wantsPurpose) return;
    const want = purposeOids(this.opts.purpose!);
    const eku = c.extKeyUsage;
    if (purposeProfile) {
      const name = describePurpose(this.opts.purpose!);
      const ku = purposeProfile.leafKeyUsage;
      if (ku && !(c.keyUsage?.length === ku.length && ku.every((b) => c.keyUsage!.includes(b))))
        this.line(k, 'key-usage', 'KEY_USAGE_INVALID', `${name}: keyUsage must be exactly ${ku.join(', ')}`);
      const bad = eku?.filter((e) => purposeProfile.prohibitedLeafEkus.includes(e)) ?? [];
      if (!eku) this.line(k, 'extended-key-usage', 'EKU_MISMATCH', `${name}: leaf without extendedKeyUsage`);
      else if (
        purposeProfile.exactLeafEku
          ? eku.length !== 1 || !want.includes(eku[0]!)
          : !eku.some((e) => want.includes(e))
      )
        this.line(
          k,
          'extended-key-usage',
          'EKU_MISMATCH',
          `${name}: extendedKeyUsage must ${purposeProfile.exactLeafEku ? 'be exactly' : 'include one of'} ${want.join(', ')}`,
        );
      else if (bad.length > 0)
        this.line(
          k,
          'extended-key-usage',
          'EKU_MISMATCH',
          `${name}: extendedKeyUsage must not include ${bad.join(', ')}`,
        );
      else this.line(k, 'extended-key-usage');
      return;
    }
    const anyOk = this.profile !== 'webpki' && this.strict === 'default';
    if (this.strict !== 'default') {
      if (!eku) {
        this.line(k, 'extended-key-usage', 'EKU_MISMATCH', 'strict mode: leaf without extendedKeyUsage');
        return;
      }
      const bad = eku.filter((e) => STRICT_PROHIBITED_EKUS.includes(e));
      if (bad.length > 0) {
        this.line(
          k,
          'extended-key-usage',
          'EKU_MISMATCH',
          `strict mode: leaf EKU also allows ${bad.join(', ')}`,
        );
        return;
      }
      if (c.basicConstraints?.ca === true && this.chain.length > 1) {
        this.line(k, 'basic-constraints', 'CERT_NONCONFORMANT', 'strict mode: the leaf is a CA certificate');
      }
    }
    if (eku && !eku.some((e) => want.includes(e) || (anyOk && e === OID.anyExtendedKeyUsage))) {
      this.line(
        k,
        'extended-key-usage',
        'EKU_MISMATCH',
        `extendedKeyUsage does not include the ${describePurpose(this.opts.purpose!)} purpose`,
      );
    } else this.line(k, 'extended-key-usage');
  }

  issuerRole(c: Certificate, i: number): void {
    if (c.basicConstraints?.ca !== true) {
      this.line(
        i,
        'basic-constraints',
        'NOT_A_CA',
        c.basicConstraints ? 'basicConstraints cA is false' : 'basicConstraints missing',
      );
    } else this.line(i, 'basic-constraints');
    if (c.keyUsage && !c.keyUsage.includes('keyCertSign'))
      this.line(i, 'key-usage', 'KEY_USAGE_INVALID', 'keyCertSign not asserted');
    else this.line(i, 'key-usage');
  }
}

/**
 * The initial acceptable policies (RFC 5280 §6.1.1 (c)): the caller's, narrowed by the anchor's
 * constraints and, for an enforced anchor certificate, by its own policies as seen from below it
 * (RFC 5937 §2, after its policy mappings).
 */
function initialPoliciesFor(
  anchor: TrustAnchor,
  anchorCert: Certificate,
  enforceAnchor: boolean,
  opts: PathValidationOptions,
): readonly string[] | undefined {
  let initialPolicies = anchor.constraints?.policies
    ? intersectPolicies(opts.initialPolicies, anchor.constraints.policies)
    : opts.initialPolicies;
  // An enforced anchor certificate's policies (RFC 5937 §2) restrict the acceptable policies,
  // as seen from below the anchor, i.e. after its own policy mappings.
  if (enforceAnchor && anchorCert.certificatePolicies) {
    const own = anchorCert.certificatePolicies.map((p) => p.policyIdentifier);
    if (!own.includes(OID.anyPolicy)) {
      const maps = anchorCert.policyMappings ?? [];
      const below = own.flatMap((p) => {
        const m = maps.filter((x) => x.issuerDomainPolicy === p).map((x) => x.subjectDomainPolicy);
        return m.length > 0 ? m : [p];
      });
      initialPolicies = intersectPolicies(initialPolicies, below);
      if (initialPolicies.length === 0) initialPolicies = [NO_ACCEPTABLE_POLICY];
    }
  }
  return initialPolicies;
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
  const v = new PathChecks(chain, opts, signatureChecks);
  const line = v.line.bind(v);
  const n = chain.length - 1; // certificates below the anchor
  const ai = chain.length - 1;
  const anchorCert = chain[ai]!;
  const enforceAnchor = anchor.enforce === 'certificate' && n > 0;

  // Anchor: its certificate's constraints are enforced unless the anchor is key-only.
  let maxPathLength = n;
  const constraints: { nc: NameConstraints; from: number }[] = [];
  if (anchor.constraints?.maxPathLength !== undefined)
    maxPathLength = Math.min(maxPathLength, anchor.constraints.maxPathLength);
  if (anchor.constraints?.nameConstraints)
    constraints.push({ nc: anchor.constraints.nameConstraints, from: ai });
  v.algorithms(anchorCert, ai, false);
  if (n > 0 && (anchor.checkValidity ?? enforceAnchor)) v.validity(anchorCert, ai);
  if (enforceAnchor) {
    v.caEku(anchorCert, ai);
    v.critical(anchorCert, ai);
    if (anchor.requireBasicConstraints === false && !anchorCert.basicConstraints) {
      // basicConstraints enforced only when present: the key-usage rule still applies.
      if (anchorCert.keyUsage && !anchorCert.keyUsage.includes('keyCertSign'))
        line(ai, 'key-usage', 'KEY_USAGE_INVALID', 'keyCertSign not asserted');
      else line(ai, 'key-usage');
    } else {
      v.conformance(anchorCert, ai, 'anchor');
      v.issuerRole(anchorCert, ai);
    }
    const pl = anchorCert.basicConstraints?.pathLenConstraint;
    if (pl !== undefined) maxPathLength = Math.min(maxPathLength, pl);
    if (anchorCert.nameConstraints) {
      const prob = nameConstraintsProblem(anchorCert.nameConstraints);
      if (prob) line(ai, 'name-constraints', 'NAME_CONSTRAINTS_VIOLATED', prob);
      constraints.push({ nc: anchorCert.nameConstraints, from: ai });
    }
  }

  const initialPolicies = initialPoliciesFor(anchor, anchorCert, enforceAnchor, opts);
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
    v.validity(c, k);
    if (!namesEqual(c.issuer, issuer.subject))
      line(k, 'name-chaining', 'NAME_CHAINING', 'issuer name differs from the issuer subject');
    else line(k, 'name-chaining');
    v.critical(c, k);
    v.conformance(c, k, isLeaf ? 'leaf' : 'intermediate');
    v.algorithms(c, k, true);

    // Name constraints of every CA above (self-issued intermediates are exempt, §6.1.3 (b)(c)).
    if (isLeaf || !isSelfIssued(c)) {
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
      v.issuerRole(c, k);
      if (!isSelfIssued(c)) {
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
      v.caEku(c, k);
    } else {
      v.leafEku(c, k);
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
    v.validity(chain[0]!, 0);
    v.critical(chain[0]!, 0);
    v.conformance(chain[0]!, 0, 'leaf');
    v.leafEku(chain[0]!, 0);
    if (opts.peerName && !matchesPeerName(chain[0]!, opts.peerName)) {
      line(
        0,
        'peer-name',
        'PEER_NAME_MISMATCH',
        `no subjectAltName matches ${opts.peerName.kind} ${opts.peerName.value}`,
      );
    }
  }
  return { checks: v.checks, failure: v.failure, policy: policyResult };
}

function describePurpose(p: Purpose): string {
  return typeof p === 'string' ? p : p.oid;
}

/** Stands for "no policy is acceptable" (an empty intersection must not read as "any"). */
const NO_ACCEPTABLE_POLICY = '0.0';

function intersectPolicies(a: readonly string[] | undefined, b: readonly string[]): string[] {
  if (!a || a.length === 0 || a.includes(OID.anyPolicy)) return [...b];
  if (b.includes(OID.anyPolicy)) return [...a];
  return a.filter((x) => b.includes(x));
}

/**
 * Throws KysoError INVALID_ARGUMENT unless `time` is a valid Date: the validation time is required
 * (RFC 5280 §6.1.1 (b)) and a caller in plain JavaScript may omit it.
 */
export function requireValidationTime(time: unknown): asserts time is Date {
  if (!(time instanceof Date) || Number.isNaN(time.getTime()))
    throw new KysoError('INVALID_ARGUMENT', 'path validation needs `time`, a valid Date');
}
