/**
 * A throwaway PostgreSQL instance for tests that must disturb the database itself (restart it,
 * stop it) without touching the cluster other test files share at 127.0.0.1:5432:
 * `initdb` into a fresh temp dir, a free port on 127.0.0.1, trust authentication, small
 * shared_buffers, `pg_ctl start -w`; `restart()` is `pg_ctl restart -m fast`; `stop()` stops it
 * and deletes the directory.
 *
 *   describe.skipIf(!requirePgServerBinaries())('...', () => {
 *     let pg: PgInstance;
 *     beforeAll(async () => { pg = await PgInstance.start(); });
 *     afterAll(async () => { await pg?.stop(); });
 *   });
 *
 * Binaries: $KYSO_PG_BINDIR, then `pg_config --bindir`, then PATH, then /usr/lib/postgresql/<newest>/bin
 * (Debian's `postgresql` package). initdb refuses to run as root: as root, every PostgreSQL command
 * runs as the `postgres` user (created by the Debian package; $KYSO_PG_USER to pick another), which
 * owns the temp dir. Missing binaries or user: `requirePgServerBinaries` fails under CI=true and
 * skips with a printed reason elsewhere (the rule of pki-core's requireTool).
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './procs.js';

export interface PgServerBinaries {
  bindir: string;
  initdb: string;
  pgCtl: string;
}

interface RunAs {
  uid: number;
  gid: number;
  user: string;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** initdb and pg_ctl from one directory (pg_ctl starts the `postgres` beside itself). */
function binariesIn(dir: string): PgServerBinaries | null {
  const initdb = path.join(dir, 'initdb');
  const pgCtl = path.join(dir, 'pg_ctl');
  if (!isExecutable(initdb) || !isExecutable(pgCtl)) return null;
  // Through symlinks (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb), to the real dir.
  const real = path.dirname(fs.realpathSync(initdb));
  if (real !== dir && binariesIn(real)) return binariesIn(real);
  return { bindir: dir, initdb, pgCtl };
}

function versionOf(dir: string): number[] {
  return (path.basename(path.dirname(dir)).match(/\d+/g) ?? []).map(Number);
}

let found: PgServerBinaries | null | undefined;
/** Where initdb and pg_ctl are, or null. */
export function findPgServerBinaries(): PgServerBinaries | null {
  if (found !== undefined) return found;
  const candidates: string[] = [];
  if (process.env.KYSO_PG_BINDIR) candidates.push(process.env.KYSO_PG_BINDIR);
  const cfg = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8', timeout: 10_000 });
  if (cfg.status === 0 && cfg.stdout.trim()) candidates.push(cfg.stdout.trim());
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) if (d) candidates.push(d);
  try {
    const versions = fs
      .readdirSync('/usr/lib/postgresql')
      .map((v) => path.join('/usr/lib/postgresql', v, 'bin'))
      .sort((a, b) => {
        const [va, vb] = [versionOf(a), versionOf(b)];
        for (let i = 0; i < Math.max(va.length, vb.length); i++)
          if ((va[i] ?? 0) !== (vb[i] ?? 0)) return (vb[i] ?? 0) - (va[i] ?? 0);
        return 0;
      });
    candidates.push(...versions);
  } catch {
    // no Debian PostgreSQL
  }
  found = null;
  for (const c of candidates) {
    const b = binariesIn(c);
    if (b) {
      found = b;
      break;
    }
  }
  return found;
}

/** Under root: the user PostgreSQL runs as (initdb refuses root). Otherwise undefined (run as self). */
function runAsUser(): RunAs | undefined | string {
  if (process.getuid?.() !== 0) return undefined;
  const user = process.env.KYSO_PG_USER ?? 'postgres';
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0)
    return `running as root and there is no user '${user}' to run initdb as (the Debian postgresql package creates it; or set KYSO_PG_USER)`;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), user };
}

const warned = new Set<string>();
/**
 * True when a throwaway instance can be made (initdb and pg_ctl found; under root, a user to run
 * them as). Otherwise throws under CI and warns once and returns false elsewhere.
 */
export function requirePgServerBinaries(): boolean {
  let reason: string | undefined;
  const as = runAsUser();
  if (!findPgServerBinaries())
    reason =
      'PostgreSQL server binaries (initdb, pg_ctl) not found via $KYSO_PG_BINDIR, pg_config --bindir, PATH or /usr/lib/postgresql/*/bin (Debian package: postgresql; apt-get install postgresql)';
  else if (typeof as === 'string') reason = as;
  if (!reason) return true;
  if (process.env.CI) throw new Error(`${reason}; CI is set, so tests needing it fail instead of skipping`);
  if (!warned.has(reason)) {
    warned.add(reason);
    console.warn(`[kyso tests] skipping tests: ${reason}`);
  }
  return false;
}

/** Runs a PostgreSQL binary (as the `postgres` user under root); rejects with its output. */
function pgRun(bin: string, args: string[], as: RunAs | undefined, cwd: string, timeoutMs = 120_000) {
  return new Promise<string>((resolve, reject) => {
    execFile(
      bin,
      args,
      {
        cwd,
        encoding: 'utf8',
        timeout: timeoutMs,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
        ...(as ? { uid: as.uid, gid: as.gid } : {}),
      },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(`${path.basename(bin)} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`),
          );
        else resolve(stdout + stderr);
      },
    );
  });
}

export class PgInstance {
  #stopped = false;
  readonly #onExit = () => this.#stopSync();

  private constructor(
    readonly bin: PgServerBinaries,
    readonly as: RunAs | undefined,
    /** Temp dir: `data/` (PGDATA), the Unix socket and `postgres.log`. */
    readonly dir: string,
    readonly port: number,
  ) {
    process.once('exit', this.#onExit);
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }
  get logFile(): string {
    return path.join(this.dir, 'postgres.log');
  }
  /** Superuser `postgres`, database `postgres`, trust authentication. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** initdb + pg_ctl start -w on a free port of 127.0.0.1. */
  static async start(): Promise<PgInstance> {
    const bin = findPgServerBinaries();
    if (!bin) throw new Error('PostgreSQL server binaries not found (see requirePgServerBinaries)');
    const as = runAsUser();
    if (typeof as === 'string') throw new Error(as);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-pg-'));
    try {
      if (as) fs.chownSync(dir, as.uid, as.gid);
      const data = path.join(dir, 'data');
      await pgRun(
        bin.initdb,
        ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
        as,
        dir,
      );
      // Small and fast: a throwaway instance that is restarted cleanly, never crashed with the OS,
      // so fsync buys nothing here.
      fs.appendFileSync(
        path.join(data, 'postgresql.conf'),
        [
          '',
          '# kyso test instance (test/helpers/pg-instance.ts)',
          "listen_addresses = '127.0.0.1'",
          `unix_socket_directories = '${dir}'`,
          'shared_buffers = 16MB',
          'max_connections = 50',
          'fsync = off',
          'full_page_writes = off',
          'huge_pages = off',
          '',
        ].join('\n'),
      );
      // The port is free when picked, but another process may take it before the postmaster binds:
      // try a few.
      let lastErr: unknown;
      for (let attempt = 0; attempt < 4; attempt++) {
        const port = await freePort();
        fs.appendFileSync(path.join(data, 'postgresql.conf'), `port = ${port}\n`);
        const inst = new PgInstance(bin, as, dir, port);
        try {
          await inst.#ctl(['start', '-w', '-t', '60']);
          return inst;
        } catch (e) {
          lastErr = e;
          process.removeListener('exit', inst.#onExit);
          inst.#kill();
        }
      }
      throw new Error(
        `PostgreSQL did not start: ${(lastErr as Error).message}\n${tail(path.join(dir, 'postgres.log'))}`,
      );
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** `pg_ctl <args> -D data -l log` (the log keeps the postmaster off our pipes). */
  #ctl(args: string[]): Promise<string> {
    return pgRun(this.bin.pgCtl, [...args, '-D', this.dataDir, '-l', this.logFile], this.as, this.dir);
  }

  /** The postmaster's PID (first line of postmaster.pid), or undefined when it is not running. */
  postmasterPid(): number | undefined {
    try {
      const pid = Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** `pg_ctl restart -m fast -w`: open sessions are terminated, a shutdown checkpoint, a new postmaster. Returns ms. */
  async restart(): Promise<number> {
    const t0 = Date.now();
    await this.#ctl(['restart', '-m', 'fast', '-w', '-t', '60']);
    return Date.now() - t0;
  }

  /** Runs SQL (with `search_path` set to `schema` when given) on a short-lived connection. */
  async query<T>(sql: string, params: unknown[] = [], schema?: string): Promise<T[]> {
    const pg = (await import('pg')).default;
    const c = new pg.Client(this.url);
    await c.connect();
    try {
      if (schema) await c.query(`SET search_path = ${schema}`);
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  }

  /** The end of the server log (for failure messages). */
  log(chars = 4000): string {
    return tail(this.logFile, chars);
  }

  /** Stops the instance (immediate: nothing in it is kept) and deletes its directory. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    process.removeListener('exit', this.#onExit);
    try {
      await this.#ctl(['stop', '-m', 'immediate', '-w', '-t', '30']);
      this.#stopped = true;
      fs.rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // not running, or pg_ctl failed: signal the postmaster directly
      this.#stopSync();
    }
  }

  /** SIGQUIT (immediate shutdown) to the postmaster of this instance, if it runs. */
  #kill(): void {
    const pid = this.postmasterPid();
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  }

  /** Synchronous last resort (also at process exit): SIGQUIT to the postmaster, then delete the dir. */
  #stopSync(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#kill();
    // Even if the postmaster outlived this, it shuts itself down once its lock file is gone.
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function tail(file: string, chars = 4000): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}
