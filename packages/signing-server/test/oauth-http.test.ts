/**
 * OAuth 2.0 / RFC 6750 / RFC 7235 details of the HTTP layer (issue 14), and lockout ending the
 * outstanding SADs, on PGlite, PostgreSQL and the SoftHSM2 vault:
 * - token and SAD responses carry Cache-Control: no-store and Pragma: no-cache (RFC 6749 §5.1);
 * - a bad bearer token: 401 with WWW-Authenticate: Bearer error="invalid_token" (RFC 6750 §3);
 * - invalid_client after HTTP Basic: 401 with WWW-Authenticate: Basic (RFC 6749 §5.2);
 * - an unknown grant type: unsupported_grant_type (RFC 6749 §5.2);
 * - the "Bearer" scheme is case-insensitive (RFC 7235 §2.1);
 * - authentication before body validation.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, call, type Fetcher, provision, SHA256_OID, token } from './helpers/client.js';
import {
  type Backend,
  OtpDevice,
  requirePostgres,
  requireSoftHsm,
  startTestServer,
  type TestServer,
} from './helpers/env.js';

const backends: Backend[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');
if (requireSoftHsm()) backends.push('softhsm');

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe.each(backends)('OAuth 2.0 over HTTP (%s)', (backend) => {
  let s: TestServer;
  let f: Fetcher;
  let p: Awaited<ReturnType<typeof provision>>;
  let otp: OtpDevice;
  beforeAll(async () => {
    s = await startTestServer(backend, { KYSO_MAX_FAILED_ATTEMPTS: '3' });
    f = (path, init) => Promise.resolve(s.kyso.app.request(path, init));
    p = await provision(f, s.operatorKey);
    otp = new OtpDevice(p.otpauthUri);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('token response: no-store and no-cache; HTTP Basic works; Bearer is case-insensitive', async () => {
    const basic = Buffer.from(`${p.clientId}:${p.clientSecret}`).toString('base64');
    const r = await f('/csc/v2/oauth2/token', {
      method: 'POST',
      headers: { ...FORM, authorization: `Basic ${basic}` },
      body: form({ grant_type: 'client_credentials' }),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('pragma')).toBe('no-cache');
    const { access_token, token_type } = (await r.json()) as { access_token: string; token_type: string };
    expect(token_type).toBe('Bearer');
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const l = await call(f, 'POST', '/csc/v2/credentials/list', {
        headers: { authorization: `${scheme} ${access_token}` },
        json: {},
      });
      expect(l.status, scheme).toBe(200);
      expect(l.body.credentialIDs).toEqual([p.credentialId]);
    }
  });

  it('invalid_client: 401, with WWW-Authenticate: Basic when the client used HTTP Basic', async () => {
    const wrong = Buffer.from(`${p.clientId}:not-the-secret`).toString('base64');
    const viaBasic = await f('/csc/v2/oauth2/token', {
      method: 'POST',
      headers: { ...FORM, authorization: `Basic ${wrong}` },
      body: form({ grant_type: 'client_credentials' }),
    });
    expect(viaBasic.status).toBe(401);
    expect(((await viaBasic.json()) as { error: string }).error).toBe('invalid_client');
    expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic realm="kyso"/);
    const viaForm = await f('/csc/v2/oauth2/token', {
      method: 'POST',
      headers: FORM,
      body: form({ grant_type: 'client_credentials', client_id: p.clientId, client_secret: 'nope' }),
    });
    expect(viaForm.status).toBe(401);
    expect(((await viaForm.json()) as { error: string }).error).toBe('invalid_client');
    // Revocation authenticates the client the same way (one check, db/clients.ts).
    const rev = await f('/csc/v2/oauth2/revoke', {
      method: 'POST',
      headers: { ...FORM, authorization: `Basic ${wrong}` },
      body: form({ token: 'x' }),
    });
    expect(rev.status).toBe(401);
    expect(rev.headers.get('www-authenticate')).toMatch(/^Basic /);
    // No credentials at all, whatever the body: 401 before the body is validated.
    const none = await f('/csc/v2/oauth2/token', { method: 'POST', headers: FORM, body: form({}) });
    expect(none.status).toBe(401);
  });

  it('grant types: unknown → unsupported_grant_type, missing → invalid_request (after client authentication)', async () => {
    for (const grant of ['password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer']) {
      const r = await call(f, 'POST', '/csc/v2/oauth2/token', {
        raw: form({ grant_type: grant, client_id: p.clientId, client_secret: p.clientSecret }),
        type: FORM['content-type'],
      });
      expect(r.status, grant).toBe(400);
      expect(r.body.error, grant).toBe('unsupported_grant_type');
    }
    const missing = await call(f, 'POST', '/csc/v2/oauth2/token', {
      raw: form({ client_id: p.clientId, client_secret: p.clientSecret }),
      type: FORM['content-type'],
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
  });

  it('bad bearer: 401 with WWW-Authenticate error="invalid_token"; none: the challenge only', async () => {
    for (const auth of [
      'Bearer wrong-token',
      'bearer wrong-token',
      'Bearer',
      'Bearer a b',
      'Basic Zm9vOmJhcg==',
    ]) {
      const r = await f('/csc/v2/credentials/list', {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(r.status, auth).toBe(401);
      expect(r.headers.get('www-authenticate'), auth).toBe('Bearer realm="kyso", error="invalid_token"');
    }
    const none = await f('/csc/v2/credentials/list', { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="kyso"');
  });

  it('credentials/authorize: 401 before the body ({} without auth); the SAD response is no-store', async () => {
    const bare = await call(f, 'POST', '/csc/v2/credentials/authorize', { json: {} });
    expect(bare.status).toBe(401);
    expect(bare.body.error).toBe('invalid_token');
    const tok = await token(f, p.clientId, p.clientSecret);
    const r = await f('/csc/v2/credentials/authorize', {
      method: 'POST',
      headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        credentialID: p.credentialId,
        numSignatures: 1,
        hashes: [b64(crypto.randomBytes(32))],
        hashAlgorithmOID: SHA256_OID,
        authData: [
          { id: 'PIN', value: '246810' },
          { id: 'OTP', value: otp.next() },
        ],
      }),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('pragma')).toBe('no-cache');
    expect(((await r.json()) as { SAD: string }).SAD).toMatch(/./);
  });

  it('a lockout ends the outstanding SADs: a SAD obtained before it no longer signs', async () => {
    const tok = await token(f, p.clientId, p.clientSecret);
    const h = b64(crypto.randomBytes(32));
    const sad = await authorize(f, tok, p.credentialId, [h], otp);
    expect(sad.status).toBe(200);
    // KYSO_MAX_FAILED_ATTEMPTS=3: three wrong PINs lock the subscriber.
    for (let i = 0; i < 3; i++) {
      const bad = await authorize(f, tok, p.credentialId, [b64(crypto.randomBytes(32))], otp, '000000');
      expect(bad.status).toBe(400);
    }
    expect(
      (await call(f, 'GET', `/admin/subscribers/${p.subscriberId}`, { token: s.operatorKey })).body.locked,
    ).toBe(true);
    const sign = await call(f, 'POST', '/csc/v2/signatures/signHash', {
      token: tok,
      json: {
        credentialID: p.credentialId,
        SAD: sad.body.SAD,
        hashes: [h],
        hashAlgorithmOID: SHA256_OID,
        signAlgo: '1.2.840.10045.4.3.2',
      },
    });
    expect(sign.status).toBe(400);
    expect(sign.body.error_description).toBe('SAD already used up');
    const audit = await s.kyso.ctx.db.query<{ details: unknown }>(
      "SELECT details FROM audit_log WHERE action = 'authorize.failure' AND details->>'locked' = 'true'",
    );
    expect(audit.rows).toHaveLength(1);
    const d = audit.rows[0]!.details;
    const details = (typeof d === 'string' ? JSON.parse(d) : d) as { locked?: boolean; sadsEnded?: number };
    // This SAD and the one left by the authorize test above.
    expect(details.locked).toBe(true);
    expect(details.sadsEnded).toBe(2);
    // Unlock for the other tests.
    expect(
      (await call(f, 'POST', `/admin/subscribers/${p.subscriberId}/unlock`, { token: s.operatorKey })).status,
    ).toBe(200);
  });
});
