/**
 * CSC API v2 services: client tokens, credential listing, explicit authorisation (PIN + TOTP,
 * SCAL2: hashes bound), SAD consumption and hash signing, time-stamps. The sole-control rules live
 * here, next to the vault, not in the HTTP routes.
 */
import {
  buildTimeStampReq,
  Certificate,
  der,
  type HashAlgorithm,
  parseSignatureAlgorithm,
  parseTimeStampResp,
  type SignatureAlgorithm,
  HASH_LEN,
} from '@kyso/pki-core';
import {
  CURVE_OIDS,
  HASH_OIDS,
  SIGN_ALGOS_EC,
  SIGN_ALGOS_RSA,
  cscHashFromOid,
} from '../client/csc-algorithms.js';
import { appendAudit, kickSealers } from '../audit.js';
import type { Queryable } from '../db/db.js';
import { verifyClientSecret } from '../db/clients.js';
import {
  type CredentialRow,
  credentialKey,
  grantedCredential,
  grantedCredentialSql,
} from '../db/credentials.js';
import { consumeSad, consumeSadSql, issueSad, sadRefusal, spendSadForExtension } from '../db/sads.js';
import { checkSigningParams, SigningParamsError, signingAlgorithm } from '../vault/params.js';
import type { StoredKey } from '../vault/types.js';
import type { CaService } from './ca.js';
import { ApiError, type Ctx, b64, badRequest, fromB64, randomSecret, sha256 } from './common.js';
import { checkFactors } from './factors.js';
import { rateLimit } from './ratelimit.js';

/** RFC 6750 §3: a request without a token gets the challenge only; a bad token, error="invalid_token". */
export const BEARER_REALM = 'Bearer realm="kyso"';
export const BEARER_INVALID = 'Bearer realm="kyso", error="invalid_token"';

export const HASH_OID_BY_NAME: Readonly<Record<string, string>> = HASH_OIDS;

export function hashAlgFromOid(o: string | undefined): HashAlgorithm {
  const h = o ? cscHashFromOid(o) : undefined;
  if (!h) throw badRequest('hashAlgorithmOID missing or not supported (SHA-256, SHA-384, SHA-512)');
  return h;
}

/** Decodes base64 hashes, checks their length, refuses duplicates; returns canonical base64. */
function decodeHashes(
  hashes: string[],
  alg: HashAlgorithm,
  max: number,
): { bytes: Uint8Array[]; canon: string[] } {
  if (hashes.length === 0) throw badRequest('hashes must not be empty');
  if (hashes.length > max) throw badRequest(`at most ${max} hashes per request`);
  const bytes: Uint8Array[] = [];
  for (const h of hashes) {
    const b = fromB64(h);
    if (!b || b.length !== HASH_LEN[alg]) throw badRequest(`every hash must be a base64 ${alg} digest`);
    bytes.push(b);
  }
  const canon = bytes.map(b64);
  if (new Set(canon).size !== canon.length) throw badRequest('duplicate hash in request');
  return { bytes, canon };
}

/**
 * The signHash fast path's one statement (see CscService.signHashFast). Parameters: $1 token hash,
 * $2 credential id, $3 rate-limit window, $4/$5 client/credential limits per minute, $6/$7 the
 * cached key id and certificate serial (the view must still be current), $8 SHA-256 of the
 * issuing CA's SPKI (NULL for imported certificates), $9 SAD hash, $10 hash algorithm, $11 number
 * of hashes, $12 the hashes (canonical base64), $13 the server clock's time (ctx.clock: token, SAD
 * and certificate validity are decided by it, and it is the audit time), $14 the signature
 * algorithm (JSON).
 * The credential's rate-limit counter is only counted when the client's is within its limit, as
 * the regular path does; the SAD is only consumed when both are within limits and the credential
 * is granted, enabled, unchanged, its certificate valid now and not revoked or suspended, and its
 * issuing CA not revoked or suspended; the audit record is inserted only for a consumed SAD.
 */
const FAST_SIGN_HASH_SQL = `
WITH tok AS (
  SELECT t.client_id FROM access_tokens t JOIN clients c ON c.id = t.client_id
  WHERE t.token_hash = $1 AND t.expires_at > $13::timestamptz AND NOT c.disabled
),
gc AS (
  ${grantedCredentialSql('(SELECT client_id FROM tok)', '$2', 'cr.id, cr.key_id, cr.cert_serial, cr.enabled')}
),
cred AS (
  SELECT gc.*, ce.status AS cert_status, ce.not_before, ce.not_after
  FROM gc LEFT JOIN certificates ce ON ce.credential_id = gc.id AND ce.serial = gc.cert_serial
),
rlc AS (
  INSERT INTO rate_limits (bucket, window_start, count)
  SELECT 'client:' || client_id, $3, 1 FROM tok
  ON CONFLICT (bucket) DO UPDATE SET
    count = CASE WHEN rate_limits.window_start = EXCLUDED.window_start THEN rate_limits.count + 1 ELSE 1 END,
    window_start = EXCLUDED.window_start
  RETURNING count
),
rlk AS (
  INSERT INTO rate_limits (bucket, window_start, count)
  SELECT 'credential:' || id, $3, 1 FROM cred WHERE (SELECT count FROM rlc) <= $4::int
  ON CONFLICT (bucket) DO UPDATE SET
    count = CASE WHEN rate_limits.window_start = EXCLUDED.window_start THEN rate_limits.count + 1 ELSE 1 END,
    window_start = EXCLUDED.window_start
  RETURNING count
),
sad AS (
  ${consumeSadSql(
    {
      sadHash: '$9',
      clientId: '(SELECT client_id FROM tok)',
      credentialId: '$2',
      hashAlg: '$10',
      count: '$11',
      hashes: '$12',
      now: '$13',
    },
    `(SELECT count FROM rlk) <= $5::int
    AND EXISTS (
      SELECT 1 FROM cred WHERE enabled AND key_id = $6 AND cert_serial = $7::text AND cert_status = 'valid'
        AND not_before <= $13::timestamptz AND not_after > $13::timestamptz)
    AND ($8::bytea IS NULL OR NOT EXISTS (
      SELECT 1 FROM certificates WHERE spki_sha256 = $8::bytea AND status <> 'valid'))`,
  )}
),
aud AS (
  INSERT INTO audit_log (at, actor, action, subject, details)
  SELECT $13::timestamptz, 'client:' || (SELECT client_id FROM tok), 'signature.create', $2,
    jsonb_build_object('certificateSerial', $7::text, 'algorithm', $14::jsonb,
                       'hashes', to_jsonb($12::text[]), 'remaining', remaining)
  FROM sad
  RETURNING id
)
SELECT (SELECT client_id FROM tok) AS client_id,
       EXISTS (SELECT 1 FROM cred) AS cred,
       (SELECT count FROM rlc) AS client_count,
       (SELECT count FROM rlk) AS cred_count,
       (SELECT remaining FROM sad) AS remaining,
       (SELECT id FROM aud) AS audit_id`;

interface CredentialView {
  row: CredentialRow;
  cert?: Certificate;
  certStatus: 'valid' | 'expired' | 'revoked' | 'suspended';
  chain: Certificate[];
  keySpki: Uint8Array;
  keySpec: StoredKey['spec'];
  /** The vault key row (wrapped material or token reference), read with the credential. */
  key: StoredKey;
}

export class CscService {
  constructor(
    readonly ctx: Ctx,
    readonly ca: CaService,
  ) {}

  // --- tokens --------------------------------------------------------------------------------

  /**
   * Client authentication for the token and revocation endpoints (RFC 6749 §2.3.1): one secret
   * check (db/clients.ts) for every grant. `basic`: the credentials came in an Authorization
   * header, so a refusal carries `WWW-Authenticate: Basic` (RFC 6749 §5.2).
   */
  async authenticateClient(id: string, secret: string, basic: boolean): Promise<string> {
    if (await verifyClientSecret(this.ctx.db, id, secret)) return id;
    await this.ctx.db.tx((q) =>
      appendAudit(q, { actor: `client:${id.slice(0, 64)}`, action: 'client.auth.refused' }),
    );
    throw new ApiError(
      401,
      'invalid_client',
      'client authentication failed',
      basic ? { 'WWW-Authenticate': 'Basic realm="kyso", charset="UTF-8"' } : {},
    );
  }

  /** An access token for an authenticated client (client_credentials grant). */
  async token(clientId: string): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }> {
    const token = randomSecret();
    const ttl = this.ctx.config.tokenLifetimeSeconds;
    await this.ctx.db.query(
      'INSERT INTO access_tokens (token_hash, client_id, expires_at) VALUES ($1, $2, $4::timestamptz + make_interval(secs => $3))',
      [sha256(token), clientId, ttl, this.ctx.clock.now().toISOString()],
    );
    return { access_token: token, token_type: 'Bearer', expires_in: ttl };
  }

  /** Resolves a bearer token to its client and applies the per-client rate limit. */
  async authenticate(token: string | undefined): Promise<string> {
    if (!token || token.length > 200)
      throw new ApiError(401, 'invalid_token', 'missing or invalid access token', {
        'WWW-Authenticate': token ? BEARER_INVALID : BEARER_REALM,
      });
    const r = await this.ctx.db.query<{ client_id: string }>(
      'SELECT t.client_id FROM access_tokens t JOIN clients c ON c.id = t.client_id WHERE t.token_hash = $1 AND t.expires_at > $2::timestamptz AND NOT c.disabled',
      [sha256(token), this.ctx.clock.now().toISOString()],
    );
    const clientId = r.rows[0]?.client_id;
    if (!clientId)
      throw new ApiError(401, 'invalid_token', 'missing, expired or invalid access token', {
        'WWW-Authenticate': BEARER_INVALID,
      });
    await rateLimit(
      this.ctx.db,
      `client:${clientId}`,
      this.ctx.config.rateLimit.perClientPerMinute,
      this.ctx.clock.now().getTime(),
    );
    return clientId;
  }

  // --- credentials ---------------------------------------------------------------------------

  async #credential(q: Queryable, clientId: string, credentialId: unknown): Promise<CredentialView> {
    if (typeof credentialId !== 'string' || credentialId.length === 0 || credentialId.length > 100)
      throw badRequest('Invalid parameter credentialID');
    const row = await grantedCredential(q, clientId, credentialId);
    // Same answer for "does not exist" and "not granted": a client learns nothing about others.
    if (!row) throw badRequest('Invalid parameter credentialID');
    const key = await credentialKey(q, row.key_id);
    let cert: Certificate | undefined;
    let certStatus: CredentialView['certStatus'] = 'valid';
    let chain: Certificate[] = [];
    if (row.cert_serial) {
      const c = (
        await q.query<{ der: Uint8Array; status: string }>(
          'SELECT der, status FROM certificates WHERE credential_id = $1 AND serial = $2',
          [row.id, row.cert_serial],
        )
      ).rows[0];
      if (c) {
        cert = Certificate.fromDer(c.der);
        certStatus =
          c.status === 'valid'
            ? cert.isValidAt(this.ctx.clock.now())
              ? 'valid'
              : 'expired'
            : (c.status as 'revoked' | 'suspended');
      }
      chain = row.ca_id
        ? [this.ca.get(row.ca_id).cert, ...this.ca.get(row.ca_id).chain]
        : (row.external_chain ?? []).map((d) => Certificate.fromDer(d));
    }
    const view: CredentialView = { row, cert, certStatus, chain, keySpki: key.spki, keySpec: key.spec, key };
    this.#rememberView(view);
    return view;
  }

  // --- signHash fast path ----------------------------------------------------------------------

  /**
   * The immutable part of recently used credential views (sealed key blob, key spec, certificate
   * and chain), so the signHash fast path needs no per-request lookups in Node. Everything that
   * can change (grant, enabled, certificate status and validity, CA status, key and certificate
   * identity) is re-checked by the fast path's SQL in the same statement that consumes the SAD.
   */
  readonly #views = new Map<string, { view: CredentialView; at: number }>();

  #rememberView(view: CredentialView): void {
    if (this.#views.size >= 10_000) this.#views.delete(this.#views.keys().next().value!);
    this.#views.set(view.row.id, { view, at: this.ctx.clock.now().getTime() });
  }

  #cachedView(id: string): CredentialView | undefined {
    const e = this.#views.get(id);
    if (!e) return undefined;
    if (this.ctx.clock.now().getTime() - e.at > 60_000) {
      this.#views.delete(id);
      return undefined;
    }
    return e.view;
  }

  /**
   * signHash in one database round trip for the common case: a service access token, a credential
   * whose view is cached, a SAD that authorises these hashes. One statement authenticates the
   * token, checks the grant and the credential's live state, counts both rate limits, consumes the
   * SAD and appends the unsealed `signature.create` audit record, and commits; the signatures are
   * computed after that commit. Returns `undefined`, having changed nothing, when the token is not
   * a service access token (the caller goes on with the other routes) or the request cannot be
   * pre-checked from the cache (the regular path then runs in full); when the statement changed
   * only rate-limit counters (credential refused, SAD refused, stale cache) the regular path runs
   * without counting again, so every refusal has the regular path's answer and audit record.
   */
  async signHashFast(
    token: string | undefined,
    input: {
      credentialID: string;
      SAD?: string;
      hashes: string[];
      hashAlgorithmOID?: string;
      signAlgo: string;
      signAlgoParams?: string;
    },
  ): Promise<{ signatures: string[] } | undefined> {
    if (!token || token.length > 200 || typeof input.SAD !== 'string') return undefined;
    if (typeof input.credentialID !== 'string') return undefined;
    const v = this.#cachedView(input.credentialID);
    if (!v?.cert) return undefined;
    let hash: HashAlgorithm;
    let alg: SignatureAlgorithm;
    let bytes: Uint8Array[];
    let canon: string[];
    let caSpkiHash: Uint8Array | null = null;
    const now = this.ctx.clock.now();
    try {
      if (!v.cert.isValidAt(now)) return undefined;
      if (v.row.ca_id) {
        const ca = this.ca.get(v.row.ca_id);
        for (const c of [ca.cert, ...ca.chain]) if (!c.isValidAt(now)) return undefined;
        caSpkiHash = sha256(ca.cert.spki);
      } else for (const c of v.chain) if (!c.isValidAt(now)) return undefined;
      hash = this.#hashOf(input);
      ({ bytes, canon } = decodeHashes(input.hashes, hash, this.ctx.config.maxHashesPerRequest));
      alg = this.#signatureAlgorithm(input.signAlgo, input.signAlgoParams, hash, v.keySpec, bytes);
    } catch {
      return undefined;
    }
    const limits = this.ctx.config.rateLimit;
    const r = (
      await this.ctx.db.query<{
        client_id: string | null;
        cred: boolean;
        client_count: number | null;
        cred_count: number | null;
        remaining: number | null;
      }>(
        FAST_SIGN_HASH_SQL,
        [
          sha256(token),
          v.row.id,
          Math.floor(now.getTime() / 60_000),
          limits.perClientPerMinute,
          limits.perCredentialPerMinute,
          v.row.key_id,
          v.row.cert_serial,
          caSpkiHash,
          sha256(input.SAD),
          hash,
          canon.length,
          canon,
          now.toISOString(),
          JSON.stringify(alg),
        ],
        'kyso_sign_hash_fast',
      )
    ).rows[0]!;
    if (!r.client_id) return undefined;
    if (!r.cred) throw badRequest('Invalid parameter credentialID');
    if (
      (r.client_count ?? 0) > limits.perClientPerMinute ||
      (r.cred_count ?? 0) > limits.perCredentialPerMinute
    )
      throw new ApiError(429, 'temporarily_unavailable', 'rate limit exceeded, retry later');
    if (r.remaining === null) {
      // Nothing consumed: the regular path gives the exact refusal (and its audit record).
      this.#views.delete(v.row.id);
      return this.#signHashCounted(r.client_id, input);
    }
    kickSealers();
    const actor = `client:${r.client_id}`;
    try {
      return {
        signatures: (await this.ctx.vaults.byName(v.key.vault).signDigests(v.key, alg, bytes)).map(b64),
      };
    } catch (e) {
      // The SAD is spent and its record says so; record that no signature came out of it.
      await this.ctx.db
        .tx((q) =>
          appendAudit(q, {
            actor,
            action: 'signature.failed',
            subject: v.row.id,
            details: { hashes: canon, reason: (e as Error).message.slice(0, 200) },
          }),
        )
        .catch(() => {});
      this.ctx.log.error({ credential: v.row.id, err: (e as Error).message }, 'vault signing failed');
      throw new ApiError(500, 'server_error', 'the signature could not be created; authorise again');
    }
  }

  #hashOf(input: { hashAlgorithmOID?: string; signAlgo: string }): HashAlgorithm {
    let hashOid = input.hashAlgorithmOID;
    if (!hashOid) {
      // The hash is implied by signAlgo (e.g. sha256WithRSAEncryption, ecdsa-with-SHA256).
      try {
        const a = parseSignatureAlgorithm(der.seq(der.oid(input.signAlgo)));
        if (a.name !== 'Ed25519') hashOid = HASH_OID_BY_NAME[a.hash];
      } catch {
        // reported below
      }
    }
    return hashAlgFromOid(hashOid);
  }

  async list(
    clientId: string,
    opts: {
      onlyValid?: boolean;
      credentialInfo?: boolean;
      certificates?: string;
      certInfo?: boolean;
      authInfo?: boolean;
    },
  ) {
    const r = await this.ctx.db.query<{ credential_id: string }>(
      'SELECT credential_id FROM grants WHERE client_id = $1 ORDER BY credential_id',
      [clientId],
    );
    const ids: string[] = [];
    const infos: Record<string, unknown>[] = [];
    for (const { credential_id } of r.rows) {
      const v = await this.#credential(this.ctx.db, clientId, credential_id);
      if (opts.onlyValid && (v.certStatus !== 'valid' || !v.row.enabled || !v.cert)) continue;
      ids.push(credential_id);
      if (opts.credentialInfo) infos.push({ credentialID: credential_id, ...this.#info(v, opts) });
    }
    return {
      credentialIDs: ids,
      ...(opts.credentialInfo ? { credentialInfos: infos } : {}),
      ...(opts.onlyValid !== undefined ? { onlyValid: opts.onlyValid } : {}),
    };
  }

  async info(
    clientId: string,
    credentialId: unknown,
    opts: { certificates?: string; certInfo?: boolean; authInfo?: boolean },
  ) {
    return this.#info(await this.#credential(this.ctx.db, clientId, credentialId), opts);
  }

  #info(v: CredentialView, opts: { certificates?: string; certInfo?: boolean; authInfo?: boolean }) {
    const spec = v.keySpec;
    const keyAlgo = spec.type === 'RSA' ? SIGN_ALGOS_RSA : SIGN_ALGOS_EC;
    const mode = opts.certificates ?? 'single';
    const certs = !v.cert ? [] : mode === 'none' ? [] : mode === 'chain' ? [v.cert, ...v.chain] : [v.cert];
    const cert: Record<string, unknown> = {
      status: v.cert ? v.certStatus : 'valid',
      certificates: certs.map((c) => b64(c.der)),
    };
    if (opts.certInfo && v.cert) {
      Object.assign(cert, {
        issuerDN: v.cert.issuer.toString(),
        serialNumber: v.cert.serialHex,
        subjectDN: v.cert.subject.toString(),
        validFrom: generalizedTime(v.cert.notBefore),
        validTo: generalizedTime(v.cert.notAfter),
      });
    }
    return {
      description: v.row.description ?? undefined,
      signatureQualifier: 'eu_eidas_aes',
      key: {
        status: v.row.enabled ? 'enabled' : 'disabled',
        algo: keyAlgo,
        len:
          spec.type === 'RSA' ? spec.modulusLength : spec.type === 'EC' ? Number(spec.curve.slice(2)) : 256,
        ...(spec.type === 'EC'
          ? {
              curve: CURVE_OIDS[spec.curve],
            }
          : {}),
      },
      cert,
      // A credential approved with a passkey: the factors are collected on the provider's pages
      // (the OAuth2 authorisation page, or asynchronous approval), never relayed by the client.
      auth:
        v.row.factors !== 'pin+otp'
          ? {
              mode: 'oauth2code',
              expression: v.row.factors === 'passkey' ? 'PASSKEY' : 'PASSKEY AND PIN',
              objects: [],
            }
          : {
              mode: 'explicit',
              expression: 'PIN AND OTP',
              objects: [
                { type: 'Password', id: 'PIN', format: 'A', label: 'PIN', description: 'Subscriber PIN' },
                {
                  type: 'Password',
                  id: 'OTP',
                  format: 'N',
                  generator: 'totp',
                  label: 'OTP',
                  description: 'TOTP code from the enrolled authenticator',
                },
              ],
            },
      SCAL: '2',
      multisign: v.row.multisign,
      lang: 'en-US',
    };
  }

  /** Decree 23/2025 Art. 15: refuse unless the credential, its certificate and its issuer are valid now. */
  async #assertUsable(v: CredentialView): Promise<void> {
    if (!v.row.enabled) throw badRequest('the credential is disabled');
    if (!v.cert) throw badRequest('the credential has no certificate');
    if (v.certStatus === 'expired') throw badRequest('Signing certificate is expired');
    if (v.certStatus === 'revoked') throw badRequest('Signing certificate is revoked');
    if (v.certStatus === 'suspended') throw badRequest('Signing certificate is suspended');
    if (v.row.ca_id) await this.ca.assertIssuerValid(v.row.ca_id);
    else
      for (const c of v.chain)
        if (!c.isValidAt(this.ctx.clock.now())) throw badRequest('issuing CA certificate is not valid now');
  }

  // --- authorisation -------------------------------------------------------------------------

  async authorize(
    clientId: string,
    input: {
      credentialID: string;
      numSignatures: number;
      hashes?: string[];
      hashAlgorithmOID?: string;
      authData?: { id: string; value: string }[];
      description?: string;
    },
  ): Promise<{ SAD: string; expiresIn: number }> {
    const v = await this.#credential(this.ctx.db, clientId, input.credentialID);
    await rateLimit(
      this.ctx.db,
      `credential:${v.row.id}`,
      this.ctx.config.rateLimit.perCredentialPerMinute,
      this.ctx.clock.now().getTime(),
    );
    await this.#assertUsable(v);
    // SCAL2: the SAD is bound to the exact hashes.
    if (!input.hashes || input.hashes.length === 0)
      throw badRequest('hashes are required for SCAL2 credentials');
    const alg = hashAlgFromOid(input.hashAlgorithmOID);
    const { canon } = decodeHashes(input.hashes, alg, this.ctx.config.maxHashesPerRequest);
    if (input.numSignatures !== canon.length)
      throw badRequest('numSignatures must equal the number of hashes');
    if (input.numSignatures > v.row.multisign)
      throw badRequest('numSignatures exceeds the credential multisign limit');
    // A passkey cannot be relayed by the client: such credentials are approved on the page.
    if (v.row.factors !== 'pin+otp')
      throw badRequest(
        'this credential is approved with a passkey on the approval page: use operationMode "A" or the oauth2code flow',
      );
    const pin = input.authData?.find((a) => a.id === 'PIN')?.value;
    const otp = input.authData?.find((a) => a.id === 'OTP')?.value;
    if (typeof pin !== 'string' || typeof otp !== 'string')
      throw badRequest('authData must contain PIN and OTP');

    // PIN + OTP through the shared factor check (reserve-then-check lockout, single-use TOTP);
    // the SAD is created in the transaction that resets the counter and writes the audit record.
    const subId = v.row.subscriber_id;
    const sad = randomSecret();
    const lifetime = this.ctx.config.sadLifetimeSeconds;
    const r = await checkFactors(this.ctx, {
      subscriberId: subId,
      pin,
      otp,
      actor: `client:${clientId}`,
      subject: v.row.id,
      action: 'authorize',
      details: {
        numSignatures: input.numSignatures,
        hashAlgorithm: alg,
        hashes: canon,
        description: input.description ?? null,
      },
      onSuccess: (q) =>
        issueSad(q, {
          now: this.ctx.clock.now(),
          sadHash: sha256(sad),
          clientId,
          credentialId: v.row.id,
          hashAlg: alg,
          hashes: canon,
          remaining: input.numSignatures,
          lifetimeSeconds: lifetime,
        }),
    });
    if (r.outcome === 'locked' && r.failed === undefined)
      throw badRequest(
        'the credential is locked after repeated authentication failures; ask the operator to unlock it',
      );
    if (r.outcome !== 'ok' && r.failed === 'otp')
      throw new ApiError(400, 'invalid_otp', 'the OTP is invalid or was already used');
    if (r.outcome !== 'ok')
      throw new ApiError(400, 'invalid_authentication_data', 'authentication data is not valid');
    return { SAD: sad, expiresIn: lifetime };
  }

  async extendTransaction(
    clientId: string,
    input: { credentialID: string; SAD: string; hashes?: string[]; hashAlgorithmOID?: string },
  ): Promise<{ SAD: string; expiresIn: number }> {
    const v = await this.#credential(this.ctx.db, clientId, input.credentialID);
    await this.#assertUsable(v);
    if (!input.hashes || input.hashes.length === 0)
      throw badRequest('hashes are required for SCAL2 credentials');
    const alg = hashAlgFromOid(input.hashAlgorithmOID);
    const { canon } = decodeHashes(input.hashes, alg, this.ctx.config.maxHashesPerRequest);
    const sad = randomSecret();
    const lifetime = this.ctx.config.sadLifetimeSeconds;
    const ok = await this.ctx.db.tx(async (q) => {
      // SCAL2: the new SAD may only carry hashes the subscriber authorised and that are not yet
      // signed; the old SAD is spent by this one conditional UPDATE (no double extension). The
      // authorisation's age (created_at, carried over) caps how long extensions can go on.
      const createdAt = await spendSadForExtension(
        q,
        {
          now: this.ctx.clock.now(),
          sadHash: sha256(typeof input.SAD === 'string' ? input.SAD : ''),
          clientId,
          credentialId: v.row.id,
          hashAlg: alg,
          hashes: canon,
        },
        this.ctx.config.sadMaxAgeSeconds,
      );
      if (!createdAt) {
        await appendAudit(q, {
          actor: `client:${clientId}`,
          action: 'sad.extend.refused',
          subject: v.row.id,
          details: { hashes: canon },
        });
        return false;
      }
      await issueSad(q, {
        now: this.ctx.clock.now(),
        sadHash: sha256(sad),
        clientId,
        credentialId: v.row.id,
        hashAlg: alg,
        hashes: canon,
        remaining: canon.length,
        lifetimeSeconds: lifetime,
        createdAt,
      });
      await appendAudit(q, {
        actor: `client:${clientId}`,
        action: 'sad.extend',
        subject: v.row.id,
        details: { remaining: canon.length, hashes: canon },
      });
      return true;
    });
    if (!ok) throw badRequest('SAD is invalid, expired, used up, or does not cover this request');
    return { SAD: sad, expiresIn: lifetime };
  }

  // --- signing -------------------------------------------------------------------------------

  /**
   * signAlgo/signAlgoParams checked against the key (src/vault/params.ts, the vaults' own rule),
   * and the digests too when given: every refusal is 400 invalid_request before a SAD is touched.
   */
  #signatureAlgorithm(
    signAlgo: string,
    params: string | undefined,
    hash: HashAlgorithm,
    spec: CredentialView['keySpec'],
    digests: readonly Uint8Array[] = [],
  ): SignatureAlgorithm {
    try {
      const alg = signingAlgorithm(signAlgo, params, hash, spec);
      checkSigningParams(alg, spec, digests);
      return alg;
    } catch (e) {
      if (e instanceof SigningParamsError) throw badRequest(e.message);
      throw e;
    }
  }

  async signHash(
    clientId: string,
    input: {
      credentialID: string;
      SAD: string;
      hashes: string[];
      hashAlgorithmOID?: string;
      signAlgo: string;
      signAlgoParams?: string;
    },
  ): Promise<{ signatures: string[] }> {
    const v = await this.#credential(this.ctx.db, clientId, input.credentialID);
    await rateLimit(
      this.ctx.db,
      `credential:${v.row.id}`,
      this.ctx.config.rateLimit.perCredentialPerMinute,
      this.ctx.clock.now().getTime(),
    );
    return this.#signHashCounted(clientId, input, v);
  }

  /** signHash after the rate limits were counted. */
  async #signHashCounted(
    clientId: string,
    input: {
      credentialID: string;
      SAD?: string;
      hashes: string[];
      hashAlgorithmOID?: string;
      signAlgo: string;
      signAlgoParams?: string;
    },
    view?: CredentialView,
  ): Promise<{ signatures: string[] }> {
    const v = view ?? (await this.#credential(this.ctx.db, clientId, input.credentialID));
    await this.#assertUsable(v);
    const hash = this.#hashOf(input);
    const { bytes, canon } = decodeHashes(input.hashes, hash, this.ctx.config.maxHashesPerRequest);
    const alg = this.#signatureAlgorithm(input.signAlgo, input.signAlgoParams, hash, v.keySpec, bytes);
    const key = v.key;
    const vault = this.ctx.vaults.byName(key.vault);
    const actor = `client:${clientId}`;
    const result = await this.ctx.db.tx(async (q) => {
      // The SAD is consumed by one conditional UPDATE (db/sads.ts): bound to client, credential,
      // hash algorithm, the exact hashes (each at most once), count and lifetime.
      const sadHash = sha256(typeof input.SAD === 'string' ? input.SAD : '');
      const remaining = await consumeSad(q, {
        now: this.ctx.clock.now(),
        sadHash,
        clientId,
        credentialId: v.row.id,
        hashAlg: hash,
        hashes: canon,
      });
      if (remaining === null) {
        const why = await sadRefusal(q, sadHash, clientId, v.row.id, this.ctx.clock.now());
        await appendAudit(q, {
          actor,
          action: 'signature.refused',
          subject: v.row.id,
          details: { reason: why, hashes: canon },
        });
        return { refused: why };
      }
      // One unseal for the whole batch (software vault), every signature self-checked.
      const signatures = (await vault.signDigests(key, alg, bytes)).map(b64);
      await appendAudit(q, {
        actor,
        action: 'signature.create',
        subject: v.row.id,
        details: {
          certificateSerial: v.row.cert_serial,
          algorithm: alg,
          hashes: canon,
          remaining,
        },
      });
      return { signatures };
    });
    if ('refused' in result) throw badRequest(result.refused ?? 'refused');
    return result;
  }

  async timestamp(
    clientId: string,
    input: { hash: string; hashAlgo: string; nonce?: string },
  ): Promise<{ timestamp: string }> {
    const hash = hashAlgFromOid(input.hashAlgo);
    const d = fromB64(input.hash);
    if (!d || d.length !== HASH_LEN[hash]) throw badRequest('hash must be a base64 digest of hashAlgo');
    if (input.nonce !== undefined && !/^[0-9a-fA-F]{1,64}$/.test(input.nonce))
      throw badRequest('nonce must be hex');
    const tsa = [...this.ca.cas.values()].find((c) => c.tsa)?.tsa;
    if (!tsa) throw new ApiError(501, 'temporarily_unavailable', 'no time-stamping unit configured');
    const req = await buildTimeStampReq({
      digest: d,
      hashAlgorithm: hash,
      certReq: true,
      ...(input.nonce ? { nonce: BigInt(`0x${input.nonce}`) } : {}),
    });
    const resp = parseTimeStampResp(await tsa.respond(req.der));
    if (!resp.token) throw new ApiError(500, 'server_error', 'the TSA refused the request');
    await this.ctx.db.tx((q) =>
      appendAudit(q, {
        actor: `client:${clientId}`,
        action: 'timestamp.issue',
        details: { hash: b64(d), hashAlgorithm: hash },
      }),
    );
    return { timestamp: b64(resp.token) };
  }
}

function generalizedTime(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}
