/**
 * A pool of worker threads for the software vault: a batch of digests is split into chunks that
 * are signed in parallel (each chunk by a SoftwareVault in its worker, with all of its self-checks
 * and its own end-of-batch key check), so a 50-hash RSA request does not hold the event loop for
 * ~12 ms and uses every core. Single digests are signed inline by the caller (a message round trip
 * costs about what a P-256 signature does). A worker that fails or dies fails the chunks it held;
 * the request gets an error and no partial result, and the worker is replaced.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SignatureAlgorithm } from '@kyso/pki-core';
import { VaultError } from './prehash.js';
import type { SignJob, SignResult, StoredKey } from './types.js';

/** The compiled worker (under src/ during tests, the built one in dist/ is used). */
function workerUrl(): URL {
  const here = new URL('./sign-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/vault/sign-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(built))) return built;
  throw new VaultError('signing worker not built (npm run build)');
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (s: Uint8Array[]) => void; reject: (e: Error) => void }>;
}

export class SignPool {
  readonly #slots: Slot[] = [];
  readonly #kek: Uint8Array;
  readonly #keyCacheSeconds: number;
  #next = 0;
  #id = 0;
  #closed = false;

  constructor(
    kek: Uint8Array,
    readonly size: number,
    keyCacheSeconds: number,
  ) {
    this.#kek = Uint8Array.from(kek);
    this.#keyCacheSeconds = keyCacheSeconds;
    // Workers start on the first batch: a server that never signs a batch never starts them.
  }

  #spawn(): Slot {
    const worker = new Worker(workerUrl(), {
      workerData: { kek: Uint8Array.from(this.#kek), keyCacheSeconds: this.#keyCacheSeconds },
    });
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (m: SignResult) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      if ('error' in m) p.reject(new VaultError(m.error));
      else p.resolve(m.signatures.map((s) => new Uint8Array(s.buffer, s.byteOffset, s.byteLength)));
    });
    const fail = (why: string) => {
      for (const p of slot.pending.values()) p.reject(new VaultError(`signing worker failed: ${why}`));
      slot.pending.clear();
      const i = this.#slots.indexOf(slot);
      if (i >= 0 && !this.#closed) this.#slots[i] = this.#spawn();
    };
    worker.on('error', (e) => fail(e.message));
    worker.on('exit', (code) => {
      if (!this.#closed) fail(`exited with code ${code}`);
    });
    return slot;
  }

  /** Signs `digests` split over the workers; the signatures come back in order, or nothing. */
  async signDigests(key: StoredKey, alg: SignatureAlgorithm, digests: Uint8Array[]): Promise<Uint8Array[]> {
    if (this.#closed) throw new VaultError('signing pool closed');
    const parts = Math.min(this.size, digests.length);
    const per = Math.ceil(digests.length / parts);
    const chunks: Promise<Uint8Array[]>[] = [];
    for (let i = 0; i < digests.length; i += per) chunks.push(this.#run(key, alg, digests.slice(i, i + per)));
    return (await Promise.all(chunks)).flat();
  }

  #run(key: StoredKey, alg: SignatureAlgorithm, digests: Uint8Array[]): Promise<Uint8Array[]> {
    if (this.#slots.length === 0) for (let i = 0; i < this.size; i++) this.#slots.push(this.#spawn());
    const slot = this.#slots[this.#next++ % this.#slots.length]!;
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      const settle = () => {
        if (slot.pending.size === 0) slot.worker.unref();
      };
      slot.pending.set(id, {
        resolve: (s) => {
          resolve(s);
          settle();
        },
        reject: (e) => {
          reject(e);
          settle();
        },
      });
      slot.worker.ref();
      slot.worker.postMessage({ id, key, alg, digests } satisfies SignJob);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#kek.fill(0);
    await Promise.all(
      this.#slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.worker.once('exit', () => resolve());
            s.worker.postMessage('close');
            setTimeout(() => void s.worker.terminate().then(() => resolve()), 2000).unref();
          }),
      ),
    );
  }
}
