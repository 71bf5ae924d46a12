/** OpenAPI 3.1 document generated from the route table (so it cannot drift from the app) and a static docs page. */
import { responsesOf, ERROR_SCHEMA } from './responses.js';
import { ROUTES } from './routes.js';
import type { RouteDoc } from './types.js';

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad request (invalid_request, and the specific CSC/OAuth errors)',
  401: 'Unauthenticated (WWW-Authenticate says how)',
  403: 'Forbidden (e.g. invalid_hash, access_denied)',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body too large',
  415: 'Unsupported content type',
  429: 'Rate limited (Retry-After: 60)',
  500: 'Server error',
  501: 'Not configured',
  503: 'Unavailable (temporarily_unavailable; also every operation while the server is starting, with Retry-After: 1)',
};

function responseDocs(r: RouteDoc): Record<string, unknown> {
  const docs = responsesOf(r);
  const out: Record<string, unknown> = {};
  for (const [status, ok] of Object.entries(docs.ok)) {
    const headers = ok.headers
      ? {
          headers: Object.fromEntries(
            Object.entries(ok.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }]),
          ),
        }
      : {};
    out[status] = ok.noBody
      ? { description: ok.description, ...headers }
      : {
          description: ok.description,
          ...headers,
          content: { [ok.contentType ?? 'application/json']: ok.schema ? { schema: ok.schema } : {} },
        };
  }
  for (const status of docs.errors)
    out[String(status)] = {
      description: ERROR_TEXT[status] ?? 'Error',
      content: docs.html
        ? { 'text/html': {} }
        : { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  return out;
}

/**
 * The OpenAPI 3.1 document the server serves at /openapi.json, built from {@link ROUTES}: one
 * operation per route with its request schema, success and error responses (errors reference the
 * CSC `{"error","error_description"}` schema) and its security scheme (operator API key, client
 * access token, or client_id:client_secret). `npm run openapi` writes it to docs/api/openapi.json.
 *
 * @param baseUrl - the `servers[0].url` (Config.publicBaseUrl).
 */
export function openApiDocument(baseUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const p = r.path.replace(/:([A-Za-z]+)(\{[^}]*\})?/g, '{$1}');
    const params = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${p.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : ''))}`,
      responses: responseDocs(r),
    };
    if (params.length) op.parameters = params;
    if (r.auth === 'operator') op.security = [{ operatorKey: [] }];
    if (r.auth === 'client') op.security = [{ clientToken: [] }];
    if (r.auth === 'clientSecret') op.security = [{ clientBasic: [] }, {}];
    if (r.body || r.contentType) {
      op.requestBody = {
        required: true,
        content: { [r.contentType ?? 'application/json']: r.body ? { schema: r.body } : {} },
      };
    }
    paths[p] ??= {};
    paths[p][r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'kyso signing server',
      version: '0.1.0',
      description:
        'Remote signing with sole-control key custody (CSC API v2, SCAL2), operator administration and CA services (CRL, OCSP, RFC 3161 TSA). Errors are `{"error","error_description"}`.',
    },
    servers: [{ url: baseUrl }],
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        operatorKey: { type: 'http', scheme: 'bearer', description: 'Operator API key' },
        clientToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'Access token from /csc/v2/oauth2/token',
        },
        clientBasic: { type: 'http', scheme: 'basic', description: 'client_id:client_secret' },
      },
    },
  };
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/** A self-contained HTML page (no external assets) listing every endpoint with its request schema. */
export function docsHtml(): string {
  const rows = ROUTES.map(
    (r) =>
      `<section><h3><span class="m">${r.method.toUpperCase()}</span> <code>${esc(r.path)}</code></h3><p>${esc(r.summary)}${r.auth ? ` <em>(auth: ${r.auth})</em>` : ''}</p>${
        r.body
          ? `<details><summary>request schema</summary><pre>${esc(JSON.stringify(r.body, null, 2))}</pre></details>`
          : ''
      }</section>`,
  ).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>kyso signing server API</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}code,pre{font-family:ui-monospace,monospace}pre{background:#f5f5f5;padding:.5rem;overflow:auto}.m{display:inline-block;min-width:3.5rem;color:#fff;background:#345;padding:0 .3rem;border-radius:3px;font-size:.8em}h3{margin-bottom:.2rem}</style></head>
<body><h1>kyso signing server API</h1><p>Machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors use the CSC shape <code>{"error","error_description"}</code>.</p>
${rows}</body></html>`;
}
