/**
 * ML-DSA (FIPS 204) verification, for X.509 (RFC 9881) and CMS (RFC 9882): pure ML-DSA with an
 * empty context string, AlgorithmIdentifier and SubjectPublicKeyInfo parameters absent. Verify
 * only (through @noble/post-quantum; WebCrypto in Node 20 has no ML-DSA): kyso never signs with it.
 * @noble/post-quantum is imported on the first ML-DSA signature met, not when this module loads
 * (its evaluation costs tens of milliseconds at every `kyso` start otherwise).
 */
import { KysoError } from '../errors.js';
import type { MlDsaParameterSet } from './types.js';

export type { MlDsaParameterSet } from './types.js';

/** id-ml-dsa-44/65/87 (NIST CSOR, RFC 9881 §2). */
export const OID_ML_DSA_44 = '2.16.840.1.101.3.4.3.17';
export const OID_ML_DSA_65 = '2.16.840.1.101.3.4.3.18';
export const OID_ML_DSA_87 = '2.16.840.1.101.3.4.3.19';

export const ML_DSA_BY_OID: ReadonlyMap<string, MlDsaParameterSet> = new Map<string, MlDsaParameterSet>([
  [OID_ML_DSA_44, 'ML-DSA-44'],
  [OID_ML_DSA_65, 'ML-DSA-65'],
  [OID_ML_DSA_87, 'ML-DSA-87'],
]);

/** Public key and signature sizes in bytes (FIPS 204 Table 2). */
export const ML_DSA_SIZES: Record<MlDsaParameterSet, { publicKey: number; signature: number }> = {
  'ML-DSA-44': { publicKey: 1312, signature: 2420 },
  'ML-DSA-65': { publicKey: 1952, signature: 3309 },
  'ML-DSA-87': { publicKey: 2592, signature: 4627 },
};

type MlDsaModule = typeof import('@noble/post-quantum/ml-dsa.js');
let impl: Promise<MlDsaModule> | undefined;
/** @noble/post-quantum's ML-DSA, loaded once on first use. */
function mlDsaImpl(): Promise<MlDsaModule> {
  impl ??= import('@noble/post-quantum/ml-dsa.js');
  return impl;
}
const IMPL_NAME = { 'ML-DSA-44': 'ml_dsa44', 'ML-DSA-65': 'ml_dsa65', 'ML-DSA-87': 'ml_dsa87' } as const;

/** The ML-DSA parameter set of an algorithm or key OID, or undefined. */
export function mlDsaParameterSet(oid: string): MlDsaParameterSet | undefined {
  return ML_DSA_BY_OID.get(oid);
}

/** Checks an ML-DSA public key's length (RFC 9881 §4: the raw FIPS 204 encoding, no wrapping). */
export function checkMlDsaPublicKey(set: MlDsaParameterSet, publicKey: Uint8Array): void {
  if (publicKey.length !== ML_DSA_SIZES[set].publicKey) {
    throw new KysoError('KEY_INVALID', `${set} public key must be ${ML_DSA_SIZES[set].publicKey} bytes`);
  }
}

/**
 * ML-DSA.Verify (FIPS 204 Algorithm 3) with ctx = the empty string, as RFC 9881 §3 and RFC 9882
 * §3 require. False for a wrong signature (any length other than the parameter set's included).
 */
export async function verifyMlDsa(
  set: MlDsaParameterSet,
  publicKey: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  checkMlDsaPublicKey(set, publicKey);
  if (signature.length !== ML_DSA_SIZES[set].signature) return false;
  const mod = await mlDsaImpl();
  try {
    return mod[IMPL_NAME[set]].verify(signature, data, publicKey);
  } catch {
    return false;
  }
}
