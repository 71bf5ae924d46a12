/**
 * Certificate signature checks with caches: parsed signature algorithms and public keys per
 * certificate (WeakMaps, so nothing outlives the certificates), and imported WebCrypto keys in
 * crypto/verify.ts. Every real verification is charged to the budget; repeats within one
 * validation are answered from the per-validation cache for free.
 */
import { parseSignatureAlgorithm } from '../crypto/algorithms.js';
import { parsePublicKeyInfo } from '../crypto/keys.js';
import type { PublicKeyInfo, SignatureAlgorithm } from '../crypto/types.js';
import { verifySignature } from '../crypto/verify.js';
import { isKysoError } from '../errors.js';
import type { Certificate } from '../x509/certificate.js';
import type { Budget } from './budget.js';

export type SignatureOutcome =
  | { ok: true }
  | { ok: false; reason: 'SIGNATURE_INVALID' | 'UNSUPPORTED_ALGORITHM'; detail: string };

type Parsed<T> = { value: T } | { error: string };

const algCache = new WeakMap<Certificate, Parsed<SignatureAlgorithm>>();
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

export function signatureAlgorithmOf(c: Certificate): Parsed<SignatureAlgorithm> {
  return parsed(algCache, c, () => parseSignatureAlgorithm(c.signatureAlgorithm));
}

export function publicKeyOf(c: Certificate): Parsed<PublicKeyInfo> {
  return parsed(keyCache, c, () => parsePublicKeyInfo(c.spki));
}

/** Per-validation memo of (subject, issuer) signature results. */
export class SignatureChecker {
  private readonly memo = new Map<Certificate, Map<Certificate, Promise<SignatureOutcome>>>();
  verifications = 0;

  constructor(private readonly budget: Budget) {}

  check(subject: Certificate, issuer: Certificate): Promise<SignatureOutcome> {
    let inner = this.memo.get(subject);
    if (!inner) {
      inner = new Map();
      this.memo.set(subject, inner);
    }
    const hit = inner.get(issuer);
    if (hit) return hit;
    const p = this.run(subject, issuer);
    inner.set(issuer, p);
    return p;
  }

  private async run(subject: Certificate, issuer: Certificate): Promise<SignatureOutcome> {
    const alg = signatureAlgorithmOf(subject);
    if ('error' in alg)
      return { ok: false, reason: 'UNSUPPORTED_ALGORITHM', detail: `signature algorithm: ${alg.error}` };
    const key = publicKeyOf(issuer);
    if ('error' in key)
      return { ok: false, reason: 'UNSUPPORTED_ALGORITHM', detail: `issuer public key: ${key.error}` };
    if (!key.value.spec)
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
