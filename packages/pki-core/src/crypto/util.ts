/** Small WebCrypto glue shared by the crypto modules (browser-safe: no `node:` imports). */
import { KysoError } from '../errors.js';

/** The platform's WebCrypto SubtleCrypto (native in Node 20 and in browsers). */
export function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s)
    throw new KysoError(
      'UNSUPPORTED_ALGORITHM',
      'WebCrypto (crypto.subtle) is not available in this environment',
    );
  return s;
}

/**
 * WebCrypto's typings want `Uint8Array<ArrayBuffer>`; views over a SharedArrayBuffer are copied.
 * No copy is made in the common case.
 */
export function bufferSource(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u.buffer instanceof ArrayBuffer ? (u as Uint8Array<ArrayBuffer>) : new Uint8Array(u);
}
