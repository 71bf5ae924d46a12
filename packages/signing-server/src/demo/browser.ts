/**
 * Drives the authorisation page in Debian's Chromium through playwright-core (a devDependency:
 * used by the browser tests and `npm run demo`, never by the server). Never downloads a browser.
 */
export const CHROMIUM = process.env.KYSO_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface BrowserApproval {
  /** Where the browser ended (the redirect URI with code/state or error). */
  finalUrl: URL;
  /** Page text as shown before the decision. */
  pageText: string;
}

/**
 * Opens the authorisation URL, optionally takes screenshots, types PIN and OTP with the keyboard
 * (Tab between fields, Enter submits) and waits for the redirect to `redirectPrefix`.
 */
export async function approveInBrowser(
  browser: Browser,
  url: string,
  opts: {
    pin: string;
    otp: string;
    redirectPrefix: string;
    decision?: 'approve' | 'refuse';
    screenshot?: string;
    phoneScreenshot?: string;
    lang?: string;
  },
): Promise<BrowserApproval> {
  if (opts.phoneScreenshot) {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: opts.lang ?? 'vi-VN',
    });
    const pp = await phone.newPage();
    await pp.goto(url);
    await pp.screenshot({ path: opts.phoneScreenshot, fullPage: true });
    await phone.close();
  }
  const ctx = await browser.newContext({
    viewport: { width: 1000, height: 900 },
    locale: opts.lang ?? 'vi-VN',
  });
  const page: Page = await ctx.newPage();
  try {
    await page.goto(url);
    const pageText = await page.innerText('main');
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true });
    const done = page.waitForURL((u) => u.toString().startsWith(opts.redirectPrefix), { timeout: 30_000 });
    if ((opts.decision ?? 'approve') === 'approve') {
      await page.focus('#pin');
      await page.keyboard.type(opts.pin);
      await page.keyboard.press('Tab');
      await page.keyboard.type(opts.otp);
      await page.keyboard.press('Enter');
    } else {
      await page.click('#refuse');
    }
    await done;
    return { finalUrl: new URL(page.url()), pageText };
  } finally {
    await ctx.close();
  }
}

/** A tiny loopback HTTP endpoint that plays the agency's redirect URI. */
export async function callbackServer(): Promise<{ url: string; close(): Promise<void> }> {
  const http = await import('node:http');
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('kyso demo agency: authorisation received\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
