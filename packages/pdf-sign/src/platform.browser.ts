/**
 * The browser flavour of `platform.ts` (swapped in by bundlers through the package.json "browser"
 * map): Flate from fflate, digests from @noble/hashes, no disk (fonts are passed in with
 * `registerShippedFont`). Same names and types as platform.ts (test/platform.test.ts).
 */
import type { CmsDigestAlgorithm } from '@kyso/pki-core';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { Inflate, zlibSync } from 'fflate';

export interface Hasher {
  /** Hashes more data; returns the hasher (chainable). */
  update(data: Uint8Array): Hasher;
  /** The digest of everything hashed so far; call once. */
  digest(): Uint8Array;
}

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
export const platformName: 'node' | 'browser' = 'browser';

export function createHasher(alg: CmsDigestAlgorithm): Hasher {
  const h =
    alg === 'SHAKE256'
      ? shake256.create({ dkLen: 64 })
      : alg === 'SHA-1'
        ? sha1.create()
        : alg === 'SHA-256'
          ? sha256.create()
          : alg === 'SHA-384'
            ? sha384.create()
            : sha512.create();
  const self: Hasher = {
    update(data) {
      h.update(data);
      return self;
    },
    digest: () => h.digest(),
  };
  return self;
}

export function deflate(data: Uint8Array, level?: number): Uint8Array {
  const l = level === undefined ? 6 : Math.max(0, Math.min(9, level));
  return zlibSync(data, { level: l as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 });
}

export function inflate(data: Uint8Array, maxOutputLength: number, lenient = false): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const z = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > maxOutputLength) throw new InflateLimitError(maxOutputLength);
    parts.push(chunk);
    if (final) ended = true;
  });
  // zlib header (RFC 1950): CMF/FLG checked here, as node:zlib does; fflate's Inflate is raw.
  if (
    data.length < 2 ||
    (data[0]! & 0x0f) !== 8 ||
    ((data[0]! << 8) | data[1]!) % 31 !== 0 ||
    data[1]! & 0x20
  )
    throw new Error('incorrect header check');
  const body = data.subarray(2);
  // Feed in slices so a bomb is stopped after at most one slice's expansion.
  const SLICE = 64 * 1024;
  for (let i = 0; i < body.length && !ended; i += SLICE) {
    const end = Math.min(body.length, i + SLICE);
    z.push(body.subarray(i, end), false);
  }
  if (!ended && !lenient) {
    // No final block: let fflate say whether the data is corrupt or just truncated.
    z.push(new Uint8Array(0), true);
    if (!ended) throw new Error('unexpected end of file');
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function readShippedFont(_file: string): Uint8Array | undefined {
  return undefined;
}
