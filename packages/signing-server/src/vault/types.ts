/** Key custody seam: every private key the server holds lives behind a KeyVault. */
import type { KeySpec, SignatureAlgorithm } from '@kyso/pki-core';

/** A vault key as stored in `vault_keys` (never the private key in clear). */
export interface StoredKey {
  /** The key id (bound into the software vault's AES-GCM AAD; the PKCS#11 CKA_LABEL, CKA_ID derived from it). */
  id: string;
  /** The vault that holds the private key. */
  vault: 'software' | 'pkcs11';
  /** Key type and size (RSA modulus length or EC curve). */
  spec: KeySpec;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /**
   * Vault-specific reference (wrapped key material, or a token object id). Software vault: the
   * private key sealed under a data key that is wrapped under the KEK; useless without the KEK,
   * but still keep it from anyone who may also obtain the KEK.
   */
  blob: Record<string, string>;
}

/**
 * Custody of private keys: the software vault ({@link SoftwareVault}, envelope encryption under the
 * KEK) or a PKCS#11 token (HSM; Circular 16/2019 Appendix Part 2, categories 6–7). No method ever
 * returns private key material; keys sign only digests, and only after the CSC services have
 * consumed a SAD for them (sole control, Law 20/2023 Art. 22(3) as mapped in docs/compliance.md).
 * Errors are `VaultError`s (a bad signing parameter: its subclass `SigningParamsError`, which the
 * services answer with 400 invalid_request).
 */
export interface KeyVault {
  /** Which kind of vault this is (matches {@link StoredKey.vault}). */
  readonly name: 'software' | 'pkcs11';
  /**
   * Generates a key pair inside the vault (RSA ≥ 2048 bits with e = 65537, or EC P-256/384/521)
   * and returns its stored form; the caller persists it. `id` must be unique.
   */
  generate(id: string, spec: KeySpec): Promise<StoredKey>;
  /** Signs a precomputed digest; the result is verified before it is returned. */
  signDigest(key: StoredKey, alg: SignatureAlgorithm, digest: Uint8Array): Promise<Uint8Array>;
  /**
   * Signs several digests with one key for one request (CSC signHash batches): a software key is
   * unsealed once, used for every digest, then dropped. Each result is verified like signDigest's.
   */
  signDigests(key: StoredKey, alg: SignatureAlgorithm, digests: Uint8Array[]): Promise<Uint8Array[]>;
  /**
   * Destroys the private key in the vault (PKCS#11: the token objects with its CKA_ID; software:
   * the vault's in-memory copies; the caller deletes the sealed row). Idempotent.
   */
  destroy(key: StoredKey): Promise<void>;
  /** Releases the vault (worker threads, token session; the software vault zeroes its KEK copy). */
  close(): Promise<void>;
}

/** A chunk of digests sent to a signing worker thread (sign-pool.ts → sign-worker.ts). */
export interface SignJob {
  /** Correlates the job with its {@link SignResult}. */
  id: number;
  /** The sealed key; the worker unseals it with its own copy of the KEK. */
  key: StoredKey;
  /** The signature algorithm, already checked against the key. */
  alg: SignatureAlgorithm;
  /** Digests of `alg.hash`'s length, signed in order. */
  digests: Uint8Array[];
}
/**
 * A signing worker's answer to a {@link SignJob}: the signatures in the order of the digests, or
 * the error message (the pool re-throws it as a VaultError; no partial result).
 */
export type SignResult = { id: number; signatures: Uint8Array[] } | { id: number; error: string };
