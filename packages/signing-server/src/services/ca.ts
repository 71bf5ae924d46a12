/**
 * The built-in CAs: issuance by profile, CRLs (kept in the database, re-issued on revocation and on
 * schedule), OCSP answers from the database, and the RFC 3161 TSA. CA keys live in the software
 * vault; CA rows are written once at bootstrap, so every process loads the same CAs.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  buildAndValidatePath,
  Certificate,
  type CertificationRequest,
  Crl,
  type CrlReason,
  issueCertificate,
  issueCrl,
  type KeySpec,
  type LintReport,
  Name,
  OID,
  OcspResponder,
  pemDecode,
  type Profile,
  TimeStampAuthority,
  TrustStore,
  verifyCrlSignature,
} from '@kyso/pki-core';
import { type DemoManifest, generateDemoHierarchy } from '@kyso/pki-core/cli';
import type { Queryable } from '../db/db.js';
import { VaultSigner } from '../vault/signer.js';
import type { StoredKey } from '../vault/types.js';
import { ApiError, type Ctx, rowKey, sha256 } from './common.js';
import { type Cacheable, cacheable, OcspStore } from './ocsp-store.js';

const DAY = 86_400_000;
/** Policy OIDs of the kyso demo arc (placeholder enterprise number, test only). */
export const DEMO_POLICY_OID = '1.3.6.1.4.1.99999.1.1';
export const TSA_POLICY_OID = '1.3.6.1.4.1.99999.1.2';

/** A loaded CA (CaService.cas): its certificate, key and the responders that sign for it. */
export interface CaRuntime {
  /** The CA's id (URL segment of /pki/ca/<id>.cer and /pki/crl/<id>.crl). */
  id: string;
  /** Display name. */
  name: string;
  /** The CA certificate. */
  cert: Certificate;
  /** Issuer chain above this CA (parent first, root last); empty for a root. */
  chain: Certificate[];
  /** The CA key (software vault). */
  key: StoredKey;
  /** Signs certificates and CRLs with `key`. */
  signer: VaultSigner;
  /** Whether it issues subscriber certificates by default (CaService.defaultCa). */
  isDefault: boolean;
  /** Signs fresh answers (nonce, several CertIDs, unknown serials). */
  ocsp: OcspResponder;
  /** The OCSP key: the delegated responder's, else the CA's (pre-produced responses). */
  ocspSigner: VaultSigner;
  /** The RFC 3161 time-stamping unit, on the CA that has one (/pki/tsa, CSC signatures/timestamp). */
  tsa?: TimeStampAuthority;
}

/** A CRL as served over HTTP. */
export interface StoredCrl extends Cacheable {
  der: Uint8Array;
}

function storedCrl(der: Uint8Array, thisUpdate: Date, nextUpdate: Date): StoredCrl {
  return { der, ...cacheable(der, thisUpdate, nextUpdate) };
}

export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === '23505';
}

async function loadKey(q: Queryable, id: string): Promise<StoredKey> {
  const r = await q.query<{ id: string; vault: string; spec: unknown; spki: Uint8Array; blob: unknown }>(
    'SELECT id, vault, spec, spki, blob FROM vault_keys WHERE id = $1',
    [id],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`vault key ${id} missing`);
  return rowKey(row);
}

export async function storeKey(q: Queryable, k: StoredKey): Promise<void> {
  await q.query('INSERT INTO vault_keys (id, vault, spec, spki, blob) VALUES ($1, $2, $3, $4, $5)', [
    k.id,
    k.vault,
    JSON.stringify(k.spec),
    k.spki,
    JSON.stringify(k.blob),
  ]);
}

export async function insertCertificate(
  q: Queryable,
  cert: Certificate,
  caId: string | null,
  credentialId: string | null,
): Promise<void> {
  try {
    await q.query(
      `INSERT INTO certificates (serial, ca_id, issuer_dn, credential_id, der, spki_sha256, not_before, not_after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        cert.serialHex,
        caId,
        cert.issuer.toString(),
        credentialId,
        cert.der,
        sha256(cert.spki),
        cert.notBefore,
        cert.notAfter,
      ],
    );
  } catch (e) {
    if (isUniqueViolation(e))
      throw new ApiError(
        409,
        'invalid_request',
        'this public key is already certified (a key is certified once)',
      );
    throw e;
  }
}

/**
 * The certification authorities this server runs (Kyso.ca): certificate issuance by profile from
 * a CSR (RFC 5280, PKCS#10; Circular 16/2019 Appendix 1.2.1, 1.2.3), CRLs, OCSP (RFC 6960) and
 * the TSA, with their keys in the software vault.
 */
export class CaService {
  /** The loaded CAs by id (filled by load()). */
  readonly cas = new Map<string, CaRuntime>();
  /** Pre-produced OCSP responses in the database (issue 21). */
  readonly ocspStore: OcspStore;
  constructor(
    /** The service context. */
    readonly ctx: Ctx,
  ) {
    this.ocspStore = new OcspStore(ctx, this);
  }

  /** The CA that issues subscriber certificates by default; ApiError 503 when none is configured. */
  get defaultCa(): CaRuntime {
    for (const c of this.cas.values()) if (c.isDefault) return c;
    throw new ApiError(503, 'temporarily_unavailable', 'no issuing CA configured');
  }

  /** The CA with this id; ApiError 404 when there is none. */
  get(id: string): CaRuntime {
    const c = this.cas.get(id);
    if (!c) throw new ApiError(404, 'invalid_request', `unknown CA ${id}`);
    return c;
  }

  /** Loads every CA row into memory (certificates and key references are immutable). */
  async load(): Promise<void> {
    const { db } = this.ctx;
    const rows = (
      await db.query<{
        id: string;
        name: string;
        cert_der: Uint8Array;
        chain_der: Uint8Array[];
        key_id: string;
        is_default: boolean;
        ocsp_cert_der: Uint8Array | null;
        ocsp_key_id: string | null;
        tsa_cert_der: Uint8Array | null;
        tsa_key_id: string | null;
      }>('SELECT * FROM cas ORDER BY id')
    ).rows;
    for (const r of rows) {
      const cert = Certificate.fromDer(r.cert_der);
      const chain = r.chain_der.map((d) => Certificate.fromDer(d));
      const key = await loadKey(db, r.key_id);
      const vault = this.ctx.vaults.byName(key.vault);
      const signer = new VaultSigner(vault, key, [cert.der, ...chain.map((c) => c.der)]);
      let ocspSigner: VaultSigner = signer;
      const now = this.ctx.clock.now();
      if (r.ocsp_cert_der && r.ocsp_key_id) {
        const oc = Certificate.fromDer(r.ocsp_cert_der);
        // A delegated responder whose certificate has expired would make every answer invalid:
        // fall back to the CA key.
        if (oc.isValidAt(now)) {
          const ok = await loadKey(db, r.ocsp_key_id);
          ocspSigner = new VaultSigner(this.ctx.vaults.byName(ok.vault), ok, [oc.der]);
        }
      }
      const ocsp = new OcspResponder({
        issuer: cert,
        signer: ocspSigner,
        lookup: (_serial, hex) => this.lookup(r.id, hex),
        validity: this.ctx.config.ocsp.validitySeconds,
      });
      let tsa: TimeStampAuthority | undefined;
      if (r.tsa_cert_der && r.tsa_key_id) {
        const tc = Certificate.fromDer(r.tsa_cert_der);
        const tk = await loadKey(db, r.tsa_key_id);
        tsa = new TimeStampAuthority({
          certificate: tc,
          chain: [cert, ...chain],
          signer: new VaultSigner(this.ctx.vaults.byName(tk.vault), tk, [tc.der]),
          policyOid: TSA_POLICY_OID,
          // Ship the issuing chain in the token (when certReq): a validator holding only the root
          // can then build the TSA's path (issue 13).
          includeChain: true,
          serialSource: async () => {
            const s = await this.ctx.db.query<{ n: string }>("SELECT nextval('tsa_serial')::text AS n");
            return BigInt(s.rows[0]!.n);
          },
        });
      }
      this.cas.set(r.id, {
        id: r.id,
        name: r.name,
        cert,
        chain,
        key,
        signer,
        isDefault: r.is_default,
        ocsp,
        ocspSigner,
        tsa,
      });
    }
    this.ocspStore.index();
  }

  /**
   * The revocation status of a certificate this CA issued, for OCSP: good, revoked (suspended:
   * reason certificateHold; time to the second) or unknown (never issued here).
   */
  async lookup(caId: string, serialHex: string) {
    const r = await this.ctx.db.query<{
      status: string;
      revoked_at: Date | string | null;
      revocation_reason: string | null;
    }>('SELECT status, revoked_at, revocation_reason FROM certificates WHERE ca_id = $1 AND serial = $2', [
      caId,
      serialHex,
    ]);
    const row = r.rows[0];
    if (!row) return { status: 'unknown' as const };
    if (row.status === 'valid') return { status: 'good' as const };
    return {
      status: 'revoked' as const,
      revocationTime: new Date(
        Math.floor(new Date(row.revoked_at ?? this.ctx.clock.now()).getTime() / 1000) * 1000,
      ),
      reason: (row.status === 'suspended'
        ? 'certificateHold'
        : (row.revocation_reason ?? 'unspecified')) as CrlReason,
    };
  }

  /** Answers an OCSP request for whichever CA it names (unauthorized when none). */
  async ocsp(der: Uint8Array): Promise<Uint8Array> {
    let last: Uint8Array | undefined;
    for (const ca of this.cas.values()) {
      const resp = await ca.ocsp.respond(der);
      // responseStatus unauthorized (6) or malformedRequest (1): try the next CA / give up.
      const status = resp.length === 5 ? resp[4] : 0;
      if (status === 6) {
        last = resp;
        continue;
      }
      return resp;
    }
    return last ?? Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x06);
  }

  /** Issues a certificate for a CSR after checking proof of possession; records it (unique key). */
  async issue(
    q: Queryable,
    input: {
      caId?: string;
      profile: Profile;
      subject: Name;
      csr: CertificationRequest;
      credentialId: string;
      validityDays?: number;
      /** Operator override: issue despite lint warnings (never despite errors). */
      acceptLintWarnings?: boolean;
      /** Receives the lint report of the issued certificate (for the audit record). */
      onLint?: (report: LintReport) => void;
    },
  ): Promise<Certificate> {
    if (!(await input.csr.verify()))
      throw new ApiError(400, 'invalid_request', 'CSR signature does not verify (no proof of possession)');
    const ca = input.caId ? this.get(input.caId) : this.defaultCa;
    const own = await q.query<{ status: string }>('SELECT status FROM certificates WHERE spki_sha256 = $1', [
      sha256(ca.cert.spki),
    ]);
    if (own.rows[0] && own.rows[0].status !== 'valid')
      throw new ApiError(409, 'invalid_request', 'the issuing CA is revoked or suspended and issues nothing');
    const base = this.ctx.config.publicBaseUrl;
    const now = this.ctx.clock.now();
    const notBefore = new Date(Math.floor((now.getTime() - 60_000) / 1000) * 1000);
    const wanted = new Date(notBefore.getTime() + (input.validityDays ?? 365 * 2) * DAY);
    const notAfter = wanted > ca.cert.notAfter ? ca.cert.notAfter : wanted;
    const cert = await issueCertificate({
      profile: input.profile,
      subject: input.subject,
      publicKey: input.csr.publicKey,
      issuer: { certificate: ca.cert, signer: ca.signer },
      notBefore,
      notAfter,
      crlUrls: [`${base}/pki/crl/${ca.id}.crl`],
      ocspUrls: [`${base}/pki/ocsp`],
      caIssuersUrls: [`${base}/pki/ca/${ca.id}.cer`],
      policies: [{ oid: DEMO_POLICY_OID }],
      // RFC 5280 §4.1.2.6: an e-mail address in the subject is also an rfc822Name in the SAN.
      subjectAltName: emailSans(input.subject),
      now,
      // Lint before issue: errors refuse; warnings refuse unless the operator overrides. Off only
      // with KYSO_LINT_BEFORE_ISSUE=off (audited at start and in each certificate.issue record).
      lint: this.ctx.config.lintBeforeIssue
        ? {
            warnings: input.acceptLintWarnings ? 'accept' : 'refuse',
            ...(input.onLint ? { onReport: input.onLint } : {}),
          }
        : false,
    });
    await insertCertificate(q, cert, ca.id, input.credentialId);
    return cert;
  }

  /** Issues a new CRL for `caId` inside the caller's transaction and stores it. */
  async issueCrl(q: Queryable, caId: string, now = this.ctx.clock.now().getTime()): Promise<Crl> {
    const ca = this.get(caId);
    const n = await q.query<{ crl_number: string }>(
      'UPDATE cas SET crl_number = crl_number + 1 WHERE id = $1 RETURNING crl_number::text',
      [caId],
    );
    const number = BigInt(n.rows[0]!.crl_number);
    const entries = (
      await q.query<{
        serial: string;
        status: string;
        revoked_at: Date | string;
        revocation_reason: string | null;
      }>(
        "SELECT serial, status, revoked_at, revocation_reason FROM certificates WHERE ca_id = $1 AND status <> 'valid' ORDER BY serial",
        [caId],
      )
    ).rows.map((r) => ({
      serial: r.serial,
      revocationDate: new Date(Math.floor(new Date(r.revoked_at).getTime() / 1000) * 1000),
      reason: (r.status === 'suspended'
        ? 'certificateHold'
        : (r.revocation_reason ?? 'unspecified')) as CrlReason,
    }));
    const thisUpdate = new Date(Math.floor(now / 1000) * 1000 - 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + this.ctx.config.crlValiditySeconds * 1000);
    const crl = await issueCrl({
      issuer: ca.cert,
      signer: ca.signer,
      thisUpdate,
      nextUpdate,
      crlNumber: number,
      entries,
    });
    await q.query(
      'INSERT INTO crls (ca_id, number, der, this_update, next_update) VALUES ($1, $2, $3, $4, $5)',
      [caId, number.toString(), crl.der, thisUpdate, nextUpdate],
    );
    return crl;
  }

  /** The current CRL; issues a fresh one when none exists or the latest is past half its life. */
  async currentCrl(caId: string, now = this.ctx.clock.now().getTime()): Promise<Uint8Array> {
    return (await this.currentCrlWithTimes(caId, now)).der;
  }

  /** The current CRL with its thisUpdate, nextUpdate and an ETag (HTTP caching, RFC 5019 §6.2). */
  async currentCrlWithTimes(caId: string, now = this.ctx.clock.now().getTime()): Promise<StoredCrl> {
    this.get(caId);
    const fresh = await this.#latestFreshCrl(this.ctx.db, caId, now);
    if (fresh) return fresh;
    return (await this.#reissueIfStale(caId, now)).crl;
  }

  async #latestFreshCrl(q: Queryable, caId: string, now: number): Promise<StoredCrl | undefined> {
    const r = await q.query<{
      der: Uint8Array;
      this_update: Date | string;
      next_update: Date | string;
    }>('SELECT der, this_update, next_update FROM crls WHERE ca_id = $1 ORDER BY number DESC LIMIT 1', [
      caId,
    ]);
    const row = r.rows[0];
    if (!row) return undefined;
    const t = new Date(row.this_update).getTime();
    const nu = new Date(row.next_update).getTime();
    return now < t + (nu - t) / 2 ? storedCrl(row.der, new Date(t), new Date(nu)) : undefined;
  }

  /**
   * Re-issues the CA's CRL unless another process just did: the CA row is locked first and the
   * latest CRL re-checked under the lock, so concurrent schedulers issue one CRL, not one each.
   */
  async #reissueIfStale(caId: string, now: number): Promise<{ crl: StoredCrl; issued: boolean }> {
    return this.ctx.db.tx(async (q) => {
      await q.query('SELECT crl_number FROM cas WHERE id = $1 FOR UPDATE', [caId]);
      const fresh = await this.#latestFreshCrl(q, caId, now);
      if (fresh) return { crl: fresh, issued: false };
      const crl = await this.issueCrl(q, caId, now);
      return { crl: storedCrl(crl.der, crl.thisUpdate, crl.nextUpdate ?? crl.thisUpdate), issued: true };
    });
  }

  /**
   * Scheduled refresh: re-issues the CRLs that are missing or past half their life (so relying
   * parties always hold one with time left). Returns the ids of the CAs whose CRL was re-issued.
   */
  async refreshCrls(now = this.ctx.clock.now().getTime()): Promise<string[]> {
    const issued: string[] = [];
    for (const id of this.cas.keys()) {
      if (await this.#latestFreshCrl(this.ctx.db, id, now)) continue;
      if ((await this.#reissueIfStale(id, now)).issued) issued.push(id);
    }
    return issued;
  }

  /**
   * Decree 23/2025 Art. 15: the issuing CA certificate (and the chain above it) must be valid now
   * and not revoked before a subscriber signs.
   */
  async assertIssuerValid(caId: string, now = this.ctx.clock.now()): Promise<void> {
    const ca = this.get(caId);
    for (const c of [ca.cert, ...ca.chain]) {
      if (!c.isValidAt(now))
        throw new ApiError(400, 'invalid_request', `issuing CA certificate ${c.subject} is not valid now`);
    }
    const r = await this.ctx.db.query<{ status: string }>(
      'SELECT status FROM certificates WHERE spki_sha256 = $1',
      [sha256(ca.cert.spki)],
    );
    if (r.rows[0] && r.rows[0].status !== 'valid') {
      throw new ApiError(400, 'invalid_request', 'issuing CA certificate is revoked or suspended');
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Bootstrap: the demo CA on first start
// ------------------------------------------------------------------------------------------------

function readPem(dir: string, f: string): Uint8Array {
  return pemDecode(fs.readFileSync(path.join(dir, f), 'utf8')).der;
}

/** Folder under KYSO_DATA_DIR where the server writes the demo hierarchy it makes on first start. */
export const DATA_DIR_DEMO_CA = 'demo-ca';
/** The variant of the demo hierarchy the server makes and loads (certs/demo has ecdsa and rsa). */
const DATA_DIR_DEMO_VARIANT = 'ecdsa';

/**
 * The directory of the hierarchy to load on first start, or undefined for a fresh hierarchy inside
 * the vault (KYSO_DEMO_CA_DIR=none). Without KYSO_DEMO_CA_DIR the demo hierarchy is made in the
 * data directory with the public URL in every certificate, so its CRL/OCSP/CA-issuer addresses
 * reach this server on whatever address it is published. A folder left there by an earlier
 * database is reused when its URLs are this server's, else moved aside (never overwritten).
 */
export async function hierarchyDir(ctx: Ctx): Promise<string | undefined> {
  const { config } = ctx;
  if (config.demoCaDir === 'none') return undefined;
  if (config.demoCaDir) {
    const d = config.demoCaDir;
    if (!fs.existsSync(path.join(d, 'issuing.pem')) || !fs.existsSync(path.join(d, 'issuing.key.pem')))
      throw new Error(`KYSO_DEMO_CA_DIR ${d} holds no issuing.pem and issuing.key.pem`);
    return d;
  }
  const base = path.join(config.dataDir, DATA_DIR_DEMO_CA);
  const dir = path.join(base, DATA_DIR_DEMO_VARIANT);
  if (fs.existsSync(base)) {
    let baseUrl: string | undefined;
    try {
      baseUrl = (JSON.parse(fs.readFileSync(path.join(base, 'manifest.json'), 'utf8')) as DemoManifest)
        .baseUrl;
    } catch {
      // no readable manifest: not ours to reuse
    }
    if (baseUrl === config.publicBaseUrl && fs.existsSync(path.join(dir, 'issuing.key.pem'))) return dir;
    // A file name, not a decision: the system time (Ctx.clock is for decisions).
    const aside = `${base}.${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(base, aside);
    ctx.log.warn({ moved: aside }, 'demo hierarchy in the data directory has other URLs; moved aside');
  }
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  await generateDemoHierarchy(base, { baseUrl: config.publicBaseUrl, variants: [DATA_DIR_DEMO_VARIANT] });
  fs.writeFileSync(
    path.join(base, 'README.md'),
    '# Demo CA hierarchy of this kyso server: TEST KEYS ONLY\n\n' +
      'Made by the signing server on first start (the same generator as `npm run certs`), with\n' +
      `${config.publicBaseUrl} in every CRL/OCSP/CA-issuers URL. The private keys are not protected:\n` +
      'never trust this hierarchy outside tests and demos. PKCS#12 password: kyso-demo.\n',
  );
  return dir;
}

/**
 * The hierarchy's URLs are fixed in its certificates: warn (at every start) when the manifest
 * beside a demo hierarchy (the data directory's, or KYSO_DEMO_CA_DIR's parent) names another base
 * URL than KYSO_PUBLIC_URL, since then its CRL/OCSP/CA-issuer links do not reach this server.
 */
function warnIfPublicUrlMoved(ctx: Ctx): void {
  const { config } = ctx;
  if (config.demoCaDir === 'none') return;
  const base = config.demoCaDir
    ? path.dirname(config.demoCaDir)
    : path.join(config.dataDir, DATA_DIR_DEMO_CA);
  try {
    const m = JSON.parse(fs.readFileSync(path.join(base, 'manifest.json'), 'utf8')) as DemoManifest;
    if (m.baseUrl !== config.publicBaseUrl)
      ctx.log.warn(
        { hierarchyUrl: m.baseUrl, publicUrl: config.publicBaseUrl },
        'the demo hierarchy names another URL than KYSO_PUBLIC_URL; its CRL/OCSP/CA-issuer links do not reach this server',
      );
  } catch {
    // no manifest beside the hierarchy
  }
}

/**
 * The lowest CRL number a CA's counter starts from at bootstrap: past every CRL found for it (a
 * static issuing.crl numbered N gives N) and past the current time in milliseconds, so a
 * re-bootstrapped database over the same keys (a reset PostgreSQL, a deleted PGlite folder) can
 * never re-issue a number an earlier database used: issuing one CRL takes more than a millisecond.
 * Deliberately the system time, not Ctx.clock (issue 17): the number is a counter, not a time,
 * and its uniqueness rests on wall-clock time moving forward across database resets; an injected
 * clock set in the past would lower the floor below numbers already issued.
 */
function initialCrlNumber(inherited: bigint | undefined, now = Date.now()): bigint {
  const t = BigInt(now);
  return inherited !== undefined && inherited > t ? inherited : t;
}

/**
 * Creates the CA rows on first start: from the hierarchy directory (hierarchyDir) with every
 * end-entity certificate the issuing CA signed there (status from its issuing.crl, so OCSP answers
 * good or revoked for each) and the CRL numbering continued past its CRL, else a freshly generated
 * hierarchy whose keys never leave the vault. Returns a description for the log, or undefined when
 * CAs already exist.
 */
export async function bootstrapCas(ctx: Ctx, q: Queryable): Promise<string | undefined> {
  const existing = await q.query('SELECT id FROM cas LIMIT 1');
  if (existing.rows.length > 0) {
    warnIfPublicUrlMoved(ctx);
    return undefined;
  }
  const sw = ctx.vaults.software;
  const dir = await hierarchyDir(ctx);
  warnIfPublicUrlMoved(ctx);
  if (dir) {
    const variant = path.basename(dir);
    const id = `kyso-demo-${variant}`;
    const root = Certificate.fromDer(readPem(dir, 'root.pem'));
    const issuing = Certificate.fromDer(readPem(dir, 'issuing.pem'));
    const rootKey = await sw.importPkcs8(`${id}-root-key`, readPem(dir, 'root.key.pem'));
    const issKey = await sw.importPkcs8(`${id}-key`, readPem(dir, 'issuing.key.pem'));
    await storeKey(q, rootKey);
    await storeKey(q, issKey);
    let ocsp: [Certificate, StoredKey] | undefined;
    let tsa: [Certificate, StoredKey] | undefined;
    if (fs.existsSync(path.join(dir, 'ocsp-signer.key.pem'))) {
      ocsp = [
        Certificate.fromDer(readPem(dir, 'ocsp-signer.pem')),
        await sw.importPkcs8(`${id}-ocsp-key`, readPem(dir, 'ocsp-signer.key.pem')),
      ];
      await storeKey(q, ocsp[1]);
    }
    if (fs.existsSync(path.join(dir, 'tsa.key.pem'))) {
      tsa = [
        Certificate.fromDer(readPem(dir, 'tsa.pem')),
        await sw.importPkcs8(`${id}-tsa-key`, readPem(dir, 'tsa.key.pem')),
      ];
      await storeKey(q, tsa[1]);
    }
    const crl = await readIssuingCrl(dir, issuing);
    await insertCas(q, id, root, issuing, rootKey, issKey, ocsp, tsa, crl?.crlNumber);
    const imported = await importEndEntities(q, dir, id, root, issuing, crl, [ocsp?.[0], tsa?.[0]]);
    if (crl) {
      await q.query(
        'INSERT INTO crls (ca_id, number, der, this_update, next_update) VALUES ($1, $2, $3, $4, $5)',
        [id, crl.crlNumber!.toString(), crl.der, crl.thisUpdate, crl.nextUpdate ?? crl.thisUpdate],
      );
    }
    return (
      `demo CA loaded from ${dir} (TEST KEYS ONLY): ${issuing.subject}; ` +
      `${imported.valid} end-entity certificates valid, ${imported.revoked} revoked` +
      (crl ? `; CRL number ${crl.crlNumber} inherited` : '')
    );
  }
  // Generate a fresh hierarchy inside the vault.
  const now = ctx.clock.now();
  const id = 'kyso-local';
  const base = ctx.config.publicBaseUrl;
  const gen = async (kid: string, spec: KeySpec) => {
    const k = await sw.generate(kid, spec);
    await storeKey(q, k);
    return k;
  };
  const rootKey = await gen(`${id}-root-key`, { type: 'EC', curve: 'P-384' });
  const rootSigner = new VaultSigner(sw, rootKey);
  const org: [string, string][] = [
    ['C', 'VN'],
    ['O', 'Kyso Local CA'],
  ];
  const root = await issueCertificate({
    profile: 'root-ca',
    subject: Name.fromAttributes([...org, ['CN', 'Kyso Local Root CA']]),
    publicKey: rootKey.spki,
    signer: rootSigner,
    validityDays: 365 * 20,
    pathLength: 1,
    now,
  });
  const issKey = await gen(`${id}-key`, { type: 'EC', curve: 'P-256' });
  const issuing = await issueCertificate({
    profile: 'sub-ca',
    subject: Name.fromAttributes([...org, ['CN', 'Kyso Local Issuing CA']]),
    publicKey: issKey.spki,
    issuer: { certificate: root, signer: rootSigner },
    validityDays: 365 * 10,
    crlUrls: [`${base}/pki/crl/${id}-root.crl`],
    caIssuersUrls: [`${base}/pki/ca/${id}-root.cer`],
    policies: [{ oid: DEMO_POLICY_OID }],
    now,
  });
  const issSigner = new VaultSigner(sw, issKey);
  const leaf = async (profile: Profile, cn: string, kid: string): Promise<[Certificate, StoredKey]> => {
    const k = await gen(kid, { type: 'EC', curve: 'P-256' });
    const c = await issueCertificate({
      profile,
      subject: Name.fromAttributes([...org, ['CN', cn]]),
      publicKey: k.spki,
      issuer: { certificate: issuing, signer: issSigner },
      validityDays: 365,
      caIssuersUrls: [`${base}/pki/ca/${id}.cer`],
      now,
    });
    return [c, k];
  };
  const ocsp = await leaf('ocsp-signer', 'Kyso Local OCSP Responder', `${id}-ocsp-key`);
  const tsa = await leaf('tsa', 'Kyso Local TSA', `${id}-tsa-key`);
  await insertCas(q, id, root, issuing, rootKey, issKey, ocsp, tsa);
  return `new local CA hierarchy generated in the vault: ${issuing.subject}`;
}

async function insertCas(
  q: Queryable,
  id: string,
  root: Certificate,
  issuing: Certificate,
  rootKey: StoredKey,
  issKey: StoredKey,
  ocsp?: [Certificate, StoredKey],
  tsa?: [Certificate, StoredKey],
  inheritedCrlNumber?: bigint,
): Promise<void> {
  const now = Date.now(); // the CRL-number floor only: wall-clock on purpose (initialCrlNumber)
  await q.query(
    'INSERT INTO cas (id, name, cert_der, chain_der, key_id, is_default, crl_number) VALUES ($1, $2, $3, $4, $5, false, $6)',
    [
      `${id}-root`,
      root.subject.commonName ?? `${id}-root`,
      root.der,
      [],
      rootKey.id,
      initialCrlNumber(undefined, now).toString(),
    ],
  );
  await q.query(
    `INSERT INTO cas (id, name, cert_der, chain_der, key_id, is_default, ocsp_cert_der, ocsp_key_id, tsa_cert_der, tsa_key_id, crl_number)
     VALUES ($1, $2, $3, $4, $5, true, $6, $7, $8, $9, $10)`,
    [
      id,
      issuing.subject.commonName ?? id,
      issuing.der,
      [root.der],
      issKey.id,
      ocsp?.[0].der ?? null,
      ocsp?.[1].id ?? null,
      tsa?.[0].der ?? null,
      tsa?.[1].id ?? null,
      initialCrlNumber(inheritedCrlNumber, now).toString(),
    ],
  );
  await insertCertificate(q, root, null, null);
  await insertCertificate(q, issuing, `${id}-root`, null);
  if (ocsp) await insertCertificate(q, ocsp[0], id, null);
  if (tsa) await insertCertificate(q, tsa[0], id, null);
}

/** The hierarchy's issuing.crl when it is there, signed by the issuing CA and numbered; else undefined. */
async function readIssuingCrl(dir: string, issuing: Certificate): Promise<Crl | undefined> {
  const f = path.join(dir, 'issuing.crl');
  if (!fs.existsSync(f)) return undefined;
  const crl = Crl.fromDer(new Uint8Array(fs.readFileSync(f)));
  if (!crl.issuer.equals(issuing.subject) || !(await verifyCrlSignature(crl, issuing)))
    throw new Error(`${f} is not a CRL of ${issuing.subject}`);
  if (crl.crlNumber === undefined) throw new Error(`${f} has no CRL number`);
  return crl;
}

/** Files of a hierarchy directory that are not end-entity certificates. */
const NOT_END_ENTITY = new Set(['root.pem', 'issuing.pem', 'chain.pem', 'ocsp-signer.pem', 'tsa.pem']);

/**
 * Records every end-entity certificate of the hierarchy directory that its issuing CA issued (the
 * path to the root validates at the certificate's notBefore), with the status the directory's CRL
 * gives it: listed = revoked with that CRL entry's date and reason. Other files are ignored.
 */
async function importEndEntities(
  q: Queryable,
  dir: string,
  caId: string,
  root: Certificate,
  issuing: Certificate,
  crl: Crl | undefined,
  known: (Certificate | undefined)[],
): Promise<{ valid: number; revoked: number }> {
  const out = { valid: 0, revoked: 0 };
  const skip = new Set(known.filter((c) => c).map((c) => c!.serialHex));
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.pem') && !/\.(key|chain|crl)\.pem$/.test(f) && !NOT_END_ENTITY.has(f))
    .sort();
  for (const f of files) {
    const certs = Certificate.parseAll(fs.readFileSync(path.join(dir, f), 'utf8'));
    if (certs.length !== 1) continue;
    const cert = certs[0]!;
    if (cert.isCA || skip.has(cert.serialHex) || !cert.issuer.equals(issuing.subject)) continue;
    const report = await buildAndValidatePath({
      leaf: cert,
      intermediates: [issuing],
      trustStore: new TrustStore([root]),
      time: cert.notBefore,
    });
    if (!report.valid) continue;
    await insertCertificate(q, cert, caId, null);
    const entry = crl?.isRevoked(cert);
    if (entry) {
      await q.query(
        "UPDATE certificates SET status = 'revoked', revoked_at = $3, revocation_reason = $4 WHERE ca_id = $1 AND serial = $2",
        [caId, cert.serialHex, entry.revocationDate, entry.reason ?? 'unspecified'],
      );
      out.revoked++;
    } else out.valid++;
  }
  return out;
}

/** rfc822Name entries for the subject's e-mail attributes (E=). */
function emailSans(subject: Name): { type: 'email'; value: string }[] {
  return subject.attributes
    .filter((a) => a.type === OID.emailAddress)
    .map((a) => ({ type: 'email' as const, value: a.value }));
}
