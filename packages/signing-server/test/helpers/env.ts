/**
 * Test environments for the signing server: PGlite, PostgreSQL (a fresh schema per run, dropped
 * afterwards) and the SoftHSM2 PKCS#11 vault. Unavailable PostgreSQL/SoftHSM2 fails under CI=true
 * and skips with a printed reason elsewhere (same rule as pki-core's requireTool).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '@kyso/pki-core';
import { type Secret, type TOTP, URI } from 'otpauth';
import { generateDemoHierarchy } from '../../../pki-core/src/cli/demo-certs.js';
import { hasTool, tmpDir } from '../../../pki-core/test/helpers/tools.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createKyso, type Kyso } from '../../src/server.js';
import { createLogger } from '../../src/log.js';
import { fetchChecker, OpenApiChecker } from './openapi-check.js';

export const PG_URL = process.env.KYSO_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const SOFTHSM_MODULE = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
].find((p) => fs.existsSync(p));

function unavailable(what: string, reason: string): false {
  const msg = `${what} unavailable: ${reason}`;
  if (process.env.CI) throw new Error(`${msg}; CI is set, so tests needing it fail instead of skipping`);
  console.warn(`[kyso tests] skipping tests: ${msg}`);
  return false;
}

let pgChecked: boolean | undefined;
export function requirePostgres(): boolean {
  if (pgChecked !== undefined) return pgChecked;
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const {Client}=require('pg');const c=new Client(${JSON.stringify(PG_URL)});c.connect().then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1))`,
    ],
    {
      cwd: path.dirname(new URL(import.meta.url).pathname),
      timeout: 15_000,
    },
  );
  pgChecked = r.status === 0 ? true : unavailable('PostgreSQL', `cannot connect to ${PG_URL}`);
  return pgChecked;
}

export function requireSoftHsm(): boolean {
  if (!hasTool('softhsm2-util') || !SOFTHSM_MODULE)
    return unavailable('SoftHSM2', 'softhsm2-util or libsofthsm2.so not found (apt-get install softhsm2)');
  return true;
}

/** A fresh SoftHSM2 token in a temp dir; sets SOFTHSM2_CONF for this process. */
export function initSoftHsmToken(): { label: string; pin: string; conf: string } {
  const dir = tmpDir('kyso-hsm-');
  fs.mkdirSync(path.join(dir, 'tokens'));
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(
    conf,
    `directories.tokendir = ${dir}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  process.env.SOFTHSM2_CONF = conf;
  const label = `kyso-${crypto.randomBytes(4).toString('hex')}`;
  execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', label, '--pin', '123456', '--so-pin', '12345678'],
    { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'pipe' },
  );
  return { label, pin: '123456', conf };
}

/** Runs SQL against PostgreSQL with a short-lived client. */
export async function pgAdmin(sql: string): Promise<void> {
  const pg = (await import('pg')).default;
  const c = new pg.Client(PG_URL);
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export type Backend = 'pglite' | 'postgres' | 'softhsm';

let demoDir: string | undefined;
/** A demo hierarchy (ECDSA) generated for this test run, loaded by the server on first start. */
export async function demoCaDir(): Promise<string> {
  if (!demoDir) {
    const d = tmpDir('kyso-demo-');
    await generateDemoHierarchy(d, { variants: ['ecdsa'] });
    demoDir = path.join(d, 'ecdsa');
  }
  return demoDir;
}

export interface TestServer {
  kyso: Kyso;
  config: Config;
  operatorKey: string;
  schema?: string;
  /** Checks every response received through `kyso.app.request` against the OpenAPI document. */
  openapi: OpenApiChecker;
  close(): Promise<void>;
}

export function testEnv(backend: Backend, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    KYSO_DATA_DIR: tmpDir('kyso-data-'),
    KYSO_KEK: crypto.randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.KYSO_TEST_LOG ?? 'silent',
    KYSO_ARGON2_MEMORY_KIB: '4096',
    KYSO_ARGON2_ITERATIONS: '1',
    KYSO_OTP_WINDOW: '40',
    ...extra,
  };
  if (backend === 'postgres') {
    env.DATABASE_URL = PG_URL;
  }
  return env;
}

export async function startTestServer(
  backend: Backend,
  extra: Record<string, string> = {},
  opts: { housekeepingIntervalMs?: number; clock?: Clock } = {},
): Promise<TestServer> {
  const env = testEnv(backend, { KYSO_DEMO_CA_DIR: await demoCaDir(), ...extra });
  let schema: string | undefined;
  if (backend === 'postgres') {
    schema = `kyso_test_${crypto.randomBytes(6).toString('hex')}`;
    await pgAdmin(`CREATE SCHEMA ${schema}`);
    env.DATABASE_SCHEMA = schema;
  }
  if (backend === 'softhsm') {
    const t = initSoftHsmToken();
    Object.assign(env, {
      KYSO_VAULT: 'pkcs11',
      KYSO_PKCS11_MODULE: SOFTHSM_MODULE!,
      KYSO_PKCS11_TOKEN_LABEL: t.label,
      KYSO_PKCS11_PIN: t.pin,
    });
  }
  const config = loadConfig(env);
  const kyso = await createKyso(config, { log: createLogger(config.logLevel), ...opts });
  // Every response a suite receives through app.request is checked against the OpenAPI document
  // (status documented, JSON body valid); close() fails the suite on a mismatch.
  const openapi = new OpenApiChecker();
  checkAppResponses(kyso, openapi);
  return {
    kyso,
    config,
    schema,
    operatorKey: kyso.firstOperatorKey!,
    openapi,
    async close() {
      await kyso.close();
      if (schema) await pgAdmin(`DROP SCHEMA ${schema} CASCADE`);
      if (openapi.violations.length && process.env.KYSO_OPENAPI_CHECK !== '0')
        throw new Error(
          `responses not as documented in the OpenAPI document (${openapi.violations.length} of ${openapi.checked}):\n${[
            ...new Set(openapi.violations),
          ]
            .slice(0, 30)
            .join('\n')}`,
        );
    },
  };
}

/**
 * Runs every response of `kyso.app.request` past an OpenAPI checker: by default the one of the
 * setup file (test/setup/openapi-fetch.ts), which fails the test that received a mismatch — for
 * servers a test makes itself with createKyso.
 */
export function checkAppResponses(kyso: Kyso, openapi: OpenApiChecker | undefined = fetchChecker()): Kyso {
  if (!openapi)
    throw new Error('no OpenAPI checker (test/setup/openapi-fetch.ts runs in signing-server tests)');
  const request = kyso.app.request.bind(kyso.app);
  kyso.app.request = ((input: RequestInfo | URL, init?: RequestInit, ...rest: unknown[]) => {
    const method =
      init?.method ?? (typeof input === 'object' && 'method' in input ? (input as Request).method : 'GET');
    const url =
      typeof input === 'string' ? input : input instanceof URL ? input.href : (input as Request).url;
    return Promise.resolve(
      (request as (...a: unknown[]) => Response | Promise<Response>)(input, init, ...rest),
    ).then(async (res) => {
      await openapi.check(method, url, res);
      return res;
    });
  }) as typeof kyso.app.request;
  return kyso;
}

/** Generates successive TOTP codes (each counter used once) from an otpauth URI. */
export class OtpDevice {
  readonly totp: TOTP;
  #counter: number;
  constructor(uri: string) {
    this.totp = URI.parse(uri) as TOTP;
    this.#counter = Math.floor(Date.now() / 30_000) - 35;
  }
  next(): string {
    this.#counter++;
    return this.totp.generate({ timestamp: this.#counter * 30_000 });
  }
  static secretOf(uri: string): Secret {
    return (URI.parse(uri) as TOTP).secret;
  }
}

export function sha256(s: string): Buffer {
  return crypto.createHash('sha256').update(s).digest();
}
