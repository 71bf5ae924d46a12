/**
 * One small interface over PostgreSQL (`pg`) and embedded PGlite. Services write plain SQL with
 * $1 parameters; `tx` runs a function in one transaction (READ COMMITTED, PostgreSQL's default).
 */
import fs from 'node:fs';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  /**
   * `name` makes it a named prepared statement on PostgreSQL (parsed and planned once per
   * connection); PGlite ignores it. Only for hot statements whose text never changes.
   */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], name?: string): Promise<QueryResult<T>>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements (migrations); no parameters. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

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
