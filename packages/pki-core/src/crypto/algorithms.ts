/**
 * Signature AlgorithmIdentifiers (RFC 3279, RFC 4055, RFC 5758, RFC 8410): strict encode/parse,
 * and the signing policy (no SHA-1, no RSA < 2048, no EC < 256 bits for new signatures).
 */
import type { DerElement } from '../der.js';
import { ctxTag, DerReader, explicit, integer, nul, oid, schemaError, seq, Tag } from '../der.js';
import { bytesEqual } from '../bytes.js';
import { KysoError } from '../errors.js';
import { OID, oidName } from '../oids.js';
import { hashAlgorithmIdentifier, hashLength } from './hash.js';
import { OID_DSA_WITH_SHA1, OID_DSA_WITH_SHA256 } from './dsa.js';
import { mlDsaParameterSet } from './ml-dsa.js';
import type {
  HashAlgorithm,
  KeySpec,
  NamedCurve,
  PublicKeyInfo,
  SignatureAlgorithm,
  VerifyAlgorithm,
  VerifyHashAlgorithm,
} from './types.js';
import { isWebCryptoHash, parseVerifyHashAlgorithmIdentifier } from './verify-hash.js';

/** Largest RSASSA-PSS salt we accept (bytes): far above any real use, bounds hostile input. */
export const MAX_PSS_SALT_LENGTH = 1024;

const RSA_PKCS1: Record<HashAlgorithm, string> = {
  'SHA-1': OID.sha1WithRSAEncryption,
  'SHA-256': OID.sha256WithRSAEncryption,
  'SHA-384': OID.sha384WithRSAEncryption,
  'SHA-512': OID.sha512WithRSAEncryption,
};
const ECDSA: Record<HashAlgorithm, string> = {
  'SHA-1': OID.ecdsaWithSHA1,
  'SHA-256': OID.ecdsaWithSHA256,
  'SHA-384': OID.ecdsaWithSHA384,
  'SHA-512': OID.ecdsaWithSHA512,
};
const invert = (m: Record<HashAlgorithm, string>): Map<string, HashAlgorithm> =>
  new Map(Object.entries(m).map(([h, o]) => [o, h as HashAlgorithm]));
const RSA_PKCS1_BY_OID = invert(RSA_PKCS1);
const ECDSA_BY_OID = invert(ECDSA);

/** Key size in bits of each supported curve. */
export const CURVE_BITS: Record<NamedCurve, number> = { 'P-256': 256, 'P-384': 384, 'P-521': 521 };
/** Field-element (and P1363 half-signature) length in bytes for each supported curve. */
export const CURVE_BYTES: Record<NamedCurve, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
/** Named-curve OIDs. */
export const CURVE_OID: Record<NamedCurve, string> = {
  'P-256': OID.secp256r1,
  'P-384': OID.secp384r1,
  'P-521': OID.secp521r1,
};
/** Named curve by its OID (RFC 5480 §2.1.1.1 namedCurve): the inverse of the curve → OID table. */
export const CURVE_BY_OID: ReadonlyMap<string, NamedCurve> = new Map(
  Object.entries(CURVE_OID).map(([c, o]) => [o, c as NamedCurve]),
);

/** RSASSA-PSS parameters as they appear on the wire (RFC 4055 §3.1). */
export interface PssParams {
  /** The message hash. */
  hash: HashAlgorithm;
  /** The hash of the MGF1 mask generation function (kyso writes the message hash). */
  mgf1Hash: HashAlgorithm;
  /** Salt length in bytes. */
  saltLength: number;
}

/**
 * RSASSA-PSS parameters for VERIFICATION: any verification hash (SHA-224, SHA-512/t too) and an
 * MGF1 hash that may differ from the message hash.
 */
export interface VerifyPssParams {
  /** The message hash. */
  hash: VerifyHashAlgorithm;
  /** The MGF1 hash (may differ from the message hash when verifying). */
  mgf1Hash: VerifyHashAlgorithm;
  /** Salt length in bytes (RFC 4055 default 20). */
  saltLength: number;
}

/** The object identifier of a signature algorithm. */
export function signatureAlgorithmOid(alg: SignatureAlgorithm): string {
  switch (alg.name) {
    case 'RSA-PKCS1':
      return RSA_PKCS1[alg.hash] ?? unsupportedHash(alg.hash);
    case 'RSA-PSS':
      return OID.rsassaPss;
    case 'ECDSA':
      return ECDSA[alg.hash] ?? unsupportedHash(alg.hash);
    case 'Ed25519':
      return OID.ed25519;
    default:
      throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported signature algorithm ${JSON.stringify(alg)}`);
  }
}

function unsupportedHash(h: unknown): never {
  throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported hash ${String(h)}`);
}

/** Encodes RSASSA-PSS-params in DER: fields equal to their DEFAULT are omitted (X.690 §11.5). */
export function encodePssParams(hash: HashAlgorithm, saltLength: number): Uint8Array {
  hashLength(hash);
  if (!Number.isInteger(saltLength) || saltLength < 0 || saltLength > MAX_PSS_SALT_LENGTH) {
    throw new KysoError('INVALID_ARGUMENT', `invalid RSASSA-PSS salt length ${saltLength}`);
  }
  const isSha1 = hash === 'SHA-1';
  const hashId = hashAlgorithmIdentifier(hash, { nullParams: true });
  return seq(
    isSha1 ? undefined : explicit(0, hashId),
    isSha1 ? undefined : explicit(1, seq(oid(OID.mgf1), hashId)),
    saltLength === 20 ? undefined : explicit(2, integer(saltLength)),
  );
}

/**
 * Parses RSASSA-PSS-params strictly: absent fields take their DEFAULT (SHA-1, MGF1-SHA-1, 20, 1);
 * explicitly encoded default values are not DER and are rejected; MGF must be MGF1; trailerField
 * must be 1 (trailerFieldBC). Hashes outside SHA-1/256/384/512: UNSUPPORTED_ALGORITHM (see
 * `parsePssParamsForVerify` for verification).
 */
export function parsePssParams(el: DerElement): PssParams {
  const p = parsePssParamsForVerify(el);
  if (!isWebCryptoHash(p.hash)) throw unsupportedHashAlgorithm(p.hash);
  if (!isWebCryptoHash(p.mgf1Hash)) throw unsupportedHashAlgorithm(p.mgf1Hash);
  return { hash: p.hash, mgf1Hash: p.mgf1Hash, saltLength: p.saltLength };
}

function unsupportedHashAlgorithm(h: VerifyHashAlgorithm): KysoError {
  return new KysoError('UNSUPPORTED_ALGORITHM', `unsupported hash algorithm ${h}`);
}

/**
 * `parsePssParams` for VERIFICATION: the same strict DER rules, with the verification hash set
 * (SHA-224, SHA-512/224, SHA-512/256 too) for both the message and the MGF1 hash.
 */
export function parsePssParamsForVerify(el: DerElement): VerifyPssParams {
  if (el.tag !== Tag.SEQUENCE) throw schemaError('RSASSA-PSS-params is not a SEQUENCE');
  const r = new DerReader(el.value, el.offset + el.raw.length - el.value.length);
  let hash: VerifyHashAlgorithm = 'SHA-1';
  let mgf1Hash: VerifyHashAlgorithm = 'SHA-1';
  let saltLength = 20;
  const h = r.enterOptional(ctxTag(0, true));
  if (h) {
    hash = parseVerifyHashAlgorithmIdentifier(h.read(Tag.SEQUENCE));
    h.finish();
    if (hash === 'SHA-1')
      throw schemaError('RSASSA-PSS-params: default hashAlgorithm (SHA-1) encoded explicitly');
  }
  const m = r.enterOptional(ctxTag(1, true));
  if (m) {
    const mgf = m.enter(Tag.SEQUENCE);
    m.finish();
    const mgfOid = mgf.readOid();
    if (mgfOid !== OID.mgf1) {
      throw new KysoError(
        'UNSUPPORTED_ALGORITHM',
        `RSASSA-PSS mask generation ${oidName(mgfOid)} not supported`,
      );
    }
    mgf1Hash = parseVerifyHashAlgorithmIdentifier(mgf.read(Tag.SEQUENCE));
    mgf.finish();
    if (mgf1Hash === 'SHA-1') {
      throw schemaError('RSASSA-PSS-params: default maskGenAlgorithm (MGF1 with SHA-1) encoded explicitly');
    }
  }
  const s = r.enterOptional(ctxTag(2, true));
  if (s) {
    const v = s.readInteger();
    s.finish();
    if (v < 0n) throw schemaError('RSASSA-PSS-params: negative saltLength');
    if (v === 20n) throw schemaError('RSASSA-PSS-params: default saltLength (20) encoded explicitly');
    if (v > BigInt(MAX_PSS_SALT_LENGTH))
      throw new KysoError('UNSUPPORTED_ALGORITHM', 'RSASSA-PSS saltLength too large');
    saltLength = Number(v);
  }
  const t = r.enterOptional(ctxTag(3, true));
  if (t) {
    const v = t.readInteger();
    t.finish();
    if (v === 1n) throw schemaError('RSASSA-PSS-params: default trailerField (1) encoded explicitly');
    throw new KysoError('UNSUPPORTED_ALGORITHM', `RSASSA-PSS trailerField ${v} not supported`);
  }
  r.finish('unexpected data in RSASSA-PSS-params');
  return { hash, mgf1Hash, saltLength };
}

/**
 * DER AlgorithmIdentifier for a signature algorithm. RSA PKCS#1 v1.5 carries NULL parameters
 * (RFC 3279 §2.2.1), ECDSA and Ed25519 none (RFC 5758 §3.2, RFC 8410 §3), RSASSA-PSS its params.
 * SHA-1 algorithms exist for verification only: encoding one needs `allowSha1` (e.g. test fixtures).
 */
export function encodeSignatureAlgorithm(
  alg: SignatureAlgorithm,
  opts: { allowSha1?: boolean } = {},
): Uint8Array {
  if (alg.name !== 'Ed25519' && alg.hash === 'SHA-1' && !opts.allowSha1) {
    throw new KysoError('WEAK_ALGORITHM', 'SHA-1 signature algorithms are accepted for verification only');
  }
  switch (alg.name) {
    case 'RSA-PKCS1':
      return seq(oid(signatureAlgorithmOid(alg)), nul());
    case 'RSA-PSS':
      return seq(oid(OID.rsassaPss), encodePssParams(alg.hash, alg.saltLength));
    case 'ECDSA':
    case 'Ed25519':
      return seq(oid(signatureAlgorithmOid(alg)));
    default:
      throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported signature algorithm ${JSON.stringify(alg)}`);
  }
}

/**
 * Parses a signature AlgorithmIdentifier strictly. Unknown algorithms (MD5, SHA-224, DSA, Ed448...)
 * and PSS with an MGF1 hash different from the message hash: UNSUPPORTED_ALGORITHM. Wrong parameters
 * (RSA PKCS#1 with anything but NULL or absent, ECDSA/Ed25519 with parameters, PSS without
 * parameters): ASN1_SCHEMA.
 */
export function parseSignatureAlgorithm(input: DerElement | Uint8Array): SignatureAlgorithm {
  const el = input instanceof Uint8Array ? DerReader.single(input, Tag.SEQUENCE) : input;
  if (el.tag !== Tag.SEQUENCE) throw schemaError('AlgorithmIdentifier is not a SEQUENCE');
  const r = new DerReader(el.value, el.offset + el.raw.length - el.value.length);
  const o = r.readOid();
  const params = r.done ? undefined : r.read();
  r.finish('unexpected data in AlgorithmIdentifier');

  const rsaHash = RSA_PKCS1_BY_OID.get(o);
  if (rsaHash) {
    // RFC 3279 §2.2.1 says NULL; absent parameters are accepted when parsing (Chromium, Go and
    // OpenSSL do; several OCSP responders emit them). kyso itself always encodes NULL.
    if (params && (params.tag !== Tag.NULL || params.value.length !== 0)) {
      throw schemaError(`${oidName(o)} parameters must be NULL or absent`);
    }
    return { name: 'RSA-PKCS1', hash: rsaHash };
  }
  const ecHash = ECDSA_BY_OID.get(o);
  if (ecHash) {
    if (params) throw schemaError(`${oidName(o)} must have absent parameters`);
    return { name: 'ECDSA', hash: ecHash };
  }
  if (o === OID.ed25519) {
    if (params) throw schemaError('Ed25519 must have absent parameters');
    return { name: 'Ed25519' };
  }
  if (o === OID.rsassaPss) {
    if (!params) throw schemaError('RSASSA-PSS requires parameters');
    const p = parsePssParams(params);
    if (p.mgf1Hash !== p.hash) {
      throw new KysoError(
        'UNSUPPORTED_ALGORITHM',
        'RSASSA-PSS with an MGF1 hash different from the message hash',
      );
    }
    return { name: 'RSA-PSS', hash: p.hash, saltLength: p.saltLength };
  }
  throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported signature algorithm ${oidName(o)}`, { oid: o });
}

/** RSA PKCS#1 v1.5 OIDs with verification-only hashes (RFC 4055 §5, RFC 8017 A.2.4). */
const RSA_PKCS1_VERIFY_ONLY: ReadonlyMap<string, VerifyHashAlgorithm> = new Map<string, VerifyHashAlgorithm>([
  [OID.sha224WithRSAEncryption, 'SHA-224'],
  ['1.2.840.113549.1.1.15', 'SHA-512/224'],
  ['1.2.840.113549.1.1.16', 'SHA-512/256'],
]);

/**
 * Parses a signature AlgorithmIdentifier for VERIFICATION: everything `parseSignatureAlgorithm`
 * accepts, plus legacy id-dsa-with-sha1 / id-dsa-with-sha256 (parameters absent, RFC 3279
 * §2.2.2, RFC 5758 §3.1), sha224 / sha512-224 / sha512-256 WithRSAEncryption (NULL or absent
 * parameters), Ed448 (RFC 8410, absent parameters) and RSASSA-PSS with any verification hash or an
 * MGF1 hash different from the message hash (`mgf1Hash` set only then), and ML-DSA-44/65/87 (FIPS
 * 204, RFC 9881, absent parameters). Used where old data must
 * stay checkable (certificates, CRLs); the extra algorithms are verified by crypto/fallback-verify.ts.
 */
export function parseVerifyAlgorithm(input: DerElement | Uint8Array): VerifyAlgorithm {
  const el = input instanceof Uint8Array ? DerReader.single(input, Tag.SEQUENCE) : input;
  if (el.tag !== Tag.SEQUENCE) throw schemaError('AlgorithmIdentifier is not a SEQUENCE');
  const r = new DerReader(el.value, el.offset + el.raw.length - el.value.length);
  const o = r.readOid();
  if (o === OID_DSA_WITH_SHA1 || o === OID_DSA_WITH_SHA256) {
    if (!r.done) throw schemaError(`${oidName(o)} must have absent parameters`);
    return { name: 'DSA', hash: o === OID_DSA_WITH_SHA1 ? 'SHA-1' : 'SHA-256' };
  }
  const mlDsa = mlDsaParameterSet(o);
  if (mlDsa) {
    // RFC 9881 §2: the parameters field MUST be absent.
    if (!r.done) throw schemaError(`${mlDsa} must have absent parameters`);
    return { name: 'ML-DSA', parameterSet: mlDsa };
  }
  const legacyRsaHash = RSA_PKCS1_VERIFY_ONLY.get(o);
  if (legacyRsaHash || o === OID.ed448 || o === OID.rsassaPss) {
    const params = r.done ? undefined : r.read();
    r.finish('unexpected data in AlgorithmIdentifier');
    if (legacyRsaHash) {
      if (params && (params.tag !== Tag.NULL || params.value.length !== 0)) {
        throw schemaError(`${oidName(o)} parameters must be NULL or absent`);
      }
      return { name: 'RSA-PKCS1', hash: legacyRsaHash };
    }
    if (o === OID.ed448) {
      if (params) throw schemaError('Ed448 must have absent parameters');
      return { name: 'Ed448' };
    }
    if (!params) throw schemaError('RSASSA-PSS requires parameters');
    const p = parsePssParamsForVerify(params);
    if (p.mgf1Hash === p.hash && isWebCryptoHash(p.hash)) {
      return { name: 'RSA-PSS', hash: p.hash, saltLength: p.saltLength };
    }
    return { name: 'RSA-PSS', hash: p.hash, saltLength: p.saltLength, mgf1Hash: p.mgf1Hash };
  }
  return parseSignatureAlgorithm(el);
}

/**
 * Byte-for-byte equality of two AlgorithmIdentifier encodings (RFC 5280 §4.1.1.2: the
 * certificate's signatureAlgorithm must be identical to tbsCertificate.signature).
 */
export function algorithmIdentifiersEqual(a: Uint8Array | DerElement, b: Uint8Array | DerElement): boolean {
  return bytesEqual(a instanceof Uint8Array ? a : a.raw, b instanceof Uint8Array ? b : b.raw);
}

/** Semantic equality of two parsed signature algorithms. */
export function signatureAlgorithmsEqual(a: SignatureAlgorithm, b: SignatureAlgorithm): boolean {
  return signatureAlgorithmKey(a) === signatureAlgorithmKey(b);
}

/** A stable string for an algorithm (cache keys, logs): e.g. `RSA-PSS/SHA-256/32`. */
export function signatureAlgorithmKey(alg: SignatureAlgorithm): string {
  switch (alg.name) {
    case 'RSA-PSS':
      return `RSA-PSS/${alg.hash}/${alg.saltLength}`;
    case 'Ed25519':
      return 'Ed25519';
    default:
      return `${alg.name}/${alg.hash}`;
  }
}

/** Conventional display name: sha256WithRSAEncryption, ecdsa-with-SHA384, RSASSA-PSS (SHA-256, salt 32), Ed25519. */
export function signatureAlgorithmName(alg: SignatureAlgorithm): string {
  switch (alg.name) {
    case 'RSA-PKCS1':
      return `${alg.hash.replace('-', '').toLowerCase()}WithRSAEncryption`;
    case 'RSA-PSS':
      return `RSASSA-PSS (${alg.hash}, salt ${alg.saltLength})`;
    case 'ECDSA':
      return `ecdsa-with-${alg.hash.replace('-', '')}`;
    default:
      return 'Ed25519';
  }
}

/** Human description of a key spec: `RSA-2048`, `EC P-256`, `Ed25519`. */
export function keySpecName(spec: KeySpec): string {
  if (spec.type === 'RSA') return `RSA-${spec.modulusLength}`;
  if (spec.type === 'EC') return `EC ${spec.curve}`;
  return 'Ed25519';
}

/** True if `alg` can be used with a key of this kind (RSA schemes with RSA keys, and so on). */
export function algorithmFitsKey(alg: SignatureAlgorithm, spec: KeySpec): boolean {
  switch (alg.name) {
    case 'RSA-PKCS1':
    case 'RSA-PSS':
      return spec.type === 'RSA';
    case 'ECDSA':
      return spec.type === 'EC';
    case 'Ed25519':
      return spec.type === 'Ed25519';
    default:
      return false;
  }
}

/** Security bits of a key for the policy check (RSA modulus bits, EC curve order bits). */
function keyBits(spec: KeySpec): number {
  if (spec.type === 'RSA') return spec.modulusLength;
  if (spec.type === 'EC') {
    const b = CURVE_BITS[spec.curve];
    if (b === undefined)
      throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported curve ${String(spec.curve)}`);
    return b;
  }
  return 256;
}

/**
 * Signing policy for new signatures and certificates: throws WEAK_ALGORITHM for SHA-1, RSA keys
 * below 2048 bits and EC keys below 256 bits; KEY_INVALID if the algorithm does not fit the key.
 * Verification does not apply this policy (old signatures must stay checkable).
 */
export function assertStrongForSigning(alg: SignatureAlgorithm, keySpec: KeySpec): void {
  if (!algorithmFitsKey(alg, keySpec)) {
    throw new KysoError(
      'KEY_INVALID',
      `${signatureAlgorithmName(alg)} cannot be used with a ${keySpecName(keySpec)} key`,
    );
  }
  if (alg.name !== 'Ed25519' && alg.hash === 'SHA-1') {
    throw new KysoError('WEAK_ALGORITHM', 'SHA-1 is not allowed for new signatures', { algorithm: alg.name });
  }
  if (alg.name !== 'Ed25519') hashLength(alg.hash);
  if (alg.name === 'RSA-PSS' && alg.saltLength > MAX_PSS_SALT_LENGTH) {
    throw new KysoError('INVALID_ARGUMENT', `RSASSA-PSS salt length ${alg.saltLength} too large`);
  }
  const bits = keyBits(keySpec);
  if (keySpec.type === 'RSA' && bits < 2048) {
    throw new KysoError('WEAK_ALGORITHM', `RSA keys below 2048 bits are not allowed (got ${bits})`, { bits });
  }
  if (keySpec.type === 'EC' && bits < 256) {
    throw new KysoError('WEAK_ALGORITHM', `EC keys below 256 bits are not allowed (got ${bits})`, { bits });
  }
}

/** The default algorithm for a key: RSA PKCS#1 v1.5 SHA-256, ECDSA with the curve's matching hash, Ed25519. */
export function defaultSignatureAlgorithm(spec: KeySpec): SignatureAlgorithm {
  switch (spec.type) {
    case 'RSA':
      return { name: 'RSA-PKCS1', hash: 'SHA-256' };
    case 'EC':
      return {
        name: 'ECDSA',
        hash: spec.curve === 'P-521' ? 'SHA-512' : spec.curve === 'P-384' ? 'SHA-384' : 'SHA-256',
      };
    case 'Ed25519':
      return { name: 'Ed25519' };
    default:
      throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported key ${JSON.stringify(spec)}`);
  }
}

/** Every strong algorithm a key can sign with, the default first. */
export function signatureAlgorithmsForKey(spec: KeySpec): SignatureAlgorithm[] {
  const first = defaultSignatureAlgorithm(spec);
  const strong: HashAlgorithm[] = ['SHA-256', 'SHA-384', 'SHA-512'];
  let all: SignatureAlgorithm[];
  if (spec.type === 'RSA') {
    all = [
      ...strong.map((hash): SignatureAlgorithm => ({ name: 'RSA-PKCS1', hash })),
      ...strong.map((hash): SignatureAlgorithm => ({ name: 'RSA-PSS', hash, saltLength: hashLength(hash) })),
    ];
  } else if (spec.type === 'EC') {
    all = strong.map((hash): SignatureAlgorithm => ({ name: 'ECDSA', hash }));
  } else all = [first];
  const k = signatureAlgorithmKey(first);
  return [first, ...all.filter((a) => signatureAlgorithmKey(a) !== k)];
}

/** RSASSA-PSS with the recommended salt (hash length). */
export function rsaPss(hash: Exclude<HashAlgorithm, 'SHA-1'> = 'SHA-256'): SignatureAlgorithm {
  return { name: 'RSA-PSS', hash, saltLength: hashLength(hash) };
}

/**
 * The `SignatureAlgorithm` to hand to WebCrypto, or undefined when `alg` with this key needs the
 * fallback: Ed448 or ML-DSA (algorithm or key), an RSA hash outside SHA-1/256/384/512, or RSASSA-PSS with an
 * MGF1 hash different from the message hash. Legacy DSA is not handled here.
 */
export function webCryptoVerifyAlgorithm(
  info: PublicKeyInfo,
  alg: Exclude<VerifyAlgorithm, { name: 'DSA' }>,
): SignatureAlgorithm | undefined {
  if (info.algorithmOid === OID.ed448 || mlDsaParameterSet(info.algorithmOid)) return undefined;
  switch (alg.name) {
    case 'Ed448':
    case 'ML-DSA':
      return undefined;
    case 'RSA-PKCS1':
      return isWebCryptoHash(alg.hash) ? { name: 'RSA-PKCS1', hash: alg.hash } : undefined;
    case 'RSA-PSS': {
      const mgf1Hash = 'mgf1Hash' in alg ? alg.mgf1Hash : undefined;
      if (!isWebCryptoHash(alg.hash) || (mgf1Hash !== undefined && mgf1Hash !== alg.hash)) return undefined;
      return { name: 'RSA-PSS', hash: alg.hash, saltLength: alg.saltLength };
    }
    default:
      return alg;
  }
}
