/**
 * Passkeys in a real browser (playwright-core driving Debian's /usr/bin/chromium) with a CDP
 * virtual authenticator (WebAuthn.addVirtualAuthenticator: CTAP2, internal = a platform
 * authenticator such as a phone's, resident keys, user verification): the citizen enrols a passkey
 * on the server's page with the operator's code and her PIN, then approves a signature with it in
 * both flows — the asynchronous approval page (/approve) and the OAuth2 authorisation page
 * (passkey + PIN). The signatures made verify with OpenSSL. An assertion the browser made for
 * other hashes (another request's challenge put into the page) is refused, shown and audited; with
 * user verification failing the browser sends nothing and the page says so.
 *
 * The server runs at http://localhost:<port> (KYSO_PUBLIC_URL): WebAuthn needs a secure context
 * and a domain as RP ID (an IP address is not one); localhost is both.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { CscClient } from '../src/client/index.js';
import { loadConfig } from '../src/config.js';
import { callbackServer, launchChromium } from '../src/demo/browser.js';
import { createLogger } from '../src/log.js';
import { type RunningServer, startServer } from '../src/server.js';
import { call, type Fetcher, provision } from './helpers/client.js';
import { demoCaDir, testEnv } from './helpers/env.js';

// biome-ignore lint/suspicious/noExplicitAny: audit details are free-form JSON
type Details = Record<string, any>;
const hasChromium = requireTool('chromium');
const hasOpenssl = requireTool('openssl');
const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const ARTEFACTS = path.join(import.meta.dirname, '../test-artifacts');
const DOCS_IMG = path.join(import.meta.dirname, '../../../docs/img');
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core run in the page (over CDP, so the CSP does not block it): no serious or critical violation. */
async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(AXE);
  const r = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(
            ctx: unknown,
            o: unknown,
          ): Promise<{ violations: { id: string; impact: string | null }[]; passes: unknown[] }>;
        };
      }
    ).axe;
    const out = await axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
      },
    });
    return {
      violations: out.violations.map((v) => ({ id: v.id, impact: v.impact })),
      passes: out.passes.length,
    };
  });
  expect(r.passes).toBeGreaterThan(10);
  expect(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
}

/** Phone-sized screenshots: kept as test artefacts, copied to docs/img with KYSO_UPDATE_SCREENSHOTS=1. */
async function shot(page: Page, name: string): Promise<void> {
  const file = path.join(ARTEFACTS, name);
  await page.screenshot({ path: file, fullPage: true });
  expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  await expectAccessible(page);
  if (process.env.KYSO_UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(DOCS_IMG, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS_IMG, name));
  }
}

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = import('playwright-core').Page;
type CDPSession = import('playwright-core').CDPSession;

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function opensslVerifies(certPem: string, data: Uint8Array, sig: Uint8Array): boolean {
  const d = tmpDir();
  fs.writeFileSync(path.join(d, 'c.pem'), certPem);
  fs.writeFileSync(path.join(d, 'data.bin'), data);
  fs.writeFileSync(path.join(d, 'sig.bin'), sig);
  fs.writeFileSync(
    path.join(d, 'pub.pem'),
    openssl(['x509', '-in', path.join(d, 'c.pem'), '-pubkey', '-noout']).stdout,
  );
  const r = openssl([
    'dgst',
    '-sha256',
    '-verify',
    path.join(d, 'pub.pem'),
    '-signature',
    path.join(d, 'sig.bin'),
    path.join(d, 'data.bin'),
  ]);
  return /Verified OK/.test(r.stdout);
}

describe.skipIf(!hasChromium)('passkeys in Chromium (CDP virtual authenticator)', () => {
  let srv: RunningServer;
  let base: string;
  let browser: Browser;
  let cb: Awaited<ReturnType<typeof callbackServer>>;
  let f: Fetcher;
  let operatorKey: string;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let p: Awaited<ReturnType<typeof provision>>;
  let csc: CscClient;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    const config = loadConfig(
      testEnv('pglite', {
        PORT: String(port),
        HOST: '127.0.0.1',
        KYSO_PUBLIC_URL: base,
        KYSO_DEMO_CA_DIR: await demoCaDir(),
      }),
    );
    srv = await startServer(config, createLogger('silent'));
    operatorKey = srv.kyso.firstOperatorKey!;
    f = (q, init) => fetch(`${srv.url}${q}`, init);
    cb = await callbackServer();
    browser = await launchChromium();
    fs.mkdirSync(ARTEFACTS, { recursive: true });
    p = await provision(f, operatorKey);
    await call(f, 'POST', `/admin/clients/${p.clientId}/redirect-uris`, {
      token: operatorKey,
      json: { redirectUris: [cb.url] },
    });
    csc = new CscClient({ baseUrl: base, clientId: p.clientId, clientSecret: p.clientSecret });
    const ctx = await browser.newContext({ locale: 'vi-VN', viewport: { width: 390, height: 844 } });
    page = await ctx.newPage();
    cdp = await ctx.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    authenticatorId = (
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      })
    ).authenticatorId;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await cb?.close();
    await srv?.stop();
  });

  const audit = async (action: string) =>
    (
      await srv.kyso.ctx.db.query<{ details: Details }>(
        'SELECT details FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1',
        [action],
      )
    ).rows[0]?.details;

  it('enrols a passkey on the server page (operator code + PIN)', async () => {
    const code = await call(f, 'POST', `/admin/subscribers/${p.subscriberId}/passkey-enrolment`, {
      token: operatorKey,
      json: {},
    });
    expect(code.status).toBe(201);
    expect(code.body.enrolUrl).toBe(`${base}/passkey/enrol`);
    await page.goto(code.body.enrolUrl);
    await expectAccessible(page);
    await page.fill('#code', code.body.code);
    await page.fill('#pin', '246810');
    await page.click('#continue');
    await page.waitForSelector('#create');
    await shot(page, 'passkey-enrol-phone.png');
    await page.click('#create');
    await page.waitForSelector('#enrolled', { timeout: 30_000 });
    const creds = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(creds.credentials).toHaveLength(1);
    const list = await call(f, 'GET', `/admin/subscribers/${p.subscriberId}/passkeys`, {
      token: operatorKey,
    });
    expect(list.body.passkeys).toHaveLength(1);
    expect(Buffer.from(creds.credentials[0]!.credentialId, 'base64').toString('base64url')).toBe(
      list.body.passkeys[0].webauthnId,
    );
    expect(list.body.passkeys[0].transports).toContain('internal');
    expect(await audit('passkey.enrol.success')).toMatchObject({
      userVerified: true,
      attestationFormat: 'none',
    });
    const fx = await call(f, 'POST', `/admin/credentials/${p.credentialId}/factors`, {
      token: operatorKey,
      json: { factors: 'passkey' },
    });
    expect(fx.status).toBe(200);
  });

  it('asynchronous approval on /approve with the passkey; the signature verifies with OpenSSL', async () => {
    const data = Buffer.from('Tờ khai đăng ký thường trú — Nguyễn Văn An');
    const digest = crypto.createHash('sha256').update(data).digest();
    const { handle } = await csc.authorizeAsync({ credentialID: p.credentialId, hashes: [digest] });
    await page.goto(`${base}/approve`);
    await page.fill('#identifier', p.cccd);
    await page.fill('#pin', '246810');
    await page.click('#signin');
    await page.waitForSelector('article.pending');
    expect(await page.textContent('main')).toContain(digest.toString('hex'));
    await shot(page, 'passkey-approve-phone.png');
    await page.click('article.pending button[value=approve]');
    await page.waitForURL(/done=approved/, { timeout: 30_000 });
    const sad = await csc.waitForApproval(handle, { intervalMs: 50, timeoutMs: 10_000 });
    const [sig] = await csc.signHash({
      credentialID: p.credentialId,
      hashes: [digest],
      hashAlgorithmOID: SHA256_OID,
      signAlgo: ECDSA_SHA256,
      SAD: sad,
    });
    if (hasOpenssl) expect(opensslVerifies(p.certificatePem, data, sig!)).toBe(true);
    const ev = await audit('approval.approve.success');
    expect(ev).toMatchObject({ factors: ['passkey'], hashes: [digest.toString('base64')] });
    expect(ev!.passkey).toMatchObject({ userVerified: true, origin: base, rpId: 'localhost' });
    const cd = JSON.parse(Buffer.from(ev!.passkey.assertion.clientDataJSON, 'base64url').toString());
    expect(cd.challenge).toBe(ev!.passkey.expectedChallenge);
  });

  it('OAuth2 authorisation page with passkey + PIN; signHash with the code token verifies with OpenSSL', async () => {
    await call(f, 'POST', `/admin/credentials/${p.credentialId}/factors`, {
      token: operatorKey,
      json: { factors: 'passkey+pin' },
    });
    const data = Buffer.from('Hợp đồng số 7/2026');
    const digest = crypto.createHash('sha256').update(data).digest();
    const { url, codeVerifier, state } = await csc.authorizationUrl({
      redirectUri: cb.url,
      credentialID: p.credentialId,
      documentDigests: [{ hash: digest, label: 'Hợp đồng số 7/2026' }],
    });
    await page.goto(url);
    expect(page.url().startsWith(base)).toBe(true);
    const csp = (await page.request.get(url)).headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(await page.textContent('main')).toContain('Hợp đồng số 7/2026');
    await page.fill('#pin', '246810');
    await shot(page, 'passkey-authorize-phone.png');
    const done = page.waitForURL((u) => u.toString().startsWith(cb.url), { timeout: 30_000 });
    await page.click('#approve');
    await done;
    const final = new URL(page.url());
    expect(final.searchParams.get('state')).toBe(state);
    const tok = await csc.exchangeCode({
      code: final.searchParams.get('code')!,
      codeVerifier,
      redirectUri: cb.url,
    });
    const [sig] = await csc.signHash({
      credentialID: p.credentialId,
      hashes: [digest],
      hashAlgorithmOID: SHA256_OID,
      signAlgo: ECDSA_SHA256,
      credentialToken: tok.access_token,
    });
    if (hasOpenssl) expect(opensslVerifies(p.certificatePem, data, sig!)).toBe(true);
    expect(await audit('oauth2.authorize.success')).toMatchObject({ factors: ['PIN', 'passkey'] });
  });

  it('a browser-made assertion for other hashes is refused and audited; no user verification: nothing sent', async () => {
    const h = (t: string) => crypto.createHash('sha256').update(t).digest();
    const a = await csc.authorizationUrl({
      redirectUri: cb.url,
      credentialID: p.credentialId,
      documentDigests: [{ hash: h('A') }],
    });
    const b = await csc.authorizationUrl({
      redirectUri: cb.url,
      credentialID: p.credentialId,
      documentDigests: [{ hash: h('B') }],
    });
    // Request B's options (its challenge binds B's hash) put into request A's form.
    const other = await browser.newContext();
    const pb = await other.newPage();
    await pb.goto(b.url);
    const optionsB = await pb.getAttribute('input[name=assertion]', 'data-options');
    await other.close();
    await page.goto(a.url);
    await page.$eval('input[name=assertion]', (el, o) => el.setAttribute('data-options', o!), optionsB);
    await page.fill('#pin', '246810');
    await page.click('#approve');
    await page.waitForSelector('#form-error', { timeout: 30_000 });
    expect(await page.textContent('#form-error')).toContain('passkey');
    expect(await audit('oauth2.authorize.failure')).toMatchObject({
      factor: 'passkey',
      reason: /challenge mismatch/,
    });

    // User verification fails on the device: the browser refuses to answer, the page says so and
    // nothing reaches the server.
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    const before = (await srv.kyso.ctx.db.query('SELECT count(*)::int AS n FROM audit_log')).rows[0] as {
      n: number;
    };
    await page.fill('#pin', '246810');
    await page.click('#approve');
    await page.waitForSelector('[data-passkey-error]:not([hidden])', { timeout: 30_000 });
    const after = (await srv.kyso.ctx.db.query('SELECT count(*)::int AS n FROM audit_log')).rows[0] as {
      n: number;
    };
    expect(after.n).toBe(before.n);
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
  });
});

describe.skipIf(!hasChromium)('passkey enrolment with KYSO_WEBAUTHN_ATTESTATION=direct (Chromium)', () => {
  let srv: RunningServer;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    srv = await startServer(
      loadConfig(
        testEnv('pglite', {
          PORT: String(port),
          HOST: '127.0.0.1',
          KYSO_PUBLIC_URL: base,
          KYSO_DEMO_CA_DIR: await demoCaDir(),
          KYSO_WEBAUTHN_ATTESTATION: 'direct',
        }),
      ),
      createLogger('silent'),
    );
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it('packed attestation verified and recorded; the AAGUID allow-list and attestation roots refuse other models', async () => {
    const f: Fetcher = (q, init) => fetch(`${srv.url}${q}`, init);
    const operatorKey = srv.kyso.firstOperatorKey!;
    const p = await provision(f, operatorKey);
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'usb',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    const enrol = async () => {
      const code = await call(f, 'POST', `/admin/subscribers/${p.subscriberId}/passkey-enrolment`, {
        token: operatorKey,
        json: {},
      });
      await page.goto(code.body.enrolUrl);
      await page.fill('#code', code.body.code);
      await page.fill('#pin', '246810');
      await page.click('#continue');
      await page.click('#create');
      await page.waitForURL(/\/passkey\/enrol\/finish/, { timeout: 30_000 });
      return (await page.textContent('main')) ?? '';
    };
    // Chromium's virtual authenticator model (its AAGUID) is not in the list: refused, audited.
    const policy = srv.kyso.ctx.config.webauthn;
    policy.aaguids = ['ee882879-721c-4913-9775-3dfcce97072a'];
    expect(await enrol()).toMatch(/01020304-0506-0708-0102-030405060708 is not allowed/);
    const refused = await srv.kyso.ctx.db.query<{ details: Details }>(
      `SELECT details FROM audit_log WHERE action = 'passkey.enrol.refused' ORDER BY id DESC LIMIT 1`,
    );
    expect(refused.rows[0]!.details.reason).toMatch(/is not allowed/);
    // Attestation roots configured that do not anchor the authenticator's chain: refused.
    policy.aaguids = [];
    policy.roots = [fs.readFileSync(path.join(await demoCaDir(), 'root.pem'), 'utf8')];
    expect(await enrol()).toMatch(/attestation chain not trusted/);
    policy.roots = [];
    // Listed: accepted, with its packed attestation statement verified.
    policy.aaguids = ['01020304-0506-0708-0102-030405060708'];
    expect(await enrol()).toContain('passkey');
    const list = await call(f, 'GET', `/admin/subscribers/${p.subscriberId}/passkeys`, {
      token: operatorKey,
    });
    expect(list.body.passkeys).toHaveLength(1);
    expect(list.body.passkeys[0]).toMatchObject({
      attestationFormat: 'packed',
      aaguid: '01020304-0506-0708-0102-030405060708',
      transports: ['usb'],
    });
    policy.aaguids = [];
    await ctx.close();
  });
});
