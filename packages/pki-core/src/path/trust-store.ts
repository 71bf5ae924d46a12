/**
 * Trust anchors and pools of untrusted certificates (the `cert_pool.go` of kyso). Both index
 * certificates by subject (RFC 5280 §7.1 comparison key) and by subject key identifier, and keep
 * insertion order so that candidate order, and therefore the chosen path, is deterministic.
 */
import { bytesEqual, toBase64, toHex } from '../bytes.js';
import { KysoError } from '../errors.js';
import { derOrPem } from '../pem.js';
import { Certificate } from '../x509/certificate.js';
import type { Name } from '../name.js';
import type { NameConstraints } from '../x509/extensions.js';
import { nameKey } from './names.js';

/** Parsed certificates kept for reuse, keyed by DER (bounded so hostile input cannot grow it). */
export const PARSE_CACHE_SIZE = 2048;
const parseCache = new Map<string, Certificate>();

/** Parses a DER certificate through a bounded cache, so a pool seen twice is parsed once. */
export function parseCertificateCached(der: Uint8Array): Certificate {
  const k = toBase64(der);
  const hit = parseCache.get(k);
  if (hit) return hit;
  const c = Certificate.fromDer(der);
  parseCache.set(k, c);
  if (parseCache.size > PARSE_CACHE_SIZE) parseCache.delete(parseCache.keys().next().value!);
  return c;
}

/** Empties the parsed-certificate cache (tests and long-running processes reloading trust). */
export function clearParseCache(): void {
  parseCache.clear();
}

/** A certificate as a parsed Certificate, DER bytes, or PEM text (several blocks allowed). */
export type CertificateInput = Certificate | Uint8Array | string;

/** Accepts parsed certificates, DER, or PEM text (possibly several blocks). */
export function toCertificates(input: CertificateInput | readonly CertificateInput[]): Certificate[] {
  const list = Array.isArray(input) ? (input as readonly CertificateInput[]) : [input as CertificateInput];
  const out: Certificate[] = [];
  for (const i of list) {
    if (i instanceof Certificate) out.push(i);
    else for (const der of derOrPem(i, 'CERTIFICATE')) out.push(parseCertificateCached(der));
  }
  return out;
}

/**
 * Constraints the relying party puts on an anchor (RFC 5914 TrustAnchorInfo style), on top of,
 * or instead of, those in the anchor certificate.
 */
export interface AnchorConstraints {
  /** Name constraints applied to every certificate below the anchor. */
  nameConstraints?: NameConstraints;
  /** Policies acceptable under this anchor (intersected with the caller's initial policy set). */
  policies?: string[];
  /** Maximum number of non-self-issued intermediates below the anchor. */
  maxPathLength?: number;
}

/** A trusted certificate and how much of it is enforced (RFC 5280 §6.1.1 / RFC 5914). */
export interface TrustAnchor {
  /** The anchor certificate (its subject name and public key start every path). */
  certificate: Certificate;
  /**
   * How much of the anchor certificate is enforced:
   * - 'certificate' (default, like Go and x509-limbo expect): the anchor's validity period,
   *   basicConstraints cA, keyCertSign, pathLenConstraint, name constraints, policy constraints,
   *   inhibitAnyPolicy and unknown critical extensions apply;
   * - 'key': RFC 5280 §6.1 taken literally, only the name and public key are used.
   */
  enforce: 'certificate' | 'key';
  /**
   * Whether the anchor's own validity period is checked (default: true with enforce
   * 'certificate', false with 'key'). Chromium's TRUSTED_ANCHOR_WITH_CONSTRAINTS enforces the
   * constraints but not expiry; TRUSTED_ANCHOR_WITH_EXPIRATION the expiry only.
   */
  checkValidity?: boolean;
  /**
   * With enforce 'certificate': whether the anchor certificate must carry basicConstraints
   * (default true). false enforces basicConstraints only when present (Chromium's
   * TRUSTED_ANCHOR_WITH_CONSTRAINTS without _REQUIRE_BASIC_CONSTRAINTS).
   */
  requireBasicConstraints?: boolean;
  /** Constraints the relying party adds on the paths below this anchor (RFC 5914 style). */
  constraints?: AnchorConstraints;
}

/** Options of TrustStore.add: how each added anchor is enforced (see TrustAnchor). */
export interface AddAnchorOptions {
  /** See `TrustAnchor.enforce` (default 'certificate'). */
  enforce?: 'certificate' | 'key';
  /** See TrustAnchor.checkValidity (default: true with 'certificate', false with 'key'). */
  checkValidity?: boolean;
  /** See TrustAnchor.requireBasicConstraints. */
  requireBasicConstraints?: boolean;
  /** See `TrustAnchor.constraints`. */
  constraints?: AnchorConstraints;
}

const derKeys = new WeakMap<Certificate, string>();
function derKey(c: Certificate): string {
  let k = derKeys.get(c);
  if (k === undefined) {
    k = toBase64(c.der);
    derKeys.set(c, k);
  }
  return k;
}

/** Certificates indexed by subject and SKI, deduplicated by DER, in insertion order. */
class Index<T extends { certificate: Certificate }> {
  readonly items: T[] = [];
  private readonly byDer = new Map<string, T>();
  private readonly bySubject = new Map<string, T[]>();
  private readonly bySki = new Map<string, T[]>();
  /** DER lengths present: most certificates asked about are not in the index at all. */
  private readonly derLengths = new Set<number>();
  /** One subject Name per distinct subject DER, by DER length (see bySubjectName). */
  private readonly bySubjectDerLength = new Map<number, Name[]>();

  add(item: T): boolean {
    const k = derKey(item.certificate);
    if (this.byDer.has(k)) return false;
    this.byDer.set(k, item);
    this.derLengths.add(item.certificate.der.length);
    this.items.push(item);
    const subject = item.certificate.subject;
    const sameLength = this.bySubjectDerLength.get(subject.der.length);
    if (!sameLength) this.bySubjectDerLength.set(subject.der.length, [subject]);
    else if (sameLength.length < 8 && !sameLength.some((n) => bytesEqual(n.der, subject.der)))
      sameLength.push(subject);
    const s = nameKey(subject);
    this.bySubject.set(s, [...(this.bySubject.get(s) ?? []), item]);
    const ski = item.certificate.subjectKeyIdentifier;
    if (ski) {
      const h = toHex(ski);
      this.bySki.set(h, [...(this.bySki.get(h) ?? []), item]);
    }
    return true;
  }

  get(cert: Certificate): T | undefined {
    // Cheap paths first (validation asks this for every candidate): the same object, or no
    // certificate with that subject at all; the DER comparison only among same-subject entries.
    if (!this.derLengths.has(cert.der.length)) return undefined;
    const same = this.bySubject.get(nameKey(cert.subject));
    if (!same) return undefined;
    for (const t of same) if (t.certificate === cert || bytesEqual(t.certificate.der, cert.der)) return t;
    return undefined;
  }

  bySubjectKey(key: string): readonly T[] {
    return this.bySubject.get(key) ?? [];
  }

  /**
   * The entries whose subject matches `name` (RFC 5280 §7.1). An indexed subject byte-identical
   * to `name` gives the comparison key without preparing `name`'s strings (a leaf's issuer is
   * usually an exact copy of its CA's subject); a few such comparisons at most, then the key.
   */
  bySubjectName(name: Name): readonly T[] {
    const der = name.der;
    const sameLength = this.bySubjectDerLength.get(der.length);
    if (sameLength) {
      for (let i = 0; i < sameLength.length && i < 8; i++) {
        const subject = sameLength[i]!;
        if (bytesEqual(subject.der, der)) return this.bySubject.get(nameKey(subject)) ?? [];
      }
    }
    return this.bySubject.get(nameKey(name)) ?? [];
  }

  bySkiHex(hex: string): readonly T[] {
    return this.bySki.get(hex) ?? [];
  }

  get size(): number {
    return this.items.length;
  }
}

/**
 * Potential issuers of `cert` from an index: same subject as cert's issuer name, with those whose
 * SKI equals cert's AKI keyIdentifier first, then those without an SKI, then mismatching SKIs
 * (kept last rather than dropped: AKI is a hint, the signature decides). Stable within each group.
 */
function issuersFrom<T extends { certificate: Certificate }>(idx: Index<T>, cert: Certificate): T[] {
  const same = idx.bySubjectName(cert.issuer);
  const aki = cert.authorityKeyIdentifier?.keyIdentifier;
  if (!aki || same.length < 2) return [...same];
  const want = toHex(aki);
  const score = (t: T) => {
    const ski = t.certificate.subjectKeyIdentifier;
    return ski === undefined ? 1 : toHex(ski) === want ? 0 : 2;
  };
  return [...same]
    .map((t, i) => ({ t, i, s: score(t) }))
    .sort((a, b) => a.s - b.s || a.i - b.i)
    .map((x) => x.t);
}

/** The trust anchors a path must end at, indexed by subject name and key identifier. */
export class TrustStore {
  private readonly index = new Index<TrustAnchor>();

  constructor(anchors: readonly (Certificate | TrustAnchor)[] = []) {
    for (const a of anchors) {
      if (a instanceof Certificate) this.add(a);
      else this.addAnchor(a);
    }
  }

  /** Adds one anchor certificate (or PEM/DER; a PEM bundle adds each). Returns the number added. */
  add(input: CertificateInput | readonly CertificateInput[], opts: AddAnchorOptions = {}): number {
    let n = 0;
    for (const c of toCertificates(input)) {
      const a: TrustAnchor = { certificate: c, enforce: opts.enforce ?? 'certificate' };
      if (opts.constraints) a.constraints = opts.constraints;
      if (opts.checkValidity !== undefined) a.checkValidity = opts.checkValidity;
      if (opts.requireBasicConstraints !== undefined)
        a.requireBasicConstraints = opts.requireBasicConstraints;
      if (this.index.add(a)) n++;
    }
    return n;
  }

  /** Adds an anchor (a certificate and how much of it is enforced); false when it is already present. */
  addAnchor(anchor: TrustAnchor): boolean {
    return this.index.add(anchor);
  }

  /** Every anchor, in insertion order. */
  get anchors(): readonly TrustAnchor[] {
    return this.index.items;
  }

  /** Number of anchors. */
  get size(): number {
    return this.index.size;
  }

  /** The anchor whose certificate is byte-identical to `cert`, if any. */
  anchorFor(cert: Certificate): TrustAnchor | undefined {
    return this.index.get(cert);
  }

  /** Anchors that may have issued `cert` (by name, AKI/SKI-preferred order). */
  issuersOf(cert: Certificate): TrustAnchor[] {
    return issuersFrom(this.index, cert);
  }
}

/** An unordered pool of untrusted certificates (intermediates, cross-certificates). */
export class CertificatePool {
  private readonly index = new Index<{ certificate: Certificate }>();
  /** Inputs that could not be parsed (kept for diagnostics; they never take part in a path). */
  readonly rejected: { input: number; error: string }[] = [];

  constructor(certs: readonly CertificateInput[] = [], opts: { skipMalformed?: boolean } = {}) {
    certs.forEach((c, i) => {
      try {
        this.add(c);
      } catch (e) {
        if (!opts.skipMalformed || !(e instanceof KysoError)) throw e;
        this.rejected.push({ input: i, error: `${e.code}: ${e.message}` });
      }
    });
  }

  /**
   * Adds untrusted certificates (DER, PEM or bundles); returns the number new to the pool. Throws
   * KysoError for unparseable input.
   */
  add(input: CertificateInput | readonly CertificateInput[]): number {
    let n = 0;
    for (const c of toCertificates(input)) if (this.index.add({ certificate: c })) n++;
    return n;
  }

  /** Every certificate of the pool. */
  get certificates(): Certificate[] {
    return this.index.items.map((i) => i.certificate);
  }

  /** Number of certificates. */
  get size(): number {
    return this.index.size;
  }

  /** Certificates of the pool that may have issued `cert` (subject = its issuer; AKI/SKI matches first). */
  issuersOf(cert: Certificate): Certificate[] {
    return issuersFrom(this.index, cert).map((i) => i.certificate);
  }
}
