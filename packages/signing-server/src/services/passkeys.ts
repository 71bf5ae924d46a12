/**
 * Passkeys (WebAuthn Level 2/3) as a signature-activation factor (issue 18), on
 * @simplewebauthn/server (docs/decisions.md says why).
 *
 * - Enrolment: the operator issues a single-use enrolment code for a subscriber (after identity
 *   proofing, delivered to her in person or by the registered channel); on the server's page she
 *   types the code and her PIN (the PIN counts toward the lockout), then her phone or security key
 *   makes the credential (user verification required). The code alone cannot enrol (the operator
 *   knows it), the PIN alone cannot either: both are needed, and the act is audited.
 * - Approval: the WebAuthn challenge of an authorisation is not random, it is
 *   SHA-256("kyso-webauthn-approval-v1" 0x00 JSON[credential, hash algorithm, hashes,
 *   numSignatures, client, nonce]) where the nonce is a random 256-bit value kept with the pending
 *   request and spent with it. The assertion (user verification required) therefore signs what is
 *   approved; it is stored in the audit record as evidence of consent.
 * - RP ID = host of KYSO_PUBLIC_URL, expected origin = its origin. Sign counter regression is
 *   refused; backup eligibility and state are recorded at enrolment and on every use.
 */
import crypto from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { appendAudit } from '../audit.js';
import { credentialFactors, credentialHolder, setCredentialFactors } from '../db/credentials.js';
import type { Queryable } from '../db/db.js';
import { ApiError, type Ctx, badRequest, newId, sha256 } from './common.js';
import { checkFactors, type PasskeyCheck } from './factors.js';

export type Factors = 'pin+otp' | 'passkey' | 'passkey+pin';
export const FACTORS: readonly Factors[] = ['pin+otp', 'passkey', 'passkey+pin'];

/** Longest WebAuthn response accepted (an assertion is well under 4 KiB; attestation with x5c more). */
export const MAX_WEBAUTHN_RESPONSE = 32 * 1024;
/** Time the browser is given for a ceremony (ms) and the server for its challenge (s). */
const CEREMONY_MS = 180_000;
const CEREMONY_SECONDS = 300;

export interface Rp {
  rpID: string;
  origin: string;
  rpName: string;
}

export function rpOf(publicBaseUrl: string): Rp {
  const u = new URL(publicBaseUrl);
  return { rpID: u.hostname, origin: u.origin, rpName: 'kyso' };
}

/**
 * @simplewebauthn/server is loaded on first use (about 1 s of module loading on a busy machine,
 * measured): the server start and the CLI do not pay for it unless passkeys are used.
 */
let lib: Promise<typeof import('@simplewebauthn/server')> | undefined;
const webauthn = () => {
  lib ??= import('@simplewebauthn/server');
  return lib;
};

const b64url = (u: Uint8Array) => Buffer.from(u).toString('base64url');

/** What an approval's WebAuthn challenge commits to. */
export interface ApprovalBinding {
  credentialId: string;
  hashAlgorithm: string;
  hashes: string[];
  numSignatures: number;
  clientId: string;
  nonce: Uint8Array;
}

/** The challenge of an approval: the digest of what is approved (base64url). */
export function approvalChallenge(b: ApprovalBinding): string {
  const canon = JSON.stringify([
    b.credentialId,
    b.hashAlgorithm,
    b.hashes,
    b.numSignatures,
    b.clientId,
    b64url(b.nonce),
  ]);
  return b64url(sha256(Buffer.concat([Buffer.from('kyso-webauthn-approval-v1\0'), Buffer.from(canon)])));
}

interface PasskeyRow {
  id: string;
  subscriber_id: string;
  webauthn_id: string;
  public_key: Uint8Array;
  sign_count: string | number;
  backup_eligible: boolean;
  backed_up: boolean;
  transports: string[];
  aaguid: string;
  attestation_fmt: string;
  disabled: boolean;
  created_at: Date;
  last_used_at: Date | null;
}

export interface PasskeyInfo {
  id: string;
  webauthnId: string;
  aaguid: string;
  attestationFormat: string;
  backupEligible: boolean;
  backedUp: boolean;
  transports: string[];
  signCount: number;
  disabled: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Parses a WebAuthn response JSON posted by the page (bounded, shape-checked). */
function parseResponse<T>(json: unknown, kind: 'assertion' | 'registration'): T | undefined {
  if (typeof json !== 'string' || json.length === 0 || json.length > MAX_WEBAUTHN_RESPONSE) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  const o = v as { id?: unknown; rawId?: unknown; type?: unknown; response?: Record<string, unknown> };
  if (!o || typeof o !== 'object' || typeof o.id !== 'string' || o.id.length > 1400) return undefined;
  if (o.type !== 'public-key' || !o.response || typeof o.response !== 'object') return undefined;
  if (typeof o.rawId !== 'string') return undefined;
  const need =
    kind === 'assertion'
      ? ['clientDataJSON', 'authenticatorData', 'signature']
      : ['clientDataJSON', 'attestationObject'];
  for (const k of need) if (typeof o.response[k] !== 'string') return undefined;
  if (!(o as { clientExtensionResults?: unknown }).clientExtensionResults)
    (o as { clientExtensionResults: unknown }).clientExtensionResults = {};
  return v as T;
}

/** A refusal reason for the audit from a verification error (never the raw message to the page). */
function reasonOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/origin/i.test(m)) return 'wrong origin';
  if (/challenge/i.test(m)) return 'challenge mismatch (another request, other hashes, or replayed)';
  if (/user verification|could not be verified/i.test(m)) return 'user verification missing';
  if (/counter/i.test(m)) return 'sign counter did not increase (cloned authenticator or replay)';
  if (/RP ID/i.test(m)) return 'wrong RP ID';
  if (/cert|trust anchor|root/i.test(m)) return 'attestation chain not trusted';
  if (/type/i.test(m)) return 'wrong ceremony type';
  if (/signature/i.test(m)) return 'bad signature';
  return 'invalid assertion';
}

export class PasskeyService {
  constructor(readonly ctx: Ctx) {}

  get rp(): Rp {
    return rpOf(this.ctx.config.publicBaseUrl);
  }

  // --- operator -------------------------------------------------------------------------------

  /** A single-use enrolment code for a subscriber (stored as SHA-256), with the enrolment page URL. */
  async issueEnrolmentCode(
    actor: string,
    subscriberId: string,
  ): Promise<{ code: string; enrolUrl: string; expiresAt: string }> {
    // 20 characters of Crockford base32 (100 bits), grouped for typing: XXXXX-XXXXX-XXXXX-XXXXX.
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    const raw = Array.from(crypto.randomBytes(20), (b) => alphabet[b & 31]).join('');
    const code = raw.match(/.{5}/g)!.join('-');
    const seconds = this.ctx.config.webauthn.enrolmentCodeSeconds;
    const expires = await this.ctx.db.tx(async (q) => {
      const s = await q.query('SELECT 1 FROM subscribers WHERE id = $1', [subscriberId]);
      if (s.rows.length === 0) throw new ApiError(404, 'invalid_request', 'no such subscriber');
      const r = await q.query<{ expires_at: Date }>(
        `INSERT INTO passkey_enrolments (code_hash, subscriber_id, issued_by, expires_at)
         VALUES ($1, $2, $3, $5::timestamptz + make_interval(secs => $4)) RETURNING expires_at`,
        [sha256(normaliseCode(code)), subscriberId, actor, seconds, this.ctx.clock.now().toISOString()],
      );
      await appendAudit(q, {
        actor,
        action: 'passkey.enrolment_code.issue',
        subject: subscriberId,
        details: { expiresInSeconds: seconds },
      });
      return new Date(r.rows[0]!.expires_at);
    });
    return {
      code,
      enrolUrl: `${this.ctx.config.publicBaseUrl}/passkey/enrol`,
      expiresAt: expires.toISOString(),
    };
  }

  async list(subscriberId: string): Promise<PasskeyInfo[]> {
    const s = await this.ctx.db.query('SELECT 1 FROM subscribers WHERE id = $1', [subscriberId]);
    if (s.rows.length === 0) throw new ApiError(404, 'invalid_request', 'no such subscriber');
    const r = await this.ctx.db.query<PasskeyRow>(
      'SELECT * FROM passkeys WHERE subscriber_id = $1 ORDER BY created_at',
      [subscriberId],
    );
    return r.rows.map((p) => ({
      id: p.id,
      webauthnId: p.webauthn_id,
      aaguid: p.aaguid,
      attestationFormat: p.attestation_fmt,
      backupEligible: p.backup_eligible,
      backedUp: p.backed_up,
      transports: p.transports,
      signCount: Number(p.sign_count),
      disabled: p.disabled,
      createdAt: new Date(p.created_at).toISOString(),
      lastUsedAt: p.last_used_at ? new Date(p.last_used_at).toISOString() : null,
    }));
  }

  /** Disables a passkey (lost phone): it no longer approves anything. */
  async disable(actor: string, subscriberId: string, passkeyId: string): Promise<void> {
    await this.ctx.db.tx(async (q) => {
      const r = await q.query(
        'UPDATE passkeys SET disabled = true WHERE id = $1 AND subscriber_id = $2 RETURNING id',
        [passkeyId, subscriberId],
      );
      if (r.rows.length === 0) throw new ApiError(404, 'invalid_request', 'no such passkey');
      await appendAudit(q, {
        actor,
        action: 'passkey.disable',
        subject: subscriberId,
        details: { passkey: passkeyId },
      });
    });
  }

  /** Which factors approve an authorisation of the credential. Passkey factors need a passkey. */
  async setFactors(actor: string, credentialId: string, factors: Factors): Promise<void> {
    if (!FACTORS.includes(factors)) throw badRequest(`factors must be one of ${FACTORS.join(', ')}`);
    await this.ctx.db.tx(async (q) => {
      const sub = (await credentialHolder(q, credentialId))?.subscriber_id;
      if (!sub) throw new ApiError(404, 'invalid_request', 'no such credential');
      if (factors !== 'pin+otp') {
        const pk = await q.query('SELECT 1 FROM passkeys WHERE subscriber_id = $1 AND NOT disabled', [sub]);
        if (pk.rows.length === 0)
          throw new ApiError(
            409,
            'invalid_request',
            'the subscriber has no passkey yet: issue an enrolment code and let her enrol first',
          );
      }
      await setCredentialFactors(q, credentialId, factors);
      await appendAudit(q, {
        actor,
        action: 'credential.factors',
        subject: credentialId,
        details: { factors },
      });
    });
  }

  async factorsOf(credentialId: string): Promise<Factors> {
    return ((await credentialFactors(this.ctx.db, credentialId)) as Factors | undefined) ?? 'pin+otp';
  }

  // --- enrolment (the subscriber, on the server's page) -----------------------------------------

  /**
   * Code + PIN: starts a registration ceremony. Returns the ceremony token (a bearer secret for
   * the finishing POST) and the creation options for the browser.
   */
  async beginEnrolment(
    code: string,
    pin: string,
  ): Promise<
    | { ceremony: string; options: unknown; subscriberName: string }
    | { outcome: 'code' | 'pin' | 'locked'; attemptsLeft?: number }
  > {
    const codeHash = sha256(normaliseCode(code));
    const e = (
      await this.ctx.db.query<{ subscriber_id: string }>(
        'SELECT subscriber_id FROM passkey_enrolments WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2::timestamptz',
        [codeHash, this.ctx.clock.now().toISOString()],
      )
    ).rows[0];
    if (!e) {
      await this.ctx.db.tx((q) =>
        appendAudit(q, {
          actor: 'browser',
          action: 'passkey.enrol.refused',
          details: { reason: 'unknown, used or expired enrolment code' },
        }),
      );
      return { outcome: 'code' };
    }
    const subId = e.subscriber_id;
    const ceremony = crypto.randomBytes(32).toString('base64url');
    const challenge = crypto.randomBytes(32).toString('base64url');
    const r = await checkFactors(this.ctx, {
      subscriberId: subId,
      pin,
      actor: `subscriber:${subId}`,
      subject: subId,
      action: 'passkey.enrol.start',
      onSuccess: async (q) => {
        const u = await q.query(
          `UPDATE passkey_enrolments SET ceremony_hash = $2, challenge = $3,
             ceremony_expires_at = $5::timestamptz + make_interval(secs => $4)
           WHERE code_hash = $1 AND used_at IS NULL RETURNING code_hash`,
          [codeHash, sha256(ceremony), challenge, CEREMONY_SECONDS, this.ctx.clock.now().toISOString()],
        );
        if (u.rows.length !== 1) throw badRequest('the enrolment code was used meanwhile');
        return true;
      },
    });
    if (r.outcome !== 'ok')
      return {
        outcome: r.outcome === 'locked' ? 'locked' : 'pin',
        ...(r.attemptsLeft !== undefined ? { attemptsLeft: r.attemptsLeft } : {}),
      };
    const sub = (
      await this.ctx.db.query<{ name: string }>('SELECT name FROM subscribers WHERE id = $1', [subId])
    ).rows[0]!;
    const existing = await this.ctx.db.query<{ webauthn_id: string; transports: string[] }>(
      'SELECT webauthn_id, transports FROM passkeys WHERE subscriber_id = $1 AND NOT disabled',
      [subId],
    );
    const rp = this.rp;
    const { generateRegistrationOptions } = await webauthn();
    const options = await generateRegistrationOptions({
      rpName: rp.rpName,
      rpID: rp.rpID,
      // The user handle is the opaque subscriber id (no personal data on the authenticator).
      userID: new Uint8Array(Buffer.from(subId)),
      userName: sub.name,
      userDisplayName: sub.name,
      challenge: new Uint8Array(Buffer.from(challenge, 'base64url')),
      timeout: CEREMONY_MS,
      attestationType: this.ctx.config.webauthn.attestation,
      excludeCredentials: existing.rows.map((x) => ({ id: x.webauthn_id, transports: x.transports })),
      // Platform (phone, laptop) or roaming (security key) authenticators; a discoverable
      // credential is preferred (a passkey), user verification is required.
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      // ES256, Ed25519, RS256 (COSE -7, -8, -257).
      supportedAlgorithmIDs: [-7, -8, -257],
    });
    return { ceremony, options, subscriberName: sub.name };
  }

  /** Verifies the attestation and stores the passkey; the enrolment code is spent. */
  async finishEnrolment(ceremony: string, responseJson: unknown): Promise<{ passkeyId: string }> {
    const row = (
      await this.ctx.db.query<{ code_hash: Uint8Array; subscriber_id: string; challenge: string }>(
        `SELECT code_hash, subscriber_id, challenge FROM passkey_enrolments
         WHERE ceremony_hash = $1 AND used_at IS NULL AND ceremony_expires_at > $2::timestamptz`,
        [
          sha256(typeof ceremony === 'string' ? ceremony.slice(0, 100) : ''),
          this.ctx.clock.now().toISOString(),
        ],
      )
    ).rows[0];
    const refuse = async (reason: string, subject?: string) => {
      await this.ctx.db.tx((q) =>
        appendAudit(q, {
          actor: subject ? `subscriber:${subject}` : 'browser',
          action: 'passkey.enrol.refused',
          subject,
          details: { reason },
        }),
      );
      return badRequest(`the passkey was not registered: ${reason}`);
    };
    if (!row) throw await refuse('unknown or expired enrolment ceremony');
    const response = parseResponse<RegistrationResponseJSON>(responseJson, 'registration');
    if (!response) throw await refuse('malformed registration response', row.subscriber_id);
    const rp = this.rp;
    const policy = this.ctx.config.webauthn;
    let info: Awaited<ReturnType<typeof verifyRegistrationResponse>>['registrationInfo'];
    try {
      const { verifyRegistrationResponse, SettingsService } = await webauthn();
      // Trust anchors of attestation chains (formats with operator-chosen roots; the library keeps
      // its own for apple and android). Set on every enrolment: the policy is the configuration's.
      for (const identifier of ['packed', 'tpm', 'fido-u2f'] as const)
        SettingsService.setRootCertificates({ identifier, certificates: policy.roots });
      const v = await verifyRegistrationResponse({
        response,
        expectedChallenge: row.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpID,
        requireUserVerification: true,
        supportedAlgorithmIDs: [-7, -8, -257],
      });
      if (!v.verified) throw new Error('signature');
      info = v.registrationInfo;
    } catch (e) {
      throw await refuse(reasonOf(e), row.subscriber_id);
    }
    if (policy.attestation === 'direct' && info.fmt === 'none')
      throw await refuse(
        'an attestation statement is required (KYSO_WEBAUTHN_ATTESTATION=direct)',
        row.subscriber_id,
      );
    if (policy.aaguids.length > 0 && !policy.aaguids.includes(info.aaguid.toLowerCase()))
      throw await refuse(`authenticator model ${info.aaguid} is not allowed`, row.subscriber_id);
    const id = newId('pk');
    const transports = (response.response.transports ?? []).filter((t) => typeof t === 'string').slice(0, 8);
    await this.ctx.db.tx(async (q) => {
      const u = await q.query(
        'UPDATE passkey_enrolments SET used_at = $2::timestamptz WHERE code_hash = $1 AND used_at IS NULL RETURNING code_hash',
        [row.code_hash, this.ctx.clock.now().toISOString()],
      );
      if (u.rows.length !== 1) throw badRequest('the enrolment code was already used');
      const dup = await q.query('SELECT 1 FROM passkeys WHERE webauthn_id = $1', [info.credential.id]);
      if (dup.rows.length > 0) throw badRequest('this passkey is already registered');
      await q.query(
        `INSERT INTO passkeys (id, subscriber_id, webauthn_id, public_key, sign_count, backup_eligible, backed_up,
           transports, aaguid, attestation_fmt)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          id,
          row.subscriber_id,
          info.credential.id,
          Buffer.from(info.credential.publicKey),
          info.credential.counter,
          info.credentialDeviceType === 'multiDevice',
          info.credentialBackedUp,
          transports,
          info.aaguid,
          info.fmt,
        ],
      );
      await appendAudit(q, {
        actor: `subscriber:${row.subscriber_id}`,
        action: 'passkey.enrol.success',
        subject: row.subscriber_id,
        details: {
          passkey: id,
          webauthnId: info.credential.id,
          aaguid: info.aaguid,
          attestationFormat: info.fmt,
          backupEligible: info.credentialDeviceType === 'multiDevice',
          backedUp: info.credentialBackedUp,
          userVerified: info.userVerified,
          transports,
          publicKey: b64url(info.credential.publicKey),
        },
      });
    });
    return { passkeyId: id };
  }

  // --- approval ---------------------------------------------------------------------------------

  /** Request options for the browser: the bound challenge, the subscriber's passkeys, UV required. */
  async requestOptions(subscriberId: string, challenge: string): Promise<Record<string, unknown>> {
    const r = await this.ctx.db.query<{ webauthn_id: string; transports: string[] }>(
      'SELECT webauthn_id, transports FROM passkeys WHERE subscriber_id = $1 AND NOT disabled ORDER BY created_at',
      [subscriberId],
    );
    return {
      challenge,
      rpId: this.rp.rpID,
      timeout: CEREMONY_MS,
      userVerification: 'required',
      allowCredentials: r.rows.map((p) => ({
        id: p.webauthn_id,
        type: 'public-key',
        ...(p.transports.length ? { transports: p.transports } : {}),
      })),
    };
  }

  /**
   * Verifies an assertion of one of the subscriber's passkeys against the expected challenge
   * (user verification required, origin and RP ID from KYSO_PUBLIC_URL, counter must increase).
   */
  async verifyAssertion(
    subscriberId: string,
    expectedChallenge: string,
    responseJson: unknown,
  ): Promise<PasskeyCheck> {
    if (responseJson === undefined || responseJson === '') return { ok: false, reason: 'no assertion given' };
    const response = parseResponse<AuthenticationResponseJSON>(responseJson, 'assertion');
    if (!response) return { ok: false, reason: 'malformed assertion' };
    const evidence: Record<string, unknown> = {
      webauthnId: response.id,
      expectedChallenge,
      assertion: {
        authenticatorData: response.response.authenticatorData,
        clientDataJSON: response.response.clientDataJSON,
        signature: response.response.signature,
        ...(response.response.userHandle ? { userHandle: response.response.userHandle } : {}),
      },
    };
    const pk = (
      await this.ctx.db.query<PasskeyRow>(
        'SELECT * FROM passkeys WHERE webauthn_id = $1 AND subscriber_id = $2 AND NOT disabled',
        [response.id, subscriberId],
      )
    ).rows[0];
    if (!pk) return { ok: false, reason: 'not a registered passkey of this subscriber', evidence };
    evidence.passkey = pk.id;
    const rp = this.rp;
    try {
      const { verifyAuthenticationResponse } = await webauthn();
      const v = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpID,
        requireUserVerification: true,
        credential: {
          id: pk.webauthn_id,
          publicKey: new Uint8Array(pk.public_key),
          counter: Number(pk.sign_count),
          transports: pk.transports as never,
        },
      });
      if (!v.verified) return { ok: false, reason: 'bad signature', evidence };
      const a = v.authenticationInfo;
      if (!a.userVerified) return { ok: false, reason: 'user verification missing', evidence };
      Object.assign(evidence, {
        signCount: a.newCounter,
        userVerified: a.userVerified,
        backupEligible: a.credentialDeviceType === 'multiDevice',
        backedUp: a.credentialBackedUp,
        origin: a.origin,
        rpId: a.rpID,
      });
      return {
        ok: true,
        evidence,
        commit: async (q: Queryable) => {
          const u = await q.query(
            `UPDATE passkeys SET sign_count = $2, backed_up = $3, last_used_at = $4::timestamptz
             WHERE id = $1 AND NOT disabled AND (sign_count < $2 OR ($2 = 0 AND sign_count = 0)) RETURNING id`,
            [pk.id, a.newCounter, a.credentialBackedUp, this.ctx.clock.now().toISOString()],
          );
          return u.rows.length === 1;
        },
      };
    } catch (e) {
      return { ok: false, reason: reasonOf(e), evidence };
    }
  }
}

/** Codes are typed by people: case, spaces and dashes do not matter. */
function normaliseCode(code: string): string {
  return (typeof code === 'string' ? code : '')
    .slice(0, 100)
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}
