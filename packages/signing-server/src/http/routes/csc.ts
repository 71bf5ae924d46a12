/**
 * CSC API v2 (`/csc/v2`, except the OAuth 2.0 endpoints): every protected route names its
 * authentication middleware itself, ahead of anything that reads the body.
 */
import { Hono } from 'hono';
import { SIGN_ALGOS } from '../../client/csc-algorithms.js';
import type { SignDocService } from '../../services/signdoc.js';
import { client, clientOrCredentialToken } from '../auth.js';
import { body, bearer, errorBody, limitBody, noStore, routeDoc } from '../request.js';
import type { Env, Services } from '../types.js';

/** Default limit for request bodies carrying documents (base64 PDFs). */
export const DEFAULT_DOCUMENT_LIMIT_BYTES = 16 * 1024 * 1024;
const DOC_PATHS = ['/csc/v2/signatures/signDoc', '/csc/v2/signatures/prepareDoc'];
/** Paths with the document body limit instead of the general one (app.ts). */
export const isDocumentPath = (p: string): boolean => DOC_PATHS.includes(p);

type SignHashBody = {
  credentialID: string;
  SAD?: string;
  hashes: string[];
  hashAlgorithmOID?: string;
  signAlgo: string;
  signAlgoParams?: string;
};

/** Routes relative to `/csc/v2`. */
export function cscRoutes(s: Services): Hono<Env> {
  const { ctx } = s;
  const csc = new Hono<Env>();
  const C = (p: string) => routeDoc('post', `/csc/v2${p}`);
  const authed = client(s);
  const authedOrCode = clientOrCredentialToken(s);
  const docLimit =
    (ctx.config as { documentLimitBytes?: number }).documentLimitBytes ?? DEFAULT_DOCUMENT_LIMIT_BYTES;
  const docBodyLimit = limitBody(docLimit, (c) =>
    errorBody(c, 413, 'invalid_request', `request body larger than ${docLimit} bytes`),
  );

  // Public: service discovery.
  csc.post('/info', async (c) => {
    await body(c, C('/info'));
    return c.json(cscInfo(ctx.config.publicBaseUrl));
  });

  csc.post('/credentials/list', authed, async (c) =>
    c.json(await s.csc.list(c.get('clientId'), await body(c, C('/credentials/list')))),
  );
  csc.post('/credentials/info', authed, async (c) => {
    const b = await body<{
      credentialID: string;
      certificates?: string;
      certInfo?: boolean;
      authInfo?: boolean;
    }>(c, C('/credentials/info'));
    return c.json(await s.csc.info(c.get('clientId'), b.credentialID, b));
  });
  // Explicit (PIN + OTP, 200 with the SAD) or asynchronous (operationMode "A" or the credential's
  // policy: 202 with a handle for authorizeCheck).
  csc.post('/credentials/authorize', authed, async (c) => {
    const b = await body<{
      credentialID: string;
      numSignatures: number;
      hashes?: string[];
      hashAlgorithmOID?: string;
      authData?: { id: string; value: string }[];
      description?: string;
      labels?: string[];
      operationMode?: string;
    }>(c, C('/credentials/authorize'));
    if (b.operationMode === 'A' || (await s.authz.credentialPolicy(b.credentialID)) === 'async')
      return c.json(await s.authz.startAsync(c.get('clientId'), b), 202);
    noStore(c);
    return c.json(await s.csc.authorize(c.get('clientId'), b));
  });
  csc.post('/credentials/authorizeCheck', authed, async (c) => {
    const b = await body<{ handle: string }>(c, C('/credentials/authorizeCheck'));
    const r = await s.authz.check(c.get('clientId'), b.handle);
    noStore(c);
    return c.json(r.body, r.status);
  });
  csc.post('/credentials/extendTransaction', authed, async (c) => {
    const b = await body<Parameters<typeof s.csc.extendTransaction>[1]>(
      c,
      C('/credentials/extendTransaction'),
    );
    noStore(c);
    return c.json(await s.csc.extendTransaction(c.get('clientId'), b));
  });

  const signHashDoc = C('/signatures/signHash');
  // signHash: the fast path (CscService.signHashFast) authenticates the token in its single
  // statement and answers when it can; otherwise it changed nothing and the regular chain runs.
  csc.post(
    '/signatures/signHash',
    async (c, next) => {
      const tok = bearer(c);
      const fastBody = tok ? await body<SignHashBody>(c, signHashDoc).catch(() => undefined) : undefined;
      const done = fastBody ? await s.csc.signHashFast(tok, fastBody) : undefined;
      if (done) return c.json(done);
      await next();
    },
    authedOrCode,
    async (c) => {
      const b = await body<SignHashBody>(c, signHashDoc);
      const viaCode = c.get('credentialToken');
      return c.json(await s.csc.signHash(c.get('clientId'), { ...b, SAD: b.SAD ?? viaCode ?? '' }));
    },
  );
  csc.post('/signatures/timestamp', authed, async (c) =>
    c.json(await s.csc.timestamp(c.get('clientId'), await body(c, C('/signatures/timestamp')))),
  );
  csc.post('/signatures/prepareDoc', docBodyLimit, authedOrCode, async (c) => {
    const b = await body<Parameters<SignDocService['prepare']>[1]>(c, C('/signatures/prepareDoc'));
    return c.json(await s.signDoc.prepare(c.get('clientId'), b));
  });
  csc.post('/signatures/signDoc', docBodyLimit, authedOrCode, async (c) => {
    const b = await body<Parameters<SignDocService['signDoc']>[1]>(c, C('/signatures/signDoc'));
    const viaCode = c.get('credentialToken');
    if (!b.SAD && viaCode) b.SAD = viaCode;
    return c.json(await s.signDoc.signDoc(c.get('clientId'), b));
  });
  return csc;
}

/**
 * The body of CSC API v2 `info` (the one mandatory method): specs 2.0.0.2, region VN, the
 * methods implemented, `authType` oauth2client and oauth2code, the signAlgo OIDs of
 * SIGN_ALGOS, signature formats P (PAdES: Certification, Revision) and X (XAdES: Enveloped,
 * Enveloping), conformance levels Ades-B-B to Ades-B-LTA, asynchronous mode and validationInfo.
 *
 * @param base - the public base URL (Config.publicBaseUrl); the OAuth 2.0 base is `<base>/csc/v2/oauth2`.
 */
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
      algos: SIGN_ALGOS,
    },
    validationInfo: true,
    signature_formats: {
      formats: ['P', 'X'],
      envelope_properties: [
        ['Certification', 'Revision'],
        ['Enveloped', 'Enveloping'],
      ],
    },
    conformance_levels: ['Ades-B-B', 'Ades-B-T', 'Ades-B-LT', 'Ades-B-LTA'],
  };
}
