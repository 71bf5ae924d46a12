/**
 * Composition root. Wiring: config → database → migrations → vaults → first-start bootstrap →
 * services → HTTP (http/app.ts mounts the route groups) → housekeeping schedule.
 * `startServer` adds the listener, the CRL schedule and graceful shutdown.
 */
import { type Clock, systemClock } from '@kyso/pki-core';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { AuditSealer, appendAudit } from './audit.js';
import type { Config } from './config.js';
import { type Db, openPglite, openPostgres } from './db/db.js';
import { migrate } from './db/migrate.js';
import { type HousekeepingResult, housekeeping } from './db/housekeeping.js';
import { createApp } from './http/app.js';
import { ocspFastPath } from './http/ocsp-fast.js';
import { createLogger, type Logger } from './log.js';
import { AdminService, createOperator } from './services/admin.js';
import { AuthzService } from './services/authz.js';
import { bootstrapCas, CaService } from './services/ca.js';
import type { Ctx, Vaults } from './services/common.js';
import { CscService } from './services/csc.js';
import { startCrlScheduler } from './services/crl-schedule.js';
import { startOcspScheduler } from './services/ocsp-store.js';
import { SignDocService } from './services/signdoc.js';
import { SoftwareVault } from './vault/software.js';
import type { KeyVault } from './vault/types.js';

/** Advisory lock key for first-start bootstrap ("kysoboot"). */
const BOOT_LOCK = '7744873150126533492';

/**
 * A started server core without a listener, as {@link createKyso} returns it: embed `app` in your
 * own HTTP server (or call `app.fetch(request)` in tests), and call `close()` when done.
 */
export interface Kyso {
  /** The HTTP application (Hono); `app.fetch(request)` answers a WHATWG Request. */
  app: Hono<never>;
  /** The service context: database, configuration, logger, vaults (holding the KEK), clock. Not for logging. */
  ctx: Ctx;
  /** The CA service: the hierarchy, certificate issuance, CRLs, OCSP and the TSA. */
  ca: CaService;
  /**
   * The first operator API key when this start created it (the database had no operator); only
   * its hash is stored, so this is the only copy. Secret: hand it to the operator, never log it.
   */
  firstOperatorKey?: string;
  /** Runs the housekeeping now (it also runs every HOUSEKEEPING_INTERVAL_MS). */
  housekeeping(): Promise<HousekeepingResult>;
  /**
   * Stops housekeeping, seals the pending audit rows (best effort), closes the vaults (zeroing the
   * KEK copy) and, when createKyso opened it, the database.
   */
  close(): Promise<void>;
}

/** Housekeeping interval (db/housekeeping.ts: expired tokens, day-old SADs and codes, sessions, prepared documents). */
export const HOUSEKEEPING_INTERVAL_MS = 10 * 60_000;

export async function openDb(config: Config): Promise<Db> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, config.databaseSchema)
    : openPglite(path.join(config.dataDir, 'pglite'));
}

/** The KEK: from config, else from the key file (created on first start, mode 0600). */
export function loadKek(config: Config, log: Logger): Uint8Array {
  if (config.kek) return config.kek;
  if (fs.existsSync(config.kekFile)) {
    const b = Buffer.from(fs.readFileSync(config.kekFile, 'utf8').trim(), 'base64');
    if (b.length !== 32) throw new Error(`KEK file ${config.kekFile} must hold 32 bytes in base64`);
    return new Uint8Array(b);
  }
  fs.mkdirSync(path.dirname(config.kekFile), { recursive: true });
  const k = crypto.randomBytes(32);
  fs.writeFileSync(config.kekFile, `${k.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  log.warn(
    { kekFile: config.kekFile },
    'generated a new key-encryption key file; back it up and keep it outside the database backups',
  );
  return new Uint8Array(k);
}

/**
 * Builds the server without listening: opens the database (unless `opts.db`), applies the
 * migrations, loads or creates the KEK (Config.kek, else Config.kekFile, created with mode 0600
 * and a warning to back it up), opens the vaults, bootstraps the CA hierarchy and the first
 * operator once (under an advisory lock, so concurrent starts agree), starts the audit sealer and
 * the housekeeping timer, and composes the HTTP app. It does not start the CRL and OCSP schedules
 * ({@link startServer} does).
 *
 * @param opts - `log` (default {@link createLogger} at Config.logLevel); `db` (default
 * {@link openPostgres} or {@link openPglite} per Config.databaseUrl; a given db is not closed by
 * close()); `housekeepingIntervalMs` (default 10 minutes); `clock` (default the system clock).
 * @throws Error when the KEK file is not 32 bytes of base64 or the configured vault cannot be
 * opened; database, migration and bootstrap errors propagate (the database it opened is closed).
 */
export async function createKyso(
  config: Config,
  opts: {
    log?: Logger;
    db?: Db;
    /** Tests: another housekeeping interval. */
    housekeepingIntervalMs?: number;
    /** The server's clock (default the system clock). */
    clock?: Clock;
  } = {},
): Promise<Kyso> {
  const log = opts.log ?? createLogger(config.logLevel);
  const db = opts.db ?? (await openDb(config));
  try {
    return await assemble(
      config,
      log,
      db,
      opts.db === undefined,
      opts.housekeepingIntervalMs ?? HOUSEKEEPING_INTERVAL_MS,
      opts.clock ?? systemClock,
    );
  } catch (e) {
    // A failed start must not leave the database handle open (it would keep the process alive).
    if (!opts.db) await db.close().catch(() => {});
    throw e;
  }
}

async function assemble(
  config: Config,
  log: Logger,
  db: Db,
  ownsDb: boolean,
  housekeepingIntervalMs: number,
  clock: Clock,
): Promise<Kyso> {
  const applied = await migrate(db);
  log.info({ db: db.kind, applied }, applied.length ? 'database migrated' : 'database schema up to date');
  const kek = loadKek(config, log);
  const software = new SoftwareVault(kek, {
    keyCacheSeconds: config.keyCacheSeconds,
    signWorkers: config.signWorkers,
  });
  let credentialsVault: KeyVault = software;
  if (config.vault === 'pkcs11' && config.pkcs11) {
    const { Pkcs11Vault } = await import('./vault/pkcs11.js');
    credentialsVault = await Pkcs11Vault.open(config.pkcs11);
    log.info({ module: config.pkcs11.module, token: config.pkcs11.slotLabel }, 'PKCS#11 vault opened');
  }
  const vaults: Vaults = {
    software,
    credentials: credentialsVault,
    byName: (n) =>
      n === 'software'
        ? software
        : credentialsVault.name === n
          ? credentialsVault
          : (() => {
              throw new Error(`vault ${n} not configured`);
            })(),
  };
  const ctx: Ctx = { db, config, log, vaults, kek, clock };
  const ca = new CaService(ctx);

  // First start: CA hierarchy and the first operator key, once, even with several processes.
  let firstOperatorKey: string | undefined;
  await db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [BOOT_LOCK]);
    const caMsg = await bootstrapCas(ctx, q);
    if (caMsg) {
      await appendAudit(q, { actor: 'system', action: 'ca.bootstrap', details: { message: caMsg } });
      log.info(caMsg);
    }
    if (!config.lintBeforeIssue) {
      // The gate is what refuses a non-conforming certificate: switching it off is on the record.
      await appendAudit(q, {
        actor: 'system',
        action: 'config.lint_before_issue_off',
        details: { message: 'KYSO_LINT_BEFORE_ISSUE=off: certificates are issued without lint before issue' },
      });
      log.warn('KYSO_LINT_BEFORE_ISSUE=off: certificates are issued without lint before issue (audited)');
    }
    const ops = await q.query('SELECT 1 FROM operators LIMIT 1');
    if (ops.rows.length === 0)
      firstOperatorKey = (await createOperator(ctx, q, 'first operator', 'system')).apiKey;
  });
  await ca.load();
  const sealer = new AuditSealer(db, {
    onError: (e) => log.warn({ err: (e as Error).message }, 'audit sealing failed; retrying'),
  });
  const admin = new AdminService(ctx, ca);
  const csc = new CscService(ctx, ca);
  const authz = new AuthzService(ctx, ca, csc);
  const signDoc = new SignDocService(ctx, ca, csc);
  const app = createApp({ ctx, admin, ca, csc, authz, signDoc });
  // Housekeeping on a schedule (db/housekeeping.ts), never inside a request.
  const housekeep = async () => {
    try {
      const r = await housekeeping(db, clock.now());
      if (Object.values(r).some((n) => n > 0)) log.debug(r, 'housekeeping');
      return r;
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'housekeeping failed; retrying on schedule');
      return { tokens: 0, sads: 0, authRequests: 0, sessions: 0, preparedDocuments: 0 };
    }
  };
  const housekeepTimer = setInterval(housekeep, housekeepingIntervalMs);
  housekeepTimer.unref();
  return {
    app: app as unknown as Hono<never>,
    ctx,
    ca,
    firstOperatorKey,
    housekeeping: housekeep,
    async close() {
      clearInterval(housekeepTimer);
      await sealer.stop();
      await credentialsVault.close();
      if (credentialsVault !== software) await software.close();
      if (ownsDb) await db.close();
    },
  };
}

/** A listening server, as {@link startServer} returns it. */
export interface RunningServer {
  /** The server core behind the listener. */
  kyso: Kyso;
  /** `http://<host>:<port>` of the listener (the bound port; not Config.publicBaseUrl). */
  url: string;
  /** The port actually bound (useful with PORT=0). */
  port: number;
  /** Graceful shutdown: stops the CRL and OCSP schedules, closes the listener, then `kyso.close()`. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the HTTP server (plain HTTP: put TLS in front of it) on Config.host and Config.port. The
 * port is bound first and answers 503 temporarily_unavailable with Retry-After: 1 until ready; with
 * PORT=0 and no KYSO_PUBLIC_URL the bound port goes into publicBaseUrl before anything is issued.
 * Then {@link createKyso}, the first operator API key (if created) printed once to stdout, a CRL
 * refresh, the CRL and pre-produced OCSP schedules, and the OCSP GET fast path. Signal handling
 * is the caller's (`kyso server start` calls `stop()` on SIGINT/SIGTERM).
 *
 * @throws the listener's error (e.g. EADDRINUSE) or createKyso's; the listener is closed then.
 */
export async function startServer(
  config: Config,
  log: Logger = createLogger(config.logLevel),
): Promise<RunningServer> {
  // The listener is bound first (answering 503 until the server is ready), so that with PORT=0 and
  // no KYSO_PUBLIC_URL the URLs written into the demo hierarchy and into every certificate and CRL
  // name the port actually bound, not port 0.
  let handler: (req: Request, env: unknown) => Response | Promise<Response> = () =>
    Response.json(
      { error: 'temporarily_unavailable', error_description: 'the server is starting' },
      { status: 503, headers: { 'retry-after': '1' } },
    );
  // Requests the node:http layer answers itself (the OCSP GET fast path), once ready.
  let fast: (req: http.IncomingMessage, res: http.ServerResponse) => boolean = () => false;
  const createServer = ((opts: http.ServerOptions, listener: http.RequestListener) =>
    http.createServer(opts, (req, res) => {
      if (!fast(req, res)) listener(req, res);
    })) as typeof http.createServer;
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        fetch: (req, env) => handler(req, env),
        hostname: config.host,
        port: config.port,
        createServer,
      },
      () => {
        s.off('error', reject);
        resolve(s);
      },
    );
    s.once('error', reject);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host}:${port}`;
  if (config.port === 0 && new URL(config.publicBaseUrl).port === '0') {
    const pub = new URL(config.publicBaseUrl);
    pub.port = String(port);
    config = { ...config, publicBaseUrl: pub.origin };
  }
  let kyso: Kyso;
  try {
    kyso = await createKyso(config, { log });
  } catch (e) {
    await new Promise<void>((r) => server.close(() => r()));
    throw e;
  }
  if (kyso.firstOperatorKey) {
    // Printed once, to stdout, on purpose: it is the only copy (only its hash is stored).
    process.stdout.write(
      `\nFirst operator API key (shown once, store it now):\n  ${kyso.firstOperatorKey}\n\n`,
    );
    log.info('first operator API key created and printed once to stdout');
  }
  try {
    await kyso.ca.refreshCrls();
  } catch (e) {
    await kyso.close().catch(() => {});
    await new Promise<void>((r) => server.close(() => r()));
    throw e;
  }
  const crlSchedule = startCrlScheduler(kyso.ca, {
    intervalMs: config.crlRefreshSeconds * 1000,
    log,
    now: () => kyso.ctx.clock.now().getTime(),
  });
  // Pre-produced OCSP responses: the first pass starts now (in the background), then on schedule.
  const ocspSchedule = startOcspScheduler(kyso.ca.ocspStore, {
    intervalMs: config.ocsp.refreshSeconds * 1000,
    log,
  });
  handler = (req, env) => kyso.app.fetch(req, env as never);
  fast = ocspFastPath(kyso.ca.ocspStore, config.ocsp.maxAgeSeconds, log);
  log.info({ url, db: kyso.ctx.db.kind, vault: config.vault }, 'kyso signing server listening');
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      crlSchedule.stop();
      await new Promise<void>((r) => server.close(() => r()));
      await ocspSchedule.stop();
      await kyso.close();
      log.info('kyso signing server stopped');
    })());
  return { kyso, url, port, stop };
}
