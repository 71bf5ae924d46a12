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
import { digest, hashFromOid } from '../crypto/hash.js';
import type { HashAlgorithm, SignatureAlgorithm } from '../crypto/types.js';
import { verifySignature } from '../crypto/verify.js';
import { normalizeBer } from '../cms/ber.js';
import { resolveSignerAlgorithm } from '../cms/verify.js';
import {
  type SignedData,
  type SignerInfo,
  decodeContentTypeValue,
  decodeMessageDigestValue,
  parseSignedDataContentInfo,
  parseSigningCertificateV1,
  parseSigningCertificateV2,
  singleAttributeValue,
} from '../cms/signed-data.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { buildAndValidatePath } from '../path/build.js';
import type { ValidationReason } from '../path/report.js';
import { normalizeReasonCode } from '../verdict/codes.js';
import type { CheckStatus } from '../verdict/indication.js';
import type { TrustStore } from '../path/trust-store.js';
import { Certificate } from '../x509/certificate.js';
import { type TstInfo, parseTstInfo, parseTimeStampResp } from './response.js';
import { tsaCertificateProblem } from './tsa.js';
import type { TimeStampReq } from './request.js';

export type TspCheckName =
  | 'response-status'
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

export interface TspCheck {
  check: TspCheckName;
  status: CheckStatus;
  reason: TspReason;
  detail?: string;
}

/** Result of validating the TSA certificate's chain at genTime. */
export interface ChainResult {
  status: CheckStatus;
  /** A caller's validator may use its own codes; they are normalised to UPPER_SNAKE in the check. */
  reason: string;
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

/**
 * A chain validator over the path validator: builds a path from the TSA certificate to `trustStore`
 * and validates it at genTime for id-kp-timeStamping. Revocation is not checked here (pass a
 * validator of your own that adds a RevocationChecker when needed); the detail says so.
 */
export function pathChainValidator(trustStore: TrustStore): TsaChainValidator {
  return async (tsaCertificate, untrusted, time) => {
    let rep: Awaited<ReturnType<typeof buildAndValidatePath>>;
    try {
      rep = await buildAndValidatePath({
        leaf: tsaCertificate,
        intermediates: untrusted,
        trustStore,
        time,
        purpose: 'timeStamping',
      });
    } catch (e) {
      if (!(e instanceof KysoError)) throw e;
      return { status: 'failed', reason: 'PATH_ERROR', detail: `${e.code}: ${e.message}` };
    }
    if (!rep.valid)
      return {
        status: 'failed',
        reason: rep.reason ?? 'PATH_INVALID',
        ...(rep.detail ? { detail: rep.detail } : {}),
      };
    return {
      status: 'passed',
      reason: 'PATH_VALID_AT_GENTIME',
      detail: `${rep.chain.map((c) => c.subject.toString()).join(' <- ')} (revocation not checked)`,
    };
  };
}

export interface TimeStampVerifyOptions {
  /** The time-stamped data (hashed with the TSTInfo's hash). */
  data?: Uint8Array;
  /** Or its digest (must use the TSTInfo's hash algorithm; `hashAlgorithm` to insist on one). */
  digest?: Uint8Array;
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

export interface TimeStampVerifyReport {
  status: CheckStatus;
  checks: TspCheck[];
  tstInfo?: TstInfo;
  signerCertificate?: Certificate;
  /** The genTime, when the TSTInfo parsed. */
  genTime?: Date;
}

function overall(checks: TspCheck[]): CheckStatus {
  if (checks.some((c) => c.status === 'failed')) return 'failed';
  if (checks.some((c) => c.status === 'indeterminate')) return 'indeterminate';
  return 'passed';
}

/** Parses a token (ContentInfo SignedData); BER transfer encoding is normalised first. */
export function parseTimeStampToken(token: Uint8Array): {
  signedData: SignedData;
  tstInfo: TstInfo;
  der: Uint8Array;
} {
  let der = token;
  let sd: SignedData;
  try {
    sd = parseSignedDataContentInfo(der);
  } catch (e) {
    if (!(e instanceof KysoError) || e.code !== 'DER_MALFORMED') throw e;
    der = normalizeBer(token);
    sd = parseSignedDataContentInfo(der);
  }
  if (sd.eContentType !== OID.tstInfo) {
    throw new KysoError(
      'ASN1_SCHEMA',
      `time-stamp token eContentType is ${sd.eContentType}, not id-ct-TSTInfo`,
    );
  }
  if (!sd.eContent) throw new KysoError('ASN1_SCHEMA', 'time-stamp token without TSTInfo content');
  if (sd.signerInfos.length !== 1) {
    throw new KysoError(
      'ASN1_SCHEMA',
      `time-stamp token must have exactly one SignerInfo (has ${sd.signerInfos.length})`,
    );
  }
  return { signedData: sd, tstInfo: parseTstInfo(sd.eContent), der };
}

function signerMatches(si: SignerInfo, c: Certificate): boolean {
  if (si.sid.type === 'issuerAndSerialNumber') {
    return bytesEqual(si.sid.serialNumber, c.serialNumber) && si.sid.issuer.equals(c.issuer);
  }
  return c.subjectKeyIdentifier !== undefined && bytesEqual(c.subjectKeyIdentifier, si.sid.keyIdentifier);
}

/** Verifies an RFC 3161 TimeStampToken (DER or BER ContentInfo). */
export async function verifyTimeStampToken(
  token: Uint8Array,
  opts: TimeStampVerifyOptions = {},
): Promise<TimeStampVerifyReport> {
  const { signedData: sd, tstInfo } = parseTimeStampToken(token);
  const si = sd.signerInfos[0]!;
  const checks: TspCheck[] = [];
  const report: TimeStampVerifyReport = { status: 'failed', checks, tstInfo, genTime: tstInfo.genTime };
  const finish = () => {
    report.status = overall(checks);
    return report;
  };
  const genTime = tstInfo.genTime;

  // Content type attribute and message digest.
  const attrs = si.signedAttrs;
  if (!attrs || !si.signedAttrsDer) {
    checks.push({ check: 'content-type', status: 'failed', reason: 'NO_SIGNED_ATTRIBUTES' });
    return finish();
  }
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
  let digestHash: HashAlgorithm | undefined;
  try {
    digestHash = hashFromOid(si.digestAlgorithm.oid);
  } catch {
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
      const ok = bytesEqual(decodeMessageDigestValue(mdv), await digest(digestHash, sd.eContent!));
      checks.push(
        ok
          ? { check: 'message-digest', status: 'passed', reason: 'MESSAGE_DIGEST_MATCHES' }
          : { check: 'message-digest', status: 'failed', reason: 'MESSAGE_DIGEST_MISMATCH' },
      );
    }
  }

  // Message imprint.
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

  // Signer certificate.
  const inToken: Certificate[] = [];
  for (const d of sd.certificates) {
    try {
      inToken.push(Certificate.fromDer(d));
    } catch (e) {
      if (!(e instanceof KysoError)) throw e;
    }
  }
  const pool = [...inToken, ...(opts.certificates ?? [])];
  const signer = pool.find((c) => signerMatches(si, c));
  if (!signer) {
    checks.push({ check: 'signer-certificate', status: 'failed', reason: 'SIGNER_CERTIFICATE_NOT_FOUND' });
    return finish();
  }
  report.signerCertificate = signer;
  checks.push({ check: 'signer-certificate', status: 'passed', reason: 'FOUND' });

  // Signature over the signed attributes.
  let alg: SignatureAlgorithm | undefined;
  try {
    // The CMS rules: a bare key OID (rsaEncryption, as OpenSSL writes) takes the digest's hash.
    const r = resolveSignerAlgorithm(
      si.signatureAlgorithm,
      digestHash ?? hashFromOid(si.digestAlgorithm.oid),
    );
    if (r.kind !== 'std')
      throw new KysoError('UNSUPPORTED_ALGORITHM', `${r.kind} is not supported for time-stamp tokens`);
    alg = r.alg;
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
      ok = await verifySignature(signer.spki, alg, si.signedAttrsDer, si.signature);
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

  // ESS signing certificate (v2 preferred; v1 accepted: RFC 5816 §2.2.1 allows either).
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

  // TSA certificate profile and validity at genTime.
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
    return {
      status: 'failed',
      checks: [
        { check: 'response-status', status: 'failed', reason: tspStatusReason(resp.status.status), detail },
      ],
    };
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
