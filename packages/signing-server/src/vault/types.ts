/** Key custody seam: every private key the server holds lives behind a KeyVault. */
import type { KeySpec, SignatureAlgorithm } from '@kyso/pki-core';

/** A vault key as stored in `vault_keys` (never the private key in clear). */
export interface StoredKey {
  id: string;
  vault: 'software' | 'pkcs11';
  spec: KeySpec;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** Vault-specific reference (wrapped key material, or a token object id). */
  blob: Record<string, string>;
}

export interface KeyVault {
  readonly name: 'software' | 'pkcs11';
  /** Generates a key pair inside the vault. */
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
  close(): Promise<void>;
}

/** A chunk of digests sent to a signing worker thread (sign-pool.ts → sign-worker.ts). */
export interface SignJob {
  id: number;
  key: StoredKey;
  alg: SignatureAlgorithm;
  digests: Uint8Array[];
}
export type SignResult = { id: number; signatures: Uint8Array[] } | { id: number; error: string };
