/**
 * The parts of password-based encryption that WebCrypto cannot do: 3DES-CBC and RC2-CBC decryption
 * (legacy PKCS#12 and PKCS#8 files) and the synchronous iterated hashing of the PKCS#12 KDF.
 *
 * They come from node-forge, loaded lazily with a dynamic import so that code which never meets a
 * legacy file or a PKCS#12 MAC does not pay for it (and browser bundles can split it out). We use
 * forge's ciphers instead of a hand-written DES/RC2: a widely deployed, reviewed implementation is
 * less risky than new code, and these ciphers are only ever used to *read* old files.
 *
 * Why not WebCrypto for the KDF hashing: RFC 7292 Appendix B hashes `iterations` times in a chain;
 * one `subtle.digest` call costs about 25 µs in Node 20 (asynchronous, thread-pool round trip), so
 * 100 000 iterations would take seconds. forge's synchronous SHA-256 does the same in ~0.25 s.
 */
import type * as ForgeNs from 'node-forge';
import { KysoError } from './errors.js';

type Forge = typeof ForgeNs;

let forgePromise: Promise<Forge> | undefined;

/** Loads node-forge once (CommonJS module: the namespace is the default export under ESM). */
function loadForge(): Promise<Forge> {
  forgePromise ??= import('node-forge').then((m) => {
    const mod = m as unknown as { default?: Forge } & Forge;
    return mod.default ?? mod;
  });
  return forgePromise;
}

/** Uint8Array -> forge "binary string" (one char per byte). */
export function toBinaryString(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** forge "binary string" -> Uint8Array. */
export function fromBinaryString(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export type LegacyHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/**
 * H^r(input): `rounds` chained hashes (RFC 7292 B.2 step 6a). Returns the final digest.
 */
export async function iteratedHash(hash: LegacyHash, input: Uint8Array, rounds: number): Promise<Uint8Array> {
  const forge = await loadForge();
  const create =
    hash === 'SHA-1'
      ? () => forge.md.sha1.create()
      : hash === 'SHA-256'
        ? () => forge.md.sha256.create()
        : hash === 'SHA-384'
          ? () => forge.md.sha384.create()
          : () => forge.md.sha512.create();
  let a = toBinaryString(input);
  for (let i = 0; i < rounds; i++) {
    const md = create();
    md.update(a);
    a = md.digest().getBytes();
  }
  return fromBinaryString(a);
}

/** Strips and checks PKCS#7 padding; a bad pad means a wrong key (wrong password) or corruption. */
export function unpad(data: Uint8Array, blockSize: number): Uint8Array {
  const n = data.length;
  const p = n ? data[n - 1]! : 0;
  let bad = n === 0 || n % blockSize !== 0 || p === 0 || p > blockSize ? 1 : 0;
  for (let i = 1; i <= p && i <= n; i++) bad |= data[n - i]! ^ p;
  if (bad) throw new KysoError('PKCS12_BAD_PASSWORD', 'decryption failed: wrong password or corrupted data');
  return data.subarray(0, n - p);
}

export type LegacyCipher = { name: '3DES-CBC' } | { name: 'RC2-CBC'; effectiveBits: number };

/** Decrypts CBC data with 3DES (24-byte key) or RC2 and checks the PKCS#7 padding. */
export async function legacyDecrypt(
  cipher: LegacyCipher,
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  if (iv.length !== 8) throw new KysoError('PKCS12_INVALID', 'legacy cipher IV must be 8 bytes');
  if (ciphertext.length === 0 || ciphertext.length % 8 !== 0) {
    throw new KysoError('PKCS12_INVALID', 'ciphertext length is not a multiple of the block size');
  }
  const forge = await loadForge();
  const input = forge.util.createBuffer(toBinaryString(ciphertext), 'raw');
  let out: string;
  // Padding is checked by `unpad` below, so forge's own check is disabled (`() => true`).
  const noPad = (): boolean => true;
  try {
    if (cipher.name === '3DES-CBC') {
      if (key.length !== 24) throw new KysoError('PKCS12_INVALID', '3DES key must be 24 bytes');
      const d = forge.cipher.createDecipher('3DES-CBC', toBinaryString(key));
      d.start({ iv: toBinaryString(iv) });
      d.update(input);
      // forge's typings omit finish's optional padding-function argument.
      (d as unknown as { finish(pad: () => boolean): boolean }).finish(noPad);
      out = d.output.getBytes();
    } else {
      const d = forge.rc2.createDecryptionCipher(toBinaryString(key), cipher.effectiveBits);
      d.start(toBinaryString(iv));
      d.update(input);
      d.finish(noPad);
      out = d.output.getBytes();
    }
  } catch (e) {
    if (e instanceof KysoError) throw e;
    throw new KysoError('PKCS12_INVALID', `legacy ${cipher.name} decryption failed`);
  }
  return unpad(fromBinaryString(out), 8);
}
