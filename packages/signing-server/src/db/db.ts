/**
 * One small interface over PostgreSQL (`pg`) and embedded PGlite. Services write plain SQL with
 * $1 parameters; `tx` runs a function in one transaction (READ COMMITTED, PostgreSQL's default).
 */
import fs from 'node:fs';

/** The result of {@link Queryable.query}. */
export interface QueryResult<T> {
  /**
   * The rows, as the driver returns them, except that bytea columns are always Uint8Array (never
   * Buffer); int8 and numeric columns come back as strings on PostgreSQL.
   */
  rows: T[];
  /** Rows returned or affected (INSERT/UPDATE/DELETE). */
  rowCount: number;
}

/**
 * Anything that runs parameterised SQL: the database itself ({@link Db}) or the transaction
 * handle {@link Db.tx} passes to its function. Parameters are `$1`, `$2`…; Uint8Array values are
 * sent as bytea. Errors are the driver's (pg's DatabaseError, PGlite's), unchanged.
 */
export interface Queryable {
  /**
   * `name` makes it a named prepared statement on PostgreSQL (parsed and planned once per
   * connection); PGlite ignores it. Only for hot statements whose text never changes.
   */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], name?: string): Promise<QueryResult<T>>;
}

/** A database handle: PostgreSQL ({@link openPostgres}) or embedded PGlite ({@link openPglite}). */
export interface Db extends Queryable {
  /** Which engine is behind the handle. */
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction (BEGIN … COMMIT, READ COMMITTED) and returns its result; if `fn`
   * throws, the transaction is rolled back and the error re-thrown. Use only `q` inside `fn`:
   * queries on the Db itself run outside the transaction (on PostgreSQL, on another connection).
   */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements (migrations); no parameters. */
  exec(sql: string): Promise<void>;
  /** Closes the pool or the embedded database; the handle is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * Opens embedded PGlite (PostgreSQL compiled to WebAssembly, one connection, in this process).
 * Used when Config.databaseUrl is unset; a data directory serves one process at a time (several
 * server processes need PostgreSQL). The module is loaded on first use.
 *
 * @param dir - data directory (created if missing); undefined: an in-memory database (tests).
 */
export async function openPglite(dir: string | undefined): Promise<Db> {
  const { PGlite } = await import('@electric-sql/pglite');
  if (dir) fs.mkdirSync(dir, { recursive: true });
  const pg = dir ? await PGlite.create(dir) : await PGlite.create();
  const wrap = (q: {
    query: (s: string, p?: unknown[]) => Promise<{ rows: unknown[]; affectedRows?: number }>;
  }): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      const r = await q.query(sql, params);
      return { rows: r.rows as T[], rowCount: r.affectedRows ?? r.rows.length };
    },
  });
  const base = wrap(pg as never);
  return {
    kind: 'pglite',
    query: base.query,
    tx: (fn) => pg.transaction((t) => fn(wrap(t as never))),
    exec: async (sql) => {
      await pg.exec(sql);
    },
    close: () => pg.close(),
  };
}

/**
 * Opens a PostgreSQL pool (`pg`, at most 10 connections). Nothing is connected until the first
 * query, so a wrong URL or password surfaces there. Several server processes may share one
 * database (migrations, bootstrap and audit sealing take advisory locks).
 *
 * @param url - `postgres://user:password@host:port/db` (secret: it carries the password).
 * @param schema - search_path for every connection (Config.databaseSchema, a lowercase SQL
 * identifier; validated by loadConfig, not here). Default: the server's (public).
 */
export async function openPostgres(url: string, schema?: string): Promise<Db> {
  const pgmod = await import('pg');
  const Pool = pgmod.default.Pool;
  // bytea comes back as Buffer; int8 as string (we convert where needed).
  const pool = new Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('error', () => {
    // idle client errors (server restart) are reported on the next query
  });
  const norm = (rows: Record<string, unknown>[]) => {
    for (const r of rows)
      for (const k of Object.keys(r)) if (Buffer.isBuffer(r[k])) r[k] = new Uint8Array(r[k] as Buffer);
    return rows;
  };
  const query = async <T>(sql: string, params?: unknown[], name?: string) => {
    const r = name
      ? await pool.query({ name, text: sql, values: toPg(params) })
      : await pool.query(sql, toPg(params));
    return { rows: norm(r.rows) as T[], rowCount: r.rowCount ?? 0 };
  };
  return {
    kind: 'postgres',
    query,
    async tx(fn) {
      const client = await pool.connect();
      // A connection lost mid-transaction (server restart, terminated backend) makes the client
      // emit 'error'; without a listener that would crash the process. Remember it and drop the
      // client instead of returning it to the pool.
      let broken: Error | undefined;
      const onError = (e: Error) => {
        broken = e;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const q: Queryable = {
          async query<T>(sql: string, params?: unknown[]) {
            const r = await client.query(sql, toPg(params));
            return { rows: norm(r.rows) as T[], rowCount: r.rowCount ?? 0 };
          },
        };
        const out = await fn(q);
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}

/** pg serialises Buffer (not every Uint8Array) as bytea, also inside arrays. */
function toPg(params: unknown[] | undefined): unknown[] | undefined {
  const conv = (v: unknown): unknown =>
    v instanceof Uint8Array && !Buffer.isBuffer(v)
      ? Buffer.from(v.buffer, v.byteOffset, v.byteLength)
      : Array.isArray(v)
        ? v.map(conv)
        : v;
  return params?.map(conv);
}
