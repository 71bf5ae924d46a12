/**
 * Housekeeping, run on a schedule by the server (server.ts, every HOUSEKEEPING_INTERVAL_MS) and
 * never inside a request: expired rows that nothing reads any more are deleted.
 * - access tokens: once expired;
 * - SADs (db/sads.ts `deleteOldSads`) and authorisation requests (pending approvals and
 *   authorization codes): a day after they expired, so a late call still gets "expired" and a
 *   replayed code is still recognised (its token revoked) within that day;
 * - approval-page sessions and prepared documents (prepareDoc): once expired.
 * Each statement deletes at most `batch` rows, so one run stays short on a large backlog.
 * "Expired" is judged against `now`, the server clock's time (ctx.clock), as the requests that
 * refuse those rows judge it — not against SQL now() of the database server.
 */
import type { Queryable } from './db.js';
import { deleteOldSads } from './sads.js';

/** Rows deleted by one housekeeping run, by kind. */
export interface HousekeepingResult {
  /** Expired access tokens. */
  tokens: number;
  /** SADs a day past their expiry. */
  sads: number;
  /** Authorisation requests (approvals, authorization codes) a day past their expiry. */
  authRequests: number;
  /** Expired approval-page sessions. */
  sessions: number;
  /** Expired prepareDoc documents. */
  preparedDocuments: number;
}

const batched = (table: string, key: string, cond: string) =>
  `DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE ${cond} LIMIT $1)`;

/** Deletes expired rows (at most `batch` per table) as of `now`, the server clock's time. */
export async function housekeeping(q: Queryable, now: Date, batch = 1000): Promise<HousekeepingResult> {
  const at = now.toISOString();
  const del = async (table: string, key: string, cond: string) =>
    (await q.query(batched(table, key, cond), [batch, at])).rowCount;
  return {
    tokens: await del('access_tokens', 'token_hash', 'expires_at < $2::timestamptz'),
    sads: await deleteOldSads(q, now, batch),
    authRequests: await del(
      'auth_requests',
      'id',
      "GREATEST(expires_at, COALESCE(code_expires_at, expires_at)) < $2::timestamptz - interval '1 day'",
    ),
    sessions: await del('subscriber_sessions', 'token_hash', 'expires_at < $2::timestamptz'),
    preparedDocuments: await del('prepared_documents', 'id', 'expires_at < $2::timestamptz'),
  };
}
