/**
 * Password-based encryption for PKCS#8 and PKCS#12.
 *
 * - PBES2 (RFC 8018 §6.2) with PBKDF2 (HMAC-SHA-1/256/384/512) and AES-128/192/256-CBC: encrypt and
 *   decrypt, through WebCrypto. DES-EDE3-CBC as a PBES2 cipher is readable (legacy).
 * - PKCS#12 PBE (RFC 7292 Appendix B/C): the PKCS#12 KDF, pbeWithSHAAnd3-KeyTripleDES-CBC,
 *   pbeWithSHAAnd2-KeyTripleDES-CBC, pbeWithSHAAnd128BitRC2-CBC and pbeWithSHAAnd40BitRC2-CBC.
 *   Read-only: kyso never writes these.
 *
 * Passwords: PBES2 uses the UTF-8 bytes of the password (what OpenSSL does, in PKCS#8 and inside
 * PKCS#12); the PKCS#12 KDF uses BMPString (UTF-16BE) with a trailing NUL (RFC 7292 B.1).
 * Passwords are never logged nor put in error messages.
 */
import { concatBytes, randomBytes, utf8Encode } from './bytes.js';
import { type Der, type DerElement, DerReader, integer, octetString, oid, seq, Tag, nul } from './der.js';
import { KysoError } from './errors.js';
import { HASH_LEN } from './crypto/hash.js';
import { OID } from './oids.js';
import { type LegacyCipher, type LegacyHash, iteratedHash, legacyDecrypt } from './pbe-legacy.js';

/**
 * Upper bound on any iteration count we will run (PBKDF2 or PKCS#12 KDF). A hostile file could
 * otherwise ask for 2^31 iterations and pin a CPU for hours. 10 million is ~16x OWASP's 2023
 * PBKDF2-HMAC-SHA256 recommendation (600 000) and takes a few seconds.
 */
export const MAX_PBE_ITERATIONS = 10_000_000;
/** Salts longer than this are refused (real ones are 8 to 64 bytes). */
export const MAX_PBE_SALT_LENGTH = 1024;
/**
 * Default PBKDF2 iterations for encrypted PKCS#8: OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
 * A stand-alone key file is the prime offline brute-force target, so it gets the full count.
 */
export const PKCS8_DEFAULT_ITERATIONS = 600_000;
/** Default salt length for new PBKDF2 output (RFC 8018 asks for at least 8; NIST SP 800-132 16). */
export const PBE_DEFAULT_SALT_LENGTH = 16;

export type PbeHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
export type Pbes2Cipher = 'AES-128-CBC' | 'AES-192-CBC' | 'AES-256-CBC';

/** Options for new PBES2 output. SHA-1 is not offered as a PRF for new output. */
export interface Pbes2Options {
  /** PBKDF2 iteration count (1..MAX_PBE_ITERATIONS). */
  iterations: number;
  /** Default AES-256-CBC. */
  cipher?: Pbes2Cipher;
  /** PBKDF2 PRF, default HMAC-SHA-256. */
  prf?: 'SHA-256' | 'SHA-384' | 'SHA-512';
  /** Default 16 bytes. */
  saltLength?: number;
}

const PRF_BY_OID: Record<string, PbeHash> = {
  [OID.hmacWithSHA1]: 'SHA-1',
  [OID.hmacWithSHA256]: 'SHA-256',
  [OID.hmacWithSHA384]: 'SHA-384',
  [OID.hmacWithSHA512]: 'SHA-512',
};
const PRF_OID: Record<PbeHash, string> = {
  'SHA-1': OID.hmacWithSHA1,
  'SHA-256': OID.hmacWithSHA256,
  'SHA-384': OID.hmacWithSHA384,
  'SHA-512': OID.hmacWithSHA512,
};
const AES_BY_OID: Record<string, Pbes2Cipher> = {
  [OID.aes128Cbc]: 'AES-128-CBC',
  [OID.aes192Cbc]: 'AES-192-CBC',
  [OID.aes256Cbc]: 'AES-256-CBC',
};
const AES_OID: Record<Pbes2Cipher, string> = {
  'AES-128-CBC': OID.aes128Cbc,
  'AES-192-CBC': OID.aes192Cbc,
  'AES-256-CBC': OID.aes256Cbc,
};
const AES_KEY_LEN: Record<Pbes2Cipher, number> = { 'AES-128-CBC': 16, 'AES-192-CBC': 24, 'AES-256-CBC': 32 };

/** PKCS#12 PBE algorithms (RFC 7292 Appendix C), all SHA-1 based. */
export const PKCS12_PBE_OID = {
  sha1Rc4_128: '1.2.840.113549.1.12.1.1',
  sha1Rc4_40: '1.2.840.113549.1.12.1.2',
  sha1TripleDes3Key: OID.pbeWithSHAAnd3KeyTripleDESCBC,
  sha1TripleDes2Key: '1.2.840.113549.1.12.1.4',
  sha1Rc2_128: '1.2.840.113549.1.12.1.5',
  sha1Rc2_40: OID.pbeWithSHAAnd40BitRC2CBC,
} as const;

interface Pkcs12PbeSpec {
  keyLength: number;
  cipher: LegacyCipher;
  /** 2-key 3DES: K1 K2 K1. */
  twoKey?: boolean;
}
const PKCS12_PBE: Record<string, Pkcs12PbeSpec> = {
  [PKCS12_PBE_OID.sha1TripleDes3Key]: { keyLength: 24, cipher: { name: '3DES-CBC' } },
  [PKCS12_PBE_OID.sha1TripleDes2Key]: { keyLength: 16, cipher: { name: '3DES-CBC' }, twoKey: true },
  [PKCS12_PBE_OID.sha1Rc2_128]: { keyLength: 16, cipher: { name: 'RC2-CBC', effectiveBits: 128 } },
  [PKCS12_PBE_OID.sha1Rc2_40]: { keyLength: 5, cipher: { name: 'RC2-CBC', effectiveBits: 40 } },
};

const badPassword = (): KysoError =>
  new KysoError('PKCS12_BAD_PASSWORD', 'decryption failed: wrong password or corrupted data');
const invalid = (msg: string): KysoError => new KysoError('PKCS12_INVALID', msg);

// -----------------------------------------------------------------------------------------------
// Small shared helpers
// -----------------------------------------------------------------------------------------------

/** WebCrypto wants ArrayBuffer-backed views; ours always are. */
const bs = (u: Uint8Array): Uint8Array<ArrayBuffer> => u as Uint8Array<ArrayBuffer>;

export interface AlgorithmIdentifier {
  oid: string;
  params?: DerElement;
}

/** Parses an AlgorithmIdentifier element (SEQUENCE { OID, params ANY OPTIONAL }). */
export function parseAlgorithmIdentifier(el: DerElement): AlgorithmIdentifier {
  if (el.tag !== Tag.SEQUENCE) throw new KysoError('ASN1_SCHEMA', 'AlgorithmIdentifier must be a SEQUENCE');
  const r = new DerReader(el.value, el.offset + el.raw.length - el.value.length);
  const o = r.readOid();
  const params = r.done ? undefined : r.read();
  r.finish('trailing data in AlgorithmIdentifier');
  return params ? { oid: o, params } : { oid: o };
}

function subReader(el: DerElement): DerReader {
  return new DerReader(el.value, el.offset + el.raw.length - el.value.length);
}

/** Reads an iteration count INTEGER and bounds it by `max` (default MAX_PBE_ITERATIONS). */
export function readIterations(r: DerReader, max: number = MAX_PBE_ITERATIONS): number {
  const n = r.readInteger();
  if (n < 1n) throw invalid('iteration count must be at least 1');
  if (n > BigInt(Math.min(max, MAX_PBE_ITERATIONS))) {
    throw new KysoError('INPUT_TOO_LARGE', `iteration count exceeds ${Math.min(max, MAX_PBE_ITERATIONS)}`);
  }
  return Number(n);
}

/** Validates a caller-supplied iteration cap (1..MAX_PBE_ITERATIONS); undefined means the maximum. */
export function iterationCap(max: number | undefined): number {
  if (max === undefined) return MAX_PBE_ITERATIONS;
  if (!Number.isSafeInteger(max) || max < 1 || max > MAX_PBE_ITERATIONS) {
    throw new KysoError('INVALID_ARGUMENT', `maxIterations must be an integer in 1..${MAX_PBE_ITERATIONS}`);
  }
  return max;
}

export function checkIterations(n: number, what = 'iterations'): void {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new KysoError('INVALID_ARGUMENT', `${what} must be a positive integer`);
  if (n > MAX_PBE_ITERATIONS) throw new KysoError('INPUT_TOO_LARGE', `${what} exceeds ${MAX_PBE_ITERATIONS}`);
}

function readSalt(r: DerReader): Uint8Array {
  const salt = r.readOctetString();
  if (salt.length > MAX_PBE_SALT_LENGTH) throw new KysoError('INPUT_TOO_LARGE', 'PBE salt too long');
  return salt;
}

const HASH_BLOCK: Record<PbeHash, number> = { 'SHA-1': 64, 'SHA-256': 64, 'SHA-384': 128, 'SHA-512': 128 };

/** Wraps WebCrypto failures (which are DOMExceptions) into KysoError. */
async function webcrypto<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof KysoError) throw e;
    throw new KysoError('UNSUPPORTED_ALGORITHM', `${what} failed in WebCrypto`);
  }
}

// -----------------------------------------------------------------------------------------------
// PBKDF2, HMAC
// -----------------------------------------------------------------------------------------------

export async function pbkdf2(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  hash: PbeHash,
  length: number,
): Promise<Uint8Array> {
  checkIterations(iterations);
  return webcrypto('PBKDF2', async () => {
    const subtle = globalThis.crypto.subtle;
    const key = await subtle.importKey('raw', bs(password), 'PBKDF2', false, ['deriveBits']);
    const bits = await subtle.deriveBits(
      { name: 'PBKDF2', salt: bs(salt), iterations, hash },
      key,
      length * 8,
    );
    return new Uint8Array(bits);
  });
}

export async function hmac(hash: PbeHash, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return webcrypto('HMAC', async () => {
    const subtle = globalThis.crypto.subtle;
    const k = await subtle.importKey('raw', bs(key), { name: 'HMAC', hash }, false, ['sign']);
    return new Uint8Array(await subtle.sign('HMAC', k, bs(data)));
  });
}

// -----------------------------------------------------------------------------------------------
// PKCS#12 KDF (RFC 7292 Appendix B)
// -----------------------------------------------------------------------------------------------

/** Purpose byte of the PKCS#12 KDF. */
export const Pkcs12KdfId = { key: 1, iv: 2, mac: 3 } as const;

/**
 * BMPString encoding of a password with the two-byte NUL terminator (RFC 7292 B.1). Characters
 * outside the BMP become UTF-16 surrogate pairs, as OpenSSL's OPENSSL_utf82uni does.
 */
export function bmpPassword(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    const c = password.charCodeAt(i);
    out[2 * i] = c >> 8;
    out[2 * i + 1] = c & 0xff;
  }
  return out;
}

/** RFC 7292 B.2: derive `n` bytes for purpose `id` from the (already BMP-encoded) password. */
export async function pkcs12Kdf(
  hash: PbeHash,
  password: Uint8Array,
  salt: Uint8Array,
  id: number,
  iterations: number,
  n: number,
): Promise<Uint8Array> {
  checkIterations(iterations);
  const u = HASH_LEN[hash];
  const v = HASH_BLOCK[hash];
  const D = new Uint8Array(v).fill(id);
  const fill = (src: Uint8Array): Uint8Array => {
    const len = v * Math.ceil(src.length / v);
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const I = concatBytes(fill(salt), fill(password));
  const c = Math.ceil(n / u);
  const out = new Uint8Array(c * u);
  for (let i = 0; i < c; i++) {
    const A = await iteratedHash(hash as LegacyHash, concatBytes(D, I), iterations);
    out.set(A, i * u);
    if (i + 1 === c) break;
    const B = new Uint8Array(v);
    for (let k = 0; k < v; k++) B[k] = A[k % u]!;
    // I_j = (I_j + B + 1) mod 2^v for each v-byte block of I.
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const s = I[j + k]! + B[k]! + carry;
        I[j + k] = s & 0xff;
        carry = s >> 8;
      }
    }
  }
  return out.subarray(0, n);
}

// -----------------------------------------------------------------------------------------------
// PBES2
// -----------------------------------------------------------------------------------------------

interface Pbes2Params {
  salt: Uint8Array;
  iterations: number;
  prf: PbeHash;
  keyLength?: number;
  cipher: { kind: 'AES'; name: Pbes2Cipher } | { kind: '3DES' };
  iv: Uint8Array;
}

function parsePbes2Params(params: DerElement | undefined, maxIterations = MAX_PBE_ITERATIONS): Pbes2Params {
  if (!params || params.tag !== Tag.SEQUENCE) throw invalid('PBES2 parameters missing');
  const r = subReader(params);
  const kdf = parseAlgorithmIdentifier(r.read(Tag.SEQUENCE));
  const enc = parseAlgorithmIdentifier(r.read(Tag.SEQUENCE));
  r.finish('trailing data in PBES2 parameters');
  if (kdf.oid !== OID.pbkdf2)
    throw new KysoError('UNSUPPORTED_ALGORITHM', `PBES2 KDF ${kdf.oid} not supported`);
  if (!kdf.params || kdf.params.tag !== Tag.SEQUENCE) throw invalid('PBKDF2 parameters missing');
  const k = subReader(kdf.params);
  if (k.peekTag() !== Tag.OCTET_STRING)
    throw new KysoError('UNSUPPORTED_ALGORITHM', 'PBKDF2 salt source not supported');
  const salt = readSalt(k);
  const iterations = readIterations(k, maxIterations);
  let keyLength: number | undefined;
  if (k.peekTag() === Tag.INTEGER) {
    const kl = k.readInteger();
    if (kl < 1n || kl > 64n) throw invalid('PBKDF2 key length out of range');
    keyLength = Number(kl);
  }
  let prf: PbeHash = 'SHA-1';
  if (!k.done) {
    const p = parseAlgorithmIdentifier(k.read(Tag.SEQUENCE));
    const h = PRF_BY_OID[p.oid];
    if (!h) throw new KysoError('UNSUPPORTED_ALGORITHM', `PBKDF2 PRF ${p.oid} not supported`);
    if (p.params && p.params.tag !== Tag.NULL) throw invalid('PBKDF2 PRF parameters must be NULL or absent');
    if (p.params) subReader(p.params).finish('NULL must be empty');
    prf = h;
  }
  k.finish('trailing data in PBKDF2 parameters');

  const ivOf = (len: number): Uint8Array => {
    if (!enc.params || enc.params.tag !== Tag.OCTET_STRING || enc.params.value.length !== len) {
      throw invalid(`PBES2 cipher IV must be an OCTET STRING of ${len} bytes`);
    }
    return enc.params.value;
  };
  const aes = AES_BY_OID[enc.oid];
  let cipher: Pbes2Params['cipher'];
  let iv: Uint8Array;
  if (aes) {
    cipher = { kind: 'AES', name: aes };
    iv = ivOf(16);
    if (keyLength !== undefined && keyLength !== AES_KEY_LEN[aes])
      throw invalid('PBKDF2 key length does not match AES');
  } else if (enc.oid === OID.desEde3Cbc) {
    cipher = { kind: '3DES' };
    iv = ivOf(8);
    if (keyLength !== undefined && keyLength !== 24) throw invalid('PBKDF2 key length does not match 3DES');
  } else {
    throw new KysoError('UNSUPPORTED_ALGORITHM', `PBES2 cipher ${enc.oid} not supported`);
  }
  return keyLength === undefined
    ? { salt, iterations, prf, cipher, iv }
    : { salt, iterations, prf, cipher, iv, keyLength };
}

async function pbes2Decrypt(
  params: Pbes2Params,
  password: string,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  const pw = utf8Encode(password);
  if (params.cipher.kind === '3DES') {
    const key = await pbkdf2(pw, params.salt, params.iterations, params.prf, 24);
    return legacyDecrypt({ name: '3DES-CBC' }, key, params.iv, ciphertext);
  }
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
    throw invalid('ciphertext length is not a multiple of the AES block size');
  }
  const key = await pbkdf2(pw, params.salt, params.iterations, params.prf, AES_KEY_LEN[params.cipher.name]);
  const subtle = globalThis.crypto.subtle;
  const k = await webcrypto('AES key import', () =>
    subtle.importKey('raw', bs(key), 'AES-CBC', false, ['decrypt']),
  );
  try {
    return new Uint8Array(await subtle.decrypt({ name: 'AES-CBC', iv: bs(params.iv) }, k, bs(ciphertext)));
  } catch {
    // WebCrypto reports bad padding as OperationError: the key (password) is wrong.
    throw badPassword();
  }
}

export interface Pbes2Result {
  /** The AlgorithmIdentifier DER (pbes2 with its parameters). */
  algorithm: Der;
  ciphertext: Uint8Array;
}

/** PBES2 encryption (PBKDF2 + AES-CBC) with the UTF-8 bytes of `password`. */
export async function pbes2Encrypt(
  data: Uint8Array,
  password: string,
  opts: Pbes2Options,
): Promise<Pbes2Result> {
  const cipher = opts.cipher ?? 'AES-256-CBC';
  const prf = opts.prf ?? 'SHA-256';
  const saltLength = opts.saltLength ?? PBE_DEFAULT_SALT_LENGTH;
  if (!AES_OID[cipher]) throw new KysoError('INVALID_ARGUMENT', `unsupported PBES2 cipher ${String(cipher)}`);
  if (!PRF_OID[prf] || prf === ('SHA-1' as string))
    throw new KysoError('INVALID_ARGUMENT', `unsupported PRF ${prf}`);
  if (!Number.isInteger(saltLength) || saltLength < 8 || saltLength > 64) {
    throw new KysoError('INVALID_ARGUMENT', 'salt length must be 8..64 bytes');
  }
  checkIterations(opts.iterations);
  const salt = randomBytes(saltLength);
  const iv = randomBytes(16);
  const key = await pbkdf2(utf8Encode(password), salt, opts.iterations, prf, AES_KEY_LEN[cipher]);
  const subtle = globalThis.crypto.subtle;
  const ciphertext = await webcrypto('AES-CBC encryption', async () => {
    const k = await subtle.importKey('raw', bs(key), 'AES-CBC', false, ['encrypt']);
    return new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv: bs(iv) }, k, bs(data)));
  });
  // PBKDF2-params: keyLength omitted (implied by the cipher), as OpenSSL writes it.
  const algorithm = seq(
    oid(OID.pbes2),
    seq(
      seq(oid(OID.pbkdf2), seq(octetString(salt), integer(opts.iterations), seq(oid(PRF_OID[prf]), nul()))),
      seq(oid(AES_OID[cipher]), octetString(iv)),
    ),
  );
  return { algorithm, ciphertext };
}

// -----------------------------------------------------------------------------------------------
// PKCS#12 PBE (legacy, read-only)
// -----------------------------------------------------------------------------------------------

async function pkcs12PbeDecrypt(
  spec: Pkcs12PbeSpec,
  params: DerElement | undefined,
  password: string,
  ciphertext: Uint8Array,
  maxIterations: number,
): Promise<Uint8Array> {
  if (!params || params.tag !== Tag.SEQUENCE) throw invalid('PKCS#12 PBE parameters missing');
  const r = subReader(params);
  const salt = readSalt(r);
  const iterations = readIterations(r, maxIterations);
  r.finish('trailing data in PKCS#12 PBE parameters');
  const pw = bmpPassword(password);
  let key = await pkcs12Kdf('SHA-1', pw, salt, Pkcs12KdfId.key, iterations, spec.keyLength);
  const iv = await pkcs12Kdf('SHA-1', pw, salt, Pkcs12KdfId.iv, iterations, 8);
  if (spec.twoKey) key = concatBytes(key, key.subarray(0, 8));
  return legacyDecrypt(spec.cipher, key, iv, ciphertext);
}

/** Iteration count an encryption AlgorithmIdentifier asks for (for work budgets), 0 if unknown. */
export function pbeIterations(alg: AlgorithmIdentifier): number {
  try {
    if (alg.oid === OID.pbes2) return parsePbes2Params(alg.params).iterations;
    if (PKCS12_PBE[alg.oid] && alg.params) {
      const r = subReader(alg.params);
      readSalt(r);
      return readIterations(r);
    }
  } catch (e) {
    if (e instanceof KysoError && e.code === 'INPUT_TOO_LARGE') throw e;
  }
  return 0;
}

/**
 * Decrypts data encrypted under a password-based AlgorithmIdentifier: PBES2 (PBKDF2 + AES/3DES) or
 * a PKCS#12 PBE scheme. Wrong password => KysoError('PKCS12_BAD_PASSWORD') (detected by padding,
 * so about 1 in 256 wrong passwords pass this step; callers must also check the plaintext parses).
 * Iteration counts above `maxIterations` are refused with INPUT_TOO_LARGE before any work.
 */
export async function pbeDecrypt(
  alg: AlgorithmIdentifier,
  ciphertext: Uint8Array,
  password: string,
  maxIterations: number = MAX_PBE_ITERATIONS,
): Promise<Uint8Array> {
  if (alg.oid === OID.pbes2)
    return pbes2Decrypt(parsePbes2Params(alg.params, maxIterations), password, ciphertext);
  const spec = PKCS12_PBE[alg.oid];
  if (spec) return pkcs12PbeDecrypt(spec, alg.params, password, ciphertext, maxIterations);
  throw new KysoError('UNSUPPORTED_ALGORITHM', `password-based encryption ${alg.oid} not supported`);
}
