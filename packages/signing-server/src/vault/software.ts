/**
 * Software vault: envelope encryption. Each key gets its own random 256-bit data key; the PKCS#8
 * private key is sealed with AES-256-GCM under the data key (AAD binds the key id), and the data
 * key is wrapped with AES-256-GCM under the key-encryption key (KEK), which is never stored in
 * the database (config or a key file outside it).
 */
import crypto from 'node:crypto';
import { parsePublicKeyInfo, type KeySpec, type SignatureAlgorithm } from '@kyso/pki-core';
import { checkSigningParams } from './params.js';
import { digestSigner, VaultError } from './prehash.js';
import { SignPool } from './sign-pool.js';
import type { KeyVault, StoredKey } from './types.js';

function seal(key: Uint8Array, plain: Uint8Array, aad: string): string {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64');
}

function open(key: Uint8Array, sealed: string, aad: string): Buffer {
  const b = Buffer.from(sealed, 'base64');
  if (b.length < 28) throw new VaultError('sealed blob too short');
  const d = crypto.createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(b.subarray(12, 28));
  try {
    return Buffer.concat([d.update(b.subarray(28)), d.final()]);
  } catch {
    throw new VaultError('key material does not authenticate (wrong KEK or tampered row)');
  }
}

/** Seals a small secret (e.g. a TOTP seed) under the KEK with AAD. */
export function sealSecret(kek: Uint8Array, plain: Uint8Array, aad: string): string {
  return seal(kek, plain, aad);
}
export function openSecret(kek: Uint8Array, sealed: string, aad: string): Buffer {
  return open(kek, sealed, aad);
}

/**
 * The software {@link KeyVault}: keys generated or imported in this process and stored only
 * sealed (see the module comment), unsealed per request or kept for `keyCacheSeconds` of idle
 * time. Holds CA keys always, and subscriber keys with Config.vault 'software'.
 *
 * Security: whoever has the KEK and a database copy has every key; keep the KEK out of database
 * backups. Errors are `VaultError`s: a KEK that is not 32 bytes, a key wrapped under another KEK,
 * a tampered row, RSA under 2048 bits, an unsupported key type or signing parameter.
 */
export class SoftwareVault implements KeyVault {
  /** Always 'software'. */
  readonly name = 'software' as const;
  readonly #kek: Uint8Array;
  /** KEK identifier (first bytes of its hash), stored with each key to spot a KEK mix-up early. */
  readonly kekId: string;

  /**
   * Unsealed keys of credentials that signed in the last `keyCacheSeconds` (idle time), by key id,
   * valid only for the exact sealed blob they came from (a rekey or re-wrap misses). Why this does
   * not widen exposure: the process already holds the KEK, which opens every sealed key in the
   * database, so a memory disclosure of this process is already a disclosure of all its keys;
   * what the cache saves is OpenSSL's per-key setup (PKCS#8 decode and the first private
   * operation's Montgomery and blinding contexts: ~0.5 ms of a ~0.8 ms RSA-2048 single-hash
   * signature, measured). Sole control is untouched: a key signs only through signHash with a
   * consumed SAD. 0 disables the cache (unseal per request, as before).
   */
  readonly #hot = new Map<string, { blob: string; key: crypto.KeyObject; used: number }>();
  readonly #keyCacheMs: number;
  readonly #maxHot: number;
  #sweep: NodeJS.Timeout | undefined;

  /** Worker threads for batches (sign-pool.ts); undefined: every batch is signed inline. */
  readonly #pool: SignPool | undefined;
  readonly #poolMinDigests: number;

  /**
   * @param kek - the 32-byte key-encryption key (copied; the copy is zeroed by close()). Secret.
   * @param opts - `keyCacheSeconds`: idle seconds an unsealed key stays in memory (default 60, 0:
   * none); `maxCachedKeys`: cache bound, least recently used out first (default 1000);
   * `signWorkers`: worker threads (default 0); `poolMinDigests`: smallest batch sent to them
   * (default 8, at least 2).
   * @throws VaultError when `kek` is not 32 bytes.
   */
  constructor(
    kek: Uint8Array,
    opts: {
      keyCacheSeconds?: number;
      maxCachedKeys?: number;
      /** Worker threads for batches of at least `poolMinDigests` digests (0: none). */
      signWorkers?: number;
      poolMinDigests?: number;
    } = {},
  ) {
    if (kek.length !== 32) throw new VaultError('the KEK must be 32 bytes');
    this.#kek = Uint8Array.from(kek);
    this.kekId = crypto.createHash('sha256').update(kek).digest('hex').slice(0, 16);
    this.#keyCacheMs = Math.max(0, opts.keyCacheSeconds ?? 60) * 1000;
    this.#maxHot = Math.max(1, opts.maxCachedKeys ?? 1000);
    this.#pool =
      (opts.signWorkers ?? 0) > 0
        ? new SignPool(this.#kek, opts.signWorkers!, opts.keyCacheSeconds ?? 60)
        : undefined;
    this.#poolMinDigests = Math.max(2, opts.poolMinDigests ?? 8);
  }

  /** The unsealed key, from the cache when it was used recently with this very blob. */
  #key(key: StoredKey): crypto.KeyObject {
    if (this.#keyCacheMs === 0) return this.#unseal(key);
    const blob = `${key.blob.kekId}|${key.blob.wrappedKey}|${key.blob.sealedPrivateKey}`;
    const now = Date.now();
    const hit = this.#hot.get(key.id);
    if (hit && hit.blob === blob && now - hit.used <= this.#keyCacheMs) {
      this.#hot.delete(key.id);
      hit.used = now;
      this.#hot.set(key.id, hit);
      return hit.key;
    }
    const k = this.#unseal(key);
    this.#hot.delete(key.id);
    if (this.#hot.size >= this.#maxHot) this.#hot.delete(this.#hot.keys().next().value!);
    this.#hot.set(key.id, { blob, key: k, used: now });
    if (!this.#sweep) {
      // Idle keys leave memory within a sweep interval, not only when pushed out.
      this.#sweep = setInterval(() => this.#expire(), Math.min(this.#keyCacheMs, 10_000));
      this.#sweep.unref();
    }
    return k;
  }

  #expire(): void {
    const now = Date.now();
    for (const [id, e] of this.#hot) if (now - e.used > this.#keyCacheMs) this.#hot.delete(id);
  }

  /** The sealed key lives only in its database row, which the caller deletes; drop the cached copy. */
  async destroy(key: StoredKey): Promise<void> {
    this.forget(key.id);
  }

  /** How many unsealed keys the cache holds now. */
  get cachedKeyCount(): number {
    return this.#hot.size;
  }

  /** Drops a key from the cache (rekey, deletion, suspension of the credential). */
  forget(keyId: string): void {
    this.#hot.delete(keyId);
  }

  /**
   * Generates an RSA (≥ 2048 bits, e = 65537) or EC key pair in this process and returns it sealed;
   * the clear private key is not kept. Throws VaultError for smaller RSA keys or other key types.
   */
  async generate(id: string, spec: KeySpec): Promise<StoredKey> {
    let kp: crypto.KeyPairKeyObjectResult;
    if (spec.type === 'RSA') {
      if (spec.modulusLength < 2048) throw new VaultError('RSA keys must be at least 2048 bits');
      kp = crypto.generateKeyPairSync('rsa', { modulusLength: spec.modulusLength, publicExponent: 0x10001 });
    } else if (spec.type === 'EC') {
      kp = crypto.generateKeyPairSync('ec', { namedCurve: spec.curve });
    } else throw new VaultError('unsupported key type for signHash');
    return this.#store(id, kp.privateKey);
  }

  /**
   * Imports a PKCS#8 private key (DER; CA keys loaded from files on first start) and returns it
   * sealed. The caller should zero `pkcs8` afterwards. Throws for an unreadable or unsupported key.
   */
  async importPkcs8(id: string, pkcs8: Uint8Array): Promise<StoredKey> {
    return this.#store(
      id,
      crypto.createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
    );
  }

  #store(id: string, priv: crypto.KeyObject): StoredKey {
    const spki = new Uint8Array(crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }));
    const info = parsePublicKeyInfo(spki);
    if (!info.spec) throw new VaultError('unsupported key type');
    const dek = crypto.randomBytes(32);
    const pkcs8 = priv.export({ format: 'der', type: 'pkcs8' });
    const blob = {
      kekId: this.kekId,
      wrappedKey: seal(this.#kek, dek, `kyso-dek:${id}`),
      sealedPrivateKey: seal(dek, pkcs8, `kyso-key:${id}`),
    };
    dek.fill(0);
    pkcs8.fill(0);
    return { id, vault: 'software', spec: info.spec, spki, blob };
  }

  #unseal(key: StoredKey): crypto.KeyObject {
    if (key.vault !== 'software') throw new VaultError('not a software vault key');
    if (key.blob.kekId !== this.kekId)
      throw new VaultError(`key ${key.id} was wrapped by another KEK (${key.blob.kekId})`);
    const dek = open(this.#kek, key.blob.wrappedKey ?? '', `kyso-dek:${key.id}`);
    const pkcs8 = open(dek, key.blob.sealedPrivateKey ?? '', `kyso-key:${key.id}`);
    dek.fill(0);
    try {
      return crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    } finally {
      pkcs8.fill(0);
    }
  }

  /** One digest: {@link SoftwareVault.signDigests} with a batch of one. */
  async signDigest(key: StoredKey, alg: SignatureAlgorithm, digest: Uint8Array): Promise<Uint8Array> {
    return (await this.signDigests(key, alg, [digest]))[0]!;
  }

  /**
   * Takes the unsealed key (unsealing it once for the batch unless it is in the idle-time cache),
   * signs (and self-checks) every digest, checks at the end that the key still matches the stored
   * public key (no signature is returned otherwise), then destroys the signer (its private scalar
   * copy is zeroed; the PKCS#8 and the data key were zeroed when unsealing).
   */
  async signDigests(key: StoredKey, alg: SignatureAlgorithm, digests: Uint8Array[]): Promise<Uint8Array[]> {
    checkSigningParams(alg, key.spec, digests);
    if (this.#pool && digests.length >= this.#poolMinDigests)
      return this.#pool.signDigests(key, alg, digests);
    const signer = digestSigner(this.#key(key), key.spec, alg, key.spki);
    try {
      const signatures = signer.signAll(digests);
      signer.finish();
      return signatures;
    } finally {
      signer.destroy();
    }
  }

  /** Stops the worker threads, empties the key cache and zeroes the KEK copy; the vault is unusable afterwards. */
  async close(): Promise<void> {
    await this.#pool?.close();
    clearInterval(this.#sweep);
    this.#hot.clear();
    this.#kek.fill(0);
  }
}
