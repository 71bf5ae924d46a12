/**
 * The signHash fast path (one database statement per request once the credential's view is
 * cached) and the audit sequencer behind it: same answers, same audit records, same rate-limit
 * counts as the regular path, on PGlite and PostgreSQL.
 */
import crypto from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Certificate } from '@kyso/pki-core';
import { sealAudit, verifyAudit } from '../src/audit.js';
import type { Db } from '../src/db/db.js';
import { authorize, call, type Fetcher, provision, SHA256_OID, token } from './helpers/client.js';
import {
  type Backend,
  OtpDevice,
  requirePostgres,
  requireSoftHsm,
  startTestServer,
  type TestServer,
} from './helpers/env.js';

const backends: Backend[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');
/** Housekeeping also runs with the PKCS#11 vault (SoftHSM2). */
const upkeepBackends: Backend[] = [...backends];
if (requireSoftHsm()) upkeepBackends.push('softhsm');

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const rnd = () => b64(crypto.randomBytes(32));
const PER_CREDENTIAL = 1000;

/** Counts what the service sends to the database while `fn` runs. */
async function counting<T>(
  db: Db,
  fn: () => Promise<T>,
): Promise<{ out: T; queries: string[]; txs: number }> {
  const q = db.query;
  const t = db.tx;
  const queries: string[] = [];
  let txs = 0;
  db.query = ((sql: string, params?: unknown[], name?: string) => {
    queries.push(name ?? sql.trim().split(/\s+/).slice(0, 3).join(' '));
    return q.call(db, sql, params, name);
  }) as Db['query'];
  db.tx = ((f: Parameters<Db['tx']>[0]) => {
    txs++;
    return t.call(db, f);
  }) as Db['tx'];
  try {
    return { out: await fn(), queries, txs };
  } finally {
    db.query = q;
    db.tx = t;
  }
}

describe.each(backends)('signHash fast path (%s)', (backend) => {
  let s: TestServer;
  let f: Fetcher;
  let p: Awaited<ReturnType<typeof provision>>;
  let otp: OtpDevice;
  let tok: string;
  let point: Uint8Array;
  beforeAll(async () => {
    s = await startTestServer(backend, { KYSO_RATE_CREDENTIAL_PER_MINUTE: String(PER_CREDENTIAL) });
    f = (path, init) => Promise.resolve(s.kyso.app.request(path, init));
    p = await provision(f, s.operatorKey);
    otp = new OtpDevice(p.otpauthUri);
    tok = await token(f, p.clientId, p.clientSecret);
    const info = await call(f, 'POST', '/csc/v2/credentials/info', {
      token: tok,
      json: { credentialID: p.credentialId, certificates: 'single' },
    });
    const leaf = Certificate.fromDer(new Uint8Array(Buffer.from(info.body.cert.certificates[0], 'base64')));
    const jwk = crypto.createPublicKey({ key: Buffer.from(leaf.spki), format: 'der', type: 'spki' }).export({
      format: 'jwk',
    });
    point = Buffer.concat([
      Buffer.of(4),
      Buffer.from(jwk.x as string, 'base64url'),
      Buffer.from(jwk.y as string, 'base64url'),
    ]);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  const sign = (SAD: string, hashes: string[]) =>
    call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: tok,
      json: {
        credentialID: p.credentialId,
        SAD,
        hashes,
        hashAlgorithmOID: SHA256_OID,
        signAlgo: '1.2.840.10045.4.3.2',
      },
    });
  const rateCount = async () =>
    Number(
      (
        await s.kyso.ctx.db.query<{ count: number }>('SELECT count FROM rate_limits WHERE bucket = $1', [
          `credential:${p.credentialId}`,
        ])
      ).rows[0]?.count ?? 0,
    );

  it('a warm request is one statement and no transaction; signatures verify; the record is sealed into the chain', async () => {
    // First request: regular path (fills the view cache).
    const h1 = [rnd()];
    const a1 = await authorize(f, tok, p.credentialId, h1, otp);
    expect((await sign(a1.body.SAD, h1)).status).toBe(200);

    const h2 = [rnd(), rnd(), rnd()];
    const a2 = await authorize(f, tok, p.credentialId, h2, otp);
    const before = await rateCount();
    const { out: r, queries, txs } = await counting(s.kyso.ctx.db, () => sign(a2.body.SAD, h2));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(queries).toEqual(['kyso_sign_hash_fast']);
    // (the process's audit sealer may run a transaction meanwhile: not counted here)
    void txs;
    expect(await rateCount()).toBe(before + 1);
    for (let i = 0; i < h2.length; i++) {
      const sig = Buffer.from(r.body.signatures[i], 'base64');
      const digest = Buffer.from(h2[i]!, 'base64');
      expect(p256.verify(sig, digest, point, { prehash: false, format: 'der', lowS: false })).toBe(true);
      expect(
        p256.verify(sig, crypto.randomBytes(32), point, { prehash: false, format: 'der', lowS: false }),
      ).toBe(false);
    }
    const rec = (
      await s.kyso.ctx.db.query<{ actor: string; subject: string; details: Record<string, unknown> }>(
        "SELECT actor, subject, details FROM audit_log WHERE action = 'signature.create' AND details->'hashes' = $1::jsonb",
        [JSON.stringify(h2.map((h) => b64(Buffer.from(h, 'base64'))))],
      )
    ).rows;
    expect(rec).toHaveLength(1);
    expect(rec[0]).toMatchObject({
      actor: `client:${p.clientId}`,
      subject: p.credentialId,
      details: { remaining: 0, algorithm: { name: 'ECDSA', hash: 'SHA-256' } },
    });
    expect(typeof rec[0]!.details.certificateSerial).toBe('string');
    const v = await verifyAudit(s.kyso.ctx.db);
    expect(v).toMatchObject({ ok: true, unsealed: 0 });
    const sealed = (
      await s.kyso.ctx.db.query<{ seq: string | null }>(
        "SELECT seq FROM audit_log WHERE action = 'signature.create' AND subject = $1",
        [p.credentialId],
      )
    ).rows;
    expect(sealed.every((r) => r.seq !== null)).toBe(true);
  });

  it('refusals on a warm cache give the regular answers, consume nothing and count once', async () => {
    const h = [rnd()];
    const a = await authorize(f, tok, p.credentialId, h, otp);
    // Other hash: refused, audited as refused, SAD intact.
    const before = await rateCount();
    const other = await sign(a.body.SAD, [rnd()]);
    expect(other.status).toBe(400);
    expect(other.body.error_description).toBe('Hash is not authorized by the SAD');
    expect(await rateCount()).toBe(before + 1);
    const remaining = async () =>
      (
        await s.kyso.ctx.db.query<{ remaining: number }>(
          'SELECT remaining FROM sads WHERE used_hashes = $1 AND credential_id = $2 AND hashes = $3',
          [[], p.credentialId, h.map((x) => b64(Buffer.from(x, 'base64')))],
        )
      ).rows[0]?.remaining;
    expect(await remaining()).toBe(1);
    // State changed behind the cache (as another process would): the statement itself refuses,
    // the regular path names the reason, the SAD is untouched.
    const db = s.kyso.ctx.db;
    await db.query("UPDATE certificates SET status = 'revoked' WHERE credential_id = $1", [p.credentialId]);
    const rev = await sign(a.body.SAD, h);
    expect(rev.status).toBe(400);
    expect(rev.body.error_description).toBe('Signing certificate is revoked');
    expect(await remaining()).toBe(1);
    await db.query("UPDATE certificates SET status = 'valid' WHERE credential_id = $1", [p.credentialId]);
    await db.query('UPDATE credentials SET enabled = false WHERE id = $1', [p.credentialId]);
    const dis = await sign(a.body.SAD, h);
    expect(dis.status).toBe(400);
    expect(dis.body.error_description).toBe('the credential is disabled');
    expect(await remaining()).toBe(1);
    await db.query('UPDATE credentials SET enabled = true WHERE id = $1', [p.credentialId]);
    // Still usable exactly once, then a replay is refused.
    const ok = await sign(a.body.SAD, h);
    expect(await remaining()).toBeUndefined();
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const replay = await sign(a.body.SAD, h);
    expect(replay.status).toBe(400);
    expect(replay.body.error_description).toBe('SAD already used up');
    const refused = (
      await s.kyso.ctx.db.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM audit_log WHERE action = 'signature.refused' AND subject = $1",
        [p.credentialId],
      )
    ).rows[0]!.n;
    expect(Number(refused)).toBe(2); // other hash, replay (credential-state refusals are 400s before any SAD check)
    // Suspension through the admin API zeroes outstanding SADs; a new one works again after.
    const h3 = [rnd()];
    const a3 = await authorize(f, tok, p.credentialId, h3, otp);
    expect(
      (await call(f, 'POST', `/admin/credentials/${p.credentialId}/suspend`, { token: s.operatorKey }))
        .status,
    ).toBe(200);
    const susp = await sign(a3.body.SAD, h3);
    expect(susp.status).toBe(400);
    expect(susp.body.error_description).toBe('Signing certificate is suspended');
    expect(
      (await call(f, 'POST', `/admin/credentials/${p.credentialId}/unsuspend`, { token: s.operatorKey }))
        .status,
    ).toBe(200);
    const a4 = await authorize(f, tok, p.credentialId, h3, otp);
    expect((await sign(a4.body.SAD, h3)).status).toBe(200);
    // A bad token falls through to the regular 401; a body the schema refuses is a 400.
    const bad = await call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: 'not-a-token',
      json: { credentialID: p.credentialId, SAD: a.body.SAD, hashes: h, signAlgo: '1.2.840.10045.4.3.2' },
    });
    expect(bad.status).toBe(401);
    const junk = await call(f, 'POST', '/csc/v2/signatures/signHash', { token: tok, json: { hashes: 5 } });
    expect(junk.status).toBe(400);
  });

  it('a vault failure after the commit: 500, a signature.failed record, and the SAD stays spent', async () => {
    const h = [rnd()];
    const a = await authorize(f, tok, p.credentialId, h, otp);
    const vaults = s.kyso.ctx.vaults;
    const byName = vaults.byName;
    vaults.byName = (n) => {
      const v = byName(n);
      return Object.assign(Object.create(v), {
        signDigests: async () => {
          throw new Error('simulated token failure');
        },
      });
    };
    try {
      const r = await sign(a.body.SAD, h);
      expect(r.status).toBe(500);
      expect(r.body.error).toBe('server_error');
    } finally {
      vaults.byName = byName;
    }
    const rows = (
      await s.kyso.ctx.db.query<{ action: string }>(
        "SELECT action FROM audit_log WHERE subject = $1 AND action LIKE 'signature.%' AND details->'hashes' = $2::jsonb ORDER BY id",
        [p.credentialId, JSON.stringify(h)],
      )
    ).rows.map((r) => r.action);
    expect(rows).toEqual(['signature.create', 'signature.failed']);
    const again = await sign(a.body.SAD, h);
    expect(again.status).toBe(400);
    expect(again.body.error_description).toBe('SAD already used up');
  });

  it('the credential rate limit counts each request once and refuses with 429 past it', async () => {
    const h = [rnd()];
    const a = await authorize(f, tok, p.credentialId, h, otp);
    // Stay clear of a minute boundary (fixed windows), then put the counter 3 below the limit.
    while (Date.now() % 60_000 > 55_000) await new Promise((r) => setTimeout(r, 250));
    await s.kyso.ctx.db.query('UPDATE rate_limits SET count = $1, window_start = $2 WHERE bucket = $3', [
      PER_CREDENTIAL - 3,
      Math.floor(Date.now() / 60_000),
      `credential:${p.credentialId}`,
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await sign(a.body.SAD, [rnd()])).status);
    expect(statuses).toEqual([400, 400, 400, 429]);
    expect(await rateCount()).toBe(PER_CREDENTIAL + 1);
    // Over the limit even the authorised hash is refused, and the SAD stays unspent.
    expect((await sign(a.body.SAD, h)).status).toBe(429);
    const left = (
      await s.kyso.ctx.db.query<{ remaining: number }>('SELECT remaining FROM sads WHERE hashes = $1', [h])
    ).rows[0]?.remaining;
    expect(left).toBe(1);
    await s.kyso.ctx.db.query('UPDATE rate_limits SET count = 0 WHERE bucket = $1', [
      `credential:${p.credentialId}`,
    ]);
    expect((await sign(a.body.SAD, h)).status).toBe(200);
  });
});

describe.each(upkeepBackends)('housekeeping (%s)', (backend) => {
  /** A provisioned server with, in each housekept table, one row past its time and one not. */
  async function seeded(s: TestServer) {
    const f: Fetcher = (path, init) => Promise.resolve(s.kyso.app.request(path, init));
    const p = await provision(f, s.operatorKey);
    const otp = new OtpDevice(p.otpauthUri);
    const tok = await token(f, p.clientId, p.clientSecret);
    const old = await authorize(f, tok, p.credentialId, [rnd()], otp);
    const recent = await authorize(f, tok, p.credentialId, [rnd()], otp);
    const db = s.kyso.ctx.db;
    const h = (x: string) => crypto.createHash('sha256').update(x).digest();
    await db.query("UPDATE sads SET expires_at = now() - interval '2 days' WHERE sad_hash = $1", [
      h(old.body.SAD),
    ]);
    await db.query("UPDATE sads SET expires_at = now() - interval '1 hour' WHERE sad_hash = $1", [
      h(recent.body.SAD),
    ]);
    // Issuing a token deletes nothing (the day-old SAD is still counted below).
    await token(f, p.clientId, p.clientSecret);
    await db.query(
      "UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
      [h(tok)],
    );
    for (const [id, age] of [
      ['ar_old', '2 days'],
      ['ar_recent', '1 hour'],
    ] as const)
      await db.query(
        `INSERT INTO auth_requests (id, kind, client_id, credential_id, subscriber_id, hash_alg, hashes, num_signatures, expires_at)
         VALUES ($1, 'async', $2, $3, $4, 'SHA-256', ARRAY[$5], 1, now() - $6::interval)`,
        [id, p.clientId, p.credentialId, p.subscriberId, rnd(), age],
      );
    for (const [k, ttl] of [
      ['old', '-1 second'],
      ['live', '1 hour'],
    ] as const) {
      await db.query(
        'INSERT INTO subscriber_sessions (token_hash, subscriber_id, csrf_hash, expires_at) VALUES ($1, $2, $1, now() + $3::interval)',
        [h(k), p.subscriberId, ttl],
      );
      await db.query(
        `INSERT INTO prepared_documents (id, client_id, credential_id, original_sha256, prepared, document, conformance_level, expires_at)
         VALUES ($1, $2, $3, $4, '{}', '\\x00', 'B-B', now() + $5::interval)`,
        [`pd_${k}`, p.clientId, p.credentialId, h(k), ttl],
      );
    }
    const counts = async () => {
      const n = async (t: string) =>
        Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t}`)).rows[0]!.n);
      return {
        tokens: await n('access_tokens'),
        sads: await n('sads'),
        authRequests: await n('auth_requests'),
        sessions: await n('subscriber_sessions'),
        preparedDocuments: await n('prepared_documents'),
      };
    };
    return { counts };
  }
  const before = { tokens: 2, sads: 2, authRequests: 2, sessions: 2, preparedDocuments: 2 };
  const after = { tokens: 1, sads: 1, authRequests: 1, sessions: 1, preparedDocuments: 1 };

  it('deletes what is past its time (SADs and codes a day after expiry), keeps the rest; token() deletes nothing', async () => {
    const s = await startTestServer(backend);
    try {
      const { counts } = await seeded(s);
      expect(await counts()).toEqual(before);
      expect(await s.kyso.housekeeping()).toEqual(after);
      expect(await counts()).toEqual(after);
      expect(await s.kyso.housekeeping()).toEqual({
        tokens: 0,
        sads: 0,
        authRequests: 0,
        sessions: 0,
        preparedDocuments: 0,
      });
    } finally {
      await s.close();
    }
  });

  it('runs on its schedule, without any request', async () => {
    // The interval (10 minutes in service) shortened so the test can watch it run.
    const s = await startTestServer(backend, {}, { housekeepingIntervalMs: 250 });
    try {
      const { counts } = await seeded(s);
      const deadline = Date.now() + 30_000;
      let c = await counts();
      while (JSON.stringify(c) !== JSON.stringify(after) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        c = await counts();
      }
      expect(c).toEqual(after);
    } finally {
      await s.close();
    }
  });
});

describe.each(backends)('audit sequencer (%s)', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(backend);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('rows enter unsealed; only sealing may change them; concurrent sealers never fork the chain', async () => {
    const db = s.kyso.ctx.db;
    await expect(
      db.query(
        "INSERT INTO audit_log (seq, at, actor, action, details, prev_hash, hash) VALUES (999999, 'x', 'x', 'x', '{}', 'a', 'b')",
      ),
    ).rejects.toThrow(/enter unsealed/);
    const ins = await db.query<{ id: string }>(
      "INSERT INTO audit_log (at, actor, action, details) VALUES ('2026-01-01T00:00:00.000Z', 't', 'test.unsealed', '{}') RETURNING id",
    );
    const id = ins.rows[0]!.id;
    await expect(db.query("UPDATE audit_log SET actor = 'forged' WHERE id = $1", [id])).rejects.toThrow(
      /append-only/,
    );
    await expect(
      db.query(
        "UPDATE audit_log SET seq = 999999, prev_hash = 'a', hash = 'b', actor = 'forged' WHERE id = $1",
        [id],
      ),
    ).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_log WHERE id = $1', [id])).rejects.toThrow(/append-only/);

    // Many acts in parallel, several sealers racing: one chain, every row in it once.
    const N = 120;
    await Promise.all<unknown>([
      ...Array.from({ length: N }, (_, i) =>
        db.tx((q) =>
          q.query(
            "INSERT INTO audit_log (at, actor, action, details) VALUES ($1, 't', 'test.parallel', $2)",
            [new Date().toISOString(), JSON.stringify({ i })],
          ),
        ),
      ),
      ...Array.from({ length: 4 }, () => sealAudit(db)),
    ]);
    const v = await verifyAudit(db);
    expect(v).toMatchObject({ ok: true, unsealed: 0 });
    const rows = (
      await db.query<{ n: string; max: string; distinct_seq: string }>(
        'SELECT count(*)::text AS n, max(seq)::text AS max, count(DISTINCT seq)::text AS distinct_seq FROM audit_log',
      )
    ).rows[0]!;
    expect(rows.n).toBe(rows.max);
    expect(rows.distinct_seq).toBe(rows.n);
    expect(v.rows).toBe(Number(rows.n));
    // A sealed row cannot be sealed again or changed.
    await expect(db.query('UPDATE audit_log SET seq = seq + 100000 WHERE id = $1', [id])).rejects.toThrow(
      /append-only/,
    );
  });
});
