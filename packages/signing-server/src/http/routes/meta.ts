/** Health and documentation: public. */
import { Hono } from 'hono';
import { docsHtml, openApiDocument } from '../openapi.js';
import { errorBody } from '../request.js';
import type { Env, Services } from '../types.js';

export function metaRoutes(s: Services): Hono<Env> {
  const { ctx } = s;
  const app = new Hono<Env>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await ctx.db.query('SELECT 1');
      return c.json({ status: 'ready', cas: s.ca.cas.size });
    } catch {
      return errorBody(c, 503, 'temporarily_unavailable', 'database unreachable');
    }
  });
  app.get('/openapi.json', (c) => c.json(openApiDocument(ctx.config.publicBaseUrl)));
  app.get('/docs', (c) => {
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    return c.html(docsHtml());
  });
  return app;
}
