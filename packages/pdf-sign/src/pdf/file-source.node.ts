/**
 * A `ByteSource` over a file (Node only): positioned reads through a file descriptor, with a small
 * cache of recently read blocks (the reader reads the tail of the file and a few objects, often
 * close to each other).
 */
import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import type { CmsDigestAlgorithm } from '@kyso/pki-core';
import { createDigestHash } from '../sign/hash.js';
import type { ByteSource } from './source.js';

const BLOCK = 64 * 1024;
/** Bytes read per chunk by hashRanges. */
const HASH_CHUNK = 1024 * 1024;
const CACHED_BLOCKS = 64;

/**
 * A `ByteSource` over a file, read through a file descriptor with a small block cache (64 blocks), so
 * a large PDF is verified without being held in memory. Node only (`@kyso/pdf-sign/node`). Opening
 * throws the `fs` error (ENOENT...); call `close()` when done.
 */
export class FileSource implements ByteSource {
  /** File size in bytes, taken when the file was opened. */
  readonly length: number;
  #fd: number | undefined;
  readonly #blocks = new Map<number, Uint8Array>();

  constructor(
    /** The file's path, as given. */
    readonly path: string,
  ) {
    this.#fd = openSync(path, 'r');
    try {
      this.length = fstatSync(this.#fd).size;
    } catch (e) {
      closeSync(this.#fd);
      throw e;
    }
  }

  /**
   * Digest of [start, start+len) pairs of `byteRange`: two reused buffers, the next chunk read by
   * the thread pool while the current one is hashed, so reading overlaps hashing and no memory is
   * allocated per chunk (the verifier's cost for a large document is about one hash of it).
   * Ranges must lie inside the file (RangeError otherwise).
   */
  async hashRanges(alg: CmsDigestAlgorithm, byteRange: readonly number[]): Promise<Uint8Array> {
    const chunks: [number, number][] = [];
    for (let i = 0; i + 1 < byteRange.length; i += 2) {
      const start = byteRange[i]!;
      const end = start + byteRange[i + 1]!;
      if (start < 0 || end > this.length) throw new RangeError('byte range outside the source');
      for (let p = start; p < end; p += HASH_CHUNK) chunks.push([p, Math.min(HASH_CHUNK, end - p)]);
    }
    const h = createDigestHash(alg);
    if (chunks.length === 0) return h.digest();
    const fd = this.fd;
    const bufs = [Buffer.allocUnsafe(HASH_CHUNK), Buffer.allocUnsafe(HASH_CHUNK)];
    /** Reads chunk `i` whole into its buffer (resolves the byte count). */
    const load = (i: number): Promise<number> => {
      const [pos, len] = chunks[i]!;
      const buf = bufs[i % 2]!;
      return new Promise((resolve, reject) => {
        const step = (got: number) =>
          read(fd, buf, got, len - got, pos + got, (err, n) => {
            if (err) reject(err);
            else if (n === 0 || got + n >= len) resolve(got + n);
            else step(got + n);
          });
        step(0);
      });
    };
    let next: Promise<number> | undefined = load(0);
    for (let i = 0; i < chunks.length; i++) {
      const n = await next!;
      if (n !== chunks[i]![1]) throw new RangeError('byte range outside the source');
      next = i + 1 < chunks.length ? load(i + 1) : undefined;
      h.update(bufs[i % 2]!.subarray(0, n));
    }
    return h.digest();
  }

  /** The open file descriptor; throws Error once `close()` was called. */
  get fd(): number {
    if (this.#fd === undefined) throw new Error(`FileSource ${this.path} is closed`);
    return this.#fd;
  }

  /** Reads exactly [offset, offset+length) clipped to the file, bypassing the block cache. */
  readDirect(offset: number, length: number): Uint8Array {
    const start = Math.max(0, offset);
    const n = Math.max(0, Math.min(length, this.length - start));
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const r = readSync(this.fd, out, got, n - got, start + got);
      if (r === 0) break;
      got += r;
    }
    return got === n ? out : out.subarray(0, got);
  }

  #block(i: number): Uint8Array {
    let b = this.#blocks.get(i);
    if (b) {
      this.#blocks.delete(i);
      this.#blocks.set(i, b); // LRU: most recent last
      return b;
    }
    b = this.readDirect(i * BLOCK, BLOCK);
    if (this.#blocks.size >= CACHED_BLOCKS) this.#blocks.delete(this.#blocks.keys().next().value!);
    this.#blocks.set(i, b);
    return b;
  }

  /**
   * Bytes [offset, offset+length) clipped to the file, through the block cache; the result may share a
   * cached buffer: do not modify it.
   */
  read(offset: number, length: number): Uint8Array {
    const start = Math.max(0, offset);
    const end = Math.min(this.length, start + Math.max(0, length));
    if (end <= start) return new Uint8Array(0);
    // Large reads go straight to the file; small ones through the block cache.
    if (end - start > 4 * BLOCK) return this.readDirect(start, end - start);
    const first = Math.floor(start / BLOCK);
    const last = Math.floor((end - 1) / BLOCK);
    if (first === last) return this.#block(first).subarray(start - first * BLOCK, end - first * BLOCK);
    const out = new Uint8Array(end - start);
    for (let i = first; i <= last; i++) {
      const b = this.#block(i);
      const bs = i * BLOCK;
      const from = Math.max(start, bs);
      const to = Math.min(end, bs + b.length);
      out.set(b.subarray(from - bs, to - bs), from - start);
    }
    return out;
  }

  /** Closes the file descriptor (idempotent). */
  close(): void {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
      this.#blocks.clear();
    }
  }
}

/** Opens `path` as a ByteSource; close it when done. */
export function fileSource(path: string): FileSource {
  return new FileSource(path);
}
