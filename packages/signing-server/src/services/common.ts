/** Shared service plumbing: the context every service gets, typed API errors, small crypto helpers. */
import crypto from 'node:crypto';
import type { Clock } from '@kyso/pki-core';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import type { Logger } from '../log.js';
import type { SoftwareVault } from '../vault/software.js';
import type { KeyVault, StoredKey } from '../vault/types.js';

/** The vaults of one server (Ctx.vaults). */
export interface Vaults {
  /** Holds CA keys and, with KYSO_VAULT=software, subscriber keys. */
  software: SoftwareVault;
  /** Where new subscriber keys are generated. */
  credentials: KeyVault;
  /** The vault a stored key names; throws an Error when that vault is not configured. */
  byName(name: StoredKey['vault']): KeyVault;
}

/** What every service gets (Kyso.ctx). It holds the KEK: never log or serialise it. */
export interface Ctx {
  /** The database. */
  db: Db;
  /** The validated configuration. */
  config: Config;
  /** The logger (secrets redacted, see REDACTED_FIELDS). */
  log: Logger;
  /** The key vaults. */
  vaults: Vaults;
  /** The key-encryption key (32 bytes): also seals TOTP seeds. Secret. */
  kek: Uint8Array;
  /**
   * The server's one clock: validity checks, CRL/OCSP times, OTP windows, rate-limit windows,
   * signing times and every expiry or issuance decision read it (not Date.now(), not SQL now()):
   * access tokens, SADs, authorisation requests and codes, approval sessions, prepared documents,
   * passkey enrolment codes and ceremonies get their expires_at from it and are judged live
   * against it (the time enters each statement as a `$n::timestamptz` parameter), and so do
   * revocation times and the scheduled housekeeping. SQL now() remains only in column defaults
   * that record when a row was written (`created_at`, `schema_migrations.applied_at`), which
   * nothing decides on — except `sads.created_at`, which issueSad sets from the clock.
   */
  clock: Clock;
}

/**
 * A refused request: HTTP status + CSC error code + description. The HTTP layer maps it to
 * `{"error","error_description"}` (CSC API v2 "Common errors"; OAuth 2.0 RFC 6749 §5.2 for the
 * token endpoint) with the status, adds `headers`, and `Retry-After: 60` to a 429. Descriptions
 * never carry secrets. The statuses are those CSC v2 requires a server to support, plus 403, 404,
 * 409, 413 and 415.
 */
export class ApiError extends Error {
  /**
   * @param description - human-readable reason, the `error_description` and the Error message.
   */
  constructor(
    /** HTTP status of the answer. */
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 501 | 503,
    /**
     * The CSC / OAuth 2.0 error code (`invalid_request`, `invalid_token`, `access_denied`,
     * `invalid_hash`, `expired_token`, `invalid_otp`, `temporarily_unavailable`…).
     */
    readonly error: string,
    description: string,
    /** Response headers the error needs (WWW-Authenticate, RFC 6750 §3 / RFC 6749 §5.2). */
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = 'ApiError';
  }
}

export const badRequest = (d: string) => new ApiError(400, 'invalid_request', d);

export function sha256(data: string | Uint8Array): Uint8Array {
  return new Uint8Array(crypto.createHash('sha256').update(data).digest());
}

/** 256-bit random secret, base64url. */
export function randomSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(12).toString('base64url')}`;
}

export function b64(u: Uint8Array): string {
  return Buffer.from(u).toString('base64');
}

/** Strict base64 decode (standard alphabet, padding optional); undefined when malformed. */
export function fromB64(s: string): Uint8Array | undefined {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  if (b.toString('base64').replace(/=+$/, '') !== s.replace(/=+$/, '')) return undefined;
  return new Uint8Array(b);
}

export function rowKey(r: {
  id: string;
  vault: string;
  spec: unknown;
  spki: Uint8Array;
  blob: unknown;
}): StoredKey {
  return {
    id: r.id,
    vault: r.vault as StoredKey['vault'],
    spec: (typeof r.spec === 'string' ? JSON.parse(r.spec) : r.spec) as StoredKey['spec'],
    spki: r.spki,
    blob: (typeof r.blob === 'string' ? JSON.parse(r.blob) : r.blob) as Record<string, string>,
  };
}
