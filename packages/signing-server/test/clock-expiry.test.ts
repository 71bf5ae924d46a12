/**
 * One clock on the server: access tokens, SADs (on the signHash fast path and the regular path),
 * authorisation codes and the housekeeping are judged by the server's injected Clock
 * (createKyso `clock`), not by SQL now() of the database. The clock here is moved forward while
 * the database's own time is not: every refusal below can only come from the injected clock.
 * PGlite and PostgreSQL.
 */
import crypto from 'node:crypto';
import type { Clock } from '@kyso/pki-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/db.js';
import { authorize, call, type Fetcher, provision, SHA256_OID, token } from './helpers/client.js';
import { exchange, hidden, Jar, pkce, postForm, registerRedirect, authorizeUrl } from './helpers/authz.js';
import { type Backend, OtpDevice, requirePostgres, startTestServer, type TestServer } from './helpers/env.js';

const backends: Backend[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');

const rnd = () => crypto.randomBytes(32).toString('base64');
const SAD_SECONDS = 20;

/** Real time plus an offset the test moves forward. */
class AdvancedClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

/** The names of the statements the service sends while `fn` runs. */
async function statements<T>(db: Db, fn: () => Promise<T>): Promise<{ out: T; names: string[] }> {
  const q = db.query;
  const names: string[] = [];
  db.query = ((sql: string, params?: unknown[], name?: string) => {
    names.push(name ?? sql.trim().split(/\s+/).slice(0, 3).join(' '));
    return q.call(db, sql, params, name);
  }) as Db['query'];
  try {
    return { out: await fn(), names };
  } finally {
    db.query = q;
  }
}

describe.each(backends)('expiry by the injected server clock (%s)', (backend) => {
  const clock = new AdvancedClock();
  let s: TestServer;
  let f: Fetcher;
  let p: Awaited<ReturnType<typeof provision>>;
  let otp: OtpDevice;
  let tok: string;

  beforeAll(async () => {
    s = await startTestServer(
      backend,
      { KYSO_SAD_LIFETIME_SECONDS: String(SAD_SECONDS), KYSO_TOKEN_LIFETIME_SECONDS: '60' },
      { clock },
    );
    f = (path, init) => Promise.resolve(s.kyso.app.request(path, init));
    p = await provision(f, s.operatorKey);
    otp = new OtpDevice(p.otpauthUri);
    await registerRedirect(f, s.operatorKey, p.clientId);
    tok = await token(f, p.clientId, p.clientSecret);
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

  it('a SAD expires by the clock, on the fast path (one statement) and the regular path', async () => {
    // Warm the credential view (the first signHash takes the regular path).
    const h0 = [rnd()];
    expect((await sign((await authorize(f, tok, p.credentialId, h0, otp)).body.SAD, h0)).status).toBe(200);

    const [h1, h2] = [rnd(), rnd()];
    const sad = (await authorize(f, tok, p.credentialId, [h1, h2], otp)).body.SAD as string;
    const live = await statements(s.kyso.ctx.db, () => sign(sad, [h1]));
    expect(live.out.status, JSON.stringify(live.out.body)).toBe(200);
    expect(live.names).toEqual(['kyso_sign_hash_fast']);

    // The same SAD, one hash left, SAD_SECONDS + 1 later by the server's clock (the database's
    // now() has moved by milliseconds): refused as expired; nothing consumed by the fast path.
    clock.advance(SAD_SECONDS + 1);
    const late = await statements(s.kyso.ctx.db, () => sign(sad, [h2]));
    expect(late.out.status).toBe(400);
    expect(late.out.body.error_description).toBe('SAD expired');
    expect(late.names[0]).toBe('kyso_sign_hash_fast');
    const row = await s.kyso.ctx.db.query<{ remaining: number; used: number }>(
      'SELECT remaining, cardinality(used_hashes) AS used FROM sads WHERE sad_hash = $1',
      [crypto.createHash('sha256').update(sad).digest()],
    );
    expect(row.rows[0]).toEqual({ remaining: 1, used: 1 });

    // The regular path says the same: 61 s on, the cached view is stale by the clock (60 s), so
    // signHash does not take the fast path at all.
    const h3 = [rnd()];
    const sad3 = (await authorize(f, tok, p.credentialId, h3, otp)).body.SAD as string;
    clock.advance(61);
    tok = await token(f, p.clientId, p.clientSecret); // (the old one is 82 s old: expired)
    const r3 = await statements(s.kyso.ctx.db, () => sign(sad3, h3));
    expect(r3.out.status).toBe(400);
    expect(r3.out.body.error_description).toBe('SAD expired');
    expect(r3.names).not.toContain('kyso_sign_hash_fast');
  });

  it('an authorisation code expires by the clock (60 s)', async () => {
    const approve = async () => {
      const { verifier, challenge } = pkce();
      const jar = new Jar();
      const page = await f(
        authorizeUrl({ clientId: p.clientId, credentialId: p.credentialId, hashes: [rnd()], challenge }),
      );
      jar.take(page);
      const html = await page.text();
      const r = await postForm(
        f,
        '/csc/v2/oauth2/authorize',
        {
          request: hidden(html, 'request')!,
          csrf: hidden(html, 'csrf')!,
          decision: 'approve',
          pin: '246810',
          otp: otp.next(),
        },
        jar,
      );
      expect(r.status).toBe(303);
      return { code: new URL(r.headers.get('location')!).searchParams.get('code')!, verifier };
    };
    const fresh = await approve();
    clock.advance(59);
    expect((await exchange(f, p.clientId, p.clientSecret, fresh.code, fresh.verifier)).status).toBe(200);

    const stale = await approve();
    clock.advance(61);
    const r = await exchange(f, p.clientId, p.clientSecret, stale.code, stale.verifier);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_grant');
    const refused = await s.kyso.ctx.db.query<{ details: { reason: string } }>(
      "SELECT details FROM audit_log WHERE action = 'oauth2.token.refused' ORDER BY id DESC LIMIT 1",
    );
    expect(refused.rows[0]?.details.reason).toBe('code expired');
  });

  it('an access token expires by the clock, and the housekeeping deletes it by the clock', async () => {
    const t = await token(f, p.clientId, p.clientSecret);
    const list = () => call(f, 'POST', '/csc/v2/credentials/list', { token: t, json: {} });
    clock.advance(59);
    expect((await list()).status).toBe(200);
    clock.advance(2);
    const r = await list();
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_token');
    const th = crypto.createHash('sha256').update(t).digest();
    const count = async () =>
      Number(
        (
          await s.kyso.ctx.db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM access_tokens WHERE token_hash = $1',
            [th],
          )
        ).rows[0]!.n,
      );
    expect(await count()).toBe(1);
    const swept = await s.kyso.housekeeping();
    expect(swept.tokens).toBeGreaterThanOrEqual(1);
    expect(await count()).toBe(0);
  });
});
