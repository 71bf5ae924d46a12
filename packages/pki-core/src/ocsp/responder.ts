/**
 * OCSP responder core (RFC 6960, RFC 5019 profile): turns request bytes into signed response
 * bytes from a revocation lookup. Transport (HTTP GET/POST) is the caller's concern.
 *
 * - Malformed requests get `malformedRequest`; a request naming only issuers this responder does
 *   not serve gets `unauthorized` (RFC 5019 §2.2.3); mixed requests answer `unknown` for the
 *   foreign CertIDs. A failing lookup or signer gives `internalError`.
 * - The nonce extension is echoed (RFC 6960 §4.4.1); requests without one may be answered from
 *   pre-produced responses (`preproduce`), cached until their validity window ends.
 * - The signer is the CA itself or a delegated responder whose certificate the CA issued with
 *   id-kp-OCSPSigning (checked at construction). SHA-1 signatures are refused.
 * - On Node, with a signer that signs synchronously (`LocalSigner`), a response costs no
 *   WebCrypto hop: the issuer's CertID hashes are computed once per hash algorithm, digests use
 *   node:crypto and the signature `signer.signSync` (crypto/native-sign.ts). Other signers (PKCS#11,
 *   remote) and browsers keep the asynchronous path.
 */
import { bytesEqual, toHex } from '../bytes.js';
import { parseSignatureAlgorithm } from '../crypto/algorithms.js';
import { digest } from '../crypto/hash.js';
import { parsePublicKeyInfo } from '../crypto/keys.js';
import { nativeDigest } from '../crypto/native-sign.js';
import type { HashAlgorithm, SignatureAlgorithm, Signer } from '../crypto/types.js';
import { verifySignature } from '../crypto/verify.js';
import { serialHex } from '../der.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { Certificate } from '../x509/certificate.js';
import type { CrlReason, Extension } from '../x509/extensions.js';
import { type CertId, type OcspRequest, createCertId, parseOcspRequest, serialToBigInt } from './request.js';
import {
  type CertStatus,
  type OcspSigningParts,
  type SingleResponseInput,
  buildOcspErrorResponse,
  ocspSigningParts,
  signBasicOcspResponse,
  wrapBasicOcspResponse,
} from './response.js';

/** What a RevocationLookup answers for one serial number: good, revoked (time, reason) or unknown. */
export type RevocationLookupResult =
  | { status: 'good' }
  | { status: 'revoked'; revocationTime: Date; reason?: CrlReason }
  | { status: 'unknown' };

/** Looks up a serial number issued by this responder's CA. `serialHex` is lowercase, no sign byte. */
export type RevocationLookup = (serial: bigint, serialHex: string) => Promise<RevocationLookupResult>;

/**
 * Options of OcspResponder: the CA, the signer (CA or delegated responder), the status lookup, validity,
 * certificates sent, clock.
 */
export interface OcspResponderOptions {
  /** The CA whose certificates this responder answers for. */
  issuer: Certificate;
  /** The CA key, or a delegated responder key whose certificate is `signer.certificateChain[0]`. */
  signer: Signer;
  /** Explicit responder certificate (default: `signer.certificateChain[0]`, or the issuer when empty). */
  responderCertificate?: Certificate;
  /** Answers the status of a serial number of `issuer` (good, revoked with time and reason, unknown). */
  lookup: RevocationLookup;
  /** Seconds from thisUpdate to nextUpdate (default 3600). 0 omits nextUpdate. */
  validity?: number;
  /** Include the responder certificate in `certs` (default: true for a delegated responder, false for the CA). */
  includeCerts?: boolean;
  /** How the response names the responder (RFC 6960 §4.2.2.3 ResponderID); default 'byKey'. */
  responderIdType?: 'byName' | 'byKey';
  /** Signature algorithm (default: the signer's preferred one). */
  algorithm?: SignatureAlgorithm;
  /** Time source (default: system time). */
  clock?: () => Date;
  /** Hashes to pre-produce CertIDs for (default SHA-1 and SHA-256, what clients send). */
  preproduceHashes?: HashAlgorithm[];
}

/** Most cached pre-produced responses (bounds memory). */
export const MAX_PREPRODUCED = 100_000;

interface Cached {
  der: Uint8Array;
  expires: number;
  serial: string;
}

/**
 * An OCSP responder (RFC 6960, RFC 5019 profile): request bytes in, signed response bytes out (see the module
 * comment).
 */
export class OcspResponder {
  /** The CA this responder answers for. */
  readonly issuer: Certificate;
  /** The certificate whose key signs the responses (the CA or the delegated responder). */
  readonly responderCertificate: Certificate;
  /** Whether the responder is a delegated one (id-kp-OCSPSigning certificate issued by the CA). */
  readonly delegated: boolean;
  readonly #signer: Signer;
  readonly #lookup: RevocationLookup;
  readonly #validity: number;
  readonly #includeCerts: boolean;
  readonly #responderIdType: 'byName' | 'byKey';
  readonly #algorithm: SignatureAlgorithm;
  readonly #clock: () => Date;
  readonly #hashes: HashAlgorithm[];
  readonly #cache = new Map<string, Cached>();
  /** Earliest `expires` in the cache (eviction scans only when something can have expired). */
  #nextExpiry = Number.POSITIVE_INFINITY;
  /** The issuer's name and key hashes per CertID hash algorithm (they never change). */
  readonly #issuerHashes = new Map<HashAlgorithm, { name: Uint8Array; key: Uint8Array }>();
  #checked = false;
  /** ResponderID, algorithm and certs, encoded once on first use. */
  #parts: OcspSigningParts | undefined;

  constructor(opts: OcspResponderOptions) {
    this.issuer = opts.issuer;
    this.#signer = opts.signer;
    this.#lookup = opts.lookup;
    this.#validity = opts.validity ?? 3600;
    if (!(this.#validity >= 0)) throw new KysoError('INVALID_ARGUMENT', 'validity must be >= 0 seconds');
    this.#clock = opts.clock ?? (() => new Date());
    this.#hashes = opts.preproduceHashes ?? ['SHA-1', 'SHA-256'];
    const alg = opts.algorithm ?? opts.signer.algorithms[0];
    if (!alg) throw new KysoError('INVALID_ARGUMENT', 'signer advertises no algorithm');
    if (alg.name !== 'Ed25519' && alg.hash === 'SHA-1') {
      throw new KysoError('WEAK_ALGORITHM', 'refusing to sign OCSP responses with SHA-1');
    }
    this.#algorithm = alg;
    const chain0 = opts.signer.certificateChain[0];
    this.responderCertificate =
      opts.responderCertificate ?? (chain0 ? Certificate.fromDer(chain0) : opts.issuer);
    if (!bytesEqual(this.responderCertificate.spki, opts.signer.publicKey.der)) {
      throw new KysoError('KEY_INVALID', 'the signer key does not match the responder certificate');
    }
    this.delegated = !(
      bytesEqual(this.responderCertificate.spki, opts.issuer.spki) &&
      this.responderCertificate.subject.equals(opts.issuer.subject)
    );
    if (this.delegated) {
      if (!this.responderCertificate.issuer.equals(opts.issuer.subject)) {
        throw new KysoError(
          'INVALID_ARGUMENT',
          'delegated OCSP responder certificate is not issued by the CA',
        );
      }
      if (!this.responderCertificate.extKeyUsage?.includes(OID.ocspSigning)) {
        throw new KysoError(
          'INVALID_ARGUMENT',
          'delegated OCSP responder certificate lacks id-kp-OCSPSigning',
        );
      }
    }
    this.#includeCerts = opts.includeCerts ?? this.delegated;
    this.#responderIdType = opts.responderIdType ?? 'byKey';
  }

  /** Checks once that the CA really signed the delegated certificate (async, so not in the constructor). */
  async #checkDelegation(): Promise<void> {
    if (this.#checked || !this.delegated) return;
    const c = this.responderCertificate;
    const ok = await verifySignature(
      this.issuer.spki,
      parseSignatureAlgorithm(c.signatureAlgorithm),
      c.tbs,
      c.signatureValue,
    );
    if (!ok)
      throw new KysoError('INVALID_ARGUMENT', 'delegated OCSP responder certificate is not signed by the CA');
    this.#checked = true;
  }

  #times(now: Date): { thisUpdate: Date; nextUpdate?: Date } {
    // Whole seconds: GeneralizedTime in OCSP carries no fraction here.
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    return this.#validity > 0
      ? { thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + this.#validity * 1000) }
      : { thisUpdate };
  }

  /** Whether `id` names this responder's issuer; undefined until its hash algorithm is cached. */
  #oursCached(id: CertId): boolean | undefined {
    const h = this.#issuerHashes.get(id.hashAlgorithm);
    return h && bytesEqual(h.name, id.issuerNameHash) && bytesEqual(h.key, id.issuerKeyHash);
  }

  /** Whether `id` names this responder's issuer, from hashes computed once per algorithm. */
  async #ours(id: CertId): Promise<boolean> {
    let h = this.#issuerHashes.get(id.hashAlgorithm);
    if (!h) {
      const alg = id.hashAlgorithm;
      const nameDer = this.issuer.subject.der;
      const keyBits = parsePublicKeyInfo(this.issuer.spki).publicKey;
      h = {
        name: nativeDigest(alg, nameDer) ?? (await digest(alg, nameDer)),
        key: nativeDigest(alg, keyBits) ?? (await digest(alg, keyBits)),
      };
      this.#issuerHashes.set(alg, h);
    }
    return bytesEqual(h.name, id.issuerNameHash) && bytesEqual(h.key, id.issuerKeyHash);
  }

  async #prepare(): Promise<OcspSigningParts> {
    if (!this.#checked && this.delegated) await this.#checkDelegation();
    this.#parts ??= await ocspSigningParts({
      signer: this.#signer,
      algorithm: this.#algorithm,
      responderIdType: this.#responderIdType,
      responderCertificate: this.responderCertificate,
      certs: this.#includeCerts ? [this.responderCertificate] : [],
    });
    return this.#parts;
  }

  /** A signed OCSPResponse: no promise once prepared, when the signer signs synchronously. */
  #sign(
    responses: SingleResponseInput[],
    now: Date,
    extensions: Extension[],
  ): Uint8Array | Promise<Uint8Array> {
    const producedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const go = (parts: OcspSigningParts) => {
      const basic = signBasicOcspResponse(parts, producedAt, responses, extensions);
      return basic instanceof Uint8Array ? wrapBasicOcspResponse(basic) : basic.then(wrapBasicOcspResponse);
    };
    return this.#parts && (this.#checked || !this.delegated) ? go(this.#parts) : this.#prepare().then(go);
  }

  async #status(certId: CertId): Promise<CertStatus> {
    const serial = serialToBigInt(certId.serialNumber);
    const r = await this.#lookup(serial, serialHex(certId.serialNumber));
    if (r.status === 'revoked') {
      return r.reason !== undefined
        ? { status: 'revoked', revocationTime: r.revocationTime, reason: r.reason }
        : { status: 'revoked', revocationTime: r.revocationTime };
    }
    return { status: r.status === 'good' ? 'good' : 'unknown' };
  }

  /** Answers a DER OCSPRequest with a DER OCSPResponse. Never throws for bad input. */
  async respond(requestDer: Uint8Array): Promise<Uint8Array> {
    let req: OcspRequest;
    try {
      req = parseOcspRequest(requestDer);
    } catch (e) {
      if (e instanceof KysoError) return buildOcspErrorResponse('malformedRequest');
      throw e;
    }
    const now = this.#clock();
    this.#evict(now.getTime());
    try {
      const ours: boolean[] = [];
      for (const r of req.requests) ours.push(this.#oursCached(r.certId) ?? (await this.#ours(r.certId)));
      if (!ours.some(Boolean)) return buildOcspErrorResponse('unauthorized');

      // Pre-produced answer: one CertID, no nonce (a nonce makes every response unique).
      if (req.requests.length === 1 && req.nonceExtensionValue === undefined) {
        const hit = this.#cache.get(toHex(req.requests[0]!.certId.der));
        if (hit && hit.expires > now.getTime()) return hit.der;
      }

      const times = this.#times(now);
      const responses: SingleResponseInput[] = [];
      for (let i = 0; i < req.requests.length; i++) {
        const certId = req.requests[i]!.certId;
        const certStatus: CertStatus = ours[i] ? await this.#status(certId) : { status: 'unknown' };
        responses.push({ certId, certStatus, ...times });
      }
      const exts: Extension[] = [];
      if (req.nonceExtensionValue !== undefined) {
        exts.push({ oid: OID.ocspNonce, critical: false, value: req.nonceExtensionValue });
      }
      const signed = this.#sign(responses, now, exts);
      return signed instanceof Uint8Array ? signed : await signed;
    } catch (e) {
      if (e instanceof KysoError && e.code === 'INVALID_ARGUMENT') throw e;
      return buildOcspErrorResponse('internalError');
    }
  }

  /**
   * Pre-produces signed responses for these serials (RFC 5019 §2.2 / RFC 6960 §2.5), for CertIDs
   * with each configured hash. They are served to nonce-less requests until nextUpdate (or, with
   * `validity` 0, never cached). Returns the number of responses produced.
   */
  async preproduce(serials: (bigint | Uint8Array | string)[]): Promise<number> {
    if (this.#validity === 0) return 0;
    const now = this.#clock();
    this.#evict(now.getTime());
    const times = this.#times(now);
    let n = 0;
    for (const s of serials) {
      const serialNumber = serialBytes(s);
      for (const h of this.#hashes) {
        if (this.#cache.size >= MAX_PREPRODUCED)
          throw new KysoError('INPUT_TOO_LARGE', 'pre-produced response cache full');
        const certId = await createCertId({ serialNumber }, this.issuer, h);
        const certStatus = await this.#status(certId);
        const der = await this.#sign([{ certId, certStatus, ...times }], now, []);
        const expires = times.nextUpdate!.getTime();
        this.#cache.set(toHex(certId.der), { der, expires, serial: toHex(serialNumber) });
        if (expires < this.#nextExpiry) this.#nextExpiry = expires;
        n++;
      }
    }
    return n;
  }

  /** Drops cached responses (e.g. after a revocation, so the next answer is fresh). */
  invalidate(serial?: bigint | Uint8Array | string): void {
    if (serial === undefined) {
      this.#cache.clear();
      return;
    }
    const hex = toHex(serialBytes(serial));
    for (const [k, v] of [...this.#cache]) if (v.serial === hex) this.#cache.delete(k);
  }

  /** Number of cached pre-produced responses. */
  get cachedCount(): number {
    return this.#cache.size;
  }

  #evict(now: number): void {
    if (now < this.#nextExpiry) return; // nothing can have expired: no scan per request
    let next = Number.POSITIVE_INFINITY;
    for (const [k, v] of this.#cache) {
      if (v.expires <= now) this.#cache.delete(k);
      else if (v.expires < next) next = v.expires;
    }
    this.#nextExpiry = next;
  }
}

/** Serial as INTEGER content bytes (two's complement, minimal). Strings are hex. */
function serialBytes(s: bigint | Uint8Array | string): Uint8Array {
  if (s instanceof Uint8Array) return s;
  let n: bigint;
  if (typeof s === 'string') {
    if (!/^[0-9a-fA-F]+$/.test(s)) throw new KysoError('INVALID_ARGUMENT', `bad serial ${s}`);
    n = BigInt(`0x${s}`);
  } else n = s;
  if (n < 0n) throw new KysoError('INVALID_ARGUMENT', 'negative serial');
  let h = n.toString(16);
  if (h.length % 2) h = `0${h}`;
  if (Number.parseInt(h.slice(0, 2), 16) & 0x80) h = `00${h}`;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}
