/**
 * RFC 3161 time-stamp token verification. Returns a report (passed / failed / indeterminate per
 * check); malformed tokens throw KysoError.
 *
 * Checks: the token is SignedData over a TSTInfo; the message imprint matches the data (or digest);
 * the messageDigest attribute matches the TSTInfo; the signature verifies with the TSA certificate;
 * ESS signing-certificate(-v2) names that certificate (RFC 5816 / RFC 2634); the certificate is a
 * TSA certificate (critical extKeyUsage = { id-kp-timeStamping }, RFC 3161 §2.3) valid at genTime;
 * the nonce and policy match when given; and the TSA chain, validated at genTime by a pluggable
 * validator (e.g. the path validator). Without a validator the chain line is "indeterminate":
 * a token is never reported fully valid without someone having validated its TSA.
 */
import { bytesEqual, toHex } from '../bytes.js';
import { digest } from '../crypto/hash.js';
import type { CmsDigestAlgorithm, HashAlgorithm } from '../crypto/types.js';
import { cmsDigest, cmsDigestFromAlgorithm } from '../crypto/verify-hash.js';
import {
  type ResolvedAlg,
  algorithmProtection,
  checkSignatureValue,
  isDerSetOrder,
  resolveCmsSignerAlgorithm,
} from '../cms/signer-algorithm.js';
import {
  type SignedData,
  type SignerInfo,
  decodeContentTypeValue,
  decodeMessageDigestValue,
  parseSigningCertificateV1,
  parseSigningCertificateV2,
  singleAttributeValue,
} from '../cms/signed-data.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { buildAndValidatePath } from '../path/build.js';
import type { ValidationReason, ValidationReport } from '../path/report.js';
import type { RevocationChecker } from '../path/revocation-types.js';
import { normalizeReasonCode } from '../verdict/codes.js';
import type { CheckStatus, Verdict } from '../verdict/indication.js';
import { timeStampVerdict, worstVerdict } from '../verdict/verdict.js';
import type { TrustStore } from '../path/trust-store.js';
import { Certificate } from '../x509/certificate.js';
import { type TstInfo, parseTimeStampResp, parseTimeStampToken } from './response.js';

export { parseTimeStampToken } from './response.js';
import { tsaCertificateProblem } from './tsa.js';
import type { TimeStampReq } from './request.js';

/**
 * The checks of RFC 3161 token verification, in the order they run: the response status, the
 * token's CMS (signed attributes, CMSAlgorithmProtection RFC 6211, content type, message imprint over
 * the data, messageDigest, signer certificate, signature, ESS signing-certificate(-v2) RFC 5816), the
 * TSA certificate (id-kp-timeStamping critical, valid at genTime, RFC 3161 §2.3), the nonce, the
 * policy and the TSA's certificate path.
 */
export type TspCheckName =
  | 'response-status'
  | 'signed-attributes'
  | 'algorithm-protection'
  | 'content-type'
  | 'message-imprint'
  | 'message-digest'
  | 'signer-certificate'
  | 'signature'
  | 'ess-signing-certificate'
  | 'tsa-certificate'
  | 'tsa-validity'
  | 'nonce'
  | 'policy'
  | 'chain';

/**
 * Stable reason codes of RFC 3161 token verification (UPPER_SNAKE; kebab-case before 0.2). The
 * `chain` check also carries the path validator's ValidationReason when the TSA path fails.
 */
export const TSP_REASONS = [
  'ALGORITHM_PROTECTION_MATCHES',
  'ALGORITHM_PROTECTION_MISMATCH',
  'SIGNED_ATTRS_DER',
  'SIGNED_ATTRS_NOT_DER',
  'CERTREQ_CERTIFICATE_MISSING',
  'CHAIN_NOT_VALIDATED',
  'CRITICAL_TIMESTAMPING_EKU',
  'ESS_CERT_ID_MISMATCH',
  'ESS_CERT_ID_MATCHES',
  'ESS_CERT_ID_V2_MATCHES',
  'ESS_SIGNING_CERTIFICATE_MISSING',
  'FOUND',
  'ID_CT_TSTINFO',
  'CONTENT_TYPE_MISMATCH',
  'CONTENT_TYPE_MISSING',
  'IMPRINT_HASH_ALGORITHM_MISMATCH',
  'IMPRINT_MATCHES',
  'IMPRINT_MISMATCH',
  'KEY_UNUSABLE',
  'MESSAGE_DIGEST_MATCHES',
  'MESSAGE_DIGEST_MISMATCH',
  'MESSAGE_DIGEST_MISSING',
  'NONCE_MATCHES',
  'NONCE_MISSING',
  'NONCE_MISMATCH',
  'NOT_A_TSA_CERTIFICATE',
  'NO_DATA_SUPPLIED',
  'NO_SIGNED_ATTRIBUTES',
  'PATH_ERROR',
  'PATH_INVALID',
  'PATH_VALID_AT_GENTIME',
  'POLICY_MATCHES',
  'POLICY_MISMATCH',
  'SIGNATURE_INVALID',
  'SIGNATURE_VALID',
  'SIGNER_CERTIFICATE_NOT_FOUND',
  'UNSUPPORTED_DIGEST_ALGORITHM',
  'UNSUPPORTED_ESS_HASH',
  'UNSUPPORTED_SIGNATURE_ALGORITHM',
  'VALID_AT_GENTIME',
  'TSA_NOT_YET_VALID',
  'TSA_EXPIRED',
  'TSP_GRANTED',
  'TSP_GRANTED_WITH_MODS',
  'TSP_REJECTION',
  'TSP_WAITING',
  'TSP_REVOCATION_WARNING',
  'TSP_REVOCATION_NOTIFICATION',
] as const;
/** A stable reason code of RFC 3161 verification (or the TSA path's ValidationReason). */
export type TspReason = (typeof TSP_REASONS)[number] | ValidationReason;

/** The reason code for a PKIStatus (`grantedWithMods` → `TSP_GRANTED_WITH_MODS`). */
export function tspStatusReason(status: string): TspReason {
  return normalizeReasonCode(`tsp-${status}`) as TspReason;
}

/** One check line of time-stamp verification: which check, its status and a stable reason code. */
export interface TspCheck {
  /** Which check. */
  check: TspCheckName;
  /** The check's status. */
  status: CheckStatus;
  /** Stable reason code (see `TSP_REASONS`). */
  reason: TspReason;
  /** Human-readable detail (not stable: do not script against it). */
  detail?: string;
}

/** Result of validating the TSA certificate's chain at genTime. */
export interface ChainResult {
  /** `passed` when the TSA path validates at genTime. */
  status: CheckStatus;
  /** A caller's validator may use its own codes; they are normalised to UPPER_SNAKE in the check. */
  reason: string;
  /** Human-readable detail. */
  detail?: string;
}

/**
 * Validates the TSA certificate at `time` (genTime) with the given untrusted certificates; e.g.
 * a wrapper around `buildAndValidatePath` with a trust store and the id-kp-timeStamping purpose.
 */
export type TsaChainValidator = (
  tsaCertificate: Certificate,
  untrusted: Certificate[],
  time: Date,
) => Promise<ChainResult>;

/** Options of {@link pathChainValidator}. */
export interface PathChainValidatorOptions {
  /** Revocation of the TSA path (default: not checked, and the passed line says so). */
  revocation?: RevocationChecker;
  /** Untrusted certificates beyond those of the token and `certificates` (e.g. the signature's). */
  intermediates?: readonly Certificate[];
  /** Receives the path validator's report (the CMS verifier keeps it as the time-stamp's path). */
  onReport?(report: ValidationReport): void;
}

/**
 * A chain validator over the path validator: builds a path from the TSA certificate to `trustStore`
 * and validates it at genTime for id-kp-timeStamping, with revocation when `opts.revocation` is
 * given (else the detail says revocation was not checked).
 */
export function pathChainValidator(
  trustStore: TrustStore,
  opts: PathChainValidatorOptions = {},
): TsaChainValidator {
  return async (tsaCertificate, untrusted, time) => {
    let rep: ValidationReport;
    try {
      rep = await buildAndValidatePath({
        leaf: tsaCertificate,
        intermediates: [...untrusted, ...(opts.intermediates ?? [])],
        trustStore,
        time,
        purpose: 'timeStamping',
        ...(opts.revocation ? { revocation: opts.revocation } : {}),
      });
    } catch (e) {
      if (!(e instanceof KysoError)) throw e;
      return { status: 'failed', reason: 'PATH_ERROR', detail: `${e.code}: ${e.message}` };
    }
    opts.onReport?.(rep);
    if (!rep.valid)
      return {
        status: 'failed',
        reason: rep.reason ?? 'PATH_INVALID',
        ...(rep.detail ? { detail: rep.detail } : {}),
      };
    return {
      status: 'passed',
      reason: 'PATH_VALID_AT_GENTIME',
      detail: `${rep.chain.map((c) => c.subject.toString()).join(' <- ')}${opts.revocation ? '' : ' (revocation not checked)'}`,
    };
  };
}

/**
 * Options of `verifyTimeStampToken` / `verifyTimeStampResponse`: what the token must cover and how the
 * TSA's path is validated. Give `data` or `digest`.
 */
export interface TimeStampVerifyOptions {
  /** The time-stamped data (hashed with the TSTInfo's hash). */
  data?: Uint8Array;
  /** Or its digest (must use the TSTInfo's hash algorithm; `hashAlgorithm` to insist on one). */
  digest?: Uint8Array;
  /** Require the TSTInfo's imprint to use this hash (default: whatever hash the token uses). */
  hashAlgorithm?: HashAlgorithm;
  /** The nonce sent in the request. */
  nonce?: bigint;
  /** Expected TSA policy. */
  policy?: string;
  /** Candidate TSA certificates and intermediates beyond those in the token. */
  certificates?: Certificate[];
  /** Chain validation at genTime (e.g. the path validator); without it the chain line is indeterminate. */
  validateChain?: TsaChainValidator;
  /** Shorthand for `validateChain: pathChainValidator(trustStore)`. */
  trustStore?: TrustStore;
}

/**
 * The result of RFC 3161 time-stamp verification (RFC 3161 §2.4.2, RFC 5816): the check lines and the
 * overall status (`failed` when any check failed, else `indeterminate` when any is, else `passed`).
 */
export interface TimeStampVerifyReport {
  /** `failed` when any check failed, else `indeterminate` when any is, else `passed`. */
  status: CheckStatus;
  /** The check lines, in order. */
  checks: TspCheck[];
  /** The parsed TSTInfo, when the token parsed. */
  tstInfo?: TstInfo;
  /** The TSA certificate that signed the token, when found. */
  signerCertificate?: Certificate;
  /** The genTime, when the TSTInfo parsed. */
  genTime?: Date;
  /** The EN 319 102-1 verdict of the token (`timeStampVerdict`), as the CLI's JSON prints it. */
  verdict: Verdict;
}

function overall(checks: TspCheck[]): CheckStatus {
  if (checks.some((c) => c.status === 'failed')) return 'failed';
  if (checks.some((c) => c.status === 'indeterminate')) return 'indeterminate';
  return 'passed';
}

function signerMatches(si: SignerInfo, c: Certificate): boolean {
  if (si.sid.type === 'issuerAndSerialNumber') {
    return bytesEqual(si.sid.serialNumber, c.serialNumber) && si.sid.issuer.equals(c.issuer);
  }
  return c.subjectKeyIdentifier !== undefined && bytesEqual(c.subjectKeyIdentifier, si.sid.keyIdentifier);
}

/**
 * Phase 1: the signed attributes' DER order and CMSAlgorithmProtection (the CMS verifier's rules,
 * cms/signer-algorithm.ts), the contentType (id-ct-TSTInfo) and messageDigest. Returns the digest
 * algorithm when it is supported.
 */
async function checkTokenAttributes(
  si: SignerInfo,
  attrs: NonNullable<SignerInfo['signedAttrs']>,
  eContent: Uint8Array,
  checks: TspCheck[],
): Promise<CmsDigestAlgorithm | undefined> {
  checks.push(
    isDerSetOrder(si)
      ? { check: 'signed-attributes', status: 'passed', reason: 'SIGNED_ATTRS_DER' }
      : {
          check: 'signed-attributes',
          status: 'failed',
          reason: 'SIGNED_ATTRS_NOT_DER',
          detail: 'signed attributes are not in DER SET OF order',
        },
  );
  const protection = algorithmProtection(si);
  if (protection !== 'absent')
    checks.push(
      protection === 'matches'
        ? { check: 'algorithm-protection', status: 'passed', reason: 'ALGORITHM_PROTECTION_MATCHES' }
        : {
            check: 'algorithm-protection',
            status: 'failed',
            reason: 'ALGORITHM_PROTECTION_MISMATCH',
            detail: 'CMSAlgorithmProtection does not match the SignerInfo algorithms (RFC 6211)',
          },
    );
  const ctv = singleAttributeValue(attrs, OID.contentType);
  const ct = ctv && decodeContentTypeValue(ctv);
  checks.push(
    ct === OID.tstInfo
      ? { check: 'content-type', status: 'passed', reason: 'ID_CT_TSTINFO' }
      : {
          check: 'content-type',
          status: 'failed',
          reason: ct ? 'CONTENT_TYPE_MISMATCH' : 'CONTENT_TYPE_MISSING',
        },
  );
  let digestHash: CmsDigestAlgorithm | undefined;
  try {
    digestHash = cmsDigestFromAlgorithm(si.digestAlgorithm.oid, si.digestAlgorithm.parameters);
  } catch (e) {
    if (!(e instanceof KysoError)) throw e;
    checks.push({
      check: 'message-digest',
      status: 'indeterminate',
      reason: 'UNSUPPORTED_DIGEST_ALGORITHM',
      detail: si.digestAlgorithm.oid,
    });
  }
  if (digestHash) {
    const mdv = singleAttributeValue(attrs, OID.messageDigest);
    if (!mdv) checks.push({ check: 'message-digest', status: 'failed', reason: 'MESSAGE_DIGEST_MISSING' });
    else {
      const ok = bytesEqual(decodeMessageDigestValue(mdv), await cmsDigest(digestHash, eContent));
      checks.push(
        ok
          ? { check: 'message-digest', status: 'passed', reason: 'MESSAGE_DIGEST_MATCHES' }
          : { check: 'message-digest', status: 'failed', reason: 'MESSAGE_DIGEST_MISMATCH' },
      );
    }
  }

  return digestHash;
}

/** Phase 2: the message imprint against the data (or digest) the caller holds. */
async function checkImprint(
  tstInfo: TstInfo,
  opts: TimeStampVerifyOptions,
  checks: TspCheck[],
): Promise<void> {
  const mi = tstInfo.messageImprint;
  if (opts.hashAlgorithm && opts.hashAlgorithm !== mi.hashAlgorithm) {
    checks.push({
      check: 'message-imprint',
      status: 'failed',
      reason: 'IMPRINT_HASH_ALGORITHM_MISMATCH',
      detail: mi.hashAlgorithm,
    });
  } else if (opts.data !== undefined || opts.digest !== undefined) {
    const want = opts.digest ?? (await digest(mi.hashAlgorithm, opts.data!));
    checks.push(
      bytesEqual(want, mi.hashedMessage)
        ? { check: 'message-imprint', status: 'passed', reason: 'IMPRINT_MATCHES' }
        : { check: 'message-imprint', status: 'failed', reason: 'IMPRINT_MISMATCH' },
    );
  } else {
    checks.push({ check: 'message-imprint', status: 'indeterminate', reason: 'NO_DATA_SUPPLIED' });
  }
}

/** The token's certificates that parse, then the caller's; and the one that signed. */
function tokenSigner(
  sd: SignedData,
  si: SignerInfo,
  opts: TimeStampVerifyOptions,
): { pool: Certificate[]; signer: Certificate | undefined } {
  const inToken: Certificate[] = [];
  for (const d of sd.certificates) {
    try {
      inToken.push(Certificate.fromDer(d));
    } catch (e) {
      if (!(e instanceof KysoError)) throw e;
    }
  }
  const pool = [...inToken, ...(opts.certificates ?? [])];
  return { pool, signer: pool.find((c) => signerMatches(si, c)) };
}

/**
 * Phase 3: the signature over the signed attributes, by the CMS verifier's algorithm rules and
 * verification (cms/signer-algorithm.ts: RFC 5754 bare key OIDs, RFC 8419 pairing, DSA, Ed448).
 */
async function checkTokenSignature(
  si: SignerInfo,
  signer: Certificate,
  digestHash: CmsDigestAlgorithm | undefined,
  signedAttrsDer: Uint8Array,
  checks: TspCheck[],
): Promise<void> {
  let alg: ResolvedAlg | undefined;
  try {
    if (!digestHash) throw new KysoError('UNSUPPORTED_ALGORITHM', `digest ${si.digestAlgorithm.oid}`);
    const r = resolveCmsSignerAlgorithm(si.signatureAlgorithm, digestHash);
    if ('forbidden' in r) {
      checks.push({ check: 'signature', status: 'failed', reason: 'SIGNATURE_INVALID', detail: r.forbidden });
      return;
    }
    alg = r;
  } catch (e) {
    if (!(e instanceof KysoError)) throw e;
    checks.push({
      check: 'signature',
      status: 'indeterminate',
      reason: 'UNSUPPORTED_SIGNATURE_ALGORITHM',
      detail: e.message,
    });
  }
  if (alg) {
    let ok = false;
    let why: string | undefined;
    try {
      ok = await checkSignatureValue(signer, alg, signedAttrsDer, si.signature);
    } catch (e) {
      if (!(e instanceof KysoError)) throw e;
      why = e.message;
    }
    checks.push(
      ok
        ? { check: 'signature', status: 'passed', reason: 'SIGNATURE_VALID' }
        : why
          ? { check: 'signature', status: 'indeterminate', reason: 'KEY_UNUSABLE', detail: why }
          : { check: 'signature', status: 'failed', reason: 'SIGNATURE_INVALID' },
    );
  }
}

/** Phase 4: ESS signing-certificate-v2 (or v1: RFC 5816 §2.2.1 allows either) names the signer. */
async function checkTokenEss(
  attrs: NonNullable<SignerInfo['signedAttrs']>,
  signer: Certificate,
  checks: TspCheck[],
): Promise<void> {
  const v2 = singleAttributeValue(attrs, OID.signingCertificateV2);
  const v1 = singleAttributeValue(attrs, OID.signingCertificate);
  if (!v2 && !v1) {
    checks.push({
      check: 'ess-signing-certificate',
      status: 'failed',
      reason: 'ESS_SIGNING_CERTIFICATE_MISSING',
    });
  } else {
    const sc = v2 ? parseSigningCertificateV2(v2) : parseSigningCertificateV1(v1!);
    const first = sc.certs[0]!;
    if (typeof first.hashAlgorithm !== 'string') {
      checks.push({
        check: 'ess-signing-certificate',
        status: 'indeterminate',
        reason: 'UNSUPPORTED_ESS_HASH',
        detail: first.hashAlgorithm.unsupported,
      });
    } else {
      const hashOk = bytesEqual(first.certHash, await digest(first.hashAlgorithm, signer.der));
      const isOk =
        !first.issuerSerial ||
        (bytesEqual(first.issuerSerial.serialNumber, signer.serialNumber) &&
          first.issuerSerial.issuer.equals(signer.issuer));
      checks.push(
        hashOk && isOk
          ? {
              check: 'ess-signing-certificate',
              status: 'passed',
              reason: v2 ? 'ESS_CERT_ID_V2_MATCHES' : 'ESS_CERT_ID_MATCHES',
            }
          : {
              check: 'ess-signing-certificate',
              status: 'failed',
              reason: 'ESS_CERT_ID_MISMATCH',
              detail: hashOk ? 'issuerSerial does not name the signer' : 'certificate hash differs',
            },
      );
    }
  }
}

/** Phase 5: the TSA certificate profile (RFC 3161 §2.3) and its validity at genTime. */
function checkTsaCertificate(signer: Certificate, genTime: Date, checks: TspCheck[]): void {
  const problem = tsaCertificateProblem(signer);
  checks.push(
    problem
      ? { check: 'tsa-certificate', status: 'failed', reason: 'NOT_A_TSA_CERTIFICATE', detail: problem }
      : { check: 'tsa-certificate', status: 'passed', reason: 'CRITICAL_TIMESTAMPING_EKU' },
  );
  checks.push(
    signer.isValidAt(genTime)
      ? { check: 'tsa-validity', status: 'passed', reason: 'VALID_AT_GENTIME' }
      : {
          check: 'tsa-validity',
          status: 'failed',
          reason: genTime < signer.notBefore ? 'TSA_NOT_YET_VALID' : 'TSA_EXPIRED',
          detail: `genTime ${genTime.toISOString()} outside ${signer.notBefore.toISOString()}..${signer.notAfter.toISOString()}`,
        },
  );
}

/** Phase 6: nonce and policy, when the caller expects them. */
function checkRequestMatch(tstInfo: TstInfo, opts: TimeStampVerifyOptions, checks: TspCheck[]): void {
  if (opts.nonce !== undefined) {
    checks.push(
      tstInfo.nonce === opts.nonce
        ? { check: 'nonce', status: 'passed', reason: 'NONCE_MATCHES' }
        : {
            check: 'nonce',
            status: 'failed',
            reason: tstInfo.nonce === undefined ? 'NONCE_MISSING' : 'NONCE_MISMATCH',
          },
    );
  }
  if (opts.policy !== undefined) {
    checks.push(
      tstInfo.policy === opts.policy
        ? { check: 'policy', status: 'passed', reason: 'POLICY_MATCHES' }
        : { check: 'policy', status: 'failed', reason: 'POLICY_MISMATCH', detail: tstInfo.policy },
    );
  }
}

/** Phase 7: the TSA chain at genTime, by the caller's validator (indeterminate without one). */
async function checkTsaChain(
  opts: TimeStampVerifyOptions,
  signer: Certificate,
  pool: readonly Certificate[],
  genTime: Date,
  checks: TspCheck[],
): Promise<void> {
  const validateChain =
    opts.validateChain ?? (opts.trustStore ? pathChainValidator(opts.trustStore) : undefined);
  if (validateChain) {
    const untrusted = pool.filter((c) => c !== signer);
    const r = await validateChain(signer, untrusted, genTime);
    checks.push({ check: 'chain', ...r, reason: normalizeReasonCode(r.reason) as TspReason });
  } else {
    checks.push({
      check: 'chain',
      status: 'indeterminate',
      reason: 'CHAIN_NOT_VALIDATED',
      detail: 'no chain validator supplied',
    });
  }
}

/**
 * Verifies an RFC 3161 TimeStampToken (DER or BER ContentInfo) in named phases: signed attributes,
 * message imprint, signer certificate, signature, ESS, TSA certificate, request match, TSA chain.
 */
export async function verifyTimeStampToken(
  token: Uint8Array,
  opts: TimeStampVerifyOptions = {},
): Promise<TimeStampVerifyReport> {
  const { signedData: sd, tstInfo } = parseTimeStampToken(token);
  const si = sd.signerInfos[0]!;
  const checks: TspCheck[] = [];
  const report: TimeStampVerifyReport = {
    status: 'failed',
    checks,
    tstInfo,
    genTime: tstInfo.genTime,
    verdict: worstVerdict([]), // replaced by finish()
  };
  const finish = () => {
    report.status = overall(checks);
    report.verdict = timeStampVerdict(report);
    return report;
  };
  const genTime = tstInfo.genTime;
  const attrs = si.signedAttrs;
  if (!attrs || !si.signedAttrsDer) {
    checks.push({ check: 'content-type', status: 'failed', reason: 'NO_SIGNED_ATTRIBUTES' });
    return finish();
  }
  const digestHash = await checkTokenAttributes(si, attrs, sd.eContent!, checks);
  await checkImprint(tstInfo, opts, checks);
  const { pool, signer } = tokenSigner(sd, si, opts);
  if (!signer) {
    checks.push({ check: 'signer-certificate', status: 'failed', reason: 'SIGNER_CERTIFICATE_NOT_FOUND' });
    return finish();
  }
  report.signerCertificate = signer;
  checks.push({ check: 'signer-certificate', status: 'passed', reason: 'FOUND' });
  await checkTokenSignature(si, signer, digestHash, si.signedAttrsDer, checks);
  await checkTokenEss(attrs, signer, checks);
  checkTsaCertificate(signer, genTime, checks);
  checkRequestMatch(tstInfo, opts, checks);
  await checkTsaChain(opts, signer, pool, genTime, checks);
  return finish();
}

/**
 * Verifies a TimeStampResp against the request that produced it: status granted, imprint and
 * nonce equal to the request's, policy equal to reqPolicy when one was asked, then the token.
 */
export async function verifyTimeStampResponse(
  respDer: Uint8Array,
  request: TimeStampReq,
  opts: Omit<TimeStampVerifyOptions, 'nonce' | 'digest' | 'data'> = {},
): Promise<TimeStampVerifyReport & { token?: Uint8Array }> {
  const resp = parseTimeStampResp(respDer);
  if (!resp.token) {
    const detail = [
      resp.status.status,
      ...(resp.status.failInfo ?? []).map(String),
      ...(resp.status.statusString ?? []),
    ].join(': ');
    const failed: Omit<TimeStampVerifyReport, 'verdict'> = {
      status: 'failed',
      checks: [
        { check: 'response-status', status: 'failed', reason: tspStatusReason(resp.status.status), detail },
      ],
    };
    return { ...failed, verdict: timeStampVerdict(failed) };
  }
  const rep = await verifyTimeStampToken(resp.token, {
    ...opts,
    digest: request.messageImprint.hashedMessage,
    hashAlgorithm: request.messageImprint.hashAlgorithm,
    ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    ...(request.reqPolicy !== undefined && opts.policy === undefined ? { policy: request.reqPolicy } : {}),
  });
  rep.checks.unshift({
    check: 'response-status',
    status: 'passed',
    reason: tspStatusReason(resp.status.status),
  });
  if (
    request.certReq &&
    rep.signerCertificate &&
    !rep.checks.some((c) => c.check === 'signer-certificate' && c.status === 'failed')
  ) {
    // certReq: the TSA certificate must be in the token (RFC 3161 §2.4.1).
    const { signedData } = parseTimeStampToken(resp.token);
    if (!signedData.certificates.some((d) => bytesEqual(d, rep.signerCertificate!.der))) {
      rep.checks.push({
        check: 'signer-certificate',
        status: 'failed',
        reason: 'CERTREQ_CERTIFICATE_MISSING',
      });
    }
  }
  rep.status = overall(rep.checks);
  rep.verdict = timeStampVerdict(rep);
  return { ...rep, token: resp.token };
}

/** Short human summary of a TSTInfo (CLI, logs). */
export function describeTstInfo(t: TstInfo): Record<string, unknown> {
  return {
    policy: t.policy,
    serial: t.serial.toString(16),
    genTime: t.genTimeString,
    hashAlgorithm: t.messageImprint.hashAlgorithm,
    hashedMessage: toHex(t.messageImprint.hashedMessage),
    accuracy: t.accuracy,
    ordering: t.ordering || undefined,
    nonce: t.nonce?.toString(16),
  };
}
