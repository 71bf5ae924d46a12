/** A pki-core Signer over a vault key: hashes the data, then signs the digest in the vault. */
import crypto from 'node:crypto';
import {
  parsePublicKeyInfo,
  signatureAlgorithmsForKey,
  type PublicKeyInfo,
  type SignatureAlgorithm,
  type Signer,
} from '@kyso/pki-core';
import type { KeyVault, StoredKey } from './types.js';

const NODE_HASH = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;

/**
 * A pki-core `Signer` over a vault key, for what the server signs itself: certificates, CRLs,
 * OCSP responses and time-stamps with CA keys, the CSR that proves possession of a new subscriber
 * key, signDoc's CMS. It checks no SAD: a subscriber key must only be reached through the CSC
 * services, which consume one first.
 */
export class VaultSigner implements Signer {
  /** The key's public key, parsed from its SPKI. */
  readonly publicKey: PublicKeyInfo;
  /** The algorithms the key can sign with (pki-core's list for its spec, Ed25519 excluded); the first is the default. */
  readonly algorithms: SignatureAlgorithm[];
  /**
   * @param vault - the vault holding `key` (the one named by `key.vault`).
   * @param key - the stored key.
   * @param certificateChain - DER certificates, the key's own first, when a consumer needs them.
   */
  constructor(
    /** The vault that signs. */
    readonly vault: KeyVault,
    /** The stored key it signs with. */
    readonly key: StoredKey,
    /** The key's certificate chain (DER, leaf first; empty when unknown). */
    readonly certificateChain: Uint8Array[] = [],
  ) {
    this.publicKey = parsePublicKeyInfo(key.spki);
    this.algorithms = signatureAlgorithmsForKey(key.spec).filter((a) => a.name !== 'Ed25519');
  }

  /**
   * Hashes `data` with the algorithm's hash here, then signs the digest in the vault. Default
   * algorithm: `algorithms[0]`. ECDSA signatures are DER. Throws an Error for Ed25519 and the
   * vault's VaultError for a parameter it refuses (e.g. SHA-1).
   */
  async sign(data: Uint8Array, algorithm?: SignatureAlgorithm): Promise<Uint8Array> {
    const alg = algorithm ?? this.algorithms[0]!;
    if (alg.name === 'Ed25519') throw new Error('Ed25519 is not supported by the vault');
    const digest = new Uint8Array(crypto.createHash(NODE_HASH[alg.hash]).update(data).digest());
    return this.vault.signDigest(this.key, alg, digest);
  }

  /** Signs a precomputed digest of `algorithm.hash` in the vault ({@link KeyVault.signDigest}). */
  signDigest(digest: Uint8Array, algorithm: SignatureAlgorithm): Promise<Uint8Array> {
    return this.vault.signDigest(this.key, algorithm, digest);
  }
}
