/**
 * Append-only, hash-chained audit log. Each row's hash is SHA-256 over the previous row's hash and
 * the canonical JSON of the event (with its position `seq`). Rows are appended inside the caller's
 * transaction (the same one as the act, so an act and its record commit or vanish together) but
 * unsealed; a sealer holding a transaction-scoped advisory lock links committed rows into the
 * chain in batches, so the chain never forks even with several server processes, and acts do not
 * queue behind one lock held through every commit (Trillian's sequencer and CT's merge delay are
 * the same idea). Verification seals first, then walks the chain.
 */
import { createHash } from 'node:crypto';
import type { Db, Queryable } from './db/db.js';

/** Advisory lock key for the audit chain head ("kysoaudt"). */
const AUDIT_LOCK = '7744873150127142004';
/** The `prev_hash` of the first row of the chain: 64 hex zeros (a SHA-256 width). */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * One audited act, as {@link appendAudit} records it. The record is evidence (compliance.md,
 * "Records of signing and key events"): never put a secret (PIN, OTP, SAD, token, key) in it.
 */
export interface AuditEvent {
  /** Who acted: `system`, `operator:<id>`, `client:<id>`, `subscriber:<id>` and the like. */
  actor: string;
  /** What happened, dotted lower case (e.g. `signature.create`, `certificate.issue`, `ca.bootstrap`). */
  action: string;
  /** What it happened to (a credential, subscriber or certificate id), when there is one. */
  subject?: string;
  /** Structured facts (stored as jsonb; hashed in canonical form, see {@link canonicalJson}). */
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

/**
 * The hash of one audit row: SHA-256, hex, over `prevHash` (hex text) followed by the canonical
 * JSON ({@link canonicalJson}) of the row's seq, at, actor, action, subject and details. Exported
 * so an auditor can re-check an exported chain independently of {@link verifyAudit}.
 */
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

/**
 * Appends one event in the caller's transaction, unsealed: no chain lock, so acts on different
 * credentials never wait for each other's commits. The row is linked into the chain by
 * {@link sealAudit} once committed (usually within milliseconds, see {@link AuditSealer}).
 */
export async function appendAudit(q: Queryable, e: AuditEvent): Promise<{ id: number }> {
  const r = await q.query<{ id: string | number }>(
    'INSERT INTO audit_log (at, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [new Date().toISOString(), e.actor, e.action, e.subject ?? null, JSON.stringify(e.details ?? {})],
  );
  kickSealers();
  return { id: Number(r.rows[0]!.id) };
}

/** Rows sealed per transaction. */
const SEAL_BATCH = 2000;

/**
 * Links committed unsealed rows into the chain, oldest id first, in one transaction holding the
 * chain lock (try-lock: if another process is sealing, returns -1 at once). Returns the number of
 * rows sealed. The hash covers the row as stored (jsonb details read back), exactly what
 * {@link verifyAudit} recomputes.
 */
export async function sealAudit(db: Db, batch = SEAL_BATCH): Promise<number> {
  return db.tx(async (q) => {
    const got = await q.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [AUDIT_LOCK]);
    if (!got.rows[0]?.ok) return -1;
    const pending = (
      await q.query<{
        id: string | number;
        at: string;
        actor: string;
        action: string;
        subject: string | null;
        details: unknown;
      }>(
        'SELECT id, at, actor, action, subject, details FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT $1',
        [batch],
      )
    ).rows;
    if (pending.length === 0) return 0;
    const last = (
      await q.query<{ seq: string | number; hash: string }>(
        'SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1',
      )
    ).rows[0];
    let seq = last ? Number(last.seq) : 0;
    let prev = last ? last.hash : GENESIS_HASH;
    const ids: string[] = [];
    const seqs: string[] = [];
    const prevs: string[] = [];
    const hashes: string[] = [];
    for (const r of pending) {
      seq++;
      const details = typeof r.details === 'string' ? JSON.parse(r.details) : r.details;
      const hash = auditHash(prev, {
        seq,
        at: r.at,
        actor: r.actor,
        action: r.action,
        subject: r.subject,
        details,
      });
      ids.push(String(r.id));
      seqs.push(String(seq));
      prevs.push(prev);
      hashes.push(hash);
      prev = hash;
    }
    await q.query(
      `UPDATE audit_log a SET seq = v.seq, prev_hash = v.prev, hash = v.hash
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, seq, prev, hash)
       WHERE a.id = v.id`,
      [ids, seqs, prevs, hashes],
    );
    return pending.length;
  });
}

/**
 * Seals until nothing committed is left unsealed (waiting for another process's sealer if it holds
 * the lock), bounded by `timeoutMs`. Returns the rows this call sealed.
 */
export async function sealAll(db: Db, timeoutMs = 10_000): Promise<number> {
  const t0 = Date.now();
  let total = 0;
  for (;;) {
    const n = await sealAudit(db);
    if (n === 0) return total;
    if (n > 0) total += n;
    else if (Date.now() - t0 > timeoutMs) return total;
    else await new Promise((r) => setTimeout(r, 5));
  }
}

const sealers = new Set<AuditSealer>();
/**
 * Asks every running {@link AuditSealer} of this process to seal soon (after its `delayMs`).
 * {@link appendAudit} calls it; a no-op when no sealer runs.
 */
export function kickSealers(): void {
  for (const s of sealers) s.kick();
}

/**
 * The per-process sealer: runs shortly after any audit row is appended in this process and every
 * `intervalMs` anyway (rows appended by other processes, rows whose transaction committed after a
 * run). Errors (database restarting) are logged and retried on the next tick; a row is never lost
 * because it was committed before the sealer saw it.
 */
export class AuditSealer {
  #timer: NodeJS.Timeout | undefined;
  #interval: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  /**
   * Starts the sealer (its timers do not keep the process alive); call {@link AuditSealer.stop}
   * to end it.
   *
   * @param db - the database (not a transaction: each seal is its own transaction).
   * @param opts - `delayMs`: delay after a kick (default 3 ms); `intervalMs`: periodic run
   * (default 250 ms); `onError`: told of a failed run (the run is retried on the next tick).
   */
  constructor(
    /** The database the sealer seals. */
    readonly db: Db,
    /** The options given to the constructor. */
    readonly opts: { delayMs?: number; intervalMs?: number; onError?: (e: unknown) => void } = {},
  ) {
    sealers.add(this);
    this.#interval = setInterval(() => this.kick(0), opts.intervalMs ?? 250);
    this.#interval.unref();
  }

  /**
   * Schedules a seal in `delay` ms (default `opts.delayMs`, 3 ms). Kicks while one is pending are
   * merged; a kick during a run makes it run once more afterwards. No-op after stop().
   */
  kick(delay = this.opts.delayMs ?? 3): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#run().finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
    }, delay);
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    try {
      // A full batch means more may be waiting: go on at once.
      while ((await sealAudit(this.db)) === SEAL_BATCH && !this.#stopped) {}
    } catch (e) {
      this.opts.onError?.(e);
    }
  }

  /** Stops the timers, waits for a running seal and seals what is left (best effort). */
  async stop(): Promise<void> {
    this.#stopped = true;
    sealers.delete(this);
    clearInterval(this.#interval);
    clearTimeout(this.#timer);
    await this.#running;
    try {
      await sealAll(this.db, 2000);
    } catch (e) {
      this.opts.onError?.(e);
    }
  }
}

/** What {@link verifyAudit} found. */
export interface AuditVerifyResult {
  /** True when every sealed row links to its predecessor and its hash matches its content. */
  ok: boolean;
  /** Sealed rows verified before the walk ended (all of them when `ok`). */
  rows: number;
  /** First broken link: the row whose stored prev_hash or hash does not match. */
  brokenAt?: { seq: number; reason: string };
  /**
   * Hash of the last row that verified (GENESIS_HASH for an empty chain). Record it outside the
   * database: a later head that does not extend it shows a rewritten log.
   */
  headHash: string;
  /** Rows committed but not yet linked when the walk ended (acts still arriving under load). */
  unsealed: number;
}

/**
 * Seals what is committed (when given the database, not a transaction), then walks the chain from
 * the start; reports the first row that does not link or hash correctly.
 */
export async function verifyAudit(db: Db | Queryable, pageSize = 1000): Promise<AuditVerifyResult> {
  if ('tx' in db) await sealAll(db);
  const r = await walkChain(db, pageSize);
  const unsealed = Number(
    (await db.query<{ n: string | number }>('SELECT count(*) AS n FROM audit_log WHERE seq IS NULL')).rows[0]
      ?.n ?? 0,
  );
  return { ...r, unsealed };
}

async function walkChain(q: Queryable, pageSize: number): Promise<Omit<AuditVerifyResult, 'unsealed'>> {
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
