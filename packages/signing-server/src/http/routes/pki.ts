/** Public PKI services: CA certificates, CRLs, OCSP (GET and POST), RFC 3161 time-stamping. */
import { type Context, Hono } from 'hono';
import { ApiError, badRequest } from '../../services/common.js';
import { type Cacheable, cacheHeaders } from '../../services/ocsp-store.js';
import type { Env, Services } from '../types.js';

/** Path prefix of OCSP GET requests. */
export const OCSP_GET_PREFIX = '/pki/ocsp/';

/** Routes relative to `/pki`. Public by design (relying parties fetch them without credentials). */
export function pkiRoutes(s: Services): Hono<Env> {
  const pki = new Hono<Env>();
  const bin = (c: Context, data: Uint8Array, type: string, maxAge = 60) =>
    c.body(Buffer.from(data), 200, { 'content-type': type, 'cache-control': `max-age=${maxAge}` });
  pki.get('/ca/:file', (c) => {
    const m = /^([a-z0-9-]{1,100})\.cer$/.exec(c.req.param('file'));
    if (!m) throw new ApiError(404, 'invalid_request', 'unknown CA');
    return bin(c, s.ca.get(m[1]!).cert.der, 'application/pkix-cert', 3600);
  });
  pki.get('/crl/:file', async (c) => {
    const m = /^([a-z0-9-]{1,100})\.crl$/.exec(c.req.param('file'));
    if (!m) throw new ApiError(404, 'invalid_request', 'unknown CA');
    const crl = await s.ca.currentCrlWithTimes(m[1]!);
    // Caches revalidate at least every KYSO_CRL_REFRESH_SECONDS, so a CRL re-issued after a
    // revocation reaches them within that time (an unchanged one costs a 304).
    return cacheableResponse(
      c,
      crl.der,
      'application/pkix-crl',
      crl,
      s.ctx.config.crlRefreshSeconds,
      s.ctx.clock.now().getTime(),
    );
  });
  pki.get('/ocsp/:request{.+}', async (c) => {
    const raw = c.req.param('request');
    let der: Uint8Array;
    try {
      der = new Uint8Array(Buffer.from(decodeURIComponent(raw), 'base64'));
    } catch {
      throw badRequest('OCSP GET request is not base64');
    }
    // The memory key is the path segment as sent (what the node:http fast path sees too).
    const u = c.req.url;
    const a = await s.ca.ocspStore.answer(der, u.slice(u.indexOf(OCSP_GET_PREFIX) + OCSP_GET_PREFIX.length));
    if (!a.cache) return bin(c, a.der, 'application/ocsp-response', 0);
    return cacheableResponse(
      c,
      a.der,
      'application/ocsp-response',
      a.cache,
      s.ctx.config.ocsp.maxAgeSeconds,
      s.ctx.clock.now().getTime(),
    );
  });
  pki.post('/ocsp', async (c) => {
    if ((c.req.header('content-type') ?? '') !== 'application/ocsp-request')
      throw new ApiError(415, 'invalid_request', 'content type must be application/ocsp-request');
    // POST answers are not cached by HTTP caches (RFC 5019 §5); the body is the same as for GET.
    const a = await s.ca.ocspStore.answer(new Uint8Array(await c.req.arrayBuffer()));
    return bin(c, a.der, 'application/ocsp-response', 0);
  });
  pki.post('/tsa', async (c) => {
    if ((c.req.header('content-type') ?? '') !== 'application/timestamp-query')
      throw new ApiError(415, 'invalid_request', 'content type must be application/timestamp-query');
    const tsa = [...s.ca.cas.values()].find((x) => x.tsa)?.tsa;
    if (!tsa) throw new ApiError(501, 'temporarily_unavailable', 'no time-stamping unit configured');
    return bin(
      c,
      await tsa.respond(new Uint8Array(await c.req.arrayBuffer())),
      'application/timestamp-reply',
      0,
    );
  });
  return pki;
}

/**
 * A response HTTP caches may keep until its nextUpdate (RFC 5019 §6.2): Cache-Control max-age
 * (the seconds left before nextUpdate, at most `maxAgeCap` when it is not 0), public, no-transform,
 * must-revalidate; Last-Modified = thisUpdate; Expires = nextUpdate; ETag = hash of the bytes.
 * max-age counts from `now`, the server clock's time. A conditional GET naming that ETag (or a date at or after thisUpdate) gets 304.
 */
function cacheableResponse(
  c: Context,
  data: Uint8Array,
  type: string,
  t: Cacheable,
  maxAgeCap: number,
  now: number,
): Response {
  const headers = cacheHeaders(t, maxAgeCap, now);
  const inm = c.req.header('if-none-match');
  const ims = c.req.header('if-modified-since');
  const notModified =
    inm !== undefined
      ? inm.split(',').some((e) => e.trim() === t.etag || e.trim() === '*')
      : ims !== undefined && Date.parse(ims) >= t.thisUpdate.getTime();
  if (notModified) return c.body(null, 304, headers);
  return c.body(Buffer.from(data), 200, { 'content-type': type, ...headers });
}
