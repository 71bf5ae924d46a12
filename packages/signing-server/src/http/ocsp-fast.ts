/**
 * The OCSP GET fast path (issue 21): a plain GET for a pre-produced response this process holds
 * in memory (OcspStore.peek, at most KYSO_OCSP_MEMORY_CACHE_MS old) is answered at the node:http
 * layer, before the request becomes a fetch Request for Hono: the same bytes and headers as the
 * Hono route (routes/pki.ts), an X-Request-Id and the same access-log line. Everything else
 * (conditional requests, misses, other paths) goes to the app unchanged.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { cacheHeaders, type OcspStore } from '../services/ocsp-store.js';
import { OCSP_GET_PREFIX } from './routes/pki.js';

export function ocspFastPath(
  store: OcspStore,
  maxAgeCap: number,
  log: Logger,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  // Same access line as the app's (http/app.ts): fixed, secret-free fields, no redaction paths.
  const accessLog = log.child({}, { redact: { paths: [] } });
  return (req, res) => {
    const url = req.url;
    if (req.method !== 'GET' || url === undefined || !url.startsWith(OCSP_GET_PREFIX)) return false;
    if (req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined)
      return false;
    const start = performance.now();
    const now = store.clock.now().getTime();
    const a = store.peek(url.slice(OCSP_GET_PREFIX.length), now);
    if (!a?.cache) return false;
    const requestId = crypto.randomUUID();
    res.writeHead(200, {
      'content-type': 'application/ocsp-response',
      'content-length': a.der.length,
      ...cacheHeaders(a.cache, maxAgeCap, now),
      'x-request-id': requestId,
    });
    res.end(a.der);
    accessLog.info(
      {
        requestId,
        method: 'GET',
        path: url.split('?')[0],
        status: 200,
        ms: Math.round(performance.now() - start),
      },
      'request',
    );
    return true;
  };
}
