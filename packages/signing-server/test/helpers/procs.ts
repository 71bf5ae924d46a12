/**
 * Real server processes for fault tests: the built server (bin/kyso-server.js, as `npm start`
 * runs it) on a fixed port, killed and restarted at will, plus a small steady-load driver that
 * records what every client saw (signatures received, calls whose outcome is unknown).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, type Fetcher, SHA256_OID } from './client.js';
import { OtpDevice, PG_URL } from './env.js';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Builds the server (tsc -b). A type error elsewhere in a package being edited does not stop tsc
 * from emitting; the build counts as usable when dist/index.js is there.
 */
export function buildServer(): void {
  try {
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/typescript/bin/tsc'),
        '-b',
        'packages/signing-server/tsconfig.build.json',
      ],
      { cwd: ROOT, stdio: 'pipe' },
    );
  } catch (e) {
    const out = String((e as { stdout?: Buffer }).stdout ?? '');
    if (!fs.existsSync(path.join(ROOT, 'packages/signing-server/dist/index.js'))) throw e;
    console.warn(`[kyso faults] tsc -b reported errors, using the emitted build:\n${out.slice(0, 2000)}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

export class ServerProcess {
  child?: ChildProcess;
  log = '';
  starts = 0;
  readonly url: string;
  constructor(
    readonly env: Record<string, string>,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts the process; resolves once it logs "listening" (it has migrated and loaded its CAs). */
  start(): Promise<void> {
    this.starts++;
    const child = spawn(process.execPath, [path.join(ROOT, 'packages/signing-server/bin/kyso-server.js')], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let out = '';
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server did not start:\n${out.slice(-4000)}`)), 90_000);
      const onData = (d: Buffer) => {
        const s = d.toString();
        this.log = (this.log + s).slice(-200_000);
        if (out.length < 100_000) out += s;
        if (/listening/.test(out)) {
          clearTimeout(t);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code, sig) => {
        clearTimeout(t);
        reject(new Error(`server exited ${code ?? sig}:\n${out.slice(-4000)}`));
      });
    });
  }

  /** SIGKILL: no graceful shutdown, in-flight transactions die with the process. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
    if (c.exitCode === null && c.signalCode === null) await this.kill();
  }

  fetcher(): Fetcher {
    return (p, init) => fetch(this.url + p, { ...init, signal: AbortSignal.timeout(30_000) });
  }

  /** Polls /readyz until it answers 200; returns the milliseconds it took. */
  async waitReady(timeoutMs = 60_000): Promise<number> {
    const t0 = Date.now();
    for (;;) {
      try {
        const r = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (r.status === 200) return Date.now() - t0;
      } catch {
        // not listening yet
      }
      if (Date.now() - t0 > timeoutMs) throw new Error(`/readyz not 200 after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Environment for a server on a fresh PostgreSQL schema; the application_name marks its connections. */
export function pgServerEnv(
  schema: string,
  demoCaDir: string,
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const sep = PG_URL.includes('?') ? '&' : '?';
  return {
    DATABASE_URL: `${PG_URL}${sep}application_name=${schema}`,
    DATABASE_SCHEMA: schema,
    KYSO_DATA_DIR: dataDir,
    KYSO_KEK: crypto.randomBytes(32).toString('base64'),
    KYSO_DEMO_CA_DIR: demoCaDir,
    LOG_LEVEL: 'info',
    KYSO_ARGON2_MEMORY_KIB: '4096',
    KYSO_ARGON2_ITERATIONS: '1',
    KYSO_OTP_WINDOW: '100',
    KYSO_SAD_LIFETIME_SECONDS: '3600',
    KYSO_RATE_CLIENT_PER_MINUTE: '1000000',
    KYSO_RATE_CREDENTIAL_PER_MINUTE: '1000000',
    ...extra,
  };
}

/** A signing credential of its own subscriber, granted to `clientId`. */
export async function addCredential(
  f: Fetcher,
  operatorKey: string,
  clientId: string,
  n: number,
): Promise<{ credentialId: string; otp: OtpDevice; certificatePem: string }> {
  const sub = await call(f, 'POST', '/admin/subscribers', {
    token: operatorKey,
    json: {
      kind: 'citizen',
      name: `Fault ${n}`,
      cccd: `0792${String(10_000_000 + n).slice(-8)}`,
      pin: '246810',
      province: 'Thành phố Hồ Chí Minh',
    },
  });
  if (sub.status !== 201) throw new Error(`enrol failed ${JSON.stringify(sub)}`);
  const cred = await call(f, 'POST', '/admin/credentials', {
    token: operatorKey,
    json: { subscriberId: sub.body.id, key: { type: 'EC', curve: 'P-256' }, description: 'fault test' },
  });
  if (cred.status !== 201) throw new Error(`credential failed ${JSON.stringify(cred)}`);
  const g = await call(f, 'POST', `/admin/clients/${clientId}/grants`, {
    token: operatorKey,
    json: { credentialId: cred.body.credentialId },
  });
  if (g.status !== 201) throw new Error(`grant failed ${JSON.stringify(g)}`);
  const otp = new OtpDevice(sub.body.otpauthUri);
  return { credentialId: cred.body.credentialId, otp, certificatePem: cred.body.certificate };
}

/** What a client saw for one SAD. */
export interface SadRecord {
  credentialId: string;
  hashes: string[];
  /** hash → signature, for every signature the client received. */
  received: Map<string, string>;
  /** Calls that failed without an HTTP answer (connection reset, timeout): outcome unknown. */
  unknown: number;
  /** Calls answered 200 (each signs one or more hashes). */
  ok: number;
  /** Replays answered 200 (must stay 0). */
  replayAccepted: number;
}

export const randomHash = (): string => crypto.randomBytes(32).toString('base64');

export function signBody(credentialId: string, sad: string, hashes: string[]) {
  return {
    credentialID: credentialId,
    SAD: sad,
    hashes,
    hashAlgorithmOID: SHA256_OID,
    signAlgo: '1.2.840.10045.2.1',
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
