/**
 * Operator services: operators' API keys, subscribers (PIN + TOTP), relying-party clients and
 * grants, and the credential lifecycle (key in the vault, CSR with proof of possession, certificate
 * by profile or imported, enable/disable, suspend/unsuspend, revoke, rekey). Every act is audited
 * in the same transaction.
 */
import { hash as argonHash } from '@node-rs/argon2';
import {
  buildAndValidatePath,
  Certificate,
  citizenSubject,
  createCsr,
  type CrlReason,
  type KeySpec,
  type LintReport,
  type Name,
  officialSubject,
  organizationSubject,
  pemEncode,
  type Profile,
  TrustStore,
} from '@kyso/pki-core';
import { Secret, TOTP } from 'otpauth';
import { appendAudit } from '../audit.js';
import {
  credentialExists,
  credentialKey,
  getCredential,
  insertCredential,
  setCredentialEnabled,
  setCredentialKey,
  setImportedCertificate,
  setIssuedCertificate,
} from '../db/credentials.js';
import { voidSadsOfCa, voidSadsOfCredential } from '../db/sads.js';
import type { Queryable } from '../db/db.js';
import { VaultSigner } from '../vault/signer.js';
import { sealSecret } from '../vault/software.js';
import type { StoredKey } from '../vault/types.js';
import { type CaService, insertCertificate, isUniqueViolation, storeKey } from './ca.js';
import { ApiError, type Ctx, badRequest, newId, randomSecret, sha256 } from './common.js';

export type SubscriberKind = 'citizen' | 'official' | 'organization';

export interface EnrolInput {
  kind: SubscriberKind;
  name: string;
  pin: string;
  cccd?: string;
  title?: string;
  organization?: string;
  unit?: string;
  taxCode?: string;
  budgetCode?: string;
  province?: string;
  locality?: string;
  email?: string;
}

export function subjectFor(s: Omit<EnrolInput, 'pin'>): Name {
  const addr = { province: s.province, locality: s.locality };
  switch (s.kind) {
    case 'citizen':
      return citizenSubject({ name: s.name, cccd: s.cccd, email: s.email, ...addr });
    case 'official':
      return officialSubject({
        name: s.name,
        cccd: s.cccd,
        title: s.title ?? '',
        organization: s.organization ?? '',
        unit: s.unit,
        email: s.email,
        ...addr,
      });
    case 'organization':
      return organizationSubject({
        name: s.name,
        organization: s.organization,
        unit: s.unit,
        taxCode: s.taxCode,
        budgetCode: s.budgetCode,
        email: s.email,
        ...addr,
      });
    default:
      throw badRequest('unknown subscriber kind');
  }
}

export async function hashPin(ctx: Ctx, pin: string): Promise<string> {
  return argonHash(pin, { algorithm: 2 /* Algorithm.Argon2id (ambient const enum) */, ...ctx.config.argon2 });
}

/**
 * A Vietnamese mobile number as E.164 (+84 and 9 digits), from the ways people write it:
 * 0912 345 678, 0912.345.678, +84 912 345 678, 84912345678. Undefined when it is not one.
 */
export function normalizePhone(input: string): string | undefined {
  if (input.length > 30) return undefined;
  const s = input.replace(/[\s.\-()]/g, '');
  const m = /^(?:\+84|84|0)([35789]\d{8})$/.exec(s);
  return m ? `+84${m[1]}` : undefined;
}

export const OPERATOR_KEY_PREFIX = 'kyso_op_';

export async function createOperator(
  ctx: Ctx,
  q: Queryable,
  name: string,
  actor: string,
): Promise<{ id: string; apiKey: string }> {
  const id = newId('op');
  const apiKey = `${OPERATOR_KEY_PREFIX}${randomSecret()}`;
  await q.query('INSERT INTO operators (id, name, key_hash) VALUES ($1, $2, $3)', [id, name, sha256(apiKey)]);
  await appendAudit(q, { actor, action: 'operator.create', subject: id, details: { name } });
  return { id, apiKey };
}

/** Resolves an operator API key (stored as SHA-256; looked up by hash, so no secret-dependent comparison). */
export async function authenticateOperator(ctx: Ctx, apiKey: string): Promise<string | undefined> {
  if (!apiKey.startsWith(OPERATOR_KEY_PREFIX) || apiKey.length > 200) return undefined;
  const r = await ctx.db.query<{ id: string }>(
    'SELECT id FROM operators WHERE key_hash = $1 AND NOT disabled',
    [sha256(apiKey)],
  );
  return r.rows[0]?.id;
}

export class AdminService {
  constructor(
    readonly ctx: Ctx,
    readonly ca: CaService,
  ) {}

  async enrol(
    actor: string,
    input: EnrolInput,
  ): Promise<{ id: string; otpauthUri: string; subject: string }> {
    if (typeof input.pin !== 'string' || input.pin.length < 6 || input.pin.length > 64)
      throw badRequest('pin must be 6 to 64 characters');
    let subject: Name;
    try {
      subject = subjectFor(input);
    } catch (e) {
      throw badRequest(`invalid subject: ${(e as Error).message}`);
    }
    const id = newId('sub');
    const pinHash = await hashPin(this.ctx, input.pin);
    const secret = new Secret({ size: 20 });
    const totp = new TOTP({
      issuer: 'kyso',
      label: input.name,
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      secret,
    });
    const sealed = sealSecret(this.ctx.kek, new Uint8Array(secret.bytes), `kyso-totp:${id}`);
    const { pin: _pin, ...profile } = input;
    await this.ctx.db.tx(async (q) => {
      await q.query(
        'INSERT INTO subscribers (id, name, kind, subject, pin_hash, totp_secret) VALUES ($1, $2, $3, $4, $5, $6)',
        [id, input.name, input.kind, JSON.stringify(profile), pinHash, JSON.stringify({ sealed })],
      );
      await appendAudit(q, {
        actor,
        action: 'subscriber.enrol',
        subject: id,
        details: { kind: input.kind, dn: subject.toString(), factors: ['PIN', 'TOTP'] },
      });
    });
    return { id, otpauthUri: totp.toString(), subject: subject.toString() };
  }

  async unlock(actor: string, subscriberId: string): Promise<void> {
    await this.ctx.db.tx(async (q) => {
      const r = await q.query(
        'UPDATE subscribers SET failed_attempts = 0, locked = false WHERE id = $1 RETURNING id',
        [subscriberId],
      );
      if (r.rows.length === 0) throw new ApiError(404, 'invalid_request', 'unknown subscriber');
      await appendAudit(q, { actor, action: 'subscriber.unlock', subject: subscriberId });
    });
  }

  async getSubscriber(id: string) {
    const r = await this.ctx.db.query<{
      id: string;
      name: string;
      kind: string;
      failed_attempts: number;
      locked: boolean;
      signin_cccd: string | null;
      signin_phone: string | null;
    }>(
      'SELECT id, name, kind, failed_attempts, locked, signin_cccd, signin_phone FROM subscribers WHERE id = $1',
      [id],
    );
    const row = r.rows[0];
    if (!row) throw new ApiError(404, 'invalid_request', 'unknown subscriber');
    const { signin_cccd, signin_phone, ...rest } = row;
    return { ...rest, signIn: { cccd: signin_cccd, phone: signin_phone } };
  }

  /**
   * The identifiers a subscriber signs in with on /approve: her CCCD (12 digits) and/or her mobile
   * number (Vietnamese, stored as E.164 +84...). `''` removes one; an omitted one is kept. Each
   * names at most one subscriber (409 when another already has it).
   */
  async setSignInIdentifiers(
    actor: string,
    subscriberId: string,
    input: { cccd?: string; phone?: string },
  ): Promise<{ cccd: string | null; phone: string | null }> {
    const sets: string[] = [];
    const params: unknown[] = [subscriberId];
    if (input.cccd !== undefined) {
      if (input.cccd !== '' && !/^\d{12}$/.test(input.cccd))
        throw badRequest('cccd must be the 12 digits of the citizen ID card');
      params.push(input.cccd || null);
      sets.push(`signin_cccd = $${params.length}`);
    }
    if (input.phone !== undefined) {
      const phone = input.phone === '' ? null : normalizePhone(input.phone);
      if (phone === undefined)
        throw badRequest('phone must be a Vietnamese mobile number (0xxxxxxxxx or +84xxxxxxxxx)');
      params.push(phone);
      sets.push(`signin_phone = $${params.length}`);
    }
    if (sets.length === 0) throw badRequest('give cccd and/or phone');
    try {
      return await this.ctx.db.tx(async (q) => {
        const r = await q.query<{ signin_cccd: string | null; signin_phone: string | null }>(
          `UPDATE subscribers SET ${sets.join(', ')} WHERE id = $1 RETURNING signin_cccd, signin_phone`,
          params,
        );
        const row = r.rows[0];
        if (!row) throw new ApiError(404, 'invalid_request', 'unknown subscriber');
        // The identifiers are personal data: the audit says which were set, not their values.
        await appendAudit(q, {
          actor,
          action: 'subscriber.signin_identifiers',
          subject: subscriberId,
          details: {
            cccd: row.signin_cccd ? 'set' : 'none',
            phone: row.signin_phone ? 'set' : 'none',
          },
        });
        return { cccd: row.signin_cccd, phone: row.signin_phone };
      });
    } catch (e) {
      if (isUniqueViolation(e))
        throw new ApiError(
          409,
          'invalid_request',
          'another subscriber already signs in with this identifier',
        );
      throw e;
    }
  }

  async createClient(actor: string, name: string): Promise<{ clientId: string; clientSecret: string }> {
    const clientId = newId('cl');
    const clientSecret = randomSecret();
    await this.ctx.db.tx(async (q) => {
      await q.query('INSERT INTO clients (id, name, secret_hash) VALUES ($1, $2, $3)', [
        clientId,
        name,
        sha256(clientSecret),
      ]);
      await appendAudit(q, { actor, action: 'client.create', subject: clientId, details: { name } });
    });
    return { clientId, clientSecret };
  }

  async setClientDisabled(actor: string, clientId: string, disabled: boolean): Promise<void> {
    await this.ctx.db.tx(async (q) => {
      const r = await q.query('UPDATE clients SET disabled = $2 WHERE id = $1 RETURNING id', [
        clientId,
        disabled,
      ]);
      if (r.rows.length === 0) throw new ApiError(404, 'invalid_request', 'unknown client');
      if (disabled) await q.query('DELETE FROM access_tokens WHERE client_id = $1', [clientId]);
      await appendAudit(q, {
        actor,
        action: disabled ? 'client.disable' : 'client.enable',
        subject: clientId,
      });
    });
  }

  async grant(actor: string, clientId: string, credentialId: string, revoke = false): Promise<void> {
    await this.ctx.db.tx(async (q) => {
      if (revoke) {
        await q.query('DELETE FROM grants WHERE client_id = $1 AND credential_id = $2', [
          clientId,
          credentialId,
        ]);
      } else {
        const c = await q.query('SELECT 1 FROM clients WHERE id = $1', [clientId]);
        if (!c.rows[0] || !(await credentialExists(q, credentialId)))
          throw new ApiError(404, 'invalid_request', 'unknown client or credential');
        await q.query(
          'INSERT INTO grants (client_id, credential_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [clientId, credentialId],
        );
      }
      await appendAudit(q, {
        actor,
        action: revoke ? 'grant.revoke' : 'grant.create',
        subject: credentialId,
        details: { clientId },
      });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Credentials
  // ---------------------------------------------------------------------------------------------

  async #subscriberSubject(q: Queryable, subscriberId: string): Promise<Name> {
    const r = await q.query<{ kind: SubscriberKind; subject: unknown }>(
      'SELECT kind, subject FROM subscribers WHERE id = $1',
      [subscriberId],
    );
    const row = r.rows[0];
    if (!row) throw new ApiError(404, 'invalid_request', 'unknown subscriber');
    const s = (typeof row.subject === 'string' ? JSON.parse(row.subject) : row.subject) as EnrolInput;
    return subjectFor({ ...s, kind: row.kind });
  }

  async #newKey(credentialId: string, spec: KeySpec): Promise<StoredKey> {
    return this.ctx.vaults.credentials.generate(`key_${credentialId}_${Date.now().toString(36)}`, spec);
  }

  async createCredential(
    actor: string,
    input: {
      subscriberId: string;
      key: KeySpec;
      profile?: Profile;
      caId?: string;
      validityDays?: number;
      description?: string;
      multisign?: number;
      issue?: boolean;
      /** Operator override of lint warnings (recorded in the audit); errors always refuse. */
      acceptLintWarnings?: boolean;
    },
  ): Promise<{ credentialId: string; certificate?: string; csr: string }> {
    const profile = input.profile ?? 'person-signing';
    if (profile !== 'person-signing' && profile !== 'organization-signing')
      throw badRequest('profile must be person-signing or organization-signing');
    const subject = await this.#subscriberSubject(this.ctx.db, input.subscriberId);
    const credentialId = newId('cred');
    const key = await this.#newKey(credentialId, input.key);
    const signer = new VaultSigner(this.ctx.vaults.byName(key.vault), key);
    const csr = await createCsr({ subject, signer });
    let certificate: Certificate | undefined;
    await this.ctx.db.tx(async (q) => {
      await storeKey(q, key);
      await insertCredential(q, {
        id: credentialId,
        subscriberId: input.subscriberId,
        keyId: key.id,
        profile,
        description: input.description,
        multisign: input.multisign ?? 100,
      });
      await appendAudit(q, {
        actor,
        action: 'key.generate',
        subject: credentialId,
        details: { keyId: key.id, vault: key.vault, spec: key.spec },
      });
      if (input.issue !== false) {
        let lintReport: LintReport | undefined;
        certificate = await this.ca.issue(q, {
          caId: input.caId,
          profile,
          subject,
          csr,
          credentialId,
          validityDays: input.validityDays,
          acceptLintWarnings: input.acceptLintWarnings === true,
          onLint: (r) => {
            lintReport = r;
          },
        });
        await auditLintOverride(q, actor, credentialId, certificate, lintReport);
        const caId = input.caId ?? this.ca.defaultCa.id;
        await setIssuedCertificate(q, credentialId, certificate.serialHex, caId);
        await appendAudit(q, {
          actor,
          action: 'certificate.issue',
          subject: credentialId,
          details: {
            serial: certificate.serialHex,
            caId,
            profile,
            dn: certificate.subject.toString(),
            ...(this.ctx.config.lintBeforeIssue ? {} : { lintBeforeIssue: false }),
          },
        });
      }
    });
    return {
      credentialId,
      csr: pemEncode('CERTIFICATE REQUEST', csr.der),
      ...(certificate ? { certificate: pemEncode('CERTIFICATE', certificate.der) } : {}),
    };
  }

  /** Imports an externally issued certificate for a credential's key (the key must match). */
  async importCertificate(
    actor: string,
    credentialId: string,
    certDer: Uint8Array,
    chainDer: Uint8Array[],
  ): Promise<void> {
    let cert: Certificate;
    let chain: Certificate[];
    try {
      cert = Certificate.fromDer(certDer);
      chain = chainDer.map((d) => Certificate.fromDer(d));
    } catch (e) {
      throw badRequest(`certificate does not parse: ${(e as Error).message}`);
    }
    if (cert.isCA) throw badRequest('a CA certificate cannot be a signing credential');
    if (chain.length === 0) throw badRequest('chain (the issuing CA certificates) is required');
    // The chain must actually issue the certificate (signatures, CA constraints), checked at the
    // certificate's own notBefore; whether it is still valid is checked before every signature.
    const report = await buildAndValidatePath({
      leaf: cert,
      intermediates: chain.slice(0, -1),
      trustStore: new TrustStore([chain[chain.length - 1]!]),
      time: cert.notBefore,
    });
    if (!report.valid)
      throw badRequest(`the chain does not validate the certificate: ${report.detail ?? 'invalid path'}`);
    await this.ctx.db.tx(async (q) => {
      const c = await getCredential(q, credentialId, { forUpdate: true });
      if (!c) throw new ApiError(404, 'invalid_request', 'unknown credential');
      // No separate "already has a certificate" check: the key must match, and the unique index
      // on the SPKI hash refuses a second certificate for it (409, Decree 23/2025 Art. 38).
      const k = await credentialKey(q, c.key_id);
      if (Buffer.compare(Buffer.from(k.spki), Buffer.from(cert.spki)) !== 0)
        throw badRequest("the certificate's public key is not the credential's key");
      await insertCertificate(q, cert, null, credentialId);
      await setImportedCertificate(
        q,
        credentialId,
        cert.serialHex,
        chain.map((x) => x.der),
      );
      await appendAudit(q, {
        actor,
        action: 'certificate.import',
        subject: credentialId,
        details: { serial: cert.serialHex, issuer: cert.issuer.toString() },
      });
    });
  }

  async setEnabled(actor: string, credentialId: string, enabled: boolean): Promise<void> {
    await this.ctx.db.tx(async (q) => {
      if (!(await setCredentialEnabled(q, credentialId, enabled)))
        throw new ApiError(404, 'invalid_request', 'unknown credential');
      if (!enabled) await voidSadsOfCredential(q, credentialId);
      await appendAudit(q, {
        actor,
        action: enabled ? 'credential.enable' : 'credential.disable',
        subject: credentialId,
      });
    });
  }

  /** Changes the current certificate's status and re-issues the CA's CRL in the same transaction. */
  async setCertificateStatus(
    actor: string,
    credentialId: string,
    to: 'valid' | 'suspended' | 'revoked',
    reason?: CrlReason,
  ): Promise<void> {
    await this.ctx.db.tx(async (q) => this.#setStatus(q, actor, credentialId, to, reason));
    this.ca.ocspStore.forget();
  }

  async #setStatus(
    q: Queryable,
    actor: string,
    credentialId: string,
    to: 'valid' | 'suspended' | 'revoked',
    reason?: CrlReason,
  ): Promise<void> {
    const c = await getCredential(q, credentialId);
    if (!c) throw new ApiError(404, 'invalid_request', 'unknown credential');
    if (!c.cert_serial) throw new ApiError(409, 'invalid_request', 'credential has no certificate');
    const from = to === 'valid' ? ['suspended'] : to === 'suspended' ? ['valid'] : ['valid', 'suspended'];
    const r = await q.query(
      `UPDATE certificates SET status = $3, revoked_at = CASE WHEN $3 = 'valid' THEN NULL ELSE $6::timestamptz END, revocation_reason = $4
       WHERE credential_id = $1 AND serial = $2 AND status = ANY($5::text[]) RETURNING serial`,
      [
        credentialId,
        c.cert_serial,
        to,
        to === 'revoked' ? (reason ?? 'unspecified') : null,
        from,
        this.ctx.clock.now().toISOString(),
      ],
    );
    if (r.rows.length === 0)
      throw new ApiError(409, 'invalid_request', `certificate cannot go to ${to} from its current status`);
    // Outstanding authorisations (SADs) end with a suspension or revocation; lifting a
    // suspension does not bring them back (the subscriber authorises again).
    if (to !== 'valid') await voidSadsOfCredential(q, credentialId);
    const action =
      to === 'valid'
        ? 'certificate.unsuspend'
        : to === 'suspended'
          ? 'certificate.suspend'
          : 'certificate.revoke';
    await appendAudit(q, {
      actor,
      action,
      subject: credentialId,
      details: { serial: c.cert_serial, reason: reason ?? null },
    });
    if (c.ca_id) {
      await this.ca.issueCrl(q, c.ca_id);
      // The pre-produced OCSP answers change before the call returns (issue 21).
      await this.ca.ocspStore.produceInTx(q, c.ca_id, c.cert_serial);
    }
  }

  /**
   * Revokes a subordinate CA run by this server: its certificate is marked revoked under its parent
   * (also run here), the parent's CRL is re-issued in the same transaction, and every outstanding
   * SAD of the CA's credentials ends. From then on its subscribers can neither authorise nor sign
   * (Decree 23/2025 Art. 15 checks the issuing CA on both) and it issues nothing. A root is not
   * revoked (it is withdrawn from trust stores); revocation is final.
   */
  async revokeCa(
    actor: string,
    caId: string,
    reason: CrlReason,
  ): Promise<{ revoked: string; serial: string }> {
    const ca = this.ca.get(caId);
    const out = await this.ctx.db.tx(async (q) => {
      const row = (
        await q.query<{ ca_id: string | null; status: string }>(
          'SELECT ca_id, status FROM certificates WHERE spki_sha256 = $1',
          [sha256(ca.cert.spki)],
        )
      ).rows[0];
      if (!row?.ca_id || !this.ca.cas.has(row.ca_id))
        throw new ApiError(
          409,
          'invalid_request',
          'only a subordinate CA whose parent runs here can be revoked',
        );
      if (row.status === 'revoked') throw new ApiError(409, 'invalid_request', 'the CA is already revoked');
      await q.query(
        "UPDATE certificates SET status = 'revoked', revoked_at = $3::timestamptz, revocation_reason = $2 WHERE spki_sha256 = $1",
        [sha256(ca.cert.spki), reason, this.ctx.clock.now().toISOString()],
      );
      const ended = await voidSadsOfCa(q, caId);
      await appendAudit(q, {
        actor,
        action: 'ca.revoke',
        subject: caId,
        details: { serial: ca.cert.serialHex, reason, parent: row.ca_id, sadsEnded: ended },
      });
      await this.ca.issueCrl(q, row.ca_id);
      await this.ca.ocspStore.produceInTx(q, row.ca_id, ca.cert.serialHex);
      return { revoked: caId, serial: ca.cert.serialHex };
    });
    this.ca.ocspStore.forget();
    return out;
  }

  /** Rekey: a new key in the vault and a new certificate; the old certificate is revoked (superseded). */
  async rekey(
    actor: string,
    credentialId: string,
    input: { key?: KeySpec; validityDays?: number; acceptLintWarnings?: boolean },
  ): Promise<{ certificate: string }> {
    const c = await getCredential(this.ctx.db, credentialId);
    if (!c) throw new ApiError(404, 'invalid_request', 'unknown credential');
    if (!c.ca_id)
      throw new ApiError(409, 'invalid_request', 'only certificates of the built-in CA can be renewed here');
    const oldKey = await credentialKey(this.ctx.db, c.key_id);
    const subject = await this.#subscriberSubject(this.ctx.db, c.subscriber_id);
    const key = await this.#newKey(credentialId, input.key ?? oldKey.spec);
    const csr = await createCsr({ subject, signer: new VaultSigner(this.ctx.vaults.byName(key.vault), key) });
    let cert: Certificate | undefined;
    await this.ctx.db.tx(async (q) => {
      await storeKey(q, key);
      if (c.cert_serial) {
        await q.query(
          "UPDATE certificates SET status = 'revoked', revoked_at = $3::timestamptz, revocation_reason = 'superseded' WHERE credential_id = $1 AND serial = $2 AND status <> 'revoked'",
          [credentialId, c.cert_serial, this.ctx.clock.now().toISOString()],
        );
      }
      let lintReport: LintReport | undefined;
      cert = await this.ca.issue(q, {
        caId: c.ca_id!,
        profile: c.profile as Profile,
        subject,
        csr,
        credentialId,
        validityDays: input.validityDays,
        acceptLintWarnings: input.acceptLintWarnings === true,
        onLint: (r) => {
          lintReport = r;
        },
      });
      await auditLintOverride(q, actor, credentialId, cert, lintReport);
      await setCredentialKey(q, credentialId, key.id, cert.serialHex);
      // Authorisations given for the old key and certificate end with them.
      await voidSadsOfCredential(q, credentialId);
      await appendAudit(q, {
        actor,
        action: 'key.generate',
        subject: credentialId,
        details: { keyId: key.id, vault: key.vault, spec: key.spec },
      });
      await appendAudit(q, {
        actor,
        action: 'certificate.rekey',
        subject: credentialId,
        details: {
          oldSerial: c.cert_serial,
          serial: cert.serialHex,
          ...(this.ctx.config.lintBeforeIssue ? {} : { lintBeforeIssue: false }),
        },
      });
      await this.ca.issueCrl(q, c.ca_id!);
      if (c.cert_serial) await this.ca.ocspStore.produceInTx(q, c.ca_id!, c.cert_serial);
    });
    this.ca.ocspStore.forget();
    await this.#destroyKey(actor, credentialId, oldKey);
    return { certificate: pemEncode('CERTIFICATE', cert!.der) };
  }

  /**
   * Destroys a private key no credential uses any more (after a rekey): its row (the sealed key)
   * and the vault's copy (PKCS#11: the token objects), with a `key.destroy` record. Only a key no
   * row references can go (the foreign keys refuse otherwise). A failure does not undo the rekey
   * that preceded it: it is logged and recorded as `key.destroy.failed` (the key is unusable, no
   * credential points to it) so an operator can finish the job.
   */
  async #destroyKey(actor: string, credentialId: string, key: StoredKey): Promise<void> {
    try {
      await this.ctx.db.tx(async (q) => {
        await q.query('DELETE FROM vault_keys WHERE id = $1', [key.id]);
        await appendAudit(q, {
          actor,
          action: 'key.destroy',
          subject: credentialId,
          details: { keyId: key.id, vault: key.vault, reason: 'superseded by rekey' },
        });
        // Last, so that a token refusing to destroy rolls the row deletion back with it.
        await this.ctx.vaults.byName(key.vault).destroy(key);
      });
    } catch (e) {
      this.ctx.log.warn({ keyId: key.id, err: (e as Error).message }, 'old key not destroyed after rekey');
      await this.ctx.db
        .tx((q) =>
          appendAudit(q, {
            actor,
            action: 'key.destroy.failed',
            subject: credentialId,
            details: { keyId: key.id, vault: key.vault, error: (e as Error).message.slice(0, 200) },
          }),
        )
        .catch(() => {});
    }
  }
}

/**
 * Lint before issue: when the operator overrode lint warnings and some were found, the override is
 * recorded (which lints, on which certificate, by whom) in the same transaction as the issuance.
 */
async function auditLintOverride(
  q: Queryable,
  actor: string,
  credentialId: string,
  cert: Certificate,
  report: LintReport | undefined,
): Promise<void> {
  const warnings = (report?.findings ?? []).filter((f) => f.severity === 'warning');
  if (warnings.length === 0) return;
  await appendAudit(q, {
    actor,
    action: 'certificate.lint_override',
    subject: credentialId,
    details: {
      serial: cert.serialHex,
      profile: report!.profile,
      warnings: warnings.map((w) => ({ lint: w.lint, clause: w.clause, details: w.details })),
    },
  });
}
