/**
 * Passkeys (issue 18), server side, with a software authenticator that builds WebAuthn responses
 * byte by byte (test/helpers/webauthn.ts): enrolment by operator code + PIN, per-credential
 * factors, approval whose challenge binds the approved hashes, the assertion kept in the audit as
 * evidence (re-verified here from the audit record alone), the signature verified with OpenSSL;
 * and what a browser never sends: an assertion for other hashes, a replayed assertion, a wrong
 * origin, no user verification, a counter going backwards — each refused, audited and counted
 * toward the lockout. Attestation policy "direct" refuses a "none" attestation.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { verifyAudit } from '../src/audit.js';
import { CscClient } from '../src/client/index.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { AuthzService } from '../src/services/authz.js';
import { CscService } from '../src/services/csc.js';
import { approvalChallenge, PasskeyService, rpOf } from '../src/services/passkeys.js';
import { call, type Fetcher, provision } from './helpers/client.js';
import { type Backend, requirePostgres, startTestServer, type TestServer } from './helpers/env.js';
import { SoftAuthenticator } from './helpers/webauthn.js';

// biome-ignore lint/suspicious/noExplicitAny: audit details are free-form JSON
type Details = Record<string, any>;
const hasOpenssl = requireTool('openssl');
const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const ECDSA_SHA256 = '1.2.840.10045.4.3.2';

const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const attr = (html: string, re: RegExp) => unescapeHtml(re.exec(html)![1]!);
const form = (o: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(o).toString(),
});

const backends: Backend[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');

describe.each(backends)('passkeys: enrolment, bound approval, refusals (%s)', (backend) => {
  let s: TestServer;
  let f: Fetcher;
  let authz: AuthzService;
  let rp: ReturnType<typeof rpOf>;

  beforeAll(async () => {
    s = await startTestServer(backend);
    f = async (p, init) => s.kyso.app.request(p, init);
    authz = new AuthzService(s.kyso.ctx, s.kyso.ca, new CscService(s.kyso.ctx, s.kyso.ca));
    rp = rpOf(s.config.publicBaseUrl);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  async function enrol(subscriberId: string, pin = '246810') {
    const code = await call(f, 'POST', `/admin/subscribers/${subscriberId}/passkey-enrolment`, {
      token: s.operatorKey,
      json: {},
    });
    expect(code.status).toBe(201);
    expect(code.body.code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    expect(code.body.enrolUrl).toBe(`${s.config.publicBaseUrl}/passkey/enrol`);
    const page = await f('/passkey/enrol', form({ code: code.body.code.toLowerCase(), pin, lang: 'en' }));
    const html = await page.text();
    expect(page.status, html).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const ceremony = attr(html, /name="ceremony" value="([^"]+)"/);
    const options = JSON.parse(attr(html, /name="registration" value="" data-options="([^"]+)"/));
    expect(options.rp.id).toBe(rp.rpID);
    expect(options.authenticatorSelection.userVerification).toBe('required');
    const auth = new SoftAuthenticator(rp.rpID, rp.origin, { backupEligible: true, backedUp: true });
    const done = await f(
      '/passkey/enrol/finish',
      form({ ceremony, registration: JSON.stringify(auth.register(options.challenge)), lang: 'en' }),
    );
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('id="enrolled"');
    return { auth, code: code.body.code as string };
  }

  async function setFactors(credentialId: string, factors: string) {
    return call(f, 'POST', `/admin/credentials/${credentialId}/factors`, {
      token: s.operatorKey,
      json: { factors },
    });
  }

  const lastAudit = async (action: string) =>
    (
      await s.kyso.ctx.db.query<{ details: Details }>(
        'SELECT details FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1',
        [action],
      )
    ).rows[0]?.details;

  it('enrol (code + PIN), passkey factor, async approval bound to the hashes, evidence in the audit, OpenSSL verifies', async () => {
    const p = await provision(f, s.operatorKey);
    // A passkey factor needs a passkey.
    expect((await setFactors(p.credentialId, 'passkey')).status).toBe(409);
    const { auth, code } = await enrol(p.subscriberId);
    // The code is single-use.
    const again = await f('/passkey/enrol', form({ code, pin: '246810' }));
    expect(again.status).toBe(400);
    expect(await lastAudit('passkey.enrol.refused')).toMatchObject({ reason: /enrolment code/ });
    const list = await call(f, 'GET', `/admin/subscribers/${p.subscriberId}/passkeys`, {
      token: s.operatorKey,
    });
    expect(list.body.passkeys).toHaveLength(1);
    expect(list.body.passkeys[0]).toMatchObject({
      webauthnId: auth.id,
      backupEligible: true,
      backedUp: true,
      attestationFormat: 'none',
      signCount: 0,
      disabled: false,
    });
    expect((await setFactors(p.credentialId, 'passkey')).body).toEqual({ factors: 'passkey' });

    // credentials/authorize without operationMode: a passkey credential is approved on the page (202).
    const csc = new CscClient({
      baseUrl: 'http://kyso.test',
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      fetch: ((u: string, i?: RequestInit) => f(new URL(u).pathname + new URL(u).search, i)) as typeof fetch,
    });
    const data = Buffer.from('Quyết định số 12/QĐ-UBND');
    const digest = crypto.createHash('sha256').update(data).digest();
    const tok = await csc.serviceToken();
    const r = await call(f, 'POST', '/csc/v2/credentials/authorize', {
      token: tok,
      json: {
        credentialID: p.credentialId,
        numSignatures: 1,
        hashes: [digest.toString('base64')],
        hashAlgorithmOID: SHA256_OID,
        authData: [
          { id: 'PIN', value: '246810' },
          { id: 'OTP', value: '000000' },
        ],
      },
    });
    expect(r.status).toBe(202);
    const handle = r.body.handle as string;
    // credentials/info says the factors are collected by the provider, not relayed.
    const info = await call(f, 'POST', '/csc/v2/credentials/info', {
      token: tok,
      json: { credentialID: p.credentialId, authInfo: true },
    });
    expect(info.body.auth).toEqual({ mode: 'oauth2code', expression: 'PASSKEY', objects: [] });

    const [v] = await authz.pending(p.subscriberId);
    expect(v!.factors).toBe('passkey');
    const row = (
      await s.kyso.ctx.db.query<{ passkey_nonce: Uint8Array }>(
        'SELECT passkey_nonce FROM auth_requests WHERE id = $1',
        [v!.id],
      )
    ).rows[0]!;
    const expected = approvalChallenge({
      credentialId: p.credentialId,
      hashAlgorithm: 'SHA-256',
      hashes: [digest.toString('base64')],
      numSignatures: 1,
      clientId: p.clientId,
      nonce: row.passkey_nonce,
    });
    expect(v!.passkeyOptions).toMatchObject({
      challenge: expected,
      rpId: rp.rpID,
      userVerification: 'required',
      allowCredentials: [{ id: auth.id, type: 'public-key', transports: ['internal'] }],
    });
    const assertion = JSON.stringify(auth.assert(expected));
    expect(await authz.decideAsync(p.subscriberId, v!.id, 'approve', undefined, assertion)).toBe('approved');
    const sad = await csc.waitForApproval(handle, { intervalMs: 10 });
    const [sig] = await csc.signHash({
      credentialID: p.credentialId,
      hashes: [digest],
      hashAlgorithmOID: SHA256_OID,
      signAlgo: ECDSA_SHA256,
      SAD: sad,
    });
    if (hasOpenssl) {
      const d = tmpDir();
      fs.writeFileSync(path.join(d, 'c.pem'), p.certificatePem);
      fs.writeFileSync(path.join(d, 'data.bin'), data);
      fs.writeFileSync(path.join(d, 'sig.bin'), sig!);
      const pub = openssl(['x509', '-in', path.join(d, 'c.pem'), '-pubkey', '-noout']);
      fs.writeFileSync(path.join(d, 'pub.pem'), pub.stdout);
      const ver = openssl([
        'dgst',
        '-sha256',
        '-verify',
        path.join(d, 'pub.pem'),
        '-signature',
        path.join(d, 'sig.bin'),
        path.join(d, 'data.bin'),
      ]);
      expect(ver.stdout + ver.stderr).toContain('Verified OK');
    }

    // The audit record alone proves consent: its assertion verifies with the passkey's public key
    // and its challenge is the digest of the approved hashes.
    const ev = await lastAudit('approval.approve.success');
    expect(ev).toMatchObject({ factors: ['passkey'], hashes: [digest.toString('base64')], numSignatures: 1 });
    const a = ev!.passkey as Details;
    expect(a).toMatchObject({
      webauthnId: auth.id,
      userVerified: true,
      backupEligible: true,
      backedUp: true,
      signCount: 1,
    });
    const cd = JSON.parse(Buffer.from(a.assertion.clientDataJSON, 'base64url').toString());
    expect(cd).toMatchObject({ type: 'webauthn.get', challenge: expected, origin: rp.origin });
    const signed = Buffer.concat([
      Buffer.from(a.assertion.authenticatorData, 'base64url'),
      crypto.createHash('sha256').update(Buffer.from(a.assertion.clientDataJSON, 'base64url')).digest(),
    ]);
    expect(
      crypto.verify('sha256', signed, auth.keys.publicKey, Buffer.from(a.assertion.signature, 'base64url')),
    ).toBe(true);
    expect((await verifyAudit(s.kyso.ctx.db)).ok).toBe(true);
  });

  it('refused and audited: other hashes, wrong origin, no user verification, counter backwards, replay; lockout', async () => {
    const p = await provision(f, s.operatorKey, { type: 'EC', curve: 'P-256' }, 'Trần Thị Bình');
    const { auth } = await enrol(p.subscriberId);
    await setFactors(p.credentialId, 'passkey');
    const csc = new CscClient({
      baseUrl: 'http://kyso.test',
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      fetch: ((u: string, i?: RequestInit) => f(new URL(u).pathname + new URL(u).search, i)) as typeof fetch,
    });
    const h = (t: string) => crypto.createHash('sha256').update(t).digest();
    await csc.authorizeAsync({ credentialID: p.credentialId, hashes: [h('đơn A')] });
    await csc.authorizeAsync({ credentialID: p.credentialId, hashes: [h('đơn B')] });
    const [va, vb] = await authz.pending(p.subscriberId);
    const chA = va!.passkeyOptions!.challenge as string;
    const chB = vb!.passkeyOptions!.challenge as string;
    expect(chA).not.toBe(chB);
    const decide = (a: unknown, id = va!.id) =>
      authz.decideAsync(p.subscriberId, id, 'approve', undefined, JSON.stringify(a));
    const failure = () => lastAudit('approval.approve.failure');

    // An assertion made for request B's hashes, posted for request A.
    expect(await decide(auth.assert(chB))).toMatchObject({ outcome: 'passkey', attemptsLeft: 4 });
    expect(await failure()).toMatchObject({
      factor: 'passkey',
      reason: /challenge mismatch/,
      request: va!.id,
    });
    // Another origin (a phishing site relaying the challenge).
    expect(await decide(auth.assert(chA, { origin: 'https://kyso.example.net' }))).toMatchObject({
      outcome: 'passkey',
    });
    expect(await failure()).toMatchObject({ reason: 'wrong origin' });
    // User presence only, no user verification.
    expect(await decide(auth.assert(chA, { userVerified: false }))).toMatchObject({ outcome: 'passkey' });
    expect(await failure()).toMatchObject({ reason: 'user verification missing' });
    // A good one, then the counter goes backwards (a cloned authenticator).
    expect(await decide(auth.assert(chA, { counter: 10 }))).toBe('approved');
    expect(await decide(auth.assert(chB, { counter: 7 }), vb!.id)).toMatchObject({ outcome: 'passkey' });
    expect(await failure()).toMatchObject({ reason: /sign counter/, request: vb!.id });
    // The successful assertion for A replayed: A is decided (refused + audited), B has another challenge.
    const good = auth.assert(chA, { counter: 11 });
    await expect(decide(good)).rejects.toMatchObject({ status: 400 });
    expect(await lastAudit('approval.approve.refused')).toMatchObject({
      factor: 'passkey',
      reason: /replayed or late/,
      request: va!.id,
    });
    expect(await decide(good, vb!.id)).toMatchObject({ outcome: 'passkey' });
    // No assertion at all; an unknown credential.
    expect(await authz.decideAsync(p.subscriberId, vb!.id, 'approve', undefined, undefined)).toMatchObject({
      outcome: 'passkey',
    });
    expect(await authz.decideAsync(p.subscriberId, vb!.id, 'approve', undefined, '{"id":1}')).toMatchObject({
      outcome: 'passkey',
    });
    expect(await failure()).toMatchObject({ reason: 'malformed assertion' });
    const stranger = new SoftAuthenticator(rp.rpID, rp.origin);
    expect(await decide(stranger.assert(chB), vb!.id)).toMatchObject({ outcome: 'locked' });
    expect(await failure()).toMatchObject({ reason: /not a registered passkey/, locked: true });
    // Locked: even a good assertion is refused now.
    expect(await decide(auth.assert(chB), vb!.id)).toMatchObject({ outcome: 'locked' });
    const sub = await call(f, 'GET', `/admin/subscribers/${p.subscriberId}`, { token: s.operatorKey });
    expect(sub.body.locked).toBe(true);
    // The stored counter is the last accepted one (10): nothing refused moved it.
    const list = await call(f, 'GET', `/admin/subscribers/${p.subscriberId}/passkeys`, {
      token: s.operatorKey,
    });
    expect(list.body.passkeys[0].signCount).toBe(10);
  });

  it('oauth2code with passkey+pin: PIN and assertion both needed; disabled passkey refused; attestation policy', async () => {
    const p = await provision(f, s.operatorKey, { type: 'EC', curve: 'P-256' }, 'Lê Văn Cường');
    await call(f, 'POST', `/admin/clients/${p.clientId}/redirect-uris`, {
      token: s.operatorKey,
      json: { redirectUris: ['http://127.0.0.1:9999/cb'] },
    });
    const { auth } = await enrol(p.subscriberId);
    expect((await setFactors(p.credentialId, 'passkey+pin')).status).toBe(200);
    const digest = crypto.createHash('sha256').update('hợp đồng').digest('base64url');
    const start = () =>
      authz.startAuthorization({
        response_type: 'code',
        client_id: p.clientId,
        redirect_uri: 'http://127.0.0.1:9999/cb',
        scope: 'credential',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
        credentialID: p.credentialId,
        hashes: digest,
        hashAlgorithmOID: SHA256_OID,
      });
    const { id, csrf } = await start();
    const v = (await authz.view(id))!;
    expect(v.factors).toBe('passkey+pin');
    const challenge = v.passkeyOptions!.challenge as string;
    const decide = (pin: string | undefined, assertion: unknown) =>
      authz.decideAuthorization({
        id,
        csrfForm: csrf,
        csrfCookie: csrf,
        decision: 'approve',
        pin,
        assertion: assertion === undefined ? undefined : JSON.stringify(assertion),
      });
    expect(await decide('000000', auth.assert(challenge))).toMatchObject({ outcome: 'pin' });
    expect(await decide('246810', undefined)).toMatchObject({ outcome: 'passkey' });
    // Signed for another relying party (RP ID hash of another domain).
    expect(await decide('246810', auth.assert(challenge, { rpId: 'kyso.example.net' }))).toMatchObject({
      outcome: 'passkey',
    });
    expect(await lastAudit('oauth2.authorize.failure')).toMatchObject({ reason: 'wrong RP ID' });
    const ok = await decide('246810', auth.assert(challenge));
    expect('redirect' in ok && new URL(ok.redirect).searchParams.get('code')).toBeTruthy();
    expect(await lastAudit('oauth2.authorize.success')).toMatchObject({ factors: ['PIN', 'passkey'] });

    // Disable the passkey: it no longer approves.
    const list = await call(f, 'GET', `/admin/subscribers/${p.subscriberId}/passkeys`, {
      token: s.operatorKey,
    });
    const dis = await call(
      f,
      'POST',
      `/admin/subscribers/${p.subscriberId}/passkeys/${list.body.passkeys[0].id}/disable`,
      { token: s.operatorKey, json: {} },
    );
    expect(dis.body).toEqual({ disabled: true });
    const second = await start();
    const ch2 = (await authz.view(second.id))!.passkeyOptions!.challenge as string;
    expect(
      await authz.decideAuthorization({
        id: second.id,
        csrfForm: second.csrf,
        csrfCookie: second.csrf,
        decision: 'approve',
        pin: '246810',
        assertion: JSON.stringify(auth.assert(ch2)),
      }),
    ).toMatchObject({ outcome: 'passkey' });
    expect(await lastAudit('oauth2.authorize.failure')).toMatchObject({ reason: /not a registered passkey/ });

    // Attestation policy "direct": a "none" attestation is refused at enrolment.
    const strict = new PasskeyService({
      ...s.kyso.ctx,
      config: { ...s.kyso.ctx.config, webauthn: { ...s.kyso.ctx.config.webauthn, attestation: 'direct' } },
    });
    const code = await strict.issueEnrolmentCode('operator:test', p.subscriberId);
    const begin = await strict.beginEnrolment(code.code, '246810');
    expect('ceremony' in begin).toBe(true);
    if (!('ceremony' in begin)) return;
    expect((begin.options as { attestation: string }).attestation).toBe('direct');
    const key2 = new SoftAuthenticator(rp.rpID, rp.origin);
    await expect(
      strict.finishEnrolment(
        begin.ceremony,
        JSON.stringify(key2.register((begin.options as { challenge: string }).challenge)),
      ),
    ).rejects.toMatchObject({ status: 400, message: /attestation statement is required/ });
    expect(await lastAudit('passkey.enrol.refused')).toMatchObject({ reason: /attestation/ });
  });

  it('page script served from the server (bundle + glue); a page without a ceremony has no script-src', async () => {
    const js = await f('/passkey/assets/webauthn.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    const text = await js.text();
    expect(text).toContain('SimpleWebAuthnBrowser');
    expect(text).toContain('input[name=assertion][data-options]');
    const page = await f('/passkey/enrol?lang=vi');
    expect(page.headers.get('content-security-policy')).not.toContain('script-src');
    expect(await page.text()).toContain('Mã đăng ký');
  });

  it('the same assertion submitted twice at once approves once', async () => {
    const p = await provision(f, s.operatorKey, { type: 'EC', curve: 'P-256' }, 'Phạm Thị Dung');
    const { auth } = await enrol(p.subscriberId);
    await setFactors(p.credentialId, 'passkey');
    const csc = new CscClient({
      baseUrl: 'http://kyso.test',
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      fetch: ((u: string, i?: RequestInit) => f(new URL(u).pathname + new URL(u).search, i)) as typeof fetch,
    });
    await csc.authorizeAsync({
      credentialID: p.credentialId,
      hashes: [crypto.createHash('sha256').update('song song').digest()],
    });
    const [v] = await authz.pending(p.subscriberId);
    const a = JSON.stringify(auth.assert(v!.passkeyOptions!.challenge as string));
    const results = await Promise.allSettled([
      authz.decideAsync(p.subscriberId, v!.id, 'approve', undefined, a),
      authz.decideAsync(p.subscriberId, v!.id, 'approve', undefined, a),
    ]);
    const approved = results.filter((r) => r.status === 'fulfilled' && r.value === 'approved');
    expect(approved).toHaveLength(1);
    const n = await s.kyso.ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'approval.approve.success' AND details->>'request' = $1`,
      [v!.id],
    );
    expect(n.rows[0]!.n).toBe(1);
  });

  it('configuration: attestation policy and AAGUID list validated at start', () => {
    const base = { KYSO_DATA_DIR: tmpDir() };
    expect(loadConfig(base).webauthn).toEqual({
      attestation: 'none',
      aaguids: [],
      roots: [],
      enrolmentCodeSeconds: 86400,
    });
    const aaguid = 'ee882879-721c-4913-9775-3dfcce97072a';
    expect(
      loadConfig({
        ...base,
        KYSO_WEBAUTHN_ATTESTATION: 'direct',
        KYSO_WEBAUTHN_AAGUIDS: aaguid.toUpperCase(),
      }).webauthn.aaguids,
    ).toEqual([aaguid]);
    expect(() => loadConfig({ ...base, KYSO_WEBAUTHN_ATTESTATION: 'indirect' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, KYSO_WEBAUTHN_AAGUIDS: aaguid })).toThrow(
      /needs KYSO_WEBAUTHN_ATTESTATION=direct/,
    );
    expect(() =>
      loadConfig({ ...base, KYSO_WEBAUTHN_ATTESTATION: 'direct', KYSO_WEBAUTHN_AAGUIDS: 'yubikey' }),
    ).toThrow(/not an AAGUID/);
    expect(() => loadConfig({ ...base, KYSO_WEBAUTHN_ROOTS: '/nonexistent.pem' })).toThrow(
      /needs KYSO_WEBAUTHN_ATTESTATION=direct/,
    );
    const pem = path.join(tmpDir(), 'roots.pem');
    fs.writeFileSync(pem, 'not a certificate');
    expect(() =>
      loadConfig({ ...base, KYSO_WEBAUTHN_ATTESTATION: 'direct', KYSO_WEBAUTHN_ROOTS: pem }),
    ).toThrow(/no PEM certificate/);
    expect(rpOf('https://ky.so.gov.vn/base')).toEqual({
      rpID: 'ky.so.gov.vn',
      origin: 'https://ky.so.gov.vn',
      rpName: 'kyso',
    });
  });
});
