/**
 * Worker thread of the software vault's signing pool (sign-pool.ts): holds its own SoftwareVault
 * (the KEK is handed over once in workerData and zeroed in the worker on close) and signs the
 * chunks the main thread sends. Nothing but signatures or an error message goes back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SoftwareVault } from './software.js';
import type { SignJob, SignResult } from './types.js';

const init = workerData as { kek: Uint8Array; keyCacheSeconds: number };
const vault = new SoftwareVault(init.kek, { keyCacheSeconds: init.keyCacheSeconds });
init.kek.fill(0);

parentPort!.on('message', (m: SignJob | 'close') => {
  if (m === 'close') {
    void vault.close().then(() => process.exit(0));
    return;
  }
  vault.signDigests(m.key, m.alg, m.digests).then(
    (signatures) => parentPort!.postMessage({ id: m.id, signatures } satisfies SignResult),
    (e: unknown) =>
      parentPort!.postMessage({
        id: m.id,
        error: e instanceof Error ? e.message : String(e),
      } satisfies SignResult),
  );
});
