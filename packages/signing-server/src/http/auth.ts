/**
 * Authentication middleware. Every protected route names one of these itself, next to its
 * handler (like step-ca's `authnz(...)` wrapper), so no route depends on another module's
 * registration order; test/route-sweep.test.ts walks the route table to check it. Each runs
 * before the body is read, so an unauthenticated request is 401 whatever its body.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { parseBasicAuth } from '../db/clients.js';
import { authenticateOperator } from '../services/admin.js';
import { ApiError, badRequest } from '../services/common.js';
import { BEARER_INVALID, BEARER_REALM } from '../services/csc.js';
import { bearer, rawBody, routeDoc } from './request.js';
import type { Env, Services } from './types.js';

/** 401 for a request whose Authorization header is present but not a readable Bearer token. */
function unreadableBearer(c: Context): void {
  if (c.req.header('authorization') !== undefined && bearer(c) === undefined)
    throw new ApiError(401, 'invalid_token', 'the Authorization header is not a Bearer token', {
      'WWW-Authenticate': BEARER_INVALID,
    });
}

/** Operator API key (Bearer, or X-API-Key). */
export function operator(s: Services): MiddlewareHandler<Env> {
  return async (c, next) => {
    const given = c.req.header('authorization') !== undefined || c.req.header('x-api-key') !== undefined;
    const key = bearer(c) ?? c.req.header('x-api-key');
    const op = key ? await authenticateOperator(s.ctx, key) : undefined;
    if (!op)
      throw new ApiError(401, 'invalid_token', 'operator API key required', {
        'WWW-Authenticate': given ? BEARER_INVALID : BEARER_REALM,
      });
    c.set('operator', op);
    await next();
  };
}

/** A service access token from the client_credentials grant (per-client rate limit counted). */
export function client(s: Services): MiddlewareHandler<Env> {
  return async (c, next) => {
    unreadableBearer(c);
    c.set('clientId', await s.csc.authenticate(bearer(c)));
    c.set('credentialToken', undefined);
    await next();
  };
}

/**
 * A credential-scoped token from the authorization_code grant (it is also the SAD), or a service
 * access token.
 */
export function clientOrCredentialToken(s: Services): MiddlewareHandler<Env> {
  return async (c, next) => {
    unreadableBearer(c);
    const tok = bearer(c);
    const viaCode = await s.authz.credentialToken(tok);
    if (viaCode) {
      c.set('clientId', viaCode);
      c.set('credentialToken', tok);
    } else {
      c.set('clientId', await s.csc.authenticate(tok));
      c.set('credentialToken', undefined);
    }
    await next();
  };
}

/**
 * Client authentication at the token and revocation endpoints (RFC 6749 §2.3.1): HTTP Basic, or
 * client_id and client_secret in the form — not both (§2.3). Runs before the body is validated
 * against the route's schema. Refusals: 401 invalid_client, with `WWW-Authenticate: Basic` when
 * the client tried the Authorization header (§5.2).
 */
export function clientCredentials(s: Services, path: string): MiddlewareHandler<Env> {
  const doc = routeDoc('post', path);
  return async (c, next) => {
    const header = c.req.header('authorization');
    const basic = parseBasicAuth(header);
    const challenge: Record<string, string> =
      header !== undefined ? { 'WWW-Authenticate': 'Basic realm="kyso", charset="UTF-8"' } : {};
    if (basic === 'malformed' || (header !== undefined && basic === undefined))
      throw new ApiError(401, 'invalid_client', 'unreadable client credentials', challenge);
    const raw = await rawBody(c, doc);
    const f = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const inForm = f.client_secret !== undefined;
    if (basic && inForm) throw badRequest('use one client authentication method, not both (RFC 6749 2.3)');
    const id = basic ? basic.id : f.client_id;
    const secret = basic ? basic.secret : f.client_secret;
    if (typeof id !== 'string' || typeof secret !== 'string' || id === '' || secret === '')
      throw new ApiError(401, 'invalid_client', 'client authentication required', challenge);
    c.set('clientId', await s.csc.authenticateClient(id, secret, basic !== undefined));
    await next();
  };
}
