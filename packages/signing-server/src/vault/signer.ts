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

export class VaultSigner implements Signer {
  readonly publicKey: PublicKeyInfo;
  readonly algorithms: SignatureAlgorithm[];
  constructor(
    readonly vault: KeyVault,
    readonly key: StoredKey,
    readonly certificateChain: Uint8Array[] = [],
  ) {
    this.publicKey = parsePublicKeyInfo(key.spki);
    this.algorithms = signatureAlgorithmsForKey(key.spec).filter((a) => a.name !== 'Ed25519');
  }

  async sign(data: Uint8Array, algorithm?: SignatureAlgorithm): Promise<Uint8Array> {
    const alg = algorithm ?? this.algorithms[0]!;
    if (alg.name === 'Ed25519') throw new Error('Ed25519 is not supported by the vault');
    const digest = new Uint8Array(crypto.createHash(NODE_HASH[alg.hash]).update(data).digest());
    return this.vault.signDigest(this.key, alg, digest);
  }

  signDigest(digest: Uint8Array, algorithm: SignatureAlgorithm): Promise<Uint8Array> {
    return this.vault.signDigest(this.key, algorithm, digest);
  }
}
