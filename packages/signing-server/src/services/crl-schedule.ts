/**
 * The CRL schedule: every `intervalMs` each CA's CRL is re-issued when it is missing or past half
 * its validity (KYSO_CRL_REFRESH_SECONDS, KYSO_CRL_VALIDITY_SECONDS). Revocations do not wait for
 * it: they re-issue the CRL in their own transaction. The state is in the database, so several
 * processes may all run the schedule (the CA row lock makes one of them issue).
 */
import type { Logger } from '../log.js';
import type { CaService } from './ca.js';

export interface CrlScheduler {
  /** One pass now; resolves to the CA ids whose CRL was re-issued. */
  tick(): Promise<string[]>;
  stop(): void;
}

export function startCrlScheduler(
  ca: CaService,
  opts: { intervalMs: number; log: Logger; now?: () => number },
): CrlScheduler {
  const now = opts.now ?? Date.now;
  let running: Promise<string[]> | undefined;
  const tick = () =>
    (running ??= ca
      .refreshCrls(now())
      .then((ids) => {
        if (ids.length) opts.log.info({ cas: ids }, 'scheduled CRL re-issue');
        return ids;
      })
      .finally(() => {
        running = undefined;
      }));
  const timer = setInterval(() => {
    tick().catch((e: Error) => opts.log.error({ err: e.message }, 'CRL refresh failed'));
  }, opts.intervalMs);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
