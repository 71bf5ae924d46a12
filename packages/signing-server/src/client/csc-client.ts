/**
 * A typed CSC API v2 client for relying parties (agencies), kyso flavour. Runs in Node 20+ and
 * in browsers: `fetch` and WebCrypto only, no server modules, no Buffer.
 *
 *   const csc = new CscClient({ baseUrl, clientId, clientSecret });
 *   const { url, codeVerifier } = await csc.authorizationUrl({ redirectUri, credentialID, documentDigests });
 *   // ... the citizen approves on the server's page, the browser comes back with ?code=
 *   const { access_token } = await csc.exchangeCode({ code, codeVerifier, redirectUri });
 */

import { type CscHash, SHA256_OID } from './csc-algorithms.js';

export { type CscHash, HASH_OIDS, SHA256_OID } from './csc-algorithms.js';

/**
 * A CSC error answer (`{"error","error_description"}`, CSC API v2 "Common errors") with its HTTP
 * status, as every {@link CscClient} method throws it for a 4xx/5xx. `error` 'invalid_response'
 * means the server's answer was not the JSON expected (then `description` holds up to 200
 * characters of it). The message is `"<status> <error>: <description>"`.
 */
export class CscError extends Error {
  constructor(
    /** HTTP status (408 when {@link CscClient.waitForApproval} gave up locally). */
    readonly status: number,
    /** CSC / OAuth 2.0 error code, e.g. invalid_request, invalid_token, access_denied, expired_token, invalid_hash. */
    readonly error: string,
    /** The server's error_description (never a secret). */
    readonly description: string,
  ) {
    super(`${status} ${error}: ${description}`);
    this.name = 'CscError';
  }
}

/** Standard base64 (with padding) of bytes, as CSC v2 carries hashes, signatures and documents; browser-safe. */
export function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}
/** Decodes standard base64; throws a DOMException (InvalidCharacterError) on malformed input. */
export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
const toBase64Url = (b: Uint8Array) => toBase64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const hashB64 = (h: Uint8Array | string) => (typeof h === 'string' ? h : toBase64(h));

/**
 * The `hash` digest of `data` with WebCrypto (Node 20+ and browsers): what you send in `hashes`
 * or `documentDigests` for a document you hash yourself.
 */
export async function digest(hash: CscHash, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest(hash, data as Uint8Array<ArrayBuffer>));
}

/**
 * A fresh PKCE pair (RFC 7636, method S256, the only one the server accepts): a 256-bit random
 * base64url verifier and its SHA-256 challenge. The verifier is secret and single-use: keep it
 * with the user's session until {@link CscClient.exchangeCode}.
 */
export async function pkcePair(): Promise<{ codeVerifier: string; codeChallenge: string }> {
  const codeVerifier = toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  const codeChallenge = toBase64Url(await digest('SHA-256', new TextEncoder().encode(codeVerifier)));
  return { codeVerifier, codeChallenge };
}

/** How {@link CscClient} reaches and authenticates to the server. */
export interface CscClientOptions {
  /** Server base URL, e.g. https://ky.so.gov.vn (the client adds /csc/v2). */
  baseUrl: string;
  /** OAuth 2.0 client id the operator registered for your application. */
  clientId?: string;
  /**
   * OAuth 2.0 client secret (client_credentials grant, code exchange, revoke). Secret: keep it on
   * your server, never in a browser page or a mobile app.
   */
  clientSecret?: string;
  /** A service token obtained elsewhere (else client credentials are used). */
  accessToken?: string;
  /** fetch implementation (default globalThis.fetch): for tests, proxies or an AbortSignal. */
  fetch?: typeof fetch;
}

/** A document's digest to authorise (CSC v2 RAR `documentDigests` entry). */
export interface DocumentDigest {
  /** The digest, as bytes or standard base64. */
  hash: Uint8Array | string;
  /** The document's name the subscriber sees on the approval page (e.g. the file name). */
  label?: string;
}

/** An oauth2/token answer (RFC 6749 §5.1). */
export interface TokenResponse {
  /**
   * The access token. Secret. From the authorization-code grant it is credential-scoped and
   * stands in for the SAD (CSC v2 oauth2/token): it authorises exactly the approved hashes, once,
   * within `expires_in`.
   */
  access_token: string;
  /** Always Bearer (RFC 6750). */
  token_type: 'Bearer';
  /** Lifetime in seconds. */
  expires_in: number;
  /** The credential the token authorises (authorization-code grant). */
  credentialID?: string;
  /** The RAR authorization_details the subscriber approved (authorization-code grant). */
  authorization_details?: unknown[];
}

/** A credentials/info answer (CSC API v2), with the certificate chain, certInfo and authInfo asked for. */
export interface CredentialInfo {
  /** The credential's description, if the operator gave one. */
  description?: string;
  /**
   * The signing key: `status` 'enabled' or 'disabled'; `algo` the signAlgo OIDs it supports;
   * `len` the key size in bits; `curve` the named-curve OID for EC keys.
   */
  key: { status: string; algo: string[]; len: number; curve?: string };
  /**
   * The certificate: `status` 'valid', 'expired', 'revoked' or 'suspended'; `certificates` the
   * chain in base64 DER, leaf first; DNs, serial (hex) and validity (GeneralizedTime) with certInfo.
   */
  cert: {
    status: string;
    certificates: string[];
    subjectDN?: string;
    issuerDN?: string;
    serialNumber?: string;
    validFrom?: string;
    validTo?: string;
  };
  /**
   * How the credential is authorised: `mode` 'explicit' (`expression` "PIN AND OTP": authorize
   * with authData) or 'oauth2code' (the server's own page, "PASSKEY" or "PASSKEY AND PIN").
   */
  auth: { mode: string; expression: string; objects: unknown[] };
  /** Sole Control Assurance Level: always "2" on kyso (every SAD is bound to the exact hashes). */
  SCAL: string;
  /** Most signatures one authorisation may cover (numSignatures ≤ multisign). */
  multisign: number;
  /**
   * CSC v2 signatureQualifier of the signatures this credential makes: kyso answers
   * "eu_eidas_aes" (advanced electronic signature; the qualified status of a Vietnamese
   * certificate is decided by its issuing CA's licence, not claimed by the server).
   */
  signatureQualifier?: string;
  /** Language of the texts in this answer (RFC 5646 tag; kyso answers "en-US"). */
  lang?: string;
}

/**
 * CSC v2 conformance_level of a signDoc/prepareDoc document: the ETSI baseline level of the
 * PAdES/XAdES signature (default Ades-B-B). B-T adds a signature time-stamp; B-LT the validation
 * data (certificates, OCSP/CRL); B-LTA an archive (document) time-stamp.
 */
export type ConformanceLevel = 'Ades-B-B' | 'Ades-B-T' | 'Ades-B-LT' | 'Ades-B-LTA';

/** Per-document options of prepareDoc and signDoc (CSC v2 signDoc fields plus kyso's PDF fields). */
export interface PdfSignOptions {
  /** P: PAdES (default); X: XAdES (documents through prepareDoc; XML in, signed XML out). */
  signature_format?: 'P' | 'X';
  /** Baseline level (default Ades-B-B). */
  conformance_level?: ConformanceLevel;
  /** signAlgo OID (default: ECDSA for an EC key, RSA PKCS#1 v1.5 for an RSA key, with the document's hash). */
  signAlgo?: string;
  /** P: Certification or Revision; X: Enveloped (default) or Enveloping. */
  signed_envelope_property?: 'Certification' | 'Revision' | 'Enveloped' | 'Enveloping';
  /** PAdES: the /Reason of the signature dictionary. */
  reason?: string;
  /** PAdES: the /Location of the signature dictionary. */
  location?: string;
  /**
   * PAdES: the signature field's name: an existing empty field of that name is signed (a signed
   * one is refused), else it is created. Default: the document's only empty signature field,
   * else a new one.
   */
  fieldName?: string;
  /** The document's name on the approval page (returned with its digest by prepareDoc). */
  label?: string;
}

/**
 * kyso extension of prepareDoc: a visible signature (Decree 30/2020). `page` is 0-based, `rect`
 * is [x1, y1, x2, y2] in PDF points; `image` is a PNG (person: handwritten signature, optional;
 * seal: the seal, required), at most 256 KiB and 4096 pixels a side.
 */
export interface VisibleAppearance {
  /** person: an official's signature block; seal: the agency's seal image; stamp: the electronic-copy stamp. */
  kind: 'person' | 'seal' | 'stamp';
  /** 0-based page (default 0, or the page of an existing `fieldName`). */
  page?: number;
  /** [x1, y1, x2, y2] in PDF points (1/72 inch) from the page's lower-left corner. */
  rect?: [number, number, number, number];
  /** person: title lines, e.g. ['KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC']. */
  title?: string[];
  /** person: the signer's name (default: the certificate CN). */
  name?: string;
  /** PNG bytes (person: handwritten signature, optional; seal: required); at most 256 KiB and 4096 px a side. */
  image?: Uint8Array;
  /** seal: real diameter in mm (default: the PNG's pHYs, else 36 mm). */
  sealSizeMm?: number;
  /** stamp: agency, document number, electronic copy. */
  agency?: string;
  /** stamp: the document's number. */
  documentNumber?: string;
  /** stamp: mark it as an electronic copy. */
  copy?: boolean;
}

/** A signatures/signDoc answer (CSC API v2), everything base64. */
export interface SignDocResponse {
  /** For `documents`: the signed PDFs (or XML), in request order. */
  DocumentWithSignature?: string[];
  /** For `documentDigests`: the CMS SignedData (PAdES signature contents), in request order. */
  SignatureObject?: string[];
  /**
   * With returnValidationInfo: DER OCSP responses, CRLs and certificates for the signer's chain,
   * to embed as a DSS (pdf-sign addDss) for B-LT.
   */
  validationInfo?: { ocsp: string[]; crl: string[]; certificates: string[] };
}

/**
 * A typed CSC API v2 client (kyso flavour) for relying parties: one instance per server and OAuth
 * 2.0 client. Node 20+ and browsers (fetch and WebCrypto only). Every method throws
 * {@link CscError} for an error answer (4xx/5xx) and fetch's TypeError when the server cannot be
 * reached. The service token is cached per instance.
 *
 * Security: the client secret, access tokens, SADs, PINs and OTPs it handles are secrets; do not
 * log them. A SAD or credential-scoped token is single-use per hash.
 */
export class CscClient {
  /** `options.baseUrl` without a trailing slash. */
  readonly baseUrl: string;
  #token: { value: string; until: number } | undefined;
  readonly #fetch: typeof fetch;

  /** @param options - server URL and client credentials (kept as given). */
  constructor(
    /** The options given to the constructor (they include the client secret). */
    readonly options: CscClientOptions,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.#fetch = options.fetch ?? ((...a) => globalThis.fetch(...a));
    if (options.accessToken) this.#token = { value: options.accessToken, until: Number.POSITIVE_INFINITY };
  }

  async #json<T>(res: Response): Promise<T> {
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new CscError(res.status, 'invalid_response', text.slice(0, 200));
    }
    if (res.status >= 400)
      throw new CscError(res.status, String(body.error ?? 'error'), String(body.error_description ?? ''));
    return body as T;
  }

  async #form<T>(
    path: string,
    fields: Record<string, string | undefined>,
  ): Promise<{ status: number; body: T }> {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) p.set(k, v);
    const res = await this.#fetch(`${this.baseUrl}/csc/v2/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: p.toString(),
    });
    if (res.status === 204) return { status: 204, body: {} as T };
    return { status: res.status, body: await this.#json<T>(res) };
  }

  /**
   * POST JSON to /csc/v2/<path> with the service token (or `bearer`; `info` goes without one):
   * the escape hatch for methods this client does not wrap. Returns the status (200, 202, …) and
   * the parsed body; throws {@link CscError} for a 4xx/5xx or a non-JSON answer.
   */
  async call<T>(path: string, body: unknown, bearer?: string): Promise<{ status: number; body: T }> {
    const tok = bearer ?? (path === 'info' ? undefined : await this.serviceToken());
    const res = await this.#fetch(`${this.baseUrl}/csc/v2/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) },
      body: JSON.stringify(body ?? {}),
    });
    return { status: res.status, body: await this.#json<T>(res) };
  }

  /** CSC v2 `info` (no authentication): the service's methods, algorithms, formats and OAuth 2.0 base URL. */
  async info(): Promise<Record<string, unknown>> {
    return (await this.call<Record<string, unknown>>('info', {})).body;
  }

  /**
   * The service access token (OAuth 2.0 client_credentials grant at oauth2/token, RFC 6749 §4.4):
   * `options.accessToken` if given, else a token fetched with the client id and secret and cached
   * until 30 s before it expires. Secret.
   *
   * @throws Error without client id and secret; {@link CscError} 401 invalid_client for wrong ones.
   */
  async serviceToken(): Promise<string> {
    if (this.#token && this.#token.until > Date.now()) return this.#token.value;
    const { clientId, clientSecret } = this.options;
    if (!clientId || !clientSecret)
      throw new Error('clientId and clientSecret (or accessToken) are required');
    const r = await this.#form<TokenResponse>('oauth2/token', {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    });
    this.#token = { value: r.body.access_token, until: Date.now() + (r.body.expires_in - 30) * 1000 };
    return r.body.access_token;
  }

  /** CSC v2 credentials/list: the ids of the credentials this client has been granted. */
  async listCredentials(): Promise<string[]> {
    return (await this.call<{ credentialIDs: string[] }>('credentials/list', {})).body.credentialIDs;
  }

  /**
   * CSC v2 credentials/info with the whole chain, certInfo and authInfo: read `auth.mode` to pick
   * the authorisation flow and `cert.certificates` for the signer's chain.
   *
   * @throws {@link CscError} 400 invalid_request ("Invalid parameter credentialID") for an unknown
   * credential or one not granted to this client (the same answer for both).
   */
  async credentialInfo(credentialID: string): Promise<CredentialInfo> {
    return (
      await this.call<CredentialInfo>('credentials/info', {
        credentialID,
        certificates: 'chain',
        certInfo: true,
        authInfo: true,
      })
    ).body;
  }

  /**
   * CSC v2 credentials/authorize, explicit mode: relays the subscriber's PIN and TOTP code
   * (authData) and returns a SAD bound to exactly these hashes (SCAL2), numSignatures = the number
   * of hashes, valid `expiresIn` seconds (server default 300). Only for credentials whose
   * `auth.mode` is 'explicit'; TS 119 432 prefers factors collected on the provider's own page
   * ({@link CscClient.authorizationUrl}, {@link CscClient.authorizeAsync}).
   *
   * Security: the PIN, OTP and SAD are secrets; the SAD is spent hash by hash by signHash/signDoc.
   *
   * @param input - `hashes` as bytes or base64 (no duplicates); `hashAlgorithmOID` default SHA-256;
   * `description` recorded with the SAD (≤ 500 characters).
   * @throws {@link CscError} 400 invalid_otp or invalid_authentication_data for wrong factors (the
   * server locks the subscriber after Config.maxFailedAttempts), 400 invalid_request for a disabled,
   * locked or unusable credential or bad hashes, 429 when rate-limited.
   */
  async authorize(input: {
    credentialID: string;
    hashes: (Uint8Array | string)[];
    hashAlgorithmOID?: string;
    pin: string;
    otp: string;
    description?: string;
  }): Promise<{ SAD: string; expiresIn: number }> {
    return (
      await this.call<{ SAD: string; expiresIn: number }>('credentials/authorize', {
        credentialID: input.credentialID,
        numSignatures: input.hashes.length,
        hashes: input.hashes.map(hashB64),
        hashAlgorithmOID: input.hashAlgorithmOID ?? SHA256_OID,
        authData: [
          { id: 'PIN', value: input.pin },
          { id: 'OTP', value: input.otp },
        ],
        ...(input.description ? { description: input.description } : {}),
      })
    ).body;
  }

  /**
   * Asynchronous authorisation: the subscriber approves on the server's approval page, which
   * shows `description` and the name of each document (`labels`, in the order of `hashes`; or
   * `documentDigests` as prepareDoc returns them, labels included).
   *
   * CSC v2 credentials/authorize with operationMode "A": returns the handle (202) to poll with
   * {@link CscClient.authorizeCheck} or {@link CscClient.waitForApproval}; the request lapses after
   * `expiresIn` seconds (server default 300). The handle is a bearer secret for this client only.
   *
   * @throws {@link CscError} for a refused request, or 'invalid_response' when the server answers
   * 200 instead of 202.
   */
  async authorizeAsync(
    input: {
      credentialID: string;
      hashAlgorithmOID?: string;
      description?: string;
    } & (
      | { hashes: (Uint8Array | string)[]; labels?: string[] }
      | { documentDigests: { hash: Uint8Array | string; label?: string }[] }
    ),
  ): Promise<{ handle: string; expiresIn?: number }> {
    const docs =
      'documentDigests' in input
        ? input.documentDigests
        : input.hashes.map((hash, i) => ({ hash, label: input.labels?.[i] }));
    const labels = docs.map((d) => d.label ?? '');
    const r = await this.call<{ handle: string; expiresIn?: number; SAD?: string }>('credentials/authorize', {
      credentialID: input.credentialID,
      numSignatures: docs.length,
      hashes: docs.map((d) => hashB64(d.hash)),
      hashAlgorithmOID: input.hashAlgorithmOID ?? SHA256_OID,
      operationMode: 'A',
      ...(input.description ? { description: input.description } : {}),
      ...(labels.some((l) => l !== '') ? { labels } : {}),
    });
    if (r.status !== 202) throw new CscError(r.status, 'invalid_response', 'expected 202 with a handle');
    return r.body;
  }

  /**
   * One CSC v2 credentials/authorizeCheck poll: `{pending: true}` (202) while the subscriber has not
   * decided, else the SAD (delivered once: a second check of the same handle is refused).
   *
   * @throws {@link CscError} 403 access_denied when the subscriber refused, 400 expired_token when
   * the request expired, 400 invalid_request for an unknown or already collected handle.
   */
  async authorizeCheck(
    handle: string,
  ): Promise<{ pending: true } | { pending: false; SAD: string; expiresIn: number }> {
    const r = await this.call<{ SAD?: string; expiresIn?: number }>('credentials/authorizeCheck', { handle });
    if (r.status === 202) return { pending: true };
    return { pending: false, SAD: r.body.SAD!, expiresIn: r.body.expiresIn ?? 0 };
  }

  /**
   * Polls {@link CscClient.authorizeCheck} every `intervalMs` (default 2000) until approved and
   * returns the SAD (secret, single use per hash).
   *
   * @param opts - `timeoutMs`: give up after this long (default 5 min 10 s, past the server's
   * default approval lifetime).
   * @throws {@link CscError} as authorizeCheck, or 408 expired_token when `timeoutMs` passes.
   */
  async waitForApproval(
    handle: string,
    opts: { intervalMs?: number; timeoutMs?: number } = {},
  ): Promise<string> {
    const until = Date.now() + (opts.timeoutMs ?? 5 * 60_000 + 10_000);
    for (;;) {
      const r = await this.authorizeCheck(handle);
      if (!r.pending) return r.SAD;
      if (Date.now() > until) throw new CscError(408, 'expired_token', 'gave up waiting for the approval');
      await new Promise((res) => setTimeout(res, opts.intervalMs ?? 2000));
    }
  }

  /**
   * The URL of the server's authorisation page (OAuth2 code + PKCE S256, RAR documentDigests):
   * CSC v2 oauth2/authorize with scope `credential` and authorization_details of type credential
   * (RFC 9396). Redirect the subscriber's browser there; she signs in and approves the listed
   * documents, and the browser returns to `redirectUri` with `code` and `state`.
   *
   * Check the returned `state` equals the one given back here (CSRF), then call
   * {@link CscClient.exchangeCode} with `codeVerifier`. `codeVerifier` is secret and single-use:
   * keep it server-side or in the session, not in the URL.
   *
   * @param input - `redirectUri` must be registered for the client (https, or http on loopback);
   * `state` default 128 random bits; `hashAlgorithmOID` default SHA-256; `lang` of the page.
   */
  async authorizationUrl(input: {
    redirectUri: string;
    credentialID: string;
    documentDigests: DocumentDigest[];
    hashAlgorithmOID?: string;
    state?: string;
    lang?: 'vi' | 'en';
    description?: string;
  }): Promise<{ url: string; codeVerifier: string; state: string }> {
    const { codeVerifier, codeChallenge } = await pkcePair();
    const state = input.state ?? toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(16)));
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: this.options.clientId ?? '',
      redirect_uri: input.redirectUri,
      scope: 'credential',
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      state,
      authorization_details: JSON.stringify([
        {
          type: 'credential',
          credentialID: input.credentialID,
          hashAlgorithmOID: input.hashAlgorithmOID ?? SHA256_OID,
          documentDigests: input.documentDigests.map((d) => ({
            hash: hashB64(d.hash),
            ...(d.label ? { label: d.label } : {}),
          })),
        },
      ]),
      ...(input.lang ? { lang: input.lang } : {}),
      ...(input.description ? { description: input.description } : {}),
    });
    return { url: `${this.baseUrl}/csc/v2/oauth2/authorize?${q}`, codeVerifier, state };
  }

  /**
   * authorization_code grant (oauth2/token, RFC 6749 §4.1.3 with PKCE): a credential-scoped token
   * that stands in for the SAD. Pass the result's access_token as `credentialToken` to signHash
   * or signDoc. The code is single-use (a failed PKCE check burns it too; a replayed code ends the
   * token it gave) and short-lived.
   *
   * @throws {@link CscError} 400 invalid_grant for an unknown, expired or used code, a wrong
   * verifier or redirect_uri; 401 invalid_client for wrong client credentials.
   */
  async exchangeCode(input: {
    code: string;
    codeVerifier: string;
    redirectUri: string;
  }): Promise<TokenResponse> {
    return (
      await this.#form<TokenResponse>('oauth2/token', {
        grant_type: 'authorization_code',
        code: input.code,
        code_verifier: input.codeVerifier,
        redirect_uri: input.redirectUri,
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
      })
    ).body;
  }

  /**
   * Revokes an access token of this client (oauth2/revoke, RFC 7009): a service token, or a
   * credential-scoped token, whose authorisation then ends at once. Succeeds for an unknown token
   * too (RFC 7009 §2.2).
   */
  async revoke(token: string): Promise<void> {
    await this.#form('oauth2/revoke', {
      token,
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
    });
  }

  /**
   * CSC v2 signatures/signHash with a SAD, or with a credential-scoped token (`credentialToken`,
   * no SAD). Returns the signatures in the order of `hashes` (ECDSA: DER; RSA: the raw signature).
   * Each hash is consumed from the authorisation: it cannot be signed twice with it.
   *
   * @param input - `signAlgo` an OID from credentialInfo's key.algo (see {@link signAlgoFor});
   * `hashAlgorithmOID` required with the bare rsaEncryption/ecPublicKey OIDs (else implied by
   * signAlgo); `signAlgoParams` DER RSASSA-PSS-params for RSASSA-PSS.
   * @throws {@link CscError} 400 invalid_request for a SAD that is invalid, expired, used up or
   * does not cover a hash ("Hash is not authorized by the SAD"), or for parameters that do not fit
   * the key; 401 invalid_token; 429 when rate-limited.
   */
  async signHash(input: {
    credentialID: string;
    hashes: (Uint8Array | string)[];
    signAlgo: string;
    hashAlgorithmOID?: string;
    signAlgoParams?: Uint8Array;
    SAD?: string;
    credentialToken?: string;
  }): Promise<Uint8Array[]> {
    const r = await this.call<{ signatures: string[] }>(
      'signatures/signHash',
      {
        credentialID: input.credentialID,
        hashes: input.hashes.map(hashB64),
        signAlgo: input.signAlgo,
        ...(input.hashAlgorithmOID ? { hashAlgorithmOID: input.hashAlgorithmOID } : {}),
        ...(input.signAlgoParams ? { signAlgoParams: toBase64(input.signAlgoParams) } : {}),
        ...(input.SAD ? { SAD: input.SAD } : {}),
      },
      input.credentialToken,
    );
    return r.body.signatures.map(fromBase64);
  }

  /**
   * kyso extension (signatures/prepareDoc): the server prepares PDFs and returns the digests to
   * authorise. For `documents` signing (PAdES P, or XAdES X): the server adds the signature
   * placeholder (and `appearance`) and keeps the prepared document for 15 minutes (deleted once
   * signed); get the returned digests authorised, then call {@link CscClient.signDoc} with the
   * same documents. Each call prepares anew (a new digest). Bodies are limited by the server's
   * Config.documentLimitBytes (413).
   */
  async prepareDoc(input: {
    credentialID: string;
    documents: ({ document: Uint8Array; appearance?: VisibleAppearance } & PdfSignOptions)[];
  }): Promise<{ documentDigests: { hash: string; label?: string }[]; hashAlgorithmOID: string }> {
    return (
      await this.call<{ documentDigests: { hash: string; label?: string }[]; hashAlgorithmOID: string }>(
        'signatures/prepareDoc',
        {
          credentialID: input.credentialID,
          documents: input.documents.map(({ appearance, ...d }) => ({
            ...d,
            document: toBase64(d.document),
            signature_format: d.signature_format ?? 'P',
            ...(appearance
              ? {
                  appearance: {
                    ...appearance,
                    ...(appearance.image ? { image: toBase64(appearance.image) } : {}),
                  },
                }
              : {}),
          })),
        },
      )
    ).body;
  }

  /**
   * CSC v2 signatures/signDoc: `documents` (PDF in, signed PDF out) or `documentDigests` (CMS out).
   * `documents` must have been prepared with {@link CscClient.prepareDoc} (same bytes) and their
   * digests authorised by `SAD` or `credentialToken`; the answer's DocumentWithSignature holds the
   * signed files in order. With `documentDigests` (a ByteRange digest computed with pdf-sign's
   * preparePdfSignature) the answer's SignatureObject holds the CMS to embed.
   *
   * @throws {@link CscError} 403 invalid_hash when a document does not match the authorised hash;
   * 400 invalid_request for unprepared documents, a spent SAD or bad options; 413 when too large.
   */
  async signDoc(input: {
    credentialID: string;
    SAD?: string;
    credentialToken?: string;
    documents?: ({ document: Uint8Array } & PdfSignOptions)[];
    documentDigests?: ({ hashes: (Uint8Array | string)[]; hashAlgorithmOID?: string } & PdfSignOptions)[];
    returnValidationInfo?: boolean;
  }): Promise<SignDocResponse> {
    return (
      await this.call<SignDocResponse>(
        'signatures/signDoc',
        {
          credentialID: input.credentialID,
          ...(input.SAD ? { SAD: input.SAD } : {}),
          ...(input.documents
            ? {
                documents: input.documents.map((d) => ({
                  ...d,
                  document: toBase64(d.document),
                  signature_format: d.signature_format ?? 'P',
                })),
              }
            : {}),
          ...(input.documentDigests
            ? {
                documentDigests: input.documentDigests.map((d) => ({
                  ...d,
                  hashes: d.hashes.map(hashB64),
                  hashAlgorithmOID: d.hashAlgorithmOID ?? SHA256_OID,
                  signature_format: d.signature_format ?? 'P',
                })),
              }
            : {}),
          ...(input.returnValidationInfo ? { returnValidationInfo: true } : {}),
        },
        input.credentialToken,
      )
    ).body;
  }
}
