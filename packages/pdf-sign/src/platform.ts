/**
 * The few things pdf-sign needs from its platform, Node flavour: Flate (node:zlib), incremental
 * digests (node:crypto, the fastest in Node) and the shipped fonts read from disk.
 *
 * Bundlers building for the browser (esbuild, webpack, Vite, Rollup with browser resolution) swap
 * this module for `platform.browser.ts` through the package.json "browser" map; both export the
 * same names with the same types (test/platform.test.ts checks both). Nothing else in the main
 * entry imports `node:*`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import type { CmsDigestAlgorithm } from '@kyso/pki-core';

/** An incremental digest. */
export interface Hasher {
  /** Hashes more data; returns the hasher (chainable). */
  update(data: Uint8Array): Hasher;
  /** The digest of everything hashed so far; call once. */
  digest(): Uint8Array;
}

/** Raised by `inflate` when the output would exceed `maxOutputLength` (a decompression bomb). */
export class InflateLimitError extends Error {
  constructor(max: number) {
    super(`inflated data exceeds ${max} bytes (maxOutputLength)`);
    this.name = 'InflateLimitError';
  }
}

/**
 * Which flavour of the platform module was bundled: `'node'` (node:zlib, node:crypto, fonts from disk)
 * or `'browser'` (the package.json "browser" map swapped in platform.browser.ts).
 */
export const platformName: 'node' | 'browser' = 'node';

const NODE_NAMES: Record<Exclude<CmsDigestAlgorithm, 'SHAKE256'>, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** SHA-1/2 digests, and SHAKE256 with the 64-byte output of RFC 8419 (Ed448 signatures). */
export function createHasher(alg: CmsDigestAlgorithm): Hasher {
  const h = alg === 'SHAKE256' ? createHash('shake256', { outputLength: 64 }) : createHash(NODE_NAMES[alg]);
  const self: Hasher = {
    update(data) {
      h.update(data);
      return self;
    },
    digest: () => new Uint8Array(h.digest()),
  };
  return self;
}

/** zlib (RFC 1950) compression. */
export function deflate(data: Uint8Array, level?: number): Uint8Array {
  return new Uint8Array(deflateSync(data, level === undefined ? undefined : { level }));
}

/**
 * zlib decompression, refused past `maxOutputLength` bytes (InflateLimitError). `lenient` returns
 * what a truncated stream yields instead of failing (Z_SYNC_FLUSH); corrupt data throws Error.
 */
export function inflate(data: Uint8Array, maxOutputLength: number, lenient = false): Uint8Array {
  try {
    return new Uint8Array(inflateSync(data, { maxOutputLength, ...(lenient ? { finishFlush: 2 } : {}) }));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (
      err.code === 'ERR_BUFFER_TOO_LARGE' ||
      /maxOutputLength|Cannot create a Buffer larger/i.test(err.message)
    )
      throw new InflateLimitError(maxOutputLength);
    throw e;
  }
}

/**
 * Bytes of a font shipped in the package's assets/fonts/ (read from disk in Node). The browser
 * flavour has no disk: it returns undefined and the caller asks for `registerShippedFont`.
 */
export function readShippedFont(file: string): Uint8Array | undefined {
  return new Uint8Array(readFileSync(fileURLToPath(new URL(`../assets/fonts/${file}`, import.meta.url))));
}
