/** Public PKI services: CA certificates, CRLs, OCSP (GET and POST), RFC 3161 time-stamping. */
import { type Context, Hono } from 'hono';
import { ApiError, badRequest } from '../../services/common.js';
import type { Env, Services } from '../types.js';

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
    return bin(c, await s.ca.currentCrl(m[1]!), 'application/pkix-crl', 0);
  });
  pki.get('/ocsp/:request{.+}', async (c) => {
    let der: Uint8Array;
    try {
      der = new Uint8Array(Buffer.from(decodeURIComponent(c.req.param('request')), 'base64'));
    } catch {
      throw badRequest('OCSP GET request is not base64');
    }
    return bin(c, await s.ca.ocsp(der), 'application/ocsp-response', 0);
  });
  pki.post('/ocsp', async (c) => {
    if ((c.req.header('content-type') ?? '') !== 'application/ocsp-request')
      throw new ApiError(415, 'invalid_request', 'content type must be application/ocsp-request');
    return bin(c, await s.ca.ocsp(new Uint8Array(await c.req.arrayBuffer())), 'application/ocsp-response', 0);
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
