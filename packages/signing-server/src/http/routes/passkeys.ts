/**
 * Passkey routes (issue 18): the enrolment pages, the page script, and the operator's routes.
 * Enrolment: code + PIN (POST /passkey/enrol) answers the page that runs the WebAuthn
 * registration; its response is posted with the ceremony token (a 256-bit bearer secret bound
 * server-side to the code, so no cookie is needed) to /passkey/enrol/finish.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Context, Hono } from 'hono';
import { ApiError } from '../../services/common.js';
import type { Factors } from '../../services/passkeys.js';
import { operator } from '../auth.js';
import { enrolCeremonyPage, enrolDonePage, enrolPage } from '../passkey-enrol-pages.js';
import { PASSKEY_GLUE, PASSKEY_SCRIPT_PATH } from '../passkey-pages.js';
import { errorPage, type Lang, pickLang } from '../pages.js';
import { body, routeDoc } from '../request.js';
import type { Env, Services } from '../types.js';
import { pageHeaders } from './authz-pages.js';

/** @simplewebauthn/browser's UMD bundle (global SimpleWebAuthnBrowser) + the form glue, read once. */
let script: string | undefined;
function pageScript(): string {
  if (script === undefined) {
    const req = createRequire(import.meta.url);
    const main = req.resolve('@simplewebauthn/browser'); // <pkg>/script/index.js
    const bundle = path.join(path.dirname(main), '..', 'dist', 'bundle', 'index.umd.min.js');
    script = `${fs.readFileSync(bundle, 'utf8')}\n${PASSKEY_GLUE}`;
  }
  return script;
}

/** Pages at their full paths (mounted at `/`). */
export function passkeyPages(s: Services): Hono<Env> {
  const app = new Hono<Env>();
  const pk = s.authz.passkeys;
  const R = (p: string) => routeDoc('post', p);
  const nonce = () => crypto.randomBytes(16).toString('base64');
  const langOf = (c: Context, param?: string): Lang =>
    pickLang(param ?? c.req.query('lang'), c.req.header('accept-language'));
  const html = (c: Context, body: string, n: string, status = 200, withScript = false) => {
    pageHeaders(c, n, [], withScript);
    return c.html(body, status as 200);
  };

  app.get(PASSKEY_SCRIPT_PATH, (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(pageScript());
  });

  app.get('/passkey/enrol', (c) => {
    const n = nonce();
    return html(c, enrolPage({ lang: langOf(c), nonce: n }), n);
  });

  app.post('/passkey/enrol', async (c) => {
    const f = await body<Record<string, string>>(c, R('/passkey/enrol'));
    const lang = langOf(c, f.lang);
    const n = nonce();
    const r = await pk.beginEnrolment(f.code ?? '', f.pin ?? '');
    if ('outcome' in r)
      return html(
        c,
        enrolPage({
          lang,
          nonce: n,
          outcome: r.outcome,
          ...(r.attemptsLeft !== undefined ? { attemptsLeft: r.attemptsLeft } : {}),
        }),
        n,
        400,
      );
    return html(
      c,
      enrolCeremonyPage({
        lang,
        nonce: n,
        ceremony: r.ceremony,
        options: r.options,
        subscriberName: r.subscriberName,
      }),
      n,
      200,
      true,
    );
  });

  app.post('/passkey/enrol/finish', async (c) => {
    const f = await body<Record<string, string>>(c, R('/passkey/enrol/finish'));
    const lang = langOf(c, f.lang);
    const n = nonce();
    try {
      await pk.finishEnrolment(f.ceremony ?? '', f.registration);
      return html(c, enrolDonePage(lang, n), n);
    } catch (e) {
      if (e instanceof ApiError) return html(c, errorPage(lang, n, e.message), n, e.status);
      throw e;
    }
  });
  return app;
}

/** Operator routes, relative to `/admin`. */
export function passkeyAdmin(s: Services): Hono<Env> {
  const admin = new Hono<Env>();
  const op = operator(s);
  const pk = s.authz.passkeys;
  const actor = (c: Context<Env>) => `operator:${c.get('operator')}`;
  admin.post('/subscribers/:id/passkey-enrolment', op, async (c) => {
    await body(c, routeDoc('post', '/admin/subscribers/:id/passkey-enrolment'));
    return c.json(await pk.issueEnrolmentCode(actor(c), c.req.param('id')), 201);
  });
  admin.get('/subscribers/:id/passkeys', op, async (c) =>
    c.json({ passkeys: await pk.list(c.req.param('id')) }),
  );
  admin.post('/subscribers/:id/passkeys/:passkeyId/disable', op, async (c) => {
    await body(c, routeDoc('post', '/admin/subscribers/:id/passkeys/:passkeyId/disable'));
    await pk.disable(actor(c), c.req.param('id'), c.req.param('passkeyId'));
    return c.json({ disabled: true });
  });
  admin.post('/credentials/:id/factors', op, async (c) => {
    const b = await body<{ factors: Factors }>(c, routeDoc('post', '/admin/credentials/:id/factors'));
    await pk.setFactors(actor(c), c.req.param('id'), b.factors);
    return c.json({ factors: b.factors });
  });
  return admin;
}
