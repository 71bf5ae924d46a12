/** The passkey enrolment pages (issue 18): code + PIN, the registration ceremony, done. */
import { PASSKEY_SCRIPT_TAG, passkeyMessages } from './passkey-pages.js';
import { esc, type Lang, layout } from './pages.js';

export function enrolPage(p: { lang: Lang; nonce: string; outcome?: string; attemptsLeft?: number }): string {
  const m = passkeyMessages(p.lang);
  const msg =
    p.outcome === 'code'
      ? m.wrongCode
      : p.outcome === 'pin'
        ? m.wrongPin
        : p.outcome === 'locked'
          ? m.locked
          : undefined;
  const left = msg && p.outcome === 'pin' && p.attemptsLeft !== undefined ? ` ${m.left(p.attemptsLeft)}` : '';
  const body = `<h1>${esc(m.enrolTitle)}</h1>
<p>${esc(m.enrolIntro)}</p>
${msg ? `<div class="alert" role="alert">${esc(msg + left)}</div>` : ''}
<form method="post" action="/passkey/enrol" class="card" aria-label="${esc(m.enrolTitle)}">
<input type="hidden" name="lang" value="${p.lang}">
<label for="code">${esc(m.code)}<span class="help" id="code-help">${esc(m.codeHelp)}</span></label>
<input type="text" id="code" name="code" required autocomplete="off" maxlength="40" aria-describedby="code-help"${
    p.outcome === 'code' ? ' aria-invalid="true"' : ''
  }>
<label for="pin">${esc(m.pin)}</label>
<input type="password" id="pin" name="pin" required autocomplete="current-password" inputmode="numeric" maxlength="64"${
    p.outcome === 'pin' ? ' aria-invalid="true"' : ''
  }>
<div class="actions"><button type="submit" class="ok" id="continue">${esc(m.continue)}</button></div>
</form>`;
  return layout(p.lang, p.nonce, m.enrolTitle, body, `/passkey/enrol?lang=${p.lang === 'vi' ? 'en' : 'vi'}`);
}

export function enrolCeremonyPage(p: {
  lang: Lang;
  nonce: string;
  ceremony: string;
  options: unknown;
  subscriberName: string;
}): string {
  const m = passkeyMessages(p.lang);
  const body = `<h1>${esc(m.enrolTitle)}</h1>
<form method="post" action="/passkey/enrol/finish" class="card" aria-label="${esc(m.create)}">
<input type="hidden" name="lang" value="${p.lang}">
<input type="hidden" name="ceremony" value="${esc(p.ceremony)}">
<input type="hidden" name="registration" value="" data-options="${esc(JSON.stringify(p.options))}">
<p>${esc(m.createHelp(p.subscriberName))}</p>
<p class="alert" role="alert" data-passkey-error data-msg="${esc(m.passkeyFailed)}" hidden></p>
<noscript><p class="alert">${esc(m.noScript)}</p></noscript>
<div class="actions"><button type="submit" class="ok" id="create">${esc(m.create)}</button></div>
</form>${PASSKEY_SCRIPT_TAG}`;
  return layout(p.lang, p.nonce, m.enrolTitle, body);
}

export function enrolDonePage(lang: Lang, nonce: string): string {
  const m = passkeyMessages(lang);
  return layout(
    lang,
    nonce,
    m.enrolTitle,
    `<h1>${esc(m.enrolTitle)}</h1><div class="ok-msg" role="status" id="enrolled">${esc(m.done)}</div>`,
  );
}
