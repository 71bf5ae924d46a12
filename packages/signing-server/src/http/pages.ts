/**
 * Server-rendered pages where subscribers give their consent: the OAuth2 authorisation page, the
 * asynchronous approval pages (sign-in, pending requests) and a page for every refusal (locked,
 * expired, refused, …). Plain templates (every value escaped), Vietnamese and English, no script
 * (except kyso's own passkey script, passkey-pages.ts), no external assets, one nonced <style>; the security headers are set by the routes
 * (`pageHeaders`).
 *
 * Built from small parts so that other factors can be added to the forms: `factorFields` renders
 * PIN/OTP inputs, and the pages take `factorSlot` (HTML placed in each approval form, after the
 * PIN/OTP fields). Element ids carry a per-form prefix, so several pending requests on one page
 * never repeat an id. On a phone (390×844) the approval form is within the first screen: who asks
 * and the document names come first, the form next, the certificate and full digests after it.
 */
import type { AuthRequestView } from '../services/authz.js';
import type { Refusal } from '../services/refusals.js';
import { PASSKEY_SCRIPT_TAG, passkeyAlert, passkeyInputs } from './passkey-pages.js';

export type Lang = 'vi' | 'en';

const T = {
  vi: {
    title: 'Xác nhận ký số',
    approveTitle: 'Yêu cầu ký số đang chờ',
    asks: (n: number) => `yêu cầu ký ${n} tài liệu bằng chứng thư số của bạn`,
    docs: (n: number) => `Tài liệu sẽ được ký (${n})`,
    moreDocs: (n: number) => `và ${n} tài liệu khác`,
    digest: 'Mã băm',
    noLabel: '(không có tên)',
    count: 'Số chữ ký',
    description: 'Nội dung',
    credential: 'Chứng thư số dùng để ký',
    holder: 'Người ký',
    cccd: 'Số CCCD',
    organization: 'Tổ chức',
    issuer: 'Cấp bởi',
    serial: 'Số hiệu',
    validity: 'Hiệu lực',
    credentialName: 'Tên chứng thư',
    to: 'đến',
    more: 'Chi tiết',
    pin: 'Mã PIN',
    pinHelp: 'Mã PIN của chứng thư số (không chia sẻ với ai).',
    otp: 'Mã OTP',
    otpHelp: 'Mã 6 chữ số từ ứng dụng xác thực.',
    approve: 'Đồng ý ký',
    refuse: 'Từ chối',
    expires: 'Yêu cầu hết hạn lúc',
    warn: 'Chỉ đồng ý khi bạn nhận ra yêu cầu này. Máy chủ chỉ ký đúng các mã băm được liệt kê.',
    wrongPin: 'Mã PIN không đúng.',
    wrongOtp: 'Mã OTP không đúng hoặc đã được dùng.',
    locked: 'Chứng thư số đã bị khóa do nhập sai nhiều lần. Hãy liên hệ đơn vị cấp chứng thư số.',
    left: (n: number) => `Còn ${n} lần thử.`,
    signIn: 'Đăng nhập để xem yêu cầu ký',
    identifier: 'Số CCCD hoặc số điện thoại',
    identifierHelp: '12 chữ số trên thẻ căn cước, hoặc số điện thoại đã đăng ký với đơn vị cấp chứng thư số.',
    signInPinHelp: 'Mã PIN của chứng thư số.',
    signInFailed:
      'Không đăng nhập được. Hãy kiểm tra lại cả hai ô: số CCCD (12 chữ số) hoặc số điện thoại đã đăng ký, và mã PIN.',
    signInBtn: 'Đăng nhập',
    none: 'Không có yêu cầu nào đang chờ.',
    approved: 'Đã đồng ý. Hệ thống yêu cầu sẽ nhận được kết quả.',
    denied: 'Đã từ chối yêu cầu. Không có gì được ký.',
    expiredMsg: 'Yêu cầu đã hết hạn hoặc đã được xử lý. Không có gì được ký.',
    signOut: 'Đăng xuất',
    error: 'Không thể xử lý yêu cầu',
    lang: 'English',
    requestFrom: 'Yêu cầu từ',
    hello: 'Xin chào',
    back: (to: string) => `Quay lại ${to}`,
    backApprove: 'Quay lại trang đăng nhập',
    technical: 'Chi tiết kỹ thuật',
    service: 'Ký số từ xa',
  },
  en: {
    title: 'Confirm digital signature',
    approveTitle: 'Pending signature requests',
    asks: (n: number) => `asks to sign ${n} document${n === 1 ? '' : 's'} with your certificate`,
    docs: (n: number) => `Documents to be signed (${n})`,
    moreDocs: (n: number) => `and ${n} more`,
    digest: 'Digest',
    noLabel: '(no name)',
    count: 'Signatures',
    description: 'About',
    credential: 'Certificate used to sign',
    holder: 'Signer',
    cccd: 'Citizen ID (CCCD)',
    organization: 'Organisation',
    issuer: 'Issued by',
    serial: 'Serial number',
    validity: 'Valid',
    credentialName: 'Credential',
    to: 'to',
    more: 'Details',
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
    locked: 'The credential is locked after repeated failures. Contact the provider of your certificate.',
    left: (n: number) => `${n} attempts left.`,
    signIn: 'Sign in to see your signature requests',
    identifier: 'Citizen ID (CCCD) or phone number',
    identifierHelp:
      'The 12 digits on your ID card, or the phone number registered with your certificate provider.',
    signInPinHelp: 'The PIN of your signing credential.',
    signInFailed:
      'Sign-in failed. Check both fields: your citizen ID (12 digits) or registered phone number, and your PIN.',
    signInBtn: 'Sign in',
    none: 'No pending requests.',
    approved: 'Approved. The requesting system will receive the result.',
    denied: 'Request refused. Nothing was signed.',
    expiredMsg: 'The request expired or was already handled. Nothing was signed.',
    signOut: 'Sign out',
    error: 'The request cannot be processed',
    lang: 'Tiếng Việt',
    requestFrom: 'Request from',
    hello: 'Hello',
    back: (to: string) => `Back to ${to}`,
    backApprove: 'Back to sign-in',
    technical: 'Technical details',
    service: 'Remote signing',
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
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1b1f24;background:#f3f5f7}
main{max-width:40rem;margin:0 auto;padding:.75rem 1rem}
header.bar{background:#a50e0e;color:#fff;padding:.5rem 1rem;display:flex;justify-content:space-between;align-items:center;gap:1rem}
header.bar strong{font-size:1rem}
header.bar a{color:#fff;font-weight:600;padding:.35rem .1rem}
h1{font-size:1.3rem;margin:.25rem 0 .6rem}
h2{font-size:1.05rem;margin:0 0 .4rem}
.card{background:#fff;border:1px solid #d5dbe1;border-radius:8px;padding:.75rem 1rem;margin:0 0 .75rem}
.who{margin:0 0 .6rem}
.who b{color:#a50e0e}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .75rem;margin:0}
dt{font-weight:600;color:#4a5561}
dd{margin:0;overflow-wrap:anywhere}
ol.docs{padding-left:1.25rem;margin:0}
ol.docs li{margin-bottom:.3rem}
.doc-label{font-weight:600}
.description{margin:.4rem 0 0}
details{margin-top:.2rem}
summary{cursor:pointer;color:#1b4f8a}
summary code{color:#1b1f24}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.82rem;overflow-wrap:anywhere;background:#f0f2f4;padding:.1rem .25rem;border-radius:3px}
label{display:block;font-weight:600;margin-top:.5rem}
form.card>label:first-of-type{margin-top:0}
.help{display:block;font-size:.85rem;font-weight:400;color:#4a5561}
input[type=password],input[type=text],input[type=tel]{width:100%;font-size:1.2rem;padding:.45rem .6rem;border:2px solid #6b7785;border-radius:6px;margin-top:.2rem;letter-spacing:.08em}
input[aria-invalid=true]{border-color:#a50e0e}
input:focus,button:focus,a:focus,summary:focus{outline:3px solid #1a73e8;outline-offset:2px}
.actions{display:flex;gap:.75rem;margin-top:.9rem;flex-wrap:wrap}
button,a.button{font-size:1.05rem;padding:.6rem 1.1rem;border-radius:6px;border:2px solid transparent;cursor:pointer;min-height:44px;flex:1 1 9rem;text-align:center;text-decoration:none;display:inline-block}
button.ok,a.button{background:#0b6e3a;color:#fff}
button.no{background:#fff;color:#a50e0e;border-color:#a50e0e}
.alert{border-left:4px solid #a50e0e;background:#fdecea;padding:.5rem .8rem;margin-bottom:.75rem}
.note{font-size:.9rem;color:#4a5561}
.ok-msg{border-left:4px solid #0b6e3a;background:#e8f5ec;padding:.5rem .8rem;margin-bottom:.75rem}
.signout{margin-top:1rem}
.signout button{flex:0 0 auto;font-size:.95rem;padding:.4rem .9rem}
@media (max-width:480px){main{padding:.5rem .6rem}.card{padding:.6rem .75rem}}
`;

/**
 * The page frame: header with the language link (on every page), main landmark. `langSwitch`
 * defaults to `?lang=<other>`: the same path in the other language, right for any GET page.
 */
export function layout(lang: Lang, nonce: string, title: string, body: string, langSwitch?: string): string {
  const m = messages(lang);
  const other = lang === 'vi' ? 'en' : 'vi';
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)}</title><style nonce="${esc(nonce)}">${CSS}</style></head>
<body><header class="bar"><strong>kyso · ${esc(m.service)}</strong><a href="${esc(langSwitch ?? `?lang=${other}`)}" hreflang="${other}" lang="${other}" id="lang-switch">${esc(m.lang)}</a></header>
<main id="main">${body}</main></body></html>`;
}

/** A generic error page (a refusal page with the generic title and `detail`). */
export function errorPage(lang: Lang, nonce: string, detail: string, langSwitch?: string): string {
  const m = messages(lang);
  return layout(
    lang,
    nonce,
    m.error,
    `<h1>${esc(m.error)}</h1><div class="alert" role="alert" id="refusal">${esc(detail)}</div>`,
    langSwitch,
  );
}

/** A digest as the page shows it: the first and last 8 hex digits, the whole in <details>. */
function digest(hex: string, alg: string, m: Messages): string {
  const short = hex.length > 20 ? `${hex.slice(0, 8)}…${hex.slice(-8)}` : hex;
  return `<details class="digest"><summary>${esc(m.digest)} ${esc(alg)}: <code>${esc(short)}</code></summary><code class="digest-hex">${esc(hex)}</code></details>`;
}

const SHOWN_DOCS = 3;

/** Who asks and what will be signed: agency, document names, short digests (expandable). */
function documentsCard(v: AuthRequestView, m: Messages, headingId: string): string {
  const item = (d: AuthRequestView['documents'][number]) =>
    `<li><span class="doc-label">${esc(d.label ?? m.noLabel)}</span>${digest(d.hex, v.hashAlgorithm, m)}</li>`;
  const first = v.documents.slice(0, SHOWN_DOCS).map(item).join('');
  const rest = v.documents.slice(SHOWN_DOCS);
  const more = rest.length
    ? `<details><summary>${esc(m.moreDocs(rest.length))}</summary><ol class="docs" start="${SHOWN_DOCS + 1}">${rest.map(item).join('')}</ol></details>`
    : '';
  return `<section class="card docs" aria-labelledby="${headingId}"><h2 id="${headingId}">${esc(m.docs(v.documents.length))}</h2>
<ol class="docs">${first}</ol>${more}${
    v.description ? `<p class="description"><b>${esc(m.description)}:</b> ${esc(v.description)}</p>` : ''
  }</section>`;
}

const fmtDate = (s: string) => (s.length >= 8 ? `${s.slice(6, 8)}/${s.slice(4, 6)}/${s.slice(0, 4)}` : s);

/** The certificate as a person reads it: name, CCCD, issuer name, validity; the rest collapsible. */
function certificateCard(v: AuthRequestView, m: Messages, headingId: string): string {
  const c = v.certificate;
  const row = (k: string, val: string | undefined, cls = '') =>
    val ? `<dt>${esc(k)}</dt><dd${cls ? ` class="${cls}"` : ''}>${esc(val)}</dd>` : '';
  const main = c
    ? [
        row(m.holder, c.holderName ?? v.subscriberName, 'holder'),
        row(m.cccd, c.cccd, 'cccd'),
        row(m.organization, c.organization),
        row(m.issuer, c.issuerName, 'issuer'),
        row(m.validity, `${fmtDate(c.validFrom)} ${m.to} ${fmtDate(c.validTo)}`),
      ].join('')
    : row(m.holder, v.subscriberName, 'holder');
  const details = [
    c ? row(m.serial, c.serialNumber) : '',
    row(m.credentialName, v.credentialDescription),
    row(m.count, String(v.numSignatures)),
  ].join('');
  return `<section class="card cert" aria-labelledby="${headingId}"><h2 id="${headingId}">${esc(m.credential)}</h2><dl>${main}</dl>
<details><summary>${esc(m.more)}</summary><dl>${details}</dl></details></section>`;
}

function expiryNote(v: AuthRequestView, m: Messages, lang: Lang): string {
  const time = v.expiresAt.toLocaleTimeString(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh',
    hour: '2-digit',
    minute: '2-digit',
  });
  return `<p class="note">${esc(m.expires)} ${esc(time)} (GMT+7). ${esc(m.warn)}</p>`;
}

function outcomeAlert(m: Messages, id: string, outcome?: string, attemptsLeft?: number): string {
  if (!outcome) return '';
  if (outcome === 'passkey') return passkeyAlert(m === T.en ? 'en' : 'vi', outcome, attemptsLeft, id);
  const msg =
    outcome === 'pin'
      ? m.wrongPin
      : outcome === 'otp'
        ? m.wrongOtp
        : outcome === 'signin'
          ? m.signInFailed
          : m.locked;
  const left =
    attemptsLeft !== undefined && outcome !== 'locked' && outcome !== 'signin'
      ? ` ${m.left(attemptsLeft)}`
      : '';
  return `<div class="alert" role="alert" id="${id}">${esc(msg + left)}</div>`;
}

/**
 * PIN and/or OTP inputs with ids prefixed by `idp` (`idp` '' keeps the plain ids `pin`, `otp`).
 * `invalid` marks the field the subscriber has to check and focuses it.
 */
export function factorFields(p: {
  m: Messages;
  idp: string;
  pin: boolean;
  otp: boolean;
  invalid?: string;
  autofocus?: boolean;
}): string {
  const { m, idp } = p;
  const id = (s: string) => `${idp}${s}`;
  const attrs = (f: string) =>
    p.invalid === f
      ? ' aria-invalid="true" autofocus'
      : p.autofocus && !p.invalid && f === (p.pin ? 'pin' : 'otp')
        ? ' autofocus'
        : '';
  const pin = p.pin
    ? `<label for="${id('pin')}">${esc(m.pin)}<span class="help" id="${id('pin-help')}">${esc(m.pinHelp)}</span></label>
<input type="password" id="${id('pin')}" name="pin" required autocomplete="off" inputmode="numeric" maxlength="64" aria-describedby="${id('pin-help')}"${attrs('pin')}>`
    : '';
  const otp = p.otp
    ? `<label for="${id('otp')}">${esc(m.otp)}<span class="help" id="${id('otp-help')}">${esc(m.otpHelp)}</span></label>
<input type="text" id="${id('otp')}" name="otp" required autocomplete="one-time-code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" aria-describedby="${id('otp-help')}"${attrs('otp')}>`
    : '';
  return `${pin}\n${otp}`;
}

/** HTML a page puts into each approval form after the PIN/OTP fields (e.g. another factor). */
export type FactorSlot = (view: AuthRequestView, idPrefix: string) => string;

function decisionButtons(m: Messages, idp: string): string {
  return `<div class="actions"><button type="submit" class="ok" name="decision" value="approve" id="${idp}approve">${esc(m.approve)}</button>
<button type="submit" class="no" name="decision" value="refuse" id="${idp}refuse" formnovalidate>${esc(m.refuse)}</button></div>`;
}

export function authorizePage(p: {
  lang: Lang;
  nonce: string;
  view: AuthRequestView;
  csrf: string;
  action: string;
  langSwitch: string;
  outcome?: string;
  attemptsLeft?: number;
  factorSlot?: FactorSlot;
}): string {
  const m = messages(p.lang);
  const v = p.view;
  const body = `<h1>${esc(m.title)}</h1>
<p class="who"><b class="client">${esc(v.clientName)}</b> ${esc(m.asks(v.documents.length))}${
    v.subscriberName ? ` — <span class="subscriber">${esc(v.subscriberName)}</span>` : ''
  }.</p>
${outcomeAlert(m, 'form-error', p.outcome, p.attemptsLeft)}
${documentsCard(v, m, 'docs-h')}
<form method="post" action="${esc(p.action)}" class="card approve-form" aria-label="${esc(m.title)}">
<input type="hidden" name="request" value="${esc(v.id)}">
<input type="hidden" name="csrf" value="${esc(p.csrf)}">
<input type="hidden" name="lang" value="${p.lang}">
${factorFields({ m, idp: '', pin: v.factors !== 'passkey', otp: v.factors === 'pin+otp', invalid: p.outcome, autofocus: true })}
${v.passkeyOptions ? passkeyInputs(p.lang, v, { withPin: false }) + PASSKEY_SCRIPT_TAG : ''}
${p.factorSlot ? p.factorSlot(v, '') : ''}
${decisionButtons(m, '')}
</form>
${certificateCard(v, m, 'cred-h')}
${expiryNote(v, m, p.lang)}`;
  return layout(p.lang, p.nonce, m.title, body, p.langSwitch);
}

/**
 * A refusal (locked, expired, refused, invalid request, …) as its own page, with what happened,
 * what to do, the request it was about when known, and a way back (to the agency with
 * error=access_denied, or to the sign-in page).
 */
export function refusalPage(p: {
  lang: Lang;
  nonce: string;
  refusal: Refusal;
  langSwitch: string;
  view?: AuthRequestView;
  back?: { href: string; label: string };
  technical?: string;
}): string {
  const m = messages(p.lang);
  const r = p.refusal;
  const v = p.view;
  const about = v
    ? `<p class="who"><b class="client">${esc(v.clientName)}</b> ${esc(m.asks(v.documents.length))}.</p>
<section class="card docs" aria-label="${esc(m.docs(v.documents.length))}"><ol class="docs">${v.documents
        .slice(0, SHOWN_DOCS)
        .map((d) => `<li><span class="doc-label">${esc(d.label ?? m.noLabel)}</span></li>`)
        .join('')}</ol></section>`
    : '';
  const body = `<h1>${esc(r.title)}</h1>
<div class="${r.kind === 'refused' ? 'ok-msg' : 'alert'}" role="alert" id="refusal" data-kind="${r.kind}">${esc(r.text)}</div>
${about}
${p.back ? `<div class="actions"><a class="button" id="back" href="${esc(p.back.href)}">${esc(p.back.label)}</a></div>` : ''}
${p.technical ? `<details class="note"><summary>${esc(m.technical)}</summary><code lang="en">${esc(p.technical)}</code></details>` : ''}`;
  return layout(p.lang, p.nonce, r.title, body, p.langSwitch);
}

export function signInPage(p: {
  lang: Lang;
  nonce: string;
  csrf: string;
  langSwitch: string;
  outcome?: string;
  identifier?: string;
  message?: string;
}): string {
  const m = messages(p.lang);
  const bad = p.outcome === 'signin' ? ' aria-invalid="true"' : '';
  const body = `<h1>${esc(m.signIn)}</h1>
${p.message ? `<div class="ok-msg" role="status">${esc(p.message)}</div>` : ''}
${outcomeAlert(m, 'form-error', p.outcome)}
<form method="post" action="/approve/login" class="card" aria-label="${esc(m.signIn)}">
<input type="hidden" name="csrf" value="${esc(p.csrf)}"><input type="hidden" name="lang" value="${p.lang}">
<label for="identifier">${esc(m.identifier)}<span class="help" id="identifier-help">${esc(m.identifierHelp)}</span></label>
<input type="tel" id="identifier" name="identifier" required autocomplete="username" maxlength="30" aria-describedby="identifier-help${bad ? ' form-error' : ''}" value="${esc(p.identifier ?? '')}"${bad}${bad ? ' autofocus' : ''}>
<label for="pin">${esc(m.pin)}<span class="help" id="pin-help">${esc(m.signInPinHelp)}</span></label>
<input type="password" id="pin" name="pin" required autocomplete="current-password" inputmode="numeric" maxlength="64" aria-describedby="pin-help${bad ? ' form-error' : ''}"${bad}>
<div class="actions"><button type="submit" class="ok" id="signin">${esc(m.signInBtn)}</button></div>
</form>`;
  return layout(p.lang, p.nonce, m.signIn, body, p.langSwitch);
}

export function pendingPage(p: {
  lang: Lang;
  nonce: string;
  csrf: string;
  subscriberName: string;
  requests: AuthRequestView[];
  langSwitch: string;
  message?: string;
  outcome?: string;
  attemptsLeft?: number;
  /** The request the outcome is about (its form shows the alert). */
  outcomeFor?: string;
  factorSlot?: FactorSlot;
}): string {
  const m = messages(p.lang);
  const items = p.requests
    .map((v, i) => {
      const idp = `r${i + 1}-`;
      const mine = p.outcome && (p.outcomeFor === v.id || (!p.outcomeFor && i === 0));
      return `<article class="pending" aria-labelledby="${idp}h">
<h2 id="${idp}h" class="who"><b class="client">${esc(v.clientName)}</b> ${esc(m.asks(v.documents.length))}</h2>
${mine ? outcomeAlert(m, `${idp}error`, p.outcome, p.attemptsLeft) : ''}
${documentsCard(v, m, `${idp}docs-h`)}
<form method="post" action="/approve/decide" class="card approve-form" aria-label="${esc(m.approve)} — ${esc(v.clientName)}">
<input type="hidden" name="csrf" value="${esc(p.csrf)}"><input type="hidden" name="lang" value="${p.lang}">
<input type="hidden" name="request" value="${esc(v.id)}">
${factorFields({ m, idp, pin: false, otp: v.factors === 'pin+otp', ...(mine ? { invalid: p.outcome } : {}), autofocus: i === 0 })}
${v.passkeyOptions ? passkeyInputs(p.lang, v, { withPin: false, suffix: v.id }) : ''}
${p.factorSlot ? p.factorSlot(v, idp) : ''}
${decisionButtons(m, idp)}
</form>
${certificateCard(v, m, `${idp}cred-h`)}
${expiryNote(v, m, p.lang)}</article>`;
    })
    .join('\n');
  const body = `<h1>${esc(m.approveTitle)}</h1>
<p>${esc(m.hello)} <b class="subscriber">${esc(p.subscriberName)}</b>.</p>
${p.message ? `<div class="ok-msg" role="status">${esc(p.message)}</div>` : ''}
${items || `<p class="card">${esc(m.none)}</p>`}
<form method="post" action="/approve/logout" class="signout"><input type="hidden" name="csrf" value="${esc(p.csrf)}"><div class="actions"><button type="submit" class="no" id="signout">${esc(m.signOut)}</button></div></form>${
    p.requests.some((v) => v.passkeyOptions) ? PASSKEY_SCRIPT_TAG : ''
  }`;
  return layout(p.lang, p.nonce, m.approveTitle, body, p.langSwitch);
}
