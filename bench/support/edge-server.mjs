#!/usr/bin/env node
/**
 * A server for bench/signhash-edge.bench.mjs: kyso's HTTP layer alone, or the bare endpoint.
 *
 *   EDGE=<dist dir> node bench/support/edge-server.mjs   kyso's createApp from that build (the
 *     services stubbed: CscService.signHashFast answers a fixed signature, nothing else is called;
 *     pino access log to stdout as the server writes it)
 *   EDGE=bare node bench/support/edge-server.mjs         a Hono endpoint that parses the same body
 *     and answers the same JSON (bench/support/bare-sign-server.mjs without the vault)
 *
 * Both on @hono/node-server, loopback, port 0; prints {"url": ...} when listening.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const SIGNATURE = Buffer.alloc(72, 7).toString('base64');
const edge = process.env.EDGE ?? 'bare';
let app;
if (edge === 'bare') {
  app = new Hono();
  app.post('/csc/v2/signatures/signHash', async (c) => {
    const body = await c.req.json();
    if (typeof body.credentialID !== 'string' || !Array.isArray(body.hashes))
      return c.json({ error: 'invalid_request' }, 400);
    return c.json({ signatures: body.hashes.map(() => SIGNATURE) });
  });
} else {
  const { createApp } = await import(`${edge}/index.js`);
  const { createLogger } = await import(`${edge}/log.js`);
  const refuse = (name) =>
    new Proxy(
      {},
      {
        get: (_, k) =>
          k === 'then'
            ? undefined
            : () => {
                throw new Error(`${name}.${String(k)} is not part of the edge benchmark`);
              },
      },
    );
  const csc = new Proxy(
    {},
    {
      get: (_, k) => {
        if (k === 'signHashFast')
          return async (token, input) =>
            token ? { signatures: input.hashes.map(() => SIGNATURE) } : undefined;
        return k === 'then' ? undefined : refuse('csc')[k];
      },
    },
  );
  const config = { bodyLimitBytes: 256 * 1024, publicBaseUrl: 'http://127.0.0.1', rateLimit: {} };
  app = createApp({
    ctx: { log: createLogger('info'), config },
    admin: refuse('admin'),
    ca: refuse('ca'),
    csc,
    authz: refuse('authz'),
    signDoc: refuse('signDoc'),
  });
}
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  process.stderr.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
