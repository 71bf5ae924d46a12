/**
 * The citizen's approval pages in a real browser (playwright-core driving Debian's
 * /usr/bin/chromium; no browser download), issue 18. In Vietnamese and English, on a phone
 * (390×844) and a desktop, for seven states — sign-in, sign-in failed, pending request (the
 * README's asynchronous example, its label shown), approve (the OAuth2 authorisation page), wrong
 * PIN, locked, expired —
 * the test:
 * - drives the page as she would (types her CCCD and PIN, the OTP; the language link);
 * - asserts on the phone that the approval form is within the first 844 px;
 * - runs axe-core (injected into the page) and fails on any serious or critical violation;
 * - writes the screenshots approve-<state>-<lang>-<phone|desktop>.png: to docs/img (linked from
 *   docs/server.md) when KYSO_UPDATE_SCREENSHOTS=1, otherwise to a temporary folder, so an
 *   ordinary run does not leave the checkout modified (the pages show times that change per run).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../pki-core/test/helpers/tools.js';
import { CscClient } from '../src/client/index.js';
import { loadConfig } from '../src/config.js';
import { callbackServer, launchChromium } from '../src/demo/browser.js';
import { createLogger } from '../src/log.js';
import { type RunningServer, startServer } from '../src/server.js';
import { call, type Fetcher, provision } from './helpers/client.js';
import { demoCaDir, OtpDevice, sha256 } from './helpers/env.js';
import { testEnv } from './helpers/env.js';

const hasChromium = requireTool('chromium');
const DOCS_IMG =
  process.env.KYSO_UPDATE_SCREENSHOTS === '1'
    ? path.join(import.meta.dirname, '../../../docs/img')
    : fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-approve-img-'));
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1024, height: 768 };
const LANGS = ['vi', 'en'] as const;
type Lang = (typeof LANGS)[number];
type Page = import('playwright-core').Page;

/** The README's asynchronous example (the label and description it passes). */
const README_LABEL = 'Tờ khai đăng ký thường trú CT01.pdf';
const README_DESCRIPTION = 'Dịch vụ công: đăng ký thường trú';

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core in the page (evaluated over CDP, so the page's CSP does not block it). */
async function axeSeriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE);
  const { violations, passes } = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(ctx: unknown, o: unknown): Promise<{ violations: unknown[]; passes: unknown[] }> };
      }
    ).axe;
    const r = await axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
      },
      resultTypes: ['violations'],
    });
    return { violations: r.violations, passes: r.passes.length };
  });
  // axe really ran over the page (rules that passed: landmarks, labels, contrast, …).
  expect(passes).toBeGreaterThan(10);
  return (violations as AxeViolation[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

describe.skipIf(!hasChromium)('approval pages in Chromium: screenshots, phone layout, axe-core', () => {
  let srv: RunningServer;
  let cb: Awaited<ReturnType<typeof callbackServer>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let f: Fetcher;
  let operatorKey: string;
  const checked: string[] = [];

  beforeAll(async () => {
    const config = loadConfig(testEnv('pglite', { PORT: '0', KYSO_DEMO_CA_DIR: await demoCaDir() }));
    srv = await startServer(config, createLogger('silent'));
    operatorKey = srv.kyso.firstOperatorKey!;
    f = (p, init) => fetch(`${srv.url}${p}`, init);
    cb = await callbackServer();
    browser = await launchChromium();
    fs.mkdirSync(DOCS_IMG, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await cb?.close();
    await srv?.stop();
  });

  /** A citizen with her agency (a client with a redirect URI), her OTP device and SDK client. */
  async function citizen(name: string, cccd: string) {
    const p = await provision(f, operatorKey, undefined, name, {
      cccd,
      clientName: 'Cổng Dịch vụ công tỉnh Bình Dương',
    });
    const r = await call(f, 'POST', `/admin/clients/${p.clientId}/redirect-uris`, {
      token: operatorKey,
      json: { redirectUris: [cb.url] },
    });
    expect(r.status).toBe(200);
    const csc = new CscClient({ baseUrl: srv.url, clientId: p.clientId, clientSecret: p.clientSecret });
    return { p, csc, otp: new OtpDevice(p.otpauthUri) };
  }

  async function newPage(lang: Lang): Promise<Page> {
    const ctx = await browser.newContext({
      viewport: PHONE,
      locale: lang === 'vi' ? 'vi-VN' : 'en-GB',
      hasTouch: true,
    });
    return ctx.newPage();
  }

  /**
   * Screenshots of the page as it is, on the phone (the first screen) and the desktop (whole
   * page); on the phone the approval form (when `form`) lies within the first 844 px; axe-core
   * finds no serious or critical violation.
   */
  async function shoot(page: Page, state: string, lang: Lang, form?: string) {
    await page.setViewportSize(PHONE);
    await page.evaluate(() => window.scrollTo(0, 0));
    await expect.poll(() => page.locator('#lang-switch').count()).toBe(1);
    if (form) {
      const box = await page.locator(form).first().boundingBox();
      expect(box, `${state} ${lang}: ${form}`).not.toBeNull();
      expect(box!.y, `${state} ${lang}`).toBeGreaterThanOrEqual(0);
      expect(
        box!.y + box!.height,
        `${state} ${lang}: the form ends within the first screen`,
      ).toBeLessThanOrEqual(PHONE.height);
    }
    await page.screenshot({ path: path.join(DOCS_IMG, `approve-${state}-${lang}-phone.png`) });
    const violations = await axeSeriousViolations(page);
    expect(
      violations.map(
        (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      ),
      `${state} ${lang}`,
    ).toEqual([]);
    await page.setViewportSize(DESKTOP);
    await page.screenshot({
      path: path.join(DOCS_IMG, `approve-${state}-${lang}-desktop.png`),
      fullPage: true,
    });
    await page.setViewportSize(PHONE);
    checked.push(`${state}-${lang}`);
  }

  /** Follows the language link and checks that the page is now in the other language. */
  async function switchLanguage(page: Page, to: Lang) {
    await page.click('#lang-switch');
    await page.waitForLoadState();
    expect(await page.getAttribute('html', 'lang')).toBe(to);
  }

  for (const lang of LANGS) {
    const t = (vi: string, en: string) => (lang === 'vi' ? vi : en);

    it(`${lang}: sign-in with CCCD and PIN, the pending request with the README's label, approve`, async () => {
      const cccd = lang === 'vi' ? '079200001234' : '079200005678';
      const { p, csc, otp } = await citizen('Nguyễn Văn An', cccd);
      // --- README.md, the asynchronous example (label and description) ---
      const hash = sha256(`tờ khai ${lang}`);
      const { handle } = await csc.authorizeAsync({
        credentialID: p.credentialId,
        hashes: [hash],
        labels: [README_LABEL],
        description: README_DESCRIPTION,
      });
      const page = await newPage(lang);
      await page.goto(`${srv.url}/approve?lang=${lang}`);
      expect(await page.innerText('h1')).toBe(
        t('Đăng nhập để xem yêu cầu ký', 'Sign in to see your signature requests'),
      );
      await shoot(page, 'signin', lang, 'form');
      // A wrong PIN (or identifier): the page names both fields to check, and marks them.
      await page.fill('#identifier', cccd);
      await page.fill('#pin', '999999');
      await page.click('#signin');
      await page.waitForSelector('#form-error');
      expect(await page.innerText('#form-error')).toContain(t('kiểm tra lại cả hai ô', 'Check both fields'));
      expect(await page.locator('[aria-invalid="true"]').count()).toBe(2);
      await shoot(page, 'signin-failed', lang, 'form');
      await page.fill('#identifier', cccd);
      await page.fill('#pin', '246810');
      await page.click('#signin');
      await page.waitForSelector('article.pending');
      const text = await page.innerText('main');
      expect(text).toContain(README_LABEL);
      expect(text).toContain(README_DESCRIPTION);
      expect(text).toContain('Cổng Dịch vụ công tỉnh Bình Dương');
      expect(text).toContain(cccd); // her CCCD, read out of the certificate
      expect(text).not.toMatch(/CN=|UID=|cred_/);
      const hex = Buffer.from(hash).toString('hex');
      expect(text).toContain(`${hex.slice(0, 8)}…${hex.slice(-8)}`);
      await shoot(page, 'pending', lang, 'article.pending form.approve-form');
      await page.fill('#r1-otp', otp.next());
      await page.click('#r1-approve');
      await page.waitForURL(/done=approved/);
      expect(await page.innerText('main')).toContain(t('Đã đồng ý', 'Approved'));
      expect((await csc.authorizeCheck(handle)).pending).toBe(false);
      await page.context().close();
    });

    it(`${lang}: the authorisation page (approve), then a wrong PIN`, async () => {
      const cccd = lang === 'vi' ? '079200001235' : '079200005679';
      const { p, csc, otp } = await citizen('Trần Thị Bình', cccd);
      const { url } = await csc.authorizationUrl({
        redirectUri: cb.url,
        credentialID: p.credentialId,
        documentDigests: [
          { hash: sha256(`giấy khai sinh ${lang}`), label: 'Giấy khai sinh (bản sao điện tử).pdf' },
          { hash: sha256(`tờ khai ${lang}`), label: 'Tờ khai đăng ký khai sinh.pdf' },
        ],
        description: 'Hồ sơ đăng ký khai sinh số 000.00.12.H29-260101-0001',
        lang,
      });
      const page = await newPage(lang);
      await page.goto(url);
      expect(await page.innerText('main')).toContain('Giấy khai sinh (bản sao điện tử).pdf');
      await shoot(page, 'approve', lang, 'form.approve-form');
      await page.fill('#pin', '000000');
      await page.fill('#otp', otp.next());
      await page.click('#approve');
      await page.waitForSelector('#form-error');
      expect(await page.innerText('#form-error')).toContain(t('Mã PIN không đúng', 'Wrong PIN'));
      await shoot(page, 'wrong-pin', lang, 'form.approve-form');
      // The language link keeps the request (same id, the other language).
      await switchLanguage(page, lang === 'vi' ? 'en' : 'vi');
      expect(await page.locator('form.approve-form').count()).toBe(1);
      await page.context().close();
    });

    it(`${lang}: locked after repeated wrong PINs: kyso's page with the way back`, async () => {
      const cccd = lang === 'vi' ? '079200001236' : '079200005680';
      const { p, csc, otp } = await citizen('Lê Văn Cường', cccd);
      const { url, state } = await csc.authorizationUrl({
        redirectUri: cb.url,
        credentialID: p.credentialId,
        documentDigests: [{ hash: sha256(`khóa ${lang}`), label: 'Đơn đề nghị cấp phép.pdf' }],
        lang,
      });
      const page = await newPage(lang);
      await page.goto(url);
      for (let i = 0; i < srv.kyso.ctx.config.maxFailedAttempts; i++) {
        await page.fill('#pin', '000000');
        await page.fill('#otp', otp.next());
        await page.click('#approve');
        await page.waitForLoadState();
      }
      await page.waitForSelector('#refusal[data-kind="locked"]');
      expect(await page.innerText('h1')).toBe(
        t('Chứng thư số đã bị khóa', 'Your signing credential is locked'),
      );
      await shoot(page, 'locked', lang, '#back');
      // The link back to the agency: access_denied, the reason in her language, the state.
      const back = new URL((await page.getAttribute('#back', 'href'))!);
      expect(back.searchParams.get('error')).toBe('access_denied');
      expect(back.searchParams.get('state')).toBe(state);
      expect(back.searchParams.get('error_description')).toMatch(
        lang === 'vi' ? /^Chung thu so da bi khoa/ : /^Your credential was locked/,
      );
      await switchLanguage(page, lang === 'vi' ? 'en' : 'vi');
      await page.waitForSelector('#refusal[data-kind="locked"]');
      await page.click('#back');
      await page.waitForURL((u) => u.toString().startsWith(cb.url));
      await page.context().close();
    });

    it(`${lang}: expired request: kyso's page, nothing signed`, async () => {
      const cccd = lang === 'vi' ? '079200001237' : '079200005681';
      const { p, csc, otp } = await citizen('Phạm Thị Dung', cccd);
      const { url } = await csc.authorizationUrl({
        redirectUri: cb.url,
        credentialID: p.credentialId,
        documentDigests: [{ hash: sha256(`hết hạn ${lang}`), label: 'Hợp đồng thuê nhà.pdf' }],
        lang,
      });
      const page = await newPage(lang);
      await page.goto(url);
      const request = await page.getAttribute('input[name="request"]', 'value');
      await srv.kyso.ctx.db.query(
        `UPDATE auth_requests SET expires_at = now() - interval '1 second' WHERE id = $1`,
        [request],
      );
      await page.fill('#pin', '246810');
      await page.fill('#otp', otp.next());
      await page.click('#approve');
      await page.waitForSelector('#refusal[data-kind="expired"]');
      expect(await page.innerText('main')).toContain('Hợp đồng thuê nhà.pdf');
      await shoot(page, 'expired', lang, '#back');
      const sads = await srv.kyso.ctx.db.query('SELECT 1 FROM sads WHERE credential_id = $1', [
        p.credentialId,
      ]);
      expect(sads.rows).toHaveLength(0);
      await page.context().close();
    });
  }

  it('every state was shot in both languages', () => {
    expect(checked.sort()).toEqual(
      ['approve', 'expired', 'locked', 'pending', 'signin', 'signin-failed', 'wrong-pin']
        .flatMap((s) => [`${s}-en`, `${s}-vi`])
        .sort(),
    );
  });
});
