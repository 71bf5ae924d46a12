/**
 * Contracts for keys, algorithms and signers. Every private-key operation in kyso goes through a
 * `Signer`, so CMS, PDF and the server never care where a key lives (memory, PKCS#12, PKCS#11, remote).
 */

/** Digests kyso computes. SHA-1 is accepted only for verifying old data, never for new signatures. */
export type HashAlgorithm = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/**
 * The NIST prime curves kyso signs and verifies with (FIPS 186-5, SEC 2: secp256r1, secp384r1,
 * secp521r1), as WebCrypto names them.
 */
export type NamedCurve = 'P-256' | 'P-384' | 'P-521';

/** What a key is. RSA modulus length in bits. */
export type KeySpec =
  | { type: 'RSA'; modulusLength: 2048 | 3072 | 4096 | number }
  | { type: 'EC'; curve: NamedCurve }
  | { type: 'Ed25519' };

/**
 * A signature algorithm as used on the wire (AlgorithmIdentifier) and by WebCrypto.
 * - RSA-PKCS1: RSASSA-PKCS1-v1_5 with `hash`.
 * - RSA-PSS: with `hash`, MGF1 using the same hash, `saltLength` bytes (default: hash length).
 * - ECDSA: with `hash`; signatures are DER `Ecdsa-Sig-Value` on the wire.
 * - Ed25519: pure EdDSA (no hash parameter).
 */
export type SignatureAlgorithm =
  | { name: 'RSA-PKCS1'; hash: HashAlgorithm }
  | { name: 'RSA-PSS'; hash: HashAlgorithm; saltLength: number }
  | { name: 'ECDSA'; hash: HashAlgorithm }
  | { name: 'Ed25519' };

/**
 * DSA (FIPS 186-4), for verifying legacy signatures only: it is deliberately not a
 * `SignatureAlgorithm`, so no signer, encoder or policy can ever produce one.
 */
export type LegacyDsaAlgorithm = { name: 'DSA'; hash: 'SHA-1' | 'SHA-256' };

/**
 * Hashes accepted for VERIFICATION only: the signing set plus SHA-224, SHA-512/224 and SHA-512/256
 * (no WebCrypto support; computed by crypto/verify-hash.ts). Never used for new signatures.
 */
export type VerifyHashAlgorithm = HashAlgorithm | 'SHA-224' | 'SHA-512/224' | 'SHA-512/256';

/**
 * Digests accepted for a CMS messageDigest when VERIFYING: the signing set plus SHAKE256 with a
 * 64-byte output (id-shake256, RFC 8419 §2.3, the digest Ed448 signatures require). Never offered
 * for signing; not a `VerifyHashAlgorithm` (no RSA/ECDSA use).
 */
export type CmsDigestAlgorithm = HashAlgorithm | 'SHAKE256';

/**
 * Verification-only algorithms WebCrypto cannot do, checked in pure TypeScript by
 * crypto/fallback-verify.ts: RSA PKCS#1 v1.5 / RSASSA-PSS with any verification hash, PSS with an
 * MGF1 hash different from the message hash (`mgf1Hash`, default: `hash`), Ed448 (RFC 8032) and
 * ML-DSA (FIPS 204).
 * Not `SignatureAlgorithm`s: no signer, encoder or signing policy can produce one.
 */
export type FallbackVerifyAlgorithm =
  | { name: 'RSA-PKCS1'; hash: VerifyHashAlgorithm }
  | { name: 'RSA-PSS'; hash: VerifyHashAlgorithm; saltLength: number; mgf1Hash?: VerifyHashAlgorithm }
  | { name: 'Ed448' }
  | MlDsaAlgorithm;

/** ML-DSA parameter sets (FIPS 204). */
export type MlDsaParameterSet = 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87';

/**
 * Pure ML-DSA (FIPS 204) with the empty context string, as X.509 (RFC 9881) and CMS (RFC 9882)
 * use it. Verification only (crypto/ml-dsa.ts).
 */
export type MlDsaAlgorithm = { name: 'ML-DSA'; parameterSet: MlDsaParameterSet };

/** What `verifySignature` accepts: every signing algorithm plus legacy DSA and the fallback set. */
export type VerifyAlgorithm = SignatureAlgorithm | LegacyDsaAlgorithm | FallbackVerifyAlgorithm;

/** Parsed SubjectPublicKeyInfo. */
export interface PublicKeyInfo {
  /** Full DER of the SubjectPublicKeyInfo. */
  der: Uint8Array;
  /** algorithm OID (rsaEncryption, rsassaPss, ecPublicKey, ed25519...). */
  algorithmOid: string;
  /** Parameters TLV (raw DER) if present. */
  parameters?: Uint8Array;
  /** The subjectPublicKey BIT STRING content (no unused-bits octet). */
  publicKey: Uint8Array;
  /** Derived description of the key (undefined if the algorithm is unknown to kyso). */
  spec?: KeySpec;
}

/**
 * A private key holder. `sign` receives the bytes to be signed (e.g. a TBSCertificate or CMS
 * signed attributes) and returns the signature in wire format (DER for ECDSA).
 * Implementations must refuse weak algorithms (see `assertStrongForSigning`).
 */
export interface Signer {
  /** SubjectPublicKeyInfo of the key. */
  readonly publicKey: PublicKeyInfo;
  /** Certificate chain, leaf first, as DER (may be empty for a bare key, e.g. self-signed issuance). */
  readonly certificateChain: Uint8Array[];
  /** Algorithms this key can sign with, preferred first. */
  readonly algorithms: SignatureAlgorithm[];
  /**
   * Signs `data` (the signer hashes it) with `algorithm` (default: the first of `algorithms`); ECDSA
   * signatures are DER Ecdsa-Sig-Value. Rejects for an algorithm the key cannot use.
   */
  sign(data: Uint8Array, algorithm?: SignatureAlgorithm): Promise<Uint8Array>;
  /**
   * Optional: the same signature as `sign`, computed synchronously when this signer can (a
   * `LocalSigner` on Node, through node:crypto), else undefined: then call `sign`. Hot paths (OCSP
   * responder, TSA) use it to answer without a promise: `signer.signSync?.(d, a) ?? (await signer.sign(d, a))`.
   */
  signSync?(data: Uint8Array, algorithm?: SignatureAlgorithm): Uint8Array | undefined;
  /**
   * Optional: sign a precomputed digest (remote CSC signHash, HSM). Not available for Ed25519.
   * Returns the wire-format signature.
   */
  signDigest?(digest: Uint8Array, algorithm: SignatureAlgorithm): Promise<Uint8Array>;
}
