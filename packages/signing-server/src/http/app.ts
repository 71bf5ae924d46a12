/**
 * HTTP composition: request-wide middleware (request id, URL text check, access log, body
 * limits), error mapping in one place, and the route groups as Hono sub-apps, one file each
 * (routes/*.ts). Every protected route names its authentication middleware itself, so the order
 * of the `route` calls below decides nothing. Every bad input is a 4xx.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isKysoError } from '@kyso/pki-core';
import { ApiError, badRequest } from '../services/common.js';
import { errorBody, isInvalidTextError, limitBody, requestIdMiddleware } from './request.js';
import { adminRoutes } from './routes/admin.js';
import { authorizationPages } from './routes/authz-pages.js';
import { passkeyAdmin, passkeyPages } from './routes/passkeys.js';
import { cscRoutes, isDocumentPath } from './routes/csc.js';
import { metaRoutes } from './routes/meta.js';
import { oauth2Routes } from './routes/oauth2.js';
import { pkiRoutes } from './routes/pki.js';
import { badUrlText } from './schema.js';
import type { Env, Services } from './types.js';

export { isInvalidTextError } from './request.js';
export { cscInfo } from './routes/csc.js';
export type { Services } from './types.js';

/**
 * The Hono application: request ids, a NUL/ill-formed-Unicode check on the URL, a secret-free
 * access log, body limits (Config.bodyLimitBytes; Config.documentLimitBytes for signDoc and
 * prepareDoc; 413 above), and every route group (/healthz, /admin, /pki, /csc/v2, the approval
 * and passkey pages). Errors, all as `{"error","error_description"}`: an {@link ApiError} keeps
 * its status and code; a Hono HTTPException keeps its status (invalid_request); a KysoError (bad
 * DER, PDF, XML …) or text the database cannot store is 400 invalid_request; anything else is
 * logged and answered 500 server_error without detail. Unknown paths are 404.
 *
 * Most callers want {@link createKyso}, which builds the services and this app together.
 */
export function createApp(s: Services): Hono<Env> {
  const { ctx } = s;
  const app = new Hono<Env>();

  app.use('*', requestIdMiddleware());
  // Path parameters and query values with NUL or ill-formed Unicode are refused once, here.
  app.use('*', async (_c, next) => {
    const where = badUrlText(_c.req.url);
    if (where) throw badRequest(`the request ${where} contains NUL or ill-formed Unicode`);
    await next();
  });
  // The access line has fixed, secret-free fields: a child without the redaction paths (the
  // wildcard redaction costs ~19 µs a line, measured; ~3 µs without it).
  const accessLog = ctx.log.child({}, { redact: { paths: [] } });
  app.use('*', async (c, next) => {
    const start = performance.now();
    await next();
    accessLog.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - start),
      },
      'request',
    );
  });
  const limit = limitBody(ctx.config.bodyLimitBytes, (c) =>
    errorBody(c, 413, 'invalid_request', `request body larger than ${ctx.config.bodyLimitBytes} bytes`),
  );
  // Bodies carrying PDFs (signDoc, prepareDoc) have their own, larger limit (routes/csc.ts).
  app.use('*', (c, next) => (isDocumentPath(c.req.path) ? next() : limit(c, next)));

  app.onError((err, c) => {
    if (err instanceof ApiError) {
      // Fixed one-minute windows: the next window starts within 60 s.
      if (err.status === 429) c.header('retry-after', '60');
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return errorBody(c, err.status, err.error, err.message);
    }
    if (err instanceof HTTPException)
      return errorBody(c, err.status, 'invalid_request', err.message || 'bad request');
    if (isKysoError(err)) return errorBody(c, 400, 'invalid_request', err.message);
    if (isInvalidTextError(err))
      return errorBody(c, 400, 'invalid_request', 'a value contains characters that cannot be stored');
    ctx.log.error(
      { requestId: c.get('requestId'), err: { message: err.message, stack: err.stack } },
      'unhandled error',
    );
    return errorBody(c, 500, 'server_error', 'internal error');
  });
  app.notFound((c) => errorBody(c, 404, 'invalid_request', 'no such endpoint'));

  app.route('/', metaRoutes(s));
  app.route('/admin', adminRoutes(s));
  app.route('/admin', passkeyAdmin(s));
  app.route('/pki', pkiRoutes(s));
  app.route('/csc/v2/oauth2', oauth2Routes(s));
  app.route('/csc/v2', cscRoutes(s));
  app.route('/', authorizationPages(s));
  app.route('/', passkeyPages(s));
  return app;
}
