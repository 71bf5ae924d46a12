/**
 * SAD repository: the one place that issues, consumes and voids Signature Activation Data (the
 * `sads` table). The consumption rule — bound to client, credential and hash algorithm, within its
 * lifetime and count, every hash authorised and none used before — is written once, as SQL
 * fragments (`sadCovers`, `consumeSadSql`); the signHash fast path's single statement embeds the
 * same fragments with its own placeholders (services/csc.ts FAST_SIGN_HASH_SQL).
 *
 * Events that end outstanding SADs (remaining set to 0): credential disabled, certificate
 * suspended or revoked, credential rekeyed, issuing CA revoked, the subscriber locked out after
 * repeated authentication failures, an authorisation code replayed (its token), RFC 7009 revoke.
 */
import { credentialIdsSql } from './credentials.js';
import type { Queryable } from './db.js';

/** SQL placeholders (or subqueries) for one consumption; `count` and `hashes` are cast here. */
export interface SadPlaceholders {
  sadHash: string;
  clientId: string;
  credentialId: string;
  hashAlg: string;
  count: string;
  hashes: string;
  /** The server clock's time (timestamptz placeholder): expiry is decided by it, not SQL now(). */
  now: string;
}

/** WHERE condition: the SAD is live and authorises `count` new hashes out of its own. */
export function sadCovers(p: SadPlaceholders): string {
  return `sad_hash = ${p.sadHash} AND client_id = ${p.clientId} AND credential_id = ${p.credentialId}
    AND hash_alg = ${p.hashAlg} AND expires_at > ${p.now}::timestamptz AND remaining >= ${p.count}::int
    AND ${p.hashes}::text[] <@ hashes AND NOT (used_hashes && ${p.hashes}::text[])`;
}

/**
 * The consuming UPDATE (RETURNING remaining), with optional extra conditions (`AND`-ed): one
 * conditional statement, so two concurrent requests can never both spend the same count or hash.
 */
export function consumeSadSql(p: SadPlaceholders, extra?: string): string {
  return `UPDATE sads SET remaining = remaining - ${p.count}::int, used_hashes = used_hashes || ${p.hashes}::text[]
  WHERE ${sadCovers(p)}${extra ? `\n    AND ${extra}` : ''}
  RETURNING remaining`;
}

const CONSUME = consumeSadSql({
  sadHash: '$1',
  clientId: '$2',
  credentialId: '$3',
  hashAlg: '$4',
  count: '$5',
  hashes: '$6',
  now: '$7',
});

export interface SadUse {
  sadHash: Uint8Array;
  clientId: string;
  credentialId: string;
  hashAlg: string;
  /** Canonical base64 of each hash to sign. */
  hashes: string[];
  /** The server clock's time (ctx.clock): the SAD's expiry is decided against it. */
  now: Date;
}

/** Consumes the SAD for `hashes`; the remaining count, or null when the SAD does not cover them. */
export async function consumeSad(q: Queryable, u: SadUse): Promise<number | null> {
  const r = await q.query<{ remaining: number }>(CONSUME, [
    u.sadHash,
    u.clientId,
    u.credentialId,
    u.hashAlg,
    u.hashes.length,
    u.hashes,
    u.now.toISOString(),
  ]);
  return r.rows[0]?.remaining ?? null;
}

/** Why a SAD did not cover a request (the CSC error description). */
export async function sadRefusal(
  q: Queryable,
  sadHash: Uint8Array,
  clientId: string,
  credentialId: string,
  now: Date,
): Promise<'Invalid SAD' | 'SAD expired' | 'SAD already used up' | 'Hash is not authorized by the SAD'> {
  const r = await q.query<{ client_id: string; credential_id: string; expired: boolean; remaining: number }>(
    'SELECT client_id, credential_id, expires_at <= $2::timestamptz AS expired, remaining FROM sads WHERE sad_hash = $1',
    [sadHash, now.toISOString()],
  );
  const row = r.rows[0];
  if (!row || row.client_id !== clientId || row.credential_id !== credentialId) return 'Invalid SAD';
  if (row.expired) return 'SAD expired';
  if (row.remaining === 0) return 'SAD already used up';
  return 'Hash is not authorized by the SAD';
}

/**
 * Spends a SAD whole (extendTransaction: it is replaced by a new one) if it covers `hashes` and
 * the authorisation is younger than `maxAgeSeconds`; returns its creation time, else null.
 */
export async function spendSadForExtension(
  q: Queryable,
  u: SadUse,
  maxAgeSeconds: number,
): Promise<Date | null> {
  const r = await q.query<{ created_at: Date | string }>(
    `UPDATE sads SET remaining = 0
     WHERE ${sadCovers({ sadHash: '$1', clientId: '$2', credentialId: '$3', hashAlg: '$4', count: '$5', hashes: '$6', now: '$8' })}
       AND created_at > $8::timestamptz - make_interval(secs => $7)
     RETURNING created_at`,
    [
      u.sadHash,
      u.clientId,
      u.credentialId,
      u.hashAlg,
      u.hashes.length,
      u.hashes,
      maxAgeSeconds,
      u.now.toISOString(),
    ],
  );
  const row = r.rows[0];
  return row ? new Date(row.created_at) : null;
}

export interface NewSad {
  sadHash: Uint8Array;
  clientId: string;
  credentialId: string;
  hashAlg: string;
  hashes: string[];
  remaining: number;
  lifetimeSeconds: number;
  /** How it was obtained (default 'explicit': credentials/authorize with PIN and OTP). */
  via?: 'explicit' | 'oauth2code' | 'async';
  /** Carried over by extendTransaction (the authorisation's age caps extensions). */
  createdAt?: Date;
  /** The server clock's time (ctx.clock): creation time and the start of the lifetime. */
  now: Date;
}

/** Issues a SCAL2 SAD. */
export async function issueSad(q: Queryable, s: NewSad): Promise<void> {
  await q.query(
    `INSERT INTO sads (sad_hash, client_id, credential_id, hash_alg, hashes, remaining, scal, expires_at, via, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, '2', $10::timestamptz + make_interval(secs => $7), $8, COALESCE($9::timestamptz, $10::timestamptz))`,
    [
      s.sadHash,
      s.clientId,
      s.credentialId,
      s.hashAlg,
      s.hashes,
      s.remaining,
      s.lifetimeSeconds,
      s.via ?? 'explicit',
      s.createdAt ?? null,
      s.now.toISOString(),
    ],
  );
}

/** Ends every outstanding SAD of a credential; returns how many. */
export async function voidSadsOfCredential(q: Queryable, credentialId: string): Promise<number> {
  return (
    await q.query('UPDATE sads SET remaining = 0 WHERE credential_id = $1 AND remaining > 0', [credentialId])
  ).rowCount;
}

/** Ends every outstanding SAD of every credential of a subscriber (lockout); returns how many. */
export async function voidSadsOfSubscriber(q: Queryable, subscriberId: string): Promise<number> {
  return (
    await q.query(
      `UPDATE sads SET remaining = 0 WHERE remaining > 0 AND credential_id IN (${credentialIdsSql('subscriber', '$1')})`,
      [subscriberId],
    )
  ).rowCount;
}

/** Ends every outstanding SAD of the credentials a CA issued; returns how many. */
export async function voidSadsOfCa(q: Queryable, caId: string): Promise<number> {
  return (
    await q.query(
      `UPDATE sads SET remaining = 0 WHERE remaining > 0 AND credential_id IN (${credentialIdsSql('ca', '$1')})`,
      [caId],
    )
  ).rowCount;
}

/** Ends one SAD (a replayed code's token). */
export async function voidSad(q: Queryable, sadHash: Uint8Array): Promise<void> {
  await q.query('UPDATE sads SET remaining = 0 WHERE sad_hash = $1', [sadHash]);
}

/** RFC 7009: ends a client's SAD now (remaining 0, expired); its credential id when there was one. */
export async function revokeSad(
  q: Queryable,
  sadHash: Uint8Array,
  clientId: string,
  now: Date,
): Promise<string | undefined> {
  const r = await q.query<{ credential_id: string }>(
    'UPDATE sads SET remaining = 0, expires_at = $3::timestamptz WHERE sad_hash = $1 AND client_id = $2 RETURNING credential_id',
    [sadHash, clientId, now.toISOString()],
  );
  return r.rows[0]?.credential_id;
}

/** The client of a live-or-spent credential-scoped token (a SAD issued by the code exchange). */
export async function credentialTokenClient(q: Queryable, sadHash: Uint8Array): Promise<string | undefined> {
  const r = await q.query<{ client_id: string }>(
    `SELECT s.client_id FROM sads s JOIN clients c ON c.id = s.client_id
     WHERE s.sad_hash = $1 AND s.via = 'oauth2code' AND NOT c.disabled`,
    [sadHash],
  );
  return r.rows[0]?.client_id;
}

/**
 * Spent or expired SADs are kept a day (so a late call still learns "SAD expired" rather than
 * "Invalid SAD"), then removed in batches of at most `batch` by the scheduled housekeeping
 * (db/housekeeping.ts) — the audit log, not this table, is the record of what was signed.
 */
export async function deleteOldSads(q: Queryable, now: Date, batch = 1000): Promise<number> {
  return (
    await q.query(
      "DELETE FROM sads WHERE sad_hash IN (SELECT sad_hash FROM sads WHERE expires_at < $2::timestamptz - interval '1 day' LIMIT $1)",
      [batch, now.toISOString()],
    )
  ).rowCount;
}
