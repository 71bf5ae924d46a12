/**
 * The CSC API v2 algorithm identifiers kyso speaks (info, credentials/info, signHash, signDoc and
 * the SDK): the one list, named from pki-core's OID table.
 */
import { OID } from '@kyso/pki-core';

/** hashAlgorithmOID values accepted (CSC v2 authorize, signHash, signDoc), by hash name: dotted OIDs. */
export const HASH_OIDS = {
  'SHA-256': OID.sha256,
  'SHA-384': OID.sha384,
  'SHA-512': OID.sha512,
} as const;
/**
 * A hash algorithm name the CSC service accepts: SHA-256, SHA-384 or SHA-512 (FIPS 180-4, as
 * Circular 16/2019 Appendix 1.1.3 requires; SHA-1 is refused for new signatures).
 */
export type CscHash = keyof typeof HASH_OIDS;
/** The default hashAlgorithmOID (SHA-256). */
export const SHA256_OID = OID.sha256;

/** The hash a hashAlgorithmOID names, or undefined when it is not one of HASH_OIDS. */
export function cscHashFromOid(oid: string): CscHash | undefined {
  for (const [name, o] of Object.entries(HASH_OIDS)) if (o === oid) return name as CscHash;
  return undefined;
}

/** signAlgo values for an RSA key: the bare key OID (hash from hashAlgorithmOID), PSS, PKCS#1 v1.5. */
export const SIGN_ALGOS_RSA: readonly string[] = [
  OID.rsaEncryption,
  OID.rsassaPss,
  OID.sha256WithRSAEncryption,
  OID.sha384WithRSAEncryption,
  OID.sha512WithRSAEncryption,
];
/** signAlgo values for an EC key: the bare key OID (hash from hashAlgorithmOID) and ECDSA-with-SHA-2. */
export const SIGN_ALGOS_EC: readonly string[] = [
  OID.ecPublicKey,
  OID.ecdsaWithSHA256,
  OID.ecdsaWithSHA384,
  OID.ecdsaWithSHA512,
];
/** Every signAlgo the service supports (info's signAlgorithms.algos). */
export const SIGN_ALGOS: readonly string[] = [...SIGN_ALGOS_RSA, ...SIGN_ALGOS_EC];

/** credentials/info key.curve by named curve. */
export const CURVE_OIDS = { 'P-256': OID.secp256r1, 'P-384': OID.secp384r1, 'P-521': OID.secp521r1 } as const;
