/**
 * OAuth 2.0 endpoints of the CSC API (RFC 6749, RFC 7009): the token endpoint for both grants and
 * token revocation. Client authentication (`clientCredentials`) runs before the body is validated.
 */
import { Hono } from 'hono';
import { ApiError } from '../../services/common.js';
import { clientCredentials } from '../auth.js';
import { body, noStore, routeDoc } from '../request.js';
import type { Env, Services } from '../types.js';

const TOKEN = '/csc/v2/oauth2/token';
const REVOKE = '/csc/v2/oauth2/revoke';

/** Routes relative to `/csc/v2/oauth2`. */
export function oauth2Routes(s: Services): Hono<Env> {
  const oauth = new Hono<Env>();

  oauth.post('/token', clientCredentials(s, TOKEN), async (c) => {
    // RFC 6749 §5.1: token responses are never cached.
    noStore(c);
    const b = await body<Record<string, string>>(c, routeDoc('post', TOKEN));
    const clientId = c.get('clientId');
    switch (b.grant_type) {
      case 'client_credentials':
        return c.json(await s.csc.token(clientId));
      case 'authorization_code':
        return c.json(await s.authz.exchangeCode(clientId, b));
      default:
        throw new ApiError(
          400,
          'unsupported_grant_type',
          'grant_type must be client_credentials or authorization_code',
        );
    }
  });

  oauth.post('/revoke', clientCredentials(s, REVOKE), async (c) => {
    const f = await body<Record<string, string>>(c, routeDoc('post', REVOKE));
    await s.authz.revoke(c.get('clientId'), f.token);
    return c.body(null, 204);
  });
  return oauth;
}
