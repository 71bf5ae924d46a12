/**
 * A Signer over an in-memory key pair: node:crypto on Node (crypto/native-sign.ts), WebCrypto in
 * browsers or after `setNativeSign(false)`.
 */
import { KysoError } from '../errors.js';
import {
  algorithmFitsKey,
  assertStrongForSigning,
  keySpecName,
  signatureAlgorithmName,
  signatureAlgorithmsForKey,
} from './algorithms.js';
import { ecdsaP1363ToDer } from './ecdsa.js';
import { hashLength } from './hash.js';
import type { KeyPair } from './keys.js';
import { nativeSign } from './native-sign.js';
import type { PublicKeyInfo, SignatureAlgorithm, Signer } from './types.js';
import { bufferSource, subtle } from './util.js';

export { nativeSignActive, setNativeSign } from './native-sign.js';

/** Options of a local signer (a key held in this process through WebCrypto). */
export interface LocalSignerOptions {
  /** Algorithms to advertise, preferred first (default: every strong algorithm for the key). */
  algorithms?: SignatureAlgorithm[];
}

/** WebCrypto sign/verify parameters for a signature algorithm. */
export function webCryptoSignParams(alg: SignatureAlgorithm): Algorithm | RsaPssParams | EcdsaParams {
  switch (alg.name) {
    case 'RSA-PKCS1':
      return { name: 'RSASSA-PKCS1-v1_5' };
    case 'RSA-PSS':
      return { name: 'RSA-PSS', saltLength: alg.saltLength } as RsaPssParams;
    case 'ECDSA':
      return { name: 'ECDSA', hash: alg.hash } as EcdsaParams;
    case 'Ed25519':
      return { name: 'Ed25519' };
    default:
      throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported signature algorithm ${JSON.stringify(alg)}`);
  }
}

/** Fills in the RSASSA-PSS salt length (default: the hash length) for callers that omit it. */
export function normalizeSignatureAlgorithm(alg: SignatureAlgorithm): SignatureAlgorithm {
  if (alg.name === 'RSA-PSS' && (alg.saltLength === undefined || alg.saltLength === null)) {
    return { name: 'RSA-PSS', hash: alg.hash, saltLength: hashLength(alg.hash) };
  }
  return alg;
}

/**
 * Signs with a KeyPair held in memory. Refuses weak algorithms (SHA-1, RSA < 2048) with
 * WEAK_ALGORITHM. ECDSA signatures are returned as DER Ecdsa-Sig-Value.
 * There is no `signDigest`: WebCrypto cannot sign a precomputed digest portably.
 */
export class LocalSigner implements Signer {
  /** SubjectPublicKeyInfo of the key. */
  readonly publicKey: PublicKeyInfo;
  /** Certificate chain, leaf first, DER (may be empty). */
  readonly certificateChain: Uint8Array[];
  /** Algorithms the key can sign with, preferred first. */
  readonly algorithms: SignatureAlgorithm[];
  readonly #keyPair: KeyPair;

  constructor(keyPair: KeyPair, certificateChain: Uint8Array[] = [], opts: LocalSignerOptions = {}) {
    this.#keyPair = keyPair;
    this.publicKey = keyPair.publicKeyInfo;
    this.certificateChain = certificateChain.map((c) => c.slice());
    const algs = (opts.algorithms ?? signatureAlgorithmsForKey(keyPair.spec)).map(
      normalizeSignatureAlgorithm,
    );
    if (algs.length === 0) throw new KysoError('INVALID_ARGUMENT', 'a signer needs at least one algorithm');
    for (const a of algs) assertStrongForSigning(a, keyPair.spec);
    this.algorithms = algs;
  }

  /**
   * The signature computed synchronously with node:crypto (a KeyObject made once from the
   * WebCrypto key), or undefined where node:crypto is not available or turned off
   * (`setNativeSign(false)`): then `sign` uses WebCrypto. Same checks, same output format.
   */
  signSync(data: Uint8Array, algorithm?: SignatureAlgorithm): Uint8Array | undefined {
    const alg = normalizeSignatureAlgorithm(algorithm ?? this.algorithms[0]!);
    const spec = this.#keyPair.spec;
    assertStrongForSigning(alg, spec);
    if (!algorithmFitsKey(alg, spec)) {
      throw new KysoError(
        'KEY_INVALID',
        `${signatureAlgorithmName(alg)} cannot be used with a ${keySpecName(spec)} key`,
      );
    }
    return nativeSign(this.#keyPair.privateKey, alg, data);
  }

  /**
   * Signs `data` (hashed by the algorithm) with `algorithm` (default: the first of `algorithms`);
   * ECDSA signatures are returned DER-encoded (Ecdsa-Sig-Value). Throws KysoError `KEY_INVALID` when
   * the algorithm does not fit the key.
   */
  async sign(data: Uint8Array, algorithm?: SignatureAlgorithm): Promise<Uint8Array> {
    const fast = this.signSync(data, algorithm);
    if (fast) return fast;
    const alg = normalizeSignatureAlgorithm(algorithm ?? this.algorithms[0]!);
    const key = await this.#keyPair.signingKey(alg);
    const sig = new Uint8Array(await subtle().sign(webCryptoSignParams(alg), key, bufferSource(data)));
    return alg.name === 'ECDSA' ? ecdsaP1363ToDer(sig) : sig;
  }

  /** A JSON description without key material (key type, number of certificates). */
  toJSON(): { type: 'LocalSigner'; key: string; certificates: number } {
    return {
      type: 'LocalSigner',
      key: keySpecName(this.#keyPair.spec),
      certificates: this.certificateChain.length,
    };
  }

  /** `LocalSigner(<key type>)`, never the key material. */
  toString(): string {
    return `LocalSigner(${keySpecName(this.#keyPair.spec)})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
