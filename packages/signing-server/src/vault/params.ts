/**
 * The one validation of client-controlled signing parameters (signAlgo, signAlgoParams, the hash
 * algorithm and the digests) against a key. The CSC services run it before a SAD is consumed and
 * every vault runs it again before it touches the key, so a parameter the vault would refuse is
 * always refused first with 400 invalid_request while the SAD is still unspent.
 *
 * Rules:
 * - the signature algorithm is RSA PKCS#1 v1.5, RSASSA-PSS or ECDSA (Ed25519 cannot sign a
 *   precomputed hash) with SHA-256, SHA-384 or SHA-512 (SHA-1 is refused for new signatures);
 * - it fits the key type (RSA algorithms need an RSA key, ECDSA an EC key);
 * - RSASSA-PSS (RFC 8017 §9.1.1, RFC 4055 §3.1): MGF1 with the message hash, trailerField 1,
 *   0 ≤ saltLength ≤ emLen − hLen − 2 with emLen = ⌈(modBits − 1) / 8⌉ (RSA-2048/SHA-256: 222);
 * - RSA PKCS#1 v1.5 (RFC 8017 §9.2): emLen ≥ tLen + 11 (always true for the ≥ 2048-bit keys kyso
 *   creates; checked for imported or token keys);
 * - every digest has the hash algorithm's length.
 */
import {
  der,
  type HashAlgorithm,
  type KeySpec,
  OID,
  parseSignatureAlgorithm,
  type SignatureAlgorithm,
} from '@kyso/pki-core';
import { VaultError } from './prehash.js';

const HASH_LENGTH: Record<string, number> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };
/** DER length of DigestInfo (RFC 8017 §9.2 note 1): 19 bytes of prefix + hLen. */
const DIGEST_INFO_PREFIX = 19;

/** A signing parameter the vault will not use; services answer it with 400 invalid_request. */
export class SigningParamsError extends VaultError {
  constructor(message: string) {
    super(message);
    this.name = 'SigningParamsError';
  }
}

/** Largest RSASSA-PSS salt for a modulus of `modBits` bits and a hash of `hLen` bytes. */
export function maxPssSaltLength(modBits: number, hLen: number): number {
  return Math.ceil((modBits - 1) / 8) - hLen - 2;
}

/**
 * Throws SigningParamsError unless `alg` can sign `digests` with a key of `spec`. Pure and cheap
 * (no key access): the signHash fast path runs it per request.
 */
export function checkSigningParams(
  alg: SignatureAlgorithm,
  spec: KeySpec,
  digests: readonly Uint8Array[] = [],
): void {
  if (alg.name !== 'RSA-PKCS1' && alg.name !== 'RSA-PSS' && alg.name !== 'ECDSA')
    throw new SigningParamsError(`${alg.name} cannot sign a precomputed hash`);
  const hLen = HASH_LENGTH[alg.hash];
  if (hLen === undefined)
    throw new SigningParamsError(`hash ${String(alg.hash)} is not allowed (SHA-256, SHA-384, SHA-512)`);
  if (alg.name === 'ECDSA') {
    if (spec.type !== 'EC') throw new SigningParamsError('signAlgo does not fit the credential key');
  } else {
    if (spec.type !== 'RSA') throw new SigningParamsError('signAlgo does not fit the credential key');
    const emLen = Math.ceil((spec.modulusLength - 1) / 8);
    if (alg.name === 'RSA-PKCS1' && Math.ceil(spec.modulusLength / 8) < DIGEST_INFO_PREFIX + hLen + 11)
      throw new SigningParamsError('the RSA key is too short for this hash');
    if (alg.name === 'RSA-PSS') {
      const max = maxPssSaltLength(spec.modulusLength, hLen);
      const s = alg.saltLength;
      if (!Number.isSafeInteger(s) || s < 0 || s > max || emLen < hLen + 2)
        throw new SigningParamsError(
          `RSASSA-PSS saltLength must be between 0 and ${Math.max(max, 0)} for this key and hash (RFC 8017 9.1.1)`,
        );
    }
  }
  for (const d of digests)
    if (d.length !== hLen)
      throw new SigningParamsError(
        `hash length does not match the hash algorithm (every hash must be a ${alg.hash} digest)`,
      );
}

/** CSC signAlgo OIDs that name a key algorithm only (the hash comes from hashAlgorithmOID). */
const RSA_ENCRYPTION = OID.rsaEncryption;
const EC_PUBLIC_KEY = OID.ecPublicKey;

/**
 * The signature algorithm a CSC client asks for (signAlgo OID, base64 DER signAlgoParams) with
 * `hash` (from hashAlgorithmOID or the document), checked against the key with
 * `checkSigningParams`. `signAlgo` undefined: the key's default algorithm for `hash`. RSASSA-PSS
 * without signAlgoParams: refused unless `pssDefault` (then saltLength = hLen, RFC 8017's common
 * choice, MGF1 with the same hash).
 */
export function signingAlgorithm(
  signAlgo: unknown,
  signAlgoParams: unknown,
  hash: HashAlgorithm,
  spec: KeySpec,
  opts: { pssDefault?: boolean } = {},
): SignatureAlgorithm {
  if (signAlgoParams !== undefined && typeof signAlgoParams !== 'string')
    throw new SigningParamsError('signAlgoParams must be a base64 string');
  let alg: SignatureAlgorithm;
  if (signAlgo === undefined)
    alg = spec.type === 'EC' ? { name: 'ECDSA', hash } : { name: 'RSA-PKCS1', hash };
  else if (typeof signAlgo !== 'string' || !/^[0-2](\.(0|[1-9][0-9]{0,9})){1,20}$/.test(signAlgo))
    throw new SigningParamsError('signAlgo not supported');
  else if (signAlgo === RSA_ENCRYPTION) alg = { name: 'RSA-PKCS1', hash };
  else if (signAlgo === EC_PUBLIC_KEY) alg = { name: 'ECDSA', hash };
  else if (signAlgo === OID.rsassaPss) {
    if (signAlgoParams === undefined) {
      if (!opts.pssDefault)
        throw new SigningParamsError(
          'signAlgoParams (base64 DER RSASSA-PSS-params) are required for RSASSA-PSS',
        );
      alg = { name: 'RSA-PSS', hash, saltLength: HASH_LENGTH[hash] ?? 32 };
    } else {
      const p = decodeB64(signAlgoParams);
      if (!p) throw new SigningParamsError('signAlgoParams must be base64 DER RSASSA-PSS-params');
      try {
        alg = parseSignatureAlgorithm(der.seq(der.oid(OID.rsassaPss), p));
      } catch (e) {
        throw new SigningParamsError(`invalid signAlgoParams: ${(e as Error).message.slice(0, 200)}`);
      }
    }
  } else {
    // Absent parameters or DER NULL ("BQA=", RFC 3279 §2.2.1) only.
    if (signAlgoParams !== undefined && signAlgoParams !== '' && signAlgoParams !== 'BQA=')
      throw new SigningParamsError('signAlgoParams are only used with RSASSA-PSS');
    try {
      alg = parseSignatureAlgorithm(der.seq(der.oid(signAlgo)));
    } catch {
      throw new SigningParamsError('signAlgo not supported');
    }
  }
  if (alg.name === 'Ed25519') throw new SigningParamsError('signAlgo not supported');
  if (alg.hash !== hash) throw new SigningParamsError('signAlgo hash does not match hashAlgorithmOID');
  checkSigningParams(alg, spec);
  return alg;
}

function decodeB64(s: string): Uint8Array | undefined {
  if (s.length === 0 || s.length > 1024 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  if (b.toString('base64').replace(/=+$/, '') !== s.replace(/=+$/, '')) return undefined;
  return new Uint8Array(b);
}
