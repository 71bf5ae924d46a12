/**
 * Authorisation pages (issues 7 and 18): the OAuth 2.0 authorisation page
 * (`/csc/v2/oauth2/authorize`, authorization_code grant with PKCE) and the asynchronous approval
 * pages (`/approve`). The subscriber authenticates on the page itself (PIN and OTP, or a session
 * after signing in with her CCCD or phone number and PIN).
 *
 * Every refusal is a kyso page in the subscriber's language (Vietnamese or English), with the
 * language link; where the OAuth flow needs a redirect (refusal, protocol errors), its
 * error_description is in the request's language. Locked and expired requests get a page with a
 * link back to the agency (error=access_denied, state) instead of a redirect.
 *
 * Pages: strict CSP (no script but kyso's passkey script where a passkey approves; one nonced style), X-Frame-Options DENY + frame-ancestors
 * 'none', no-store, no referrer; CSRF tokens are double-submitted (cookie + form field) and
 * bound to the request or session stored server-side.
 */
import crypto from 'node:crypto';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { type AuthRequestView, RedirectableError, redirectWith } from '../../services/authz.js';
import { ApiError } from '../../services/common.js';
import { errorDescription, type RefusalKind, refusal } from '../../services/refusals.js';
import {
  type Lang,
  authorizePage,
  messages,
  pendingPage,
  pickLang,
  refusalPage,
  signInPage,
} from '../pages.js';
import { PASSKEY_SCRIPT_TAG } from '../passkey-pages.js';
import { body, routeDoc } from '../request.js';
import type { Env, RouteDoc, Services } from '../types.js';
import { timingSafeEqual } from '@kyso/pki-core';

const AUTHORIZE_PATH = '/csc/v2/oauth2/authorize';
const REQUEST_ID = /^ar_[A-Za-z0-9_-]{1,40}$/;

function nonce(): string {
  return crypto.randomBytes(16).toString('base64');
}

/** Security headers for every page. `formTargets`: extra origins a form may end up at (redirects). */
export function pageHeaders(c: Context, n: string, formTargets: string[] = [], script = false): void {
  c.header(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      // Only pages with a passkey ceremony load a script, and only kyso's own (passkey-pages.ts).
      ...(script ? ["script-src 'self'"] : []),
      `style-src 'nonce-${n}'`,
      "img-src 'self' data:",
      `form-action 'self'${formTargets.map((t) => ` ${t}`).join('')}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
  );
  c.header('X-Frame-Options', 'DENY');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cache-Control', 'no-store');
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
}

/** HTTP status of a refusal page. */
const STATUS: Record<RefusalKind, number> = {
  locked: 403,
  expired: 400,
  refused: 200,
  decided: 400,
  unavailable: 403,
  session: 403,
  client: 400,
  invalid: 400,
  busy: 429,
};

/** What the pages share: the page response, language choice, refusal pages and form parsing. */
function pageKit(s: Services) {
  const { authz } = s;
  const secure = s.ctx.config.publicBaseUrl.startsWith('https:');
  const R = (m: RouteDoc['method'], p: string) => routeDoc(m, p);

  const html = (c: Context, n: string, page: string, status = 200, formTargets: string[] = []) => {
    pageHeaders(c, n, formTargets, page.includes(PASSKEY_SCRIPT_TAG));
    return c.html(page, status as 200);
  };
  const langOf = (c: Context, param?: string): Lang =>
    pickLang(param ?? c.req.query('lang'), c.req.header('accept-language'));
  const other = (lang: Lang): Lang => (lang === 'vi' ? 'en' : 'vi');
  /** This GET URL in the other language. */
  const switchHere = (c: Context, lang: Lang) => {
    const u = new URL(c.req.url);
    u.searchParams.set('lang', other(lang));
    return `${u.pathname}${u.search}`;
  };
  /** A request of this browser on the authorisation page, shown again in the other language. */
  const switchRequest = (id: string, lang: Lang) =>
    `${AUTHORIZE_PATH}?request=${encodeURIComponent(id)}&lang=${other(lang)}`;

  const refusalHtml = (
    c: Context,
    lang: Lang,
    kindOrMessage: string,
    langSwitch: string,
    extra: {
      view?: AuthRequestView;
      back?: string;
      backLabel?: string;
      technical?: boolean;
      /** A malformed form: shown as an invalid request with this status, whatever its words. */
      malformed?: ApiError;
    } = {},
  ) => {
    const n = nonce();
    const r = refusal(extra.malformed ? 'invalid' : kindOrMessage, lang);
    const m = messages(lang);
    const back = extra.back
      ? { href: extra.back, label: extra.backLabel ?? m.back(extra.view?.clientName ?? '') }
      : undefined;
    return html(
      c,
      n,
      refusalPage({
        lang,
        nonce: n,
        refusal: r,
        langSwitch,
        ...(extra.view ? { view: extra.view } : {}),
        ...(back ? { back } : {}),
        // The English service message of an invalid request, for whoever helps her.
        ...(extra.technical && (r.kind === 'invalid' || r.kind === 'client') && kindOrMessage !== r.kind
          ? { technical: kindOrMessage }
          : {}),
      }),
      extra.malformed?.status ?? STATUS[r.kind],
    );
  };
  /** Body parsing on a page: a malformed form is a refusal page too, never a JSON error. */
  const form = async (c: Context, path: string) => {
    try {
      return { f: await body<Record<string, string>>(c, R('post', path)) };
    } catch (e) {
      if (e instanceof ApiError) return { error: e };
      throw e;
    }
  };
  return { s, authz, secure, html, langOf, other, switchHere, switchRequest, refusalHtml, form };
}
type PageKit = ReturnType<typeof pageKit>;

/** OAuth2 authorisation page: GET shows the request, POST records her decision. */
function authorizeRoutes(app: Hono<Env>, k: PageKit): void {
  const { authz, secure, html, langOf, other, switchHere, switchRequest, refusalHtml, form } = k;
  const csrfCookie = (id: string) => `kyso_csrf_${id}`;

  app.get(AUTHORIZE_PATH, async (c) => {
    const q = c.req.query();
    const lang = langOf(c);
    // The page of a request this browser already holds (language link, page after a decision).
    if (q.request !== undefined && q.client_id === undefined) {
      const id = REQUEST_ID.test(q.request) ? q.request : '';
      const st = id ? await authz.authorizationState(id, getCookie(c, csrfCookie(id)), lang) : undefined;
      const sw = id ? switchRequest(id, lang) : switchHere(c, lang);
      if (!st) return refusalHtml(c, lang, 'session', sw);
      if (st.state === 'pending') {
        const n = nonce();
        return html(
          c,
          n,
          authorizePage({
            lang,
            nonce: n,
            view: st.view,
            csrf: st.csrf,
            action: AUTHORIZE_PATH,
            langSwitch: sw,
          }),
          200,
          st.view.redirectOrigin ? [st.view.redirectOrigin] : [],
        );
      }
      return refusalHtml(c, lang, st.state, sw, {
        ...(st.view ? { view: st.view } : {}),
        ...(st.back ? { back: st.back } : {}),
      });
    }
    const n = nonce();
    try {
      const { id, csrf } = await authz.startAuthorization(q);
      const view = (await authz.view(id))!;
      setCookie(c, csrfCookie(id), csrf, {
        httpOnly: true,
        sameSite: 'Strict',
        secure,
        path: AUTHORIZE_PATH,
        maxAge: authz.approvalSeconds,
      });
      return html(
        c,
        n,
        authorizePage({
          lang,
          nonce: n,
          view,
          csrf,
          action: AUTHORIZE_PATH,
          langSwitch: switchRequest(id, lang),
        }),
        200,
        [new URL(q.redirect_uri!).origin],
      );
    } catch (e) {
      if (e instanceof RedirectableError) {
        const kind = refusal(e.message, lang).kind;
        const back = redirectWith(e.redirectUri, {
          error: kind === 'locked' || kind === 'unavailable' ? 'access_denied' : e.error,
          error_description: errorDescription(e.message, lang),
          state: e.state,
        });
        // Her credential cannot sign (locked, suspended, …): she reads why on kyso's page, with
        // a link back to the agency. Protocol errors go back to the agency (RFC 6749 §4.1.2.1).
        if (kind === 'locked' || kind === 'unavailable')
          return refusalHtml(c, lang, e.message, switchHere(c, lang), {
            back,
            backLabel: messages(lang).back(''),
          });
        return c.redirect(back, 302);
      }
      if (e instanceof ApiError)
        return refusalHtml(c, lang, e.message, switchHere(c, lang), { technical: true });
      throw e;
    }
  });

  app.post(AUTHORIZE_PATH, async (c) => {
    const parsed = await form(c, AUTHORIZE_PATH);
    const f = parsed.f ?? {};
    const lang = langOf(c, f.lang);
    const id = REQUEST_ID.test(f.request ?? '') ? f.request! : '';
    const sw = id ? switchRequest(id, lang) : `${AUTHORIZE_PATH}?lang=${other(lang)}`;
    if (parsed.error)
      return refusalHtml(c, lang, parsed.error.message, sw, { technical: true, malformed: parsed.error });
    const n = nonce();
    try {
      const r = await authz.decideAuthorization({
        id,
        csrfForm: f.csrf,
        csrfCookie: id ? getCookie(c, csrfCookie(id)) : undefined,
        decision: f.decision,
        pin: f.pin,
        otp: f.otp,
        assertion: f.assertion,
        lang,
      });
      if ('redirect' in r) {
        deleteCookie(c, csrfCookie(id), { path: AUTHORIZE_PATH, secure });
        pageHeaders(c, n, [new URL(r.redirect).origin]);
        return c.redirect(r.redirect, 303);
      }
      const view = (await authz.view(id))!;
      if ('page' in r) return refusalHtml(c, lang, r.page, sw, { view, back: r.back });
      return html(
        c,
        n,
        authorizePage({
          lang,
          nonce: n,
          view,
          csrf: f.csrf!,
          action: AUTHORIZE_PATH,
          langSwitch: sw,
          outcome: r.outcome,
          ...(r.attemptsLeft !== undefined ? { attemptsLeft: r.attemptsLeft } : {}),
        }),
        400,
        view.redirectOrigin ? [view.redirectOrigin] : [],
      );
    } catch (e) {
      if (e instanceof ApiError) return refusalHtml(c, lang, e.message, sw, { technical: true });
      throw e;
    }
  });
}

const APPROVE = '/approve';

/** What the approval pages (asynchronous requests) share: sign-in, session, pending list. */
function approveKit(k: PageKit) {
  const { s, authz, secure, html, other } = k;
  const cookieOpts = { httpOnly: true, sameSite: 'Strict' as const, secure, path: APPROVE };
  const approveSwitch = (lang: Lang, done?: string) =>
    `${APPROVE}?lang=${other(lang)}${done ? `&done=${done}` : ''}`;
  const signInView = (
    c: Context,
    lang: Lang,
    extra: { outcome?: string; identifier?: string; message?: string } = {},
    status = 200,
  ) => {
    const n = nonce();
    const csrf = crypto.randomBytes(32).toString('base64url');
    setCookie(c, 'kyso_login_csrf', csrf, { ...cookieOpts, maxAge: 900 });
    return html(
      c,
      n,
      signInPage({ lang, nonce: n, csrf, langSwitch: approveSwitch(lang), ...extra }),
      status,
    );
  };
  /** The session and its CSRF token (double-submitted: cookie, and hash stored with the session). */
  const sessionOf = async (c: Context) => {
    const token = getCookie(c, 'kyso_session');
    const csrf = getCookie(c, 'kyso_approve_csrf');
    const sess = await authz.session(token);
    if (!sess || !csrf) return undefined;
    const ok = crypto.createHash('sha256').update(csrf).digest().equals(Buffer.from(sess.csrfHash));
    return ok ? { ...sess, token: token!, csrf } : undefined;
  };
  const pendingView = async (
    c: Context,
    lang: Lang,
    sess: { subscriberId: string; csrf: string },
    extra: { message?: string; outcome?: string; attemptsLeft?: number; outcomeFor?: string } = {},
    status = 200,
  ) => {
    const n = nonce();
    const name = (
      await s.ctx.db.query<{ name: string }>('SELECT name FROM subscribers WHERE id = $1', [
        sess.subscriberId,
      ])
    ).rows[0]?.name;
    return html(
      c,
      n,
      pendingPage({
        lang,
        nonce: n,
        csrf: sess.csrf,
        subscriberName: name ?? '',
        requests: await authz.pending(sess.subscriberId),
        langSwitch: approveSwitch(lang),
        ...extra,
      }),
      status,
    );
  };
  const csrfOk = (given: string | undefined, expected: string | undefined) =>
    !!given && !!expected && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  const backToSignIn = (lang: Lang) => ({
    back: `${APPROVE}?lang=${lang}`,
    backLabel: messages(lang).backApprove,
  });
  return { cookieOpts, approveSwitch, signInView, sessionOf, pendingView, csrfOk, backToSignIn };
}

/** Approval page (asynchronous requests): sign in, decide, sign out. */
function approveRoutes(app: Hono<Env>, k: PageKit): void {
  const { authz, secure, langOf, refusalHtml, form } = k;
  const { cookieOpts, approveSwitch, signInView, sessionOf, pendingView, csrfOk, backToSignIn } =
    approveKit(k);
  app.get(APPROVE, async (c) => {
    const lang = langOf(c);
    const sess = await sessionOf(c);
    const m = messages(lang);
    const done = c.req.query('done');
    // Static notices (they reveal nothing: anyone may type these URLs).
    if (done === 'locked' || done === 'expired')
      return refusalHtml(c, lang, done, approveSwitch(lang, done), backToSignIn(lang));
    if (sess && (await authz.isLocked(sess.subscriberId)))
      return refusalHtml(c, lang, 'locked', approveSwitch(lang), backToSignIn(lang));
    const message = done === 'approved' ? m.approved : done === 'denied' ? m.denied : undefined;
    if (!sess) return signInView(c, lang, message ? { message } : {});
    return pendingView(c, lang, sess, message ? { message } : {});
  });

  app.post(`${APPROVE}/login`, async (c) => {
    const parsed = await form(c, `${APPROVE}/login`);
    const f = parsed.f ?? {};
    const lang = langOf(c, f.lang);
    if (parsed.error)
      return refusalHtml(c, lang, parsed.error.message, approveSwitch(lang), {
        technical: true,
        malformed: parsed.error,
      });
    if (!csrfOk(f.csrf, getCookie(c, 'kyso_login_csrf')))
      return refusalHtml(c, lang, 'session', approveSwitch(lang), backToSignIn(lang));
    const r = await authz.signIn(f.identifier ?? '', f.pin ?? '');
    if ('outcome' in r) {
      if (r.outcome === 'locked') {
        deleteCookie(c, 'kyso_login_csrf', { path: APPROVE, secure });
        return refusalHtml(c, lang, 'locked', approveSwitch(lang, 'locked'), backToSignIn(lang));
      }
      return signInView(c, lang, { outcome: r.outcome, identifier: f.identifier ?? '' }, 400);
    }
    deleteCookie(c, 'kyso_login_csrf', { path: APPROVE, secure });
    setCookie(c, 'kyso_session', r.session, { ...cookieOpts, maxAge: 600 });
    setCookie(c, 'kyso_approve_csrf', r.csrf, { ...cookieOpts, maxAge: 600 });
    pageHeaders(c, nonce());
    return c.redirect(`${APPROVE}?lang=${lang}`, 303);
  });

  app.post(`${APPROVE}/decide`, async (c) => {
    const parsed = await form(c, `${APPROVE}/decide`);
    const f = parsed.f ?? {};
    const lang = langOf(c, f.lang);
    if (parsed.error)
      return refusalHtml(c, lang, parsed.error.message, approveSwitch(lang), {
        technical: true,
        malformed: parsed.error,
      });
    const n = nonce();
    const sess = await sessionOf(c);
    if (!sess || !csrfOk(f.csrf, sess.csrf))
      return refusalHtml(c, lang, 'session', approveSwitch(lang), backToSignIn(lang));
    try {
      const r = await authz.decideAsync(sess.subscriberId, f.request ?? '', f.decision, f.otp, f.assertion);
      if (typeof r === 'string') {
        pageHeaders(c, n);
        return c.redirect(`${APPROVE}?lang=${lang}&done=${r}`, 303);
      }
      if (r.outcome === 'locked')
        return refusalHtml(c, lang, 'locked', approveSwitch(lang), backToSignIn(lang));
      return pendingView(
        c,
        lang,
        sess,
        {
          outcome: r.outcome,
          outcomeFor: f.request ?? '',
          ...(r.attemptsLeft !== undefined ? { attemptsLeft: r.attemptsLeft } : {}),
        },
        400,
      );
    } catch (e) {
      if (e instanceof ApiError) {
        const kind = refusal(e.message, lang).kind;
        return refusalHtml(
          c,
          lang,
          e.message,
          approveSwitch(lang, kind === 'expired' ? 'expired' : undefined),
          {
            back: `${APPROVE}?lang=${lang}`,
            backLabel: messages(lang).approveTitle,
            technical: true,
          },
        );
      }
      throw e;
    }
  });

  app.post(`${APPROVE}/logout`, async (c) => {
    const parsed = await form(c, `${APPROVE}/logout`);
    if (parsed.error)
      return refusalHtml(c, langOf(c), parsed.error.message, approveSwitch(langOf(c)), {
        technical: true,
        malformed: parsed.error,
      });
    const f = parsed.f ?? {};
    const sess = await sessionOf(c);
    if (sess && csrfOk(f.csrf, sess.csrf)) await authz.signOut(sess.token);
    else if (sess)
      return refusalHtml(c, langOf(c), 'session', approveSwitch(langOf(c)), backToSignIn(langOf(c)));
    deleteCookie(c, 'kyso_session', { path: APPROVE, secure });
    deleteCookie(c, 'kyso_approve_csrf', { path: APPROVE, secure });
    pageHeaders(c, nonce());
    return c.redirect(APPROVE, 303);
  });
}

/** Routes at their full paths (mounted at `/`). */
export function authorizationPages(s: Services): Hono<Env> {
  const app = new Hono<Env>();
  const k = pageKit(s);
  // --- OAuth2 authorisation page
  authorizeRoutes(app, k);
  // --- approval page (asynchronous requests)
  approveRoutes(app, k);
  return app;
}
