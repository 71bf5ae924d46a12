/**
 * signHash group commit (issue 21): fast-path requests that arrive while one commit is in flight
 * are committed together by one statement (services/signhash-batch.ts). Checked on PGlite and
 * PostgreSQL: every request gets the answer it would have had alone (signatures that verify, or
 * the regular path's refusal), one `signature.create` record per signature in request order in a
 * chain that verifies, rate limits counted as if one after another, no SAD consumed twice, one
 * subscriber's refusal never another's, and a batch that fails as a whole retried request by
 * request.
 */
import crypto from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Certificate } from '@kyso/pki-core';
import { verifyAudit } from '../src/audit.js';
import type { Db } from '../src/db/db.js';
import { ApiError } from '../src/services/common.js';
import { CscService } from '../src/services/csc.js';
import { authorize, call, type Fetcher, provision, SHA256_OID, token } from './helpers/client.js';
import { type Backend, OtpDevice, requirePostgres, startTestServer, type TestServer } from './helpers/env.js';

const backends: Backend[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const rnd = () => b64(crypto.randomBytes(32));
const PER_CLIENT = 600;

interface Party {
  clientId: string;
  credentialId: string;
  tok: string;
  otp: OtpDevice;
  point: Uint8Array;
}

/** Every statement the service sends while `fn` runs: its name (or first words) and parameters. */
async function recording<T>(
  db: Db,
  fn: () => Promise<T>,
  hook?: (name: string | undefined) => void,
): Promise<{ out: T; sent: { name?: string; params?: unknown[] }[] }> {
  const q = db.query;
  const sent: { name?: string; params?: unknown[] }[] = [];
  db.query = ((sql: string, params?: unknown[], name?: string) => {
    sent.push({ name: name ?? sql.trim().split(/\s+/).slice(0, 3).join(' '), params });
    hook?.(name);
    return q.call(db, sql, params, name);
  }) as Db['query'];
  try {
    return { out: await fn(), sent };
  } finally {
    db.query = q;
  }
}

/** The result of a service call: signatures, or the refusal (status and description). */
async function outcome(
  p: Promise<{ signatures: string[] } | undefined>,
): Promise<{ signatures: string[] } | { status: number; description: string } | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, description: e.message };
    throw e;
  }
}

describe.each(backends)('signHash group commit (%s)', (backend) => {
  let s: TestServer;
  let f: Fetcher;
  let db: Db;
  beforeAll(async () => {
    s = await startTestServer(backend, {
      KYSO_RATE_CREDENTIAL_PER_MINUTE: '1000',
      KYSO_RATE_CLIENT_PER_MINUTE: String(PER_CLIENT),
    });
    f = (path, init) => Promise.resolve(s.kyso.app.request(path, init));
    db = s.kyso.ctx.db;
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  async function party(): Promise<Party> {
    const p = await provision(f, s.operatorKey);
    const tok = await token(f, p.clientId, p.clientSecret);
    const leaf = Certificate.fromDer(
      new Uint8Array(
        Buffer.from(p.certificatePem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'),
      ),
    );
    const jwk = crypto
      .createPublicKey({ key: Buffer.from(leaf.spki), format: 'der', type: 'spki' })
      .export({ format: 'jwk' });
    const point = Buffer.concat([
      Buffer.of(4),
      Buffer.from(jwk.x as string, 'base64url'),
      Buffer.from(jwk.y as string, 'base64url'),
    ]);
    return {
      clientId: p.clientId,
      credentialId: p.credentialId,
      tok,
      otp: new OtpDevice(p.otpauthUri),
      point,
    };
  }
  /** Authorisations run one after another: each takes the subscriber's next TOTP code. */
  const sads = async <T>(n: number, make: (i: number) => { who: Party; hashes: string[] } & T) => {
    const out: ({ who: Party; hashes: string[]; SAD: string } & T)[] = [];
    for (let i = 0; i < n; i++) {
      const m = make(i);
      out.push({ ...m, SAD: await sad(m.who, m.hashes) });
    }
    return out;
  };
  const sad = async (who: Party, hashes: string[]) => {
    const a = await authorize(f, who.tok, who.credentialId, hashes, who.otp);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    return a.body.SAD as string;
  };
  const input = (who: Party, SAD: string, hashes: string[]) => ({
    credentialID: who.credentialId,
    SAD,
    hashes,
    hashAlgorithmOID: SHA256_OID,
    signAlgo: '1.2.840.10045.4.3.2',
  });
  const verifies = (who: Party, sig: string, hash: string) =>
    p256.verify(Buffer.from(sig, 'base64'), Buffer.from(hash, 'base64'), who.point, {
      prehash: false,
      format: 'der',
      lowS: false,
    });
  const bucket = async (b: string) =>
    Number(
      (await db.query<{ count: number }>('SELECT count FROM rate_limits WHERE bucket = $1', [b])).rows[0]
        ?.count ?? 0,
    );
  const records = async (action: string, hashes: string[]) =>
    (
      await db.query<{ seq: string | null; id: string; details: Record<string, unknown> }>(
        `SELECT seq::text AS seq, id::text AS id, details FROM audit_log
         WHERE action = $1 AND details->'hashes' = $2::jsonb`,
        [action, JSON.stringify(hashes)],
      )
    ).rows;
  /**
   * Rate limits are fixed one-minute windows: start at least 20 s before a minute ends, so that the
   * counts set up and the requests that follow fall in one window even on a loaded machine.
   */
  const clearOfMinuteEnd = async () => {
    while (Date.now() % 60_000 > 40_000) await new Promise((r) => setTimeout(r, 250));
  };
  /** A fresh service (empty view cache) with each party's credential view cached. */
  const warmService = async (...who: Party[]) => {
    const csc = new CscService(s.kyso.ctx, s.kyso.ca);
    for (const w of who) {
      const h = [rnd()];
      const r = await csc.signHash(w.clientId, input(w, await sad(w, h), h));
      expect(r.signatures).toHaveLength(1);
    }
    return csc;
  };

  it('concurrent requests over HTTP: all signed, one record each, in the chain in commit order', async () => {
    const a = await party();
    const b = await party();
    // First request of each credential: regular path (fills the view cache).
    for (const w of [a, b]) {
      const h = [rnd()];
      const r = await call(f, 'POST', '/csc/v2/signatures/signHash', {
        token: w.tok,
        json: input(w, await sad(w, h), h),
      });
      expect(r.status).toBe(200);
    }
    const N = 12;
    const reqs = await sads(N, (i) => ({ who: i % 2 ? b : a, hashes: i % 3 ? [rnd()] : [rnd(), rnd()] }));
    const { out, sent } = await recording(db, () =>
      Promise.all(
        reqs.map((r) =>
          call(f, 'POST', '/csc/v2/signatures/signHash', {
            token: r.who.tok,
            json: input(r.who, r.SAD, r.hashes),
          }),
        ),
      ),
    );
    out.forEach((r, i) => {
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      reqs[i]!.hashes.forEach((h, j) => {
        expect(verifies(reqs[i]!.who, r.body.signatures[j], h)).toBe(true);
      });
    });
    // Which statements ran: single ones and batches, N requests in all, each once.
    const fast = sent.filter((x) => x.name === 'kyso_sign_hash_fast' || x.name === 'kyso_sign_hash_batch');
    const committed: string[] = fast.flatMap((x) =>
      x.name === 'kyso_sign_hash_batch'
        ? (x.params![8] as string[])
        : [(x.params![11] as string[]).join(',')],
    );
    expect(committed.sort()).toEqual(reqs.map((r) => r.hashes.join(',')).sort());
    // Started together, they queue behind the first statement: at least one batch ran.
    expect(fast.some((x) => x.name === 'kyso_sign_hash_batch')).toBe(true);
    expect(fast.length).toBeLessThan(N);
    // One record per request; chain order = the order the statements committed the requests.
    const order = fast.flatMap((x) =>
      x.name === 'kyso_sign_hash_batch'
        ? (x.params![8] as string[])
        : [(x.params![11] as string[]).join(',')],
    );
    const v = await verifyAudit(db);
    expect(v).toMatchObject({ ok: true, unsealed: 0 });
    const seqs: number[] = [];
    for (const hs of order) {
      const rec = await records('signature.create', hs.split(','));
      expect(rec).toHaveLength(1);
      seqs.push(Number(rec[0]!.seq));
    }
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it('a mixed batch: each request answered as alone; refusals isolated; rate limits counted in order', async () => {
    const a = await party();
    const b = await party();
    const c = await party();
    const csc = await warmService(a, b, c);
    const hA = [rnd(), rnd()];
    const sadA = await sad(a, hA); // two hashes, two requests: never in one batch
    const hA2 = [rnd()];
    const sadA2 = await sad(a, hA2);
    const hSpent = [rnd()];
    const sadSpent = await sad(a, hSpent);
    expect((await csc.signHash(a.clientId, input(a, sadSpent, hSpent))).signatures).toHaveLength(1);
    const hOther = [rnd()];
    const sadOther = await sad(a, hOther);
    const hB = [rnd()];
    const sadB = await sad(b, hB);
    const hC = [rnd()];
    const sadC = await sad(c, hC);
    // C's client is at its limit for this minute: its request is refused 429, nobody else's.
    await clearOfMinuteEnd();
    const setBucket = (b: string, count: number) =>
      db.query(
        `INSERT INTO rate_limits (bucket, window_start, count) VALUES ($1, $2, $3)
         ON CONFLICT (bucket) DO UPDATE SET window_start = $2, count = $3`,
        [b, Math.floor(Date.now() / 60_000), count],
      );
    await setBucket(`client:${c.clientId}`, PER_CLIENT);
    const credA = 100;
    const credC = 7;
    await setBucket(`credential:${a.credentialId}`, credA);
    await setBucket(`credential:${c.credentialId}`, credC);
    const cases = [
      ['first, alone', a.tok, input(a, sadA2, hA2)],
      ['valid', a.tok, input(a, sadA, [hA[0]!])],
      ['spent SAD', a.tok, input(a, sadSpent, hSpent)],
      ['wrong token', `x${rnd()}`, input(a, rnd(), hOther)],
      ['rate-limited client', c.tok, input(c, sadC, hC)],
      ['other subscriber', b.tok, input(b, sadB, hB)],
      ['hash not authorised', a.tok, input(a, sadOther, [rnd()])],
      ['same SAD, other hash', a.tok, input(a, sadA, [hA[1]!])],
    ] as const;
    const { out, sent } = await recording(db, () =>
      Promise.all(cases.map(([, tok, inp]) => outcome(csc.signHashFast(tok, inp)))),
    );
    const got = Object.fromEntries(cases.map(([name], i) => [name, out[i]]));
    for (const [name, hs, who] of [
      ['first, alone', hA2, a],
      ['valid', [hA[0]!], a],
      ['other subscriber', hB, b],
      ['same SAD, other hash', [hA[1]!], a],
    ] as const) {
      const r = got[name] as { signatures: string[] };
      expect(r?.signatures, name).toHaveLength(1);
      expect(verifies(who, r.signatures[0]!, hs[0]!), name).toBe(true);
      expect(await records('signature.create', [...hs]), name).toHaveLength(1);
    }
    // The regular path's answers (the same strings test/signhash-fast.test.ts expects from it).
    expect(got['spent SAD']).toEqual({ status: 400, description: 'SAD already used up' });
    expect(got['hash not authorised']).toEqual({
      status: 400,
      description: 'Hash is not authorized by the SAD',
    });
    expect(got['rate-limited client']).toEqual({
      status: 429,
      description: 'rate limit exceeded, retry later',
    });
    // Not a service access token: the fast path declines (the HTTP route then answers 401).
    expect(got['wrong token']).toBeUndefined();
    // The statements: the first request alone, then one batch of the six others that queued
    // meanwhile (the second use of sadA waits for the next commit), then sadA's second hash.
    const stmts = sent
      .filter((x) => x.name === 'kyso_sign_hash_fast' || x.name === 'kyso_sign_hash_batch')
      .map((x) => (x.name === 'kyso_sign_hash_batch' ? (x.params![0] as unknown[]).length : 1));
    expect(stmts).toEqual([1, 6, 1]);
    // Refused: audited as the regular path does, nothing consumed.
    expect(await records('signature.refused', hSpent)).toHaveLength(1);
    expect((await records('signature.refused', hSpent))[0]!.details.reason).toBe('SAD already used up');
    const left = async (hs: string[]) =>
      (await db.query<{ remaining: number }>('SELECT remaining FROM sads WHERE hashes = $1', [hs])).rows[0]
        ?.remaining;
    expect(await left(hOther)).toBe(1);
    expect(await left(hC)).toBe(1);
    expect(await left(hA)).toBe(0);
    // Rate limits: A's credential counted once per request with A's token (5), C's not at all
    // (its client was over the limit), C's client once more.
    expect(await bucket(`credential:${a.credentialId}`)).toBe(credA + 5);
    expect(await bucket(`credential:${c.credentialId}`)).toBe(credC);
    expect(await bucket(`client:${c.clientId}`)).toBe(PER_CLIENT + 1);
    expect(await verifyAudit(db)).toMatchObject({ ok: true, unsealed: 0 });
  });

  it('rate limits in a batch count as one request after another: the ones past the limit get 429', async () => {
    const a = await party();
    const csc = await warmService(a);
    const reqs = (await sads(5, () => ({ who: a, hashes: [rnd()] }))).map((r) => ({ ...r, h: r.hashes }));
    await clearOfMinuteEnd();
    // After the first (alone) request the client is 2 below its limit: of the four batched, the
    // first two pass and the last two are refused, as they would be one after another.
    await db.query('UPDATE rate_limits SET count = $1, window_start = $2 WHERE bucket = $3', [
      PER_CLIENT - 3,
      Math.floor(Date.now() / 60_000),
      `client:${a.clientId}`,
    ]);
    const { out, sent } = await recording(db, () =>
      Promise.all(reqs.map((r) => outcome(csc.signHashFast(a.tok, input(a, r.SAD, r.h))))),
    );
    expect(sent.filter((x) => x.name === 'kyso_sign_hash_batch')).toHaveLength(1);
    expect(out.map((r) => (r && 'signatures' in r ? 200 : (r as { status: number })?.status))).toEqual([
      200, 200, 200, 429, 429,
    ]);
    expect(await bucket(`client:${a.clientId}`)).toBe(PER_CLIENT + 2);
    for (const [i, r] of reqs.entries())
      expect(await records('signature.create', r.h)).toHaveLength(i < 3 ? 1 : 0);
  });

  it('a batch failing as a whole is retried request by request: each signed once, audited once', async () => {
    const a = await party();
    const b = await party();
    const csc = await warmService(a, b);
    const reqs = (await sads(5, (i) => ({ who: i % 2 ? b : a, hashes: [rnd()] }))).map((r) => ({
      ...r,
      h: r.hashes,
    }));
    const q = db.query;
    let failed = 0;
    db.query = ((sql: string, params?: unknown[], name?: string) => {
      if (name === 'kyso_sign_hash_batch' && failed++ === 0)
        return Promise.reject(Object.assign(new Error('deadlock detected'), { code: '40P01' }));
      return q.call(db, sql, params, name);
    }) as Db['query'];
    let out: Awaited<ReturnType<typeof outcome>>[];
    try {
      const r = await recording(db, () =>
        Promise.all(reqs.map((r) => outcome(csc.signHashFast(r.who.tok, input(r.who, r.SAD, r.h))))),
      );
      out = r.out;
      // One alone, the batch of four (failed), the four again alone.
      expect(r.sent.map((x) => x.name).filter((n) => n?.startsWith('kyso_sign_hash'))).toEqual([
        'kyso_sign_hash_fast',
        'kyso_sign_hash_batch',
        ...Array(4).fill('kyso_sign_hash_fast'),
      ]);
    } finally {
      db.query = q;
    }
    expect(failed).toBe(1);
    for (const [i, r] of reqs.entries()) {
      const o = out[i] as { signatures: string[] };
      expect(verifies(r.who, o.signatures[0]!, r.h[0]!)).toBe(true);
      expect(await records('signature.create', r.h)).toHaveLength(1);
    }
    // Replays after the storm: each SAD was consumed exactly once.
    for (const r of reqs)
      expect(await outcome(csc.signHashFast(r.who.tok, input(r.who, r.SAD, r.h)))).toEqual({
        status: 400,
        description: 'SAD already used up',
      });
    expect(await verifyAudit(db)).toMatchObject({ ok: true, unsealed: 0 });
  });

  it('KYSO_SIGNHASH_BATCH_MAX bounds a batch; 1 turns batching off', async () => {
    const a = await party();
    const csc = await warmService(a);
    const cfg = s.kyso.ctx.config as { signHashBatchMax: number };
    const before = cfg.signHashBatchMax;
    try {
      for (const [max, expected] of [
        [2, [1, 2, 2, 1]],
        [1, [1, 1, 1, 1, 1, 1]],
      ] as const) {
        cfg.signHashBatchMax = max;
        const reqs = (await sads(6, () => ({ who: a, hashes: [rnd()] }))).map((r) => ({ ...r, h: r.hashes }));
        const { out, sent } = await recording(db, () =>
          Promise.all(reqs.map((r) => outcome(csc.signHashFast(a.tok, input(a, r.SAD, r.h))))),
        );
        for (const o of out) expect((o as { signatures: string[] }).signatures).toHaveLength(1);
        expect(
          sent
            .filter((x) => x.name === 'kyso_sign_hash_fast' || x.name === 'kyso_sign_hash_batch')
            .map((x) => (x.name === 'kyso_sign_hash_batch' ? (x.params![0] as unknown[]).length : 1)),
        ).toEqual(expected);
      }
    } finally {
      cfg.signHashBatchMax = before;
    }
  });
});
