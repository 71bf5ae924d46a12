/**
 * Authorisation pages (issue 7): the OAuth 2.0 authorisation page (`/csc/v2/oauth2/authorize`,
 * authorization_code grant with PKCE) and the asynchronous approval pages (`/approve`). The
 * subscriber authenticates on the page itself (PIN and OTP, or a session after PIN sign-in).
 *
 * Pages: strict CSP (no script but kyso's passkey script where a passkey approves; one nonced style), X-Frame-Options DENY + frame-ancestors
 * 'none', no-store, no referrer; CSRF tokens are double-submitted (cookie + form field) and
 * bound to the request or session stored server-side.
 */
import crypto from 'node:crypto';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { RedirectableError, redirectWith } from '../../services/authz.js';
import { ApiError } from '../../services/common.js';
import {
  type Lang,
  authorizePage,
  errorPage,
  messages,
  pendingPage,
  pickLang,
  signInPage,
} from '../pages.js';
import { PASSKEY_SCRIPT_TAG } from '../passkey-pages.js';
import { body, routeDoc } from '../request.js';
import type { Env, RouteDoc, Services } from '../types.js';

const AUTHORIZE_PATH = '/csc/v2/oauth2/authorize';

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

/** Routes at their full paths (mounted at `/`). */
export function authorizationPages(s: Services): Hono<Env> {
  const app = new Hono<Env>();
  const { authz } = s;
  const secure = s.ctx.config.publicBaseUrl.startsWith('https:');
  const R = (m: RouteDoc['method'], p: string) => routeDoc(m, p);
  const h = { body };

  const html = (c: Context, n: string, body: string, status = 200, formTargets: string[] = []) => {
    pageHeaders(c, n, formTargets, body.includes(PASSKEY_SCRIPT_TAG));
    return c.html(body, status as 200);
  };
  const langOf = (c: Context, param?: string): Lang =>
    pickLang(param ?? c.req.query('lang'), c.req.header('accept-language'));

  // --- OAuth2 authorisation page -------------------------------------------------------------
  app.get(AUTHORIZE_PATH, async (c) => {
    const q = c.req.query();
    const lang = langOf(c);
    const n = nonce();
    try {
      const { id, csrf } = await authz.startAuthorization(q);
      const view = (await authz.view(id))!;
      setCookie(c, `kyso_csrf_${id}`, csrf, {
        httpOnly: true,
        sameSite: 'Strict',
        secure,
        path: AUTHORIZE_PATH,
        maxAge: authz.approvalSeconds,
      });
      const other = new URL(c.req.url);
      other.searchParams.set('lang', lang === 'vi' ? 'en' : 'vi');
      return html(
        c,
        n,
        authorizePage({
          lang,
          nonce: n,
          view,
          csrf,
          action: AUTHORIZE_PATH,
          langSwitch: `${other.pathname}${other.search}`,
        }),
        200,
        [new URL(q.redirect_uri!).origin],
      );
    } catch (e) {
      if (e instanceof RedirectableError) {
        return c.redirect(
          redirectWith(e.redirectUri, { error: e.error, error_description: e.message, state: e.state }),
          302,
        );
      }
      if (e instanceof ApiError) return html(c, n, errorPage(lang, n, e.message), e.status);
      throw e;
    }
  });

  app.post(AUTHORIZE_PATH, async (c) => {
    const f = await h.body<Record<string, string>>(c, R('post', AUTHORIZE_PATH));
    const lang = langOf(c, f.lang);
    const n = nonce();
    const id = /^ar_[A-Za-z0-9_-]{1,40}$/.test(f.request ?? '') ? f.request! : '';
    try {
      const r = await authz.decideAuthorization({
        id,
        csrfForm: f.csrf,
        csrfCookie: id ? getCookie(c, `kyso_csrf_${id}`) : undefined,
        decision: f.decision,
        pin: f.pin,
        otp: f.otp,
        assertion: f.assertion,
      });
      if ('redirect' in r) {
        deleteCookie(c, `kyso_csrf_${id}`, { path: AUTHORIZE_PATH, secure });
        pageHeaders(c, n, [new URL(r.redirect).origin]);
        return c.redirect(r.redirect, 303);
      }
      const view = (await authz.view(id))!;
      return html(
        c,
        n,
        authorizePage({
          lang,
          nonce: n,
          view,
          csrf: f.csrf!,
          action: AUTHORIZE_PATH,
          outcome: r.outcome,
          ...(r.attemptsLeft !== undefined ? { attemptsLeft: r.attemptsLeft } : {}),
        }),
        400,
        view.redirectOrigin ? [view.redirectOrigin] : [],
      );
    } catch (e) {
      if (e instanceof ApiError) return html(c, n, errorPage(lang, n, e.message), e.status);
      throw e;
    }
  });

  // --- approval page (asynchronous requests) -----------------------------------------------------
  const APPROVE = '/approve';
  const cookieOpts = { httpOnly: true, sameSite: 'Strict' as const, secure, path: APPROVE };
  const signInView = (
    c: Context,
    lang: Lang,
    extra: Partial<Parameters<typeof signInPage>[0]> = {},
    status = 200,
  ) => {
    const n = nonce();
    const csrf = crypto.randomBytes(32).toString('base64url');
    setCookie(c, 'kyso_login_csrf', csrf, { ...cookieOpts, maxAge: 900 });
    return html(c, n, signInPage({ lang, nonce: n, csrf, ...extra }), status);
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
    extra: { message?: string; outcome?: string; attemptsLeft?: number } = {},
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
        ...extra,
      }),
      status,
    );
  };
  const checkCsrf = (given: string | undefined, expected: string | undefined) => {
    if (
      !given ||
      !expected ||
      given.length !== expected.length ||
      !crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected))
    )
      throw new ApiError(403, 'access_denied', 'missing or invalid CSRF token');
  };

  app.get(APPROVE, async (c) => {
    const lang = langOf(c);
    const sess = await sessionOf(c);
    const m = messages(lang);
    const done = c.req.query('done');
    const message = done === 'approved' ? m.approved : done === 'denied' ? m.denied : undefined;
    if (!sess) return signInView(c, lang, message ? { message } : {});
    return pendingView(c, lang, sess, message ? { message } : {});
  });

  app.post(`${APPROVE}/login`, async (c) => {
    const f = await h.body<Record<string, string>>(c, R('post', `${APPROVE}/login`));
    const lang = langOf(c, f.lang);
    try {
      checkCsrf(f.csrf, getCookie(c, 'kyso_login_csrf'));
    } catch (e) {
      const n = nonce();
      return html(c, n, errorPage(lang, n, (e as Error).message), 403);
    }
    const r = await authz.signIn(f.subscriber ?? '', f.pin ?? '');
    if ('outcome' in r)
      return signInView(
        c,
        lang,
        {
          outcome: r.outcome,
          subscriberId: f.subscriber,
          ...(r.attemptsLeft !== undefined ? { attemptsLeft: r.attemptsLeft } : {}),
        },
        400,
      );
    deleteCookie(c, 'kyso_login_csrf', { path: APPROVE, secure });
    setCookie(c, 'kyso_session', r.session, { ...cookieOpts, maxAge: 600 });
    setCookie(c, 'kyso_approve_csrf', r.csrf, { ...cookieOpts, maxAge: 600 });
    pageHeaders(c, nonce());
    return c.redirect(`${APPROVE}?lang=${lang}`, 303);
  });

  app.post(`${APPROVE}/decide`, async (c) => {
    const f = await h.body<Record<string, string>>(c, R('post', `${APPROVE}/decide`));
    const lang = langOf(c, f.lang);
    const n = nonce();
    const sess = await sessionOf(c);
    try {
      if (!sess) throw new ApiError(401, 'access_denied', 'sign in first');
      checkCsrf(f.csrf, sess.csrf);
      const r = await authz.decideAsync(sess.subscriberId, f.request ?? '', f.decision, f.otp, f.assertion);
      if (typeof r === 'string') {
        pageHeaders(c, n);
        return c.redirect(`${APPROVE}?lang=${lang}&done=${r}`, 303);
      }
      return pendingView(
        c,
        lang,
        sess,
        { outcome: r.outcome, ...(r.attemptsLeft !== undefined ? { attemptsLeft: r.attemptsLeft } : {}) },
        400,
      );
    } catch (e) {
      if (e instanceof ApiError) return html(c, n, errorPage(lang, n, e.message), e.status);
      throw e;
    }
  });

  app.post(`${APPROVE}/logout`, async (c) => {
    const f = await h.body<Record<string, string>>(c, R('post', `${APPROVE}/logout`));
    const sess = await sessionOf(c);
    if (sess) {
      checkCsrf(f.csrf, sess.csrf);
      await authz.signOut(sess.token);
    }
    deleteCookie(c, 'kyso_session', { path: APPROVE, secure });
    deleteCookie(c, 'kyso_approve_csrf', { path: APPROVE, secure });
    pageHeaders(c, nonce());
    return c.redirect(APPROVE, 303);
  });

  return app;
}
