/**
 * Certificate signature checks with caches: parsed signature algorithms and public keys per
 * certificate (WeakMaps, so nothing outlives the certificates), and imported WebCrypto keys in
 * crypto/verify.ts. Every real verification is charged to the budget; repeats within one
 * validation are answered from the per-validation cache for free.
 */
import { parseVerifyAlgorithm } from '../crypto/algorithms.js';
import {
  OID_DSA,
  dsaKeyHasParameters,
  dsaKeyInheritsParameters,
  withInheritedDsaParameters,
} from '../crypto/dsa.js';
import { parsePublicKeyInfo } from '../crypto/keys.js';
import { ML_DSA_BY_OID } from '../crypto/ml-dsa.js';
import type { PublicKeyInfo, VerifyAlgorithm } from '../crypto/types.js';
import { verifySignature } from '../crypto/verify.js';
import { isKysoError } from '../errors.js';
import type { Certificate } from '../x509/certificate.js';
import type { Budget } from './budget.js';
import { OID } from '../oids.js';

/** Key algorithms without a signing `spec` that kyso still verifies: DSA, Ed448, ML-DSA. */
const VERIFY_ONLY_KEY_OIDS: ReadonlySet<string> = new Set([OID_DSA, OID.ed448, ...ML_DSA_BY_OID.keys()]);

export type SignatureOutcome =
  | { ok: true }
  | { ok: false; reason: 'SIGNATURE_INVALID' | 'UNSUPPORTED_ALGORITHM'; detail: string };

type Parsed<T> = { value: T } | { error: string };

const algCache = new WeakMap<Certificate, Parsed<VerifyAlgorithm>>();
const keyCache = new WeakMap<Certificate, Parsed<PublicKeyInfo>>();

function parsed<T>(cache: WeakMap<Certificate, Parsed<T>>, c: Certificate, f: () => T): Parsed<T> {
  let p = cache.get(c);
  if (!p) {
    try {
      p = { value: f() };
    } catch (e) {
      if (!isKysoError(e)) throw e;
      p = { error: `${e.code}: ${e.message}` };
    }
    cache.set(c, p);
  }
  return p;
}

/**
 * Parsed AlgorithmIdentifiers by their DER: every certificate a CA issues carries the same few
 * bytes. Results are frozen (shared between certificates); bounded, cleared when full.
 */
const ALG_MEMO_SIZE = 256;
const algMemo = new Map<string, Parsed<VerifyAlgorithm>>();

/** The certificate's signature algorithm, legacy DSA included (verification only). */
export function signatureAlgorithmOf(c: Certificate): Parsed<VerifyAlgorithm> {
  let p = algCache.get(c);
  if (p) return p;
  const der = c.signatureAlgorithm;
  const k = der.length <= 128 ? String.fromCharCode.apply(null, der as unknown as number[]) : undefined;
  const hit = k === undefined ? undefined : algMemo.get(k);
  if (hit) p = hit;
  else {
    p = parsed(algCache, c, () => Object.freeze(parseVerifyAlgorithm(der)) as VerifyAlgorithm);
    if (k !== undefined) {
      if (algMemo.size >= ALG_MEMO_SIZE) algMemo.clear();
      algMemo.set(k, p);
    }
  }
  algCache.set(c, p);
  return p;
}

export function publicKeyOf(c: Certificate): Parsed<PublicKeyInfo> {
  return parsed(keyCache, c, () => parsePublicKeyInfo(c.spki));
}

/**
 * True when `subject`'s DSA signature can only be checked once the path above `issuer` is known:
 * the issuer's DSA key inherits its parameters (RFC 5280 §6.1.4 (f)).
 */
export function needsInheritedDsaParameters(subject: Certificate, issuer: Certificate): boolean {
  const alg = signatureAlgorithmOf(subject);
  const key = publicKeyOf(issuer);
  return 'value' in alg && alg.value.name === 'DSA' && 'value' in key && dsaKeyInheritsParameters(key.value);
}

/**
 * The working public key of `chain[k]` (RFC 5280 §6.1.4 (e)-(f)): its own key, with DSA
 * parameters inherited from the nearest DSA key above it that has them. Undefined when a
 * parameter-less DSA key has no such ancestor (or a non-DSA key interrupts the chain).
 */
export function workingPublicKey(chain: readonly Certificate[], k: number): PublicKeyInfo | undefined {
  const own = publicKeyOf(chain[k]!);
  if (!('value' in own)) return undefined;
  if (!dsaKeyInheritsParameters(own.value)) return own.value;
  for (let j = k + 1; j < chain.length; j++) {
    const up = publicKeyOf(chain[j]!);
    if (!('value' in up) || up.value.algorithmOid !== OID_DSA) return undefined;
    if (dsaKeyHasParameters(up.value)) return withInheritedDsaParameters(own.value, up.value);
  }
  return undefined;
}

/**
 * Signature outcomes kept across validations, per (subject, issuer) certificate object: the
 * outcome depends only on their DER, which a Certificate never changes. Warm intermediates are
 * then verified once per process, not once per validation. Weak, so nothing outlives the objects.
 */
const outcomeCache = new WeakMap<Certificate, WeakMap<Certificate, Promise<SignatureOutcome>>>();

/** Per-validation memo of (subject, issuer) signature results. */
export class SignatureChecker {
  private readonly memo = new Map<Certificate, Map<Certificate, Promise<SignatureOutcome>>>();
  verifications = 0;

  constructor(private readonly budget: Budget) {}

  /**
   * `issuerKey`: the issuer's working public key when it differs from its certificate's SPKI
   * (inherited DSA parameters); such checks are not memoised (the parameters depend on the path).
   */
  check(subject: Certificate, issuer: Certificate, issuerKey?: PublicKeyInfo): Promise<SignatureOutcome> {
    if (issuerKey) return this.run(subject, issuer, issuerKey);
    let inner = this.memo.get(subject);
    if (!inner) {
      inner = new Map();
      this.memo.set(subject, inner);
    }
    const hit = inner.get(issuer);
    if (hit) return hit;
    let across = outcomeCache.get(subject);
    let p = across?.get(issuer);
    if (p) {
      // Charged as if verified, so limits do not depend on what earlier validations cached.
      this.budget.consume('signatures');
      this.verifications++;
    } else {
      p = this.run(subject, issuer);
      if (!across) {
        across = new WeakMap();
        outcomeCache.set(subject, across);
      }
      across.set(issuer, p);
    }
    inner.set(issuer, p);
    return p;
  }

  private async run(
    subject: Certificate,
    issuer: Certificate,
    issuerKey?: PublicKeyInfo,
  ): Promise<SignatureOutcome> {
    const alg = signatureAlgorithmOf(subject);
    if ('error' in alg)
      return { ok: false, reason: 'UNSUPPORTED_ALGORITHM', detail: `signature algorithm: ${alg.error}` };
    const key = issuerKey ? { value: issuerKey } : publicKeyOf(issuer);
    if ('error' in key)
      return { ok: false, reason: 'UNSUPPORTED_ALGORITHM', detail: `issuer public key: ${key.error}` };
    if (!key.value.spec && !VERIFY_ONLY_KEY_OIDS.has(key.value.algorithmOid))
      return {
        ok: false,
        reason: 'UNSUPPORTED_ALGORITHM',
        detail: 'issuer public key algorithm not supported',
      };
    this.budget.consume('signatures');
    this.verifications++;
    try {
      const ok = await verifySignature(key.value, alg.value, subject.tbs, subject.signatureValue);
      return ok
        ? { ok: true }
        : { ok: false, reason: 'SIGNATURE_INVALID', detail: 'signature does not verify with the issuer key' };
    } catch (e) {
      if (!isKysoError(e)) throw e;
      const reason = e.code === 'UNSUPPORTED_ALGORITHM' ? 'UNSUPPORTED_ALGORITHM' : 'SIGNATURE_INVALID';
      return { ok: false, reason, detail: `${e.code}: ${e.message}` };
    }
  }
}
