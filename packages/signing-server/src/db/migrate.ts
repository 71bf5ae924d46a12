/**
 * Plain SQL migrations (`migrations/NNN_name.sql`), applied in order at start inside one
 * transaction holding an advisory lock, so several processes starting together migrate once.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

/** Advisory lock key for migrations ("kysomigr"). */
const MIGRATION_LOCK = 0x6b79736f6d696772n;

/** The `migrations/` directory shipped in the package (`NNN_name.sql` files). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/**
 * The migration files of `dir` (default {@link MIGRATIONS_DIR}) named `NNN_name.sql` (three digits,
 * lower-case name), in version order, with their SQL text. Other files are ignored.
 */
export function listMigrations(dir = MIGRATIONS_DIR): { version: number; name: string; sql: string }[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: fs.readFileSync(`${dir}/${f}`, 'utf8') }));
}

/**
 * Applies the shipped migrations not yet recorded in `schema_migrations`, in order, all in one
 * transaction under an advisory lock (several processes starting together migrate once; a failing
 * migration leaves the schema as it was and its error propagates). Returns the file names applied
 * (empty when up to date). {@link createKyso} runs it at every start.
 */
export async function migrate(db: Db): Promise<string[]> {
  const applied: string[] = [];
  await db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await q.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await q.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    for (const m of listMigrations()) {
      if (done.has(m.version)) continue;
      // Migrations are trusted files shipped with the server; multi-statement SQL.
      for (const stmt of splitSql(m.sql)) await q.query(stmt);
      await q.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.name);
    }
  });
  return applied;
}

/** Splits SQL on semicolons outside $$-quoted bodies, quotes and comments. */
export function splitSql(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  let dollar = false;
  let quote = false;
  while (i < sql.length) {
    const c = sql[i]!;
    if (!dollar && !quote && c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
      continue;
    }
    if (!quote && c === '$' && sql[i + 1] === '$') {
      dollar = !dollar;
      cur += '$$';
      i += 2;
      continue;
    }
    if (!dollar && c === "'") quote = !quote;
    if (!dollar && !quote && c === ';') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    } else cur += c;
    i++;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
