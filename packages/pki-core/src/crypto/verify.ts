/**
 * Signature verification through node:crypto on Node, WebCrypto elsewhere. A bad signature returns false; only malformed keys and
 * unsupported algorithms throw. SHA-1 and short keys verify (old data must stay checkable): the
 * policy for what is acceptable belongs to the caller (path validation, CMS).
 */
import { toBase64 } from '../bytes.js';
import { DerReader, Tag } from '../der.js';
import { KysoError, isKysoError } from '../errors.js';
import { OID, oidName } from '../oids.js';
import { algorithmFitsKey, parsePssParamsForVerify, webCryptoVerifyAlgorithm } from './algorithms.js';
import { OID_DSA, parseDsaPublicKey, verifyDsa } from './dsa.js';
import { ecdsaDerToP1363 } from './ecdsa.js';
import { digest, hashLength } from './hash.js';
import { parsePublicKeyInfo, spkiForWebCrypto, webCryptoAlg } from './keys.js';
import {
  clearNativeKeyCache,
  nativeCrypto,
  nativeKeyCacheSize,
  nativePublicKey,
  nativeVerify,
} from './native-verify.js';
import { normalizeSignatureAlgorithm, webCryptoSignParams } from './signer.js';
import type { LegacyDsaAlgorithm, PublicKeyInfo, SignatureAlgorithm, VerifyAlgorithm } from './types.js';
import { bufferSource, subtle } from './util.js';

export { ecdsaDerToP1363, ecdsaP1363ToDer } from './ecdsa.js';

/**
 * Imported public keys kept for reuse: path validation checks the same intermediates over and over.
 * Bounded so hostile input cannot grow memory without limit.
 */
export const VERIFY_KEY_CACHE_SIZE = 1024;

const keyCache = new Map<string, Promise<CryptoKey>>();

/** Empties the imported-key cache (tests, memory pressure). */
export function clearVerifyKeyCache(): void {
  keyCache.clear();
  keyByDer = new WeakMap();
  clearNativeKeyCache();
}

/** Number of entries in the imported-key caches, WebCrypto and node:crypto (for tests and metrics). */
export function verifyKeyCacheSize(): number {
  return keyCache.size + nativeKeyCacheSize();
}

/**
 * Front cache by SPKI object identity: a caller that keeps its parsed keys (path validation keeps
 * one per certificate) skips the base64 key of the LRU below.
 */
let keyByDer = new WeakMap<Uint8Array, Map<string, Promise<CryptoKey>>>();

function importVerifyKey(info: PublicKeyInfo, alg: SignatureAlgorithm): Promise<CryptoKey> {
  const spec = info.spec!;
  const scheme = alg.name === 'RSA-PSS' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
  const hash = alg.name === 'Ed25519' ? 'SHA-256' : alg.hash;
  const usage = spec.type === 'RSA' ? `${scheme}/${hash}` : alg.name;
  let front = keyByDer.get(info.der);
  const fast = front?.get(usage);
  if (fast) return fast;
  const importAlg = webCryptoAlg(spec, scheme, hash);
  const k = `${usage}|${toBase64(info.der)}`;
  const hit = keyCache.get(k);
  if (!front) {
    front = new Map();
    keyByDer.set(info.der, front);
  }
  if (hit) {
    keyCache.delete(k); // LRU: move to the most recent end
    keyCache.set(k, hit);
    front.set(usage, hit);
    return hit;
  }
  const p = subtle()
    .importKey('spki', bufferSource(spkiForWebCrypto(info)), importAlg, false, ['verify'])
    .catch((e: unknown) => {
      keyCache.delete(k);
      throw keyImportError(info, e);
    });
  keyCache.set(k, p);
  front.set(usage, p);
  if (keyCache.size > VERIFY_KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!);
  return p;
}

function keyImportError(info: PublicKeyInfo, cause: unknown): KysoError {
  return new KysoError(
    'KEY_INVALID',
    `public key (${oidName(info.algorithmOid)}) could not be imported`,
    undefined,
    { cause },
  );
}

/**
 * Whether an RSASSA-PSS signature algorithm is allowed by an id-RSASSA-PSS key's parameters
 * (RFC 4055 §3.3: same hash and MGF, salt length at least the key's).
 */
function pssKeyAllows(info: PublicKeyInfo, alg: SignatureAlgorithm): boolean {
  if (alg.name !== 'RSA-PSS') return false;
  if (!info.parameters) return true;
  const p = parsePssParamsForVerify(DerReader.single(info.parameters, Tag.SEQUENCE));
  return p.hash === alg.hash && p.mgf1Hash === alg.hash && alg.saltLength >= p.saltLength;
}

/**
 * Legacy DSA: the key must be id-dsa with its own (or supplied inherited) Dss-Parms; the digest is
 * computed with WebCrypto and the group arithmetic done in crypto/dsa.ts.
 */
async function verifyLegacyDsa(
  info: PublicKeyInfo,
  alg: LegacyDsaAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (info.algorithmOid !== OID_DSA) return false;
  if (alg.hash !== 'SHA-1' && alg.hash !== 'SHA-256') {
    throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported DSA hash ${String(alg.hash)}`);
  }
  const key = parseDsaPublicKey(info.parameters, info.publicKey);
  return verifyDsa(key, await digest(alg.hash, data), signature);
}

/**
 * Verifies `signature` (wire format: DER for ECDSA and DSA) over `data`.
 * Returns false for a wrong or malformed signature, and for an algorithm that does not fit the key
 * (e.g. ECDSA with an RSA key, PKCS#1 v1.5 with a PSS-only key). Throws KysoError for a malformed
 * key (KEY_INVALID, DER errors) or an unsupported key/algorithm (UNSUPPORTED_ALGORITHM).
 * The verification-only algorithms WebCrypto lacks (`FallbackVerifyAlgorithm`: Ed448, SHA-224,
 * SHA-512/224, SHA-512/256, RSASSA-PSS with a distinct MGF1 hash) are verified in pure TypeScript.
 * Legacy DSA (`{ name: 'DSA' }`) is verified in pure TypeScript; a DSA key that inherits its
 * parameters needs them supplied (`withInheritedDsaParameters` in crypto/dsa.ts).
 * On Node (>= 20.16) RSA, ECDSA and Ed25519 go through node:crypto synchronously
 * (crypto/native-verify.ts), elsewhere through WebCrypto; both see the same checked inputs.
 * `opts.rsaEncryptionKeysOnly` (set by the 'webpki' and 'chromium' profiles,
 * `verifyOptionsForProfile` in path/profile.ts) refuses id-RSASSA-PSS keys (UNSUPPORTED_ALGORITHM).
 */
export function verifySignature(
  spki: PublicKeyInfo | Uint8Array,
  algorithm: VerifyAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
  opts?: VerifyOptions,
): Promise<boolean> {
  try {
    const r = verifySignatureSync(spki, algorithm, data, signature, opts);
    if (typeof r === 'boolean') return Promise.resolve(r);
    return r.webCrypto();
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Key policy for one verification (the validation profiles set it: path/profile.ts). */
export interface VerifyOptions {
  /**
   * Refuse RSA public keys not encoded as rsaEncryption, i.e. RFC 4055 id-RSASSA-PSS keys
   * (UNSUPPORTED_ALGORITHM): CA/B Forum BR 7.1.3.1.1 requires rsaEncryption, and Chromium does
   * not implement id-RSASSA-PSS keys. Default false: such keys are accepted and their parameters
   * (hash, MGF1 hash, minimum salt) enforced.
   */
  rsaEncryptionKeysOnly?: boolean;
}

/**
 * What `verifySignatureSync` could not finish synchronously: run `webCrypto()` (or the DSA /
 * fallback verifier) for the answer.
 */
export interface PendingVerification {
  /** Finishes the verification with WebCrypto (or the pure-TypeScript fallback). */
  webCrypto(): Promise<boolean>;
}

/**
 * `verifySignature` without a promise when it can: the checks kyso makes itself, then node:crypto
 * (on Node >= 20.16, crypto/native-verify.ts) for RSA PKCS#1 v1.5, RSA-PSS, ECDSA and Ed25519.
 * Returns a boolean when decided, or a `PendingVerification` when the answer needs WebCrypto (no
 * node:crypto, e.g. in a browser), legacy DSA or the pure-TypeScript fallback. Throws like
 * `verifySignature`.
 */
export function verifySignatureSync(
  spki: PublicKeyInfo | Uint8Array,
  algorithm: VerifyAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
  opts?: VerifyOptions,
): boolean | PendingVerification {
  const info = spki instanceof Uint8Array ? parsePublicKeyInfo(spki) : spki;
  if (opts?.rsaEncryptionKeysOnly && info.algorithmOid === OID.rsassaPss)
    throw new KysoError(
      'UNSUPPORTED_ALGORITHM',
      'id-RSASSA-PSS public keys are not accepted here (RSA keys must be encoded as rsaEncryption)',
    );
  if (algorithm.name === 'DSA') return { webCrypto: () => verifyLegacyDsa(info, algorithm, data, signature) };
  // Ed448, SHA-224/512-t, PSS with a distinct MGF1 hash: pure-TS fallback (crypto/fallback-verify.ts).
  const webAlgorithm = webCryptoVerifyAlgorithm(info, algorithm);
  // The fallback module (and @noble/hashes behind it) loads only when such a signature is met.
  if (!webAlgorithm)
    return {
      webCrypto: async () =>
        (await import('./fallback-verify.js')).fallbackVerify(info, algorithm, data, signature),
    };
  const spec = info.spec;
  if (!spec)
    throw new KysoError(
      'UNSUPPORTED_ALGORITHM',
      `unsupported public key algorithm ${oidName(info.algorithmOid)}`,
    );
  const alg = normalizeSignatureAlgorithm(webAlgorithm);
  if (alg.name !== 'Ed25519') hashLength(alg.hash);
  if (!['RSA-PKCS1', 'RSA-PSS', 'ECDSA', 'Ed25519'].includes(alg.name)) {
    throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported signature algorithm ${JSON.stringify(alg)}`);
  }
  if (!algorithmFitsKey(alg, spec)) return false;
  if (info.algorithmOid === OID.rsassaPss && !pssKeyAllows(info, alg)) return false;

  let p1363: Uint8Array | undefined;
  if (spec.type === 'RSA') {
    // The signature is an integer as wide as the modulus (RFC 8017 §8.1.2 step 1, §8.2.2 step 1).
    if (signature.length !== Math.ceil(spec.modulusLength / 8)) return false;
  } else if (spec.type === 'EC') {
    // Strict DER (no BER, no trailing data, minimal positive integers no wider than the field)
    // whichever backend verifies: OpenSSL's own parser is not the policy.
    try {
      p1363 = ecdsaDerToP1363(signature, spec.curve);
    } catch (e) {
      if (isKysoError(e)) return false;
      throw e;
    }
  } else if (signature.length !== 64) return false;

  const nc = nativeCrypto();
  if (nc) {
    let key: ReturnType<typeof nativePublicKey>;
    try {
      key = nativePublicKey(nc, spkiForWebCrypto(info));
    } catch (e) {
      throw keyImportError(info, e);
    }
    return nativeVerify(nc, key, alg, data, signature);
  }
  const sig = p1363 ?? signature;
  return {
    webCrypto: async () => {
      const key = await importVerifyKey(info, alg);
      try {
        return await subtle().verify(webCryptoSignParams(alg), key, bufferSource(sig), bufferSource(data));
      } catch {
        // WebCrypto raises for some impossible parameter combinations (e.g. a salt too long for the key).
        return false;
      }
    },
  };
}
