/**
 * Operations: `kyso audit verify` on a database with a forged audit row (exit 1, first broken link),
 * on PGlite and PostgreSQL; data surviving a restart; docs/api/openapi.json equal to /openapi.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serverCommands } from '../src/cli.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createKyso } from '../src/server.js';
import { call } from './helpers/client.js';
import {
  type Backend,
  checkAppResponses,
  demoCaDir,
  requirePostgres,
  startTestServer,
  testEnv,
} from './helpers/env.js';

const backends: Backend[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');

/** Runs `kyso audit verify` in-process with the given environment (the command reads process.env). */
async function auditVerify(env: Record<string, string | undefined>, json = false) {
  const cmd = serverCommands.find((c) => c.path.join(' ') === 'audit verify')!;
  const saved = { ...process.env };
  for (const k of ['DATABASE_URL', 'DATABASE_SCHEMA', 'KYSO_DATA_DIR']) delete process.env[k];
  Object.assign(process.env, env);
  let out = '';
  const io = { out: (t: string) => (out += t), err: (t: string) => (out += t) };
  try {
    const code = await cmd.run({ options: json ? { json: true } : {}, positionals: [] }, io);
    return { code, out };
  } finally {
    process.env = saved;
  }
}

describe.each(backends)('kyso audit verify (%s)', (backend) => {
  it('exits 0 on an intact chain and 1 with the first broken link after a forged row', async () => {
    const s = await startTestServer(backend);
    const env =
      backend === 'postgres'
        ? { DATABASE_URL: s.config.databaseUrl, DATABASE_SCHEMA: s.schema }
        : { KYSO_DATA_DIR: s.config.dataDir };
    try {
      for (let i = 0; i < 4; i++) {
        const r = await call(
          (p, init) => Promise.resolve(s.kyso.app.request(p, init)),
          'POST',
          '/admin/clients',
          {
            token: s.operatorKey,
            json: { name: `Sở ${i}` },
          },
        );
        expect(r.status).toBe(201);
      }
      const rows = Number(
        (await s.kyso.ctx.db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_log')).rows[0]!.n,
      );
      expect(rows).toBeGreaterThanOrEqual(5);
      if (backend === 'pglite') {
        // PGlite is single-process: the command opens the data directory after the server closes.
        await s.kyso.close();
        const ok = await auditVerify(env);
        expect(ok).toEqual({
          code: 0,
          out: expect.stringMatching(new RegExp(`^audit log intact: ${rows} rows, head [0-9a-f]{64}\\n$`)),
        });
        const again = await createKyso(s.config, { log: createLogger('silent') });
        await again.ctx.db.exec(
          `ALTER TABLE audit_log DISABLE TRIGGER USER;
           UPDATE audit_log SET details = '{"name":"Sở giả mạo"}' WHERE seq = 4;
           ALTER TABLE audit_log ENABLE TRIGGER USER;`,
        );
        await again.close();
      } else {
        expect((await auditVerify(env)).code).toBe(0);
        await s.kyso.ctx.db.exec(
          `ALTER TABLE audit_log DISABLE TRIGGER USER;
           UPDATE audit_log SET details = '{"name":"Sở giả mạo"}' WHERE seq = 4;
           ALTER TABLE audit_log ENABLE TRIGGER USER;`,
        );
      }
      const broken = await auditVerify(env);
      expect(broken.code).toBe(1);
      expect(broken.out).toBe(
        'audit log BROKEN at row 4: row content does not match its hash (3 rows verified before it)\n',
      );
      const asJson = await auditVerify(env, true);
      expect(asJson.code).toBe(1);
      expect(JSON.parse(asJson.out)).toMatchObject({ ok: false, rows: 3, brokenAt: { seq: 4 } });
      if (backend === 'postgres') {
        // A deleted row is reported as missing (the row before the forged one).
        await s.kyso.ctx.db.exec(
          'ALTER TABLE audit_log DISABLE TRIGGER USER; DELETE FROM audit_log WHERE seq = 2; ALTER TABLE audit_log ENABLE TRIGGER USER;',
        );
        const gone = await auditVerify(env);
        expect(gone).toEqual({
          code: 1,
          out: 'audit log BROKEN at row 2: row 2 is missing (1 rows verified before it)\n',
        });
      }
    } finally {
      if (backend === 'postgres') await s.close();
      else await s.kyso.close().catch(() => {}); // already closed unless the test failed early
    }
  }, 120_000);
});

describe('restart (PGlite data directory)', () => {
  it('keeps CAs, operators, subscribers and the audit chain; no second first-operator key', async () => {
    const config = loadConfig(testEnv('pglite', { KYSO_DEMO_CA_DIR: await demoCaDir() }));
    const k1 = checkAppResponses(await createKyso(config, { log: createLogger('silent') }));
    const opKey = k1.firstOperatorKey!;
    expect(opKey).toMatch(/^kyso_op_/);
    const f1 = (p: string, init?: RequestInit) => Promise.resolve(k1.app.request(p, init));
    const sub = await call(f1, 'POST', '/admin/subscribers', {
      token: opKey,
      json: { kind: 'citizen', name: 'Phan Văn Bền', cccd: '079200009999', pin: '246810' },
    });
    expect(sub.status).toBe(201);
    const caCert = Buffer.from(await (await f1(`/pki/ca/${k1.ca.defaultCa.id}.cer`)).arrayBuffer());
    await k1.close();

    const k2 = checkAppResponses(await createKyso(config, { log: createLogger('silent') }));
    try {
      expect(k2.firstOperatorKey).toBeUndefined();
      const f2 = (p: string, init?: RequestInit) => Promise.resolve(k2.app.request(p, init));
      expect((await call(f2, 'GET', `/admin/subscribers/${sub.body.id}`, { token: opKey })).body.name).toBe(
        'Phan Văn Bền',
      );
      expect(
        Buffer.from(await (await f2(`/pki/ca/${k2.ca.defaultCa.id}.cer`)).arrayBuffer()).equals(caCert),
      ).toBe(true);
      const audit = await call(f2, 'GET', '/admin/audit/verify', { token: opKey });
      expect(audit.body).toMatchObject({ ok: true });
      expect(audit.body.rows).toBeGreaterThanOrEqual(2);
    } finally {
      await k2.close();
    }
  }, 120_000);
});

describe('OpenAPI document file', () => {
  it('docs/api/openapi.json equals what /openapi.json serves (regenerate with `npm run openapi`)', async () => {
    const file = fileURLToPath(new URL('../../../docs/api/openapi.json', import.meta.url));
    const s = await startTestServer('pglite');
    try {
      expect(s.config.publicBaseUrl).toBe('http://127.0.0.1:8080');
      const served = (await (await s.kyso.app.request('/openapi.json')).json()) as unknown;
      expect(fs.existsSync(file), `${path.relative(process.cwd(), file)} missing: run npm run openapi`).toBe(
        true,
      );
      expect(
        JSON.parse(fs.readFileSync(file, 'utf8')),
        'docs/api/openapi.json is stale: run npm run openapi',
      ).toEqual(served);
    } finally {
      await s.close();
    }
  }, 120_000);
});
