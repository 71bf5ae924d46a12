/**
 * CAdES archive-time-stamp-v3 and ats-hash-index-v3 (ETSI EN 319 122-1 V1.1.1 §5.5.2, §5.5.3).
 *
 * ATSHashIndexV3 ::= SEQUENCE {
 *   hashIndAlgorithm       AlgorithmIdentifier DEFAULT {algorithm id-sha256},
 *   certificatesHashIndex  SEQUENCE OF OCTET STRING,
 *   crlsHashIndex          SEQUENCE OF OCTET STRING,
 *   unsignedAttrValuesHashIndex SEQUENCE OF OCTET STRING }
 *
 * - certificatesHashIndex: H(DER of each CertificateChoices in SignedData.certificates);
 * - crlsHashIndex: H(DER of each RevocationInfoChoice in SignedData.crls), OCSP responses included
 *   as their `[1] OtherRevocationInfoFormat` element;
 * - unsignedAttrValuesHashIndex: for every unsigned attribute of the SignerInfo and every value of
 *   it, H(DER(attrType) || DER(AttributeValue)) (v3; v2 hashed whole Attribute elements);
 * - hashIndAlgorithm is the archive time-stamp's imprint hash. kyso always encodes it, also for
 *   SHA-256 (as DSS does: a validator that re-composes the index with an explicit SHA-256
 *   identifier otherwise computes a different imprint). Verification hashes the bytes as given.
 *
 * The attribute lives in the unsigned attributes of the time-stamp token's SignerInfo (it is not
 * covered by the TSA signature; it is covered by the imprint). The message imprint is
 * H( DER(eContentType) || H(content) || version || sid || digestAlgorithm || [0] signedAttrs ||
 *    signatureAlgorithm || signature || DER(ATSHashIndexV3 value) ), each SignerInfo field with its
 * own tag and length, exactly as encoded, and H(content) over the eContent octets or the external
 * content of a detached signature.
 */
import { concatBytes } from '../bytes.js';
import { DerReader, Tag, ctxTag, octetString, oid, seq } from '../der.js';
import { digest, hashAlgorithmIdentifier } from '../crypto/hash.js';
import type { HashAlgorithm } from '../crypto/types.js';
import { KysoError } from '../errors.js';
import type { SignedData, SignerInfo } from './signed-data.js';

/** id-aa-ets-archiveTimestampV3 (ETSI TS 101 733 / EN 319 122-1). */
export const OID_ARCHIVE_TIMESTAMP_V3 = '0.4.0.1733.2.4';
/** id-aa-ATSHashIndex-v3 (EN 319 122-1 V1.1.1). */
export const OID_ATS_HASH_INDEX_V3 = '0.4.0.19122.1.5';
/** id-aa-ATSHashIndex-v2 (EN 319 122-1 V1.0.0) and the TS 101 733 id-aa-ATSHashIndex: recognised, not verified. */
export const OID_ATS_HASH_INDEX_V2 = '0.4.0.19122.1.4';
/** The TS 101 733 (CAdES v1) id-aa-ATSHashIndex: recognised in old signatures, not verified. */
export const OID_ATS_HASH_INDEX_V1 = '0.4.0.1733.2.5';

/** Entries per hash list of an ats-hash-index (bounded by the SignedData limits anyway). */
export const MAX_ATS_HASH_INDEX_ENTRIES = 2048;

/** Raw DER of every CertificateChoices and RevocationInfoChoice element of a SignedData. */
export function signedDataCollections(sd: SignedData): { certificates: Uint8Array[]; crls: Uint8Array[] } {
  const r = new DerReader(DerReader.single(sd.raw, Tag.SEQUENCE).value);
  r.read(Tag.INTEGER);
  r.read(Tag.SET);
  r.read(Tag.SEQUENCE);
  const certs = r.readOptional(ctxTag(0, true));
  const crls = r.readOptional(ctxTag(1, true));
  const all = (el: typeof certs) => (el ? new DerReader(el.value).readAll().map((e) => e.raw) : []);
  return { certificates: all(certs), crls: all(crls) };
}

/**
 * The SignerInfo fields the archive imprint covers: version, sid, digestAlgorithm, [0] signedAttrs,
 * signatureAlgorithm and signature, as encoded (everything but the [1] unsignedAttrs).
 */
export function signerInfoSignedFields(si: SignerInfo): Uint8Array {
  const r = new DerReader(DerReader.single(si.raw, Tag.SEQUENCE).value);
  const parts: Uint8Array[] = [];
  for (const el of r.readAll()) if (el.tag !== ctxTag(1, true)) parts.push(el.raw);
  return concatBytes(...parts);
}

/** The per-value octets of the unsigned attributes: DER(attrType) || DER(value). */
export function unsignedAttrValueOctets(si: SignerInfo): Uint8Array[] {
  return (si.unsignedAttrs ?? []).flatMap((a) => a.values.map((v) => concatBytes(oid(a.type), v)));
}

/** Builds the ATSHashIndexV3 value (DER) for a signer as it is now. */
export async function buildAtsHashIndexV3(
  sd: SignedData,
  si: SignerInfo,
  hash: HashAlgorithm,
): Promise<Uint8Array> {
  const { certificates, crls } = signedDataCollections(sd);
  const hashes = async (items: Uint8Array[]) =>
    seq(...(await Promise.all(items.map(async (x) => octetString(await digest(hash, x))))));
  return seq(
    hashAlgorithmIdentifier(hash),
    await hashes(certificates),
    await hashes(crls),
    await hashes(unsignedAttrValueOctets(si)),
  );
}

/**
 * A parsed ats-hash-index-v3 attribute (ETSI EN 319 122-1 §5.5.2): the hashes of the SignedData
 * certificates, CRLs and unsigned attribute values that an archive-time-stamp-v3 covers.
 */
export interface AtsHashIndexV3 {
  /** The hash algorithm (the DEFAULT SHA-256 when absent). */
  hashAlgorithmOid: string;
  /** True when hashIndAlgorithm was encoded. */
  explicitAlgorithm: boolean;
  /** Hashes of the certificates covered, in encoding order. */
  certificates: Uint8Array[];
  /** Hashes of the CRLs (RevocationInfoChoices) covered. */
  crls: Uint8Array[];
  /** Hashes of the unsigned attribute values covered. */
  unsignedAttrValues: Uint8Array[];
}

/** Parses an ATSHashIndexV3 value (strict DER). */
export function parseAtsHashIndexV3(der: Uint8Array): AtsHashIndexV3 {
  const r = new DerReader(DerReader.single(der, Tag.SEQUENCE).value);
  const els = r.readAll();
  if (els.length !== 3 && els.length !== 4)
    throw new KysoError('ASN1_SCHEMA', 'ATSHashIndexV3 must have 3 or 4 elements');
  let hashAlgorithmOid = '2.16.840.1.101.3.4.2.1';
  let explicitAlgorithm = false;
  if (els.length === 4) {
    const a = new DerReader(els[0]!.value);
    hashAlgorithmOid = a.readOid();
    if (!a.done) a.read(Tag.NULL);
    a.finish('unexpected data in hashIndAlgorithm');
    explicitAlgorithm = true;
  }
  const list = (i: number) => {
    const el = els[i]!;
    if (el.tag !== Tag.SEQUENCE) throw new KysoError('ASN1_SCHEMA', 'ATSHashIndexV3 list is not a SEQUENCE');
    const items = new DerReader(el.value).readAll();
    if (items.length > MAX_ATS_HASH_INDEX_ENTRIES)
      throw new KysoError('INPUT_TOO_LARGE', 'too many ats-hash-index entries');
    return items.map((x) => {
      if (x.tag !== Tag.OCTET_STRING)
        throw new KysoError('ASN1_SCHEMA', 'ats-hash-index entry is not an OCTET STRING');
      return x.value;
    });
  };
  const o = els.length - 3;
  return {
    hashAlgorithmOid,
    explicitAlgorithm,
    certificates: list(o),
    crls: list(o + 1),
    unsignedAttrValues: list(o + 2),
  };
}

/** The archive-time-stamp-v3 message imprint (§5.5.3) for a given ats-hash-index value. */
export async function archiveTimeStampV3Imprint(
  sd: SignedData,
  si: SignerInfo,
  hash: HashAlgorithm,
  contentHash: Uint8Array,
  atsHashIndexDer: Uint8Array,
): Promise<Uint8Array> {
  return digest(
    hash,
    concatBytes(oid(sd.eContentType), contentHash, signerInfoSignedFields(si), atsHashIndexDer),
  );
}
