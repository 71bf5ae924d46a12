/**
 * Fixed-window rate limits kept in the database, so every server process counts against the same
 * budget (an in-memory limiter would multiply the limit by the number of processes).
 */
import type { Queryable } from '../db/db.js';
import { ApiError } from './common.js';

export async function rateLimit(
  q: Queryable,
  bucket: string,
  limitPerMinute: number,
  /** Milliseconds since the epoch, from the server's clock (ctx.clock). */
  now: number,
): Promise<void> {
  const window = Math.floor(now / 60_000);
  const r = await q.query<{ count: number }>(
    `INSERT INTO rate_limits (bucket, window_start, count) VALUES ($1, $2, 1)
     ON CONFLICT (bucket) DO UPDATE SET
       count = CASE WHEN rate_limits.window_start = EXCLUDED.window_start THEN rate_limits.count + 1 ELSE 1 END,
       window_start = EXCLUDED.window_start
     RETURNING count`,
    [bucket, window],
  );
  if ((r.rows[0]?.count ?? 0) > limitPerMinute) {
    throw new ApiError(429, 'temporarily_unavailable', 'rate limit exceeded, retry later');
  }
}
