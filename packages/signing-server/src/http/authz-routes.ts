/**
 * HTTP routes of the server-collected authorisation flows and signDoc (issue 7), mounted by
 * `createApp` before the CSC sub-app so that a few of them can take a request first and hand it
 * on with `next()`:
 * - `oauth2/token` with grant_type=authorization_code (client_credentials goes on);
 * - `credentials/authorize` with operationMode "A" or an async credential policy (202 + handle);
 * - `signatures/signHash` with a credential-scoped Bearer token standing in for the SAD.
 *
 * Pages: strict CSP (no script; one nonced style), X-Frame-Options DENY + frame-ancestors
 * 'none', no-store, no referrer; CSRF tokens are double-submitted (cookie + form field) and
 * bound to the request or session stored server-side.
 */
import crypto from 'node:crypto';
import type { Context, Hono, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { ApiError } from '../services/common.js';
import { AuthzService, RedirectableError, redirectWith } from '../services/authz.js';
import { SignDocService } from '../services/signdoc.js';
import type { Services } from './app.js';
import { type Lang, authorizePage, errorPage, messages, pendingPage, pickLang, signInPage } from './pages.js';
import type { RouteDoc } from './routes.js';

export interface AppHelpers {
  body<T>(c: Context, doc: RouteDoc): Promise<T>;
  routeDoc(method: RouteDoc['method'], path: string): RouteDoc;
  bearer(c: Context): string | undefined;
}

/** Default limit for request bodies carrying documents (base64 PDFs). */
export const DEFAULT_DOCUMENT_LIMIT_BYTES = 16 * 1024 * 1024;
const DOC_PATHS = ['/csc/v2/signatures/signDoc', '/csc/v2/signatures/prepareDoc'];
export const isDocumentPath = (p: string): boolean => DOC_PATHS.includes(p);

const AUTHORIZE_PATH = '/csc/v2/oauth2/authorize';

function nonce(): string {
  return crypto.randomBytes(16).toString('base64');
}

/** Security headers for every page. `formTargets`: extra origins a form may end up at (redirects). */
export function pageHeaders(c: Context, n: string, formTargets: string[] = []): void {
  c.header(
    'Content-Security-Policy',
    [
      "default-src 'none'",
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

async function form(c: Context): Promise<Record<string, string>> {
  const ct = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct !== 'application/x-www-form-urlencoded')
    throw new ApiError(415, 'invalid_request', 'content type must be application/x-www-form-urlencoded');
  return Object.fromEntries(new URLSearchParams(await c.req.text()));
}

function clientAuth(c: Context, f: Record<string, string>): { id?: string; secret?: string } {
  const basic = /^Basic ([A-Za-z0-9+/=]{1,600})$/.exec(c.req.header('authorization') ?? '');
  if (basic) {
    const [u, p] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
    return { id: decodeURIComponent(u ?? ''), secret: decodeURIComponent(p ?? '') };
  }
  return { id: f.client_id, secret: f.client_secret };
}

const secureCookies = (s: Services) => s.ctx.config.publicBaseUrl.startsWith('https:');

export function mountAuthorizationFlows(app: Hono<any>, s: Services, h: AppHelpers): AuthzService {
  const authz = new AuthzService(s.ctx, s.ca, s.csc);
  const signDoc = new SignDocService(s.ctx, s.ca, s.csc);
  const docLimit =
    (s.ctx.config as { documentLimitBytes?: number }).documentLimitBytes ?? DEFAULT_DOCUMENT_LIMIT_BYTES;
  const secure = secureCookies(s);
  const R = (m: RouteDoc['method'], p: string) => h.routeDoc(m, p);

  const html = (c: Context, n: string, body: string, status = 200, formTargets: string[] = []) => {
    pageHeaders(c, n, formTargets);
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

  // --- tokens ----------------------------------------------------------------------------------
  app.post('/csc/v2/oauth2/token', async (c, next: Next) => {
    const ct = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/x-www-form-urlencoded') return next();
    const f = Object.fromEntries(new URLSearchParams(await c.req.text()));
    if (f.grant_type !== 'authorization_code') return next();
    const { id, secret } = clientAuth(c, f);
    if (!id || !secret) throw new ApiError(401, 'invalid_client', 'client authentication required');
    const clientId = await authz.authenticateClient(id, secret);
    c.header('Cache-Control', 'no-store');
    return c.json(await authz.exchangeCode(clientId, f));
  });

  app.post('/csc/v2/oauth2/revoke', async (c) => {
    const f = await h.body<Record<string, string>>(c, R('post', '/csc/v2/oauth2/revoke'));
    const { id, secret } = clientAuth(c, f);
    if (!id || !secret) throw new ApiError(401, 'invalid_client', 'client authentication required');
    await authz.revoke(await authz.authenticateClient(id, secret), f.token);
    return c.body(null, 204);
  });

  // --- asynchronous authorisation --------------------------------------------------------------
  app.post('/csc/v2/credentials/authorize', async (c, next: Next) => {
    const b = await h.body<{
      credentialID: string;
      numSignatures: number;
      hashes?: string[];
      hashAlgorithmOID?: string;
      description?: string;
      operationMode?: string;
    }>(c, R('post', '/csc/v2/credentials/authorize'));
    if (b.operationMode !== 'A' && (await authz.credentialPolicy(b.credentialID)) !== 'async') return next();
    const clientId = await s.csc.authenticate(h.bearer(c));
    return c.json(await authz.startAsync(clientId, b), 202);
  });

  app.post('/csc/v2/credentials/authorizeCheck', async (c) => {
    const clientId = await s.csc.authenticate(h.bearer(c));
    const b = await h.body<{ handle: string }>(c, R('post', '/csc/v2/credentials/authorizeCheck'));
    const r = await authz.check(clientId, b.handle);
    return c.json(r.body, r.status);
  });

  // --- credential-scoped token as the SAD ------------------------------------------------------
  app.post('/csc/v2/signatures/signHash', async (c, next: Next) => {
    const tok = h.bearer(c);
    // Service access token + cached credential: one database round trip (CscService.signHashFast);
    // anything else (or a body the schema refuses, so the 401-before-400 order holds) goes on below.
    const fastBody = await h
      .body<Parameters<typeof s.csc.signHashFast>[1]>(c, R('post', '/csc/v2/signatures/signHash'))
      .catch(() => undefined);
    if (fastBody) {
      const done = await s.csc.signHashFast(tok, fastBody);
      if (done) return c.json(done);
    }
    const clientId = await authz.credentialToken(tok);
    if (!clientId) return next();
    const b = await h.body<{
      credentialID: string;
      SAD?: string;
      hashes: string[];
      hashAlgorithmOID?: string;
      signAlgo: string;
      signAlgoParams?: string;
    }>(c, R('post', '/csc/v2/signatures/signHash'));
    return c.json(await s.csc.signHash(clientId, { ...b, SAD: b.SAD ?? tok! }));
  });

  // --- signDoc -----------------------------------------------------------------------------------
  const docBodyLimit = bodyLimit({
    maxSize: docLimit,
    onError: (c) =>
      c.json(
        { error: 'invalid_request', error_description: `request body larger than ${docLimit} bytes` },
        413,
      ),
  });
  /** Service token, or a credential-scoped token (then it is also the SAD). */
  const docClient = async (c: Context): Promise<{ clientId: string; credentialToken?: string }> => {
    const tok = h.bearer(c);
    const ct = await authz.credentialToken(tok);
    if (ct) return { clientId: ct, credentialToken: tok! };
    return { clientId: await s.csc.authenticate(tok) };
  };
  app.post('/csc/v2/signatures/prepareDoc', docBodyLimit, async (c) => {
    const { clientId } = await docClient(c);
    const b = await h.body<Parameters<SignDocService['prepare']>[1]>(
      c,
      R('post', '/csc/v2/signatures/prepareDoc'),
    );
    return c.json(await signDoc.prepare(clientId, b));
  });
  app.post('/csc/v2/signatures/signDoc', docBodyLimit, async (c) => {
    const { clientId, credentialToken } = await docClient(c);
    const b = await h.body<Parameters<SignDocService['signDoc']>[1]>(
      c,
      R('post', '/csc/v2/signatures/signDoc'),
    );
    if (!b.SAD && credentialToken) b.SAD = credentialToken;
    return c.json(await signDoc.signDoc(clientId, b));
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
      const r = await authz.decideAsync(sess.subscriberId, f.request ?? '', f.decision, f.otp);
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

  // --- admin (operator middleware of /admin/* runs first) -----------------------------------------
  app.post('/admin/clients/:id/redirect-uris', async (c) => {
    const b = await h.body<{ redirectUris: string[] }>(c, R('post', '/admin/clients/:id/redirect-uris'));
    await authz.setRedirectUris(`operator:${c.get('operator')}`, c.req.param('id'), b.redirectUris);
    return c.json({ redirectUris: b.redirectUris });
  });
  app.post('/admin/credentials/:id/auth-policy', async (c) => {
    const b = await h.body<{ policy: 'explicit' | 'async' }>(
      c,
      R('post', '/admin/credentials/:id/auth-policy'),
    );
    await authz.setAuthPolicy(`operator:${c.get('operator')}`, c.req.param('id'), b.policy);
    return c.json({ policy: b.policy });
  });

  return authz;
}
