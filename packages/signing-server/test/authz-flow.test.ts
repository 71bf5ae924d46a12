/**
 * Server-collected SCAL2 authorisation over HTTP (Hono app.request; PGlite and PostgreSQL): the OAuth2
 * authorisation page (code + PKCE), the credential-scoped token standing in for the SAD, and
 * the asynchronous approval (202 + handle, approval page, authorizeCheck). Attack paths: missing
 * CSRF, wrong PIN/OTP (counted toward the lockout), PKCE mismatch, code replay, tampered digest
 * after approval, refusal, expiry — each fails with the CSC/OAuth error and nothing is signed.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../src/audit.js';
import {
  type Backend,
  OtpDevice,
  requirePostgres,
  sha256,
  startTestServer,
  type TestServer,
} from './helpers/env.js';
import { call, type Fetcher, provision, SHA256_OID, token } from './helpers/client.js';
import {
  authorizeUrl,
  exchange,
  hidden,
  Jar,
  pkce,
  postForm,
  REDIRECT,
  registerRedirect,
} from './helpers/authz.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const AUTH = '/csc/v2/oauth2/authorize';

const backends: Backend[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');

describe.each(backends)('server-collected authorisation (%s)', (backend) => {
  let s: TestServer;
  let f: Fetcher;
  let p: Awaited<ReturnType<typeof provision>>;
  let otp: OtpDevice;

  beforeAll(async () => {
    s = await startTestServer(backend);
    f = (path, init) => Promise.resolve(s.kyso.app.request(path, init));
    p = await provision(f, s.operatorKey);
    otp = new OtpDevice(p.otpauthUri);
    await registerRedirect(f, s.operatorKey, p.clientId);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  async function openPage(
    hashes: string[],
    opts: { labels?: string[]; lang?: string; details?: boolean } = {},
  ) {
    const { verifier, challenge } = pkce();
    const jar = new Jar();
    const r = await f(
      authorizeUrl({ clientId: p.clientId, credentialId: p.credentialId, hashes, challenge, ...opts }),
      opts.lang ? {} : { headers: { 'accept-language': 'vi-VN,vi;q=0.9' } },
    );
    jar.take(r);
    const html = await r.text();
    return { r, html, jar, verifier, request: hidden(html, 'request')!, csrf: hidden(html, 'csrf')! };
  }

  async function failedAttempts(): Promise<number> {
    const r = await call(f, 'GET', `/admin/subscribers/${p.subscriberId}`, { token: s.operatorKey });
    return r.body.failedAttempts ?? r.body.failed_attempts;
  }

  it('page: who asks, what will be signed, certificate; headers; Vietnamese and English', async () => {
    const h = sha256('Tờ khai đăng ký thường trú');
    const pg = await openPage([b64(h)], { labels: ['Tờ khai CT01'], details: true });
    expect(pg.r.status).toBe(200);
    expect(pg.html).toContain('Agency portal');
    expect(pg.html).toContain('Tờ khai CT01');
    expect(pg.html).toContain(h.toString('hex'));
    expect(pg.html).toContain('Nguyễn Văn An'); // certificate subject
    expect(pg.html).toContain('lang="vi"');
    expect(pg.html).toContain('Đồng ý ký');
    expect(pg.html).not.toMatch(/<script/i);
    expect(pg.html).not.toMatch(/(src|href)="https?:/);
    const csp = pg.r.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/style-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(pg.r.headers.get('x-frame-options')).toBe('DENY');
    expect(pg.r.headers.get('cache-control')).toBe('no-store');
    expect(pg.jar.cookies.get(`kyso_csrf_${pg.request}`)).toBe(pg.csrf);
    // The nonce in the header is the nonce of the one <style>.
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(pg.html).toContain(`<style nonce="${nonce}">`);
    // labels for every input
    for (const id of ['pin', 'otp']) expect(pg.html).toContain(`<label for="${id}">`);

    const en = await openPage([b64(sha256('x'))], { lang: 'en' });
    expect(en.html).toContain('lang="en"');
    expect(en.html).toContain('Approve and sign');
    const al = await f(
      authorizeUrl({
        clientId: p.clientId,
        credentialId: p.credentialId,
        hashes: [b64(sha256('y'))],
        challenge: pkce().challenge,
      }),
      { headers: { 'accept-language': 'en-US,en;q=0.8' } },
    );
    expect(await al.text()).toContain('Approve and sign');
  });

  it('bad client or redirect_uri is shown, never redirected; other errors redirect with error', async () => {
    const { challenge } = pkce();
    const h = [b64(sha256('z'))];
    const bad = await f(
      authorizeUrl({
        clientId: p.clientId,
        credentialId: p.credentialId,
        hashes: h,
        challenge,
        redirectUri: 'https://evil.example/cb',
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.headers.get('location')).toBeNull();
    const noPkce = await f(
      authorizeUrl({ clientId: p.clientId, credentialId: p.credentialId, hashes: h, challenge: 'short' }),
    );
    expect(noPkce.status).toBe(302);
    const loc = new URL(noPkce.headers.get('location')!);
    expect(loc.searchParams.get('error')).toBe('invalid_request');
    expect(loc.searchParams.get('state')).toBe('st-123');
    const plain = await f(
      authorizeUrl({ clientId: p.clientId, credentialId: p.credentialId, hashes: h, challenge }).replace(
        'code_challenge_method=S256',
        'code_challenge_method=plain',
      ),
    );
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  it('approve with PIN + OTP: code, PKCE exchange, credential token signs exactly the hashes once', async () => {
    const docs = [sha256('công văn 1'), sha256('công văn 2')];
    const pg = await openPage(docs.map(b64), { labels: ['CV 1', 'CV 2'] });
    const r = await postForm(
      f,
      AUTH,
      { request: pg.request, csrf: pg.csrf, decision: 'approve', pin: '246810', otp: otp.next() },
      pg.jar,
    );
    expect(r.status).toBe(303);
    const loc = new URL(r.headers.get('location')!);
    expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
    expect(loc.searchParams.get('state')).toBe('st-123');
    const code = loc.searchParams.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.headers.get('content-security-policy')).toContain('form-action');

    const t = await exchange(f, p.clientId, p.clientSecret, code, pg.verifier);
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    expect(t.body.credentialID).toBe(p.credentialId);
    expect(t.body.authorization_details[0].documentDigests.map((d: { hash: string }) => d.hash)).toEqual(
      docs.map(b64),
    );
    const ct = t.body.access_token as string;

    // A digest that was not approved: refused, nothing signed.
    const tampered = await call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: ct,
      json: {
        credentialID: p.credentialId,
        hashes: [b64(sha256('công văn 1 (sửa)'))],
        hashAlgorithmOID: SHA256_OID,
        signAlgo: '1.2.840.10045.2.1',
      },
    });
    expect(tampered.status).toBe(400);
    expect(tampered.body.error_description).toMatch(/not authorized/);

    const sig = await call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: ct,
      json: {
        credentialID: p.credentialId,
        hashes: docs.map(b64),
        hashAlgorithmOID: SHA256_OID,
        signAlgo: '1.2.840.10045.2.1',
      },
    });
    expect(sig.status, JSON.stringify(sig.body)).toBe(200);
    const cert = new crypto.X509Certificate(p.certificatePem);
    sig.body.signatures.forEach((sgn: string, i: number) => {
      const ok = crypto
        .createVerify('sha256')
        .update('công văn ' + (i + 1))
        .verify(cert.publicKey, Buffer.from(sgn, 'base64'));
      expect(ok).toBe(true);
    });
    // Single use: the same hashes again are refused.
    const again = await call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: ct,
      json: {
        credentialID: p.credentialId,
        hashes: [b64(docs[0]!)],
        hashAlgorithmOID: SHA256_OID,
        signAlgo: '1.2.840.10045.2.1',
      },
    });
    expect(again.status).toBe(400);

    // Code replay: refused (and the token from it revoked).
    const replay = await exchange(f, p.clientId, p.clientSecret, code, pg.verifier);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('PKCE mismatch, wrong redirect_uri, other client: invalid_grant; the code is burnt', async () => {
    const h = sha256('pkce');
    const pg = await openPage([b64(h)]);
    const r = await postForm(
      f,
      AUTH,
      { request: pg.request, csrf: pg.csrf, decision: 'approve', pin: '246810', otp: otp.next() },
      pg.jar,
    );
    const code = new URL(r.headers.get('location')!).searchParams.get('code')!;
    const wrong = await exchange(f, p.clientId, p.clientSecret, code, pkce().verifier);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({
      error: 'invalid_grant',
      error_description: 'PKCE verification failed',
    });
    // Even the right verifier cannot use it any more.
    const right = await exchange(f, p.clientId, p.clientSecret, code, pg.verifier);
    expect(right.status).toBe(400);
    // Wrong client secret.
    const badClient = await exchange(f, p.clientId, 'nope', code, pg.verifier);
    expect(badClient.status).toBe(401);
  });

  it('CSRF token missing or wrong: 403, no decision recorded', async () => {
    const pg = await openPage([b64(sha256('csrf'))]);
    const noCookie = await postForm(f, AUTH, {
      request: pg.request,
      csrf: pg.csrf,
      decision: 'approve',
      pin: '246810',
      otp: otp.next(),
    });
    expect(noCookie.status).toBe(403);
    const noField = await postForm(
      f,
      AUTH,
      { request: pg.request, decision: 'approve', pin: '246810', otp: otp.next() },
      pg.jar,
    );
    expect(noField.status).toBe(403);
    // Still pending: a proper post works.
    const ok = await postForm(f, AUTH, { request: pg.request, csrf: pg.csrf, decision: 'refuse' }, pg.jar);
    expect(ok.status).toBe(303);
    const loc = new URL(ok.headers.get('location')!);
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('state')).toBe('st-123');
    expect(loc.searchParams.get('code')).toBeNull();
  });

  it('wrong PIN and wrong OTP re-show the page and count toward the lockout; success resets', async () => {
    const before = await failedAttempts();
    expect(before).toBe(0);
    const pg = await openPage([b64(sha256('lockout'))]);
    const r1 = await postForm(
      f,
      AUTH,
      { request: pg.request, csrf: pg.csrf, decision: 'approve', pin: '000000', otp: otp.next() },
      pg.jar,
    );
    expect(r1.status).toBe(400);
    const html = await r1.text();
    expect(html).toContain('Mã PIN không đúng');
    expect(html).toContain('Còn 4 lần thử');
    expect(await failedAttempts()).toBe(1);
    const r2 = await postForm(
      f,
      AUTH,
      { request: pg.request, csrf: pg.csrf, decision: 'approve', pin: '246810', otp: '123456' },
      pg.jar,
    );
    expect(r2.status).toBe(400);
    expect(await r2.text()).toContain('Mã OTP không đúng');
    expect(await failedAttempts()).toBe(2);
    // explicit authorize failures count on the same counter
    const tok = await token(f, p.clientId, p.clientSecret);
    const ex = await call(f, 'POST', '/csc/v2/credentials/authorize', {
      token: tok,
      json: {
        credentialID: p.credentialId,
        numSignatures: 1,
        hashes: [b64(sha256('x'))],
        hashAlgorithmOID: SHA256_OID,
        authData: [
          { id: 'PIN', value: '999999' },
          { id: 'OTP', value: otp.next() },
        ],
      },
    });
    expect(ex.status).toBe(400);
    expect(await failedAttempts()).toBe(3);
    const ok = await postForm(
      f,
      AUTH,
      { request: pg.request, csrf: pg.csrf, decision: 'approve', pin: '246810', otp: otp.next() },
      pg.jar,
    );
    expect(ok.status).toBe(303);
    expect(await failedAttempts()).toBe(0);
  });

  // --- every failure path: the CSC/OAuth error, and nothing is signed ---------------------------

  /** Signatures recorded for the credential (audit) and SADs/tokens that carry one of `hashes`. */
  async function ledger(hashes: string[]) {
    const db = s.kyso.ctx.db;
    const sig = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'signature.create' AND subject = $1",
      [p.credentialId],
    );
    const sads = await db.query<{ n: number; remaining: number | null }>(
      'SELECT count(*)::int AS n, sum(remaining)::int AS remaining FROM sads WHERE credential_id = $1 AND hashes && $2::text[]',
      [p.credentialId, hashes],
    );
    return { signatures: sig.rows[0]!.n, sads: sads.rows[0]!.n, remaining: sads.rows[0]!.remaining ?? 0 };
  }

  async function approveOnPage(hashes: string[]) {
    const pg = await openPage(hashes);
    const r = await postForm(
      f,
      AUTH,
      { request: pg.request, csrf: pg.csrf, decision: 'approve', pin: '246810', otp: otp.next() },
      pg.jar,
    );
    expect(r.status).toBe(303);
    const code = new URL(r.headers.get('location')!).searchParams.get('code')!;
    expect(code).toBeTruthy();
    return { pg, code };
  }

  const signHashWith = (bearer: string, hashes: string[]) =>
    call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: bearer,
      json: {
        credentialID: p.credentialId,
        hashes,
        hashAlgorithmOID: SHA256_OID,
        signAlgo: '1.2.840.10045.2.1',
      },
    });

  it('refusal on the page: access_denied redirect, no code, nothing authorised or signed', async () => {
    const hashes = [b64(sha256('fail: refusal'))];
    const before = await ledger(hashes);
    const pg = await openPage(hashes);
    const r = await postForm(f, AUTH, { request: pg.request, csrf: pg.csrf, decision: 'refuse' }, pg.jar);
    expect(r.status).toBe(303);
    const loc = new URL(r.headers.get('location')!);
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('code')).toBeNull();
    // A decided request cannot be approved afterwards (the CSRF cookie is gone too: 403; with it: 400).
    const late = await postForm(
      f,
      AUTH,
      { request: pg.request, csrf: pg.csrf, decision: 'approve', pin: '246810', otp: otp.next() },
      pg.jar,
    );
    expect(late.status).toBe(403);
    expect(late.headers.get('location')).toBeNull();
    const withCookie = await f(AUTH, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `kyso_csrf_${pg.request}=${pg.csrf}`,
      },
      body: new URLSearchParams({
        request: pg.request,
        csrf: pg.csrf,
        decision: 'approve',
        pin: '246810',
        otp: otp.next(),
      }).toString(),
      redirect: 'manual',
    });
    expect(withCookie.status).toBe(400);
    expect(withCookie.headers.get('location')).toBeNull();
    expect(await ledger(hashes)).toEqual({ signatures: before.signatures, sads: 0, remaining: 0 });
  });

  it('wrong OTP on the page: 400 with the error shown, the request stays pending, nothing signed', async () => {
    const hashes = [b64(sha256('fail: wrong otp'))];
    const before = await ledger(hashes);
    const pg = await openPage(hashes);
    const r = await postForm(
      f,
      AUTH,
      { request: pg.request, csrf: pg.csrf, decision: 'approve', pin: '246810', otp: '000000' },
      pg.jar,
    );
    expect(r.status).toBe(400);
    expect(r.headers.get('location')).toBeNull();
    expect(await r.text()).toContain('Mã OTP không đúng');
    expect(await failedAttempts()).toBe(1);
    const row = await s.kyso.ctx.db.query<{ status: string; code_hash: unknown }>(
      'SELECT status, code_hash FROM auth_requests WHERE id = $1',
      [pg.request],
    );
    expect(row.rows[0]).toMatchObject({ status: 'pending', code_hash: null });
    expect(await ledger(hashes)).toEqual({ signatures: before.signatures, sads: 0, remaining: 0 });
    // Clean up the counter for the next tests: refuse, then a successful approval elsewhere resets.
    await postForm(f, AUTH, { request: pg.request, csrf: pg.csrf, decision: 'refuse' }, pg.jar);
    await approveOnPage([b64(sha256('fail: reset counter'))]);
    expect(await failedAttempts()).toBe(0);
  });

  it('expired request on the page: approval with the right PIN and OTP shows the expired page (link back: access_denied, in the page language), no code, nothing signed', async () => {
    const hashes = [b64(sha256('fail: expired page'))];
    const before = await ledger(hashes);
    const pg = await openPage(hashes);
    await s.kyso.ctx.db.query(
      `UPDATE auth_requests SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [pg.request],
    );
    const r = await postForm(
      f,
      AUTH,
      { request: pg.request, csrf: pg.csrf, decision: 'approve', pin: '246810', otp: otp.next() },
      pg.jar,
    );
    // kyso's own page (no redirect): what happened in Vietnamese, a link back to the agency.
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toContain('Yêu cầu ký đã hết hạn');
    expect(html).toContain('id="lang-switch"');
    const href = /id="back" href="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const loc = new URL(href);
    expect(loc.searchParams.get('error')).toBe('access_denied');
    // RFC 6749: error_description is ASCII; Vietnamese without diacritics.
    expect(loc.searchParams.get('error_description')).toMatch(/^Yeu cau ky da het thoi han/);
    expect(loc.searchParams.get('state')).toBe('st-123');
    expect(loc.searchParams.get('code')).toBeNull();
    const row = await s.kyso.ctx.db.query<{ status: string; code_hash: unknown }>(
      'SELECT status, code_hash FROM auth_requests WHERE id = $1',
      [pg.request],
    );
    expect(row.rows[0]).toMatchObject({ status: 'denied', code_hash: null });
    expect(await failedAttempts()).toBe(0); // the factors were never checked
    expect(await ledger(hashes)).toEqual({ signatures: before.signatures, sads: 0, remaining: 0 });
    const audit = await s.kyso.ctx.db.query<{ details: unknown }>(
      `SELECT details FROM audit_log WHERE action = 'oauth2.authorize.denied' ORDER BY seq DESC LIMIT 1`,
    );
    const d = audit.rows[0]!.details;
    expect(typeof d === 'string' ? JSON.parse(d) : d).toMatchObject({
      request: pg.request,
      reason: 'expired',
    });
  });

  it('tampered digest after approval: signHash 400 and signDoc 403 invalid_hash; the token count is unchanged, nothing signed', async () => {
    const hashes = [b64(sha256('fail: tampered'))];
    const before = await ledger(hashes);
    const { pg, code } = await approveOnPage(hashes);
    const t = await exchange(f, p.clientId, p.clientSecret, code, pg.verifier);
    expect(t.status).toBe(200);
    const ct = t.body.access_token as string;
    expect(await ledger(hashes)).toEqual({ signatures: before.signatures, sads: 1, remaining: 1 });
    const tampered = b64(sha256('fail: tampered (sửa)'));
    const sh = await signHashWith(ct, [tampered]);
    expect(sh.status).toBe(400);
    expect(sh.body.error_description).toMatch(/not authorized/);
    expect(sh.body.signatures).toBeUndefined();
    const sd = await call(f, 'POST', '/csc/v2/signatures/signDoc', {
      token: ct,
      json: {
        credentialID: p.credentialId,
        documentDigests: [{ hashes: [tampered], hashAlgorithmOID: SHA256_OID, signature_format: 'P' }],
      },
    });
    expect(sd.status).toBe(403);
    expect(sd.body.error).toBe('invalid_hash');
    expect(sd.body.SignatureObject).toBeUndefined();
    expect(await ledger(hashes)).toEqual({ signatures: before.signatures, sads: 1, remaining: 1 });
    // The approved digest still signs (the refusals spent nothing), once.
    expect((await signHashWith(ct, hashes)).status).toBe(200);
    expect(await ledger(hashes)).toEqual({ signatures: before.signatures + 1, sads: 1, remaining: 0 });
  });

  it('reused code: invalid_grant, the token issued from it is revoked, nothing (more) signed', async () => {
    const hashes = [b64(sha256('fail: reused code'))];
    const before = await ledger(hashes);
    const { pg, code } = await approveOnPage(hashes);
    const t = await exchange(f, p.clientId, p.clientSecret, code, pg.verifier);
    expect(t.status).toBe(200);
    const replay = await exchange(f, p.clientId, p.clientSecret, code, pg.verifier);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect(replay.body.access_token).toBeUndefined();
    expect(await ledger(hashes)).toEqual({ signatures: before.signatures, sads: 1, remaining: 0 });
    const sh = await signHashWith(t.body.access_token as string, hashes);
    expect(sh.status).toBe(400);
    expect(sh.body.signatures).toBeUndefined();
    expect(await ledger(hashes)).toEqual({ signatures: before.signatures, sads: 1, remaining: 0 });
  });

  it('PKCE mismatch: invalid_grant, no token, the code is burnt, nothing authorised or signed', async () => {
    const hashes = [b64(sha256('fail: pkce'))];
    const before = await ledger(hashes);
    const { pg, code } = await approveOnPage(hashes);
    const wrong = await exchange(f, p.clientId, p.clientSecret, code, pkce().verifier);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({
      error: 'invalid_grant',
      error_description: 'PKCE verification failed',
    });
    expect(wrong.body.access_token).toBeUndefined();
    const right = await exchange(f, p.clientId, p.clientSecret, code, pg.verifier);
    expect(right.status).toBe(400);
    expect(right.body.access_token).toBeUndefined();
    expect(await ledger(hashes)).toEqual({ signatures: before.signatures, sads: 0, remaining: 0 });
  });

  it('asynchronous approval: 202 handle, pending list shows exactly what will be signed, approve with OTP, SAD', async () => {
    const tok = await token(f, p.clientId, p.clientSecret);
    const h = sha256('đơn đề nghị');
    const a = await call(f, 'POST', '/csc/v2/credentials/authorize', {
      token: tok,
      json: {
        credentialID: p.credentialId,
        numSignatures: 1,
        hashes: [b64(h)],
        hashAlgorithmOID: SHA256_OID,
        description: 'Đơn đề nghị cấp giấy phép',
        operationMode: 'A',
      },
    });
    expect(a.status, JSON.stringify(a.body)).toBe(202);
    const handle = a.body.handle as string;
    const pending = await call(f, 'POST', '/csc/v2/credentials/authorizeCheck', {
      token: tok,
      json: { handle },
    });
    expect(pending.status).toBe(202);
    expect(pending.body.handle).toBe(handle);

    // Subscriber signs in with the PIN.
    const jar = new Jar();
    const login = await f('/approve?lang=en');
    jar.take(login);
    const lhtml = await login.text();
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    const wrong = await postForm(
      f,
      '/approve/login',
      { identifier: p.cccd, pin: '111111', csrf: hidden(lhtml, 'csrf')! },
      jar,
    );
    expect(wrong.status).toBe(400);
    expect(await failedAttempts()).toBe(1);
    const again = await f('/approve', { headers: { cookie: jar.header() } });
    jar.take(again);
    const ok = await postForm(
      f,
      '/approve/login',
      { identifier: p.cccd, pin: '246810', csrf: hidden(await again.text(), 'csrf')! },
      jar,
    );
    expect(ok.status).toBe(303);
    expect(await failedAttempts()).toBe(1); // a PIN alone does not clear earlier failures
    const list = await f('/approve?lang=en', { headers: { cookie: jar.header() } });
    const page = await list.text();
    expect(page).toContain('Agency portal');
    expect(page).toContain(h.toString('hex'));
    expect(page).toContain('Đơn đề nghị cấp giấy phép');
    const request = hidden(page, 'request')!;
    const csrf = hidden(page, 'csrf')!;
    const missing = await postForm(
      f,
      '/approve/decide',
      { request, decision: 'approve', otp: otp.next() },
      jar,
    );
    expect(missing.status).toBe(403);
    const approve = await postForm(
      f,
      '/approve/decide',
      { request, csrf, decision: 'approve', otp: otp.next() },
      jar,
    );
    expect(approve.status).toBe(303);
    expect(await failedAttempts()).toBe(0);

    const done = await call(f, 'POST', '/csc/v2/credentials/authorizeCheck', {
      token: tok,
      json: { handle },
    });
    expect(done.status).toBe(200);
    const sig = await call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: tok,
      json: {
        credentialID: p.credentialId,
        SAD: done.body.SAD,
        hashes: [b64(h)],
        hashAlgorithmOID: SHA256_OID,
        signAlgo: '1.2.840.10045.2.1',
      },
    });
    expect(sig.status).toBe(200);
    // Delivered once.
    const twice = await call(f, 'POST', '/csc/v2/credentials/authorizeCheck', {
      token: tok,
      json: { handle },
    });
    expect(twice.status).toBe(400);
    // Another client cannot poll it.
    const other = await call(f, 'POST', '/admin/clients', { token: s.operatorKey, json: { name: 'Other' } });
    const otok = await token(f, other.body.clientId, other.body.clientSecret);
    const foreign = await call(f, 'POST', '/csc/v2/credentials/authorizeCheck', {
      token: otok,
      json: { handle },
    });
    expect(foreign.status).toBe(400);
  });

  it('asynchronous approval: refusal gives access_denied; expiry gives expired_token; policy async answers 202', async () => {
    const tok = await token(f, p.clientId, p.clientSecret);
    const pol = await call(f, 'POST', `/admin/credentials/${p.credentialId}/auth-policy`, {
      token: s.operatorKey,
      json: { policy: 'async' },
    });
    expect(pol.status).toBe(200);
    const start = async (what: string) => {
      const a = await call(f, 'POST', '/csc/v2/credentials/authorize', {
        token: tok,
        json: {
          credentialID: p.credentialId,
          numSignatures: 1,
          hashes: [b64(sha256(what))],
          hashAlgorithmOID: SHA256_OID,
        },
      });
      expect(a.status).toBe(202);
      return a.body.handle as string;
    };
    const sigsBefore = (await ledger([])).signatures;
    const h1 = await start('refuse me');
    const h2 = await start('let me expire');
    const jar = new Jar();
    const login = await f('/approve');
    jar.take(login);
    await postForm(
      f,
      '/approve/login',
      { identifier: p.cccd, pin: '246810', csrf: hidden(await login.text(), 'csrf')! },
      jar,
    );
    const page = await (await f('/approve', { headers: { cookie: jar.header() } })).text();
    const ids = [...page.matchAll(/name="request" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2);
    const csrf = hidden(page, 'csrf')!;
    const refuse = await postForm(f, '/approve/decide', { request: ids[0]!, csrf, decision: 'refuse' }, jar);
    expect(refuse.status).toBe(303);
    const r1 = await call(f, 'POST', '/csc/v2/credentials/authorizeCheck', {
      token: tok,
      json: { handle: h1 },
    });
    expect(r1.status).toBe(403);
    expect(r1.body.error).toBe('access_denied');

    await s.kyso.ctx.db.query(
      `UPDATE auth_requests SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [ids[1]],
    );
    const r2 = await call(f, 'POST', '/csc/v2/credentials/authorizeCheck', {
      token: tok,
      json: { handle: h2 },
    });
    expect(r2.status).toBe(400);
    expect(r2.body.error).toBe('expired_token');
    // An expired request can no longer be approved.
    const late = await postForm(
      f,
      '/approve/decide',
      { request: ids[1]!, csrf, decision: 'approve', otp: otp.next() },
      jar,
    );
    expect(late.status).toBe(400);
    // Polling again changes nothing; neither request produced a SAD or a signature.
    const r3 = await call(f, 'POST', '/csc/v2/credentials/authorizeCheck', {
      token: tok,
      json: { handle: h1 },
    });
    expect(r3.status).toBe(403);
    expect(r3.body.SAD).toBeUndefined();
    expect(await ledger([b64(sha256('refuse me')), b64(sha256('let me expire'))])).toEqual({
      signatures: sigsBefore,
      sads: 0,
      remaining: 0,
    });
    await call(f, 'POST', `/admin/credentials/${p.credentialId}/auth-policy`, {
      token: s.operatorKey,
      json: { policy: 'explicit' },
    });
  });

  it('oauth2/revoke ends a credential token; the audit chain records every step and verifies', async () => {
    const h = sha256('revoke');
    const pg = await openPage([b64(h)]);
    const r = await postForm(
      f,
      AUTH,
      { request: pg.request, csrf: pg.csrf, decision: 'approve', pin: '246810', otp: otp.next() },
      pg.jar,
    );
    const code = new URL(r.headers.get('location')!).searchParams.get('code')!;
    const t = await exchange(f, p.clientId, p.clientSecret, code, pg.verifier);
    const rv = await f('/csc/v2/oauth2/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: t.body.access_token,
        client_id: p.clientId,
        client_secret: p.clientSecret,
      }).toString(),
    });
    expect(rv.status).toBe(204);
    const sig = await call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: t.body.access_token,
      json: {
        credentialID: p.credentialId,
        hashes: [b64(h)],
        hashAlgorithmOID: SHA256_OID,
        signAlgo: '1.2.840.10045.2.1',
      },
    });
    expect(sig.status).toBe(400);
    const actions = (
      await s.kyso.ctx.db.query<{ action: string }>('SELECT DISTINCT action FROM audit_log')
    ).rows.map((x) => x.action);
    for (const a of [
      'oauth2.authorize.request',
      'oauth2.authorize.success',
      'oauth2.authorize.failure',
      'oauth2.authorize.denied',
      'oauth2.authorize.csrf_refused',
      'oauth2.token.issue',
      'oauth2.token.refused',
      'oauth2.revoke',
      'approval.request',
      'approval.signin.success',
      'approval.approve.success',
      'approval.denied',
      'approval.sad.issue',
    ])
      expect(actions).toContain(a);
    expect((await verifyAudit(s.kyso.ctx.db)).ok).toBe(true);
  });
});
