/**
 * The signHash fast path for several requests in ONE statement (group commit, see
 * services/group-commit.ts and CscService.signHashFast): per request row, exactly what the
 * single-request statement (FAST_SIGN_HASH_SQL in services/csc.ts) does for its one request —
 * authenticate the token, check grant and credential state, count both rate limits, consume the
 * SAD, append the `signature.create` record — and one commit for all of them.
 *
 * Row by row the outcome is the one the rows would have had one after another in request order:
 * - rate limits: each bucket is upserted once with the number of its rows, and row k (in request
 *   order) of a bucket gets the count `new count - rows of the bucket + k`, what k sequential
 *   upserts would have returned; the credential bucket counts only rows within their client's
 *   limit, as the single statement does. Buckets are upserted in bucket order (one lock order for
 *   every batch of every process).
 * - SADs: one UPDATE ... FROM over the eligible rows (the consumption rule is db/sads.ts's
 *   fragment); the caller never puts two rows naming one SAD in a batch, so each SAD row meets at
 *   most one request row.
 * - audit: one INSERT ... SELECT ... ORDER BY request order, so the records get their ids, and
 *   hence their places in the sealed chain (audit.ts), in request order.
 * A row refused (token, grant, state, limit, SAD) changes nothing but its rate-limit counts and
 * gets `remaining` NULL, like the single statement; the caller answers it on the regular path.
 */
import { grantedCredentialSql } from '../db/credentials.js';
import type { Queryable } from '../db/db.js';
import { consumeSadSql } from '../db/sads.js';

/** One request's inputs to the fast-path statement (see FAST_SIGN_HASH_SQL's parameters). */
export interface FastSignHashRow {
  tokenHash: Uint8Array;
  credentialId: string;
  keyId: string;
  certSerial: string;
  /** SHA-256 of the issuing CA's SPKI; null for imported certificates. */
  caSpkiHash: Uint8Array | null;
  sadHash: Uint8Array;
  hashAlg: string;
  /** Canonical base64 of each hash (no commas in base64). */
  hashes: string[];
  /** The server clock's time at the request (ISO 8601): token, SAD and certificate validity are
   * decided by it, and it is the audit time, as in the single statement. */
  at: string;
  /** The signature algorithm, JSON. */
  algorithm: string;
  /** Rate-limit window (minutes since the epoch) of the request's arrival. */
  window: number;
}

/** What the statement tells about one request (the single statement's result row). */
export interface FastSignHashResult {
  client_id: string | null;
  cred: boolean;
  client_count: number | null;
  cred_count: number | null;
  remaining: number | null;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/**
 * Parameters: $1 token hashes (hex), $2 credential ids, $3 cached key ids, $4 certificate
 * serials, $5 CA SPKI hashes (hex or NULL), $6 SAD hashes (hex), $7 hash algorithms, $8 numbers
 * of hashes, $9 hashes (canonical base64, comma-joined), $10 each request's server-clock time
 * (validity of token, SAD and certificate, and the audit time), $11 signature
 * algorithms (JSON), $12 the rate-limit window, $13/$14 client/credential limits per minute.
 */
export const BATCH_SIGN_HASH_SQL = `
WITH req AS (
  SELECT r.ord::int AS ord, decode(r.tok, 'hex') AS tok, r.cred_id, r.key_id, r.cert_serial,
         decode(r.ca_spki, 'hex') AS ca_spki, decode(r.sad, 'hex') AS sad, r.alg_name, r.n,
         string_to_array(r.hashes, ',') AS req_hashes, r.at::timestamptz AS at, r.algo
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
              $8::int[], $9::text[], $10::text[], $11::text[])
    WITH ORDINALITY AS r(tok, cred_id, key_id, cert_serial, ca_spki, sad, alg_name, n, hashes, at, algo, ord)
),
tok AS (
  SELECT r.ord, t.client_id FROM req r
  JOIN access_tokens t ON t.token_hash = r.tok
  JOIN clients c ON c.id = t.client_id
  WHERE t.expires_at > r.at AND NOT c.disabled
),
cred AS (
  SELECT tok.ord, gc.id, gc.key_id, gc.cert_serial, gc.enabled,
         EXISTS (SELECT 1 FROM certificates ce
                 WHERE ce.credential_id = gc.id AND ce.serial = gc.cert_serial AND ce.status = 'valid'
                   AND ce.not_before <= r.at AND ce.not_after > r.at) AS cert_ok
  FROM tok JOIN req r ON r.ord = tok.ord
  CROSS JOIN LATERAL (
    ${grantedCredentialSql('tok.client_id', 'r.cred_id', 'cr.id, cr.key_id, cr.cert_serial, cr.enabled')}
  ) gc
),
cq AS (
  SELECT ord, client_id,
         row_number() OVER (PARTITION BY client_id ORDER BY ord) AS k,
         count(*) OVER (PARTITION BY client_id) AS m
  FROM tok
),
rlc_up AS (
  INSERT INTO rate_limits (bucket, window_start, count)
  SELECT 'client:' || client_id, $12::bigint, count(*)::int FROM tok GROUP BY client_id ORDER BY 1
  ON CONFLICT (bucket) DO UPDATE SET
    count = CASE WHEN rate_limits.window_start = EXCLUDED.window_start
                 THEN rate_limits.count + EXCLUDED.count ELSE EXCLUDED.count END,
    window_start = EXCLUDED.window_start
  RETURNING bucket, count
),
rlc AS (
  SELECT cq.ord, u.count - cq.m + cq.k AS count
  FROM cq JOIN rlc_up u ON u.bucket = 'client:' || cq.client_id
),
kq AS (
  SELECT cred.ord, cred.id,
         row_number() OVER (PARTITION BY cred.id ORDER BY cred.ord) AS k,
         count(*) OVER (PARTITION BY cred.id) AS m
  FROM cred JOIN rlc ON rlc.ord = cred.ord
  WHERE rlc.count <= $13::int
),
rlk_up AS (
  INSERT INTO rate_limits (bucket, window_start, count)
  SELECT 'credential:' || id, $12::bigint, count(*)::int FROM kq GROUP BY id ORDER BY 1
  ON CONFLICT (bucket) DO UPDATE SET
    count = CASE WHEN rate_limits.window_start = EXCLUDED.window_start
                 THEN rate_limits.count + EXCLUDED.count ELSE EXCLUDED.count END,
    window_start = EXCLUDED.window_start
  RETURNING bucket, count
),
rlk AS (
  SELECT kq.ord, u.count - kq.m + kq.k AS count
  FROM kq JOIN rlk_up u ON u.bucket = 'credential:' || kq.id
),
elig AS (
  SELECT r.ord AS e_ord, tok.client_id AS e_client, r.cred_id AS e_cred, r.sad AS e_sad,
         r.alg_name AS e_alg, r.n AS e_n, r.req_hashes AS e_hashes, r.at AS e_now
  FROM req r
  JOIN tok ON tok.ord = r.ord
  JOIN cred c ON c.ord = r.ord
  JOIN rlk ON rlk.ord = r.ord
  WHERE rlk.count <= $14::int
    AND c.enabled AND c.key_id = r.key_id AND c.cert_serial = r.cert_serial AND c.cert_ok
    AND (r.ca_spki IS NULL OR NOT EXISTS (
      SELECT 1 FROM certificates WHERE spki_sha256 = r.ca_spki AND status <> 'valid'))
),
sad AS (
  ${consumeSadSql(
    {
      sadHash: 'elig.e_sad',
      clientId: 'elig.e_client',
      credentialId: 'elig.e_cred',
      hashAlg: 'elig.e_alg',
      count: 'elig.e_n',
      hashes: 'elig.e_hashes',
      now: 'elig.e_now',
    },
    undefined,
    { from: 'elig', returning: 'elig.e_ord AS ord, elig.e_client AS client_id' },
  )}
),
aud AS (
  INSERT INTO audit_log (at, actor, action, subject, details)
  SELECT r.at, 'client:' || sad.client_id, 'signature.create', r.cred_id,
    jsonb_build_object('certificateSerial', r.cert_serial, 'algorithm', r.algo::jsonb,
                       'hashes', to_jsonb(r.req_hashes), 'remaining', sad.remaining)
  FROM sad JOIN req r ON r.ord = sad.ord
  ORDER BY sad.ord
  RETURNING id
)
SELECT r.ord, tok.client_id, (cred.ord IS NOT NULL) AS cred,
       rlc.count AS client_count, rlk.count AS cred_count, sad.remaining
FROM req r
LEFT JOIN tok ON tok.ord = r.ord
LEFT JOIN cred ON cred.ord = r.ord
LEFT JOIN rlc ON rlc.ord = r.ord
LEFT JOIN rlk ON rlk.ord = r.ord
LEFT JOIN sad ON sad.ord = r.ord
ORDER BY r.ord`;

/**
 * Runs the batch statement (one round trip, one commit) for `rows`, which must not name one SAD
 * twice; rate limits are counted in the latest row's window. One result per row, in order.
 */
export async function fastSignHashBatch(
  db: Queryable,
  rows: readonly FastSignHashRow[],
  limits: { perClientPerMinute: number; perCredentialPerMinute: number },
): Promise<FastSignHashResult[]> {
  const r = await db.query<{
    ord: number;
    client_id: string | null;
    cred: boolean;
    client_count: number | string | null;
    cred_count: number | string | null;
    remaining: number | null;
  }>(
    BATCH_SIGN_HASH_SQL,
    [
      rows.map((x) => hex(x.tokenHash)),
      rows.map((x) => x.credentialId),
      rows.map((x) => x.keyId),
      rows.map((x) => x.certSerial),
      rows.map((x) => (x.caSpkiHash ? hex(x.caSpkiHash) : null)),
      rows.map((x) => hex(x.sadHash)),
      rows.map((x) => x.hashAlg),
      rows.map((x) => x.hashes.length),
      rows.map((x) => x.hashes.join(',')),
      rows.map((x) => x.at),
      rows.map((x) => x.algorithm),
      // The latest request's window: a batch never moves a bucket back to an earlier minute.
      Math.max(...rows.map((x) => x.window)),
      limits.perClientPerMinute,
      limits.perCredentialPerMinute,
    ],
    'kyso_sign_hash_batch',
  );
  // One row per request by construction (token, grant and SAD are looked up by key). Should that
  // ever not hold, the error makes the caller retry each request alone: whatever the statement
  // committed then meets those retries as a later request would (a spent SAD is refused), never
  // a signature without its record.
  const byOrd = new Map(r.rows.map((x) => [Number(x.ord), x]));
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  return rows.map((_, i) => {
    const x = byOrd.get(i + 1);
    if (!x || r.rows.length !== rows.length)
      throw new Error('signHash batch: one result per request expected');
    return {
      client_id: x.client_id,
      cred: x.cred,
      client_count: num(x.client_count),
      cred_count: num(x.cred_count),
      remaining: x.remaining,
    };
  });
}
