/**
 * The citizen flow in a real browser (playwright-core driving Debian's /usr/bin/chromium; no
 * browser download): the agency prepares a PDF (prepareDoc), sends the citizen to the server's
 * authorisation page, which shows the document label and digest; PIN and OTP are typed with the
 * keyboard; approval redirects with code+state; the agency exchanges the code (PKCE) and signs
 * with signDoc (PAdES B-LT) using the credential-scoped token; the signed PDF passes `kyso pdf
 * verify --json --trust <the server's CA root>` (run in-process) and pdfsig. Refusal and a wrong PIN (counted toward the lockout) are driven in the browser too.
 * Screenshots are kept as test artefacts (and written to docs/img with KYSO_UPDATE_SCREENSHOTS=1).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfCommands } from '@kyso/pdf-sign/cli';
import { type PdfValidationReport, verifyPdfIntegrity } from '@kyso/pdf-sign/node';
import { congVanSample } from '../../pdf-sign/src/samples/index.js';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { CscClient, CscError, fromBase64 } from '../src/client/index.js';
import { loadConfig } from '../src/config.js';
import { approveInBrowser, callbackServer, launchChromium } from '../src/demo/browser.js';
import { createLogger } from '../src/log.js';
import { type RunningServer, startServer } from '../src/server.js';
import { demoCaDir, OtpDevice, testEnv } from './helpers/env.js';
import { call, type Fetcher, provision } from './helpers/client.js';

const hasChromium = requireTool('chromium');
const hasPdfsig = requireTool('pdfsig');
const ARTEFACTS = path.join(import.meta.dirname, '../test-artifacts');
const DOCS_IMG = path.join(import.meta.dirname, '../../../docs/img');

/** `kyso pdf verify --json --trust <root>` run in-process (the pdf-sign CLI command). */
const verifyCmd = pdfCommands.find((c) => c.path[0] === 'pdf' && c.path[1] === 'verify')!;
async function kysoPdfVerify(file: string, trust: string) {
  let out = '';
  let err = '';
  const code = await verifyCmd.run(
    { positionals: [file], options: { json: true, trust: [trust] } },
    { out: (t) => (out += t), err: (t) => (err += t) },
  );
  return { code, report: JSON.parse(out) as PdfValidationReport, err };
}

describe.skipIf(!hasChromium)('authorisation page in Chromium', () => {
  let srv: RunningServer;
  let cb: Awaited<ReturnType<typeof callbackServer>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let f: Fetcher;
  let operatorKey: string;

  beforeAll(async () => {
    const config = loadConfig(testEnv('pglite', { PORT: '0', KYSO_DEMO_CA_DIR: await demoCaDir() }));
    srv = await startServer(config, createLogger('silent'));
    operatorKey = srv.kyso.firstOperatorKey!;
    f = (p, init) => fetch(`${srv.url}${p}`, init);
    cb = await callbackServer();
    browser = await launchChromium();
    fs.mkdirSync(ARTEFACTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await cb?.close();
    await srv?.stop();
  });

  async function agency() {
    const p = await provision(f, operatorKey);
    const r = await call(f, 'POST', `/admin/clients/${p.clientId}/redirect-uris`, {
      token: operatorKey,
      json: { redirectUris: [cb.url] },
    });
    expect(r.status).toBe(200);
    const csc = new CscClient({ baseUrl: srv.url, clientId: p.clientId, clientSecret: p.clientSecret });
    return { p, csc, otp: new OtpDevice(p.otpauthUri) };
  }

  it('approve: page shows label and digest, PIN+OTP typed, redirect, code exchange, signDoc, verified PDF', async () => {
    const { p, csc, otp } = await agency();
    const pdf = (await congVanSample()).bytes;
    const prep = await csc.prepareDoc({
      credentialID: p.credentialId,
      documents: [
        {
          document: pdf,
          conformance_level: 'Ades-B-LT',
          label: 'Công văn số 125/SKHCN-VP',
          reason: 'Phê duyệt',
        },
      ],
    });
    const digestHex = Buffer.from(prep.documentDigests[0]!.hash, 'base64').toString('hex');
    const { url, codeVerifier, state } = await csc.authorizationUrl({
      redirectUri: cb.url,
      credentialID: p.credentialId,
      documentDigests: prep.documentDigests,
      description: 'Ký công văn gửi Sở Tài chính',
    });
    const update = process.env.KYSO_UPDATE_SCREENSHOTS === '1';
    const shot = path.join(ARTEFACTS, 'authorize-page.png');
    const phone = path.join(ARTEFACTS, 'authorize-page-phone.png');
    const res = await approveInBrowser(browser, url, {
      pin: '246810',
      otp: otp.next(),
      redirectPrefix: cb.url,
      screenshot: shot,
      phoneScreenshot: phone,
    });
    expect(res.pageText).toContain('Công văn số 125/SKHCN-VP');
    // The digest, short (first and last 8 hex digits; the whole one in a <details>).
    expect(res.pageText).toContain(`${digestHex.slice(0, 8)}…${digestHex.slice(-8)}`);
    expect(res.pageText).toContain('Agency portal');
    expect(res.pageText).toContain('Nguyễn Văn An');
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    if (update) {
      fs.mkdirSync(DOCS_IMG, { recursive: true });
      fs.copyFileSync(shot, path.join(DOCS_IMG, 'authorize-page.png'));
      fs.copyFileSync(phone, path.join(DOCS_IMG, 'authorize-page-phone.png'));
    }
    expect(res.finalUrl.searchParams.get('state')).toBe(state);
    const code = res.finalUrl.searchParams.get('code')!;
    expect(code).toBeTruthy();

    // PKCE mismatch burns nothing else: use the right verifier on the code.
    const tok = await csc.exchangeCode({ code, codeVerifier, redirectUri: cb.url });
    expect(tok.credentialID).toBe(p.credentialId);
    const signed = await csc.signDoc({
      credentialID: p.credentialId,
      credentialToken: tok.access_token,
      documents: [{ document: pdf, conformance_level: 'Ades-B-LT' }],
    });
    const out = fromBase64(signed.DocumentWithSignature![0]!);
    const file = path.join(ARTEFACTS, 'cong-van-signed.pdf');
    fs.writeFileSync(file, out);
    const report = await verifyPdfIntegrity(out);
    expect(report.ok).toBe(true);
    expect(report.signatures[0]!.signer).toContain('Nguyễn Văn An');
    // kyso pdf verify, with the server's CA root as the only trust anchor and the revocation data
    // in the document only (the default): valid, B-LT, signed by the citizen.
    const v = await kysoPdfVerify(file, path.join(await demoCaDir(), 'root.pem'));
    expect(v.code, JSON.stringify(v.report, null, 2) + v.err).toBe(0);
    expect(v.report.valid).toBe(true);
    expect(v.report.signatures).toHaveLength(1);
    const sig = v.report.signatures[0]!;
    expect(sig.status).toBe('valid');
    expect(sig.level).toBe('B-LT');
    expect(sig.revocationSource).toBe('embedded');
    expect(sig.signingTime?.source).toBe('signature-timestamp');
    expect(sig.signer?.commonName).toBe('Nguyễn Văn An');
    if (hasPdfsig) {
      const r = spawnSync('pdfsig', ['-nocert', file], { encoding: 'utf8' });
      expect(r.stdout, r.stderr).toContain('Signature is Valid');
    }
    // Code replay: refused.
    await expect(csc.exchangeCode({ code, codeVerifier, redirectUri: cb.url })).rejects.toMatchObject({
      status: 400,
      error: 'invalid_grant',
    });
  });

  it('refuse: redirect with error=access_denied and state; nothing can be signed', async () => {
    const { p, csc } = await agency();
    const h = crypto.createHash('sha256').update('tờ khai').digest();
    const { url, state } = await csc.authorizationUrl({
      redirectUri: cb.url,
      credentialID: p.credentialId,
      documentDigests: [{ hash: h, label: 'Tờ khai' }],
      lang: 'en',
    });
    const res = await approveInBrowser(browser, url, {
      pin: '',
      otp: '',
      redirectPrefix: cb.url,
      decision: 'refuse',
      lang: 'en-US',
    });
    expect(res.pageText).toContain('Approve and sign');
    expect(res.finalUrl.searchParams.get('error')).toBe('access_denied');
    expect(res.finalUrl.searchParams.get('state')).toBe(state);
    expect(res.finalUrl.searchParams.get('code')).toBeNull();
    // Nothing signed, nothing authorised: no SAD/token and no signature record for the credential.
    const db = srv.kyso.ctx.db;
    const sads = await db.query('SELECT 1 FROM sads WHERE credential_id = $1', [p.credentialId]);
    expect(sads.rows).toHaveLength(0);
    const sigs = await db.query(
      "SELECT 1 FROM audit_log WHERE action = 'signature.create' AND subject = $1",
      [p.credentialId],
    );
    expect(sigs.rows).toHaveLength(0);
  });

  it('wrong PIN: the page says so, the failure counts toward the lockout, then approval still works', async () => {
    const { p, csc, otp } = await agency();
    const h = crypto.createHash('sha256').update('sai PIN').digest();
    const { url, codeVerifier } = await csc.authorizationUrl({
      redirectUri: cb.url,
      credentialID: p.credentialId,
      documentDigests: [{ hash: h, label: 'Đơn' }],
    });
    const ctx = await browser.newContext({ locale: 'vi-VN' });
    const page = await ctx.newPage();
    await page.goto(url);
    await page.fill('#pin', '000000');
    await page.fill('#otp', otp.next());
    await page.click('#approve');
    await page.waitForSelector('#form-error');
    expect(await page.innerText('#form-error')).toContain('Mã PIN không đúng');
    const sub = await call(f, 'GET', `/admin/subscribers/${p.subscriberId}`, { token: operatorKey });
    expect(sub.body.failed_attempts).toBe(1);
    const done = page.waitForURL((u) => u.toString().startsWith(cb.url));
    await page.fill('#pin', '246810');
    await page.fill('#otp', otp.next());
    await page.click('#approve');
    await done;
    const code = new URL(page.url()).searchParams.get('code')!;
    await ctx.close();
    // PKCE mismatch: 400 invalid_grant.
    await expect(
      csc.exchangeCode({ code, codeVerifier: `${codeVerifier.slice(0, -2)}xx`, redirectUri: cb.url }),
    ).rejects.toBeInstanceOf(CscError);
  });

  it('the page cannot be framed and has a strict CSP (browser-enforced)', async () => {
    const { p, csc } = await agency();
    const { url } = await csc.authorizationUrl({
      redirectUri: cb.url,
      credentialID: p.credentialId,
      documentDigests: [{ hash: crypto.createHash('sha256').update('frame').digest() }],
    });
    const r = await fetch(url);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // A page on another origin that frames it: Chromium refuses to render it in the frame.
    const d = tmpDir();
    fs.writeFileSync(
      path.join(d, 'evil.html'),
      `<iframe id="f" src="${url.replace(/&/g, '&amp;')}"></iframe>`,
    );
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`file://${path.join(d, 'evil.html')}`);
    await page.waitForTimeout(1500);
    const frame = page.frames().find((fr) => fr !== page.mainFrame());
    const framed = frame ? await frame.content().catch(() => '') : '';
    expect(framed).not.toContain('name="csrf"');
    expect(framed).not.toContain('id="pin"');
    await ctx.close();
  });
});
