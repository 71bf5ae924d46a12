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
import { resolveSignerAlgorithm } from '../cms/signer-algorithm.js';
import {
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
import type { TrustStore } from '../path/trust-store.js';
import { Certificate } from '../x509/certificate.js';
import { type TstInfo, parseTimeStampResp, parseTimeStampToken } from './response.js';

export { parseTimeStampToken } from './response.js';
import { tsaCertificateProblem } from './tsa.js';
import type { TimeStampReq } from './request.js';

export type CheckStatus = 'passed' | 'failed' | 'indeterminate';

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

export interface TspCheck {
  check: TspCheckName;
  status: CheckStatus;
  reason: string;
  detail?: string;
}

/** Result of validating the TSA certificate's chain at genTime. */
export interface ChainResult {
  status: CheckStatus;
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
      return { status: 'failed', reason: e.code.toLowerCase(), detail: e.message };
    }
    if (!rep.valid)
      return {
        status: 'failed',
        reason: rep.reason ?? 'path-invalid',
        ...(rep.detail ? { detail: rep.detail } : {}),
      };
    return {
      status: 'passed',
      reason: 'path-valid-at-gentime',
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
    checks.push({ check: 'content-type', status: 'failed', reason: 'no-signed-attributes' });
    return finish();
  }
  const ctv = singleAttributeValue(attrs, OID.contentType);
  const ct = ctv && decodeContentTypeValue(ctv);
  checks.push(
    ct === OID.tstInfo
      ? { check: 'content-type', status: 'passed', reason: 'id-ct-TSTInfo' }
      : {
          check: 'content-type',
          status: 'failed',
          reason: ct ? 'content-type-mismatch' : 'content-type-missing',
        },
  );
  let digestHash: HashAlgorithm | undefined;
  try {
    digestHash = hashFromOid(si.digestAlgorithm.oid);
  } catch {
    checks.push({
      check: 'message-digest',
      status: 'indeterminate',
      reason: 'unsupported-digest-algorithm',
      detail: si.digestAlgorithm.oid,
    });
  }
  if (digestHash) {
    const mdv = singleAttributeValue(attrs, OID.messageDigest);
    if (!mdv) checks.push({ check: 'message-digest', status: 'failed', reason: 'message-digest-missing' });
    else {
      const ok = bytesEqual(decodeMessageDigestValue(mdv), await digest(digestHash, sd.eContent!));
      checks.push(
        ok
          ? { check: 'message-digest', status: 'passed', reason: 'message-digest-matches' }
          : { check: 'message-digest', status: 'failed', reason: 'message-digest-mismatch' },
      );
    }
  }

  // Message imprint.
  const mi = tstInfo.messageImprint;
  if (opts.hashAlgorithm && opts.hashAlgorithm !== mi.hashAlgorithm) {
    checks.push({
      check: 'message-imprint',
      status: 'failed',
      reason: 'imprint-hash-algorithm-mismatch',
      detail: mi.hashAlgorithm,
    });
  } else if (opts.data !== undefined || opts.digest !== undefined) {
    const want = opts.digest ?? (await digest(mi.hashAlgorithm, opts.data!));
    checks.push(
      bytesEqual(want, mi.hashedMessage)
        ? { check: 'message-imprint', status: 'passed', reason: 'imprint-matches' }
        : { check: 'message-imprint', status: 'failed', reason: 'imprint-mismatch' },
    );
  } else {
    checks.push({ check: 'message-imprint', status: 'indeterminate', reason: 'no-data-supplied' });
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
    checks.push({ check: 'signer-certificate', status: 'failed', reason: 'signer-certificate-not-found' });
    return finish();
  }
  report.signerCertificate = signer;
  checks.push({ check: 'signer-certificate', status: 'passed', reason: 'found' });

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
      reason: 'unsupported-signature-algorithm',
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
        ? { check: 'signature', status: 'passed', reason: 'signature-valid' }
        : why
          ? { check: 'signature', status: 'indeterminate', reason: 'key-unusable', detail: why }
          : { check: 'signature', status: 'failed', reason: 'signature-invalid' },
    );
  }

  // ESS signing certificate (v2 preferred; v1 accepted: RFC 5816 §2.2.1 allows either).
  const v2 = singleAttributeValue(attrs, OID.signingCertificateV2);
  const v1 = singleAttributeValue(attrs, OID.signingCertificate);
  if (!v2 && !v1) {
    checks.push({
      check: 'ess-signing-certificate',
      status: 'failed',
      reason: 'ess-signing-certificate-missing',
    });
  } else {
    const sc = v2 ? parseSigningCertificateV2(v2) : parseSigningCertificateV1(v1!);
    const first = sc.certs[0]!;
    if (typeof first.hashAlgorithm !== 'string') {
      checks.push({
        check: 'ess-signing-certificate',
        status: 'indeterminate',
        reason: 'unsupported-ess-hash',
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
              reason: v2 ? 'ess-cert-id-v2-matches' : 'ess-cert-id-matches',
            }
          : {
              check: 'ess-signing-certificate',
              status: 'failed',
              reason: 'ess-cert-id-mismatch',
              detail: hashOk ? 'issuerSerial does not name the signer' : 'certificate hash differs',
            },
      );
    }
  }

  // TSA certificate profile and validity at genTime.
  const problem = tsaCertificateProblem(signer);
  checks.push(
    problem
      ? { check: 'tsa-certificate', status: 'failed', reason: 'not-a-tsa-certificate', detail: problem }
      : { check: 'tsa-certificate', status: 'passed', reason: 'critical-timestamping-eku' },
  );
  checks.push(
    signer.isValidAt(genTime)
      ? { check: 'tsa-validity', status: 'passed', reason: 'valid-at-gentime' }
      : {
          check: 'tsa-validity',
          status: 'failed',
          reason: genTime < signer.notBefore ? 'tsa-not-yet-valid' : 'tsa-expired',
          detail: `genTime ${genTime.toISOString()} outside ${signer.notBefore.toISOString()}..${signer.notAfter.toISOString()}`,
        },
  );

  if (opts.nonce !== undefined) {
    checks.push(
      tstInfo.nonce === opts.nonce
        ? { check: 'nonce', status: 'passed', reason: 'nonce-matches' }
        : {
            check: 'nonce',
            status: 'failed',
            reason: tstInfo.nonce === undefined ? 'nonce-missing' : 'nonce-mismatch',
          },
    );
  }
  if (opts.policy !== undefined) {
    checks.push(
      tstInfo.policy === opts.policy
        ? { check: 'policy', status: 'passed', reason: 'policy-matches' }
        : { check: 'policy', status: 'failed', reason: 'policy-mismatch', detail: tstInfo.policy },
    );
  }

  const validateChain =
    opts.validateChain ?? (opts.trustStore ? pathChainValidator(opts.trustStore) : undefined);
  if (validateChain) {
    const untrusted = pool.filter((c) => c !== signer);
    const r = await validateChain(signer, untrusted, genTime);
    checks.push({ check: 'chain', ...r });
  } else {
    checks.push({
      check: 'chain',
      status: 'indeterminate',
      reason: 'chain-not-validated',
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
      checks: [{ check: 'response-status', status: 'failed', reason: `tsp-${resp.status.status}`, detail }],
    };
  }
  const rep = await verifyTimeStampToken(resp.token, {
    ...opts,
    digest: request.messageImprint.hashedMessage,
    hashAlgorithm: request.messageImprint.hashAlgorithm,
    ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    ...(request.reqPolicy !== undefined && opts.policy === undefined ? { policy: request.reqPolicy } : {}),
  });
  rep.checks.unshift({ check: 'response-status', status: 'passed', reason: `tsp-${resp.status.status}` });
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
        reason: 'certreq-certificate-missing',
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
