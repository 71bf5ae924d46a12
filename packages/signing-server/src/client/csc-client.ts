/**
 * A typed CSC API v2 client for relying parties (agencies), kyso flavour. Runs in Node 20+ and
 * in browsers: `fetch` and WebCrypto only, no server modules, no Buffer.
 *
 *   const csc = new CscClient({ baseUrl, clientId, clientSecret });
 *   const { url, codeVerifier } = await csc.authorizationUrl({ redirectUri, credentialID, documentDigests });
 *   // ... the citizen approves on the server's page, the browser comes back with ?code=
 *   const { access_token } = await csc.exchangeCode({ code, codeVerifier, redirectUri });
 */

export const SHA256_OID = '2.16.840.1.101.3.4.2.1';
export const HASH_OIDS = {
  'SHA-256': '2.16.840.1.101.3.4.2.1',
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
} as const;
export type CscHash = keyof typeof HASH_OIDS;

/** A CSC error body with its HTTP status. */
export class CscError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${status} ${error}: ${description}`);
    this.name = 'CscError';
  }
}

export function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}
export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
const toBase64Url = (b: Uint8Array) => toBase64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const hashB64 = (h: Uint8Array | string) => (typeof h === 'string' ? h : toBase64(h));

export async function digest(hash: CscHash, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest(hash, data as Uint8Array<ArrayBuffer>));
}

/** RFC 7636 S256 pair. */
export async function pkcePair(): Promise<{ codeVerifier: string; codeChallenge: string }> {
  const codeVerifier = toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  const codeChallenge = toBase64Url(await digest('SHA-256', new TextEncoder().encode(codeVerifier)));
  return { codeVerifier, codeChallenge };
}

export interface CscClientOptions {
  /** Server base URL, e.g. https://ky.so.gov.vn (the client adds /csc/v2). */
  baseUrl: string;
  clientId?: string;
  clientSecret?: string;
  /** A service token obtained elsewhere (else client credentials are used). */
  accessToken?: string;
  fetch?: typeof fetch;
}

export interface DocumentDigest {
  hash: Uint8Array | string;
  label?: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  credentialID?: string;
  authorization_details?: unknown[];
}

export interface CredentialInfo {
  description?: string;
  key: { status: string; algo: string[]; len: number; curve?: string };
  cert: {
    status: string;
    certificates: string[];
    subjectDN?: string;
    issuerDN?: string;
    serialNumber?: string;
    validFrom?: string;
    validTo?: string;
  };
  auth: { mode: string; expression: string; objects: unknown[] };
  SCAL: string;
  multisign: number;
}

export type ConformanceLevel = 'Ades-B-B' | 'Ades-B-T' | 'Ades-B-LT' | 'Ades-B-LTA';

export interface PdfSignOptions {
  /** P: PAdES (default); X: XAdES (documents through prepareDoc; XML in, signed XML out). */
  signature_format?: 'P' | 'X';
  conformance_level?: ConformanceLevel;
  signAlgo?: string;
  /** P: Certification or Revision; X: Enveloped (default) or Enveloping. */
  signed_envelope_property?: 'Certification' | 'Revision' | 'Enveloped' | 'Enveloping';
  reason?: string;
  location?: string;
  fieldName?: string;
  label?: string;
}

/**
 * kyso extension of prepareDoc: a visible signature (Decree 30/2020). `page` is 0-based, `rect`
 * is [x1, y1, x2, y2] in PDF points; `image` is a PNG (person: handwritten signature, optional;
 * seal: the seal, required), at most 256 KiB and 4096 pixels a side.
 */
export interface VisibleAppearance {
  kind: 'person' | 'seal' | 'stamp';
  page?: number;
  rect?: [number, number, number, number];
  /** person: title lines, e.g. ['KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC']. */
  title?: string[];
  /** person: the signer's name (default: the certificate CN). */
  name?: string;
  image?: Uint8Array;
  /** seal: real diameter in mm (default: the PNG's pHYs, else 36 mm). */
  sealSizeMm?: number;
  /** stamp: agency, document number, electronic copy. */
  agency?: string;
  documentNumber?: string;
  copy?: boolean;
}

export interface SignDocResponse {
  DocumentWithSignature?: string[];
  SignatureObject?: string[];
  validationInfo?: { ocsp: string[]; crl: string[]; certificates: string[] };
}

export class CscClient {
  readonly baseUrl: string;
  #token: { value: string; until: number } | undefined;
  readonly #fetch: typeof fetch;

  constructor(readonly options: CscClientOptions) {
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

  /** POST JSON to /csc/v2/<path> with the service token (or `bearer`). */
  async call<T>(path: string, body: unknown, bearer?: string): Promise<{ status: number; body: T }> {
    const tok = bearer ?? (path === 'info' ? undefined : await this.serviceToken());
    const res = await this.#fetch(`${this.baseUrl}/csc/v2/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) },
      body: JSON.stringify(body ?? {}),
    });
    return { status: res.status, body: await this.#json<T>(res) };
  }

  async info(): Promise<Record<string, unknown>> {
    return (await this.call<Record<string, unknown>>('info', {})).body;
  }

  /** client_credentials token, cached until shortly before it expires. */
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

  async listCredentials(): Promise<string[]> {
    return (await this.call<{ credentialIDs: string[] }>('credentials/list', {})).body.credentialIDs;
  }

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

  /** Explicit authorisation (PIN + OTP relayed; SCAL2 hashes bound). */
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

  /** One poll: `{pending: true}` while the subscriber has not decided. Refusal/expiry throw CscError. */
  async authorizeCheck(
    handle: string,
  ): Promise<{ pending: true } | { pending: false; SAD: string; expiresIn: number }> {
    const r = await this.call<{ SAD?: string; expiresIn?: number }>('credentials/authorizeCheck', { handle });
    if (r.status === 202) return { pending: true };
    return { pending: false, SAD: r.body.SAD!, expiresIn: r.body.expiresIn ?? 0 };
  }

  /** Polls until approved (returns the SAD), refused or expired (throws CscError). */
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

  /** The URL of the server's authorisation page (OAuth2 code + PKCE S256, RAR documentDigests). */
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

  /** authorization_code grant: a credential-scoped token that stands in for the SAD. */
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

  async revoke(token: string): Promise<void> {
    await this.#form('oauth2/revoke', {
      token,
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
    });
  }

  /** signHash with a SAD, or with a credential-scoped token (`credentialToken`, no SAD). */
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

  /** kyso extension: the server prepares PDFs and returns the digests to authorise. */
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

  /** signDoc: `documents` (PDF in, signed PDF out) or `documentDigests` (CMS out). */
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
