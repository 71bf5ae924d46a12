/**
 * Request helpers shared by the route groups: error bodies, the route table lookup, body parsing
 * and validation against the route's schema, the Bearer credential.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, badRequest } from '../services/common.js';
import { ROUTES } from './routes.js';
import { findBadText, validate } from './schema.js';
import type { RouteDoc } from './types.js';

export function errorBody(c: Context, status: number, error: string, description: string) {
  return c.json({ error, error_description: description }, status as 400);
}

/** The route table by method and path, built on first use (handlers look their entry up per request). */
let byMethodPath: Map<string, RouteDoc> | undefined;

export function routeDoc(method: RouteDoc['method'], path: string): RouteDoc {
  byMethodPath ??= new Map(ROUTES.map((x) => [`${x.method} ${x.path}`, x]));
  const r = byMethodPath.get(`${method} ${path}`);
  if (!r) throw new Error(`route ${method} ${path} missing from the route table`);
  return r;
}

/**
 * Body size limit. A request with a Content-Length and no Transfer-Encoding is judged by its
 * header alone (Node's HTTP parser hands the handler exactly that many bytes, never more), GET
 * and HEAD have no body the routes read; only a chunked body is counted as it streams, by Hono's
 * `bodyLimit`. Hono's `bodyLimit` asks for `c.req.raw.body` even when the header answers, and
 * on @hono/node-server that turns the light request into a full fetch Request (undici Request,
 * AbortSignal, ReadableStream) and the body is then read through the stream: 223 against 83 µs of
 * CPU per signHash request at the HTTP edge (bench/signhash-edge.bench.mjs, docs/benchmarks.md).
 */
export function limitBody(maxSize: number, onError: (c: Context) => Response): MiddlewareHandler {
  const streamed = bodyLimit({ maxSize, onError });
  return (c, next) => {
    const m = c.req.method;
    if (m === 'GET' || m === 'HEAD') return next();
    // A well-formed Content-Length without Transfer-Encoding decides at once (node:http delivers no
    // more than that many bytes); anything else is counted as it streams.
    const length = c.req.header('content-length');
    if (length !== undefined && /^\d{1,15}$/.test(length) && c.req.header('transfer-encoding') === undefined)
      return Number(length) > maxSize ? Promise.resolve(onError(c)) : next();
    return streamed(c, next);
  };
}

/** X-Request-Id as sent when it is a short token (as Hono's requestId middleware accepts it). */
const REQUEST_ID = /^[\w\-=]{1,255}$/;

/**
 * Request id middleware: the client's X-Request-Id when it is a short token, else a random UUID;
 * set as the `requestId` variable and echoed in the response. Under @hono/node-server the header
 * goes straight onto the node:http response, so that the Hono response keeps plain-object
 * headers, as the bare endpoint's does (no `Headers` instance built and copied per response:
 * ~3 µs of CPU per request, bench/signhash-edge.bench.mjs).
 */
export function requestIdMiddleware(): MiddlewareHandler {
  return async (c, next) => {
    const sent = c.req.header('x-request-id');
    const id = sent !== undefined && REQUEST_ID.test(sent) ? sent : randomUUID();
    c.set('requestId', id);
    const out = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (out && typeof out.setHeader === 'function') out.setHeader('x-request-id', id);
    else c.header('X-Request-Id', id);
    await next();
  };
}

/** The request body as sent (form or JSON), not yet validated; NUL and bad Unicode refused. */
export async function rawBody(c: Context, doc: RouteDoc): Promise<unknown> {
  const ct = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  let v: unknown;
  if (doc.contentType === 'application/x-www-form-urlencoded' && ct === 'application/x-www-form-urlencoded') {
    v = Object.fromEntries(new URLSearchParams(await c.req.text()));
  } else {
    const text = await c.req.text();
    if (text.trim() === '' && !doc.body?.required?.length) v = {};
    else {
      if (ct !== 'application/json' && ct !== '')
        throw new ApiError(415, 'invalid_request', 'content type must be application/json');
      try {
        v = JSON.parse(text);
      } catch {
        throw badRequest('request body is not valid JSON');
      }
    }
  }
  // NUL and lone surrogates never reach a service (PostgreSQL text refuses NUL: a 500 otherwise).
  const bad = findBadText(v);
  if (bad !== undefined)
    throw badRequest(`${bad.replace(/^\$\.?/, '') || 'body'} contains NUL or ill-formed Unicode`);
  return v;
}

/** Parses and validates a JSON (or form) body against the route's schema. */
export async function body<T>(c: Context, doc: RouteDoc): Promise<T> {
  const v = await rawBody(c, doc);
  if (doc.body) {
    const problem = validate(doc.body, v);
    if (problem) throw badRequest(problem.replace(/^\$\.?/, '') || 'invalid body');
  }
  return v as T;
}

/** The Bearer credential (RFC 6750 §2.1; the scheme is case-insensitive, RFC 7235 §2.1). */
export function bearer(c: Context): string | undefined {
  const h = c.req.header('authorization');
  if (!h) return undefined;
  const m = /^bearer +([A-Za-z0-9._~+/=-]{1,300}) *$/i.exec(h);
  return m?.[1];
}

/**
 * PostgreSQL refused text (SQLSTATE 22021 character_not_in_repertoire, e.g. NUL; 22P05
 * untranslatable_character): bad input, mapped to 400. Defence in depth behind the edge checks.
 */
export function isInvalidTextError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === '22021' || code === '22P05';
}

/** Cache-Control: no-store and Pragma: no-cache for responses carrying tokens or SADs (RFC 6749 §5.1). */
export function noStore(c: Context): void {
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
}
