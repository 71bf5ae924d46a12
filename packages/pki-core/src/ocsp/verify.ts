/**
 * OCSP response verification (RFC 6960 §3.2, §4.2.2.2; RFC 5019 §4). Returns a report; malformed
 * input throws KysoError, an invalid response is a report with status "failed".
 *
 * The responder must be the CA that issued the certificate (its key signed the response) or a
 * delegated responder: a certificate issued directly by that CA with id-kp-OCSPSigning in its
 * extKeyUsage, valid at the validation time. The delegated certificate's own revocation status is
 * not checked here; id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1) says it need not be, otherwise the
 * report says so with an "indeterminate" line.
 */
import { bytesEqual, toHex } from '../bytes.js';
import { parseSignatureAlgorithm } from '../crypto/algorithms.js';
import { parsePublicKeyInfo } from '../crypto/keys.js';
import { verifySignature } from '../crypto/verify.js';
import { integerBytesEqual, serialHex } from '../der.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { normalizeReasonCode } from '../verdict/codes.js';
import type { CheckStatus, Verdict } from '../verdict/indication.js';
import { ocspVerdict, worstVerdict } from '../verdict/verdict.js';
import type { Certificate } from '../x509/certificate.js';
import { certIdMatchesIssuer, type OcspRequest } from './request.js';
import {
  type BasicOcspResponse,
  type CertStatus,
  type OcspResponse,
  type SingleResponse,
  parseOcspResponse,
  responderKeyHash,
} from './response.js';

/** Stable reason codes of OCSP response verification (UPPER_SNAKE; kebab-case before 0.2). */
export const OCSP_REASONS = [
  'OCSP_MALFORMED_REQUEST',
  'OCSP_INTERNAL_ERROR',
  'OCSP_TRY_LATER',
  'OCSP_SIG_REQUIRED',
  'OCSP_UNAUTHORIZED',
  'UNSUPPORTED_RESPONSE_TYPE',
  'SUCCESSFUL',
  'RESPONDER_CERTIFICATE_NOT_FOUND',
  'RESPONDER_FOUND',
  'UNSUPPORTED_SIGNATURE_ALGORITHM',
  'RESPONDER_KEY_UNUSABLE',
  'SIGNATURE_VALID',
  'SIGNATURE_INVALID',
  'RESPONDER_IS_ISSUER',
  'DELEGATED_RESPONDER',
  'RESPONDER_NOT_AUTHORIZED',
  'WITHIN_VALIDITY',
  'RESPONDER_NOT_YET_VALID',
  'RESPONDER_EXPIRED',
  'OCSP_NOCHECK',
  'RESPONDER_REVOCATION_NOT_CHECKED',
  'PRODUCED_IN_FUTURE',
  'PRODUCED_BEFORE_TIME',
  'NO_RESPONSE_FOR_CERTIFICATE',
  'GOOD',
  'REVOKED',
  'UNKNOWN',
  'FRESH',
  'STALE_OR_FUTURE',
  'NONCE_MISSING',
  'NONCE_MATCHES',
  'NONCE_MISMATCH',
] as const;
/** A stable reason code of OCSP response verification. */
export type OcspReason = (typeof OCSP_REASONS)[number];

/** The reason code for a non-successful OCSPResponseStatus (`tryLater` → `OCSP_TRY_LATER`). */
export function ocspStatusReason(status: Exclude<OcspResponse['status'], 'successful'>): OcspReason {
  return normalizeReasonCode(`ocsp-${status}`) as OcspReason;
}

/** One check line of OCSP response verification: which check, its status and a stable reason code. */
export interface OcspCheck {
  /** Stable check name. */
  check:
    | 'response-status'
    | 'responder-identified'
    | 'signature'
    | 'responder-authorized'
    | 'responder-validity'
    | 'responder-revocation'
    | 'produced-at'
    | 'freshness'
    | 'nonce'
    | 'certificate-status';
  /** `passed`, `failed` or `indeterminate`. */
  status: CheckStatus;
  /** Stable reason code (UPPER_SNAKE). */
  reason: OcspReason;
  /** Human-readable detail (not stable: do not script against it). */
  detail?: string;
}

/**
 * Options of `verifyOcspResponse`: the issuing CA, the validation time and the freshness rules
 * (RFC 6960 §3.2, RFC 5019 §4).
 */
export interface OcspVerifyOptions {
  /** The CA that issued the certificate(s) the response is about. */
  issuer: Certificate;
  /** Validation time. */
  time: Date;
  /** Expected nonce (the one sent in the request), or the request itself. */
  nonce?: Uint8Array | OcspRequest;
  /**
   * Maximum age in seconds of a response without nextUpdate (thisUpdate older than this fails).
   * Also applied to responses with nextUpdate when given (a relying party's own freshness limit).
   */
  maxAge?: number;
  /** Allowed clock skew in seconds for thisUpdate/producedAt in the future and nextUpdate in the past (default 300). */
  clockSkew?: number;
  /** Extra candidate responder certificates (e.g. a delegated responder's certificate delivered out of band). */
  responderCertificates?: Certificate[];
  /** The certificate of interest: when given, its SingleResponse is looked up and reported. */
  certificate?: Certificate;
}

/**
 * The result of `verifyOcspResponse`: the ranked check lines (response status, responder, signature,
 * responder authorisation and validity, producedAt, certificate status, freshness, nonce) and the
 * overall status; the certificate's status is in `certStatus`.
 */
export interface OcspVerifyReport {
  /** `failed` when any check failed, else `indeterminate` when any is, else `passed`. */
  status: CheckStatus;
  /** The check lines, in order. */
  checks: OcspCheck[];
  /** The parsed response. */
  response: OcspResponse;
  /** The certificate whose key signed the response (the CA or the delegated responder). */
  responderCertificate?: Certificate;
  /**
   * Whether the responder is a delegated responder (id-kp-OCSPSigning certificate issued by the CA,
   * RFC 6960 §4.2.2.2) rather than the CA itself.
   */
  delegated?: boolean;
  /** Set when `certificate` was given and a matching SingleResponse exists. */
  singleResponse?: SingleResponse;
  /** The status of `certificate` (good, revoked with time and reason, unknown), when it was given. */
  certStatus?: CertStatus;
  /** The EN 319 102-1 verdict of the response (`ocspVerdict`), as the CLI's JSON prints it. */
  verdict: Verdict;
}

function overall(checks: OcspCheck[]): CheckStatus {
  if (checks.some((c) => c.status === 'failed')) return 'failed';
  if (checks.some((c) => c.status === 'indeterminate')) return 'indeterminate';
  return 'passed';
}

async function certSignedBy(cert: Certificate, issuer: Certificate): Promise<boolean> {
  if (!cert.issuer.equals(issuer.subject)) return false;
  try {
    const alg = parseSignatureAlgorithm(cert.signatureAlgorithm);
    return await verifySignature(issuer.spki, alg, cert.tbs, cert.signatureValue);
  } catch (e) {
    if (e instanceof KysoError) return false;
    throw e;
  }
}

async function responderMatches(b: BasicOcspResponse, cert: Certificate): Promise<boolean> {
  if (b.responderId.type === 'byName') return b.responderId.name.equals(cert.subject);
  return bytesEqual(b.responderId.keyHash, await responderKeyHash(cert));
}

/** The SingleResponse about `cert` (CertID recomputed with the response's hash), if any. */
export async function findSingleResponse(
  resp: OcspResponse | BasicOcspResponse,
  cert: Certificate,
  issuer: Certificate,
): Promise<SingleResponse | undefined> {
  const basic = 'responderId' in resp ? resp : resp.basic;
  if (!basic) return undefined;
  for (const s of basic.responses) {
    if (!integerBytesEqual(s.certId.serialNumber, cert.serialNumber)) continue;
    if (await certIdMatchesIssuer(s.certId, issuer)) return s;
  }
  return undefined;
}

/** Step 2: the signature over tbsResponseData with the responder's key. */
async function checkResponseSignature(
  b: NonNullable<OcspResponse['basic']>,
  responder: Certificate,
  checks: OcspCheck[],
): Promise<void> {
  let sigOk = false;
  if (!b.signatureAlgorithm) {
    checks.push({ check: 'signature', status: 'failed', reason: 'UNSUPPORTED_SIGNATURE_ALGORITHM' });
  } else {
    try {
      sigOk = await verifySignature(
        parsePublicKeyInfo(responder.spki),
        b.signatureAlgorithm,
        b.tbs,
        b.signature,
      );
    } catch (e) {
      if (!(e instanceof KysoError)) throw e;
      checks.push({
        check: 'signature',
        status: 'failed',
        reason: 'RESPONDER_KEY_UNUSABLE',
        detail: e.message,
      });
    }
    if (!checks.some((c) => c.check === 'signature')) {
      checks.push(
        sigOk
          ? { check: 'signature', status: 'passed', reason: 'SIGNATURE_VALID' }
          : { check: 'signature', status: 'failed', reason: 'SIGNATURE_INVALID' },
      );
    }
  }
}

/**
 * Step 3 (RFC 6960 §4.2.2.2): the responder is the issuer itself, or a delegated responder the
 * issuer certified for OCSP signing, valid at `time`, with id-pkix-ocsp-nocheck. Returns whether
 * the responder is delegated.
 */
async function checkResponderAuthorized(
  responder: Certificate,
  issuer: Certificate,
  time: Date,
  checks: OcspCheck[],
): Promise<boolean> {
  const isCa = bytesEqual(responder.spki, issuer.spki) && responder.subject.equals(issuer.subject);
  if (isCa) {
    checks.push({ check: 'responder-authorized', status: 'passed', reason: 'RESPONDER_IS_ISSUER' });
    checks.push({ check: 'responder-revocation', status: 'passed', reason: 'RESPONDER_IS_ISSUER' });
  } else {
    const problems: string[] = [];
    if (!(await certSignedBy(responder, issuer))) problems.push('not issued by the CA');
    if (!responder.extKeyUsage?.includes(OID.ocspSigning))
      problems.push('no id-kp-OCSPSigning extended key usage');
    if (responder.keyUsage && !responder.keyUsage.includes('digitalSignature'))
      problems.push('keyUsage lacks digitalSignature');
    if (responder.unknownCriticalExtensions.length > 0) {
      problems.push(`unknown critical extension ${responder.unknownCriticalExtensions.join(', ')}`);
    }
    checks.push(
      problems.length === 0
        ? { check: 'responder-authorized', status: 'passed', reason: 'DELEGATED_RESPONDER' }
        : {
            check: 'responder-authorized',
            status: 'failed',
            reason: 'RESPONDER_NOT_AUTHORIZED',
            detail: problems.join('; '),
          },
    );
    checks.push(
      responder.isValidAt(time)
        ? { check: 'responder-validity', status: 'passed', reason: 'WITHIN_VALIDITY' }
        : {
            check: 'responder-validity',
            status: 'failed',
            reason: time < responder.notBefore ? 'RESPONDER_NOT_YET_VALID' : 'RESPONDER_EXPIRED',
            detail: `${responder.notBefore.toISOString()}..${responder.notAfter.toISOString()}`,
          },
    );
    checks.push(
      responder.ocspNoCheck
        ? { check: 'responder-revocation', status: 'passed', reason: 'OCSP_NOCHECK' }
        : {
            check: 'responder-revocation',
            status: 'indeterminate',
            reason: 'RESPONDER_REVOCATION_NOT_CHECKED',
            detail: 'delegated responder certificate has no id-pkix-ocsp-nocheck; its status was not checked',
          },
    );
  }
  return !isCa;
}

/**
 * Verifies an OCSP response (DER or parsed) about certificates issued by `issuer` (RFC 6960 §3.2):
 * response status, responder identity and authorisation (the CA or a delegated responder,
 * §4.2.2.2), signature, producedAt, the certificate's SingleResponse and its freshness (thisUpdate,
 * nextUpdate, `maxAge`), and the nonce. Returns a report; throws KysoError `DER_MALFORMED` /
 * `ASN1_SCHEMA` / `INPUT_TOO_LARGE` only for a response that cannot be parsed.
 */
export async function verifyOcspResponse(
  input: Uint8Array | OcspResponse,
  opts: OcspVerifyOptions,
): Promise<OcspVerifyReport> {
  const response = input instanceof Uint8Array ? parseOcspResponse(input) : input;
  const checks: OcspCheck[] = [];
  const report: OcspVerifyReport = { status: 'failed', checks, response, verdict: worstVerdict([]) }; // replaced by finish()
  const finish = (): OcspVerifyReport => {
    report.status = overall(checks);
    report.verdict = ocspVerdict(report);
    return report;
  };
  if (response.status !== 'successful' || !response.basic) {
    checks.push({
      check: 'response-status',
      status: 'failed',
      reason:
        response.status === 'successful' ? 'UNSUPPORTED_RESPONSE_TYPE' : ocspStatusReason(response.status),
    });
    return finish();
  }
  checks.push({ check: 'response-status', status: 'passed', reason: 'SUCCESSFUL' });
  const b = response.basic;
  const time = opts.time;
  const skewMs = (opts.clockSkew ?? 300) * 1000;

  // 1. Which certificate signed it: the issuer itself, or a certificate from `certs`/the options.
  const candidates = [opts.issuer, ...b.certs, ...(opts.responderCertificates ?? [])];
  let responder: Certificate | undefined;
  for (const c of candidates) {
    if (await responderMatches(b, c)) {
      responder = c;
      break;
    }
  }
  if (!responder) {
    checks.push({
      check: 'responder-identified',
      status: 'failed',
      reason: 'RESPONDER_CERTIFICATE_NOT_FOUND',
      detail:
        b.responderId.type === 'byName'
          ? `no certificate for ResponderID ${b.responderId.name.toString()}`
          : `no certificate for ResponderID key ${toHex(b.responderId.keyHash)}`,
    });
    return finish();
  }
  checks.push({ check: 'responder-identified', status: 'passed', reason: 'RESPONDER_FOUND' });
  report.responderCertificate = responder;

  // 2. Signature over tbsResponseData.
  await checkResponseSignature(b, responder, checks);

  // 3. Authorisation (RFC 6960 §4.2.2.2).
  report.delegated = await checkResponderAuthorized(responder, opts.issuer, time, checks);

  // 4. Times.
  if (b.producedAt.getTime() > time.getTime() + skewMs) {
    checks.push({
      check: 'produced-at',
      status: 'failed',
      reason: 'PRODUCED_IN_FUTURE',
      detail: b.producedAt.toISOString(),
    });
  } else checks.push({ check: 'produced-at', status: 'passed', reason: 'PRODUCED_BEFORE_TIME' });

  let single: SingleResponse | undefined;
  if (opts.certificate) {
    single = await findSingleResponse(b, opts.certificate, opts.issuer);
    if (!single) {
      checks.push({ check: 'certificate-status', status: 'failed', reason: 'NO_RESPONSE_FOR_CERTIFICATE' });
    } else {
      report.singleResponse = single;
      report.certStatus = single.certStatus;
      const s = single.certStatus;
      checks.push(
        s.status === 'good'
          ? { check: 'certificate-status', status: 'passed', reason: 'GOOD' }
          : s.status === 'revoked'
            ? {
                check: 'certificate-status',
                status: 'failed',
                reason: 'REVOKED',
                detail: `revoked at ${s.revocationTime.toISOString()}${s.reason ? ` (${s.reason})` : ''}`,
              }
            : { check: 'certificate-status', status: 'indeterminate', reason: 'UNKNOWN' },
      );
    }
  }
  const toCheck = single ? [single] : b.responses;
  const stale: string[] = [];
  for (const s of toCheck) {
    const id = serialHex(s.certId.serialNumber);
    if (s.thisUpdate.getTime() > time.getTime() + skewMs) stale.push(`${id}: thisUpdate in the future`);
    if (s.nextUpdate && s.nextUpdate.getTime() + skewMs < time.getTime())
      stale.push(`${id}: nextUpdate passed`);
    if (opts.maxAge !== undefined && time.getTime() - s.thisUpdate.getTime() > opts.maxAge * 1000) {
      stale.push(`${id}: older than maxAge`);
    }
  }
  checks.push(
    stale.length === 0
      ? { check: 'freshness', status: 'passed', reason: 'FRESH' }
      : { check: 'freshness', status: 'failed', reason: 'STALE_OR_FUTURE', detail: stale.join('; ') },
  );

  // 5. Nonce.
  if (opts.nonce !== undefined) {
    const want = opts.nonce instanceof Uint8Array ? opts.nonce : opts.nonce.nonce;
    const wantRaw = opts.nonce instanceof Uint8Array ? undefined : opts.nonce.nonceExtensionValue;
    if (!b.nonceExtensionValue) {
      checks.push({ check: 'nonce', status: 'failed', reason: 'NONCE_MISSING' });
    } else if (
      (want && b.nonce && bytesEqual(want, b.nonce)) ||
      (wantRaw && bytesEqual(wantRaw, b.nonceExtensionValue))
    ) {
      checks.push({ check: 'nonce', status: 'passed', reason: 'NONCE_MATCHES' });
    } else checks.push({ check: 'nonce', status: 'failed', reason: 'NONCE_MISMATCH' });
  }
  return finish();
}
