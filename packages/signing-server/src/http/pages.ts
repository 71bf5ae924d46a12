/**
 * Server-rendered pages where subscribers give their consent: the OAuth2 authorisation page and
 * the asynchronous approval page. Plain templates (every value escaped), Vietnamese and English,
 * no script (except kyso's own passkey script, passkey-pages.ts), no external assets, one nonced
 * <style>; the security headers are set by the routes (`pageHeaders`).
 */
import type { AuthRequestView } from '../services/authz.js';
import { PASSKEY_SCRIPT_TAG, passkeyAlert, passkeyInputs } from './passkey-pages.js';

export type Lang = 'vi' | 'en';

const T = {
  vi: {
    title: 'Xác nhận ký số',
    approveTitle: 'Yêu cầu ký số đang chờ',
    asks: 'yêu cầu ký số bằng chứng thư số của bạn',
    docs: (n: number) => `Tài liệu sẽ được ký (${n})`,
    label: 'Tên tài liệu',
    digest: 'Giá trị băm',
    noLabel: '(không có tên)',
    count: 'Số chữ ký',
    description: 'Mô tả',
    credential: 'Chứng thư số',
    subject: 'Chủ thể',
    issuer: 'Tổ chức cấp',
    serial: 'Số hiệu',
    validity: 'Hiệu lực',
    to: 'đến',
    pin: 'Mã PIN',
    pinHelp: 'Mã PIN của chứng thư số (không chia sẻ với ai).',
    otp: 'Mã OTP',
    otpHelp: 'Mã 6 chữ số từ ứng dụng xác thực.',
    approve: 'Đồng ý ký',
    refuse: 'Từ chối',
    expires: 'Yêu cầu hết hạn lúc',
    warn: 'Chỉ đồng ý khi bạn nhận ra yêu cầu này. Máy chủ ký chỉ ký đúng các giá trị băm được liệt kê.',
    wrongPin: 'Mã PIN không đúng.',
    wrongOtp: 'Mã OTP không đúng hoặc đã được dùng.',
    locked: 'Chứng thư số đã bị khóa do nhập sai nhiều lần. Hãy liên hệ đơn vị quản lý.',
    left: (n: number) => `Còn ${n} lần thử.`,
    signIn: 'Đăng nhập để xem yêu cầu',
    subscriberId: 'Mã thuê bao',
    signInBtn: 'Đăng nhập',
    none: 'Không có yêu cầu nào đang chờ.',
    approved: 'Đã đồng ý. Hệ thống yêu cầu sẽ nhận được kết quả.',
    denied: 'Đã từ chối yêu cầu.',
    signOut: 'Đăng xuất',
    error: 'Không thể xử lý yêu cầu',
    lang: 'English',
    requestFrom: 'Yêu cầu từ',
    hello: 'Xin chào',
  },
  en: {
    title: 'Confirm digital signature',
    approveTitle: 'Pending signature requests',
    asks: 'asks to sign with your certificate',
    docs: (n: number) => `Documents to be signed (${n})`,
    label: 'Document',
    digest: 'Digest',
    noLabel: '(no label)',
    count: 'Signatures',
    description: 'Description',
    credential: 'Certificate',
    subject: 'Subject',
    issuer: 'Issuer',
    serial: 'Serial number',
    validity: 'Valid',
    to: 'to',
    pin: 'PIN',
    pinHelp: 'The PIN of your signing credential (never share it).',
    otp: 'One-time code',
    otpHelp: 'The 6-digit code from your authenticator app.',
    approve: 'Approve and sign',
    refuse: 'Refuse',
    expires: 'This request expires at',
    warn: 'Approve only if you recognise this request. The server signs exactly the digests listed.',
    wrongPin: 'Wrong PIN.',
    wrongOtp: 'The one-time code is wrong or was already used.',
    locked: 'The credential is locked after repeated failures. Contact your administrator.',
    left: (n: number) => `${n} attempts left.`,
    signIn: 'Sign in to see your requests',
    subscriberId: 'Subscriber ID',
    signInBtn: 'Sign in',
    none: 'No pending requests.',
    approved: 'Approved. The requesting system will receive the result.',
    denied: 'Request refused.',
    signOut: 'Sign out',
    error: 'The request cannot be processed',
    lang: 'Tiếng Việt',
    requestFrom: 'Request from',
    hello: 'Hello',
  },
} as const;

export type Messages = (typeof T)['en'];
export const messages = (lang: Lang): Messages => T[lang] as Messages;

/** lang parameter first, then Accept-Language; Vietnamese by default. */
export function pickLang(param: string | undefined, acceptLanguage: string | undefined): Lang {
  if (param === 'vi' || param === 'en') return param;
  if (param?.startsWith('en')) return 'en';
  if (param?.startsWith('vi')) return 'vi';
  const al = (acceptLanguage ?? '').toLowerCase();
  const vi = al.indexOf('vi');
  const en = al.indexOf('en');
  if (en >= 0 && (vi < 0 || en < vi)) return 'en';
  return 'vi';
}

export const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1b1f24;background:#f3f5f7}
main{max-width:40rem;margin:0 auto;padding:1rem}
header.bar{background:#a50e0e;color:#fff;padding:.75rem 1rem;display:flex;justify-content:space-between;align-items:center;gap:1rem}
header.bar strong{font-size:1.05rem}
header.bar a{color:#fff}
h1{font-size:1.35rem;margin:.5rem 0 1rem}
h2{font-size:1.05rem;margin:1.25rem 0 .5rem}
.card{background:#fff;border:1px solid #d5dbe1;border-radius:8px;padding:1rem;margin-bottom:1rem}
.who{font-size:1.1rem}
.who b{color:#a50e0e}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem .75rem;margin:0}
dt{font-weight:600;color:#4a5561}
dd{margin:0;overflow-wrap:anywhere}
ol.docs{padding-left:1.25rem;margin:0}
ol.docs li{margin-bottom:.6rem}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.82rem;overflow-wrap:anywhere;background:#f0f2f4;padding:.1rem .25rem;border-radius:3px}
label{display:block;font-weight:600;margin-top:.75rem}
.help{display:block;font-size:.85rem;color:#4a5561}
input[type=password],input[type=text]{width:100%;font-size:1.25rem;padding:.6rem;border:2px solid #8a96a3;border-radius:6px;margin-top:.25rem;letter-spacing:.1em}
input:focus,button:focus{outline:3px solid #1a73e8;outline-offset:2px}
.actions{display:flex;gap:.75rem;margin-top:1.25rem;flex-wrap:wrap}
button{font-size:1.05rem;padding:.7rem 1.2rem;border-radius:6px;border:2px solid transparent;cursor:pointer;min-height:44px;flex:1 1 10rem}
button.ok{background:#0b6e3a;color:#fff}
button.no{background:#fff;color:#a50e0e;border-color:#a50e0e}
.alert{border-left:4px solid #a50e0e;background:#fdecea;padding:.6rem .8rem;margin-bottom:1rem}
.note{font-size:.9rem;color:#4a5561}
.ok-msg{border-left:4px solid #0b6e3a;background:#e8f5ec;padding:.6rem .8rem;margin-bottom:1rem}
@media (max-width:480px){main{padding:.5rem}dl{grid-template-columns:1fr}dt{margin-top:.4rem}}
`;

export function layout(lang: Lang, nonce: string, title: string, body: string, langSwitch?: string): string {
  const m = messages(lang);
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)}</title><style nonce="${esc(nonce)}">${CSS}</style></head>
<body><header class="bar" role="banner"><strong>kyso · ${esc(lang === 'vi' ? 'Ký số từ xa' : 'Remote signing')}</strong>${
    langSwitch
      ? `<a href="${esc(langSwitch)}" hreflang="${lang === 'vi' ? 'en' : 'vi'}">${esc(m.lang)}</a>`
      : ''
  }</header>
<main id="main">${body}</main></body></html>`;
}

function requestDetails(v: AuthRequestView, m: Messages, lang: Lang): string {
  const docs = v.documents
    .map(
      (d) =>
        `<li><span class="doc-label">${esc(d.label ?? m.noLabel)}</span><br><span class="help">${esc(m.digest)} (${esc(v.hashAlgorithm)}):</span> <code class="digest">${esc(d.hex)}</code></li>`,
    )
    .join('');
  const c = v.certificate;
  const fmt = (s: string) => (s.length >= 8 ? `${s.slice(6, 8)}/${s.slice(4, 6)}/${s.slice(0, 4)}` : s);
  const time = v.expiresAt.toLocaleTimeString(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh',
    hour: '2-digit',
    minute: '2-digit',
  });
  return `<section class="card" aria-labelledby="docs-h"><h2 id="docs-h">${esc(m.docs(v.documents.length))}</h2>
<ol class="docs">${docs}</ol>
<dl><dt>${esc(m.count)}</dt><dd>${v.numSignatures}</dd>${
    v.description ? `<dt>${esc(m.description)}</dt><dd>${esc(v.description)}</dd>` : ''
  }</dl></section>
<section class="card" aria-labelledby="cred-h"><h2 id="cred-h">${esc(m.credential)}</h2><dl>
${v.credentialDescription ? `<dt>ID</dt><dd>${esc(v.credentialId)} — ${esc(v.credentialDescription)}</dd>` : `<dt>ID</dt><dd>${esc(v.credentialId)}</dd>`}
${
  c
    ? `<dt>${esc(m.subject)}</dt><dd class="subject">${esc(c.subjectDN)}</dd><dt>${esc(m.issuer)}</dt><dd>${esc(c.issuerDN)}</dd><dt>${esc(m.serial)}</dt><dd><code>${esc(c.serialNumber)}</code></dd><dt>${esc(m.validity)}</dt><dd>${esc(fmt(c.validFrom))} ${esc(m.to)} ${esc(fmt(c.validTo))}</dd>`
    : ''
}
</dl></section>
<p class="note">${esc(m.expires)} ${esc(time)} (GMT+7). ${esc(m.warn)}</p>`;
}

function outcomeAlert(m: Messages, outcome?: string, attemptsLeft?: number): string {
  if (!outcome) return '';
  if (outcome === 'passkey') return passkeyAlert(m === T.en ? 'en' : 'vi', outcome, attemptsLeft);
  const msg = outcome === 'pin' ? m.wrongPin : outcome === 'otp' ? m.wrongOtp : m.locked;
  const left = attemptsLeft !== undefined && outcome !== 'locked' ? ` ${m.left(attemptsLeft)}` : '';
  return `<div class="alert" role="alert" id="form-error">${esc(msg + left)}</div>`;
}

function factorInputs(m: Messages, withPin: boolean, invalid?: string): string {
  const pin = withPin
    ? `<label for="pin">${esc(m.pin)}<span class="help" id="pin-help">${esc(m.pinHelp)}</span></label>
<input type="password" id="pin" name="pin" required autocomplete="off" inputmode="numeric" maxlength="64" aria-describedby="pin-help"${
        invalid === 'pin' ? ' aria-invalid="true" autofocus' : withPin && !invalid ? ' autofocus' : ''
      }>`
    : '';
  return `${pin}
<label for="otp">${esc(m.otp)}<span class="help" id="otp-help">${esc(m.otpHelp)}</span></label>
<input type="text" id="otp" name="otp" required autocomplete="one-time-code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" aria-describedby="otp-help"${
    invalid === 'otp' ? ' aria-invalid="true" autofocus' : !withPin ? '' : ''
  }>`;
}

export function authorizePage(p: {
  lang: Lang;
  nonce: string;
  view: AuthRequestView;
  csrf: string;
  action: string;
  outcome?: string;
  attemptsLeft?: number;
  langSwitch?: string;
}): string {
  const m = messages(p.lang);
  const v = p.view;
  const body = `<h1>${esc(m.title)}</h1>
<p class="who card"><b class="client">${esc(v.clientName)}</b> ${esc(m.asks)}${
    v.subscriberName ? ` — <span class="subscriber">${esc(v.subscriberName)}</span>` : ''
  }.</p>
${outcomeAlert(m, p.outcome, p.attemptsLeft)}
${requestDetails(v, m, p.lang)}
<form method="post" action="${esc(p.action)}" class="card" aria-label="${esc(m.title)}">
<input type="hidden" name="request" value="${esc(v.id)}">
<input type="hidden" name="csrf" value="${esc(p.csrf)}">
<input type="hidden" name="lang" value="${p.lang}">
${
  v.passkeyOptions
    ? passkeyInputs(p.lang, v, { withPin: true, invalid: p.outcome }) + PASSKEY_SCRIPT_TAG
    : factorInputs(m, true, p.outcome)
}
<div class="actions"><button type="submit" class="ok" name="decision" value="approve" id="approve">${esc(m.approve)}</button>
<button type="submit" class="no" name="decision" value="refuse" id="refuse" formnovalidate>${esc(m.refuse)}</button></div>
</form>`;
  return layout(p.lang, p.nonce, m.title, body, p.langSwitch);
}

export function errorPage(lang: Lang, nonce: string, detail: string): string {
  const m = messages(lang);
  return layout(
    lang,
    nonce,
    m.error,
    `<h1>${esc(m.error)}</h1><div class="alert" role="alert">${esc(detail)}</div>`,
  );
}

export function signInPage(p: {
  lang: Lang;
  nonce: string;
  csrf: string;
  outcome?: string;
  attemptsLeft?: number;
  subscriberId?: string;
  message?: string;
}): string {
  const m = messages(p.lang);
  const body = `<h1>${esc(m.approveTitle)}</h1>
${p.message ? `<div class="ok-msg" role="status">${esc(p.message)}</div>` : ''}
${outcomeAlert(m, p.outcome, p.attemptsLeft)}
<form method="post" action="/approve/login" class="card" aria-label="${esc(m.signIn)}">
<h2>${esc(m.signIn)}</h2>
<input type="hidden" name="csrf" value="${esc(p.csrf)}"><input type="hidden" name="lang" value="${p.lang}">
<label for="subscriber">${esc(m.subscriberId)}</label>
<input type="text" id="subscriber" name="subscriber" required autocomplete="username" maxlength="100" value="${esc(p.subscriberId ?? '')}">
<label for="pin">${esc(m.pin)}<span class="help" id="pin-help">${esc(m.pinHelp)}</span></label>
<input type="password" id="pin" name="pin" required autocomplete="current-password" inputmode="numeric" maxlength="64" aria-describedby="pin-help">
<div class="actions"><button type="submit" class="ok" id="signin">${esc(m.signInBtn)}</button></div>
</form>`;
  return layout(p.lang, p.nonce, m.approveTitle, body);
}

export function pendingPage(p: {
  lang: Lang;
  nonce: string;
  csrf: string;
  subscriberName: string;
  requests: AuthRequestView[];
  message?: string;
  outcome?: string;
  attemptsLeft?: number;
}): string {
  const m = messages(p.lang);
  const items = p.requests
    .map(
      (v) => `<article class="pending" aria-labelledby="h-${esc(v.id)}">
<h2 id="h-${esc(v.id)}">${esc(m.requestFrom)} <span class="client">${esc(v.clientName)}</span></h2>
${requestDetails(v, m, p.lang)}
<form method="post" action="/approve/decide" class="card" aria-label="${esc(m.approve)} — ${esc(v.clientName)}">
<input type="hidden" name="csrf" value="${esc(p.csrf)}"><input type="hidden" name="lang" value="${p.lang}">
<input type="hidden" name="request" value="${esc(v.id)}">
${
  v.passkeyOptions
    ? passkeyInputs(p.lang, v, { withPin: false, suffix: v.id })
    : factorInputs(m, false)
        .replaceAll('id="otp', `id="otp-${esc(v.id)}`)
        .replaceAll('for="otp"', `for="otp-${esc(v.id)}"`)
        .replaceAll('"otp-help"', `"otp-help-${esc(v.id)}"`)
}
<div class="actions"><button type="submit" class="ok" name="decision" value="approve">${esc(m.approve)}</button>
<button type="submit" class="no" name="decision" value="refuse" formnovalidate>${esc(m.refuse)}</button></div>
</form></article>`,
    )
    .join('\n');
  const body = `<h1>${esc(m.approveTitle)}</h1>
<p>${esc(m.hello)} <b>${esc(p.subscriberName)}</b>.</p>
${p.message ? `<div class="ok-msg" role="status">${esc(p.message)}</div>` : ''}
${outcomeAlert(m, p.outcome, p.attemptsLeft)}
${items || `<p class="card">${esc(m.none)}</p>`}
<form method="post" action="/approve/logout"><input type="hidden" name="csrf" value="${esc(p.csrf)}"><button type="submit" class="no">${esc(m.signOut)}</button></form>${
    p.requests.some((v) => v.passkeyOptions) ? PASSKEY_SCRIPT_TAG : ''
  }`;
  return layout(p.lang, p.nonce, m.approveTitle, body);
}
