/**
 * Documented responses of every operation (OpenAPI 3.1, JSON Schema 2020-12): the success status
 * and body schema the route really answers with, and the error statuses it can answer with.
 * test/helpers/openapi-check.ts validates every response the server test suites receive against
 * this; openapi.ts refuses a route without an entry here.
 */
import type { RouteDoc } from './types.js';

/** A response schema (JSON Schema 2020-12, as published). */
export type Schema = Record<string, unknown>;

export interface OperationResponses {
  /** Success responses by status; `schema` for JSON bodies, `contentType` for other bodies. */
  ok: Record<
    number,
    {
      description: string;
      schema?: Schema;
      contentType?: string;
      noBody?: boolean;
      /** Response headers worth documenting (name → description). */
      headers?: Record<string, string>;
    }
  >;
  /** Error statuses (JSON error body, or `html` for the pages). */
  errors: number[];
  /** Error bodies are HTML pages (the authorisation pages). */
  html?: boolean;
}

const str: Schema = { type: 'string' };
const strs: Schema = { type: 'array', items: str };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const object = (
  properties: Record<string, Schema>,
  required: string[] = Object.keys(properties),
): Schema => ({
  type: 'object',
  properties,
  required,
});

export const ERROR_SCHEMA: Schema = {
  type: 'object',
  required: ['error', 'error_description'],
  properties: { error: str, error_description: str },
};

const nullableStr: Schema = { type: ['string', 'null'] };
const signInIds: Schema = object({ cccd: nullableStr, phone: nullableStr });

const json = (description: string, schema: Schema) => ({ description, schema });

/** Caching headers of CRLs and pre-produced OCSP responses (RFC 5019 §6.2). */
const CACHE_HEADERS: Record<string, string> = {
  'Cache-Control':
    'max-age=<seconds until nextUpdate, capped by KYSO_OCSP_MAX_AGE_SECONDS / KYSO_CRL_REFRESH_SECONDS>, public, no-transform, must-revalidate',
  'Last-Modified': 'thisUpdate of the response or CRL',
  Expires: 'nextUpdate of the response or CRL',
  ETag: 'hash of the bytes (SHA-256, base64url, 27 characters)',
};
const done = (key: string, value: Schema) => object({ [key]: value });

const credentialInfo: Schema = {
  type: 'object',
  required: ['key', 'cert', 'auth', 'SCAL', 'multisign'],
  properties: {
    description: str,
    signatureQualifier: str,
    key: object({ status: { enum: ['enabled', 'disabled'] }, algo: strs, len: int, curve: str }, [
      'status',
      'algo',
      'len',
    ]),
    cert: object(
      {
        status: { enum: ['valid', 'expired', 'revoked', 'suspended'] },
        certificates: strs,
        issuerDN: str,
        serialNumber: str,
        subjectDN: str,
        validFrom: str,
        validTo: str,
      },
      ['status', 'certificates'],
    ),
    auth: object({ mode: str, expression: str, objects: { type: 'array', items: { type: 'object' } } }, [
      'mode',
    ]),
    SCAL: { enum: ['1', '2'] },
    multisign: int,
    lang: str,
  },
};
const sad = json('SAD (SCAL2: bound to the hashes)', object({ SAD: str, expiresIn: int }));
const handle = json(
  'Pending: poll credentials/authorizeCheck with the handle',
  object({ handle: str }, ['handle']),
);
const asyncStart = json(
  'Asynchronous authorisation started: poll credentials/authorizeCheck',
  object({ handle: str, expiresIn: int }),
);

/** Error statuses by kind of route. */
const ADMIN = [400, 401, 413, 415, 500];
const ADMIN_ID = [...ADMIN, 404];
const CSC = [400, 401, 413, 415, 429, 500];

const R: Record<string, OperationResponses> = {
  'get /healthz': { ok: { 200: json('Alive', object({ status: { const: 'ok' } })) }, errors: [400, 500] },
  'get /readyz': {
    ok: { 200: json('Ready', object({ status: { const: 'ready' }, cas: int })) },
    errors: [400, 500, 503],
  },
  'get /openapi.json': {
    ok: { 200: json('This document', { type: 'object', required: ['openapi'] }) },
    errors: [400, 500],
  },
  'get /docs': { ok: { 200: { description: 'HTML page', contentType: 'text/html' } }, errors: [400, 500] },

  'post /admin/operators': {
    ok: { 201: json('Created; the API key is shown once', object({ id: str, apiKey: str })) },
    errors: ADMIN,
  },
  'post /admin/subscribers': {
    ok: {
      201: json(
        'Enrolled; the otpauth URI is shown once',
        object({ id: str, otpauthUri: str, subject: str }),
      ),
    },
    errors: [...ADMIN, 409],
  },
  'get /admin/subscribers/:id': {
    ok: {
      200: json(
        'Subscriber',
        object({
          id: str,
          name: str,
          kind: str,
          failed_attempts: int,
          locked: bool,
          signIn: signInIds,
        }),
      ),
    },
    errors: ADMIN_ID,
  },
  'post /admin/subscribers/:id/sign-in': {
    ok: { 200: json('The identifiers she now signs in with (null: none)', signInIds) },
    errors: [...ADMIN_ID, 409],
  },
  'post /admin/subscribers/:id/unlock': {
    ok: { 200: json('Unlocked', done('unlocked', bool)) },
    errors: ADMIN_ID,
  },
  'post /admin/clients': {
    ok: { 201: json('Created; the secret is shown once', object({ clientId: str, clientSecret: str })) },
    errors: ADMIN,
  },
  'post /admin/clients/:id/disable': {
    ok: { 200: json('Disabled', done('disabled', bool)) },
    errors: ADMIN_ID,
  },
  'post /admin/clients/:id/enable': {
    ok: { 200: json('Enabled', done('disabled', bool)) },
    errors: ADMIN_ID,
  },
  'post /admin/clients/:id/grants': {
    ok: { 201: json('Granted', done('granted', { const: true })) },
    errors: [...ADMIN_ID, 409],
  },
  'post /admin/clients/:id/grants/revoke': {
    ok: { 200: json('Grant revoked', done('granted', { const: false })) },
    errors: ADMIN_ID,
  },
  'post /admin/clients/:id/redirect-uris': {
    ok: { 200: json('Redirect URIs set', done('redirectUris', strs)) },
    errors: ADMIN_ID,
  },
  'post /admin/credentials': {
    ok: {
      201: json(
        'Created: key in the vault, CSR, certificate unless issue=false',
        object({ credentialId: str, csr: str, certificate: str }, ['credentialId', 'csr']),
      ),
    },
    errors: [...ADMIN_ID, 409],
  },
  'post /admin/credentials/:id/certificate': {
    ok: { 201: json('Imported', done('imported', { const: true })) },
    errors: [...ADMIN_ID, 409],
  },
  'post /admin/credentials/:id/enable': { ok: { 200: json('Done', done('done', str)) }, errors: ADMIN_ID },
  'post /admin/credentials/:id/disable': { ok: { 200: json('Done', done('done', str)) }, errors: ADMIN_ID },
  'post /admin/credentials/:id/suspend': {
    ok: { 200: json('Done', done('done', str)) },
    errors: [...ADMIN_ID, 409],
  },
  'post /admin/credentials/:id/unsuspend': {
    ok: { 200: json('Done', done('done', str)) },
    errors: [...ADMIN_ID, 409],
  },
  'post /admin/credentials/:id/revoke': {
    ok: { 200: json('Done', done('done', str)) },
    errors: [...ADMIN_ID, 409],
  },
  'post /admin/credentials/:id/rekey': {
    ok: { 200: json('New key and certificate', done('certificate', str)) },
    errors: [...ADMIN_ID, 409],
  },
  'post /admin/credentials/:id/auth-policy': {
    ok: { 200: json('Policy set', done('policy', { enum: ['explicit', 'async'] })) },
    errors: ADMIN_ID,
  },
  'post /admin/cas/:id/revoke': {
    ok: { 200: json('CA revoked', object({ revoked: str, serial: str })) },
    errors: [...ADMIN_ID, 409],
  },
  'get /admin/audit/verify': {
    ok: {
      200: json(
        'Audit chain verification',
        object(
          {
            ok: bool,
            rows: int,
            brokenAt: object({ seq: int, reason: str }),
            headHash: str,
            unsealed: int,
          },
          ['ok', 'rows', 'headHash', 'unsealed'],
        ),
      ),
    },
    errors: [400, 401, 500],
  },

  'get /pki/ca/:file': {
    ok: { 200: { description: 'CA certificate (DER)', contentType: 'application/pkix-cert' } },
    errors: [400, 404, 500],
  },
  'get /pki/crl/:file': {
    ok: {
      200: {
        description:
          'Current CRL (DER). Cacheable (RFC 5019 §6.2 headers): max-age never past nextUpdate and at most KYSO_CRL_REFRESH_SECONDS',
        contentType: 'application/pkix-crl',
        headers: CACHE_HEADERS,
      },
      304: {
        description:
          'Not modified (If-None-Match names the ETag, or If-Modified-Since is not before thisUpdate)',
        noBody: true,
        headers: CACHE_HEADERS,
      },
    },
    errors: [400, 404, 500],
  },
  'get /pki/ocsp/:request': {
    ok: {
      200: {
        description:
          'OCSP response (also for malformed requests). A request with one CertID of a known certificate and no nonce ' +
          '(any nonce with KYSO_OCSP_NONCE=preproduced) gets the pre-produced response with RFC 5019 §6.2 caching ' +
          'headers; any other request a freshly signed one with Cache-Control: max-age=0 and no ETag',
        contentType: 'application/ocsp-response',
        headers: CACHE_HEADERS,
      },
      304: {
        description:
          'Not modified (pre-produced responses: If-None-Match names the ETag, or If-Modified-Since is not before thisUpdate)',
        noBody: true,
        headers: CACHE_HEADERS,
      },
    },
    errors: [400, 500],
  },
  'post /pki/ocsp': {
    ok: {
      200: {
        description: 'OCSP response (also for malformed requests)',
        contentType: 'application/ocsp-response',
      },
    },
    errors: [400, 413, 415, 500],
  },
  'post /pki/tsa': {
    ok: { 200: { description: 'RFC 3161 TimeStampResp', contentType: 'application/timestamp-reply' } },
    errors: [400, 413, 415, 500, 501],
  },

  'post /csc/v2/info': {
    ok: {
      200: json(
        'Service information',
        object(
          {
            specs: str,
            name: str,
            logo: str,
            region: str,
            lang: str,
            description: str,
            authType: strs,
            methods: strs,
          },
          ['specs', 'name', 'methods'],
        ),
      ),
    },
    errors: [400, 413, 415, 500],
  },
  'post /csc/v2/oauth2/token': {
    ok: {
      200: json('Access token (client_credentials) or credential-scoped token (authorization_code)', {
        type: 'object',
        required: ['access_token', 'token_type', 'expires_in'],
        properties: {
          access_token: str,
          token_type: { const: 'Bearer' },
          expires_in: int,
          credentialID: str,
          authorization_details: { type: 'array', items: { type: 'object' } },
        },
      }),
    },
    errors: [400, 401, 413, 415, 429, 500],
  },
  'post /csc/v2/oauth2/revoke': {
    ok: { 204: { description: 'Revoked (or nothing to revoke, RFC 7009 2.2)', noBody: true } },
    errors: [400, 401, 413, 415, 429, 500],
  },
  'post /csc/v2/credentials/list': {
    ok: {
      200: json('Credentials granted to the client', {
        type: 'object',
        required: ['credentialIDs'],
        properties: {
          credentialIDs: strs,
          credentialInfos: {
            type: 'array',
            items: { allOf: [credentialInfo, object({ credentialID: str })] },
          },
          onlyValid: bool,
        },
      }),
    },
    errors: CSC,
  },
  'post /csc/v2/credentials/info': { ok: { 200: json('Credential', credentialInfo) }, errors: CSC },
  'post /csc/v2/credentials/authorize': { ok: { 200: sad, 202: asyncStart }, errors: CSC },
  'post /csc/v2/credentials/authorizeCheck': { ok: { 200: sad, 202: handle }, errors: [...CSC, 403] },
  'post /csc/v2/credentials/extendTransaction': { ok: { 200: sad }, errors: CSC },
  'post /csc/v2/signatures/signHash': {
    ok: { 200: json('One signature per hash, in order', object({ signatures: strs })) },
    errors: CSC,
  },
  'post /csc/v2/signatures/timestamp': {
    ok: { 200: json('RFC 3161 TimeStampToken', object({ timestamp: str })) },
    errors: [...CSC, 501],
  },
  'post /csc/v2/signatures/prepareDoc': {
    ok: {
      200: json(
        'Document digests to authorise',
        object({
          documentDigests: { type: 'array', items: object({ hash: str, label: str }, ['hash']) },
          hashAlgorithmOID: str,
          expiresIn: int,
        }),
      ),
    },
    errors: CSC,
  },
  'post /csc/v2/signatures/signDoc': {
    ok: {
      200: json(
        'Signed documents or CMS signature objects',
        object(
          {
            DocumentWithSignature: strs,
            SignatureObject: strs,
            validationInfo: object({ ocsp: strs, crl: strs, certificates: strs }),
          },
          [],
        ),
      ),
    },
    errors: [...CSC, 403, 503],
  },

  'get /csc/v2/oauth2/authorize': {
    ok: {
      200: { description: 'Authorisation page', contentType: 'text/html' },
      302: { description: 'Error redirect to the client (RFC 6749 4.1.2.1)', noBody: true },
    },
    // Refusal pages: 400 invalid or expired request, 403 locked or unusable credential or ended
    // session, 429 too many requests.
    errors: [400, 403, 429, 500],
    html: true,
  },
  'post /csc/v2/oauth2/authorize': {
    ok: { 303: { description: 'Redirect to the client with the code or the error', noBody: true } },
    errors: [400, 403, 404, 413, 415, 500],
    html: true,
  },
  'get /approve': {
    ok: { 200: { description: 'Sign-in or pending requests', contentType: 'text/html' } },
    errors: [400, 403, 500],
    html: true,
  },
  'post /approve/login': {
    ok: { 303: { description: 'Signed in', noBody: true } },
    errors: [400, 403, 413, 415, 500],
    html: true,
  },
  'post /approve/decide': {
    ok: { 303: { description: 'Decided', noBody: true } },
    errors: [400, 401, 403, 404, 413, 415, 500],
    html: true,
  },
  'post /approve/logout': {
    ok: { 303: { description: 'Signed out', noBody: true } },
    errors: [400, 403, 413, 415, 500],
    html: true,
  },
  'get /passkey/enrol': {
    ok: { 200: { description: 'Enrolment page', contentType: 'text/html' } },
    errors: [400, 500],
    html: true,
  },
  'post /passkey/enrol': {
    ok: { 200: { description: 'The page that creates the passkey', contentType: 'text/html' } },
    errors: [400, 413, 415, 500],
    html: true,
  },
  'post /passkey/enrol/finish': {
    ok: { 200: { description: 'Passkey registered', contentType: 'text/html' } },
    errors: [400, 413, 415, 500],
    html: true,
  },
  'get /passkey/assets/webauthn.js': {
    ok: { 200: { description: 'Page script', contentType: 'text/javascript' } },
    errors: [400, 500],
  },
  'post /admin/subscribers/:id/passkey-enrolment': {
    ok: {
      201: json(
        'Enrolment code (shown once) and the page to open',
        object({ code: str, enrolUrl: str, expiresAt: str }),
      ),
    },
    errors: ADMIN_ID,
  },
  'get /admin/subscribers/:id/passkeys': {
    ok: {
      200: json(
        'Passkeys of the subscriber',
        object({
          passkeys: {
            type: 'array',
            items: object(
              {
                id: str,
                webauthnId: str,
                aaguid: str,
                attestationFormat: str,
                backupEligible: bool,
                backedUp: bool,
                transports: strs,
                signCount: int,
                disabled: bool,
                createdAt: str,
                lastUsedAt: { type: ['string', 'null'] },
              },
              ['id', 'webauthnId', 'aaguid', 'backupEligible', 'backedUp', 'signCount', 'disabled'],
            ),
          },
        }),
      ),
    },
    errors: ADMIN_ID,
  },
  'post /admin/subscribers/:id/passkeys/:passkeyId/disable': {
    ok: { 200: json('Disabled', done('disabled', bool)) },
    errors: ADMIN_ID,
  },
  'post /admin/credentials/:id/factors': {
    ok: { 200: json('Factors set', done('factors', { enum: ['pin+otp', 'passkey', 'passkey+pin'] })) },
    errors: [...ADMIN_ID, 409],
  },
};

/** The documented responses of a route (throws for an undocumented route). */
/**
 * The documented responses of an operation. Every operation may also answer 503
 * temporarily_unavailable (JSON error body, Retry-After: 1) while the server is starting: the
 * listener is bound before migrations and CA loading (server.ts startServer).
 */
export function responsesOf(r: Pick<RouteDoc, 'method' | 'path'>): OperationResponses {
  const x = R[`${r.method} ${r.path}`];
  if (!x) throw new Error(`no documented responses for ${r.method} ${r.path}`);
  return x.errors.includes(503) ? x : { ...x, errors: [...x.errors, 503] };
}
