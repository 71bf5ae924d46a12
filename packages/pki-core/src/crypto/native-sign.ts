/**
 * Synchronous signing and digests through Node's own `node:crypto` (OpenSSL, the same library
 * behind Node's WebCrypto), used by `LocalSigner` and `digest` when available: no promise, no trip
 * through WebCrypto's thread pool, one `KeyObject` per WebCrypto private key.
 *
 * Browser-safe, like crypto/native-verify.ts: there is no static `node:` import. The module is
 * obtained at run time through `process.getBuiltinModule` (Node >= 20.16 / 22.3), which bundlers
 * never follow and browsers do not have; without it every caller keeps the WebCrypto path. Only the
 * typed surface used here is declared, so the file needs no Node typings either.
 *
 * Callers make kyso's checks first (strong algorithm, algorithm fits the key); this file only runs
 * the arithmetic with the parameters WebCrypto would get, and returns wire-format signatures
 * (ECDSA as DER Ecdsa-Sig-Value, as `LocalSigner` returns them from WebCrypto).
 */
import { KysoError } from '../errors.js';
import type { HashAlgorithm, SignatureAlgorithm } from './types.js';

/** Opaque node:crypto KeyObject. */
interface NativePrivateKey {
  readonly type?: string;
}

interface NativeHash {
  update(data: Uint8Array): NativeHash;
  digest(): Uint8Array;
}

interface NativeSignCrypto {
  KeyObject: { from(key: CryptoKey): NativePrivateKey };
  createHash(algorithm: string): NativeHash;
  sign(
    algorithm: string | null | undefined,
    data: Uint8Array,
    key:
      | NativePrivateKey
      | { key: NativePrivateKey; padding?: number; saltLength?: number; dsaEncoding?: 'der' },
  ): Uint8Array;
  constants: { RSA_PKCS1_PADDING: number; RSA_PKCS1_PSS_PADDING: number };
}

type ProcessLike = { getBuiltinModule?: (id: string) => unknown };

let native: NativeSignCrypto | null | undefined;
let enabled = true;

function load(): NativeSignCrypto | null {
  try {
    const proc = (globalThis as { process?: ProcessLike }).process;
    if (typeof proc?.getBuiltinModule !== 'function') return null;
    const m = proc.getBuiltinModule('node:crypto') as Partial<NativeSignCrypto> | undefined;
    return m &&
      typeof m.sign === 'function' &&
      typeof m.createHash === 'function' &&
      typeof m.KeyObject?.from === 'function' &&
      m.constants
      ? (m as NativeSignCrypto)
      : null;
  } catch {
    return null;
  }
}

function nc(): NativeSignCrypto | undefined {
  if (!enabled) return undefined;
  if (native === undefined) native = load();
  return native ?? undefined;
}

/**
 * Turns the node:crypto signing and digest fast path off (WebCrypto everywhere, as in a browser) or
 * back on. For tests that compare both backends, and for callers that want WebCrypto only. Returns
 * the previous state. Signature verification has its own switch (`setNativeVerify`).
 */
export function setNativeSign(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether signing and digests currently use node:crypto. */
export function nativeSignActive(): boolean {
  return nc() !== undefined;
}

const NODE_HASH: Record<HashAlgorithm, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** A plain Uint8Array copy of a Buffer (never a view into Node's shared pool, never a Buffer). */
function plain(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}

/** Digest of `data` with node:crypto, or undefined when the fast path is off or unavailable. */
export function nativeDigest(alg: HashAlgorithm, data: Uint8Array): Uint8Array | undefined {
  const c = nc();
  const name = NODE_HASH[alg];
  if (!c || name === undefined) return undefined;
  return plain(c.createHash(name).update(data).digest());
}

/** KeyObjects per WebCrypto key: weak, so they live exactly as long as the CryptoKey. */
const keys = new WeakMap<CryptoKey, NativePrivateKey | null>();

function privateKeyObject(c: NativeSignCrypto, key: CryptoKey): NativePrivateKey | undefined {
  let k = keys.get(key);
  if (k === undefined) {
    try {
      // Works for non-extractable CryptoKeys too: the key stays inside this process either way.
      k = c.KeyObject.from(key);
      if (k.type !== 'private') k = null;
    } catch {
      k = null; // a key Node cannot convert: keep it on WebCrypto
    }
    keys.set(key, k);
  }
  return k ?? undefined;
}

/**
 * Signs `data` with a WebCrypto private key through node:crypto. Returns undefined when the fast
 * path is off or unavailable, or the key cannot be converted (the caller then uses WebCrypto).
 * The caller has checked that `alg` is strong and fits the key; for RSA any scheme and hash may be
 * used with the key whatever WebCrypto algorithm it was imported for (node:crypto binds none).
 */
export function nativeSign(
  key: CryptoKey,
  alg: SignatureAlgorithm,
  data: Uint8Array,
): Uint8Array | undefined {
  const c = nc();
  if (!c) return undefined;
  const k = privateKeyObject(c, key);
  if (!k) return undefined;
  try {
    switch (alg.name) {
      case 'RSA-PKCS1':
        return plain(c.sign(NODE_HASH[alg.hash], data, { key: k, padding: c.constants.RSA_PKCS1_PADDING }));
      case 'RSA-PSS':
        // MGF1 takes the message hash (OpenSSL's default), as WebCrypto's RSA-PSS does.
        return plain(
          c.sign(NODE_HASH[alg.hash], data, {
            key: k,
            padding: c.constants.RSA_PKCS1_PSS_PADDING,
            saltLength: alg.saltLength,
          }),
        );
      case 'ECDSA':
        return plain(c.sign(NODE_HASH[alg.hash], data, { key: k, dsaEncoding: 'der' }));
      case 'Ed25519':
        return plain(c.sign(null, data, k));
      default:
        return undefined;
    }
  } catch (e) {
    throw new KysoError('KEY_INVALID', 'signing with node:crypto failed', undefined, { cause: e });
  }
}
