/**
 * Passkey parts of the subscriber pages (issue 18): the inputs of an approval form when the
 * credential is approved with a passkey, and the enrolment pages. The only script on kyso's pages
 * is `/passkey/assets/webauthn.js` (@simplewebauthn/browser's bundle, served by the server from
 * node_modules, plus a few lines that fill a hidden field with the WebAuthn response and submit
 * the form). Options travel in a data attribute (escaped), never as inline script.
 */
import type { AuthRequestView } from '../services/authz.js';

/** Same as pages.ts (kept here so that pages.ts can use this module without an import cycle). */
type Lang = 'vi' | 'en';
const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

export const PASSKEY_SCRIPT_PATH = '/passkey/assets/webauthn.js';
export const PASSKEY_SCRIPT_TAG = `<script src="${PASSKEY_SCRIPT_PATH}" defer></script>`;

const P = {
  vi: {
    passkey: 'Xác nhận bằng passkey',
    passkeyHelp:
      'Bấm «Đồng ý ký», rồi xác nhận trên điện thoại hoặc khóa bảo mật của bạn (vân tay, khuôn mặt hoặc mã khóa màn hình). Lần xác nhận này chỉ dùng cho đúng các tài liệu trên.',
    passkeyFailed: 'Chưa xác nhận được bằng passkey. Hãy thử lại.',
    wrongPasskey: 'Xác nhận bằng passkey không hợp lệ cho yêu cầu này.',
    noScript: 'Cần bật JavaScript để xác nhận bằng passkey.',
    enrolTitle: 'Đăng ký passkey',
    enrolIntro:
      'Dùng passkey trên điện thoại hoặc khóa bảo mật để đồng ý ký số. Nhập mã đăng ký do đơn vị quản lý cấp cho bạn và mã PIN của bạn.',
    code: 'Mã đăng ký',
    codeHelp: 'Mã 20 ký tự do đơn vị quản lý cấp, dùng một lần.',
    pin: 'Mã PIN',
    continue: 'Tiếp tục',
    wrongCode: 'Mã đăng ký không đúng, đã dùng hoặc đã hết hạn.',
    wrongPin: 'Mã PIN không đúng.',
    locked: 'Tài khoản đã bị khóa do nhập sai nhiều lần. Hãy liên hệ đơn vị quản lý.',
    left: (n: number) => `Còn ${n} lần thử.`,
    create: 'Tạo passkey',
    createHelp: (name: string) =>
      `Passkey sẽ được tạo cho ${name}. Bấm «Tạo passkey» rồi làm theo hướng dẫn trên thiết bị.`,
    done: 'Đã đăng ký passkey. Từ nay bạn có thể đồng ý ký số bằng passkey này.',
  },
  en: {
    passkey: 'Confirm with your passkey',
    passkeyHelp:
      'Press “Approve and sign”, then confirm on your phone or security key (fingerprint, face or screen lock). This confirmation is valid for exactly the documents above.',
    passkeyFailed: 'The passkey confirmation did not complete. Please try again.',
    wrongPasskey: 'The passkey confirmation is not valid for this request.',
    noScript: 'JavaScript is needed to confirm with a passkey.',
    enrolTitle: 'Register a passkey',
    enrolIntro:
      'Use a passkey on your phone or a security key to approve signatures. Enter the enrolment code your administrator gave you and your PIN.',
    code: 'Enrolment code',
    codeHelp: 'The 20-character single-use code from your administrator.',
    pin: 'PIN',
    continue: 'Continue',
    wrongCode: 'The enrolment code is wrong, used or expired.',
    wrongPin: 'Wrong PIN.',
    locked: 'The account is locked after repeated failures. Contact your administrator.',
    left: (n: number) => `${n} attempts left.`,
    create: 'Create passkey',
    createHelp: (name: string) =>
      `A passkey will be created for ${name}. Press “Create passkey” and follow your device.`,
    done: 'Passkey registered. You can now approve signatures with it.',
  },
} as const;

export const passkeyMessages = (lang: Lang) => P[lang];
export type PasskeyMessages = (typeof P)['en'];

/** Inputs of an approval form whose credential is approved with a passkey (PIN too if asked). */
export function passkeyInputs(
  lang: Lang,
  v: AuthRequestView,
  opts: { withPin: boolean; suffix?: string; invalid?: string },
): string {
  const m = P[lang];
  const sfx = opts.suffix ? `-${esc(opts.suffix)}` : '';
  const pin =
    opts.withPin && v.factors === 'passkey+pin'
      ? `<label for="pin${sfx}">${esc(m.pin)}</label>
<input type="password" id="pin${sfx}" name="pin" required autocomplete="off" inputmode="numeric" maxlength="64"${
          opts.invalid === 'pin' ? ' aria-invalid="true"' : ''
        }>`
      : '';
  return `${pin}
<p class="help passkey-help" id="passkey-help${sfx}"><b>${esc(m.passkey)}.</b> ${esc(m.passkeyHelp)}</p>
<input type="hidden" name="assertion" value="" data-options="${esc(JSON.stringify(v.passkeyOptions ?? {}))}">
<p class="alert" role="alert" data-passkey-error data-msg="${esc(m.passkeyFailed)}" hidden></p>
<noscript><p class="alert">${esc(m.noScript)}</p></noscript>`;
}

/** The alert for a refused passkey assertion (the PIN/OTP alerts stay in pages.ts). */
export function passkeyAlert(lang: Lang, outcome?: string, attemptsLeft?: number, id = 'form-error'): string {
  if (outcome !== 'passkey') return '';
  const m = P[lang];
  const left = attemptsLeft !== undefined ? ` ${m.left(attemptsLeft)}` : '';
  return `<div class="alert" role="alert" id="${esc(id)}">${esc(m.wrongPasskey + left)}</div>`;
}

/**
 * The page script after @simplewebauthn/browser's bundle: on "approve" (or "create"), run the
 * WebAuthn ceremony with the options of that form, put the JSON response in the hidden field and
 * submit the form again with the same button.
 */
export const PASSKEY_GLUE = `
(function () {
  var W = window.SimpleWebAuthnBrowser;
  function wire(input, kind) {
    var form = input.form;
    if (!form) return;
    form.addEventListener('submit', function (ev) {
      var b = ev.submitter;
      if (kind === 'get' && (!b || b.value !== 'approve')) return;
      if (input.value) return;
      ev.preventDefault();
      var err = form.querySelector('[data-passkey-error]');
      if (err) err.hidden = true;
      var opts = JSON.parse(input.getAttribute('data-options'));
      var p = kind === 'get' ? W.startAuthentication({ optionsJSON: opts }) : W.startRegistration({ optionsJSON: opts });
      p.then(function (r) {
        input.value = JSON.stringify(r);
        if (b) form.requestSubmit(b); else form.requestSubmit();
      }).catch(function (e) {
        if (err) { err.hidden = false; err.textContent = err.getAttribute('data-msg') + ' (' + ((e && e.name) || 'Error') + ')'; }
      });
    });
  }
  document.querySelectorAll('input[name=assertion][data-options]').forEach(function (i) { wire(i, 'get'); });
  document.querySelectorAll('input[name=registration][data-options]').forEach(function (i) { wire(i, 'create'); });
})();
`;
