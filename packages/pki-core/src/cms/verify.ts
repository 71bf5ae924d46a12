/**
 * CMS SignedData verification (RFC 5652 §5.6, RFC 5035, RFC 6211, ETSI EN 319 122-1 for the
 * CAdES attributes). Returns a report in the style of the path validator: one line per check with
 * a status (passed / failed / indeterminate) and a stable reason code. Malformed input throws
 * KysoError; "invalid" is a report.
 *
 * Per signer:
 *  - signer certificate found (issuerAndSerialNumber or subjectKeyIdentifier);
 *  - signed attributes: DER order (the signature covers their DER), contentType equals
 *    eContentType, messageDigest equals the content digest;
 *  - signature over the DER SET OF signed attributes (or over the content when there are none);
 *  - ESS signing-certificate-v2 (or v1) matches the signer certificate (hash and issuerSerial);
 *  - CMSAlgorithmProtection (if present) matches the SignerInfo algorithms;
 *  - signature time-stamp tokens (id-aa-signatureTimeStampToken): the token's own signature,
 *    the TSA certificate path at genTime (purpose timeStamping) and the message imprint over the
 *    signature value;
 *  - archive-time-stamp-v3 tokens (B-LTA, EN 319 122-1 §5.5.3): the ats-hash-index-v3 in the
 *    token's unsigned attributes (every entry must reference an element present now), the imprint
 *    recomputed from it, the token's signature and its TSA path at its genTime, and genTime not
 *    before the signature time-stamp's;
 *  - signer certificate path, built and validated with the path validator at the time-stamp's
 *    genTime when a valid signature time-stamp is present, else at `options.time`. When a valid
 *    archive time-stamp proves that the embedded validation data existed and no `revocation` is
 *    given, revocation is checked with the data embedded in SignedData (CRLs, RFC 5940 OCSP).
 */
import { bytesEqual, toHex } from '../bytes.js';
import { integerBytesEqual } from '../der.js';
import { digest, hashFromOid } from '../crypto/hash.js';
import type { CmsDigestAlgorithm, HashAlgorithm } from '../crypto/types.js';
import { cmsDigest, cmsDigestFromAlgorithm } from '../crypto/verify-hash.js';
import { KysoError, isKysoError } from '../errors.js';
import { OID, oidName } from '../oids.js';
import { buildAndValidatePath } from '../path/build.js';
import type { ValidationReport } from '../path/report.js';
import type { RevocationChecker, RevocationResult } from '../path/revocation-types.js';
import { CertificatePool, type TrustStore } from '../path/trust-store.js';
import type { Purpose } from '../path/validate.js';
import { Certificate } from '../x509/certificate.js';
import { newRevocationChecker } from '../revocation/index.js';
import { parseTimeStampToken } from '../tsp/response.js';
import { pathChainValidator, verifyTimeStampToken } from '../tsp/verify.js';
import type { Verdict } from '../verdict/indication.js';
import { cmsSignerVerdict, cmsVerdict, worstVerdict } from '../verdict/verdict.js';
import {
  OID_ARCHIVE_TIMESTAMP_V3,
  OID_ATS_HASH_INDEX_V1,
  OID_ATS_HASH_INDEX_V2,
  OID_ATS_HASH_INDEX_V3,
  archiveTimeStampV3Imprint,
  parseAtsHashIndexV3,
  signedDataCollections,
  unsignedAttrValueOctets,
} from './archive.js';
import { normalizeBer } from './ber.js';
import {
  type ResolvedAlg,
  algName,
  algorithmProtection,
  checkSignatureValue,
  isDerSetOrder,
  resolveCmsSignerAlgorithm,
} from './signer-algorithm.js';
import {
  type AlgorithmId,
  OID_RI_OCSP_RESPONSE,
  type SignedData,
  type SignerInfo,
  type SigningCertificate,
  decodeContentTypeValue,
  decodeMessageDigestValue,
  decodeSigningTimeValue,
  findAttributes,
  parseContentInfo,
  parseSignedData,
  parseSigningCertificateV1,
  parseSigningCertificateV2,
  singleAttributeValue,
} from './signed-data.js';

/** Nesting of time-stamp tokens inside signatures (a token's signer is not itself time-stamped). */
const MAX_TOKEN_DEPTH = 1;
/** Signature time-stamp tokens examined per signer. */
export const MAX_TIMESTAMPS_PER_SIGNER = 8;
/** Archive time-stamp tokens examined per signer (each renewal adds one). */
export const MAX_ARCHIVE_TIMESTAMPS_PER_SIGNER = 16;

/**
 * The checks of a CMS signer (RFC 5652 §5.4–5.6), in the order they run: the signer certificate is
 * found, signed attributes are DER, contentType and messageDigest match, the signature verifies, ESS
 * signing-certificate(-v2) names the signer (RFC 5035, required by CAdES EN 319 122-1),
 * CMSAlgorithmProtection matches (RFC 6211), the signature and archive time-stamps verify, and the
 * signer's certificate path validates.
 */
export type CmsCheckName =
  | 'signer-certificate'
  | 'signed-attributes'
  | 'content-type'
  | 'message-digest'
  | 'signature'
  | 'signing-certificate'
  | 'algorithm-protection'
  | 'signature-time-stamp'
  | 'archive-time-stamp'
  | 'certificate-path';

/** Stable reason codes of CMS verification (every one maps to an EN 319 102-1 sub-indication). */
export const CMS_REASONS = [
  'SIGNER_CERT_NOT_FOUND',
  'SIGNED_ATTRS_NOT_DER',
  'SIGNED_ATTRS_REQUIRED',
  'CONTENT_TYPE_MISSING',
  'CONTENT_TYPE_MISMATCH',
  'MESSAGE_DIGEST_MISSING',
  'MESSAGE_DIGEST_MISMATCH',
  'CONTENT_MISSING',
  'UNSUPPORTED_ALGORITHM',
  'SIGNATURE_INVALID',
  'ESS_MISSING',
  'ESS_CERT_HASH_MISMATCH',
  'ESS_ISSUER_SERIAL_MISMATCH',
  'ALGORITHM_PROTECTION_MISMATCH',
  'TIMESTAMP_MALFORMED',
  'TIMESTAMP_SIGNATURE_INVALID',
  'TIMESTAMP_IMPRINT_MISMATCH',
  'TIMESTAMP_TSA_INVALID',
  'ATS_HASH_INDEX_MISSING',
  'ATS_HASH_INDEX_INVALID',
  'ATS_TIME_ORDER',
  'NO_TRUST_ANCHORS',
  'PATH_INVALID',
] as const;
/** A stable reason code of CMS verification. */
export type CmsReason = (typeof CMS_REASONS)[number];

/** One check line of a CMS signer: which check, its status and a stable reason code when not passed. */
export interface CmsCheck {
  /** Which check. */
  check: CmsCheckName;
  /** The check's status. */
  status: 'passed' | 'failed' | 'indeterminate';
  /** Stable reason code (see `CMS_REASONS`); each maps to an EN 319 102-1 sub-indication. */
  reason?: CmsReason;
  /** Human-readable detail (not stable: do not script against it). */
  detail?: string;
}

/**
 * A time-stamp token found in a CMS signer (signature-time-stamp, RFC 3161 Appendix A / CAdES
 * EN 319 122-1 §5.3; or archive-time-stamp-v3, §5.5.3) and its verification.
 */
export interface TimeStampReport {
  /** Every check passed (imprint, TSA signature, TSA certificate path). */
  valid: boolean;
  /** The token's genTime. */
  genTime?: Date;
  /** TSA certificate (the token's signer). */
  tsaCertificate?: Certificate;
  /** Hash algorithm of the message imprint. */
  imprintAlgorithm?: string;
  /** The check lines. */
  checks: CmsCheck[];
  /** The TSA certificate's path validation, when a trust store was given. */
  path?: ValidationReport;
}

/**
 * The CAdES baseline level a signature structurally reaches (ETSI EN 319 122-1 §6): `B-B` (signed
 * attributes with signing-certificate-v2), `B-T` (+ signature time-stamp), `B-LT` (+ certificate and
 * revocation values), `B-LTA` (+ archive-time-stamp-v3); `none` for a signature that is not CAdES.
 */
export type CadesLevel = 'none' | 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

/**
 * The verification of one SignerInfo of a CMS SignedData (RFC 5652 §5.3): the check lines, the time
 * its certificate was validated at and the CAdES level reached.
 */
export interface CmsSignerReport {
  /** Position of the SignerInfo in SignedData.signerInfos (0-based). */
  index: number;
  /** Every check of this signer passed. */
  valid: boolean;
  /** The signer's certificate, when found (SignedData.certificates or `certificates`). */
  signerCertificate: Certificate | null;
  /** The digest algorithm's name (e.g. `SHA-256`). */
  digestAlgorithm: string;
  /** The signature algorithm's name. */
  signatureAlgorithm: string;
  /** The check lines, in order. */
  checks: CmsCheck[];
  /** Claimed signingTime attribute (not trusted: see validationTime). */
  signingTime?: Date;
  /** The time the signer certificate path was validated at. */
  validationTime: Date;
  /** First valid signature time-stamp (or the first one when none is valid). */
  timestamp?: TimeStampReport;
  /** Every archive-time-stamp-v3 examined (B-LTA), in encoding order. */
  archiveTimestamps?: TimeStampReport[];
  /** Where the revocation data for the signer path came from. */
  revocationSource?: 'options' | 'embedded' | 'none';
  /** Baseline level the signature structurally reaches (ETSI EN 319 122-1). */
  level: CadesLevel;
  /** The signer certificate's path validation, when a trust store was given. */
  path?: ValidationReport;
  /** The EN 319 102-1 verdict of this signature (`cmsSignerVerdict`), as `kyso cms verify --json` prints it. */
  verdict: Verdict;
}

/** The result of `verifyCms`: every SignerInfo verified, with the container's encoding and content. */
export interface CmsVerifyReport {
  /** At least one signer, and every check of every signer passed. */
  valid: boolean;
  /** 'BER' when the container had to be normalised before strict parsing. */
  encoding: 'DER' | 'BER';
  /** The encapsulated content type OID (id-data, id-ct-TSTInfo...). */
  eContentType: string;
  /** Whether the content is absent from the CMS (a detached signature, e.g. PAdES or CAdES-detached). */
  detached: boolean;
  /** Encapsulated content (attached signatures). */
  content?: Uint8Array;
  /** One report per SignerInfo, in order. */
  signers: CmsSignerReport[];
  /** Certificates carried in SignedData.certificates. */
  certificates: Certificate[];
  /** The EN 319 102-1 verdict of the whole SignedData (`cmsVerdict`: the worst signer's). */
  verdict: Verdict;
}

/**
 * Options of `verifyCms`: the content of a detached signature, the validation time and the trust and
 * revocation inputs.
 */
export interface CmsVerifyOptions {
  /** Detached content. */
  content?: Uint8Array;
  /**
   * Detached content given by digest (e.g. a PDF byte range hashed as a stream). 'SHAKE256' means
   * a 64-byte output (RFC 8419, Ed448 signers).
   */
  contentDigest?: (alg: CmsDigestAlgorithm) => Promise<Uint8Array>;
  /** Validation time when no valid signature time-stamp is present (default: now). */
  time?: Date;
  /** Trust anchors for the signer (and TSA) certificates. Without it the path is indeterminate. */
  trustStore?: TrustStore;
  /** Extra certificates (intermediates not embedded in the CMS). */
  certificates?: readonly Certificate[];
  /**
   * Checks the status of each certificate of the signer's path. Without it revocation is not checked,
   * except for a B-LTA signature with a valid archive time-stamp, whose embedded CRLs and OCSP responses
   * are used (`revocationSource`).
   */
  revocation?: RevocationChecker;
  /** EKU purpose for the signer certificate (default 'any'). */
  purpose?: Purpose;
  /** Fail when no ESS signing-certificate(-v2) attribute is present (CAdES/PAdES). Default false. */
  requireSigningCertificate?: boolean;
  /** Accept BER containers by normalising them first (default true). */
  allowBer?: boolean;
}

export { resolveCmsSignerAlgorithm, resolveSignerAlgorithm } from './signer-algorithm.js';

/** Parses CMS ContentInfo(SignedData): strict DER first, then (if allowed) via the BER normaliser. */
export function parseCms(
  input: Uint8Array,
  opts: { allowBer?: boolean } = {},
): { signedData: SignedData; encoding: 'DER' | 'BER' } {
  const go = (der: Uint8Array) => {
    const ci = parseContentInfo(der);
    if (ci.contentType !== OID.signedData) {
      throw new KysoError(
        'ASN1_SCHEMA',
        `ContentInfo content type ${oidName(ci.contentType)} is not id-signedData`,
      );
    }
    return parseSignedData(ci.content);
  };
  try {
    return { signedData: go(input), encoding: 'DER' };
  } catch (e) {
    if (opts.allowBer === false || !isKysoError(e, 'DER_MALFORMED')) throw e;
    const der = normalizeBer(input);
    return { signedData: go(der), encoding: 'BER' };
  }
}

// ---------------------------------------------------------------------------------------------

function findSignerCertificate(si: SignerInfo, pool: readonly Certificate[]): Certificate | null {
  const sid = si.sid;
  for (const c of pool) {
    if (sid.type === 'issuerAndSerialNumber') {
      if (integerBytesEqual(c.serialNumber, sid.serialNumber) && c.issuer.equals(sid.issuer)) return c;
    } else if (c.subjectKeyIdentifier && bytesEqual(c.subjectKeyIdentifier, sid.keyIdentifier)) return c;
  }
  return null;
}

function line(check: CmsCheckName, reason?: CmsReason, detail?: string, indeterminate = false): CmsCheck {
  const c: CmsCheck = { check, status: reason ? (indeterminate ? 'indeterminate' : 'failed') : 'passed' };
  if (reason) c.reason = reason;
  if (detail) c.detail = detail;
  return c;
}

function parseEss(si: SignerInfo): SigningCertificate | undefined {
  const v2 = singleAttributeValue(si.signedAttrs, OID.signingCertificateV2);
  if (v2) return parseSigningCertificateV2(v2);
  const v1 = singleAttributeValue(si.signedAttrs, OID.signingCertificate);
  if (v1) return parseSigningCertificateV1(v1);
  return undefined;
}

async function checkEss(ess: SigningCertificate, cert: Certificate): Promise<CmsCheck> {
  const first = ess.certs[0]!;
  if (typeof first.hashAlgorithm !== 'string') {
    return line(
      'signing-certificate',
      'UNSUPPORTED_ALGORITHM',
      `ESSCertID hash ${first.hashAlgorithm.unsupported}`,
      true,
    );
  }
  const h = await digest(first.hashAlgorithm, cert.der);
  if (!bytesEqual(h, first.certHash)) {
    return line(
      'signing-certificate',
      'ESS_CERT_HASH_MISMATCH',
      `signing-certificate${ess.version === 2 ? '-v2' : ''} hash does not match the signer certificate`,
    );
  }
  if (first.issuerSerial) {
    const is = first.issuerSerial;
    if (!integerBytesEqual(is.serialNumber, cert.serialNumber) || !is.issuer.equals(cert.issuer)) {
      return line(
        'signing-certificate',
        'ESS_ISSUER_SERIAL_MISMATCH',
        'ESS issuerSerial does not match the signer certificate',
      );
    }
  }
  return line(
    'signing-certificate',
    undefined,
    `signing-certificate${ess.version === 2 ? '-v2' : ''} (${first.hashAlgorithm})`,
  );
}

function hashOf(a: AlgorithmId): CmsDigestAlgorithm {
  return cmsDigestFromAlgorithm(a.oid, a.parameters);
}

interface SignerContext {
  sd: SignedData;
  pool: Certificate[];
  opts: CmsVerifyOptions;
  depth: number;
  /** Digest of the content for an algorithm (memoised). */
  contentDigest: (alg: CmsDigestAlgorithm) => Promise<Uint8Array | undefined>;
  /** Content bytes (for signatures without signed attributes). */
  content?: Uint8Array;
}

/** Algorithms of a SignerInfo: digest, resolved signature algorithm, and why one is unusable. */
interface SignerAlgorithms {
  digestAlg?: CmsDigestAlgorithm;
  resolved?: ResolvedAlg;
  /** Why the signature cannot be verified with these algorithms. */
  algProblem?: string;
  /** RFC 8419 pairing violation: the signature check fails (it is not merely unsupported). */
  forbidden?: string;
}

/** Phase 1: the digest and signature algorithms (RFC 5754, RFC 8419 pairing). */
function signerAlgorithms(si: SignerInfo): SignerAlgorithms {
  let digestAlg: CmsDigestAlgorithm | undefined;
  try {
    digestAlg = hashOf(si.digestAlgorithm);
  } catch (e) {
    if (!isKysoError(e, 'UNSUPPORTED_ALGORITHM')) throw e;
  }
  let resolved: ResolvedAlg | undefined;
  let algProblem: string | undefined;
  let forbidden: string | undefined;
  if (digestAlg) {
    try {
      const r = resolveCmsSignerAlgorithm(si.signatureAlgorithm, digestAlg);
      if ('forbidden' in r) algProblem = forbidden = r.forbidden;
      else resolved = r;
    } catch (e) {
      if (!isKysoError(e, 'UNSUPPORTED_ALGORITHM')) throw e;
      algProblem = e.message;
    }
  } else algProblem = `digest algorithm ${oidName(si.digestAlgorithm.oid)} not supported`;
  const out: SignerAlgorithms = {};
  if (digestAlg) out.digestAlg = digestAlg;
  if (resolved) out.resolved = resolved;
  if (algProblem !== undefined) out.algProblem = algProblem;
  if (forbidden !== undefined) out.forbidden = forbidden;
  return out;
}

/**
 * Phase 2: signed attributes (DER order, contentType, messageDigest, signingTime). Returns what the
 * signature covers: the DER signed attributes, or the content when there are none.
 */
async function checkSignedAttributes(
  si: SignerInfo,
  ctx: SignerContext,
  alg: SignerAlgorithms,
  report: CmsSignerReport,
): Promise<Uint8Array | undefined> {
  const { sd } = ctx;
  const { checks } = report;
  const { digestAlg, algProblem } = alg;
  let signedData: Uint8Array | undefined;
  if (si.signedAttrs) {
    checks.push(
      isDerSetOrder(si)
        ? line('signed-attributes')
        : line('signed-attributes', 'SIGNED_ATTRS_NOT_DER', 'signed attributes are not in DER SET OF order'),
    );
    const ct = singleAttributeValue(si.signedAttrs, OID.contentType);
    if (!ct) checks.push(line('content-type', 'CONTENT_TYPE_MISSING', 'no contentType signed attribute'));
    else {
      const v = decodeContentTypeValue(ct);
      checks.push(
        v === sd.eContentType
          ? line('content-type')
          : line(
              'content-type',
              'CONTENT_TYPE_MISMATCH',
              `contentType ${oidName(v)} differs from eContentType ${oidName(sd.eContentType)}`,
            ),
      );
    }
    const md = singleAttributeValue(si.signedAttrs, OID.messageDigest);
    if (!md)
      checks.push(line('message-digest', 'MESSAGE_DIGEST_MISSING', 'no messageDigest signed attribute'));
    else if (!digestAlg) checks.push(line('message-digest', 'UNSUPPORTED_ALGORITHM', algProblem, true));
    else {
      const want = decodeMessageDigestValue(md);
      const got = await ctx.contentDigest(digestAlg);
      if (!got)
        checks.push(line('message-digest', 'CONTENT_MISSING', 'detached signature: no content given', true));
      else
        checks.push(
          bytesEqual(want, got)
            ? line('message-digest')
            : line(
                'message-digest',
                'MESSAGE_DIGEST_MISMATCH',
                'the content digest differs from the messageDigest attribute',
              ),
        );
    }
    const st = singleAttributeValue(si.signedAttrs, OID.signingTime);
    if (st) report.signingTime = decodeSigningTimeValue(st);
    signedData = si.signedAttrsDer!;
  } else {
    if (sd.eContentType !== OID.data) {
      checks.push(
        line(
          'signed-attributes',
          'SIGNED_ATTRS_REQUIRED',
          'signed attributes are required when eContentType is not id-data',
        ),
      );
    }
    signedData = ctx.content;
  }

  return signedData;
}

/** Phase 3: the signature value over the signed attributes (or the content). */
async function checkSignatureLine(
  si: SignerInfo,
  cert: Certificate | null,
  alg: SignerAlgorithms,
  signedData: Uint8Array | undefined,
  report: CmsSignerReport,
): Promise<void> {
  const { checks } = report;
  const { resolved, algProblem, forbidden } = alg;
  if (!cert) checks.push(line('signature', 'SIGNER_CERT_NOT_FOUND', undefined, true));
  else if (!resolved) checks.push(line('signature', 'UNSUPPORTED_ALGORITHM', algProblem, !forbidden));
  else if (!signedData)
    checks.push(
      line(
        'signature',
        'CONTENT_MISSING',
        'no signed attributes and no content to verify the signature over',
        true,
      ),
    );
  else {
    try {
      const ok = await checkSignatureValue(cert, resolved, signedData, si.signature);
      checks.push(
        ok
          ? line('signature', undefined, report.signatureAlgorithm)
          : line('signature', 'SIGNATURE_INVALID', `${report.signatureAlgorithm} signature does not verify`),
      );
    } catch (e) {
      if (!isKysoError(e) || !['UNSUPPORTED_ALGORITHM', 'KEY_INVALID'].includes(e.code)) throw e;
      checks.push(line('signature', 'UNSUPPORTED_ALGORITHM', e.message, true));
    }
  }
}

/** Phase 4: ESS signing-certificate(-v2) and CMSAlgorithmProtection. Returns the ESS attribute. */
async function checkSignerAttributes(
  si: SignerInfo,
  cert: Certificate | null,
  opts: CmsVerifyOptions,
  checks: CmsCheck[],
): Promise<SigningCertificate | undefined> {
  const ess = si.signedAttrs ? parseEss(si) : undefined;
  if (ess && cert) checks.push(await checkEss(ess, cert));
  else if (ess && !cert) checks.push(line('signing-certificate', 'SIGNER_CERT_NOT_FOUND', undefined, true));
  else if (opts.requireSigningCertificate)
    checks.push(line('signing-certificate', 'ESS_MISSING', 'no signing-certificate-v2 signed attribute'));

  // CMSAlgorithmProtection.
  const protection = algorithmProtection(si);
  if (protection !== 'absent') {
    checks.push(
      protection === 'matches'
        ? line('algorithm-protection')
        : line(
            'algorithm-protection',
            'ALGORITHM_PROTECTION_MISMATCH',
            'CMSAlgorithmProtection does not match the SignerInfo algorithms',
          ),
    );
  }

  return ess;
}

/**
 * Phase 5: archive time-stamps (B-LTA) first, since a valid one proves the embedded validation data
 * existed at its genTime and makes that data usable; then the signature time-stamps, and the time
 * order of both. Returns the context for the path (revocation from the embedded data when proven),
 * the first valid signature time-stamp and whether every archive time-stamp verified.
 */
async function checkTimeStamps(
  si: SignerInfo,
  ctx: SignerContext,
  report: CmsSignerReport,
): Promise<{ sctx: SignerContext; validTs: TimeStampReport | undefined; atsValid: boolean }> {
  const { sd, opts } = ctx;
  const { checks } = report;
  const atsTokens = findAttributes(si.unsignedAttrs, OID_ARCHIVE_TIMESTAMP_V3)
    .flatMap((a) => a.values)
    .slice(0, MAX_ARCHIVE_TIMESTAMPS_PER_SIGNER);
  const atsReports: TimeStampReport[] = [];
  for (const token of atsTokens) atsReports.push(await verifyArchiveTimeStamp(token, si, ctx));
  const atsValid = atsReports.length > 0 && atsReports.every((r) => r.valid);
  let sctx = ctx;
  report.revocationSource = opts.revocation ? 'options' : 'none';
  if (atsValid && !opts.revocation && (sd.crls.length > 0 || sd.otherRevocationInfo.length > 0)) {
    const provenAt = new Date(Math.min(...atsReports.map((r) => r.genTime!.getTime())));
    sctx = { ...ctx, opts: { ...opts, revocation: embeddedRevocation(sd, provenAt) } };
    report.revocationSource = 'embedded';
  }

  // Signature time-stamps.
  const tsAttrs = findAttributes(si.unsignedAttrs, OID.timeStampToken);
  const tokens = tsAttrs.flatMap((a) => a.values).slice(0, MAX_TIMESTAMPS_PER_SIGNER);
  let validTs: TimeStampReport | undefined;
  for (const token of tokens) {
    const ts = await verifyEmbeddedTimeStamp(
      token,
      async (alg) => digest(alg, si.signature),
      sctx,
      'signature-time-stamp',
    );
    if (!report.timestamp || (ts.valid && !validTs)) report.timestamp = ts;
    if (ts.valid && !validTs) validTs = ts;
  }
  if (tokens.length) {
    const t = report.timestamp!;
    const bad = t.checks.find((c) => c.status !== 'passed');
    checks.push(
      t.valid
        ? line('signature-time-stamp', undefined, `genTime ${t.genTime?.toISOString()}`)
        : line(
            'signature-time-stamp',
            bad?.reason ?? 'TIMESTAMP_SIGNATURE_INVALID',
            bad?.detail,
            bad?.status === 'indeterminate',
          ),
    );
  }
  if (validTs?.genTime) report.validationTime = validTs.genTime;

  if (atsReports.length) {
    report.archiveTimestamps = atsReports;
    if (validTs?.genTime) {
      for (const r of atsReports) {
        if (r.valid && r.genTime && r.genTime.getTime() < validTs.genTime.getTime()) {
          r.valid = false;
          r.checks.push(
            line(
              'archive-time-stamp',
              'ATS_TIME_ORDER',
              `archive time-stamp genTime ${r.genTime.toISOString()} precedes the signature time-stamp`,
            ),
          );
        }
      }
    } else if (!tokens.length) {
      for (const r of atsReports) {
        r.valid = false;
        r.checks.push(
          line('archive-time-stamp', 'ATS_TIME_ORDER', 'archive time-stamp without a signature time-stamp'),
        );
      }
    }
    const bad = atsReports.find((r) => !r.valid);
    const badLine = bad?.checks.find((c) => c.status !== 'passed');
    checks.push(
      !bad
        ? line(
            'archive-time-stamp',
            undefined,
            `${atsReports.length} archive time-stamp(s), latest genTime ${new Date(
              Math.max(...atsReports.map((r) => r.genTime!.getTime())),
            ).toISOString()}`,
          )
        : line(
            'archive-time-stamp',
            badLine?.reason ?? 'TIMESTAMP_SIGNATURE_INVALID',
            badLine?.detail,
            badLine?.status === 'indeterminate',
          ),
    );
  }

  return { sctx, validTs, atsValid };
}

/** Phase 6: the signer certificate path at the validation time. */
async function checkSignerPath(
  cert: Certificate | null,
  ctx: SignerContext,
  sctx: SignerContext,
  report: CmsSignerReport,
): Promise<void> {
  const { opts } = ctx;
  const { checks } = report;
  if (cert) {
    if (!opts.trustStore) {
      checks.push(
        line(
          'certificate-path',
          'NO_TRUST_ANCHORS',
          'no trust anchors given: the signer certificate was not validated',
          true,
        ),
      );
    } else {
      const path = await buildAndValidatePath({
        leaf: cert,
        intermediates: new CertificatePool(ctx.pool),
        trustStore: opts.trustStore,
        time: report.validationTime,
        purpose: opts.purpose ?? 'any',
        ...(sctx.opts.revocation ? { revocation: sctx.opts.revocation } : {}),
      });
      report.path = path;
      checks.push(
        path.valid
          ? line('certificate-path', undefined, `validated at ${report.validationTime.toISOString()}`)
          : line('certificate-path', 'PATH_INVALID', `${path.reason}: ${path.detail}`),
      );
    }
  }
}

/**
 * Verifies one SignerInfo in named phases (algorithms, signed attributes, signature, ESS and
 * algorithm protection, time-stamps, certificate path); never throws for invalid signatures (only
 * for malformed structures).
 */
async function verifySignerInfo(si: SignerInfo, index: number, ctx: SignerContext): Promise<CmsSignerReport> {
  const { sd, opts } = ctx;
  const checks: CmsCheck[] = [];
  const cert = findSignerCertificate(si, ctx.pool);
  const alg = signerAlgorithms(si);
  const report: CmsSignerReport = {
    index,
    valid: false,
    signerCertificate: cert,
    digestAlgorithm: alg.digestAlg ?? oidName(si.digestAlgorithm.oid),
    signatureAlgorithm: alg.resolved ? algName(alg.resolved) : oidName(si.signatureAlgorithm.oid),
    checks,
    validationTime: opts.time ?? new Date(),
    level: 'none',
    verdict: worstVerdict([]), // replaced when the signer's checks are done
  };
  checks.push(
    cert
      ? line('signer-certificate')
      : line(
          'signer-certificate',
          'SIGNER_CERT_NOT_FOUND',
          'the signer certificate is not in the CMS nor in the given certificates',
        ),
  );
  const signedData = await checkSignedAttributes(si, ctx, alg, report);
  await checkSignatureLine(si, cert, alg, signedData, report);
  const ess = await checkSignerAttributes(si, cert, opts, checks);
  const { sctx, validTs, atsValid } = await checkTimeStamps(si, ctx, report);
  await checkSignerPath(cert, ctx, sctx, report);
  report.valid = checks.every((c) => c.status === 'passed');
  report.level = cadesLevel(sd, !!ess, !!validTs, atsValid && !bad(checks, 'archive-time-stamp'));
  report.verdict = cmsSignerVerdict(report);
  return report;
}

function bad(checks: readonly CmsCheck[], name: CmsCheckName): CmsCheck | undefined {
  return checks.find((c) => c.check === name && c.status !== 'passed');
}

/** The level reached: B-LTA only when every archive time-stamp verified. */
function cadesLevel(sd: SignedData, hasEss: boolean, hasTs: boolean, atsValid: boolean): CadesLevel {
  if (!hasEss) return 'none';
  if (!hasTs) return 'B-B';
  const hasValidationData = sd.crls.length > 0 || sd.otherRevocationInfo.length > 0;
  if (!hasValidationData) return 'B-T';
  return atsValid ? 'B-LTA' : 'B-LT';
}

/**
 * A revocation checker over the validation data embedded in SignedData (CRLs and RFC 5940 OCSP
 * responses), policy 'require'. Used only when an archive time-stamp proves the data existed at
 * `provenAt`. The data is first evaluated at the path validation time T; data issued after T
 * (the usual case: B-LT data is gathered after the signature time-stamp) is evaluated at
 * `provenAt`, and a revocation dated after T does not invalidate a signature made before it.
 */
function embeddedRevocation(sd: SignedData, provenAt: Date): RevocationChecker {
  const inner = newRevocationChecker({
    crls: sd.crls,
    ocspResponses: sd.otherRevocationInfo.filter((o) => o.format === OID_RI_OCSP_RESPONSE).map((o) => o.info),
    certificates: sd.certificates,
    policy: 'require',
  });
  return {
    async check(cert, issuer, rctx) {
      const atT = await inner.check(cert, issuer, rctx);
      if (atT.status === 'good' || atT.status === 'revoked') return atT;
      if (provenAt.getTime() <= rctx.time.getTime()) return atT;
      const later = await inner.check(cert, issuer, { ...rctx, time: provenAt });
      const when = `embedded data evaluated at the archive time-stamp ${provenAt.toISOString()}`;
      if (later.status === 'good') return { ...later, detail: `${later.detail ?? 'good'} (${when})` };
      if (later.status === 'revoked' && later.revocationTime && later.revocationTime > rctx.time) {
        const r: RevocationResult = {
          status: 'good',
          source: later.source,
          detail: `revoked on ${later.revocationTime.toISOString()}, after ${rctx.time.toISOString()} (${when})`,
        };
        return r;
      }
      return later.status === 'revoked' ? later : atT;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// RFC 3161 time-stamp tokens embedded in a signature: verified by the one RFC 3161 verifier
// (tsp/verify.ts), with this signature's certificates, trust and revocation; its lines are mapped
// onto this check.
// ---------------------------------------------------------------------------------------------

/**
 * Verifies an RFC 3161 token embedded in a signature: its imprint against `expectedImprint(alg)`
 * (undefined: the data is unavailable, indeterminate), its own signature and ESS attribute, the
 * TSA certificate and the TSA path (purpose timeStamping) at genTime. Lines are named `check`.
 */
async function verifyEmbeddedTimeStamp(
  token: Uint8Array,
  expectedImprint: (alg: HashAlgorithm) => Promise<Uint8Array | undefined>,
  parent: SignerContext,
  check: 'signature-time-stamp' | 'archive-time-stamp',
  preChecks: CmsCheck[] = [],
): Promise<TimeStampReport> {
  const checks: CmsCheck[] = [...preChecks];
  const ts: TimeStampReport = { valid: false, checks };
  if (parent.depth >= MAX_TOKEN_DEPTH) {
    checks.push(line(check, 'TIMESTAMP_MALFORMED', 'nested time-stamp tokens are not verified', true));
    return ts;
  }
  let imprintHash: HashAlgorithm;
  try {
    const { tstInfo } = parseTimeStampToken(token);
    ts.genTime = tstInfo.genTime;
    imprintHash = tstInfo.messageImprint.hashAlgorithm;
    ts.imprintAlgorithm = imprintHash;
  } catch (e) {
    if (!isKysoError(e)) throw e;
    checks.push(
      e.code === 'UNSUPPORTED_ALGORITHM'
        ? line(check, 'UNSUPPORTED_ALGORITHM', `imprint: ${e.message}`, true)
        : line(check, 'TIMESTAMP_MALFORMED', `${e.code}: ${e.message}`),
    );
    return ts;
  }
  // Message imprint: over the signature value (signature-time-stamp, EN 319 122-1 §5.3) or the
  // archive data (archive-time-stamp-v3, §5.5.3).
  const want = await expectedImprint(imprintHash);
  // The TSA path at genTime (purpose timeStamping) with the signature's trust and revocation.
  const { trustStore, revocation } = parent.opts;
  const rep = await verifyTimeStampToken(token, {
    ...(want ? { digest: want } : {}),
    certificates: parent.pool,
    ...(trustStore
      ? {
          validateChain: pathChainValidator(trustStore, {
            ...(revocation ? { revocation } : {}),
            onReport: (path) => {
              ts.path = path;
            },
          }),
        }
      : {}),
  });
  if (rep.signerCertificate) ts.tsaCertificate = rep.signerCertificate;
  for (const c of rep.checks) {
    if (c.check === 'message-imprint') {
      checks.push(
        c.status === 'passed'
          ? line(check, undefined, 'message imprint')
          : c.status === 'indeterminate'
            ? line(check, 'CONTENT_MISSING', 'detached signature: no content given for the imprint', true)
            : line(
                check,
                'TIMESTAMP_IMPRINT_MISMATCH',
                check === 'signature-time-stamp'
                  ? 'the time-stamp does not cover this signature value'
                  : 'the archive time-stamp does not cover this signature and its data',
              ),
      );
      continue;
    }
    if (c.status === 'passed') continue;
    const reason: CmsReason =
      c.check === 'chain' && !trustStore
        ? 'NO_TRUST_ANCHORS'
        : c.check === 'chain' || c.check === 'tsa-certificate' || c.check === 'tsa-validity'
          ? 'TIMESTAMP_TSA_INVALID'
          : 'TIMESTAMP_SIGNATURE_INVALID';
    checks.push({
      check,
      status: c.status,
      reason,
      detail: `time-stamp token ${c.check}: ${c.reason ?? ''} ${c.detail ?? ''}`.trim(),
    });
  }
  ts.valid = checks.every((c) => c.status === 'passed');
  return ts;
}

/**
 * An archive-time-stamp-v3 token: the ats-hash-index-v3 in its unsigned attributes must be present,
 * use the imprint's hash, and reference only elements present now (EN 319 122-1 §5.5.2); the imprint
 * is recomputed from it (§5.5.3); then the token itself is verified like a signature time-stamp.
 */
async function verifyArchiveTimeStamp(
  token: Uint8Array,
  si: SignerInfo,
  ctx: SignerContext,
): Promise<TimeStampReport> {
  const pre: CmsCheck[] = [];
  const fail = (reason: CmsReason, detail: string, indeterminate = false): TimeStampReport => ({
    valid: false,
    checks: [line('archive-time-stamp', reason, detail, indeterminate)],
  });
  let indexDer: Uint8Array;
  let index: ReturnType<typeof parseAtsHashIndexV3>;
  let indexHash: HashAlgorithm;
  try {
    const tsd = parseCms(token).signedData;
    if (tsd.signerInfos.length !== 1)
      throw new KysoError('ASN1_SCHEMA', 'a time-stamp token has exactly one signer');
    const ua = tsd.signerInfos[0]!.unsignedAttrs;
    const v3 = singleAttributeValue(ua, OID_ATS_HASH_INDEX_V3);
    if (!v3) {
      const older =
        findAttributes(ua, OID_ATS_HASH_INDEX_V2).length || findAttributes(ua, OID_ATS_HASH_INDEX_V1).length;
      return older
        ? fail('UNSUPPORTED_ALGORITHM', 'ats-hash-index (v1/v2) archive time-stamps are not supported', true)
        : fail('ATS_HASH_INDEX_MISSING', 'the archive time-stamp token has no ats-hash-index-v3 attribute');
    }
    indexDer = v3;
    index = parseAtsHashIndexV3(v3);
  } catch (e) {
    if (!isKysoError(e) || e.code === 'INPUT_TOO_LARGE') throw e;
    return fail('TIMESTAMP_MALFORMED', `${e.code}: ${e.message}`);
  }
  try {
    indexHash = hashFromOid(index.hashAlgorithmOid);
  } catch (e) {
    if (!isKysoError(e)) throw e;
    return fail('UNSUPPORTED_ALGORITHM', `ats-hash-index hash ${oidName(index.hashAlgorithmOid)}`, true);
  }
  // Every reference must match an element present now.
  const { certificates, crls } = signedDataCollections(ctx.sd);
  const have = async (items: Uint8Array[]) =>
    new Set(await Promise.all(items.map(async (x) => toHex(await digest(indexHash, x)))));
  const lists: [string, Uint8Array[], Uint8Array[]][] = [
    ['certificatesHashIndex', index.certificates, certificates],
    ['crlsHashIndex', index.crls, crls],
    ['unsignedAttrValuesHashIndex', index.unsignedAttrValues, unsignedAttrValueOctets(si)],
  ];
  for (const [name, refs, items] of lists) {
    const present = await have(items);
    const missing = refs.filter((h) => !present.has(toHex(h))).length;
    if (missing)
      pre.push(
        line(
          'archive-time-stamp',
          'ATS_HASH_INDEX_INVALID',
          `${missing} ${name} entr${missing === 1 ? 'y' : 'ies'} reference nothing in the signature`,
        ),
      );
  }
  const report = await verifyEmbeddedTimeStamp(
    token,
    async (alg) => {
      const contentHash = await ctx.contentDigest(alg);
      return contentHash ? archiveTimeStampV3Imprint(ctx.sd, si, alg, contentHash, indexDer) : undefined;
    },
    ctx,
    'archive-time-stamp',
    pre,
  );
  if (report.imprintAlgorithm && report.imprintAlgorithm !== indexHash) {
    report.checks.push(
      line(
        'archive-time-stamp',
        'ATS_HASH_INDEX_INVALID',
        `hashIndAlgorithm ${indexHash} differs from the imprint hash ${report.imprintAlgorithm}`,
      ),
    );
    report.valid = false;
  }
  return report;
}

// ---------------------------------------------------------------------------------------------

/**
 * Verifies every signer of a CMS SignedData (DER, or BER when `allowBer` is not false).
 * `valid` is true when there is at least one signer and every check of every signer passed.
 */
export async function verifyCms(input: Uint8Array, opts: CmsVerifyOptions = {}): Promise<CmsVerifyReport> {
  const { signedData: sd, encoding } = parseCms(input, { allowBer: opts.allowBer !== false });
  const certificates = sd.certificates.map((c) => Certificate.fromDer(c));
  const pool = [...certificates, ...(opts.certificates ?? [])];
  const content = sd.eContent ?? opts.content;
  const memo = new Map<CmsDigestAlgorithm, Promise<Uint8Array | undefined>>();
  const contentDigest = (alg: CmsDigestAlgorithm): Promise<Uint8Array | undefined> => {
    let p = memo.get(alg);
    if (!p) {
      p = content
        ? cmsDigest(alg, content)
        : opts.contentDigest
          ? opts.contentDigest(alg)
          : Promise.resolve(undefined);
      memo.set(alg, p);
    }
    return p;
  };
  const ctx: SignerContext = { sd, pool, opts, depth: 0, contentDigest };
  if (content) ctx.content = content;
  const signers: CmsSignerReport[] = [];
  for (const [i, si] of sd.signerInfos.entries()) signers.push(await verifySignerInfo(si, i, ctx));
  const report: CmsVerifyReport = {
    valid: signers.length > 0 && signers.every((s) => s.valid),
    encoding,
    eContentType: sd.eContentType,
    detached: sd.eContent === undefined,
    signers,
    certificates,
    verdict: cmsVerdict({ signers }),
  };
  if (sd.eContent) report.content = sd.eContent;
  return report;
}

/** JSON-friendly view of a report (certificates as subject/issuer/serial). */
export function cmsReportToJson(r: CmsVerifyReport): Record<string, unknown> {
  const cert = (c: Certificate | null | undefined) =>
    c ? { subject: c.subject.toString(), issuer: c.issuer.toString(), serialNumber: c.serialHex } : null;
  return {
    valid: r.valid,
    encoding: r.encoding,
    eContentType: oidName(r.eContentType),
    detached: r.detached,
    signers: r.signers.map((s) => ({
      index: s.index,
      valid: s.valid,
      level: s.level,
      signerCertificate: cert(s.signerCertificate),
      digestAlgorithm: s.digestAlgorithm,
      signatureAlgorithm: s.signatureAlgorithm,
      signingTime: s.signingTime?.toISOString(),
      validationTime: s.validationTime.toISOString(),
      checks: s.checks,
      timestamp: s.timestamp
        ? {
            valid: s.timestamp.valid,
            genTime: s.timestamp.genTime?.toISOString(),
            tsa: cert(s.timestamp.tsaCertificate),
            checks: s.timestamp.checks,
          }
        : undefined,
      path: s.path
        ? {
            valid: s.path.valid,
            reason: s.path.reason,
            detail: s.path.detail,
            chain: s.path.chain.map((c) => c.subject.toString()),
          }
        : undefined,
    })),
  };
}
