/** Route table: method, path, summary, request schema. Used for validation and for the OpenAPI document. */
import { type JsonSchema, b64hash, obj, oidStr, str } from './schema.js';
import { AUTHZ_ROUTES } from './authz-routes-doc.js';
import { PASSKEY_ROUTES } from './passkey-routes-doc.js';
import type { RouteDoc } from './types.js';

export type { RouteDoc } from './types.js';

const hashes: JsonSchema = { type: 'array', items: b64hash, minItems: 1, maxItems: 100_000 };
const keySpec: JsonSchema = obj(
  {
    type: { type: 'string', enum: ['RSA', 'EC'] },
    modulusLength: { type: 'integer', enum: [2048, 3072, 4096] },
    curve: { type: 'string', enum: ['P-256', 'P-384', 'P-521'] },
  },
  ['type'],
  false,
);
const credQuery = {
  certificates: { type: 'string', enum: ['none', 'single', 'chain'] },
  certInfo: { type: 'boolean' },
  authInfo: { type: 'boolean' },
  lang: str(20),
  clientData: str(1000),
} satisfies Record<string, JsonSchema>;

/**
 * Every HTTP route the server has, with its request body schema: the single table the request
 * validation (`body()` refuses with 400 what does not match), /openapi.json and the /docs page are
 * made from (a test checks the app serves exactly these routes).
 */
export const ROUTES: RouteDoc[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness', tag: 'health' },
  { method: 'get', path: '/readyz', summary: 'Readiness (database reachable)', tag: 'health' },
  { method: 'get', path: '/openapi.json', summary: 'This OpenAPI 3.1 document', tag: 'docs' },
  { method: 'get', path: '/docs', summary: 'API documentation page', tag: 'docs', produces: 'text/html' },

  // Admin
  {
    method: 'post',
    path: '/admin/operators',
    summary: 'Create an operator API key (shown once)',
    tag: 'admin',
    auth: 'operator',
    body: obj({ name: str(200, { minLength: 1 }) }, ['name'], false),
  },
  {
    method: 'post',
    path: '/admin/subscribers',
    summary: 'Enrol a subscriber (PIN + TOTP; returns the otpauth URI once)',
    tag: 'admin',
    auth: 'operator',
    body: obj(
      {
        kind: { type: 'string', enum: ['citizen', 'official', 'organization'] },
        name: str(200, { minLength: 1 }),
        pin: str(64, { minLength: 6 }),
        cccd: str(12, { pattern: '^[0-9]{12}$' }),
        title: str(200),
        organization: str(200),
        unit: str(200),
        taxCode: str(20),
        budgetCode: str(20),
        province: str(200),
        locality: str(200),
        email: str(200),
      },
      ['kind', 'name', 'pin'],
      false,
    ),
  },
  {
    method: 'get',
    path: '/admin/subscribers/:id',
    summary: 'Subscriber status (lockout)',
    tag: 'admin',
    auth: 'operator',
  },
  {
    method: 'post',
    path: '/admin/subscribers/:id/sign-in',
    summary:
      'Set the identifiers the subscriber signs in with on /approve: CCCD (12 digits) and/or Vietnamese mobile number (an empty string removes one; each identifier names one subscriber, else 409)',
    tag: 'admin',
    auth: 'operator',
    body: obj(
      {
        cccd: str(12, { pattern: '^([0-9]{12})?$', description: 'citizen ID (CCCD), 12 digits' }),
        phone: str(30, { description: 'mobile number, e.g. 0912 345 678 or +84912345678 (stored as E.164)' }),
      },
      [],
      false,
    ),
  },
  {
    method: 'post',
    path: '/admin/subscribers/:id/unlock',
    summary: 'Unlock a subscriber after failed attempts',
    tag: 'admin',
    auth: 'operator',
  },
  {
    method: 'post',
    path: '/admin/clients',
    summary: 'Create a relying-party client (secret shown once)',
    tag: 'admin',
    auth: 'operator',
    body: obj({ name: str(200, { minLength: 1 }) }, ['name'], false),
  },
  {
    method: 'post',
    path: '/admin/clients/:id/disable',
    summary: 'Disable a client',
    tag: 'admin',
    auth: 'operator',
  },
  {
    method: 'post',
    path: '/admin/clients/:id/enable',
    summary: 'Enable a client',
    tag: 'admin',
    auth: 'operator',
  },
  {
    method: 'post',
    path: '/admin/clients/:id/grants',
    summary: 'Grant a credential to a client',
    tag: 'admin',
    auth: 'operator',
    body: obj({ credentialId: str(100) }, ['credentialId'], false),
  },
  {
    method: 'post',
    path: '/admin/clients/:id/grants/revoke',
    summary: 'Withdraw a grant',
    tag: 'admin',
    auth: 'operator',
    body: obj({ credentialId: str(100) }, ['credentialId'], false),
  },
  {
    method: 'post',
    path: '/admin/credentials',
    summary: 'Create a credential: key in the vault, CSR (proof of possession), certificate by profile',
    tag: 'admin',
    auth: 'operator',
    body: obj(
      {
        subscriberId: str(100),
        key: keySpec,
        profile: { type: 'string', enum: ['person-signing', 'organization-signing'] },
        caId: str(100),
        validityDays: { type: 'integer', minimum: 1, maximum: 3650 },
        description: str(500),
        multisign: { type: 'integer', minimum: 1, maximum: 1000 },
        issue: { type: 'boolean' },
        acceptLintWarnings: {
          type: 'boolean',
          description:
            'operator override: issue despite lint warnings (recorded in the audit); lint errors always refuse',
        },
      },
      ['subscriberId', 'key'],
      false,
    ),
  },
  {
    method: 'post',
    path: '/admin/credentials/:id/certificate',
    summary: 'Import an externally issued certificate for the credential key',
    tag: 'admin',
    auth: 'operator',
    body: obj(
      { certificate: str(64 * 1024), chain: { type: 'array', items: str(64 * 1024), maxItems: 8 } },
      ['certificate'],
      false,
    ),
  },
  {
    method: 'post',
    path: '/admin/credentials/:id/enable',
    summary: 'Enable the credential',
    tag: 'admin',
    auth: 'operator',
  },
  {
    method: 'post',
    path: '/admin/credentials/:id/disable',
    summary: 'Disable the credential',
    tag: 'admin',
    auth: 'operator',
  },
  {
    method: 'post',
    path: '/admin/credentials/:id/suspend',
    summary: 'Suspend the certificate (certificateHold)',
    tag: 'admin',
    auth: 'operator',
  },
  {
    method: 'post',
    path: '/admin/credentials/:id/unsuspend',
    summary: 'Lift a suspension',
    tag: 'admin',
    auth: 'operator',
  },
  {
    method: 'post',
    path: '/admin/credentials/:id/revoke',
    summary: 'Revoke the certificate (CRL and OCSP updated at once)',
    tag: 'admin',
    auth: 'operator',
    body: obj(
      {
        reason: {
          type: 'string',
          enum: [
            'unspecified',
            'keyCompromise',
            'affiliationChanged',
            'superseded',
            'cessationOfOperation',
            'privilegeWithdrawn',
          ],
        },
      },
      [],
      false,
    ),
  },
  {
    method: 'post',
    path: '/admin/cas/:id/revoke',
    summary:
      "Revoke a subordinate CA's certificate (parent's CRL re-issued at once; its subscribers can no longer authorise or sign; a root cannot be revoked)",
    tag: 'admin',
    auth: 'operator',
    body: obj(
      {
        reason: {
          type: 'string',
          enum: [
            'unspecified',
            'keyCompromise',
            'cACompromise',
            'affiliationChanged',
            'superseded',
            'cessationOfOperation',
          ],
        },
      },
      [],
      false,
    ),
  },
  {
    method: 'post',
    path: '/admin/credentials/:id/rekey',
    summary: 'Renew with a new key (old certificate superseded)',
    tag: 'admin',
    auth: 'operator',
    body: obj(
      {
        key: keySpec,
        validityDays: { type: 'integer', minimum: 1, maximum: 3650 },
        acceptLintWarnings: {
          type: 'boolean',
          description:
            'operator override: issue despite lint warnings (recorded in the audit); lint errors always refuse',
        },
      },
      [],
      false,
    ),
  },
  {
    method: 'get',
    path: '/admin/audit/verify',
    summary:
      'Seal committed audit rows, then verify the hash chain: {ok, rows, brokenAt?, headHash, unsealed}',
    tag: 'admin',
    auth: 'operator',
  },

  // PKI (public)
  {
    method: 'get',
    path: '/pki/ca/:file',
    summary: 'CA certificate (DER), `<ca-id>.cer`',
    tag: 'pki',
    produces: 'application/pkix-cert',
  },
  {
    method: 'get',
    path: '/pki/crl/:file',
    summary: 'Current CRL (DER), `<ca-id>.crl`',
    tag: 'pki',
    produces: 'application/pkix-crl',
  },
  {
    method: 'get',
    path: '/pki/ocsp/:request',
    summary: 'OCSP over GET (RFC 6960 A.1, RFC 5019)',
    tag: 'pki',
    produces: 'application/ocsp-response',
  },
  {
    method: 'post',
    path: '/pki/ocsp',
    summary: 'OCSP over POST',
    tag: 'pki',
    contentType: 'application/ocsp-request',
    produces: 'application/ocsp-response',
  },
  {
    method: 'post',
    path: '/pki/tsa',
    summary: 'RFC 3161 time-stamping',
    tag: 'pki',
    contentType: 'application/timestamp-query',
    produces: 'application/timestamp-reply',
  },

  // CSC API v2
  {
    method: 'post',
    path: '/csc/v2/info',
    summary: 'Service information',
    tag: 'csc',
    body: obj({ lang: str(20) }),
  },
  {
    method: 'post',
    path: '/csc/v2/oauth2/token',
    summary: 'OAuth 2.0 token (client_credentials)',
    tag: 'csc',
    auth: 'clientSecret',
    contentType: 'application/x-www-form-urlencoded',
    body: obj(
      {
        grant_type: str(100),
        client_id: str(100),
        client_secret: str(200),
        scope: str(100),
        code: str(200),
        code_verifier: str(128),
        redirect_uri: str(500),
      },
      ['grant_type'],
    ),
  },
  {
    method: 'post',
    path: '/csc/v2/credentials/list',
    summary: 'Credentials granted to the client',
    tag: 'csc',
    auth: 'client',
    body: obj({
      userID: str(100),
      credentialInfo: { type: 'boolean' },
      onlyValid: { type: 'boolean' },
      ...credQuery,
    }),
  },
  {
    method: 'post',
    path: '/csc/v2/credentials/info',
    summary: 'Credential details',
    tag: 'csc',
    auth: 'client',
    body: obj({ credentialID: str(100), ...credQuery }, ['credentialID']),
  },
  {
    method: 'post',
    path: '/csc/v2/credentials/authorize',
    summary: 'Explicit authorisation with PIN and OTP; returns a SAD bound to the hashes',
    tag: 'csc',
    auth: 'client',
    body: obj(
      {
        credentialID: str(100),
        numSignatures: { type: 'integer', minimum: 1, maximum: 100_000 },
        hashes,
        hashAlgorithmOID: oidStr,
        authData: {
          type: 'array',
          maxItems: 4,
          items: obj({ id: str(20), value: str(256) }, ['id', 'value'], false),
        },
        description: str(500, {
          description: 'shown to the subscriber on the approval page (operationMode A)',
        }),
        labels: {
          type: 'array',
          items: str(200),
          maxItems: 100,
          description:
            'kyso extension: the name of each document, in the order of hashes, shown to the subscriber on the approval page (operationMode A)',
        },
        clientData: str(1000),
        operationMode: {
          type: 'string',
          enum: ['S', 'A'],
          description: 'A: answer 202 {handle}, approval on the subscriber page',
        },
      },
      ['credentialID', 'numSignatures'],
    ),
  },
  {
    method: 'post',
    path: '/csc/v2/credentials/extendTransaction',
    summary: 'Move the remaining count of a SAD to new hashes',
    tag: 'csc',
    auth: 'client',
    body: obj(
      { credentialID: str(100), SAD: str(200), hashes, hashAlgorithmOID: oidStr, clientData: str(1000) },
      ['credentialID', 'SAD'],
    ),
  },
  {
    method: 'post',
    path: '/csc/v2/signatures/signHash',
    summary: 'Sign hashes (order kept) under a SAD',
    tag: 'csc',
    auth: 'client',
    body: obj(
      {
        credentialID: str(100),
        SAD: str(200, {
          description: 'omit when the Bearer token is a credential-scoped token (oauth2code)',
        }),
        hashes,
        hashAlgorithmOID: oidStr,
        signAlgo: oidStr,
        signAlgoParams: str(1000),
        operationMode: { type: 'string', enum: ['S'] },
        clientData: str(1000),
      },
      ['credentialID', 'hashes', 'signAlgo'],
    ),
  },
  {
    method: 'post',
    path: '/csc/v2/signatures/timestamp',
    summary: 'RFC 3161 time-stamp token for a hash',
    tag: 'csc',
    auth: 'client',
    body: obj({ hash: b64hash, hashAlgo: oidStr, nonce: str(64), clientData: str(1000) }, [
      'hash',
      'hashAlgo',
    ]),
  },
  ...AUTHZ_ROUTES,
  ...PASSKEY_ROUTES,
];
