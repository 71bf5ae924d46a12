/** `kyso server start` and `kyso audit verify`, for the kyso CLI's command table. */
import { type Command, flag } from '@kyso/pki-core/cli';
import { verifyAudit } from './audit.js';
import { ConfigError, loadConfig } from './config.js';
import { migrate } from './db/migrate.js';
import { openDb, startServer } from './server.js';

export const serverCommands: Command[] = [
  {
    path: ['server', 'start'],
    summary: 'start the signing server (config from the environment; see docs/server.md)',
    options: [],
    async run(_args, io) {
      let config: ReturnType<typeof loadConfig>;
      try {
        config = loadConfig();
      } catch (e) {
        if (e instanceof ConfigError) {
          io.err(`${e.message}\n`);
          return 2;
        }
        throw e;
      }
      let s: Awaited<ReturnType<typeof startServer>>;
      try {
        s = await startServer(config);
      } catch (e) {
        io.err(`kyso server start: cannot start: ${startFailure(e)}\n`);
        return 1;
      }
      await new Promise<void>((resolve) => {
        const onSignal = (sig: string) => {
          s.kyso.ctx.log.info({ signal: sig }, 'shutting down');
          s.stop().then(resolve, resolve);
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
      return 0;
    },
  },
  {
    path: ['audit', 'verify'],
    summary: 'verify the audit log hash chain and report the first broken link',
    options: [{ name: 'json', type: 'boolean', description: 'print the result as JSON' }],
    async run(args, io) {
      const config = loadConfig();
      const db = await openDb(config);
      try {
        await migrate(db);
        const r = await verifyAudit(db);
        if (flag(args, 'json')) io.out(`${JSON.stringify(r)}\n`);
        else if (r.ok) io.out(`audit log intact: ${r.rows} rows, head ${r.headHash}\n`);
        else
          io.out(
            `audit log BROKEN at row ${r.brokenAt!.seq}: ${r.brokenAt!.reason} (${r.rows} rows verified before it)\n`,
          );
        return r.ok ? 0 : 1;
      } finally {
        await db.close();
      }
    },
  },
];

/** One line saying why the server could not start, and what to do about the usual causes. */
export function startFailure(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const msg = err?.message ?? String(e);
  if (err?.code === 'EADDRINUSE') return `${msg}; the port is taken: set PORT to a free port`;
  if (err?.code === 'EACCES')
    return `${msg}; permission denied: choose a PORT above 1023 or check KYSO_DATA_DIR`;
  if (err?.code === 'ENOENT')
    return `${msg}; a file the server needs is missing (reinstall @kyso/signing-server)`;
  if (err?.code === 'ECONNREFUSED') return `${msg}; PostgreSQL is not reachable: check DATABASE_URL`;
  return msg;
}
