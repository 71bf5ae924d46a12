/**
 * Synchronous signature verification through Node's own `node:crypto` (OpenSSL, the same library
 * behind Node's WebCrypto), used by crypto/verify.ts when it is available: no promise, no
 * WebCrypto key import per algorithm, one `KeyObject` per key.
 *
 * Browser-safe: there is no static `node:` import. The module is obtained at run time through
 * `process.getBuiltinModule` (Node >= 20.16 / 22.3), which bundlers never follow and browsers do not
 * have; without it every caller falls back to WebCrypto. Only the typed surface used here is
 * declared, so the file needs no Node typings either.
 *
 * Callers do the checks kyso makes whatever the backend (algorithm fits the key, PSS key
 * parameters, RSA signature length, strict DER ECDSA signature); this file only runs the
 * arithmetic with the same parameters WebCrypto would get.
 */
import { toBase64 } from '../bytes.js';
import type { SignatureAlgorithm } from './types.js';

/** Opaque node:crypto KeyObject. */
export interface NativeKeyObject {
  readonly asymmetricKeyType?: string;
}

interface NativeCrypto {
  createPublicKey(key: { key: Uint8Array; format: 'der'; type: 'spki' }): NativeKeyObject;
  verify(
    algorithm: string | null | undefined,
    data: Uint8Array,
    key:
      | NativeKeyObject
      | { key: NativeKeyObject; padding?: number; saltLength?: number; dsaEncoding?: 'der' | 'ieee-p1363' },
    signature: Uint8Array,
  ): boolean;
  constants: { RSA_PKCS1_PADDING: number; RSA_PKCS1_PSS_PADDING: number };
}

type ProcessLike = { getBuiltinModule?: (id: string) => unknown };

let native: NativeCrypto | null | undefined;
let enabled = true;

function load(): NativeCrypto | null {
  try {
    const proc = (globalThis as { process?: ProcessLike }).process;
    if (typeof proc?.getBuiltinModule !== 'function') return null;
    const m = proc.getBuiltinModule('node:crypto') as Partial<NativeCrypto> | undefined;
    return m && typeof m.verify === 'function' && typeof m.createPublicKey === 'function' && m.constants
      ? (m as NativeCrypto)
      : null;
  } catch {
    return null;
  }
}

/** node:crypto when running on Node (>= 20.16) and not disabled; undefined elsewhere. */
export function nativeCrypto(): NativeCrypto | undefined {
  if (!enabled) return undefined;
  if (native === undefined) native = load();
  return native ?? undefined;
}

/**
 * Turns the node:crypto fast path off (WebCrypto everywhere, as in a browser) or back on. For tests
 * that compare both backends, and for callers that want WebCrypto only. Returns the previous state.
 */
export function setNativeVerify(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether signature verification currently uses node:crypto. */
export function nativeVerifyActive(): boolean {
  return nativeCrypto() !== undefined;
}

/** Bounded like the WebCrypto key cache in crypto/verify.ts. */
const NATIVE_KEY_CACHE_SIZE = 1024;
const keyCache = new Map<string, NativeKeyObject>();
let keyByDer = new WeakMap<Uint8Array, NativeKeyObject>();

export function clearNativeKeyCache(): void {
  keyCache.clear();
  keyByDer = new WeakMap();
}

export function nativeKeyCacheSize(): number {
  return keyCache.size;
}

/**
 * The KeyObject for SPKI DER `spki` (already in the form WebCrypto would import: id-RSASSA-PSS keys
 * rewritten as rsaEncryption). Throws what createPublicKey throws for a key OpenSSL refuses.
 */
export function nativePublicKey(nc: NativeCrypto, spki: Uint8Array): NativeKeyObject {
  const fast = keyByDer.get(spki);
  if (fast) return fast;
  const k = toBase64(spki);
  let key = keyCache.get(k);
  if (key) {
    keyCache.delete(k); // LRU: move to the most recent end
  } else {
    key = nc.createPublicKey({ key: spki, format: 'der', type: 'spki' });
    if (keyCache.size >= NATIVE_KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!);
  }
  keyCache.set(k, key);
  keyByDer.set(spki, key);
  return key;
}

const NODE_HASH: Record<string, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/**
 * Verifies with node:crypto. `signature`: RSA as wide as the modulus, ECDSA as strict DER
 * (checked by the caller), Ed25519 64 bytes. A refusal from OpenSSL (e.g. a salt too long for the
 * key) is a failed verification, as on the WebCrypto path.
 */
export function nativeVerify(
  nc: NativeCrypto,
  key: NativeKeyObject,
  alg: SignatureAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    switch (alg.name) {
      case 'RSA-PKCS1':
        return nc.verify(
          NODE_HASH[alg.hash],
          data,
          { key, padding: nc.constants.RSA_PKCS1_PADDING },
          signature,
        );
      case 'RSA-PSS':
        // MGF1 takes the message hash (OpenSSL's default), as WebCrypto's RSA-PSS does.
        return nc.verify(
          NODE_HASH[alg.hash],
          data,
          { key, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength },
          signature,
        );
      case 'ECDSA':
        return nc.verify(NODE_HASH[alg.hash], data, { key, dsaEncoding: 'der' }, signature);
      case 'Ed25519':
        return nc.verify(null, data, key, signature);
    }
  } catch {
    return false;
  }
}
