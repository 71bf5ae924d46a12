/**
 * Issue 18, the citizen's side of the approval pages over HTTP (Hono app.request, PGlite):
 * - sign-in on /approve with her CCCD or phone number as the operator registered them (admin API,
 *   unique), never with the generated subscriber id; a wrong identifier and a wrong PIN give the
 *   same page (same status, same HTML but for the per-response tokens), the locked state is told
 *   only to the right PIN;
 * - labels: authorizeAsync (hashes + labels, or prepareDoc's documentDigests) and the description
 *   reach the pending page;
 * - every refusal is a kyso page in Vietnamese or English with the language link: locked (on the
 *   authorisation page and at its start), expired, CSRF, malformed form; the refusal redirect's
 *   error_description is in the request's language (ASCII);
 * - no raw DN, no cred_ id, no repeated element id with several pending requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CscClient } from '../src/client/index.js';
import { OtpDevice, sha256, startTestServer, type TestServer } from './helpers/env.js';
import { call, type Fetcher, provision } from './helpers/client.js';
import { authorizeUrl, hidden, Jar, pkce, postForm, REDIRECT, registerRedirect } from './helpers/authz.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const AUTH = '/csc/v2/oauth2/authorize';

/** The page without what differs per response (CSRF token, style nonce). */
const normalise = (html: string) =>
  html.replace(/name="csrf" value="[^"]*"/g, 'CSRF').replace(/nonce="[^"]*"/g, 'NONCE');

function ids(html: string): string[] {
  return [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
}

describe('approval pages: identity sign-in, labels, refusal pages', () => {
  let s: TestServer;
  let f: Fetcher;
  let p: Awaited<ReturnType<typeof provision>>;
  let otp: OtpDevice;
  let csc: CscClient;

  beforeAll(async () => {
    s = await startTestServer('pglite');
    f = (path, init) => Promise.resolve(s.kyso.app.request(path, init));
    p = await provision(f, s.operatorKey);
    otp = new OtpDevice(p.otpauthUri);
    await registerRedirect(f, s.operatorKey, p.clientId);
    csc = new CscClient({
      baseUrl: 'http://kyso.test',
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      fetch: (input, init) => {
        const u = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
        return Promise.resolve(s.kyso.app.request(`${u.pathname}${u.search}`, init));
      },
    });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  const admin = (path: string, json: unknown) => call(f, 'POST', path, { token: s.operatorKey, json });
  const attempts = async (id = p.subscriberId) =>
    (await call(f, 'GET', `/admin/subscribers/${id}`, { token: s.operatorKey })).body.failed_attempts;

  async function signIn(identifier: string, pin: string, lang = 'vi') {
    const jar = new Jar();
    const page = await f(`/approve?lang=${lang}`);
    jar.take(page);
    const r = await postForm(
      f,
      '/approve/login',
      { identifier, pin, csrf: hidden(await page.text(), 'csrf')!, lang },
      jar,
    );
    jar.take(r);
    return { r, jar, html: r.status === 303 ? '' : await r.text() };
  }

  it('admin API: CCCD and phone registered (normalised, unique, removable), shown on GET', async () => {
    const other = await provision(f, s.operatorKey, undefined, 'Trần Thị Bình');
    const set = await admin(`/admin/subscribers/${other.subscriberId}/sign-in`, { phone: '0912 345 678' });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ cccd: other.cccd, phone: '+84912345678' });
    const got = await call(f, 'GET', `/admin/subscribers/${other.subscriberId}`, { token: s.operatorKey });
    expect(got.body.signIn).toEqual({ cccd: other.cccd, phone: '+84912345678' });
    // Another subscriber cannot take the same identifier, whatever its spelling.
    expect(
      (await admin(`/admin/subscribers/${p.subscriberId}/sign-in`, { phone: '+84 912.345.678' })).status,
    ).toBe(409);
    expect((await admin(`/admin/subscribers/${p.subscriberId}/sign-in`, { cccd: other.cccd })).status).toBe(
      409,
    );
    expect((await admin(`/admin/subscribers/${p.subscriberId}/sign-in`, { cccd: '12345' })).status).toBe(400);
    expect((await admin(`/admin/subscribers/${p.subscriberId}/sign-in`, { phone: '12345' })).status).toBe(
      400,
    );
    expect((await admin(`/admin/subscribers/${p.subscriberId}/sign-in`, {})).status).toBe(400);
    expect((await admin('/admin/subscribers/sub_nobody/sign-in', { cccd: '001099000001' })).status).toBe(404);
    // Removed: the phone no longer signs in; the number is free for someone else.
    expect(
      (await admin(`/admin/subscribers/${other.subscriberId}/sign-in`, { phone: '' })).body.phone,
    ).toBeNull();
    expect((await signIn('0912345678', '246810')).r.status).toBe(400);
  });

  it('sign-in with CCCD or phone (any usual spelling); never with the generated subscriber id', async () => {
    await admin(`/admin/subscribers/${p.subscriberId}/sign-in`, { phone: '0987654321' });
    for (const id of [p.cccd, '0987654321', '+84 987 654 321', '098.765.4321']) {
      const r = await signIn(id, '246810');
      expect(r.r.status, id).toBe(303);
      const list = await (await f('/approve?lang=vi', { headers: { cookie: r.jar.header() } })).text();
      expect(list).toContain('Xin chào');
      expect(list).toContain('Nguyễn Văn An');
    }
    const byId = await signIn(p.subscriberId, '246810');
    expect(byId.r.status).toBe(400);
    expect(byId.html).toContain('Không đăng nhập được');
  });

  it('wrong identifier and wrong PIN: the same page (status and HTML), naming both fields to check', async () => {
    const before = await attempts();
    const unknown = await signIn('001099999999', '246810');
    expect(await attempts()).toBe(before); // nobody's counter moved
    const wrongPin = await signIn(p.cccd, '000000');
    expect(await attempts()).toBe(before + 1); // hers did (lockout)
    expect(unknown.r.status).toBe(400);
    expect(wrongPin.r.status).toBe(400);
    expect(normalise(wrongPin.html.replace(p.cccd, 'ID'))).toBe(
      normalise(unknown.html.replace('001099999999', 'ID')),
    );
    expect(unknown.html).toContain('Hãy kiểm tra lại cả hai ô');
    expect(unknown.html).not.toContain('Còn ');
    // Both fields marked for screen readers; the language link is there.
    expect(unknown.html.match(/aria-invalid="true"/g)).toHaveLength(2);
    expect(unknown.html).toContain('id="lang-switch"');
    const en = await signIn('001099999999', '246810', 'en');
    expect(en.html).toContain('Check both fields');
    // Audited either way (the unknown one without naming anybody).
    const a = await s.kyso.ctx.db.query<{ details: { reason: string } }>(
      `SELECT details FROM audit_log WHERE action = 'approval.signin.refused' ORDER BY seq DESC LIMIT 1`,
    );
    expect(a.rows[0]!.details.reason).toBe('unknown identifier');
    // A correct sign-in afterwards works (the PIN-only success does not clear earlier failures).
    expect((await signIn(p.cccd, '246810')).r.status).toBe(303);
  });

  it('labels and description from authorizeAsync (hashes+labels, and prepareDoc documentDigests) on the pending page; no raw DN, no cred_ id, unique ids', async () => {
    const h1 = sha256('Đơn đăng ký kết hôn');
    const h2 = sha256('Tờ khai thuế');
    await csc.authorizeAsync({
      credentialID: p.credentialId,
      hashes: [h1, h2],
      labels: ['Đơn đăng ký kết hôn.pdf', 'Tờ khai thuế 2026.pdf'],
      description: 'Hồ sơ dịch vụ công số 000.00.12.H29-260101-0001',
    });
    await csc.authorizeAsync({
      credentialID: p.credentialId,
      documentDigests: [{ hash: b64(sha256('Giấy ủy quyền')), label: 'Giấy ủy quyền.pdf' }],
    });
    const { jar } = await signIn(p.cccd, '246810');
    const html = await (await f('/approve?lang=vi', { headers: { cookie: jar.header() } })).text();
    expect(html).toContain('Đơn đăng ký kết hôn.pdf');
    expect(html).toContain('Tờ khai thuế 2026.pdf');
    expect(html).toContain('Giấy ủy quyền.pdf');
    expect(html).toContain('Hồ sơ dịch vụ công số 000.00.12.H29-260101-0001');
    expect(html).toContain('Agency portal');
    // Short digest visible, full digest in <details>.
    const hex = Buffer.from(h1).toString('hex');
    expect(html).toContain(`${hex.slice(0, 8)}…${hex.slice(-8)}`);
    expect(html).toMatch(new RegExp(`<details class="digest">.*${hex}`));
    // Certificate as a person reads it.
    expect(html).toContain(p.cccd);
    expect(html).not.toMatch(/CN=|UID=|O=kyso|cred_/);
    const all = ids(html);
    expect(new Set(all).size, all.join(' ')).toBe(all.length);
    expect(all).toContain('r2-otp');
  });

  it('authorisation page: the language link shows the same request again; refusal redirect in the request language (ASCII)', async () => {
    const { challenge } = pkce();
    const jar = new Jar();
    const r = await f(
      authorizeUrl({
        clientId: p.clientId,
        credentialId: p.credentialId,
        hashes: [b64(sha256('lang'))],
        challenge,
      }),
    );
    jar.take(r);
    const html = await r.text();
    const request = hidden(html, 'request')!;
    const sw = /href="([^"]+)"[^>]*id="lang-switch"/.exec(html)![1]!.replace(/&amp;/g, '&');
    expect(sw).toBe(`${AUTH}?request=${request}&lang=en`);
    const en = await f(sw, { headers: { cookie: jar.header() } });
    expect(en.status).toBe(200);
    const enHtml = await en.text();
    expect(enHtml).toContain('Approve and sign');
    expect(hidden(enHtml, 'request')).toBe(request);
    // Without the browser's cookie: a session page, not the request.
    const stranger = await f(sw);
    expect(stranger.status).toBe(403);
    expect(await stranger.text()).toContain('Your session has ended');
    // Refused in Vietnamese: the redirect carries Vietnamese without diacritics.
    const refuse = await postForm(
      f,
      AUTH,
      { request, csrf: hidden(html, 'csrf')!, decision: 'refuse', lang: 'vi' },
      jar,
    );
    expect(refuse.status).toBe(303);
    const loc = new URL(refuse.headers.get('location')!);
    expect(loc.origin + loc.pathname).toBe(REDIRECT);
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('error_description')).toBe('Ban da tu choi. Khong co gi duoc ky.');
  });

  it('locked on the authorisation page: kyso page (vi/en) with a link back to the agency, not a redirect', async () => {
    const q = await provision(f, s.operatorKey, undefined, 'Lê Thị Cúc');
    await registerRedirect(f, s.operatorKey, q.clientId);
    const qOtp = new OtpDevice(q.otpauthUri);
    const { challenge } = pkce();
    const jar = new Jar();
    const r = await f(
      authorizeUrl({
        clientId: q.clientId,
        credentialId: q.credentialId,
        hashes: [b64(sha256('khóa'))],
        challenge,
      }),
    );
    jar.take(r);
    const html = await r.text();
    const request = hidden(html, 'request')!;
    let last: Response | undefined;
    for (let i = 0; i < s.kyso.ctx.config.maxFailedAttempts; i++)
      last = await postForm(
        f,
        AUTH,
        {
          request,
          csrf: hidden(html, 'csrf')!,
          decision: 'approve',
          pin: '000000',
          otp: qOtp.next(),
          lang: 'vi',
        },
        jar,
      );
    expect(last!.status).toBe(403);
    expect(last!.headers.get('location')).toBeNull();
    const page = await last!.text();
    expect(page).toContain('Chứng thư số đã bị khóa');
    expect(page).toContain('id="lang-switch"');
    const back = new URL(/id="back" href="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&'));
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toMatch(/^Chung thu so da bi khoa/);
    expect(back.searchParams.get('state')).toBe('st-123');
    // The same page in English through the language link.
    const en = await f(`${AUTH}?request=${request}&lang=en`, { headers: { cookie: jar.header() } });
    const enHtml = await en.text();
    expect(en.status).toBe(403);
    expect(enHtml).toContain('Your signing credential is locked');
    expect(
      new URL(/id="back" href="([^"]+)"/.exec(enHtml)![1]!.replace(/&amp;/g, '&')).searchParams.get(
        'error_description',
      ),
    ).toMatch(/^Your credential was locked/);
    // A new request for the locked credential: the page again (no redirect), nothing pending.
    const again = await f(
      authorizeUrl({
        clientId: q.clientId,
        credentialId: q.credentialId,
        hashes: [b64(sha256('lại'))],
        challenge,
      }),
    );
    expect(again.status).toBe(403);
    expect(again.headers.get('location')).toBeNull();
    expect(await again.text()).toContain('Chứng thư số đã bị khóa');
    // Sign-in on /approve: a wrong PIN reads like any failure; the right PIN is told "locked".
    const wrong = await signIn(q.cccd, '000000');
    expect(wrong.r.status).toBe(400);
    expect(wrong.html).toContain('Không đăng nhập được');
    const right = await signIn(q.cccd, '246810');
    expect(right.r.status).toBe(403);
    expect(right.html).toContain('Chứng thư số đã bị khóa');
  });

  it('async approval: a wrong OTP is told in its request, the lockout gives the locked page (and /approve stays on it)', async () => {
    const q = await provision(f, s.operatorKey, undefined, 'Võ Văn Dũng');
    const qCsc = new CscClient({
      baseUrl: 'http://kyso.test',
      clientId: q.clientId,
      clientSecret: q.clientSecret,
      fetch: (input, init) => {
        const u = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
        return Promise.resolve(s.kyso.app.request(`${u.pathname}${u.search}`, init));
      },
    });
    await qCsc.authorizeAsync({ credentialID: q.credentialId, hashes: [sha256('một')], labels: ['Một.pdf'] });
    await qCsc.authorizeAsync({ credentialID: q.credentialId, hashes: [sha256('hai')], labels: ['Hai.pdf'] });
    const { jar } = await signIn(q.cccd, '246810', 'vi');
    const list = await (await f('/approve', { headers: { cookie: jar.header() } })).text();
    const requests = [...list.matchAll(/name="request" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(requests).toHaveLength(2);
    const csrf = hidden(list, 'csrf')!;
    const wrong = await postForm(
      f,
      '/approve/decide',
      { request: requests[1]!, csrf, decision: 'approve', otp: '000000', lang: 'vi' },
      jar,
    );
    expect(wrong.status).toBe(400);
    const html = await wrong.text();
    // The alert sits in the second request's article, its OTP field marked.
    expect(html).toMatch(/id="r2-error"[^>]*>Mã OTP không đúng hoặc đã được dùng\. Còn \d lần thử\./);
    expect(html).not.toContain('id="r1-error"');
    expect(html).toMatch(/id="r2-otp"[^>]*aria-invalid="true"/);
    let last: Response | undefined;
    for (let i = 0; i < s.kyso.ctx.config.maxFailedAttempts; i++)
      last = await postForm(
        f,
        '/approve/decide',
        { request: requests[0]!, csrf, decision: 'approve', otp: '000000', lang: 'vi' },
        jar,
      );
    expect(last!.status).toBe(403);
    expect(await last!.text()).toContain('Chứng thư số đã bị khóa');
    const after = await f('/approve?lang=en', { headers: { cookie: jar.header() } });
    expect(after.status).toBe(403);
    const afterHtml = await after.text();
    expect(afterHtml).toContain('Your signing credential is locked');
    expect(afterHtml).not.toContain('name="otp"');
  });

  it('refusals are pages, never JSON: bad CSRF, malformed form, expired async request, unknown client', async () => {
    const noCsrf = await f('/approve/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ identifier: p.cccd, pin: '246810', lang: 'en' }),
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.headers.get('content-type')).toContain('text/html');
    expect(await noCsrf.text()).toContain('Your session has ended');
    const bad = await f('/approve/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ identifier: 'x'.repeat(40), pin: '1' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('text/html');
    expect(await bad.text()).toContain('Yêu cầu ký không hợp lệ');
    // Expired pending request: the expired page, in the session's language, with the link.
    const { handle } = await csc.authorizeAsync({
      credentialID: p.credentialId,
      hashes: [sha256('hết hạn')],
    });
    const row = await s.kyso.ctx.db.query<{ id: string }>(
      `SELECT id FROM auth_requests WHERE kind = 'async' AND status = 'pending' ORDER BY created_at DESC LIMIT 1`,
    );
    expect(handle).toBeTruthy();
    const { jar } = await signIn(p.cccd, '246810');
    const list = await (await f('/approve', { headers: { cookie: jar.header() } })).text();
    await s.kyso.ctx.db.query(
      `UPDATE auth_requests SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [row.rows[0]!.id],
    );
    const late = await postForm(
      f,
      '/approve/decide',
      {
        request: row.rows[0]!.id,
        csrf: hidden(list, 'csrf')!,
        decision: 'approve',
        otp: otp.next(),
        lang: 'en',
      },
      jar,
    );
    expect(late.status).toBe(400);
    const lateHtml = await late.text();
    expect(lateHtml).toContain('The signature request has expired');
    expect(lateHtml).toContain('id="lang-switch"');
    const unknownClient = await f(`${AUTH}?client_id=cl_nobody&redirect_uri=x&lang=en`);
    expect(unknownClient.status).toBe(400);
    expect(await unknownClient.text()).toContain('not registered with this signing server');
  });
});
