/**
 * Route table entries of the server-collected authorisation flows (issue 7), appended to ROUTES
 * so validation and the OpenAPI document stay one source.
 */
import { MAX_WEBAUTHN_RESPONSE } from '../services/passkeys.js';
import type { RouteDoc } from './types.js';
import { type JsonSchema, b64hash, obj, oidStr, str } from './schema.js';

const FORM = 'application/x-www-form-urlencoded';
const hashes: JsonSchema = { type: 'array', items: b64hash, minItems: 1, maxItems: 100_000 };
const conformance: JsonSchema = {
  type: 'string',
  enum: [
    'Ades-B-B',
    'Ades-B-T',
    'Ades-B-LT',
    'Ades-B-LTA',
    'AdES-B-B',
    'AdES-B-T',
    'AdES-B-LT',
    'AdES-B-LTA',
  ],
};
const pdfOptions = {
  signature_format: {
    type: 'string',
    enum: ['P', 'X'],
    description:
      'P: PAdES (default); X: XAdES, as documents prepared with prepareDoc (enveloped or enveloping)',
  },
  conformance_level: conformance,
  signAlgo: oidStr,
  signAlgoParams: str(1000),
  signed_envelope_property: {
    type: 'string',
    enum: ['Certification', 'Revision', 'Enveloped', 'Enveloping'],
    description: 'P: Certification or Revision; X: Enveloped (default) or Enveloping',
  },
  // kyso extensions for the PDF signature dictionary
  reason: str(200),
  location: str(200),
  fieldName: str(100),
  label: str(200),
} satisfies Record<string, JsonSchema>;
/** kyso extension of prepareDoc: a visible signature (Decree 30/2020 appearances of pdf-sign). */
const appearance: JsonSchema = {
  ...obj(
    {
      kind: {
        type: 'string',
        enum: ['person', 'seal', 'stamp'],
        description:
          "person: the official's block (title lines, signature image, name); seal: the agency seal at real size; stamp: appendix / electronic-copy text",
      },
      page: { type: 'integer', minimum: 0, maximum: 100_000, description: 'page index from 0 (default 0)' },
      rect: {
        type: 'array',
        items: { type: 'number', minimum: -14_400, maximum: 14_400 },
        minItems: 4,
        maxItems: 4,
        description: '[x1, y1, x2, y2] in PDF points, page space (default: the rectangle of fieldName)',
      },
      title: {
        type: 'array',
        items: str(200),
        maxItems: 6,
        description: 'person: title lines, top to bottom',
      },
      name: str(200, { description: "person: the signer's name (default: the certificate CN)" }),
      image: {
        type: 'string',
        maxLength: 349_528,
        pattern: '^[A-Za-z0-9+/]*={0,2}$',
        description:
          'base64 PNG (at most 256 KiB, 4096 pixels a side): the handwritten signature (person) or the seal (seal, required)',
      },
      sealSizeMm: { type: 'number', minimum: 5, maximum: 100, description: 'seal: real diameter in mm' },
      agency: str(300, { description: 'stamp: the signing or copying agency' }),
      documentNumber: str(100, { description: 'stamp: number and symbol of the document' }),
      copy: { type: 'boolean', description: 'stamp: electronic copy (SAO Y) instead of appendix' },
    },
    ['kind'],
    false,
  ),
  description: 'kyso extension: visible signature (Decree 30/2020) added when the document is prepared',
};
/** Base64 of a PDF: the JSON body limit for documents applies (KYSO_DOCUMENT_LIMIT_BYTES). */
const documentB64: JsonSchema = { type: 'string', minLength: 8, maxLength: 200 * 1024 * 1024 };

export const AUTHZ_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/csc/v2/oauth2/authorize',
    summary:
      "OAuth2 authorisation page (code + PKCE S256, scope credential, hashes or authorization_details): the subscriber reviews what will be signed and approves with the credential's factors (PIN and OTP, a passkey, or a passkey and the PIN). With only `request` and `lang`, shows a request of this browser again (e.g. in the other language)",
    tag: 'csc',
    produces: 'text/html',
  },
  {
    method: 'post',
    path: '/csc/v2/oauth2/authorize',
    summary: "The subscriber's decision (form post from the authorisation page; CSRF-protected)",
    tag: 'csc',
    contentType: FORM,
    produces: 'text/html',
    body: obj(
      {
        request: str(100),
        csrf: str(100),
        decision: { type: 'string', enum: ['approve', 'refuse'] },
        pin: str(256),
        otp: str(20),
        assertion: str(MAX_WEBAUTHN_RESPONSE),
        lang: str(10),
      },
      ['request'],
    ),
  },
  {
    method: 'post',
    path: '/csc/v2/oauth2/revoke',
    summary: 'Revoke a credential-scoped or service token (RFC 7009)',
    tag: 'csc',
    auth: 'clientSecret',
    contentType: FORM,
    body: obj({ token: str(300), token_type_hint: str(50), client_id: str(100), client_secret: str(200) }, [
      'token',
    ]),
  },
  {
    method: 'post',
    path: '/csc/v2/credentials/authorizeCheck',
    summary: 'Poll an asynchronous authorisation: 202 while pending, then the SAD, a refusal or an expiry',
    tag: 'csc',
    auth: 'client',
    body: obj({ handle: str(200), clientData: str(1000) }, ['handle']),
  },
  {
    method: 'post',
    path: '/csc/v2/signatures/prepareDoc',
    summary:
      'kyso extension: prepare PDFs (placeholder added server-side) or XML documents (XAdES signature with an empty SignatureValue) for signDoc and return the digests to authorise',
    tag: 'csc',
    auth: 'client',
    body: obj(
      {
        credentialID: str(100),
        hashAlgorithmOID: oidStr,
        documents: {
          type: 'array',
          minItems: 1,
          maxItems: 20,
          items: obj({ document: documentB64, ...pdfOptions, appearance }, ['document']),
        },
        clientData: str(1000),
      },
      ['credentialID', 'documents'],
    ),
  },
  {
    method: 'post',
    path: '/csc/v2/signatures/signDoc',
    summary:
      'Sign documents: documentDigests (client-side PAdES, returns CMS signature objects) or documents (PDF or XML in, signed PDF or XAdES XML out; prepared first with prepareDoc)',
    tag: 'csc',
    auth: 'client',
    body: obj(
      {
        credentialID: str(100),
        SAD: str(200),
        documentDigests: {
          type: 'array',
          minItems: 1,
          maxItems: 100,
          items: obj({ hashes, hashAlgorithmOID: oidStr, ...pdfOptions }, ['hashes', 'hashAlgorithmOID']),
        },
        documents: {
          type: 'array',
          minItems: 1,
          maxItems: 20,
          items: obj({ document: documentB64, ...pdfOptions }, ['document']),
        },
        operationMode: { type: 'string', enum: ['S'] },
        returnValidationInfo: { type: 'boolean' },
        clientData: str(1000),
      },
      ['credentialID'],
    ),
  },
  {
    method: 'get',
    path: '/approve',
    summary:
      'Approval page: the subscriber signs in with her citizen ID (CCCD) or registered phone number and the PIN, and sees pending requests',
    tag: 'csc',
    produces: 'text/html',
  },
  {
    method: 'post',
    path: '/approve/login',
    summary:
      'Approval page sign-in: CCCD or phone number (as registered with POST /admin/subscribers/:id/sign-in) and PIN (counts toward the lockout; a wrong identifier and a wrong PIN answer alike)',
    tag: 'csc',
    contentType: FORM,
    produces: 'text/html',
    body: obj({ identifier: str(30), pin: str(256), csrf: str(100), lang: str(10) }, ['identifier', 'pin']),
  },
  {
    method: 'post',
    path: '/approve/decide',
    summary: 'Approve (with the OTP or a passkey assertion bound to the request) or refuse a pending request',
    tag: 'csc',
    contentType: FORM,
    produces: 'text/html',
    body: obj(
      {
        request: str(100),
        decision: { type: 'string', enum: ['approve', 'refuse'] },
        otp: str(20),
        assertion: str(MAX_WEBAUTHN_RESPONSE),
        csrf: str(100),
        lang: str(10),
      },
      ['request'],
    ),
  },
  {
    method: 'post',
    path: '/approve/logout',
    summary: 'End the approval page session',
    tag: 'csc',
    contentType: FORM,
    produces: 'text/html',
    body: obj({ csrf: str(100) }),
  },
  {
    method: 'post',
    path: '/admin/clients/:id/redirect-uris',
    summary: 'Register the OAuth2 redirect URIs of a client (exact match; https or loopback http)',
    tag: 'admin',
    auth: 'operator',
    body: obj({ redirectUris: { type: 'array', items: str(500), maxItems: 10 } }, ['redirectUris'], false),
  },
  {
    method: 'post',
    path: '/admin/credentials/:id/auth-policy',
    summary:
      'How credentials/authorize behaves by default: explicit (PIN+OTP relayed) or async (202 + approval page)',
    tag: 'admin',
    auth: 'operator',
    body: obj({ policy: { type: 'string', enum: ['explicit', 'async'] } }, ['policy'], false),
  },
];
