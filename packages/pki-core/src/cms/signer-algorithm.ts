/**
 * SignerInfo signature algorithms (RFC 5652 §5.3 with RFC 5754 and RFC 8419): the resolution of
 * signatureAlgorithm + digestAlgorithm to what is verified, and the verification itself (standard
 * algorithms through crypto/verify, legacy DSA and Ed448). Shared by the CMS and RFC 3161 verifiers.
 */
import { bytesEqual, toHex } from '../bytes.js';
import { DerReader, Tag, compareBytes } from '../der.js';
import { parseSignatureAlgorithm, signatureAlgorithmName } from '../crypto/algorithms.js';
import { digest } from '../crypto/hash.js';
import { parsePublicKeyInfo } from '../crypto/keys.js';
import type { CmsDigestAlgorithm, HashAlgorithm, SignatureAlgorithm } from '../crypto/types.js';
import { verifySignature } from '../crypto/verify.js';
import { KysoError } from '../errors.js';
import { OID, oidName } from '../oids.js';
import type { Certificate } from '../x509/certificate.js';
import {
  OID_DSA,
  OID_DSA_WITH_SHA1,
  OID_DSA_WITH_SHA256,
  parseDsaPublicKey,
  verifyDsa,
} from './dsa-legacy.js';
import {
  type AlgorithmId,
  type SignerInfo,
  parseCmsAlgorithmProtection,
  singleAttributeValue,
} from './signed-data.js';

/** What a SignerInfo's algorithms resolve to. */
export type ResolvedAlg =
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

/** Display name of a resolved algorithm (e.g. ECDSA-SHA256, dsa-with-SHA256, Ed448). */
export function algName(r: ResolvedAlg): string {
  if (r.kind === 'ed448') return 'Ed448';
  return r.kind === 'dsa' ? `dsa-with-${r.hash.replace('-', '')}` : signatureAlgorithmName(r.alg);
}

/** Verifies `sig` over `data` with the certificate's key under the resolved algorithm. */
export async function checkSignatureValue(
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

/**
 * Whether the signed attributes are in DER SET OF order (RFC 5652 §5.4: the signature covers their
 * DER encoding; a set out of order is not that encoding). True when there are none.
 */
export function isDerSetOrder(si: SignerInfo): boolean {
  if (!si.signedAttrsDer) return true;
  const r = new DerReader(DerReader.single(si.signedAttrsDer, Tag.SET).value);
  let prev: Uint8Array | undefined;
  while (!r.done) {
    const el = r.read();
    if (prev && compareBytes(prev, el.raw) > 0) return false;
    prev = el.raw;
  }
  return true;
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

/**
 * The CMSAlgorithmProtection signed attribute (RFC 6211 §2) against the SignerInfo: its digest
 * algorithm and (when given) signature algorithm must be the SignerInfo's. 'absent' without one.
 */
export function algorithmProtection(si: SignerInfo): 'absent' | 'matches' | 'mismatch' {
  const apv = si.signedAttrs ? singleAttributeValue(si.signedAttrs, OID.cmsAlgorithmProtection) : undefined;
  if (!apv) return 'absent';
  const ap = parseCmsAlgorithmProtection(apv);
  const digestOk = ap.digestAlgorithm.oid === si.digestAlgorithm.oid;
  const sigOk = !ap.signatureAlgorithm || sameAlgorithm(ap.signatureAlgorithm.der, si.signatureAlgorithm.der);
  return digestOk && sigOk ? 'matches' : 'mismatch';
}
