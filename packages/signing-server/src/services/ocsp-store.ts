/**
 * Pre-produced OCSP responses (issue 21; RFC 5019 §2.2, RFC 6960 §2.5), kept in the database
 * (migration 032) and shared by every server process on it.
 *
 * - A request with one CertID and no nonce (or any nonce with KYSO_OCSP_NONCE=preproduced, as
 *   RFC 5019 §2.2.1 allows) for a certificate of a built-in CA is answered with the stored
 *   response; a missing or expired one is produced on the spot under the certificate row's lock.
 *   Anything else (a nonce, several CertIDs, an unknown serial, a malformed request) is signed
 *   afresh by the CA's OcspResponder and is not stored.
 * - The background job (`refresh`) re-produces every response past `refresh_after` (half its
 *   validity, at most four days after thisUpdate: CA/B Forum BR §4.9.10) and produces the SHA-1
 *   and SHA-256 ones of every unexpired certificate that lacks them. It claims certificates with
 *   SELECT … FOR UPDATE SKIP LOCKED, so several processes split the work and never produce the
 *   same response at once; the freshness is re-read under the lock before signing.
 * - A status change (`produceInTx`) re-produces the serial's responses inside the revoking
 *   transaction: once the revoke call returns, the database holds only `revoked` answers.
 * - Each process keeps answers in memory for at most KYSO_OCSP_MEMORY_CACHE_MS (never past
 *   nextUpdate); the revoking process drops its copies at once, the others within that time.
 * - Every time it decides on (thisUpdate/nextUpdate, refresh_after, what is due, memory freshness)
 *   is read from the server's clock (Ctx.clock, issue 17), not from Date.now().
 */
import crypto from 'node:crypto';
import {
  type Certificate,
  type CertId,
  type CertStatus,
  type Clock,
  encodeCertId,
  type HashAlgorithm,
  KysoError,
  type OcspRequest,
  type OcspResponder,
  type OcspSigningParts,
  ocspSigningParts,
  parseOcspRequest,
  parsePublicKeyInfo,
  serialHex,
  type Signer,
  signBasicOcspResponse,
  systemClock,
  wrapBasicOcspResponse,
} from '@kyso/pki-core';
import type { Queryable } from '../db/db.js';
import type { Ctx } from './common.js';

/** What the store needs of a built-in CA (CaRuntime in ca.ts, which owns the store). */
export interface OcspCa {
  id: string;
  cert: Certificate;
  /** Signs fresh answers. */
  ocsp: OcspResponder;
  /** The key pre-produced responses are signed with. */
  ocspSigner: Signer;
}

/** What the store needs of the CA service (CaService in ca.ts). */
export interface OcspCas {
  readonly cas: ReadonlyMap<string, OcspCa>;
  /** A freshly signed answer to any request. */
  ocsp(der: Uint8Array): Promise<Uint8Array>;
}
type CaRuntime = OcspCa;

/** The CertID hashes every certificate gets a pre-produced response for (what clients send). */
export const PREPRODUCED_HASHES: HashAlgorithm[] = ['SHA-1', 'SHA-256'];
const ALL_HASHES: HashAlgorithm[] = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
const NODE_HASH: Record<string, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};
/** Longest a pre-produced response may go unrefreshed after thisUpdate (BR §4.9.10). */
const MAX_REFRESH_MS = 4 * 86_400_000;
/** Certificates claimed per job transaction. */
const BATCH = 100;
/** Most answers a process keeps in memory (the map is cleared when full). */
const MEMORY_MAX = 10_000;

/** What HTTP caching needs to know about a response or CRL (RFC 5019 §6.2). */
export interface Cacheable {
  thisUpdate: Date;
  nextUpdate: Date;
  etag: string;
  /** thisUpdate and nextUpdate as HTTP dates (formatted once). */
  lastModified: string;
  expires: string;
}

/** An OCSP answer and what HTTP caching needs to know about it. */
export interface OcspAnswer {
  der: Uint8Array;
  /** Present for pre-produced answers (the only cacheable ones). */
  cache?: Cacheable;
}

/**
 * The caching headers of a cacheable response at `now` (max-age never past nextUpdate). Callers
 * pass the server clock's time (`ctx.clock.now().getTime()`); the default is the system time.
 */
export function cacheHeaders(
  t: Cacheable,
  maxAgeCap: number,
  now = systemClock.now().getTime(),
): Record<string, string> {
  const left = Math.max(0, Math.floor((t.nextUpdate.getTime() - now) / 1000));
  const maxAge = maxAgeCap > 0 ? Math.min(left, maxAgeCap) : left;
  return {
    'cache-control': `max-age=${maxAge}, public, no-transform, must-revalidate`,
    'last-modified': t.lastModified,
    expires: t.expires,
    etag: t.etag,
  };
}

/** Caching facts of bytes valid from thisUpdate to nextUpdate. */
export function cacheable(der: Uint8Array, thisUpdate: Date, nextUpdate: Date): Cacheable {
  return {
    thisUpdate,
    nextUpdate,
    etag: `"${crypto.createHash('sha256').update(der).digest('base64url').slice(0, 27)}"`,
    lastModified: thisUpdate.toUTCString(),
    expires: nextUpdate.toUTCString(),
  };
}

interface Row {
  der: Uint8Array;
  this_update: Date | string;
  next_update: Date | string;
}

interface Mem {
  answer: OcspAnswer;
  until: number;
}

/** The pre-produced OCSP responses of the server's CAs (CaService.ocspStore); see the module comment. */
export class OcspStore {
  /** hex(nameHash) + hex(keyHash) → CA, per CertID hash algorithm. */
  readonly #issuers = new Map<string, CaRuntime>();
  readonly #issuerHashes = new Map<string, { name: Uint8Array; key: Uint8Array }>();
  readonly #parts = new Map<string, Promise<OcspSigningParts>>();
  readonly #memory = new Map<string, Mem>();
  /** Responses this process signed (tests read it to show work is split, not repeated). */
  produced = 0;
  /** The clock every time this store decides on is read from (the context's; else the system's). */
  readonly clock: Clock;

  constructor(
    readonly ctx: Ctx,
    readonly ca: OcspCas,
    clock: Clock = ctx.clock ?? systemClock,
  ) {
    this.clock = clock;
  }

  #now(): number {
    return this.clock.now().getTime();
  }

  get #cfg() {
    return this.ctx.config.ocsp;
  }

  /** Indexes the loaded CAs by their CertID issuer hashes (call after CaService.load). */
  index(): void {
    this.#issuers.clear();
    for (const ca of this.ca.cas.values()) {
      const keyBits = parsePublicKeyInfo(ca.cert.spki).publicKey;
      for (const h of ALL_HASHES) {
        const name = nodeDigest(h, ca.cert.subject.der);
        const key = nodeDigest(h, keyBits);
        this.#issuerHashes.set(`${ca.id}|${h}`, { name, key });
        this.#issuers.set(`${h}|${hex(name)}|${hex(key)}`, ca);
      }
    }
  }

  /** Bumped by `forget`: an answer read before a status change committed is not memorised. */
  #generation = 0;

  /** Drops this process's in-memory answers (after a status change commits). */
  forget(): void {
    this.#generation++;
    this.#memory.clear();
  }

  /** A pre-produced answer this process holds in memory for a GET path segment (no I/O). */
  peek(memoryKey: string, now = this.#now()): OcspAnswer | undefined {
    const m = this.#memory.get(memoryKey);
    return m && m.until > now ? m.answer : undefined;
  }

  /**
   * Answers a GET (the path segment as received, the memory key) or POST body. Never throws for
   * bad input: malformed requests get the responder's malformedRequest answer.
   */
  async answer(der: Uint8Array, memoryKey?: string): Promise<OcspAnswer> {
    const now = this.#now();
    const generation = this.#generation;
    if (memoryKey !== undefined) {
      const m = this.#memory.get(memoryKey);
      if (m && m.until > now) return m.answer;
    }
    let req: OcspRequest | undefined;
    try {
      req = parseOcspRequest(der);
    } catch (e) {
      if (!(e instanceof KysoError)) throw e;
    }
    const target = req && this.#target(req);
    if (!target) return { der: await this.ca.ocsp(der) };
    const answer = await this.#stored(target.ca, target.serial, target.hash, now);
    if (!answer) return { der: await this.ca.ocsp(der) };
    if (memoryKey !== undefined && this.#cfg.memoryCacheMs > 0 && generation === this.#generation) {
      if (this.#memory.size >= MEMORY_MAX) this.#memory.clear();
      this.#memory.set(memoryKey, {
        answer,
        until: Math.min(now + this.#cfg.memoryCacheMs, answer.cache!.nextUpdate.getTime()),
      });
    }
    return answer;
  }

  /** The CA, serial and hash a request may be answered for from a pre-produced response. */
  #target(req: OcspRequest): { ca: CaRuntime; serial: string; hash: HashAlgorithm } | undefined {
    if (req.requests.length !== 1) return undefined;
    if (req.nonceExtensionValue !== undefined && this.#cfg.nonce !== 'preproduced') return undefined;
    const id = req.requests[0]!.certId;
    const ca = this.#issuers.get(`${id.hashAlgorithm}|${hex(id.issuerNameHash)}|${hex(id.issuerKeyHash)}`);
    if (!ca) return undefined;
    return { ca, serial: serialHex(id.serialNumber), hash: id.hashAlgorithm };
  }

  /** The stored response, or one produced now for a known certificate; undefined for unknown serials. */
  async #stored(ca: CaRuntime, serial: string, hash: HashAlgorithm, now: number) {
    const r = await this.ctx.db.query<Row>(
      'SELECT der, this_update, next_update FROM ocsp_responses WHERE ca_id = $1 AND serial = $2 AND hash_alg = $3',
      [ca.id, serial, hash],
      'kyso_ocsp_preproduced',
    );
    const row = r.rows[0];
    if (row && new Date(row.next_update).getTime() > now) return toAnswer(row);
    // Missing or expired: produce under the certificate's row lock (another process producing it
    // now makes this one wait, then find it fresh).
    return this.ctx.db.tx(async (q) => {
      const cert = await this.#lockCert(q, ca.id, serial, false);
      if (!cert) return undefined;
      const again = (
        await q.query<Row>(
          'SELECT der, this_update, next_update FROM ocsp_responses WHERE ca_id = $1 AND serial = $2 AND hash_alg = $3',
          [ca.id, serial, hash],
        )
      ).rows[0];
      if (again && new Date(again.next_update).getTime() > this.#now()) return toAnswer(again);
      const made = await this.#produce(q, ca, serial, cert, [hash]);
      return toAnswer(made[0]!);
    });
  }

  async #lockCert(
    q: Queryable,
    caId: string,
    serial: string,
    skipLocked: boolean,
  ): Promise<CertStatus | undefined> {
    const r = await q.query<{
      status: string;
      revoked_at: Date | string | null;
      revocation_reason: string | null;
    }>(
      `SELECT status, revoked_at, revocation_reason FROM certificates WHERE ca_id = $1 AND serial = $2 FOR UPDATE${skipLocked ? ' SKIP LOCKED' : ''}`,
      [caId, serial],
    );
    const row = r.rows[0];
    return row ? certStatus(row, this.#now()) : undefined;
  }

  /** Signs and stores the responses of one certificate (the caller holds its row lock). */
  async #produce(
    q: Queryable,
    ca: CaRuntime,
    serial: string,
    status: CertStatus,
    hashes: HashAlgorithm[],
  ): Promise<Row[]> {
    const validityMs = this.#cfg.validitySeconds * 1000;
    const now = this.#now();
    const thisUpdate = new Date(Math.floor(now / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + validityMs);
    // Never before now (thisUpdate is floored to the second): a pass of the job does not claim
    // again what it produced itself, even with a validity window of a second or two.
    const refreshAfter = new Date(
      Math.max(thisUpdate.getTime() + Math.min(validityMs / 2, MAX_REFRESH_MS), now + 1),
    );
    const parts = await this.#signingParts(ca);
    const serialNumber = serialBytes(serial);
    const out: Row[] = [];
    for (const h of hashes) {
      const ih = this.#issuerHashes.get(`${ca.id}|${h}`)!;
      const fields = { hashAlgorithm: h, issuerNameHash: ih.name, issuerKeyHash: ih.key, serialNumber };
      const certId: CertId = { ...fields, der: encodeCertId(fields) };
      const basic = await signBasicOcspResponse(parts, thisUpdate, [
        { certId, certStatus: status, thisUpdate, nextUpdate },
      ]);
      const der = wrapBasicOcspResponse(basic);
      await q.query(
        `INSERT INTO ocsp_responses (ca_id, serial, hash_alg, status, der, this_update, next_update, refresh_after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (ca_id, serial, hash_alg) DO UPDATE SET status = EXCLUDED.status, der = EXCLUDED.der,
           this_update = EXCLUDED.this_update, next_update = EXCLUDED.next_update, refresh_after = EXCLUDED.refresh_after`,
        [ca.id, serial, h, status.status, der, thisUpdate, nextUpdate, refreshAfter],
      );
      this.produced++;
      out.push({ der, this_update: thisUpdate, next_update: nextUpdate });
    }
    return out;
  }

  #signingParts(ca: CaRuntime): Promise<OcspSigningParts> {
    let p = this.#parts.get(ca.id);
    if (!p) {
      const r = ca.ocsp;
      p = ocspSigningParts({
        signer: ca.ocspSigner,
        responderIdType: 'byKey',
        responderCertificate: r.responderCertificate,
        certs: r.delegated ? [r.responderCertificate] : [],
      });
      this.#parts.set(ca.id, p);
      p.catch(() => this.#parts.delete(ca.id));
    }
    return p;
  }

  /**
   * Re-produces a serial's responses inside the caller's transaction (after its status changed
   * there): every hash stored for it, and at least SHA-1 and SHA-256.
   */
  async produceInTx(q: Queryable, caId: string, serial: string): Promise<void> {
    const ca = this.ca.cas.get(caId);
    if (!ca) return;
    const status = await this.#lockCert(q, caId, serial, false);
    if (!status) return;
    await this.#produce(q, ca, serial, status, await this.#hashesOf(q, caId, serial));
  }

  async #hashesOf(q: Queryable, caId: string, serial: string): Promise<HashAlgorithm[]> {
    const have = (
      await q.query<{ hash_alg: HashAlgorithm }>(
        'SELECT hash_alg FROM ocsp_responses WHERE ca_id = $1 AND serial = $2',
        [caId, serial],
      )
    ).rows.map((r) => r.hash_alg);
    return [...new Set([...PREPRODUCED_HASHES, ...have])];
  }

  /**
   * One pass of the background job: produces the missing and re-produces the due responses of
   * every unexpired certificate of the loaded CAs, in batches, each claimed with SKIP LOCKED.
   * Returns the number of responses this process signed.
   */
  async refresh(): Promise<number> {
    let total = 0;
    const caIds = [...this.ca.cas.keys()];
    // Everything due at the start of the pass; what the pass produces is due after it.
    const now = this.clock.now();
    for (;;) {
      const n = await this.ctx.db.tx(async (q) => {
        const claimed = await q.query<{
          ca_id: string;
          serial: string;
          status: string;
          revoked_at: Date | string | null;
          revocation_reason: string | null;
        }>(
          `SELECT c.ca_id, c.serial, c.status, c.revoked_at, c.revocation_reason FROM certificates c
           WHERE c.ca_id = ANY($1::text[]) AND c.not_after > $2 AND (
             EXISTS (SELECT 1 FROM ocsp_responses r WHERE r.ca_id = c.ca_id AND r.serial = c.serial AND r.refresh_after <= $2)
             OR (SELECT count(*) FROM ocsp_responses r WHERE r.ca_id = c.ca_id AND r.serial = c.serial
                 AND r.hash_alg = ANY($3::text[])) < $4)
           LIMIT $5 FOR UPDATE OF c SKIP LOCKED`,
          [caIds, now, PREPRODUCED_HASHES, PREPRODUCED_HASHES.length, BATCH],
        );
        let made = 0;
        for (const c of claimed.rows) {
          const ca = this.ca.cas.get(c.ca_id)!;
          // Re-read under the lock: another process may have produced them since our snapshot.
          const fresh = new Set(
            (
              await q.query<{ hash_alg: string }>(
                'SELECT hash_alg FROM ocsp_responses WHERE ca_id = $1 AND serial = $2 AND refresh_after > $3',
                [c.ca_id, c.serial, now],
              )
            ).rows.map((r) => r.hash_alg),
          );
          const due = (await this.#hashesOf(q, c.ca_id, c.serial)).filter((h) => !fresh.has(h));
          if (due.length)
            made += (await this.#produce(q, ca, c.serial, certStatus(c, now.getTime()), due)).length;
        }
        return { claimed: claimed.rows.length, made };
      });
      total += n.made;
      if (n.claimed < BATCH) return total;
    }
  }
}

/** Runs `store.refresh` every `intervalMs` (one pass at a time); the first pass runs at once. */
export function startOcspScheduler(
  store: OcspStore,
  opts: { intervalMs: number; log: Ctx['log'] },
): { tick(): Promise<number>; stop(): Promise<void> } {
  let running: Promise<number> | undefined;
  const tick = () =>
    (running ??= store
      .refresh()
      .then((n) => {
        if (n) opts.log.info({ responses: n }, 'OCSP responses pre-produced');
        return n;
      })
      .finally(() => {
        running = undefined;
      }));
  const run = () => {
    tick().catch((e: Error) => opts.log.error({ err: e.message }, 'OCSP pre-production failed'));
  };
  const timer = setInterval(run, opts.intervalMs);
  timer.unref();
  run();
  return {
    tick,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}

function certStatus(
  row: {
    status: string;
    revoked_at: Date | string | null;
    revocation_reason: string | null;
  },
  now: number,
): CertStatus {
  if (row.status === 'valid') return { status: 'good' };
  return {
    status: 'revoked',
    revocationTime: new Date(Math.floor(new Date(row.revoked_at ?? now).getTime() / 1000) * 1000),
    reason: (row.status === 'suspended'
      ? 'certificateHold'
      : (row.revocation_reason ?? 'unspecified')) as 'unspecified',
  };
}

function toAnswer(row: Row): OcspAnswer {
  return { der: row.der, cache: cacheable(row.der, new Date(row.this_update), new Date(row.next_update)) };
}

function nodeDigest(h: HashAlgorithm, data: Uint8Array): Uint8Array {
  return new Uint8Array(crypto.createHash(NODE_HASH[h]!).update(data).digest());
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Serial hex (as stored: minimal, no sign byte) → INTEGER content bytes. */
function serialBytes(s: string): Uint8Array {
  let h = s.length % 2 ? `0${s}` : s;
  if (Number.parseInt(h.slice(0, 2), 16) & 0x80) h = `00${h}`;
  return new Uint8Array(Buffer.from(h, 'hex'));
}
