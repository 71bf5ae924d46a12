/**
 * Server-collected authorisation (CSC v2 SCAL2 done the way TS 119 432 wants it: the factors are
 * typed on the provider's own page, never relayed by the signature application):
 *
 * - OAuth2 authorization code + PKCE (S256 only): `oauth2/authorize` (GET renders the page, POST
 *   is the subscriber's decision), `oauth2/token` with grant_type=authorization_code returning a
 *   credential-scoped token that *is* a SAD row (`sads.via = 'oauth2code'`, same atomic
 *   consumption in signHash), `oauth2/revoke`.
 * - Asynchronous approval (SmartCA / MySign way): `credentials/authorize` answers 202 {handle};
 *   the subscriber signs in on /approve with the PIN, sees exactly what will be signed and
 *   approves with a TOTP code (or refuses); `credentials/authorizeCheck` polls.
 *
 * Codes, handles, CSRF tokens and sessions are random 256-bit values stored as SHA-256. Every
 * step is audited.
 */
import crypto from 'node:crypto';
import { verify as argonVerify } from '@node-rs/argon2';
import { Name } from '@kyso/pki-core';
import { appendAudit } from '../audit.js';
import { authPolicy, credentialHolder, setAuthPolicy } from '../db/credentials.js';
import { credentialTokenClient, issueSad, revokeSad, voidSad } from '../db/sads.js';
import type { Queryable } from '../db/db.js';
import type { CaService } from './ca.js';
import { ApiError, type Ctx, b64, badRequest, fromB64, newId, randomSecret, sha256 } from './common.js';
import { type CscService, HASH_OID_BY_NAME, hashAlgFromOid } from './csc.js';
import { checkFactors, type FactorOutcome } from './factors.js';
import { approvalChallenge, type Factors, PasskeyService } from './passkeys.js';
import { errorDescription, type Lang } from './refusals.js';
import { hashPin, normalizePhone } from './admin.js';

const dummyHashes = new WeakMap<Ctx, Promise<string>>();
/** An Argon2id hash of a random PIN with the configured parameters (verified for unknown identifiers). */
function dummyPinHash(ctx: Ctx): Promise<string> {
  const known = dummyHashes.get(ctx);
  if (known) return known;
  const h = hashPin(ctx, randomSecret());
  dummyHashes.set(ctx, h);
  return h;
}
import { rateLimit } from './ratelimit.js';
import { HASH_LEN, timingSafeEqual } from '@kyso/pki-core';

/** Lifetime of a pending request (async approval and the authorisation page): 5 minutes. */
export const DEFAULT_APPROVAL_SECONDS = 300;
/** Lifetime of an authorization code (RFC 6749 §4.1.2 recommends at most 10 minutes). */
export const AUTH_CODE_SECONDS = 60;
/** Lifetime of a subscriber session on the approval page. */
export const SESSION_SECONDS = 600;
/** Most documents listed in one authorisation (what a person can meaningfully review). */
export const MAX_DOCUMENTS_PER_AUTHORIZATION = 100;

export interface DocumentDigest {
  hash: string;
  label?: string;
}

export interface AuthRequestView {
  id: string;
  kind: 'oauth2code' | 'async';
  clientName: string;
  credentialId: string;
  credentialDescription?: string;
  subscriberName: string;
  certificate?: {
    subjectDN: string;
    issuerDN: string;
    serialNumber: string;
    validFrom: string;
    validTo: string;
    /** What the page shows: the holder's name (CN), her CCCD (UID=CCCD:...), the issuer's name. */
    holderName?: string;
    cccd?: string;
    organization?: string;
    issuerName?: string;
  };
  hashAlgorithm: string;
  documents: { hash: string; hex: string; label?: string }[];
  numSignatures: number;
  description?: string;
  expiresAt: Date;
  /** Origin of the redirect URI (authorisation page: allowed in CSP form-action). */
  redirectOrigin?: string;
  /** The factors that approve it (the credential's policy). */
  factors: Factors;
  /** With a passkey factor: WebAuthn request options whose challenge binds what is approved. */
  passkeyOptions?: Record<string, unknown>;
}

interface RequestRow {
  id: string;
  kind: 'oauth2code' | 'async';
  client_id: string;
  credential_id: string;
  subscriber_id: string;
  hash_alg: string;
  hashes: string[];
  labels: string[];
  num_signatures: number;
  description: string | null;
  redirect_uri: string | null;
  state: string | null;
  code_challenge: string | null;
  csrf_hash: Uint8Array | null;
  passkey_nonce: Uint8Array | null;
  status: string;
  expires_at: Date | string;
  expired: boolean;
  closed_reason: string | null;
}

/** Thrown for a bad authorisation request that can be reported to the client's redirect URI. */
export class RedirectableError extends Error {
  constructor(
    readonly redirectUri: string,
    readonly state: string | undefined,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

export function redirectWith(uri: string, params: Record<string, string | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

function decodeDigests(
  docs: DocumentDigest[],
  alg: ReturnType<typeof hashAlgFromOid>,
  max: number,
): { canon: string[]; labels: string[] } {
  if (docs.length === 0) throw badRequest('hashes must not be empty');
  if (docs.length > max) throw badRequest(`at most ${max} hashes per authorisation`);
  const canon: string[] = [];
  const labels: string[] = [];
  for (const d of docs) {
    // Accept base64url too (hashes travel in query strings).
    const std = typeof d.hash === 'string' ? d.hash.replace(/-/g, '+').replace(/_/g, '/') : '';
    const b = fromB64(std.length % 4 ? std.padEnd(std.length + 4 - (std.length % 4), '=') : std);
    if (!b || b.length !== HASH_LEN[alg]) throw badRequest(`every hash must be a base64 ${alg} digest`);
    canon.push(b64(b));
    const label = typeof d.label === 'string' ? d.label.slice(0, 200) : '';
    labels.push(label);
  }
  if (new Set(canon).size !== canon.length) throw badRequest('duplicate hash in request');
  return { canon, labels };
}

/** Name, CCCD, organisation and issuer name out of the certificate's DNs (never shown raw). */
function certificateSummary(c: { subjectDN: string; issuerDN: string }) {
  const out: { holderName?: string; cccd?: string; organization?: string; issuerName?: string } = {};
  try {
    const sub = Name.parse(c.subjectDN);
    out.holderName = sub.commonName;
    out.cccd = sub.vnIdentifiers.find((i) => i.prefix === 'CCCD')?.value;
    out.organization = sub.get('O')[0];
  } catch {
    // unparsable: the page shows what it has
  }
  try {
    const iss = Name.parse(c.issuerDN);
    out.issuerName = iss.get('O')[0] ?? iss.commonName;
  } catch {
    // idem
  }
  return out;
}

const S256 = (verifier: string) => crypto.createHash('sha256').update(verifier).digest('base64url');

export class AuthzService {
  readonly passkeys: PasskeyService;
  constructor(
    readonly ctx: Ctx,
    readonly ca: CaService,
    readonly csc: CscService,
  ) {
    this.passkeys = new PasskeyService(ctx);
  }

  get approvalSeconds(): number {
    return this.ctx.config.approvalLifetimeSeconds ?? DEFAULT_APPROVAL_SECONDS;
  }

  // --- clients -------------------------------------------------------------------------------

  /** Client authentication (secret compared in constant time, unknown ids like wrong secrets). */
  async setRedirectUris(actor: string, clientId: string, uris: string[]): Promise<void> {
    for (const u of uris) {
      let url: URL;
      try {
        url = new URL(u);
      } catch {
        throw badRequest(`redirect URI is not an absolute URL: ${u.slice(0, 100)}`);
      }
      const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
        throw badRequest('redirect URIs must use https (http only for loopback)');
      if (url.hash) throw badRequest('redirect URIs must not have a fragment');
    }
    await this.ctx.db.tx(async (q) => {
      const r = await q.query('UPDATE clients SET redirect_uris = $2 WHERE id = $1 RETURNING id', [
        clientId,
        uris,
      ]);
      if (r.rows.length === 0) throw new ApiError(404, 'invalid_request', 'no such client');
      await appendAudit(q, { actor, action: 'client.redirect_uris', subject: clientId, details: { uris } });
    });
  }

  async setAuthPolicy(actor: string, credentialId: string, policy: 'explicit' | 'async'): Promise<void> {
    await this.ctx.db.tx(async (q) => {
      if (!(await setAuthPolicy(q, credentialId, policy)))
        throw new ApiError(404, 'invalid_request', 'no such credential');
      await appendAudit(q, {
        actor,
        action: 'credential.auth_policy',
        subject: credentialId,
        details: { policy },
      });
    });
  }

  async credentialPolicy(credentialId: unknown): Promise<string | undefined> {
    if (typeof credentialId !== 'string' || credentialId.length > 100) return undefined;
    return authPolicy(this.ctx.db, credentialId);
  }

  // --- shared: a pending request ---------------------------------------------------------------

  /** Checks grant and usability, then records a pending request. */
  async #createRequest(
    kind: 'oauth2code' | 'async',
    clientId: string,
    input: {
      credentialID: string;
      hashAlgorithmOID?: string;
      documents: DocumentDigest[];
      numSignatures?: number;
      description?: string;
    },
    extra: {
      redirectUri?: string;
      state?: string;
      codeChallenge?: string;
      csrfHash?: Uint8Array;
      handleHash?: Uint8Array;
    },
  ): Promise<string> {
    // Grant check + certificate and key status through the CSC service (same rules as listing).
    const info = (await this.csc.info(clientId, input.credentialID, { certificates: 'none' })) as unknown as {
      key: { status: string };
      cert: { status: string };
    };
    if (info.key.status !== 'enabled') throw badRequest('the credential is disabled');
    if (info.cert.status !== 'valid') throw badRequest(`Signing certificate is ${info.cert.status}`);
    const alg = hashAlgFromOid(input.hashAlgorithmOID);
    const { canon, labels } = decodeDigests(
      input.documents,
      alg,
      Math.min(MAX_DOCUMENTS_PER_AUTHORIZATION, this.ctx.config.maxHashesPerRequest),
    );
    const n = input.numSignatures ?? canon.length;
    if (n !== canon.length) throw badRequest('numSignatures must equal the number of hashes');
    const cred = (await credentialHolder(this.ctx.db, input.credentialID))!;
    if (n > cred.multisign) throw badRequest('numSignatures exceeds the credential multisign limit');
    if (cred.locked)
      throw badRequest(
        'the credential is locked after repeated authentication failures; ask the operator to unlock it',
      );
    if (input.description !== undefined && input.description.length > 500)
      throw badRequest('description is too long');
    const id = newId('ar');
    await this.ctx.db.tx(async (q) => {
      await q.query(
        `INSERT INTO auth_requests (id, kind, handle_hash, client_id, credential_id, subscriber_id, hash_alg, hashes, labels,
         num_signatures, description, redirect_uri, state, code_challenge, csrf_hash, expires_at, passkey_nonce)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $18::timestamptz + make_interval(secs => $16), $17)`,
        [
          id,
          kind,
          extra.handleHash ?? null,
          clientId,
          input.credentialID,
          cred.subscriber_id,
          alg,
          canon,
          labels,
          n,
          input.description ?? null,
          extra.redirectUri ?? null,
          extra.state ?? null,
          extra.codeChallenge ?? null,
          extra.csrfHash ?? null,
          this.approvalSeconds,
          crypto.randomBytes(32),
          this.ctx.clock.now().toISOString(),
        ],
      );
      await appendAudit(q, {
        actor: `client:${clientId}`,
        action: `${kind === 'async' ? 'approval' : 'oauth2.authorize'}.request`,
        subject: input.credentialID,
        details: {
          request: id,
          subscriber: cred.subscriber_id,
          hashAlgorithm: alg,
          hashes: canon,
          labels,
          numSignatures: n,
          description: input.description ?? null,
          ...(extra.redirectUri ? { redirectUri: extra.redirectUri } : {}),
        },
      });
    });
    return id;
  }

  async #row(q: Queryable, where: string, params: unknown[]): Promise<RequestRow | undefined> {
    const r = await q.query<RequestRow>(
      `SELECT *, expires_at <= $${params.length + 1}::timestamptz AS expired FROM auth_requests WHERE ${where}`,
      [...params, this.ctx.clock.now().toISOString()],
    );
    return r.rows[0];
  }

  /** What the subscriber is shown: who asks, what will be signed, with which credential. */
  async view(id: string): Promise<AuthRequestView | undefined> {
    const row = await this.#row(this.ctx.db, 'id = $1', [id]);
    if (!row) return undefined;
    const client = (
      await this.ctx.db.query<{ name: string }>('SELECT name FROM clients WHERE id = $1', [row.client_id])
    ).rows[0];
    const sub = (
      await this.ctx.db.query<{ name: string }>('SELECT name FROM subscribers WHERE id = $1', [
        row.subscriber_id,
      ])
    ).rows[0];
    let certificate: AuthRequestView['certificate'];
    let credentialDescription: string | undefined;
    try {
      const info = (await this.csc.info(row.client_id, row.credential_id, {
        certificates: 'none',
        certInfo: true,
      })) as unknown as { description?: string; cert: AuthRequestView['certificate'] };
      certificate = info.cert ? { ...info.cert, ...certificateSummary(info.cert) } : undefined;
      credentialDescription = info.description;
    } catch {
      // grant withdrawn meanwhile: shown without certificate; the decision will fail anyway
    }
    return {
      id: row.id,
      kind: row.kind,
      clientName: client?.name ?? row.client_id,
      credentialId: row.credential_id,
      credentialDescription,
      subscriberName: sub?.name ?? '',
      certificate,
      hashAlgorithm: row.hash_alg,
      documents: row.hashes.map((h, i) => ({
        hash: h,
        hex: Buffer.from(h, 'base64').toString('hex'),
        label: row.labels[i] || undefined,
      })),
      numSignatures: row.num_signatures,
      description: row.description ?? undefined,
      expiresAt: new Date(row.expires_at),
      ...(row.redirect_uri ? { redirectOrigin: new URL(row.redirect_uri).origin } : {}),
      ...(await this.#passkeyView(row)),
    };
  }

  /** The WebAuthn challenge of a request: the digest of what it approves and its nonce. */
  async #challenge(row: RequestRow): Promise<string> {
    let nonce = row.passkey_nonce;
    if (!nonce) {
      // Rows created before migration 030: a nonce is given once, on first use.
      const r = await this.ctx.db.query<{ passkey_nonce: Uint8Array }>(
        'UPDATE auth_requests SET passkey_nonce = COALESCE(passkey_nonce, $2) WHERE id = $1 RETURNING passkey_nonce',
        [row.id, crypto.randomBytes(32)],
      );
      nonce = r.rows[0]!.passkey_nonce;
    }
    return approvalChallenge({
      credentialId: row.credential_id,
      hashAlgorithm: row.hash_alg,
      hashes: row.hashes,
      numSignatures: row.num_signatures,
      clientId: row.client_id,
      nonce,
    });
  }

  async #passkeyView(row: RequestRow): Promise<Pick<AuthRequestView, 'factors' | 'passkeyOptions'>> {
    const factors = await this.passkeys.factorsOf(row.credential_id);
    if (factors === 'pin+otp') return { factors };
    return {
      factors,
      passkeyOptions: await this.passkeys.requestOptions(row.subscriber_id, await this.#challenge(row)),
    };
  }

  /** An assertion posted for a request that is no longer pending: refused and audited (replay). */
  async #refuseLateAssertion(row: RequestRow | undefined, assertion: string | undefined): Promise<void> {
    if (!row || !assertion) return;
    await this.ctx.db.tx((q) =>
      appendAudit(q, {
        actor: `subscriber:${row.subscriber_id}`,
        action: row.kind === 'async' ? 'approval.approve.refused' : 'oauth2.authorize.refused',
        subject: row.credential_id,
        details: {
          request: row.id,
          factor: 'passkey',
          reason: `assertion for a request that is ${row.expired && row.status === 'pending' ? 'expired' : row.status} (replayed or late)`,
          assertion: assertion.slice(0, 4096),
        },
      }),
    );
  }

  // --- OAuth2 authorization code ---------------------------------------------------------------

  /**
   * Validates `oauth2/authorize` parameters. Problems with client_id or redirect_uri are shown
   * on the page (never redirected, RFC 6749 §4.1.2.1); others are redirected with error=...
   */
  async startAuthorization(p: Record<string, string | undefined>): Promise<{ id: string; csrf: string }> {
    const clientId = p.client_id ?? '';
    const client = (
      await this.ctx.db.query<{ redirect_uris: string[]; disabled: boolean }>(
        'SELECT redirect_uris, disabled FROM clients WHERE id = $1',
        [clientId.slice(0, 100)],
      )
    ).rows[0];
    if (!client || client.disabled) throw badRequest('unknown client_id');
    const redirectUri = p.redirect_uri ?? '';
    if (!client.redirect_uris.includes(redirectUri))
      throw badRequest('redirect_uri is not registered for this client');
    await rateLimit(
      this.ctx.db,
      `client:${clientId}`,
      this.ctx.config.rateLimit.perClientPerMinute,
      this.ctx.clock.now().getTime(),
    );
    const state = p.state;
    const fail = (error: string, d: string) => new RedirectableError(redirectUri, state, error, d);
    if (state !== undefined && state.length > 500) throw fail('invalid_request', 'state is too long');
    if (p.response_type !== 'code') throw fail('unsupported_response_type', 'response_type must be code');
    if (p.scope !== 'credential') throw fail('invalid_scope', 'scope must be credential');
    if (!p.code_challenge || !/^[A-Za-z0-9_-]{43,128}$/.test(p.code_challenge))
      throw fail('invalid_request', 'code_challenge (PKCE) is required');
    if (p.code_challenge_method !== 'S256')
      throw fail('invalid_request', 'code_challenge_method must be S256');

    let credentialID = p.credentialID;
    let hashAlgorithmOID = p.hashAlgorithmOID;
    let documents: DocumentDigest[] = [];
    if (p.authorization_details) {
      let details: unknown;
      try {
        details = JSON.parse(p.authorization_details);
      } catch {
        throw fail('invalid_request', 'authorization_details is not JSON');
      }
      const list = Array.isArray(details) ? details : [details];
      if (list.length !== 1)
        throw fail('invalid_request', 'exactly one authorization_details entry is supported');
      const d = list[0] as {
        type?: string;
        credentialID?: string;
        hashAlgorithmOID?: string;
        documentDigests?: { hash?: unknown; label?: unknown }[];
      };
      if (d?.type !== 'credential')
        throw fail('invalid_request', 'authorization_details type must be credential');
      if (!Array.isArray(d.documentDigests)) throw fail('invalid_request', 'documentDigests are required');
      credentialID = d.credentialID ?? credentialID;
      hashAlgorithmOID = d.hashAlgorithmOID ?? hashAlgorithmOID;
      documents = d.documentDigests.map((x) => ({
        hash: typeof x?.hash === 'string' ? x.hash : '',
        label: typeof x?.label === 'string' ? x.label : undefined,
      }));
    } else {
      const hashes = (p.hashes ?? '').split(',').filter((h) => h !== '');
      const labels = p.labels !== undefined ? p.labels.split(',') : [];
      documents = hashes.map((hash, i) => ({
        hash,
        label: labels[i] ? decodeURIComponent(labels[i]!) : undefined,
      }));
    }
    if (!credentialID) throw fail('invalid_request', 'credentialID is required');
    if (documents.length === 0) throw fail('invalid_request', 'hashes are required for SCAL2 credentials');
    const numSignatures = p.numSignatures !== undefined ? Number(p.numSignatures) : undefined;
    if (numSignatures !== undefined && !Number.isInteger(numSignatures))
      throw fail('invalid_request', 'numSignatures must be an integer');

    const csrf = randomSecret();
    try {
      const id = await this.#createRequest(
        'oauth2code',
        clientId,
        { credentialID, hashAlgorithmOID, documents, numSignatures, description: p.description },
        { redirectUri, state, codeChallenge: p.code_challenge, csrfHash: sha256(csrf) },
      );
      return { id, csrf };
    } catch (e) {
      if (e instanceof ApiError) throw fail(e.error, e.message);
      throw e;
    }
  }

  /**
   * The subscriber's decision on the authorisation page. Returns where to redirect, or an
   * outcome to show on the page again (wrong factor, attempts left).
   */
  async decideAuthorization(input: {
    id: string;
    csrfForm: string | undefined;
    csrfCookie: string | undefined;
    decision: string | undefined;
    pin?: string;
    otp?: string;
    /** WebAuthn assertion (JSON) when the credential's factors include a passkey. */
    assertion?: string;
    /** The language of the page: the error_description sent back to the agency is in it. */
    lang?: Lang;
  }): Promise<
    | { redirect: string }
    | { outcome: Exclude<FactorOutcome, 'ok'>; attemptsLeft?: number }
    | { page: 'locked' | 'expired'; back: string }
  > {
    const lang = input.lang ?? 'vi';
    const row = await this.#row(this.ctx.db, 'id = $1 AND kind = $2', [input.id, 'oauth2code']);
    if (!row || !row.csrf_hash) throw new ApiError(400, 'invalid_request', 'unknown authorisation request');
    const formTok = input.csrfForm ?? '';
    if (
      !input.csrfCookie ||
      formTok.length === 0 ||
      !timingSafeEqual(sha256(formTok), sha256(input.csrfCookie)) ||
      !timingSafeEqual(sha256(formTok), row.csrf_hash)
    ) {
      await this.ctx.db.tx((q) =>
        appendAudit(q, {
          actor: 'browser',
          action: 'oauth2.authorize.csrf_refused',
          subject: row.credential_id,
          details: { request: row.id },
        }),
      );
      throw new ApiError(403, 'access_denied', 'missing or invalid CSRF token');
    }
    if (row.status !== 'pending') {
      await this.#refuseLateAssertion(row, input.assertion);
      throw new ApiError(400, 'invalid_request', 'this request was already decided');
    }
    const redirectUri = row.redirect_uri!;
    const state = row.state ?? undefined;
    if (row.expired) {
      await this.#close(row, 'denied', 'expired');
      return { page: 'expired', back: this.backLink(row, lang, 'expired') };
    }
    if (input.decision !== 'approve') {
      await this.#close(row, 'denied', 'refused');
      return {
        redirect: redirectWith(redirectUri, {
          error: 'access_denied',
          error_description: errorDescription('refused', lang),
          state,
        }),
      };
    }
    const code = randomSecret();
    const factors = await this.passkeys.factorsOf(row.credential_id);
    const challenge = factors === 'pin+otp' ? '' : await this.#challenge(row);
    const r = await checkFactors(this.ctx, {
      subscriberId: row.subscriber_id,
      pin: factors === 'passkey' ? undefined : (input.pin ?? ''),
      otp: factors === 'pin+otp' ? (input.otp ?? '') : undefined,
      ...(factors === 'pin+otp'
        ? {}
        : {
            passkey: () => this.passkeys.verifyAssertion(row.subscriber_id, challenge, input.assertion),
          }),
      actor: `subscriber:${row.subscriber_id}`,
      subject: row.credential_id,
      action: 'oauth2.authorize',
      details: {
        request: row.id,
        client: row.client_id,
        hashAlgorithm: row.hash_alg,
        hashes: row.hashes,
        numSignatures: row.num_signatures,
      },
      onSuccess: async (q) => {
        const u = await q.query(
          `UPDATE auth_requests SET status = 'approved', decided_at = $4::timestamptz, code_hash = $2,
             code_expires_at = $4::timestamptz + make_interval(secs => $3)
           WHERE id = $1 AND status = 'pending' AND expires_at > $4::timestamptz RETURNING id`,
          [row.id, sha256(code), AUTH_CODE_SECONDS, this.ctx.clock.now().toISOString()],
        );
        if (u.rows.length !== 1)
          throw new ApiError(400, 'invalid_request', 'this request was already decided');
        return true;
      },
    });
    if (r.outcome !== 'ok') {
      if (r.outcome === 'locked') {
        await this.#close(row, 'denied', 'locked');
        return { page: 'locked', back: this.backLink(row, lang, 'locked') };
      }
      return {
        outcome: r.outcome,
        ...(r.attemptsLeft !== undefined ? { attemptsLeft: r.attemptsLeft } : {}),
      };
    }
    return { redirect: redirectWith(redirectUri, { code, state }) };
  }

  /**
   * Where the "back to the agency" link of a closed request points: its redirect URI with
   * error=access_denied, the reason in the page's language and the state (RFC 6749 §4.1.2.1).
   */
  backLink(
    row: { redirect_uri: string | null; state: string | null },
    lang: Lang,
    reason: 'locked' | 'expired' | 'refused',
  ): string {
    return redirectWith(row.redirect_uri!, {
      error: 'access_denied',
      error_description: errorDescription(reason, lang),
      state: row.state ?? undefined,
    });
  }

  /**
   * The state of an authorisation-page request for the browser that holds its CSRF cookie (the
   * page shown again, e.g. in the other language): pending with its view, or closed and why.
   */
  async authorizationState(
    id: string,
    csrfCookie: string | undefined,
    lang: Lang,
  ): Promise<
    | { state: 'pending'; view: AuthRequestView; csrf: string }
    | { state: 'locked' | 'expired' | 'refused' | 'decided'; back?: string; view?: AuthRequestView }
    | undefined
  > {
    const row = await this.#row(this.ctx.db, 'id = $1 AND kind = $2', [id, 'oauth2code']);
    if (!row || !row.csrf_hash || !csrfCookie || !timingSafeEqual(sha256(csrfCookie), row.csrf_hash))
      return undefined;
    const view = await this.view(id);
    if (row.status === 'pending' && !row.expired) return { state: 'pending', view: view!, csrf: csrfCookie };
    if (row.status === 'pending')
      return { state: 'expired', back: this.backLink(row, lang, 'expired'), view };
    if (row.status === 'denied') {
      const reason =
        row.closed_reason === 'locked' || row.closed_reason === 'expired' ? row.closed_reason : 'refused';
      return { state: reason, back: this.backLink(row, lang, reason), view };
    }
    return { state: 'decided' };
  }

  async #close(row: RequestRow, status: 'denied', reason: string): Promise<void> {
    await this.ctx.db.tx(async (q) => {
      const u = await q.query(
        `UPDATE auth_requests SET status = $2, decided_at = $4::timestamptz, closed_reason = $3 WHERE id = $1 AND status = 'pending' RETURNING id`,
        [row.id, status, reason, this.ctx.clock.now().toISOString()],
      );
      if (u.rows.length === 1)
        await appendAudit(q, {
          actor: reason === 'expired' ? 'system' : `subscriber:${row.subscriber_id}`,
          action: row.kind === 'async' ? 'approval.denied' : 'oauth2.authorize.denied',
          subject: row.credential_id,
          details: { request: row.id, reason },
        });
    });
  }

  /** grant_type=authorization_code: code (single use) + PKCE verifier + same redirect_uri. */
  async exchangeCode(
    clientId: string,
    input: { code?: string; code_verifier?: string; redirect_uri?: string },
  ): Promise<{
    access_token: string;
    token_type: 'Bearer';
    expires_in: number;
    credentialID: string;
    authorization_details: unknown[];
  }> {
    const code = input.code ?? '';
    if (!code || code.length > 200) throw new ApiError(400, 'invalid_grant', 'code is required');
    const token = randomSecret();
    const lifetime = this.ctx.config.sadLifetimeSeconds;
    const result = await this.ctx.db.tx(async (q) => {
      // Consume the code whatever happens next: a failed PKCE check burns it too.
      const r = await q.query<RequestRow & { code_ok: boolean }>(
        `UPDATE auth_requests SET status = 'delivered', token_hash = $3
         WHERE code_hash = $1 AND client_id = $2 AND status = 'approved'
         RETURNING *, code_expires_at > $4::timestamptz AS code_ok`,
        [sha256(code), clientId, sha256(token), this.ctx.clock.now().toISOString()],
      );
      const row = r.rows[0];
      if (!row) {
        // Replay of a delivered code: revoke the token issued from it (RFC 6749 §4.1.2).
        const used = await q.query<{ id: string; token_hash: Uint8Array | null; credential_id: string }>(
          `SELECT id, token_hash, credential_id FROM auth_requests WHERE code_hash = $1 AND status = 'delivered'`,
          [sha256(code)],
        );
        const u = used.rows[0];
        if (u?.token_hash) await voidSad(q, u.token_hash);
        await appendAudit(q, {
          actor: `client:${clientId}`,
          action: 'oauth2.token.refused',
          subject: u?.credential_id,
          details: { reason: u ? 'code replayed; token revoked' : 'unknown code', request: u?.id ?? null },
        });
        return { refused: u ? 'the authorization code was already used' : 'invalid authorization code' };
      }
      const verifierOk =
        typeof input.code_verifier === 'string' &&
        /^[A-Za-z0-9._~-]{43,128}$/.test(input.code_verifier) &&
        timingSafeEqual(Buffer.from(S256(input.code_verifier)), Buffer.from(row.code_challenge ?? ''));
      const reason = !row.code_ok
        ? 'code expired'
        : input.redirect_uri !== row.redirect_uri
          ? 'redirect_uri mismatch'
          : !verifierOk
            ? 'PKCE verification failed'
            : undefined;
      if (reason) {
        await appendAudit(q, {
          actor: `client:${clientId}`,
          action: 'oauth2.token.refused',
          subject: row.credential_id,
          details: { reason, request: row.id },
        });
        return { refused: reason };
      }
      await issueSad(q, {
        now: this.ctx.clock.now(),
        sadHash: sha256(token),
        clientId,
        credentialId: row.credential_id,
        hashAlg: row.hash_alg,
        hashes: row.hashes,
        remaining: row.num_signatures,
        lifetimeSeconds: lifetime,
        via: 'oauth2code',
      });
      await appendAudit(q, {
        actor: `client:${clientId}`,
        action: 'oauth2.token.issue',
        subject: row.credential_id,
        details: {
          request: row.id,
          subscriber: row.subscriber_id,
          hashAlgorithm: row.hash_alg,
          hashes: row.hashes,
          numSignatures: row.num_signatures,
        },
      });
      return { row };
    });
    if ('refused' in result) throw new ApiError(400, 'invalid_grant', result.refused ?? 'refused');
    const row = result.row;
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: lifetime,
      credentialID: row.credential_id,
      authorization_details: [
        {
          type: 'credential',
          credentialID: row.credential_id,
          hashAlgorithmOID: HASH_OID_BY_NAME[row.hash_alg],
          documentDigests: row.hashes.map((hash, i) => ({
            hash,
            ...(row.labels[i] ? { label: row.labels[i] } : {}),
          })),
        },
      ],
    };
  }

  /** RFC 7009: revokes a credential token (or any SAD) or a service token of this client. */
  async revoke(clientId: string, token: string | undefined): Promise<void> {
    const h = sha256(token ?? '');
    await this.ctx.db.tx(async (q) => {
      const credentialId = await revokeSad(q, h, clientId, this.ctx.clock.now());
      const a = await q.query(
        'DELETE FROM access_tokens WHERE token_hash = $1 AND client_id = $2 RETURNING client_id',
        [h, clientId],
      );
      await appendAudit(q, {
        actor: `client:${clientId}`,
        action: 'oauth2.revoke',
        subject: credentialId,
        details: { revoked: credentialId !== undefined || a.rows.length > 0 },
      });
    });
  }

  /**
   * A credential-scoped token from the code exchange, used as Bearer for signHash/signDoc.
   * Returns the client id when it is one (and still usable), else undefined.
   */
  async credentialToken(token: string | undefined): Promise<string | undefined> {
    if (!token || token.length > 200) return undefined;
    const clientId = await credentialTokenClient(this.ctx.db, sha256(token));
    if (clientId)
      await rateLimit(
        this.ctx.db,
        `client:${clientId}`,
        this.ctx.config.rateLimit.perClientPerMinute,
        this.ctx.clock.now().getTime(),
      );
    return clientId;
  }

  // --- asynchronous approval -----------------------------------------------------------------

  async startAsync(
    clientId: string,
    input: {
      credentialID: string;
      numSignatures: number;
      hashes?: string[];
      hashAlgorithmOID?: string;
      description?: string;
      documentDigests?: DocumentDigest[];
      /** kyso extension: a label per hash (the document names the page shows), in order. */
      labels?: string[];
    },
  ): Promise<{ handle: string; expiresIn: number }> {
    await rateLimit(
      this.ctx.db,
      `credential:${input.credentialID}`,
      this.ctx.config.rateLimit.perCredentialPerMinute,
      this.ctx.clock.now().getTime(),
    );
    if (input.labels && input.labels.length > (input.hashes ?? []).length)
      throw badRequest('labels must not outnumber hashes');
    const documents: DocumentDigest[] =
      input.documentDigests ??
      (input.hashes ?? []).map((hash, i) => ({
        hash,
        ...(input.labels?.[i] ? { label: input.labels[i] } : {}),
      }));
    if (documents.length === 0) throw badRequest('hashes are required for SCAL2 credentials');
    const handle = randomSecret();
    await this.#createRequest('async', clientId, { ...input, documents }, { handleHash: sha256(handle) });
    return { handle, expiresIn: this.approvalSeconds };
  }

  /** 202 {handle} while pending; {SAD} once approved (delivered once); refusal / expiry as errors. */
  async check(
    clientId: string,
    handle: string,
  ): Promise<
    { status: 202; body: { handle: string } } | { status: 200; body: { SAD: string; expiresIn: number } }
  > {
    const row = await this.#row(this.ctx.db, 'handle_hash = $1 AND client_id = $2', [
      sha256(handle ?? ''),
      clientId,
    ]);
    if (!row) throw badRequest('Invalid parameter handle');
    if (row.status === 'pending' && !row.expired) return { status: 202, body: { handle } };
    if (row.status === 'pending' && row.expired) await this.#close(row, 'denied', 'expired');
    if (row.status === 'denied' || row.status === 'pending') {
      if (row.expired && row.status === 'pending')
        throw new ApiError(400, 'expired_token', 'the authorisation request expired before approval');
      throw new ApiError(403, 'access_denied', 'the subscriber refused the authorisation');
    }
    if (row.status === 'delivered') throw badRequest('the SAD for this handle was already delivered');
    const sad = randomSecret();
    const lifetime = this.ctx.config.sadLifetimeSeconds;
    const ok = await this.ctx.db.tx(async (q) => {
      const u = await q.query(
        `UPDATE auth_requests SET status = 'delivered' WHERE id = $1 AND status = 'approved' AND expires_at > $2::timestamptz RETURNING id`,
        [row.id, this.ctx.clock.now().toISOString()],
      );
      if (u.rows.length !== 1) return false;
      await issueSad(q, {
        now: this.ctx.clock.now(),
        sadHash: sha256(sad),
        clientId,
        credentialId: row.credential_id,
        hashAlg: row.hash_alg,
        hashes: row.hashes,
        remaining: row.num_signatures,
        lifetimeSeconds: lifetime,
        via: 'async',
      });
      await appendAudit(q, {
        actor: `client:${clientId}`,
        action: 'approval.sad.issue',
        subject: row.credential_id,
        details: { request: row.id, hashes: row.hashes, numSignatures: row.num_signatures },
      });
      return true;
    });
    if (!ok) throw new ApiError(400, 'expired_token', 'the approved request expired before it was collected');
    return { status: 200, body: { SAD: sad, expiresIn: lifetime } };
  }

  // --- approval page sessions ------------------------------------------------------------------

  /**
   * Signs a subscriber in with her citizen ID (CCCD) or mobile number, as the operator registered
   * them, and her PIN (the first factor; counts toward the lockout). To an outsider a wrong
   * identifier, a wrong PIN and a locked subscriber answer alike (`signin`, no attempts left
   * shown) after the same work: the identifier is looked up, a PIN hash is always verified (a
   * dummy one for an unknown identifier) and a failure is audited in a transaction. Only the
   * right PIN of a locked subscriber is told `locked`.
   */
  async signIn(
    identifier: string,
    pin: string,
  ): Promise<{ session: string; csrf: string } | { outcome: 'signin' | 'locked' }> {
    const ident = identifier.replace(/[\s.\-()]/g, '').slice(0, 30);
    const cccd = /^\d{12}$/.test(ident) ? ident : undefined;
    const phone = cccd ? undefined : normalizePhone(ident);
    const sub = (
      await this.ctx.db.query<{ id: string; locked: boolean; pin_hash: string }>(
        'SELECT id, locked, pin_hash FROM subscribers WHERE (signin_cccd = $1 AND $1 IS NOT NULL) OR (signin_phone = $2 AND $2 IS NOT NULL)',
        [cccd ?? null, phone ?? null],
      )
    ).rows[0];
    if (!sub || sub.locked) {
      // Same work as a wrong PIN: one Argon2id verification (constant time inside), one audited
      // transaction. A locked subscriber who typed the right PIN is told so (she knows the PIN).
      const pinOk = await argonVerify(
        sub?.pin_hash ?? (await dummyPinHash(this.ctx)),
        pin.slice(0, 256),
      ).catch(() => false);
      await this.ctx.db.tx((q) =>
        appendAudit(q, {
          actor: sub ? `subscriber:${sub.id}` : 'browser',
          action: 'approval.signin.refused',
          ...(sub ? { subject: sub.id } : {}),
          details: {
            reason: sub ? 'locked' : 'unknown identifier',
            via: cccd ? 'cccd' : phone ? 'phone' : 'other',
          },
        }),
      );
      return { outcome: sub && pinOk ? 'locked' : 'signin' };
    }
    const id = sub.id;
    const session = randomSecret();
    const csrf = randomSecret();
    const r = await checkFactors(this.ctx, {
      subscriberId: id,
      pin,
      actor: `subscriber:${id}`,
      action: 'approval.signin',
      details: { via: cccd ? 'cccd' : 'phone' },
      onSuccess: async (q) => {
        await q.query(
          'INSERT INTO subscriber_sessions (token_hash, subscriber_id, csrf_hash, expires_at) VALUES ($1, $2, $3, $5::timestamptz + make_interval(secs => $4))',
          [sha256(session), id, sha256(csrf), SESSION_SECONDS, this.ctx.clock.now().toISOString()],
        );
        return true;
      },
    });
    // A failure that locks her reads like any other failure: the lock is told only to the right PIN.
    if (r.outcome !== 'ok') return { outcome: 'signin' };
    return { session, csrf };
  }

  /** Whether the subscriber is locked (the approval page shows the locked page then). */
  async isLocked(subscriberId: string): Promise<boolean> {
    const r = await this.ctx.db.query<{ locked: boolean }>('SELECT locked FROM subscribers WHERE id = $1', [
      subscriberId,
    ]);
    return r.rows[0]?.locked === true;
  }

  async session(
    token: string | undefined,
  ): Promise<{ subscriberId: string; csrfHash: Uint8Array } | undefined> {
    if (!token || token.length > 100) return undefined;
    const r = await this.ctx.db.query<{ subscriber_id: string; csrf_hash: Uint8Array }>(
      'SELECT subscriber_id, csrf_hash FROM subscriber_sessions WHERE token_hash = $1 AND expires_at > $2::timestamptz',
      [sha256(token), this.ctx.clock.now().toISOString()],
    );
    const row = r.rows[0];
    return row ? { subscriberId: row.subscriber_id, csrfHash: row.csrf_hash } : undefined;
  }

  async signOut(token: string | undefined): Promise<void> {
    await this.ctx.db.query('DELETE FROM subscriber_sessions WHERE token_hash = $1', [sha256(token ?? '')]);
  }

  /** Pending asynchronous requests of a subscriber, each listing exactly what will be signed. */
  async pending(subscriberId: string): Promise<AuthRequestView[]> {
    const r = await this.ctx.db.query<{ id: string }>(
      `SELECT id FROM auth_requests WHERE subscriber_id = $1 AND kind = 'async' AND status = 'pending' AND expires_at > $2::timestamptz
       ORDER BY created_at`,
      [subscriberId, this.ctx.clock.now().toISOString()],
    );
    const out: AuthRequestView[] = [];
    for (const { id } of r.rows) {
      const v = await this.view(id);
      if (v) out.push(v);
    }
    return out;
  }

  /** Approve (with the OTP, the second factor) or refuse a pending asynchronous request. */
  async decideAsync(
    subscriberId: string,
    requestId: string,
    decision: string | undefined,
    otp: string | undefined,
    assertion?: string,
  ): Promise<'approved' | 'denied' | { outcome: Exclude<FactorOutcome, 'ok'>; attemptsLeft?: number }> {
    const row = await this.#row(this.ctx.db, `id = $1 AND kind = 'async' AND subscriber_id = $2`, [
      requestId,
      subscriberId,
    ]);
    if (!row || row.status !== 'pending' || row.expired) {
      await this.#refuseLateAssertion(row, assertion);
      throw badRequest('this request is no longer pending');
    }
    if (decision !== 'approve') {
      await this.#close(row, 'denied', 'refused');
      return 'denied';
    }
    // The PIN was given at sign-in; the approval itself takes the OTP or, for a credential
    // approved with a passkey, an assertion whose challenge binds this request's hashes.
    const factors = await this.passkeys.factorsOf(row.credential_id);
    const challenge = factors === 'pin+otp' ? '' : await this.#challenge(row);
    const r = await checkFactors(this.ctx, {
      subscriberId,
      ...(factors === 'pin+otp'
        ? { otp: otp ?? '' }
        : { passkey: () => this.passkeys.verifyAssertion(subscriberId, challenge, assertion) }),
      actor: `subscriber:${subscriberId}`,
      subject: row.credential_id,
      action: 'approval.approve',
      details: {
        request: row.id,
        client: row.client_id,
        hashAlgorithm: row.hash_alg,
        hashes: row.hashes,
        numSignatures: row.num_signatures,
      },
      onSuccess: async (q) => {
        const u = await q.query(
          `UPDATE auth_requests SET status = 'approved', decided_at = $3::timestamptz,
             expires_at = $3::timestamptz + make_interval(secs => $2)
           WHERE id = $1 AND status = 'pending' AND expires_at > $3::timestamptz RETURNING id`,
          [row.id, this.ctx.config.sadLifetimeSeconds, this.ctx.clock.now().toISOString()],
        );
        if (u.rows.length !== 1) throw badRequest('this request is no longer pending');
        return true;
      },
    });
    if (r.outcome !== 'ok')
      return {
        outcome: r.outcome,
        ...(r.attemptsLeft !== undefined ? { attemptsLeft: r.attemptsLeft } : {}),
      };
    return 'approved';
  }
}
