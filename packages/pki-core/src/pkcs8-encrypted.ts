/**
 * Encrypted PKCS#8 (RFC 5958 §3 EncryptedPrivateKeyInfo; PEM label "ENCRYPTED PRIVATE KEY").
 *
 * New output: PBES2 with PBKDF2-HMAC-SHA256 (600 000 iterations, 16-byte salt) and AES-256-CBC.
 * Readable: any PBES2 that `pbe.ts` supports and the PKCS#12 PBE schemes that `openssl pkcs8 -v1`
 * writes (PBE-SHA1-3DES, PBE-SHA1-2DES, PBE-SHA1-RC2-40/128). Keys are PKCS#8 PrivateKeyInfo DER.
 */
import { DerReader, octetString, seq, Tag } from './der.js';
import { KysoError } from './errors.js';
import { derOrPem, pemEncode } from './pem.js';
import {
  iterationCap,
  MAX_PBE_ITERATIONS,
  PKCS8_DEFAULT_ITERATIONS,
  type Pbes2Options,
  parseAlgorithmIdentifier,
  pbeDecrypt,
  pbes2Encrypt,
} from './pbe.js';

/** PEM label of an EncryptedPrivateKeyInfo (RFC 7468 §11). */
export const ENCRYPTED_PRIVATE_KEY_PEM_LABEL = 'ENCRYPTED PRIVATE KEY';

/** Largest EncryptedPrivateKeyInfo accepted (an RSA-16384 key is ~10 KiB; this is generous). */
export const MAX_ENCRYPTED_PKCS8_SIZE = 1024 * 1024;

/**
 * PBES2 parameters of encryptPkcs8 (PBKDF2 iterations and PRF, cipher, salt length), each with a default.
 */
export type EncryptPkcs8Options = Partial<Pbes2Options>;

/** Limits of decryptPkcs8 (KDF work accepted before any is done). */
export interface DecryptPkcs8Options {
  /**
   * Refuse files asking for more KDF iterations than this (INPUT_TOO_LARGE), before any work.
   * Default and ceiling: MAX_PBE_ITERATIONS (10 000 000). Servers taking uploads may want less.
   */
  maxIterations?: number;
}

/**
 * Checks that `der` is a PrivateKeyInfo/OneAsymmetricKey shape:
 * SEQUENCE { INTEGER (0|1), AlgorithmIdentifier, OCTET STRING, ... }. Returns false if not.
 */
export function looksLikePrivateKeyInfo(der: Uint8Array): boolean {
  try {
    const r = new DerReader(DerReader.single(der).value);
    const version = r.readInteger();
    if (version !== 0n && version !== 1n) return false;
    parseAlgorithmIdentifier(r.read(Tag.SEQUENCE));
    r.read(Tag.OCTET_STRING);
    return true;
  } catch {
    return false;
  }
}

/**
 * Encrypts a PKCS#8 PrivateKeyInfo (DER) under `password` and returns EncryptedPrivateKeyInfo DER.
 * Defaults: AES-256-CBC, PBKDF2-HMAC-SHA256, 600 000 iterations, 16-byte salt.
 */
export async function encryptPkcs8(
  pkcs8: Uint8Array,
  password: string,
  opts: EncryptPkcs8Options = {},
): Promise<Uint8Array> {
  if (typeof password !== 'string') throw new KysoError('INVALID_ARGUMENT', 'password must be a string');
  if (!looksLikePrivateKeyInfo(pkcs8)) throw new KysoError('KEY_INVALID', 'not a PKCS#8 PrivateKeyInfo');
  const { algorithm, ciphertext } = await pbes2Encrypt(pkcs8, password, {
    ...opts,
    iterations: opts.iterations ?? PKCS8_DEFAULT_ITERATIONS,
  });
  return seq(algorithm, octetString(ciphertext));
}

/** PEM ("ENCRYPTED PRIVATE KEY") form of `encryptPkcs8`. */
export async function encryptPkcs8Pem(
  pkcs8: Uint8Array,
  password: string,
  opts: EncryptPkcs8Options = {},
): Promise<string> {
  return pemEncode(ENCRYPTED_PRIVATE_KEY_PEM_LABEL, await encryptPkcs8(pkcs8, password, opts));
}

/**
 * Decrypts EncryptedPrivateKeyInfo (DER bytes, or PEM "ENCRYPTED PRIVATE KEY" as text or bytes) and
 * returns the PKCS#8 PrivateKeyInfo DER. Wrong password => KysoError('PKCS12_BAD_PASSWORD').
 */
export async function decryptPkcs8(
  input: Uint8Array | string,
  password: string,
  opts: DecryptPkcs8Options = {},
): Promise<Uint8Array> {
  if (typeof password !== 'string') throw new KysoError('INVALID_ARGUMENT', 'password must be a string');
  const maxIterations = iterationCap(opts.maxIterations);
  // PEM text is ~4/3 of the DER; the DER bound below is the real one.
  if (input.length > MAX_ENCRYPTED_PKCS8_SIZE * 2)
    throw new KysoError('INPUT_TOO_LARGE', 'encrypted key too large');
  const der = derOrPem(input, ENCRYPTED_PRIVATE_KEY_PEM_LABEL)[0]!;
  if (der.length > MAX_ENCRYPTED_PKCS8_SIZE)
    throw new KysoError('INPUT_TOO_LARGE', 'encrypted key too large');
  return decryptEncryptedPrivateKeyInfo(DerReader.single(der).value, password, maxIterations);
}

/**
 * Decrypts the content of an EncryptedPrivateKeyInfo SEQUENCE (shared with PKCS#12 shrouded key
 * bags). The plaintext must be a PrivateKeyInfo: padding checks alone let ~1/256 wrong passwords
 * through, and those decrypt to garbage that fails this structural check.
 */
export async function decryptEncryptedPrivateKeyInfo(
  content: Uint8Array,
  password: string,
  maxIterations: number = MAX_PBE_ITERATIONS,
): Promise<Uint8Array> {
  const r = new DerReader(content);
  const alg = parseAlgorithmIdentifier(r.read(Tag.SEQUENCE));
  const data = r.readOctetString();
  r.finish('trailing data in EncryptedPrivateKeyInfo');
  const plain = await pbeDecrypt(alg, data, password, maxIterations);
  if (!looksLikePrivateKeyInfo(plain)) {
    throw new KysoError('PKCS12_BAD_PASSWORD', 'decryption failed: wrong password or corrupted data');
  }
  return plain;
}
