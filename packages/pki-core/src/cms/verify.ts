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
import { DerReader, Tag, compareBytes, ctxTag, decodeGeneralizedTime, integerBytesEqual } from '../der.js';
import { parseSignatureAlgorithm, signatureAlgorithmName } from '../crypto/algorithms.js';
import { digest, hashFromOid } from '../crypto/hash.js';
import { parsePublicKeyInfo } from '../crypto/keys.js';
import type { CmsDigestAlgorithm, HashAlgorithm, SignatureAlgorithm } from '../crypto/types.js';
import { verifySignature } from '../crypto/verify.js';
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
  OID_DSA,
  OID_DSA_WITH_SHA1,
  OID_DSA_WITH_SHA256,
  parseDsaPublicKey,
  verifyDsa,
} from './dsa-legacy.js';
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
  parseCmsAlgorithmProtection,
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

export interface CmsCheck {
  check: CmsCheckName;
  status: 'passed' | 'failed' | 'indeterminate';
  reason?: CmsReason;
  detail?: string;
}

export interface TimeStampReport {
  valid: boolean;
  genTime?: Date;
  /** TSA certificate (the token's signer). */
  tsaCertificate?: Certificate;
  /** Hash algorithm of the message imprint. */
  imprintAlgorithm?: string;
  checks: CmsCheck[];
  path?: ValidationReport;
}

export type CadesLevel = 'none' | 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

export interface CmsSignerReport {
  index: number;
  valid: boolean;
  signerCertificate: Certificate | null;
  digestAlgorithm: string;
  signatureAlgorithm: string;
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
  path?: ValidationReport;
}

export interface CmsVerifyReport {
  valid: boolean;
  /** 'BER' when the container had to be normalised before strict parsing. */
  encoding: 'DER' | 'BER';
  eContentType: string;
  detached: boolean;
  /** Encapsulated content (attached signatures). */
  content?: Uint8Array;
  signers: CmsSignerReport[];
  /** Certificates carried in SignedData.certificates. */
  certificates: Certificate[];
}

/** Pluggable path validation (default: `buildAndValidatePath` from src/path). */
export type CmsPathValidator = (opts: {
  leaf: Certificate;
  intermediates: Certificate[];
  trustStore: TrustStore;
  time: Date;
  purpose: Purpose;
  revocation?: RevocationChecker;
}) => Promise<ValidationReport>;

/** Pluggable time-stamp token verifier (e.g. the RFC 3161 verifier in src/tsp). */
export type TimeStampTokenVerifier = (
  token: Uint8Array,
  imprint: { signatureValue: Uint8Array },
  ctx: { trustStore?: TrustStore; revocation?: RevocationChecker },
) => Promise<TimeStampReport>;

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
  revocation?: RevocationChecker;
  /** EKU purpose for the signer certificate (default 'any'). */
  purpose?: Purpose;
  /** Fail when no ESS signing-certificate(-v2) attribute is present (CAdES/PAdES). Default false. */
  requireSigningCertificate?: boolean;
  /** Accept BER containers by normalising them first (default true). */
  allowBer?: boolean;
  pathValidator?: CmsPathValidator;
  timeStampVerifier?: TimeStampTokenVerifier;
}

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

type ResolvedAlg =
  | { kind: 'std'; alg: SignatureAlgorithm }
  | { kind: 'dsa'; hash: HashAlgorithm }
  | { kind: 'ed448' };

/**
 * SignerInfo algorithms with the RFC 8419 pairing (§3.1): Ed25519 needs the id-sha512 digest,
 * Ed448 the id-shake256 (64-byte) digest, and SHAKE256 is accepted for nothing but Ed448.
 * A pairing violation is `{ forbidden }` (a failed check, not an unsupported one); an unknown
 * algorithm throws UNSUPPORTED_ALGORITHM.
 */
export function resolveCmsSignerAlgorithm(
  sig: AlgorithmId,
  digestAlg: CmsDigestAlgorithm,
): ResolvedAlg | { forbidden: string } {
  if (sig.oid === OID.ed448) {
    if (sig.parameters) throw new KysoError('ASN1_SCHEMA', 'Ed448 must have absent parameters');
    return digestAlg === 'SHAKE256'
      ? { kind: 'ed448' }
      : { forbidden: `Ed448 requires the SHAKE256 digest (RFC 8419 §3.1), not ${digestAlg}` };
  }
  if (sig.oid === OID.ed25519 && digestAlg !== 'SHA-512')
    return { forbidden: `Ed25519 requires the SHA-512 digest (RFC 8419 §3.1), not ${digestAlg}` };
  if (digestAlg === 'SHAKE256')
    return {
      forbidden: `the SHAKE256 digest is only allowed with Ed448 (RFC 8419), not ${oidName(sig.oid)}`,
    };
  return resolveSignerAlgorithm(sig, digestAlg);
}

/**
 * Resolves SignerInfo.signatureAlgorithm. CMS allows the bare key algorithm (rsaEncryption,
 * id-ecPublicKey, id-dsa) with the hash taken from digestAlgorithm (RFC 5754 §3); OpenSSL emits
 * rsaEncryption. Throws UNSUPPORTED_ALGORITHM.
 */
export function resolveSignerAlgorithm(sig: AlgorithmId, digestAlg: HashAlgorithm): ResolvedAlg {
  switch (sig.oid) {
    case OID.rsaEncryption:
      if (sig.parameters && !bytesEqual(sig.parameters, Uint8Array.of(5, 0))) {
        throw new KysoError('ASN1_SCHEMA', 'rsaEncryption signature algorithm with parameters');
      }
      return { kind: 'std', alg: { name: 'RSA-PKCS1', hash: digestAlg } };
    case OID.ecPublicKey:
      return { kind: 'std', alg: { name: 'ECDSA', hash: digestAlg } };
    case OID_DSA:
      return { kind: 'dsa', hash: digestAlg };
    case OID_DSA_WITH_SHA1:
      return { kind: 'dsa', hash: 'SHA-1' };
    case OID_DSA_WITH_SHA256:
      return { kind: 'dsa', hash: 'SHA-256' };
  }
  const rsaWithHash: Record<string, HashAlgorithm> = {
    [OID.sha1WithRSAEncryption]: 'SHA-1',
    [OID.sha256WithRSAEncryption]: 'SHA-256',
    [OID.sha384WithRSAEncryption]: 'SHA-384',
    [OID.sha512WithRSAEncryption]: 'SHA-512',
  };
  // Absent parameters for sha*WithRSAEncryption are common in CMS (RFC 4055 allows NULL or absent there).
  if (rsaWithHash[sig.oid] && !sig.parameters)
    return { kind: 'std', alg: { name: 'RSA-PKCS1', hash: rsaWithHash[sig.oid]! } };
  return { kind: 'std', alg: parseSignatureAlgorithm(sig.der) };
}

function algName(r: ResolvedAlg): string {
  if (r.kind === 'ed448') return 'Ed448';
  return r.kind === 'dsa' ? `dsa-with-${r.hash.replace('-', '')}` : signatureAlgorithmName(r.alg);
}

async function checkSignatureValue(
  cert: Certificate,
  alg: ResolvedAlg,
  data: Uint8Array,
  sig: Uint8Array,
): Promise<boolean> {
  if (alg.kind === 'dsa') {
    const info = parsePublicKeyInfo(cert.spki);
    if (info.algorithmOid !== OID_DSA) return false;
    const key = parseDsaPublicKey(info.parameters, info.publicKey);
    return verifyDsa(key, await digest(alg.hash, data), sig);
  }
  if (alg.kind === 'ed448') return verifySignature(cert.spki, { name: 'Ed448' }, data, sig);
  return verifySignature(cert.spki, alg.alg, data, sig);
}

function findSignerCertificate(si: SignerInfo, pool: readonly Certificate[]): Certificate | null {
  const sid = si.sid;
  for (const c of pool) {
    if (sid.type === 'issuerAndSerialNumber') {
      if (integerBytesEqual(c.serialNumber, sid.serialNumber) && c.issuer.equals(sid.issuer)) return c;
    } else if (c.subjectKeyIdentifier && bytesEqual(c.subjectKeyIdentifier, sid.keyIdentifier)) return c;
  }
  return null;
}

function isDerSetOrder(si: SignerInfo): boolean {
  const r = new DerReader(DerReader.single(si.signedAttrsDer!, Tag.SET).value);
  let prev: Uint8Array | undefined;
  while (!r.done) {
    const el = r.read();
    if (prev && compareBytes(prev, el.raw) > 0) return false;
    prev = el.raw;
  }
  return true;
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

/** Verifies one SignerInfo; never throws for invalid signatures (only for malformed structures). */
async function verifySignerInfo(si: SignerInfo, index: number, ctx: SignerContext): Promise<CmsSignerReport> {
  const { sd, opts } = ctx;
  const checks: CmsCheck[] = [];
  const cert = findSignerCertificate(si, ctx.pool);
  let digestAlg: CmsDigestAlgorithm | undefined;
  try {
    digestAlg = hashOf(si.digestAlgorithm);
  } catch (e) {
    if (!isKysoError(e, 'UNSUPPORTED_ALGORITHM')) throw e;
  }
  let resolved: ResolvedAlg | undefined;
  let algProblem: string | undefined;
  /** RFC 8419 pairing violation: the signature check fails (it is not merely unsupported). */
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

  const report: CmsSignerReport = {
    index,
    valid: false,
    signerCertificate: cert,
    digestAlgorithm: digestAlg ?? oidName(si.digestAlgorithm.oid),
    signatureAlgorithm: resolved ? algName(resolved) : oidName(si.signatureAlgorithm.oid),
    checks,
    validationTime: opts.time ?? new Date(),
    level: 'none',
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

  // Signed attributes.
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

  // Signature value.
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

  // ESS signing certificate.
  const ess = si.signedAttrs ? parseEss(si) : undefined;
  if (ess && cert) checks.push(await checkEss(ess, cert));
  else if (ess && !cert) checks.push(line('signing-certificate', 'SIGNER_CERT_NOT_FOUND', undefined, true));
  else if (opts.requireSigningCertificate)
    checks.push(line('signing-certificate', 'ESS_MISSING', 'no signing-certificate-v2 signed attribute'));

  // CMSAlgorithmProtection.
  const apv = si.signedAttrs ? singleAttributeValue(si.signedAttrs, OID.cmsAlgorithmProtection) : undefined;
  if (apv) {
    const ap = parseCmsAlgorithmProtection(apv);
    const digestOk = ap.digestAlgorithm.oid === si.digestAlgorithm.oid;
    const sigOk =
      !ap.signatureAlgorithm || sameAlgorithm(ap.signatureAlgorithm.der, si.signatureAlgorithm.der);
    checks.push(
      digestOk && sigOk
        ? line('algorithm-protection')
        : line(
            'algorithm-protection',
            'ALGORITHM_PROTECTION_MISMATCH',
            'CMSAlgorithmProtection does not match the SignerInfo algorithms',
          ),
    );
  }

  // Archive time-stamps (B-LTA): verified first, since a valid one proves the embedded
  // validation data existed at its genTime and makes that data usable below.
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
    const ts = opts.timeStampVerifier
      ? await opts.timeStampVerifier(token, { signatureValue: si.signature }, pick(sctx.opts))
      : await verifyTimeStampToken(
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

  // Certificate path at the validation time.
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
      const validator = opts.pathValidator ?? defaultPathValidator;
      const path = await validator({
        leaf: cert,
        intermediates: ctx.pool,
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

  report.valid = checks.every((c) => c.status === 'passed');
  report.level = cadesLevel(sd, !!ess, !!validTs, atsValid && !bad(checks, 'archive-time-stamp'));
  return report;
}

function pick(o: CmsVerifyOptions): { trustStore?: TrustStore; revocation?: RevocationChecker } {
  const r: { trustStore?: TrustStore; revocation?: RevocationChecker } = {};
  if (o.trustStore) r.trustStore = o.trustStore;
  if (o.revocation) r.revocation = o.revocation;
  return r;
}

/** AlgorithmIdentifiers equal, treating absent and NULL parameters alike (both occur for RSA). */
function sameAlgorithm(a: Uint8Array, b: Uint8Array): boolean {
  if (bytesEqual(a, b)) return true;
  const strip = (x: Uint8Array) => {
    const r = new DerReader(DerReader.single(x, Tag.SEQUENCE).value);
    const o = r.readOid();
    const p = r.done ? undefined : r.read().raw;
    return `${o}|${p && !bytesEqual(p, Uint8Array.of(5, 0)) ? toHex(p) : ''}`;
  };
  return strip(a) === strip(b);
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

const defaultPathValidator: CmsPathValidator = (o) =>
  buildAndValidatePath({
    leaf: o.leaf,
    intermediates: new CertificatePool(o.intermediates),
    trustStore: o.trustStore,
    time: o.time,
    purpose: o.purpose,
    ...(o.revocation ? { revocation: o.revocation } : {}),
  });

// ---------------------------------------------------------------------------------------------
// RFC 3161 time-stamp tokens (built-in minimal verifier; src/tsp may plug a fuller one)
// ---------------------------------------------------------------------------------------------

export interface TstInfoCore {
  policy: string;
  imprintAlgorithm: AlgorithmId;
  hashedMessage: Uint8Array;
  serialNumber: Uint8Array;
  genTime: Date;
}

/** Parses the TSTInfo fields the CMS verifier needs (RFC 3161 §2.4.2); strict DER. */
export function parseTstInfoCore(der: Uint8Array): TstInfoCore {
  const r = new DerReader(DerReader.single(der, Tag.SEQUENCE).value);
  const version = r.readSmallInteger();
  if (version !== 1) throw new KysoError('ASN1_SCHEMA', `TSTInfo version ${version}`);
  const policy = r.readOid();
  const mi = r.enter(Tag.SEQUENCE);
  const algEl = mi.read(Tag.SEQUENCE);
  const ar = new DerReader(algEl.value);
  const algOid = ar.readOid();
  const params = ar.done ? undefined : ar.read().raw;
  ar.finish();
  const hashedMessage = mi.readOctetString();
  mi.finish('unexpected data in MessageImprint');
  const serialNumber = r.readIntegerBytes();
  const genTime = decodeGeneralizedTime(r.read(Tag.GENERALIZED_TIME));
  // accuracy, ordering, nonce, tsa, extensions: skipped (checked by the full TSP verifier).
  while (!r.done) {
    const t = r.peekTag();
    if (
      t !== Tag.SEQUENCE &&
      t !== Tag.BOOLEAN &&
      t !== Tag.INTEGER &&
      t !== ctxTag(0, true) &&
      t !== ctxTag(1, true)
    ) {
      throw new KysoError('ASN1_SCHEMA', 'unexpected element in TSTInfo');
    }
    r.read();
  }
  const imprintAlgorithm: AlgorithmId = { oid: algOid, der: algEl.raw };
  if (params) imprintAlgorithm.parameters = params;
  return { policy, imprintAlgorithm, hashedMessage, serialNumber, genTime };
}

/**
 * Verifies an RFC 3161 token embedded in a signature: its imprint against `expectedImprint(alg)`
 * (undefined: the data is unavailable, indeterminate), its own signature and ESS attribute, and
 * the TSA path (purpose timeStamping) at genTime. Lines are named `check`.
 */
async function verifyTimeStampToken(
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
  let sd: SignedData;
  let tst: TstInfoCore;
  try {
    sd = parseCms(token).signedData;
    if (sd.eContentType !== OID.tstInfo || !sd.eContent)
      throw new KysoError('ASN1_SCHEMA', 'not a TSTInfo token');
    if (sd.signerInfos.length !== 1)
      throw new KysoError('ASN1_SCHEMA', 'a time-stamp token has exactly one signer');
    tst = parseTstInfoCore(sd.eContent);
  } catch (e) {
    if (!isKysoError(e)) throw e;
    checks.push(line(check, 'TIMESTAMP_MALFORMED', `${e.code}: ${e.message}`));
    return ts;
  }
  ts.genTime = tst.genTime;
  // Message imprint: over the signature value (signature-time-stamp, EN 319 122-1 §5.3) or the
  // archive data (archive-time-stamp-v3, §5.5.3).
  let imprintHash: HashAlgorithm | undefined;
  try {
    const h = hashOf(tst.imprintAlgorithm);
    // SHAKE256 is a CMS digest for Ed448 signers only, not a time-stamp imprint hash here.
    if (h === 'SHAKE256') throw new KysoError('UNSUPPORTED_ALGORITHM', 'SHAKE256 imprint');
    imprintHash = h;
    ts.imprintAlgorithm = imprintHash;
  } catch (e) {
    if (!isKysoError(e)) throw e;
  }
  if (!imprintHash)
    checks.push(
      line(check, 'UNSUPPORTED_ALGORITHM', `imprint hash ${oidName(tst.imprintAlgorithm.oid)}`, true),
    );
  else {
    const h = await expectedImprint(imprintHash);
    checks.push(
      !h
        ? line(check, 'CONTENT_MISSING', 'detached signature: no content given for the imprint', true)
        : bytesEqual(h, tst.hashedMessage)
          ? line(check, undefined, 'message imprint')
          : line(
              check,
              'TIMESTAMP_IMPRINT_MISMATCH',
              check === 'signature-time-stamp'
                ? 'the time-stamp does not cover this signature value'
                : 'the archive time-stamp does not cover this signature and its data',
            ),
    );
  }
  // The token's own signature, ESS and TSA path (purpose timeStamping) at genTime.
  const pool = [...parent.pool, ...sd.certificates.map((c) => Certificate.fromDer(c))];
  const inner = await verifySignerInfo(sd.signerInfos[0]!, 0, {
    sd,
    pool,
    opts: {
      ...parent.opts,
      time: tst.genTime,
      purpose: 'timeStamping',
      requireSigningCertificate: true,
      timeStampVerifier: undefined as never,
    },
    depth: parent.depth + 1,
    contentDigest: async (alg) => cmsDigest(alg, sd.eContent!),
    content: sd.eContent!,
  });
  if (inner.signerCertificate) ts.tsaCertificate = inner.signerCertificate;
  if (inner.path) ts.path = inner.path;
  for (const c of inner.checks) {
    if (c.status === 'passed') continue;
    const reason: CmsReason =
      c.check === 'certificate-path'
        ? 'TIMESTAMP_TSA_INVALID'
        : c.reason === 'NO_TRUST_ANCHORS'
          ? c.reason
          : 'TIMESTAMP_SIGNATURE_INVALID';
    checks.push({
      check,
      status: c.status,
      reason,
      detail: `time-stamp token ${c.check}: ${c.reason ?? ''} ${c.detail ?? ''}`.trim(),
    });
  }
  if (inner.signerCertificate) {
    const eku = inner.signerCertificate.extension(OID.extKeyUsage);
    const ok =
      eku?.critical &&
      inner.signerCertificate.extKeyUsage?.length === 1 &&
      inner.signerCertificate.extKeyUsage[0] === OID.timeStamping;
    if (!ok)
      checks.push(
        line(
          check,
          'TIMESTAMP_TSA_INVALID',
          'TSA certificate lacks the sole critical id-kp-timeStamping EKU (RFC 3161 §2.3)',
        ),
      );
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
  const report = await verifyTimeStampToken(
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
