/** Config validation, log redaction, audit chain (append-only, tamper detection, CLI), OpenAPI truthfulness, health. */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../src/audit.js';
import { serverCommands } from '../src/cli.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { startTestServer, type TestServer } from './helpers/env.js';

describe('config', () => {
  it('lists every problem at once', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        KYSO_KEK: 'c2hvcnQ=',
        KYSO_VAULT: 'pkcs11',
        KYSO_SAD_LIFETIME_SECONDS: '0',
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const p = (e as ConfigError).problems.join('\n');
      for (const w of [
        'PORT',
        'DATABASE_URL',
        'KYSO_KEK',
        'KYSO_PKCS11_TOKEN_LABEL',
        'KYSO_SAD_LIFETIME_SECONDS',
      ])
        expect(p).toContain(w);
    }
  });
  it('defaults to 127.0.0.1:8080, PGlite, 5-minute SAD, lockout after 5', () => {
    const c = loadConfig({});
    expect([c.host, c.port, c.databaseUrl, c.sadLifetimeSeconds, c.maxFailedAttempts]).toEqual([
      '127.0.0.1',
      8080,
      undefined,
      300,
      5,
    ]);
  });
});

describe('logs', () => {
  it('redacts PINs, OTPs, SADs, tokens and secrets', () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _e, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const log = createLogger('info', sink as never);
    log.info(
      {
        body: { PIN: '246810', authData: [{ id: 'OTP', value: '123456' }], SAD: 'sad-secret' },
        client_secret: 'cs',
        token: 'tk',
        apiKey: 'ak',
      },
      'x',
    );
    for (const secret of ['246810', '123456', 'sad-secret', '"cs"', '"tk"', '"ak"'])
      expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });
});

describe('server core (PGlite)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('pglite');
  }, 120_000);
  afterAll(async () => s?.close());

  it('health, readiness, docs page without external assets', async () => {
    expect((await s.kyso.app.request('/healthz')).status).toBe(200);
    expect(await (await s.kyso.app.request('/readyz')).json()).toMatchObject({ status: 'ready' });
    const docs = await (await s.kyso.app.request('/docs')).text();
    expect(docs).toContain('/csc/v2/signatures/signHash');
    expect(docs).not.toMatch(/(src|href)="https?:/);
  });

  it('OpenAPI lists exactly the routes the app serves', async () => {
    const doc = (await (await s.kyso.app.request('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)),
    );
    const served = new Set(
      (s.kyso.app as unknown as { routes: { method: string; path: string }[] }).routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)(\{[^}]*\})?/g, '{$1}').replace(/\/$/, '')}`),
    );
    expect([...served].sort()).toEqual([...documented].sort());
  });

  it('admin API refuses requests without an operator key', async () => {
    const r = await s.kyso.app.request('/admin/clients', {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(401);
    const r2 = await s.kyso.app.request('/admin/clients', {
      method: 'POST',
      body: '{"name":"x"}',
      headers: { 'content-type': 'application/json', authorization: 'Bearer kyso_op_wrong' },
    });
    expect(r2.status).toBe(401);
  });

  it('audit log: the database refuses UPDATE and DELETE; tampering is found at the first broken row', async () => {
    const db = s.kyso.ctx.db;
    for (let i = 0; i < 3; i++) {
      await s.kyso.app.request('/admin/clients', {
        method: 'POST',
        body: JSON.stringify({ name: `c${i}` }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.operatorKey}` },
      });
    }
    const ok = await verifyAudit(db);
    expect(ok.ok).toBe(true);
    expect(ok.rows).toBeGreaterThanOrEqual(5);
    await expect(db.query("UPDATE audit_log SET actor = 'x' WHERE seq = 2")).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_log WHERE seq = 2')).rejects.toThrow(/append-only/);
    // A superuser who disables the triggers can still edit; the chain shows where.
    await db.exec(
      'ALTER TABLE audit_log DISABLE TRIGGER USER; UPDATE audit_log SET details = \'{"name":"forged"}\' WHERE seq = 3; ALTER TABLE audit_log ENABLE TRIGGER USER;',
    );
    const broken = await verifyAudit(db);
    expect(broken.ok).toBe(false);
    expect(broken.brokenAt).toEqual({ seq: 3, reason: 'row content does not match its hash' });
  });

  it('`kyso audit verify` command: intact chain on a fresh database exits 0', async () => {
    const cmd = serverCommands.find((c) => c.path.join(' ') === 'audit verify')!;
    // Point the command at a fresh database: intact chain, exit 0.
    const env = { ...process.env };
    const dir = (await import('node:fs')).mkdtempSync('/tmp/kyso-audit-');
    process.env.KYSO_DATA_DIR = dir;
    process.env.KYSO_KEK = Buffer.alloc(32, 1).toString('base64');
    delete process.env.DATABASE_URL;
    try {
      let out = '';
      const io = { out: (t: string) => (out += t), err: (t: string) => (out += t) };
      expect(await cmd.run({ options: {}, positionals: [] }, io)).toBe(0);
      expect(out).toMatch(/audit log intact: 0 rows/);
    } finally {
      process.env = env;
    }
  });
});
