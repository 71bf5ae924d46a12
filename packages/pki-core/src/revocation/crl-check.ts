/**
 * CRL processing for one certificate (RFC 5280 §6.3.3): distribution point and IDP scope
 * matching, reason masks, the CRL issuer's key (the certificate's issuer, a key-rollover sibling in
 * the path, or a separate CRL-signing certificate issued by a CA of the path), cRLSign, freshness,
 * delta CRLs and removeFromCRL. Returns an outcome; never throws for invalid data.
 *
 * Not supported (reported as unknown with a reason): indirect CRLs (a cRLIssuer in the distribution
 * point, or IDP indirectCRL), attribute-certificate CRLs.
 */
import { bytesEqual } from '../bytes.js';
import { type Crl, type RevokedCertificate, verifyCrlSignature } from '../crl.js';
import { parseVerifyAlgorithm } from '../crypto/algorithms.js';
import { verifySignature } from '../crypto/verify.js';
import { Tag, tlv } from '../der.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { Name } from '../name.js';
import type { Certificate } from '../x509/certificate.js';
import { workingPublicKey } from '../path/signature.js';
import {
  type DistributionPoint,
  type DistributionPointName,
  type IssuingDistributionPoint,
  REASON_FLAGS,
  type ReasonFlag,
} from '../x509/extensions.js';
import type { GeneralName } from '../x509/general-name.js';

/** Reasons a CRL can cover (ReasonFlags without 'unused'). */
const ALL_REASONS: readonly ReasonFlag[] = REASON_FLAGS.filter((r) => r !== 'unused');

/** Stable reason codes for a CRL that could not be used, or for an undetermined status. */
export const CRL_UNKNOWN_REASONS = [
  'CRL_NOT_FOUND',
  'CRL_ISSUER_MISMATCH',
  'CRL_SCOPE_MISMATCH',
  'CRL_INDIRECT_UNSUPPORTED',
  'CRL_NOT_YET_VALID',
  'CRL_EXPIRED',
  'CRL_TOO_OLD',
  'CRL_UNKNOWN_CRITICAL_EXTENSION',
  'CRL_PROFILE_VIOLATION',
  'CRL_SIGNER_NOT_FOUND',
  'CRL_SIGNER_NO_CRLSIGN',
  'CRL_SIGNATURE_INVALID',
  'CRL_REASONS_INCOMPLETE',
] as const;
/** Why a CRL could not be used, or why the status stayed undetermined. */
export type CrlUnknownReason = (typeof CRL_UNKNOWN_REASONS)[number];

/**
 * Options of `checkWithCrls`: which certificate of which path, at what time, and how strictly CRLs
 * are accepted (RFC 5280 §6.3).
 */
export interface CrlCheckOptions {
  /**
   * The validation time: the CRL must be current then (thisUpdate ≤ time ≤ nextUpdate, unless `allowStale`).
   */
  time: Date;
  /** Candidate certificates of the validated path (leaf first, anchor last). */
  path: readonly Certificate[];
  /** Position in `path` of the certificate whose status is checked. */
  index: number;
  /** Maximum age (seconds) of a CRL's thisUpdate at `time`. */
  maxAge?: number;
  /** Accept CRLs whose nextUpdate has passed (still reported). Default false. */
  allowStale?: boolean;
  /** Use delta CRLs found in the pool. Default true. */
  useDeltas?: boolean;
  /**
   * Accept indirect CRLs (RFC 5280 §5.2.5: a cRLIssuer in the distribution point, IDP indirectCRL,
   * certificateIssuer entry extensions). Default true; false reports them as CRL_INDIRECT_UNSUPPORTED.
   */
  indirectCrls?: boolean;
  /**
   * Require a cRLNumber in every complete CRL (RFC 5280 §5.2.3: conforming CRL issuers MUST include
   * it). Default false: v1 CRLs cannot carry it and Chromium, OpenSSL and Go accept CRLs without
   * one. A critical cRLNumber (which §5.2.3 forbids) is always refused.
   */
  requireCrlNumber?: boolean;
  /** Extra certificates that may hold a CRL signing key (e.g. from a PDF DSS or a PKITS test). */
  extraCertificates?: readonly Certificate[];
  /**
   * Decides whether a separate CRL-signing certificate may be trusted. Called only for certificates
   * that are not in the path; the built-in check (`issuedWithinPath`) requires it to be issued by a
   * CA of the path and valid at `time`, and, when `checkSignerRevocation` is given, not revoked.
   */
  checkSignerRevocation?: (
    signer: Certificate,
    issuer: Certificate,
  ) => Promise<'good' | 'revoked' | 'unknown'>;
}

/**
 * The status of one certificate from the CRLs (RFC 5280 §6.3.3): `good` when a usable CRL covering all
 * reasons does not list it, `revoked` with the entry, `unknown` with the reason no CRL settled it.
 */
export interface CrlCheckOutcome {
  /** The certificate's status by the CRLs. */
  status: 'good' | 'revoked' | 'unknown';
  /** Why the status is `unknown` (stable code). */
  reason?: CrlUnknownReason;
  /** What decided, in words (not stable: do not script against it). */
  detail: string;
  /** The complete CRL that decided the status. */
  crl?: Crl;
  /** The delta CRL used with it, if any. */
  delta?: Crl;
  /** The CRL entry, when `revoked` (revocation date, reason code). */
  entry?: RevokedCertificate;
  /** Why each rejected CRL was not used (for the report). */
  rejected: string[];
}

function reasonsOf(list: readonly ReasonFlag[] | undefined): Set<ReasonFlag> {
  return new Set(list ? list.filter((r) => r !== 'unused') : ALL_REASONS);
}

/** Expands a DistributionPointName to GeneralNames (nameRelativeToCRLIssuer appended to `base`). */
function dpNames(n: DistributionPointName, base: Name): GeneralName[] {
  if (n.fullName) return n.fullName;
  if (n.nameRelativeToCRLIssuer) {
    const rdn = Name.fromDer(tlv(Tag.SEQUENCE, n.nameRelativeToCRLIssuer));
    return [{ type: 'directoryName', value: new Name([...base.rdns, ...rdn.rdns]) }];
  }
  return [];
}

function generalNameEquals(a: GeneralName, b: GeneralName): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'directoryName':
      return a.value.equals((b as typeof a).value);
    case 'uri':
    case 'dns':
    case 'email':
    case 'registeredId':
      return a.value === (b as typeof a).value;
    case 'ip':
      return bytesEqual(a.value, (b as typeof a).value);
    case 'otherName':
      return a.typeId === (b as typeof a).typeId && bytesEqual(a.value, (b as typeof a).value);
    default:
      return bytesEqual(a.raw, (b as typeof a).raw);
  }
}

function anyNameMatches(a: readonly GeneralName[], b: readonly GeneralName[]): boolean {
  return a.some((x) => b.some((y) => generalNameEquals(x, y)));
}

function crlIssuerIn(dp: DistributionPoint, crl: Crl): boolean {
  return (dp.cRLIssuer ?? []).some((g) => g.type === 'directoryName' && g.value.equals(crl.issuer));
}

/**
 * Scope check (RFC 5280 §6.3.3 (b)): returns the reasons this CRL covers for this certificate and
 * distribution point, or a rejection.
 */
function scope(
  cert: Certificate,
  dp: DistributionPoint,
  crl: Crl,
  indirectAllowed: boolean,
): { ok: true; reasons: Set<ReasonFlag> } | { ok: false; reason: CrlUnknownReason; detail: string } {
  const idp: IssuingDistributionPoint | undefined = crl.issuingDistributionPoint;
  // (b)(1): the CRL issuer is the DP's cRLIssuer (indirect CRL) or else the certificate's issuer.
  if (dp.cRLIssuer) {
    if (!crlIssuerIn(dp, crl)) {
      return {
        ok: false,
        reason: 'CRL_ISSUER_MISMATCH',
        detail: `CRL issuer ${crl.issuer} is not the distribution point cRLIssuer`,
      };
    }
    if (!idp?.indirectCRL) {
      return {
        ok: false,
        reason: 'CRL_SCOPE_MISMATCH',
        detail: 'CRL of a cRLIssuer does not assert indirectCRL',
      };
    }
  } else if (!crl.issuer.equals(cert.issuer)) {
    return {
      ok: false,
      reason: 'CRL_ISSUER_MISMATCH',
      detail: `CRL issuer ${crl.issuer} is not ${cert.issuer}`,
    };
  }
  if (idp?.indirectCRL && !indirectAllowed) {
    return { ok: false, reason: 'CRL_INDIRECT_UNSUPPORTED', detail: 'indirect CRLs are disabled by policy' };
  }
  if (!idp) return { ok: true, reasons: reasonsOf(dp.reasons) };
  // (b)(2)(i): names.
  if (idp.distributionPoint) {
    const idpNames = dpNames(idp.distributionPoint, crl.issuer);
    let certNames: GeneralName[] = [];
    if (dp.distributionPoint) {
      const base = dp.cRLIssuer?.find((g) => g.type === 'directoryName');
      certNames = dpNames(dp.distributionPoint, base?.type === 'directoryName' ? base.value : cert.issuer);
    } else if (dp.cRLIssuer) certNames = dp.cRLIssuer;
    if (!anyNameMatches(idpNames, certNames)) {
      return {
        ok: false,
        reason: 'CRL_SCOPE_MISMATCH',
        detail: 'IDP distribution point does not match the certificate',
      };
    }
  }
  // (b)(2)(ii)-(iv): certificate types.
  const isCa = cert.basicConstraints?.ca === true;
  if (idp.onlyContainsUserCerts && (isCa || cert.version < 3)) {
    // A v1/v2 certificate may be a CA (RFC 5280 §6.1.4 (k)); it cannot be shown to be in scope.
    return { ok: false, reason: 'CRL_SCOPE_MISMATCH', detail: 'CRL only covers end-entity certificates' };
  }
  if (idp.onlyContainsCACerts && !isCa) {
    return { ok: false, reason: 'CRL_SCOPE_MISMATCH', detail: 'CRL only covers CA certificates' };
  }
  if (idp.onlyContainsAttributeCerts) {
    return { ok: false, reason: 'CRL_SCOPE_MISMATCH', detail: 'CRL only covers attribute certificates' };
  }
  // (d): reasons.
  const dpReasons = reasonsOf(dp.reasons);
  const idpReasons = reasonsOf(idp.onlySomeReasons);
  return { ok: true, reasons: new Set([...dpReasons].filter((r) => idpReasons.has(r))) };
}

function freshness(
  crl: Crl,
  opts: CrlCheckOptions,
): { ok: true } | { ok: false; reason: CrlUnknownReason; detail: string } {
  const t = opts.time.getTime();
  if (crl.thisUpdate.getTime() > t) {
    return {
      ok: false,
      reason: 'CRL_NOT_YET_VALID',
      detail: `thisUpdate ${crl.thisUpdate.toISOString()} is after ${opts.time.toISOString()}`,
    };
  }
  if (crl.nextUpdate && crl.nextUpdate.getTime() < t && !opts.allowStale) {
    return {
      ok: false,
      reason: 'CRL_EXPIRED',
      detail: `nextUpdate ${crl.nextUpdate.toISOString()} has passed`,
    };
  }
  if (opts.maxAge !== undefined && t - crl.thisUpdate.getTime() > opts.maxAge * 1000) {
    return {
      ok: false,
      reason: 'CRL_TOO_OLD',
      detail: `thisUpdate ${crl.thisUpdate.toISOString()} is older than ${opts.maxAge} s`,
    };
  }
  return { ok: true };
}

async function signedBy(
  cert: Certificate,
  issuer: Certificate,
  path: readonly Certificate[],
): Promise<boolean> {
  if (!cert.issuer.equals(issuer.subject)) return false;
  try {
    const idx = path.indexOf(issuer);
    return await verifySignature(
      (idx >= 0 ? workingPublicKey(path, idx) : undefined) ?? issuer.spki,
      parseVerifyAlgorithm(cert.signatureAlgorithm),
      cert.tbs,
      cert.signatureValue,
    );
  } catch (e) {
    if (e instanceof KysoError) return false;
    throw e;
  }
}

/**
 * `path`: when `key` is a certificate of the validated path, its working public key is used (a DSA
 * key inherits the parameters of the DSA keys above it, RFC 5280 §6.1.4 (f)).
 */
async function crlSignatureOk(crl: Crl, key: Certificate, path?: readonly Certificate[]): Promise<boolean> {
  try {
    const idx = path ? path.indexOf(key) : -1;
    const working = idx >= 0 ? workingPublicKey(path!, idx) : undefined;
    return await verifyCrlSignature(crl, working ?? key);
  } catch (e) {
    if (e instanceof KysoError) return false;
    throw e;
  }
}

/**
 * Finds the certificate whose key signed the CRL (RFC 5280 §6.3.3 (f), (g)): first the CAs of the
 * path above `index` named like the CRL issuer (the issuer itself, then key-rollover siblings),
 * then extra certificates issued by a CA of the path. Requires cRLSign when keyUsage is present.
 */
export async function findCrlSigner(
  crl: Crl,
  opts: CrlCheckOptions,
): Promise<{ signer: Certificate } | { reason: CrlUnknownReason; detail: string }> {
  let sawNoCrlSign = false;
  let sawCandidate = false;
  // The issuers above the certificate, then the certificate itself when it is a self-issued CA
  // certificate (key rollover: the CRL covering a new-with-old certificate is signed by the new key).
  const self = opts.path[opts.index];
  const above = opts.path.slice(opts.index + 1);
  const inPath = [...above, ...(self?.isSelfIssued && self.isCA ? [self] : [])].filter((c) =>
    c.subject.equals(crl.issuer),
  );
  for (const c of inPath) {
    sawCandidate = true;
    if (c.keyUsage && !c.keyUsage.includes('cRLSign')) {
      sawNoCrlSign = true;
      continue;
    }
    if (await crlSignatureOk(crl, c, opts.path)) return { signer: c };
  }
  const cas = above;
  for (const c of opts.extraCertificates ?? []) {
    if (!c.subject.equals(crl.issuer) || inPath.includes(c)) continue;
    sawCandidate = true;
    if (c.keyUsage && !c.keyUsage.includes('cRLSign')) {
      sawNoCrlSign = true;
      continue;
    }
    if (!c.isValidAt(opts.time) || c.unknownCriticalExtensions.length > 0) continue;
    if (!(await crlSignatureOk(crl, c))) continue;
    // The signer must chain to the same anchor: here, be issued by a CA of the validated path.
    let issuer: Certificate | undefined;
    for (const ca of cas) {
      if (await signedBy(c, ca, opts.path)) {
        issuer = ca;
        break;
      }
    }
    if (!issuer) continue;
    if (opts.checkSignerRevocation) {
      const st = await opts.checkSignerRevocation(c, issuer);
      if (st !== 'good') continue;
    }
    return { signer: c };
  }
  if (sawNoCrlSign)
    return { reason: 'CRL_SIGNER_NO_CRLSIGN', detail: 'the CRL issuer certificate lacks cRLSign' };
  if (sawCandidate) return { reason: 'CRL_SIGNATURE_INVALID', detail: 'the CRL signature does not verify' };
  return { reason: 'CRL_SIGNER_NOT_FOUND', detail: `no certificate for CRL issuer ${crl.issuer}` };
}

/** RFC 5280 §5.2.3 rules on cRLNumber that make a CRL unusable (see `requireCrlNumber`). */
function profileProblem(crl: Crl, opts: CrlCheckOptions): string | undefined {
  if (crl.extensions.some((x) => x.oid === OID.cRLNumber && x.critical))
    return 'cRLNumber is marked critical (RFC 5280 §5.2.3: MUST be non-critical)';
  if (opts.requireCrlNumber && crl.crlNumber === undefined)
    return 'no cRLNumber (RFC 5280 §5.2.3: MUST be included)';
  return undefined;
}

function describe(crl: Crl): string {
  return `CRL${crl.crlNumber !== undefined ? ` #${crl.crlNumber}` : ''} of ${crl.issuer} (thisUpdate ${crl.thisUpdate.toISOString()}${crl.nextUpdate ? `, nextUpdate ${crl.nextUpdate.toISOString()}` : ''})`;
}

function sameScope(a: Crl, b: Crl): boolean {
  const x = a.issuingDistributionPoint;
  const y = b.issuingDistributionPoint;
  if (!x || !y) return !x && !y;
  const ex = a.extensions.find((e) => e.oid === '2.5.29.28')!;
  const ey = b.extensions.find((e) => e.oid === '2.5.29.28')!;
  return bytesEqual(ex.value, ey.value);
}

/**
 * Looks a certificate up in a CRL. In an indirect CRL an entry belongs to the certificate issuer
 * named by its certificateIssuer extension (or the last preceding one), else to the CRL issuer.
 */
function lookup(crl: Crl, cert: Certificate): RevokedCertificate | undefined {
  // By the certificate (its serial's value), which also fits a non-minimal certificate serial.
  if (!crl.issuingDistributionPoint?.indirectCRL) return crl.isRevoked(cert);
  return crl
    .entriesFor(cert)
    .find((e) =>
      e.certificateIssuer
        ? e.certificateIssuer.some((g) => g.type === 'directoryName' && g.value.equals(cert.issuer))
        : crl.issuer.equals(cert.issuer),
    );
}

/**
 * RFC 5280 §6.3.3 over a pool of CRLs (complete and delta, in any order).
 */
export async function checkWithCrls(
  cert: Certificate,
  crls: readonly Crl[],
  opts: CrlCheckOptions,
): Promise<CrlCheckOutcome> {
  const rejected: string[] = [];
  const dps: DistributionPoint[] = cert.crlDistributionPoints ?? [{}];
  const complete = crls.filter((c) => !c.isDelta);
  // Prefer the newest CRLs.
  complete.sort((a, b) => b.thisUpdate.getTime() - a.thisUpdate.getTime());
  const deltas = opts.useDeltas === false ? [] : crls.filter((c) => c.isDelta);

  const covered = new Set<ReasonFlag>();
  let last: { reason: CrlUnknownReason; detail: string } | undefined;
  let decided: CrlCheckOutcome | undefined;
  const reject = (crl: Crl, reason: CrlUnknownReason, detail: string) => {
    rejected.push(`${describe(crl)}: ${reason}: ${detail}`);
    // Keep the most informative reason: a CRL that was in scope beats an unrelated one.
    if (!last || last.reason === 'CRL_ISSUER_MISMATCH' || reason !== 'CRL_ISSUER_MISMATCH')
      last = { reason, detail };
  };

  outer: for (const dp of dps) {
    for (const crl of complete) {
      if (covered.size === ALL_REASONS.length) break outer;
      const sc = scope(cert, dp, crl, opts.indirectCrls !== false);
      if (!sc.ok) {
        reject(crl, sc.reason, sc.detail);
        continue;
      }
      const newReasons = [...sc.reasons].filter((r) => !covered.has(r));
      if (newReasons.length === 0) continue;
      const fr = freshness(crl, opts);
      if (!fr.ok) {
        reject(crl, fr.reason, fr.detail);
        continue;
      }
      const prof = profileProblem(crl, opts);
      if (prof) {
        reject(crl, 'CRL_PROFILE_VIOLATION', prof);
        continue;
      }
      if (crl.hasUnknownCriticalExtensions) {
        reject(
          crl,
          'CRL_UNKNOWN_CRITICAL_EXTENSION',
          [...crl.unknownCriticalExtensions, ...crl.unknownCriticalEntryExtensions].join(', '),
        );
        continue;
      }
      const signer = await findCrlSigner(crl, opts);
      if (!('signer' in signer)) {
        reject(crl, signer.reason, signer.detail);
        continue;
      }
      // (c) delta CRL for this complete CRL.
      let delta: Crl | undefined;
      for (const d of deltas) {
        if (!d.issuer.equals(crl.issuer) || !sameScope(d, crl)) continue;
        if (
          crl.crlNumber === undefined ||
          d.deltaCrlIndicator! > crl.crlNumber ||
          d.crlNumber! <= crl.crlNumber
        )
          continue;
        if (!freshness(d, opts).ok || d.hasUnknownCriticalExtensions || profileProblem(d, opts)) continue;
        if (!(await crlSignatureOk(d, signer.signer, opts.path))) continue;
        if (!delta || d.crlNumber! > delta.crlNumber!) delta = d;
      }
      for (const r of newReasons) covered.add(r);
      const inDelta = delta ? lookup(delta, cert) : undefined;
      if (inDelta && inDelta.reason !== 'removeFromCRL') {
        decided = {
          status: 'revoked',
          detail: `listed on delta ${describe(delta!)}`,
          crl,
          delta,
          entry: inDelta,
          rejected,
        };
        break outer;
      }
      if (!inDelta) {
        const entry = lookup(crl, cert);
        if (entry && entry.reason !== 'removeFromCRL') {
          decided = {
            status: 'revoked',
            detail: `listed on ${describe(crl)}`,
            crl,
            ...(delta ? { delta } : {}),
            entry,
            rejected,
          };
          break outer;
        }
      }
      decided = {
        status: 'good',
        detail: `not listed on ${describe(crl)}${delta ? ` nor delta ${describe(delta)}` : ''}`,
        crl,
        ...(delta ? { delta } : {}),
        rejected,
      };
    }
  }
  if (decided?.status === 'revoked') return decided;
  if (covered.size === ALL_REASONS.length && decided) return decided;
  if (decided) {
    return {
      status: 'unknown',
      reason: 'CRL_REASONS_INCOMPLETE',
      detail: `the CRLs found cover only some revocation reasons (${[...covered].join(', ')})`,
      rejected,
    };
  }
  if (last) return { status: 'unknown', reason: last.reason, detail: last.detail, rejected };
  return {
    status: 'unknown',
    reason: 'CRL_NOT_FOUND',
    detail: 'no CRL for this certificate was supplied',
    rejected,
  };
}
