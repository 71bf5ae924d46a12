/**
 * Append-only, hash-chained audit log. Each row's hash is SHA-256 over the previous row's hash and
 * the canonical JSON of the event; rows are appended inside the caller's transaction (the same one
 * as the act), serialised by a transaction-scoped advisory lock so the chain never forks, even
 * with several server processes.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from './db/db.js';

/** Advisory lock key for the audit chain head ("kysoaudt"). */
const AUDIT_LOCK = '7744873150127142004';
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEvent {
  actor: string;
  action: string;
  subject?: string;
  details?: Record<string, unknown>;
}

/** JSON with object keys sorted recursively (RFC 8785-like for the values we log). */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

export function auditHash(
  prevHash: string,
  row: { seq: number; at: string; actor: string; action: string; subject: string | null; details: unknown },
): string {
  const body = canonicalJson({
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: row.details,
  });
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}

/** Appends one event in the caller's transaction. */
export async function appendAudit(q: Queryable, e: AuditEvent): Promise<{ seq: number; hash: string }> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
  const last = (
    await q.query<{ seq: string | number; hash: string }>(
      'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
    )
  ).rows[0];
  const seq = last ? Number(last.seq) + 1 : 1;
  const prev = last ? last.hash : GENESIS_HASH;
  const at = new Date().toISOString();
  const details = JSON.parse(JSON.stringify(e.details ?? {})) as Record<string, unknown>;
  const subject = e.subject ?? null;
  const hash = auditHash(prev, { seq, at, actor: e.actor, action: e.action, subject, details });
  await q.query(
    'INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [seq, at, e.actor, e.action, subject, JSON.stringify(details), prev, hash],
  );
  return { seq, hash };
}

export interface AuditVerifyResult {
  ok: boolean;
  rows: number;
  /** First broken link: the row whose stored prev_hash or hash does not match. */
  brokenAt?: { seq: number; reason: string };
  headHash: string;
}

/** Walks the chain from the start; reports the first row that does not link or hash correctly. */
export async function verifyAudit(q: Queryable, pageSize = 1000): Promise<AuditVerifyResult> {
  let prev = GENESIS_HASH;
  let expectSeq = 1;
  let rows = 0;
  for (;;) {
    const page = (
      await q.query<{
        seq: string | number;
        at: string;
        actor: string;
        action: string;
        subject: string | null;
        details: unknown;
        prev_hash: string;
        hash: string;
      }>(
        'SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2',
        [expectSeq, pageSize],
      )
    ).rows;
    if (page.length === 0) break;
    for (const r of page) {
      const seq = Number(r.seq);
      const details = typeof r.details === 'string' ? JSON.parse(r.details) : r.details;
      if (seq !== expectSeq)
        return {
          ok: false,
          rows,
          brokenAt: { seq: expectSeq, reason: `row ${expectSeq} is missing` },
          headHash: prev,
        };
      if (r.prev_hash !== prev)
        return {
          ok: false,
          rows,
          brokenAt: { seq, reason: 'prev_hash does not match the previous row' },
          headHash: prev,
        };
      const h = auditHash(prev, {
        seq,
        at: r.at,
        actor: r.actor,
        action: r.action,
        subject: r.subject,
        details,
      });
      if (h !== r.hash)
        return {
          ok: false,
          rows,
          brokenAt: { seq, reason: 'row content does not match its hash' },
          headHash: prev,
        };
      prev = r.hash;
      expectSeq++;
      rows++;
    }
  }
  return { ok: true, rows, headHash: prev };
}
