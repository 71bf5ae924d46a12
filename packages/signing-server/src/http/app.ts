/**
 * HTTP layer (Hono): thin routes that validate input against the route table's schemas, call a
 * service, and map typed errors to CSC error bodies in one place. Every bad input is a 4xx.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { isKysoError, type CrlReason, type KeySpec, type Profile, derOrPem } from '@kyso/pki-core';
import { verifyAudit } from '../audit.js';
import type { AdminService } from '../services/admin.js';
import { authenticateOperator, createOperator } from '../services/admin.js';
import type { CaService } from '../services/ca.js';
import { ApiError, type Ctx, badRequest } from '../services/common.js';
import type { CscService } from '../services/csc.js';
import { isDocumentPath, mountAuthorizationFlows } from './authz-routes.js';
import { docsHtml, openApiDocument } from './openapi.js';
import { ROUTES, type RouteDoc } from './routes.js';
import { badUrlText, findBadText, validate } from './schema.js';

type Env = { Variables: { requestId: string; operator: string; clientId: string } };

export interface Services {
  ctx: Ctx;
  admin: AdminService;
  ca: CaService;
  csc: CscService;
}

function errorBody(c: Context, status: number, error: string, description: string) {
  return c.json({ error, error_description: description }, status as 400);
}

function routeDoc(method: RouteDoc['method'], path: string): RouteDoc {
  const r = ROUTES.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`route ${method} ${path} missing from the route table`);
  return r;
}

/** Parses and validates a JSON (or form) body against the route's schema. */
async function body<T>(c: Context, doc: RouteDoc): Promise<T> {
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
  if (doc.body) {
    const problem = validate(doc.body, v);
    if (problem) throw badRequest(problem.replace(/^\$\.?/, '') || 'invalid body');
  }
  return v as T;
}

/**
 * PostgreSQL refused text (SQLSTATE 22021 character_not_in_repertoire, e.g. NUL; 22P05
 * untranslatable_character): bad input, mapped to 400. Defence in depth behind the edge checks.
 */
export function isInvalidTextError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === '22021' || code === '22P05';
}

function bearer(c: Context): string | undefined {
  const h = c.req.header('authorization');
  if (!h) return undefined;
  const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,300})$/.exec(h);
  return m?.[1];
}

export function createApp(s: Services): Hono<Env> {
  const { ctx } = s;
  const app = new Hono<Env>();

  app.use('*', requestId());
  // Path parameters and query values with NUL or ill-formed Unicode are refused once, here.
  app.use('*', async (_c, next) => {
    const where = badUrlText(_c.req.url);
    if (where) throw badRequest(`the request ${where} contains NUL or ill-formed Unicode`);
    await next();
  });
  // The access line has fixed, secret-free fields: a child without the redaction paths (the
  // wildcard redaction costs ~19 µs a line, measured; ~3 µs without it).
  const accessLog = ctx.log.child({}, { redact: { paths: [] } });
  app.use('*', async (c, next) => {
    const start = performance.now();
    await next();
    accessLog.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - start),
      },
      'request',
    );
  });
  const limit = bodyLimit({
    maxSize: ctx.config.bodyLimitBytes,
    onError: (c) =>
      errorBody(c, 413, 'invalid_request', `request body larger than ${ctx.config.bodyLimitBytes} bytes`),
  });
  // Bodies carrying PDFs (signDoc, prepareDoc) have their own, larger limit (authz-routes.ts).
  app.use('*', (c, next) => (isDocumentPath(c.req.path) ? next() : limit(c, next)));

  app.onError((err, c) => {
    if (err instanceof ApiError) {
      // Fixed one-minute windows: the next window starts within 60 s.
      if (err.status === 429) c.header('retry-after', '60');
      return errorBody(c, err.status, err.error, err.message);
    }
    if (err instanceof HTTPException)
      return errorBody(c, err.status, 'invalid_request', err.message || 'bad request');
    if (isKysoError(err)) return errorBody(c, 400, 'invalid_request', err.message);
    if (isInvalidTextError(err))
      return errorBody(c, 400, 'invalid_request', 'a value contains characters that cannot be stored');
    ctx.log.error(
      { requestId: c.get('requestId'), err: { message: err.message, stack: err.stack } },
      'unhandled error',
    );
    return errorBody(c, 500, 'server_error', 'internal error');
  });
  app.notFound((c) => errorBody(c, 404, 'invalid_request', 'no such endpoint'));

  // --- health and docs -------------------------------------------------------------------------
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

  // --- admin -----------------------------------------------------------------------------------
  const admin = new Hono<Env>();
  admin.use('*', async (c, next) => {
    const key = bearer(c) ?? c.req.header('x-api-key');
    const op = key ? await authenticateOperator(ctx, key) : undefined;
    if (!op) throw new ApiError(401, 'invalid_token', 'operator API key required');
    c.set('operator', op);
    await next();
  });
  const A = (p: string) => routeDoc('post', `/admin${p}`);
  const actor = (c: Context<Env>) => `operator:${c.get('operator')}`;
  admin.post('/operators', async (c) => {
    const b = await body<{ name: string }>(c, A('/operators'));
    const r = await ctx.db.tx((q) => createOperator(ctx, q, b.name, actor(c)));
    return c.json(r, 201);
  });
  admin.post('/subscribers', async (c) =>
    c.json(await s.admin.enrol(actor(c), await body(c, A('/subscribers'))), 201),
  );
  admin.get('/subscribers/:id', async (c) => c.json(await s.admin.getSubscriber(c.req.param('id'))));
  admin.post('/subscribers/:id/unlock', async (c) => {
    await s.admin.unlock(actor(c), c.req.param('id'));
    return c.json({ unlocked: true });
  });
  admin.post('/clients', async (c) =>
    c.json(await s.admin.createClient(actor(c), (await body<{ name: string }>(c, A('/clients'))).name), 201),
  );
  admin.post('/clients/:id/disable', async (c) => {
    await s.admin.setClientDisabled(actor(c), c.req.param('id'), true);
    return c.json({ disabled: true });
  });
  admin.post('/clients/:id/enable', async (c) => {
    await s.admin.setClientDisabled(actor(c), c.req.param('id'), false);
    return c.json({ disabled: false });
  });
  admin.post('/clients/:id/grants', async (c) => {
    const b = await body<{ credentialId: string }>(c, A('/clients/:id/grants'));
    await s.admin.grant(actor(c), c.req.param('id'), b.credentialId);
    return c.json({ granted: true }, 201);
  });
  admin.post('/clients/:id/grants/revoke', async (c) => {
    const b = await body<{ credentialId: string }>(c, A('/clients/:id/grants/revoke'));
    await s.admin.grant(actor(c), c.req.param('id'), b.credentialId, true);
    return c.json({ granted: false });
  });
  admin.post('/credentials', async (c) => {
    const b = await body<{
      subscriberId: string;
      key: { type: 'RSA' | 'EC'; modulusLength?: number; curve?: 'P-256' | 'P-384' | 'P-521' };
      profile?: Profile;
      caId?: string;
      validityDays?: number;
      description?: string;
      multisign?: number;
      issue?: boolean;
      acceptLintWarnings?: boolean;
    }>(c, A('/credentials'));
    const key: KeySpec =
      b.key.type === 'RSA'
        ? { type: 'RSA', modulusLength: b.key.modulusLength ?? 2048 }
        : { type: 'EC', curve: b.key.curve ?? 'P-256' };
    return c.json(await s.admin.createCredential(actor(c), { ...b, key }), 201);
  });
  admin.post('/credentials/:id/certificate', async (c) => {
    const b = await body<{ certificate: string; chain?: string[] }>(c, A('/credentials/:id/certificate'));
    const parse = (x: string) => {
      try {
        return derOrPem(x.includes('-----BEGIN') ? x : Buffer.from(x, 'base64'), 'CERTIFICATE')[0]!;
      } catch {
        throw badRequest('certificate must be PEM or base64 DER');
      }
    };
    await s.admin.importCertificate(
      actor(c),
      c.req.param('id'),
      parse(b.certificate),
      (b.chain ?? []).map(parse),
    );
    return c.json({ imported: true }, 201);
  });
  for (const [verb, fn] of [
    ['enable', (a: string, id: string) => s.admin.setEnabled(a, id, true)],
    ['disable', (a: string, id: string) => s.admin.setEnabled(a, id, false)],
    ['suspend', (a: string, id: string) => s.admin.setCertificateStatus(a, id, 'suspended')],
    ['unsuspend', (a: string, id: string) => s.admin.setCertificateStatus(a, id, 'valid')],
  ] as const) {
    admin.post(`/credentials/:id/${verb}`, async (c) => {
      await fn(actor(c), c.req.param('id'));
      return c.json({ done: verb });
    });
  }
  admin.post('/credentials/:id/revoke', async (c) => {
    const b = await body<{ reason?: CrlReason }>(c, A('/credentials/:id/revoke'));
    await s.admin.setCertificateStatus(actor(c), c.req.param('id'), 'revoked', b.reason ?? 'unspecified');
    return c.json({ done: 'revoke' });
  });
  admin.post('/cas/:id/revoke', async (c) => {
    const b = await body<{ reason?: CrlReason }>(c, A('/cas/:id/revoke'));
    return c.json(await s.admin.revokeCa(actor(c), c.req.param('id'), b.reason ?? 'unspecified'));
  });
  admin.post('/credentials/:id/rekey', async (c) => {
    const b = await body<{
      key?: { type: 'RSA' | 'EC'; modulusLength?: number; curve?: 'P-256' | 'P-384' | 'P-521' };
      validityDays?: number;
      acceptLintWarnings?: boolean;
    }>(c, A('/credentials/:id/rekey'));
    const key: KeySpec | undefined = b.key
      ? b.key.type === 'RSA'
        ? { type: 'RSA', modulusLength: b.key.modulusLength ?? 2048 }
        : { type: 'EC', curve: b.key.curve ?? 'P-256' }
      : undefined;
    return c.json(
      await s.admin.rekey(actor(c), c.req.param('id'), {
        key,
        validityDays: b.validityDays,
        acceptLintWarnings: b.acceptLintWarnings,
      }),
    );
  });
  admin.get('/audit/verify', async (c) => c.json(await verifyAudit(ctx.db)));
  app.route('/admin', admin);

  // --- PKI (public) ----------------------------------------------------------------------------
  const bin = (c: Context, data: Uint8Array, type: string, maxAge = 60) =>
    c.body(Buffer.from(data), 200, { 'content-type': type, 'cache-control': `max-age=${maxAge}` });
  app.get('/pki/ca/:file', (c) => {
    const m = /^([a-z0-9-]{1,100})\.cer$/.exec(c.req.param('file'));
    if (!m) throw new ApiError(404, 'invalid_request', 'unknown CA');
    return bin(c, s.ca.get(m[1]!).cert.der, 'application/pkix-cert', 3600);
  });
  app.get('/pki/crl/:file', async (c) => {
    const m = /^([a-z0-9-]{1,100})\.crl$/.exec(c.req.param('file'));
    if (!m) throw new ApiError(404, 'invalid_request', 'unknown CA');
    return bin(c, await s.ca.currentCrl(m[1]!), 'application/pkix-crl', 0);
  });
  app.get('/pki/ocsp/:request{.+}', async (c) => {
    let der: Uint8Array;
    try {
      der = new Uint8Array(Buffer.from(decodeURIComponent(c.req.param('request')), 'base64'));
    } catch {
      throw badRequest('OCSP GET request is not base64');
    }
    return bin(c, await s.ca.ocsp(der), 'application/ocsp-response', 0);
  });
  app.post('/pki/ocsp', async (c) => {
    if ((c.req.header('content-type') ?? '') !== 'application/ocsp-request')
      throw new ApiError(415, 'invalid_request', 'content type must be application/ocsp-request');
    return bin(c, await s.ca.ocsp(new Uint8Array(await c.req.arrayBuffer())), 'application/ocsp-response', 0);
  });
  app.post('/pki/tsa', async (c) => {
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

  // --- Server-collected authorisation (OAuth2 page, async approval), signDoc: before the CSC
  // sub-app, so that oauth2/token, credentials/authorize and signHash can take a request first.
  mountAuthorizationFlows(app, s, { body, routeDoc, bearer });

  // --- CSC API v2 ------------------------------------------------------------------------------
  const csc = new Hono<Env>();
  const C = (p: string) => routeDoc('post', `/csc/v2${p}`);
  csc.post('/info', async (c) => {
    await body(c, C('/info'));
    return c.json(cscInfo(ctx.config.publicBaseUrl));
  });
  csc.post('/oauth2/token', async (c) => {
    const b = await body<{ grant_type: string; client_id?: string; client_secret?: string }>(
      c,
      C('/oauth2/token'),
    );
    let id = b.client_id;
    let secret = b.client_secret;
    const basic = /^Basic ([A-Za-z0-9+/=]{1,600})$/.exec(c.req.header('authorization') ?? '');
    if (basic) {
      const [u, p] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p ?? '');
    }
    if (!id || !secret) throw new ApiError(401, 'invalid_client', 'client authentication required');
    return c.json(await s.csc.token(id, secret));
  });
  const authed = new Hono<Env>();
  authed.use('*', async (c, next) => {
    c.set('clientId', await s.csc.authenticate(bearer(c)));
    await next();
  });
  authed.post('/credentials/list', async (c) =>
    c.json(await s.csc.list(c.get('clientId'), await body(c, C('/credentials/list')))),
  );
  authed.post('/credentials/info', async (c) => {
    const b = await body<{
      credentialID: string;
      certificates?: string;
      certInfo?: boolean;
      authInfo?: boolean;
    }>(c, C('/credentials/info'));
    return c.json(await s.csc.info(c.get('clientId'), b.credentialID, b));
  });
  authed.post('/credentials/authorize', async (c) =>
    c.json(await s.csc.authorize(c.get('clientId'), await body(c, C('/credentials/authorize')))),
  );
  authed.post('/credentials/extendTransaction', async (c) =>
    c.json(
      await s.csc.extendTransaction(c.get('clientId'), await body(c, C('/credentials/extendTransaction'))),
    ),
  );
  authed.post('/signatures/signHash', async (c) =>
    c.json(await s.csc.signHash(c.get('clientId'), await body(c, C('/signatures/signHash')))),
  );
  authed.post('/signatures/timestamp', async (c) =>
    c.json(await s.csc.timestamp(c.get('clientId'), await body(c, C('/signatures/timestamp')))),
  );
  csc.route('/', authed);
  app.route('/csc/v2', csc);
  return app;
}

export function cscInfo(base: string) {
  return {
    specs: '2.0.0.2',
    name: 'kyso signing server',
    logo: `${base}/docs`,
    region: 'VN',
    lang: 'en-US',
    description: 'Remote signing with sole-control key custody (SCAL2), CSC API v2',
    authType: ['oauth2client', 'oauth2code'],
    oauth2: `${base}/csc/v2/oauth2`,
    asynchronousOperationMode: true,
    methods: [
      'oauth2/token',
      'credentials/list',
      'credentials/info',
      'credentials/authorize',
      'credentials/extendTransaction',
      'signatures/signHash',
      'signatures/timestamp',
      'oauth2/authorize',
      'oauth2/revoke',
      'credentials/authorizeCheck',
      'signatures/signDoc',
    ],
    signAlgorithms: {
      algos: [
        '1.2.840.113549.1.1.1',
        '1.2.840.113549.1.1.10',
        '1.2.840.113549.1.1.11',
        '1.2.840.113549.1.1.12',
        '1.2.840.113549.1.1.13',
        '1.2.840.10045.2.1',
        '1.2.840.10045.4.3.2',
        '1.2.840.10045.4.3.3',
        '1.2.840.10045.4.3.4',
      ],
    },
    validationInfo: true,
    signature_formats: { formats: ['P'], envelope_properties: [['Certification', 'Revision']] },
    conformance_levels: ['Ades-B-B', 'Ades-B-T', 'Ades-B-LT', 'Ades-B-LTA'],
  };
}
