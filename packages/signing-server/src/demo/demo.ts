/**
 * `npm run demo`: the whole story on one machine, headless.
 *
 * Starts the server on the embedded database (a temp data dir), enrols a citizen, an official and
 * the agency (organisation seal), registers the agency's portal as an OAuth2 client, then:
 * 1. the citizen signs a sample form through the server's authorisation page (Chromium,
 *    headless): prepareDoc → page (PIN + OTP) → code → token → signDoc (PAdES B-LT);
 * 2. the official signs a công văn the same way with a visible Decree 30 signature (title lines,
 *    the handwritten signature image, the name), then the agency seal is applied over the left
 *    third of that image (asynchronous approval: 202 handle, the approval page,
 *    authorizeCheck) — PAdES B-LT; geometry from pdf-sign's sample (`sealRectFor`);
 * 3. both PDFs are verified (`kyso pdf verify` logic: pdf-sign verifyPdf with the server's CA
 *    root as trust anchor, revocation data from the document; pdfsig when installed) and their
 *    paths printed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyPdf } from '@kyso/pdf-sign';
import { TrustStore } from '@kyso/pki-core';
import { URI, type TOTP } from 'otpauth';
import { CscClient, fromBase64, type VisibleAppearance } from '../client/index.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { startServer } from '../server.js';
import { approveInBrowser, callbackServer, launchChromium } from './browser.js';

class Otp {
  #totp: TOTP;
  #counter = Math.floor(Date.now() / 30_000) - 3;
  constructor(uri: string) {
    this.#totp = URI.parse(uri) as TOTP;
  }
  next(): string {
    this.#counter++;
    return this.#totp.generate({ timestamp: this.#counter * 30_000 });
  }
}

const log = (...a: unknown[]) => console.log('[kyso demo]', ...a);

type DemoServer = Awaited<ReturnType<typeof startServer>>;

/** Enrols the demo's citizen, official and agency seal, and registers the agency portal. */
async function enrolDemo(srv: DemoServer, callbackUrl: string, dataDir: string) {
  const op = srv.kyso.firstOperatorKey!;
  const admin = async (p: string, body: unknown) => {
    const r = await fetch(`${srv.url}/admin${p}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const j = (await r.json()) as Record<string, string>;
    if (r.status >= 300) throw new Error(`${p}: ${JSON.stringify(j)}`);
    return j;
  };
  const enrol = async (s: Record<string, string>, profile?: string) => {
    const sub = await admin('/subscribers', s);
    const cred = await admin('/credentials', {
      subscriberId: sub.id,
      key: { type: 'EC', curve: 'P-256' },
      ...(profile ? { profile } : {}),
      description: `${s.name}`,
    });
    return { id: sub.id!, otp: new Otp(sub.otpauthUri!), credentialId: cred.credentialId!, pin: s.pin! };
  };
  log(`server on ${srv.url} (PGlite in ${dataDir})`);
  const citizen = await enrol({
    kind: 'citizen',
    name: 'Trần Thị Bình',
    cccd: '001190012345',
    pin: '135790',
    province: 'Thành phố Hà Nội',
  });
  const official = await enrol({
    kind: 'official',
    name: 'Lê Văn Cường',
    cccd: '079180054321',
    pin: '864200',
    title: 'Giám đốc',
    organization: 'Sở Khoa học và Công nghệ',
    province: 'Tỉnh An Lạc',
  });
  const seal = await enrol(
    {
      kind: 'organization',
      name: 'Sở Khoa học và Công nghệ tỉnh An Lạc',
      organization: 'Ủy ban nhân dân tỉnh An Lạc',
      pin: '975310',
      province: 'Tỉnh An Lạc',
    },
    'organization-signing',
  );
  // The seal keeper signs in on /approve with the phone number the operator registered.
  const sealPhone = '0912 345 678';
  await admin(`/subscribers/${seal.id}/sign-in`, { phone: sealPhone });
  const client = await admin('/clients', { name: 'Cổng dịch vụ công tỉnh An Lạc' });
  await admin(`/clients/${client.clientId}/redirect-uris`, { redirectUris: [callbackUrl] });
  for (const c of [citizen, official, seal])
    await admin(`/clients/${client.clientId}/grants`, { credentialId: c.credentialId });
  log('enrolled a citizen, an official and the agency seal; registered the agency portal');

  return { citizen, official, seal, sealPhone, client };
}

/** prepareDoc → authorisation page in Chromium → code → token → signDoc. */
function browserSigner(
  csc: CscClient,
  browser: Awaited<ReturnType<typeof launchChromium>>,
  callbackUrl: string,
) {
  return async (
    who: { credentialId: string; pin: string; otp: Otp },
    pdf: Uint8Array,
    label: string,
    level: 'Ades-B-T' | 'Ades-B-LT',
    screenshot?: string,
    appearance?: VisibleAppearance,
    fieldName?: string,
  ) => {
    const prep = await csc.prepareDoc({
      credentialID: who.credentialId,
      documents: [
        {
          document: pdf,
          conformance_level: level,
          label,
          ...(appearance ? { appearance } : {}),
          ...(fieldName ? { fieldName } : {}),
        },
      ],
    });
    const { url, codeVerifier } = await csc.authorizationUrl({
      redirectUri: callbackUrl,
      credentialID: who.credentialId,
      documentDigests: prep.documentDigests,
    });
    const res = await approveInBrowser(browser, url, {
      pin: who.pin,
      otp: who.otp.next(),
      redirectPrefix: callbackUrl,
      ...(screenshot ? { screenshot } : {}),
    });
    const code = res.finalUrl.searchParams.get('code');
    if (!code) throw new Error(`authorisation failed: ${res.finalUrl}`);
    const tok = await csc.exchangeCode({ code, codeVerifier, redirectUri: callbackUrl });
    const r = await csc.signDoc({
      credentialID: who.credentialId,
      credentialToken: tok.access_token,
      documents: [{ document: pdf, conformance_level: level }],
    });
    return fromBase64(r.DocumentWithSignature![0]!);
  };
}

/**
 * What `kyso pdf verify --trust <root>` does (the server's CA root as the only trust anchor;
 * revocation data from the document only), and pdfsig's count when it is installed.
 */
async function verifyDemoFiles(srv: DemoServer, files: string[]): Promise<void> {
  const roots = [...srv.kyso.ca.cas.values()].filter((c) => c.chain.length === 0).map((c) => c.cert);
  const trustStore = new TrustStore(roots);
  for (const f of files) {
    const rep = await verifyPdf(new Uint8Array(fs.readFileSync(f)), { trustStore });
    log(
      `${path.basename(f)}: ${rep.valid ? 'VALID' : rep.status.toUpperCase()} — ${rep.signatures
        .map((s) => `${s.signer?.commonName ?? s.kind} (${s.status}${s.level ? `, ${s.level}` : ''})`)
        .join('; ')}`,
    );
    if (!rep.valid) throw new Error(`${f} does not verify`);
    const ps = spawnSync('pdfsig', ['-nocert', f], { encoding: 'utf8' });
    if (ps.status === 0) {
      const valid = (ps.stdout.match(/Signature is Valid/g) ?? []).length;
      log(`  pdfsig: ${valid} valid signature(s)`);
    }
  }
}

export async function runDemo(opts: { outDir?: string } = {}): Promise<{ files: string[] }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-'));
  const outDir = opts.outDir ?? path.join(dataDir, 'signed');
  fs.mkdirSync(outDir, { recursive: true });
  const config = loadConfig({
    KYSO_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'warn',
    KYSO_OTP_WINDOW: '4',
    // No KYSO_DEMO_CA_DIR: the server makes its demo hierarchy in dataDir with its own URL in it.
  });
  const srv = await startServer(config, createLogger('warn'));
  const cb = await callbackServer();
  const browser = await launchChromium();
  const files: string[] = [];
  try {
    const { citizen, official, seal, sealPhone, client } = await enrolDemo(srv, cb.url, dataDir);

    const csc = new CscClient({
      baseUrl: srv.url,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
    });
    // pdf-sign's sample documents and demo images (fictitious).
    const samples = await import('@kyso/pdf-sign/samples');

    const signInBrowser = browserSigner(csc, browser, cb.url);

    // 1. Citizen form.
    const form = await samples.congVanSample({
      agency: 'ỦY BAN NHÂN DÂN PHƯỜNG HOÀN KIẾM',
      parentAgency: 'THÀNH PHỐ HÀ NỘI',
      number: '',
      subject: 'Tờ khai thay đổi thông tin cư trú (mẫu CT01, bản mẫu)',
      addressee: 'Công an phường Hoàn Kiếm',
      paragraphs: [
        'Họ, chữ đệm và tên: Trần Thị Bình. Số định danh cá nhân: 001190012345.',
        'Nội dung đề nghị: đăng ký thường trú tại số 1 phố Tràng Tiền, phường Hoàn Kiếm.',
        'Tôi xin cam đoan những thông tin kê khai trên là đúng sự thật.',
      ],
      recipients: ['Như trên'],
      titleLines: ['NGƯỜI KÊ KHAI'],
      signerName: 'Trần Thị Bình',
      drawText: true,
    });
    const shot = path.join(outDir, 'authorize-page.png');
    const formSigned = await signInBrowser(
      citizen,
      form.bytes,
      'Tờ khai CT01 — Trần Thị Bình',
      'Ades-B-LT',
      shot,
    );
    const formFile = path.join(outDir, 'to-khai-CT01-signed.pdf');
    fs.writeFileSync(formFile, formSigned);
    files.push(formFile);
    log('citizen signed the form through the authorisation page (PAdES B-LT)');

    // 2. Công văn: the official (authorisation page), then the agency seal (asynchronous approval).
    // The sample leaves the signature block empty and reserves it as two empty signature fields:
    // the official's block and the seal over the signature image's left third (sealRectFor), so
    // the official signs a document that already holds the seal's place (the verifier names the
    // seal over the signature as a field reserved before signing).
    const cv = await samples.congVanSample({
      titleLines: ['GIÁM ĐỐC'],
      signerName: 'Lê Văn Cường',
      emptyFields: true,
    });
    const block = cv.signature;
    const fields = block.fields!;
    const byOfficial = await signInBrowser(
      official,
      cv.bytes,
      'Công văn 125/SKHCN-VP',
      'Ades-B-LT',
      undefined,
      {
        kind: 'person',
        page: block.page,
        rect: block.person,
        title: block.titleLines,
        name: block.signerName,
        image: samples.demoSignaturePng(),
      },
      fields.person,
    );
    log('the official signed the công văn (visible signature: title, handwritten image, name)');
    const prep = await csc.prepareDoc({
      credentialID: seal.credentialId,
      documents: [
        {
          document: byOfficial,
          conformance_level: 'Ades-B-LT',
          label: 'Đóng dấu công văn 125/SKHCN-VP',
          fieldName: fields.agency,
          // No rect: the reserved field's own rectangle (the same /Rect the official signed).
          appearance: { kind: 'seal', page: block.page, image: samples.demoSealPng() },
        },
      ],
    });
    const { handle } = await csc.authorizeAsync({
      credentialID: seal.credentialId,
      // prepareDoc's digests with their labels: the approval page shows the document's name.
      documentDigests: prep.documentDigests,
      description: 'Đóng dấu công văn 125/SKHCN-VP',
    });
    // The seal keeper approves on the approval page.
    const ctx = await browser.newContext({ locale: 'vi-VN' });
    const page = await ctx.newPage();
    await page.goto(`${srv.url}/approve`);
    await page.fill('#identifier', sealPhone);
    await page.fill('#pin', seal.pin);
    await page.click('#signin');
    await page.waitForSelector('article.pending');
    await page.fill('article.pending input[name="otp"]', seal.otp.next());
    await page.click('article.pending button[value="approve"]');
    await page.waitForURL(/done=approved/);
    await ctx.close();
    const SAD = await csc.waitForApproval(handle, { intervalMs: 500, timeoutMs: 30_000 });
    const sealed = await csc.signDoc({
      credentialID: seal.credentialId,
      SAD,
      documents: [{ document: byOfficial, conformance_level: 'Ades-B-LT' }],
    });
    const cvFile = path.join(outDir, 'cong-van-125-signed-sealed.pdf');
    fs.writeFileSync(cvFile, fromBase64(sealed.DocumentWithSignature![0]!));
    files.push(cvFile);
    log('the agency seal was applied after asynchronous approval (PAdES B-LT)');

    // 3. Verify: what `kyso pdf verify --trust <root>` does (the server's CA root as the only
    // trust anchor; revocation data from the document only).
    await verifyDemoFiles(srv, files);
    console.log(
      `\nSigned files:\n${files.map((f) => `  ${f}`).join('\n')}\nAuthorisation page screenshot:\n  ${shot}\n`,
    );
    return { files };
  } finally {
    await browser.close();
    await cb.close();
    await srv.stop();
  }
}
