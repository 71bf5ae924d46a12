/**
 * CAdES baseline signatures (ETSI EN 319 122-1 V1.1.1 §6) on top of CMS SignedData.
 *
 * - B-B: signed attributes contentType, messageDigest, ESS signing-certificate-v2 (mandatory) and,
 *   for CAdES (not PAdES), signingTime. `prepareCmsSignature` already produces them.
 * - B-T: an unsigned id-aa-signatureTimeStampToken attribute holding an RFC 3161 token whose
 *   message imprint is the hash of the SignerInfo signature value. The TSA is a function
 *   (`TimeStamper`), so the in-process TSA of src/tsp or an HTTP TSA client plugs in.
 * - B-LT: validation data. EN 319 122-1 baseline profiles put it in SignedData itself: the
 *   certificates in SignedData.certificates, CRLs in SignedData.crls and OCSP responses in
 *   SignedData.crls as OtherRevocationInfoFormat id-ri-ocsp-response (RFC 5940). The
 *   certificate-values / revocation-values unsigned attributes belong to the extended (CAdES-X-L)
 *   forms and are not used by the baseline levels, so kyso does not emit them.
 * - B-LTA: an archive-time-stamp-v3 unsigned attribute whose token carries ats-hash-index-v3
 *   (archive.ts); `upgradeToLta` adds it to a B-LT signature. PAdES B-LTA uses a PDF document
 *   time-stamp instead.
 *
 * Adding unsigned attributes or validation data never touches the signed bytes: the SignerInfo is
 * re-encoded from its parsed parts with the original signed attributes DER.
 */
import { bytesEqual } from '../bytes.js';
import { digest } from '../crypto/hash.js';
import type { HashAlgorithm } from '../crypto/types.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import {
  OID_ARCHIVE_TIMESTAMP_V3,
  OID_ATS_HASH_INDEX_V3,
  archiveTimeStampV3Imprint,
  buildAtsHashIndexV3,
} from './archive.js';
import {
  type Attribute,
  findAttributes,
  OID_RI_OCSP_RESPONSE,
  type SignedData,
  type SignerInfo,
  encodeContentInfo,
  encodeSignedData,
  encodeSignerInfo,
} from './signed-data.js';
import { type PrepareCmsInput, type SignCmsInput, signCms } from './sign.js';
import { parseCms } from './verify.js';

/**
 * Obtains an RFC 3161 TimeStampToken (ContentInfo DER) for `digest` computed with `hashAlgorithm`.
 * For a signature time-stamp the digest is over the SignerInfo signature value.
 */
export type TimeStamper = (digest: Uint8Array, hashAlgorithm: HashAlgorithm) => Promise<Uint8Array>;

/**
 * CAdES baseline level (ETSI EN 319 122-1): B-B, B-T (signature time-stamp), B-LT (validation data), B-LTA
 * (archive time-stamp).
 */
export type CadesSignLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

/** Validation data added for B-LT: certificates, CRLs and OCSP responses (DER). */
export interface ValidationData {
  /** Certificates needed to validate the signer and TSA chains (DER). */
  certificates?: readonly Uint8Array[];
  /** CRLs (DER CertificateList). */
  crls?: readonly Uint8Array[];
  /** OCSP responses (DER OCSPResponse). */
  ocspResponses?: readonly Uint8Array[];
}

/** Input of signCades: signCms input plus the level and what it needs (time-stamper, validation data). */
export interface SignCadesInput extends SignCmsInput {
  /** The CAdES baseline level to produce (ETSI EN 319 122-1 §6): B-B, B-T, B-LT or B-LTA. */
  level: CadesSignLevel;
  /** The TSA (RFC 3161), required from B-T. */
  timeStamper?: TimeStamper;
  /** Hash for the signature time-stamp imprint (default: the signature's digest algorithm). */
  timeStampHashAlgorithm?: HashAlgorithm;
  /** For B-LTA: archive time-stamp hash (default SHA-256). */
  archiveHashAlgorithm?: HashAlgorithm;
  /** For B-LT / B-LTA: the validation data to embed (gathered by the caller's revocation sources). */
  validationData?: ValidationData;
}

/** The id-aa-signatureTimeStampToken unsigned attribute for a token (for `assembleCmsSignature`). */
export function signatureTimeStampAttribute(token: Uint8Array): Attribute {
  return { type: OID.timeStampToken, values: [token] };
}

/** Attributes of one type merged into one (DER needs unique types here; v3 hash indexes are per value). */
function mergeByType(attrs: readonly Attribute[]): Attribute[] {
  const out: Attribute[] = [];
  for (const a of attrs) {
    const have = out.find((x) => x.type === a.type);
    if (have) have.values = [...have.values, ...a.values];
    else out.push({ type: a.type, values: [...a.values] });
  }
  return out;
}

function reencodeSignerInfo(si: SignerInfo, attrs: readonly Attribute[] | undefined): Uint8Array {
  const unsignedAttrs = attrs ? mergeByType(attrs) : undefined;
  return encodeSignerInfo({
    sid: si.sid,
    digestAlgorithmDer: si.digestAlgorithm.der,
    ...(si.signedAttrsDer ? { signedAttrsDer: si.signedAttrsDer } : {}),
    signatureAlgorithmDer: si.signatureAlgorithm.der,
    signature: si.signature,
    ...(unsignedAttrs?.length ? { unsignedAttrs } : {}),
  });
}

function reencode(sd: SignedData, signerInfos: Uint8Array[], extra: ValidationData = {}): Uint8Array {
  return encodeContentInfo(
    OID.signedData,
    encodeSignedData({
      digestAlgorithmsDer: sd.digestAlgorithms.map((a) => a.der),
      eContentType: sd.eContentType,
      ...(sd.eContent ? { eContent: sd.eContent } : {}),
      certificates: [...sd.certificates, ...(extra.certificates ?? [])],
      crls: [...sd.crls, ...(extra.crls ?? [])],
      otherRevocationInfo: [
        ...sd.otherRevocationInfo,
        ...(extra.ocspResponses ?? []).map((info) => ({ format: OID_RI_OCSP_RESPONSE, info })),
      ],
      signerInfos,
    }),
  );
}

function checkNoOtherCertificates(sd: SignedData): void {
  if (sd.otherCertificateCount > 0) {
    throw new KysoError(
      'INVALID_ARGUMENT',
      'cannot re-encode a SignedData holding non-X.509 certificate choices',
    );
  }
}

/**
 * Adds a signature time-stamp (B-T) to every signer (or to `signerIndex` only). The token is
 * obtained from `timeStamper` over hash(signature value).
 */
export async function addSignatureTimeStamp(
  cms: Uint8Array,
  timeStamper: TimeStamper,
  opts: { hashAlgorithm?: HashAlgorithm; signerIndex?: number } = {},
): Promise<Uint8Array> {
  const { signedData: sd } = parseCms(cms);
  checkNoOtherCertificates(sd);
  const sis: Uint8Array[] = [];
  for (const [i, si] of sd.signerInfos.entries()) {
    if (opts.signerIndex !== undefined && opts.signerIndex !== i) {
      sis.push(si.raw);
      continue;
    }
    const hashAlgorithm = opts.hashAlgorithm ?? 'SHA-256';
    if (hashAlgorithm === 'SHA-1')
      throw new KysoError('WEAK_ALGORITHM', 'SHA-1 time-stamp imprints are not allowed');
    const token = await timeStamper(await digest(hashAlgorithm, si.signature), hashAlgorithm);
    const existing = si.unsignedAttrs ?? [];
    const others = existing.filter((a) => a.type !== OID.timeStampToken);
    const prior = existing.find((a) => a.type === OID.timeStampToken)?.values ?? [];
    sis.push(reencodeSignerInfo(si, [...others, { type: OID.timeStampToken, values: [...prior, token] }]));
  }
  return reencode(sd, sis);
}

/** Adds validation data to SignedData.certificates / crls (B-LT). Duplicates are dropped. */
export function addValidationData(cms: Uint8Array, data: ValidationData): Uint8Array {
  const { signedData: sd } = parseCms(cms);
  checkNoOtherCertificates(sd);
  const fresh = (have: readonly Uint8Array[], add: readonly Uint8Array[] | undefined) =>
    (add ?? []).filter((x) => !have.some((y) => bytesEqual(x, y)));
  const haveOcsp = sd.otherRevocationInfo.filter((o) => o.format === OID_RI_OCSP_RESPONSE).map((o) => o.info);
  return reencode(
    sd,
    sd.signerInfos.map((si) => si.raw),
    {
      certificates: fresh(sd.certificates, data.certificates),
      crls: fresh(sd.crls, data.crls),
      ocspResponses: fresh(haveOcsp, data.ocspResponses),
    },
  );
}

/**
 * Options of the B-LTA upgrade: the time-stamper, the external content of a detached signature, the hash.
 */
export interface UpgradeToLtaOptions {
  /** The TSA of the archive time-stamp (RFC 3161). */
  timeStamper: TimeStamper;
  /** External content of a detached signature (the imprint covers its hash). */
  content?: Uint8Array;
  /** Archive time-stamp imprint and hash-index algorithm (default SHA-256). */
  hashAlgorithm?: HashAlgorithm;
  /** Only this signer (default: every signer). */
  signerIndex?: number;
}

/**
 * CAdES B-LTA (EN 319 122-1 §5.5.3): adds an archive-time-stamp-v3 unsigned attribute to every
 * signer (or `signerIndex`). The signature must be B-LT already: a signature time-stamp and
 * validation data (CRLs or OCSP responses) in SignedData. The ats-hash-index-v3 is computed over
 * SignedData.certificates, SignedData.crls and the signer's unsigned attributes as they are now,
 * goes into the token's unsigned attributes, and the token's imprint binds it to the content
 * hash and the signed SignerInfo fields. Calling it again adds a further archive time-stamp that
 * covers the earlier ones (renewal). Signed bytes are never changed.
 */
export async function upgradeToLta(cms: Uint8Array, opts: UpgradeToLtaOptions): Promise<Uint8Array> {
  const { signedData: sd } = parseCms(cms);
  checkNoOtherCertificates(sd);
  const hash = opts.hashAlgorithm ?? 'SHA-256';
  if (hash === 'SHA-1') throw new KysoError('WEAK_ALGORITHM', 'SHA-1 archive time-stamps are not allowed');
  if (sd.crls.length === 0 && sd.otherRevocationInfo.length === 0) {
    throw new KysoError(
      'INVALID_ARGUMENT',
      'B-LTA needs B-LT validation data (CRLs or OCSP responses in SignedData): call addValidationData first',
    );
  }
  const content = sd.eContent ?? opts.content;
  if (!content)
    throw new KysoError('INVALID_ARGUMENT', 'detached signature: the content is needed for B-LTA');
  if (opts.signerIndex !== undefined && !sd.signerInfos[opts.signerIndex])
    throw new KysoError('INVALID_ARGUMENT', `no signer ${opts.signerIndex}`);
  const contentHash = await digest(hash, content);
  const sis: Uint8Array[] = [];
  for (const [i, si] of sd.signerInfos.entries()) {
    if (opts.signerIndex !== undefined && opts.signerIndex !== i) {
      sis.push(si.raw);
      continue;
    }
    if (!findAttributes(si.unsignedAttrs, OID.timeStampToken).length) {
      throw new KysoError('INVALID_ARGUMENT', `signer ${i} has no signature time-stamp (B-T) yet`);
    }
    const index = await buildAtsHashIndexV3(sd, si, hash);
    const imprint = await archiveTimeStampV3Imprint(sd, si, hash, contentHash, index);
    const token = addAtsHashIndexToToken(await opts.timeStamper(imprint, hash), index);
    const existing = si.unsignedAttrs ?? [];
    const others = existing.filter((a) => a.type !== OID_ARCHIVE_TIMESTAMP_V3);
    const prior = existing.filter((a) => a.type === OID_ARCHIVE_TIMESTAMP_V3).flatMap((a) => a.values);
    // A renewal adds the new token as a further value of the one archive-time-stamp-v3 attribute
    // (attribute types are unique in kyso's encoder; the hash index lists each value separately).
    sis.push(
      reencodeSignerInfo(si, [...others, { type: OID_ARCHIVE_TIMESTAMP_V3, values: [...prior, token] }]),
    );
  }
  return reencode(sd, sis);
}

/** Puts the ats-hash-index-v3 attribute into a time-stamp token's (single) SignerInfo. */
function addAtsHashIndexToToken(token: Uint8Array, indexDer: Uint8Array): Uint8Array {
  const { signedData: t } = parseCms(token);
  if (t.eContentType !== OID.tstInfo || t.signerInfos.length !== 1)
    throw new KysoError('ASN1_SCHEMA', 'the archive time-stamp token is not an RFC 3161 token');
  checkNoOtherCertificates(t);
  const tsi = t.signerInfos[0]!;
  const attrs = (tsi.unsignedAttrs ?? []).filter((a) => a.type !== OID_ATS_HASH_INDEX_V3);
  return reencode(t, [
    reencodeSignerInfo(tsi, [...attrs, { type: OID_ATS_HASH_INDEX_V3, values: [indexDer] }]),
  ]);
}

/**
 * Signs at a CAdES baseline level. B-B adds signingTime (now, unless given) for CAdES; for PAdES
 * call `signCms`/`prepareCmsSignature` without signingTime and add the time-stamp with
 * `addSignatureTimeStamp`.
 */
export async function signCades(input: SignCadesInput): Promise<Uint8Array> {
  const { level, timeStamper, timeStampHashAlgorithm, archiveHashAlgorithm, validationData, ...rest } = input;
  const signInput: SignCmsInput = { ...rest, signingTime: rest.signingTime ?? new Date() };
  let cms = await signCms(signInput);
  if (level === 'B-B') return cms;
  if (!timeStamper) throw new KysoError('INVALID_ARGUMENT', `level ${level} needs a timeStamper`);
  cms = await addSignatureTimeStamp(
    cms,
    timeStamper,
    timeStampHashAlgorithm ? { hashAlgorithm: timeStampHashAlgorithm } : {},
  );
  if (level === 'B-T') return cms;
  if (!validationData) throw new KysoError('INVALID_ARGUMENT', `level ${level} needs validationData`);
  cms = addValidationData(cms, validationData);
  if (level === 'B-LT') return cms;
  return upgradeToLta(cms, {
    timeStamper,
    ...(rest.content ? { content: rest.content } : {}),
    ...(archiveHashAlgorithm ? { hashAlgorithm: archiveHashAlgorithm } : {}),
  });
}

export type { PrepareCmsInput };
