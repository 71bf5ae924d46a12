/**
 * Two server processes on one PostgreSQL behave as one service: a count-1 SAD obtained from one
 * process is spent at most once across both (25 parallel signHash calls on each).
 * Runs the built server (tsc -b first), as `npm start` does.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, call, type Fetcher, provision, SHA256_OID, token } from './helpers/client.js';
import { demoCaDir, OtpDevice, PG_URL, pgAdmin, requirePostgres, testEnv } from './helpers/env.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function startProcess(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; out: () => string }> {
  const child = spawn(process.execPath, [path.join(root, 'packages/signing-server/bin/kyso-server.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:\/\/[^"]+)".*listening/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, url: m[1]!, out: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited ${code}:\n${out}`)));
  });
}

describe.skipIf(!requirePostgres())('two server processes on one PostgreSQL', () => {
  const schema = `kyso_mp_${crypto.randomBytes(6).toString('hex')}`;
  const procs: ChildProcess[] = [];
  let a: Fetcher;
  let b: Fetcher;
  let operatorKey = '';
  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [
        path.join(root, 'node_modules/typescript/bin/tsc'),
        '-b',
        'packages/signing-server/tsconfig.build.json',
      ],
      { cwd: root, stdio: 'pipe' },
    );
    await pgAdmin(`CREATE SCHEMA ${schema}`);
    const env = {
      ...testEnv('postgres', {
        KYSO_DEMO_CA_DIR: await demoCaDir(),
        DATABASE_URL: PG_URL,
        DATABASE_SCHEMA: schema,
        PORT: '0',
        LOG_LEVEL: 'info',
      }),
    };
    const [p1, p2] = await Promise.all([startProcess(env), startProcess(env)]);
    procs.push(p1.child, p2.child);
    operatorKey = /kyso_op_[A-Za-z0-9_-]+/.exec(p1.out() + p2.out())![0];
    a = (p, init) => fetch(p1.url + p, init);
    b = (p, init) => fetch(p2.url + p, init);
  }, 180_000);
  afterAll(async () => {
    for (const p of procs) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await pgAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('started once: one CA bootstrap, one first operator key', async () => {
    const r = await call(a, 'GET', '/readyz');
    expect(r.status).toBe(200);
    expect((await call(b, 'GET', '/readyz')).body.cas).toBe(r.body.cas);
  });

  it('a count-1 SAD is spent exactly once across both processes', async () => {
    const p = await provision(a, operatorKey);
    const otp = new OtpDevice(p.otpauthUri);
    const tok = await token(b, p.clientId, p.clientSecret);
    const h = crypto.createHash('sha256').update('double spend').digest('base64');
    const sad = await authorize(a, tok, p.credentialId, [h], otp);
    expect(sad.status).toBe(200);
    const req = (f: Fetcher) =>
      call(f, 'POST', '/csc/v2/signatures/signHash', {
        token: tok,
        json: {
          credentialID: p.credentialId,
          SAD: sad.body.SAD,
          hashes: [h],
          hashAlgorithmOID: SHA256_OID,
          signAlgo: '1.2.840.10045.4.3.2',
        },
      });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => req(i % 2 ? a : b)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(49);
    const audit = await call(a, 'GET', '/admin/audit/verify', { token: operatorKey });
    expect(audit.body.ok).toBe(true);
  });
});
