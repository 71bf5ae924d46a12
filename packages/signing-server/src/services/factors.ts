/**
 * Subscriber factor checks (PIN, TOTP): the one implementation used by explicit
 * `credentials/authorize` (csc.ts) and by the server-collected flows (the OAuth2 authorisation
 * page and the asynchronous approval page). Lockout rules: an attempt is reserved (failed_attempts + 1 while below the limit)
 * before any factor is checked, so parallel guessing cannot exceed the limit; a complete success
 * (both factors) resets the counter, a PIN-only success (signing in) releases the reservation
 * without clearing earlier failures; a TOTP code is single-use. The act that the factors unlock
 * (`onSuccess`) runs in the same transaction as the counter update and the audit record.
 */
import { verify as argonVerify } from '@node-rs/argon2';
import { Secret, TOTP } from 'otpauth';
import { appendAudit } from '../audit.js';
import { voidSadsOfSubscriber } from '../db/sads.js';
import type { Queryable } from '../db/db.js';
import { openSecret } from '../vault/software.js';
import type { Ctx } from './common.js';
import { timingSafeEqual } from '@kyso/pki-core';

export type FactorOutcome = 'ok' | 'pin' | 'otp' | 'passkey' | 'locked';

/**
 * The result of checking a WebAuthn assertion (services/passkeys.ts). `commit` moves the
 * passkey's sign counter forward inside the success transaction and answers false when another
 * use got there first (the assertion is then refused as a replay).
 */
export type PasskeyCheck =
  | { ok: true; evidence: Record<string, unknown>; commit: (q: Queryable) => Promise<boolean> }
  | { ok: false; reason: string; evidence?: Record<string, unknown> };

export interface FactorCheck<T> {
  subscriberId: string;
  /** Checked when given. */
  pin?: string;
  /** Checked when given. */
  otp?: string;
  /** Checked when given: verifies a passkey assertion (after the attempt is reserved). */
  passkey?: () => Promise<PasskeyCheck>;
  actor: string;
  /** Audit subject (credential id). */
  subject?: string;
  /** Audit action prefix, e.g. 'oauth2.authorize' gives '.success' / '.failure' / '.refused'. */
  action: string;
  details?: Record<string, unknown>;
  /** Runs inside the success transaction. */
  onSuccess?: (q: Queryable) => Promise<T>;
}

/**
 * Returns the lowest TOTP counter after `after` (the last one accepted) within the window whose
 * code equals `otp`, or undefined. Searching only past the last accepted counter matters with a
 * wide window: a 6-digit code repeats by chance (about 1 in 10^6 per counter), and taking the
 * first match in the window could land on a spent counter and refuse a fresh, valid code.
 */
export function otpCounter(
  ctx: Ctx,
  subId: string,
  sealed: unknown,
  otp: string,
  after = Number.NEGATIVE_INFINITY,
): number | undefined {
  if (!/^\d{6}$/.test(otp)) return undefined;
  const s = (typeof sealed === 'string' ? JSON.parse(sealed) : sealed) as { sealed: string };
  const secret = openSecret(ctx.kek, s.sealed, `kyso-totp:${subId}`);
  const totp = new TOTP({
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: new Secret({ buffer: new Uint8Array(secret).buffer }),
  });
  secret.fill(0);
  const now = Math.floor(ctx.clock.now().getTime() / 30_000);
  const w = ctx.config.otpWindow;
  const given = Buffer.from(otp);
  let found: number | undefined;
  // Every counter in the window is computed (no early exit), so timing says nothing of which matched.
  for (let i = now - w; i <= now + w; i++) {
    const same = timingSafeEqual(Buffer.from(totp.generate({ timestamp: i * 30_000 })), given);
    if (same && i > after && found === undefined) found = i;
  }
  return found;
}

export async function checkFactors<T>(
  ctx: Ctx,
  c: FactorCheck<T>,
): Promise<{
  outcome: FactorOutcome;
  value?: T;
  attemptsLeft?: number;
  /** The factor that failed (also when that failure locked the subscriber). */
  failed?: 'pin' | 'otp' | 'passkey';
}> {
  const max = ctx.config.maxFailedAttempts;
  const subId = c.subscriberId;
  const reserved = await ctx.db.query<{ failed_attempts: number }>(
    'UPDATE subscribers SET failed_attempts = failed_attempts + 1 WHERE id = $1 AND NOT locked AND failed_attempts < $2 RETURNING failed_attempts',
    [subId, max],
  );
  if (reserved.rows.length === 0) {
    await ctx.db.tx(async (q) => {
      await q.query('UPDATE subscribers SET locked = true WHERE id = $1', [subId]);
      const sadsEnded = await voidSadsOfSubscriber(q, subId);
      await appendAudit(q, {
        actor: c.actor,
        action: `${c.action}.refused`,
        subject: c.subject,
        details: { ...c.details, reason: 'locked', subscriber: subId, ...(sadsEnded ? { sadsEnded } : {}) },
      });
    });
    return { outcome: 'locked', attemptsLeft: 0 };
  }
  const sub = (
    await ctx.db.query<{ pin_hash: string; totp_secret: unknown; totp_last_counter: string | number }>(
      'SELECT pin_hash, totp_secret, totp_last_counter FROM subscribers WHERE id = $1',
      [subId],
    )
  ).rows[0]!;
  const pinOk =
    c.pin === undefined ||
    (c.pin.length <= 256 && (await argonVerify(sub.pin_hash, c.pin).catch(() => false)));
  const counter =
    c.otp === undefined
      ? undefined
      : otpCounter(ctx, subId, sub.totp_secret, c.otp, Number(sub.totp_last_counter));
  const otpOk = c.otp === undefined || (counter !== undefined && counter > Number(sub.totp_last_counter));
  const pk = c.passkey ? await c.passkey() : undefined;
  let pkReason = pk && !pk.ok ? pk.reason : undefined;
  const both = c.pin !== undefined || c.otp !== undefined || pk !== undefined;

  return ctx.db.tx(async (q) => {
    // The sign counter moves first: a lost race (the same assertion used twice at once) fails.
    if (pinOk && otpOk && pk?.ok && !(await pk.commit(q))) pkReason = 'sign counter already used (replay)';
    const pkOk = pk === undefined || (pk.ok && pkReason === undefined);
    if (pinOk && otpOk && pkOk && both) {
      const upd =
        c.otp !== undefined
          ? await q.query(
              'UPDATE subscribers SET failed_attempts = 0, totp_last_counter = $2 WHERE id = $1 AND NOT locked AND totp_last_counter < $2 RETURNING id',
              [subId, counter],
            )
          : pk !== undefined
            ? await q.query(
                'UPDATE subscribers SET failed_attempts = 0 WHERE id = $1 AND NOT locked RETURNING id',
                [subId],
              )
            : await q.query(
                'UPDATE subscribers SET failed_attempts = GREATEST(failed_attempts - 1, 0) WHERE id = $1 AND NOT locked RETURNING id',
                [subId],
              );
      if (upd.rows.length === 1) {
        const value = c.onSuccess ? await c.onSuccess(q) : undefined;
        await appendAudit(q, {
          actor: c.actor,
          action: `${c.action}.success`,
          subject: c.subject,
          details: {
            ...c.details,
            subscriber: subId,
            factors: [
              c.pin !== undefined ? 'PIN' : null,
              c.otp !== undefined ? 'OTP' : null,
              pk !== undefined ? 'passkey' : null,
            ].filter(Boolean),
            // The assertion itself: evidence of consent to exactly these hashes (its challenge
            // is their digest with the request's nonce; verifiable with the passkey's public key).
            ...(pk?.ok ? { passkey: pk.evidence } : {}),
          },
        });
        return { outcome: 'ok' as const, value };
      }
    }
    const l = await q.query<{ failed_attempts: number; locked: boolean }>(
      'UPDATE subscribers SET locked = (failed_attempts >= $2) WHERE id = $1 RETURNING failed_attempts, locked',
      [subId, max],
    );
    const why = !pinOk ? 'pin' : !otpOk ? 'otp' : ('passkey' as const);
    // A lockout ends the subscriber's outstanding SADs, as suspension, revocation, disabling and
    // rekeying do (db/sads.ts): an approval given before the lockout no longer signs.
    const sadsEnded = l.rows[0]?.locked ? await voidSadsOfSubscriber(q, subId) : 0;
    await appendAudit(q, {
      actor: c.actor,
      action: `${c.action}.failure`,
      subject: c.subject,
      details: {
        ...c.details,
        subscriber: subId,
        factor: why,
        ...(why === 'passkey'
          ? { reason: pkReason ?? 'not checked', ...(pk?.evidence ? { passkey: pk.evidence } : {}) }
          : {}),
        attempts: l.rows[0]?.failed_attempts,
        locked: l.rows[0]?.locked,
        ...(sadsEnded ? { sadsEnded } : {}),
      },
    });
    const attemptsLeft = Math.max(0, max - (l.rows[0]?.failed_attempts ?? max));
    return { outcome: l.rows[0]?.locked ? ('locked' as const) : why, attemptsLeft, failed: why };
  });
}
